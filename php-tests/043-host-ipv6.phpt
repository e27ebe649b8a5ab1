--TEST--
tagcache: host '[::1]' (bracketed IPv6) connects, as '::1' does
--SKIPIF--
<?php
require __DIR__ . '/skipif.inc';
tc_skip_unless('pcntl');
tc_skip_unless('posix');
$s = @stream_socket_server('tcp://[::1]:0');
if ($s === false) die('skip no IPv6 loopback on this machine');
?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

// A one-line responder on [::1] (the test server listens on 127.0.0.1).
$srv = stream_socket_server('tcp://[::1]:0');
$port = (int) substr(strrchr(stream_socket_get_name($srv, false), ':'), 1);
$pid = pcntl_fork();
if ($pid === 0) {
    $end = microtime(true) + 20;
    while (microtime(true) < $end && ($c = @stream_socket_accept($srv, 5))) {
        while (($line = fgets($c)) !== false) {
            fwrite($c, "VALUE\tfrom ::1 for " . substr(rtrim($line), 4) . "\n");
        }
        fclose($c);
    }
    posix_kill(getmypid(), SIGKILL);
}
fclose($srv);
foreach (['[::1]', '::1'] as $h) {
    $tc = new TagCache(['host' => $h, 'port' => $port, 'timeout_ms' => 3000]);
    var_dump($tc->get('k'));
    $tc->close();
}
posix_kill($pid, SIGKILL);
pcntl_waitpid($pid, $st);
?>
--EXPECT--
string(14) "from ::1 for k"
string(14) "from ::1 for k"
