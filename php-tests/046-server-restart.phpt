--TEST--
tagcache: after the server restarts, idle pooled connections are replaced and no idempotent call fails
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

// This test runs a server of its own, on a fixed free port, so that it can
// kill it and start it again at the same address.
$bin = getenv('TAGCACHE_SERVER_BIN') ?: __DIR__ . '/../target/release/tagcache-server';
if (!is_executable($bin)) die("tagcache-server not found at $bin (set TAGCACHE_SERVER_BIN)\n");

function free_port(): int {
    $s = stream_socket_server('tcp://127.0.0.1:0');
    $name = stream_socket_get_name($s, false);
    fclose($s);
    return (int) substr($name, strrpos($name, ':') + 1);
}

function start(string $bin, int $port) {
    $p = proc_open([$bin, '--port', (string) $port], [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $line = fgets($pipes[1]);
    if (!str_contains((string) $line, "127.0.0.1:$port")) die("server did not start: $line\n");
    return [$p, $pipes];
}

function stop(array $srv): void {
    proc_terminate($srv[0], SIGTERM);
    while (proc_get_status($srv[0])['running']) usleep(10000);
    proc_close($srv[0]);
}

$port = free_port();
$srv = start($bin, $port);
$tc = new TagCache(['port' => $port, 'pool_size' => 4, 'timeout_ms' => 2000]);

// Four idle connections in the pool: with fanout_min 1, a putMany of 400
// keys is split over all four connections of the pool.
$fan = new TagCache(['port' => $port, 'pool_size' => 4, 'fanout_min' => 1, 'persistent' => 'restart-test']);
$items = [];
for ($i = 0; $i < 400; $i++) $items["k$i"] = "v$i";
var_dump($fan->putMany($items));
$before = $fan->stats()['pool'];
echo "open before restart: ", $before['open'], "\n";

stop($srv);
$srv = start($bin, $port);   // same port, empty store

// Every idle connection is stale now. Idempotent calls must all succeed.
$failed = 0;
for ($i = 0; $i < 20; $i++) {
    try {
        if (!$fan->put("r$i", $i)) $failed++;
        if ($fan->get("r$i") !== $i) $failed++;
    } catch (TagCacheException $e) {
        $failed++;
        echo get_class($e), ": ", $e->getMessage(), "\n";
    }
}
echo "failed calls: $failed\n";
var_dump($fan->get('k1', 'gone'));          // the new server is empty
var_dump(count($fan->getMany(array_keys($items))));
$after = $fan->stats()['pool'];
echo "discarded stale: ", $after['discarded'] >= 1 ? "yes" : "no", "\n";
echo "open <= 4: ", $after['open'] <= 4 ? "yes" : "no", "\n";

// The plain object made before the restart works too.
var_dump($tc->put('x', 'y'), $tc->get('x'));
stop($srv);
?>
--EXPECT--
bool(true)
open before restart: 4
failed calls: 0
string(4) "gone"
int(0)
discarded stale: yes
open <= 4: yes
bool(true)
string(1) "y"
