--TEST--
tagcache functions: scalar parameters follow PHP's coercive mode exactly as PHP's own functions do (same results, deprecations and TypeErrors)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
error_reporting=-1
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$h = tagcache_create(['host' => tc_host(), 'port' => tc_port()]);
$log = [];
set_error_handler(function (int $no, string $msg) use (&$log) {
    $log[] = ($no === E_DEPRECATED ? 'Deprecated: ' : ($no === E_WARNING ? 'Warning: ' : "E$no: ")) . $msg;
    return true;
});

/** What a call did, with the function and parameter names taken out, so PHP's own function and ours compare. */
function outcome(callable $f, array $names = []): string
{
    global $log;
    $log = [];
    try {
        $r = 'returned ' . var_export($f(), true);
    } catch (Throwable $e) {
        $r = get_class($e) . ': ' . $e->getMessage();
    }
    $s = implode(' | ', array_merge($log, [$r]));
    if (!$names) {
        return $s;
    }
    return str_replace($names, '<f>', preg_replace('/Argument #\d+ \(\$\w+\)|parameter #\d+ \(\$\w+\)/', 'Argument', $s));
}

class Str { function __toString(): string { return 'from-object'; } }

// string parameters: strlen($string) vs tagcache_put/get($key)
$strings = [123, -7, 1.5, 1e20, true, false, null, new Str(), [], new stdClass(), 'plain'];
foreach ($strings as $v) {
    $php = outcome(fn() => strlen($v) >= 0, ['strlen()']);
    $ours = outcome(function () use ($h, $v) {
        $ok = tagcache_put($h, $v, 'stored');
        return $ok && tagcache_get($h, $v) === 'stored';
    }, ['tagcache_put()', 'tagcache_get()']);
    $same = str_replace('returned true', 'ok', $php) === str_replace('returned true', 'ok', $ours)
        || (str_contains($ours, 'ValueError'));
    printf("%-10s %s%s\n", get_debug_type($v), $ours, $same ? '' : "   [PHP: $php]");
}

// the key is the string PHP made of it
tagcache_put($h, 123, 'int key');
var_dump(tagcache_get($h, '123'));
tagcache_put($h, 1.5, 'float key');
var_dump(tagcache_get($h, '1.5'));
tagcache_put($h, new Str(), 'object key');
var_dump(tagcache_get($h, 'from-object'));

// ?int parameters: str_repeat($times) (int) vs tagcache_put($ttl_ms) (?int)
$ints = ['1000', ' 1000', '1000 ', '1e3', '1.0', 1000.0, 1.5, '1.5', '10abc', 'abc', '', true, false, [], null, PHP_INT_MAX + 1.0, NAN];
foreach ($ints as $v) {
    $php = outcome(fn() => strlen(str_repeat('x', is_null($v) ? 0 : $v)) >= 0, ['str_repeat()']);
    $ours = outcome(fn() => tagcache_put($h, tc_key('ttl'), 1, null, $v), ['tagcache_put()']);
    $p2 = str_replace(['must be of type int', 'returned true'], ['must be of type ?int', 'ok'], $php);
    $o2 = str_replace('returned true', 'ok', $ours);
    printf("%-8s %s%s\n", var_export($v, true), $ours, ($p2 === $o2 || is_null($v)) ? '' : "   [PHP: $php]");
}
// the TTL is the int PHP made of it: "100" ms
tagcache_put($h, tc_key('short'), 'v', null, '100');
usleep(300000);
var_dump(tagcache_get($h, tc_key('short')));

// array parameters are never coerced
echo outcome(fn() => tagcache_bulk_get($h, 'k')), "\n";
echo outcome(fn() => tagcache_put($h, 'k', 1, 'tag')), "\n";
// ints in tag lists are their decimal text, and in this (coercive) mode a
// float is its text too, as for the TagCache methods; an array is refused
$num = random_int(1000000000, PHP_INT_MAX);
tagcache_put($h, tc_key('it'), 1, [tc_key('t'), $num]);
var_dump(tagcache_keys_by_tag($h, (string) $num) === [tc_key('it')], tagcache_keys_by_tag($h, $num) === [tc_key('it')]);
$float = random_int(1000000, 9999999) + 0.5;   // a tag no other test uses
echo outcome(fn() => tagcache_put($h, tc_key('ft'), 1, [$float]), []), "\n";
var_dump(tagcache_keys_by_tag($h, (string) $float) === [tc_key('ft')]);
echo outcome(fn() => tagcache_search_any($h, [[1]]), []), "\n";

// the handle
foreach (['not a handle', null, new stdClass()] as $bad) {
    echo outcome(fn() => tagcache_get($bad, 'k'), []), "\n";
}
// protocol rules on keys and tags are ValueErrors
foreach (['', "a\tb", 'a,b', "\xff"] as $bad) {
    echo outcome(fn() => tagcache_get($h, $bad), []), "\n";
}
echo outcome(fn() => tagcache_invalidate_tag($h, '-'), []), "\n";
echo outcome(fn() => tagcache_put($h), []), "\n";
echo outcome(fn() => tagcache_get($h, 'k', 'extra'), []), "\n";
// named arguments use the C extension's parameter names
var_dump(tagcache_put(handle: $h, key: tc_key('named'), value: 'n', ttl_ms: 60000));
var_dump(tagcache_get(key: tc_key('named'), handle: $h));
?>
--EXPECT--
int        returned true
int        returned true
float      returned true
float      returned true
bool       returned true
bool       ValueError: key must not be empty
null       Deprecated: <f>: Passing null to Argument of type string is deprecated | ValueError: key must not be empty
Str        returned true
array      TypeError: <f>: Argument must be of type string, array given
stdClass   TypeError: <f>: Argument must be of type string, stdClass given
string     returned true
string(7) "int key"
string(9) "float key"
string(10) "object key"
'1000'   returned true
' 1000'  returned true
'1000 '  returned true
'1e3'    returned true
'1.0'    returned true
1000.0   returned true
1.5      Deprecated: Implicit conversion from float 1.5 to int loses precision | returned true
'1.5'    Deprecated: Implicit conversion from float-string "1.5" to int loses precision | returned true
'10abc'  TypeError: <f>: Argument must be of type ?int, string given
'abc'    TypeError: <f>: Argument must be of type ?int, string given
''       TypeError: <f>: Argument must be of type ?int, string given
true     returned true
false    returned true
array (
) TypeError: <f>: Argument must be of type ?int, array given
NULL     returned true
9.223372036854776E+18 TypeError: <f>: Argument must be of type ?int, float given
NAN      TypeError: <f>: Argument must be of type ?int, float given
NULL
TypeError: tagcache_bulk_get(): Argument #2 ($keys) must be of type array, string given
TypeError: tagcache_put(): Argument #4 ($tags) must be of type ?array, string given
bool(true)
bool(true)
returned true
bool(true)
TypeError: tagcache_search_any(): Argument #2 ($tags) must contain only strings, array given
TypeError: tagcache_get(): Argument #1 ($handle) must be of type TagCache, string given
TypeError: tagcache_get(): Argument #1 ($handle) must be of type TagCache, null given
TypeError: tagcache_get(): Argument #1 ($handle) must be of type TagCache, stdClass given
ValueError: key must not be empty
ValueError: key must not contain a TAB: "a\tb"
ValueError: key must not contain a comma: "a,b"
ValueError: tagcache_get(): Argument #2 ($key) must be valid UTF-8
ValueError: tag "-" is reserved (it means no tags)
ArgumentCountError: tagcache_put() expects at least 3 arguments, 1 given
ArgumentCountError: tagcache_get() expects exactly 2 arguments, 3 given
bool(true)
string(1) "n"
