<?php

declare(strict_types=1);

namespace TagCache\Tests;

use Cache\TagInterop\TaggableCacheItemInterface;
use Cache\TagInterop\TaggableCacheItemPoolInterface;
use PHPUnit\Framework\TestCase;
use Psr\Cache\CacheItemInterface;
use Psr\Cache\InvalidArgumentException;
use TagCache\CacheItemPool;

/** What the PSR-6 suites do not check: batching, namespaces, tags on the server, failures. */
final class CacheItemPoolTest extends TestCase
{
    private \TagCache $client;

    private string $ns;

    private CacheItemPool $pool;

    protected function setUp(): void
    {
        $this->client = TestServer::newClient();
        $this->ns = TestServer::namespace('p6');
        $this->pool = new CacheItemPool($this->client, $this->ns);
    }

    protected function tearDown(): void
    {
        $this->pool->clear();
    }

    public function testImplementsTagInterop(): void
    {
        $this->assertInstanceOf(TaggableCacheItemPoolInterface::class, $this->pool);
        $this->assertInstanceOf(TaggableCacheItemInterface::class, $this->pool->getItem('k'));
    }

    public function testDeferredSavesAreOnePipelinedBatch(): void
    {
        for ($i = 0; $i < 20; $i++) {
            $item = $this->pool->getItem("k$i")->set($i)->setTags(["t$i", 'all']);
            if ($i === 19) {
                $item->expiresAfter(-1);
            }
            $this->pool->saveDeferred($item);
        }
        $this->assertSame(0, TestServer::roundTrips($this->client, fn () => $this->pool->getItem('k3')), 'a deferred item is read without the server');
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->assertTrue($this->pool->commit())));
        $items = [];
        $this->assertSame(1, TestServer::roundTrips($this->client, function () use (&$items) {
            $items = $this->pool->getItems(array_map(fn ($i) => "k$i", range(0, 19)));
        }));
        $this->assertSame(3, $items['k3']->get());
        $this->assertSame(['t3', 'all'], $items['k3']->getPreviousTags());
        $this->assertFalse($items['k19']->isHit());
        $this->assertCount(19, $this->client->keysByTag("{$this->ns}:tag:all"));
    }

    public function testTagsAreKeptWhenAnItemIsSavedAgain(): void
    {
        $this->pool->save($this->pool->getItem('k')->set(1)->setTags(['a', 'b']));
        $item = $this->pool->getItem('k');
        $this->assertSame(['a', 'b'], $item->getTags());
        $this->pool->save($item->set(2));
        $this->assertSame(['a', 'b'], $this->pool->getItem('k')->getPreviousTags());
        $this->pool->save($this->pool->getItem('k')->addTags(['c']));
        $this->assertSame(['a', 'b', 'c'], $this->pool->getItem('k')->getPreviousTags());
        $this->pool->invalidateTag('c');
        $this->assertFalse($this->pool->hasItem('k'));
    }

    public function testInvalidationReachesDeferredItemsAndOnlyThisNamespace(): void
    {
        $other = new CacheItemPool($this->client, TestServer::namespace('p6o'));
        $other->save($other->getItem('k')->set('theirs')->setTags(['t']));
        $this->pool->saveDeferred($this->pool->getItem('k')->set('mine')->setTags(['t']));
        $this->pool->invalidateTags(['t']);
        $this->pool->commit();
        $this->assertFalse($this->pool->hasItem('k'));
        $this->assertSame('theirs', $other->getItem('k')->get());
        $other->clear();
    }

    public function testExpiry(): void
    {
        $this->pool->save($this->pool->getItem('after')->set(1)->expiresAfter(1));
        $this->pool->save($this->pool->getItem('interval')->set(1)->expiresAfter(new \DateInterval('PT1S')));
        $this->pool->save($this->pool->getItem('at')->set(1)->expiresAt(new \DateTimeImmutable('+1 second')));
        $this->pool->save($this->pool->getItem('long')->set(1)->expiresAfter(3600));
        $default = new CacheItemPool($this->client, $this->ns, 1);
        $default->save($default->getItem('default')->set(1));
        usleep(1_300_000);
        $hits = array_map(fn (CacheItemInterface $i) => $i->isHit(), $this->pool->getItems(['after', 'interval', 'at', 'long', 'default']));
        $this->assertSame(['after' => false, 'interval' => false, 'at' => false, 'long' => true, 'default' => false], $hits);
    }

    public function testBadArgumentsAreRefused(): void
    {
        foreach (["a,b", "a\tb", "a\nb", "\xff", 'a:b'] as $bad) {
            try {
                $this->pool->getItem($bad);
                $this->fail('accepted key ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
            }
        }
        foreach (["a,b", "a\tb", 'a ', 'a@b', 1] as $bad) {
            try {
                $this->pool->getItem('k')->setTags([$bad]);
                $this->fail('accepted tag ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
            }
            try {
                $this->pool->invalidateTags([$bad]);
                $this->fail('accepted tag ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
            }
        }
        try {
            $this->pool->getItem('k')->expiresAfter('10');
            $this->fail('accepted a string TTL');
        } catch (InvalidArgumentException $e) {
        }
        $foreign = new class () implements CacheItemInterface {
            public function getKey(): string
            {
                return 'k';
            }

            public function get(): mixed
            {
                return null;
            }

            public function isHit(): bool
            {
                return false;
            }

            public function set($value): static
            {
                return $this;
            }

            public function expiresAt($expiration): static
            {
                return $this;
            }

            public function expiresAfter($time): static
            {
                return $this;
            }
        };
        $this->expectException(InvalidArgumentException::class);
        $this->pool->save($foreign);
    }

    public function testServerFailureDegradesAndIsLogged(): void
    {
        $down = new CacheItemPool(TestServer::newClient(['port' => SymfonyAdapterTest::closedPort(), 'connect_timeout_ms' => 200, 'retry' => 0]));
        $log = new RecordingLogger();
        $down->setLogger($log);
        $this->assertFalse($down->getItem('k')->isHit());
        $this->assertFalse($down->save($down->getItem('k')->set(1)));
        $down->saveDeferred($down->getItem('d')->set(1));
        $this->assertFalse($down->commit());
        $this->assertFalse($down->invalidateTags(['t']));
        $operations = array_map(fn ($r) => explode(' ', $r[1])[1], $log->records);
        $this->assertSame(['getItem', 'getItem', 'save', 'getItem', 'commit', 'invalidateTags'], $operations);
    }
}
