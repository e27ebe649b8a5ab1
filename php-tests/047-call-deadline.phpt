--TEST--
tagcache: a server that trickles its replies a byte at a time cannot stretch a call past its deadline (get, getMany, putMany, deleteMany, searchAny, pipelines)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('pcntl'); tc_skip_unless('posix'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

// A server that answers every request correctly, but sends each reply one
// byte every 250 ms: each byte is progress, so a wait limit alone would
// never fire.
$srv = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
$name = stream_socket_get_name($srv, false);
$port = (int) substr($name, strrpos($name, ':') + 1);
$pid = pcntl_fork();
if ($pid === 0) {
    $end = microtime(true) + 60;
    while (microtime(true) < $end && ($c = @stream_socket_accept($srv, 60))) {
        if (pcntl_fork() === 0) {
            stream_set_blocking($c, true);
            $out = '';
            while (($line = fgets($c)) !== false) {
                $verb = strtok($line, "\t\n");
                $out .= match ($verb) {
                    'GET' => "VALUE\tslow\n",
                    'PUT' => "OK\n",
                    'DEL' => "DEL ok\n",
                    'KEYS_BY_TAG' => "KEYS\tk\n",
                    default => "ERR unknown_command\n",
                };
                // Send what is owed so far, a byte at a time, as long as no
                // new request is waiting.
                $r = [$c]; $w = $e = null;
                while ($out !== '' && stream_select($r, $w, $e, 0) === 0) {
                    fwrite($c, $out[0]);
                    $out = substr($out, 1);
                    usleep(250000);
                    $r = [$c];
                }
            }
            exit(0);
        }
        fclose($c);
    }
    exit(0);
}
fclose($srv);

$tc = new TagCache(['port' => $port, 'timeout_ms' => 1000, 'retry' => 0, 'busy_poll_us' => 0]);
$calls = [
    'get' => fn() => $tc->get('a'),
    'getMany' => fn() => $tc->getMany(['a', 'b', 'c']),
    'putMany' => fn() => $tc->putMany(['a' => 1, 'b' => 2]),
    'deleteMany' => fn() => $tc->deleteMany(['a', 'b', 'c']),
    'searchAny' => fn() => $tc->searchAny(['t1', 't2']),
    'pipeline' => fn() => $tc->pipeline()->get('a')->get('b')->put('c', 1)->execute(),
];
foreach ($calls as $label => $f) {
    $t0 = microtime(true);
    try {
        $r = $f();
        printf("%s: no exception after %.1f s\n", $label, microtime(true) - $t0);
    } catch (TagCacheConnectionException $e) {
        $dt = microtime(true) - $t0;
        // The budget is timeout_ms plus a little per request and per byte:
        // far below the 3-6 s these replies take at this server's pace.
        echo "$label: ", str_contains($e->getMessage(), 'the call timed out') ? 'the call timed out' : $e->getMessage(),
            $dt < 2.5 ? '' : sprintf(' (after %.1f s)', $dt), "\n";
    }
}
posix_kill($pid, SIGKILL);
pcntl_waitpid($pid, $st);
?>
--EXPECT--
get: the call timed out
getMany: the call timed out
putMany: the call timed out
deleteMany: the call timed out
searchAny: the call timed out
pipeline: the call timed out
