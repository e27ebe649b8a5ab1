--TEST--
tagcache functions: under declare(strict_types=1) scalar parameters take only their exact type, with PHP's TypeError messages
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
error_reporting=-1
--FILE--
<?php
declare(strict_types=1);
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$h = tagcache_create(['host' => tc_host(), 'port' => tc_port()]);
function show(callable $f): void
{
    try {
        $r = $f();
        echo 'returned ', var_export($r, true), "\n";
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
// PHP's own function under strict types, for the wording
show(fn() => strlen(123));
show(fn() => tagcache_get($h, 123));
show(fn() => tagcache_put($h, 1.5, 'v'));
show(fn() => tagcache_put($h, null, 'v'));
show(fn() => tagcache_delete($h, true));
show(fn() => tagcache_invalidate_tag($h, 5));
show(fn() => tagcache_keys_by_tag($h, 5));
show(fn() => tagcache_put($h, tc_key('k'), 'v', null, '1000'));
show(fn() => tagcache_put($h, tc_key('k'), 'v', null, 1000.0));
show(fn() => tagcache_bulk_put($h, [tc_key('k') => 1], '5'));
show(fn() => tagcache_put($h, new class { function __toString(): string { return 'x'; } }, 'v'));
// exact types pass; null where the parameter is nullable; arrays as always
show(fn() => tagcache_put($h, tc_key('k'), 'v', null, 1000));
show(fn() => tagcache_put($h, tc_key('k'), 'v', [tc_key('t')], null));
show(fn() => tagcache_get($h, tc_key('k')));
// array elements are not parameters: an int tag or key is still its text
show(fn() => tagcache_bulk_get($h, [tc_key('k')]) === [tc_key('k') => 'v']);
show(fn() => tagcache_put($h, tc_key('k2'), 'v', [12345]));
// a call from a file without strict_types is coercive again (it is the caller's mode that counts)
require __DIR__ . '/095-functions-strict-types.inc';
$num = random_int(1000000000, PHP_INT_MAX);
tagcache_put($h, (string) $num, 'numeric key');
show(fn() => coercive_get($h, $num));
show(fn() => tagcache_get(...[$h, $num]));
// call_user_func() from a strict file is as strict as a direct call, for strlen() too
show(fn() => call_user_func('strlen', 123));
show(fn() => call_user_func('tagcache_get', $h, $num));
?>
--EXPECT--
TypeError: strlen(): Argument #1 ($string) must be of type string, int given
TypeError: tagcache_get(): Argument #2 ($key) must be of type string, int given
TypeError: tagcache_put(): Argument #2 ($key) must be of type string, float given
TypeError: tagcache_put(): Argument #2 ($key) must be of type string, null given
TypeError: tagcache_delete(): Argument #2 ($key) must be of type string, bool given
TypeError: tagcache_invalidate_tag(): Argument #2 ($tag) must be of type string, int given
TypeError: tagcache_keys_by_tag(): Argument #2 ($tag) must be of type string, int given
TypeError: tagcache_put(): Argument #5 ($ttl_ms) must be of type ?int, string given
TypeError: tagcache_put(): Argument #5 ($ttl_ms) must be of type ?int, float given
TypeError: tagcache_bulk_put(): Argument #3 ($ttl_ms) must be of type ?int, string given
TypeError: tagcache_put(): Argument #2 ($key) must be of type string, class@anonymous given
returned true
returned true
returned 'v'
returned true
returned true
returned 'numeric key'
TypeError: tagcache_get(): Argument #2 ($key) must be of type string, int given
TypeError: strlen(): Argument #1 ($string) must be of type string, int given
TypeError: tagcache_get(): Argument #2 ($key) must be of type string, int given
