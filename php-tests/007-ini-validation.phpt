--TEST--
tagcache: an INI value that is not valid is refused when it is set, with a warning that says why
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$cases = [
    ['tagcache.pool_size', '8abc'],
    ['tagcache.pool_size', '0'],
    ['tagcache.port', 'abc'],
    ['tagcache.port', '70000'],
    ['tagcache.timeout_ms', '-5'],
    ['tagcache.serializer', 'json'],
    ['tagcache.tcp_keepalive', 'maybe'],
    ['tagcache.busy_poll_us', '2000000'],
];
foreach ($cases as [$name, $value]) {
    $before = ini_get($name);
    $r = ini_set($name, $value);
    echo "$name=$value: ", var_export($r, true), ", still ", var_export(ini_get($name) === $before, true), "\n";
}
// Valid values are taken.
var_dump(ini_set('tagcache.pool_size', '3'), ini_get('tagcache.pool_size'));
var_dump(ini_set('tagcache.host', '[::1]'), ini_get('tagcache.host'));
ini_restore('tagcache.host');
// A refused value never reaches a client: this one is made with the good ones.
$tc = new TagCache(['host' => tc_host(), 'port' => tc_port()]);
var_dump($tc->stats()['pool']['size']);
?>
--EXPECTF--
Warning: ini_set(): INI tagcache.pool_size must be an integer, "8abc" given; the value is not changed in %s on line %d
tagcache.pool_size=8abc: false, still true

Warning: ini_set(): INI tagcache.pool_size: option 'pool_size' must be between 1 and 1024, 0 given; the value is not changed in %s on line %d
tagcache.pool_size=0: false, still true

Warning: ini_set(): INI tagcache.port must be an integer, "abc" given; the value is not changed in %s on line %d
tagcache.port=abc: false, still true

Warning: ini_set(): INI tagcache.port: option 'port' must be between 1 and 65535, 70000 given; the value is not changed in %s on line %d
tagcache.port=70000: false, still true

Warning: ini_set(): INI tagcache.timeout_ms: option 'timeout_ms' must be between 1 and 3600000, -5 given; the value is not changed in %s on line %d
tagcache.timeout_ms=-5: false, still true

Warning: ini_set(): INI tagcache.serializer: option 'serializer' must be "php", "igbinary" or "msgpack", "json" given; the value is not changed in %s on line %d
tagcache.serializer=json: false, still true

Warning: ini_set(): INI tagcache.tcp_keepalive must be a boolean, "maybe" given; the value is not changed in %s on line %d
tagcache.tcp_keepalive=maybe: false, still true

Warning: ini_set(): INI tagcache.busy_poll_us: option 'busy_poll_us' must be between 0 and 1000000, 2000000 given; the value is not changed in %s on line %d
tagcache.busy_poll_us=2000000: false, still true
string(1) "8"
string(1) "3"
string(9) "127.0.0.1"
string(5) "[::1]"
int(3)
