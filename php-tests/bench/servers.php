<?php
/*
 * Several servers against one: what spreading keys over 3 tagcache-servers
 * costs the client, measured in one run.
 *
 *   php -d extension=$PWD/target/release/libtagcache.so php-tests/bench/servers.php \
 *       [--calls=2000] [--repeat=3] [--spin-us=50] [--busy-poll-us=50] [--server-bin=PATH]
 *
 * Rows, each with 1 server and with 3 (equal weights), the same keys and
 * values: getMany(100), putMany(100), and a pipeline of 1,000 calls
 * (put/get pairs). Each row runs --calls calls (pipelines: --calls / 10) in
 * this process after a warm-up, --repeat times; the best run is shown.
 * Columns: keys/s, client CPU µs per key (getrusage), servers' CPU µs per
 * key (utime+stime of every server from /proc/<pid>/stat, in clock ticks:
 * figures from fewer than 20 ticks are marked ~), and the ratio of 3
 * servers' keys/s to 1 server's. On a 2-core host the servers share the
 * cores with the client, so 3 servers cannot be faster; the ratio is the
 * overhead of splitting (the goal: 0.8 or more).
 *
 * Every value read is checked; a wrong one exits 1.
 */

declare(strict_types=1);

require __DIR__ . '/lib.inc';

if (!extension_loaded('tagcache')) {
    fail('the tagcache extension is not loaded (php -d extension=.../libtagcache.so)');
}
$o = parse_cli($argv, ['calls' => 2000, 'repeat' => 3, 'spin-us' => 50, 'busy-poll-us' => 50, 'server-bin' => null],
    ['server-bin'], __FILE__);
$bin = find_server_bin($o['server-bin']);

$servers = [];
for ($i = 0; $i < 3; $i++) {
    $servers[] = start_tagcache_server($bin, ['--spin-us', (string) $o['spin-us']], "tagcache$i");
}
$setups = [
    '1 server' => [['port' => $servers[0][0]], [$servers[0][1]]],
    '3 servers' => [['servers' => array_map(fn($s) => "127.0.0.1:$s[0]", $servers)], array_column($servers, 1)],
];

$keys = [];
$items = [];
for ($i = 0; $i < 100; $i++) {
    $keys[] = "bench:servers:$i";
    $items["bench:servers:$i"] = "value-$i-" . str_repeat('x', 40);
}

$rows = [
    'getMany(100)' => [100, 1, function (TagCache $c) use ($keys, $items): void {
        if ($c->getMany($keys) !== $items) {
            fail('getMany returned wrong values');
        }
    }],
    'putMany(100)' => [100, 1, function (TagCache $c) use ($items): void {
        if (!$c->putMany($items)) {
            fail('putMany failed');
        }
    }],
    'pipeline(1000)' => [1000, 10, function (TagCache $c) use ($keys, $items): void {
        $p = $c->pipeline();
        for ($i = 0; $i < 500; $i++) {
            $k = $keys[$i % 100];
            $p->put($k, $items[$k])->get($k);
        }
        foreach ($p->execute() as $n => $r) {
            if ($r !== ($n % 2 ? $items[$keys[intdiv($n, 2) % 100]] : true)) {
                fail("pipeline result $n is wrong");
            }
        }
    }],
];

$results = [];
foreach ($setups as $label => [$opts, $pids]) {
    $c = new TagCache($opts + ['busy_poll_us' => $o['busy-poll-us'], 'pool_size' => 4]);
    $c->putMany($items);
    foreach ($rows as $row => [$perCall, $div, $fn]) {
        $calls = max(1, intdiv($o['calls'], $div));
        for ($i = 0; $i < max(10, intdiv($calls, 10)); $i++) {
            $fn($c);
        }
        $best = null;
        for ($r = 0; $r < $o['repeat']; $r++) {
            $t0 = array_sum(array_map('proc_cpu_us', $pids));
            $c0 = self_cpu_us();
            $w0 = hrtime(true);
            for ($i = 0; $i < $calls; $i++) {
                $fn($c);
            }
            $wall = (hrtime(true) - $w0) / 1e9;
            $cli = self_cpu_us() - $c0;
            $srv = array_sum(array_map('proc_cpu_us', $pids)) - $t0;
            $n = $calls * $perCall;
            $run = ['rate' => $n / $wall, 'cli' => $cli / $n, 'srv' => $srv / $n, 'coarse' => cpu_ticks($srv) < 20];
            if ($best === null || $run['rate'] > $best['rate']) {
                $best = $run;
            }
        }
        $results[$row][$label] = $best;
    }
}

printf("busy_poll_us=%d, server --spin-us=%d, best of %d\n", $o['busy-poll-us'], $o['spin-us'], $o['repeat']);
printf("%-16s %-10s %12s %14s %14s %10s\n", 'row', 'servers', 'keys/s', 'client µs/key', 'server µs/key', '3 vs 1');
foreach ($results as $row => $by) {
    foreach ($by as $label => $r) {
        $ratio = $label === '3 servers' ? sprintf('%.2fx', $r['rate'] / $by['1 server']['rate']) : '';
        printf("%-16s %-10s %12s %14.3f %13s%s %10s\n", $row, $label, number_format($r['rate']), $r['cli'],
            sprintf('%.3f', $r['srv']), $r['coarse'] ? '~' : ' ', $ratio);
    }
}
