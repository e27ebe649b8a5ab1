<?php

declare(strict_types=1);

namespace TagCache\Laravel;

use Illuminate\Cache\TaggableStore;
use Illuminate\Contracts\Cache\LockProvider;
use TagCache\Exception\SimpleCacheInvalidArgumentException as InvalidArgument;
use TagCache\Internal\Envelope;
use TagCache\Internal\Names;
use TagCache\Internal\Ttl;

/**
 * Laravel cache store on the tagcache extension (illuminate/cache 8 to 11).
 *
 * - Tags are the server's: Cache::tags(['a', 'b'])->put() stores the item
 *   with the tags a and b, Cache::tags('a')->flush() is one server
 *   invalidation removing every item carrying a. No tag-version keys are
 *   stored and a tagged read is one GET. As with Laravel's other stores, a
 *   tagged item is read through the same tags (its key is derived from the
 *   tag names; their order matters).
 * - flush() removes this prefix's items only (every item carries the
 *   prefix's pool tag), in one invalidation.
 * - Locks are owner-checked: acquire is ADD; release removes the lock only
 *   while it is still this owner's, atomically on the server (the lock
 *   carries a tag derived from its name and owner; releasing invalidates
 *   that tag).
 * - Keys may not hold a comma, TAB, CR or LF (the protocol cannot carry
 *   them): such a key throws Psr\SimpleCache\InvalidArgumentException before
 *   anything is sent. Server failures throw TagCacheException, like
 *   Laravel's Redis store lets phpredis' exceptions through.
 */
class TagCacheStore extends TaggableStore implements LockProvider
{
    private Names $names;

    /** @var list<string> the user tags of a tagged view (see tags()) */
    private array $tagNames = [];

    /** @var list<string> server tags every write carries: the pool tag and the view's tags */
    private array $writeTags;

    /**
     * @param \TagCache $client the extension's client (its pool is shared with whoever else uses it)
     * @param string $prefix prefix of this store's keys and tags ('' for none); flush() removes this prefix only
     */
    public function __construct(private readonly \TagCache $client, string $prefix = '')
    {
        $this->setPrefix($prefix);
    }

    public function get($key)
    {
        return Envelope::value($this->client->get($this->key($key)));
    }

    /**
     * @return array<string, mixed> every key, null for a miss (one pipelined request)
     */
    public function many(array $keys)
    {
        $server = [];
        foreach ($keys as $key) {
            $server[] = $this->key($key);
        }
        $found = $server === [] ? [] : $this->client->getMany($server);
        $out = [];
        $i = 0;
        foreach ($keys as $key) {
            $k = $server[$i++];
            $out[$key] = \array_key_exists($k, $found) ? Envelope::value($found[$k]) : null;
        }
        return $out;
    }

    public function put($key, $value, $seconds)
    {
        $k = $this->key($key);
        $ms = Ttl::seconds((int) $seconds);
        try {
            if ($ms !== null && $ms <= 0) {
                $this->client->delete($k);
                return true;
            }
            return $this->client->put($k, Envelope::plain($value), $this->writeTags, $ms);
        } catch (\ValueError $e) {
            throw new InvalidArgument($e->getMessage(), 0, $e);
        }
    }

    /** One pipelined batch for all the values. */
    public function putMany(array $values, $seconds)
    {
        $items = [];
        foreach ($values as $key => $value) {
            $items[$this->key($key)] = Envelope::plain($value);
        }
        if ($items === []) {
            return true;
        }
        $ms = Ttl::seconds((int) $seconds);
        try {
            if ($ms !== null && $ms <= 0) {
                $this->client->deleteMany(array_map('strval', array_keys($items)));
                return true;
            }
            return $this->client->putMany($items, $this->writeTags, $ms);
        } catch (\ValueError $e) {
            throw new InvalidArgument($e->getMessage(), 0, $e);
        }
    }

    /**
     * Stores the value only if the key is missing, atomically (the server's ADD).
     *
     * @param int|null $seconds null: no expiry
     */
    public function add($key, $value, $seconds = null)
    {
        $ms = $seconds === null ? null : Ttl::seconds((int) $seconds);
        if ($ms !== null && $ms <= 0) {
            return false;
        }
        try {
            return $this->client->add($this->key($key), Envelope::plain($value), $this->writeTags, $ms);
        } catch (\ValueError $e) {
            throw new InvalidArgument($e->getMessage(), 0, $e);
        }
    }

    public function increment($key, $value = 1)
    {
        return $this->counter($key, (int) $value);
    }

    public function decrement($key, $value = 1)
    {
        return $this->counter($key, -(int) $value);
    }

    public function forever($key, $value)
    {
        try {
            return $this->client->put($this->key($key), Envelope::plain($value), $this->writeTags);
        } catch (\ValueError $e) {
            throw new InvalidArgument($e->getMessage(), 0, $e);
        }
    }

    /** True if the key existed. */
    public function forget($key)
    {
        return $this->client->delete($this->key($key));
    }

    /** Removes every item of this prefix: one server invalidation. */
    public function flush()
    {
        $this->client->invalidate($this->names->poolTag);
        return true;
    }

    public function getPrefix()
    {
        return $this->names->prefix;
    }

    /** Like the Redis store: a non-empty prefix gets ':' appended. */
    public function setPrefix($prefix): void
    {
        $this->names = new Names((string) $prefix, false, InvalidArgument::class);
        $this->writeTags = $this->names->itemTags($this->tagNames);
    }

    /**
     * A cache whose writes carry the tags natively and whose flush() is one
     * invalidation of them.
     *
     * @param array|mixed $names
     */
    public function tags($names)
    {
        $names = \is_array($names) ? $names : \func_get_args();
        $checked = [];
        foreach ($names as $name) {
            $checked[] = $this->names->checkTag($name);
        }
        $view = clone $this;
        $view->tagNames = $checked;
        $view->writeTags = $this->names->itemTags($checked);
        return new TaggedCache($view, new NativeTagSet($view, $checked));
    }

    public function lock($name, $seconds = 0, $owner = null)
    {
        return new TagCacheLock($this, (string) $name, (int) $seconds, $owner === null ? null : (string) $owner);
    }

    public function restoreLock($name, $owner)
    {
        return $this->lock($name, 0, $owner);
    }

    /** The client this store talks through. */
    public function getClient(): \TagCache
    {
        return $this->client;
    }

    /**
     * Removes every item of this prefix carrying any of the tags: one server
     * command.
     *
     * @internal used by TaggedCache and NativeTagSet
     * @param list<string> $names user tags
     */
    public function flushTags(array $names): bool
    {
        $tags = [];
        foreach ($names as $name) {
            $tags[] = $this->names->tag($this->names->checkTag($name));
        }
        if ($tags !== []) {
            $this->client->invalidate(\count($tags) === 1 ? $tags[0] : $tags);
        }
        return true;
    }

    /**
     * Sends buffered writes in one pipelined batch: [key, value, seconds
     * (null: forever)] stores, [key] deletes.
     *
     * @internal used by WriteBuffer
     * @param list<array> $ops
     */
    public function writeBatch(array $ops): bool
    {
        if ($ops === []) {
            return true;
        }
        $pipe = $this->client->pipeline();
        try {
            foreach ($ops as $op) {
                $k = $this->key($op[0]);
                $ms = \count($op) === 1 ? 0 : ($op[2] === null ? null : Ttl::seconds((int) $op[2]));
                if ($ms !== null && $ms <= 0) {
                    $pipe->delete($k);
                } else {
                    $pipe->put($k, Envelope::plain($op[1]), $this->writeTags, $ms);
                }
            }
        } catch (\ValueError $e) {
            throw new InvalidArgument($e->getMessage(), 0, $e);
        }
        foreach ($pipe->execute() as $result) {
            if ($result instanceof \Throwable) {
                throw $result;
            }
        }
        return true;
    }

    /** @internal used by TagCacheLock */
    public function acquireLock(string $name, string $owner, int $seconds): bool
    {
        return $this->client->add(
            $this->key($name),
            $owner,
            [$this->names->poolTag, $this->ownerTag($name, $owner)],
            $seconds > 0 ? Ttl::seconds($seconds) : null
        );
    }

    /**
     * Removes the lock if this owner holds it, atomically: only the owner's
     * ADD put the lock key under the owner tag.
     *
     * @internal used by TagCacheLock
     */
    public function releaseLock(string $name, string $owner): bool
    {
        return $this->client->invalidate($this->ownerTag($name, $owner)) > 0;
    }

    /** @internal used by TagCacheLock */
    public function lockOwner(string $name): string
    {
        $owner = $this->client->get($this->key($name));
        return \is_string($owner) ? $owner : '';
    }

    /** @internal used by TagCacheLock */
    public function forceReleaseLock(string $name): void
    {
        $this->client->delete($this->key($name));
    }

    private function ownerTag(string $name, string $owner): string
    {
        return $this->names->prefix . '@lock:' . sha1($name . "\0" . $owner);
    }

    private function counter(mixed $key, int $by): int
    {
        $k = $this->key($key);
        // ADD gives a new counter this store's tags (INCR alone would create
        // it untagged, out of reach of flush()); it leaves an existing key alone.
        $results = $this->client->pipeline()
            ->add($k, 0, $this->writeTags)
            ->increment($k, $by)
            ->execute();
        if ($results[1] instanceof \Throwable) {
            throw $results[1];
        }
        return $results[1];
    }

    private function key(mixed $key): string
    {
        return $this->names->listKey($key);
    }
}
