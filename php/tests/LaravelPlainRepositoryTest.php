<?php

declare(strict_types=1);

namespace TagCache\Tests;

use Illuminate\Cache\Repository;
use TagCache\Laravel\TagCacheStore;

/**
 * Every LaravelStoreTest through Illuminate\Cache\Repository itself (as
 * with new Repository($store) or CacheManager::repository()). Laravel's own
 * Repository writes putMany() without a TTL and deleteMultiple() key by key,
 * so that one test checks the results, not the round trips.
 */
final class LaravelPlainRepositoryTest extends LaravelStoreTest
{
    protected function makeRepository(TagCacheStore $store): Repository
    {
        return new Repository($store);
    }

    public function testManyAndPutManyAreOneRoundTripEach(): void
    {
        $this->assertSame(Repository::class, \get_class($this->cache));
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->assertTrue($this->cache->putMany(['a' => 1, 'b' => false], 60))));
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->assertSame(['a' => 1, 'zz' => null, 'b' => false], $this->cache->many(['a', 'zz', 'b']))));
        $this->events = [];
        $this->assertTrue($this->cache->putMany(['d' => 4, 'e' => 5]));
        $this->assertSame(['d', 'e'], array_map(fn ($e) => $e->key, $this->events));
        $this->assertTrue($this->cache->deleteMultiple(['a', 'd']));
        $this->assertSame(['a' => null, 'b' => false, 'd' => null, 'e' => 5], $this->cache->many(['a', 'b', 'd', 'e']));
    }
}
