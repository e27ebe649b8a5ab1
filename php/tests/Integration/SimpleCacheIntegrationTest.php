<?php

declare(strict_types=1);

namespace TagCache\Tests\Integration;

use Cache\IntegrationTests\SimpleCacheTest;
use TagCache\SimpleCache;
use TagCache\Tests\TestServer;

/** cache/integration-tests' PSR-16 suite against TagCache\SimpleCache. Nothing is skipped. */
final class SimpleCacheIntegrationTest extends SimpleCacheTest
{
    private static string $ns;

    public static function setUpBeforeClass(): void
    {
        self::$ns = TestServer::namespace('psr16');
    }

    public function createSimpleCache()
    {
        return new SimpleCache(TestServer::client(), self::$ns);
    }
}
