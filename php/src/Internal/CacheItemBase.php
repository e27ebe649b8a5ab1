<?php

declare(strict_types=1);

namespace TagCache\Internal;

use Psr\Cache\CacheItemInterface;
use TagCache\Exception\CacheInvalidArgumentException as InvalidArgument;

/**
 * The PSR-6 item of TagCache\CacheItemPool; TagCache\CacheItem is this class,
 * implementing tag-interop's TaggableCacheItemInterface when it is installed.
 *
 * @internal
 */
abstract class CacheItemBase implements CacheItemInterface
{
    /** @var float|null absolute expiry (Unix time), null: the pool's default */
    private ?float $expiry = null;

    /** @var array<string, string> tags the item will be saved with */
    private array $tags;

    /**
     * @param list<string> $previousTags the tags it was stored with
     */
    public function __construct(
        private readonly string $key,
        private mixed $value = null,
        private readonly bool $hit = false,
        private readonly array $previousTags = [],
    ) {
        $this->tags = $previousTags === [] ? [] : array_combine($previousTags, $previousTags);
    }

    public function getKey(): string
    {
        return $this->key;
    }

    public function get(): mixed
    {
        return $this->hit ? $this->value : null;
    }

    public function isHit(): bool
    {
        return $this->hit;
    }

    public function set($value): static
    {
        $this->value = $value;
        return $this;
    }

    public function expiresAt($expiration): static
    {
        if ($expiration === null) {
            $this->expiry = null;
        } elseif ($expiration instanceof \DateTimeInterface) {
            $this->expiry = (float) $expiration->format('U.u');
        } else {
            throw new InvalidArgument(sprintf('Expiration must be a DateTimeInterface or null, %s given', get_debug_type($expiration)));
        }
        return $this;
    }

    public function expiresAfter($time): static
    {
        if ($time === null) {
            $this->expiry = null;
        } elseif (\is_int($time)) {
            $this->expiry = microtime(true) + $time;
        } elseif ($time instanceof \DateInterval) {
            $now = new \DateTimeImmutable();
            $this->expiry = (float) $now->add($time)->format('U.u');
        } else {
            throw new InvalidArgument(sprintf('Expiration must be an int (seconds), a DateInterval or null, %s given', get_debug_type($time)));
        }
        return $this;
    }

    /**
     * The tags the item had when it was read from the pool.
     *
     * @return list<string>
     */
    public function getPreviousTags(): array
    {
        return $this->previousTags;
    }

    /**
     * The tags the item will be saved with: those it was read with, until
     * setTags() or addTags() changes them.
     *
     * @return list<string>
     */
    public function getTags(): array
    {
        return array_values($this->tags);
    }

    /**
     * Replaces the tags the item will be saved with.
     *
     * @param string[] $tags
     * @throws \Psr\Cache\InvalidArgumentException a tag that is not a string, is empty,
     *         holds {}()/\@: or a comma, TAB, CR, LF, or ends with white space
     */
    public function setTags(array $tags): static
    {
        $this->tags = [];
        return $this->addTags($tags);
    }

    /**
     * Adds tags to those the item will be saved with.
     *
     * @param string[] $tags
     */
    public function addTags(array $tags): static
    {
        $checked = [];
        foreach ($tags as $tag) {
            $tag = self::tagRules()->checkTag($tag);
            $checked[$tag] = $tag;
        }
        $this->tags += $checked;
        return $this;
    }

    /** @internal the expiry set on the item, null for the pool's default */
    public function expiry(): ?float
    {
        return $this->expiry;
    }

    /** @internal the value whether or not the item is a hit */
    public function rawValue(): mixed
    {
        return $this->value;
    }

    private static function tagRules(): Names
    {
        static $rules = null;
        return $rules ??= new Names('', true, InvalidArgument::class);
    }
}
