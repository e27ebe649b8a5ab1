--TEST--
tagcache: one of 3 servers down: keys on the others work, its keys throw naming it (or miss with down_server=miss), a partial invalidation throws with what the others removed, a down server is retried once per retry_interval_ms, all recovers after its restart
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/servers.inc';

$srv = tc_servers_start(3);
$names = tc_server_names($srv);
$opts = ['servers' => $names, 'timeout_ms' => 2000, 'retry_interval_ms' => 300];
$c = new TagCache($opts);
$items = [];
for ($i = 0; $i < 300; $i++) $items["k$i"] = "v$i";
$c->putMany($items, ['t']);
$down = $names[1];
$onDown = array_values(array_filter(array_keys($items), fn($k) => $c->serverForKey($k) === $down));
$onUp = array_values(array_filter(array_keys($items), fn($k) => $c->serverForKey($k) !== $down));
echo "keys on the server to kill: ", count($onDown) > 50 ? 'some' : count($onDown), "\n";

tc_server_stop($srv[1]);

function show(string $label, callable $f): void
{
    try {
        $r = $f();
        echo "$label: ", is_array($r) ? 'array(' . count($r) . ')' : var_export($r, true), "\n";
    } catch (TagCacheException $e) {
        $m = $e->getMessage();
        echo "$label: ", get_class($e), str_contains($m, $GLOBALS['down']) ? ' naming the server' : " WITHOUT the server: $m", "\n";
    }
}

echo "-- down_server=error\n";
show('get of a key on another server', fn() => $c->get($onUp[0]));
show('get of a key on the down server', fn() => $c->get($onDown[0]));
show('getMany of keys on the others', fn() => $c->getMany($onUp) === array_intersect_key($items, array_flip($onUp)));
show('getMany across all', fn() => $c->getMany(array_keys($items)));
show('put on the down server', fn() => $c->put($onDown[1], 'x'));
show('put on another', fn() => $c->put($onUp[1], 'x'));
try {
    $c->get($onDown[2]);
} catch (TagCacheConnectionException $e) {
    echo "within retry_interval_ms it fails at once: ", str_contains($e->getMessage(), 'not tried again') ? 'yes' : $e->getMessage(), "\n";
}
try {
    $c->invalidate('t');
    echo "invalidate: no exception\n";
} catch (TagCacheConnectionException $e) {
    $m = $e->getMessage();
    $want = count($onUp) - 1 . ' entries removed on ';   // one of them was put again without the tag
    echo "partial invalidation: ", str_contains($m, "$down failed") ? 'names the server' : $m, ', ',
        str_contains($m, $want) ? 'says what the others removed' : $m, "\n";
}
show('ping', fn() => $c->ping());
show('stats', fn() => $c->stats());
show('flush', fn() => $c->flush());

echo "-- down_server=miss\n";
$m = new TagCache($opts + ['down_server' => 'miss']);
$m->putMany(array_intersect_key($items, array_flip($onUp)));
show('get of a key on the down server', fn() => $m->get($onDown[0], 'default'));
show('get of a key on another', fn() => $m->get($onUp[0]));
$got = $m->getMany(array_keys($items));
echo "getMany across all: the keys of the others, exactly: ", $got === array_intersect_key($items, array_flip($onUp)) ? 'yes' : 'no', "\n";
show('put on the down server still throws', fn() => $m->put($onDown[0], 'x'));
show('deleteMany across all still throws', fn() => $m->deleteMany(array_keys($items)));

echo "-- restart\n";
$srv[1] = tc_server_start($srv[1][2]);
usleep(400000);   // past retry_interval_ms
show('get of a key on the restarted server (empty: a miss, not moved)', fn() => $c->get($onDown[0], 'miss'));
show('put on it', fn() => $c->put($onDown[0], 'back'));
show('get', fn() => $c->get($onDown[0]));
echo "placement unchanged: ", $c->serverForKey($onDown[0]) === $down ? 'yes' : 'no', "\n";
show('invalidate', fn() => $c->invalidate('t') >= 0);
show('ping', fn() => $c->ping());

foreach ($srv as $i => $s) {
    tc_server_stop($s);
}
?>
--EXPECTF--
keys on the server to kill: some
-- down_server=error
get of a key on another server: 'v%s'
get of a key on the down server: TagCacheConnectionException naming the server
getMany of keys on the others: true
getMany across all: TagCacheConnectionException naming the server
put on the down server: TagCacheConnectionException naming the server
put on another: true
within retry_interval_ms it fails at once: yes
partial invalidation: names the server, says what the others removed
ping: TagCacheConnectionException naming the server
stats: TagCacheConnectionException naming the server
flush: TagCacheConnectionException naming the server
-- down_server=miss
get of a key on the down server: 'default'
get of a key on another: 'v%s'
getMany across all: the keys of the others, exactly: yes
put on the down server still throws: TagCacheConnectionException naming the server
deleteMany across all still throws: TagCacheConnectionException naming the server
-- restart
get of a key on the restarted server (empty: a miss, not moved): 'miss'
put on it: true
get: 'back'
placement unchanged: yes
invalidate: true
ping: true
