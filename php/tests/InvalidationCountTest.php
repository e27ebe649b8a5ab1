<?php

declare(strict_types=1);

namespace TagCache\Tests;

use PHPUnit\Framework\TestCase;
use Symfony\Contracts\Cache\ItemInterface;
use TagCache\CacheItemPool;
use TagCache\Laravel\Repository;
use TagCache\Laravel\TagCacheStore;
use TagCache\SimpleCache;
use TagCache\Symfony\TagCacheAdapter;

/**
 * A tag invalidation (or a clear) of each class sends exactly one command
 * to the server, an invalidation, and nothing else: the request lines are
 * counted by a proxy in front of the server. The server's own 'invalidations'
 * counter (which the reference server increments per entry removed, not per
 * command) must then have grown by exactly the number of items carrying the
 * tags; and no tag bookkeeping keys are stored beside the items.
 */
final class InvalidationCountTest extends TestCase
{
    private static CountingProxy $proxy;

    private static \TagCache $client;

    public static function setUpBeforeClass(): void
    {
        self::$proxy = new CountingProxy();
        self::$client = self::$proxy->client();
    }

    /**
     * Runs $call; asserts it sent exactly one command, $verb, and that the
     * server removed $removed entries.
     */
    private function assertOneInvalidation(string $verb, int $removed, callable $call): void
    {
        $before = TestServer::invalidations();
        $this->assertSame([$verb => 1], self::$proxy->commandsOf($call));
        $this->assertSame($removed, TestServer::invalidations() - $before, 'entries removed by the server');
    }

    public function testSymfonyInvalidateTags(): void
    {
        $ns = TestServer::namespace('count_sf');
        $cache = new TagCacheAdapter(self::$client, $ns);
        $commands = self::$proxy->commandsOf(function () use ($cache) {
            for ($i = 0; $i < 100; $i++) {
                $tags = $i >= 90 ? ['c'] : ($i % 2 === 0 ? ['a'] : ['b', 'a']);
                $cache->get("k$i", function (ItemInterface $item) use ($i, $tags) {
                    $item->tag($tags);
                    return $i;
                });
            }
        });
        $this->assertSame(['GET' => 100, 'PUT' => 100], $commands, 'get() on a miss: one GET, one PUT');
        $this->assertCount(100, TestServer::client()->keysByTag("$ns:@pool"), 'one server key per item, nothing else');
        $this->assertSame(['GET' => 1], self::$proxy->commandsOf(fn () => $cache->get('k5', fn () => $this->fail('hit expected'))), 'a tagged hit is one GET');

        $this->assertOneInvalidation('INV_TAG', 90, fn () => $this->assertTrue($cache->invalidateTags(['a'])));
        $this->assertFalse($cache->hasItem('k1'));
        $this->assertTrue($cache->hasItem('k95'));
        $this->assertOneInvalidation('INV_TAGS_ANY', 10, fn () => $this->assertTrue($cache->invalidateTags(['b', 'c', 'never-used'])));
        $this->assertSame([], TestServer::client()->keysByTag("$ns:@pool"));

        $cache->get('x', fn () => 1);
        $cache->get('y', fn () => 2);
        $this->assertOneInvalidation('INV_TAG', 2, fn () => $this->assertTrue($cache->clear()));
        $this->assertFalse($cache->hasItem('x'));
    }

    public function testLaravelTagFlush(): void
    {
        $prefix = TestServer::namespace('count_lv');
        $cache = new Repository(new TagCacheStore(self::$client, $prefix));
        $commands = self::$proxy->commandsOf(function () use ($cache) {
            for ($i = 0; $i < 50; $i++) {
                $cache->tags(['a', 'b'])->put("ab$i", $i, 60);
                $cache->tags(['c', 'a'])->put("ca$i", $i, 60);
                $cache->tags(['b'])->put("b$i", $i, 60);
            }
            $cache->put('plain', 'p', 60);
        });
        $this->assertSame(['PUT' => 151], $commands, 'a tagged put is one PUT: no tag-version reads or writes');
        $this->assertCount(151, TestServer::client()->keysByTag("$prefix:@pool"), 'one server key per item: no tag-version keys');
        $this->assertSame(['GET' => 1], self::$proxy->commandsOf(fn () => $this->assertSame(7, $cache->tags(['a', 'b'])->get('ab7'))));

        $this->assertOneInvalidation('INV_TAG', 100, fn () => $this->assertTrue($cache->tags('a')->flush()));
        $this->assertNull($cache->tags(['a', 'b'])->get('ab7'));
        $this->assertNull($cache->tags(['c', 'a'])->get('ca7'));
        $this->assertSame(7, $cache->tags(['b'])->get('b7'));
        $this->assertSame('p', $cache->get('plain'));

        $this->assertOneInvalidation('INV_TAGS_ANY', 50, fn () => $this->assertTrue($cache->tags(['b', 'c'])->flush()));
        $this->assertNull($cache->tags(['b'])->get('b7'));
        $this->assertOneInvalidation('INV_TAG', 1, fn () => $this->assertTrue($cache->flush()));
        $this->assertSame([], TestServer::client()->keysByTag("$prefix:@pool"));
    }

    public function testPsr6AndPsr16(): void
    {
        $pool = new CacheItemPool(self::$client, TestServer::namespace('count_psr6'));
        $pool->save($pool->getItem('a')->set(1)->setTags(['t']));
        $pool->save($pool->getItem('b')->set(2)->setTags(['u']));
        $pool->save($pool->getItem('c')->set(3)->setTags(['v']));
        $this->assertOneInvalidation('INV_TAGS_ANY', 2, fn () => $this->assertTrue($pool->invalidateTags(['t', 'u'])));
        $this->assertFalse($pool->hasItem('a'));
        $this->assertFalse($pool->hasItem('b'));
        $this->assertOneInvalidation('INV_TAG', 1, fn () => $this->assertTrue($pool->clear()));
        $this->assertFalse($pool->hasItem('c'));

        $simple = new SimpleCache(self::$client, TestServer::namespace('count_psr16'));
        $this->assertSame(['PUT' => 2], self::$proxy->commandsOf(fn () => $simple->setMultiple(['a' => 1, 'b' => 2])));
        $this->assertOneInvalidation('INV_TAG', 2, fn () => $this->assertTrue($simple->clear()));
        $this->assertFalse($simple->has('a'));
    }
}
