<?php

/*
 * PSR-4 autoloader of the TagCache\ namespace, for installs without
 * Composer (e.g. with the PSR and framework packages of a Linux
 * distribution). With Composer, its autoloader does this.
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'TagCache\\', 9) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, 9)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
