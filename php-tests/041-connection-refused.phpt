--TEST--
tagcache: connection refused is TagCacheConnectionException naming host:port; construction does not connect
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = new TagCache(['host' => '127.0.0.1', 'port' => 1, 'connect_timeout_ms' => 1000]);
echo "constructed\n";

$calls = [
    'get' => fn() => $tc->get('k'),
    'put' => fn() => $tc->put('k', 1),
    'add' => fn() => $tc->add('k', 1),
    'increment' => fn() => $tc->increment('k'),
    'getMany' => fn() => $tc->getMany(['a', 'b']),
    'putMany' => fn() => $tc->putMany(['a' => 1]),
    'delete' => fn() => $tc->delete('k'),
    'invalidate' => fn() => $tc->invalidate('t'),
    'keysByTag' => fn() => $tc->keysByTag('t'),
    'stats' => fn() => $tc->stats(),
    'ping' => fn() => $tc->ping(),
    'flush' => fn() => $tc->flush(),
    'pipeline' => fn() => $tc->pipeline()->get('a')->put('b', 1)->execute(),
];
foreach ($calls as $name => $fn) {
    $t0 = microtime(true);
    try {
        $fn();
        echo "$name: no exception\n";
    } catch (Throwable $e) {
        printf("%s: %s names=%s runtime=%s fast=%s\n", $name, get_class($e),
            var_export(preg_match('/127\.0\.0\.1:1(?!\d)/', $e->getMessage()) === 1, true),
            var_export($e instanceof RuntimeException && $e instanceof TagCacheException, true),
            var_export(microtime(true) - $t0 < 5, true));
    }
}

// a client of a live server is unaffected
$live = tc_new();
var_dump($live->ping());
?>
--EXPECT--
constructed
get: TagCacheConnectionException names=true runtime=true fast=true
put: TagCacheConnectionException names=true runtime=true fast=true
add: TagCacheConnectionException names=true runtime=true fast=true
increment: TagCacheConnectionException names=true runtime=true fast=true
getMany: TagCacheConnectionException names=true runtime=true fast=true
putMany: TagCacheConnectionException names=true runtime=true fast=true
delete: TagCacheConnectionException names=true runtime=true fast=true
invalidate: TagCacheConnectionException names=true runtime=true fast=true
keysByTag: TagCacheConnectionException names=true runtime=true fast=true
stats: TagCacheConnectionException names=true runtime=true fast=true
ping: TagCacheConnectionException names=true runtime=true fast=true
flush: TagCacheConnectionException names=true runtime=true fast=true
pipeline: TagCacheConnectionException names=true runtime=true fast=true
bool(true)
