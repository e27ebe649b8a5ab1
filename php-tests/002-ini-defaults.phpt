--TEST--
tagcache: INI entries exist with their documented defaults
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

foreach (['host', 'port', 'pool_size', 'connect_timeout_ms', 'timeout_ms',
          'serializer', 'max_value_bytes', 'retry', 'persistent',
          'allowed_classes', 'tcp_keepalive'] as $name) {
    $v = ini_get("tagcache.$name");
    echo "tagcache.$name: ", $v === false ? 'MISSING' : 'present', "\n";
}
var_dump(ini_get('tagcache.host'));
var_dump(ini_get('tagcache.port'));
var_dump(ini_get('tagcache.pool_size'));
var_dump(ini_get('tagcache.connect_timeout_ms'));
var_dump(ini_get('tagcache.timeout_ms'));
var_dump(ini_get('tagcache.serializer'));
var_dump(ini_get('tagcache.max_value_bytes'));
var_dump(ini_get('tagcache.retry'));
$all = ini_get_all('tagcache');
var_dump(is_array($all) && count($all) >= 11);
?>
--EXPECT--
tagcache.host: present
tagcache.port: present
tagcache.pool_size: present
tagcache.connect_timeout_ms: present
tagcache.timeout_ms: present
tagcache.serializer: present
tagcache.max_value_bytes: present
tagcache.retry: present
tagcache.persistent: present
tagcache.allowed_classes: present
tagcache.tcp_keepalive: present
string(9) "127.0.0.1"
string(4) "1984"
string(1) "8"
string(4) "1000"
string(4) "5000"
string(3) "php"
string(8) "67108864"
string(1) "1"
bool(true)
