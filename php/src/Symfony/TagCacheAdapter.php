<?php

declare(strict_types=1);

namespace TagCache\Symfony;

use Psr\Cache\CacheItemInterface;
use Psr\Log\LoggerAwareInterface;
use Symfony\Component\Cache\Adapter\TagAwareAdapterInterface;
use Symfony\Component\Cache\CacheItem;
use Symfony\Component\Cache\Exception\InvalidArgumentException;
use Symfony\Component\Cache\ResettableInterface;
use Symfony\Contracts\Cache\ItemInterface;
use Symfony\Contracts\Cache\TagAwareCacheInterface;
use TagCache\Internal\Envelope;
use TagCache\Internal\Names;
use TagCache\Internal\ReportsFailures;
use TagCache\Internal\Ttl;

/**
 * Symfony cache adapter on the tagcache extension (symfony/cache 5.4 to 7),
 * tag-aware with the server's own tags: ItemInterface::tag() stores the tags
 * with the item, invalidateTags() is one server command, and reads fetch the
 * item alone (no tag versions to compare, unlike TagAwareAdapter).
 *
 * get() with a callback follows the cache contracts: the callback runs on a
 * miss and its result is saved (unless it sets $save to false); a hit is
 * recomputed early with the probability Symfony defines from $beta (default
 * 1.0; INF always recomputes) and the time the value took to compute; its
 * expiry and that time are the item's metadata.
 *
 * Server failures are logged (setLogger(), else error_log()) and the call
 * returns a miss or false, as Symfony's adapters do.
 */
final class TagCacheAdapter implements TagAwareAdapterInterface, TagAwareCacheInterface, LoggerAwareInterface, ResettableInterface
{
    use ReportsFailures;

    private static ?\Closure $create = null;

    private static ?\Closure $export = null;

    private static ?\Closure $setComputed = null;

    private readonly Names $names;

    private readonly ?int $defaultLifetimeMs;

    /** @var array<string, CacheItem> copies of the items saved with saveDeferred(), by key */
    private array $deferred = [];

    private readonly object $miss;

    /**
     * @param \TagCache $client the extension's client (its pool is shared with whoever else uses it)
     * @param string $namespace prefix of this pool's keys and tags ('' for none); clear() removes this namespace only
     * @param int $defaultLifetime seconds an item lives when it has no expiry of its own; 0: no expiry
     */
    public function __construct(private readonly \TagCache $client, string $namespace = '', private readonly int $defaultLifetime = 0)
    {
        if ($defaultLifetime < 0) {
            throw new InvalidArgumentException(sprintf('Default lifetime must be 0 (no expiry) or positive, %d given.', $defaultLifetime));
        }
        $this->names = new Names($namespace, true, InvalidArgumentException::class);
        $this->defaultLifetimeMs = $defaultLifetime === 0 ? null : Ttl::seconds($defaultLifetime);
        $this->miss = new \stdClass();
        self::$create ??= \Closure::bind(static function (string $key, mixed $value, bool $hit, array $metadata): CacheItem {
            $item = new CacheItem();
            $item->key = $key;
            $item->value = $value;
            $item->isHit = $hit;
            $item->isTaggable = true;
            $item->metadata = $metadata;
            return $item;
        }, null, CacheItem::class);
        self::$export ??= \Closure::bind(
            static fn (CacheItem $item): array => [$item->key, $item->value, $item->expiry, $item->newMetadata],
            null,
            CacheItem::class
        );
        self::$setComputed ??= \Closure::bind(static function (CacheItem $item, ?float $expiry, int $ctime): void {
            if ($expiry === null) {
                unset($item->newMetadata[CacheItem::METADATA_EXPIRY], $item->newMetadata[CacheItem::METADATA_CTIME]);
            } else {
                $item->newMetadata[CacheItem::METADATA_EXPIRY] = $expiry;
                $item->newMetadata[CacheItem::METADATA_CTIME] = $ctime;
            }
        }, null, CacheItem::class);
    }

    public function __destruct()
    {
        if ($this->deferred !== []) {
            $this->commit();
        }
    }

    public function get(string $key, callable $callback, ?float $beta = null, ?array &$metadata = null): mixed
    {
        if ($beta !== null && $beta < 0) {
            throw new InvalidArgumentException(sprintf('Argument "$beta" provided to "%s::get()" must be a positive number, %f given.', static::class, $beta));
        }
        $item = $this->getItem($key);
        $metadata = $item->getMetadata();
        $recompute = !$item->isHit() || $beta === INF;
        if (!$recompute && isset($metadata[ItemInterface::METADATA_EXPIRY], $metadata[ItemInterface::METADATA_CTIME])) {
            // Probabilistic early expiration: the longer the value took to
            // compute and the nearer its expiry, the likelier a recompute.
            $recompute = $metadata[ItemInterface::METADATA_EXPIRY]
                <= microtime(true) - $metadata[ItemInterface::METADATA_CTIME] / 1000 * ($beta ?? 1.0) * log(random_int(1, PHP_INT_MAX) / PHP_INT_MAX);
        }
        if (!$recompute) {
            return $item->get();
        }

        $save = true;
        $start = microtime(true);
        $value = $callback($item, $save);
        $item->set($value);
        $end = microtime(true);
        [, , $expiry, $newMetadata] = (self::$export)($item);
        if ($expiry === null && $this->defaultLifetime > 0) {
            $expiry = $start + $this->defaultLifetime;
        }
        $metadata = [];
        if ($expiry !== null && $expiry > $end) {
            $ctime = (int) ceil(1000 * ($end - $start));
            (self::$setComputed)($item, (float) $expiry, $ctime);
            $metadata[ItemInterface::METADATA_EXPIRY] = (float) $expiry;
            $metadata[ItemInterface::METADATA_CTIME] = $ctime;
        } else {
            (self::$setComputed)($item, null, 0);
        }
        if (isset($newMetadata[ItemInterface::METADATA_TAGS])) {
            $metadata[ItemInterface::METADATA_TAGS] = $newMetadata[ItemInterface::METADATA_TAGS];
        }
        if ($save) {
            $this->save($item);
        }
        return $value;
    }

    public function delete(string $key): bool
    {
        return $this->deleteItem($key);
    }

    public function getItem(mixed $key): CacheItem
    {
        $k = $this->names->key($key);
        if (isset($this->deferred[$key])) {
            return $this->deferredItem($key);
        }
        try {
            $stored = $this->client->get($k, $this->miss);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, 'getItem', [$k]);
            return (self::$create)($key, null, false, []);
        }
        return $this->item($key, $stored);
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
            $items[$key] = $this->item($key, \array_key_exists($k, $found) ? $found[$k] : $this->miss);
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

    /**
     * Without a prefix: removes every item of this namespace (one server
     * invalidation). With one: the items whose key starts with it (their
     * keys are listed by the namespace's tag, then deleted in one batch).
     */
    public function clear(string $prefix = ''): bool
    {
        try {
            if ($prefix === '') {
                $this->deferred = [];
                $this->client->invalidate($this->names->poolTag);
                return true;
            }
            foreach (array_keys($this->deferred) as $key) {
                if (str_starts_with((string) $key, $prefix)) {
                    unset($this->deferred[$key]);
                }
            }
            $start = $this->names->prefix . $prefix;
            $doomed = array_values(array_filter(
                $this->client->keysByTag($this->names->poolTag),
                static fn (string $k): bool => str_starts_with($k, $start)
            ));
            if ($doomed !== []) {
                $this->client->deleteMany($doomed);
            }
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
        if (!$item instanceof CacheItem) {
            return false;
        }
        [$key, $value, $expiry, $meta] = (self::$export)($item);
        $k = $this->names->key($key);
        unset($this->deferred[$key]);
        [$stored, $tags, $ms] = $this->storedForm($value, $expiry, $meta);
        try {
            if ($ms !== null && $ms <= 0) {
                $this->client->delete($k);
                return true;
            }
            return $this->client->put($k, $stored, $tags, $ms);
        } catch (\ValueError $e) {
            throw $this->names->fromValueError($e);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, 'save', [$k]);
            return false;
        }
    }

    public function saveDeferred(CacheItemInterface $item): bool
    {
        if (!$item instanceof CacheItem) {
            return false;
        }
        [$key, , , $meta] = (self::$export)($item);
        $this->names->key($key);
        foreach ($meta[ItemInterface::METADATA_TAGS] ?? [] as $tag) {
            $this->names->checkTag($tag);
        }
        $this->deferred[$key] = clone $item;
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
            foreach ($deferred as $item) {
                [$key, $value, $expiry, $meta] = (self::$export)($item);
                $k = $this->names->key($key);
                $keys[] = $k;
                [$stored, $tags, $ms] = $this->storedForm($value, $expiry, $meta);
                if ($ms !== null && $ms <= 0) {
                    $pipe->delete($k);
                } else {
                    $pipe->put($k, $stored, $tags, $ms);
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
     * Removes every item of this namespace carrying any of the tags,
     * deferred ones too: one server command for all the tags.
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
        foreach ($this->deferred as $key => $item) {
            $meta = (self::$export)($item)[3];
            foreach ($meta[ItemInterface::METADATA_TAGS] ?? [] as $t) {
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

    /** Commits the deferred items (called between requests of long-running workers). */
    public function reset(): void
    {
        $this->commit();
    }

    /**
     * The stored envelope, the server tags and the TTL (ms; null: none;
     * <= 0: expired) of an item's value, expiry and new metadata.
     *
     * @return array{0: array, 1: list<string>, 2: ?int}
     */
    private function storedForm(mixed $value, int|float|null $expiry, array $meta): array
    {
        $tags = [];
        foreach ($meta[ItemInterface::METADATA_TAGS] ?? [] as $tag) {
            $tags[] = $this->names->checkTag((string) $tag);
        }
        $ms = $expiry === null ? $this->defaultLifetimeMs : Ttl::until((float) $expiry);
        if (isset($meta[ItemInterface::METADATA_EXPIRY], $meta[ItemInterface::METADATA_CTIME])) {
            $stored = Envelope::wrap($value, $tags, (float) $meta[ItemInterface::METADATA_EXPIRY], (int) $meta[ItemInterface::METADATA_CTIME]);
        } else {
            $stored = Envelope::wrap($value, $tags);
        }
        return [$stored, $this->names->itemTags($tags), $ms];
    }

    private function item(string $key, mixed $stored): CacheItem
    {
        if ($stored === $this->miss) {
            return (self::$create)($key, null, false, []);
        }
        [$value, $tags, $expiry, $ctime] = Envelope::open($stored);
        $metadata = [];
        if ($expiry !== null && $ctime !== null) {
            $metadata[ItemInterface::METADATA_EXPIRY] = $expiry;
            $metadata[ItemInterface::METADATA_CTIME] = $ctime;
        }
        if ($tags !== []) {
            $metadata[ItemInterface::METADATA_TAGS] = array_combine($tags, $tags);
        }
        return (self::$create)($key, $value, true, $metadata);
    }

    private function deferredItem(string $key): CacheItem
    {
        [, $value, $expiry, $meta] = (self::$export)($this->deferred[$key]);
        if ($expiry !== null && $expiry <= microtime(true)) {
            return (self::$create)($key, null, false, []);
        }
        $metadata = $meta;
        if (isset($metadata[ItemInterface::METADATA_TAGS])) {
            $metadata[ItemInterface::METADATA_TAGS] = array_combine(
                array_map('strval', $metadata[ItemInterface::METADATA_TAGS]),
                array_map('strval', $metadata[ItemInterface::METADATA_TAGS])
            );
        }
        return (self::$create)($key, $value, true, $metadata);
    }
}
