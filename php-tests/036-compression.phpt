--TEST--
tagcache: compression lz4/zstd: every value kind round-trips, the wire form, only when smaller, read whatever the reader's option, corrupt data and a decompression bomb throw
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$p = tc_prefix();
$plain = tc_new();
$raw = tc_raw_connect();

/** The stored wire text of $key, read with a raw GET. */
function wire($raw, string $key): string
{
    $r = tc_raw($raw, "GET\t$key");
    if (!str_starts_with($r, "VALUE\t")) {
        throw new RuntimeException("raw GET $key: $r");
    }
    return substr($r, 6);
}

/** A big value of the same kind as $v (so that it compresses). */
function bigger($v)
{
    if (is_string($v)) {
        return str_repeat($v === '' ? 'e' : $v, intdiv(6000, max(1, strlen($v))) + 1);
    }
    if (is_array($v) || is_object($v)) {
        return array_fill(0, 300, $v);
    }
    return array_fill(0, 600, $v); // scalars: a list of them
}

foreach (['lz4', 'zstd'] as $codec) {
    $prefix = $codec === 'lz4' ? '__TC_LZ4__' : '__TC_ZSTD__';
    // min_bytes 0: everything that gets smaller is compressed.
    $tc = tc_new(['compression' => $codec, 'compression_min_bytes' => 0]);
    $bad = $compressed = 0;
    $samples = tc_sample_values();
    $items = [];
    foreach ($samples as $label => $v) {
        foreach (['as is' => $v, 'big' => bigger($v)] as $size => $value) {
            $key = $p . "$codec-" . md5("$label $size");
            $items[$key] = [$label, $size, $value];
            $tc->put($key, $value);
        }
    }
    foreach ($items as $key => [$label, $size, $value]) {
        $w = wire($raw, $key);
        if (str_starts_with($w, $prefix)) {
            $compressed++;
        } elseif ($size === 'big') {
            echo "$codec $label big: not compressed\n";
        }
        // Read back by the writer and by a client with compression off.
        foreach ([$tc, $plain] as $reader) {
            $got = $reader->get($key);
            if (!tc_same($value, $got)) {
                $bad++;
                echo "$codec $label $size: ", tc_show($got), "\n";
            }
        }
    }
    // getMany and putMany too.
    $many = [];
    foreach ($items as $key => [, , $value]) {
        $many[$key . '-m'] = $value;
    }
    $tc->putMany($many);
    $back = $plain->getMany(array_keys($many));
    foreach ($many as $k => $v) {
        if (!array_key_exists($k, $back) || !tc_same($v, $back[$k])) {
            $bad++;
            echo "$codec putMany/getMany $k\n";
        }
    }
    echo "$codec: ", count($items), " values, every big one compressed: ",
        $compressed >= count($samples) ? 'yes' : "no ($compressed)", ", mismatches: $bad\n";

    // The wire form: the prefix, then base64 of the compressed wire text of
    // the value, which expands to the plain wire text.
    $text = str_repeat('{"id":42,"name":"compressible json"},', 200);
    $tc->put($p . "form-$codec", $text);
    $plain->put($p . "form-plain", $text);
    $w = wire($raw, $p . "form-$codec");
    $b64 = substr($w, strlen($prefix));
    $bin = base64_decode($b64, true);
    echo "$codec wire: prefix ", str_starts_with($w, $prefix) ? 'yes' : 'no',
        ", base64 ", $bin !== false ? 'yes' : 'no',
        ", smaller ", strlen($w) < strlen(wire($raw, $p . 'form-plain')) ? 'yes' : 'no', "\n";
    if ($codec === 'lz4') {
        // The LZ4 frame format: magic, FLG (bit 3: the size follows BD).
        $n = unpack('P', substr($bin, 6, 8))[1];
        echo "lz4 frame magic: ", bin2hex(substr($bin, 0, 4)), ", content size ", ord($bin[4]) & 8 ? 'recorded' : 'missing',
            $n === strlen(wire($raw, $p . 'form-plain')) ? ': the plain wire text' : ": $n", "\n";
    } else {
        echo "zstd frame magic: ", bin2hex(substr($bin, 0, 4)), "\n";
    }

    // Under compression_min_bytes (2048 by default): stored as it is.
    $def = tc_new(['compression' => $codec]);
    $def->put($p . "small-$codec", str_repeat('ab', 1000));
    $def->put($p . "large-$codec", str_repeat('ab', 1100));
    echo "$codec default min: 2000 bytes ", str_starts_with(wire($raw, $p . "small-$codec"), '__TC_') ? 'compressed' : 'plain',
        ", 2200 bytes ", str_starts_with(wire($raw, $p . "large-$codec"), $prefix) ? 'compressed' : 'plain', "\n";

    // A value that does not get smaller is stored as it is.
    $noise = base64_encode(random_bytes(6000));
    $tc->put($p . "noise-$codec", $noise);
    echo "$codec random text: ", wire($raw, $p . "noise-$codec") === $noise ? 'stored plain' : 'compressed', "\n";
}

// Corrupt compressed data: a TagCacheException, never a value or a crash.
$zw = wire($raw, $p . 'form-zstd');
$lw = wire($raw, $p . 'form-lz4');
$flip = function (string $w, string $prefix): string {
    $bin = base64_decode(substr($w, strlen($prefix)));
    $mid = intdiv(strlen($bin), 2);
    for ($i = $mid; $i < $mid + 6; $i++) {
        $bin[$i] = chr(ord($bin[$i]) ^ 0x5a);
    }
    return $prefix . base64_encode($bin);
};
$corrupt = [
    'zstd cut short' => substr($zw, 0, 40),
    'zstd bytes flipped' => $flip($zw, '__TC_ZSTD__'),
    'zstd not base64' => '__TC_ZSTD__***',
    'zstd not a frame' => '__TC_ZSTD__' . base64_encode('hello, not zstd'),
    'lz4 cut short' => substr($lw, 0, 30),
    'lz4 bytes flipped' => $flip($lw, '__TC_LZ4__'),
    'lz4 header only' => '__TC_LZ4__' . base64_encode("\x04\x22\x4d\x18\x68\x40" . pack('P', 10) . "\x00"),
    'lz4 garbage block' => '__TC_LZ4__' . base64_encode("\x04\x22\x4d\x18\x68\x40" . pack('P', 100) . "\x00\xff\xff\xff\xff"),
    'lz4 empty' => '__TC_LZ4__',
];
foreach ($corrupt as $label => $w) {
    tc_raw($raw, "PUT\t{$p}corrupt\t-\t-\t$w");
    try {
        $v = $plain->get($p . 'corrupt');
        echo "$label: no exception, got ", tc_show($v), "\n";
    } catch (TagCacheException $e) {
        echo "$label: ", get_class($e), str_contains($e->getMessage(), 'corrupt') ? ' (corrupt)' : ': ' . $e->getMessage(), "\n";
    }
}

// A decompression bomb: a few KB that expand past max_value_bytes are
// refused before they are expanded; a client with a larger limit reads it.
$big = str_repeat('A', 20 << 20);
$z = tc_new(['compression' => 'zstd', 'compression_level' => 19, 'max_value_bytes' => 32 << 20]);
$z->put($p . 'bomb', $big);
$bw = wire($raw, $p . 'bomb');
echo "bomb: ", strlen($bw) < 10000 ? 'a few KB on the wire' : strlen($bw) . ' bytes', "\n";
$small = tc_new(['max_value_bytes' => 1 << 20]);
try {
    $small->get($p . 'bomb');
    echo "bomb: read past max_value_bytes\n";
} catch (TagCacheException $e) {
    echo "bomb: ", get_class($e), str_contains($e->getMessage(), 'more than max_value_bytes') ? ' (over max_value_bytes)' : ': ' . $e->getMessage(), "\n";
}
$lz = '__TC_LZ4__' . base64_encode("\x04\x22\x4d\x18\x68\x40" . pack('P', 0xffffffff) . "\x00\x1fA\xff\xff\xff");
tc_raw($raw, "PUT\t{$p}bomb4\t-\t-\t$lz");
try {
    $plain->get($p . 'bomb4');
    echo "lz4 bomb: read\n";
} catch (TagCacheException $e) {
    echo "lz4 bomb: ", get_class($e), str_contains($e->getMessage(), 'more than max_value_bytes') ? ' (over max_value_bytes)' : ': ' . $e->getMessage(), "\n";
}
var_dump($z->get($p . 'bomb') === $big);

// Options are checked.
tc_throws('compression gzip', fn() => tc_new(['compression' => 'gzip']), 'lz4');
tc_throws('compression_level 23', fn() => tc_new(['compression_level' => 23]));
tc_throws('compression_min_bytes -1', fn() => tc_new(['compression_min_bytes' => -1]));
?>
--EXPECT--
lz4: 112 values, every big one compressed: yes, mismatches: 0
lz4 wire: prefix yes, base64 yes, smaller yes
lz4 frame magic: 04224d18, content size recorded: the plain wire text
lz4 default min: 2000 bytes plain, 2200 bytes compressed
lz4 random text: stored plain
zstd: 112 values, every big one compressed: yes, mismatches: 0
zstd wire: prefix yes, base64 yes, smaller yes
zstd frame magic: 28b52ffd
zstd default min: 2000 bytes plain, 2200 bytes compressed
zstd random text: stored plain
zstd cut short: TagCacheException (corrupt)
zstd bytes flipped: TagCacheException (corrupt)
zstd not base64: TagCacheException (corrupt)
zstd not a frame: TagCacheException (corrupt)
lz4 cut short: TagCacheException (corrupt)
lz4 bytes flipped: TagCacheException (corrupt)
lz4 header only: TagCacheException (corrupt)
lz4 garbage block: TagCacheException (corrupt)
lz4 empty: TagCacheException (corrupt)
bomb: a few KB on the wire
bomb: TagCacheException (over max_value_bytes)
lz4 bomb: TagCacheException (over max_value_bytes)
bool(true)
compression gzip: ValueError [message ok]
compression_level 23: ValueError
compression_min_bytes -1: ValueError
