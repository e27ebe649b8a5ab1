--TEST--
tagcache: TTLs in milliseconds; 0 expires at once; null means none; a new put replaces the TTL
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$k = tc_key('ttl');
$t = tc_key('ttltag');

var_dump($tc->put($k, 'short', [$t], 100));
var_dump($tc->get($k, 'dflt'));
var_dump($tc->keysByTag($t) === [$k]);
usleep(300000);
var_dump($tc->get($k, 'dflt'));
var_dump($tc->keysByTag($t));          // expired entries are not listed

// ttl 0: expired at once
var_dump($tc->put($k, 'zero', [], 0));
var_dump($tc->get($k, 'dflt'));

// ttl null: no expiry
var_dump($tc->put($k, 'forever', [], null));
usleep(150000);
var_dump($tc->get($k, 'dflt'));

// a put without TTL replaces an earlier TTL
var_dump($tc->put($k, 'ttl', [], 100));
var_dump($tc->put($k, 'no ttl'));
usleep(250000);
var_dump($tc->get($k, 'dflt'));

// long TTL stays
var_dump($tc->put($k, 'long', [], 60000));
var_dump($tc->get($k, 'dflt'));

// increment with a TTL
$n = tc_key('ttl-counter');
var_dump($tc->increment($n, 1, [], 100));
usleep(300000);
var_dump($tc->get($n, 'dflt'));
var_dump($tc->increment($n));          // expired counts as absent

$tc->deleteMany([$k, $n]);
?>
--EXPECT--
bool(true)
string(5) "short"
bool(true)
string(4) "dflt"
array(0) {
}
bool(true)
string(4) "dflt"
bool(true)
string(7) "forever"
bool(true)
bool(true)
string(6) "no ttl"
bool(true)
string(4) "long"
int(1)
string(4) "dflt"
int(1)
