--TEST--
tagcache: choosing a serializer whose extension is not loaded throws TagCacheException at construction
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

// A child PHP without php.ini (-n): only tagcache is loaded, no igbinary/msgpack.
$so = getenv('TAGCACHE_SO') ?: __DIR__ . '/../target/release/libtagcache.so';
$php = getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY;
$code = <<<'PHP'
echo 'tagcache: ', var_export(extension_loaded('tagcache'), true), "\n";
echo 'igbinary: ', var_export(extension_loaded('igbinary'), true), "\n";
echo 'msgpack: ', var_export(extension_loaded('msgpack'), true), "\n";
foreach (['igbinary', 'msgpack', 'php'] as $s) {
    try {
        new TagCache(['serializer' => $s, 'port' => 1]);
        echo "$s: constructed\n";
    } catch (Throwable $e) {
        echo "$s: ", get_class($e), ' ', var_export(stripos($e->getMessage(), $s) !== false, true), "\n";
    }
}
PHP;
$cmd = escapeshellarg($php) . ' -n -d extension=' . escapeshellarg($so)
     . ' -d display_errors=1 -r ' . escapeshellarg($code) . ' 2>&1';
passthru($cmd, $rc);
echo "rc=$rc\n";
?>
--EXPECT--
tagcache: true
igbinary: false
msgpack: false
igbinary: TagCacheException true
msgpack: TagCacheException true
php: constructed
rc=0
