<?php

declare(strict_types=1);

namespace TagCache;

use Psr\Log\LoggerAwareInterface;
use Psr\Log\LoggerInterface;
use Psr\SimpleCache\CacheInterface;
use TagCache\Exception\SimpleCacheInvalidArgumentException as InvalidArgument;
use TagCache\Internal\Backend;
use TagCache\Internal\Envelope;
use TagCache\Internal\Names;
use TagCache\Internal\Ttl;

/**
 * PSR-16 cache on the tagcache extension (psr/simple-cache 1, 2 and 3).
 *
 * Keys follow PSR-16 (no {}()/\@:) and the protocol (no comma, TAB, CR, LF);
 * a bad key or TTL throws Psr\SimpleCache\InvalidArgumentException before
 * anything is sent. Values round-trip exactly, null and false included.
 * getMultiple/setMultiple/deleteMultiple are one pipelined batch each.
 * clear() removes this namespace's items only, in one invalidation.
 *
 * A server failure (connection, timeout, refusal) does not throw: the call
 * returns the default or false and the failure goes to the PSR-3 logger
 * (setLogger()) or to error_log(), as PSR-16 implementations do.
 */
final class SimpleCache implements CacheInterface, LoggerAwareInterface
{
    private readonly Backend $backend;

    private readonly Names $names;

    private readonly ?int $defaultTtlMs;

    /** @var list<string> */
    private readonly array $itemTags;

    /**
     * @param \TagCache $client the extension's client (its pool is shared with whoever else uses it)
     * @param string $namespace prefix of this cache's keys and tags ('' for none); clear() removes this namespace only
     * @param int|\DateInterval|null $defaultTtl TTL of set() without one; null or 0: no expiry
     */
    public function __construct(\TagCache $client, string $namespace = '', int|\DateInterval|null $defaultTtl = null)
    {
        if (\is_int($defaultTtl) && $defaultTtl < 0) {
            throw new InvalidArgument(sprintf('Default TTL must be null, 0 (no expiry) or positive, %d given', $defaultTtl));
        }
        $this->names = new Names($namespace, true, InvalidArgument::class);
        $this->backend = new Backend($client, $this->names);
        $this->defaultTtlMs = $defaultTtl === 0 ? null : Ttl::psr16($defaultTtl, null, InvalidArgument::class);
        $this->itemTags = [$this->names->poolTag];
    }

    public function setLogger(LoggerInterface $logger): void
    {
        $this->backend->setLogger($logger);
    }

    public function get($key, $default = null): mixed
    {
        $stored = $this->backend->fetch($this->names->key($key), 'get');
        return $stored === $this->backend->miss ? $default : Envelope::value($stored);
    }

    public function set($key, $value, $ttl = null): bool
    {
        $k = $this->names->key($key);
        $ms = Ttl::psr16($ttl, $this->defaultTtlMs, InvalidArgument::class);
        return $this->backend->write($k, Envelope::plain($value), $this->itemTags, $ms, 'set');
    }

    public function delete($key): bool
    {
        return $this->backend->delete([$this->names->key($key)], 'delete');
    }

    public function clear(): bool
    {
        return $this->backend->invalidate([$this->names->poolTag], 'clear');
    }

    public function getMultiple($keys, $default = null): iterable
    {
        $server = [];
        foreach ($this->iterate($keys, 'keys') as $key) {
            $server[] = $this->names->key($key);
        }
        $found = $this->backend->fetchMany($server, 'getMultiple');
        $out = [];
        foreach ($server as $k) {
            $out[$this->names->userKey($k)] = \array_key_exists($k, $found) ? Envelope::value($found[$k]) : $default;
        }
        return $out;
    }

    public function setMultiple($values, $ttl = null): bool
    {
        $items = [];
        foreach ($this->iterate($values, 'values') as $key => $value) {
            // PHP turns the array key '0' into the int 0: an int is a key here
            $items[$this->names->listKey($key)] = Envelope::plain($value);
        }
        $ms = Ttl::psr16($ttl, $this->defaultTtlMs, InvalidArgument::class);
        if ($items === []) {
            return true;
        }
        return $this->backend->writeAll($items, $this->itemTags, $ms, 'setMultiple');
    }

    public function deleteMultiple($keys): bool
    {
        $server = [];
        foreach ($this->iterate($keys, 'keys') as $key) {
            $server[] = $this->names->key($key);
        }
        return $this->backend->delete($server, 'deleteMultiple');
    }

    public function has($key): bool
    {
        return $this->backend->fetch($this->names->key($key), 'has') !== $this->backend->miss;
    }

    private function iterate(mixed $list, string $what): iterable
    {
        if (!is_iterable($list)) {
            throw new InvalidArgument(sprintf('Cache %s must be an array or a Traversable, %s given', $what, get_debug_type($list)));
        }
        return $list;
    }
}
