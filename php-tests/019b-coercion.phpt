--TEST--
tagcache: without strict_types, scalar parameters of TagCache and TagCachePipeline coerce as PHP's own functions do (int/float/bool/Stringable keys, tags, TTLs, counts), with PHP's deprecations and TypeErrors
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
error_reporting=-1
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/servers.inc';

$tc = tc_new();
$log = [];
set_error_handler(function (int $no, string $msg) use (&$log) {
    $log[] = ($no === E_DEPRECATED ? 'Deprecated: ' : "E$no: ") . $msg;
    return true;
});

// Numbers unique to this run stand for the keys and tags (the server is
// shared with tests running in parallel); the output names them N, F, ...
$n = random_int(10 ** 9, 10 ** 12);   // an int key
$f = $n + 0.5;                        // a float key: "<n>.5"
$t = $n + 1;                          // an int tag
$u = $n + 2;                          // another
$names = ["$f" => 'F', (string) $n => 'N', (string) $t => 'T', (string) $u => 'U'];

/** What a call did: its deprecations, then its result or exception. */
function outcome(callable $fn): string
{
    global $log, $names;
    $log = [];
    try {
        $r = $fn();
        $out = is_array($r) || is_string($r) ? json_encode($r) : var_export($r, true);
    } catch (Throwable $e) {
        $out = get_class($e) . ': ' . $e->getMessage();
    }
    return strtr(implode(' | ', array_merge($log, [$out])), $names);
}

function show(string $label, callable $fn): void
{
    printf("%-34s %s\n", $label, outcome($fn));
}

/** A list of keys as the output names them, sorted. */
function named(array $keys, array $more = []): array
{
    global $names;
    $keys = array_map(fn($k) => strtr((string) $k, $more + $names), $keys);
    sort($keys);
    return $keys;
}

/** Whether our outcome is PHP's, but for the names and what a success returned. */
function same_as_php(string $php, string $ours): bool
{
    $norm = function (string $s): string {
        $parts = explode(' | ', $s);
        $last = array_pop($parts);
        $parts[] = str_contains($last, 'Error: ') ? $last : 'ok';
        return preg_replace(['/\w+::\w+\(\)|\w+\(\)/', '/#\d+ \(\$\w+\)/'], ['f()', '#n'], implode(' | ', $parts));
    };
    return $norm($php) === $norm($ours);
}

class Str
{
    public function __construct(private string $s) {}
    public function __toString(): string { return $this->s; }
}

echo "-- put/set/add, get: int, float, numeric-string and Stringable keys, int tags, TTL \"60000\"\n";
show('put(int, [int], "60000")', fn() => $tc->put($n, 'int key', [$t], '60000'));
show('get("N")', fn() => $tc->get("$n"));
show('get(int)', fn() => $tc->get($n));
show('get(float N.0)', fn() => $tc->get((float) $n));
show('keysByTag("T")', fn() => $tc->keysByTag("$t"));
show('keysByTag(int)', fn() => $tc->keysByTag($t));
show('set(float, [float])', fn() => $tc->set($f, 'float key', [$f]));
show('get("F")', fn() => $tc->get("$f"));
show('keysByTag("F")', fn() => $tc->keysByTag("$f"));
show('add(int) existing', fn() => $tc->add($n, 'again'));
show('add(Stringable, [int])', fn() => $tc->add(new Str("$n-obj"), 'object key', [$t]));
show('get("N-obj")', fn() => $tc->get("$n-obj"));
show('keysByTag(int) after add', fn() => named($tc->keysByTag($t)));

echo "-- TTLs: numeric strings, floats without a fraction, bools, null\n";
show('put(.., "100")', fn() => $tc->put("$n-ttl1", 1, [], '100'));
show('put(.., 100.0)', fn() => $tc->put("$n-ttl2", 2, [], 100.0));
show('put(.., " 100")', fn() => $tc->put("$n-ttl3", 3, [], ' 100'));
show('put(.., null)', fn() => $tc->put("$n-ttl4", 4, [], null));
show('put(.., "60000")', fn() => $tc->put("$n-ttl5", 5, [], '60000'));
show('put(.., true)', fn() => $tc->put("$n-ttl6", 6, [], true));
usleep(400000);
show('expired ones', fn() => $tc->getMany(["$n-ttl1", "$n-ttl2", "$n-ttl3", "$n-ttl6"]));
show('kept ones', fn() => $tc->getMany(["$n-ttl4", "$n-ttl5"]));

echo "-- getMany/deleteMany/putMany: elements as their string form\n";
show('getMany([int, float, "N", N.0])', fn() => $tc->getMany([$n, $f, "$n", (float) $n]));
show('getMany([Stringable])', fn() => $tc->getMany([new Str("$n-obj")]));
show('mGet([int])', fn() => $tc->mGet([$n]));
show('putMany([int => ..], [int], "60000")', fn() => $tc->putMany([$n + 10 => 'ten', "$n-x" => 'x'], [$u], '60000'));
show('mSet([..], [float])', fn() => $tc->mSet(["$n-y" => 'y'], [$u + 0.0], 60000.0));
show('keysByTag(U)', fn() => named($tc->keysByTag($u), [(string) ($n + 10) => 'N+10']));
show('delete(int)', fn() => $tc->delete($n + 10));
show('deleteMany([float, "N-x", int])', fn() => $tc->deleteMany([$f, "$n-x", $n + 10]));

echo "-- tags: invalidate/invalidateTag/searchAny/searchAll with ints and floats\n";
show('searchAny([int])', fn() => named($tc->searchAny([$t])));
show('searchAll([int, float T.0])', fn() => named($tc->searchAll([$t, (float) $t])));
show('searchAny([float U.0])', fn() => $tc->searchAny([(float) $u]));
show('invalidate(float U.0)', fn() => $tc->invalidate((float) $u));
show('invalidate([int], "all")', fn() => $tc->invalidate([$t], 'all'));
show('invalidateTag(int)', fn() => $tc->invalidateTag($t));
show('get(int) after', fn() => $tc->get($n, 'gone'));
show('put, invalidate(int)', fn() => $tc->put("$n-i", 1, [$t]) && $tc->invalidate($t) === 1);

echo "-- increment/decrement: numeric strings, floats, bools for \$by; int keys\n";
show('increment(.., "5")', fn() => $tc->increment("$n-c", '5'));
show('increment(.., 2.0)', fn() => $tc->increment("$n-c", 2.0));
show('decrement(.., "3")', fn() => $tc->decrement("$n-c", '3'));
show('increment(.., true)', fn() => $tc->increment("$n-c", true));
show('increment(.., 1.5)', fn() => $tc->increment("$n-c", 1.5));
show('increment(.., null)', fn() => $tc->increment("$n-c", null));
show('decrement(.., "1e1", [int], "60000")', fn() => $tc->decrement("$n-c", '1e1', [$u], '60000'));
show('keysByTag(U)', fn() => $tc->keysByTag($u));
show('increment(int)', fn() => $tc->increment($n + 20));
show('get("N+20")', fn() => $tc->get((string) ($n + 20)));
show('serverForKey(int) === "N"', fn() => $tc->serverForKey($n) === $tc->serverForKey("$n"));

echo "-- the pipeline, the same rules\n";
$r = $tc->pipeline()
    ->put($n + 30, 'p', [$t + 30], '60000')
    ->set($n + 31, 's', [(float) ($t + 30)])
    ->add($n + 30, 'no')
    ->get($n + 30)
    ->getMany([$n + 30, (float) ($n + 31)])
    ->mGet([$n + 31])
    ->keysByTag($t + 30)
    ->searchAny([$t + 30])
    ->searchAll([$t + 30, "" . ($t + 30)])
    ->increment($n + 32, '2')
    ->decrement($n + 32, 1.0)
    ->putMany([$n + 33 => 'm'], [$t + 31], '60000')
    ->mSet([$n + 34 => 'n'], [$t + 31])
    ->invalidateTag($t + 31)
    ->delete($n + 31)
    ->deleteMany([$n + 32])
    ->invalidate($t + 30)
    ->get($n + 30, 'gone')
    ->execute();
$more = [(string) ($n + 30) => 'N+30', (string) ($n + 31) => 'N+31'];
foreach ($r as $i => $v) {
    if (is_array($v) && array_is_list($v)) $v = named($v, $more);
    echo "  $i: ", strtr(json_encode($v), $more), "\n";
}

echo "-- string parameters beside strlen(): same conversions, deprecations and errors\n";
$vals = ['1.5' => 1.5, 'true' => true, 'false' => false, 'null' => null, 'Str' => new Str('s'), 'array' => [], 'stdClass' => new stdClass()];
foreach ($vals as $label => $v) {
    $php = outcome(fn() => strlen($v));
    $ours = outcome(fn() => $tc->get($v, 'miss'));
    // "" is a string PHP accepts and a key the protocol refuses (ValueError)
    $same = same_as_php($php, $ours) || str_contains($ours, 'ValueError: key must not be empty');
    printf("%-9s %s%s\n", $label, $ours, $same ? '' : "   [strlen: $php]");
}

echo "-- int parameters beside str_repeat(): \$by of increment()\n";
$ints = [["'5'", '5'], ["' 5'", ' 5'], ["'5 '", '5 '], ["'1e1'", '1e1'], ["'1.0'", '1.0'], ['5.0', 5.0], ['1.5', 1.5],
    ["'1.5'", '1.5'], ["'5abc'", '5abc'], ["'abc'", 'abc'], ["''", ''], ['true', true], ['false', false], ['[]', []],
    ['null', null], ['PHP_INT_MAX + 1.0', PHP_INT_MAX + 1.0], ['NAN', NAN]];
foreach ($ints as [$label, $v]) {
    $php = outcome(fn() => strlen(str_repeat('x', $v)));
    $ours = outcome(fn() => $tc->increment("$n-by", $v));
    printf("%-18s %s%s\n", $label, $ours, same_as_php($php, $ours) ? '' : "   [str_repeat: $php]");
}

echo "-- array parameters: never coerced; their elements: strings or what becomes one\n";
show('put(.., "tag")', fn() => $tc->put('k', 1, 'tag'));
show('put(.., null)', fn() => $tc->put('k', 1, null));
show('put(.., [[1]])', fn() => $tc->put('k', 1, [[1]]));
show('put(.., [null])', fn() => $tc->put('k', 1, [null]));
show('put(.., [stdClass])', fn() => $tc->put('k', 1, [new stdClass()]));
show('put(.., [STDIN])', fn() => $tc->put('k', 1, [STDIN]));
show('getMany("k")', fn() => $tc->getMany('k'));
show('getMany([[1]])', fn() => $tc->getMany([[1]]));
show('deleteMany([null])', fn() => $tc->deleteMany([null]));
show('searchAll([stdClass])', fn() => $tc->searchAll([new stdClass()]));
show('putMany("x")', fn() => $tc->putMany('x'));
show('invalidate(stdClass)', fn() => $tc->invalidate(new stdClass()));
show('invalidate(null)', fn() => $tc->invalidate(null));
show('invalidate(t, null)', fn() => $tc->invalidate('t', null));
show('increment(k, "lots")', fn() => $tc->increment('k', 'lots'));
show('put(.., [], "soon")', fn() => $tc->put('k', 1, [], 'soon'));
show('pipeline put(.., "tag")', fn() => $tc->pipeline()->put('k', 1, 'tag'));
show('pipeline get([])', fn() => $tc->pipeline()->get([]));
$p = $tc->pipeline();
try { $p->put([], 1); } catch (TypeError $e) {}
show('refused call not queued', fn() => count($p));

echo "-- an invalid UTF-8 key: the same ValueError from every method\n";
$bad = "k\xff";
foreach ([
    'get' => fn() => $tc->get($bad),
    'getMany' => fn() => $tc->getMany([$bad]),
    'put' => fn() => $tc->put($bad, 1),
    'delete' => fn() => $tc->delete($bad),
    'deleteMany' => fn() => $tc->deleteMany([$bad]),
    'increment' => fn() => $tc->increment($bad),
    'putMany' => fn() => $tc->putMany([$bad => 1]),
    'serverForKey' => fn() => $tc->serverForKey($bad),
    'pipeline get' => fn() => $tc->pipeline()->get($bad),
    'pipeline getMany' => fn() => $tc->pipeline()->getMany([$bad]),
] as $label => $fn) {
    show($label, $fn);
}
show('tag: keysByTag', fn() => $tc->keysByTag("t\xff"));
show('tag: put', fn() => $tc->put('k', 1, ["t\xff"]));

echo "-- bools as keys and tags (a server of this test's own: \"1\" is not unique)\n";
$srv = tc_server_start();
$own = new TagCache(['port' => $srv[2]]);
show('put(true, .., [true])', fn() => $own->put(true, 'one', [true]));
show('get("1")', fn() => $own->get('1'));
show('keysByTag("1")', fn() => $own->keysByTag('1'));
show('getMany([true, 1, 1.0, "1"])', fn() => $own->getMany([true, 1, 1.0, '1']));
show('put(5, .., [5, 5.0, "5"])', fn() => $own->put(5, 'five', [5, 5.0, '5']));
show('keysByTag(5)', fn() => $own->keysByTag(5));
show('get(false)', fn() => $own->get(false));
show('put(.., [false])', fn() => $own->put('k', 1, [false]));
show('invalidate(true)', fn() => $own->invalidate(true));
show('invalidate([5.0])', fn() => $own->invalidate([5.0]));
show('stats puts', fn() => $own->stats()['puts']);
tc_server_stop($srv);
?>
--EXPECT--
-- put/set/add, get: int, float, numeric-string and Stringable keys, int tags, TTL "60000"
put(int, [int], "60000")           true
get("N")                           "int key"
get(int)                           "int key"
get(float N.0)                     "int key"
keysByTag("T")                     ["N"]
keysByTag(int)                     ["N"]
set(float, [float])                true
get("F")                           "float key"
keysByTag("F")                     ["F"]
add(int) existing                  false
add(Stringable, [int])             true
get("N-obj")                       "object key"
keysByTag(int) after add           ["N","N-obj"]
-- TTLs: numeric strings, floats without a fraction, bools, null
put(.., "100")                     true
put(.., 100.0)                     true
put(.., " 100")                    true
put(.., null)                      true
put(.., "60000")                   true
put(.., true)                      true
expired ones                       []
kept ones                          {"N-ttl4":4,"N-ttl5":5}
-- getMany/deleteMany/putMany: elements as their string form
getMany([int, float, "N", N.0])    {"N":"int key","F":"float key"}
getMany([Stringable])              {"N-obj":"object key"}
mGet([int])                        {"N":"int key"}
putMany([int => ..], [int], "60000") true
mSet([..], [float])                true
keysByTag(U)                       ["N+10","N-x","N-y"]
delete(int)                        true
deleteMany([float, "N-x", int])    2
-- tags: invalidate/invalidateTag/searchAny/searchAll with ints and floats
searchAny([int])                   ["N","N-obj"]
searchAll([int, float T.0])        ["N","N-obj"]
searchAny([float U.0])             ["N-y"]
invalidate(float U.0)              1
invalidate([int], "all")           2
invalidateTag(int)                 0
get(int) after                     "gone"
put, invalidate(int)               true
-- increment/decrement: numeric strings, floats, bools for $by; int keys
increment(.., "5")                 5
increment(.., 2.0)                 7
decrement(.., "3")                 4
increment(.., true)                5
increment(.., 1.5)                 Deprecated: Implicit conversion from float 1.5 to int loses precision | 6
increment(.., null)                Deprecated: TagCache::increment(): Passing null to parameter #2 ($by) of type int is deprecated | 6
decrement(.., "1e1", [int], "60000") -4
keysByTag(U)                       ["N-c"]
increment(int)                     1
get("N+20")                        1
serverForKey(int) === "N"          true
-- the pipeline, the same rules
  0: true
  1: true
  2: false
  3: "p"
  4: {"N+30":"p","N+31":"s"}
  5: {"N+31":"s"}
  6: ["N+30","N+31"]
  7: ["N+30","N+31"]
  8: ["N+30","N+31"]
  9: 2
  10: 1
  11: true
  12: true
  13: 2
  14: true
  15: 1
  16: 1
  17: "gone"
-- string parameters beside strlen(): same conversions, deprecations and errors
1.5       "miss"
true      "miss"
false     ValueError: key must not be empty
null      Deprecated: TagCache::get(): Passing null to parameter #1 ($key) of type string is deprecated | ValueError: key must not be empty
Str       "miss"
array     TypeError: TagCache::get(): Argument #1 ($key) must be of type string, array given
stdClass  TypeError: TagCache::get(): Argument #1 ($key) must be of type string, stdClass given
-- int parameters beside str_repeat(): $by of increment()
'5'                5
' 5'               10
'5 '               15
'1e1'              25
'1.0'              26
5.0                31
1.5                Deprecated: Implicit conversion from float 1.5 to int loses precision | 32
'1.5'              Deprecated: Implicit conversion from float-string "1.5" to int loses precision | 33
'5abc'             TypeError: TagCache::increment(): Argument #2 ($by) must be of type int, string given
'abc'              TypeError: TagCache::increment(): Argument #2 ($by) must be of type int, string given
''                 TypeError: TagCache::increment(): Argument #2 ($by) must be of type int, string given
true               34
false              34
[]                 TypeError: TagCache::increment(): Argument #2 ($by) must be of type int, array given
null               Deprecated: TagCache::increment(): Passing null to parameter #2 ($by) of type int is deprecated | 34
PHP_INT_MAX + 1.0  TypeError: TagCache::increment(): Argument #2 ($by) must be of type int, float given
NAN                TypeError: TagCache::increment(): Argument #2 ($by) must be of type int, float given
-- array parameters: never coerced; their elements: strings or what becomes one
put(.., "tag")                     TypeError: TagCache::put(): Argument #3 ($tags) must be of type array, string given
put(.., null)                      TypeError: TagCache::put(): Argument #3 ($tags) must be of type array, null given
put(.., [[1]])                     TypeError: TagCache::put(): Argument #3 ($tags) must contain only strings, array given
put(.., [null])                    TypeError: TagCache::put(): Argument #3 ($tags) must contain only strings, null given
put(.., [stdClass])                TypeError: TagCache::put(): Argument #3 ($tags) must contain only strings, stdClass given
put(.., [STDIN])                   TypeError: TagCache::put(): Argument #3 ($tags) must contain only strings, resource given
getMany("k")                       TypeError: TagCache::getMany(): Argument #1 ($keys) must be of type array, string given
getMany([[1]])                     TypeError: TagCache::getMany(): Argument #1 ($keys) must contain only strings, array given
deleteMany([null])                 TypeError: TagCache::deleteMany(): Argument #1 ($keys) must contain only strings, null given
searchAll([stdClass])              TypeError: TagCache::searchAll(): Argument #1 ($tags) must contain only strings, stdClass given
putMany("x")                       TypeError: TagCache::putMany(): Argument #1 ($items) must be of type array, string given
invalidate(stdClass)               TypeError: TagCache::invalidate(): Argument #1 ($tags) must be of type array|string, stdClass given
invalidate(null)                   Deprecated: TagCache::invalidate(): Passing null to parameter #1 ($tags) of type array|string is deprecated | ValueError: tag must not be empty
invalidate(t, null)                Deprecated: TagCache::invalidate(): Passing null to parameter #2 ($mode) of type string is deprecated | ValueError: mode must be 'any' or 'all', '' given
increment(k, "lots")               TypeError: TagCache::increment(): Argument #2 ($by) must be of type int, string given
put(.., [], "soon")                TypeError: TagCache::put(): Argument #4 ($ttlMs) must be of type ?int, string given
pipeline put(.., "tag")            TypeError: TagCachePipeline::put(): Argument #3 ($tags) must be of type array, string given
pipeline get([])                   TypeError: TagCachePipeline::get(): Argument #1 ($key) must be of type string, array given
refused call not queued            0
-- an invalid UTF-8 key: the same ValueError from every method
get                                ValueError: key must be valid UTF-8
getMany                            ValueError: key must be valid UTF-8
put                                ValueError: key must be valid UTF-8
delete                             ValueError: key must be valid UTF-8
deleteMany                         ValueError: key must be valid UTF-8
increment                          ValueError: key must be valid UTF-8
putMany                            ValueError: key must be valid UTF-8
serverForKey                       ValueError: key must be valid UTF-8
pipeline get                       ValueError: key must be valid UTF-8
pipeline getMany                   ValueError: key must be valid UTF-8
tag: keysByTag                     ValueError: tag must be valid UTF-8
tag: put                           ValueError: each tag must be valid UTF-8
-- bools as keys and tags (a server of this test's own: "1" is not unique)
put(true, .., [true])              true
get("1")                           "one"
keysByTag("1")                     ["1"]
getMany([true, 1, 1.0, "1"])       {"1":"one"}
put(5, .., [5, 5.0, "5"])          true
keysByTag(5)                       ["5"]
get(false)                         ValueError: key must not be empty
put(.., [false])                   ValueError: tag must not be empty
invalidate(true)                   1
invalidate([5.0])                  1
stats puts                         2
