<?php
/*
 * TagCache extension vs phpredis on the same machine, same keys, same
 * values: speed and CPU cost per operation of both clients and both servers.
 *
 * Build, then run from the repository root:
 *
 *   cargo build --release --workspace
 *   php -d extension=$PWD/target/release/libtagcache.so php-tests/bench/bench.php [options]
 *
 * (scripts/bench.sh does both.) The script starts tagcache-server and
 * redis-server itself, on free ports, and stops them at the end.
 *
 * Configurations, run one after the other (--configs):
 *   default  client and server defaults (tagcache.busy_poll_us, the server's
 *            --spin-us default)
 *   nospin   spinning off on both sides: option busy_poll_us => 0 on the
 *            client, tagcache-server restarted with --spin-us 0
 * phpredis and redis-server are the same in both; they are measured again in
 * each configuration, interleaved with TagCache, so every ratio compares
 * runs made at the same time.
 *
 * Sections (--sections, each row TagCache vs phpredis):
 *   ops     put, get, mixed (1 put : 2 gets): --n calls of one key
 *   batch   getMany/putMany vs mGet/mSet of each of --sizes keys per call,
 *           and putManyTags (putMany with --tags tags per call vs mSet) of
 *           --batch keys
 *   values  put/get of one value of each of --value-sizes bytes
 *   procs   put, get, mixed (--n calls), getMany/putMany (--calls calls of
 *           --batch keys) in each of --procs processes started together
 *
 * Options (defaults; --quick ones in brackets):
 *   --quick             a short run (fewer calls, one repeat); options given
 *                       explicitly still win
 *   --configs=LIST      default,nospin
 *   --sections=LIST     ops,batch,values,procs
 *   --rows=LIST         operations to run: put,get,mixed,getMany,putMany,
 *                       putManyTags (all)
 *   --repeat=N          runs of each row and backend, interleaved (3 [1])
 *   --n=N               calls per ops row and per process (20000 [3000])
 *   --sizes=LIST        keys per call of the batch rows
 *                       (1,10,100,1000,10000,100000)
 *   --batch=N           keys per call of putManyTags and the procs rows (100)
 *   --batch-keys=N      keys a batch row moves: calls = batch-keys / size,
 *                       within --min-calls..--max-calls (300000 [30000])
 *   --pool-keys=N       distinct keys a batch row cycles through; calls
 *                       beyond them repeat the same sets (200000 [30000])
 *   --value-sizes=LIST  bytes per value, K and M suffixes are 2^10 and
 *                       2^20 (100,10K,1M,16M)
 *   --value-bytes=N     bytes a values row moves (128M [32M])
 *   --pool-bytes=N      distinct bytes a values row cycles through (64M [32M])
 *   --min-calls=N       (3 [1])    --max-calls=N  (20000 [3000])
 *   --calls=N           getMany/putMany calls per process, procs rows
 *                       (1000 [100])
 *   --procs=N           processes of the procs rows (4 [2]; below 2 skips them)
 *   --tags=N            tags of each putManyTags call (2)
 *   --json=FILE         also write every figure (and every single run) here
 *   --server-bin=PATH   tagcache-server; else $TAGCACHE_SERVER_BIN,
 *                       $CARGO_TARGET_DIR/release, <repo>/target/release
 *   --port=P            use a running tagcache-server instead (then the
 *                       nospin configuration changes the client only)
 *   --server-pid=PID    its pid, for its CPU column ("?" without it)
 *   --redis-port=P      use a running redis-server instead of starting one
 *   --redis-pid=PID     its pid, for its CPU column ("?" without it)
 *
 * Each measurement runs in forked processes: each connects, builds its
 * inputs and expected results, makes one untimed call of the row, then on a
 * common start signal runs the timed calls. Client CPU is getrusage() of
 * those processes over the timed calls, server CPU the utime+stime of the
 * server process (/proc/PID/stat) over the same window. Rates are the best
 * of the repeats; CPU per unit is the total over the repeats divided by the
 * total units. Every value read is compared with the expected one; a
 * mismatch prints the problem and the script exits 1.
 */

declare(strict_types=1);

const OPS = ['put', 'get', 'mixed', 'getMany', 'putMany', 'putManyTags'];
const SECTIONS = ['ops', 'batch', 'values', 'procs'];
const CONFIGS = ['default', 'nospin'];
const MB = 1048576;

require __DIR__ . '/lib.inc';

function warn(string $msg): void
{
    fwrite(STDERR, "bench: $msg\n");
}

/* ---------------------------------------------------------------- options */

/** "16M" -> 16777216, "10K" -> 10240, "100" -> 100; null if malformed. */
function parse_size(string $s): ?int
{
    if (!preg_match('/^(\d+)([KkMm]?)$/', $s, $m)) {
        return null;
    }
    $mult = ['' => 1, 'k' => 1024, 'm' => MB][strtolower($m[2])];
    return (int) $m[1] * $mult;
}

function size_label(int $n): string
{
    if ($n >= MB && $n % MB === 0) {
        return ($n / MB) . 'MB';
    }
    if ($n >= 1024 && $n % 1024 === 0) {
        return ($n / 1024) . 'KB';
    }
    return $n . 'B';
}

function parse_args(array $argv): array
{
    $defaults = [
        'configs' => 'default,nospin', 'sections' => implode(',', SECTIONS), 'rows' => implode(',', OPS),
        'repeat' => 3, 'n' => 20000, 'sizes' => '1,10,100,1000,10000,100000', 'batch' => 100,
        'batch-keys' => 300000, 'pool-keys' => 200000, 'value-sizes' => '100,10K,1M,16M',
        'value-bytes' => '128M', 'pool-bytes' => '64M', 'min-calls' => 3, 'max-calls' => 20000,
        'calls' => 1000, 'procs' => 4, 'tags' => 2, 'json' => null, 'server-bin' => null,
        'port' => null, 'server-pid' => null, 'redis-port' => null, 'redis-pid' => null,
    ];
    $quick = [
        'repeat' => 1, 'n' => 3000, 'batch-keys' => 30000, 'pool-keys' => 30000, 'value-bytes' => '32M',
        'pool-bytes' => '32M', 'min-calls' => 1, 'max-calls' => 3000, 'calls' => 100, 'procs' => 2,
    ];
    $strings = ['configs', 'sections', 'rows', 'sizes', 'value-sizes', 'json', 'server-bin'];
    $bytes = ['value-bytes', 'pool-bytes'];
    $given = [];
    $isQuick = false;
    $args = array_slice($argv, 1);
    for ($i = 0; $i < count($args); $i++) {
        $a = $args[$i];
        if ($a === '-h' || $a === '--help') {
            $src = (string) file_get_contents(__FILE__);
            preg_match('~/\*(.*?)\*/~s', $src, $m);
            echo trim(preg_replace('~^[ \t]*\* ?~m', '', $m[1] ?? '')), "\n";
            exit(0);
        }
        if ($a === '--quick') {
            $isQuick = true;
            continue;
        }
        if (!str_starts_with($a, '--')) {
            fail("unexpected argument $a (see --help)");
        }
        [$name, $val] = array_pad(explode('=', substr($a, 2), 2), 2, null);
        if (!array_key_exists($name, $defaults)) {
            fail("unknown option --$name (see --help)");
        }
        if ($val === null) {
            $val = $args[++$i] ?? fail("--$name needs a value");
        }
        $given[$name] = $val;
    }
    $o = array_merge($defaults, $isQuick ? $quick : [], $given);
    $o['quick'] = $isQuick;
    foreach ($o as $name => $val) {
        if ($val === null || is_bool($val) || in_array($name, $strings, true)) {
            continue;
        }
        $val = (string) $val;
        $n = in_array($name, $bytes, true) ? parse_size($val) : (ctype_digit($val) ? (int) $val : null);
        if ($n === null) {
            fail("--$name must be a non-negative integer" . (in_array($name, $bytes, true) ? ' (K/M suffix allowed)' : '')
                . ", got '$val'");
        }
        $o[$name] = $n;
    }
    foreach (['repeat', 'n', 'batch', 'batch-keys', 'pool-keys', 'value-bytes', 'pool-bytes', 'min-calls',
              'max-calls', 'calls'] as $k) {
        if ($o[$k] < 1) {
            fail("--$k must be at least 1");
        }
    }
    if ($o['min-calls'] > $o['max-calls']) {
        fail('--min-calls must not exceed --max-calls');
    }
    $list = static function (string $name, array $allowed) use ($o): array {
        $items = array_values(array_unique(array_filter(explode(',', $o[$name]), 'strlen')));
        foreach ($items as $x) {
            if (!in_array($x, $allowed, true)) {
                fail("unknown '$x' in --$name (allowed: " . implode(',', $allowed) . ')');
            }
        }
        return $items;
    };
    $o['configs'] = $list('configs', CONFIGS);
    $o['sections'] = $list('sections', SECTIONS);
    $o['rows'] = $list('rows', OPS);
    foreach (['sizes' => false, 'value-sizes' => true] as $name => $suffix) {
        $out = [];
        foreach (array_filter(explode(',', $o[$name]), 'strlen') as $s) {
            $n = $suffix ? parse_size($s) : (ctype_digit($s) ? (int) $s : null);
            if ($n === null || $n < 1) {
                fail("--$name: '$s' is not a positive integer");
            }
            $out[] = $n;
        }
        $o[$name] = array_values(array_unique($out));
    }
    foreach (['port', 'redis-port'] as $k) {
        if ($o[$k] !== null && ($o[$k] < 1 || $o[$k] > 65535)) {
            fail("--$k must be a TCP port");
        }
    }
    if ($o['server-pid'] !== null && $o['port'] === null) {
        fail('--server-pid goes with --port (without --port the script starts its own server)');
    }
    if ($o['redis-pid'] !== null && $o['redis-port'] === null) {
        fail('--redis-pid goes with --redis-port');
    }
    return $o;
}

/* ---------------------------------------------------------- measurements */

function status_kb(string $field): ?int
{
    $s = @file_get_contents('/proc/self/status');
    return ($s !== false && preg_match("/^$field:\\s+(\\d+) kB/m", $s, $m)) ? (int) $m[1] : null;
}

/** Resets VmHWM to the current RSS (Linux >= 4.0); whether that worked. */
function reset_hwm(): bool
{
    return @file_put_contents('/proc/self/clear_refs', '5') === 1;
}

/* ---------------------------------------------------------------- servers */

/** The server's --spin-us default, from its --help; null if it does not say. */
function server_spin_default(string $bin): ?int
{
    $help = (string) @shell_exec(escapeshellarg($bin) . ' --help 2>&1');
    return preg_match('/^\s+--spin-us N[^(]*\(default (\d+)\)/m', $help, $m) ? (int) $m[1] : null;
}

/** [port, pid] of a server this script did not start; its CPU is unknown without a pid. */
function external_server(string $portOpt, string $pidOpt, string $what, array $o): array
{
    $pid = $o[$pidOpt];
    if ($pid === null) {
        warn("--$portOpt without --$pidOpt: the $what CPU column is unknown (\"?\")");
    } elseif (proc_cpu_us($pid) === null) {
        fail("--$pidOpt $pid: no such process");
    }
    return [$o[$portOpt], $pid];
}

/* --------------------------------------------------------------- backends */

/**
 * A backend: how to connect, the method of each operation (called directly
 * on the connection object, no wrapper in the timed loop), whether getMany
 * answers a list (phpredis: in request order, false for a miss) or an array
 * keyed by key (TagCache: hits only), and the server's pid.
 */
function backends(array $env): array
{
    $b = [];
    $b['tagcache'] = [
        'title' => 'TagCache',
        'connect' => static fn (array $cfg) => new TagCache(['port' => $env['tc_port']] + $cfg['client']),
        'm' => ['put' => 'put', 'get' => 'get', 'getMany' => 'getMany', 'putMany' => 'putMany',
            'delete' => 'deleteMany'],
        'list' => false,
        'tags' => true,
        'pid' => 'tc_pid',
    ];
    if ($env['redis_port'] !== null) {
        $b['phpredis'] = [
            'title' => 'phpredis',
            'connect' => static function (array $cfg) use ($env) {
                $r = new Redis();
                if (!$r->connect('127.0.0.1', $env['redis_port'], 2.0)) {
                    fail("phpredis cannot connect to port {$env['redis_port']}");
                }
                return $r;
            },
            'm' => ['put' => 'set', 'get' => 'get', 'getMany' => 'mGet', 'putMany' => 'mSet', 'delete' => 'del'],
            'list' => true,
            'tags' => false,
            'pid' => 'redis_pid',
        ];
    }
    return $b;
}

/* --------------------------------------------------------- keys and values */

/** Key i of the shared key space and its value (values differ per key). */
function key_of(int $i): string
{
    return "k:$i";
}

function val_of(string $key, int $i): string
{
    return "v:$key:$i";
}

/** Key j of a values row and its value of exactly $size bytes. */
function big_key(int $size, int $j): string
{
    return 'val:' . size_label($size) . ":$j";
}

function big_val(string $key, int $size): string
{
    $head = "v:$key:";
    if (strlen($head) >= $size) {
        return substr($head, 0, $size);
    }
    return $head . substr($GLOBALS['filler'], 0, $size - strlen($head));
}

/** Printable text (hex of random bytes) the big values are cut from. */
function make_filler(int $len): string
{
    $block = bin2hex(random_bytes(32768)); // 64 KB, repeated with a shift
    $out = '';
    for ($i = 0; strlen($out) < $len; $i++) {
        $out .= substr($block, $i % 61) . substr($block, 0, $i % 61);
    }
    return substr($out, 0, $len);
}

/** Writes key/value pairs through $c in chunks (untimed). */
function populate(array $be, $c, iterable $pairs, int $maxKeys = 1000, int $maxBytes = 8 * MB): void
{
    $m = $be['m']['putMany'];
    $items = [];
    $bytes = 0;
    foreach ($pairs as $k => $v) {
        $items[$k] = $v;
        $bytes += strlen($v);
        if (count($items) >= $maxKeys || $bytes >= $maxBytes) {
            if (!$c->$m($items)) {
                fail("populate: {$be['title']} $m returned false");
            }
            $items = [];
            $bytes = 0;
        }
    }
    if ($items && !$c->$m($items)) {
        fail("populate: {$be['title']} $m returned false");
    }
}

function small_pairs(int $from, int $to): Generator
{
    for ($i = $from; $i < $to; $i++) {
        $k = key_of($i);
        yield $k => val_of($k, $i);
    }
}

function big_pairs(int $size, int $count): Generator
{
    for ($j = 0; $j < $count; $j++) {
        $k = big_key($size, $j);
        yield $k => big_val($k, $size);
    }
}

/* ------------------------------------------------------------------- rows */

/**
 * The rows of a section. A row: section, op, label, unit (op, key or MB),
 * procs, per (keys per call), calls (per process), pool (distinct keys or
 * sets it cycles through), span (keys each process owns), vsize (values
 * rows), units (per process).
 */
function plan_rows(string $section, array $o): array
{
    $rows = [];
    $want = static fn (string $op) => in_array($op, $o['rows'], true);
    $clampCalls = static fn (float $c) => (int) max($o['min-calls'], min($o['max-calls'], ceil($c)));
    if ($section === 'ops' || $section === 'procs') {
        $procs = $section === 'procs' ? $o['procs'] : 1;
        if ($procs < 1 || ($section === 'procs' && $procs < 2)) {
            return [];
        }
        $suffix = $procs > 1 ? " x$procs" : '';
        foreach (['put', 'get', 'mixed'] as $op) {
            if ($want($op)) {
                $rows[] = ['section' => $section, 'op' => $op, 'label' => $op . $suffix, 'unit' => 'op',
                    'procs' => $procs, 'per' => 1, 'calls' => $o['n'], 'pool' => $o['n'], 'span' => $o['n']];
            }
        }
        if ($section === 'procs') {
            $b = $o['batch'];
            foreach (['getMany', 'putMany'] as $op) {
                if ($want($op)) {
                    $rows[] = ['section' => $section, 'op' => $op, 'label' => "$op($b)$suffix", 'unit' => 'key',
                        'procs' => $procs, 'per' => $b, 'calls' => $o['calls'], 'pool' => $o['calls'],
                        'span' => $o['calls'] * $b];
                }
            }
        }
    } elseif ($section === 'batch') {
        $batchRow = static function (string $op, int $size) use ($o, $clampCalls): array {
            $calls = $clampCalls($o['batch-keys'] / $size);
            $sets = (int) max(1, min($calls, intdiv($o['pool-keys'], $size)));
            return ['section' => 'batch', 'op' => $op, 'label' => "$op($size)", 'unit' => 'key', 'procs' => 1,
                'per' => $size, 'calls' => $calls, 'pool' => $sets, 'span' => $sets * $size];
        };
        foreach ($o['sizes'] as $size) {
            foreach (['getMany', 'putMany'] as $op) {
                if ($want($op)) {
                    $rows[] = $batchRow($op, $size);
                }
            }
        }
        if ($want('putManyTags')) {
            $rows[] = $batchRow('putManyTags', $o['batch']);
        }
    } elseif ($section === 'values') {
        foreach ($o['value-sizes'] as $vsize) {
            $calls = $clampCalls($o['value-bytes'] / $vsize);
            $pool = (int) max(1, min($calls, intdiv($o['pool-bytes'], $vsize)));
            foreach (['put', 'get'] as $op) {
                if ($want($op)) {
                    $rows[] = ['section' => $section, 'op' => $op, 'label' => "$op " . size_label($vsize),
                        'unit' => 'MB', 'procs' => 1, 'per' => 1, 'calls' => $calls, 'pool' => $pool,
                        'span' => $pool, 'vsize' => $vsize];
                }
            }
        }
    }
    foreach ($rows as $i => $r) {
        $rows[$i]['units'] = $r['unit'] === 'MB' ? $r['calls'] * $r['vsize'] / MB : $r['calls'] * $r['per'];
    }
    return $rows;
}

/**
 * The inputs of a row for process $p and the results it must give, built
 * before the clock starts: the timed loop is the cache calls plus one `!==`
 * per call, the same for both backends.
 */
function prepare_row(array $row, array $be, int $p): array
{
    $w = ['keys' => [], 'vals' => [], 'sets' => [], 'want' => []];
    if (isset($row['vsize'])) {
        for ($j = 0; $j < $row['pool']; $j++) {
            $k = big_key($row['vsize'], $j);
            $w['keys'][] = $k;
            $w['vals'][] = big_val($k, $row['vsize']);
        }
        return $w;
    }
    $base = $p * $row['span'];
    if ($row['per'] === 1 && !in_array($row['op'], ['getMany', 'putMany', 'putManyTags'], true)) {
        for ($i = $base, $e = $base + $row['pool']; $i < $e; $i++) {
            $k = key_of($i);
            $w['keys'][] = $k;
            $w['vals'][] = val_of($k, $i);
        }
        return $w;
    }
    $reads = $row['op'] === 'getMany';
    for ($j = 0; $j < $row['pool']; $j++) {
        $keys = $items = $list = [];
        for ($i = $base + $j * $row['per'], $e = $i + $row['per']; $i < $e; $i++) {
            $k = key_of($i);
            $keys[] = $k;
            $items[$k] = $list[] = val_of($k, $i);
        }
        $w['sets'][] = $reads ? $keys : $items;
        if ($reads) {
            $w['want'][] = $be['list'] ? $list : $items;
        }
    }
    return $w;
}

/** Runs $calls calls of a prepared row on connection $c (timed by the caller). */
function run_row(array $row, array $be, $c, array $w, int $calls, array $tags): void
{
    $name = $be['title'];
    $keys = $w['keys'];
    $vals = $w['vals'];
    $sets = $w['sets'];
    $np = $row['pool'];
    switch ($row['op']) {
        case 'put':
            $m = $be['m']['put'];
            for ($j = 0; $j < $calls; $j++) {
                $i = $j % $np;
                if (!$c->$m($keys[$i], $vals[$i])) {
                    fail("$name: $m {$keys[$i]} returned false");
                }
            }
            return;
        case 'get':
            $m = $be['m']['get'];
            for ($j = 0; $j < $calls; $j++) {
                $i = $j % $np;
                if (($got = $c->$m($keys[$i])) !== $vals[$i]) {
                    bad_value($name, $keys[$i], $got, $vals[$i]);
                }
            }
            return;
        case 'mixed':
            $put = $be['m']['put'];
            $get = $be['m']['get'];
            for ($j = 0; $j < $calls; $j++) {
                $i = $j % $np;
                if ($j % 3 === 0) {
                    if (!$c->$put($keys[$i], $vals[$i])) {
                        fail("$name: $put {$keys[$i]} returned false");
                    }
                } elseif (($got = $c->$get($keys[$i])) !== $vals[$i]) {
                    bad_value($name, $keys[$i], $got, $vals[$i]);
                }
            }
            return;
        case 'getMany':
            $m = $be['m']['getMany'];
            $want = $w['want'];
            for ($j = 0; $j < $calls; $j++) {
                $i = $j % $np;
                if (($res = $c->$m($sets[$i])) !== $want[$i]) {
                    bad_many($name, $m, $res, $want[$i]);
                }
            }
            return;
        case 'putMany':
            $m = $be['m']['putMany'];
            for ($j = 0; $j < $calls; $j++) {
                if (!$c->$m($sets[$j % $np])) {
                    fail("$name: $m returned false");
                }
            }
            return;
        case 'putManyTags':
            $m = $be['m']['putMany'];
            if ($be['tags'] && $tags) {
                for ($j = 0; $j < $calls; $j++) {
                    if (!$c->$m($sets[$j % $np], $tags)) {
                        fail("$name: $m with tags returned false");
                    }
                }
            } else {
                for ($j = 0; $j < $calls; $j++) {
                    if (!$c->$m($sets[$j % $np])) {
                        fail("$name: $m returned false");
                    }
                }
            }
            return;
    }
    fail("unknown operation {$row['op']}");
}

function short(mixed $v): string
{
    $s = var_export($v, true);
    return strlen($s) > 200 ? substr($s, 0, 200) . sprintf('... (%d bytes)', strlen($s)) : $s;
}

function bad_value(string $name, string $key, mixed $got, string $want): never
{
    fail(sprintf('%s: wrong value for %s: got %s, want %s', $name, $key, short($got), short($want)));
}

function bad_many(string $name, string $m, mixed $got, array $want): never
{
    $detail = '';
    if (is_array($got)) {
        foreach ($want as $k => $v) {
            if (($got[$k] ?? null) !== $v) {
                $detail = sprintf(' (first difference at %s: got %s, want %s)', var_export($k, true),
                    short($got[$k] ?? null), short($v));
                break;
            }
        }
        if ($detail === '') {
            $detail = sprintf(' (%d entries, want %d, or another order or extra keys)', count($got), count($want));
        }
    }
    fail(sprintf('%s: %s of %d keys returned %s%s', $name, $m, count($want),
        is_array($got) ? 'a wrong array' : short($got), $detail));
}

/* ------------------------------------------------------------ measurement */

/**
 * One child of a measurement: connect, prepare, one untimed call, "ready";
 * on "go" the timed calls; then "done <json>" with what it measured.
 */
function child_main(array $row, array $be, array $cfg, int $p, $sock, array $o): never
{
    $c = $be['connect']($cfg);
    $w = prepare_row($row, $be, $p);
    $tags = [];
    for ($t = 0; $t < $o['tags']; $t++) {
        $tags[] = "bench:tag:$t";
    }
    gc_collect_cycles();
    // Memory is measured from before the untimed call, so what a client keeps
    // after its first call (buffers, connections) counts too.
    $mem0 = memory_get_usage(true);
    $rss0 = status_kb('VmRSS');
    $hwmReset = reset_hwm();
    memory_reset_peak_usage();
    run_row($row, $be, $c, $w, 1, $tags);
    fwrite($sock, "ready\n");
    if (fgets($sock) !== "go\n") {
        exit(1);
    }
    [$u0, $s0] = self_cpu_times_us();
    $t0 = hrtime(true);
    run_row($row, $be, $c, $w, $row['calls'], $tags);
    $t1 = hrtime(true);
    [$u1, $s1] = self_cpu_times_us();
    $peak = memory_get_peak_usage(true);
    $hwm = status_kb('VmHWM');
    $res = [
        'wall_s' => ($t1 - $t0) / 1e9,
        'cli_user_us' => $u1 - $u0,
        'cli_sys_us' => $s1 - $s0,
        'php_peak_bytes' => $peak,
        'php_peak_extra_bytes' => $peak - $mem0,
        'vmhwm_kb' => $hwm,
        'vmhwm_extra_kb' => ($hwmReset && $hwm !== null && $rss0 !== null) ? max(0, $hwm - $rss0) : null,
    ];
    fwrite($sock, 'done ' . json_encode($res) . "\n");
    $c->close();
    exit(0);
}

/**
 * One run of a row for one backend, in $row['procs'] forked processes
 * started together. Rate: for one process its own timed loop, for several
 * all their units over the wall time from "go" to the last "done".
 */
function measure(array $row, array $be, array $cfg, array $env, array $o): array
{
    $children = [];
    for ($p = 0; $p < $row['procs']; $p++) {
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
            child_main($row, $be, $cfg, $p, $pair[1], $o);
        }
        fclose($pair[1]);
        $children[] = ['pid' => $pid, 'sock' => $pair[0]];
    }
    $what = "{$be['title']} {$row['label']}";
    foreach ($children as $ch) {
        if (fgets($ch['sock']) !== "ready\n") {
            reap($children);
            fail("$what: a process failed before the start");
        }
    }
    $spid = $env[$be['pid']];
    $k0 = proc_cpu_us($spid);
    $t0 = hrtime(true);
    foreach ($children as $ch) {
        fwrite($ch['sock'], "go\n");
    }
    $rep = [];
    foreach ($children as $ch) {
        $line = fgets($ch['sock']);
        if ($line === false || !str_starts_with($line, 'done ')) {
            reap($children);
            fail("$what: a process failed");
        }
        $rep[] = json_decode(substr($line, 5), true, 4, JSON_THROW_ON_ERROR);
    }
    $t1 = hrtime(true);
    $k1 = proc_cpu_us($spid);
    reap($children);
    $units = $row['units'] * $row['procs'];
    $wall = $row['procs'] === 1 ? $rep[0]['wall_s'] : ($t1 - $t0) / 1e9;
    $sum = static fn (string $f) => array_sum(array_column($rep, $f));
    $max = static function (string $f) use ($rep) {
        $v = array_column($rep, $f);
        return in_array(null, $v, true) || !$v ? null : max($v);
    };
    $srvUs = ($k0 === null || $k1 === null) ? null : $k1 - $k0;
    return [
        'units' => $units,
        'calls' => $row['calls'] * $row['procs'],
        'wall_s' => $wall,
        'rate' => $units / $wall,
        'cli_user_us' => $sum('cli_user_us'),
        'cli_sys_us' => $sum('cli_sys_us'),
        'srv_ticks' => $srvUs === null ? null : cpu_ticks($srvUs),
        'srv_us' => $srvUs,
        'php_peak_bytes' => $max('php_peak_bytes'),
        'php_peak_extra_bytes' => $max('php_peak_extra_bytes'),
        'vmhwm_kb' => $max('vmhwm_kb'),
        'vmhwm_extra_kb' => $max('vmhwm_extra_kb'),
    ];
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
        fail('a benchmark process exited with an error');
    }
}

/** Best rate, CPU per unit over all runs, largest memory figures. */
function aggregate(array $runs): array
{
    $units = array_sum(array_column($runs, 'units'));
    $cli = array_sum(array_column($runs, 'cli_user_us')) + array_sum(array_column($runs, 'cli_sys_us'));
    $srvKnown = !in_array(null, array_column($runs, 'srv_us'), true);
    $srv = $srvKnown ? array_sum(array_column($runs, 'srv_us')) : null;
    $maxOf = static function (string $f) use ($runs) {
        $v = array_column($runs, $f);
        return in_array(null, $v, true) ? null : max($v);
    };
    $rates = array_column($runs, 'rate');
    sort($rates);
    return [
        'rate_best' => max($rates),
        'rate_median' => $rates[intdiv(count($rates), 2)],
        'cli_us_per_unit' => $cli / $units,
        'cli_user_us_per_unit' => array_sum(array_column($runs, 'cli_user_us')) / $units,
        'srv_us_per_unit' => $srv === null ? null : $srv / $units,
        'total_us_per_unit' => $srv === null ? null : ($cli + $srv) / $units,
        'srv_ticks' => $srvKnown ? array_sum(array_column($runs, 'srv_ticks')) : null,
        'php_peak_bytes' => $maxOf('php_peak_bytes'),
        'php_peak_extra_bytes' => $maxOf('php_peak_extra_bytes'),
        'vmhwm_kb' => $maxOf('vmhwm_kb'),
        'vmhwm_extra_kb' => $maxOf('vmhwm_extra_kb'),
    ];
}

/** TagCache / phpredis: speed (higher: TagCache faster), CPU (lower: TagCache cheaper). */
function ratios(array $tc, array $rd): array
{
    $div = static fn (?float $a, ?float $b) => ($a === null || $b === null || $b <= 0.0) ? null : $a / $b;
    return [
        'speed' => $div($tc['rate_best'], $rd['rate_best']),
        'cli' => $div($tc['cli_us_per_unit'], $rd['cli_us_per_unit']),
        'srv' => $div($tc['srv_us_per_unit'], $rd['srv_us_per_unit']),
        'total' => $div($tc['total_us_per_unit'], $rd['total_us_per_unit']),
        'srv_coarse' => coarse($tc) || coarse($rd),
    ];
}

/** Fewer server ticks than this over a row's runs: its server figures are marked "~". */
const COARSE_TICKS = 20;

function coarse(array $agg): bool
{
    return $agg['srv_ticks'] !== null && $agg['srv_ticks'] < COARSE_TICKS;
}

/* ----------------------------------------------------------------- output */

function f_rate(float $x): string
{
    return match (true) {
        $x >= 1e7 => sprintf('%.1fM', $x / 1e6),
        $x >= 1e6 => sprintf('%.2fM', $x / 1e6),
        $x >= 1e4 => sprintf('%.1fk', $x / 1e3),
        $x >= 100 => sprintf('%.0f', $x),
        default => sprintf('%.1f', $x),
    };
}

function f_us(?float $x, bool $coarse = false): string
{
    if ($x === null) {
        return '?';
    }
    $s = match (true) {
        $x >= 1000 => sprintf('%.0f', $x),
        $x >= 100 => sprintf('%.1f', $x),
        $x >= 10 => sprintf('%.2f', $x),
        default => sprintf('%.3f', $x),
    };
    return ($coarse ? '~' : '') . $s;
}

function f_ratio(?float $x, string $suffix = '', bool $coarse = false): string
{
    return $x === null ? '?' : ($coarse ? '~' : '') . sprintf('%.2f', $x) . $suffix;
}

function f_mb(?float $bytes): string
{
    return $bytes === null ? '?' : sprintf('%.1f', $bytes / MB);
}

const ROW_FMT = "%-20s %-4s %-9s %9s %9s %9s %9s %8s %8s\n";

function print_table_head(): void
{
    // One more byte for each "µ" (printf pads bytes, not characters).
    printf("%-20s %-4s %-9s %9s %10s %10s %10s %8s %8s\n", 'row', 'unit', 'backend', 'per s', 'cli µs', 'srv µs',
        'total µs', '+php MB', '+rss MB');
}

function print_row(array $row, array $agg, ?array $ratio): void
{
    $first = true;
    foreach ($agg as $name => $a) {
        $coarse = coarse($a);
        printf(ROW_FMT, $first ? $row['label'] : '', $first ? $row['unit'] : '', $a['title'],
            f_rate($a['rate_best']), f_us($a['cli_us_per_unit']), f_us($a['srv_us_per_unit'], $coarse),
            f_us($a['total_us_per_unit'], $coarse), f_mb($a['php_peak_extra_bytes']),
            f_mb($a['vmhwm_extra_kb'] === null ? null : $a['vmhwm_extra_kb'] * 1024.0));
        $first = false;
    }
    if ($ratio !== null) {
        $c = $ratio['srv_coarse'];
        printf(ROW_FMT, '', '', 'TC/redis', f_ratio($ratio['speed'], 'x'), f_ratio($ratio['cli']),
            f_ratio($ratio['srv'], '', $c), f_ratio($ratio['total'], '', $c), '', '');
    }
}

/* ------------------------------------------------------------------- main */

if (!extension_loaded('tagcache')) {
    fail('the tagcache extension is not loaded; run: php -d extension=/abs/path/libtagcache.so ' . $argv[0]);
}
foreach (['pcntl_fork' => 'pcntl', 'posix_kill' => 'posix'] as $fn => $ext) {
    if (!function_exists($fn)) {
        fail("the $ext extension is needed (each measurement runs in forked processes)");
    }
}
$o = parse_args($argv);
pcntl_async_signals(true);
foreach ([SIGINT, SIGTERM] as $sig) {
    pcntl_signal($sig, static function () {
        exit(130); // runs the shutdown function: servers stopped
    });
}

$env = ['clk_tck' => clk_tck(), 'tc_port' => null, 'tc_pid' => null, 'redis_port' => null, 'redis_pid' => null];
$serverBin = null;
$spinDefault = null;
if ($o['port'] === null) {
    $serverBin = find_server_bin($o['server-bin']);
    $spinDefault = server_spin_default($serverBin);
} else {
    [$env['tc_port'], $env['tc_pid']] = external_server('port', 'server-pid', 'TagCache server', $o);
    if (in_array('nospin', $o['configs'], true)) {
        warn('--port: the server is not restarted, so the nospin configuration turns off the client\'s spin only');
    }
}
$redisVersion = null;
if (!extension_loaded('redis')) {
    warn('the redis extension is not loaded: phpredis rows and ratios skipped');
} elseif ($o['redis-port'] !== null) {
    [$env['redis_port'], $env['redis_pid']] = external_server('redis-port', 'redis-pid', 'redis-server', $o);
} elseif (($rb = find_redis_server()) !== null) {
    [$env['redis_port'], $env['redis_pid']] = start_redis_server($rb);
    $redisVersion = preg_match('/v=(\S+)/', (string) shell_exec(escapeshellarg($rb) . ' --version'), $m) ? $m[1] : null;
} else {
    warn('redis-server not found: phpredis rows and ratios skipped');
}

$maxValue = 0;
if (in_array('values', $o['sections'], true) && $o['value-sizes']) {
    $maxValue = max($o['value-sizes']);
}
$GLOBALS['filler'] = make_filler($maxValue);

$cpuModel = preg_match('/^model name\s*:\s*(.+)$/m', (string) @file_get_contents('/proc/cpuinfo'), $m) ? $m[1] : '?';
$meta = [
    'date' => date('c'),
    'php' => PHP_VERSION,
    'tagcache' => phpversion('tagcache') ?: null,
    'phpredis' => phpversion('redis') ?: null,
    'redis_server' => $redisVersion,
    'cpu' => $cpuModel,
    'cores' => (int) trim((string) shell_exec('nproc 2>/dev/null')) ?: null,
    'clk_tck' => $env['clk_tck'],
    'loadavg_start' => sys_getloadavg(),
    'options' => $o,
    'command' => implode(' ', array_map('escapeshellarg', $argv)),
];
printf("# tagcache %s, phpredis %s, redis-server %s, PHP %s; %s x%s; CLK_TCK %d\n",
    $meta['tagcache'] ?? '?', $meta['phpredis'] ?? '-', $redisVersion ?? ($env['redis_port'] ? 'external' : '-'),
    PHP_VERSION, $cpuModel, $meta['cores'] ?? '?', $env['clk_tck']);
printf("# %s; best of %d; load %s\n", $o['quick'] ? 'quick run' : 'full run', $o['repeat'],
    implode(' ', array_map(static fn ($x) => sprintf('%.2f', $x), $meta['loadavg_start'])));

$iniPoll = ini_get('tagcache.busy_poll_us');
$configs = [
    'default' => [
        'title' => sprintf('defaults: client busy_poll_us=%s, server --spin-us %s',
            $iniPoll === false ? '?' : $iniPoll, $o['port'] !== null ? 'as started' : ($spinDefault ?? 'default')),
        'client' => [],
        'server' => [],
    ],
    'nospin' => [
        'title' => sprintf('spinning off: client busy_poll_us=0, server --spin-us %s',
            $o['port'] !== null ? 'as started' : '0'),
        'client' => ['busy_poll_us' => 0],
        'server' => ['--spin-us', '0'],
    ],
];

// Every key the ops, batch and procs rows touch is k:0 .. k:(space-1),
// written before the rows of a configuration so every read hits and every
// write replaces a value.
$space = 0;
foreach ($o['sections'] as $sec) {
    foreach (plan_rows($sec, $o) as $row) {
        if (!isset($row['vsize'])) {
            $space = max($space, $row['procs'] * $row['span']);
        }
    }
}

$results = ['meta' => $meta, 'configs' => []];
foreach ($o['configs'] as $cfgName) {
    $cfg = $configs[$cfgName];
    if ($serverBin !== null) {
        stop_server('tagcache');
        [$env['tc_port'], $env['tc_pid']] = start_tagcache_server($serverBin, $cfg['server']);
    }
    $bes = backends($env);
    printf("\n== %s (tagcache-server pid %s port %d; redis-server pid %s)\n", $cfg['title'],
        $env['tc_pid'] ?? '?', $env['tc_port'], $env['redis_pid'] ?? ($env['redis_port'] ? '?' : '-'));
    foreach ($bes as $be) {
        $c = $be['connect']($cfg);
        populate($be, $c, small_pairs(0, $space));
        $c->close();
    }
    print_table_head();
    $cfgOut = ['name' => $cfgName, 'title' => $cfg['title'], 'client_options' => $cfg['client'],
        'server_args' => $serverBin !== null ? $cfg['server'] : null, 'tc_pid' => $env['tc_pid'],
        'redis_pid' => $env['redis_pid'], 'rows' => []];
    foreach ($o['sections'] as $sec) {
        $rows = plan_rows($sec, $o);
        foreach ($rows as $ri => $row) {
            // The big values of a size are written before its first row and
            // deleted after its last, so the servers never hold them all.
            $vsize = $row['vsize'] ?? null;
            $firstOfSize = $vsize !== null && ($rows[$ri - 1]['vsize'] ?? null) !== $vsize;
            $lastOfSize = $vsize !== null && ($rows[$ri + 1]['vsize'] ?? null) !== $vsize;
            if ($firstOfSize) {
                foreach ($bes as $be) {
                    $c = $be['connect']($cfg);
                    populate($be, $c, big_pairs($vsize, $row['pool']));
                    $c->close();
                }
            }
            $runs = [];
            for ($r = 0; $r < $o['repeat']; $r++) {
                foreach ($bes as $name => $be) {
                    $runs[$name][] = measure($row, $be, $cfg, $env, $o);
                }
            }
            $agg = [];
            foreach ($bes as $name => $be) {
                $agg[$name] = ['title' => $be['title']] + aggregate($runs[$name]);
            }
            $ratio = isset($agg['phpredis']) ? ratios($agg['tagcache'], $agg['phpredis']) : null;
            print_row($row, $agg, $ratio);
            $cfgOut['rows'][] = ['row' => $row, 'results' => $agg, 'ratios' => $ratio, 'runs' => $runs];
            if ($lastOfSize) {
                $keys = [];
                for ($j = 0; $j < $row['pool']; $j++) {
                    $keys[] = big_key($vsize, $j);
                }
                foreach ($bes as $be) {
                    $c = $be['connect']($cfg);
                    $c->{$be['m']['delete']}($keys);
                    $c->close();
                }
            }
        }
    }
    $results['configs'][$cfgName] = $cfgOut;
}
$results['meta']['loadavg_end'] = sys_getloadavg();

/* ---------------------------------------------------------------- summary */

$cfgNames = array_keys($results['configs']);
$byLabel = [];
foreach ($results['configs'] as $cn => $cfgOut) {
    foreach ($cfgOut['rows'] as $r) {
        $byLabel[$r['row']['label']][$cn] = $r;
    }
}
$summary = [];
if ($env['redis_port'] !== null) {
    echo "\n== summary: TagCache / phpredis (speed >1: TagCache faster; CPU per unit <1: TagCache cheaper)\n";
    $head = sprintf('%-20s %-4s', 'row', 'unit');
    $sub = sprintf('%-20s %-4s', '', '');
    foreach ($cfgNames as $cn) {
        $head .= sprintf(' | %-27s', $cn === 'default' ? 'defaults' : 'spinning off');
        $sub .= sprintf(' | %6s %6s %6s %6s', 'speed', 'cli', 'srv', 'total');
    }
    $spinCols = count($cfgNames) === 2;
    if ($spinCols) {
        $head .= ' | TagCache default/off';
        $sub .= sprintf(' | %6s %6s', 'cli', 'srv');
    }
    echo $head, "\n", $sub, "\n";
    foreach ($byLabel as $label => $per) {
        $first = reset($per);
        $line = sprintf('%-20s %-4s', $label, $first['row']['unit']);
        $sumRow = ['row' => $label, 'unit' => $first['row']['unit']];
        foreach ($cfgNames as $cn) {
            $x = $per[$cn]['ratios'] ?? null;
            $line .= $x === null ? sprintf(' | %27s', '-')
                : sprintf(' | %6s %6s %6s %6s', f_ratio($x['speed'], 'x'), f_ratio($x['cli']),
                    f_ratio($x['srv'], '', $x['srv_coarse']), f_ratio($x['total'], '', $x['srv_coarse']));
            $sumRow[$cn] = $x;
        }
        if ($spinCols) {
            $d = $per['default']['results']['tagcache'] ?? null;
            $n = $per['nospin']['results']['tagcache'] ?? null;
            $spin = ['cli' => null, 'srv' => null];
            if ($d !== null && $n !== null) {
                $spin['cli'] = $n['cli_us_per_unit'] > 0 ? $d['cli_us_per_unit'] / $n['cli_us_per_unit'] : null;
                $spin['srv'] = ($d['srv_us_per_unit'] !== null && $n['srv_us_per_unit'] > 0)
                    ? $d['srv_us_per_unit'] / $n['srv_us_per_unit'] : null;
            }
            $spinCoarse = $d !== null && $n !== null && (coarse($d) || coarse($n));
            $line .= sprintf(' | %6s %6s', f_ratio($spin['cli']), f_ratio($spin['srv'], '', $spinCoarse));
            $sumRow['tagcache_default_vs_nospin'] = $spin;
        }
        echo $line, "\n";
        $summary[] = $sumRow;
    }

    // The bulk-write comparison of issue 14, in absolute figures.
    $focus = "putMany({$o['batch']})";
    if (isset($byLabel[$focus])) {
        echo "\n== $focus vs mSet: keys/s, CPU µs per key (client, server)\n";
        foreach ($byLabel[$focus] as $cn => $r) {
            $t = $r['results']['tagcache'];
            $d = $r['results']['phpredis'];
            printf("%-12s TagCache %s keys/s, cli %s, srv %s | phpredis %s keys/s, cli %s, srv %s\n",
                $cn === 'default' ? 'defaults' : 'spinning off', f_rate($t['rate_best']), f_us($t['cli_us_per_unit']),
                f_us($t['srv_us_per_unit'], coarse($t)), f_rate($d['rate_best']), f_us($d['cli_us_per_unit']),
                f_us($d['srv_us_per_unit'], coarse($d)));
            $tagged = $byLabel["putManyTags({$o['batch']})"][$cn]['results']['tagcache'] ?? null;
            if ($tagged !== null && $tagged['srv_us_per_unit'] !== null && $t['srv_us_per_unit'] !== null) {
                printf("%-12s with %d tags per call: TagCache cli %s, srv %s (tags cost the server %s µs per key)\n",
                    '', $o['tags'], f_us($tagged['cli_us_per_unit']), f_us($tagged['srv_us_per_unit'], coarse($tagged)),
                    f_us($tagged['srv_us_per_unit'] - $t['srv_us_per_unit'], coarse($tagged) || coarse($t)));
            }
        }
    }
}
echo "\n# CPU per unit: client getrusage() of the PHP process(es) over the timed calls; server utime+stime from\n"
    . "# /proc/PID/stat over the same window ('~': fewer than " . COARSE_TICKS . " clock ticks of 1/{$env['clk_tck']} s).\n"
    . "# +php MB / +rss MB: growth of memory_get_peak_usage(true) / VmHWM of the PHP process during the calls.\n";

if ($o['json'] !== null) {
    $results['summary'] = $summary;
    $json = json_encode($results, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    if (@file_put_contents($o['json'], $json . "\n") === false) {
        fail("cannot write {$o['json']}");
    }
    echo "# every figure: {$o['json']}\n";
}
exit(0);
