<?php

/*
 * The interfaces of psr/cache 3, psr/simple-cache 3, psr/log 3 and Symfony
 * 6.4/7 (cache, cache-contracts, service-contracts), as those releases declare
 * them (names, parameter and return types; bodies and docblocks left out).
 * Only older versions are packaged by Debian 12, so CompatibilityTest loads
 * the library against these declarations in a separate PHP process: PHP
 * checks every method signature when a class is declared, so a class whose
 * signatures clash with the current interfaces fails to load there.
 */

declare(strict_types=1);

namespace Psr\Log {
    interface LoggerInterface
    {
        public function emergency(string|\Stringable $message, array $context = []): void;
        public function alert(string|\Stringable $message, array $context = []): void;
        public function critical(string|\Stringable $message, array $context = []): void;
        public function error(string|\Stringable $message, array $context = []): void;
        public function warning(string|\Stringable $message, array $context = []): void;
        public function notice(string|\Stringable $message, array $context = []): void;
        public function info(string|\Stringable $message, array $context = []): void;
        public function debug(string|\Stringable $message, array $context = []): void;
        public function log($level, string|\Stringable $message, array $context = []): void;
    }

    interface LoggerAwareInterface
    {
        public function setLogger(LoggerInterface $logger): void;
    }

    trait LoggerAwareTrait
    {
        protected ?LoggerInterface $logger = null;

        public function setLogger(LoggerInterface $logger): void
        {
            $this->logger = $logger;
        }
    }
}

namespace Psr\SimpleCache {
    interface CacheException extends \Throwable
    {
    }

    interface InvalidArgumentException extends CacheException
    {
    }

    interface CacheInterface
    {
        public function get(string $key, mixed $default = null): mixed;
        public function set(string $key, mixed $value, null|int|\DateInterval $ttl = null): bool;
        public function delete(string $key): bool;
        public function clear(): bool;
        public function getMultiple(iterable $keys, mixed $default = null): iterable;
        public function setMultiple(iterable $values, null|int|\DateInterval $ttl = null): bool;
        public function deleteMultiple(iterable $keys): bool;
        public function has(string $key): bool;
    }
}

namespace Psr\Cache {
    interface CacheException extends \Throwable
    {
    }

    interface InvalidArgumentException extends CacheException
    {
    }

    interface CacheItemInterface
    {
        public function getKey(): string;
        public function get(): mixed;
        public function isHit(): bool;
        public function set(mixed $value): static;
        public function expiresAt(?\DateTimeInterface $expiration): static;
        public function expiresAfter(int|\DateInterval|null $time): static;
    }

    interface CacheItemPoolInterface
    {
        public function getItem(string $key): CacheItemInterface;
        public function getItems(array $keys = []): iterable;
        public function hasItem(string $key): bool;
        public function clear(): bool;
        public function deleteItem(string $key): bool;
        public function deleteItems(array $keys): bool;
        public function save(CacheItemInterface $item): bool;
        public function saveDeferred(CacheItemInterface $item): bool;
        public function commit(): bool;
    }
}

namespace Symfony\Contracts\Service {
    interface ResetInterface
    {
        public function reset();
    }
}

namespace Symfony\Contracts\Cache {
    use Psr\Cache\CacheItemInterface;

    interface ItemInterface extends CacheItemInterface
    {
        public const METADATA_EXPIRY = 'expiry';
        public const METADATA_CTIME = 'ctime';
        public const METADATA_TAGS = 'tags';
        public const RESERVED_CHARACTERS = '{}()/\@:';

        public function tag(string|iterable $tags): static;
        public function getMetadata(): array;
    }

    interface CacheInterface
    {
        public function get(string $key, callable $callback, ?float $beta = null, ?array &$metadata = null): mixed;
        public function delete(string $key): bool;
    }

    interface TagAwareCacheInterface extends CacheInterface
    {
        public function invalidateTags(array $tags): bool;
    }
}

namespace Symfony\Component\Cache {
    use Symfony\Contracts\Cache\ItemInterface;

    interface ResettableInterface extends \Symfony\Contracts\Service\ResetInterface
    {
    }

    /** Symfony 7's item: its properties as declared, methods reduced to what the signatures need. */
    final class CacheItem implements ItemInterface
    {
        protected string $key;
        protected mixed $value = null;
        protected bool $isHit = false;
        protected float|int|null $expiry = null;
        protected array $metadata = [];
        protected array $newMetadata = [];
        protected ?ItemInterface $innerItem = null;
        protected ?string $poolHash = null;
        protected bool $isTaggable = false;

        public function getKey(): string
        {
            return $this->key;
        }

        public function get(): mixed
        {
            return $this->value;
        }

        public function isHit(): bool
        {
            return $this->isHit;
        }

        public function set($value): static
        {
            $this->value = $value;
            return $this;
        }

        public function expiresAt(?\DateTimeInterface $expiration): static
        {
            $this->expiry = $expiration === null ? null : (float) $expiration->format('U.u');
            return $this;
        }

        public function expiresAfter(mixed $time): static
        {
            $this->expiry = $time === null ? null : microtime(true) + $time;
            return $this;
        }

        public function tag(mixed $tags): static
        {
            foreach (is_iterable($tags) ? $tags : [$tags] as $tag) {
                $this->newMetadata[self::METADATA_TAGS][(string) $tag] = (string) $tag;
            }
            return $this;
        }

        public function getMetadata(): array
        {
            return $this->metadata;
        }
    }
}

namespace Symfony\Component\Cache\Adapter {
    use Psr\Cache\CacheItemPoolInterface;
    use Symfony\Component\Cache\CacheItem;

    interface AdapterInterface extends CacheItemPoolInterface
    {
        public function getItem(mixed $key): CacheItem;
        public function getItems(array $keys = []): iterable;
        public function clear(string $prefix = ''): bool;
    }

    interface TagAwareAdapterInterface extends AdapterInterface
    {
        public function invalidateTags(array $tags): bool;
    }
}
