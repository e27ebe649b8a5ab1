--TEST--
tagcache: the alias methods (set, mGet, mSet, invalidateTag) can be queued in a pipeline too
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$p = tc_prefix();
$t = $p . 'atag';
foreach (['set', 'mGet', 'mSet', 'invalidateTag'] as $m) {
    echo "$m: ", var_export(method_exists('TagCachePipeline', $m), true), "\n";
}
$pl = $tc->pipeline();
$r = $pl->set($p . 'a', 'A', [$t])
        ->mSet([$p . 'b' => 'B', $p . 'c' => 3], [$t])
        ->mGet([$p . 'c', $p . 'x', $p . 'a'])
        ->invalidateTag($t)
        ->mGet([$p . 'a', $p . 'b'])
        ->execute();
var_dump($r[0], $r[1]);
var_dump($r[2] === [$p . 'c' => 3, $p . 'a' => 'A']);
var_dump($r[3], $r[4]);
?>
--EXPECT--
set: true
mGet: true
mSet: true
invalidateTag: true
bool(true)
bool(true)
bool(true)
int(3)
array(0) {
}
