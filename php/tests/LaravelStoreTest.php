<?php

declare(strict_types=1);

namespace TagCache\Tests;

use Illuminate\Cache\Events\KeyForgotten;
use Illuminate\Cache\Events\KeyWritten;
use Illuminate\Contracts\Cache\LockTimeoutException;
use Illuminate\Events\Dispatcher;
use PHPUnit\Framework\TestCase;
use Psr\SimpleCache\InvalidArgumentException;
use TagCache\Laravel\Repository;
use TagCache\Laravel\TagCacheStore;
use TagCache\Laravel\TaggedCache;

/**
 * The Laravel store through the Repository the tagcache driver returns (a
 * subclass of Illuminate\Cache\Repository that batches multi-key writes),
 * against the server. LaravelPlainRepositoryTest runs the same through
 * Illuminate\Cache\Repository itself.
 */
class LaravelStoreTest extends TestCase
{
    protected \TagCache $client;

    protected string $prefix;

    protected TagCacheStore $store;

    protected \Illuminate\Cache\Repository $cache;

    /** @var list<object> events the repository fired */
    protected array $events = [];

    protected function makeRepository(TagCacheStore $store): \Illuminate\Cache\Repository
    {
        return new Repository($store);
    }

    protected function setUp(): void
    {
        // a client of its own, so that round trips can be counted on its pool
        $this->client = TestServer::newClient();
        $this->prefix = TestServer::namespace('lv');
        $this->store = new TagCacheStore($this->client, $this->prefix);
        $this->cache = $this->makeRepository($this->store);
        $events = new Dispatcher();
        $events->listen([KeyWritten::class, KeyForgotten::class], function ($event) {
            $this->events[] = $event;
        });
        $this->cache->setEventDispatcher($events);
    }

    protected function tearDown(): void
    {
        $this->store->flush();
    }

    public function testGetPutForgetAndExactValues(): void
    {
        $values = ['s' => 'text', 'num' => '123', 'i' => 42, 'f' => 0.1 + 0.2, 'false' => false, 'zero' => 0,
            'empty' => '', 'arr' => ['a' => [1, 2]], 'obj' => (object) ['x' => 1], 'tc' => ["\0tc\0", 'looks like an envelope']];
        foreach ($values as $k => $v) {
            $this->assertTrue($this->cache->put($k, $v, 60));
        }
        foreach ($values as $k => $v) {
            if (\is_object($v)) {
                $this->assertEquals($v, $this->cache->get($k));
            } else {
                $this->assertSame($v, $this->cache->get($k), $k);
            }
        }
        $this->assertNull($this->cache->get('missing'));
        $this->assertSame('dflt', $this->cache->get('missing', 'dflt'));
        $this->assertTrue($this->cache->has('false'));
        $this->assertTrue($this->cache->forget('s'));
        $this->assertFalse($this->cache->forget('s'));
        $this->assertNull($this->cache->get('s'));
        $this->assertSame($this->prefix . ':', $this->store->getPrefix());
        $this->assertSame(42, $this->client->get($this->prefix . ':i'), 'keys are prefix:key on the server');
    }

    public function testTtls(): void
    {
        $this->cache->put('short', 'v', 1);
        $this->cache->put('interval', 'v', new \DateInterval('PT1S'));
        $this->cache->put('date', 'v', (new \DateTimeImmutable())->modify('+1 second'));
        $this->cache->put('long', 'v', 3600);
        $this->cache->forever('forever', 'v');
        $this->cache->put('kept', 'old', 60);
        $this->assertTrue($this->cache->put('kept', 'new', 0), 'a zero TTL forgets the key (Laravel returns whether it existed)');
        $this->assertNull($this->cache->get('kept'));
        $this->assertTrue($this->cache->has('short'));
        usleep(2_100_000);
        $this->assertSame([null, null, null, 'v', 'v'], array_values($this->cache->many(['short', 'interval', 'date', 'long', 'forever'])));
    }

    public function testManyAndPutManyAreOneRoundTripEach(): void
    {
        $values = ['a' => 1, 'b' => false, 'c' => [3]];
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->assertTrue($this->cache->putMany($values, 60))));
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->assertSame(
            ['a' => 1, 'zz' => null, 'b' => false, 'c' => [3]],
            $this->cache->many(['a', 'zz', 'b', 'c'])
        )));
        // without a TTL, Laravel's Repository writes key by key: batched here
        $this->events = [];
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->assertTrue($this->cache->putMany(['d' => 4, 'e' => 5]))));
        $this->assertSame(['d', 'e'], array_map(fn ($e) => $e->key, $this->events), 'one KeyWritten event per key, as Laravel fires them');
        $this->assertSame(['d' => 4, 'e' => 5], $this->cache->many(['d', 'e']));
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->assertTrue($this->cache->deleteMultiple(['a', 'b', 'd']))));
        $this->assertSame(['a' => null, 'b' => null, 'c' => [3], 'd' => null, 'e' => 5], $this->cache->many(['a', 'b', 'c', 'd', 'e']));
        // PSR-16 face of the repository
        $this->assertTrue($this->cache->setMultiple(['x' => 'X', 'y' => 'Y'], 60));
        $this->assertSame(['x' => 'X', 'y' => 'Y', 'w' => 'dflt'], $this->cache->getMultiple(['x', 'y', 'w'], 'dflt'));
    }

    public function testIncrementDecrement(): void
    {
        $this->assertSame(1, $this->cache->increment('n'));
        $this->assertSame(11, $this->cache->increment('n', 10));
        $this->assertSame(8, $this->cache->decrement('n', 3));
        $this->assertSame(-1, $this->cache->decrement('m'));
        $this->assertSame(8, $this->cache->get('n'));
        $this->cache->put('text', 'abc', 60);
        try {
            $this->cache->increment('text');
            $this->fail('increment of text must throw');
        } catch (\TagCacheServerException $e) {
            $this->assertStringContainsString('not an integer', $e->getMessage());
        }
        $this->assertSame('abc', $this->cache->get('text'));
        // a counter this store created is removed by flush() like any item
        $this->cache->flush();
        $this->assertNull($this->cache->get('n'));
    }

    public function testAddIsAtomicAndRememberPull(): void
    {
        $this->assertTrue($this->cache->add('a', 1, 60));
        $this->assertFalse($this->cache->add('a', 2, 60));
        $this->assertTrue($this->cache->add('f', 1));
        $this->assertFalse($this->cache->add('f', 2));
        $this->assertFalse($this->cache->add('z', 1, 0));
        $this->assertSame(1, $this->cache->get('a'));

        $calls = 0;
        $compute = function () use (&$calls) {
            $calls++;
            return 'computed';
        };
        $this->assertSame('computed', $this->cache->remember('r', 60, $compute));
        $this->assertSame('computed', $this->cache->remember('r', 60, $compute));
        $this->assertSame('computed', $this->cache->rememberForever('rf', $compute));
        $this->assertSame(2, $calls);
        $this->assertSame('computed', $this->cache->pull('r'));
        $this->assertNull($this->cache->get('r'));
    }

    public function testFlushRemovesThisPrefixOnly(): void
    {
        $other = new TagCacheStore($this->client, TestServer::namespace('lvo'));
        try {
            $this->cache->put('k', 'mine', 60);
            $other->put('k', 'theirs', 60);
            $this->assertTrue($this->cache->flush());
            $this->assertNull($this->cache->get('k'));
            $this->assertSame('theirs', $other->get('k'));
        } finally {
            $other->flush();
        }
    }

    public function testTagsAreNativeServerTags(): void
    {
        $tagged = $this->cache->tags(['people', 'artists']);
        $this->assertInstanceOf(TaggedCache::class, $tagged);
        $before = TestServer::counters();
        $this->assertTrue($tagged->put('john', 'John', 60));
        $mid = TestServer::counters();
        $this->assertSame(1, $mid['puts'] - $before['puts'], 'a tagged put is one PUT: no tag-version keys');
        $this->assertSame(0, ($mid['hits'] + $mid['misses']) - ($before['hits'] + $before['misses']), 'a tagged put reads nothing');
        $this->assertSame('John', $tagged->get('john'));
        $after = TestServer::counters();
        $this->assertSame(1, ($after['hits'] + $after['misses']) - ($mid['hits'] + $mid['misses']), 'a tagged get is one GET');

        // the server knows the tags; nothing else was stored
        $key = $this->prefix . ':' . sha1('people|artists') . ':john';
        $this->assertSame([$key], $this->client->keysByTag($this->prefix . ':tag:people'));
        $this->assertSame([$key], $this->client->keysByTag($this->prefix . ':tag:artists'));
        $this->assertSame([$key], $this->client->keysByTag($this->prefix . ':@pool'));

        // Laravel semantics: tagged items are read through the same tags
        $this->assertNull($this->cache->get('john'));
        $this->assertNull($this->cache->tags('people')->get('john'));

        $this->cache->tags(['artists'])->put('anne', 'Anne', 60);
        $this->cache->tags(['people', 'authors'])->put('bob', 'Bob', 60);
        $this->cache->put('plain', 'untagged', 60);
        $this->assertTrue($this->cache->tags('artists')->flush());
        $this->assertNull($tagged->get('john'));
        $this->assertNull($this->cache->tags(['artists'])->get('anne'));
        $this->assertSame('Bob', $this->cache->tags(['people', 'authors'])->get('bob'));
        $this->assertSame('untagged', $this->cache->get('plain'));

        $this->cache->tags(['people', 'authors'])->flush();
        $this->assertNull($this->cache->tags(['people', 'authors'])->get('bob'));
    }

    public function testTaggedWritesOfEveryKind(): void
    {
        $t = $this->cache->tags('batch');
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->assertTrue($t->putMany(['a' => 1, 'b' => 2], 60))));
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->assertTrue($t->putMany(['c' => 3, 'd' => 4]))));
        $this->assertSame(['a' => 1, 'b' => 2, 'c' => 3, 'd' => 4, 'e' => null], $t->many(['a', 'b', 'c', 'd', 'e']));
        $this->assertSame(5, $t->increment('n', 5));
        $this->assertTrue($t->add('added', 'x', 60));
        $this->assertFalse($t->add('added', 'y', 60));
        $this->assertTrue($t->forever('f', 'forever'));
        $this->assertSame('r', $t->remember('r', 60, fn () => 'r'));
        $this->assertSame(5, \count($this->client->keysByTag($this->prefix . ':tag:batch')) - 3);
        $this->assertTrue($t->flush());
        $this->assertSame([], $this->client->keysByTag($this->prefix . ':tag:batch'));
        $this->assertSame(['a' => null, 'c' => null, 'n' => null, 'added' => null, 'f' => null, 'r' => null], $t->many(['a', 'c', 'n', 'added', 'f', 'r']));
    }

    public function testInvalidKeysAndTagsAreRefusedBeforeSending(): void
    {
        $this->cache->put('k', 'kept', 60);
        foreach (["a,b", "a\tb", "a\nb", '', "\xff"] as $bad) {
            try {
                $this->cache->put($bad, 'x', 60);
                $this->fail('accepted key ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
                $this->assertStringContainsString('key', $e->getMessage());
            }
        }
        try {
            $this->cache->putMany(['ok' => 1, 'b,c' => 2], 60);
            $this->fail('accepted a key with a comma');
        } catch (InvalidArgumentException $e) {
        }
        $this->assertNull($this->cache->get('ok'), 'nothing of a refused batch is stored');
        foreach (['x,y', 'x ', "x\n", ''] as $bad) {
            try {
                $this->cache->tags(['fine', $bad]);
                $this->fail('accepted tag ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
                $this->assertStringContainsString('tag', $e->getMessage());
            }
        }
        $this->assertSame('kept', $this->cache->get('k'));
        // keys Laravel allows and PSR does not are fine here
        $this->assertTrue($this->cache->put('user:1/profile@{x}', 'ok', 60));
        $this->assertSame('ok', $this->cache->get('user:1/profile@{x}'));
    }

    public function testLocksAreOwnerChecked(): void
    {
        $a = $this->store->lock('job', 10);
        $this->assertTrue($a->acquire());
        $b = $this->store->lock('job', 10);
        $this->assertFalse($b->acquire());
        $this->assertFalse($b->release(), 'another owner cannot release it');
        $this->assertSame($a->owner(), $this->store->lockOwner('job'));
        $this->assertTrue($this->store->restoreLock('job', $a->owner())->release(), 'the owner can, from a restored lock');
        $this->assertTrue($b->acquire());
        $this->assertFalse($a->release(), 'a former owner cannot release the new owner\'s lock');
        $this->assertSame($b->owner(), $this->store->lockOwner('job'));
        $b->forceRelease();
        $this->assertSame('', $this->store->lockOwner('job'));

        $this->assertSame('done', $this->cache->lock('cb', 10)->get(fn () => 'done'));
        $this->assertTrue($this->cache->lock('cb', 10)->get(), 'get() with a callback released the lock');

        $short = $this->store->lock('short', 1);
        $this->assertTrue($short->acquire());
        usleep(1_200_000);
        $this->assertTrue($this->store->lock('short', 1)->acquire(), 'an expired lock can be taken');
        $this->assertFalse($short->release());

        // flush() removes locks too, as flushing Laravel's Redis store does
        $this->assertTrue($this->store->lock('held', 0)->acquire());
        $this->store->flush();
        $this->assertTrue($this->store->lock('held', 0)->acquire());
    }

    public function testBlockTimesOut(): void
    {
        $this->assertTrue($this->store->lock('busy', 10)->acquire());
        $lock = $this->store->lock('busy', 10)->betweenBlockedAttemptsSleepFor(50);
        $start = microtime(true);
        try {
            $lock->block(1);
            $this->fail('block() must time out');
        } catch (LockTimeoutException $e) {
            // Laravel counts whole seconds: it gives up within two
            $this->assertLessThan(2.5, microtime(true) - $start);
        }
        $this->assertNotSame($lock->owner(), $this->store->lockOwner('busy'));
    }

    /**
     * A lock held by another process: the parent cannot take or release it,
     * and block() gets it once the child releases it.
     *
     * @requires extension pcntl
     */
    public function testLockHeldByAForkedProcess(): void
    {
        [$parentEnd, $childEnd] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        $pid = pcntl_fork();
        $this->assertNotSame(-1, $pid, 'fork failed');
        if ($pid === 0) {
            fclose($parentEnd);
            $code = 1;
            try {
                $lock = $this->store->lock('forked', 30);
                if ($lock->acquire()) {
                    fwrite($childEnd, 'acquired ' . $lock->owner() . "\n");
                    if (trim((string) fgets($childEnd)) === 'release') {
                        usleep(300_000);
                        $code = $lock->release() ? 0 : 3;
                    }
                } else {
                    fwrite($childEnd, "not acquired\n");
                }
            } catch (\Throwable $e) {
                fwrite(STDERR, 'child: ' . $e->getMessage() . "\n");
                $code = 2;
            }
            exit($code);
        }
        fclose($childEnd);
        $line = trim((string) fgets($parentEnd));
        $this->assertStringStartsWith('acquired ', $line);
        $childOwner = substr($line, 9);

        $mine = $this->store->lock('forked', 30);
        $this->assertFalse($mine->acquire(), 'the child holds it');
        $this->assertFalse($mine->release());
        $this->assertFalse($this->store->restoreLock('forked', 'not-the-owner')->release());
        $this->assertSame($childOwner, $this->store->lockOwner('forked'));

        fwrite($parentEnd, "release\n");
        $mine->betweenBlockedAttemptsSleepFor(20);
        $this->assertTrue($mine->block(10), 'acquired once the child released it');
        pcntl_waitpid($pid, $status);
        $this->assertTrue(pcntl_wifexited($status));
        $this->assertSame(0, pcntl_wexitstatus($status), 'the child released its own lock');
        $this->assertSame($mine->owner(), $this->store->lockOwner('forked'));
        $this->assertTrue($mine->release());
        fclose($parentEnd);
    }
}
