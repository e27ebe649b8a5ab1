--TEST--
tagcache: a time limit hit inside __wakeup() while a value is decoded is reported
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

class TcSpins
{
    public $n = 1;

    public function __wakeup()
    {
        while (true) {
        }
    }
}

$k = tc_key('spins');
$tc = tc_new();
var_dump($tc->put($k, new TcSpins(), [], 60000));
register_shutdown_function(function () {
    echo "shutdown: error_reporting ", error_reporting(), "\n";
});
set_time_limit(1);
echo "decoding\n";
$tc->get($k);
echo "not reached\n";
?>
--EXPECTF--
bool(true)
decoding

Fatal error: Maximum execution time of 1 second exceeded in %s on line %d
shutdown: error_reporting 32767
