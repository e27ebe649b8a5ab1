<?php
// Put, get and invalidate by tag against the server at TAGCACHE_PORT.
if (!extension_loaded('tagcache')) {
    fwrite(STDERR, "the tagcache extension is not loaded\n");
    exit(1);
}
$cache = new TagCache([
    'host' => getenv('TAGCACHE_HOST') ?: '127.0.0.1',
    'port' => (int) (getenv('TAGCACHE_PORT') ?: 1984),
]);

$cache->put('user:1', ['name' => 'Ada', 'langs' => ['en', 'fr']], ['users', 'team:a']);
$cache->put('user:2', ['name' => 'Linus'], ['users', 'team:b'], 60_000); // 60 s TTL
$cache->put('greeting', "hello\nworld");                                 // any string is safe

printf("user:1   = %s\n", json_encode($cache->get('user:1')));
printf("greeting = %s\n", json_encode($cache->get('greeting')));
printf("users    = %s\n", json_encode($cache->getMany(['user:1', 'user:2', 'nobody'])));

$removed = $cache->invalidate('team:a');
printf("invalidate('team:a') removed %d key(s)\n", $removed);
printf("user:1 after invalidation = %s\n", var_export($cache->get('user:1', 'gone'), true));
printf("user:2 still there = %s\n", json_encode($cache->get('user:2')));
