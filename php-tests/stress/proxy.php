<?php
/*
 * A TCP fault proxy for the stress harness: forwards client <-> server and,
 * on command, misbehaves the way a network or a broken server does.
 *
 *   php proxy.php --listen PORT|0 --upstream HOST:PORT --control FILE [--ack FILE]
 *
 * Prints "proxy listening on 127.0.0.1:PORT". The control file holds one
 * line "SEQ MODE [ARG]"; when SEQ changes the proxy applies MODE and writes
 * SEQ to the ack file (so the harness knows the fault is on). Modes:
 *   pass          forward everything
 *   delay MS      hold every server->client byte for MS milliseconds
 *                 (replies arrive after the client's timeout; later bytes
 *                 queue behind them, order is kept)
 *   drop          close every connection now, and close new ones at once
 *   garbage       replace every reply line from the server by a garbage line
 *   cut           forward only the first half of each server chunk, then
 *                 close the connection (a reply cut short)
 *   quit          exit
 * Single process, one stream_select loop.
 */
declare(strict_types=1);

$opt = ['listen' => '0', 'upstream' => null, 'control' => null, 'ack' => null];
for ($i = 1; $i < $argc; $i++) {
    $k = ltrim($argv[$i], '-');
    if (array_key_exists($k, $opt) && isset($argv[$i + 1])) {
        $opt[$k] = $argv[++$i];
    } else {
        fwrite(STDERR, "proxy: bad argument {$argv[$i]}\n");
        exit(2);
    }
}
if ($opt['upstream'] === null || $opt['control'] === null) {
    fwrite(STDERR, "usage: proxy.php --listen PORT --upstream HOST:PORT --control FILE [--ack FILE]\n");
    exit(2);
}

$stop = false;
if (function_exists('pcntl_async_signals')) {
    pcntl_async_signals(true);
    pcntl_signal(SIGTERM, function () use (&$stop) { $stop = true; });
    pcntl_signal(SIGINT, function () use (&$stop) { $stop = true; });
}

$srv = stream_socket_server('tcp://127.0.0.1:' . $opt['listen'], $errno, $errstr);
if ($srv === false) {
    fwrite(STDERR, "proxy: listen failed: $errstr\n");
    exit(1);
}
stream_set_blocking($srv, false);
echo 'proxy listening on ' . stream_socket_get_name($srv, false) . "\n";

const GARBAGE = ["!!GARBAGE!!", "VALUE", "DEL maybe", "\x00\xff\xfe junk", "OKAY", "INV_TAG\tnot-a-number", "STATS\t1\t2"];

/** @var array<int, array> $pairs */
$pairs = [];
$mode = 'pass';
$arg = 0;
$seq = -1;
$lastCheck = 0.0;
$garbageN = 0;

function close_pair(array &$pairs, int $id): void
{
    if (!isset($pairs[$id])) {
        return;
    }
    @fclose($pairs[$id]['c']);
    if ($pairs[$id]['u'] !== null) {
        @fclose($pairs[$id]['u']);
    }
    unset($pairs[$id]);
}

function read_control(string $file, int &$seq, string &$mode, int &$arg, array &$pairs, ?string $ack): void
{
    $line = @file_get_contents($file);
    if ($line === false || !preg_match('/^(\d+)\s+(\w+)(?:\s+(\d+))?/', $line, $m)) {
        return;
    }
    if ((int) $m[1] === $seq) {
        return;
    }
    $seq = (int) $m[1];
    $mode = $m[2];
    $arg = isset($m[3]) ? (int) $m[3] : 0;
    if ($mode === 'drop') {
        foreach (array_keys($pairs) as $id) {
            close_pair($pairs, $id);
        }
    }
    if ($ack !== null) {
        file_put_contents("$ack.tmp", "$seq\n");
        rename("$ack.tmp", $ack);
    }
}

while (!$stop) {
    $now = microtime(true);
    if ($now - $lastCheck >= 0.005) {
        $lastCheck = $now;
        read_control($opt['control'], $seq, $mode, $arg, $pairs, $opt['ack']);
        if ($mode === 'quit') {
            break;
        }
    }

    // Release delayed server->client data whose time has come (in order).
    foreach ($pairs as $id => &$p) {
        while ($p['q'] && $p['q'][0][0] <= $now) {
            $p['cout'] .= array_shift($p['q'])[1];
        }
    }
    unset($p);

    $r = [$srv];
    $w = [];
    foreach ($pairs as $id => $p) {
        $r[] = $p['c'];
        if ($p['u'] !== null) {
            $r[] = $p['u'];
        }
        if ($p['cout'] !== '') {
            $w[] = $p['c'];
        }
        if ($p['u'] !== null && $p['uout'] !== '') {
            $w[] = $p['u'];
        }
    }
    $e = null;
    $n = @stream_select($r, $w, $e, 0, 5000);
    if ($n === false) {
        continue; // EINTR (a signal)
    }
    $now = microtime(true);

    foreach ($r as $s) {
        if ($s === $srv) {
            $c = @stream_socket_accept($srv, 0);
            if ($c === false) {
                continue;
            }
            if ($mode === 'drop') {
                fclose($c);
                continue;
            }
            $u = @stream_socket_client('tcp://' . $opt['upstream'], $errno, $errstr, 1.0);
            if ($u === false) {
                fclose($c);
                continue;
            }
            stream_set_blocking($c, false);
            stream_set_blocking($u, false);
            stream_set_write_buffer($c, 0);
            stream_set_write_buffer($u, 0);
            $pairs[(int) $c] = ['c' => $c, 'u' => $u, 'cout' => '', 'uout' => '', 'q' => [], 'line' => '', 'close_after' => false];
            continue;
        }
        foreach ($pairs as $id => &$p) {
            if ($s === $p['c']) {
                $data = @fread($s, 65536);
                if ($data === '' || $data === false) {
                    if (feof($s)) {
                        close_pair($pairs, $id);
                    }
                    break;
                }
                $p['uout'] .= $data;
                break;
            }
            if ($s === $p['u']) {
                $data = @fread($s, 65536);
                if ($data === '' || $data === false) {
                    if (feof($s)) {
                        // Server closed: deliver what is queued, then close.
                        $p['close_after'] = true;
                        @fclose($p['u']);
                        $p['u'] = null;
                    }
                    break;
                }
                switch ($mode) {
                    case 'garbage':
                        $p['line'] .= $data;
                        $out = '';
                        while (($nl = strpos($p['line'], "\n")) !== false) {
                            $p['line'] = (string) substr($p['line'], $nl + 1);
                            $out .= GARBAGE[$garbageN++ % count(GARBAGE)] . "\n";
                        }
                        $p['q'][] = [$now, $out];
                        break;
                    case 'cut':
                        $p['q'][] = [$now, $p['line'] . substr($data, 0, intdiv(strlen($data), 2))];
                        $p['line'] = '';
                        $p['close_after'] = true;
                        break;
                    case 'delay':
                        $p['q'][] = [$now + $arg / 1000, $p['line'] . $data];
                        $p['line'] = '';
                        break;
                    default:
                        $p['q'][] = [$now, $p['line'] . $data];
                        $p['line'] = '';
                }
                break;
            }
        }
        unset($p);
    }
    // Pairs whose upstream went away: stop reading it.
    foreach ($pairs as $id => $p) {
        if ($p['u'] === null && !$p['q'] && $p['cout'] === '') {
            close_pair($pairs, $id);
        }
    }

    foreach ($w as $s) {
        foreach ($pairs as $id => &$p) {
            if ($s === $p['c'] && $p['cout'] !== '') {
                $k = @fwrite($s, $p['cout']);
                if ($k === false) {
                    close_pair($pairs, $id);
                    break;
                }
                $p['cout'] = (string) substr($p['cout'], $k);
                break;
            }
            if ($s === $p['u'] && $p['uout'] !== '') {
                $k = @fwrite($s, $p['uout']);
                if ($k === false) {
                    close_pair($pairs, $id);
                    break;
                }
                $p['uout'] = (string) substr($p['uout'], $k);
                break;
            }
        }
        unset($p);
    }
    foreach ($pairs as $id => $p) {
        if ($p['close_after'] && !$p['q'] && $p['cout'] === '') {
            close_pair($pairs, $id);
        }
    }
}
foreach (array_keys($pairs) as $id) {
    close_pair($pairs, $id);
}
fclose($srv);
