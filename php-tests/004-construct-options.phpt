--TEST--
tagcache: construction is lazy; options are validated (ValueError / TypeError)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

// constructing never connects: a closed port is fine until the first call
$tc = new TagCache(['host' => '127.0.0.1', 'port' => 1]);
var_dump($tc instanceof TagCache);
$tc2 = TagCache::create(['host' => '127.0.0.1', 'port' => 1]);
var_dump(get_class($tc2));
var_dump(TagCache::create(tc_opts()) instanceof TagCache);

// every option, each with a valid value
$all = [
    'host' => tc_host(), 'port' => tc_port(), 'pool_size' => 2,
    'connect_timeout_ms' => 800, 'timeout_ms' => 3000, 'persistent' => false,
    'serializer' => 'php', 'allowed_classes' => true, 'retry' => 0,
    'max_value_bytes' => 1 << 20, 'tcp_keepalive' => false,
];
$k = tc_key('opts');
$tc = new TagCache($all);
var_dump($tc->put($k, 'all options'), $tc->get($k));
foreach ([
    ['persistent' => true], ['persistent' => 'opt-test'],
    ['allowed_classes' => false], ['allowed_classes' => ['TcSample']],
    ['tcp_keepalive' => true], ['retry' => 3], ['pool_size' => 1],
] as $extra) {
    $c = tc_new($extra);
    echo json_encode($extra), ': ', var_export($c->get($k), true), "\n";
}
$tc->delete($k);

echo "-- unknown options\n";
tc_throws('unknown option', fn() => new TagCache(['hots' => 'x']));
tc_throws('unknown option via create', fn() => TagCache::create(['nope' => 1]));
tc_throws('int key', fn() => new TagCache([1]));

echo "-- wrong types\n";
foreach ([
    'host' => [], 'port' => 'abc', 'port ' => [], 'pool_size' => 'many',
    'connect_timeout_ms' => [], 'timeout_ms' => 'slow', 'persistent' => [],
    'serializer' => [], 'allowed_classes' => new stdClass(), 'retry' => 'x',
    'max_value_bytes' => [], 'tcp_keepalive' => [],
] as $name => $bad) {
    $name = trim($name);
    tc_throws("$name => " . get_debug_type($bad), fn() => new TagCache([$name => $bad]));
}

echo "-- bad values\n";
tc_throws('pool_size 0', fn() => new TagCache(['pool_size' => 0]));
tc_throws('pool_size -1', fn() => new TagCache(['pool_size' => -1]));
tc_throws('retry -1', fn() => new TagCache(['retry' => -1]));
tc_throws('serializer yaml', fn() => new TagCache(['serializer' => 'yaml']));
tc_throws('serializer empty', fn() => new TagCache(['serializer' => '']));
?>
--EXPECT--
bool(true)
string(8) "TagCache"
bool(true)
bool(true)
string(11) "all options"
{"persistent":true}: 'all options'
{"persistent":"opt-test"}: 'all options'
{"allowed_classes":false}: 'all options'
{"allowed_classes":["TcSample"]}: 'all options'
{"tcp_keepalive":true}: 'all options'
{"retry":3}: 'all options'
{"pool_size":1}: 'all options'
-- unknown options
unknown option: ValueError
unknown option via create: ValueError
int key: ValueError
-- wrong types
host => array: TypeError
port => string: TypeError
port => array: TypeError
pool_size => string: TypeError
connect_timeout_ms => array: TypeError
timeout_ms => string: TypeError
persistent => array: TypeError
serializer => array: TypeError
allowed_classes => stdClass: TypeError
retry => string: TypeError
max_value_bytes => array: TypeError
tcp_keepalive => array: TypeError
-- bad values
pool_size 0: ValueError
pool_size -1: ValueError
retry -1: ValueError
serializer yaml: ValueError
serializer empty: ValueError
