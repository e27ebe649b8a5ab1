--TEST--
tagcache: pool counters add up after close(): open = created - discarded, busy = 0 at rest
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

function show(string $when, array $p): void
{
    printf("%-22s open %d idle %d busy %d created %d discarded %d, open == created - discarded: %s\n",
        $when, $p['open'], $p['idle'], $p['busy'], $p['created'], $p['discarded'],
        var_export($p['open'] === $p['created'] - $p['discarded'], true));
}

// fanout_min 1: a batch of 200 keys is split over all 4 connections (by a
// hash of each key: 200 keys leave no lane empty), so the pool opens all
// of them.
$tc = tc_new(['pool_size' => 4, 'fanout_min' => 1]);
$keys = [];
for ($i = 0; $i < 200; $i++) {
    $keys[] = tc_key("k$i");
}
$tc->putMany(array_fill_keys($keys, 'v'));
show('after a fan-out', $tc->stats()['pool']);
$tc->close();
show('after close()', $tc->stats()['pool']);
var_dump(count($tc->getMany($keys)));
show('after reconnecting', $tc->stats()['pool']);
$tc->close();
show('after close() again', $tc->stats()['pool']);

// A persistent pool shared by two objects: one closes, the other goes on.
$a = tc_new(['persistent' => tc_key('p'), 'pool_size' => 4, 'fanout_min' => 1]);
$b = tc_new(['persistent' => tc_key('p'), 'pool_size' => 4]);
$a->putMany(array_fill_keys($keys, 'w'));
$a->close();
var_dump($b->get($keys[0]));
show('persistent', $b->stats()['pool']);
$tc->deleteMany($keys);
?>
--EXPECT--
after a fan-out        open 4 idle 4 busy 0 created 4 discarded 0, open == created - discarded: true
after close()          open 0 idle 0 busy 0 created 4 discarded 4, open == created - discarded: true
int(200)
after reconnecting     open 4 idle 4 busy 0 created 8 discarded 4, open == created - discarded: true
after close() again    open 0 idle 0 busy 0 created 8 discarded 8, open == created - discarded: true
string(1) "w"
persistent             open 1 idle 1 busy 0 created 5 discarded 4, open == created - discarded: true
