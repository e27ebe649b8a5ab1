<?php

declare(strict_types=1);

namespace TagCache\Tests;

use PHPUnit\Framework\TestCase;

/** Every class of src/ loads with the installed interface versions, and composer.json maps them. */
final class AutoloadTest extends TestCase
{
    public function testEveryClassLoads(): void
    {
        $src = \dirname(__DIR__) . '/src';
        $files = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($src, \FilesystemIterator::SKIP_DOTS));
        $count = 0;
        foreach ($files as $file) {
            $class = 'TagCache\\' . str_replace('/', '\\', substr($file->getPathname(), \strlen($src) + 1, -4));
            $this->assertTrue(class_exists($class) || interface_exists($class) || trait_exists($class), $class);
            $count++;
        }
        $this->assertGreaterThanOrEqual(20, $count);
    }

    public function testComposerJson(): void
    {
        $composer = json_decode((string) file_get_contents(\dirname(__DIR__) . '/composer.json'), true, 512, JSON_THROW_ON_ERROR);
        $this->assertSame(['TagCache\\' => 'src/'], $composer['autoload']['psr-4']);
        $this->assertArrayHasKey('ext-tagcache', $composer['require']);
        $this->assertSame(['TagCache\\Laravel\\TagCacheServiceProvider'], $composer['extra']['laravel']['providers']);
        $this->assertTrue(class_exists($composer['extra']['laravel']['providers'][0]));
    }
}
