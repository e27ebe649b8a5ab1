--TEST--
tagcache: put/set/get, defaults on miss, overwrite, stored null/false vs miss
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$k = tc_key('a');

var_dump($tc->get($k));                 // miss: null
var_dump($tc->get($k, 'dflt'));         // miss: default
var_dump($tc->get($k, [1, 2]));
var_dump($tc->put($k, 'hello'));
var_dump($tc->get($k));
var_dump($tc->get($k, 'dflt'));
var_dump($tc->put($k, 'world'));        // overwrite
var_dump($tc->get($k));
var_dump($tc->set($k, 'via set'));      // alias
var_dump($tc->get($k));

// a stored null / false is a hit, not a miss
var_dump($tc->put($k, null));
var_dump($tc->get($k, 'dflt'));
var_dump($tc->put($k, false));
var_dump($tc->get($k, 'dflt'));

// named arguments follow the documented parameter names
var_dump($tc->put(key: $k, value: 5, tags: [], ttlMs: null));
var_dump($tc->get(key: $k, default: 'x'));

// keys with spaces and non-ASCII are fine
$k2 = tc_key('key with space ü 日本');
var_dump($tc->put($k2, 'spaced'));
var_dump($tc->get($k2));

// a second client sees the same data
$other = tc_new();
var_dump($other->get($k2));
var_dump($tc->delete($k), $tc->delete($k2));
?>
--EXPECT--
NULL
string(4) "dflt"
array(2) {
  [0]=>
  int(1)
  [1]=>
  int(2)
}
bool(true)
string(5) "hello"
string(5) "hello"
bool(true)
string(5) "world"
bool(true)
string(7) "via set"
bool(true)
NULL
bool(true)
bool(false)
bool(true)
int(5)
bool(true)
string(6) "spaced"
string(6) "spaced"
bool(true)
bool(true)
