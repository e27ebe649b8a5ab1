<?php

declare(strict_types=1);

namespace TagCache\Tests;

/** The server the tests run against, and helpers shared by the test classes. */
final class TestServer
{
    private static ?\TagCache $client = null;

    /** One client for the whole run, as an application would share it. */
    public static function client(): \TagCache
    {
        return self::$client ??= self::newClient();
    }

    /** A client of its own (e.g. for a forked process). */
    public static function newClient(array $options = []): \TagCache
    {
        return new \TagCache($options + [
            'host' => getenv('TAGCACHE_HOST') ?: '127.0.0.1',
            'port' => (int) getenv('TAGCACHE_PORT'),
            'timeout_ms' => 5000,
        ]);
    }

    /** A namespace no other test or run uses. */
    public static function namespace(string $what): string
    {
        return $what . '_' . getmypid() . '_' . bin2hex(random_bytes(4));
    }

    /** The server's invalidation counter (DEL, INV_* and FLUSH each count one). */
    public static function invalidations(): int
    {
        return self::client()->stats()['invalidations'];
    }

    /**
     * How many connections $op checked out of $client's pool: one per round
     * trip (a pipelined batch is one). Measured from the pool counters
     * around the call, less what reading them costs.
     */
    public static function roundTrips(\TagCache $client, callable $op): int
    {
        $count = static function () use ($client): int {
            $pool = $client->stats()['pool'];
            return $pool['created'] + $pool['reused'];
        };
        $a = $count();
        $b = $count();
        $reading = $b - $a;
        $a = $count();
        $op();
        $b = $count();
        return $b - $a - $reading;
    }

    /** @return array{hits: int, misses: int, puts: int, invalidations: int} */
    public static function counters(): array
    {
        $s = self::client()->stats();
        return ['hits' => $s['hits'], 'misses' => $s['misses'], 'puts' => $s['puts'], 'invalidations' => $s['invalidations']];
    }
}
