--TEST--
tagcache: serializer msgpack: values round-trip as msgpack does; wire form __TC_MSGPACK__; readable by any client
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('msgpack'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$tc = tc_new(['serializer' => 'msgpack']);
$k = tc_key('mp');
$bad = [];
foreach (tc_sample_values() as $label => $v) {
    // scalars and strings are text whatever the serializer: exact;
    // arrays and objects: exactly what msgpack itself gives back
    $want = (is_array($v) || is_object($v)) ? msgpack_unpack(msgpack_pack($v)) : $v;
    $tc->put($k, $v);
    $g = $tc->get($k, 'DEFAULT');
    if (!tc_same($want, $g)) $bad[] = "$label: want " . tc_show($want) . ' got ' . tc_show($g);
}
echo count(tc_sample_values()), " values, mismatches: ", count($bad), "\n";
foreach ($bad as $b) echo "  $b\n";

// the wire form of an array
$arr = ['a' => [1, 2.5, 'x'], 'n' => null];
$tc->put($k, $arr);
$raw = tc_raw_connect();
$line = tc_raw($raw, "GET\t$k");
var_dump(str_starts_with($line, "VALUE\t__TC_MSGPACK__"));
$payload = base64_decode(substr($line, strlen("VALUE\t__TC_MSGPACK__")), true);
var_dump($payload !== false && tc_same($arr, msgpack_unpack($payload)));

// a client configured for php reads msgpack values by their marker, and back
$php = tc_new();
var_dump(tc_same($arr, $php->get($k)));
$php->put($k, ['from' => 'php']);
var_dump($tc->get($k));

// a value written raw by another client in msgpack form
tc_raw($raw, "PUT\t$k\t-\t-\t__TC_MSGPACK__" . base64_encode(msgpack_pack(['x' => [1, 2]])));
var_dump($php->get($k) === ['x' => [1, 2]], $tc->get($k) === ['x' => [1, 2]]);

// scalars are text even with msgpack
$tc->put($k, 2.0);
var_dump(tc_raw($raw, "GET\t$k"));
$tc->put($k, true);
var_dump(tc_raw($raw, "GET\t$k"));

// getMany and pipelines decode the same way
$tc->putMany([$k => [1, 'a'], $k . '2' => ['z' => 26]]);
var_dump($tc->getMany([$k, $k . '2']) === [$k => [1, 'a'], $k . '2' => ['z' => 26]]);
var_dump($tc->pipeline()->get($k)->get($k . '2')->execute() === [[1, 'a'], ['z' => 26]]);
$tc->deleteMany([$k, $k . '2']);
?>
--EXPECT--
56 values, mismatches: 0
bool(true)
bool(true)
bool(true)
array(1) {
  ["from"]=>
  string(3) "php"
}
bool(true)
bool(true)
string(9) "VALUE	2.0"
string(17) "VALUE	__TC_TRUE__"
bool(true)
bool(true)
