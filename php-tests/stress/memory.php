<?php
/*
 * Long-loop memory check of the tagcache extension.
 *
 *   php -d extension=/abs/libtagcache.so php-tests/stress/memory.php [--quick] [--port N]
 *
 * Phases (each prints memory_get_usage() and VmRSS at intervals):
 *   1. put/get loop on one TagCache object (1M iterations; 200k with --quick)
 *   2. 10k TagCache objects created, used and destroyed
 *   3. error paths: pipelines with server errors, connection-refused
 *      exceptions, invalid arguments (exceptions created and freed)
 *   4. 8 gets of a 40 MB value (24 MB with --quick) on a persistent pool,
 *      then small gets: RSS must come back within 8 MiB of what it was
 *      before (the read buffer grown for a large reply is given back)
 * After a warm-up (the first 10% of each phase) neither number may grow by
 * more than a small bound: PHP heap 256 KiB, RSS 4 MiB.
 * Without --port it starts its own tagcache-server. Last line: PASS or FAIL.
 */
declare(strict_types=1);

require __DIR__ . '/lib.inc';
stress_ensure_extension($argv);

$quick = false;
$port = null;
for ($i = 1; $i < $argc; $i++) {
    switch ($argv[$i]) {
        case '--quick': $quick = true; break;
        case '--full': $quick = false; break;
        case '--port': $port = (int) $argv[++$i]; break;
        case '--so': $i++; break;
        default:
            fwrite(STDERR, "usage: memory.php [--quick] [--port N]\n");
            exit(2);
    }
}
$scale = (float) (getenv('STRESS_SCALE') ?: 1);
$server = null;
if ($port === null) {
    $server = ServerProc::start(0);
    $port = $server->port;
}
register_shutdown_function(function () use (&$server) {
    if ($server !== null) {
        $server->stop();
    }
});

const HEAP_BOUND = 256 * 1024;
const RSS_BOUND_KB = 4096;
/* After large replies: a few MiB of allocator slack, far below one reply. */
const BIG_RSS_BOUND_KB = 8192;
$failures = [];

/**
 * Runs $body($i) $n times, sampling memory 10 times; the baseline is taken
 * after 10% of the iterations.
 */
function phase(string $name, int $n, callable $body, array &$failures): void
{
    $every = max(1, intdiv($n, 10));
    $base = null;
    $maxHeap = $maxRss = 0;
    $t0 = microtime(true);
    for ($i = 0; $i < $n; $i++) {
        $body($i);
        if (($i + 1) % $every === 0) {
            gc_collect_cycles();
            $heap = memory_get_usage();
            $rss = rss_kb();
            if ($base === null) {
                $base = [$heap, $rss];
            }
            $maxHeap = max($maxHeap, $heap - $base[0]);
            $maxRss = max($maxRss, $rss - $base[1]);
            printf("  %-10s %8d/%d  heap %9d (%+7d)  rss %7d kB (%+6d)\n", $name, $i + 1, $n, $heap, $heap - $base[0], $rss, $rss - $base[1]);
        }
    }
    $ok = $maxHeap <= HEAP_BOUND && $maxRss <= RSS_BOUND_KB;
    printf("%-10s %d iterations in %.1fs, heap growth %d B, rss growth %d kB: %s\n", $name, $n, microtime(true) - $t0,
        $maxHeap, $maxRss, $ok ? 'ok' : 'GROWS');
    if (!$ok) {
        $failures[] = "$name: heap +$maxHeap B, rss +$maxRss kB after warm-up";
    }
}

$opts = ['host' => '127.0.0.1', 'port' => $port];
$ns = 'mem' . getmypid();
$wrong = 0;

// 1. put/get on one object, with varied values (strings, serialized arrays, ints).
$tc = new TagCache($opts);
$n1 = max(1000, (int) (($quick ? 200000 : 1000000) * $scale));
phase('put/get', $n1, function (int $i) use ($tc, $ns, &$wrong) {
    $k = "$ns:k" . ($i % 1000);
    $v = match ($i % 4) {
        0 => "value $i",
        1 => ['i' => $i, 's' => "x$i", 'l' => [1, 2, 3]],
        2 => $i,
        default => "line\n$i" . str_repeat('y', $i % 300),
    };
    $tc->put($k, $v, ["$ns:t" . ($i % 10)]);
    if ($tc->get($k) !== $v) {
        $wrong++;
    }
    if ($i % 100 === 0) {
        $tc->getMany(["$ns:k1", "$ns:k2", "$ns:k3", "$ns:missing"]);
        $tc->keysByTag("$ns:t1");
    }
}, $failures);
$tc->invalidate(array_map(fn($x) => "$ns:t$x", range(0, 9)));
unset($tc);

// 2. Objects created and destroyed.
$n2 = max(100, (int) (10000 * $scale));
phase('objects', $n2, function (int $i) use ($opts, $ns, &$wrong) {
    $tc = new TagCache($opts + ['pool_size' => 1 + $i % 4]);
    $tc->put("$ns:o", $i);
    if ($tc->get("$ns:o") !== $i) {
        $wrong++;
    }
    $p = $tc->pipeline();
    $p->get("$ns:o")->ping();
    unset($p); // a pipeline dropped without execute()
    if ($i % 2) {
        $tc->close();
    }
}, $failures);

// 3. Error paths.
$tc = new TagCache($opts);
$dead = new TagCache(['host' => '127.0.0.1', 'port' => free_port(), 'connect_timeout_ms' => 200, 'retry' => 0]);
$n3 = max(100, (int) (($quick ? 20000 : 100000) * $scale));
phase('errors', $n3, function (int $i) use ($tc, $dead, $ns, &$wrong) {
    $tc->put("$ns:s", 'not a number');
    $r = $tc->pipeline()->increment("$ns:s")->get("$ns:s")->execute();
    if (!$r[0] instanceof TagCacheServerException || $r[1] !== 'not a number') {
        $wrong++;
    }
    try {
        $tc->increment("$ns:s");
        $wrong++;
    } catch (TagCacheServerException $e) {
    }
    try {
        $dead->get('x');
        $wrong++;
    } catch (TagCacheConnectionException $e) {
    }
    try {
        $tc->put("bad\nkey", 1);
        $wrong++;
    } catch (ValueError $e) {
    }
}, $failures);

// 4. Large replies: a connection's read buffer grows to hold a reply (a
// 40 MB value is about 53 MB of wire text); once the reply is read the
// memory must go back, or every pooled connection keeps its largest reply
// for its whole life (outside memory_limit, and across requests with a
// persistent pool). RSS after the big reads must come back near what it
// was before them.
$bigMb = $quick ? 24 : 40;
$tc = new TagCache($opts + ['persistent' => "$ns-big", 'pool_size' => 2]);
$smallGets = function (int $n) use ($tc, $ns, &$wrong) {
    for ($i = 0; $i < $n; $i++) {
        if ($tc->get("$ns:small") !== 'small') {
            $wrong++;
        }
    }
};
$tc->put("$ns:small", 'small');
$smallGets(1000);
gc_collect_cycles();
$base = rss_kb();
$value = random_bytes($bigMb << 20);
$tc->put("$ns:big", $value);
$peak = 0;
for ($i = 0; $i < 8; $i++) {
    $got = $tc->get("$ns:big");
    if ($got !== $value) {
        $wrong++;
    }
    $peak = max($peak, rss_kb());
    unset($got);
}
unset($value);
$tc->delete("$ns:big");
$smallGets(1000);
gc_collect_cycles();
$after = rss_kb();
$ok = $after - $base <= BIG_RSS_BOUND_KB;
printf("big gets   8 x %d MB: rss before %d kB, peak %d kB, after %d kB (%+d kB): %s\n",
    $bigMb, $base, $peak, $after, $after - $base, $ok ? 'ok' : 'KEPT');
if (!$ok) {
    $failures[] = sprintf('big gets: rss %+d kB after the large replies were read (bound %d kB)',
        $after - $base, BIG_RSS_BOUND_KB);
}
if ($peak - $base < ($bigMb << 10)) {
    $failures[] = 'big gets: rss never grew by the value size: the phase measured nothing';
}
unset($tc);

if ($wrong) {
    $failures[] = "$wrong wrong results";
}
foreach ($failures as $f) {
    echo "! $f\n";
}
echo $failures ? "FAIL\n" : "PASS\n";
exit($failures ? 1 : 0);
