--TEST--
tagcache: a value whose wire text is longer than max_value_bytes is refused before it is sent (put, add, putMany, pipeline), so nothing stored is unreadable
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$tc = tc_new(['max_value_bytes' => 1000]);
$k = tc_key('v');
$k2 = tc_key('v2');
$raw = tc_raw_connect();

// 1000 bytes of wire text: the most this client reads back.
var_dump($tc->put($k, str_repeat('x', 1000)));
var_dump(strlen($tc->get($k)));
tc_throws('put 1001 bytes', fn() => $tc->put($k, str_repeat('y', 1001)), 'max_value_bytes');
var_dump(strlen($tc->get($k)), $tc->get($k)[0]);      // the old value: nothing was sent

// 750 random bytes are sent serialized and in base64: about 1,030 bytes.
$bin = random_bytes(750);
tc_throws('put 750 random bytes', fn() => $tc->put($k, $bin));
try {
    $tc->put($k, $bin);
} catch (ValueError $e) {
    echo preg_replace('/\d{4} bytes/', 'N bytes', str_replace($k, 'KEY', $e->getMessage())), "\n";
}
tc_throws('put an array', fn() => $tc->put($k, array_fill(0, 200, 'abc')), 'max_value_bytes');
tc_throws('add', fn() => $tc->add($k2, str_repeat('z', 2000)), 'max_value_bytes');
var_dump($tc->get($k2));
tc_throws('putMany', fn() => $tc->putMany([$k2 => 'small', $k => str_repeat('w', 1001)]), 'max_value_bytes');
var_dump($tc->get($k2), strlen($tc->get($k)));        // neither was stored
echo tc_raw($raw, "GET\t$k2"), "\n";

echo "-- pipeline: refused when queued\n";
$p = $tc->pipeline()->put($k2, 'queued');
tc_throws('pipeline put', fn() => $p->put($k, str_repeat('v', 1001)), 'max_value_bytes');
tc_throws('pipeline putMany', fn() => $p->putMany([$k => str_repeat('v', 1001)]), 'max_value_bytes');
var_dump(count($p));
var_dump($p->get($k2)->execute());

echo "-- the default limit (64 MiB): 50 MiB of random bytes encode to about 68 MiB\n";
$big = tc_new();
tc_throws('put 50 MiB random', fn() => $big->put($k, random_bytes(50 << 20)), 'max_value_bytes');
var_dump(strlen($big->get($k)));
$tc->deleteMany([$k, $k2]);
?>
--EXPECT--
bool(true)
int(1000)
put 1001 bytes: ValueError [message ok]
int(1000)
string(1) "x"
put 750 random bytes: ValueError
the value of key 'KEY' is N bytes as wire text, over max_value_bytes (1000): this client could not read it back (the limit applies to the encoded value; a serialized or binary value grows by a third in base64)
put an array: ValueError [message ok]
add: ValueError [message ok]
NULL
putMany: ValueError [message ok]
NULL
int(1000)
NF
-- pipeline: refused when queued
pipeline put: ValueError [message ok]
pipeline putMany: ValueError [message ok]
int(1)
array(2) {
  [0]=>
  bool(true)
  [1]=>
  string(6) "queued"
}
-- the default limit (64 MiB): 50 MiB of random bytes encode to about 68 MiB
put 50 MiB random: ValueError [message ok]
int(1000)
