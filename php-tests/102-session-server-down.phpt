--TEST--
tagcache sessions: a server down at session_start() gives a clear warning and false (new or existing id), never a fatal error
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
tc_session_setup();
ini_set('session.save_path', 'tcp://127.0.0.1:1?connect_timeout_ms=500');
ob_start();

$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) {
    $warnings[] = ($no === E_WARNING ? 'W ' : "$no ") . preg_replace('/\(os error \d+\)/', '(os error N)', $msg);
    return true;
});
foreach (['existing id' => tc_session_id(), 'no id (a new session)' => null] as $what => $id) {
    foreach (['locking on' => '1', 'locking off' => '0'] as $mode => $locking) {
        ini_set('tagcache.session_locking', $locking);
        $warnings = [];
        if ($id !== null) {
            session_id($id);
        } else {
            session_id('');
        }
        $r = session_start();
        echo "$what, $mode: ", var_export($r, true), ', status ', session_status() === PHP_SESSION_NONE ? 'none' : 'ACTIVE', "\n  ", implode("\n  ", $warnings), "\n";
    }
}
// use_strict_mode: validation cannot reach the server either; same result
ini_set('session.use_strict_mode', '1');
$warnings = [];
var_dump(tc_session_open(tc_session_id()), count($warnings));
// the script goes on; a working save path works again
ini_set('session.save_path', tc_session_path());
ini_set('session.use_strict_mode', '0');
var_dump(session_start(), session_write_close());
ob_end_flush();
?>
--EXPECT--
existing id, locking on: false, status none
  W session_start(): tagcache: cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
  W session_start(): Failed to read session data: tagcache (path: tcp://127.0.0.1:1?connect_timeout_ms=500)
existing id, locking off: false, status none
  W session_start(): tagcache: cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
  W session_start(): Failed to read session data: tagcache (path: tcp://127.0.0.1:1?connect_timeout_ms=500)
no id (a new session), locking on: false, status none
  W session_start(): tagcache: cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
  W session_start(): Failed to read session data: tagcache (path: tcp://127.0.0.1:1?connect_timeout_ms=500)
no id (a new session), locking off: false, status none
  W session_start(): tagcache: cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
  W session_start(): Failed to read session data: tagcache (path: tcp://127.0.0.1:1?connect_timeout_ms=500)
bool(false)
int(2)
bool(true)
bool(true)
