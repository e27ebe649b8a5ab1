<?php

declare(strict_types=1);

namespace TagCache\Internal;

/**
 * The reads and deletes the PSR-6 pool and the Symfony adapter share: each
 * one pipelined request, deferred items seen before the server's. The class
 * using it has `$names`, `$backend`, `$deferred`, and makes its own items
 * with `item()` and `deferredItem()`.
 *
 * @internal
 */
trait PoolReads
{
    /**
     * @return array<string, CacheItem> in the order of $keys, one pipelined request for all
     */
    public function getItems(array $keys = []): iterable
    {
        $fetch = [];
        foreach ($keys as $key) {
            $k = $this->names->key($key);
            if (!isset($this->deferred[$key])) {
                $fetch[] = $k;
            }
        }
        $found = $this->backend->fetchMany($fetch, 'getItems');
        $items = [];
        foreach ($keys as $key) {
            $k = $this->names->prefix . $key;
            $items[$key] = isset($this->deferred[$key])
                ? $this->deferredItem($key)
                : $this->item($key, \array_key_exists($k, $found) ? $found[$k] : $this->backend->miss);
        }
        return $items;
    }

    public function hasItem($key): bool
    {
        $k = $this->names->key($key);
        if (isset($this->deferred[$key])) {
            return $this->deferredItem($key)->isHit();
        }
        return $this->backend->fetch($k, 'hasItem') !== $this->backend->miss;
    }

    public function deleteItem($key): bool
    {
        return $this->deleteItems([$key]);
    }

    public function deleteItems(array $keys): bool
    {
        $server = [];
        foreach ($keys as $key) {
            $server[] = $this->names->key($key);
        }
        foreach ($keys as $key) {
            unset($this->deferred[$key]);
        }
        return $this->backend->delete($server, 'deleteItems');
    }
}
