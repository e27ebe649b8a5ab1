--TEST--
tagcache sessions: save paths, good and bad; a bad one fails session_start() with a warning that says what is wrong, and writes nothing
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
tc_session_setup();
ob_start();

$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) {
    $warnings[] = $msg;
    return true;
});
$c = tc_session_client();
$h = tc_host();
$p = tc_port();
$pre = tc_session_prefix();

// good paths: with or without scheme, parameters, the INI defaults when empty
$good = [
    "tcp://$h:$p?prefix=$pre",
    "$h:$p?prefix=$pre&timeout_ms=2000&connect_timeout_ms=500&persistent=1&pool_size=2&retry=0",
    "tcp://$h:$p/?prefix=" . urlencode($pre) . '&tcp_keepalive=0',
];
foreach ($good as $path) {
    ini_set('session.save_path', $path);
    $id = tc_session_id();
    $warnings = [];
    $ok = tc_session_open($id);
    $_SESSION['v'] = $path;
    session_write_close();
    echo $ok && $c->get($pre . $id) === 'v|' . serialize($path) && !$warnings ? "good\n" : "FAILED $path " . implode('; ', $warnings) . "\n";
}
// empty: tagcache.host / tagcache.port, and the default prefix
ini_set('tagcache.host', $h);
ini_set('tagcache.port', (string) $p);
ini_set('session.save_path', '');
$id = tc_session_id();
var_dump(tc_session_open($id));
$_SESSION['d'] = 1;
session_write_close();
var_dump($c->get('TAGCACHE_SESSION:' . $id), $c->delete('TAGCACHE_SESSION:' . $id));

$bad = [
    "tcp://$h:$p,tcp://$h:$p",
    "unix:///run/tagcache.sock",
    "tcp://:$p",
    "tcp://$h:0",
    "tcp://$h:abc",
    "tcp://$h:$p?timeout_ms=soon",
    "tcp://$h:$p?pool_size=0",
    "tcp://$h:$p?weight=2",
    "tcp://$h:$p?prefix=a%2Cb",
    "tcp://$h:$p?prefix=%zz",
    "::1",
    "tcp://[::1:$p",
    "/var/lib/php/sessions",
];
foreach ($bad as $path) {
    ini_set('session.save_path', $path);
    $id = tc_session_id();
    $warnings = [];
    $ok = tc_session_open($id);
    echo var_export($ok, true), ' ', session_status() === PHP_SESSION_NONE ? 'none' : 'ACTIVE', ': ';
    echo implode(' / ', array_map(fn($w) => str_replace([$h, (string) $p], ['HOST', 'PORT'], $w), $warnings)), "\n";
    // nothing was written under any prefix this test uses
    if ($c->get($pre . $id) !== null || $c->get($pre . $id . ':lock') !== null || $c->get('TAGCACHE_SESSION:' . $id . ':lock') !== null) {
        echo "  WROTE SOMETHING\n";
    }
}
ob_end_flush();
?>
--EXPECT--
good
good
good
bool(true)
string(6) "d|i:1;"
bool(true)
false none: session_start(): tagcache: session.save_path "tcp://HOST:PORT,tcp://HOST:PORT" is not valid: server HOST:PORT is listed twice / session_start(): Failed to initialize storage module: tagcache (path: tcp://HOST:PORT,tcp://HOST:PORT)
false none: session_start(): tagcache: session.save_path "unix:///run/tagcache.sock" is not valid: scheme "unix://" is not supported (only tcp://) / session_start(): Failed to initialize storage module: tagcache (path: unix:///run/tagcache.sock)
false none: session_start(): tagcache: session.save_path "tcp://:PORT" is not valid: it names no host / session_start(): Failed to initialize storage module: tagcache (path: tcp://:PORT)
false none: session_start(): tagcache: session.save_path "tcp://HOST:0" is not valid: port "0" is not a number from 1 to 65535 / session_start(): Failed to initialize storage module: tagcache (path: tcp://HOST:0)
false none: session_start(): tagcache: session.save_path "tcp://HOST:abc" is not valid: port "abc" is not a number from 1 to 65535 / session_start(): Failed to initialize storage module: tagcache (path: tcp://HOST:abc)
false none: session_start(): tagcache: session.save_path "tcp://HOST:PORT?timeout_ms=soon" is not valid: timeout_ms must be an integer, "soon" given / session_start(): Failed to initialize storage module: tagcache (path: tcp://HOST:PORT?timeout_ms=soon)
false none: session_start(): tagcache: session.save_path "tcp://HOST:PORT?pool_size=0" is not valid: option 'pool_size' must be between 1 and 1024, 0 given / session_start(): Failed to initialize storage module: tagcache (path: tcp://HOST:PORT?pool_size=0)
false none: session_start(): tagcache: session.save_path "tcp://HOST:PORT?weight=2" is not valid: unknown parameter "weight" (known: prefix, timeout_ms, connect_timeout_ms, persistent, pool_size, retry, tcp_keepalive, max_value_bytes, busy_poll_us) / session_start(): Failed to initialize storage module: tagcache (path: tcp://HOST:PORT?weight=2)
false none: session_start(): tagcache: session.save_path "tcp://HOST:PORT?prefix=a%2Cb" is not valid: prefix "a,b" cannot be part of a key (no TAB, CR, LF, comma or leading space) / session_start(): Failed to initialize storage module: tagcache (path: tcp://HOST:PORT?prefix=a%2Cb)
false none: session_start(): tagcache: session.save_path "tcp://HOST:PORT?prefix=%zz" is not valid: bad %-escape in "%zz" / session_start(): Failed to initialize storage module: tagcache (path: tcp://HOST:PORT?prefix=%zz)
false none: session_start(): tagcache: session.save_path "::1" is not valid: "::1": write an IPv6 address in brackets, [::1]:1984 / session_start(): Failed to initialize storage module: tagcache (path: ::1)
false none: session_start(): tagcache: session.save_path "tcp://[::1:PORT" is not valid: "[::1:PORT" has no closing ']' / session_start(): Failed to initialize storage module: tagcache (path: tcp://[::1:PORT)
false none: session_start(): tagcache: session.save_path "/var/lib/php/sessions" is not valid: it is a directory, for the files handler (PHP's default save path); set it to tcp://host:port, or to "" for the tagcache.host and tagcache.port INI defaults / session_start(): Failed to initialize storage module: tagcache (path: /var/lib/php/sessions)
