--TEST--
tagcache: persistent pools are shared by every object with the same id
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$p = tc_prefix();
$bad = 0;
$last = null;
for ($i = 0; $i < 50; $i++) {
    $tc = tc_new(['persistent' => 'p1', 'pool_size' => 2]);
    $tc->put($p . "k$i", "v$i");
    if ($tc->get($p . "k$i") !== "v$i") $bad++;
    $last = $tc;
    unset($tc);
}
echo "bad values: $bad\n";
$pool = $last->stats()['pool'];
var_dump($pool['created'] >= 1 && $pool['created'] <= 2);
var_dump($pool['reused'] >= 49);

// closing one object's handle and making new ones still works
$last->close();
$tc = tc_new(['persistent' => 'p1', 'pool_size' => 2]);
var_dump($tc->get($p . 'k49'));

// persistent => true is a pool too
$created = [];
for ($i = 0; $i < 20; $i++) {
    $tc = tc_new(['persistent' => true, 'pool_size' => 2]);
    $tc->get($p . 'k0');
    $created[] = $tc->stats()['pool']['created'];
}
var_dump(max($created) <= 2);

// another id is another pool
$other = tc_new(['persistent' => 'p2', 'pool_size' => 2]);
$other->get($p . 'k1');
var_dump($other->stats()['pool']['created']);

$tc->deleteMany(array_map(fn($i) => $p . "k$i", range(0, 49)));
?>
--EXPECT--
bad values: 0
bool(true)
bool(true)
string(3) "v49"
bool(true)
int(1)
