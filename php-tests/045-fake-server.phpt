--TEST--
tagcache: against a scripted server: unexpected/ERR replies, retry of idempotent commands only, late replies never reach the wrong call
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('pcntl'); tc_skip_unless('posix'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

function opts(int $port, array $extra = []): array
{
    return array_merge(['host' => '127.0.0.1', 'port' => $port, 'timeout_ms' => 3000], $extra);
}

echo "-- unexpected reply\n";
[$port, $pid] = tc_fake_server(function (string $line, int $conn, array &$st) {
    return match ($line) {
        "GET\tbad" => 'WHAT IS THIS',
        "GET\tgood" => "VALUE\tok",
        "GET\terr" => 'ERR boom happened',
        "INCR\tn" => "VALUE\tnot-a-number",
        default => 'ERR unknown_command',
    };
});
$tc = new TagCache(opts($port));
tc_throws('GET -> garbage', fn() => $tc->get('bad'));
var_dump($tc->get('good'));
tc_throws('GET -> ERR', fn() => $tc->get('err'), 'boom happened');
var_dump($tc->get('good'));
tc_throws('INCR -> non-int VALUE', fn() => $tc->increment('n'));
var_dump($tc->get('good'));
tc_fake_stop($pid);

echo "-- retry of an idempotent command on a fresh connection\n";
$script = function (string $line, int $conn, array &$st) {
    if ($conn === 1) return null;          // first connection: drop it unanswered
    return str_starts_with($line, "GET\t") ? "VALUE\tok" : 'ERR unknown_command';
};
[$port, $pid] = tc_fake_server($script);
$tc = new TagCache(opts($port, ['retry' => 1]));
var_dump($tc->get('k'));
tc_fake_stop($pid);

[$port, $pid] = tc_fake_server($script);
$tc = new TagCache(opts($port, ['retry' => 0]));
tc_throws('retry=0', fn() => $tc->get('k'), "127.0.0.1:$port");
var_dump($tc->get('k'));                // the next call uses a new connection
tc_fake_stop($pid);

echo "-- INCR and ADD are never retried once sent\n";
[$port, $pid] = tc_fake_server(function (string $line, int $conn, array &$st) {
    $verb = strtok($line, "\t");
    $st[$verb] = ($st[$verb] ?? 0) + 1;
    if ($verb === 'GET') {
        return "VALUE\t" . ($st[substr($line, 4)] ?? 0);
    }
    return null;                            // every INCR/ADD/DECR: connection dropped
});
$tc = new TagCache(opts($port, ['retry' => 1]));
tc_throws('INCR dropped', fn() => $tc->increment('n'));
tc_throws('DECR dropped', fn() => $tc->decrement('n'));
tc_throws('ADD dropped', fn() => $tc->add('n', 1));
var_dump($tc->get('INCR'), $tc->get('DECR'), $tc->get('ADD'));
tc_fake_stop($pid);

echo "-- a late reply is never handed to the next call\n";
[$port, $pid] = tc_fake_server(function (string $line, int $conn, array &$st) {
    return match ($line) {
        "GET\tslow" => [1500, "VALUE\tSLOW"],
        "GET\tfast" => "VALUE\tFAST",
        default => 'ERR unknown_command',
    };
});
$tc = new TagCache(opts($port, ['timeout_ms' => 500, 'retry' => 0]));
tc_throws('slow', fn() => $tc->get('slow'), "127.0.0.1:$port");
var_dump($tc->get('fast'));
usleep(1200000);                            // the late SLOW reply has now been sent
var_dump($tc->get('fast'));
var_dump($tc->getMany(['fast']));
tc_fake_stop($pid);

echo "-- server gone mid-session\n";
[$port, $pid] = tc_fake_server(fn(string $line) => "VALUE\tup");
$tc = new TagCache(opts($port));
var_dump($tc->get('x'));
tc_fake_stop($pid);
tc_throws('after the server died', fn() => $tc->get('x'), "127.0.0.1:$port");
?>
--EXPECT--
-- unexpected reply
GET -> garbage: TagCacheServerException
string(2) "ok"
GET -> ERR: TagCacheServerException [message ok]
string(2) "ok"
INCR -> non-int VALUE: TagCacheServerException
string(2) "ok"
-- retry of an idempotent command on a fresh connection
string(2) "ok"
retry=0: TagCacheConnectionException [message ok]
string(2) "ok"
-- INCR and ADD are never retried once sent
INCR dropped: TagCacheConnectionException
DECR dropped: TagCacheConnectionException
ADD dropped: TagCacheConnectionException
int(1)
int(1)
int(1)
-- a late reply is never handed to the next call
slow: TagCacheConnectionException [message ok]
string(4) "FAST"
string(4) "FAST"
array(1) {
  ["fast"]=>
  string(4) "FAST"
}
-- server gone mid-session
string(2) "up"
after the server died: TagCacheConnectionException [message ok]
