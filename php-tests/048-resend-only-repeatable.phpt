--TEST--
tagcache: a connection cut after the server acted and before its reply: delete/invalidate/add/increment are never resent and throw "outcome unknown"; get/put are resent (real server behind a cutting proxy)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('pcntl'); tc_skip_unless('posix'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

/*
 * A proxy in a forked child, in front of the real test server. It forwards
 * requests and replies line by line and counts requests per verb. Armed
 * with "PROXY_ARM\tVERB" (on a connection of its own), it closes the next
 * connection whose reply is to VERB instead of forwarding that reply: the
 * server has acted, the client sees its connection drop before any reply
 * byte. "PROXY_COUNT\tVERB" answers how many VERB requests went through.
 */
function cut_proxy(string $host, int $port): array
{
    $srv = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
    $name = stream_socket_get_name($srv, false);
    $pport = (int) substr($name, strrpos($name, ':') + 1);
    $pid = pcntl_fork();
    if ($pid !== 0) {
        fclose($srv);
        return [$pport, $pid];
    }
    $pairs = [];   // id => [client, upstream, pending verbs, client buffer, upstream buffer]
    $armed = [];
    $count = [];
    $next = 0;
    $deadline = microtime(true) + 60;
    while (microtime(true) < $deadline) {
        $read = ['srv' => $srv];
        foreach ($pairs as $id => $p) {
            $read["c$id"] = $p[0];
            if ($p[1]) $read["u$id"] = $p[1];
        }
        $w = $e = null;
        if (@stream_select($read, $w, $e, 0, 200000) === false) break;
        foreach ($read as $tag => $sock) {
            if ($tag === 'srv') {
                $c = @stream_socket_accept($srv, 0);
                if ($c) $pairs[++$next] = [$c, null, [], '', ''];
                continue;
            }
            $id = (int) substr($tag, 1);
            if (!isset($pairs[$id])) continue;
            $data = fread($sock, 65536);
            if ($data === '' || $data === false) {
                fclose($pairs[$id][0]);
                if ($pairs[$id][1]) fclose($pairs[$id][1]);
                unset($pairs[$id]);
                continue;
            }
            if ($tag[0] === 'c') {
                $pairs[$id][3] .= $data;
                while (($nl = strpos($pairs[$id][3], "\n")) !== false) {
                    $line = substr($pairs[$id][3], 0, $nl);
                    $pairs[$id][3] = substr($pairs[$id][3], $nl + 1);
                    $verb = strtok($line, "\t");
                    if ($verb === 'PROXY_ARM') {
                        $armed[substr($line, 10)] = true;
                        fwrite($pairs[$id][0], "ARMED\n");
                        continue;
                    }
                    if ($verb === 'PROXY_COUNT') {
                        fwrite($pairs[$id][0], ($count[substr($line, 12)] ?? 0) . "\n");
                        continue;
                    }
                    $count[$verb] = ($count[$verb] ?? 0) + 1;
                    if (!$pairs[$id][1]) {
                        $pairs[$id][1] = stream_socket_client("tcp://$host:$port");
                    }
                    $pairs[$id][2][] = $verb;
                    fwrite($pairs[$id][1], $line . "\n");
                }
            } else {
                $pairs[$id][4] .= $data;
                while (($nl = strpos($pairs[$id][4], "\n")) !== false) {
                    $line = substr($pairs[$id][4], 0, $nl + 1);
                    $pairs[$id][4] = substr($pairs[$id][4], $nl + 1);
                    $verb = array_shift($pairs[$id][2]);
                    if (!empty($armed[$verb])) {
                        unset($armed[$verb]);
                        fclose($pairs[$id][0]);
                        fclose($pairs[$id][1]);
                        unset($pairs[$id]);
                        continue 3;
                    }
                    fwrite($pairs[$id][0], $line);
                }
            }
        }
    }
    posix_kill(getmypid(), SIGKILL);
    exit(1);
}

[$pport, $pid] = cut_proxy(tc_host(), tc_port());
$ctl = stream_socket_client("tcp://127.0.0.1:$pport");
$ask = function (string $line) use ($ctl): string {
    fwrite($ctl, $line . "\n");
    return rtrim(fgets($ctl), "\n");
};
$tc = new TagCache(['host' => '127.0.0.1', 'port' => $pport, 'retry' => 3, 'timeout_ms' => 3000]);
$direct = tc_new();
$victim = tc_key('victim');
$t = tc_key('tag');

function cut(callable $ask, string $verb, string $label, callable $call): void
{
    $before = (int) $ask("PROXY_COUNT\t$verb");
    $ask("PROXY_ARM\t$verb");
    try {
        $r = $call();
        echo "$label: no exception, returned ", var_export($r, true), "\n";
    } catch (TagCacheConnectionException $e) {
        $m = $e->getMessage();
        echo "$label: TagCacheConnectionException",
            str_contains($m, "the outcome of $verb is unknown") ? ' [outcome unknown]' : " [$m]", "\n";
    }
    echo "  $verb requests the server got: ", (int) $ask("PROXY_COUNT\t$verb") - $before, "\n";
}

$direct->put($victim, 'v');
cut($ask, 'DEL', 'delete', fn() => $tc->delete($victim));
var_dump($direct->get($victim));

$direct->put($victim, 'v', [$t]);
cut($ask, 'INV_TAG', 'invalidate', fn() => $tc->invalidate($t));
var_dump($direct->get($victim));

$direct->putMany([$victim => 1, "$victim-2" => 2]);
cut($ask, 'DEL', 'deleteMany', fn() => $tc->deleteMany([$victim, "$victim-2"]));
var_dump($direct->getMany([$victim, "$victim-2"]));

$direct->put($victim, 10);
cut($ask, 'INCR', 'increment', fn() => $tc->increment($victim, 5));
var_dump($direct->get($victim));

$direct->delete($victim);
cut($ask, 'ADD', 'add', fn() => $tc->add($victim, 'first'));
var_dump($direct->get($victim));

$direct->put($victim, 'v');
cut($ask, 'DEL', 'pipeline get+delete', fn() => $tc->pipeline()->get($victim)->delete($victim)->execute());
var_dump($direct->get($victim));

echo "-- resent\n";
$direct->put($victim, 'again');
cut($ask, 'GET', 'get', fn() => $tc->get($victim));
cut($ask, 'PUT', 'put', fn() => $tc->put($victim, 'new'));
var_dump($direct->get($victim));
cut($ask, 'GET', 'pipeline of gets', fn() => $tc->pipeline()->get($victim)->getMany([$victim])->execute()[1][$victim]);

$direct->delete($victim);
tc_fake_stop($pid);
?>
--EXPECT--
delete: TagCacheConnectionException [outcome unknown]
  DEL requests the server got: 1
NULL
invalidate: TagCacheConnectionException [outcome unknown]
  INV_TAG requests the server got: 1
NULL
deleteMany: TagCacheConnectionException [outcome unknown]
  DEL requests the server got: 2
array(0) {
}
increment: TagCacheConnectionException [outcome unknown]
  INCR requests the server got: 1
int(15)
add: TagCacheConnectionException [outcome unknown]
  ADD requests the server got: 1
string(5) "first"
pipeline get+delete: TagCacheConnectionException [outcome unknown]
  DEL requests the server got: 1
NULL
-- resent
get: no exception, returned 'again'
  GET requests the server got: 2
put: no exception, returned true
  PUT requests the server got: 2
string(3) "new"
pipeline of gets: no exception, returned 'new'
  GET requests the server got: 4
