--TEST--
tagcache: strings round-trip exactly (numeric-looking, markers, CR/LF/NUL/TAB, invalid UTF-8, binary)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$tc = tc_new();
$k = tc_key('str');
foreach (tc_sample_values() as $label => $v) {
    if (!is_string($v)) continue;
    $tc->put($k, $v);
    tc_check($label, $v, $tc->get($k, 'DEFAULT'));
}
// every byte value, alone
$bad = [];
for ($i = 0; $i < 256; $i++) {
    $s = chr($i);
    $tc->put($k, $s);
    $g = $tc->get($k, 'DEFAULT');
    if ($g !== $s) $bad[] = $i;
}
echo "single bytes: ", $bad ? 'MISMATCH ' . implode(',', $bad) : 'OK', "\n";
// numeric strings in many spellings
$bad = [];
foreach (['0', '-1', '+1', '1.0', '1.', '.1', '1e5', '1E5', '-1e-5', ' 1', "1\n", "\t1", '00',
          '9223372036854775807', '9223372036854775808', '-9223372036854775809', 'INF',
          'NAN', '1_000', '0b101', '0o7', ' ', "1 ", '1e', 'e1'] as $s) {
    $tc->put($k, $s);
    $g = $tc->get($k, 'DEFAULT');
    if ($g !== $s) $bad[] = json_encode($s) . ' -> ' . tc_show($g);
}
echo "numeric-looking: ", $bad ? "MISMATCH\n  " . implode("\n  ", $bad) : 'OK', "\n";
$tc->delete($k);
?>
--EXPECT--
string hello: OK
string "123": OK
string "007": OK
string " 42": OK
string "42 ": OK
string "1e3": OK
string "-0": OK
string ".5": OK
string "0x1A": OK
string __TC_NULL__: OK
string __TC_TRUE__: OK
string __TC_FALSE__: OK
string __TC_SERIALIZED__abc: OK
string __TC_IGBINARY__: OK
string __TC_MSGPACK__x: OK
string empty: OK
string a\nb: OK
string a\rb: OK
string trailing\r: OK
string trailing\n: OK
string a\0b: OK
string a\tb: OK
string \t only: OK
string spaces: OK
string invalid utf8: OK
string utf8: OK
string random_bytes(1000): OK
string "x\nFLUSH": OK
single bytes: OK
numeric-looking: OK
