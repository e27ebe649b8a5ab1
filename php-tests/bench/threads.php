<?php
/*
 * Threads against processes: the same calls made by N threads of one ZTS
 * process (tagcache-php-host, one shared persistent pool of 4 or of 16
 * connections) and by N NTS PHP processes (each with its own pool), for
 * N = 1, 2, 4, 8, 16, 32. The NTS processes are the baseline of the same
 * invocation: ratios are ZTS / NTS.
 *
 *   php -d extension=target/release/libtagcache.so php-tests/bench/threads.php \
 *       --host target-zts/release/tagcache-php-host --so target-zts/release/libtagcache.so
 *       [--nts-so target/release/libtagcache.so] [--nts-php php] [--threads 1,2,4,8,16,32]
 *       [--pools 4,16] [--gets 40000] [--batches 2000] [--repeat 1]
 *
 * Rows: `get` (single calls) and `getMany` of 100 keys. Each cell: calls/s
 * over the common window (first start to last end), client CPU per call
 * (each worker's own thread CPU time over its timed loop, from
 * /proc/thread-self/stat; clock ticks of 10 ms) and server CPU per call
 * (/proc/<pid>/stat of the server this script starts, over the whole run,
 * warm-up included). Every result is checked; a wrong one exits 1.
 * The work is split: each cell makes --gets (or --batches) calls in all.
 * "waits": checkouts that found every connection of the shared pool busy.
 */
declare(strict_types=1);

require __DIR__ . '/../stress/lib.inc';

$opt = ['host' => getenv('TAGCACHE_PHP_HOST') ?: '', 'so' => getenv('TAGCACHE_ZTS_SO') ?: '',
    'nts-so' => STRESS_ROOT . '/target/release/libtagcache.so', 'nts-php' => PHP_BINARY,
    'threads' => '1,2,4,8,16,32', 'pools' => '4,16', 'gets' => '40000', 'batches' => '2000', 'repeat' => '1'];
for ($i = 1; $i < $argc; $i++) {
    $a = $argv[$i];
    if (!str_starts_with($a, '--')) {
        fwrite(STDERR, "unexpected argument $a\n");
        exit(2);
    }
    $a = substr($a, 2);
    if (str_contains($a, '=')) {
        [$k, $v] = explode('=', $a, 2);
    } else {
        [$k, $v] = [$a, $argv[++$i] ?? ''];
    }
    if (!array_key_exists($k, $opt)) {
        fwrite(STDERR, "unknown option --$k\n");
        exit(2);
    }
    $opt[$k] = $v;
}
foreach (['host' => 'the threaded host (--host)', 'so' => 'the ZTS extension (--so)', 'nts-so' => 'the NTS extension (--nts-so)'] as $k => $what) {
    if (!is_file($opt[$k])) {
        fwrite(STDERR, "threads.php: $what not found: '{$opt[$k]}'\n");
        exit(2);
    }
    $opt[$k] = realpath($opt[$k]);
}
if (!extension_loaded('tagcache')) {
    fwrite(STDERR, "threads.php: run it with the NTS extension loaded (php -d extension=...)\n");
    exit(2);
}
$threads = array_map('intval', explode(',', $opt['threads']));
$pools = array_map('intval', explode(',', $opt['pools']));
$NKEYS = 1600;

$server = ServerProc::start(0);
register_shutdown_function(fn() => $server->stop());
$PORT = $server->port;
$SERVER_PID = proc_get_status($server->proc)['pid'];

$tc = new TagCache(['port' => $PORT]);
$items = [];
for ($i = 0; $i < $NKEYS; $i++) {
    $items["bench:k$i"] = "v:bench:k$i";
}
$tc->putMany($items);

function proc_ticks(int $pid): int
{
    $s = (string) @file_get_contents("/proc/$pid/stat");
    $f = explode(' ', substr($s, strrpos($s, ')') + 2));
    return (int) ($f[11] ?? 0) + (int) ($f[12] ?? 0);
}

/** Runs one cell; returns [calls/s, client µs CPU per call, server µs CPU per call, waits]. */
function cell(string $kind, string $op, int $n, int $pool): array
{
    global $opt, $PORT, $NKEYS, $SERVER_PID;
    $total = (int) ($op === 'get' ? $opt['gets'] : $opt['batches']);
    $per = max(1, intdiv($total, $n));
    $cfg = ['op' => $op, 'n' => $per, 'pool' => $pool, 'port' => $PORT, 'keys' => $NKEYS,
        'run' => "$kind-$op-$n-$pool-" . bin2hex(random_bytes(3)), 'start_at' => microtime(true) + 0.6 + 0.02 * $n];
    $env = getenv();
    $env['BENCH_CFG'] = json_encode($cfg);
    $worker = __DIR__ . '/thread-bench-worker.php';
    $outs = [];
    $procs = [];
    $srv0 = proc_ticks($SERVER_PID);
    if ($kind === 'zts') {
        $f = tempnam(sys_get_temp_dir(), 'tagcache-bench-');
        $outs[] = $f;
        $procs[] = proc_open([$opt['host'], '--deadline', '600', '-t', (string) $n, '-d', 'extension=' . $opt['so'], $worker],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', $f, 'w'], 2 => STDERR], $pipes, null, $env);
    } else {
        for ($i = 0; $i < $n; $i++) {
            $f = tempnam(sys_get_temp_dir(), 'tagcache-bench-');
            $outs[] = $f;
            $procs[] = proc_open([$opt['nts-php'], '-d', 'extension=' . $opt['nts-so'], $worker],
                [0 => ['file', '/dev/null', 'r'], 1 => ['file', $f, 'w'], 2 => STDERR], $pipes, null, $env);
        }
    }
    foreach ($procs as $p) {
        if (proc_close($p) !== 0) {
            fwrite(STDERR, "a $kind worker failed\n");
            exit(1);
        }
    }
    $srv1 = proc_ticks($SERVER_PID);
    $rows = [];
    foreach ($outs as $f) {
        foreach (file($f, FILE_IGNORE_NEW_LINES) ?: [] as $l) {
            if (str_starts_with($l, 'BENCH ')) {
                $rows[] = json_decode(substr($l, 6), true);
            }
        }
        @unlink($f);
    }
    if (count($rows) !== $n) {
        fwrite(STDERR, "$kind $op x$n: " . count($rows) . " of $n workers reported\n");
        exit(1);
    }
    $ops = array_sum(array_column($rows, 'ops'));
    if (($bad = array_sum(array_column($rows, 'bad'))) !== 0) {
        fwrite(STDERR, "$kind $op x$n: $bad wrong results\n");
        exit(1);
    }
    $window = max(array_column($rows, 'end')) - min(array_column($rows, 'start'));
    $tick = 1e6 / 100; // µs per clock tick (USER_HZ 100 on Linux)
    return [$ops / max($window, 1e-9), array_sum(array_column($rows, 'cpu_ticks')) * $tick / $ops,
        ($srv1 - $srv0) * $tick / $ops, max(array_column($rows, 'waits'))];
}

/** The best of --repeat runs (by calls/s). */
function best(string $kind, string $op, int $n, int $pool): array
{
    global $opt;
    $best = null;
    for ($r = 0; $r < max(1, (int) $opt['repeat']); $r++) {
        $c = cell($kind, $op, $n, $pool);
        if ($best === null || $c[0] > $best[0]) {
            $best = $c;
        }
    }
    return $best;
}

printf("tagcache: N ZTS threads (one process, shared pool) vs N NTS processes; server 127.0.0.1:%d\n", $PORT);
printf("calls/s; cpu = client µs CPU per call; srv = server µs CPU per call; ratio = ZTS calls/s / NTS calls/s\n\n");
foreach (['get', 'getMany'] as $op) {
    $hdr = sprintf('%-12s %3s | %9s %6s %6s', $op === 'get' ? 'get' : 'getMany(100)', 'N', 'NTS/s', 'cpu', 'srv');
    foreach ($pools as $p) {
        $hdr .= sprintf(' | %9s %6s %6s %7s %5s', "ZTS p$p/s", 'cpu', 'srv', 'waits', 'ratio');
    }
    echo $hdr, "\n";
    foreach ($threads as $n) {
        [$nOps, $nCpu, $nSrv] = best('nts', $op, $n, 4);
        $line = sprintf('%-12s %3d | %9.0f %6.1f %6.1f', $op === 'get' ? 'get' : 'getMany(100)', $n, $nOps, $nCpu, $nSrv);
        foreach ($pools as $p) {
            [$zOps, $zCpu, $zSrv, $waits] = best('zts', $op, $n, $p);
            $line .= sprintf(' | %9.0f %6.1f %6.1f %7d %5.2f', $zOps, $zCpu, $zSrv, $waits, $zOps / max($nOps, 1e-9));
        }
        echo $line, "\n";
    }
    echo "\n";
}
