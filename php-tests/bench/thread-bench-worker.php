<?php
/*
 * One worker of php-tests/bench/threads.php: a thread of tagcache-php-host
 * (ZTS) or a process of the NTS CLI. Waits for the common start time, runs
 * its share of calls, checks every result, and prints one line
 *   BENCH {"ops":..,"start":..,"end":..,"cpu_ticks":..,"bad":..,"waits":..}
 * where cpu_ticks is this thread's own CPU time (user + system, clock
 * ticks) over the timed loop, read from /proc/thread-self/stat.
 */
declare(strict_types=1);

$cfg = json_decode((string) getenv('BENCH_CFG'), true);
if (!is_array($cfg) || !extension_loaded('tagcache')) {
    fwrite(STDERR, "thread-bench-worker.php: needs BENCH_CFG and the tagcache extension\n");
    exit(1);
}

function thread_cpu_ticks(): int
{
    $s = (string) @file_get_contents('/proc/thread-self/stat');
    // Fields after the ")" that ends the command name: utime is the 14th
    // field of the line, stime the 15th.
    $f = explode(' ', substr($s, strrpos($s, ')') + 2));
    return (int) ($f[11] ?? 0) + (int) ($f[12] ?? 0);
}

$tc = new TagCache(['host' => '127.0.0.1', 'port' => $cfg['port'], 'pool_size' => $cfg['pool'],
    'persistent' => 'bench-' . $cfg['run'], 'timeout_ms' => 30000]);
$nkeys = $cfg['keys'];
$batches = [];
if ($cfg['op'] === 'getMany') {
    for ($b = 0; $b < 16; $b++) {
        $ks = [];
        for ($i = 0; $i < 100; $i++) {
            $ks[] = 'bench:k' . (($b * 100 + $i * 7) % $nkeys);
        }
        $batches[] = array_values(array_unique($ks));
    }
}
// Warm: the connections exist before the clock starts.
for ($i = 0; $i < 20; $i++) {
    $tc->get('bench:k' . $i);
}
while (microtime(true) < $cfg['start_at']) {
    usleep(1000);
}
$n = (int) $cfg['n'];
$bad = 0;
$cpu0 = thread_cpu_ticks();
$t0 = microtime(true);
if ($cfg['op'] === 'get') {
    for ($i = 0; $i < $n; $i++) {
        $k = $i % $nkeys;
        $bad += $tc->get("bench:k$k") !== "v:bench:k$k";
    }
} else {
    for ($i = 0; $i < $n; $i++) {
        $ks = $batches[$i % 16];
        $got = $tc->getMany($ks);
        $bad += count($got) !== count($ks) || $got[$ks[0]] !== "v:{$ks[0]}";
    }
}
$t1 = microtime(true);
$cpu1 = thread_cpu_ticks();
// One write: the threads of the host share its stdout.
echo 'BENCH ' . json_encode(['ops' => $n, 'start' => $t0, 'end' => $t1, 'cpu_ticks' => $cpu1 - $cpu0, 'bad' => $bad,
    'waits' => $tc->stats()['pool']['waits']]) . "\n";
