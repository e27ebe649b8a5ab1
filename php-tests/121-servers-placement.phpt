--TEST--
tagcache: keys are placed by ketama as php-memcached places them (OPT_LIBKETAMA_COMPATIBLE); shares follow weights; a new server takes about 1/(N+1) of the keys
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('memcached'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

/** Where php-memcached puts each key, without connecting. */
function memcached_placement(array $list, array $keys): array
{
    $m = new Memcached();
    $m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
    foreach ($list as [$host, $port, $weight]) {
        $m->addServer($host, $port, $weight);
    }
    $out = [];
    foreach ($keys as $k) {
        $s = $m->getServerByKey($k);
        $out[] = $s['host'] . ':' . $s['port'];
    }
    return $out;
}

function ours(array $list): TagCache
{
    return new TagCache(['servers' => array_map(fn($s) => "$s[0]:$s[1]:$s[2]", $list)]);
}

$keys = [];
for ($i = 0; $i < 10000; $i++) {
    $keys[] = $i % 3 ? "user:$i:profile" : "k" . md5((string) $i);
}
$lists = [
    'equal' => [['127.0.0.1', 20001, 1], ['127.0.0.1', 20002, 1], ['127.0.0.1', 20003, 1]],
    '1:2:1' => [['127.0.0.1', 20001, 1], ['127.0.0.1', 20002, 2], ['127.0.0.1', 20003, 1]],
    'four, names' => [['127.0.0.1', 11211, 1], ['localhost', 11300, 2], ['127.0.0.2', 11211, 1], ['127.0.0.1', 40000, 5]],
];
foreach ($lists as $label => $list) {
    $want = memcached_placement($list, $keys);
    $c = ours($list);
    $diff = 0;
    foreach ($keys as $n => $k) {
        if ($c->serverForKey($k) !== $want[$n]) $diff++;
    }
    echo "php-memcached agrees ($label): ", $diff === 0 ? 'on all 10000 keys' : "no, $diff differ", "\n";
}

// Shares of 100,000 keys: each server within 3 points of its weight's share.
$many = [];
for ($i = 0; $i < 100000; $i++) $many[] = "key:$i";
function shares(TagCache $c, array $keys): array
{
    $n = [];
    foreach ($keys as $k) {
        $s = $c->serverForKey($k);
        $n[$s] = ($n[$s] ?? 0) + 1;
    }
    ksort($n);
    return array_map(fn($x) => 100 * $x / count($keys), $n);
}
function max_deviation(array $ports, array $w, array $keys): float
{
    $list = array_map(fn($p, $w) => ['127.0.0.1', $p, $w], $ports, $w);
    $sh = shares(ours($list), $keys);
    $dev = 0.0;
    foreach ($ports as $i => $p) {
        $dev = max($dev, abs(($sh["127.0.0.1:$p"] ?? 0) - 100 * $w[$i] / array_sum($w)));
    }
    return $dev;
}
// memcached's own ports: within 3 points of each share.
foreach (['equal' => [1, 1, 1], '1:2:1' => [1, 2, 1]] as $label => $w) {
    $dev = max_deviation([11211, 11212, 11213], $w, $many);
    echo "shares ($label, ports 11211-11213) within 3 points: ", $dev <= 3 ? 'yes' : "no ($dev)", "\n";
}
// Over other lists the ring (160 points per server, as libmemcached's) is
// up to about 5 points off a server's share: placement must match
// php-memcached's, so this client has the same spread.
$worst = 0.0;
foreach ([1984, 6001, 7000, 20001, 30001] as $base) {
    foreach ([[1, 1, 1], [1, 2, 1]] as $w) {
        $worst = max($worst, max_deviation([$base, $base + 1, $base + 2], $w, $many));
    }
}
printf("largest deviation over 10 other lists: %.2f points\n", $worst);

// A 4th server takes about a quarter of the keys, only from the others.
$three = ours([['127.0.0.1', 20001, 1], ['127.0.0.1', 20002, 1], ['127.0.0.1', 20003, 1]]);
$four = ours([['127.0.0.1', 20001, 1], ['127.0.0.1', 20002, 1], ['127.0.0.1', 20003, 1], ['127.0.0.1', 20004, 1]]);
$moved = 0;
$movedElsewhere = 0;
foreach ($many as $k) {
    $a = $three->serverForKey($k);
    $b = $four->serverForKey($k);
    if ($a !== $b) {
        $moved++;
        if ($b !== '127.0.0.1:20004') $movedElsewhere++;
    }
}
$pct = 100 * $moved / count($many);
echo "moved by adding a 4th: ", abs($pct - 25) <= 3 ? 'about 25%' : "$pct%", ", all to the new server: ", $movedElsewhere === 0 ? 'yes' : "no ($movedElsewhere)", "\n";

// Removing a server moves only the keys it held.
$without = ours([['127.0.0.1', 20001, 1], ['127.0.0.1', 20003, 1]]);
$strayed = 0;
foreach ($many as $k) {
    $a = $three->serverForKey($k);
    if ($a !== '127.0.0.1:20002' && $without->serverForKey($k) !== $a) $strayed++;
}
echo "keys of the others that moved when one was removed: $strayed\n";
?>
--EXPECT--
php-memcached agrees (equal): on all 10000 keys
php-memcached agrees (1:2:1): on all 10000 keys
php-memcached agrees (four, names): on all 10000 keys
shares (equal, ports 11211-11213) within 3 points: yes
shares (1:2:1, ports 11211-11213) within 3 points: yes
largest deviation over 10 other lists: 4.88 points
moved by adding a 4th: about 25%, all to the new server: yes
keys of the others that moved when one was removed: 0
