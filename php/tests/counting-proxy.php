<?php

/*
 * A TCP proxy that counts the request lines clients send to a TagCache
 * server, by verb. Used by CountingProxy (tests) to assert how many commands
 * a call sent.
 *
 *   php counting-proxy.php UPSTREAM_HOST UPSTREAM_PORT
 *
 * Prints "listening PORT" (127.0.0.1, a free port). Then each line
 * "report" on stdin is answered on stdout by one JSON line: the counts
 * since the start, {"VERB": n, ...}. It exits at EOF on stdin.
 */

declare(strict_types=1);

[, $host, $port] = $argv + [null, '127.0.0.1', '1984'];
$server = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
if ($server === false) {
    fwrite(STDERR, "counting-proxy: $errstr\n");
    exit(1);
}
$name = (string) stream_socket_get_name($server, false);
echo 'listening ', substr($name, strrpos($name, ':') + 1), "\n";

$counts = [];
$peer = [];     // socket id => the socket it forwards to
$sockets = [];  // socket id => socket
$pending = [];  // client socket id => incomplete request line
$isClient = [];

$writeAll = static function ($to, string $data): bool {
    while ($data !== '') {
        $n = @fwrite($to, $data);
        if ($n === false || $n === 0) {
            return false;
        }
        $data = substr($data, $n);
    }
    return true;
};
$close = static function (int $id) use (&$peer, &$sockets, &$pending, &$isClient): void {
    foreach ([$id, isset($peer[$id]) ? (int) $peer[$id] : null] as $i) {
        if ($i !== null && isset($sockets[$i])) {
            fclose($sockets[$i]);
            unset($sockets[$i], $peer[$i], $pending[$i], $isClient[$i]);
        }
    }
};

for (;;) {
    $read = array_values($sockets);
    $read[] = $server;
    $read[] = STDIN;
    $write = $except = null;
    if (stream_select($read, $write, $except, null) === false) {
        exit(1);
    }
    foreach ($read as $s) {
        if ($s === STDIN) {
            $line = fgets(STDIN);
            if ($line === false) {
                exit(0);
            }
            if (trim($line) === 'report') {
                echo json_encode((object) $counts), "\n";
            }
            continue;
        }
        if ($s === $server) {
            $client = @stream_socket_accept($server, 1);
            if ($client === false) {
                continue;
            }
            $up = @stream_socket_client("tcp://$host:$port", $errno, $errstr, 5);
            if ($up === false) {
                fclose($client);
                continue;
            }
            stream_set_read_buffer($client, 0);
            stream_set_read_buffer($up, 0);
            $sockets[(int) $client] = $client;
            $sockets[(int) $up] = $up;
            $peer[(int) $client] = $up;
            $peer[(int) $up] = $client;
            $pending[(int) $client] = '';
            $isClient[(int) $client] = true;
            continue;
        }
        $id = (int) $s;
        if (!isset($sockets[$id])) {
            continue;   // closed with its peer earlier in this round
        }
        $data = fread($s, 65536);
        if ($data === false || $data === '') {
            if (feof($s)) {
                $close($id);
            }
            continue;
        }
        if (isset($isClient[$id])) {
            $buf = $pending[$id] . $data;
            while (($nl = strpos($buf, "\n")) !== false) {
                $verb = strtoupper(explode("\t", substr($buf, 0, $nl), 2)[0]);
                $counts[$verb] = ($counts[$verb] ?? 0) + 1;
                $buf = substr($buf, $nl + 1);
            }
            $pending[$id] = $buf;
        }
        if (!$writeAll($peer[$id], $data)) {
            $close($id);
        }
    }
}
