<?php

declare(strict_types=1);

namespace TagCache;

use Cache\TagInterop\TaggableCacheItemInterface;
use TagCache\Internal\CacheItemBase;

/*
 * tag-interop (cache/tag-interop 1.x) can only be installed beside
 * psr/cache 1 or 2; with psr/cache 3 the item is a plain PSR-6 item that still
 * has setTags()/getPreviousTags().
 */
if (interface_exists(TaggableCacheItemInterface::class)) {
    /** A PSR-6 item of CacheItemPool, with tags (cache/tag-interop). */
    final class CacheItem extends CacheItemBase implements TaggableCacheItemInterface
    {
    }
} else {
    /** A PSR-6 item of CacheItemPool, with tags. */
    final class CacheItem extends CacheItemBase
    {
    }
}
