--TEST--
tagcache sessions: a lock held by a request that died is taken over once it expires; a wait that ends first fails session_start() naming the holder
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('pcntl'); tc_skip_unless('posix'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
tc_session_setup();
ini_set('tagcache.session_lock_expire_s', '1');
$c = tc_session_client();
$id = tc_session_id();
tc_session_open($id);
$_SESSION['n'] = 1;
session_write_close();

// a request takes the lock, changes the session and dies (SIGKILL: no shutdown, no release)
$pid = pcntl_fork();
if ($pid === 0) {
    tc_session_open($id);
    $_SESSION['n'] = 666;
    posix_kill(getmypid(), SIGKILL);
    exit(1);
}
pcntl_waitpid($pid, $status);
var_dump(pcntl_wifsignaled($status) && pcntl_wtermsig($status) === SIGKILL);
var_dump(str_contains((string) $c->get(tc_session_key($id) . ':lock'), "|$pid@"));

// a short wait gives up while the dead request's lock still lives
ini_set('tagcache.session_lock_wait_ms', '100');
$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) {
    $warnings[] = $msg;
    return true;
});
var_dump(tc_session_open($id));
echo preg_replace(['/session \w+/', '/held by \d+@\S+/'], ['session ID', 'held by PID@HOST'], $warnings[0]), "\n";
echo $warnings[1] === 'session_start(): Failed to read session data: tagcache (path: ' . ini_get('session.save_path') . ')' ? "PHP's warning\n" : $warnings[1] . "\n";
var_dump(str_contains($warnings[0], "held by $pid@"));
restore_error_handler();

// a longer wait outlasts it: the lock is taken over, the dead request's change was never written
ini_set('tagcache.session_lock_wait_ms', '5000');
var_dump(tc_session_open($id), $_SESSION['n']);
var_dump(str_contains((string) $c->get(tc_session_key($id) . ':lock'), '|' . getmypid() . '@'));
$_SESSION['n']++;
session_write_close();
var_dump($c->get(tc_session_key($id)), $c->get(tc_session_key($id) . ':lock'));
?>
--EXPECT--
bool(true)
bool(true)
bool(false)
session_start(): tagcache: could not lock session ID within 100 ms (tagcache.session_lock_wait_ms); it is held by PID@HOST
PHP's warning
bool(true)
bool(true)
int(1)
bool(true)
string(6) "n|i:2;"
NULL
