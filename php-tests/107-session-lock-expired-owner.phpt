--TEST--
tagcache sessions: a request whose lock expired (or was removed) and was taken over neither writes over the new owner's data nor releases its lock
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('pcntl'); tc_skip_unless('posix'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
tc_session_setup();
$c = tc_session_client();
$dir = sys_get_temp_dir() . '/tc-sess-' . getmypid() . '-' . bin2hex(random_bytes(3));
mkdir($dir);

function wait_for(string $file): void
{
    $until = microtime(true) + 20;
    while (!file_exists($file) && microtime(true) < $until) {
        usleep(2000);
    }
}

/**
 * Request B, another process (forked while no session is open): once A has
 * its session open, takes the lock (waiting as long as needed), says so,
 * waits for A to finish, then writes who=B.
 */
function request_b(string $id, string $dir): int
{
    $pid = pcntl_fork();
    if ($pid === 0) {
        wait_for("$dir/a-opened");
        ini_set('tagcache.session_lock_wait_ms', '10000');
        $ok = tc_session_open($id);
        $_SESSION['who'] = 'B';
        touch("$dir/b-locked");
        wait_for("$dir/a-done");
        exit($ok && session_write_close() ? 0 : 1);
    }
    return $pid;
}

$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) {
    $warnings[] = preg_replace(['/session [0-9a-z]{20,}/', '/held \d+ ms/', '/\d+@\S+ holds/'], ['session ID', 'held N ms', 'PID@HOST holds'], $msg);
    return true;
});

foreach (['the lock expired' => 1, 'the lock was removed' => 30] as $case => $expire) {
    echo "== $case\n";
    ini_set('tagcache.session_lock_expire_s', (string) $expire);
    $id = tc_session_id();
    array_map('unlink', glob("$dir/*"));
    $b = request_b($id, $dir);
    // request A holds the lock and changes the session ...
    tc_session_open($id);
    $_SESSION['who'] = 'A';
    touch("$dir/a-opened");
    if ($expire === 1) {
        usleep(1200000);                 // ... for longer than the lock lives
    } else {
        $c->delete(tc_session_key($id) . ':lock');   // ... and someone removes its lock
    }
    wait_for("$dir/b-locked");
    $lockB = $c->get(tc_session_key($id) . ':lock');
    var_dump(str_contains((string) $lockB, "|$b@"));
    // A ends: its write is refused (session_write_close() still returns
    // true: PHP reports the failure as a warning) and its release leaves
    // B's lock alone
    $warnings = [];
    var_dump(session_write_close());
    echo implode("\n", $warnings), "\n";
    var_dump($c->get(tc_session_key($id) . ':lock') === $lockB);
    var_dump($c->get(tc_session_key($id)));
    touch("$dir/a-done");
    pcntl_waitpid($b, $status);
    var_dump(pcntl_wexitstatus($status));
    var_dump($c->get(tc_session_key($id)), $c->get(tc_session_key($id) . ':lock'));
}
array_map('unlink', glob("$dir/*"));
rmdir($dir);
?>
--EXPECTF--
== the lock expired
bool(true)
bool(true)
session_write_close(): tagcache: session ID was not saved: its lock has expired (held N ms, lock lifetime 1 s, tagcache.session_lock_expire_s)
session_write_close(): Failed to write session data (tagcache). Please verify that the current setting of session.save_path is correct (%s)
bool(true)
NULL
int(0)
string(12) "who|s:1:"B";"
NULL
== the lock was removed
bool(true)
bool(true)
session_write_close(): tagcache: session ID was not saved: its lock expired (held N ms, lock lifetime 30 s, tagcache.session_lock_expire_s) and PID@HOST holds it now
session_write_close(): Failed to write session data (tagcache). Please verify that the current setting of session.save_path is correct (%s)
bool(true)
NULL
int(0)
string(12) "who|s:1:"B";"
NULL
