<?php
/**
 * Stubs of the tagcache extension, for IDEs and static analysis.
 * Kept by hand, together with src/php/; php-tests/063-reflection-stub.phpt
 * checks that every signature here equals what the loaded extension reports.
 */

/** Base of every exception the extension throws (besides ValueError/TypeError for bad arguments). */
class TagCacheException extends RuntimeException {}

/** The server could not be reached, the connection broke, an operation timed out, or the pool was exhausted. */
class TagCacheConnectionException extends TagCacheException {}

/** The server answered ERR (the message holds its text) or a reply that does not fit the request. */
class TagCacheServerException extends TagCacheException {}

final class TagCache
{
    public const VERSION = '0.1.0';

    /** Connects lazily: nothing is sent until the first call. Options override the tagcache.* INI defaults. */
    public function __construct(?array $options = null) {}

    public static function create(?array $options = null): TagCache {}

    /** Stores a value (replacing value, tags and TTL). $ttlMs null: no expiry; 0: expires at once. */
    public function put(string $key, mixed $value, array $tags = [], ?int $ttlMs = null): bool {}

    /** Alias of put(). */
    public function set(string $key, mixed $value, array $tags = [], ?int $ttlMs = null): bool {}

    /** Stores only if the key does not exist; false if it does. */
    public function add(string $key, mixed $value, array $tags = [], ?int $ttlMs = null): bool {}

    /** The value, or $default when the key is missing or expired. */
    public function get(string $key, mixed $default = null): mixed {}

    /** [key => value] of the keys found, in request order. */
    public function getMany(array $keys): array {}

    /** Alias of getMany(). */
    public function mGet(array $keys): array {}

    /** Stores every [key => value] of $items with the same tags and TTL. */
    public function putMany(array $items, array $tags = [], ?int $ttlMs = null): bool {}

    /** Alias of putMany(). */
    public function mSet(array $items, array $tags = [], ?int $ttlMs = null): bool {}

    /** True if the key existed. */
    public function delete(string $key): bool {}

    /** How many of the keys existed. */
    public function deleteMany(array $keys): int {}

    /**
     * Removes every key carrying any ('any') or all ('all') of the tags.
     * @param string|array $tags one tag or a list of tags
     * @return int how many keys were removed
     */
    public function invalidate(mixed $tags, string $mode = 'any'): int {}

    /** Alias of invalidate($tag). */
    public function invalidateTag(string $tag): int {}

    /** @return list<string> the keys carrying the tag (unordered) */
    public function keysByTag(string $tag): array {}

    /** @return list<string> the keys carrying any of the tags */
    public function searchAny(array $tags): array {}

    /** @return list<string> the keys carrying all of the tags */
    public function searchAll(array $tags): array {}

    /** Adds $by (a missing key starts at 0) and returns the new value. */
    public function increment(string $key, int $by = 1, array $tags = [], ?int $ttlMs = null): int {}

    public function decrement(string $key, int $by = 1, array $tags = [], ?int $ttlMs = null): int {}

    /** Server counters (hits, misses, puts, invalidations, hit_ratio) and this client's pool under 'pool'. */
    public function stats(): array {}

    /** Removes every entry; how many were removed. */
    public function flush(): int {}

    public function ping(): bool {}

    /** "host:port" of the server that holds $key (ketama over the `servers` list, as php-memcached places keys); with one server, that server. Connects to nothing. */
    public function serverForKey(string $key): string {}

    public function pipeline(): TagCachePipeline {}

    /** Closes the idle connections; the next call connects again. */
    public function close(): void {}
}

/**
 * Calls queued and sent together by execute(). Every method but execute()
 * and count() queues the call of the same name of TagCache and returns the
 * pipeline. Invalid arguments throw when a call is queued.
 */
final class TagCachePipeline implements Countable
{
    /** Not callable from PHP (it throws): a pipeline comes from TagCache::pipeline(). */
    public function __construct() {}

    public function put(string $key, mixed $value, array $tags = [], ?int $ttlMs = null): TagCachePipeline {}
    public function set(string $key, mixed $value, array $tags = [], ?int $ttlMs = null): TagCachePipeline {}
    public function add(string $key, mixed $value, array $tags = [], ?int $ttlMs = null): TagCachePipeline {}
    public function get(string $key, mixed $default = null): TagCachePipeline {}
    public function getMany(array $keys): TagCachePipeline {}
    public function mGet(array $keys): TagCachePipeline {}
    public function mSet(array $items, array $tags = [], ?int $ttlMs = null): TagCachePipeline {}
    public function putMany(array $items, array $tags = [], ?int $ttlMs = null): TagCachePipeline {}
    public function delete(string $key): TagCachePipeline {}
    public function deleteMany(array $keys): TagCachePipeline {}
    /** @param string|array $tags */
    public function invalidate(mixed $tags, string $mode = 'any'): TagCachePipeline {}
    public function invalidateTag(string $tag): TagCachePipeline {}
    public function keysByTag(string $tag): TagCachePipeline {}
    public function searchAny(array $tags): TagCachePipeline {}
    public function searchAll(array $tags): TagCachePipeline {}
    public function increment(string $key, int $by = 1, array $tags = [], ?int $ttlMs = null): TagCachePipeline {}
    public function decrement(string $key, int $by = 1, array $tags = [], ?int $ttlMs = null): TagCachePipeline {}
    public function stats(): TagCachePipeline {}
    public function flush(): TagCachePipeline {}
    public function ping(): TagCachePipeline {}

    /**
     * Sends every queued call and empties the queue.
     * @return array one result per call, in order: what the TagCache method
     *   returns, or the TagCacheServerException the server's refusal caused.
     *   A connection failure throws for the whole batch.
     */
    public function execute(): array {}

    /** How many calls are queued. */
    public function count(): int {}
}
