--TEST--
tagcache: values written raw by other clients read as those clients mean them
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$raw = tc_raw_connect();
$k = tc_key('raw');

function rawput($raw, string $k, string $text): void
{
    $r = tc_raw($raw, "PUT\t$k\t-\t-\t$text");
    if ($r !== 'OK') echo "raw PUT replied ", var_export($r, true), "\n";
}

$cases = [
    '123', '-45', '007', '1.5', '-0.25', '1e3', '1E-2', ' 42', '42 ', '9223372036854775807',
    '9223372036854775808', '-9223372036854775808', '__TC_NULL__', '__TC_TRUE__', '__TC_FALSE__',
    '__TC_SERIALIZED__' . base64_encode(serialize([1, 2])),
    '__TC_SERIALIZED__' . base64_encode(serialize('123')),
    '__TC_SERIALIZED__' . base64_encode(serialize(['a' => ['b' => null]])),
    'hello', 'hello world', '0x1A', 'abc123', '', 'grüße', "tab\tinside",
];
foreach ($cases as $text) {
    rawput($raw, $k, $text);
    echo json_encode($text), ' => ';
    var_dump($tc->get($k, 'DEFAULT'));
}

echo "-- undecodable payloads are errors, never strings\n";
foreach ([
    '__TC_SERIALIZED__!!!notbase64',
    '__TC_SERIALIZED__' . base64_encode('not a serialization'),
    '__TC_SERIALIZED__' . base64_encode('a:2:{i:0;i:1;'),
    '__TC_SERIALIZED__',
] as $text) {
    rawput($raw, $k, $text);
    try {
        $v = $tc->get($k);
        echo 'no exception: ', var_export($v, true), "\n";
    } catch (TagCacheException $e) {
        echo "TagCacheException\n";
    }
}
// the client is still usable afterwards
rawput($raw, $k, 'fine');
var_dump($tc->get($k));
// getMany applies the same decoding
rawput($raw, $k, '77');
rawput($raw, $k . '2', '__TC_TRUE__');
var_dump($tc->getMany([$k, $k . '2']) === [$k => 77, $k . '2' => true]);
$tc->deleteMany([$k, $k . '2']);
?>
--EXPECT--
"123" => int(123)
"-45" => int(-45)
"007" => int(7)
"1.5" => float(1.5)
"-0.25" => float(-0.25)
"1e3" => float(1000)
"1E-2" => float(0.01)
" 42" => int(42)
"42 " => int(42)
"9223372036854775807" => int(9223372036854775807)
"9223372036854775808" => float(9.223372036854776E+18)
"-9223372036854775808" => int(-9223372036854775808)
"__TC_NULL__" => NULL
"__TC_TRUE__" => bool(true)
"__TC_FALSE__" => bool(false)
"__TC_SERIALIZED__YToyOntpOjA7aToxO2k6MTtpOjI7fQ==" => array(2) {
  [0]=>
  int(1)
  [1]=>
  int(2)
}
"__TC_SERIALIZED__czozOiIxMjMiOw==" => string(3) "123"
"__TC_SERIALIZED__YToxOntzOjE6ImEiO2E6MTp7czoxOiJiIjtOO319" => array(1) {
  ["a"]=>
  array(1) {
    ["b"]=>
    NULL
  }
}
"hello" => string(5) "hello"
"hello world" => string(11) "hello world"
"0x1A" => string(4) "0x1A"
"abc123" => string(6) "abc123"
"" => string(0) ""
"gr\u00fc\u00dfe" => string(7) "grüße"
"tab\tinside" => string(10) "tab	inside"
-- undecodable payloads are errors, never strings
TagCacheException
TagCacheException
TagCacheException
TagCacheException
string(4) "fine"
bool(true)
