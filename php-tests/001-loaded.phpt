--TEST--
tagcache: extension loaded, classes, constants and exception hierarchy
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

var_dump(extension_loaded('tagcache'));
var_dump(TagCache::VERSION);
var_dump(phpversion('tagcache'));

foreach (['TagCache', 'TagCachePipeline', 'TagCacheException',
          'TagCacheConnectionException', 'TagCacheServerException'] as $c) {
    $r = new ReflectionClass($c);
    printf("%s: exists=%s final=%s internal=%s parent=%s\n", $c,
        var_export(class_exists($c), true),
        var_export($r->isFinal(), true),
        var_export($r->isInternal(), true),
        $r->getParentClass() ? $r->getParentClass()->getName() : '-');
}
var_dump(is_subclass_of('TagCacheException', 'RuntimeException'));
var_dump(is_subclass_of('TagCacheConnectionException', 'TagCacheException'));
var_dump(is_subclass_of('TagCacheServerException', 'TagCacheException'));
var_dump(in_array('Countable', class_implements('TagCachePipeline'), true));
$rc = new ReflectionClassConstant('TagCache', 'VERSION');
var_dump($rc->isPublic());
// the exceptions are ordinary, constructible exceptions
$e = new TagCacheServerException('boom', 7);
var_dump($e->getMessage(), $e->getCode(), $e instanceof RuntimeException);
?>
--EXPECT--
bool(true)
string(5) "0.1.0"
string(5) "0.1.0"
TagCache: exists=true final=true internal=true parent=-
TagCachePipeline: exists=true final=true internal=true parent=-
TagCacheException: exists=true final=false internal=true parent=RuntimeException
TagCacheConnectionException: exists=true final=false internal=true parent=TagCacheException
TagCacheServerException: exists=true final=false internal=true parent=TagCacheException
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
string(4) "boom"
int(7)
bool(true)
