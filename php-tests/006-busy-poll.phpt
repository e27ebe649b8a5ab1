--TEST--
tagcache: busy_poll_us (INI and option): checked range; every value is exact with the busy-poll off, short, or outlasted by a slow reply
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('pcntl'); tc_skip_unless('posix'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

var_dump(ini_get('tagcache.busy_poll_us'));

echo "-- range and type\n";
tc_throws('-1', fn() => new TagCache(['busy_poll_us' => -1]));
tc_throws('1000001', fn() => new TagCache(['busy_poll_us' => 1000001]));
tc_throws('string', fn() => new TagCache(['busy_poll_us' => 'fast']));
// A bad INI value is refused when set (007-ini-validation.phpt has the warning).
echo "INI x refused: ", var_export(@ini_set('tagcache.busy_poll_us', 'x') === false
    && ini_get('tagcache.busy_poll_us') === '50', true), "\n";

echo "-- off, default, long: same results\n";
foreach ([0, 50, 1000000] as $us) {
    $tc = tc_new(['busy_poll_us' => $us]);
    $keys = [];
    $want = [];
    for ($i = 0; $i < 500; $i++) {
        $k = tc_key("bp$us:$i");
        $keys[] = $k;
        $want[$k] = "v$i:" . str_repeat('x', $i);
    }
    $ok = $tc->putMany($want);
    $got = $tc->getMany($keys);
    $one = $tc->get($keys[7]);
    $missing = $tc->get(tc_key("bp$us:none"), 'dflt');
    printf("%d: putMany %s, getMany exact %s, get %s, miss %s\n", $us, var_export($ok, true),
        var_export($got === $want, true), var_export($one === $want[$keys[7]], true), $missing);
}

echo "-- a reply later than the busy-poll: it sleeps, then reads it\n";
[$port, $pid] = tc_fake_server(function (string $line, int $conn, array &$st) {
    return str_starts_with($line, "GET\t") ? [150, "VALUE\tlate " . substr($line, 4)] : 'ERR unknown_command';
});
$tc = new TagCache(['host' => '127.0.0.1', 'port' => $port, 'busy_poll_us' => 100, 'timeout_ms' => 3000]);
for ($i = 0; $i < 3; $i++) {
    var_dump($tc->get("k$i"));
}
$p = $tc->pipeline();
$p->get('a')->get('b');
var_dump($p->execute());
tc_fake_stop($pid);
?>
--EXPECT--
string(2) "50"
-- range and type
-1: ValueError
1000001: ValueError
string: TypeError
INI x refused: true
-- off, default, long: same results
0: putMany true, getMany exact true, get true, miss dflt
50: putMany true, getMany exact true, get true, miss dflt
1000000: putMany true, getMany exact true, get true, miss dflt
-- a reply later than the busy-poll: it sleeps, then reads it
string(7) "late k0"
string(7) "late k1"
string(7) "late k2"
array(2) {
  [0]=>
  string(6) "late a"
  [1]=>
  string(6) "late b"
}
