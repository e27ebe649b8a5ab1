--TEST--
tagcache functions: stubs/tagcache.stub.php declares exactly the functions and signatures the extension has
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

function render_function(ReflectionFunction $f): string
{
    $ps = [];
    foreach ($f->getParameters() as $p) {
        $s = $p->hasType() ? norm_type((string) $p->getType(), '') . ' ' : '';
        $s .= '$' . $p->getName();
        if ($p->isDefaultValueAvailable()) {
            $s .= ' = ' . render_value($p->getDefaultValue());
        } elseif ($p->isOptional()) {
            $s .= ' = <no default in arginfo>';
        }
        $ps[] = $s;
    }
    return $f->getName() . '(' . implode(', ', $ps) . ')'
        . ($f->hasReturnType() ? ': ' . norm_type((string) $f->getReturnType(), '') : '');
}

/** name => rendering of the functions declared outside classes */
function stub_functions(string $src): array
{
    $toks = array_values(array_filter(token_get_all($src),
        fn($t) => !is_array($t) || !in_array($t[0], [T_WHITESPACE, T_COMMENT, T_DOC_COMMENT], true)));
    $text = fn($t) => is_array($t) ? $t[1] : $t;
    $out = [];
    $depth = 0;
    for ($i = 0, $n = count($toks); $i < $n; $i++) {
        $x = $text($toks[$i]);
        if ($x === '{' || (is_array($toks[$i]) && in_array($toks[$i][0], [T_CURLY_OPEN, T_DOLLAR_OPEN_CURLY_BRACES], true))) { $depth++; continue; }
        if ($x === '}') { $depth--; continue; }
        if ($depth !== 0 || !is_array($toks[$i]) || $toks[$i][0] !== T_FUNCTION) continue;
        $name = $text($toks[++$i]);
        $i++;
        $d = 0; $params = '';
        for (; $i < $n; $i++) {
            $x = $text($toks[$i]);
            if ($x === '(') { $d++; if ($d === 1) continue; }
            if ($x === ')') { $d--; if ($d === 0) break; }
            $params .= $x . ' ';
        }
        $ret = '';
        if ($text($toks[$i + 1] ?? '') === ':') {
            for ($i += 2; $i < $n && $text($toks[$i]) !== '{'; $i++) $ret .= $text($toks[$i]);
            $i--;
        }
        $ps = array_map(fn($p) => render_stub_param($p, ''), split_params($params));
        $out[$name] = $name . '(' . implode(', ', $ps) . ')' . ($ret !== '' ? ': ' . norm_type($ret, '') : '');
    }
    return $out;
}

$ext = [];
foreach (get_extension_funcs('tagcache') as $f) {
    $ext[$f] = render_function(new ReflectionFunction($f));
}
$stub = stub_functions(file_get_contents(__DIR__ . '/../stubs/tagcache.stub.php'));
$diff = [];
foreach ($ext as $name => $r) {
    if (!isset($stub[$name])) $diff[] = "not in stub: $r";
    elseif (strcasecmp($stub[$name], $r) !== 0) $diff[] = "differs: ext  $r\n           stub {$stub[$name]}";
}
foreach ($stub as $name => $r) {
    if (!isset($ext[$name])) $diff[] = "only in stub: $r";
}
echo 'functions: ', $diff ? "MISMATCH\n  " . implode("\n  ", $diff) : 'OK (' . count($stub) . ')', "\n";
// the C extension's functions are all there, with its parameter names
echo render_function(new ReflectionFunction('tagcache_put')), "\n";
echo render_function(new ReflectionFunction('tagcache_bulk_put')), "\n";
?>
--EXPECT--
functions: OK (18)
tagcache_put(tagcache $handle, string $key, mixed $value, array|null $tags = null, int|null $ttl_ms = null): bool
tagcache_bulk_put(tagcache $handle, array $items, int|null $ttl_ms = null): int
