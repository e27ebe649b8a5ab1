<?php

declare(strict_types=1);

namespace TagCache\Internal;

use Psr\Cache\CacheItemInterface;
use Psr\Cache\CacheItemPoolInterface;
use Psr\Log\LoggerAwareInterface;
use TagCache\CacheItem;
use TagCache\Exception\CacheInvalidArgumentException as InvalidArgument;

/**
 * The code of TagCache\CacheItemPool (which adds tag-interop's interface when
 * that package is installed).
 *
 * @internal
 */
abstract class CacheItemPoolBase implements CacheItemPoolInterface, LoggerAwareInterface
{
    use ReportsFailures;

    private readonly Names $names;

    private readonly ?int $defaultLifetimeMs;

    /** @var array<string, array{0: mixed, 1: list<string>, 2: ?float}> user key => [value, tags, expiry] */
    private array $deferred = [];

    private readonly object $miss;

    /**
     * @param \TagCache $client the extension's client (its pool is shared with whoever else uses it)
     * @param string $namespace prefix of this pool's keys and tags ('' for none); clear() removes this namespace only
     * @param int $defaultLifetime seconds an item lives when it has no expiry of its own; 0: no expiry
     */
    public function __construct(private readonly \TagCache $client, string $namespace = '', int $defaultLifetime = 0)
    {
        if ($defaultLifetime < 0) {
            throw new InvalidArgument(sprintf('Default lifetime must be 0 (no expiry) or positive, %d given', $defaultLifetime));
        }
        $this->names = new Names($namespace, true, InvalidArgument::class);
        $this->defaultLifetimeMs = $defaultLifetime === 0 ? null : Ttl::seconds($defaultLifetime);
        $this->miss = new \stdClass();
    }

    public function __destruct()
    {
        if ($this->deferred !== []) {
            $this->commit();
        }
    }

    public function getItem($key): CacheItem
    {
        $k = $this->names->key($key);
        if (isset($this->deferred[$key])) {
            return $this->deferredItem($key);
        }
        try {
            $stored = $this->client->get($k, $this->miss);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, 'getItem', [$k]);
            return new CacheItem($key);
        }
        if ($stored === $this->miss) {
            return new CacheItem($key);
        }
        [$value, $tags] = Envelope::open($stored);
        return new CacheItem($key, $value, true, $tags);
    }

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
        $found = [];
        if ($fetch !== []) {
            try {
                $found = $this->client->getMany($fetch);
            } catch (\TagCacheException $e) {
                $this->reportFailure($e, 'getItems', $fetch);
            }
        }
        $items = [];
        foreach ($keys as $key) {
            if (isset($this->deferred[$key])) {
                $items[$key] = $this->deferredItem($key);
                continue;
            }
            $k = $this->names->key($key);
            if (\array_key_exists($k, $found)) {
                [$value, $tags] = Envelope::open($found[$k]);
                $items[$key] = new CacheItem($key, $value, true, $tags);
            } else {
                $items[$key] = new CacheItem($key);
            }
        }
        return $items;
    }

    public function hasItem($key): bool
    {
        $k = $this->names->key($key);
        if (isset($this->deferred[$key])) {
            return $this->deferredItem($key)->isHit();
        }
        try {
            return $this->client->get($k, $this->miss) !== $this->miss;
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, 'hasItem', [$k]);
            return false;
        }
    }

    /** Removes every item of this namespace (one server invalidation) and the deferred ones. */
    public function clear(): bool
    {
        $this->deferred = [];
        try {
            $this->client->invalidate($this->names->poolTag);
            return true;
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, 'clear');
            return false;
        }
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
        if ($server === []) {
            return true;
        }
        try {
            if (\count($server) === 1) {
                $this->client->delete($server[0]);
            } else {
                $this->client->deleteMany($server);
            }
            return true;
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, 'deleteItems', $server);
            return false;
        }
    }

    public function save(CacheItemInterface $item): bool
    {
        $item = $this->own($item);
        $key = $item->getKey();
        $k = $this->names->key($key);
        unset($this->deferred[$key]);
        $tags = $item->getTags();
        $ms = $this->ttl($item->expiry());
        try {
            if ($ms !== null && $ms <= 0) {
                $this->client->delete($k);
                return true;
            }
            return $this->client->put($k, Envelope::wrap($item->rawValue(), $tags), $this->names->itemTags($tags), $ms);
        } catch (\ValueError $e) {
            throw $this->names->fromValueError($e);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, 'save', [$k]);
            return false;
        }
    }

    public function saveDeferred(CacheItemInterface $item): bool
    {
        $item = $this->own($item);
        $key = $item->getKey();
        $this->names->key($key);
        $this->deferred[$key] = [$item->rawValue(), $item->getTags(), $item->expiry()];
        return true;
    }

    /** Sends every deferred save in one pipelined batch. */
    public function commit(): bool
    {
        if ($this->deferred === []) {
            return true;
        }
        $deferred = $this->deferred;
        $this->deferred = [];
        $pipe = $this->client->pipeline();
        $keys = [];
        try {
            foreach ($deferred as $key => [$value, $tags, $expiry]) {
                $k = $this->names->key((string) $key);
                $keys[] = $k;
                $ms = $this->ttl($expiry);
                if ($ms !== null && $ms <= 0) {
                    $pipe->delete($k);
                } else {
                    $pipe->put($k, Envelope::wrap($value, $tags), $this->names->itemTags($tags), $ms);
                }
            }
            $results = $pipe->execute();
        } catch (\ValueError $e) {
            throw $this->names->fromValueError($e);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, 'commit', $keys);
            return false;
        }
        $ok = true;
        foreach ($results as $i => $r) {
            if ($r instanceof \Throwable) {
                $this->reportFailure($r, 'commit', [$keys[$i]]);
                $ok = false;
            }
        }
        return $ok;
    }

    /**
     * Removes every item of this namespace carrying the tag: one server command.
     */
    public function invalidateTag($tag): bool
    {
        return $this->invalidateTags([$tag]);
    }

    /**
     * Removes every item of this namespace carrying any of the tags (deferred
     * ones too): one server command for all of them.
     *
     * @param string[] $tags
     */
    public function invalidateTags(array $tags): bool
    {
        $checked = [];
        foreach ($tags as $tag) {
            $t = $this->names->checkTag($tag);
            $checked[$t] = $this->names->tag($t);
        }
        if ($checked === []) {
            return true;
        }
        foreach ($this->deferred as $key => [, $itemTags]) {
            foreach ($itemTags as $t) {
                if (isset($checked[$t])) {
                    unset($this->deferred[$key]);
                    break;
                }
            }
        }
        try {
            $this->client->invalidate(array_values($checked));
            return true;
        } catch (\ValueError $e) {
            throw $this->names->fromValueError($e);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, 'invalidateTags');
            return false;
        }
    }

    private function deferredItem(string $key): CacheItem
    {
        [$value, $tags, $expiry] = $this->deferred[$key];
        if ($expiry !== null && $expiry <= microtime(true)) {
            return new CacheItem($key);
        }
        return new CacheItem($key, $value, true, $tags);
    }

    private function ttl(?float $expiry): ?int
    {
        return $expiry === null ? $this->defaultLifetimeMs : Ttl::until($expiry);
    }

    private function own(CacheItemInterface $item): CacheItemBase
    {
        if (!$item instanceof CacheItemBase) {
            throw new InvalidArgument(sprintf('%s can only save its own items (%s), %s given', static::class, CacheItem::class, get_debug_type($item)));
        }
        return $item;
    }
}
