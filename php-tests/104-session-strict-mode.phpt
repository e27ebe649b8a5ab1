--TEST--
tagcache sessions: session.use_strict_mode refuses ids the server does not know; new ids are unused and locked from the start
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
tc_session_setup([], ['session.use_strict_mode' => '1']);
ob_start();
$c = tc_session_client();

// an id nobody created: replaced by a new one, nothing stored under it
$forged = tc_session_id();
var_dump(tc_session_open($forged));
$id = session_id();
var_dump($id !== $forged);
// the new id is locked while the request runs
var_dump(str_contains((string) $c->get(tc_session_key($id) . ':lock'), '|' . getmypid() . '@'));
$_SESSION['who'] = 'me';
session_write_close();
var_dump($c->get(tc_session_key($forged)), $c->get(tc_session_key($forged) . ':lock'));

// a known id is kept
var_dump(tc_session_open($id), session_id() === $id, $_SESSION['who']);
session_write_close();

// an id that only has a lock (a session being created) is not known yet
$c->put(tc_session_key('lockonly' . $forged) . ':lock', 'x', [], 5000);
tc_session_open('lockonly' . $forged);
var_dump(session_id() !== 'lockonly' . $forged);
session_write_close();

// session_regenerate_id() under strict mode
tc_session_open($id);
var_dump(session_regenerate_id(true));
$id2 = session_id();
session_write_close();
var_dump($id2 !== $id, $c->get(tc_session_key($id)), $c->get(tc_session_key($id2)));

// an expired session is unknown again
ini_set('session.gc_maxlifetime', '1');
tc_session_open($id2);
$_SESSION['t'] = 1;
session_write_close();
usleep(1500000);
tc_session_open($id2);
var_dump(session_id() !== $id2, $_SESSION);
session_write_close();

// with strict mode off, a client's id is taken as it is
ini_set('session.use_strict_mode', '0');
$mine = tc_session_id();
tc_session_open($mine);
var_dump(session_id() === $mine);
session_write_close();
ob_end_flush();
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
NULL
NULL
bool(true)
bool(true)
string(2) "me"
bool(true)
bool(true)
bool(true)
NULL
string(13) "who|s:2:"me";"
bool(true)
array(0) {
}
bool(true)
