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
// the documented pool counters (an implementation may add more)
foreach (['open', 'idle', 'busy', 'created', 'reused', 'discarded', 'waits', 'timeouts'] as $f) {
    $v = $s['pool'][$f] ?? 'MISSING';
    echo "pool.$f: ", get_debug_type($v), ' ', var_export(is_int($v) && $v >= 0, true), "\n";
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
// as the real server counts (conformance/stats.tsv): puts = PUT + ADD that
// added + INCR/DECR; invalidations = entries removed by DEL/INV_*/FLUSH
$tc->put($k, 'w');                     // +1
$tc->add($k, 'x');                     // exists: +0
$tc->add($k . 'a', 'x', [tc_key('st')]);  // +1
$tc->increment($k . 'n');              // +1
$tc->decrement($k . 'n');              // +1
$after3 = $tc->stats();
echo 'writes: puts +', $after3['puts'] - $after2['puts'], "\n";
$tc->delete($k);                       // +1
$tc->delete($k);                       // missing: +0
$tc->put($k, 'again', [tc_key('st')]);
$tc->invalidate(tc_key('st'));         // two entries: +2
$tc->invalidate(tc_key('nothing'));    // +0
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
writes: puts +4
invalidations +3
bool(true)
int(1)
int(1)
int(0)
bool(true)
