--TEST--
tagcache: large values (10 MB strings with and without NULs, a big array) round-trip
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
memory_limit=1G
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$tc = tc_new();
$k = tc_key('large');

// 10 MB with NULs (must be encoded)
$s = str_repeat("0123456789abcdef", 640 * 1024);
$s[17] = "\0"; $s[5 * 1024 * 1024] = "\0"; $s[strlen($s) - 1] = "\0";
var_dump(strlen($s));
var_dump($tc->put($k, $s));
$g = $tc->get($k);
var_dump(is_string($g) && $g === $s);

// 10 MB plain text (sent as is)
$plain = str_repeat('x', 10 * 1024 * 1024);
var_dump($tc->put($k . 'p', $plain));
var_dump($tc->get($k . 'p') === $plain);

// just around common buffer sizes
foreach ([8191, 8192, 8193, 65535, 65536, 65537, 1 << 20] as $n) {
    $v = str_repeat('y', $n);
    $tc->put($k, $v);
    echo $n, ': ', $tc->get($k) === $v ? 'OK' : 'MISMATCH', "\n";
}

// a big array
$arr = [];
for ($i = 0; $i < 100000; $i++) $arr["k$i"] = [$i, "v$i", $i / 7];
var_dump($tc->put($k, $arr));
var_dump(tc_same($arr, $tc->get($k)));

// large values inside one getMany
$got = $tc->getMany([$k . 'p', $k]);
var_dump(array_keys($got) === [$k . 'p', $k], $got[$k . 'p'] === $plain, tc_same($arr, $got[$k]));
$tc->deleteMany([$k, $k . 'p']);
?>
--EXPECT--
int(10485760)
bool(true)
bool(true)
bool(true)
bool(true)
8191: OK
8192: OK
8193: OK
65535: OK
65536: OK
65537: OK
1048576: OK
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
