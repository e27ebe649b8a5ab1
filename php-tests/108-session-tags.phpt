--TEST--
tagcache sessions: tagcache_session_tag() tags a session for good, so invalidating the tag ends every session of a user ("log out everywhere")
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/session.inc';
tc_session_setup();
ob_start();
$c = tc_session_client();
$u42 = tc_key('user:42');
$u43 = tc_key('user:43');

// no session open
var_dump(@tagcache_session_tag([$u42]), preg_replace('/ in .*/', '', error_get_last()['message']));
var_dump(tagcache_session_tags());

/** A login: a new session tagged with its user. */
function login(string $userTag): string
{
    session_id('');
    session_start();
    $_SESSION['user'] = $userTag;
    tagcache_session_tag([$userTag, 'everyone-' . tc_prefix()]);
    session_write_close();
    return session_id();
}
$phone = login($u42);
$laptop = login($u42);
$other = login($u43);

// later requests keep the tags, also when they change the data, and across
// session_regenerate_id()
tc_session_open($phone);
var_dump(tagcache_session_tags() === [$u42, 'everyone-' . tc_prefix()]);
$_SESSION['visits'] = 1;
session_write_close();
tc_session_open($laptop);
session_regenerate_id(true);
$laptop2 = session_id();
$_SESSION['visits'] = 1;
session_write_close();
$keys = $c->keysByTag($u42);
sort($keys);
$want = [tc_session_key($phone), tc_session_key($phone) . ':meta', tc_session_key($laptop2), tc_session_key($laptop2) . ':meta'];
sort($want);
var_dump($keys === $want, $c->get(tc_session_key($laptop)));

// adding tags is idempotent; ints are their text; bad tags throw
tc_session_open($other);
var_dump(tagcache_session_tag([$u43, 7]));
var_dump(tagcache_session_tags() === [$u43, 'everyone-' . tc_prefix(), '7']);
foreach ([['a,b'], [''], ["x\n"], [[1]], [1.5], ['-']] as $bad) {
    try {
        tagcache_session_tag($bad);
        echo "no exception\n";
    } catch (Throwable $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
session_write_close();

// log out everywhere: one call ends both sessions of user 42 (data + meta of each)
var_dump($c->invalidate($u42));
foreach (['phone' => $phone, 'laptop' => $laptop2, 'other' => $other] as $name => $id) {
    tc_session_open($id);
    echo "$name: ", str_replace(tc_prefix(), '', json_encode($_SESSION)), "\n";
    session_write_close();
}

// a request of that user running while the tag is invalidated does not bring the session back
foreach (['1' => 'locking on', '0' => 'locking off'] as $locking => $mode) {
    ini_set('tagcache.session_locking', $locking);
    $id = login($u42);
    tc_session_open($id);
    $c->invalidate($u42);
    $_SESSION['late'] = 'write';
    session_write_close();
    echo "$mode: ", var_export($c->get(tc_session_key($id)), true), ' ', var_export($c->get(tc_session_key($id) . ':lock'), true), "\n";
}
// every session of the test at once, by the shared tag
ini_set('tagcache.session_locking', '1');
var_dump($c->invalidate('everyone-' . tc_prefix()) > 0, $c->get(tc_session_key($other)));
ob_end_flush();
?>
--EXPECT--
bool(false)
string(79) "tagcache_session_tag(): no session is active with session.save_handler=tagcache"
NULL
bool(true)
bool(true)
NULL
bool(true)
bool(true)
ValueError: tagcache_session_tag(): Argument #1 ($tags) is not valid: tag must not contain a comma: "a,b"
ValueError: tagcache_session_tag(): Argument #1 ($tags) is not valid: tag must not be empty
ValueError: tagcache_session_tag(): Argument #1 ($tags) is not valid: tag must not contain a LF: "x\n"
TypeError: tagcache_session_tag(): Argument #1 ($tags) must contain only strings, array given
TypeError: tagcache_session_tag(): Argument #1 ($tags) must contain only strings, float given
ValueError: tagcache_session_tag(): Argument #1 ($tags) is not valid: tag "-" is reserved (it means no tags)
int(4)
phone: []
laptop: []
other: {"user":"user:43"}
locking on: NULL NULL
locking off: NULL NULL
bool(true)
NULL
