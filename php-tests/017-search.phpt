--TEST--
tagcache: searchAny / searchAll return keys (unique) and remove nothing
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$p = tc_prefix();
$t1 = $p . 't1'; $t2 = $p . 't2'; $t3 = $p . 't3';
$tc->put($p . 'a', 'A', [$t1, $t2]);
$tc->put($p . 'b', 'B', [$t1]);
$tc->put($p . 'c', 'C', [$t2, $t3]);
$tc->put($p . 'd', 'D', [$t3]);
$tc->put($p . 'e', 'E');

function show(string $p, array $keys): void
{
    $n = count($keys);
    $u = count(array_unique($keys));
    var_dump(array_is_list($keys));
    sort($keys);
    echo '[', implode(',', array_map(fn($x) => substr($x, strlen($p)), $keys)), "] unique=", var_export($n === $u, true), "\n";
}

show($p, $tc->searchAny([$t1, $t3]));
show($p, $tc->searchAny([$t1, $t2, $t3]));
show($p, $tc->searchAny([$t2]));
show($p, $tc->searchAny([$p . 'nope']));
show($p, $tc->searchAll([$t1, $t2]));
show($p, $tc->searchAll([$t2, $t3]));
show($p, $tc->searchAll([$t1, $t3]));
show($p, $tc->searchAll([$t3]));
show($p, $tc->searchAll([$t1, $p . 'nope']));
// nothing was removed
echo implode('', $tc->getMany([$p . 'a', $p . 'b', $p . 'c', $p . 'd', $p . 'e'])), "\n";
$tc->deleteMany([$p . 'a', $p . 'b', $p . 'c', $p . 'd', $p . 'e']);
?>
--EXPECT--
bool(true)
[a,b,c,d] unique=true
bool(true)
[a,b,c,d] unique=true
bool(true)
[a,c] unique=true
bool(true)
[] unique=true
bool(true)
[a] unique=true
bool(true)
[c] unique=true
bool(true)
[] unique=true
bool(true)
[c,d] unique=true
bool(true)
[] unique=true
ABCDE
