<?php

declare(strict_types=1);

namespace TagCache\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The library's signatures against the current interface versions
 * (psr/cache 3, psr/simple-cache 3, psr/log 3, Symfony 6.4/7), which Debian
 * 12 does not package: tests/compat/current-interfaces.php declares them and
 * a separate PHP process loads the classes (PHP refuses to declare a class
 * whose method signatures are incompatible with its interfaces), then
 * uses the PSR-16, PSR-6 and Symfony classes against the server there.
 * The installed (older) versions are exercised by every other test.
 */
final class CompatibilityTest extends TestCase
{
    public function testLoadsAgainstTheCurrentInterfaceVersions(): void
    {
        // the extension, without php.ini: none of the Debian packages' classes
        $so = getenv('TAGCACHE_SO');
        $this->assertNotFalse($so, 'TAGCACHE_SO must name the extension (scripts/test-php-lib.sh sets it)');
        $this->assertFileExists($so);
        $cmd = [PHP_BINARY, '-n', '-d', "extension=$so", '-d', 'error_reporting=-1', '-d', 'display_errors=stderr',
            __DIR__ . '/compat/load-library.php'];
        $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        $this->assertIsResource($p);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        $rc = proc_close($p);
        $this->assertSame('', $err, 'PHP reported: ' . $err);
        $this->assertSame("loaded 6\nused\n", $out);
        $this->assertSame(0, $rc);
    }
}
