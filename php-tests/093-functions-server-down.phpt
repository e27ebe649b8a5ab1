--TEST--
tagcache functions: with the server down each function returns false/null/0 and raises exactly one E_WARNING with the exception's message
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$warnings = [];
set_error_handler(function (int $no, string $msg) use (&$warnings) {
    $warnings[] = [$no, $msg];
    return true;
});

// nothing listens on port 1; creating the handle does not connect
$h = tagcache_create(['host' => '127.0.0.1', 'port' => 1, 'connect_timeout_ms' => 500]);
var_dump($h instanceof TagCache);
$calls = [
    'tagcache_put' => fn() => tagcache_put($h, 'k', 1, ['t'], 1000),
    'tagcache_get' => fn() => tagcache_get($h, 'k'),
    'tagcache_delete' => fn() => tagcache_delete($h, 'k'),
    'tagcache_invalidate_tag' => fn() => tagcache_invalidate_tag($h, 't'),
    'tagcache_invalidate_tags_any' => fn() => tagcache_invalidate_tags_any($h, ['t', 'u']),
    'tagcache_invalidate_tags_all' => fn() => tagcache_invalidate_tags_all($h, ['t', 'u']),
    'tagcache_invalidate_keys' => fn() => tagcache_invalidate_keys($h, ['a', 'b']),
    'tagcache_keys_by_tag' => fn() => tagcache_keys_by_tag($h, 't'),
    'tagcache_bulk_get' => fn() => tagcache_bulk_get($h, ['a', 'b']),
    'tagcache_bulk_put' => fn() => tagcache_bulk_put($h, ['a' => 1, 'b' => 2]),
    'tagcache_stats' => fn() => tagcache_stats($h),
    'tagcache_flush' => fn() => tagcache_flush($h),
    'tagcache_search_any' => fn() => tagcache_search_any($h, ['t']),
    'tagcache_search_all' => fn() => tagcache_search_all($h, ['t', 'u']),
    'tagcache_close' => fn() => tagcache_close($h),
];
foreach ($calls as $name => $fn) {
    $warnings = [];
    $r = $fn();
    $w = array_map(fn($x) => ($x[0] === E_WARNING ? 'E_WARNING ' : "level {$x[0]} ") . $x[1], $warnings);
    printf("%s: %s; %d warning(s)%s\n", $name, var_export($r, true), count($w),
        $w ? ': ' . preg_replace('/\(os error \d+\)/', '(os error N)', $w[0]) : '');
}

// a warning turned into an exception by the user's handler propagates
set_error_handler(function (int $no, string $msg) {
    throw new ErrorException($msg, 0, $no);
});
try {
    tagcache_get($h, 'k');
} catch (ErrorException $e) {
    echo 'ErrorException: ', str_contains($e->getMessage(), '127.0.0.1:1') ? 'names the server' : $e->getMessage(), "\n";
}
restore_error_handler();

// invalid arguments still throw, server or not
try {
    tagcache_put($h, 'a,b', 1);
} catch (ValueError $e) {
    echo 'ValueError: ', $e->getMessage(), "\n";
}
// the class keeps throwing
try {
    $h->get('k');
} catch (TagCacheConnectionException $e) {
    echo "class: TagCacheConnectionException\n";
}
?>
--EXPECT--
bool(true)
tagcache_put: false; 1 warning(s): E_WARNING tagcache_put(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_get: NULL; 1 warning(s): E_WARNING tagcache_get(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_delete: false; 1 warning(s): E_WARNING tagcache_delete(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_invalidate_tag: 0; 1 warning(s): E_WARNING tagcache_invalidate_tag(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_invalidate_tags_any: 0; 1 warning(s): E_WARNING tagcache_invalidate_tags_any(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_invalidate_tags_all: 0; 1 warning(s): E_WARNING tagcache_invalidate_tags_all(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_invalidate_keys: 0; 1 warning(s): E_WARNING tagcache_invalidate_keys(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_keys_by_tag: NULL; 1 warning(s): E_WARNING tagcache_keys_by_tag(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_bulk_get: array (
); 1 warning(s): E_WARNING tagcache_bulk_get(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_bulk_put: 0; 1 warning(s): E_WARNING tagcache_bulk_put(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_stats: NULL; 1 warning(s): E_WARNING tagcache_stats(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_flush: 0; 1 warning(s): E_WARNING tagcache_flush(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_search_any: NULL; 1 warning(s): E_WARNING tagcache_search_any(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_search_all: NULL; 1 warning(s): E_WARNING tagcache_search_all(): cannot connect to TagCache at 127.0.0.1:1: Connection refused (os error N)
tagcache_close: NULL; 0 warning(s)
ErrorException: names the server
ValueError: key must not contain a comma: "a,b"
class: TagCacheConnectionException
