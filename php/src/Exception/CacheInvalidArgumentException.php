<?php

declare(strict_types=1);

namespace TagCache\Exception;

/**
 * PSR-6: a key, tag, TTL or item the pool cannot accept. Thrown before
 * anything is sent to the server.
 */
final class CacheInvalidArgumentException extends \InvalidArgumentException implements \Psr\Cache\InvalidArgumentException
{
}
