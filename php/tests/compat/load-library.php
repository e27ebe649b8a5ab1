<?php

/*
 * Run by CompatibilityTest in a PHP process of its own: declares the current
 * interface versions, loads every class of the library that needs only
 * them, then uses the PSR-16 cache, the PSR-6 pool and the Symfony adapter
 * (on Symfony 7's typed CacheItem) against the server of TAGCACHE_HOST/PORT.
 * Prints "loaded N" and "used" or dies with PHP's error.
 */

declare(strict_types=1);

require __DIR__ . '/current-interfaces.php';
require dirname(__DIR__, 2) . '/autoload.php';

$classes = [
    TagCache\SimpleCache::class,
    TagCache\CacheItemPool::class,
    TagCache\CacheItem::class,
    TagCache\Exception\CacheInvalidArgumentException::class,
    TagCache\Exception\SimpleCacheInvalidArgumentException::class,
    TagCache\Symfony\TagCacheAdapter::class,
];
foreach ($classes as $class) {
    if (!class_exists($class)) {
        fwrite(STDERR, "$class did not load\n");
        exit(1);
    }
}
// psr/cache 3 has no tag-interop: the pool is a plain PSR-6 pool with tag methods
if (interface_exists('Cache\TagInterop\TaggableCacheItemPoolInterface', false)) {
    fwrite(STDERR, "tag-interop must not be loaded here\n");
    exit(1);
}
$ok = (new ReflectionClass(TagCache\CacheItemPool::class))->implementsInterface(Psr\Cache\CacheItemPoolInterface::class)
    && (new ReflectionClass(TagCache\SimpleCache::class))->implementsInterface(Psr\SimpleCache\CacheInterface::class)
    && (new ReflectionClass(TagCache\Symfony\TagCacheAdapter::class))->implementsInterface(Symfony\Component\Cache\Adapter\TagAwareAdapterInterface::class)
    && (new ReflectionClass(TagCache\Exception\SimpleCacheInvalidArgumentException::class))->implementsInterface(Psr\SimpleCache\InvalidArgumentException::class);
echo $ok ? 'loaded ' . count($classes) : 'interfaces missing', "\n";

$client = new TagCache(['host' => getenv('TAGCACHE_HOST') ?: '127.0.0.1', 'port' => (int) getenv('TAGCACHE_PORT')]);
$ns = 'compat_' . getmypid();
$check = static function (bool $ok, string $what): void {
    if (!$ok) {
        fwrite(STDERR, "failed: $what\n");
        exit(1);
    }
};

$simple = new TagCache\SimpleCache($client, $ns);
$check($simple->set('k', false, new DateInterval('PT60S')) && $simple->get('k', 'miss') === false, 'PSR-16 set/get');
$check($simple->getMultiple(['k', 'x'], 0) === ['k' => false, 'x' => 0], 'PSR-16 getMultiple');

$pool = new TagCache\CacheItemPool($client, $ns);
$pool->saveDeferred($pool->getItem('p')->set([1])->setTags(['t']));
$check($pool->commit() && $pool->getItem('p')->getPreviousTags() === ['t'], 'PSR-6 tags');
$check($pool->invalidateTags(['t']) && !$pool->hasItem('p'), 'PSR-6 invalidateTags');

$adapter = new TagCache\Symfony\TagCacheAdapter($client, $ns);
$metadata = null;
$value = $adapter->get('s', function (Symfony\Contracts\Cache\ItemInterface $item) {
    $item->tag(['a', 'b'])->expiresAfter(60);
    return 'computed';
}, null, $metadata);
$check($value === 'computed' && isset($metadata['expiry'], $metadata['ctime']), 'Symfony get()');
$item = $adapter->getItem('s');
$check($item->isHit() && $item->get() === 'computed' && $item->getMetadata()['tags'] === ['a' => 'a', 'b' => 'b'], 'Symfony getItem()');
$check($adapter->invalidateTags(['b']) && !$adapter->hasItem('s'), 'Symfony invalidateTags()');
$check($simple->clear(), 'clear');
echo "used\n";
