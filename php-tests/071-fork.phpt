--TEST--
tagcache: after pcntl_fork() parent and children each use the same pre-fork object safely
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('pcntl'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$p = tc_prefix();
$tc = tc_new(['pool_size' => 4]);
// used before the fork: the pool holds live connections now
$tc->put($p . 'pre', 'before fork');
var_dump($tc->get($p . 'pre'));
$tc->getMany([$p . 'pre', $p . 'x']);

function work(TagCache $tc, string $p, string $who): int
{
    $bad = 0;
    for ($i = 0; $i < 1000; $i++) {
        $k = "$p$who-$i";
        $v = ($i % 3 === 0) ? "$who value $i" : (($i % 3 === 1) ? $i * 7 : [$who, $i]);
        $tc->put($k, $v);
        $g = $tc->get($k);
        if ($g !== $v) $bad++;
    }
    // batches too
    $keys = array_map(fn($i) => "$p$who-$i", range(0, 999));
    $got = $tc->getMany($keys);
    if (count($got) !== 1000) $bad++;
    foreach ($keys as $i => $k) {
        $v = ($i % 3 === 0) ? "$who value $i" : (($i % 3 === 1) ? $i * 7 : [$who, $i]);
        if (($got[$k] ?? null) !== $v) $bad++;
    }
    return $bad;
}

$pids = [];
for ($c = 0; $c < 4; $c++) {
    $pid = pcntl_fork();
    if ($pid === -1) die("fork failed\n");
    if ($pid === 0) {
        try {
            $bad = work($tc, $p, "child$c");
            $code = $bad === 0 ? 0 : 1;
        } catch (Throwable $e) {
            fwrite(STDERR, "child$c: " . get_class($e) . ': ' . $e->getMessage() . "\n");
            $code = 2;
        }
        exit($code);    // runs destructors: must not disturb the parent's sockets
    }
    $pids[$c] = $pid;
}

$parentBad = work($tc, $p, 'parent');
echo "parent mismatches: $parentBad\n";

foreach ($pids as $c => $pid) {
    $r = pcntl_waitpid($pid, $status);
    $ok = $r === $pid && pcntl_wifexited($status) && pcntl_wexitstatus($status) === 0;
    echo "child$c: ", $ok ? 'exit 0' : ('FAILED status=' . $status
        . (pcntl_wifexited($status) ? ' exit=' . pcntl_wexitstatus($status) : '')
        . (pcntl_wifsignaled($status) ? ' signal=' . pcntl_wtermsig($status) : '')), "\n";
}

// the parent still works after the children are gone, and sees their data
var_dump($tc->get($p . 'pre'));
var_dump($tc->put($p . 'post', 'after'), $tc->get($p . 'post'));
$check = [];
for ($c = 0; $c < 4; $c++) $check[] = "{$p}child$c-3";
var_dump(array_values($tc->getMany($check)));
var_dump(work($tc, $p, 'parent2'));

$all = [$p . 'pre', $p . 'post'];
foreach (['child0', 'child1', 'child2', 'child3', 'parent', 'parent2'] as $who) {
    for ($i = 0; $i < 1000; $i++) $all[] = "$p$who-$i";
}
var_dump($tc->deleteMany($all));
?>
--EXPECT--
string(11) "before fork"
parent mismatches: 0
child0: exit 0
child1: exit 0
child2: exit 0
child3: exit 0
string(11) "before fork"
bool(true)
string(5) "after"
array(4) {
  [0]=>
  string(14) "child0 value 3"
  [1]=>
  string(14) "child1 value 3"
  [2]=>
  string(14) "child2 value 3"
  [3]=>
  string(14) "child3 value 3"
}
int(0)
int(6002)
