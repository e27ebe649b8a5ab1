<?php

/*
 * PHPUnit bootstrap: the tagcache extension must be loaded (a test run
 * without it must fail, not skip), the PSR, tag-interop, integration-suite,
 * Symfony and Laravel classes come from the Debian packages' autoloaders
 * under /usr/share/php (or from Composer's vendor/ when it exists), and the
 * server is the one named by TAGCACHE_HOST / TAGCACHE_PORT.
 */

declare(strict_types=1);

if (!extension_loaded('tagcache')) {
    fwrite(STDERR, "tests: the tagcache extension is not loaded (run php -d extension=/path/to/libtagcache.so)\n");
    exit(2);
}
if (getenv('TAGCACHE_PORT') === false || getenv('TAGCACHE_PORT') === '') {
    fwrite(STDERR, "tests: set TAGCACHE_PORT (and TAGCACHE_HOST) to a running TagCache server\n");
    exit(2);
}

$vendor = dirname(__DIR__) . '/vendor/autoload.php';
if (is_file($vendor)) {
    require $vendor;
} else {
    foreach ([
        'Psr/Log/autoload.php',
        'Psr/Cache/autoload.php',
        'Psr/SimpleCache/autoload.php',
        'Cache/TagInterop/autoload.php',
        'Cache/IntegrationTests/autoload.php',
        'Symfony/Component/Cache/autoload.php',
        'Symfony/Contracts/Cache/autoload.php',
        'Illuminate/Cache/autoload.php',
        'Illuminate/Container/autoload.php',
        'Illuminate/Config/autoload.php',
        'Illuminate/Events/autoload.php',
        'Symfony/Bundle/FrameworkBundle/autoload.php',
    ] as $file) {
        if (stream_resolve_include_path($file) === false) {
            fwrite(STDERR, "tests: $file not found on the include path (install the Debian packages scripts/test-php-lib.sh lists)\n");
            exit(2);
        }
        require_once $file;
    }
}
require dirname(__DIR__) . '/autoload.php';
// the test helpers and base classes (TagCache\Tests\X is tests/X.php)
spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'TagCache\\Tests\\')) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, 15)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
