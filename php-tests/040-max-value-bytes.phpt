--TEST--
tagcache: a reply larger than max_value_bytes is an error, and the client recovers
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$k = tc_key('big');
$small = tc_key('small');
$writer = tc_new();
var_dump($writer->put($k, str_repeat('x', 5000)));
var_dump($writer->put($small, 'tiny'));

$tc = tc_new(['max_value_bytes' => 1000]);
var_dump($tc->get($small));
try {
    $tc->get($k);
    echo "no exception\n";
} catch (TagCacheException $e) {
    echo "TagCacheException\n";
}
// the connection that held the rest of the big reply is gone; the next call is clean
var_dump($tc->get($small));
var_dump($tc->put($small, 'tiny2'));
var_dump($tc->get($small));
// same in a batch
try {
    $tc->getMany([$small, $k]);
    echo "no exception\n";
} catch (TagCacheException $e) {
    echo "TagCacheException\n";
}
var_dump($tc->getMany([$small]));
// an unlimited client reads it
var_dump(strlen($writer->get($k)));
$writer->deleteMany([$k, $small]);
?>
--EXPECTF--
bool(true)
bool(true)
string(4) "tiny"
TagCacheException
string(4) "tiny"
bool(true)
string(5) "tiny2"
TagCacheException
array(1) {
  [%s]=>
  string(5) "tiny2"
}
int(5000)
