<?php

declare(strict_types=1);

namespace TagCache\Internal;

/**
 * TTL conversions to the server's milliseconds. null means "no expiry";
 * an int <= 0 means "already expired": callers delete instead of storing.
 *
 * @internal
 */
final class Ttl
{
    /** Seconds to milliseconds; a TTL too long to count in ms is no expiry. */
    public static function seconds(int $seconds): ?int
    {
        if ($seconds > intdiv(PHP_INT_MAX, 1000)) {
            return null;
        }
        return $seconds <= 0 ? 0 : $seconds * 1000;
    }

    /** A DateInterval from now, to milliseconds (it may be negative: expired). */
    public static function interval(\DateInterval $interval): ?int
    {
        $now = new \DateTimeImmutable();
        $then = $now->add($interval);
        $seconds = $then->getTimestamp() - $now->getTimestamp();
        if ($seconds > intdiv(PHP_INT_MAX, 1000) - 1) {
            return null;
        }
        if ($seconds < -86400) {
            return 0;
        }
        $ms = $seconds * 1000 + intdiv((int) $then->format('u') - (int) $now->format('u'), 1000);
        return max(0, $ms);
    }

    /** An absolute expiry (float Unix time) to a TTL from now, rounded up to the millisecond. */
    public static function until(float $expiry): ?int
    {
        $ms = ceil(($expiry - microtime(true)) * 1000);
        if ($ms >= (float) PHP_INT_MAX) {
            return null;
        }
        return $ms <= 0 ? 0 : (int) $ms;
    }

    /**
     * PSR-16's TTL: null (the default), an int of seconds or a DateInterval.
     *
     * @param class-string<\InvalidArgumentException> $error
     */
    public static function psr16(mixed $ttl, ?int $defaultMs, string $error): ?int
    {
        if ($ttl === null) {
            return $defaultMs;
        }
        if (\is_int($ttl)) {
            return self::seconds($ttl);
        }
        if ($ttl instanceof \DateInterval) {
            return self::interval($ttl);
        }
        throw new $error(sprintf('Cache TTL must be null, an int (seconds) or a DateInterval, %s given', get_debug_type($ttl)));
    }
}
