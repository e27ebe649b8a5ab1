<?php

declare(strict_types=1);

namespace TagCache\Tests;

use Illuminate\Cache\CacheServiceProvider;
use Illuminate\Config\Repository as Config;
use Illuminate\Container\Container;
use Illuminate\Contracts\Events\Dispatcher as DispatcherContract;
use Illuminate\Events\Dispatcher;
use Illuminate\Support\Facades\Cache;
use Illuminate\Support\Facades\Facade;
use PHPUnit\Framework\TestCase;
use TagCache\Laravel\Repository;
use TagCache\Laravel\TagCacheServiceProvider;
use TagCache\Laravel\TagCacheStore;

/** The "tagcache" driver as an application configures it (container, config, Cache facade). */
final class LaravelServiceProviderTest extends TestCase
{
    private static CountingProxy $proxy;

    private Container $app;

    private string $prefix;

    public static function setUpBeforeClass(): void
    {
        self::$proxy = new CountingProxy();
    }

    protected function setUp(): void
    {
        $this->prefix = TestServer::namespace('lvapp');
        $options = ['host' => getenv('TAGCACHE_HOST') ?: '127.0.0.1', 'port' => (int) getenv('TAGCACHE_PORT')];
        $app = new Container();
        $app->instance('config', new Config(['cache' => [
            'default' => 'counted',
            'prefix' => $this->prefix,
            'stores' => [
                'tagcache' => ['driver' => 'tagcache', 'options' => $options],
                'same_options' => ['driver' => 'tagcache', 'options' => $options, 'prefix' => $this->prefix . '_b'],
                'shared' => ['driver' => 'tagcache', 'client' => 'app.tagcache', 'prefix' => $this->prefix . '_c'],
                'counted' => ['driver' => 'tagcache', 'client' => 'app.counted'],
            ],
        ]]));
        $app->instance('app.tagcache', TestServer::client());
        $app->instance('app.counted', self::$proxy->client());
        $app->instance(DispatcherContract::class, new Dispatcher($app));
        // ours first: it must not depend on the order of the providers
        (new TagCacheServiceProvider($app))->register();
        (new CacheServiceProvider($app))->register();
        Facade::setFacadeApplication($app);
        $this->app = $app;
    }

    protected function tearDown(): void
    {
        foreach (['tagcache', 'same_options', 'shared', 'counted'] as $store) {
            $this->app['cache']->store($store)->flush();
        }
        Facade::clearResolvedInstances();
        Facade::setFacadeApplication(null);
    }

    public function testTheDriverBuildsATagCacheRepository(): void
    {
        $repository = $this->app['cache']->store('tagcache');
        $this->assertInstanceOf(Repository::class, $repository);
        $store = $repository->getStore();
        $this->assertInstanceOf(TagCacheStore::class, $store);
        $this->assertSame($this->prefix . ':', $store->getPrefix(), 'cache.prefix is the default prefix');
        $this->assertSame($this->prefix . '_c:', $this->app['cache']->store('shared')->getStore()->getPrefix());

        $this->assertSame(
            $store->getClient(),
            $this->app['cache']->store('same_options')->getStore()->getClient(),
            'stores with the same options share one client and its pool'
        );
        $this->assertSame(TestServer::client(), $this->app['cache']->store('shared')->getStore()->getClient());
    }

    public function testTheFacadeWithTags(): void
    {
        $written = [];
        $this->app[DispatcherContract::class]->listen(\Illuminate\Cache\Events\KeyWritten::class, function ($e) use (&$written) {
            $written[] = [$e->key, $e->tags];
        });
        Cache::put('plain', 1, 60);
        Cache::tags(['a', 'b'])->put('both', 2, 60);
        Cache::tags(['a'])->put('only-a', 3, 60);
        Cache::tags(['b'])->put('only-b', 4, 60);
        $this->assertSame([['plain', []], ['both', ['a', 'b']], ['only-a', ['a']], ['only-b', ['b']]], $written);

        $before = TestServer::invalidations();
        $this->assertSame(['INV_TAG' => 1], self::$proxy->commandsOf(fn () => $this->assertTrue(Cache::tags('a')->flush())));
        $this->assertSame(2, TestServer::invalidations() - $before, 'the server removed both items carrying a');

        $this->assertNull(Cache::tags(['a', 'b'])->get('both'));
        $this->assertNull(Cache::tags(['a'])->get('only-a'));
        $this->assertSame(4, Cache::tags(['b'])->get('only-b'));
        $this->assertSame(1, Cache::get('plain'));

        $this->assertTrue(Cache::lock('facade-lock', 5)->get());
        $this->assertFalse(Cache::lock('facade-lock', 5)->get());
        $this->assertSame(5, Cache::increment('counter', 5));
    }
}
