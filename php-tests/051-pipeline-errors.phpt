--TEST--
tagcache: pipeline argument errors throw when queued; connection failure throws for the batch
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$tc = tc_new();
$p = tc_prefix();
$k = $p . 'k';

$pl = $tc->pipeline();
$pl->put($k, 'v');
tc_throws('queue put bad key', fn() => $pl->put("a\nb", 1));
tc_throws('queue get empty key', fn() => $pl->get(''));
tc_throws('queue bad tag', fn() => $pl->put($k, 1, ['a,b']));
tc_throws('queue negative ttl', fn() => $pl->put($k, 1, [], -5));
tc_throws('queue bad mode', fn() => $pl->invalidate(['t'], 'most'));
tc_throws('queue empty tags', fn() => $pl->invalidate([]));
tc_throws('queue getMany bad key', fn() => $pl->getMany([$k, "x\ty"]));
tc_throws('queue keysByTag bad tag', fn() => $pl->keysByTag(' t'));
tc_throws('queue wrong type', fn() => $pl->put([], 1));
var_dump(count($pl));              // only the valid call is queued
$pl->get($k);
var_dump($pl->execute());

echo "-- several server errors, each in its slot\n";
$s = $p . 's';
$tc->put($s, 'text');
$r = $tc->pipeline()->increment($s)->get($s)->decrement($s)->increment($p . 'n')->execute();
var_dump(count($r));
var_dump($r[0] instanceof TagCacheServerException, $r[2] instanceof TagCacheServerException, $r[0] !== $r[2]);
var_dump(str_contains($r[0]->getMessage(), 'value is not an integer'));
var_dump($r[1], $r[3]);

echo "-- connection failure: the whole batch throws\n";
$dead = new TagCache(['host' => '127.0.0.1', 'port' => 1]);
$pl = $dead->pipeline()->put('a', 1)->get('a');
tc_throws('execute', fn() => $pl->execute(), '127.0.0.1:1');

echo "-- pipeline has no pipeline/close/create\n";
foreach (['pipeline', 'close', 'create'] as $m) {
    echo "$m: ", var_export(method_exists('TagCachePipeline', $m), true), "\n";
}
$tc->deleteMany([$k, $s, $p . 'n']);
?>
--EXPECT--
queue put bad key: ValueError
queue get empty key: ValueError
queue bad tag: ValueError
queue negative ttl: ValueError
queue bad mode: ValueError
queue empty tags: ValueError
queue getMany bad key: ValueError
queue keysByTag bad tag: ValueError
queue wrong type: TypeError
int(1)
array(2) {
  [0]=>
  bool(true)
  [1]=>
  string(1) "v"
}
-- several server errors, each in its slot
int(4)
bool(true)
bool(true)
bool(true)
bool(true)
string(4) "text"
int(1)
-- connection failure: the whole batch throws
execute: TagCacheConnectionException [message ok]
-- pipeline has no pipeline/close/create
pipeline: false
close: false
create: false
