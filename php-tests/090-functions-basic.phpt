--TEST--
tagcache functions: every tagcache_* function of the C extension against a live server, exact results
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$h = tagcache_create(['host' => tc_host(), 'port' => tc_port()]);
var_dump(get_class($h));
$k = fn(string $n) => tc_key($n);
$t = fn(string $n) => tc_key("tag-$n");

// put/get: values keep their types; a miss is null
var_dump(tagcache_put($h, $k('a'), ['x' => 1, 'y' => [true, null, 2.5]]));
var_dump(tagcache_get($h, $k('a')));
var_dump(tagcache_put($h, $k('s'), 'text'), tagcache_get($h, $k('s')));
var_dump(tagcache_put($h, $k('i'), 42), tagcache_get($h, $k('i')));
var_dump(tagcache_put($h, $k('f'), 1.5), tagcache_get($h, $k('f')));
var_dump(tagcache_put($h, $k('b'), false), tagcache_get($h, $k('b')));
var_dump(tagcache_get($h, $k('missing')));

// tags and TTL (as the C extension: a TTL <= 0 or null means no expiry)
var_dump(tagcache_put($h, $k('t1'), 1, [$t('x'), $t('y')], 60000));
var_dump(tagcache_put($h, $k('t2'), 2, [$t('x')]));
var_dump(tagcache_put($h, $k('t3'), 3, [$t('y')], 0));
var_dump(tagcache_put($h, $k('ttl'), 'short', null, 150));
$keys = tagcache_keys_by_tag($h, $t('x'));
sort($keys);
var_dump($keys === [$k('t1'), $k('t2')]);
var_dump(tagcache_keys_by_tag($h, $t('none')));
$any = tagcache_search_any($h, [$t('x'), $t('y')]);
sort($any);
var_dump($any === [$k('t1'), $k('t2'), $k('t3')]);
var_dump(tagcache_search_all($h, [$t('x'), $t('y')]) === [$k('t1')]);
var_dump(tagcache_search_any($h, []), tagcache_search_all($h, []));
usleep(400000);
var_dump(tagcache_get($h, $k('ttl')), tagcache_get($h, $k('t3')));

// delete: whether it existed
var_dump(tagcache_delete($h, $k('s')), tagcache_delete($h, $k('s')));

// bulk
var_dump(tagcache_bulk_put($h, [$k('m1') => 'one', $k('m2') => [2], $k('m3') => null]));
var_dump(tagcache_bulk_put($h, []));
var_dump(tagcache_bulk_get($h, [$k('m1'), $k('nope'), $k('m2'), $k('m3')]) === [$k('m1') => 'one', $k('m2') => [2], $k('m3') => null]);
var_dump(tagcache_bulk_get($h, []));
var_dump(tagcache_bulk_put($h, [$k('m4') => 4], 100));
usleep(300000);
var_dump(tagcache_bulk_get($h, [$k('m4')]));

// invalidation
var_dump(tagcache_invalidate_tag($h, $t('x')));             // t1, t2
var_dump(tagcache_get($h, $k('t1')), tagcache_get($h, $k('t3')));
var_dump(tagcache_invalidate_tag($h, $t('x')));
tagcache_put($h, $k('u1'), 1, [$t('p'), $t('q')]);
tagcache_put($h, $k('u2'), 2, [$t('p')]);
tagcache_put($h, $k('u3'), 3, [$t('r')]);
var_dump(tagcache_invalidate_tags_all($h, [$t('p'), $t('q')]));   // u1
var_dump(tagcache_invalidate_tags_any($h, [$t('p'), $t('r')]));   // u2, u3
var_dump(tagcache_invalidate_tags_any($h, []));
tagcache_put($h, $k('v1'), 1);
tagcache_put($h, $k('v2'), 2);
var_dump(tagcache_invalidate_keys($h, [$k('v1'), $k('v2'), $k('v3')]));
var_dump(tagcache_invalidate_keys($h, []));

// stats: the server's counters plus the C extension's "transport"
$s = tagcache_stats($h);
var_dump(is_int($s['hits']), is_int($s['misses']), is_int($s['puts']), is_int($s['invalidations']), is_float($s['hit_ratio']), $s['transport']);

// close: null; the handle reconnects if used again
var_dump(tagcache_close($h));
var_dump(tagcache_get($h, $k('i')));
?>
--EXPECT--
string(8) "TagCache"
bool(true)
array(2) {
  ["x"]=>
  int(1)
  ["y"]=>
  array(3) {
    [0]=>
    bool(true)
    [1]=>
    NULL
    [2]=>
    float(2.5)
  }
}
bool(true)
string(4) "text"
bool(true)
int(42)
bool(true)
float(1.5)
bool(true)
bool(false)
NULL
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
array(0) {
}
bool(true)
bool(true)
array(0) {
}
array(0) {
}
NULL
int(3)
bool(true)
bool(false)
int(3)
int(0)
bool(true)
array(0) {
}
int(1)
array(0) {
}
int(2)
NULL
int(3)
int(0)
int(1)
int(2)
int(0)
int(2)
int(0)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
string(3) "tcp"
NULL
int(42)
