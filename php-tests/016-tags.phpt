--TEST--
tagcache: tags, keysByTag, invalidate any/all with exact counts, invalidateTag
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$p = tc_prefix();
$t1 = $p . 't1'; $t2 = $p . 't2'; $t3 = $p . 't3';

function setup(TagCache $tc, string $p, string $t1, string $t2, string $t3): void
{
    $tc->put($p . 'a', 'A', [$t1, $t2]);
    $tc->put($p . 'b', 'B', [$t1]);
    $tc->put($p . 'c', 'C', [$t2, $t3]);
    $tc->put($p . 'd', 'D', [$t3]);
    $tc->put($p . 'e', 'E');
}
function keys(TagCache $tc, string $p, string $tag): string
{
    $k = $tc->keysByTag($tag);
    sort($k);
    return '[' . implode(',', array_map(fn($x) => substr($x, strlen($p)), $k)) . ']';
}
function present(TagCache $tc, string $p): string
{
    $r = $tc->getMany([$p . 'a', $p . 'b', $p . 'c', $p . 'd', $p . 'e']);
    return implode('', array_values($r));
}

setup($tc, $p, $t1, $t2, $t3);
echo 't1 ', keys($tc, $p, $t1), ' t2 ', keys($tc, $p, $t2), ' t3 ', keys($tc, $p, $t3), "\n";
var_dump($tc->keysByTag($p . 'unknown'));

echo "-- invalidate one tag (string)\n";
var_dump($tc->invalidate($t1));
echo present($tc, $p), ' t2 ', keys($tc, $p, $t2), "\n";
var_dump($tc->invalidate($t1));        // nothing left

echo "-- any of several\n";
setup($tc, $p, $t1, $t2, $t3);
var_dump($tc->invalidate([$t1, $t3], 'any'));
echo present($tc, $p), "\n";

echo "-- any is the default mode\n";
setup($tc, $p, $t1, $t2, $t3);
var_dump($tc->invalidate([$t1, $t3]));
echo present($tc, $p), "\n";

echo "-- all of several\n";
setup($tc, $p, $t1, $t2, $t3);
var_dump($tc->invalidate([$t1, $t2], 'all'));
echo present($tc, $p), "\n";
var_dump($tc->invalidate([$t1, $t3], 'all'));
var_dump($tc->invalidate([$t2, $t3], 'all'));
echo present($tc, $p), "\n";
var_dump($tc->invalidate([$t1], 'all'));
echo present($tc, $p), "\n";

echo "-- invalidateTag alias and single tag with mode all\n";
setup($tc, $p, $t1, $t2, $t3);
var_dump($tc->invalidateTag($t3));
echo present($tc, $p), "\n";
var_dump($tc->invalidate($t1, 'all'));
echo present($tc, $p), "\n";

echo "-- a put replaces the tags\n";
setup($tc, $p, $t1, $t2, $t3);
$tc->put($p . 'a', 'A2', [$t3]);
echo 't1 ', keys($tc, $p, $t1), ' t2 ', keys($tc, $p, $t2), ' t3 ', keys($tc, $p, $t3), "\n";
var_dump($tc->invalidate($t1));
echo present($tc, $p), "\n";

echo "-- tags with inner spaces and unicode\n";
$odd = $p . 'tag with space ü';
$tc->put($p . 'a', 'A', [$odd]);
echo 'odd ', keys($tc, $p, $odd), "\n";
var_dump($tc->invalidate([$odd]));
$tc->deleteMany([$p . 'a', $p . 'b', $p . 'c', $p . 'd', $p . 'e']);
?>
--EXPECT--
t1 [a,b] t2 [a,c] t3 [c,d]
array(0) {
}
-- invalidate one tag (string)
int(2)
CDE t2 [c]
int(0)
-- any of several
int(4)
E
-- any is the default mode
int(4)
E
-- all of several
int(1)
BCDE
int(0)
int(1)
BDE
int(1)
DE
-- invalidateTag alias and single tag with mode all
int(2)
ABE
int(2)
E
-- a put replaces the tags
t1 [b] t2 [c] t3 [a,c,d]
int(1)
A2CDE
-- tags with inner spaces and unicode
odd [a]
int(1)
