--TEST--
tagcache: method signatures from Reflection match the documented contract
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--DESCRIPTION--
The documented contract (README, stubs), with the two forms ext-php-rs 0.16 can declare:
a borrowed array parameter cannot have a default, so $options is
?array = null (every call the design allows still works, and null means no
options); arginfo cannot hold a union type, so invalidate() declares mixed
and checks string|array itself (TypeError otherwise, tested in 018-validation).
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

/* ---- the extension against the contract ---- */
$ext = tc_ext_signatures(['TagCache', 'TagCachePipeline']);
echo "== TagCache\n";
foreach ($ext['TagCache'] as $r) echo $r, "\n";
echo "== TagCachePipeline\n";
foreach ($ext['TagCachePipeline'] as $name => $r) {
    if ($name !== '__construct') echo $r, "\n";
}
?>
--EXPECTF--
== TagCache
__construct(array|null $options = null)
add(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): bool
close(): void
static create(array|null $options = null): tagcache
decrement(string $key, int $by = 1, array $tags = [], int|null $ttlMs = null): int
delete(string $key): bool
deleteMany(array $keys): int
flush(): int
get(string $key, mixed $default = null): mixed
getMany(array $keys): array
increment(string $key, int $by = 1, array $tags = [], int|null $ttlMs = null): int
invalidate(mixed $tags, string $mode = 'any'): int
invalidateTag(string $tag): int
keysByTag(string $tag): array
mGet(array $keys): array
mSet(array $items, array $tags = [], int|null $ttlMs = null): bool
ping(): bool
pipeline(): tagcachepipeline
put(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): bool
putMany(array $items, array $tags = [], int|null $ttlMs = null): bool
searchAll(array $tags): array
searchAny(array $tags): array
serverForKey(string $key): string
set(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): bool
stats(): array
== TagCachePipeline
add(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): %s
count(): int
decrement(string $key, int $by = 1, array $tags = [], int|null $ttlMs = null): %s
delete(string $key): %s
deleteMany(array $keys): %s
execute(): array
flush(): %s
get(string $key, mixed $default = null): %s
getMany(array $keys): %s
increment(string $key, int $by = 1, array $tags = [], int|null $ttlMs = null): %s
invalidate(mixed $tags, string $mode = 'any'): %s
invalidateTag(string $tag): %s
keysByTag(string $tag): %s
mGet(array $keys): %s
mSet(array $items, array $tags = [], int|null $ttlMs = null): %s
ping(): %s
put(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): %s
putMany(array $items, array $tags = [], int|null $ttlMs = null): %s
searchAll(array $tags): %s
searchAny(array $tags): %s
set(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): %s
stats(): %s
