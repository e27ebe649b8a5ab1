<?php

declare(strict_types=1);

namespace TagCache\Internal;

use Psr\Cache\CacheItemInterface;
use Psr\Cache\CacheItemPoolInterface;
use Psr\Log\LoggerAwareInterface;
use Psr\Log\LoggerInterface;
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
    use PoolReads;

    private readonly Backend $backend;

    private readonly Names $names;

    private readonly ?int $defaultLifetimeMs;

    /** @var array<string, array{0: mixed, 1: list<string>, 2: ?float}> user key => [value, tags, expiry] */
    private array $deferred = [];

    /**
     * @param \TagCache $client the extension's client (its pool is shared with whoever else uses it)
     * @param string $namespace prefix of this pool's keys and tags ('' for none); clear() removes this namespace only
     * @param int $defaultLifetime seconds an item lives when it has no expiry of its own; 0: no expiry
     */
    public function __construct(\TagCache $client, string $namespace = '', int $defaultLifetime = 0)
    {
        if ($defaultLifetime < 0) {
            throw new InvalidArgument(sprintf('Default lifetime must be 0 (no expiry) or positive, %d given', $defaultLifetime));
        }
        $this->names = new Names($namespace, true, InvalidArgument::class);
        $this->backend = new Backend($client, $this->names);
        $this->defaultLifetimeMs = $defaultLifetime === 0 ? null : Ttl::seconds($defaultLifetime);
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

    public function getItem($key): CacheItem
    {
        $k = $this->names->key($key);
        if (isset($this->deferred[$key])) {
            return $this->deferredItem($key);
        }
        return $this->item($key, $this->backend->fetch($k, 'getItem'));
    }

    /** Removes every item of this namespace (one server invalidation) and the deferred ones. */
    public function clear(): bool
    {
        $this->deferred = [];
        return $this->backend->invalidate([$this->names->poolTag], 'clear');
    }

    public function save(CacheItemInterface $item): bool
    {
        [$k, $stored, $tags, $ms] = $this->entry($item);
        unset($this->deferred[$item->getKey()]);
        return $this->backend->write($k, $stored, $tags, $ms, 'save');
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
        $entries = [];
        foreach ($this->deferred as $key => [$value, $tags, $expiry]) {
            $entries[] = [
                $this->names->prefix . $key,
                Envelope::wrap($value, $tags),
                $this->names->itemTags($tags),
                $expiry === null ? $this->defaultLifetimeMs : Ttl::until($expiry),
            ];
        }
        $this->deferred = [];
        return $this->backend->writeMany($entries, 'commit');
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
        foreach ($this->deferred as $key => [, $itemTags]) {
            if (array_intersect_key(array_flip($itemTags), $checked) !== []) {
                unset($this->deferred[$key]);
            }
        }
        return $this->backend->invalidate(array_values($checked), 'invalidateTags');
    }

    private function item(string $key, mixed $stored): CacheItem
    {
        if ($stored === $this->backend->miss) {
            return new CacheItem($key);
        }
        [$value, $tags] = Envelope::open($stored);
        return new CacheItem($key, $value, true, $tags);
    }

    private function deferredItem(string $key): CacheItem
    {
        [$value, $tags, $expiry] = $this->deferred[$key];
        if ($expiry !== null && $expiry <= microtime(true)) {
            return new CacheItem($key);
        }
        return new CacheItem($key, $value, true, $tags);
    }

    /**
     * @return array{0: string, 1: array, 2: list<string>, 3: ?int} [server key, envelope, server tags, TTL ms]
     */
    private function entry(CacheItemInterface $item): array
    {
        $item = $this->own($item);
        $tags = $item->getTags();
        $expiry = $item->expiry();
        return [
            $this->names->key($item->getKey()),
            Envelope::wrap($item->rawValue(), $tags),
            $this->names->itemTags($tags),
            $expiry === null ? $this->defaultLifetimeMs : Ttl::until($expiry),
        ];
    }

    private function own(CacheItemInterface $item): CacheItemBase
    {
        if (!$item instanceof CacheItemBase) {
            throw new InvalidArgument(sprintf('%s can only save its own items (%s), %s given', static::class, CacheItem::class, get_debug_type($item)));
        }
        return $item;
    }
}
