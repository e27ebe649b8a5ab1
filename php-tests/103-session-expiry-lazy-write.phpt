--TEST--
tagcache sessions: sessions expire after session.gc_maxlifetime (a server TTL); lazy_write skips unchanged writes and still keeps active sessions alive
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
tc_session_setup([], ['session.lazy_write' => '1', 'session.gc_maxlifetime' => '1']);
ob_start();
$c = tc_session_client();
$meta = fn(string $id) => $c->get(tc_session_key($id) . ':meta');

// expiry: 1 s of inactivity ends the session (data and meta)
$id = tc_session_id();
tc_session_open($id);
$_SESSION['a'] = 1;
session_write_close();
var_dump($c->get(tc_session_key($id)));
usleep(1600000);
var_dump($c->get(tc_session_key($id)), $meta($id));
tc_session_open($id);
var_dump($_SESSION);
session_write_close();

// lazy_write: with 20 s of life, an unchanged session closed within 2 s
// (a tenth of it) of its last write is not written again
ini_set('session.gc_maxlifetime', '20');
$id = tc_session_id();
tc_session_open($id);
$_SESSION['n'] = 1;
session_write_close();
$m1 = $meta($id);
usleep(20000);
tc_session_open($id);
session_write_close();
var_dump($meta($id) === $m1);
// ... so a change made meanwhile by another writer is not overwritten
// (this matters with locking off; with it on, nobody else can write)
ini_set('tagcache.session_locking', '0');
tc_session_open($id);
$c->put(tc_session_key($id), 'n|i:99;', [], 20000);
session_write_close();
var_dump($c->get(tc_session_key($id)));
ini_set('tagcache.session_locking', '1');
// once a tenth of the lifetime has passed, an unchanged close refreshes the TTL
ini_set('session.gc_maxlifetime', '3');
$id = tc_session_id();
tc_session_open($id);
$_SESSION['k'] = 'keep';
session_write_close();
$m1 = $meta($id);
usleep(1500000);
tc_session_open($id);
var_dump($_SESSION['k']);
session_write_close();
var_dump($meta($id) !== $m1);
usleep(1800000);            // 3.3 s after the first write, 1.8 s after the refresh
var_dump($c->get(tc_session_key($id)));

// lazy_write off: every close writes
ini_set('session.lazy_write', '0');
ini_set('session.gc_maxlifetime', '20');
$id = tc_session_id();
tc_session_open($id);
$_SESSION['n'] = 1;
session_write_close();
$m1 = $meta($id);
usleep(20000);
tc_session_open($id);
session_write_close();
var_dump($meta($id) !== $m1);

// a new, empty session is created (so strict mode knows the id)
ini_set('session.lazy_write', '1');
session_id('');
session_start();
$new = session_id();
session_write_close();
var_dump($c->get(tc_session_key($new)));
ob_end_flush();
?>
--EXPECT--
string(6) "a|i:1;"
NULL
NULL
array(0) {
}
bool(true)
string(7) "n|i:99;"
string(4) "keep"
bool(true)
string(13) "k|s:4:"keep";"
bool(true)
string(0) ""
