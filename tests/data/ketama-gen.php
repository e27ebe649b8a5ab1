<?php
// Prints where php-memcached places keys with Memcached::OPT_LIBKETAMA_COMPATIBLE
// (libmemcached's weighted ketama), for several server lists, without
// connecting to anything: getServerByKey() only reads the continuum.
// tests/ketama.rs checks that the client's ring agrees on every key.
//
//   php tests/data/ketama-gen.php > tests/data/ketama.tsv
//
// Output: "#" comment lines, one "servers" line per list (host:port:weight
// in list order), then one line per key: the key, and for each list the
// position in that list of the key's server, tab-separated.

if (!extension_loaded('memcached')) {
    fwrite(STDERR, "ketama-gen.php: the memcached extension is not loaded (apt-get install php8.2-memcached)\n");
    exit(1);
}

$lists = [
    // Equal weights; the default port 11211 is named without it.
    [['127.0.0.1', 11211, 1], ['127.0.0.1', 11212, 1], ['127.0.0.1', 11213, 1]],
    // 1:2:1.
    [['127.0.0.1', 20001, 1], ['127.0.0.1', 20002, 2], ['127.0.0.1', 20003, 1]],
    // Four equal servers, host names as strings.
    [['127.0.0.1', 11211, 1], ['127.0.0.1', 40000, 1], ['localhost', 11213, 1], ['127.0.0.2', 11211, 1]],
    // Four unequal.
    [['127.0.0.1', 31001, 1], ['127.0.0.1', 31002, 2], ['127.0.0.1', 31003, 1], ['127.0.0.1', 31004, 3]],
    // The four of the 1:2:1 list plus one: the list grows.
    [['127.0.0.1', 20001, 1], ['127.0.0.1', 20002, 2], ['127.0.0.1', 20003, 1], ['127.0.0.1', 20004, 1]],
    // Ten servers of weights 1..10: a different point count for each.
    array_map(fn ($i) => ['127.0.0.1', 32000 + $i, $i], range(1, 10)),
    // 25 equal servers: f32 rounding gives each 156 points, not 160.
    array_map(fn ($i) => ['127.0.0.1', 33000 + $i, 1], range(0, 24)),
    // A weight so small that its server gets no point at all.
    [['127.0.0.1', 34001, 1], ['127.0.0.1', 34002, 1000]],
];

function key_of(int $i): string
{
    switch ($i % 5) {
        case 0: return "key:$i";
        case 1: return "user/$i/profile";
        case 2: return md5("k$i");
        case 3: return "ключ-$i";
        default: return str_repeat(chr(ord('a') + $i % 26), 1 + $i % 200) . $i;
    }
}

$clients = [];
// The libmemcached that runs (phpinfo), not the headers it was built with.
ob_start();
phpinfo(INFO_MODULES);
preg_match('/libmemcached library version => (\S+)/', ob_get_clean(), $lib);
echo '# php-memcached ', phpversion('memcached'), ', libmemcached ', $lib[1] ?? '?', ", OPT_LIBKETAMA_COMPATIBLE\n";
foreach ($lists as $list) {
    $m = new Memcached();
    $m->setOption(Memcached::OPT_LIBKETAMA_COMPATIBLE, true);
    if (!$m->addServers($list)) {
        fwrite(STDERR, "ketama-gen.php: addServers failed: {$m->getResultMessage()}\n");
        exit(1);
    }
    $position = [];
    foreach ($list as $i => [$host, $port, $weight]) {
        $position["$host:$port"] = $i;
    }
    $clients[] = [$m, $position];
    echo "servers\t", implode(',', array_map(fn ($s) => implode(':', $s), $list)), "\n";
}

for ($i = 0; $i < 10000; $i++) {
    $key = key_of($i);
    $row = [$key];
    foreach ($clients as [$m, $position]) {
        $s = $m->getServerByKey($key);
        if ($s === false) {
            fwrite(STDERR, "ketama-gen.php: getServerByKey($key) failed: {$m->getResultMessage()}\n");
            exit(1);
        }
        $row[] = $position["{$s['host']}:{$s['port']}"];
    }
    echo implode("\t", $row), "\n";
}
