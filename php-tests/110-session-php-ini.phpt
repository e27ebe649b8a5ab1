--TEST--
tagcache sessions: session.save_handler=tagcache set in php.ini (before the extension registered the handler) works from the first request
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
session.save_handler=tagcache
session.use_cookies=0
session.cache_limiter=
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
// PHP's default save path is a directory: it is refused with a hint
ob_start();
$handler = ini_get('session.save_handler');
ini_set('session.save_path', '/var/lib/php/sessions');
var_dump(@session_start());
$w = error_get_last()['message'];
// only the save path is set at run time (the test server's port is not known in advance)
ini_set('session.save_path', tc_session_path());
var_dump($handler);
echo preg_replace('/ in \S+ on line \d+/', '', $w), "\n";
var_dump(session_start());
$_SESSION['via'] = 'php.ini';
$id = session_id();
session_write_close();
var_dump(tc_session_client()->get(tc_session_key($id)));
ob_end_flush();
?>
--EXPECT--
bool(false)
string(8) "tagcache"
session_start(): Failed to initialize storage module: tagcache (path: /var/lib/php/sessions)
bool(true)
string(18) "via|s:7:"php.ini";"
