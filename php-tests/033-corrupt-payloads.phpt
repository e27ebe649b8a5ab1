--TEST--
tagcache: a corrupt igbinary or msgpack payload throws TagCacheException (never null, never the default), with the unserializer's reason; valid null payloads of other clients read as null
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; tc_skip_unless('igbinary'); tc_skip_unless('msgpack'); ?>
--FILE--
<?php
if (!extension_loaded('tagcache')) die("tagcache extension not loaded\n");
require __DIR__ . '/config.inc';
require __DIR__ . '/helpers.inc';

$raw = tc_raw_connect();
$cases = [
    'igbinary garbage' => '__TC_IGBINARY__' . base64_encode('garbage!!'),
    'igbinary truncated' => '__TC_IGBINARY__' . base64_encode(substr(igbinary_serialize([1, 2, 3, 'abc']), 0, 8)),
    'igbinary header only' => '__TC_IGBINARY__' . base64_encode("\x00\x00\x00\x02"),
    'msgpack empty' => '__TC_MSGPACK__',
    'msgpack truncated' => '__TC_MSGPACK__' . base64_encode(substr(msgpack_pack([1, 2, 3, 'abcdef']), 0, 5)),
];
$keys = [];
foreach ($cases as $label => $wire) {
    $k = tc_key(str_replace(' ', '-', $label));
    $keys[] = $k;
    tc_raw($raw, "PUT\t$k\t-\t-\t$wire");
    foreach (['igbinary', 'msgpack'] as $ser) {
        $tc = tc_new(['serializer' => $ser]);
        tc_throws("$label, get (client $ser)", fn() => $tc->get($k));
        tc_throws("$label, get with a default", fn() => $tc->get($k, 'the default'));
    }
    tc_throws("$label, getMany", fn() => $tc->getMany([$k]));
    try {
        $tc->get($k);
    } catch (TagCacheException $e) {
        echo '  ', $e->getMessage(), "\n";
    }
}

echo "-- null and false stored by another client\n";
$nulls = [
    'igbinary null' => '__TC_IGBINARY__' . base64_encode(igbinary_serialize(null)),
    'igbinary false' => '__TC_IGBINARY__' . base64_encode(igbinary_serialize(false)),
    'msgpack null' => '__TC_MSGPACK__' . base64_encode(msgpack_pack(null)),
    'msgpack false' => '__TC_MSGPACK__' . base64_encode(msgpack_pack(false)),
];
$tc = tc_new();
foreach ($nulls as $label => $wire) {
    $k = tc_key(str_replace(' ', '-', $label));
    $keys[] = $k;
    tc_raw($raw, "PUT\t$k\t-\t-\t$wire");
    echo "$label: ";
    var_dump($tc->get($k, 'the default'));
}
$tc->deleteMany($keys);
?>
--EXPECT--
igbinary garbage, get (client igbinary): TagCacheException
igbinary garbage, get with a default: TagCacheException
igbinary garbage, get (client msgpack): TagCacheException
igbinary garbage, get with a default: TagCacheException
igbinary garbage, getMany: TagCacheException
  igbinary_unserialize() could not decode the stored igbinary payload (9 bytes): igbinary_unserialize_header: unsupported version: "garb"..., should begin with a binary version header of "\x00\x00\x00\x01" or "\x00\x00\x00\x02"
igbinary truncated, get (client igbinary): TagCacheException
igbinary truncated, get with a default: TagCacheException
igbinary truncated, get (client msgpack): TagCacheException
igbinary truncated, get with a default: TagCacheException
igbinary truncated, getMany: TagCacheException
  igbinary_unserialize() could not decode the stored igbinary payload (8 bytes): igbinary_unserialize_array: data size 2 smaller that requested array length 4.
igbinary header only, get (client igbinary): TagCacheException
igbinary header only, get with a default: TagCacheException
igbinary header only, get (client msgpack): TagCacheException
igbinary header only, get with a default: TagCacheException
igbinary header only, getMany: TagCacheException
  igbinary_unserialize() could not decode the stored igbinary payload (4 bytes): igbinary_unserialize_header: expected at least 5 bytes of data, got 4 byte(s)
msgpack empty, get (client igbinary): TagCacheException
msgpack empty, get with a default: TagCacheException
msgpack empty, get (client msgpack): TagCacheException
msgpack empty, get with a default: TagCacheException
msgpack empty, getMany: TagCacheException
  msgpack_unpack() could not decode the stored msgpack payload (0 bytes)
msgpack truncated, get (client igbinary): TagCacheException
msgpack truncated, get with a default: TagCacheException
msgpack truncated, get (client msgpack): TagCacheException
msgpack truncated, get with a default: TagCacheException
msgpack truncated, getMany: TagCacheException
  msgpack_unpack() could not decode the stored msgpack payload (5 bytes): [msgpack] (php_msgpack_unserialize) Insufficient data for unserializing
-- null and false stored by another client
igbinary null: NULL
igbinary false: bool(false)
msgpack null: NULL
msgpack false: bool(false)
