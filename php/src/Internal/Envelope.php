<?php

declare(strict_types=1);

namespace TagCache\Internal;

/**
 * The stored form of a value that needs more than itself: the PSR-6 pool
 * keeps the item's tags with it (getPreviousTags()), the Symfony adapter
 * also its expiry and computation time (early expiration).
 *
 * An envelope is the list [MARK, value, tags, expiry, ctime] (the last three
 * optional); the extension stores it with its serializer. A plain value is
 * stored as it is, so other TagCache clients read it, unless it is itself an
 * array starting with MARK: then it is wrapped, so that reading back never
 * mistakes a value for an envelope. Every class of this library reads both
 * forms, so one namespace can be shared between them.
 *
 * @internal
 */
final class Envelope
{
    public const MARK = "\0tc\0";

    /** The stored form of a value without tags or metadata. */
    public static function plain(mixed $value): mixed
    {
        if (\is_array($value) && ($value[0] ?? null) === self::MARK) {
            return [self::MARK, $value];
        }
        return $value;
    }

    /**
     * @param list<string> $tags user tags
     */
    public static function wrap(mixed $value, array $tags, ?float $expiry = null, ?int $ctime = null): array
    {
        if ($expiry === null && $ctime === null) {
            return [self::MARK, $value, $tags];
        }
        return [self::MARK, $value, $tags, $expiry, $ctime];
    }

    /** The value of a stored form. */
    public static function value(mixed $stored): mixed
    {
        if (\is_array($stored) && ($stored[0] ?? null) === self::MARK && \array_key_exists(1, $stored)) {
            return $stored[1];
        }
        return $stored;
    }

    /**
     * Value, tags, expiry (float Unix time or null) and ctime (ms or null)
     * of a stored form.
     *
     * @return array{0: mixed, 1: list<string>, 2: ?float, 3: ?int}
     */
    public static function open(mixed $stored): array
    {
        if (!\is_array($stored) || ($stored[0] ?? null) !== self::MARK || !\array_key_exists(1, $stored)) {
            return [$stored, [], null, null];
        }
        $tags = [];
        if (isset($stored[2]) && \is_array($stored[2])) {
            foreach ($stored[2] as $t) {
                if (\is_string($t)) {
                    $tags[] = $t;
                }
            }
        }
        $expiry = $stored[3] ?? null;
        $ctime = $stored[4] ?? null;
        return [
            $stored[1],
            $tags,
            \is_float($expiry) || \is_int($expiry) ? (float) $expiry : null,
            \is_int($ctime) ? $ctime : null,
        ];
    }
}
