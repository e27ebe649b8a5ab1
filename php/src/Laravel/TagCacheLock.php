<?php

declare(strict_types=1);

namespace TagCache\Laravel;

use Illuminate\Cache\Lock;

/**
 * An owner-checked lock of TagCacheStore: acquired with the server's ADD,
 * released only by its owner (atomically on the server), with an optional
 * expiry in seconds (0: held until released).
 */
class TagCacheLock extends Lock
{
    public function __construct(private readonly TagCacheStore $store, string $name, int $seconds, ?string $owner = null)
    {
        parent::__construct($name, $seconds, $owner);
    }

    public function acquire(): bool
    {
        return $this->store->acquireLock($this->name, (string) $this->owner, (int) $this->seconds);
    }

    /** False if the lock is not (or no longer) this owner's: it is then left alone. */
    public function release(): bool
    {
        return $this->store->releaseLock($this->name, (string) $this->owner);
    }

    public function forceRelease(): void
    {
        $this->store->forceReleaseLock($this->name);
    }

    protected function getCurrentOwner(): string
    {
        return $this->store->lockOwner($this->name);
    }
}
