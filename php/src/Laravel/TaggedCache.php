<?php

declare(strict_types=1);

namespace TagCache\Laravel;

/**
 * Laravel's tagged cache on native tags: writes carry the tags on the
 * server, flush() is one invalidation removing every item of the store's
 * prefix carrying any of the tags, multi-key writes are one batch.
 */
class TaggedCache extends \Illuminate\Cache\TaggedCache
{
    use BatchesWrites;

    public function flush(): bool
    {
        return $this->store->flushTags($this->tags->getNames());
    }
}
