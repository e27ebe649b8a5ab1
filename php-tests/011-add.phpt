--TEST--
tagcache: add() stores only when the key is absent (or expired)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$k = tc_key('add');
$t = tc_key('addtag');

var_dump($tc->add($k, 'first', [$t]));
var_dump($tc->add($k, 'second'));
var_dump($tc->get($k));
var_dump($tc->keysByTag($t) === [$k]);
var_dump($tc->delete($k));
var_dump($tc->add($k, [1, 'x']));
var_dump($tc->get($k));

// an expired key counts as absent
$k2 = tc_key('add-ttl');
var_dump($tc->add($k2, 'short', [], 50));
usleep(200000);
var_dump($tc->add($k2, 'again'));
var_dump($tc->get($k2));
$tc->deleteMany([$k, $k2]);
?>
--EXPECT--
bool(true)
bool(false)
string(5) "first"
bool(true)
bool(true)
bool(true)
array(2) {
  [0]=>
  int(1)
  [1]=>
  string(1) "x"
}
bool(true)
bool(true)
string(5) "again"
