<?php

declare(strict_types=1);

namespace TagCache\Laravel;

use Illuminate\Cache\CacheManager;
use Illuminate\Contracts\Events\Dispatcher;
use Illuminate\Support\ServiceProvider;

/**
 * Registers the "tagcache" cache driver. A store of config/cache.php:
 *
 *     'tagcache' => [
 *         'driver' => 'tagcache',
 *         'options' => ['host' => '127.0.0.1', 'port' => 1984, 'persistent' => true],
 *         // or 'client' => 'some.container.id' (a shared \TagCache)
 *         'prefix' => 'app',   // default: cache.prefix
 *     ],
 *
 * Stores with the same options share one \TagCache client (and its pool).
 */
class TagCacheServiceProvider extends ServiceProvider
{
    public function register()
    {
        // extend() works whether or not the cache manager is resolved yet,
        // and needs nothing but the container.
        $this->app->extend('cache', function (CacheManager $manager, $app) {
            $manager->extend('tagcache', function ($app, array $config) {
                return TagCacheServiceProvider::repository($app, $config);
            });
            return $manager;
        });
    }

    /**
     * The repository of a tagcache store.
     *
     * @param \Illuminate\Contracts\Container\Container $app
     */
    public static function repository($app, array $config): Repository
    {
        $repository = new Repository(new TagCacheStore(self::client($app, $config), self::prefix($app, $config)), $config);
        if ($app->bound(Dispatcher::class)) {
            $repository->setEventDispatcher($app->make(Dispatcher::class));
        }
        return $repository;
    }

    private static function client($app, array $config): \TagCache
    {
        if (isset($config['client'])) {
            $client = $app->make($config['client']);
            if (!$client instanceof \TagCache) {
                throw new \InvalidArgumentException(sprintf('Cache store option "client" must name a TagCache instance in the container, %s given', get_debug_type($client)));
            }
            return $client;
        }
        $options = $config['options'] ?? [];
        if (!\is_array($options)) {
            throw new \InvalidArgumentException('Cache store option "options" must be an array of TagCache options');
        }
        $id = 'tagcache.client.' . md5(serialize($options));
        if (!$app->bound($id)) {
            $app->instance($id, new \TagCache($options));
        }
        return $app->make($id);
    }

    private static function prefix($app, array $config): string
    {
        if (isset($config['prefix'])) {
            return (string) $config['prefix'];
        }
        $global = $app->bound('config') ? $app->make('config')->get('cache.prefix') : null;
        return (string) ($global ?? '');
    }
}
