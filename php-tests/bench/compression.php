<?php
/*
 * TagCache compression: put and get of large values with compression none,
 * lz4 and zstd, in one run: ops/s, CPU per operation of the client
 * (getrusage) and of the server (/proc/PID/stat), and the bytes each value
 * takes on the wire (the stored text, read back raw).
 *
 *   cargo build --release --workspace
 *   php -d extension=$PWD/target/release/libtagcache.so php-tests/bench/compression.php [options]
 *
 * Values: a JSON-like document of --json-kb KB (records with varied ids,
 * names and numbers) and an HTML-like page of --html-kb KB (repeated markup
 * around varied text), both made from a fixed seed, so runs compare.
 * Every value read is compared with the one written; a mismatch exits 1.
 *
 * Options (defaults):
 *   --ops=N          puts and then gets per value, codec and repeat (200)
 *   --repeat=N       runs of each, the codecs interleaved (3)
 *   --json-kb=N      (100)    --html-kb=N  (1024)
 *   --codecs=LIST    none,lz4,zstd (zstd at compression_level 0: its 3)
 *   --server-bin=P   tagcache-server; else $TAGCACHE_SERVER_BIN,
 *                    $CARGO_TARGET_DIR/release, <repo>/target/release
 *   --port=P         use a running server instead (server CPU: '?')
 *   --server-pid=P   its pid, for the server CPU column
 *   --json=FILE      also write every figure here
 */

declare(strict_types=1);

require __DIR__ . '/lib.inc';

$o = parse_cli($argv, [
    'ops' => 200, 'repeat' => 3, 'json-kb' => 100, 'html-kb' => 1024, 'codecs' => 'none,lz4,zstd',
    'server-bin' => null, 'port' => null, 'server-pid' => null, 'json' => null,
], ['codecs', 'server-bin', 'json'], __FILE__);
if (!extension_loaded('tagcache')) {
    fail('the tagcache extension is not loaded (php -d extension=.../libtagcache.so)');
}
foreach (['ops', 'repeat', 'json-kb', 'html-kb'] as $k) {
    if ($o[$k] < 1) {
        fail("--$k must be at least 1");
    }
}
$codecs = array_values(array_filter(explode(',', $o['codecs']), 'strlen'));
foreach ($codecs as $c) {
    if (!in_array($c, ['none', 'lz4', 'zstd'], true)) {
        fail("unknown codec '$c' (none, lz4, zstd)");
    }
}

/** A deterministic generator (xorshift), so every run writes the same values. */
final class Rng
{
    public function __construct(private int $s)
    {
    }

    public function next(int $n): int
    {
        $this->s ^= ($this->s << 13) & PHP_INT_MAX;
        $this->s ^= $this->s >> 7;
        $this->s ^= ($this->s << 17) & PHP_INT_MAX;
        return $this->s % $n;
    }
}

const WORDS = ['alpha', 'bravo', 'cache', 'delta', 'echo', 'fresh', 'golf', 'hotel', 'index', 'juliet',
    'kilo', 'lima', 'metro', 'north', 'oscar', 'papa', 'quota', 'romeo', 'sierra', 'tango', 'user',
    'value', 'whisky', 'xray', 'yankee', 'zulu'];

function words(Rng $r, int $n): string
{
    $w = [];
    for ($i = 0; $i < $n; $i++) {
        $w[] = WORDS[$r->next(count(WORDS))];
    }
    return implode(' ', $w);
}

function json_value(int $bytes): string
{
    $r = new Rng(0x2545F4914F6CDD1D);
    $rows = [];
    $len = 2;
    for ($id = 1000; $len < $bytes; $id += 1 + $r->next(7)) {
        $row = json_encode([
            'id' => $id, 'name' => ucfirst(words($r, 2)), 'email' => WORDS[$r->next(26)] . $r->next(1000) . '@example.com',
            'score' => $r->next(100000) / 100, 'active' => $r->next(2) === 1, 'tags' => explode(' ', words($r, 1 + $r->next(3))),
            'created' => sprintf('2024-%02d-%02dT%02d:%02d:00Z', 1 + $r->next(12), 1 + $r->next(28), $r->next(24), $r->next(60)),
        ]);
        $rows[] = $row;
        $len += strlen($row) + 1;
    }
    return substr('[' . implode(',', $rows), 0, $bytes - 1) . ']';
}

function html_value(int $bytes): string
{
    $r = new Rng(0x1E3779B97F4A7C15);
    $out = "<!DOCTYPE html>\n<html><head><title>Catalogue</title><link rel=\"stylesheet\" href=\"/s.css\"></head><body>\n";
    for ($i = 0; strlen($out) < $bytes; $i++) {
        $out .= sprintf(
            "<div class=\"item card\" id=\"item-%d\"><h2><a href=\"/items/%d\">%s</a></h2><p class=\"desc\">%s</p>"
            . "<span class=\"price\">%d.%02d EUR</span><ul class=\"tags\"><li>%s</li><li>%s</li></ul></div>\n",
            $i, $i, ucfirst(words($r, 3)), ucfirst(words($r, 12 + $r->next(20))) . '.', $r->next(500), $r->next(100),
            WORDS[$r->next(26)], WORDS[$r->next(26)]
        );
    }
    return substr($out, 0, $bytes - 14) . '</body></html>';
}

/** The stored text of $key, read with a raw GET (what the wire carries). */
function raw_len(int $port, string $key): int
{
    $s = stream_socket_client("tcp://127.0.0.1:$port", $errno, $errstr, 5.0) ?: fail("raw connect: $errstr");
    fwrite($s, "GET\t$key\n");
    $line = stream_get_line($s, 256 << 20, "\n");
    fclose($s);
    if ($line === false || !str_starts_with($line, "VALUE\t")) {
        fail("raw GET $key failed");
    }
    return strlen($line) - 6;
}

if ($o['port'] !== null) {
    $port = $o['port'];
    $pid = $o['server-pid'];
} else {
    [$port, $pid] = start_tagcache_server(find_server_bin($o['server-bin']));
}

$values = [
    sprintf('json %dKB', $o['json-kb']) => json_value($o['json-kb'] << 10),
    sprintf('html %dKB', $o['html-kb']) => html_value($o['html-kb'] << 10),
];
$max = 0;
foreach ($values as $v) {
    $max = max($max, strlen($v));
}
$clients = [];
foreach ($codecs as $c) {
    $clients[$c] = new TagCache(['port' => $port, 'compression' => $c, 'max_value_bytes' => max(64 << 20, 2 * $max)]);
}

$res = [];
printf("# tagcache %s, PHP %s; load %s; %d ops per value, codec and repeat, best of %d\n",
    TagCache::VERSION, PHP_VERSION, implode(' ', array_map(fn($x) => sprintf('%.2f', $x), sys_getloadavg())), $o['ops'], $o['repeat']);
foreach ($values as $label => $value) {
    foreach ($codecs as $c) {
        $res[$label][$c] = ['put' => ['best' => 0.0, 'cpu' => 0.0, 'ticks' => 0, 'n' => 0], 'get' => ['best' => 0.0, 'cpu' => 0.0, 'ticks' => 0, 'n' => 0]];
    }
    for ($rep = 0; $rep < $o['repeat']; $rep++) {
        foreach ($codecs as $c) {
            $tc = $clients[$c];
            $key = "bench:comp:$c:" . md5($label);
            $tc->put($key, $value); // untimed: connects
            foreach (['put', 'get'] as $op) {
                $t0 = microtime(true);
                $c0 = self_cpu_us();
                $s0 = proc_cpu_us($pid);
                for ($i = 0; $i < $o['ops']; $i++) {
                    if ($op === 'put') {
                        $tc->put($key, $value) || fail("$c put returned false");
                    } elseif ($tc->get($key) !== $value) {
                        fail("$c get of $label: the value read is not the value written");
                    }
                }
                $wall = microtime(true) - $t0;
                $cpu = self_cpu_us() - $c0;
                $s1 = proc_cpu_us($pid);
                $r = &$res[$label][$c][$op];
                $r['best'] = max($r['best'], $o['ops'] / $wall);
                $r['cpu'] += $cpu;
                $r['ticks'] = ($s0 === null || $s1 === null || $r['ticks'] === null) ? null : $r['ticks'] + cpu_ticks($s1 - $s0);
                $r['n'] += $o['ops'];
                unset($r);
            }
            $res[$label][$c]['wire'] = raw_len($port, $key);
            // A client with compression off reads what this one wrote.
            if ($clients['none'] ?? null) {
                $clients['none']->get($key) === $value || fail("$label written with $c: a client with compression off read another value");
            }
        }
    }
}

printf("%-12s %-5s %10s %9s %9s | %10s %9s %9s | %10s %7s\n", 'value', 'codec', 'put ops/s', 'cli µs', 'srv µs',
    'get ops/s', 'cli µs', 'srv µs', 'wire bytes', 'ratio');
foreach ($res as $label => $byCodec) {
    $plain = strlen($values[$label]);
    foreach ($byCodec as $c => $r) {
        $cols = [];
        foreach (['put', 'get'] as $op) {
            $x = $r[$op];
            $srv = $x['ticks'] === null ? '?' : sprintf('%s%.1f', $x['ticks'] < 20 ? '~' : '', $x['ticks'] * 1e6 / clk_tck() / $x['n']);
            $cols[] = sprintf('%10.0f %9.1f %9s', $x['best'], $x['cpu'] / $x['n'], $srv);
        }
        printf("%-12s %-5s %s | %s | %10d %6.2fx\n", $label, $c, $cols[0], $cols[1], $r['wire'], $plain / $r['wire']);
    }
}
echo "# cli µs: client getrusage() per operation (compression and decompression included); srv µs: server\n",
    "# utime+stime per operation ('~': under 20 clock ticks); wire bytes: the stored text; ratio: value bytes / wire bytes.\n";
if ($o['json'] !== null) {
    file_put_contents($o['json'], json_encode(['options' => $o, 'results' => $res], JSON_PRETTY_PRINT)) !== false
        || fail("cannot write {$o['json']}");
}
