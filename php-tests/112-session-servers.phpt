--TEST--
tagcache sessions over 3 servers (a comma-separated save path): each session's keys live on one server, locking serialises concurrent requests, and invalidating a user's tag ends their sessions on every server
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('pcntl'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/servers.inc';
require __DIR__ . '/session.inc';

$srv = tc_servers_start(3);
$names = tc_server_names($srv);
$path = implode(',', array_map(fn($n) => "tcp://$n", $names)) . '?persistent=1&prefix=' . urlencode(tc_session_prefix());
tc_session_setup([], ['session.save_path' => $path]);
ob_start();
$all = new TagCache(['servers' => $names]);
$one = array_map(fn($s) => new TagCache(['port' => $s[2]]), $srv);
$user = tc_key('user:7');

// 30 sessions of one user: spread over the servers, each session's data
// and meta keys on the server that holds its data key.
$ids = [];
for ($i = 0; $i < 30; $i++) {
    session_id('');
    session_start();
    $_SESSION['n'] = $i;
    tagcache_session_tag([$user]);
    session_write_close();
    $ids[] = session_id();
}
$where = [];
$together = 0;
foreach ($ids as $id) {
    $k = tc_session_key($id);
    $s = array_search($all->serverForKey($k), $names, true);
    $where[$s] = true;
    if ($one[$s]->get($k) !== null && $one[$s]->get("$k:meta") !== null) $together++;
}
echo "servers used: ", count($where), ", sessions with their keys together on their server: $together\n";

// Locking: 10 processes x 5 increments of one session's counter.
$id = $ids[0];
$pids = [];
for ($p = 0; $p < 10; $p++) {
    $pid = pcntl_fork();
    if ($pid === 0) {
        // The parent's buffered output is not the child's to print.
        while (ob_get_level()) ob_end_clean();
        ob_start();
        for ($j = 0; $j < 5; $j++) {
            session_id($id);
            session_start();
            $_SESSION['count'] = ($_SESSION['count'] ?? 0) + 1;
            usleep(1000);
            session_write_close();
        }
        ob_end_clean();
        exit(0);
    }
    $pids[] = $pid;
}
foreach ($pids as $pid) pcntl_waitpid($pid, $st);
session_id($id);
session_start();
echo "counter after 50 locked increments: ", $_SESSION['count'] ?? 'none', "\n";
session_write_close();

// Log out everywhere: one invalidation over every server.
echo "invalidated: ", $all->invalidate($user), " entries (data + meta of 30 sessions)\n";
$left = 0;
foreach ($ids as $id) {
    session_id($id);
    session_start();
    if ($_SESSION !== []) $left++;
    session_abort();
}
echo "sessions left: $left\n";
ob_end_flush();
foreach ($srv as $s) tc_server_stop($s);
?>
--EXPECT--
servers used: 3, sessions with their keys together on their server: 30
counter after 50 locked increments: 50
invalidated: 60 entries (data + meta of 30 sessions)
sessions left: 0
