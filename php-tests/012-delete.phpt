--TEST--
tagcache: delete() and deleteMany() report what existed
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$a = tc_key('a'); $b = tc_key('b'); $c = tc_key('c'); $d = tc_key('d');
$t = tc_key('deltag');

var_dump($tc->delete($a));            // never existed
var_dump($tc->put($a, 1, [$t]));
var_dump($tc->delete($a));
var_dump($tc->delete($a));
var_dump($tc->get($a, 'gone'));
var_dump($tc->keysByTag($t));         // a deleted key leaves the tag index

$tc->put($a, 1); $tc->put($b, 2); $tc->put($c, 3);
var_dump($tc->deleteMany([$a, $b, $d]));   // $d never existed
var_dump($tc->get($a, 'gone'), $tc->get($b, 'gone'), $tc->get($c));
var_dump($tc->deleteMany([$a, $b]));
var_dump($tc->deleteMany([$c]));
?>
--EXPECT--
bool(false)
bool(true)
bool(true)
bool(false)
string(4) "gone"
array(0) {
}
int(2)
string(4) "gone"
string(4) "gone"
int(3)
int(0)
int(1)
