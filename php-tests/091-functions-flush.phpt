--TEST--
tagcache functions: tagcache_flush() empties the server and returns the count
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--CONFLICTS--
all
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$h = tagcache_create(['host' => tc_host(), 'port' => tc_port()]);
for ($i = 0; $i < 5; $i++) {
    tagcache_put($h, tc_key("f$i"), $i, [tc_key('ft')]);
}
$n = tagcache_flush($h);
var_dump(is_int($n) && $n >= 5);
var_dump(tagcache_get($h, tc_key('f0')), tagcache_keys_by_tag($h, tc_key('ft')));
var_dump(tagcache_put($h, tc_key('after'), 'yes'), tagcache_flush($h) >= 1, tagcache_get($h, tc_key('after')));
?>
--EXPECT--
bool(true)
NULL
array(0) {
}
bool(true)
bool(true)
NULL
