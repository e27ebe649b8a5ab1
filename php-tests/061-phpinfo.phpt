--TEST--
tagcache: phpinfo() has a tagcache section with the version and serializers
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();

// the section runs from the "tagcache" heading to the next module heading
$ok = preg_match('/^tagcache\s*$(.*?)(?=^[A-Za-z][\w ]*\s*$\n\n|\z)/ms', $info, $m);
var_dump($ok === 1);
$section = $m[1] ?? '';
var_dump(str_contains($section, '0.1.0'));
$serLine = '';
foreach (explode("\n", $section) as $line) {
    if (stripos($line, 'serializer') !== false && stripos($line, 'tagcache.serializer') === false) {
        $serLine .= $line . "\n";  // every serializer row of the section
    }
}
var_dump($serLine !== '');
var_dump(str_contains($serLine, 'php'));
var_dump(!extension_loaded('igbinary') || str_contains($serLine, 'igbinary'));
var_dump(!extension_loaded('msgpack') || str_contains($serLine, 'msgpack'));
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
