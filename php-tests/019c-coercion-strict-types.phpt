--TEST--
tagcache: under declare(strict_types=1) every scalar parameter of TagCache and TagCachePipeline takes its exact type only, with PHP's TypeError messages; list elements take strings and ints
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
error_reporting=-1
--FILE--
<?php
declare(strict_types=1);

if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$k = tc_key('k');
$t = tc_key('t');
$n = random_int(10 ** 9, 10 ** 12);

function show(callable $fn): void
{
    global $n;
    try {
        $r = $fn();
        $out = 'returned ' . (is_object($r) ? get_class($r) : str_replace((string) $n, 'N', json_encode($r)));
    } catch (Throwable $e) {
        $out = get_class($e) . ': ' . $e->getMessage();
    }
    echo str_replace(tc_prefix(), '', $out), "\n";
}

class Str
{
    public function __toString(): string { return 'str'; }
}

echo "-- every method, a wrong scalar type\n";
show(fn() => $tc->put(5, 'v'));
show(fn() => $tc->set(1.5, 'v'));
show(fn() => $tc->add(true, 'v'));
show(fn() => $tc->put(new Str(), 'v'));
show(fn() => $tc->put($k, 'v', [], '1000'));
show(fn() => $tc->put($k, 'v', [], 1000.0));
show(fn() => $tc->get(null));
show(fn() => $tc->get(5, 'default'));
show(fn() => $tc->delete(5));
show(fn() => $tc->increment(5));
show(fn() => $tc->increment($k, '5'));
show(fn() => $tc->decrement($k, 1.0));
show(fn() => $tc->increment($k, null));
show(fn() => $tc->decrement($k, 1, [], true));
show(fn() => $tc->putMany([$k => 1], [], '1000'));
show(fn() => $tc->mSet([$k => 1], [], 1.5));
show(fn() => $tc->invalidate(5));
show(fn() => $tc->invalidate(null));
show(fn() => $tc->invalidate($t, null));
show(fn() => $tc->invalidate($t, 1));
show(fn() => $tc->invalidateTag(5));
show(fn() => $tc->keysByTag(5.0));
show(fn() => $tc->serverForKey(5));

echo "-- array parameters and their elements\n";
show(fn() => $tc->put($k, 'v', $t));
show(fn() => $tc->getMany($k));
show(fn() => $tc->mGet(null));
show(fn() => $tc->deleteMany([1.5]));
show(fn() => $tc->getMany([true]));
show(fn() => $tc->searchAny([new Str()]));
show(fn() => $tc->searchAll([null]));
show(fn() => $tc->put($k, 'v', [$t, 5.0]));
show(fn() => $tc->increment($k, 1, [false]));
show(fn() => $tc->invalidate([$t, [1]]));

echo "-- the pipeline\n";
$p = $tc->pipeline();
show(fn() => $p->put(5, 'v'));
show(fn() => $p->get(5));
show(fn() => $p->increment($k, '2'));
show(fn() => $p->put($k, 'v', [], '1000'));
show(fn() => $p->invalidate(5));
show(fn() => $p->keysByTag(5));
show(fn() => $p->getMany([1.5]));
show(fn() => count($p));

echo "-- exact types pass; an int in a list is its text (PHP's own numeric array keys are ints)\n";
show(fn() => $tc->put($k, 'v', [$t, $n], 60000));
show(fn() => $tc->put($k . '2', 'w', [$t], null));
show(fn() => $tc->get($k));
show(fn() => $tc->keysByTag((string) $n));
show(fn() => $tc->searchAll([$t, $n]));
show(fn() => $tc->increment($k . 'c', 5, [$t], 60000));
show(fn() => $tc->putMany([$n => 'numeric'], [$t]));
show(fn() => $tc->getMany(array_keys([(string) $n => 1])));
show(fn() => $tc->getMany([$k, $n]));
show(fn() => $tc->deleteMany([$n]));
show(fn() => $tc->invalidate([$n, 'nothing-' . $t])); // $k carries the tag $n
show(fn() => $tc->pipeline()->put($k, 'p', [$t], 60000)->get($k)->increment($k . 'c', 2)->execute());
show(fn() => $tc->invalidate($t));

echo "-- an invalid UTF-8 key: the same ValueError from get() and getMany()\n";
show(fn() => $tc->get("k\xff"));
show(fn() => $tc->getMany(["k\xff"]));

echo "-- the caller's mode counts: a call from a file without strict_types coerces\n";
require __DIR__ . '/019c-coercion-strict-types.inc';
show(fn() => coercive_put($tc, $n, 'from a coercive file'));
show(fn() => $tc->get((string) $n));
show(fn() => $tc->get(...[$n]));
show(fn() => call_user_func([$tc, 'get'], $n));
show(fn() => $tc->delete((string) $n));
?>
--EXPECT--
-- every method, a wrong scalar type
TypeError: TagCache::put(): Argument #1 ($key) must be of type string, int given
TypeError: TagCache::set(): Argument #1 ($key) must be of type string, float given
TypeError: TagCache::add(): Argument #1 ($key) must be of type string, bool given
TypeError: TagCache::put(): Argument #1 ($key) must be of type string, Str given
TypeError: TagCache::put(): Argument #4 ($ttlMs) must be of type ?int, string given
TypeError: TagCache::put(): Argument #4 ($ttlMs) must be of type ?int, float given
TypeError: TagCache::get(): Argument #1 ($key) must be of type string, null given
TypeError: TagCache::get(): Argument #1 ($key) must be of type string, int given
TypeError: TagCache::delete(): Argument #1 ($key) must be of type string, int given
TypeError: TagCache::increment(): Argument #1 ($key) must be of type string, int given
TypeError: TagCache::increment(): Argument #2 ($by) must be of type int, string given
TypeError: TagCache::decrement(): Argument #2 ($by) must be of type int, float given
TypeError: TagCache::increment(): Argument #2 ($by) must be of type int, null given
TypeError: TagCache::decrement(): Argument #4 ($ttlMs) must be of type ?int, bool given
TypeError: TagCache::putMany(): Argument #3 ($ttlMs) must be of type ?int, string given
TypeError: TagCache::mSet(): Argument #3 ($ttlMs) must be of type ?int, float given
TypeError: TagCache::invalidate(): Argument #1 ($tags) must be of type array|string, int given
TypeError: TagCache::invalidate(): Argument #1 ($tags) must be of type array|string, null given
TypeError: TagCache::invalidate(): Argument #2 ($mode) must be of type string, null given
TypeError: TagCache::invalidate(): Argument #2 ($mode) must be of type string, int given
TypeError: TagCache::invalidateTag(): Argument #1 ($tag) must be of type string, int given
TypeError: TagCache::keysByTag(): Argument #1 ($tag) must be of type string, float given
TypeError: TagCache::serverForKey(): Argument #1 ($key) must be of type string, int given
-- array parameters and their elements
TypeError: TagCache::put(): Argument #3 ($tags) must be of type array, string given
TypeError: TagCache::getMany(): Argument #1 ($keys) must be of type array, string given
TypeError: TagCache::mGet(): Argument #1 ($keys) must be of type array, null given
TypeError: TagCache::deleteMany(): Argument #1 ($keys) must contain only strings, float given
TypeError: TagCache::getMany(): Argument #1 ($keys) must contain only strings, bool given
TypeError: TagCache::searchAny(): Argument #1 ($tags) must contain only strings, Str given
TypeError: TagCache::searchAll(): Argument #1 ($tags) must contain only strings, null given
TypeError: TagCache::put(): Argument #3 ($tags) must contain only strings, float given
TypeError: TagCache::increment(): Argument #3 ($tags) must contain only strings, bool given
TypeError: TagCache::invalidate(): Argument #1 ($tags) must contain only strings, array given
-- the pipeline
TypeError: TagCachePipeline::put(): Argument #1 ($key) must be of type string, int given
TypeError: TagCachePipeline::get(): Argument #1 ($key) must be of type string, int given
TypeError: TagCachePipeline::increment(): Argument #2 ($by) must be of type int, string given
TypeError: TagCachePipeline::put(): Argument #4 ($ttlMs) must be of type ?int, string given
TypeError: TagCachePipeline::invalidate(): Argument #1 ($tags) must be of type array|string, int given
TypeError: TagCachePipeline::keysByTag(): Argument #1 ($tag) must be of type string, int given
TypeError: TagCachePipeline::getMany(): Argument #1 ($keys) must contain only strings, float given
returned 0
-- exact types pass; an int in a list is its text (PHP's own numeric array keys are ints)
returned true
returned true
returned "v"
returned ["k"]
returned ["k"]
returned 5
returned true
returned {"N":"numeric"}
returned {"k":"v","N":"numeric"}
returned 1
returned 1
returned [true,"p",7]
returned 3
-- an invalid UTF-8 key: the same ValueError from get() and getMany()
ValueError: key must be valid UTF-8
ValueError: key must be valid UTF-8
-- the caller's mode counts: a call from a file without strict_types coerces
returned true
returned "from a coercive file"
TypeError: TagCache::get(): Argument #1 ($key) must be of type string, int given
TypeError: TagCache::get(): Argument #1 ($key) must be of type string, int given
returned true
