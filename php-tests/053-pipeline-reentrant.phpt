--TEST--
tagcache: a serializer callback that uses the same pipeline gets an exception, and the queued batch stays whole
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';

class Sneaky
{
    public static $pipe;
    public static $tc;
    public $v = 'inner';

    public function __serialize(): array
    {
        foreach ([
            'get' => fn() => self::$pipe->get(tc_key('other')),
            'execute' => fn() => self::$pipe->execute(),
        ] as $what => $fn) {
            try {
                $fn();
                echo "$what from __serialize: no exception\n";
            } catch (TagCacheException $e) {
                echo "$what from __serialize: ", get_class($e), "\n";
            }
        }
        // Another object, or direct calls on the client, are fine.
        echo "direct put from __serialize: ", var_export(self::$tc->put(tc_key('direct'), 'd'), true), "\n";
        return ['v' => $this->v];
    }

    public function __unserialize(array $a): void
    {
        $this->v = $a['v'];
    }
}

$tc = tc_new();
Sneaky::$tc = $tc;
$p = $tc->pipeline();
Sneaky::$pipe = $p;
$k = tc_key('obj');
$p->put(tc_key('a'), 'A');
$p->put($k, new Sneaky());
$p->putMany([tc_key('m1') => new Sneaky(), tc_key('m2') => 'two']);
$p->get(tc_key('a'))->get($k)->getMany([tc_key('m1'), tc_key('m2')])->get(tc_key('direct'));
var_dump(count($p));
$r = $p->execute();
var_dump($r[0], $r[1], $r[2], $r[3], $r[4]->v, array_keys($r[5]) === [tc_key('m1'), tc_key('m2')], array_values(array_map(fn($x) => is_object($x) ? $x->v : $x, $r[5])), $r[6]);
var_dump(count($p));
?>
--EXPECT--
get from __serialize: TagCacheException
execute from __serialize: TagCacheException
direct put from __serialize: true
get from __serialize: TagCacheException
execute from __serialize: TagCacheException
direct put from __serialize: true
int(7)
bool(true)
bool(true)
bool(true)
string(1) "A"
string(5) "inner"
bool(true)
array(2) {
  [0]=>
  string(5) "inner"
  [1]=>
  string(3) "two"
}
string(1) "d"
int(0)
