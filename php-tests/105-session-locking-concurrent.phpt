--TEST--
tagcache sessions: 20 concurrent requests (processes) on one session id; with locking the counter ends at 20, without it updates are lost
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('pcntl'); tc_skip_unless('posix'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
tc_session_setup();
const N = 20;

/** Forks N "requests" running $request($i), then runs $then() in the parent; returns how many exited 0. */
function run_requests(callable $request, ?callable $then = null): int
{
    $pids = [];
    for ($i = 0; $i < N; $i++) {
        $pid = pcntl_fork();
        if ($pid === -1) {
            throw new RuntimeException('fork failed');
        }
        if ($pid === 0) {
            $ok = false;
            try {
                $ok = $request($i);
            } catch (Throwable $e) {
                fwrite(STDERR, "child $i: " . $e->getMessage() . "\n");
            }
            exit($ok ? 0 : 1);
        }
        $pids[] = $pid;
    }
    if ($then) {
        $then();
    }
    $good = 0;
    foreach ($pids as $pid) {
        pcntl_waitpid($pid, $status);
        if (pcntl_wifexited($status) && pcntl_wexitstatus($status) === 0) {
            $good++;
        }
    }
    return $good;
}

$c = tc_session_client();

// locking on (the default): every increment is kept
$id = tc_session_id();
$ok = run_requests(function (int $i) use ($id) {
    if (!tc_session_open($id)) {
        return false;
    }
    $n = $_SESSION['n'] ?? 0;
    usleep(5000);                      // widen the read-modify-write window
    $_SESSION['n'] = $n + 1;
    $_SESSION['seen'][] = $i;
    return session_write_close();
});
session_id($id);
session_start(['read_and_close' => true]);
echo "locking on: $ok requests ok, n = {$_SESSION['n']}, ", count($_SESSION['seen']), " distinct: ", count(array_unique($_SESSION['seen'])), "\n";
var_dump($c->get(tc_session_key($id) . ':lock'));

// locking off: all 20 read 0 before any writes (a barrier), so all write 1
ini_set('tagcache.session_locking', '0');
$id = tc_session_id();
$dir = sys_get_temp_dir() . '/tc-sess-' . getmypid() . '-' . bin2hex(random_bytes(3));
mkdir($dir);
$ok = run_requests(function (int $i) use ($id, $dir) {
    if (!tc_session_open($id)) {
        return false;
    }
    $n = $_SESSION['n'] ?? 0;
    touch("$dir/ready.$i");
    $until = microtime(true) + 20;
    while (!file_exists("$dir/go") && microtime(true) < $until) {
        usleep(2000);
    }
    $_SESSION['n'] = $n + 1;
    return session_write_close();
}, function () use ($dir) {
    // every request has read its (empty) session: let them all write
    $until = microtime(true) + 20;
    while (count(glob("$dir/ready.*")) < N && microtime(true) < $until) {
        usleep(2000);
    }
    touch("$dir/go");
});
echo "locking off: $ok requests ok, n = ";
session_id($id);
session_start(['read_and_close' => true]);
echo $_SESSION['n'], "\n";
array_map('unlink', glob("$dir/*"));
rmdir($dir);
?>
--EXPECT--
locking on: 20 requests ok, n = 20, 20 distinct: 20
NULL
locking off: 20 requests ok, n = 1
