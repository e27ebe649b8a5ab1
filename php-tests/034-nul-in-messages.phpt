--TEST--
tagcache: user input or server text holding a NUL byte is escaped in messages, so a ValueError stays a ValueError
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('pcntl'); tc_skip_unless('posix'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

function show(string $label, callable $f): void
{
    try {
        $f();
        echo "$label: no exception\n";
    } catch (Throwable $e) {
        // the list of known options is left out: it grows with new options
        $m = explode(' (known:', $e->getMessage())[0];
        // and so are type names (their spelling is not what this tests)
        if (str_contains($label, 'value')) {
            $m = preg_replace('/ \w+( found)?$/', ' <type>$1', $m);
        }
        echo "$label: ", get_class($e), ': ', $m, "\n";
    }
}

$tc = tc_new();
show('host', fn() => new TagCache(['host' => "a\0b"]));
show('option name', fn() => new TagCache(["po\0rt" => 1]));
show('option name, array value', fn() => new TagCache(["po\0rt" => [1]]));
show('option name, object value', fn() => new TagCache(["po\0rt" => new stdClass()]));
show('serializer', fn() => new TagCache(['serializer' => "php\0"]));
show('invalidate mode', fn() => $tc->invalidate('t', "a\0"));
show('key', fn() => $tc->get("a\0,b"));
show('tag', fn() => $tc->put('k', 1, [" t\0"]));

[$port, $pid] = tc_fake_server(fn(string $line) => "ERR bad\0thing\tand\x1bmore");
$fake = new TagCache(['host' => '127.0.0.1', 'port' => $port]);
show('server text', fn() => $fake->get('k'));
$r = $fake->pipeline()->get('k')->execute();
echo 'in a pipeline: ', get_class($r[0]), ': ', $r[0]->getMessage(), "\n";
tc_fake_stop($pid);
?>
--EXPECT--
host: ValueError: option 'host' is not a host name: "a\0b"
option name: ValueError: unknown option 'po\0rt'
option name, array value: TypeError: option 'po\0rt' must list strings, <type> found
option name, object value: TypeError: option 'po\0rt' cannot be of type <type>
serializer: ValueError: option 'serializer' must be "php", "igbinary" or "msgpack", "php\0" given
invalidate mode: ValueError: mode must be 'any' or 'all', 'a\0' given
key: ValueError: key must not contain a comma: "a\0,b"
tag: ValueError: tag must not start or end with white space: " t\0"
server text: TagCacheServerException: TagCache server error: bad\0thing\tand\u{1b}more
in a pipeline: TagCacheServerException: TagCache server error: bad\0thing\tand\u{1b}more
