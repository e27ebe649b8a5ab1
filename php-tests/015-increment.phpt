--TEST--
tagcache: increment/decrement; non-integer and overflow are TagCacheServerException
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$tc = tc_new();
$n = tc_key('n');
$t = tc_key('ctag');

var_dump($tc->increment($n));          // missing key starts at 0
var_dump($tc->increment($n));
var_dump($tc->increment($n, 5));
var_dump($tc->decrement($n));
var_dump($tc->decrement($n, 10));
var_dump($tc->increment($n, -3));
var_dump($tc->decrement($n, -3));
var_dump($tc->increment($n, 0));
var_dump($tc->get($n));                // stored as an int

$m = tc_key('m');
var_dump($tc->decrement($m));          // missing key starts at 0
var_dump($tc->decrement($m, 4));

// a value written by put() as an int can be incremented
$i = tc_key('i');
$tc->put($i, 41);
var_dump($tc->increment($i));
var_dump($tc->get($i));

// tags given to increment
$c = tc_key('c');
var_dump($tc->increment($c, 2, [$t]));
var_dump($tc->keysByTag($t) === [$c]);
var_dump($tc->invalidate($t));
var_dump($tc->get($c, 'gone'));

// not an integer
$s = tc_key('s');
$tc->put($s, 'not a number');
tc_throws('incr of string', fn() => $tc->increment($s), 'value is not an integer');
try { $tc->increment($s); } catch (TagCacheException $e) {
    var_dump($e instanceof TagCacheServerException);
}
var_dump($tc->get($s));                // unchanged
tc_throws('decr of array', fn() => $tc->put($s, [1]) && $tc->decrement($s), 'value is not an integer');

// overflow
$big = tc_key('big');
$tc->put($big, PHP_INT_MAX);
tc_throws('incr overflow', fn() => $tc->increment($big), 'integer overflow');
var_dump($tc->get($big) === PHP_INT_MAX);
$tc->put($big, PHP_INT_MIN);
tc_throws('decr overflow', fn() => $tc->decrement($big), 'integer overflow');
var_dump($tc->get($big) === PHP_INT_MIN);

// the connection is still in step after server errors
var_dump($tc->increment($n, 100));
$tc->deleteMany([$n, $m, $i, $s, $big]);
?>
--EXPECT--
int(1)
int(2)
int(7)
int(6)
int(-4)
int(-7)
int(-4)
int(-4)
int(-4)
int(-1)
int(-5)
int(42)
int(42)
int(2)
bool(true)
int(1)
string(4) "gone"
incr of string: TagCacheServerException [message ok]
bool(true)
string(12) "not a number"
decr of array: TagCacheServerException [message ok]
incr overflow: TagCacheServerException [message ok]
bool(true)
decr overflow: TagCacheServerException [message ok]
bool(true)
int(96)
