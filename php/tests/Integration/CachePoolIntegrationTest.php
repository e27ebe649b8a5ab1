<?php

declare(strict_types=1);

namespace TagCache\Tests\Integration;

use Cache\IntegrationTests\CachePoolTest;
use TagCache\CacheItemPool;
use TagCache\Tests\TestServer;

/** cache/integration-tests' PSR-6 suite against TagCache\CacheItemPool. Nothing is skipped. */
final class CachePoolIntegrationTest extends CachePoolTest
{
    private static string $ns;

    public static function setUpBeforeClass(): void
    {
        self::$ns = TestServer::namespace('psr6');
    }

    public function createCachePool()
    {
        return new CacheItemPool(TestServer::client(), self::$ns);
    }
}
