--TEST--
tagcache: arrays and objects round-trip exactly with the php serializer (the default)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$tc = tc_new();
$k = tc_key('arr');
foreach (tc_sample_values() as $label => $v) {
    if (!is_array($v) && !is_object($v)) continue;
    $tc->put($k, $v);
    tc_check($label, $v, $tc->get($k, 'DEFAULT'));
}

// explicit looks at a few
$tc->put($k, [5 => 'five', 'x' => 'ex', '7' => 'seven']);
var_dump($tc->get($k));

$tc->put($k, new TcSample('s3cret', ['p' => 1], 'named'));
$o = $tc->get($k);
var_dump(get_class($o), $o->secret(), $o->name);

$ao = new ArrayObject([1, 2]);
$ao['k'] = 'v';
$tc->put($k, $ao);
$g = $tc->get($k);
var_dump(get_class($g), $g->getArrayCopy());

// explicit serializer => 'php' is the same thing
$tc2 = tc_new(['serializer' => 'php']);
$tc2->put($k, ['via' => 'php']);
var_dump($tc->get($k));
$tc->delete($k);
?>
--EXPECT--
array empty: OK
array list: OK
array assoc: OK
array int+string keys: OK
array nested: OK
array with NAN/-0.0: OK
array of strings needing escape: OK
stdClass: OK
user class: OK
user class nested: OK
ArrayObject: OK
array(3) {
  [5]=>
  string(4) "five"
  ["x"]=>
  string(2) "ex"
  [7]=>
  string(5) "seven"
}
string(8) "TcSample"
string(6) "s3cret"
string(5) "named"
string(11) "ArrayObject"
array(3) {
  [0]=>
  int(1)
  [1]=>
  int(2)
  ["k"]=>
  string(1) "v"
}
array(1) {
  ["via"]=>
  string(3) "php"
}
