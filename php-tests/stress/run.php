<?php
/*
 * Stress harness of the tagcache extension.
 *
 *   php -d extension=/abs/libtagcache.so php-tests/stress/run.php [--quick|--full] [--port N] [--so PATH]
 *       [--only a,b,...] [--servers N]
 *
 * Without --port it starts target/release/tagcache-server (or
 * $TAGCACHE_SERVER_BIN) on a free port and stops it at the end. The fault
 * suite always runs its own server (it kills and restarts it) and the
 * fault proxy (proxy.php).
 *
 * --servers N (N > 1): every suite runs against N servers of its own (the
 * `servers` option; sessions listed in the save path), and the fault suite
 * adds "server-kill": one of N servers is killed while the workers run and
 * started again; calls that need it fail, the others must keep working.
 *
 * Suites: basic, ultra, concurrent, pool, pipeline, faults, sessions. Every worker is
 * a forked process; it reports a tally (ops, errors, wrong values) through a
 * temp file and its exit status; a worker killed by a signal is a failure.
 * Env: STRESS_SCALE (multiplies operation counts, default 1),
 *      STRESS_SLOW (multiplies timeouts and fault durations, e.g. under valgrind).
 * The last line is "N passed, N failed"; exit status 1 on any failure.
 */
declare(strict_types=1);

require __DIR__ . '/lib.inc';
stress_ensure_extension($argv);

$mode = 'quick';
$extPort = null;
$NSERVERS = 1;
$only = null;
for ($i = 1; $i < $argc; $i++) {
    switch ($argv[$i]) {
        case '--quick': $mode = 'quick'; break;
        case '--full': $mode = 'full'; break;
        case '--port': $extPort = (int) $argv[++$i]; break;
        case '--so': $i++; break; // used only to load the extension (lib.inc)
        case '--only': $only = explode(',', $argv[++$i]); break;
        case '--servers': $NSERVERS = max(1, (int) $argv[++$i]); break;
        default:
            fwrite(STDERR, "usage: run.php [--quick|--full] [--port N] [--so PATH] [--only suite,...] [--servers N]\n");
            exit(2);
    }
}
$FULL = $mode === 'full';
$SCALE = (float) (getenv('STRESS_SCALE') ?: 1);
$SLOW = max(1.0, (float) (getenv('STRESS_SLOW') ?: 1));
$PROCS = $FULL ? 8 : 4;
function scaled(int $n): int
{
    return max(1, (int) round($n * $GLOBALS['SCALE']));
}

$RUN = 'st' . getmypid() . bin2hex(random_bytes(2)); // key namespace of this run
$server = null;
$others = [];   // --servers: the servers after the first
if ($extPort === null || $NSERVERS > 1) {
    $server = ServerProc::start(0);
    $PORT = $server->port;
    for ($i = 1; $i < $NSERVERS; $i++) {
        $others[] = ServerProc::start(0);
    }
} else {
    $PORT = $extPort;
}
/** "127.0.0.1:port" of every server the suites use (--servers), else []. */
$SERVERS = $NSERVERS > 1
    ? array_map(fn($p) => "127.0.0.1:$p", array_merge([$PORT], array_map(fn($s) => $s->port, $others)))
    : [];
register_shutdown_function(function () use (&$server, &$others) {
    if (is_main_process() && $server !== null) {
        $server->stop();
        foreach ($others as $o) {
            $o->stop();
        }
    }
});
require __DIR__ . '/sessions.inc';   // sets session INI: before any output

function opts(array $extra = []): array
{
    $where = $GLOBALS['SERVERS'] ? ['servers' => $GLOBALS['SERVERS']] : ['host' => '127.0.0.1', 'port' => $GLOBALS['PORT']];
    return array_merge($where + ['timeout_ms' => (int) (10000 * $GLOBALS['SLOW'])], $extra);
}

/* ---------------------------------------------------------------- (a) basic */
function suite_basic(): array
{
    global $PROCS, $FULL, $RUN;
    $ops = scaled($FULL ? 25000 : 5000);
    // A client the parent uses before forking: half of the workers keep
    // using it (the pool must drop the parent's sockets in the child).
    $inherited = new TagCache(opts(['pool_size' => 4]));
    $t0 = tally();
    $inherited->put("$RUN:a:parent", 'parent-value');
    if ($inherited->get("$RUN:a:parent") !== 'parent-value') {
        note($t0, 'wrong', 'parent pre-fork get');
    }
    $r = run_workers($PROCS, function (int $w) use ($ops, $inherited, $RUN) {
        $t = tally();
        $tc = $w % 2 === 0 ? $inherited : new TagCache(opts(['pool_size' => 2]));
        $model = [];
        $own = fn(int $k) => "$RUN:a:w$w:k$k";
        $shared = fn(int $k) => "$RUN:a:shared:$k";
        $seq = 0;
        for ($j = 0; $j < $ops; $j++) {
            $op = mt_rand(0, 99);
            $k = mt_rand(0, 99);
            $key = $own($k);
            $t['ops']++;
            guarded($t, function () use (&$t, &$model, &$seq, $tc, $op, $k, $key, $j, $w, $own, $shared) {
                if ($op < 30) {
                    $v = any_value($j);
                    if ($tc->put($key, $v, ["$key-tag"]) !== true) {
                        note($t, 'wrong', "put $key !== true");
                    }
                    $model[$key] = $v;
                } elseif ($op < 60) {
                    $got = $tc->get($key, MISS);
                    $want = array_key_exists($key, $model) ? $model[$key] : MISS;
                    if ($got !== $want) {
                        note($t, 'wrong', "get $key: " . describe($got) . ' want ' . describe($want));
                    }
                } elseif ($op < 70) {
                    $got = $tc->delete($key);
                    if ($got !== array_key_exists($key, $model)) {
                        note($t, 'wrong', "delete $key: " . describe($got));
                    }
                    unset($model[$key]);
                } elseif ($op < 85) {
                    $sk = $shared($k % 32);
                    if ($tc->put($sk, cval($sk, $w, ++$seq)) !== true) {
                        note($t, 'wrong', "put $sk");
                    }
                } elseif ($op < 95) {
                    $sk = $shared($k % 32);
                    $got = $tc->get($sk);
                    if ($got !== null && cval_check($sk, $got) === null) {
                        note($t, 'wrong', "shared get $sk: " . describe($got));
                    }
                } elseif ($op < 98) {
                    $keys = [];
                    for ($x = 0; $x < 10; $x++) {
                        $keys[] = $own(($k + $x * 7) % 100);
                    }
                    $keys = array_values(array_unique($keys));
                    $got = $tc->getMany($keys);
                    $want = [];
                    foreach ($keys as $kk) {
                        if (array_key_exists($kk, $model)) {
                            $want[$kk] = $model[$kk];
                        }
                    }
                    if ($got !== $want) {
                        note($t, 'wrong', 'getMany: ' . describe($got) . ' want ' . describe($want));
                    }
                } else {
                    $v = any_value($j);
                    $got = $tc->add($key, $v);
                    if ($got !== !array_key_exists($key, $model)) {
                        note($t, 'wrong', "add $key: " . describe($got));
                    }
                    if ($got) {
                        $model[$key] = $v;
                    }
                }
            });
        }
        // Final: the whole private state, then clean up.
        $keys = array_map($own, range(0, 99));
        $t['ops'] += 2;
        guarded($t, function () use (&$t, $tc, $keys, $model) {
            $got = $tc->getMany($keys);
            $want = [];
            foreach ($keys as $k) {
                if (array_key_exists($k, $model)) {
                    $want[$k] = $model[$k];
                }
            }
            if ($got !== $want) {
                note($t, 'wrong', 'final getMany differs: ' . count($got) . ' vs ' . count($want));
            }
            if (($n = $tc->deleteMany($keys)) !== count($model)) {
                note($t, 'wrong', "deleteMany returned $n, want " . count($model));
            }
        });
        return $t;
    });
    $r = merge_tally($r, $t0);
    // The parent's client still works and was not disturbed by the children.
    $r['ops'] += 2;
    guarded($r, function () use (&$r, $inherited, $RUN) {
        if ($inherited->get("$RUN:a:parent") !== 'parent-value') {
            note($r, 'wrong', 'parent get after fork');
        }
        $p = $inherited->stats()['pool'];
        if ($p['busy'] !== 0) {
            note($r, 'wrong', 'parent pool busy after fork: ' . json_encode($p));
        }
    });
    $inherited->close();
    return $r;
}

/* ---------------------------------------------------------------- (b) ultra */
function suite_ultra(): array
{
    global $PROCS, $RUN;
    $total = scaled(20000);
    $rounds = 3;
    $r = tally();
    for ($round = 0; $round < $rounds; $round++) {
        $share = intdiv($total, $PROCS);
        $rt = run_workers($PROCS, function (int $w) use ($share, $round, $RUN) {
            $t = tally();
            $tc = new TagCache(opts(['pool_size' => 1]));
            $nk = 200;
            $model = [];
            for ($j = 0; $j < $share; $j++) {
                $k = "$RUN:u:w$w:" . ($j % $nk);
                $t['ops']++;
                guarded($t, function () use (&$t, &$model, $tc, $k, $j, $round) {
                    switch (($j / 200 | 0) % 4) {
                        case 0:
                        case 2:
                            $v = "r$round|$j|" . ($j * 31);
                            $tc->put($k, $v);
                            $model[$k] = $v;
                            break;
                        case 1:
                            if (($got = $tc->get($k, MISS)) !== ($model[$k] ?? MISS)) {
                                note($t, 'wrong', "ultra get $k: " . describe($got));
                            }
                            break;
                        default:
                            if ($j % 2) {
                                if ($tc->delete($k) !== isset($model[$k])) {
                                    note($t, 'wrong', "ultra delete $k");
                                }
                                unset($model[$k]);
                            } elseif (($got = $tc->get($k, MISS)) !== ($model[$k] ?? MISS)) {
                                note($t, 'wrong', "ultra get2 $k: " . describe($got));
                            }
                    }
                });
            }
            return $t;
        });
        $r = merge_tally($r, $rt);
    }
    return $r;
}

/* ---------------------------------------------------- (c) concurrent + tags */
function suite_concurrent(): array
{
    global $PROCS, $FULL, $RUN;
    $ops = scaled($FULL ? 20000 : 4000);
    $NK = 64;
    $NG = 8;
    $ctr = "$RUN:c:counter";
    $r = run_workers($PROCS, function (int $w) use ($ops, $NK, $NG, $RUN, $ctr) {
        $t = tally();
        $t['extra']['increments'] = 0;
        $tc = new TagCache(opts(['pool_size' => 3, 'fanout_min' => 8]));
        $key = fn(int $k) => "$RUN:c:k$k";
        $gtag = fn(int $k) => "$RUN:c:g" . ($k % $NG);
        $seq = 0;
        $seen = []; // [key][writer] => highest seq seen: reads never go back in time
        $check = function (string $k, $got) use (&$t, &$seen) {
            if ($got === null) {
                return;
            }
            $ws = cval_check($k, $got);
            if ($ws === null) {
                note($t, 'wrong', "read $k: " . describe($got));
                return;
            }
            [$writer, $s] = $ws;
            if (($seen[$k][$writer] ?? -1) > $s) {
                note($t, 'wrong', "stale read $k: writer $writer seq $s after seq {$seen[$k][$writer]}");
            }
            $seen[$k][$writer] = max($s, $seen[$k][$writer] ?? -1);
        };
        for ($j = 0; $j < $ops; $j++) {
            $op = mt_rand(0, 99);
            $k = mt_rand(0, $NK - 1);
            $t['ops']++;
            guarded($t, function () use (&$t, &$seq, $tc, $op, $k, $w, $j, $key, $gtag, $check, $NK, $NG, $RUN, $ctr) {
                $kk = $key($k);
                if ($op < 30) {
                    $tc->put($kk, cval($kk, $w, ++$seq), [$gtag($k), "$RUN:c:all"]);
                } elseif ($op < 35) {
                    $items = [];
                    for ($x = 0; $x < 6; $x++) {
                        $k2 = ($k + $x * 11) % $NK;
                        if ($k2 % $NG === $k % $NG) {
                            $items[$key($k2)] = cval($key($k2), $w, ++$seq);
                        }
                    }
                    $tc->putMany($items, [$gtag($k), "$RUN:c:all"]);
                } elseif ($op < 65) {
                    $check($kk, $tc->get($kk));
                } elseif ($op < 70) {
                    $keys = [];
                    for ($x = 0; $x < 16; $x++) {
                        $keys[] = $key(($k + $x) % $NK);
                    }
                    foreach ($tc->getMany($keys) as $gk => $gv) {
                        if (!in_array($gk, $keys, true)) {
                            note($t, 'wrong', "getMany returned a key not asked for: $gk");
                        }
                        $check((string) $gk, $gv);
                    }
                } elseif ($op < 74) {
                    $tc->delete($kk);
                } elseif ($op < 80) {
                    // Invalidation racing the writes: at most the keys of the group.
                    $n = $tc->invalidate($gtag($k));
                    if ($n < 0 || $n > $NK / $NG) {
                        note($t, 'wrong', "invalidate group returned $n");
                    }
                } elseif ($op < 84) {
                    $keys = $tc->keysByTag($gtag($k));
                    foreach ($keys as $x) {
                        if (!preg_match('/:c:k(\d+)$/', $x, $m) || (int) $m[1] % $NG !== $k % $NG) {
                            note($t, 'wrong', "keysByTag(group " . ($k % $NG) . ") listed $x");
                        }
                    }
                } elseif ($op < 90) {
                    $tc->increment($ctr);
                    $t['extra']['increments']++;
                } else {
                    // Private tags: every count is exact.
                    $tp = "$RUN:c:p$w:$j";
                    $n = 10 + $j % 7;
                    $both = [];
                    $one = [];
                    for ($x = 0; $x < $n; $x++) {
                        $pk = "$RUN:c:p$w:$j:$x";
                        if ($x % 2) {
                            $both[] = $pk;
                            $tc->put($pk, cval($pk, $w, ++$seq), [$tp, "$tp-b"]);
                        } else {
                            $one[] = $pk;
                            $tc->put($pk, cval($pk, $w, ++$seq), [$tp]);
                        }
                    }
                    $listed = $tc->keysByTag($tp);
                    sort($listed);
                    $all = array_merge($both, $one);
                    sort($all);
                    if ($listed !== $all) {
                        note($t, 'wrong', "keysByTag(private) gave " . count($listed) . " keys, want $n");
                    }
                    if (($got = $tc->invalidate([$tp, "$tp-b"], 'all')) !== count($both)) {
                        note($t, 'wrong', "invalidate(all) returned $got, want " . count($both));
                    }
                    if (($got = $tc->invalidate($tp)) !== count($one)) {
                        note($t, 'wrong', "invalidate(private) returned $got, want " . count($one));
                    }
                    if (($got = $tc->getMany($all)) !== []) {
                        note($t, 'wrong', 'invalidated keys still there: ' . count($got));
                    }
                    if (($got = $tc->invalidate($tp)) !== 0) {
                        note($t, 'wrong', "second invalidate returned $got");
                    }
                }
            });
        }
        return $t;
    });
    // Deterministic totals, checked by the parent.
    $r['ops'] += 3;
    guarded($r, function () use (&$r, $ctr, $RUN, $NK) {
        $tc = new TagCache(opts());
        $want = $r['extra']['increments'] ?? 0;
        if (($got = $tc->get($ctr, 0)) !== $want) {
            note($r, 'wrong', "counter is " . describe($got) . ", $want increments were made");
        }
        $n = $tc->invalidate("$RUN:c:all");
        if ($n < 0 || $n > $NK) {
            note($r, 'wrong', "invalidate(all) returned $n > $NK");
        }
        if (($left = $tc->keysByTag("$RUN:c:all")) !== []) {
            note($r, 'wrong', 'keys left after invalidate(all): ' . count($left));
        }
    });
    unset($r['extra']['increments']);
    return $r;
}

/* ----------------------------------------------------------------- (d) pool */
function suite_pool(): array
{
    global $FULL, $RUN;
    $n = scaled(5000);
    $procs = $FULL ? 4 : 2;
    return run_workers($procs, function (int $w) use ($n, $RUN, $FULL) {
        $t = tally();
        $tc = new TagCache(opts(['pool_size' => 50, 'fanout_min' => 10]));
        $items = [];
        for ($i = 0; $i < $n; $i++) {
            $k = "$RUN:d:w$w:$i";
            $items[$k] = cval($k, $w, $i);
        }
        $t['ops'] += $n;
        if (guarded($t, fn() => $tc->putMany($items, ["$RUN:d:w$w"])) !== true) {
            note($t, 'wrong', 'putMany !== true');
        }
        $keys = array_keys($items);
        for ($rep = 0; $rep < ($FULL ? 10 : 3); $rep++) {
            $t['ops'] += $n;
            $got = guarded($t, fn() => $tc->getMany($keys));
            if (!is_array($got)) {
                continue;
            }
            if (array_keys($got) !== $keys) {
                note($t, 'wrong', 'getMany keys/order differ: ' . count($got) . " of $n");
            }
            foreach ($got as $k => $v) {
                if (($items[$k] ?? null) !== $v) {
                    note($t, 'wrong', "pool getMany $k: " . describe($v));
                }
            }
            // One pool of 50 per server (--servers: each server's share of
            // the batch is split over its own pool).
            $st = $tc->stats();
            foreach ($st['servers'] ?? ['' => $st] as $name => $one) {
                $p = $one['pool'];
                if ($p['created'] !== 50 && $n >= 500) {
                    note($t, 'wrong', "pool $name created " . $p['created'] . ', want 50 (all connections in use at once)');
                }
                if ($p['busy'] !== 0 || $p['open'] > 50) {
                    note($t, 'wrong', "pool $name after getMany: " . json_encode($p));
                }
            }
        }
        // A pipeline with the same keys, and a mixed batch.
        $t['ops'] += $n;
        $res = guarded($t, function () use ($tc, $keys) {
            $pl = $tc->pipeline();
            foreach ($keys as $k) {
                $pl->get($k);
            }
            return $pl->execute();
        });
        if (is_array($res)) {
            foreach ($keys as $i => $k) {
                if (($res[$i] ?? null) !== $items[$k]) {
                    note($t, 'wrong', "pipeline get $k: " . describe($res[$i] ?? null));
                }
            }
        }
        $t['ops']++;
        if (($c = guarded($t, fn() => $tc->invalidate("$RUN:d:w$w"))) !== $n) {
            note($t, 'wrong', "invalidate returned " . describe($c) . ", want $n");
        }
        $t['extra']['pool_created_max'] = $tc->stats()['pool']['created'];
        return $t;
    });
}

/* ------------------------------------------------------------- (e) pipeline */
function suite_pipeline(): array
{
    global $RUN, $FULL;
    return run_workers($FULL ? 4 : 2, function (int $w) use ($RUN) {
        $t = tally();
        // Rounds 0-2: one connection per batch (1,000 calls < fanout_min).
        // Rounds 3-4: the same with fanout_min 10, so the batch is split over
        // up to 8 connections: the results must still be those of the calls
        // made one after the other.
        $plain = new TagCache(opts(['pool_size' => 2]));
        $fan = new TagCache(opts(['pool_size' => 8, 'fanout_min' => 10]));
        for ($round = 0; $round < 5; $round++) {
            $tc = $round < 3 ? $plain : $fan;
            $ns = "$RUN:e:w$w:r$round";
            $pl = $tc->pipeline();
            $want = [];
            $model = [];   // key => value
            $tags = [];    // key => [tag]
            $ctr = 0;
            $N = 1000;
            for ($i = 0; $i < $N; $i++) {
                $k = "$ns:k" . mt_rand(0, 40);
                $tag = "$ns:t" . mt_rand(0, 4);
                switch (mt_rand(0, 10)) {
                    case 0:
                    case 1:
                        $v = any_value($i);
                        $pl->put($k, $v, [$tag]);
                        $model[$k] = $v;
                        $tags[$k] = [$tag];
                        $want[] = ['=', true];
                        break;
                    case 2:
                    case 3:
                        $pl->get($k, MISS);
                        $want[] = ['=', array_key_exists($k, $model) ? $model[$k] : MISS];
                        break;
                    case 4:
                        $v = any_value($i);
                        $pl->add($k, $v, [$tag]);
                        $ok = !array_key_exists($k, $model);
                        if ($ok) {
                            $model[$k] = $v;
                            $tags[$k] = [$tag];
                        }
                        $want[] = ['=', $ok];
                        break;
                    case 5:
                        $pl->delete($k);
                        $want[] = ['=', array_key_exists($k, $model)];
                        unset($model[$k], $tags[$k]);
                        break;
                    case 6:
                        $by = mt_rand(-5, 5);
                        $pl->increment("$ns:ctr", $by);
                        $ctr += $by;
                        $want[] = ['=', $ctr];
                        break;
                    case 7:
                        $pl->invalidate($tag);
                        $n = 0;
                        foreach ($tags as $kk => $tt) {
                            if (in_array($tag, $tt, true)) {
                                $n++;
                                unset($model[$kk], $tags[$kk]);
                            }
                        }
                        $want[] = ['=', $n];
                        break;
                    case 8:
                        $pl->keysByTag($tag);
                        $ks = [];
                        foreach ($tags as $kk => $tt) {
                            if (in_array($tag, $tt, true)) {
                                $ks[] = (string) $kk;
                            }
                        }
                        sort($ks);
                        $want[] = ['sorted', $ks];
                        break;
                    case 9:
                        $keys = array_values(array_unique(["$ns:k" . mt_rand(0, 40), "$ns:k" . mt_rand(0, 40), $k]));
                        $pl->getMany($keys);
                        $hits = [];
                        foreach ($keys as $kk) {
                            if (array_key_exists($kk, $model)) {
                                $hits[$kk] = $model[$kk];
                            }
                        }
                        $want[] = ['=', $hits];
                        break;
                    default:
                        // A server error in its slot: INCR of a non-integer value.
                        $sk = "$ns:str";
                        $pl->put($sk, 'not a number');
                        $pl->increment($sk);
                        $want[] = ['=', true];
                        $want[] = ['exception', TagCacheServerException::class];
                        $i++;
                }
            }
            $t['ops'] += count($want);
            if (count($pl) !== count($want)) {
                note($t, 'wrong', 'count(pipeline) = ' . count($pl) . ', want ' . count($want));
            }
            $res = guarded($t, fn() => $pl->execute());
            if (!is_array($res)) {
                continue;
            }
            if (count($res) !== count($want)) {
                note($t, 'wrong', 'pipeline gave ' . count($res) . ' results for ' . count($want) . ' calls');
            }
            foreach ($want as $i => [$how, $exp]) {
                $got = array_key_exists($i, $res) ? $res[$i] : '<missing>';
                if ($how === 'sorted') {
                    if (is_array($got)) {
                        sort($got);
                    }
                    $ok = $got === $exp;
                } elseif ($how === 'exception') {
                    $ok = $got instanceof $exp;
                } else {
                    $ok = $got === $exp;
                }
                if (!$ok) {
                    note($t, 'wrong', "pipeline slot $i: " . describe($got) . ' want ' . describe($exp));
                }
            }
            // The connection is still in step after the batch.
            $t['ops']++;
            if (guarded($t, fn() => $tc->get("$ns:ctr")) !== $ctr) {
                note($t, 'wrong', 'counter after pipeline');
            }
        }
        // A big batch: 3,000 puts then 3,000 gets of the same keys; every get
        // must see its put (default options: fans out at 2,000 calls).
        $pl = $plain->pipeline();
        $n = 3000;
        for ($i = 0; $i < $n; $i++) {
            $pl->put("$RUN:e:w$w:big$i", "v$i");
        }
        for ($i = 0; $i < $n; $i++) {
            $pl->get("$RUN:e:w$w:big$i");
        }
        $t['ops'] += 2 * $n;
        $res = guarded($t, fn() => $pl->execute());
        if (is_array($res)) {
            $bad = 0;
            for ($i = 0; $i < $n; $i++) {
                $bad += ($res[$i] ?? null) !== true;
                $bad += ($res[$n + $i] ?? null) !== "v$i";
            }
            if ($bad) {
                note($t, 'wrong', "big pipeline (puts then gets): $bad of " . (2 * $n) . ' results wrong');
                $t['wrong'] += $bad - 1;
            }
        }
        return $t;
    });
}

/* --------------------------------------------------------------- (f) faults */

function suite_faults(): array
{
    global $FULL, $RUN, $SLOW;
    $r = tally();
    $port = free_port();
    $srv = ServerProc::start($port);
    $proxy = ProxyProc::start($port);
    $phaseFile = sys_get_temp_dir() . "/tagcache-stress-phase-" . getmypid();
    $workers = $FULL ? 4 : 2;
    $d = ($FULL ? 3.0 : 0.7) * $SLOW;   // seconds of each phase
    $scenarios = fault_scenarios($proxy, $srv, $port, $SLOW);
    // --servers: the workers use the fault server and N-1 others; one of
    // the others is killed and started again while they run. Keys on it
    // fail, keys on the rest must keep working; once it is back (and its
    // retry interval has passed) everything works.
    $killed = null;
    $multi = [];
    if ($GLOBALS['NSERVERS'] > 1) {
        $killed = ServerProc::start(0);
        $multi = ["127.0.0.1:$port", "127.0.0.1:{$killed->port}"];
        for ($i = 2; $i < $GLOBALS['NSERVERS']; $i++) {
            $multi[] = '127.0.0.1:' . $GLOBALS['others'][$i - 2]->port;
        }
        $kport = $killed->port;
        $scenarios = [['server-kill', $port, true, function () use (&$killed, $SLOW) {
            usleep((int) (150000 * $SLOW));
            $killed->kill(9);
        }, function () use (&$killed, $kport) {
            $killed = ServerProc::start($kport);
        }]];
    }
    $lines = [];
    try {
        foreach ($scenarios as [$name, $target, $lossy, $on, $off]) {
            file_put_contents($phaseFile, 'normal');
            $ns = "$RUN:f:$name";
            $pid = pcntl_fork();
            if ($pid === 0) {
                // A sub-parent: runs the workers so the orchestration below can proceed.
                $extra = $multi ? ['servers' => $multi, 'retry_interval_ms' => (int) (200 * $SLOW)] : [];
                $t = run_workers($workers, fn(int $w) => fault_worker($w, $target, $phaseFile, $lossy, $ns, $extra));
                file_put_contents("$phaseFile.$name.json", json_encode($t, JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR));
                exit(0);
            }
            usleep((int) ($d * 1e6));
            file_put_contents($phaseFile, 'fault');
            $on();
            usleep((int) ($d * 1e6));
            $off();
            // A short settle: replies held by the proxy may still be in flight to
            // connections the client has already given up (and must never reuse);
            // with several servers, the killed one's retry interval must pass.
            usleep($multi ? (int) (300000 * $SLOW) : 50000);
            file_put_contents($phaseFile, 'recovered');
            usleep((int) ($d * 1e6));
            file_put_contents($phaseFile, 'stop');
            pcntl_waitpid($pid, $status);
            $t = json_decode((string) @file_get_contents("$phaseFile.$name.json"), true);
            @unlink("$phaseFile.$name.json");
            if (!is_array($t)) {
                $t = tally();
                note($t, 'errors', "fault $name: no report (status $status)");
            }
            $e = $t['extra'];
            $fails = ($e['fault_conn_exc'] ?? 0) + ($e['fault_srv_exc'] ?? 0);
            $lines[] = sprintf("    fault %-15s ops %6d  during fault: %4d ok, %4d TagCacheConnectionException, %4d TagCacheServerException; after: %5d ok, errors %d, wrong %d",
                $name, $t['ops'], $e['fault_ok'] ?? 0, $e['fault_conn_exc'] ?? 0, $e['fault_srv_exc'] ?? 0, $e['recovered_ok'] ?? 0, $t['errors'], $t['wrong']);
            if ($fails === 0) {
                note($t, 'errors', "fault $name: no call failed during the fault (was the fault on?)");
            }
            if ($multi && ($e['fault_ok'] ?? 0) === 0) {
                note($t, 'errors', "fault $name: no call succeeded while one server was down (the others must keep working)");
            }
            if (($e['recovered_ok'] ?? 0) === 0) {
                note($t, 'errors', "fault $name: no call succeeded after the fault");
            }
            unset($t['extra']);
            $r = merge_tally($r, $t);
        }
    } finally {
        $proxy->stop();
        $srv->stop();
        $killed?->stop();
        @unlink($phaseFile);
    }
    $r['extra']['lines'] = $lines;
    return $r;
}

/* ------------------------------------------------------------------ main */
$suites = [
    'basic' => 'suite_basic',
    'ultra' => 'suite_ultra',
    'concurrent' => 'suite_concurrent',
    'pool' => 'suite_pool',
    'pipeline' => 'suite_pipeline',
    'faults' => 'suite_faults',
    'sessions' => 'suite_sessions',
];
if ($only !== null) {
    $suites = array_intersect_key($suites, array_flip($only));
}
printf("tagcache stress (%s) against %s%s, %d processes, scale %s\n", $mode,
    $SERVERS ? count($SERVERS) . ' servers (' . implode(', ', $SERVERS) . ')' : "127.0.0.1:$PORT",
    $server && !$SERVERS ? ' (own server)' : '', $PROCS, $SCALE);
printf("%-12s %10s %10s %8s %8s %8s  %s\n", 'suite', 'ops', 'ops/s', 'errors', 'wrong', 'fd-leak', 'result');
$passed = $failed = 0;
foreach ($suites as $name => $fn) {
    gc_collect_cycles();
    $fd0 = fd_count();
    $t0 = microtime(true);
    try {
        $t = $fn();
    } catch (Throwable $e) {
        $t = tally();
        note($t, 'errors', 'suite threw ' . get_class($e) . ': ' . $e->getMessage() . ' @' . $e->getFile() . ':' . $e->getLine());
    }
    $dt = microtime(true) - $t0;
    gc_collect_cycles();
    $fdLeak = fd_count() - $fd0;
    $ok = $t['errors'] === 0 && $t['wrong'] === 0 && $fdLeak <= 0;
    $ok ? $passed++ : $failed++;
    printf("%-12s %10d %10.0f %8d %8d %8d  %s\n", $name, $t['ops'], $t['ops'] / max($dt, 1e-9), $t['errors'], $t['wrong'],
        $fdLeak, $ok ? 'PASS' : 'FAIL');
    foreach ($t['extra']['lines'] ?? [] as $l) {
        echo $l, "\n";
    }
    foreach ($t['msgs'] as $m) {
        echo "    ! $m\n";
    }
    if ($fdLeak > 0) {
        echo "    ! $fdLeak file descriptors leaked in the parent\n";
    }
}
echo "$passed passed, $failed failed\n";
exit($failed ? 1 : 0);
