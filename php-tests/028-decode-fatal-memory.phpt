--TEST--
tagcache: a fatal error while a value is decoded (memory exhausted) is reported, and error_reporting is intact in shutdown functions
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$k = tc_key('huge');
$tc = tc_new();
var_dump($tc->put($k, range(1, 400000), [], 60000));
$before = error_reporting();
register_shutdown_function(function () use ($before) {
    echo "shutdown: error_reporting ", error_reporting() === $before ? "intact" : "changed to " . error_reporting(), "\n";
    trigger_error('a warning in a shutdown function', E_USER_WARNING);
});
ini_set('memory_limit', '16M');
echo "decoding\n";
$v = $tc->get($k);
echo "not reached: ", count($v), "\n";
?>
--EXPECTF--
bool(true)
decoding

Fatal error: Allowed memory size of 16777216 bytes exhausted%s(tried to allocate %d bytes) in %s on line %d
shutdown: error_reporting intact

Warning: a warning in a shutdown function in %s on line %d
