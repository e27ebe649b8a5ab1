<?php
/*
 * The stress suites on threads: many PHP threads of one process (the
 * threaded host, php-host/) against the reference server.
 *
 *   php php-tests/stress/threads.php --host target-zts/release/tagcache-php-host \
 *       --so target-zts/release/libtagcache.so [--quick|--full] [--threads 8,32,64]
 *       [--port N] [--only mixed-shared,mixed-own,fork,faults,fail,churn,restart]
 *
 * Any PHP CLI runs this script (it only starts processes); the PHP under
 * test is the one the host was built against. Without --port it starts
 * tagcache-server ($TAGCACHE_SERVER_BIN or target/release) on a free port.
 * The fault suite runs its own server (it kills and restarts it) and the
 * fault proxy (proxy.php).
 *
 * For each thread count:
 *   mixed-shared  every thread and request uses one persistent pool of 4
 *   mixed-own     every request makes its own objects
 *   fork          thread 0 forks while the others run mixed-shared
 *   faults        delay, drop, garbage, cut (proxy) and a server kill and
 *                 restart, while the threads run, on a shared pool of 4
 * Then, once:
 *   fail          an uncaught exception, a fatal error and exit(7) on three
 *                 threads are reported per thread; the host runs on
 *   churn         1,000 thread starts and stops: memory must stay flat
 *   restart       PHP started and shut down 3 times in the process: no
 *                 socket may stay open after a shutdown
 *
 * Each run passes with 0 errors, 0 wrong values, every request ending with
 * status 0, the host ending before its deadline, no socket left open after
 * PHP shut down, and (mixed, fork) the pool at rest adding up: open =
 * created - discarded, busy = 0, idle = open, and as many sockets open in
 * the process as the shared pool holds.
 * Env: STRESS_SCALE (multiplies operation counts), STRESS_SLOW (multiplies
 * timeouts and phase lengths). The last line is "N passed, N failed".
 */
declare(strict_types=1);

require __DIR__ . '/lib.inc';

$mode = 'quick';
$hostBin = getenv('TAGCACHE_PHP_HOST') ?: '';
$so = getenv('TAGCACHE_SO') ?: '';
$extPort = null;
$threadList = null;
$only = null;
for ($i = 1; $i < $argc; $i++) {
    switch ($argv[$i]) {
        case '--quick': $mode = 'quick'; break;
        case '--full': $mode = 'full'; break;
        case '--host': $hostBin = $argv[++$i]; break;
        case '--so': $so = $argv[++$i]; break;
        case '--port': $extPort = (int) $argv[++$i]; break;
        case '--threads': $threadList = array_map('intval', explode(',', $argv[++$i])); break;
        case '--only': $only = explode(',', $argv[++$i]); break;
        default:
            fwrite(STDERR, "usage: threads.php --host BIN --so PATH [--quick|--full] [--threads 8,32,64] [--port N] [--only suite,...]\n");
            exit(2);
    }
}
if (!is_file($hostBin) || !is_executable($hostBin)) {
    fwrite(STDERR, "threads.php: the threaded host is not built: '$hostBin' (--host or TAGCACHE_PHP_HOST)\n");
    echo "0 passed, 1 failed\n";
    exit(1);
}
if (!is_file($so)) {
    fwrite(STDERR, "threads.php: extension not found: '$so' (--so or TAGCACHE_SO)\n");
    echo "0 passed, 1 failed\n";
    exit(1);
}
$so = realpath($so);
$FULL = $mode === 'full';
$SCALE = (float) (getenv('STRESS_SCALE') ?: 1);
$SLOW = max(1.0, (float) (getenv('STRESS_SLOW') ?: 1));
$threadList ??= [8, 32, 64];
$RUN = 'th' . getmypid() . bin2hex(random_bytes(2));

$server = null;
if ($extPort === null) {
    $server = ServerProc::start(0);
    $PORT = $server->port;
} else {
    $PORT = $extPort;
}
register_shutdown_function(function () use (&$server) {
    if ($server !== null) {
        $server->stop();
    }
});

/**
 * Runs the host; returns [exit status, stdout lines, stderr text, seconds].
 * The host has its own deadline; this one is a second line of defence.
 */
function run_host(array $hostArgs, array $cfg, float $deadline, ?callable $during = null): array
{
    global $hostBin, $so;
    $dir = sys_get_temp_dir();
    $out = tempnam($dir, 'tagcache-threads-out-');
    $err = tempnam($dir, 'tagcache-threads-err-');
    $cmd = array_merge([$hostBin, '--deadline', (string) (int) ceil($deadline), '-d', "extension=$so"], $hostArgs,
        [__DIR__ . '/thread-worker.php']);
    $env = getenv();
    $env['STRESS_THREADS_CFG'] = json_encode($cfg);
    $t0 = microtime(true);
    $p = proc_open($cmd, [0 => ['file', '/dev/null', 'r'], 1 => ['file', $out, 'w'], 2 => ['file', $err, 'w']], $pipes, null, $env);
    if ($p === false) {
        throw new RuntimeException('cannot start ' . implode(' ', $cmd));
    }
    if ($during !== null) {
        $during();
    }
    $end = $t0 + $deadline + 10;
    // The exit code is given once, by the first status call after the exit.
    while (($st = proc_get_status($p))['running'] && microtime(true) < $end) {
        usleep(20000);
    }
    if ($st['running']) {
        proc_terminate($p, 9);
        usleep(100000);
        $code = 137;
    } else {
        $code = $st['exitcode'];
    }
    proc_close($p);
    $dt = microtime(true) - $t0;
    $lines = file($out, FILE_IGNORE_NEW_LINES) ?: [];
    $errText = (string) file_get_contents($err);
    @unlink($out);
    @unlink($err);
    return [$code, $lines, $errText, $dt];
}

/** Reads a host run: the merged tally and what the host and the at-rest check said. */
function read_run(array $lines, int $code, string $errText, bool $needAtRest): array
{
    $t = tally();
    $info = ['atrest' => null, 'leaked' => null, 'ok_requests' => 0, 'failed_requests' => 0, 'waits' => null,
        'rss' => [], 'fds_after' => []];
    foreach ($lines as $l) {
        if (str_starts_with($l, 'TALLY ')) {
            $r = json_decode(substr($l, 6), true);
            if (is_array($r)) {
                $t = merge_tally($t, $r);
            } else {
                note($t, 'errors', 'unreadable tally: ' . substr($l, 0, 120));
            }
        } elseif (str_starts_with($l, 'ATREST ')) {
            $info['atrest'] = json_decode(substr($l, 7), true);
        } elseif (preg_match('/^host: (\d+) requests ok, (\d+) failed.*sockets left open after shutdown: (-?\d+)/', $l, $m)) {
            [$info['ok_requests'], $info['failed_requests'], $info['leaked']] = [(int) $m[1], (int) $m[2], (int) $m[3]];
        } elseif (preg_match('/^host: cycle (\d+) wave (\d+): rss (\d+) kB, (\d+) descriptors .* (\d+) threads started/', $l, $m)) {
            $info['rss'][] = [(int) $m[5], (int) $m[3]];
        } elseif (preg_match('/^host: cycle (\d+): after PHP shutdown: (\d+) descriptors \((\d+) sockets\)/', $l, $m)) {
            $info['fds_after'][] = [(int) $m[2], (int) $m[3]];
        } elseif (str_starts_with($l, 'host: FAILED') || str_starts_with($l, 'host: DEADLINE')) {
            note($t, 'errors', substr($l, 6));
        }
    }
    if ($code === 124 || $code === 137) {
        note($t, 'errors', "the host HUNG (deadline passed, exit $code)");
    } elseif ($code !== 0 && $code !== 1) {
        note($t, 'errors', "the host exited $code (crash?): " . substr(trim($errText), -300));
    } elseif ($code === 1 && $info['failed_requests'] === 0) {
        note($t, 'errors', 'the host exited 1: ' . substr(trim($errText), -300));
    }
    if ($info['leaked'] === null) {
        note($t, 'errors', 'no summary line from the host: ' . substr(trim($errText), -300));
    } elseif ($info['leaked'] > 0) {
        note($t, 'errors', "{$info['leaked']} sockets left open after PHP shut down");
    }
    if ($needAtRest) {
        $a = $info['atrest'];
        if (!is_array($a)) {
            note($t, 'errors', 'no at-rest report (did the last thread finish?)');
        } elseif (($a['why'] ?? null) !== null) {
            note($t, 'wrong', 'pool at rest: ' . $a['why']);
        } else {
            $p = $a['pool'];
            $info['waits'] = $p['waits'];
            if ($a['shared'] && $a['sockets'] !== $p['open']) {
                note($t, 'wrong', "{$a['sockets']} sockets open in the process at rest, the shared pool holds {$p['open']}");
            }
        }
    }
    return [$t, $info];
}

function scaled(int $n): int
{
    return max(1, (int) round($n * $GLOBALS['SCALE']));
}

$results = [];   // [label, tally, info, seconds, ok]
function record(string $label, array $t, array $info, float $dt, array $extraChecks = []): void
{
    global $results;
    foreach ($extraChecks as $msg) {
        note($t, 'errors', $msg);
    }
    $ok = $t['errors'] === 0 && $t['wrong'] === 0;
    $results[] = [$label, $t, $info, $dt, $ok];
    printf("%-22s %9d %9.0f %7d %6d %6s %9s  %s\n", $label, $t['ops'], $t['ops'] / max($dt, 1e-9), $t['errors'], $t['wrong'],
        $info['leaked'] ?? '?', $info['waits'] ?? '-', $ok ? 'PASS' : 'FAIL');
    foreach ($t['extra']['lines'] ?? [] as $l) {
        echo $l, "\n";
    }
    foreach ($t['msgs'] as $m) {
        echo "    ! $m\n";
    }
}

function mixed_run(int $threads, string $pool, string $suite = 'mixed'): void
{
    global $FULL, $PORT, $RUN, $SLOW;
    $requests = $FULL ? 16 : 3;
    $cfg = ['suite' => $suite, 'pool' => $pool, 'pool_size' => 4, 'port' => $PORT, 'slow' => $SLOW,
        'run' => "$RUN-$suite-$pool-$threads", 'ops' => scaled($FULL ? 400 : 120), 'forks' => $FULL ? 12 : 2];
    [$code, $lines, $err, $dt] = run_host(['-t', (string) $threads, '-r', (string) $requests], $cfg,
        (60 + $threads) * $SLOW * ($FULL ? 4 : 1));
    [$t, $info] = read_run($lines, $code, $err, true);
    $checks = [];
    if ($info['ok_requests'] !== $threads * $requests) {
        $checks[] = "{$info['ok_requests']} of " . ($threads * $requests) . ' requests ended with status 0';
    }
    $e = $t['extra'];
    if ($pool === 'shared' && $threads >= 8 && ($info['waits'] ?? 0) < $threads) {
        $checks[] = "only {$info['waits']} checkouts waited on a pool of 4 shared by $threads threads";
    }
    if ($suite === 'fork' && ($e['fork_ok'] ?? 0) !== ($e['forks'] ?? -1)) {
        $checks[] = ($e['fork_ok'] ?? 0) . ' of ' . ($e['forks'] ?? 0) . ' forked children passed';
    }
    $label = sprintf('%2d thr %s', $threads, $suite === 'fork' ? 'fork' : "mixed/$pool");
    record($label, $t, $info, $dt, $checks);
    if ($suite === 'fork') {
        printf("    %d forks from thread 0 while %d threads ran calls\n", $e['forks'] ?? 0, $threads - 1);
    } else {
        printf("    %d requests, %d fan-out batches, %d pipelines of 1,000, %d close(), %d objects, %d shared-tag invalidations\n",
            $info['ok_requests'], $e['fanout_batches'] ?? 0, $e['pipelines'] ?? 0, $e['closes'] ?? 0, $e['objects'] ?? 0, $e['tag_races'] ?? 0);
    }
}

function fault_runs(int $threads): void
{
    global $FULL, $RUN, $SLOW;
    $port = free_port();
    $srv = ServerProc::start($port);
    $proxy = ProxyProc::start($port);
    $phaseFile = sys_get_temp_dir() . "/tagcache-threads-phase-" . getmypid();
    $d = ($FULL ? 2.0 : 0.6) * $SLOW;
    $scenarios = fault_scenarios($proxy, $srv, $port, $SLOW);
    try {
        foreach ($scenarios as [$name, $target, $lossy, $on, $off]) {
            file_put_contents($phaseFile, 'normal');
            // One shared pool; at most 4 threads per connection, so that
            // waiting for a connection on a busy 2-core machine stays well
            // inside the timeout outside the fault.
            $cfg = ['suite' => 'faults', 'pool' => 'shared', 'pool_size' => max(4, intdiv($threads, 4)), 'port' => $target, 'slow' => $SLOW,
                'run' => "$RUN-f$threads", 'ns' => "$RUN:f$threads:$name", 'phase_file' => $phaseFile, 'lossy' => $lossy];
            $during = function () use ($d, $phaseFile, $on, $off) {
                usleep((int) ($d * 1e6));
                file_put_contents($phaseFile, 'fault');
                $on();
                usleep((int) ($d * 1e6));
                $off();
                usleep(50000);
                file_put_contents($phaseFile, 'recovered');
                usleep((int) ($d * 1e6));
                file_put_contents($phaseFile, 'stop');
            };
            [$code, $lines, $err, $dt] = run_host(['-t', (string) $threads, '-r', '1'], $cfg, 60 * $SLOW, $during);
            [$t, $info] = read_run($lines, $code, $err, false);
            $e = $t['extra'];
            $checks = [];
            if (($e['fault_conn_exc'] ?? 0) + ($e['fault_srv_exc'] ?? 0) === 0) {
                $checks[] = "no call failed during the fault (was the fault on?)";
            }
            if (($e['recovered_ok'] ?? 0) === 0) {
                $checks[] = 'no call succeeded after the fault';
            }
            if ($info['ok_requests'] !== $threads) {
                $checks[] = "{$info['ok_requests']} of $threads requests ended with status 0";
            }
            record(sprintf('%2d thr fault %s', $threads, $name), $t, $info, $dt, $checks);
            printf("    during: %d ok, %d TagCacheConnectionException, %d TagCacheServerException; after: %d ok\n",
                $e['fault_ok'] ?? 0, $e['fault_conn_exc'] ?? 0, $e['fault_srv_exc'] ?? 0, $e['recovered_ok'] ?? 0);
        }
    } finally {
        $proxy->stop();
        $srv->stop();
        @unlink($phaseFile);
    }
}

/** 1,000 thread starts and stops (125 waves of 8): memory must stay flat. */
function churn_run(): void
{
    global $PORT, $RUN, $SLOW;
    $waves = 125;
    $cfg = ['suite' => 'mixed', 'pool' => 'own', 'pool_size' => 4, 'port' => $PORT, 'slow' => $SLOW,
        'run' => "$RUN-churn", 'ops' => 30, 'forks' => 0];
    [$code, $lines, $err, $dt] = run_host(['-t', '8', '-r', '1', '-w', (string) $waves, '--stats-every', '25'],
        $cfg, 300 * $SLOW);
    // The at-rest check runs once per wave here (the counter keeps going).
    [$t, $info] = read_run(array_values(array_filter($lines, fn($l) => !str_starts_with($l, 'ATREST '))), $code, $err, false);
    $checks = [];
    $rss = $info['rss'];
    if (count($rss) < 2) {
        $checks[] = 'no memory readings from the host';
    } else {
        // From the first reading (200 threads in, allocators warm) to the last.
        [$n0, $kb0] = $rss[0];
        [$n1, $kb1] = $rss[count($rss) - 1];
        $growth = $kb1 - $kb0;
        $line = sprintf('    rss after %d threads: %d kB; after %d threads: %d kB (%+d kB, %+.2f kB per thread)',
            $n0, $kb0, $n1, $kb1, $growth, $growth / max(1, $n1 - $n0));
        $t['extra']['lines'] = [$line, '    readings: ' . implode(', ', array_map(fn($r) => "{$r[0]}:{$r[1]}", $rss))];
        if ($growth > 4096) {
            $checks[] = "memory grew by $growth kB over " . ($n1 - $n0) . ' thread starts and stops';
        }
    }
    if ($info['ok_requests'] !== 8 * $waves) {
        $checks[] = "{$info['ok_requests']} of " . (8 * $waves) . ' requests ended with status 0';
    }
    record('churn 1000 threads', $t, $info, $dt, $checks);
}

/** PHP started and shut down 3 times in one process, a shared pool each time. */
function restart_run(): void
{
    global $PORT, $RUN, $SLOW;
    $cfg = ['suite' => 'mixed', 'pool' => 'shared', 'pool_size' => 4, 'port' => $PORT, 'slow' => $SLOW,
        'run' => "$RUN-restart", 'ops' => 50, 'forks' => 0];
    [$code, $lines, $err, $dt] = run_host(['-t', '8', '-r', '2', '-c', '3'], $cfg, 120 * $SLOW);
    [$t, $info] = read_run(array_values(array_filter($lines, fn($l) => !str_starts_with($l, 'ATREST '))), $code, $err, false);
    $checks = [];
    $socks = array_map(fn($f) => $f[1], $info['fds_after']);
    if (count($socks) !== 3) {
        $checks[] = 'expected 3 shutdown reports, got ' . count($socks);
    } elseif (max($socks) !== min($socks) || $info['leaked'] !== 0) {
        $checks[] = 'sockets open after each PHP shutdown: ' . implode(', ', $socks) . ' (must not grow)';
    }
    $t['extra']['lines'] = ['    sockets open after each shutdown: ' . implode(', ', $socks)];
    record('restart 3 cycles', $t, $info, $dt, $checks);
}

/**
 * Threads 1, 2 and 3 end their first request with an uncaught exception, a
 * fatal error and exit(7): the host reports exactly those, with their
 * thread, and the other requests (including the next ones on the same
 * threads) succeed.
 */
function fail_run(): void
{
    global $PORT, $RUN, $SLOW;
    $cfg = ['suite' => 'fail', 'pool' => 'shared', 'pool_size' => 4, 'port' => $PORT, 'slow' => $SLOW,
        'run' => "$RUN-fail", 'ops' => 50, 'forks' => 0];
    [$code, $lines, $err, $dt] = run_host(['-t', '8', '-r', '2'], $cfg, 120 * $SLOW);
    $failedLines = array_values(array_filter($lines, fn($l) => str_starts_with($l, 'host: FAILED')));
    [$t, $info] = read_run(array_values(array_filter($lines, fn($l) => !str_starts_with($l, 'host: FAILED'))), 0, $err, true);
    $checks = [];
    if ($code !== 1) {
        $checks[] = "host exit status $code, want 1";
    }
    $want = [
        1 => '/thread 1 request 0: exit status 255: .*Uncaught LogicException: uncaught on purpose in thread 1/',
        2 => '/thread 2 request 0: exit status 255: .*fatal error on purpose in thread 2/',
        3 => '/thread 3 request 0: exit status 7$/',
    ];
    foreach ($want as $th => $re) {
        if (!preg_grep($re, $failedLines)) {
            $checks[] = "no report of thread $th's failure matching $re";
        }
    }
    if (count($failedLines) !== 3) {
        $checks[] = count($failedLines) . ' failures reported, want 3: ' . implode(' | ', $failedLines);
    }
    if ($info['ok_requests'] !== 13 || $info['failed_requests'] !== 3) {
        $checks[] = "{$info['ok_requests']} ok and {$info['failed_requests']} failed requests, want 13 and 3";
    }
    $t['extra']['lines'] = array_map(fn($l) => '    reported as expected: ' . substr($l, strlen('host: FAILED: '), 120), $failedLines);
    record('failures reported', $t, $info, $dt, $checks);
}

printf("tagcache threaded stress (%s) against 127.0.0.1:%d%s, threads %s, scale %s\n", $mode, $PORT,
    $server ? ' (own server)' : '', implode(',', $threadList), $SCALE);
printf("%-22s %9s %9s %7s %6s %6s %9s  %s\n", 'run', 'ops', 'ops/s', 'errors', 'wrong', 'leak', 'waits', 'result');
$want = fn(string $s) => $only === null || in_array($s, $only, true);
foreach ($threadList as $n) {
    foreach ([['mixed-shared', fn() => mixed_run($n, 'shared')], ['mixed-own', fn() => mixed_run($n, 'own')],
        ['fork', fn() => mixed_run($n, 'shared', 'fork')], ['faults', fn() => fault_runs($n)]] as [$name, $fn]) {
        if ($want($name)) {
            try {
                $fn();
            } catch (Throwable $e) {
                $t = tally();
                note($t, 'errors', "$name threw " . get_class($e) . ': ' . $e->getMessage());
                record("$n thr $name", $t, ['leaked' => null], 0.0);
            }
        }
    }
}
foreach ([['fail', 'fail_run'], ['churn', 'churn_run'], ['restart', 'restart_run']] as [$name, $fn]) {
    if ($want($name)) {
        $fn();
    }
}
$passed = count(array_filter($results, fn($r) => $r[4]));
$failed = count($results) - $passed;
echo "$passed passed, $failed failed\n";
exit($failed ? 1 : 0);
