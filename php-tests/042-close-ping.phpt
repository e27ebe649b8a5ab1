--TEST--
tagcache: ping(); close() drops connections and the next call reconnects lazily
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$tc->close();                       // before any connection: harmless
var_dump($tc->ping());
$k = tc_key('close');
var_dump($tc->put($k, 'v1'));
var_dump($tc->close());
var_dump($tc->get($k));             // reconnects
$tc->close();
$tc->close();
var_dump($tc->put($k, 'v2'), $tc->get($k));
// close() in the middle of a pipeline's life: queued calls still run
$p = $tc->pipeline()->get($k);
$tc->close();
var_dump($p->execute());
// many close/use cycles do not leak connections on the server side
for ($i = 0; $i < 200; $i++) {
    $tc->get($k);
    $tc->close();
}
var_dump($tc->get($k));
var_dump($tc->delete($k));
?>
--EXPECT--
bool(true)
bool(true)
NULL
string(2) "v1"
bool(true)
string(2) "v2"
array(1) {
  [0]=>
  string(2) "v2"
}
string(2) "v2"
bool(true)
