--TEST--
tagcache: the servers option (strings, weights, arrays, INI); both forms, an empty list, a duplicate or a bad entry are ValueErrors naming it
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
tagcache.servers=
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

// No connection is made: serverForKey() only places keys.
$ok = [
    'strings' => ['127.0.0.1:1001', '127.0.0.1:1002:3', 'localhost:1003'],
    'arrays' => [['host' => '127.0.0.1', 'port' => 1001], ['host' => '127.0.0.1', 'port' => 1002, 'weight' => 3]],
    'ipv6' => ['[::1]:1001', ['host' => '::1', 'port' => 1002], ['host' => '[::1]', 'port' => 1003, 'weight' => 2]],
];
foreach ($ok as $label => $servers) {
    $c = new TagCache(['servers' => $servers]);
    $names = [];
    for ($i = 0; $i < 2000; $i++) $names[$c->serverForKey("key$i")] = true;
    ksort($names);
    echo "$label: ", implode(' ', array_keys($names)), "\n";
}

$bad = [
    'both forms' => ['servers' => ['127.0.0.1:1001'], 'host' => '127.0.0.1'],
    'both forms (port)' => ['servers' => ['127.0.0.1:1001'], 'port' => 1984],
    'empty list' => ['servers' => []],
    'duplicate' => ['servers' => ['127.0.0.1:1001', '127.0.0.1:1002', '127.0.0.1:1001:5']],
    'no port' => ['servers' => ['127.0.0.1']],
    'bad port' => ['servers' => ['127.0.0.1:99999']],
    'zero weight' => ['servers' => ['127.0.0.1:1001:0']],
    'bad weight' => ['servers' => ['127.0.0.1:1001:x']],
    'bad host' => ['servers' => ['bad host:1001']],
    'unclosed bracket' => ['servers' => ['[::1:1001']],
    'array without port' => ['servers' => [['host' => '127.0.0.1']]],
    'array with junk' => ['servers' => [['host' => '127.0.0.1', 'port' => 1, 'x' => 1]]],
    'NUL in host' => ['servers' => ["a\0b:1001"]],
    'bad down_server' => ['servers' => ['127.0.0.1:1001'], 'down_server' => 'ignore'],
    'bad retry_interval_ms' => ['servers' => ['127.0.0.1:1001'], 'retry_interval_ms' => -1],
];
foreach ($bad as $label => $opts) {
    try {
        new TagCache($opts);
        echo "$label: no exception\n";
    } catch (Throwable $e) {
        echo "$label: ", get_class($e), ": ", $e->getMessage(), "\n";
    }
}
tc_throws('an entry of the wrong type', fn() => new TagCache(['servers' => [42]]));
tc_throws('servers not an array', fn() => new TagCache(['servers' => '127.0.0.1:1001']));

// INI: a comma-separated list; host/port in the options array still name one server.
ini_set('tagcache.servers', '127.0.0.1:2001, 127.0.0.1:2002:2');
$c = new TagCache();
$names = [];
for ($i = 0; $i < 2000; $i++) $names[$c->serverForKey("key$i")] = true;
ksort($names);
echo "INI: ", implode(' ', array_keys($names)), "\n";
$c = new TagCache(['host' => '127.0.0.1', 'port' => 3001]);
echo "host/port over INI servers: ", $c->serverForKey('x'), "\n";
var_dump(@ini_set('tagcache.servers', '127.0.0.1') === false);
ini_set('tagcache.servers', '');
echo "one server: ", (new TagCache(['port' => 4001]))->serverForKey('anything'), "\n";
tc_throws('serverForKey of a bad key', fn() => $c->serverForKey("a,b"));
?>
--EXPECTF--
strings: 127.0.0.1:1001 127.0.0.1:1002 localhost:1003
arrays: 127.0.0.1:1001 127.0.0.1:1002
ipv6: [::1]:1001 [::1]:1002 [::1]:1003
both forms: ValueError: give either 'servers' or 'host'/'port', not both
both forms (port): ValueError: give either 'servers' or 'host'/'port', not both
empty list: ValueError: option 'servers' must not be empty
duplicate: ValueError: option 'servers': server 127.0.0.1:1001 is listed twice
no port: ValueError: option 'servers': entry "127.0.0.1" must be 'host:port' or 'host:port:weight'
bad port: ValueError: option 'servers': entry "127.0.0.1:99999" has no valid port (1-65535)
zero weight: ValueError: option 'servers': entry "127.0.0.1:1001:0" has no valid weight (a positive integer)
bad weight: ValueError: option 'servers': entry "127.0.0.1:1001:x" has no valid weight (a positive integer)
bad host: ValueError: option 'servers': entry "bad host:1001" has a bad host: "bad host" is not a host name or address
unclosed bracket: ValueError: option 'servers': entry "[::1:1001" has no closing ']'
array without port: ValueError: option 'servers': entry #0 needs 'port' (an int)
array with junk: ValueError: option 'servers': entry #0 has a key other than 'host', 'port' and 'weight'
NUL in host: ValueError: option 'servers': entry "a\0b:1001" has a bad host: "a\0b" is not a host name or address
bad down_server: ValueError: option 'down_server' must be "error" or "miss", "ignore" given
bad retry_interval_ms: ValueError: option 'retry_interval_ms' must be between 0 and 3600000, -1 given
an entry of the wrong type: TypeError
servers not an array: TypeError
INI: 127.0.0.1:2001 127.0.0.1:2002
host/port over INI servers: 127.0.0.1:3001
bool(true)
one server: 127.0.0.1:4001
serverForKey of a bad key: ValueError
