--TEST--
tagcache: pipeline queues calls and execute() returns one result per call, server errors in their slot
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$p = tc_prefix();
$k1 = $p . 'k1'; $k2 = $p . 'k2'; $k3 = $p . 'k3'; $s = $p . 'str';
$t = $p . 'ptag';
$tc->put($s, 'not a number');

$pl = $tc->pipeline();
var_dump(get_class($pl), $pl instanceof Countable, count($pl), $pl->count());
$same = $pl->put($k1, 'v1');
var_dump($same === $pl);
$pl->get($k1)
   ->increment($k2, 5)
   ->delete($k1)
   ->put($k3, 'x', [$t])
   ->invalidate($t)
   ->increment($s)
   ->get($k1, 'dflt')
   ->get($k2);
var_dump(count($pl));
$r = $pl->execute();
var_dump(count($r), array_is_list($r));
foreach ($r as $i => $v) {
    if ($v instanceof Throwable) {
        echo "$i: ", get_class($v), ' ', var_export(strpos($v->getMessage(), 'value is not an integer') !== false, true), "\n";
    } else {
        echo "$i: ", var_export($v, true), "\n";
    }
}
// the failing slot did not stop the calls after it, nor break the connection
var_dump($tc->get($s));
var_dump($tc->get($k2));

echo "-- every method\n";
$tc->put($k1, 'one', [$t]);
$r = $tc->pipeline()
    ->set($k2, 'two', [$t])                 // 0
    ->add($k2, 'dup')                       // 1
    ->add($k3, 'three', [], 60000)          // 2
    ->getMany([$k3, $p . 'nope', $k1])      // 3
    ->getMany([$k2])                        // 4
    ->putMany([$p . 'm1' => 1, $p . 'm2' => [2]], [$t])  // 5
    ->putMany([$p . 'm3' => 3.5])           // 6
    ->keysByTag($t)                         // 7
    ->searchAny([$t, $p . 'none'])          // 8
    ->searchAll([$t, $p . 'none'])          // 9
    ->decrement($p . 'cnt', 3)              // 10
    ->increment($p . 'cnt', 1, [$t], 60000) // 11
    ->ping()                                // 12
    ->stats()                               // 13
    ->deleteMany([$p . 'm3', $p . 'nope'])  // 14
    ->invalidateTag($p . 'none')            // 15
    ->invalidate([$t, $p . 'none'], 'all')  // 16
    ->invalidate([$t], 'any')               // 17
    ->get($k1, 'gone')                      // 18
    ->execute();
var_dump(count($r));
var_dump($r[0], $r[1], $r[2]);
var_dump($r[3] === [$k3 => 'three', $k1 => 'one'], $r[4] === [$k2 => 'two']);
var_dump($r[5], $r[6]);
sort($r[7]); sort($r[8]);
var_dump($r[7] === [$k1, $k2, $p . 'm1', $p . 'm2']);
var_dump($r[8] === [$k1, $k2, $p . 'm1', $p . 'm2']);
var_dump($r[9]);
var_dump($r[10], $r[11], $r[12]);
var_dump(is_array($r[13]) && is_int($r[13]['hits']) && is_array($r[13]['pool']));
var_dump($r[14], $r[15], $r[16], $r[17], $r[18]);

echo "-- empty and reuse\n";
$pl = $tc->pipeline();
var_dump($pl->execute());
$pl2 = $tc->pipeline();
var_dump($pl2 !== $pl);
// a big pipeline
$pl = $tc->pipeline();
for ($i = 0; $i < 3000; $i++) $pl->put($p . "b$i", "v$i");
for ($i = 0; $i < 3000; $i++) $pl->get($p . "b$i");
// the calls must behave as if made one after the other: every get sees its put
$r = $pl->execute();
$bad = 0;
for ($i = 0; $i < 3000; $i++) {
    if (($r[$i] ?? null) !== true) $bad++;
    if (($r[3000 + $i] ?? null) !== "v$i") $bad++;
}
echo 'big pipeline: ', count($r), " results, $bad wrong\n";
$tc->deleteMany(array_map(fn($i) => $p . "b$i", range(0, 2999)));
$tc->deleteMany([$k1, $k2, $k3, $s, $p . 'cnt', $p . 'm1', $p . 'm2']);
?>
--EXPECT--
string(16) "TagCachePipeline"
bool(true)
int(0)
int(0)
bool(true)
int(9)
int(9)
bool(true)
0: true
1: 'v1'
2: 5
3: true
4: true
5: 1
6: TagCacheServerException true
7: 'dflt'
8: 5
string(12) "not a number"
int(5)
-- every method
int(19)
bool(true)
bool(false)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
array(0) {
}
int(-3)
int(-2)
bool(true)
bool(true)
int(1)
int(0)
int(0)
int(5)
string(4) "gone"
-- empty and reuse
array(0) {
}
bool(true)
big pipeline: 6000 results, 0 wrong
