<?php

declare(strict_types=1);

namespace TagCache\Internal;

/**
 * How the keys and tags of one cache (one namespace or prefix) map to the
 * server's, and the checks that reject what the protocol cannot carry
 * before anything is sent.
 *
 * With the prefix P (the namespace followed by ':', or '' without one):
 *   key K      -> P.K
 *   tag T      -> P.'tag:'.T
 *   every item -> also carries the pool tag P.'@pool', so clearing the
 *                 cache is one invalidation of that tag and touches no other
 *                 namespace.
 *
 * @internal
 */
final class Names
{
    /** Characters PSR-6, PSR-16 and Symfony reserve in keys and tags. */
    public const PSR_RESERVED = '{}()/\@:';

    /** Characters the TagCache protocol cannot carry in a key or a tag. */
    public const PROTOCOL = "\t\r\n,";

    /** A PSR key or tag: not empty, UTF-8, none of the reserved or protocol characters. */
    private const PSR_NAME = '/^[^{}()\/\\\\@:\t\r\n,]+$/uD';

    /** A Laravel key or tag: not empty, UTF-8, none of the protocol characters. */
    private const FREE_NAME = '/^[^\t\r\n,]+$/uD';

    public readonly string $prefix;

    public readonly string $poolTag;

    /** @var string the prefix of every tag of this cache */
    private readonly string $tagPrefix;

    private readonly string $pattern;

    /**
     * @param string $namespace '' for none
     * @param bool $psr whether keys and tags follow the PSR rules (reserved characters refused)
     * @param class-string<\InvalidArgumentException> $error the exception the standard wants
     */
    public function __construct(string $namespace, private readonly bool $psr, private readonly string $error)
    {
        if ($namespace !== '') {
            if (!preg_match($psr ? self::PSR_NAME : self::FREE_NAME, $namespace) || preg_match('/^\s/u', $namespace)) {
                throw new $error(sprintf(
                    'Cache namespace %s is not usable: it must be UTF-8, must not start with white space and must not contain %s',
                    self::quote($namespace),
                    $psr ? 'any of {}()/\@: , TAB, CR or LF' : 'a comma, TAB, CR or LF'
                ));
            }
            $this->prefix = $namespace . ':';
        } else {
            $this->prefix = '';
        }
        $this->tagPrefix = $this->prefix . 'tag:';
        $this->poolTag = $this->prefix . '@pool';
        $this->pattern = $psr ? self::PSR_NAME : self::FREE_NAME;
    }

    /** The server key of a single-key call: only a string is a key. */
    public function key(mixed $key): string
    {
        if (\is_string($key) && preg_match($this->pattern, $key)) {
            return $this->prefix . $key;
        }
        throw $this->invalid($key, 'key');
    }

    /**
     * The server key of a key given as an array key: PHP turns the array
     * key '0' into the int 0, so an int is accepted here.
     */
    public function listKey(mixed $key): string
    {
        if (\is_int($key)) {
            return $this->prefix . $key;
        }
        return $this->key($key);
    }

    /**
     * Validates a tag as the user gave it and returns it unchanged.
     * Besides the key rules, a tag must not end with white space (the server
     * trims the items of a tag list).
     */
    public function checkTag(mixed $tag): string
    {
        if (!$this->psr && \is_int($tag)) {
            $tag = (string) $tag;
        }
        if (\is_string($tag) && preg_match($this->pattern, $tag) && !preg_match('/\s$/uD', $tag)) {
            return $tag;
        }
        throw $this->invalid($tag, 'tag');
    }

    /** The server tag of a user tag already checked with checkTag(). */
    public function tag(string $tag): string
    {
        return $this->tagPrefix . $tag;
    }

    /**
     * The server tags of an item: the pool tag, then each user tag.
     *
     * @param iterable<string> $tags checked user tags
     * @return list<string>
     */
    public function itemTags(iterable $tags): array
    {
        $out = [$this->poolTag];
        foreach ($tags as $t) {
            $out[] = $this->tagPrefix . $t;
        }
        return $out;
    }

    /** The user key of a server key of this namespace. */
    public function userKey(string $serverKey): string
    {
        return substr($serverKey, \strlen($this->prefix));
    }

    /** Turns the extension's ValueError (an argument it refuses) into the standard's exception. */
    public function fromValueError(\ValueError $e): \InvalidArgumentException
    {
        return new ($this->error)($e->getMessage(), 0, $e);
    }

    /** The standard's exception for a key or tag that is not usable. */
    public function invalid(mixed $name, string $what): \InvalidArgumentException
    {
        $error = $this->error;
        if (!\is_string($name)) {
            return new $error(sprintf('Cache %s must be a string, %s given', $what, get_debug_type($name)));
        }
        if ($name === '') {
            return new $error(sprintf('Cache %s must not be empty', $what));
        }
        if (!preg_match('//u', $name)) {
            return new $error(sprintf('Cache %s %s is not valid UTF-8', $what, self::quote($name)));
        }
        if ($this->psr && strpbrk($name, self::PSR_RESERVED) !== false) {
            return new $error(sprintf('Cache %s %s contains a reserved character (one of %s)', $what, self::quote($name), self::PSR_RESERVED));
        }
        if (strpbrk($name, self::PROTOCOL) !== false) {
            return new $error(sprintf('Cache %s %s contains a comma, TAB, CR or LF, which the TagCache protocol cannot carry', $what, self::quote($name)));
        }
        return new $error(sprintf('Cache %s %s must not end with white space', $what, self::quote($name)));
    }

    private static function quote(string $s): string
    {
        return (string) json_encode($s, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
    }
}
