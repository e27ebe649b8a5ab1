--TEST--
tagcache: method signatures from Reflection match the contract and stubs/tagcache.stub.php
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

/* ---- rendering: "name(type $p = default, ...): ret", types normalised ---- */

function norm_type(string $t, string $class): string
{
    $t = trim($t);
    if ($t === '') return '';
    $parts = [];
    if ($t[0] === '?') {
        $parts[] = 'null';
        $t = substr($t, 1);
    }
    foreach (explode('|', $t) as $p) {
        $p = strtolower(ltrim(trim($p), '\\'));
        if ($p === 'self') $p = strtolower($class);
        $parts[] = $p;
    }
    $parts = array_unique($parts);
    sort($parts);
    return implode('|', $parts);
}

function render_value($v): string
{
    if ($v === null) return 'null';
    if (is_bool($v)) return $v ? 'true' : 'false';
    if (is_int($v)) return (string) $v;
    if (is_float($v)) return var_export($v, true);
    if (is_string($v)) return "'" . addcslashes($v, "'\\") . "'";
    if ($v === []) return '[]';
    return str_replace(["\n", ' '], '', var_export($v, true));
}

function render_reflection(ReflectionMethod $m, string $class): string
{
    $ps = [];
    foreach ($m->getParameters() as $p) {
        $s = $p->hasType() ? norm_type((string) $p->getType(), $class) . ' ' : '';
        $s .= ($p->isVariadic() ? '...' : '') . '$' . $p->getName();
        if ($p->isDefaultValueAvailable()) {
            $s .= ' = ' . render_value($p->getDefaultValue());
        } elseif ($p->isOptional() && !$p->isVariadic()) {
            $s .= ' = <no default in arginfo>';
        }
        $ps[] = $s;
    }
    $r = ($m->isStatic() ? 'static ' : '') . $m->getName() . '(' . implode(', ', $ps) . ')';
    if ($m->hasReturnType()) {
        $r .= ': ' . norm_type((string) $m->getReturnType(), $class);
    } elseif ($m->hasTentativeReturnType()) {
        $r .= ': ' . norm_type((string) $m->getTentativeReturnType(), $class);
    }
    return $r;
}

/* ---- the stub, read with PHP's own tokenizer ---- */

function split_params(string $s): array
{
    $out = [];
    $depth = 0; $cur = ''; $quote = null;
    for ($i = 0, $n = strlen($s); $i < $n; $i++) {
        $c = $s[$i];
        if ($quote !== null) {
            $cur .= $c;
            if ($c === '\\') { $cur .= $s[++$i] ?? ''; continue; }
            if ($c === $quote) $quote = null;
            continue;
        }
        if ($c === "'" || $c === '"') { $quote = $c; $cur .= $c; continue; }
        if ($c === '(' || $c === '[' || $c === '{') $depth++;
        if ($c === ')' || $c === ']' || $c === '}') $depth--;
        if ($c === ',' && $depth === 0) { $out[] = $cur; $cur = ''; continue; }
        $cur .= $c;
    }
    $out[] = $cur;
    return array_values(array_filter(array_map('trim', $out), fn($x) => $x !== ''));
}

function render_stub_param(string $p, string $class): string
{
    if (!preg_match('/^(?:(?:public|protected|private|readonly)\s+)*(.*?)\s*(&\s*)?(\.\.\.)?\s*\$(\w+)\s*(?:=\s*(.*))?$/s', $p, $m)) {
        return "<unparsed: $p>";
    }
    $s = ($m[1] !== '' ? norm_type($m[1], $class) . ' ' : '') . ($m[3] ?? '') . '$' . $m[4];
    if (isset($m[5]) && $m[5] !== '') {
        $def = trim($m[5]);
        try {
            $s .= ' = ' . render_value(eval('return ' . $def . ';'));
        } catch (Throwable $e) {
            $s .= ' = ' . $def;
        }
    }
    return $s;
}

/** class => [method name => rendering], public methods only */
function parse_stub(string $src): array
{
    $toks = array_values(array_filter(token_get_all($src),
        fn($t) => !is_array($t) || !in_array($t[0], [T_WHITESPACE, T_COMMENT, T_DOC_COMMENT], true)));
    $text = fn($t) => is_array($t) ? $t[1] : $t;
    $res = [];
    $class = null; $classDepth = null; $pending = null; $depth = 0; $mods = [];
    for ($i = 0, $n = count($toks); $i < $n; $i++) {
        $t = $toks[$i];
        if (is_array($t)) {
            switch ($t[0]) {
                case T_ATTRIBUTE:               // skip #[...]
                    $d = 1;
                    while ($d > 0 && ++$i < $n) {
                        $x = $text($toks[$i]);
                        if ($x === '[' || $x === '#[') $d++;
                        if ($x === ']') $d--;
                    }
                    continue 2;
                case T_CLASS: case T_INTERFACE: case T_TRAIT:
                    $prev = $toks[$i - 1] ?? null;
                    if (!(is_array($prev) && $prev[0] === T_DOUBLE_COLON) && is_array($toks[$i + 1] ?? null)) {
                        $pending = $toks[$i + 1][1];
                    }
                    continue 2;
                case T_PUBLIC: case T_PROTECTED: case T_PRIVATE: case T_STATIC:
                case T_FINAL: case T_ABSTRACT:
                    $mods[] = strtolower($t[1]);
                    continue 2;
                case T_FUNCTION:
                    $name = $text($toks[++$i]);
                    if ($name === '&') $name = $text($toks[++$i]);
                    // parameters: from "(" to its matching ")"
                    $i++;                        // at "("
                    $d = 0; $params = '';
                    for (; $i < $n; $i++) {
                        $x = $text($toks[$i]);
                        if ($x === '(') { $d++; if ($d === 1) continue; }
                        if ($x === ')') { $d--; if ($d === 0) break; }
                        $params .= $x . ' ';
                    }
                    // return type: after ":" up to "{" or ";"
                    $ret = '';
                    if ($text($toks[$i + 1] ?? '') === ':') {
                        $i += 2;
                        for (; $i < $n; $i++) {
                            $x = $text($toks[$i]);
                            if ($x === '{' || $x === ';') { $i--; break; }
                            $ret .= $x;
                        }
                    }
                    if ($class !== null && !in_array('private', $mods, true) && !in_array('protected', $mods, true)) {
                        $ps = array_map(fn($p) => render_stub_param($p, $class), split_params($params));
                        $r = (in_array('static', $mods, true) ? 'static ' : '') . $name . '(' . implode(', ', $ps) . ')';
                        if ($ret !== '') $r .= ': ' . norm_type($ret, $class);
                        $res[$class][$name] = $r;
                    }
                    $mods = [];
                    continue 2;
                case T_CURLY_OPEN: case T_DOLLAR_OPEN_CURLY_BRACES:
                    $depth++;
                    continue 2;
            }
            continue;
        }
        if ($t === '{') {
            $depth++;
            if ($pending !== null) { $class = $pending; $classDepth = $depth; $pending = null; }
        } elseif ($t === '}') {
            if ($depth === $classDepth) { $class = null; $classDepth = null; }
            $depth--;
        } elseif ($t === ';') {
            $mods = [];
        }
    }
    return $res;
}

/* ---- 1. the extension against the contract ---- */
$ext = [];
foreach (['TagCache', 'TagCachePipeline'] as $class) {
    $rc = new ReflectionClass($class);
    foreach ($rc->getMethods(ReflectionMethod::IS_PUBLIC) as $m) {
        if ($m->getDeclaringClass()->getName() !== $class) continue;
        $ext[$class][$m->getName()] = render_reflection($m, $class);
    }
    ksort($ext[$class], SORT_STRING);
}
echo "== TagCache\n";
foreach ($ext['TagCache'] as $r) echo $r, "\n";
echo "== TagCachePipeline\n";
foreach ($ext['TagCachePipeline'] as $name => $r) {
    if ($name !== '__construct') echo $r, "\n";
}

/* ---- 2. the extension against the checked-in stub ---- */
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
== TagCache
__construct(array $options = [])
add(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): bool
close(): void
static create(array $options = []): tagcache
decrement(string $key, int $by = 1, array $tags = [], int|null $ttlMs = null): int
delete(string $key): bool
deleteMany(array $keys): int
flush(): int
get(string $key, mixed $default = null): mixed
getMany(array $keys): array
increment(string $key, int $by = 1, array $tags = [], int|null $ttlMs = null): int
invalidate(array|string $tags, string $mode = 'any'): int
invalidateTag(string $tag): int
keysByTag(string $tag): array
mGet(array $keys): array
mSet(array $items, array $tags = [], int|null $ttlMs = null): bool
ping(): bool
pipeline(): tagcachepipeline
put(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): bool
putMany(array $items, array $tags = [], int|null $ttlMs = null): bool
searchAll(array $tags): array
searchAny(array $tags): array
set(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): bool
stats(): array
== TagCachePipeline
add(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): %s
count(): int
decrement(string $key, int $by = 1, array $tags = [], int|null $ttlMs = null): %s
delete(string $key): %s
deleteMany(array $keys): %s
execute(): array
flush(): %s
get(string $key, mixed $default = null): %s
getMany(array $keys): %s
increment(string $key, int $by = 1, array $tags = [], int|null $ttlMs = null): %s
invalidate(array|string $tags, string $mode = 'any'): %s
invalidateTag(string $tag): %s
keysByTag(string $tag): %s
mGet(array $keys): %s
mSet(array $items, array $tags = [], int|null $ttlMs = null): %s
ping(): %s
put(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): %s
putMany(array $items, array $tags = [], int|null $ttlMs = null): %s
searchAll(array $tags): %s
searchAny(array $tags): %s
set(string $key, mixed $value, array $tags = [], int|null $ttlMs = null): %s
stats(): %s
stub TagCache: OK (%d methods)
stub TagCachePipeline: OK (%d methods)
