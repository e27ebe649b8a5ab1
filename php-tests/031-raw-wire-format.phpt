--TEST--
tagcache: the wire text TagCache writes is what the other clients expect
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$raw = tc_raw_connect();
$k = tc_key('wire');
$t = tc_key('wiretag');

function wire(TagCache $tc, $raw, string $k, $v): string
{
    $tc->put($k, $v);
    return tc_raw($raw, "GET\t$k");
}

var_dump(wire($tc, $raw, $k, 'hello'));
var_dump(wire($tc, $raw, $k, 'hello world, with comma'));
var_dump(wire($tc, $raw, $k, 42));
var_dump(wire($tc, $raw, $k, -7));
var_dump(wire($tc, $raw, $k, PHP_INT_MIN));
var_dump(wire($tc, $raw, $k, 2.0));
var_dump(wire($tc, $raw, $k, 0.1 + 0.2));
var_dump(wire($tc, $raw, $k, -1.5));
var_dump(wire($tc, $raw, $k, null));
var_dump(wire($tc, $raw, $k, true));
var_dump(wire($tc, $raw, $k, false));
var_dump(wire($tc, $raw, $k, ''));

// strings that must not be sent as they are: __TC_SERIALIZED__ + base64(serialize(string))
foreach (['123', ' 42', '1e3', "a\nb", "cr\r", "nul\0", '__TC_NULL__', "\xff\xfe"] as $s) {
    $line = wire($tc, $raw, $k, $s);
    $ok = $line === "VALUE\t__TC_SERIALIZED__" . base64_encode(serialize($s));
    echo '"', addcslashes($s, "\0..\37\177..\377"), '": ', $ok ? 'OK' : 'MISMATCH ' . var_export($line, true), "\n";
}

// floats: always readable as a float by a plain parser, never an int
foreach ([1.0, 100.0, 1e300, 5e-324, -0.0, 1e15, 123.456] as $f) {
    $line = wire($tc, $raw, $k, $f);
    $text = substr($line, 6);
    $ok = str_starts_with($line, "VALUE\t") && is_numeric($text)
        && preg_match('/[.eE]/', $text) && pack('e', (float) $text) === pack('e', $f);
    echo var_export($f, true), ': ', $ok ? 'OK' : 'MISMATCH ' . var_export($line, true), "\n";
}

// INF/NAN are serialized values
foreach ([INF, -INF, NAN] as $f) {
    $line = wire($tc, $raw, $k, $f);
    $ok = str_starts_with($line, "VALUE\t__TC_SERIALIZED__");
    echo var_export($f, true), ': ', $ok ? 'OK' : 'MISMATCH ' . var_export($line, true), "\n";
}

// arrays / objects
var_dump(wire($tc, $raw, $k, [1, 2]) === "VALUE\t__TC_SERIALIZED__" . base64_encode(serialize([1, 2])));
$o = new stdClass(); $o->a = 'b';
var_dump(wire($tc, $raw, $k, $o) === "VALUE\t__TC_SERIALIZED__" . base64_encode(serialize($o)));

// tags and TTL reach the server
$tc->put($k, 'tagged', [$t]);
var_dump(tc_raw($raw, "KEYS_BY_TAG\t$t") === "KEYS\t$k");
$tc->put($k, 'x', [], 0);
var_dump(tc_raw($raw, "GET\t$k"));

// increment writes a plain integer
$tc->delete($k);
$tc->increment($k, 5);
var_dump(tc_raw($raw, "GET\t$k"));
tc_raw($raw, "DEL\t$k");
?>
--EXPECT--
string(11) "VALUE	hello"
string(29) "VALUE	hello world, with comma"
string(8) "VALUE	42"
string(8) "VALUE	-7"
string(26) "VALUE	-9223372036854775808"
string(9) "VALUE	2.0"
string(25) "VALUE	0.30000000000000004"
string(10) "VALUE	-1.5"
string(17) "VALUE	__TC_NULL__"
string(17) "VALUE	__TC_TRUE__"
string(18) "VALUE	__TC_FALSE__"
string(6) "VALUE	"
"123": OK
" 42": OK
"1e3": OK
"a\nb": OK
"cr\r": OK
"nul\000": OK
"__TC_NULL__": OK
"\377\376": OK
1.0: OK
100.0: OK
1.0E+300: OK
5.0E-324: OK
-0.0: OK
1000000000000000.0: OK
123.456: OK
INF: OK
-INF: OK
NAN: OK
bool(true)
bool(true)
bool(true)
string(2) "NF"
string(7) "VALUE	5"
