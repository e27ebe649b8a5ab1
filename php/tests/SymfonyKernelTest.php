<?php

declare(strict_types=1);

namespace TagCache\Tests;

use PHPUnit\Framework\TestCase;
use Symfony\Bundle\FrameworkBundle\FrameworkBundle;
use Symfony\Bundle\FrameworkBundle\Kernel\MicroKernelTrait;
use Symfony\Component\DependencyInjection\Loader\Configurator\ContainerConfigurator;
use function Symfony\Component\DependencyInjection\Loader\Configurator\service;
use Symfony\Component\HttpKernel\Kernel;
use Symfony\Contracts\Cache\ItemInterface;
use TagCache\Symfony\TagCacheAdapter;

/**
 * The Symfony configuration of README.md ("Frameworks"), in a kernel with
 * FrameworkBundle: the adapter as cache.app and as a pool's adapter, with
 * the namespace and default lifetime Symfony's cache pass gives each pool.
 */
final class SymfonyKernelTest extends TestCase
{
    private static ?string $dir = null;

    private Kernel $kernel;

    protected function setUp(): void
    {
        self::$dir ??= sys_get_temp_dir() . '/tagcache-kernel-' . getmypid();
        $this->kernel = new TagCacheTestKernel('test', true, self::$dir);
        $this->kernel->boot();
    }

    protected function tearDown(): void
    {
        $this->kernel->shutdown();
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$dir !== null && is_dir(self::$dir)) {
            exec('rm -rf ' . escapeshellarg(self::$dir));
        }
    }

    public function testPoolsAreTagCacheAdaptersWithTheirOwnNamespaces(): void
    {
        $container = $this->kernel->getContainer()->get('test.service_container');
        $app = $container->get('cache.app');
        $catalog = $container->get('catalog.cache');
        $this->assertInstanceOf(TagCacheAdapter::class, $app);
        $this->assertInstanceOf(TagCacheAdapter::class, $catalog);

        $metadata = null;
        $this->assertSame('shoes', $catalog->get('product.1', function (ItemInterface $item) {
            $item->tag(['products']);
            return 'shoes';
        }, null, $metadata));
        $this->assertEqualsWithDelta(microtime(true) + 600, $metadata[ItemInterface::METADATA_EXPIRY], 5, 'default_lifetime of the pool');
        $this->assertFalse($app->hasItem('product.1'), 'each pool has its own namespace');

        $app->get('product.1', fn (ItemInterface $i) => $i->tag('products') ? 'app value' : null);
        $this->assertTrue($catalog->invalidateTags(['products']));
        $this->assertFalse($catalog->hasItem('product.1'));
        $this->assertSame('app value', $app->getItem('product.1')->get(), 'tags are namespaced per pool');
        $app->clear();
    }
}

final class TagCacheTestKernel extends Kernel
{
    use MicroKernelTrait;

    public function __construct(string $environment, bool $debug, private readonly string $dir)
    {
        parent::__construct($environment, $debug);
    }

    public function registerBundles(): iterable
    {
        return [new FrameworkBundle()];
    }

    public function getProjectDir(): string
    {
        return $this->dir;
    }

    public function getCacheDir(): string
    {
        return $this->dir . '/cache';
    }

    public function getLogDir(): string
    {
        return $this->dir . '/log';
    }

    protected function configureContainer(ContainerConfigurator $container): void
    {
        // the configuration README.md ("Frameworks") shows (YAML there, the same in PHP here)
        $services = $container->services();
        $services->set('tagcache.client', \TagCache::class)
            ->args([['host' => getenv('TAGCACHE_HOST') ?: '127.0.0.1', 'port' => (int) getenv('TAGCACHE_PORT')]]);
        $services->set('cache.adapter.tagcache', TagCacheAdapter::class)
            ->abstract()
            ->args([service('tagcache.client'), '', 0])
            ->tag('cache.pool', ['provider' => 'tagcache.client', 'clearer' => 'cache.default_clearer', 'reset' => 'reset']);
        $container->extension('framework', [
            'secret' => 'test',
            'test' => true,
            'http_method_override' => false,
            'cache' => [
                'app' => 'cache.adapter.tagcache',
                'pools' => ['catalog.cache' => ['adapter' => 'cache.adapter.tagcache', 'default_lifetime' => 600, 'public' => true]],
            ],
        ]);
    }
}
