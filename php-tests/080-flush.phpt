--TEST--
tagcache: flush() removes everything and returns how many entries it removed
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--CONFLICTS--
all
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$p = tc_prefix();
$t = $p . 'flushtag';
$keys = [];
for ($i = 0; $i < 25; $i++) {
    $keys[] = $p . "f$i";
    $tc->put($p . "f$i", $i, [$t]);
}
$n = $tc->flush();
var_dump(is_int($n) && $n >= 25);
var_dump($tc->getMany($keys));
var_dump($tc->keysByTag($t));
var_dump($tc->get($p . 'f0', 'gone'));
// the server and the client work normally afterwards
var_dump($tc->put($p . 'after', 'yes'), $tc->get($p . 'after'));
var_dump($tc->flush() >= 1);
var_dump($tc->get($p . 'after', 'gone'));
?>
--EXPECT--
bool(true)
array(0) {
}
array(0) {
}
string(4) "gone"
bool(true)
string(3) "yes"
bool(true)
string(4) "gone"
