--TEST--
tagcache: null, booleans and ints round-trip with their exact type
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$k = tc_key('scalar');
foreach ([null, true, false, 0, 1, -1, 42, 1234567890123, PHP_INT_MIN, PHP_INT_MAX] as $v) {
    $tc->put($k, $v);
    var_dump($tc->get($k, 'DEFAULT'));
}
$tc->delete($k);
?>
--EXPECT--
NULL
bool(true)
bool(false)
int(0)
int(1)
int(-1)
int(42)
int(1234567890123)
int(-9223372036854775808)
int(9223372036854775807)
