--TEST--
tagcache: floats round-trip bit for bit (and stay floats)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$k = tc_key('float');
$floats = [0.1 + 0.2, 2.0, 0.0, -0.0, 1.0, -1.5, 1e300, -1e300, 5e-324, 2.2250738585072014e-308,
           PHP_FLOAT_MAX, -PHP_FLOAT_MAX, PHP_FLOAT_EPSILON, INF, -INF, NAN,
           1e15, 1e16, 123456789012345678.0, 9007199254740993.0, 0.1, 1/3];
foreach ($floats as $f) {
    $tc->put($k, $f);
    $g = $tc->get($k);
    $same = is_float($g) && (is_nan($f) ? is_nan($g) : pack('e', $f) === pack('e', $g));
    echo var_export($f, true), ': ', $same ? 'OK' : 'MISMATCH got ' . var_export($g, true) . ' (' . get_debug_type($g) . ')', "\n";
}
// random doubles
mt_srand(42);
$bad = 0;
for ($i = 0; $i < 2000; $i++) {
    $bits = pack('VV', mt_rand(0, 0xffffffff), mt_rand(0, 0xffffffff));
    $f = unpack('e', $bits)[1];
    $tc->put($k, $f);
    $g = $tc->get($k);
    if (!is_float($g) || (is_nan($f) ? !is_nan($g) : pack('e', $f) !== pack('e', $g))) $bad++;
}
echo "random doubles mismatches: $bad\n";
var_dump(is_float($tc->get($k)));
$tc->put($k, -0.0);
$z = $tc->get($k);
var_dump($z, pack('e', $z) === pack('e', -0.0));
$tc->delete($k);
?>
--EXPECT--
0.30000000000000004: OK
2.0: OK
0.0: OK
-0.0: OK
1.0: OK
-1.5: OK
1.0E+300: OK
-1.0E+300: OK
5.0E-324: OK
2.2250738585072014E-308: OK
1.7976931348623157E+308: OK
-1.7976931348623157E+308: OK
2.220446049250313E-16: OK
INF: OK
-INF: OK
NAN: OK
1000000000000000.0: OK
10000000000000000.0: OK
1.2345678901234568E+17: OK
9007199254740992.0: OK
0.1: OK
0.3333333333333333: OK
random doubles mismatches: 0
bool(true)
float(-0)
bool(true)
