<?php
/*
 * Sessions: session.save_handler=tagcache against phpredis'
 * session.save_handler=redis on redis-server, side by side in one run.
 *
 *   php -d extension=/abs/libtagcache.so php-tests/bench/session.php \
 *       [--cycles=3000] [--procs=4] [--ids=200] [--payload=1024] [--repeat=3] \
 *       [--persistent=1] [--rows=write,write+lock,...] [--server-bin=PATH] \
 *       [--spin-us=N] [--port=PORT --server-pid=PID] [--redis-port=PORT --redis-pid=PID]
 *
 * A cycle is what one request does with its session: session_id($id),
 * session_start(), a change to $_SESSION, session_write_close().
 *
 * Rows:
 *   write            one process, a random one of --ids sessions per cycle,
 *                    its counter incremented; locking off on both sides
 *   write+lock       the same with locking on (tagcache.session_locking=1,
 *                    redis.session.locking_enabled=1)
 *   read+lock        the session is read and left unchanged (lazy_write:
 *                    no write back), locking on
 *   write+lock xP    --procs processes at once, each on its own sessions
 *   same-id+lock xP  --procs processes at once, all on one session id: they
 *                    queue on its lock
 *
 * Reported per backend: cycles/s (all processes' cycles over the wall time
 * from the start signal to the last one done), the median and 99th
 * percentile latency of a cycle, the client CPU per cycle (getrusage of the
 * processes) and the server CPU per cycle (/proc/<pid>/stat of the server:
 * utime+stime, in clock ticks, so runs of a few seconds are needed for it
 * to mean anything). Each cell is the best of --repeat runs (by cycles/s),
 * the backends interleaved. Every session's counter is checked after each
 * run (for same-id: the sum of all processes' increments); a lost update
 * or a failed session_start() exits 1.
 *
 * Both handlers run with their defaults but for: the same save path
 * options (persistent=--persistent, prefix), lazy_write=1, no GC, and for
 * phpredis locking a retry budget large enough never to give up
 * (lock_retries=1000000, lock_wait_time=1000 us).
 *
 * --spin-us is passed to the tagcache-server started here (its busy-poll
 * after answering, default 50). On a machine with more runnable threads
 * than cores, busy-polling on both sides (the client's is
 * tagcache.busy_poll_us) costs milliseconds whenever the spinner holds the
 * core the other side waits for: compare with
 * `php -d tagcache.busy_poll_us=0 ... session.php --spin-us=0`.
 *
 * Nothing is printed on stdout before the end: PHP refuses session INI
 * changes once output was sent, and the processes are forked from this one.
 * Progress goes to stderr.
 */

declare(strict_types=1);

require __DIR__ . '/lib.inc';

const SROWS = ['write', 'write+lock', 'read+lock', 'write+lock xP', 'same-id+lock xP'];

function sparse_args(array $argv): array
{
    $o = ['cycles' => 3000, 'procs' => 4, 'ids' => 200, 'payload' => 1024, 'repeat' => 3, 'persistent' => 1,
          'rows' => implode(',', SROWS), 'server-bin' => null, 'port' => null, 'server-pid' => null,
          'redis-port' => null, 'redis-pid' => null, 'spin-us' => null];
    $o = parse_cli($argv, $o, ['rows', 'server-bin'], __FILE__);
    $o['rows'] = array_values(array_filter(explode(',', $o['rows']), 'strlen'));
    foreach ($o['rows'] as $r) {
        if (!in_array($r, SROWS, true)) {
            fail("unknown row '$r' (rows: " . implode(',', SROWS) . ')');
        }
    }
    if ($o['cycles'] < 1 || $o['ids'] < 1 || $o['repeat'] < 1 || $o['procs'] < 1) {
        fail('--cycles, --ids, --repeat and --procs must be at least 1');
    }
    return $o;
}

/** The session INI of a backend. */
function backend_ini(string $be, array $o, bool $locking): array
{
    $common = [
        'session.use_cookies' => '0', 'session.use_only_cookies' => '0', 'session.use_trans_sid' => '0',
        'session.cache_limiter' => '', 'session.lazy_write' => '1', 'session.use_strict_mode' => '0',
        'session.gc_probability' => '0', 'session.gc_maxlifetime' => '1440', 'session.serialize_handler' => 'php',
    ];
    $p = $o['persistent'];
    if ($be === 'tagcache') {
        return $common + [
            'session.save_handler' => 'tagcache',
            'session.save_path' => "tcp://127.0.0.1:{$o['tc_port']}?persistent=$p&prefix=bench:sess:",
            'tagcache.session_locking' => $locking ? '1' : '0',
            'tagcache.session_lock_wait_ms' => '60000',
        ];
    }
    return $common + [
        'session.save_handler' => 'redis',
        'session.save_path' => "tcp://127.0.0.1:{$o['redis_port']}?persistent=$p&prefix=bench:sess:",
        'redis.session.locking_enabled' => $locking ? '1' : '0',
        'redis.session.lock_retries' => '1000000',
        'redis.session.lock_wait_time' => '1000',
    ];
}

function apply_ini(array $ini): void
{
    foreach ($ini as $k => $v) {
        if (ini_set($k, $v) === false) {
            fail("ini_set($k, '$v') refused");
        }
    }
}

/** Fails on any warning or notice inside a cycle. */
function strict_errors(): void
{
    set_error_handler(function (int $no, string $msg): bool {
        fail("PHP error $no: $msg");
    });
}

/**
 * One process of a run: its sessions are created (untimed), then it waits
 * for "go", runs $cycles cycles and reports [cycles, latencies in ns, CPU
 * us]. Afterwards (untimed) it checks its sessions' counters.
 */
function child_run(string $be, string $row, array $o, string $ns, int $p, $sock): void
{
    $lock = $row !== 'write';
    apply_ini(backend_ini($be, $o, $lock));
    strict_errors();
    $same = str_starts_with($row, 'same-id');
    $ids = [];
    $nIds = $same ? 1 : $o['ids'];
    for ($i = 0; $i < $nIds; $i++) {
        $ids[] = $same ? "{$ns}same" : "{$ns}p{$p}i$i";
    }
    $payload = str_repeat('x', $o['payload']);
    if (!$same || $p === 0) {
        foreach ($ids as $id) {
            session_id($id);
            if (!session_start()) {
                fail("$be: session_start($id) failed");
            }
            $_SESSION = ['n' => 0, 'user' => ['id' => 42, 'name' => 'bench'], 'blob' => $payload];
            session_write_close();
        }
    }
    $read = $row === 'read+lock';
    $made = array_fill(0, $nIds, 0);
    mt_srand($p + 1);
    $pick = [];
    for ($j = 0; $j < $o['cycles']; $j++) {
        $pick[] = mt_rand(0, $nIds - 1);
    }
    $lat = [];
    fwrite($sock, "ready\n");
    if (fgets($sock) !== "go\n") {
        exit(1);
    }
    $cpu0 = self_cpu_us();
    foreach ($pick as $i) {
        $t0 = hrtime(true);
        session_id($ids[$i]);
        session_start();
        if (!$read) {
            $_SESSION['n']++;
        }
        session_write_close();
        $lat[] = hrtime(true) - $t0;
        $made[$i]++;
    }
    $cpu = self_cpu_us() - $cpu0;
    fwrite($sock, json_encode(['cycles' => count($pick), 'lat' => $lat, 'cpu' => $cpu]) . "\n");
    // untimed: every counter is what this process made of it
    if (!$same) {
        foreach ($ids as $i => $id) {
            session_id($id);
            session_start(['read_and_close' => true]);
            $want = $read ? 0 : $made[$i];
            if (($_SESSION['n'] ?? null) !== $want || ($_SESSION['blob'] ?? null) !== $payload) {
                fail("$be $row: session $id has n=" . var_export($_SESSION['n'] ?? null, true) . ", want $want");
            }
        }
    }
    exit(0);
}

/** Forks the processes of one run and times it. */
function run_once(string $be, string $row, array $o, int $rep): array
{
    $procs = str_ends_with($row, 'xP') ? $o['procs'] : 1;
    $ns = 'b' . bin2hex(random_bytes(4)) . "r$rep";
    $kids = [];
    for ($p = 0; $p < $procs; $p++) {
        $pair = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP) ?: fail('socketpair');
        $pid = pcntl_fork();
        if ($pid === -1) {
            fail('pcntl_fork failed');
        }
        if ($pid === 0) {
            fclose($pair[0]);
            foreach ($kids as $k) {
                fclose($k['sock']);
            }
            child_run($be, $row, $o, $ns, $p, $pair[1]);
        }
        fclose($pair[1]);
        $kids[] = ['pid' => $pid, 'sock' => $pair[0]];
    }
    foreach ($kids as $k) {
        if (fgets($k['sock']) !== "ready\n") {
            fail("$be $row: a process failed while creating its sessions");
        }
    }
    $serverPid = $be === 'tagcache' ? $o['server_pid'] : $o['redis_pid'];
    $srv0 = proc_cpu_us($serverPid);
    $t0 = hrtime(true);
    foreach ($kids as $k) {
        fwrite($k['sock'], "go\n");
    }
    $cycles = 0;
    $lat = [];
    $cpu = 0.0;
    foreach ($kids as $k) {
        $r = json_decode((string) fgets($k['sock']), true);
        if (!is_array($r)) {
            fail("$be $row: a process failed during the run");
        }
        $cycles += $r['cycles'];
        array_push($lat, ...$r['lat']);
        $cpu += $r['cpu'];
    }
    $wall = (hrtime(true) - $t0) / 1e9;
    $srv1 = proc_cpu_us($serverPid);
    foreach ($kids as $k) {
        fclose($k['sock']);
        pcntl_waitpid($k['pid'], $status);
        if (!pcntl_wifexited($status) || pcntl_wexitstatus($status) !== 0) {
            fail("$be $row: a process exited with an error");
        }
    }
    if (str_starts_with($row, 'same-id')) {
        check_same($be, $o, "{$ns}same", $cycles);
    }
    sort($lat);
    $q = fn(float $f) => $lat[min(count($lat) - 1, (int) floor($f * count($lat)))] / 1000;
    return [
        'rate' => $cycles / $wall,
        'p50' => $q(0.5),
        'p99' => $q(0.99),
        'cpu' => $cpu / $cycles,
        'srv' => ($srv0 === null || $srv1 === null) ? null : ($srv1 - $srv0) / $cycles,
    ];
}

/** In a child: the shared session's counter equals all the increments. */
function check_same(string $be, array $o, string $id, int $want): void
{
    $pid = pcntl_fork();
    if ($pid === 0) {
        apply_ini(backend_ini($be, $o, true));
        strict_errors();
        session_id($id);
        session_start(['read_and_close' => true]);
        if (($_SESSION['n'] ?? null) !== $want) {
            fail("$be same-id: counter " . var_export($_SESSION['n'] ?? null, true) . ", $want increments made (lost updates)");
        }
        exit(0);
    }
    pcntl_waitpid($pid, $status);
    if (!pcntl_wifexited($status) || pcntl_wexitstatus($status) !== 0) {
        exit(1);
    }
}

/* ------------------------------------------------------------------- main */

foreach (['tagcache', 'session', 'pcntl'] as $ext) {
    if (!extension_loaded($ext)) {
        fail("the $ext extension is not loaded (run: php -d extension=/abs/path/libtagcache.so {$argv[0]})");
    }
}
$o = sparse_args($argv);
if ($o['port'] !== null) {
    $o['tc_port'] = $o['port'];
    $o['server_pid'] = $o['server-pid'];
} else {
    $spin = $o['spin-us'] === null ? [] : ['--spin-us', (string) $o['spin-us']];
    [$o['tc_port'], $o['server_pid']] = start_tagcache_server(find_server_bin($o['server-bin']), $spin);
}
$bes = ['tagcache'];
$o['redis_pid'] = null;
if (!extension_loaded('redis')) {
    fwrite(STDERR, "bench: the redis extension is not loaded, phpredis skipped\n");
} elseif ($o['redis-port'] !== null) {
    $o['redis_port'] = $o['redis-port'];
    $o['redis_pid'] = $o['redis-pid'];
    $bes[] = 'phpredis';
} elseif (($rb = find_redis_server()) !== null) {
    [$o['redis_port'], $o['redis_pid']] = start_redis_server($rb);
    $bes[] = 'phpredis';
} else {
    fwrite(STDERR, "bench: redis-server not found, phpredis skipped\n");
}

$results = [];
foreach ($o['rows'] as $row) {
    foreach ($bes as $be) {
        $results[$row][$be] = null;
    }
    for ($rep = 0; $rep < $o['repeat']; $rep++) {
        foreach ($bes as $be) {
            fwrite(STDERR, "  $row, $be, run " . ($rep + 1) . "\n");
            $r = run_once($be, $row, $o, $rep);
            if ($results[$row][$be] === null || $r['rate'] > $results[$row][$be]['rate']) {
                $results[$row][$be] = $r;
            }
        }
    }
}

printf("# sessions: tagcache %s (port %d, busy_poll_us=%s, server spin-us=%s) vs phpredis %s (%s); %d cycles per process, %d ids per process, %d B payload, persistent=%d, P=%d, best of %d, PHP %s\n",
    phpversion('tagcache') ?: '?', $o['tc_port'], ini_get('tagcache.busy_poll_us'),
    $o['port'] !== null ? '?' : ($o['spin-us'] ?? 'default'), phpversion('redis') ?: '-',
    in_array('phpredis', $bes, true) ? "redis-server port {$o['redis_port']}" : 'skipped',
    $o['cycles'], $o['ids'], $o['payload'], $o['persistent'], $o['procs'], $o['repeat'], PHP_VERSION);
$fmt = "%-16s %-9s %10s %8s %8s %12s %12s\n";
printf($fmt, 'row', 'backend', 'cycles/s', 'p50 us', 'p99 us', 'client us/c', 'server us/c');
$n = fn(?float $x, int $d = 0) => $x === null ? '-' : number_format($x, $d, '.', ',');
foreach ($results as $row => $by) {
    $label = str_replace('xP', "x{$o['procs']}", $row);
    foreach ($by as $be => $r) {
        printf($fmt, $label, $be, $n($r['rate']), $n($r['p50'], 1), $n($r['p99'], 1), $n($r['cpu'], 1), $n($r['srv'], 1));
        $label = '';
    }
    if (isset($by['phpredis'])) {
        $t = $by['tagcache'];
        $p = $by['phpredis'];
        printf($fmt, '', 'TC/redis', sprintf('%.2f', $t['rate'] / $p['rate']), sprintf('%.2f', $t['p50'] / $p['p50']),
            sprintf('%.2f', $t['p99'] / $p['p99']), sprintf('%.2f', $t['cpu'] / $p['cpu']),
            ($t['srv'] !== null && $p['srv']) ? sprintf('%.2f', $t['srv'] / $p['srv']) : '-');
    }
}
exit(0);
