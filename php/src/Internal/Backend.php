<?php

declare(strict_types=1);

namespace TagCache\Internal;

use Psr\Log\LoggerAwareInterface;
use Psr\Log\LoggerAwareTrait;

/**
 * The server calls of the PSR-6, PSR-16 and Symfony classes, with the
 * failure policy those standards ask for: an argument the extension refuses
 * becomes the standard's InvalidArgumentException (nothing was sent); a
 * server failure is reported (PSR-3 logger or error_log()) and turns into a
 * miss or false.
 *
 * @internal
 */
final class Backend implements LoggerAwareInterface
{
    use LoggerAwareTrait;

    /** What fetch() returns for a missing key (a stored null is null). */
    public readonly object $miss;

    public function __construct(public readonly \TagCache $client, public readonly Names $names)
    {
        $this->miss = new \stdClass();
    }

    /** The stored form of a key, or $this->miss. */
    public function fetch(string $key, string $operation): mixed
    {
        try {
            return $this->client->get($key, $this->miss);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, $operation, [$key]);
            return $this->miss;
        }
    }

    /**
     * @param list<string> $keys server keys
     * @return array<string, mixed> the stored form of the keys found (one pipelined request)
     */
    public function fetchMany(array $keys, string $operation): array
    {
        if ($keys === []) {
            return [];
        }
        try {
            return $this->client->getMany($keys);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, $operation, $keys);
            return [];
        }
    }

    /**
     * Stores, or deletes when the TTL says expired.
     *
     * @param list<string> $tags server tags
     * @param int|null $ttlMs null: no expiry; <= 0: expired
     */
    public function write(string $key, mixed $stored, array $tags, ?int $ttlMs, string $operation): bool
    {
        try {
            if ($ttlMs !== null && $ttlMs <= 0) {
                $this->client->delete($key);
                return true;
            }
            return $this->client->put($key, $stored, $tags, $ttlMs);
        } catch (\ValueError $e) {
            throw $this->names->fromValueError($e);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, $operation, [$key]);
            return false;
        }
    }

    /**
     * Stores every [server key => stored form] with the same tags and TTL
     * (or deletes them, for an expired TTL) in one pipelined batch.
     *
     * @param array<string, mixed> $items
     * @param list<string> $tags server tags
     */
    public function writeAll(array $items, array $tags, ?int $ttlMs, string $operation): bool
    {
        if ($items === []) {
            return true;
        }
        if ($ttlMs !== null && $ttlMs <= 0) {
            return $this->delete(array_map('strval', array_keys($items)), $operation);
        }
        try {
            return $this->client->putMany($items, $tags, $ttlMs);
        } catch (\ValueError $e) {
            throw $this->names->fromValueError($e);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, $operation, array_keys($items));
            return false;
        }
    }

    /**
     * Stores (or deletes, for an expired TTL) every entry in one pipelined
     * batch.
     *
     * @param list<array{0: string, 1: mixed, 2: list<string>, 3: ?int}> $entries [server key, stored form, server tags, TTL ms]
     */
    public function writeMany(array $entries, string $operation): bool
    {
        if ($entries === []) {
            return true;
        }
        $pipe = $this->client->pipeline();
        try {
            foreach ($entries as [$key, $stored, $tags, $ttlMs]) {
                if ($ttlMs !== null && $ttlMs <= 0) {
                    $pipe->delete($key);
                } else {
                    $pipe->put($key, $stored, $tags, $ttlMs);
                }
            }
            $results = $pipe->execute();
        } catch (\ValueError $e) {
            throw $this->names->fromValueError($e);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, $operation, array_column($entries, 0));
            return false;
        }
        $ok = true;
        foreach ($results as $i => $r) {
            if ($r instanceof \Throwable) {
                $this->reportFailure($r, $operation, [$entries[$i][0]]);
                $ok = false;
            }
        }
        return $ok;
    }

    /** @param list<string> $keys server keys */
    public function delete(array $keys, string $operation): bool
    {
        try {
            match (\count($keys)) {
                0 => null,
                1 => $this->client->delete($keys[0]),
                default => $this->client->deleteMany($keys),
            };
            return true;
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, $operation, $keys);
            return false;
        }
    }

    /**
     * Removes every key carrying any of the server tags: one command.
     *
     * @param list<string> $tags server tags
     */
    public function invalidate(array $tags, string $operation): bool
    {
        if ($tags === []) {
            return true;
        }
        try {
            $this->client->invalidate(\count($tags) === 1 ? $tags[0] : $tags);
            return true;
        } catch (\ValueError $e) {
            throw $this->names->fromValueError($e);
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, $operation);
            return false;
        }
    }

    /**
     * Reports a failure to the PSR-3 logger given with setLogger(), or
     * without one to error_log(): the standards want it to reach an
     * administrator without breaking the application.
     */
    public function reportFailure(\Throwable $e, string $operation, array $keys = []): void
    {
        $message = sprintf('TagCache %s failed (%s): %s', $operation, \get_class($e), $e->getMessage());
        if ($this->logger !== null) {
            $this->logger->warning($message, ['exception' => $e, 'keys' => \array_slice($keys, 0, 20)]);
        } else {
            error_log($message);
        }
    }

    /** Removes every key of the namespace whose user key starts with $prefix. */
    public function deletePrefix(string $prefix, string $operation): bool
    {
        try {
            $start = $this->names->prefix . $prefix;
            $doomed = [];
            foreach ($this->client->keysByTag($this->names->poolTag) as $k) {
                if (str_starts_with($k, $start)) {
                    $doomed[] = $k;
                }
            }
            if ($doomed !== []) {
                $this->client->deleteMany($doomed);
            }
            return true;
        } catch (\TagCacheException $e) {
            $this->reportFailure($e, $operation);
            return false;
        }
    }
}
