--TEST--
tagcache: serializer igbinary: every value round-trips; wire form __TC_IGBINARY__; readable by any client
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('igbinary'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$tc = tc_new(['serializer' => 'igbinary']);
$k = tc_key('igb');
$bad = [];
foreach (tc_sample_values() as $label => $v) {
    $tc->put($k, $v);
    $g = $tc->get($k, 'DEFAULT');
    if (!tc_same($v, $g)) $bad[] = "$label: want " . tc_show($v) . ' got ' . tc_show($g);
}
echo count(tc_sample_values()), " values, mismatches: ", count($bad), "\n";
foreach ($bad as $b) echo "  $b\n";

// the wire form of an array
$arr = ['a' => [1, 2.5, 'x'], 'o' => new TcSample(1, 2, 3)];
$tc->put($k, $arr);
$raw = tc_raw_connect();
$line = tc_raw($raw, "GET\t$k");
var_dump(str_starts_with($line, "VALUE\t__TC_IGBINARY__"));
$payload = base64_decode(substr($line, strlen("VALUE\t__TC_IGBINARY__")), true);
var_dump($payload !== false && tc_same($arr, igbinary_unserialize($payload)));

// a client configured for php reads igbinary values by their marker, and back
$php = tc_new(['serializer' => 'php']);
var_dump(tc_same($arr, $php->get($k)));
$php->put($k, ['from' => 'php']);
var_dump($tc->get($k));

// a value written raw by another client in igbinary form
tc_raw($raw, "PUT\t$k\t-\t-\t__TC_IGBINARY__" . base64_encode(igbinary_serialize([1, 2])));
var_dump($php->get($k), $tc->get($k));

// scalars and strings are text even with igbinary
$tc->put($k, 42);
var_dump(tc_raw($raw, "GET\t$k"));
$tc->put($k, 'plain');
var_dump(tc_raw($raw, "GET\t$k"));

// getMany and pipelines decode the same way
$tc->putMany([$k => [1, 'a'], $k . '2' => new ArrayObject([3])]);
$m = $tc->getMany([$k, $k . '2']);
var_dump($m[$k], get_class($m[$k . '2']));
$r = $tc->pipeline()->get($k)->execute();
var_dump($r[0]);
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
array(2) {
  [0]=>
  int(1)
  [1]=>
  int(2)
}
array(2) {
  [0]=>
  int(1)
  [1]=>
  int(2)
}
string(8) "VALUE	42"
string(11) "VALUE	plain"
array(2) {
  [0]=>
  int(1)
  [1]=>
  string(1) "a"
}
string(11) "ArrayObject"
array(2) {
  [0]=>
  int(1)
  [1]=>
  string(1) "a"
}
