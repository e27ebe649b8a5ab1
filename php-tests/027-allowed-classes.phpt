--TEST--
tagcache: allowed_classes restricts the classes unserialize may create
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$k = tc_key('ac');
$writer = tc_new();
$writer->put($k, ['s' => new TcSample('x', 'y', 'z'), 'o' => new TcOther(), 'n' => [1, 2]]);

echo "-- default (true)\n";
$v = tc_new()->get($k);
var_dump(get_class($v['s']), get_class($v['o']));

echo "-- explicit true\n";
$v = tc_new(['allowed_classes' => true])->get($k);
var_dump(get_class($v['s']), get_class($v['o']));

echo "-- false: as unserialize(..., ['allowed_classes' => false])\n";
$v = tc_new(['allowed_classes' => false])->get($k);
var_dump(get_class($v['s']), get_class($v['o']), $v['n']);
$ref = unserialize(serialize(['s' => new TcSample('x', 'y', 'z')]), ['allowed_classes' => false]);
var_dump(serialize($v['s']) === serialize($ref['s']));

echo "-- ['TcSample']\n";
$v = tc_new(['allowed_classes' => ['TcSample']])->get($k);
var_dump(get_class($v['s']), get_class($v['o']), $v['s']->secret());

echo "-- [] allows none\n";
$v = tc_new(['allowed_classes' => []])->get($k);
var_dump(get_class($v['s']), get_class($v['o']));

echo "-- stdClass is a class too\n";
$writer->put($k, new stdClass());
var_dump(get_class(tc_new(['allowed_classes' => false])->get($k)));
var_dump(get_class(tc_new(['allowed_classes' => ['stdClass']])->get($k)));
$writer->delete($k);
?>
--EXPECT--
-- default (true)
string(8) "TcSample"
string(7) "TcOther"
-- explicit true
string(8) "TcSample"
string(7) "TcOther"
-- false: as unserialize(..., ['allowed_classes' => false])
string(22) "__PHP_Incomplete_Class"
string(22) "__PHP_Incomplete_Class"
array(2) {
  [0]=>
  int(1)
  [1]=>
  int(2)
}
bool(true)
-- ['TcSample']
string(8) "TcSample"
string(22) "__PHP_Incomplete_Class"
string(1) "x"
-- [] allows none
string(22) "__PHP_Incomplete_Class"
string(22) "__PHP_Incomplete_Class"
-- stdClass is a class too
string(22) "__PHP_Incomplete_Class"
string(8) "stdClass"
