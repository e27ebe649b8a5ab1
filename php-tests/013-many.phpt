--TEST--
tagcache: putMany/getMany (and mSet/mGet): hits only, in request order
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$tc = tc_new();
$p = tc_prefix();
$t = tc_key('manytag');

var_dump($tc->putMany([$p . 'a' => 1, $p . 'b' => 'two', $p . 'c' => [3], $p . 'd' => null], [$t]));

// request order, misses omitted, a stored null is a hit
$r = $tc->getMany([$p . 'c', $p . 'missing1', $p . 'a', $p . 'd', $p . 'missing2', $p . 'b']);
$out = [];
foreach ($r as $k => $v) {
    $out[] = substr($k, strlen($p)) . '=' . json_encode($v);
}
echo implode(' ', $out), "\n";
var_dump($tc->getMany([$p . 'nope1', $p . 'nope2']));
var_dump($tc->getMany([]));

$keys = $tc->keysByTag($t);
sort($keys);
echo implode(',', array_map(fn($k) => substr($k, strlen($p)), $keys)), "\n";

// aliases
var_dump($tc->mSet([$p . 'x' => 'ex', $p . 'y' => 'why']));
var_dump($tc->mGet([$p . 'y', $p . 'x']) === [$p . 'y' => 'why', $p . 'x' => 'ex']);

// putMany with a TTL
var_dump($tc->putMany([$p . 't1' => 't', $p . 't2' => 't'], [], 60));
var_dump(count($tc->getMany([$p . 't1', $p . 't2'])));
usleep(250000);
var_dump($tc->getMany([$p . 't1', $p . 't2']));

// a big batch: 2000 keys with values that all need different encodings
$items = [];
for ($i = 0; $i < 2000; $i++) {
    $items[$p . "big$i"] = match ($i % 5) {
        0 => $i, 1 => "s$i", 2 => [$i => "v$i"], 3 => $i + 0.5, 4 => "line\n$i",
    };
}
var_dump($tc->putMany($items));
$keys = array_keys($items);
shuffle($keys);
$got = $tc->getMany($keys);
var_dump(array_keys($got) === $keys);
$bad = 0;
foreach ($keys as $k) {
    if (!tc_same($items[$k], $got[$k] ?? 'MISSING')) $bad++;
}
echo "mismatches: $bad\n";
var_dump($tc->deleteMany(array_keys($items)));
$tc->deleteMany([$p . 'a', $p . 'b', $p . 'c', $p . 'd', $p . 'x', $p . 'y']);
?>
--EXPECT--
bool(true)
c=[3] a=1 d=null b="two"
array(0) {
}
array(0) {
}
a,b,c,d
bool(true)
bool(true)
bool(true)
int(2)
array(0) {
}
bool(true)
bool(true)
mismatches: 0
int(2000)
