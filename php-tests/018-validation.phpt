--TEST--
tagcache: invalid keys, tags, TTLs and modes throw ValueError/TypeError before anything is sent
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

$tc = tc_new();
$p = tc_prefix();
$sentinel = $p . 'sentinel';
$stag = $p . 'stag';
$probe = $p . 'probe';
var_dump($tc->put($sentinel, 'still here', [$stag]));

/** Runs every case, prints only the ones that did not throw $want, then a count. */
function expect_all(string $title, string $want, array $cases): void
{
    $bad = [];
    foreach ($cases as $label => $fn) {
        try {
            $fn();
            $bad[] = "$label: no exception";
        } catch (Throwable $e) {
            if (get_class($e) !== $want) {
                $bad[] = "$label: " . get_class($e) . ' (' . $e->getMessage() . ')';
            }
        }
    }
    echo "$title: ", count($cases), " cases, ", count($cases) - count($bad), " threw $want\n";
    foreach ($bad as $b) echo "  ", addcslashes($b, "\0..\37"), "\n";
}

$badKeys = ['', "a\tb", "a\rb", "a\nb", "a,b", "x\nFLUSH", "\n", ",", "k\r"];
$cases = [];
foreach ($badKeys as $bk) {
    $l = json_encode($bk);
    $cases["put $l"] = fn() => $tc->put($bk, 1);
    $cases["set $l"] = fn() => $tc->set($bk, 1);
    $cases["add $l"] = fn() => $tc->add($bk, 1);
    $cases["get $l"] = fn() => $tc->get($bk);
    $cases["delete $l"] = fn() => $tc->delete($bk);
    $cases["increment $l"] = fn() => $tc->increment($bk);
    $cases["decrement $l"] = fn() => $tc->decrement($bk);
    $cases["getMany $l"] = fn() => $tc->getMany([$sentinel, $bk]);
    $cases["mGet $l"] = fn() => $tc->mGet([$bk]);
    $cases["putMany $l"] = fn() => $tc->putMany([$probe => 1, $bk => 2]);
    $cases["mSet $l"] = fn() => $tc->mSet([$probe => 1, $bk => 2]);
    $cases["deleteMany $l"] = fn() => $tc->deleteMany([$sentinel, $bk]);
}
expect_all('bad keys', 'ValueError', $cases);

$badTags = ['', "a\tb", "a\rb", "a\nb", "a,b", " lead", "trail ", "  ", "t\nFLUSH", ","];
$cases = [];
foreach ($badTags as $bt) {
    $l = json_encode($bt);
    $cases["put $l"] = fn() => $tc->put($probe, 1, [$bt]);
    $cases["put 2nd $l"] = fn() => $tc->put($probe, 1, [$stag, $bt]);
    $cases["set $l"] = fn() => $tc->set($probe, 1, [$bt]);
    $cases["add $l"] = fn() => $tc->add($probe, 1, [$bt]);
    $cases["increment $l"] = fn() => $tc->increment($probe, 1, [$bt]);
    $cases["decrement $l"] = fn() => $tc->decrement($probe, 1, [$bt]);
    $cases["putMany $l"] = fn() => $tc->putMany([$probe => 1], [$bt]);
    $cases["invalidate string $l"] = fn() => $tc->invalidate($bt);
    $cases["invalidate array $l"] = fn() => $tc->invalidate([$stag, $bt]);
    $cases["invalidate all $l"] = fn() => $tc->invalidate([$stag, $bt], 'all');
    $cases["invalidateTag $l"] = fn() => $tc->invalidateTag($bt);
    $cases["keysByTag $l"] = fn() => $tc->keysByTag($bt);
    $cases["searchAny $l"] = fn() => $tc->searchAny([$stag, $bt]);
    $cases["searchAll $l"] = fn() => $tc->searchAll([$stag, $bt]);
}
expect_all('bad tags', 'ValueError', $cases);

expect_all('negative ttl', 'ValueError', [
    'put' => fn() => $tc->put($probe, 1, [], -1),
    'set' => fn() => $tc->set($probe, 1, [], -100),
    'add' => fn() => $tc->add($probe, 1, [], -1),
    'increment' => fn() => $tc->increment($probe, 1, [], -1),
    'decrement' => fn() => $tc->decrement($probe, 1, [], -1),
    'putMany' => fn() => $tc->putMany([$probe => 1], [], -1),
    'put PHP_INT_MIN' => fn() => $tc->put($probe, 1, [], PHP_INT_MIN),
]);

expect_all('bad mode / empty tag list', 'ValueError', [
    'mode some' => fn() => $tc->invalidate([$stag], 'some'),
    'mode empty' => fn() => $tc->invalidate([$stag], ''),
    'mode none' => fn() => $tc->invalidate($stag, 'none'),
    'empty tags' => fn() => $tc->invalidate([]),
    'empty tags all' => fn() => $tc->invalidate([], 'all'),
]);

expect_all('wrong PHP types', 'TypeError', [
    'put key array' => fn() => $tc->put([], 1),
    'put tags string' => fn() => $tc->put($probe, 1, 'tag'),
    'put ttl string' => fn() => $tc->put($probe, 1, [], 'soon'),
    'put tag array in tags' => fn() => $tc->put($probe, 1, [['nested']]),
    'put tag object in tags' => fn() => $tc->put($probe, 1, [new stdClass()]),
    'get key object' => fn() => $tc->get(new stdClass()),
    'getMany string' => fn() => $tc->getMany('k'),
    'getMany key array' => fn() => $tc->getMany([[1]]),
    'deleteMany key object' => fn() => $tc->deleteMany([new stdClass()]),
    'increment by string' => fn() => $tc->increment($probe, 'lots'),
    'invalidate object' => fn() => $tc->invalidate(new stdClass()),
    'searchAny tag array' => fn() => $tc->searchAny([[1]]),
    'putMany items string' => fn() => $tc->putMany('items'),
]);

// nothing stored was touched, nothing was written, the connection is in step
var_dump($tc->get($sentinel));
var_dump($tc->keysByTag($stag) === [$sentinel]);
var_dump($tc->get($probe, 'not written'));
$other = tc_new();
var_dump($other->get($sentinel));

// values with newlines and separators are data, not protocol
$v = tc_key('inject');
var_dump($tc->put($v, "x\nFLUSH\n"));
var_dump($tc->put($v . '2', "a\tb,c\r\nDEL\t$sentinel"));
var_dump($tc->get($v) === "x\nFLUSH\n", $tc->get($v . '2') === "a\tb,c\r\nDEL\t$sentinel");
var_dump($tc->get($sentinel));
$tc->deleteMany([$sentinel, $v, $v . '2']);
?>
--EXPECT--
bool(true)
bad keys: 108 cases, 108 threw ValueError
bad tags: 140 cases, 140 threw ValueError
negative ttl: 7 cases, 7 threw ValueError
bad mode / empty tag list: 5 cases, 5 threw ValueError
wrong PHP types: 13 cases, 13 threw TypeError
string(10) "still here"
bool(true)
string(11) "not written"
string(10) "still here"
bool(true)
bool(true)
bool(true)
bool(true)
string(10) "still here"
