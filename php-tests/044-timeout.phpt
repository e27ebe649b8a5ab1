--TEST--
tagcache: a server that never answers gives TagCacheConnectionException after timeout_ms
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

// a listening socket nobody accepts on: connects succeed (backlog), replies never come
$srv = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
$name = stream_socket_get_name($srv, false);
$port = (int) substr($name, strrpos($name, ':') + 1);

foreach ([0, 1] as $retry) {
    $tc = new TagCache(['host' => '127.0.0.1', 'port' => $port, 'timeout_ms' => 300, 'retry' => $retry]);
    $t0 = microtime(true);
    try {
        $tc->get('k');
        echo "no exception\n";
    } catch (TagCacheConnectionException $e) {
        $dt = microtime(true) - $t0;
        printf("retry=%d: TagCacheConnectionException names=%s waited=%s\n", $retry,
            var_export(strpos($e->getMessage(), "127.0.0.1:$port") !== false, true),
            var_export($dt >= 0.25 && $dt < 3.0, true));
    }
}
// the live server is unaffected
var_dump(tc_new()->ping());
fclose($srv);
?>
--EXPECT--
retry=0: TagCacheConnectionException names=true waited=true
retry=1: TagCacheConnectionException names=true waited=true
bool(true)
