--TEST--
tagcache sessions: PHP's SessionHandler class wraps the tagcache handler, so session_set_save_handler() users can extend it (locking and tags included)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
tc_session_setup();

class LoggingHandler extends SessionHandler
{
    public array $log = [];
    public function read(string $id): string|false
    {
        $this->log[] = 'read';
        return parent::read($id);
    }
    public function write(string $id, string $data): bool
    {
        $this->log[] = 'write ' . $data;
        return parent::write($id, $data);
    }
}
$h = new LoggingHandler();
session_set_save_handler($h, false);
ob_start();
$c = tc_session_client();
$id = tc_session_id();
var_dump(tc_session_open($id));
$_SESSION['x'] = 1;
var_dump(str_contains((string) $c->get(tc_session_key($id) . ':lock'), '|' . getmypid() . '@'));
var_dump(tagcache_session_tag([tc_key('h')]));
session_write_close();
var_dump($h->log, $c->get(tc_session_key($id)), $c->get(tc_session_key($id) . ':lock'));
var_dump(count($c->keysByTag(tc_key('h'))));
ob_end_flush();
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
array(2) {
  [0]=>
  string(4) "read"
  [1]=>
  string(12) "write x|i:1;"
}
string(6) "x|i:1;"
NULL
int(2)
