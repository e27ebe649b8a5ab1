--TEST--
tagcache: every INI entry exists with its documented default, and tagcache.ini lists each one
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

// The documented defaults (README "Options and INI entries").
$want = [
    'tagcache.host' => '127.0.0.1',
    'tagcache.port' => '1984',
    'tagcache.pool_size' => '8',
    'tagcache.connect_timeout_ms' => '1000',
    'tagcache.timeout_ms' => '5000',
    'tagcache.persistent' => '0',
    'tagcache.serializer' => 'php',
    'tagcache.allowed_classes' => '1',
    'tagcache.retry' => '1',
    'tagcache.max_value_bytes' => '67108864',
    'tagcache.tcp_keepalive' => '1',
    'tagcache.fanout_min' => '10000',
    'tagcache.busy_poll_us' => '50',
    'tagcache.servers' => '',
    'tagcache.down_server' => 'error',
    'tagcache.retry_interval_ms' => '1000',
    'tagcache.compression' => 'none',
    'tagcache.compression_min_bytes' => '2048',
    'tagcache.compression_level' => '0',
    // session.save_handler = tagcache
    'tagcache.session_locking' => '1',
    'tagcache.session_lock_wait_ms' => '30000',
    'tagcache.session_lock_expire_s' => '0',
];
// run-tests.php may set entries on the command line: compare the
// built-in defaults through a child PHP with none given.
$php = getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY;
$so = getenv('TAGCACHE_SO');
$cmd = escapeshellarg($php) . ' -n ' . ($so ? '-d extension=' . escapeshellarg($so) . ' ' : '')
    . "-r 'echo json_encode(ini_get_all(\"tagcache\"));'";
$all = json_decode((string) shell_exec($cmd), true);
if (!is_array($all)) {
    die("cannot read the defaults from a child PHP: $cmd\n");
}
$names = array_keys($all);
sort($names);
$wantNames = array_keys($want);
sort($wantNames);
echo "the same entries: ", $names === $wantNames ? 'yes' : 'no: ' . implode(',', array_diff($names, $wantNames)) . ' / ' . implode(',', array_diff($wantNames, $names)), "\n";
$bad = 0;
foreach ($want as $name => $default) {
    $e = $all[$name] ?? null;
    if ($e === null || $e['global_value'] !== $default || $e['local_value'] !== $default || $e['access'] !== INI_ALL) {
        echo "$name: ", json_encode($e), " (want $default)\n";
        $bad++;
    }
}
echo "defaults: ", $bad === 0 ? 'all as documented' : "$bad wrong", "\n";

// tagcache.ini, shipped with the extension, lists every entry with its default.
$ini = (string) file_get_contents(__DIR__ . '/../tagcache.ini');
$missing = [];
foreach ($want as $name => $default) {
    if (!preg_match('/^;' . preg_quote($name, '/') . ' =' . ($default === '' ? '' : ' ' . preg_quote($default, '/')) . '$/m', $ini)) {
        $missing[] = $name;
    }
}
echo "tagcache.ini: ", $missing ? 'missing ' . implode(', ', $missing) : 'lists every entry', "\n";
preg_match_all('/^;(tagcache\.[a-z_]+) =/m', $ini, $m);
echo "tagcache.ini has no other entry: ", array_diff($m[1], array_keys($want)) === [] ? 'yes' : 'no', "\n";
?>
--EXPECT--
the same entries: yes
defaults: all as documented
tagcache.ini: lists every entry
tagcache.ini has no other entry: yes
