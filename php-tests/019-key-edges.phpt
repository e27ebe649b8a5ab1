--TEST--
tagcache: keys with edge spaces, long keys and unicode are distinct, exact keys
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$p = tc_prefix();
$plain = $p . 'sp';
$spaced = ' ' . $p . 'sp ';
$t = $p . 'edge-tag';

var_dump($tc->put($plain, 'plain', [$t]));
var_dump($tc->put($spaced, 'spaced', [$t]));
var_dump($tc->get($plain), $tc->get($spaced));
$keys = $tc->keysByTag($t);
sort($keys);
var_dump($keys === [$spaced, $plain]);
var_dump($tc->getMany([$spaced, $plain]) === [$spaced => 'spaced', $plain => 'plain']);

// deleting the spaced key must delete exactly that key
var_dump($tc->deleteMany([$spaced]));
var_dump($tc->get($plain, 'gone'), $tc->get($spaced, 'gone'));
var_dump($tc->delete($spaced));

// a long key
$long = $p . str_repeat('k', 10000);
var_dump($tc->put($long, 'long key'));
var_dump($tc->get($long));
var_dump($tc->delete($long));

// non-ASCII keys
$u = $p . "\u{1f389}\u{65e5}";
var_dump($tc->put($u, 1), $tc->get($u), $tc->delete($u));
$tc->delete($plain);
?>
--EXPECT--
bool(true)
bool(true)
string(5) "plain"
string(6) "spaced"
bool(true)
bool(true)
int(1)
string(5) "plain"
string(4) "gone"
bool(false)
bool(true)
string(8) "long key"
bool(true)
bool(true)
int(1)
bool(true)
