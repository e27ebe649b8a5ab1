<?php

declare(strict_types=1);

namespace TagCache;

use Cache\TagInterop\TaggableCacheItemPoolInterface;
use TagCache\Internal\CacheItemPoolBase;

/*
 * PSR-6 pool with native tags. It implements cache/tag-interop's
 * TaggableCacheItemPoolInterface when that package is installed (it exists
 * for psr/cache 1 and 2 only); with psr/cache 3 it is a PSR-6 pool with the
 * same tag methods.
 *
 * Items are stored with their tags as server tags, so invalidateTags() is
 * one server command and reads check nothing extra. Deferred saves are sent
 * in one pipelined batch by commit() (or when the pool is destroyed).
 * clear() removes this namespace's items only, in one invalidation.
 *
 * A server failure does not throw (PSR-6 asks pools to trap them): the call
 * returns a miss or false and the failure goes to the PSR-3 logger
 * (setLogger()) or error_log().
 */
if (interface_exists(TaggableCacheItemPoolInterface::class)) {
    final class CacheItemPool extends CacheItemPoolBase implements TaggableCacheItemPoolInterface
    {
    }
} else {
    final class CacheItemPool extends CacheItemPoolBase
    {
    }
}
