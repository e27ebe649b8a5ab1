<?php

declare(strict_types=1);

namespace TagCache\Laravel;

use Illuminate\Cache\TagSet;

/**
 * Laravel's tag set without tag versions: the namespace of a tagged cache is
 * the tag names themselves (no "tag:<name>:key" entries are read or
 * written), and resetting or flushing tags is one server invalidation.
 */
class NativeTagSet extends TagSet
{
    public function __construct(TagCacheStore $store, array $names = [])
    {
        parent::__construct($store, $names);
    }

    public function reset()
    {
        $this->store->flushTags($this->names);
    }

    public function resetTag($name)
    {
        $this->store->flushTags([$name]);
        return (string) $name;
    }

    public function flush()
    {
        $this->store->flushTags($this->names);
    }

    public function flushTag($name)
    {
        $this->store->flushTags([$name]);
    }

    public function getNamespace()
    {
        return implode('|', $this->names);
    }

    public function tagId($name)
    {
        return (string) $name;
    }
}
