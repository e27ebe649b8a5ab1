--TEST--
tagcache sessions: session.save_handler=tagcache stores, reads, regenerates, resets, aborts and destroys sessions readable by other clients
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
session.gc_maxlifetime=600
session.lazy_write=1
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
tc_session_setup();
ob_start();

$c = tc_session_client();
var_dump(ini_get('session.save_handler'));

// a new session: PHP's id generator, locked and unused
var_dump(session_start());
$id = session_id();
var_dump(strlen($id) === (int) ini_get('session.sid_length'));
var_dump($_SESSION);
$_SESSION['count'] = 1;
$_SESSION['user'] = ['name' => "Zoë", 'bytes' => "\0\n\r\t"];
var_dump(session_write_close());
// stored as the PHP session string, readable by any client
$user = serialize(['name' => "Zoë", 'bytes' => "\0\n\r\t"]);
$stored = fn(int $n) => "count|i:$n;user|$user";
var_dump($c->get(tc_session_key($id)) === $stored(1));
// the lock went with the write
var_dump($c->get(tc_session_key($id) . ':lock'));

// the next "request" of that session reads it back
var_dump(tc_session_open($id));
var_dump($_SESSION['count'], $_SESSION['user']['name'], $_SESSION['user']['bytes'] === "\0\n\r\t");
$_SESSION['count']++;
// while it is open, the lock is held (value: token|pid@host)
$lock = $c->get(tc_session_key($id) . ':lock');
var_dump(str_contains($lock, '|' . getmypid() . '@'));
session_write_close();
var_dump($c->get(tc_session_key($id)) === $stored(2));

// read_and_close: read, lock released at once, nothing written
var_dump(session_start(['read_and_close' => true]), $_SESSION['count'], session_status() === PHP_SESSION_NONE);
var_dump($c->get(tc_session_key($id) . ':lock'));

// session_abort(): changes discarded, lock released
tc_session_open($id);
$_SESSION['count'] = 100;
var_dump(session_abort());
var_dump($c->get(tc_session_key($id)) === $stored(2), $c->get(tc_session_key($id) . ':lock'));

// session_reset(): back to what is stored, still open and locked
tc_session_open($id);
$_SESSION['count'] = 200;
var_dump(session_reset(), $_SESSION['count']);
session_write_close();

// session_regenerate_id(false): the data moves to the new id, the old stays
tc_session_open($id);
var_dump(session_regenerate_id(false));
$id2 = session_id();
$_SESSION['count'] = 3;
session_write_close();
var_dump($id2 !== $id, $c->get(tc_session_key($id)) === $stored(2), $c->get(tc_session_key($id2)) === $stored(3));
var_dump($c->get(tc_session_key($id) . ':lock'), $c->get(tc_session_key($id2) . ':lock'));

// session_regenerate_id(true): the old one is deleted
tc_session_open($id2);
var_dump(session_regenerate_id(true));
$id3 = session_id();
session_write_close();
var_dump($c->get(tc_session_key($id2)), $c->get(tc_session_key($id3)) === $stored(3));

// session_destroy(): data gone, lock released
tc_session_open($id3);
var_dump(session_destroy());
var_dump($c->get(tc_session_key($id3)), $c->get(tc_session_key($id3) . ':meta'), $c->get(tc_session_key($id3) . ':lock'));
tc_session_open($id3);
var_dump($_SESSION);
session_write_close();

// gc has nothing to do: entries expire on the server
session_start();
var_dump(session_gc());
// session_create_id() while active: a fresh, unused id
$new = session_create_id('pre-');
var_dump(str_starts_with($new, 'pre-'), $c->get(tc_session_key($new)));
session_write_close();

// ids with a comma (sid_bits_per_character=6) are stored with a '.'
$cid = 'ab,cd-' . tc_session_id();
tc_session_open($cid);
$_SESSION['x'] = 'comma';
session_write_close();
var_dump($c->get(tc_session_prefix() . str_replace(',', '.', $cid)));

// an id PHP could not have made is refused
var_dump(@tc_session_open('bad!id'));
echo preg_replace('/ in .*$/', '', error_get_last()['message']), "\n";
ob_end_flush();
?>
--EXPECTF--
string(8) "tagcache"
bool(true)
bool(true)
array(0) {
}
bool(true)
bool(true)
NULL
bool(true)
int(1)
string(4) "Zoë"
bool(true)
bool(true)
bool(true)
bool(true)
int(2)
bool(true)
NULL
bool(true)
bool(true)
NULL
bool(true)
int(2)
bool(true)
bool(true)
bool(true)
bool(true)
NULL
NULL
bool(true)
NULL
bool(true)
bool(true)
NULL
NULL
NULL
array(0) {
}
int(0)
bool(true)
NULL
string(14) "x|s:5:"comma";"
bool(false)
session_start(): Failed to read session data: tagcache (path: %s)
