--TEST--
tagcache: stubs/tagcache.stub.php declares exactly the public methods and signatures the extension has
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$ext = tc_ext_signatures(['TagCache', 'TagCachePipeline']);
$stubFile = __DIR__ . '/../stubs/tagcache.stub.php';
if (!is_file($stubFile)) {
    echo "stub file missing: $stubFile\n";
} else {
    $stub = parse_stub(file_get_contents($stubFile));
    foreach (['TagCache', 'TagCachePipeline'] as $class) {
        $diff = [];
        $s = $stub[$class] ?? [];
        foreach ($ext[$class] as $name => $r) {
            if (!isset($s[$name])) $diff[] = "not in stub: $r";
            elseif (strcasecmp($s[$name], $r) !== 0) $diff[] = "differs: ext  $r\n           stub $s[$name]";
        }
        foreach ($s as $name => $r) {
            if (!isset($ext[$class][$name])) $diff[] = "only in stub: $r";
        }
        echo "stub $class: ", $diff ? "MISMATCH\n  " . implode("\n  ", $diff) : 'OK (' . count($s) . ' methods)', "\n";
    }
}
?>
--EXPECTF--
stub TagCache: OK (%d methods)
stub TagCachePipeline: OK (%d methods)
