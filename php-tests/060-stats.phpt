--TEST--
tagcache: stats() keys and types; server counters move exactly; pool counters of this client
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--CONFLICTS--
all
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$k = tc_key('stats');
$s = $tc->stats();
var_dump(array_keys($s));
foreach (['hits', 'misses', 'puts', 'invalidations'] as $f) {
    echo "$f: ", get_debug_type($s[$f]), ' ', var_export($s[$f] >= 0, true), "\n";
}
echo 'hit_ratio: ', get_debug_type($s['hit_ratio']), ' ', var_export($s['hit_ratio'] >= 0.0 && $s['hit_ratio'] <= 1.0, true), "\n";
var_dump(array_keys($s['pool']));
foreach ($s['pool'] as $f => $v) {
    echo "pool.$f: ", get_debug_type($v), ' ', var_export($v >= 0, true), "\n";
}

// this test runs alone (CONFLICTS: all), so the server counters move exactly
$tc->put($k, 'v');
$before = $tc->stats();
$tc->get($k);
$after = $tc->stats();
echo 'hit: hits +', $after['hits'] - $before['hits'], ' misses +', $after['misses'] - $before['misses'], "\n";
$tc->get($k . '-missing');
$after2 = $tc->stats();
echo 'miss: hits +', $after2['hits'] - $after['hits'], ' misses +', $after2['misses'] - $after['misses'], "\n";
$tc->put($k, 'w');
$tc->add($k, 'x');
$tc->increment($k . 'n');
$after3 = $tc->stats();
echo 'writes: puts +', $after3['puts'] - $after2['puts'], "\n";
$tc->delete($k);
$tc->invalidate(tc_key('nothing'));
$after4 = $tc->stats();
echo 'invalidations +', $after4['invalidations'] - $after3['invalidations'], "\n";
$tot = $after4['hits'] + $after4['misses'];
var_dump(abs($after4['hit_ratio'] - ($tot ? $after4['hits'] / $tot : 0.0)) < 1e-5);
$tc->delete($k . 'n');

// pool counters of a fresh, non-persistent client: sequential calls share one connection
$fresh = tc_new(['pool_size' => 4]);
for ($i = 0; $i < 10; $i++) $fresh->get($k);
$ps = $fresh->stats()['pool'];
var_dump($ps['created'], $ps['open'], $ps['timeouts']);
var_dump($ps['reused'] >= 9);
?>
--EXPECT--
array(6) {
  [0]=>
  string(4) "hits"
  [1]=>
  string(6) "misses"
  [2]=>
  string(4) "puts"
  [3]=>
  string(13) "invalidations"
  [4]=>
  string(9) "hit_ratio"
  [5]=>
  string(4) "pool"
}
hits: int true
misses: int true
puts: int true
invalidations: int true
hit_ratio: float true
array(8) {
  [0]=>
  string(4) "open"
  [1]=>
  string(4) "idle"
  [2]=>
  string(4) "busy"
  [3]=>
  string(7) "created"
  [4]=>
  string(6) "reused"
  [5]=>
  string(9) "discarded"
  [6]=>
  string(5) "waits"
  [7]=>
  string(8) "timeouts"
}
pool.open: int true
pool.idle: int true
pool.busy: int true
pool.created: int true
pool.reused: int true
pool.discarded: int true
pool.waits: int true
pool.timeouts: int true
hit: hits +1 misses +0
miss: hits +0 misses +1
writes: puts +3
invalidations +2
bool(true)
int(1)
int(1)
int(0)
bool(true)
