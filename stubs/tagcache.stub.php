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

/**
 * Scalar parameters follow PHP's rules for its own functions: converted
 * without strict_types (an int key is its decimal text, "1000" a TTL of
 * 1000), a TypeError under strict_types. Elements of key and tag lists are
 * strings or ints in either mode, and without strict_types anything a string
 * parameter accepts.
 */
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

/*
 * The procedural API of the C extension published with the TagCache server,
 * for code written against it. The handle is a TagCache object. A connection
 * or server failure (any TagCacheException) gives the return noted below and
 * one E_WARNING with the exception's message; invalid arguments throw
 * TypeError/ValueError. Scalar parameters follow PHP's coercion rules
 * (TypeError only under strict_types). A TTL of null, 0 or less means no
 * expiry, as in the C extension.
 */

/** Options: host, port, timeout_ms, connect_timeout_ms, pool_size, serializer (php, igbinary, msgpack, native), any TagCache option; the C extension's transport options (mode, http_base, enable_pipelining, pipeline_depth, enable_async_io, enable_keep_alive, keep_alive_*, tcp_nodelay, timeout, serialize_format) are accepted and have no effect. */
function tagcache_create(?array $options = null): TagCache {}

/** @return bool false on failure */
function tagcache_put(TagCache $handle, string $key, mixed $value, ?array $tags = null, ?int $ttl_ms = null): bool {}

/** The value; null on a miss or a failure. */
function tagcache_get(TagCache $handle, string $key): mixed {}

/** Whether the key existed; false on failure. */
function tagcache_delete(TagCache $handle, string $key): bool {}

/** How many keys were removed; 0 on failure. */
function tagcache_invalidate_tag(TagCache $handle, string $tag): int {}

/** Removes the keys carrying any of the tags; how many; 0 on failure. */
function tagcache_invalidate_tags_any(TagCache $handle, array $tags): int {}

/** Removes the keys carrying all of the tags; how many; 0 on failure. */
function tagcache_invalidate_tags_all(TagCache $handle, array $tags): int {}

/** Removes the keys; how many existed; 0 on failure. */
function tagcache_invalidate_keys(TagCache $handle, array $keys): int {}

/** @return list<string>|null the keys carrying the tag; null on failure */
function tagcache_keys_by_tag(TagCache $handle, string $tag): ?array {}

/** @return array [key => value] of the keys found; [] on failure */
function tagcache_bulk_get(TagCache $handle, array $keys): array {}

/** Stores [key => value]; how many were stored; 0 on failure. */
function tagcache_bulk_put(TagCache $handle, array $items, ?int $ttl_ms = null): int {}

/** Server counters, 'pool', and 'transport' => 'tcp'; null on failure. */
function tagcache_stats(TagCache $handle): ?array {}

/** Removes every entry; how many; 0 on failure. */
function tagcache_flush(TagCache $handle): int {}

/** @return list<string>|null the keys carrying any of the tags; null on failure */
function tagcache_search_any(TagCache $handle, array $tags): ?array {}

/** @return list<string>|null the keys carrying all of the tags; null on failure */
function tagcache_search_all(TagCache $handle, array $tags): ?array {}

/** Closes the handle's idle connections (it reconnects if used again). */
function tagcache_close(TagCache $handle): null {}

/**
 * With session.save_handler=tagcache and a session active: adds tags to the
 * session's entries, written with the session, so that
 * (new TagCache)->invalidate('user:42') ends every session tagged user:42.
 * The tags stay with the session (and across session_regenerate_id()).
 * @return bool false (and an E_WARNING) when no such session is active
 */
function tagcache_session_tag(array $tags): bool {}

/** @return list<string>|null the tags of the active tagcache session, null if none is active */
function tagcache_session_tags(): ?array {}
