--TEST--
tagcache: batches spread over several connections (fanout_min 2): a putMany alone and a getMany are cut into runs, anything else is split by key; every value exact, results in request order, the last write of a key wins
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$tc = tc_new(['pool_size' => 4, 'fanout_min' => 2]);
$p = tc_prefix();
$t = tc_key('fantag');

// A putMany alone (its keys are unique): cut into runs of consecutive
// requests, one per connection. Values of every kind, int and string keys.
$items = [];
for ($i = 0; $i < 3000; $i++) {
    $items[$p . "f$i"] = match ($i % 7) {
        0 => $i, 1 => "s$i", 2 => [$i => "v$i", 'n' => null], 3 => $i + 0.25,
        4 => "line\n$i\r", 5 => null, 6 => new TcSample("x$i", [$i], 'n'),
    };
}
$items[7] = 'int key';
$items['8'] = 'numeric string key (an int key in PHP)';
var_dump($tc->putMany($items, [$t]));

// A getMany (only reads): cut into runs; the result is in request order,
// misses left out, with a key asked twice read twice.
$keys = array_map('strval', array_keys($items));
shuffle($keys);
$ask = $keys;
array_splice($ask, 100, 0, [$p . 'missing', $keys[5]]);
$got = $tc->getMany($ask);
var_dump(count($got) === count($items));
var_dump(array_map('strval', array_keys($got)) === $keys);
$bad = 0;
foreach ($got as $k => $v) {
    if (!tc_same($items[$k], $v)) {
        $bad++;
        echo "mismatch at $k: ", tc_show($v), "\n";
    }
}
echo "mismatches: $bad\n";
var_dump(count($tc->keysByTag($t)) === count($items));

// Several calls in one pipeline write the same keys: split by key, so the
// last write of each key wins.
$pl = $tc->pipeline();
$a = $b = [];
for ($i = 0; $i < 500; $i++) {
    $a[$p . "w$i"] = "first $i";
    $b[$p . "w$i"] = "second $i";
}
$pl->putMany($a)->putMany($b)->put($p . 'w0', 'third');
var_dump($pl->execute() === [true, true, true]);
$want = $b;
$want[$p . 'w0'] = 'third';
var_dump($tc->getMany(array_keys($b)) === $want);

// A putMany after another call in a pipeline is not taken as independent.
$pl = $tc->pipeline();
$pl->put($p . 'w1', 'before')->putMany([$p . 'w1' => 'after', $p . 'w2' => 'x']);
var_dump($pl->execute() === [true, true]);
var_dump($tc->get($p . 'w1'));

// The connections went back to the pool clean.
$s = $tc->stats()['pool'];
var_dump($s['open'] >= 2, $s['busy']);
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
mismatches: 0
bool(true)
bool(true)
bool(true)
bool(true)
string(5) "after"
bool(true)
int(0)
