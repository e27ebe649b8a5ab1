--TEST--
tagcache sessions: the tagcache.session_* INI entries (defaults, checked values) and the handler in ext/session's list
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
tc_session_setup();
ob_start();

var_dump(ini_get('tagcache.session_locking'), ini_get('tagcache.session_lock_wait_ms'), ini_get('tagcache.session_lock_expire_s'));
$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) {
    $warnings[] = $msg;
    return true;
});
foreach ([
    ['tagcache.session_locking', 'maybe'],
    ['tagcache.session_locking', 'Off'],
    ['tagcache.session_lock_wait_ms', 'abc'],
    ['tagcache.session_lock_wait_ms', '-5'],
    ['tagcache.session_lock_wait_ms', '99999999999'],
    ['tagcache.session_lock_wait_ms', '250'],
    ['tagcache.session_lock_expire_s', '1.5'],
    ['tagcache.session_lock_expire_s', '10'],
] as [$k, $v]) {
    $warnings = [];
    $r = ini_set($k, $v);
    echo "$k=$v: ", $r === false ? 'refused' : 'set', ', now ', ini_get($k), $warnings ? ' (' . $warnings[0] . ')' : '', "\n";
}
restore_error_handler();

// the lock lives max_execution_time seconds when session_lock_expire_s is 0
ini_set('tagcache.session_locking', '1');
ini_set('tagcache.session_lock_expire_s', '0');
set_time_limit(1);
$c = tc_session_client();
$id = tc_session_id();
tc_session_open($id);
var_dump($c->get(tc_session_key($id) . ':lock') !== null);
usleep(1300000);               // sleeping uses no CPU time: the script is not stopped
var_dump($c->get(tc_session_key($id) . ':lock'));
$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) {
    $warnings[] = preg_replace(['/session [0-9a-z]{20,}/', '/held \d+ ms/'], ['session ID', 'held N ms'], $msg);
    return true;
});
session_abort();
echo implode("\n", $warnings), "\n";
restore_error_handler();
set_time_limit(0);

// ext/session lists the handler
ob_end_flush();
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
preg_match('/Registered save handlers => (.*)/', $info, $m);
var_dump(in_array('tagcache', explode(' ', trim($m[1])), true));
?>
--EXPECT--
string(1) "1"
string(5) "30000"
string(1) "0"
tagcache.session_locking=maybe: refused, now 1 (ini_set(): tagcache.session_locking must be on or off, "maybe" given)
tagcache.session_locking=Off: set, now Off
tagcache.session_lock_wait_ms=abc: refused, now 30000 (ini_set(): tagcache.session_lock_wait_ms must be an integer from 0 to 86400000, "abc" given)
tagcache.session_lock_wait_ms=-5: refused, now 30000 (ini_set(): tagcache.session_lock_wait_ms must be an integer from 0 to 86400000, "-5" given)
tagcache.session_lock_wait_ms=99999999999: refused, now 30000 (ini_set(): tagcache.session_lock_wait_ms must be an integer from 0 to 86400000, "99999999999" given)
tagcache.session_lock_wait_ms=250: set, now 250
tagcache.session_lock_expire_s=1.5: refused, now 0 (ini_set(): tagcache.session_lock_expire_s must be an integer from 0 to 86400000, "1.5" given)
tagcache.session_lock_expire_s=10: set, now 10
bool(true)
NULL
session_abort(): tagcache: the lock of session ID had expired before this request released it (held N ms, lock lifetime 1 s, tagcache.session_lock_expire_s): another request may have used the session at the same time
bool(true)
