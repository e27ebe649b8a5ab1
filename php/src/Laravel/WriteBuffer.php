<?php

declare(strict_types=1);

namespace TagCache\Laravel;

use Illuminate\Contracts\Cache\Store;

/**
 * Stands in for a TagCacheStore while the Repository runs a multi-key write
 * (see BatchesWrites): stores and deletes are kept, then sent in one
 * pipelined batch by commit(); anything else sends what is kept first.
 *
 * @internal
 */
final class WriteBuffer implements Store
{
    /** @var list<array> [key, value, seconds|null] or [key] */
    private array $ops = [];

    public function __construct(private readonly TagCacheStore $store)
    {
    }

    public function get($key)
    {
        $this->commit();
        return $this->store->get($key);
    }

    public function many(array $keys)
    {
        $this->commit();
        return $this->store->many($keys);
    }

    public function put($key, $value, $seconds)
    {
        $this->ops[] = [$key, $value, (int) $seconds];
        return true;
    }

    public function putMany(array $values, $seconds)
    {
        foreach ($values as $key => $value) {
            $this->ops[] = [$key, $value, (int) $seconds];
        }
        return true;
    }

    public function increment($key, $value = 1)
    {
        $this->commit();
        return $this->store->increment($key, $value);
    }

    public function decrement($key, $value = 1)
    {
        $this->commit();
        return $this->store->decrement($key, $value);
    }

    public function forever($key, $value)
    {
        $this->ops[] = [$key, $value, null];
        return true;
    }

    public function forget($key)
    {
        $this->ops[] = [$key];
        return true;
    }

    public function flush()
    {
        $this->ops = [];
        return $this->store->flush();
    }

    public function getPrefix()
    {
        return $this->store->getPrefix();
    }

    public function add($key, $value, $seconds = null)
    {
        $this->commit();
        return $this->store->add($key, $value, $seconds);
    }

    /** Sends the kept writes in one pipelined batch. */
    public function commit(): bool
    {
        $ops = $this->ops;
        $this->ops = [];
        return $this->store->writeBatch($ops);
    }
}
