<?php

declare(strict_types=1);

namespace TagCache\Symfony;

use Psr\Cache\CacheItemInterface;
use Psr\Log\LoggerAwareInterface;
use Psr\Log\LoggerInterface;
use Symfony\Component\Cache\Adapter\TagAwareAdapterInterface;
use Symfony\Component\Cache\CacheItem;
use Symfony\Component\Cache\Exception\InvalidArgumentException;
use Symfony\Component\Cache\ResettableInterface;
use Symfony\Contracts\Cache\ItemInterface;
use Symfony\Contracts\Cache\TagAwareCacheInterface;
use TagCache\Internal\Backend;
use TagCache\Internal\Envelope;
use TagCache\Internal\Names;
use TagCache\Internal\PoolReads;
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
    use PoolReads;

    private static ?\Closure $create = null;

    private static ?\Closure $export = null;

    private static ?\Closure $setComputed = null;

    private readonly Backend $backend;

    private readonly Names $names;

    private readonly ?int $defaultLifetimeMs;

    /** @var array<string, CacheItem> copies of the items saved with saveDeferred(), by key */
    private array $deferred = [];

    /**
     * @param \TagCache $client the extension's client (its pool is shared with whoever else uses it)
     * @param string $namespace prefix of this pool's keys and tags ('' for none); clear() removes this namespace only
     * @param int $defaultLifetime seconds an item lives when it has no expiry of its own; 0: no expiry
     */
    public function __construct(\TagCache $client, string $namespace = '', private readonly int $defaultLifetime = 0)
    {
        if ($defaultLifetime < 0) {
            throw new InvalidArgumentException(sprintf('Default lifetime must be 0 (no expiry) or positive, %d given.', $defaultLifetime));
        }
        $this->names = new Names($namespace, true, InvalidArgumentException::class);
        $this->backend = new Backend($client, $this->names);
        $this->defaultLifetimeMs = $defaultLifetime === 0 ? null : Ttl::seconds($defaultLifetime);
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

    public function setLogger(LoggerInterface $logger): void
    {
        $this->backend->setLogger($logger);
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
        return $this->item($key, $this->backend->fetch($k, 'getItem'));
    }

    /**
     * Without a prefix: removes every item of this namespace (one server
     * invalidation). With one: the items whose key starts with it (their
     * keys are listed by the namespace's tag, then deleted in one batch).
     */
    public function clear(string $prefix = ''): bool
    {
        if ($prefix === '') {
            $this->deferred = [];
            return $this->backend->invalidate([$this->names->poolTag], 'clear');
        }
        foreach (array_keys($this->deferred) as $key) {
            if (str_starts_with((string) $key, $prefix)) {
                unset($this->deferred[$key]);
            }
        }
        return $this->backend->deletePrefix($prefix, 'clear');
    }

    public function save(CacheItemInterface $item): bool
    {
        if (!$item instanceof CacheItem) {
            return false;
        }
        [$k, $stored, $tags, $ms] = $this->entry($item);
        unset($this->deferred[$item->getKey()]);
        return $this->backend->write($k, $stored, $tags, $ms, 'save');
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
        $entries = [];
        foreach ($this->deferred as $item) {
            $entries[] = $this->entry($item);
        }
        $this->deferred = [];
        return $this->backend->writeMany($entries, 'commit');
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
        foreach ($this->deferred as $key => $item) {
            $itemTags = (self::$export)($item)[3][ItemInterface::METADATA_TAGS] ?? [];
            if (array_intersect_key($itemTags, $checked) !== []) {
                unset($this->deferred[$key]);
            }
        }
        return $this->backend->invalidate(array_values($checked), 'invalidateTags');
    }

    /** Commits the deferred items (called between requests of long-running workers). */
    public function reset(): void
    {
        $this->commit();
    }

    /**
     * What save() sends for an item: server key, envelope (value, tags and
     * the expiry/ctime metadata get() computed), server tags and TTL in ms
     * (null: none; <= 0: expired, so deleted).
     *
     * @return array{0: string, 1: array, 2: list<string>, 3: ?int}
     */
    private function entry(CacheItem $item): array
    {
        [$key, $value, $expiry, $meta] = (self::$export)($item);
        $tags = [];
        foreach ($meta[ItemInterface::METADATA_TAGS] ?? [] as $tag) {
            $tags[] = $this->names->checkTag((string) $tag);
        }
        if (isset($meta[ItemInterface::METADATA_EXPIRY], $meta[ItemInterface::METADATA_CTIME])) {
            $stored = Envelope::wrap($value, $tags, (float) $meta[ItemInterface::METADATA_EXPIRY], (int) $meta[ItemInterface::METADATA_CTIME]);
        } else {
            $stored = Envelope::wrap($value, $tags);
        }
        return [
            $this->names->key($key),
            $stored,
            $this->names->itemTags($tags),
            $expiry === null ? $this->defaultLifetimeMs : Ttl::until((float) $expiry),
        ];
    }

    private function item(string $key, mixed $stored): CacheItem
    {
        if ($stored === $this->backend->miss) {
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
