--TEST--
tagcache: a host with a port in it is refused with a ValueError pointing to 'port'; a bracketed IPv6 host is read without its brackets
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

foreach (['127.0.0.1:1984', 'localhost:' . tc_port(), '[::1]:1984', '[::1', '[127.0.0.1]'] as $h) {
    tc_throws("host '$h'", fn() => new TagCache(['host' => $h, 'port' => tc_port()]));
    try {
        new TagCache(['host' => $h]);
    } catch (ValueError $e) {
        echo '  ', $e->getMessage(), "\n";
    }
}
var_dump(ini_set('tagcache.host', '127.0.0.1:1984'));
var_dump(ini_get('tagcache.host'));

// Nothing listens on this port: the message names the address as it is
// dialled, the same for both spellings of the IPv6 loopback.
$free = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($free, false), ':'), 1);
fclose($free);
foreach (['[::1]', '::1'] as $h) {
    $tc = new TagCache(['host' => $h, 'port' => $port, 'connect_timeout_ms' => 500]);
    tc_throws("connect to $h", fn() => $tc->get('k'), "TagCache at [::1]:$port:");
}
?>
--EXPECTF--
host '127.0.0.1:1984': ValueError
  option 'host' must not hold a port: "127.0.0.1:1984"; give the port in the 'port' option
host 'localhost:%d': ValueError
  option 'host' must not hold a port: "localhost:%d"; give the port in the 'port' option
host '[::1]:1984': ValueError
  option 'host' must not hold a port: "[::1]:1984"; give the port in the 'port' option
host '[::1': ValueError
  option 'host' is not a host name: "[::1"
host '[127.0.0.1]': ValueError
  option 'host' is not a host name: "[127.0.0.1]"

Warning: ini_set(): INI tagcache.host: option 'host' must not hold a port: "127.0.0.1:1984"; give the port in the 'port' option; the value is not changed in %s on line %d
bool(false)
string(9) "127.0.0.1"
connect to [::1]: TagCacheConnectionException [message ok]
connect to ::1: TagCacheConnectionException [message ok]
