<?php

declare(strict_types=1);

namespace TagCache\Tests\Integration;

use Cache\IntegrationTests\CachePoolTest;
use TagCache\Symfony\TagCacheAdapter;
use TagCache\Tests\TestServer;

/**
 * cache/integration-tests' PSR-6 suite against the Symfony adapter. Nothing
 * is skipped. (The suite's tag tests need tag-interop's setTags(), which
 * Symfony items do not have: the adapter's tags are tested in
 * SymfonyAdapterTest.)
 */
final class SymfonyAdapterPoolTest extends CachePoolTest
{
    private static string $ns;

    public static function setUpBeforeClass(): void
    {
        self::$ns = TestServer::namespace('sf');
    }

    public function createCachePool()
    {
        return new TagCacheAdapter(TestServer::client(), self::$ns);
    }
}
