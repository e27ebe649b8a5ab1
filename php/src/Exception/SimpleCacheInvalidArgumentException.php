<?php

declare(strict_types=1);

namespace TagCache\Exception;

/**
 * PSR-16 (and the Laravel store, whose Repository is a PSR-16 cache): a key,
 * tag or TTL the cache cannot accept. Thrown before anything is sent.
 */
final class SimpleCacheInvalidArgumentException extends \InvalidArgumentException implements \Psr\SimpleCache\InvalidArgumentException
{
}
