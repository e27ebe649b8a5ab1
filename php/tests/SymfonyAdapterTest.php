<?php

declare(strict_types=1);

namespace TagCache\Tests;

use PHPUnit\Framework\TestCase;
use Psr\Cache\InvalidArgumentException;
use Symfony\Component\Cache\Adapter\TagAwareAdapterInterface;
use Symfony\Component\Cache\CacheItem;
use Symfony\Contracts\Cache\ItemInterface;
use Symfony\Contracts\Cache\TagAwareCacheInterface;
use TagCache\CacheItemPool;
use TagCache\Symfony\TagCacheAdapter;

/** The Symfony adapter's cache-contracts behaviour, against the server. */
final class SymfonyAdapterTest extends TestCase
{
    private string $ns;

    private TagCacheAdapter $cache;

    protected function setUp(): void
    {
        $this->ns = TestServer::namespace('sfc');
        $this->cache = new TagCacheAdapter(TestServer::client(), $this->ns);
    }

    protected function tearDown(): void
    {
        $this->cache->clear();
    }

    public function testImplementsTheSymfonyInterfaces(): void
    {
        $this->assertInstanceOf(TagAwareAdapterInterface::class, $this->cache);
        $this->assertInstanceOf(TagAwareCacheInterface::class, $this->cache);
    }

    public function testCallbackIsComputedOnceThenServedFromTheServer(): void
    {
        $calls = 0;
        $compute = function (ItemInterface $item) use (&$calls) {
            $calls++;
            $this->assertFalse($item->isHit());
            return ['computed', $calls];
        };
        $this->assertSame(['computed', 1], $this->cache->get('k', $compute));
        $this->assertSame(['computed', 1], $this->cache->get('k', $compute));
        // a second adapter on the namespace reads the same stored item
        $other = new TagCacheAdapter(TestServer::client(), $this->ns);
        $this->assertSame(['computed', 1], $other->get('k', $compute));
        $this->assertSame(1, $calls);
    }

    public function testFalseAndNullAreValuesNotMisses(): void
    {
        $calls = 0;
        foreach (['f' => false, 'n' => null, 'z' => 0, 'e' => ''] as $key => $value) {
            $compute = function () use (&$calls, $value) {
                $calls++;
                return $value;
            };
            $this->assertSame($value, $this->cache->get($key, $compute));
            $this->assertSame($value, $this->cache->get($key, $compute));
            $item = $this->cache->getItem($key);
            $this->assertTrue($item->isHit());
            $this->assertSame($value, $item->get());
        }
        $this->assertSame(4, $calls);
    }

    public function testSaveFalseKeepsTheValueOutOfTheCache(): void
    {
        $v = $this->cache->get('k', function (ItemInterface $item, bool &$save) {
            $save = false;
            return 'not stored';
        });
        $this->assertSame('not stored', $v);
        $this->assertFalse($this->cache->hasItem('k'));
    }

    public function testTagsFromTheCallbackAndInvalidation(): void
    {
        $this->cache->get('a', fn (ItemInterface $i) => $i->tag(['red', 'round']) ? 'apple' : null);
        $this->cache->get('b', fn (ItemInterface $i) => $i->tag('yellow') ? 'banana' : null);
        $this->cache->get('c', fn (ItemInterface $i) => $i->tag(['red']) ? 'cherry' : null);

        $item = $this->cache->getItem('a');
        $this->assertSame(['red' => 'red', 'round' => 'round'], $item->getMetadata()[ItemInterface::METADATA_TAGS]);

        $this->assertTrue($this->cache->invalidateTags(['red']));
        $this->assertFalse($this->cache->hasItem('a'));
        $this->assertFalse($this->cache->hasItem('c'));
        $this->assertSame('banana', $this->cache->getItem('b')->get());

        // recomputed after the invalidation
        $this->assertSame('cherry 2', $this->cache->get('c', fn () => 'cherry 2'));
    }

    public function testTagsAreNamespaced(): void
    {
        $other = new TagCacheAdapter(TestServer::client(), TestServer::namespace('sfo'));
        try {
            $this->cache->get('k', fn (ItemInterface $i) => $i->tag('t') ? 'mine' : null);
            $other->get('k', fn (ItemInterface $i) => $i->tag('t') ? 'theirs' : null);
            $other->invalidateTags(['t']);
            $this->assertSame('mine', $this->cache->getItem('k')->get());
            $this->assertFalse($other->hasItem('k'));

            $other->get('k2', fn () => 'theirs');
            $this->cache->clear();
            $this->assertFalse($this->cache->hasItem('k'));
            $this->assertSame('theirs', $other->getItem('k2')->get());
        } finally {
            $other->clear();
        }
    }

    public function testMetadataHoldsExpiryAndComputationTime(): void
    {
        $before = microtime(true);
        $metadata = null;
        $this->cache->get('k', function (ItemInterface $item) {
            $item->expiresAfter(60);
            usleep(30_000);
            return 'slow';
        }, null, $metadata);
        $this->assertEqualsWithDelta($before + 60, $metadata[ItemInterface::METADATA_EXPIRY], 1.0);
        $this->assertGreaterThanOrEqual(30, $metadata[ItemInterface::METADATA_CTIME]);
        $this->assertLessThan(5000, $metadata[ItemInterface::METADATA_CTIME]);

        // a later read gets the same metadata from the server
        $again = null;
        $this->assertSame('slow', $this->cache->get('k', fn () => $this->fail('must not recompute'), 0.0, $again));
        $this->assertEqualsWithDelta($metadata[ItemInterface::METADATA_EXPIRY], $again[ItemInterface::METADATA_EXPIRY], 0.001);
        $this->assertSame($metadata[ItemInterface::METADATA_CTIME], $again[ItemInterface::METADATA_CTIME]);
        $this->assertSame($again, $this->cache->getItem('k')->getMetadata());
    }

    public function testBetaInfinityAlwaysRecomputes(): void
    {
        $this->cache->get('k', fn () => 'first');
        $this->assertSame('second', $this->cache->get('k', fn () => 'second', INF));
        $this->assertSame('second', $this->cache->getItem('k')->get());
    }

    public function testEarlyExpirationFollowsBeta(): void
    {
        $this->cache->get('k', function (ItemInterface $item) {
            $item->expiresAfter(3600);
            usleep(2_000);
            return 'v1';
        });
        // beta 0: an item an hour from expiry is never recomputed early
        for ($i = 0; $i < 20; $i++) {
            $this->assertSame('v1', $this->cache->get('k', fn () => 'v2', 0.0));
        }
        // a beta so large that ctime x beta x -log(random) exceeds the hour
        // left (it fails only if random_int() returns PHP_INT_MAX exactly)
        $this->assertSame('v2', $this->cache->get('k', fn () => 'v2', 1e12));
        $this->assertSame('v2', $this->cache->getItem('k')->get());
    }

    public function testNegativeBetaIsRefused(): void
    {
        $this->expectException(InvalidArgumentException::class);
        $this->cache->get('k', fn () => 1, -1.0);
    }

    public function testItemsWithoutExpiryHaveNoEarlyExpirationMetadata(): void
    {
        $metadata = null;
        $this->cache->get('k', fn () => 'forever', null, $metadata);
        $this->assertSame([], $metadata);
        $this->assertSame([], $this->cache->getItem('k')->getMetadata());
    }

    public function testDefaultLifetimeApplies(): void
    {
        $cache = new TagCacheAdapter(TestServer::client(), $this->ns, 1);
        $metadata = null;
        $cache->get('short', fn () => 'v', null, $metadata);
        $this->assertEqualsWithDelta(microtime(true) + 1, $metadata[ItemInterface::METADATA_EXPIRY], 0.5);
        $this->assertTrue($cache->hasItem('short'));
        usleep(1_300_000);
        $this->assertFalse($cache->hasItem('short'));
    }

    public function testProtocolCharactersAreRefusedBeforeSending(): void
    {
        $this->cache->get('k', fn () => 'kept');
        foreach (["a,b", "a\tb", "a\nb", "a\rb", '', 'a:b', "\xff"] as $bad) {
            try {
                $this->cache->getItem($bad);
                $this->fail('accepted key ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
                $this->assertInstanceOf(\Symfony\Component\Cache\Exception\InvalidArgumentException::class, $e);
            }
        }
        foreach (["x,y", "x\ty", 'x ', "x\n"] as $bad) {
            try {
                $this->cache->get('k', fn (ItemInterface $i) => $i->tag($bad) ? 'replaced' : null, INF);
                $this->fail('accepted tag ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
                $this->assertStringContainsString('tag', $e->getMessage());
            }
            try {
                $this->cache->invalidateTags([$bad]);
                $this->fail('accepted tag ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
                $this->assertStringContainsString('tag', $e->getMessage());
            }
        }
        $this->assertSame('kept', $this->cache->getItem('k')->get());
    }

    public function testDeferredItemsAreCommittedInOneBatchAndHonourInvalidation(): void
    {
        $a = $this->cache->getItem('a')->set(1)->tag('one');
        $b = $this->cache->getItem('b')->set(2)->tag('two');
        $c = $this->cache->getItem('c')->set(3)->tag('two');
        foreach ([$a, $b, $c] as $item) {
            $this->assertTrue($this->cache->saveDeferred($item));
        }
        $this->assertSame(2, $this->cache->getItem('b')->get());
        $this->cache->invalidateTags(['two']);
        $this->assertFalse($this->cache->hasItem('b'));
        $before = TestServer::counters();
        $this->assertTrue($this->cache->commit());
        $after = TestServer::counters();
        $this->assertSame(1, $after['puts'] - $before['puts']);
        $this->assertSame(1, $this->cache->getItem('a')->get());
        $this->assertFalse($this->cache->hasItem('c'));
    }

    public function testClearWithAPrefixRemovesOnlyThoseKeys(): void
    {
        foreach (['user.1', 'user.2', 'post.1'] as $k) {
            $this->cache->save($this->cache->getItem($k)->set($k));
        }
        $this->assertTrue($this->cache->clear('user.'));
        $this->assertFalse($this->cache->hasItem('user.1'));
        $this->assertFalse($this->cache->hasItem('user.2'));
        $this->assertSame('post.1', $this->cache->getItem('post.1')->get());
    }

    public function testAnItemFromAnotherAdapterCanBeSaved(): void
    {
        $array = new \Symfony\Component\Cache\Adapter\ArrayAdapter();
        $item = $array->getItem('k')->set('from array');
        $this->assertTrue($this->cache->save($item));
        $this->assertSame('from array', $this->cache->getItem('k')->get());
    }

    public function testSharesItsNamespaceWithThePsr6Pool(): void
    {
        $this->cache->get('k', fn (ItemInterface $i) => $i->tag(['a', 'b']) ? ['v'] : null);
        $pool = new CacheItemPool(TestServer::client(), $this->ns);
        $item = $pool->getItem('k');
        $this->assertSame(['v'], $item->get());
        $this->assertSame(['a', 'b'], $item->getPreviousTags());
        $pool->invalidateTags(['b']);
        $this->assertFalse($this->cache->hasItem('k'));
    }

    public function testServerFailureDegradesToMissesAndIsLogged(): void
    {
        $down = new TagCacheAdapter(TestServer::newClient(['port' => self::closedPort(), 'connect_timeout_ms' => 200, 'retry' => 0]), 'down');
        $log = new RecordingLogger();
        $down->setLogger($log);
        $this->assertFalse($down->getItem('k')->isHit());
        $this->assertSame('computed', $down->get('k', fn () => 'computed'));
        $this->assertFalse($down->save($down->getItem('k')->set(1)));
        $this->assertFalse($down->invalidateTags(['t']));
        $this->assertFalse($down->clear());
        $this->assertGreaterThanOrEqual(5, \count($log->records));
        $this->assertSame('warning', $log->records[0][0]);
        $this->assertStringContainsString('TagCache getItem failed', $log->records[0][1]);
        $this->assertInstanceOf(\TagCacheConnectionException::class, $log->records[0][2]['exception']);
    }

    /** A port nothing listens on: bound, then closed. */
    public static function closedPort(): int
    {
        $s = stream_socket_server('tcp://127.0.0.1:0');
        $name = stream_socket_get_name($s, false);
        fclose($s);
        return (int) substr($name, strrpos($name, ':') + 1);
    }
}
