<?php
/*
 * TagCache extension vs phpredis: operations per second, same keys, same
 * values, same machine.
 *
 * Build, then run from the repository root:
 *
 *   CARGO_TARGET_DIR=/work/target-bench cargo build --release --workspace
 *   php -d extension=/work/target-bench/release/libtagcache.so \
 *       php-tests/bench/bench.php [--n=20000] [--batch=100] [--calls=1000] [--procs=4] \
 *       [--port=PORT] [--redis-port=PORT] [--server-bin=PATH] [--rows=put,get] [--repeat=3]
 *
 * --n           operations per row and per process (default 20000)
 * --batch       keys per getMany/putMany call (default 100)
 * --calls       getMany/putMany calls per row and per process (default
 *               1000: each process moves calls x batch keys)
 * --procs       processes of the parallel rows (default 4; 0 or 1 skips them)
 * --port        a running TagCache server; without it, tagcache-server
 *               --port 0 is started here and stopped at the end. It is
 *               looked for at --server-bin, $TAGCACHE_SERVER_BIN,
 *               $CARGO_TARGET_DIR/release, <repo>/target/release and
 *               /work/target-bench/release.
 * --repeat      runs of each row and backend, interleaved; the best one
 *               is shown (default 3: a busy machine makes single runs noisy)
 * --rows        comma-separated subset of put,get,mixed,getMany,putMany
 * --redis-port  a running redis-server; without it, if the redis extension
 *               is loaded and redis-server is installed, one is started on a
 *               free port (no persistence) and stopped at the end. Without
 *               either, the phpredis column reads "-".
 *
 * Rows: put, get, mixed (1 put : 2 gets), getMany and putMany of --batch
 * keys x --calls calls, then the same rows in --procs forked processes,
 * each with its own connection, started together; their ops/s is all the
 * processes' operations over the wall time from the start signal to the
 * last one done.
 *
 * Every value read is checked: values are "v:<key>:<i>". A wrong or missing
 * value prints the problem and the script exits 1.
 */

declare(strict_types=1);

require __DIR__ . '/lib.inc';

const ROWS = ['put', 'get', 'mixed', 'getMany', 'putMany'];

function parse_args(array $argv): array
{
    $o = ['n' => 20000, 'batch' => 100, 'calls' => 1000, 'procs' => 4, 'port' => null,
          'redis-port' => null, 'server-bin' => null, 'rows' => implode(',', ROWS), 'repeat' => 3];
    $o = parse_cli($argv, $o, ['server-bin', 'rows'], __FILE__);
    if ($o['n'] < 1 || $o['batch'] < 1 || $o['calls'] < 1 || $o['repeat'] < 1) {
        fail('--n, --batch, --calls and --repeat must be at least 1');
    }
    $o['rows'] = array_values(array_filter(explode(',', $o['rows']), 'strlen'));
    foreach ($o['rows'] as $r) {
        if (!in_array($r, ROWS, true)) {
            fail("unknown row '$r' in --rows (rows: " . implode(',', ROWS) . ')');
        }
    }
    return $o;
}

/** Keys a row touches per process: n, or calls x batch for the batch rows. */
function row_keys(string $row, array $o): int
{
    return ($row === 'getMany' || $row === 'putMany') ? $o['calls'] * $o['batch'] : $o['n'];
}

/* --------------------------------------------------------------- backends */

/**
 * A backend: how to connect, and the five operations. getMany returns
 * [values, isList]: phpredis answers a list in request order (false for a
 * miss), TagCache an array keyed by key (hits only).
 */
function backends(array $o): array
{
    $b = [];
    $b['tagcache'] = [
        'connect' => fn () => new TagCache(['port' => $o['tc_port']]),
        'put' => fn ($c, string $k, string $v) => $c->put($k, $v),
        'get' => fn ($c, string $k) => $c->get($k),
        'getMany' => fn ($c, array $ks) => $c->getMany($ks),
        'putMany' => fn ($c, array $items) => $c->putMany($items),
        'list' => false,
    ];
    if ($o['redis_port'] !== null) {
        $b['phpredis'] = [
            'connect' => function () use ($o) {
                $r = new Redis();
                if (!$r->connect('127.0.0.1', $o['redis_port'], 2.0)) {
                    fail("phpredis cannot connect to port {$o['redis_port']}");
                }
                return $r;
            },
            'put' => fn ($c, string $k, string $v) => $c->set($k, $v),
            'get' => fn ($c, string $k) => $c->get($k),
            'getMany' => fn ($c, array $ks) => $c->mGet($ks),
            'putMany' => fn ($c, array $items) => $c->mSet($items),
            'list' => true,
        ];
    }
    return $b;
}

/* ------------------------------------------------------------------- rows */

function key_of(string $prefix, int $i): string
{
    return "$prefix:$i";
}

function val_of(string $key, int $i): string
{
    return "v:$key:$i";
}

function check(string $backend, string $key, mixed $got, string $want): void
{
    if ($got !== $want) {
        fail(sprintf('%s: wrong value for %s: got %s, want %s', $backend, $key,
            var_export($got, true), var_export($want, true)));
    }
}

/** Writes keys 0..n-1 of $prefix (untimed), so the reads of a row hit. */
function populate(array $be, $c, string $prefix, int $n): void
{
    for ($i = 0; $i < $n; $i += 1000) {
        $items = [];
        for ($j = $i; $j < min($n, $i + 1000); $j++) {
            $k = key_of($prefix, $j);
            $items[$k] = val_of($k, $j);
        }
        if (!$be['putMany']($c, $items)) {
            fail('populate: putMany returned false');
        }
    }
}

/**
 * Runs one row on connection $c; returns the operations done. The keys are
 * made and the results checked inside the timed loop for every backend
 * alike.
 */
/**
 * The inputs of a row and the results it must give, built before the clock
 * starts: the timed loop is then the cache calls plus one `!==` per call,
 * the same for both backends, rather than mostly PHP string building.
 */
function prepare_row(string $row, array $be, string $prefix, int $n, int $batch): array
{
    $w = ['keys' => [], 'vals' => [], 'sets' => [], 'want' => []];
    if ($row === 'getMany' || $row === 'putMany') {
        for ($j = 0, $calls = intdiv($n, $batch); $j < $calls; $j++) {
            $keys = $items = $list = [];
            for ($i = $j * $batch, $e = $i + $batch; $i < $e; $i++) {
                $k = key_of($prefix, $i);
                $keys[] = $k;
                $items[$k] = $list[] = val_of($k, $i);
            }
            $w['sets'][] = $row === 'getMany' ? $keys : $items;
            $w['want'][] = $be['list'] ? $list : $items;
        }
        return $w;
    }
    for ($i = 0; $i < $n; $i++) {
        $k = key_of($prefix, $i);
        $w['keys'][] = $k;
        $w['vals'][] = val_of($k, $i);
    }
    return $w;
}

/** Runs a prepared row (timed by the caller); how many keys it did. */
function run_row(string $name, string $row, array $be, $c, array $w, int $batch): int
{
    $put = $be['put'];
    $get = $be['get'];
    $keys = $w['keys'];
    $vals = $w['vals'];
    switch ($row) {
        case 'put':
            foreach ($keys as $i => $k) {
                if (!$put($c, $k, $vals[$i])) {
                    fail("$name: put $k returned false");
                }
            }
            return count($keys);
        case 'get':
            foreach ($keys as $i => $k) {
                if (($got = $get($c, $k)) !== $vals[$i]) {
                    check($name, $k, $got, $vals[$i]);
                }
            }
            return count($keys);
        case 'mixed':
            foreach ($keys as $i => $k) {
                if ($i % 3 === 0) {
                    if (!$put($c, $k, $vals[$i])) {
                        fail("$name: put $k returned false");
                    }
                } elseif (($got = $get($c, $k)) !== $vals[$i]) {
                    check($name, $k, $got, $vals[$i]);
                }
            }
            return count($keys);
        case 'getMany':
            $getMany = $be['getMany'];
            foreach ($w['sets'] as $j => $set) {
                $res = $getMany($c, $set);
                if ($res !== $w['want'][$j]) {
                    fail(sprintf("%s: getMany of %d keys returned %s, want %s", $name, $batch,
                        var_export($res, true), var_export($w['want'][$j], true)));
                }
            }
            return count($w['sets']) * $batch;
        case 'putMany':
            $putMany = $be['putMany'];
            foreach ($w['sets'] as $set) {
                if (!$putMany($c, $set)) {
                    fail("$name: putMany returned false");
                }
            }
            return count($w['sets']) * $batch;
    }
    fail("unknown row $row");
}

/** One process: ops/s of the row. */
function measure_single(string $name, array $be, string $row, array $o): float
{
    $c = $be['connect']();
    $prefix = "bench:$row:" . getmypid();
    populate($be, $c, $prefix, row_keys($row, $o));
    $work = prepare_row($row, $be, $prefix, row_keys($row, $o), $o['batch']);
    $t0 = hrtime(true);
    $ops = run_row($name, $row, $be, $c, $work, $o['batch']);
    $dt = (hrtime(true) - $t0) / 1e9;
    $c->close();
    return $ops / $dt;
}

/**
 * $procs forked processes, each with its own connection and keys. Each
 * connects and writes its keys, says "ready" and waits; the parent starts
 * the clock, says "go" to all, and stops it when the last says "done".
 */
function measure_parallel(string $name, array $be, string $row, array $o): float
{
    $procs = $o['procs'];
    $children = [];
    for ($p = 0; $p < $procs; $p++) {
        $pair = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        if ($pair === false) {
            fail('stream_socket_pair failed');
        }
        $pid = pcntl_fork();
        if ($pid === -1) {
            fail('pcntl_fork failed');
        }
        if ($pid === 0) {
            fclose($pair[0]);
            foreach ($children as $ch) {
                fclose($ch['sock']);
            }
            $sock = $pair[1];
            $c = $be['connect']();
            $prefix = "bench:$row:p$p:" . getmypid();
            populate($be, $c, $prefix, row_keys($row, $o));
            $work = prepare_row($row, $be, $prefix, row_keys($row, $o), $o['batch']);
            fwrite($sock, "ready\n");
            if (fgets($sock) !== "go\n") {
                exit(1);
            }
            $ops = run_row($name, $row, $be, $c, $work, $o['batch']);
            fwrite($sock, "done $ops\n");
            $c->close();
            exit(0);
        }
        fclose($pair[1]);
        $children[] = ['pid' => $pid, 'sock' => $pair[0]];
    }
    foreach ($children as $ch) {
        if (fgets($ch['sock']) !== "ready\n") {
            reap($children);
            fail("$name $row x$procs: a child failed before the start");
        }
    }
    $t0 = hrtime(true);
    foreach ($children as $ch) {
        fwrite($ch['sock'], "go\n");
    }
    $ops = 0;
    foreach ($children as $ch) {
        $line = fgets($ch['sock']);
        if ($line === false || !preg_match('/^done (\d+)$/', trim($line), $m)) {
            reap($children);
            fail("$name $row x$procs: a child failed");
        }
        $ops += (int) $m[1];
    }
    $dt = (hrtime(true) - $t0) / 1e9;
    reap($children);
    return $ops / $dt;
}

function reap(array $children): void
{
    $bad = false;
    foreach ($children as $ch) {
        @fclose($ch['sock']);
        pcntl_waitpid($ch['pid'], $status);
        if (!pcntl_wifexited($status) || pcntl_wexitstatus($status) !== 0) {
            $bad = true;
        }
    }
    if ($bad) {
        fail('a child process exited with an error');
    }
}

/* ------------------------------------------------------------------- main */

if (!extension_loaded('tagcache')) {
    fail('the tagcache extension is not loaded; run: php -d extension=/abs/path/libtagcache.so ' . $argv[0]);
}
$o = parse_args($argv);
if ($o['procs'] > 1 && !function_exists('pcntl_fork')) {
    fwrite(STDERR, "bench: pcntl not loaded, parallel rows skipped\n");
    $o['procs'] = 0;
}

$o['tc_port'] = $o['port'] ?? start_tagcache_server(find_server_bin($o['server-bin']));
$o['redis_port'] = null;
if (!extension_loaded('redis')) {
    fwrite(STDERR, "bench: the redis extension is not loaded, phpredis column skipped\n");
} elseif ($o['redis-port'] !== null) {
    $o['redis_port'] = $o['redis-port'];
} elseif (($rb = find_redis_server()) !== null) {
    $o['redis_port'] = start_redis_server($rb);
} else {
    fwrite(STDERR, "bench: redis-server not found, phpredis column skipped\n");
}

$bes = backends($o);
printf("# tagcache %s (port %d), phpredis %s (%s), n=%d batch=%d calls=%d procs=%d, best of %d, PHP %s\n",
    phpversion('tagcache') ?: '?', $o['tc_port'],
    phpversion('redis') ?: '-', $o['redis_port'] === null ? 'skipped' : "port {$o['redis_port']}",
    $o['n'], $o['batch'], $o['calls'], $o['procs'], $o['repeat'], PHP_VERSION);

$plan = [];
foreach ($o['rows'] as $row) {
    $plan[] = [$row, 1];
}
if ($o['procs'] > 1) {
    foreach ($o['rows'] as $row) {
        $plan[] = [$row, $o['procs']];
    }
}

$fmt = "%-18s %16s %16s %10s\n";
printf($fmt, 'row', 'TagCache ops/s', 'phpredis ops/s', 'TC/redis');
foreach ($plan as [$row, $procs]) {
    $label = ($row === 'getMany' || $row === 'putMany') ? "$row({$o['batch']})" : $row;
    if ($procs > 1) {
        $label .= " x$procs";
    }
    $rate = [];
    for ($r = 0; $r < $o['repeat']; $r++) {
        foreach ($bes as $name => $be) {
            $x = $procs > 1
                ? measure_parallel($name, $be, $row, $o)
                : measure_single($name, $be, $row, $o);
            $rate[$name] = max($rate[$name] ?? 0.0, $x);
        }
    }
    $tc = $rate['tagcache'];
    $rd = $rate['phpredis'] ?? null;
    printf($fmt, $label, number_format($tc, 0, '.', ','),
        $rd === null ? '-' : number_format($rd, 0, '.', ','),
        $rd === null ? '-' : sprintf('%.2f', $tc / $rd));
}
exit(0);
