<?php

declare(strict_types=1);

namespace TagCache\Tests\Integration;

use Cache\IntegrationTests\TaggableCachePoolTest;
use TagCache\CacheItemPool;
use TagCache\Tests\TestServer;

/** cache/integration-tests' tag-interop suite against TagCache\CacheItemPool. Nothing is skipped. */
final class TaggableCachePoolIntegrationTest extends TaggableCachePoolTest
{
    private static string $ns;

    public static function setUpBeforeClass(): void
    {
        self::$ns = TestServer::namespace('tags');
    }

    public function createCachePool()
    {
        return new CacheItemPool(TestServer::client(), self::$ns);
    }
}
