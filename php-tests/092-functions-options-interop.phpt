--TEST--
tagcache functions: the C extension's options (ignored transport options, 'native'), and data shared with the class and other clients
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('igbinary'); tc_skip_unless('msgpack'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

// every option the C extension parsed, with its types; transport ones have no effect
$h = tagcache_create([
    'mode' => 'http', 'host' => tc_host(), 'port' => (string) tc_port(), 'http_base' => 'http://127.0.0.1:8080',
    'timeout_ms' => 5000, 'connect_timeout_ms' => '3000', 'pool_size' => 8, 'serializer' => 'NATIVE',
    'enable_pipelining' => true, 'pipeline_depth' => 10, 'enable_async_io' => true,
    'enable_keep_alive' => true, 'keep_alive_idle' => 60, 'keep_alive_interval' => 10, 'keep_alive_count' => 3,
    'keep_alive' => true, 'tcp_nodelay' => true, 'timeout' => 0.5, 'serialize_format' => 'native',
]);
var_dump(tagcache_put($h, tc_key('n'), ['native', 'still', 'stores', 'arrays']));
var_dump(tagcache_get($h, tc_key('n')));
// this extension's own options pass through
$p = tagcache_create(['host' => tc_host(), 'port' => tc_port(), 'persistent' => 'fn-test', 'retry' => 0]);
var_dump(tagcache_put($p, tc_key('p'), 1), tagcache_get($p, tc_key('p')));
// no options: the tagcache.* INI defaults
ini_set('tagcache.port', (string) tc_port());
var_dump(tagcache_get(tagcache_create(), tc_key('p')));
var_dump(tagcache_get(tagcache_create(null), tc_key('p')));

// bad options are refused as the class refuses them
foreach ([['nope' => 1], ['port' => 'abc'], ['port' => 70000], ['serializer' => 'json'], [5 => 'x']] as $o) {
    try {
        tagcache_create($o);
        echo "no exception\n";
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
try { tagcache_create('host=x'); } catch (TypeError $e) { echo $e->getMessage(), "\n"; }

// the wire format is the C extension's: scalars as text, arrays serialized + base64
$raw = tc_raw_connect();
$c = tagcache_create(['host' => tc_host(), 'port' => tc_port()]);
tagcache_put($c, tc_key('w1'), 'plain');
tagcache_put($c, tc_key('w2'), 42);
tagcache_put($c, tc_key('w3'), ['a' => 1]);
tagcache_put($c, tc_key('w4'), true);
foreach (['w1', 'w2', 'w3', 'w4'] as $w) {
    echo tc_raw($raw, "GET\t" . tc_key($w)), "\n";
}
// what the C extension wrote, read back (its encoding of 1.5, null, an array)
tc_raw($raw, "PUT\t" . tc_key('c1') . "\t-\t-\t1.5");
tc_raw($raw, "PUT\t" . tc_key('c2') . "\t-\t-\t__TC_NULL__");
tc_raw($raw, "PUT\t" . tc_key('c3') . "\t-\t-\t__TC_SERIALIZED__" . base64_encode(serialize([1, 'two'])));
var_dump(tagcache_bulk_get($c, [tc_key('c1'), tc_key('c2'), tc_key('c3')]) === [tc_key('c1') => 1.5, tc_key('c2') => null, tc_key('c3') => [1, 'two']]);

// function and class share data both ways
$obj = new TagCache(['host' => tc_host(), 'port' => tc_port()]);
$obj->put(tc_key('o'), ['from' => 'class'], [tc_key('ot')]);
var_dump(tagcache_get($c, tc_key('o')), tagcache_keys_by_tag($c, tc_key('ot')) === [tc_key('o')]);
tagcache_put($c, tc_key('q'), ['from' => 'function'], [tc_key('qt')]);
var_dump($obj->get(tc_key('q')), $obj->keysByTag(tc_key('qt')) === [tc_key('q')]);
var_dump(tagcache_get($obj, tc_key('q')) === $obj->get(tc_key('q')));

// igbinary and msgpack, as the C extension named them
foreach (['igbinary' => '__TC_IGBINARY__', 'msgpack' => '__TC_MSGPACK__'] as $ser => $prefix) {
    $s = tagcache_create(['host' => tc_host(), 'port' => tc_port(), 'serializer' => $ser]);
    tagcache_put($s, tc_key($ser), ['v' => $ser]);
    $line = tc_raw($raw, "GET\t" . tc_key($ser));
    var_dump(str_starts_with($line, "VALUE\t$prefix"), tagcache_get($s, tc_key($ser)) === ['v' => $ser]);
}
?>
--EXPECTF--
bool(true)
array(4) {
  [0]=>
  string(6) "native"
  [1]=>
  string(5) "still"
  [2]=>
  string(6) "stores"
  [3]=>
  string(6) "arrays"
}
bool(true)
int(1)
int(1)
int(1)
ValueError: unknown option 'nope' (known: %s)
TypeError: option 'port' must be of type int, string given
ValueError: option 'port' must be between 1 and 65535, 70000 given
ValueError: option 'serializer' must be "php", "igbinary" or "msgpack", "json" given
ValueError: options must be an array keyed by option name, index 5 given
tagcache_create(): Argument #1 ($options) must be of type ?array, string given
VALUE	plain
VALUE	42
VALUE	__TC_SERIALIZED__YToxOntzOjE6ImEiO2k6MTt9
VALUE	__TC_TRUE__
bool(true)
array(1) {
  ["from"]=>
  string(5) "class"
}
bool(true)
array(1) {
  ["from"]=>
  string(8) "function"
}
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
