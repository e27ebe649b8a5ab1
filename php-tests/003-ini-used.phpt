--TEST--
tagcache: INI values are the defaults of the options, and options override them
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
tagcache.host=127.0.0.1
tagcache.port=1
tagcache.connect_timeout_ms=500
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

var_dump(ini_get('tagcache.port'));

// no options: host and port come from INI (port 1: nothing listens there)
$tc = new TagCache();
try {
    $tc->get('k');
    echo "no exception\n";
} catch (TagCacheConnectionException $e) {
    echo "TagCacheConnectionException\n";
    var_dump(preg_match('/127\.0\.0\.1:1(?!\d)/', $e->getMessage()) === 1);
}

// options override INI
$tc = new TagCache(['host' => tc_host(), 'port' => tc_port()]);
$k = tc_key('ini');
var_dump($tc->put($k, 'v'));
var_dump($tc->get($k));
$tc->delete($k);
?>
--EXPECT--
string(1) "1"
TagCacheConnectionException
bool(true)
bool(true)
string(1) "v"
