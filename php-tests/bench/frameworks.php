<?php
/*
 * Framework caches on TagCache vs the same frameworks on Redis, side by side
 * in one run:
 *
 *   Symfony: TagCache\Symfony\TagCacheAdapter (this extension) vs
 *            Symfony's RedisTagAwareAdapter (phpredis)
 *   Laravel: TagCache\Laravel\TagCacheStore vs Laravel's RedisStore
 *            (illuminate/redis on phpredis), both through a Repository
 *
 * Rows, per framework: tagged get() hits, tagged saves, and invalidating one
 * tag held by --items items (the items are stored before each timed
 * invalidation, untimed).
 *
 *   php -d extension=target/release/libtagcache.so php-tests/bench/frameworks.php \
 *       [--n=5000] [--items=1000] [--rounds=20] [--repeat=3] [--rows=sf-get,...] \
 *       [--port=PORT --server-pid=PID] [--redis-port=PORT --redis-pid=PID]
 *
 * --n        operations of the get and save rows (default 5000)
 * --items    items carrying the invalidated tag (default 1000)
 * --rounds   invalidations timed per run (default 20)
 * --repeat   runs of each row and backend, interleaved; ops/s is the best
 *            run, CPU per operation the lowest (default 3)
 * --rows     comma-separated subset of sf-get,sf-save,sf-invalidate,
 *            lv-get,lv-put,lv-flush
 * --port     a running tagcache-server (with --server-pid for its CPU);
 *            without it tagcache-server --port 0 is started from
 *            $TAGCACHE_SERVER_BIN, $CARGO_TARGET_DIR/release or
 *            target/release and stopped at the end
 * --redis-port  a running redis-server (with --redis-pid); without it one is
 *            started on a free port with no persistence
 *
 * CPU per operation: the client is this process (getrusage, user + system);
 * a server is the sum of its threads' time on CPU from
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds; /proc/<pid>/stat counts
 * in 10 ms ticks, too coarse for one invalidation). Wall time on a shared
 * machine swings: compare the CPU columns too.
 *
 * Both sides use the igbinary serializer when it is loaded (Symfony's
 * marshaller picks it by itself; the TagCache client is given
 * serializer=igbinary). Every value read is checked; a wrong one exits 1.
 */

declare(strict_types=1);

require __DIR__ . '/lib.inc';

const ROWS = ['sf-get', 'sf-save', 'sf-invalidate', 'lv-get', 'lv-put', 'lv-flush'];

function options(array $argv): array
{
    $o = ['n' => 5000, 'items' => 1000, 'rounds' => 20, 'repeat' => 3, 'rows' => implode(',', ROWS),
        'port' => null, 'server-pid' => null, 'redis-port' => null, 'redis-pid' => null];
    foreach (array_slice($argv, 1) as $a) {
        if ($a === '--help' || $a === '-h') {
            preg_match('~/\*(.*?)\*/~s', (string) file_get_contents(__FILE__), $m);
            echo preg_replace('~^ \* ?~m', '', trim($m[1])), "\n";
            exit(0);
        }
        if (!preg_match('/^--([a-z-]+)=(.+)$/', $a, $m) || !array_key_exists($m[1], $o)) {
            fail("unknown argument $a (see --help)");
        }
        if ($m[1] !== 'rows' && !ctype_digit($m[2])) {
            fail("--{$m[1]} must be a non-negative integer");
        }
        $o[$m[1]] = $m[1] === 'rows' ? $m[2] : (int) $m[2];
    }
    foreach (explode(',', $o['rows']) as $r) {
        in_array($r, ROWS, true) || fail("unknown row $r");
    }
    return $o;
}

$root = dirname(__DIR__, 2);
extension_loaded('tagcache') || fail('the tagcache extension is not loaded (php -d extension=target/release/libtagcache.so)');
extension_loaded('redis') || fail('the redis extension (php8.2-redis) is not loaded');
foreach (['Symfony/Component/Cache/autoload.php', 'Illuminate/Cache/autoload.php', 'Illuminate/Redis/autoload.php',
    'Illuminate/Container/autoload.php'] as $f) {
    stream_resolve_include_path($f) !== false || fail("$f not found: install php-symfony-cache, php-illuminate-cache, php-illuminate-redis, php-illuminate-container");
    require_once $f;
}
require $root . '/php/autoload.php';

$o = options($argv);

// ---- servers ---------------------------------------------------------

/** Seconds on CPU of every thread of $pid (0.0 without a pid). */
function server_cpu(?int $pid): float
{
    if ($pid === null) {
        return 0.0;
    }
    $ns = 0;
    foreach (glob("/proc/$pid/task/*/schedstat") ?: [] as $f) {
        $ns += (int) explode(' ', (string) @file_get_contents($f))[0];
    }
    return $ns / 1e9;
}

[$tcPort, $tcPid] = $o['port'] !== null ? [$o['port'], $o['server-pid']] : start_tagcache_server(find_server_bin(null));
[$rdPort, $rdPid] = $o['redis-port'] !== null ? [$o['redis-port'], $o['redis-pid']]
    : start_redis_server(find_redis_server() ?? fail('redis-server not found (apt-get install redis-server)'));

// ---- caches ----------------------------------------------------------

$serializer = extension_loaded('igbinary') ? 'igbinary' : 'php';
$tcClient = new TagCache(['host' => '127.0.0.1', 'port' => $tcPort, 'serializer' => $serializer]);
$redis = new Redis();
$redis->connect('127.0.0.1', $rdPort);
$run = bin2hex(random_bytes(3));

$sf = [
    'TagCache' => new TagCache\Symfony\TagCacheAdapter($tcClient, "bsf$run"),
    'Redis' => new Symfony\Component\Cache\Adapter\RedisTagAwareAdapter($redis, "bsf$run"),
];
$redisManager = new Illuminate\Redis\RedisManager(new Illuminate\Container\Container(), 'phpredis', [
    'default' => ['host' => '127.0.0.1', 'port' => $rdPort, 'database' => 0],
]);
$lv = [
    'TagCache' => new TagCache\Laravel\Repository(new TagCache\Laravel\TagCacheStore($tcClient, "blv$run")),
    'Redis' => new Illuminate\Cache\Repository(new Illuminate\Cache\RedisStore($redisManager, "blv$run", 'default')),
];

function payload(int $i): array
{
    return ['id' => $i, 'title' => "item $i", 'body' => str_repeat('x', 64)];
}

function check_value(mixed $got, int $i, string $what): void
{
    if (!is_array($got) || ($got['id'] ?? null) !== $i) {
        fail("$what: wrong value for item $i: " . var_export($got, true));
    }
}

$n = $o['n'];
$items = $o['items'];
$rounds = $o['rounds'];

/*
 * Each row: per backend, a setup (untimed) and a timed part. A timed part
 * returns how many operations it did; rows that time only part of their
 * work (the invalidations) measure themselves and return [ops, wall, cpu,
 * server cpu].
 */
$rowDefs = [
    'sf-get' => ["Symfony get() hit, 2 tags", static function (string $b, int $r) use ($sf, $n) {
        $cache = $sf[$b];
        if ($r === 0) {
            for ($i = 0; $i < $n; $i++) {
                $cache->get("g$i", static function ($item) use ($i) {
                    $item->tag(['all', 't' . ($i % 100)]);
                    return payload($i);
                });
            }
        }
        $miss = static fn () => fail("sf-get: a miss on $b");
        return static function () use ($cache, $n, $miss, $b) {
            for ($i = 0; $i < $n; $i++) {
                check_value($cache->get("g$i", $miss), $i, "sf-get $b");
            }
            return $n;
        };
    }],
    'sf-save' => ["Symfony save(), 2 tags", static function (string $b, int $r) use ($sf, $n) {
        $cache = $sf[$b];
        $list = [];
        foreach (array_chunk(range(0, $n - 1), 500) as $chunk) {
            foreach ($cache->getItems(array_map(fn ($i) => "s{$r}_$i", $chunk)) as $item) {
                $i = (int) substr($item->getKey(), strpos($item->getKey(), '_') + 1);
                $list[] = $item->set(payload($i))->tag(['all', 't' . ($i % 100)]);
            }
        }
        return static function () use ($cache, $list, $n, $r, $b) {
            foreach ($list as $item) {
                $cache->save($item) || fail("sf-save: save failed on $b");
            }
            check_value($cache->getItem("s{$r}_7")->get(), 7, "sf-save $b");
            return $n;
        };
    }],
    'sf-invalidate' => ["Symfony invalidateTags(), 1 tag on $items items", static function (string $b, int $r) use ($sf, $items, $rounds) {
        $cache = $sf[$b];
        return static function () use ($cache, $items, $rounds, $r, $b) {
            $acc = [0, 0.0, 0.0, 0.0];
            for ($k = 0; $k < $rounds; $k++) {
                $tag = "inv{$r}_$k";
                foreach (array_chunk(range(0, $items - 1), 500) as $chunk) {
                    foreach ($cache->getItems(array_map(fn ($i) => "i{$r}_{$k}_$i", $chunk)) as $item) {
                        $cache->saveDeferred($item->set(1)->tag([$tag, 'other']));
                    }
                    $cache->commit();
                }
                $m = measure(static fn () => $cache->invalidateTags([$tag]) ? 1 : fail("sf-invalidate failed on $b"), $b);
                $cache->hasItem("i{$r}_{$k}_5") && fail("sf-invalidate: an item survived on $b");
                $acc = [$acc[0] + $m[0], $acc[1] + $m[1], $acc[2] + $m[2], $acc[3] + $m[3]];
            }
            return $acc;
        };
    }],
    'lv-get' => ["Laravel tags()->get() hit, 2 tags", static function (string $b, int $r) use ($lv, $n) {
        $cache = $lv[$b];
        if ($r === 0) {
            for ($i = 0; $i < $n; $i++) {
                $cache->tags(['posts', 'u' . ($i % 100)])->put("g$i", payload($i), 3600);
            }
        }
        return static function () use ($cache, $n, $b) {
            for ($i = 0; $i < $n; $i++) {
                check_value($cache->tags(['posts', 'u' . ($i % 100)])->get("g$i"), $i, "lv-get $b");
            }
            return $n;
        };
    }],
    'lv-put' => ["Laravel tags()->put(), 2 tags", static function (string $b, int $r) use ($lv, $n) {
        $cache = $lv[$b];
        return static function () use ($cache, $n, $r, $b) {
            for ($i = 0; $i < $n; $i++) {
                $cache->tags(['posts', 'u' . ($i % 100)])->put("p{$r}_$i", payload($i), 3600) || fail("lv-put failed on $b");
            }
            check_value($cache->tags(['posts', 'u7'])->get("p{$r}_7"), 7, "lv-put $b");
            return $n;
        };
    }],
    'lv-flush' => ["Laravel tags()->flush(), 1 tag on $items items", static function (string $b, int $r) use ($lv, $items, $rounds) {
        $cache = $lv[$b];
        return static function () use ($cache, $items, $rounds, $r, $b) {
            $acc = [0, 0.0, 0.0, 0.0];
            for ($k = 0; $k < $rounds; $k++) {
                $tagged = $cache->tags(["inv{$r}_$k"]);
                $values = [];
                for ($i = 0; $i < $items; $i++) {
                    $values["i$i"] = 1;
                }
                $tagged->putMany($values, 3600);
                $m = measure(static fn () => $cache->tags(["inv{$r}_$k"])->flush() ? 1 : 0, $b);
                $cache->tags(["inv{$r}_$k"])->get('i5') === null || fail("lv-flush: an item survived on $b");
                $acc = [$acc[0] + $m[0], $acc[1] + $m[1], $acc[2] + $m[2], $acc[3] + $m[3]];
            }
            return $acc;
        };
    }],
];

/** @return array{0: int, 1: float, 2: float, 3: float} ops, wall s, client CPU s, server CPU s */
function measure(callable $timed, string $backend): array
{
    global $tcPid, $rdPid;
    $pid = $backend === 'TagCache' ? $tcPid : $rdPid;
    $s0 = server_cpu($pid);
    $c0 = self_cpu_us();
    $t0 = hrtime(true);
    $ops = $timed();
    $t1 = hrtime(true);
    $c1 = self_cpu_us();
    $s1 = server_cpu($pid);
    return [$ops, ($t1 - $t0) / 1e9, ($c1 - $c0) / 1e6, $s1 - $s0];
}

// ---- run -------------------------------------------------------------

printf("TagCache vs Redis through the frameworks: n=%d, items=%d, rounds=%d, best of %d, serializer %s\n",
    $n, $items, $rounds, $o['repeat'], $serializer);
printf("tagcache-server 127.0.0.1:%d (pid %s), redis-server 127.0.0.1:%d (pid %s)\n\n",
    $tcPort, $tcPid ?? '-', $rdPort, $rdPid ?? '-');
printf("%-44s %12s %12s %7s   %-19s %-19s\n", 'row', 'TagCache/s', 'Redis/s', 'ratio', 'client CPU us/op', 'server CPU us/op');
printf("%-44s %12s %12s %7s   %-19s %-19s\n", '', '', '', '', '  TagCache / Redis', '  TagCache / Redis');

foreach (explode(',', $o['rows']) as $row) {
    [$label, $def] = $rowDefs[$row];
    $best = [];
    for ($r = 0; $r < $o['repeat']; $r++) {
        foreach (['TagCache', 'Redis'] as $b) {
            $timed = $def($b, $r);
            $m = measure($timed, $b);
            if (is_array($m[0])) {
                $m = $m[0];     // the row measured its own invalidations
            }
            [$ops, $wall, $cpu, $srv] = $m;
            $cur = $best[$b] ?? ['ops' => 0.0, 'cpu' => INF, 'srv' => INF];
            $best[$b] = [
                'ops' => max($cur['ops'], $ops / $wall),
                'cpu' => min($cur['cpu'], $cpu / $ops * 1e6),
                'srv' => min($cur['srv'], $srv / $ops * 1e6),
            ];
        }
    }
    $srv = static fn (string $b) => ($b === 'TagCache' ? $tcPid : $rdPid) === null ? '-' : sprintf('%.1f', $best[$b]['srv']);
    printf("%-44s %12s %12s %6.2fx   %8.1f / %-8.1f %8s / %-8s\n",
        $label,
        number_format($best['TagCache']['ops']),
        number_format($best['Redis']['ops']),
        $best['TagCache']['ops'] / $best['Redis']['ops'],
        $best['TagCache']['cpu'],
        $best['Redis']['cpu'],
        $srv('TagCache'),
        $srv('Redis'));
}

$sf['TagCache']->clear();
$sf['Redis']->clear();
$lv['TagCache']->flush();
$lv['Redis']->flush();
echo "\nratio: TagCache ops/s over Redis ops/s (above 1: TagCache is faster)\n";
