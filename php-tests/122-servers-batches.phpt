--TEST--
tagcache: over 3 servers, batches and pipelines return the right values in order; tag and global commands reach every server with exact, summed counts; persistent pools are shared per server
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/servers.inc';

$srv = tc_servers_start(3);
$names = tc_server_names($srv);
$c = new TagCache(['servers' => $names, 'timeout_ms' => 3000]);
// Each server on its own, to see where the keys went.
$one = array_map(fn($s) => new TagCache(['port' => $s[2]]), $srv);

$items = [];
for ($i = 0; $i < 3000; $i++) $items["k$i"] = $i % 2 ? "v$i" : ['n' => $i];
$odd = array_filter($items, fn($k) => substr($k, 1) % 2 === 1, ARRAY_FILTER_USE_KEY);
var_dump($c->putMany($odd, ['all', 'odd']) && $c->putMany(array_diff_key($items, $odd), ['all', 'even']));
$perServer = array_map(fn($o) => count($o->keysByTag('all')), $one);
echo "every server holds some: ", min($perServer) > 500 ? 'yes' : json_encode($perServer), ", in all: ", array_sum($perServer), "\n";
$placed = 0;
foreach ($items as $k => $v) {
    $i = array_search($c->serverForKey($k), $names, true);
    if ($one[$i]->get($k) === $v) $placed++;
}
echo "each key on the server serverForKey() names: $placed\n";

// getMany: hits only, in request order, across servers.
$ask = ['k5', 'nope1', 'k2999', 'k0', 'nope2', 'k1234'];
var_dump(array_keys($c->getMany($ask)));
$all = $c->getMany(array_keys($items));
var_dump($all === $items);

// A pipeline keeps the order of calls on the same key, and its results.
$r = $c->pipeline()
    ->put('p1', 1, ['pt'])->increment('p1', 5)->get('p1')
    ->put('p2', 'x', ['pt'])->delete('p2')->get('p2', 'gone')
    ->keysByTag('pt')->invalidate('pt')->get('p1', 'invalidated')
    ->execute();
var_dump($r);

// Tag commands: counts summed over the servers, lists merged.
echo "searchAll: ", count($c->searchAll(['all', 'odd'])), "\n";
echo "searchAny: ", count($c->searchAny(['odd', 'even'])), "\n";
echo "keysByTag: ", count($c->keysByTag('all')), "\n";
echo "deleteMany: ", $c->deleteMany(['k0', 'k1', 'k2', 'nope']), "\n";
echo "invalidate odd and all: ", $c->invalidate(['all', 'odd'], 'all'), "\n";
echo "invalidate all: ", $c->invalidate('all'), "\n";
echo "left: ", count($c->getMany(array_keys($items))), "\n";

// stats(): sums, and each server's own figures.
$c->putMany(['s1' => 1, 's2' => 2, 's3' => 3, 's4' => 4]);
$st = $c->stats();
$sum = 0;
foreach ($st['servers'] as $name => $s) $sum += $s['puts'];
echo "stats: ", implode(',', array_keys($st['servers'])) === implode(',', $names) ? 'every server' : 'wrong servers', ", puts summed: ", $sum === $st['puts'] ? 'yes' : 'no', ", pool summed: ", $st['pool']['size'] === 3 * 8 ? 'yes' : $st['pool']['size'], "\n";
var_dump($c->ping());
echo "flush: ", $c->flush(), "\n";

// Persistent pools: per server, shared by lists that overlap.
$a = new TagCache(['servers' => [$names[0], $names[1]], 'persistent' => 'ms-test', 'pool_size' => 2]);
$b = new TagCache(['servers' => [$names[1], $names[2]], 'persistent' => 'ms-test', 'pool_size' => 2]);
$keyOn1 = null;
for ($i = 0; $keyOn1 === null; $i++) {
    if ($a->serverForKey("x$i") === $names[1] && $b->serverForKey("x$i") === $names[1]) $keyOn1 = "x$i";
}
$a->put($keyOn1, 'shared');
var_dump($b->get($keyOn1));
$sa = $a->stats()['servers'][$names[1]]['pool'];
$sb = $b->stats()['servers'][$names[1]]['pool'];
echo "the server both name has one pool: ", $sa['created'] === $sb['created'] && $sa['reused'] <= $sb['reused'] ? 'yes' : json_encode([$sa, $sb]), "\n";
echo "its connections: ", $sb['open'], "\n";

foreach ($srv as $s) tc_server_stop($s);
?>
--EXPECT--
bool(true)
every server holds some: yes, in all: 3000
each key on the server serverForKey() names: 3000
array(4) {
  [0]=>
  string(2) "k5"
  [1]=>
  string(5) "k2999"
  [2]=>
  string(2) "k0"
  [3]=>
  string(5) "k1234"
}
bool(true)
array(9) {
  [0]=>
  bool(true)
  [1]=>
  int(6)
  [2]=>
  int(6)
  [3]=>
  bool(true)
  [4]=>
  bool(true)
  [5]=>
  string(4) "gone"
  [6]=>
  array(1) {
    [0]=>
    string(2) "p1"
  }
  [7]=>
  int(1)
  [8]=>
  string(11) "invalidated"
}
searchAll: 1500
searchAny: 3000
keysByTag: 3000
deleteMany: 3
invalidate odd and all: 1499
invalidate all: 1498
left: 0
stats: every server, puts summed: yes, pool summed: yes
bool(true)
flush: 4
string(6) "shared"
the server both name has one pool: yes
its connections: 1
