<?php
/*
 * One request of the threaded stress run: tagcache-php-host runs this script
 * on every thread, many times (threads.php starts the host and reads what
 * this prints). Thread and request numbers come from the host
 * ($_SERVER['TAGCACHE_HOST_*']); the run's settings from the environment
 * (STRESS_THREADS_CFG, JSON).
 *
 * Prints one line "TALLY {json}" (ops, errors, wrong values, extra
 * counters). The last request of the last thread to finish (found with a
 * server-side counter) checks the shared pool at rest and prints
 * "ATREST {json}".
 *
 * Suites (cfg 'suite'):
 *   mixed   checksummed values, private keys against a model, tag
 *           invalidation racing writes on shared tags, fan-out batches,
 *           a pipeline of 1,000 calls, counters; with 'pool' = 'shared'
 *           every thread uses one persistent pool (and calls close() on it
 *           now and then), with 'own' every request makes its own objects
 *           (and makes and destroys more while it runs)
 *   faults  fault_worker() (lib.inc) against the proxy or a server that
 *           threads.php breaks and repairs while the threads run
 *   fail    threads 1, 2 and 3 end their first request with an uncaught
 *           exception, a fatal error and exit(7); the rest run 'mixed'
 *   fork    thread 0 calls pcntl_fork() while the other threads run 'mixed'
 *           on the shared pool; each child checks that its pool starts clean
 *           and works, and exits
 */
declare(strict_types=1);

require __DIR__ . '/lib.inc';

$cfg = json_decode((string) getenv('STRESS_THREADS_CFG'), true);
$T = (int) ($_SERVER['TAGCACHE_HOST_THREAD'] ?? -1);
$NT = (int) ($_SERVER['TAGCACHE_HOST_THREADS'] ?? 0);
$R = (int) ($_SERVER['TAGCACHE_HOST_REQUEST'] ?? -1);
$NR = (int) ($_SERVER['TAGCACHE_HOST_REQUESTS'] ?? 0);
$SLOW = (float) ($cfg['slow'] ?? 1.0);

function report(string $what, array $data): void
{
    // One write per line: the threads share the host's stdout.
    echo $what . ' ' . json_encode($data, JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR) . "\n";
}

if (!is_array($cfg) || $T < 0) {
    $t = tally();
    note($t, 'errors', 'thread-worker.php: run it with tagcache-php-host and STRESS_THREADS_CFG (threads.php does)');
    report('TALLY', $t);
    exit(1);
}
if (!extension_loaded('tagcache')) {
    $t = tally();
    note($t, 'errors', 'tagcache extension not loaded in the host');
    report('TALLY', $t);
    exit(1);
}
mt_srand(crc32("{$cfg['run']}:$T:$R"));

/** Client options of this run; $shared: the one persistent pool of the run. */
function topts(array $cfg, bool $shared, array $extra = []): array
{
    $o = ['host' => '127.0.0.1', 'port' => $cfg['port'], 'timeout_ms' => (int) (10000 * $GLOBALS['SLOW'])];
    if ($shared) {
        $o['persistent'] = 'thr-' . $cfg['run'];
        $o['pool_size'] = $cfg['pool_size'];
    } else {
        $o['pool_size'] = 2;
    }
    return array_merge($o, $extra);
}

function sockets_open(): int
{
    $n = 0;
    foreach (scandir('/proc/self/fd') as $fd) {
        if ($fd !== '.' && $fd !== '..' && str_starts_with((string) @readlink("/proc/self/fd/$fd"), 'socket:')) {
            $n++;
        }
    }
    return $n;
}

/** open = created - discarded, busy = 0, idle = open: a pool with no call in flight. */
function pool_at_rest(array $p): ?string
{
    if ($p['open'] !== $p['created'] - $p['discarded']) {
        return "open {$p['open']} != created {$p['created']} - discarded {$p['discarded']}";
    }
    if ($p['busy'] !== 0 || $p['idle'] !== $p['open']) {
        return "busy {$p['busy']}, idle {$p['idle']}, open {$p['open']} at rest";
    }
    if ($p['open'] > $p['size']) {
        return "open {$p['open']} > size {$p['size']}";
    }
    return null;
}

function thread_mixed(array $cfg, int $T, int $R): array
{
    $t = tally();
    $t['extra'] = ['fanout_batches' => 0, 'pipelines' => 0, 'closes' => 0, 'objects' => 0, 'tag_races' => 0];
    $RUN = $cfg['run'];
    $shared = $cfg['pool'] === 'shared';
    $ops = (int) $cfg['ops'];
    $tc = new TagCache(topts($cfg, $shared));
    // Batches of 16 calls and more are split over the pool's connections.
    $fan = new TagCache(topts($cfg, $shared, ['fanout_min' => 16]));
    $t['extra']['objects'] += 2;
    $ns = "$RUN:m:t$T:r$R";
    $model = [];   // key => value
    $tagOf = [];   // key => its one private tag
    $ctr = 0;
    for ($j = 0; $j < $ops; $j++) {
        $op = mt_rand(0, 99);
        $k = mt_rand(0, 39);
        $key = "$ns:k$k";
        $tag = "$ns:g" . ($k % 5);
        $t['ops']++;
        guarded($t, function () use (&$t, &$model, &$tagOf, &$ctr, $tc, $fan, $cfg, $shared, $op, $k, $key, $tag, $j, $T, $ns, $RUN) {
            if ($op < 24) {
                $v = any_value($j);
                if ($tc->put($key, $v, [$tag]) !== true) {
                    note($t, 'wrong', "put $key !== true");
                }
                $model[$key] = $v;
                $tagOf[$key] = $tag;
            } elseif ($op < 44) {
                $got = $tc->get($key, MISS);
                $want = array_key_exists($key, $model) ? $model[$key] : MISS;
                if ($got !== $want) {
                    note($t, 'wrong', "get $key: " . describe($got) . ' want ' . describe($want));
                }
            } elseif ($op < 48) {
                if ($tc->delete($key) !== array_key_exists($key, $model)) {
                    note($t, 'wrong', "delete $key");
                }
                unset($model[$key], $tagOf[$key]);
            } elseif ($op < 58) {
                // Shared keys: every thread writes them, each value checksummed.
                $sk = "$RUN:m:shared:" . ($k % 24);
                if ($tc->put($sk, cval($sk, $T, $j), ["$RUN:m:stag" . ($k % 3)]) !== true) {
                    note($t, 'wrong', "put $sk");
                }
            } elseif ($op < 68) {
                $sk = "$RUN:m:shared:" . ($k % 24);
                $got = $tc->get($sk);
                if ($got !== null && cval_check($sk, $got) === null) {
                    note($t, 'wrong', "shared get $sk: " . describe($got));
                }
            } elseif ($op < 70) {
                // Invalidation of a shared tag racing the other threads' writes.
                $n = $tc->invalidate("$RUN:m:stag" . ($k % 3));
                if ($n < 0 || $n > 24) {
                    note($t, 'wrong', "shared invalidate returned $n");
                }
                $t['extra']['tag_races']++;
            } elseif ($op < 73) {
                $want = 0;
                foreach ($tagOf as $kk => $g) {
                    if ($g === $tag) {
                        $want++;
                        unset($model[$kk], $tagOf[$kk]);
                    }
                }
                if (($n = $tc->invalidate($tag)) !== $want) {
                    note($t, 'wrong', "invalidate $tag: $n, want $want");
                }
            } elseif ($op < 80) {
                // A fan-out batch: 24 keys over the pool's connections.
                $keys = [];
                for ($x = 0; $x < 24; $x++) {
                    $keys[] = "$ns:k" . (($k + $x * 7) % 40);
                }
                $keys = array_values(array_unique($keys));
                $got = $fan->getMany($keys);
                $want = model_hits($model, $keys);
                if ($got !== $want) {
                    note($t, 'wrong', 'fan-out getMany: ' . count($got) . ' keys, want ' . count($want) . ' ' . describe(array_diff_key($want, $got)));
                }
                $t['extra']['fanout_batches']++;
            } elseif ($op < 86) {
                $by = mt_rand(1, 9);
                $ctr += $by;
                if (($got = $tc->increment("$ns:ctr", $by)) !== $ctr) {
                    note($t, 'wrong', "increment: $got, want $ctr");
                }
            } elseif ($op < 88) {
                if ($shared) {
                    // Closing the shared pool's idle connections while the
                    // other threads use it.
                    $tc->close();
                    $t['extra']['closes']++;
                } else {
                    // An object made and destroyed in the middle of the request.
                    $x = new TagCache(topts($cfg, false, ['pool_size' => 1]));
                    $xk = "$ns:x$j";
                    if ($x->put($xk, $j) !== true || $x->get($xk) !== $j || $x->delete($xk) !== true) {
                        note($t, 'wrong', "short-lived object $xk");
                    }
                    unset($x);
                    $t['extra']['objects']++;
                }
            } else {
                if ($tc->ping() !== true) {
                    note($t, 'wrong', 'ping');
                }
            }
        });
    }

    // A pipeline of 1,000 calls, every other request; on the fan-out client
    // every fourth (split over the pool).
    if ($R % 2 === 0) {
        $via = $R % 4 === 0 ? $fan : $tc;
        $pl = $via->pipeline();
        $want = [];
        for ($i = 0; $i < 500; $i++) {
            $pk = "$ns:p" . ($i % 200);
            $v = cval($pk, $T, $i);
            $pl->put($pk, $v);
            $want[] = true;
            $pl->get($pk);
            $want[] = $v;
        }
        $t['ops'] += 1000;
        $res = guarded($t, fn() => $pl->execute());
        if (is_array($res)) {
            $bad = 0;
            foreach ($want as $i => $w) {
                $bad += (($res[$i] ?? MISS) !== $w);
            }
            if ($bad || count($res) !== 1000) {
                note($t, 'wrong', "pipeline of 1,000: $bad wrong, " . count($res) . ' results');
                $t['wrong'] += max(0, $bad - 1);
            }
        }
        $t['extra']['pipelines']++;
    }

    // The whole private state, then clean up.
    $keys = [];
    for ($k = 0; $k < 40; $k++) {
        $keys[] = "$ns:k$k";
    }
    $t['ops'] += 2;
    guarded($t, function () use (&$t, $tc, $keys, $model, $ns) {
        $got = $tc->getMany($keys);
        $want = model_hits($model, $keys);
        if ($got !== $want) {
            note($t, 'wrong', 'final getMany: ' . count($got) . ' keys, want ' . count($want));
        }
        $tc->deleteMany(array_merge($keys, ["$ns:ctr"]));
    });
    if (!$shared) {
        // This request's own pools are at rest now.
        foreach (['tc' => $tc, 'fan' => $fan] as $name => $c) {
            if (($why = pool_at_rest($c->stats()['pool'])) !== null) {
                note($t, 'wrong', "own pool $name: $why");
            }
        }
    }
    $t['extra']['waits'] = $tc->stats()['pool']['waits'];
    return $t;
}

/** Thread 0 of the fork suite: forks while the other threads are inside calls. */
function thread_forker(array $cfg, int $R): array
{
    $t = tally();
    $t['extra'] = ['forks' => 0, 'fork_ok' => 0];
    $RUN = $cfg['run'];
    $tc = new TagCache(topts($cfg, true));
    $tc->put("$RUN:fork:warm", 1);   // the pool has connections to inherit
    for ($i = 0; $i < (int) $cfg['forks']; $i++) {
        usleep(mt_rand(500, 5000));
        $t['ops']++;
        $pid = pcntl_fork();
        if ($pid < 0) {
            note($t, 'errors', 'pcntl_fork failed');
            break;
        }
        if ($pid === 0) {
            // The child: only this thread exists here. Its pool must start
            // clean (the parent's connections are not its own) and work; a
            // lock inherited held would hang here (the parent's deadline
            // catches that).
            $code = 0;
            $p = (new TagCache(topts($cfg, true)))->stats()['pool'];
            if ($p['open'] !== 0 || $p['idle'] !== 0 || $p['busy'] !== 0) {
                $code = 3;
            }
            $ck = "$RUN:fork:child$R:$i";
            try {
                if ($tc->put($ck, "child $i") !== true || $tc->get($ck) !== "child $i" || $tc->delete($ck) !== true) {
                    $code = 4;
                }
                // Counted from zero in the child: only what it made itself.
                $p = $tc->stats()['pool'];
                if ($p['busy'] !== 0 || $p['idle'] !== $p['open'] || $p['open'] < 1 || $p['open'] > $p['size']) {
                    $code = 5;
                }
            } catch (Throwable $e) {
                $code = 6;
            }
            exit($code);
        }
        $t['extra']['forks']++;
        $end = microtime(true) + 15 * $GLOBALS['SLOW'];
        $status = 0;
        $r = 0;
        while (($r = pcntl_waitpid($pid, $status, WNOHANG)) === 0 && microtime(true) < $end) {
            usleep(2000);
        }
        if ($r === 0) {
            posix_kill($pid, 9);
            pcntl_waitpid($pid, $status);
            note($t, 'errors', "fork $i: the child hung (killed after 15 s): a lock inherited held?");
        } elseif (pcntl_wifsignaled($status)) {
            note($t, 'errors', "fork $i: the child died by signal " . pcntl_wtermsig($status));
        } elseif (($c = pcntl_wexitstatus($status)) !== 0) {
            $why = [3 => 'its pool did not start clean', 4 => 'a call returned a wrong value',
                5 => 'its pool counters do not add up', 6 => 'a call threw'][$c] ?? "exit $c";
            note($t, 'wrong', "fork $i: child: $why");
        } else {
            $t['extra']['fork_ok']++;
        }
    }
    return $t;
}

$t = null;
// 'fail': the host must report these, per thread, and keep running.
if ($cfg['suite'] === 'fail' && $R === 0 && $T >= 1 && $T <= 3) {
    report('TALLY', tally());
    if ($T === 1) {
        throw new LogicException('uncaught on purpose in thread 1');
    }
    if ($T === 2) {
        trigger_error('fatal error on purpose in thread 2', E_USER_ERROR);
    }
    exit(7);
}
try {
    switch ($cfg['suite']) {
        case 'mixed':
            $t = thread_mixed($cfg, $T, $R);
            break;
        case 'fork':
            $t = $T === 0 ? thread_forker($cfg, $R) : thread_mixed($cfg, $T, $R);
            break;
        case 'fail':
            $t = thread_mixed(array_merge($cfg, ['suite' => 'mixed']), $T, $R);
            break;
        case 'faults':
            $extra = ($cfg['pool'] ?? 'own') === 'shared'
                ? ['persistent' => 'thr-' . $cfg['run'] . '-' . $cfg['ns'], 'pool_size' => $cfg['pool_size']] : [];
            // Shorter than the proxy's 900 ms delay, long enough for the
            // wait for a shared connection.
            $extra['timeout_ms'] = (int) (600 * $SLOW);
            $t = fault_worker($T, (int) $cfg['port'], $cfg['phase_file'], (bool) $cfg['lossy'], $cfg['ns'], $extra);
            break;
        default:
            $t = tally();
            note($t, 'errors', 'unknown suite ' . $cfg['suite']);
    }
} catch (Throwable $e) {
    $t = $t ?? tally();
    note($t, 'errors', 'request died: ' . get_class($e) . ': ' . $e->getMessage() . ' @' . $e->getFile() . ':' . $e->getLine());
}
report('TALLY', $t);

// The last request of the last thread to finish checks the shared pool at
// rest. The server counter says every other thread's last increment was
// answered, not that its connection is back in the pool yet: a thread may
// be between reading that reply and giving the connection back. So the
// check is repeated for a while; a connection that never comes back (a
// leak) still fails it.
if ($R === $NR - 1 && $cfg['suite'] !== 'faults') {
    try {
        $shared = $cfg['pool'] === 'shared';
        $c = new TagCache(topts($cfg, $shared));
        $done = $c->increment($cfg['run'] . ':done');
        if ($done === $NT) {
            $until = microtime(true) + 5 * $SLOW;
            do {
                $p = $c->stats()['pool'];
                $socks = sockets_open();
                $why = pool_at_rest($p);
                if ($why === null && (!$shared || $socks === $p['open'])) {
                    break;
                }
                usleep(2000);
            } while (microtime(true) < $until);
            report('ATREST', ['pool' => $p, 'why' => $why, 'sockets' => $socks, 'shared' => $shared]);
        }
    } catch (Throwable $e) {
        report('ATREST', ['why' => 'at-rest check threw ' . get_class($e) . ': ' . $e->getMessage()]);
    }
}
