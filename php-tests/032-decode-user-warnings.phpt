--TEST--
tagcache: warnings of the user's own __wakeup/__unserialize reach the user (display and error handler); a corrupt payload is reported by the exception only
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

class TcWakes
{
    public $a = 1;

    public function __wakeup()
    {
        trigger_error('warning from __wakeup', E_USER_WARNING);
    }
}

class TcUnser
{
    public $a = 1;

    public function __serialize(): array
    {
        return ['a' => $this->a];
    }

    public function __unserialize(array $d): void
    {
        $this->a = $d['a'] + $d['missing_key'];
    }
}

$tc = tc_new();
$w = tc_key('wakes');
$u = tc_key('unser');
$bad = tc_key('bad');
$tc->put($w, new TcWakes());
$tc->put($u, new TcUnser());
$raw = tc_raw_connect();
echo tc_raw($raw, "PUT\t$bad\t-\t-\t__TC_SERIALIZED__" . base64_encode('a:2:{i:0;')), "\n";

echo "-- displayed\n";
var_dump(get_class($tc->get($w)));
var_dump($tc->get($u)->a);
var_dump(count($tc->getMany([$w, $u])));
try {
    $tc->get($bad, 'default');
    echo "no exception\n";
} catch (TagCacheException $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
// the last error is the user's, not the unserializer's notice
var_dump(error_get_last()['message']);

echo "-- a user error handler\n";
set_error_handler(function (int $no, string $msg) {
    echo "handler($no): $msg\n";
    return true;
});
var_dump(get_class($tc->get($w)));
try {
    $tc->pipeline()->get($bad)->execute();
    echo "no exception\n";
} catch (TagCacheException $e) {
    echo get_class($e), "\n";
}
var_dump($tc->get($u)->a);
// unserialize() called by the user still reports as PHP does
var_dump(unserialize('a:2:{i:0;'));
restore_error_handler();
$tc->deleteMany([$w, $u, $bad]);
?>
--EXPECTF--
OK
-- displayed

Warning: warning from __wakeup in %s on line %d
string(7) "TcWakes"

Warning: Undefined array key "missing_key" in %s on line %d
int(1)

Warning: warning from __wakeup in %s on line %d

Warning: Undefined array key "missing_key" in %s on line %d
int(2)
TagCacheException: unserialize() could not decode the stored php payload (9 bytes): Error at offset 9 of 9 bytes
string(33) "Undefined array key "missing_key""
-- a user error handler
handler(512): warning from __wakeup
string(7) "TcWakes"
TagCacheException
handler(2): Undefined array key "missing_key"
int(1)
handler(8): unserialize(): Error at offset 9 of 9 bytes
bool(false)
