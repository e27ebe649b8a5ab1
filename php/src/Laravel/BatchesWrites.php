<?php

declare(strict_types=1);

namespace TagCache\Laravel;

/**
 * Laravel's Repository writes putMany() without a TTL, tagged putMany() and
 * deleteMultiple() one key at a time. These overrides let the Repository
 * run its own code (events included) against a WriteBuffer, then send the
 * buffered writes in one pipelined batch. add() without a TTL uses the
 * server's atomic ADD instead of a get followed by a put.
 */
trait BatchesWrites
{
    public function putMany(array $values, $ttl = null): bool
    {
        return $this->batched(fn () => parent::putMany($values, $ttl));
    }

    public function deleteMultiple($keys): bool
    {
        return $this->batched(fn () => parent::deleteMultiple($keys));
    }

    public function add($key, $value, $ttl = null): bool
    {
        if ($ttl === null && $this->store instanceof TagCacheStore) {
            return $this->store->add($this->itemKey($key), $value, null);
        }
        return (bool) parent::add($key, $value, $ttl);
    }

    private function batched(\Closure $writes): bool
    {
        $store = $this->store;
        if (!$store instanceof TagCacheStore) {
            return (bool) $writes();
        }
        $buffer = new WriteBuffer($store);
        $this->store = $buffer;
        try {
            $result = $writes();
        } finally {
            $this->store = $store;
            $sent = $buffer->commit();
        }
        return $result && $sent;
    }
}
