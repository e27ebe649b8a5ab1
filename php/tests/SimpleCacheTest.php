<?php

declare(strict_types=1);

namespace TagCache\Tests;

use PHPUnit\Framework\TestCase;
use Psr\SimpleCache\InvalidArgumentException;
use TagCache\CacheItemPool;
use TagCache\SimpleCache;

/** What the PSR-16 suite does not check: namespaces, batching, exact values, failures. */
final class SimpleCacheTest extends TestCase
{
    private \TagCache $client;

    private string $ns;

    private SimpleCache $cache;

    protected function setUp(): void
    {
        $this->client = TestServer::newClient();
        $this->ns = TestServer::namespace('s16');
        $this->cache = new SimpleCache($this->client, $this->ns);
    }

    protected function tearDown(): void
    {
        $this->cache->clear();
    }

    public function testValuesRoundTripExactly(): void
    {
        $values = ['null' => null, 'false' => false, 'true' => true, 'zero' => 0, 'empty' => '', 'numeric' => '007',
            'float' => 0.1 + 0.2, 'nan-free' => -0.0, 'int' => PHP_INT_MIN, 'list' => [1, '1', 1.0],
            'envelope-like' => ["\0tc\0", 'x', ['t']], 'marker' => "\0tc\0", 'binary' => "\xff\x00\r\n,\t"];
        $this->assertTrue($this->cache->setMultiple($values));
        $miss = new \stdClass();
        foreach ($values as $k => $v) {
            $this->assertSame($v, $this->cache->get($k, $miss), (string) $k);
            $this->assertTrue($this->cache->has($k));
        }
        $this->assertSame($values + ['absent' => $miss], $this->cache->getMultiple([...array_keys($values), 'absent'], $miss));
        $this->assertSame($miss, $this->cache->get('absent', $miss));
    }

    public function testMultiKeyCallsAreOneRoundTrip(): void
    {
        $values = [];
        for ($i = 0; $i < 50; $i++) {
            $values["k$i"] = $i;
        }
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->cache->setMultiple($values, 60)));
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->assertSame($values, $this->cache->getMultiple(array_keys($values)))));
        $this->assertSame(1, TestServer::roundTrips($this->client, fn () => $this->cache->deleteMultiple(array_keys($values))));
        $this->assertSame(['k1' => null], $this->cache->getMultiple(['k1']));
    }

    public function testKeysAndTagsAreNamespaced(): void
    {
        $this->cache->set('k', 'v');
        $this->assertSame('v', $this->client->get($this->ns . ':k'));
        $this->assertSame([$this->ns . ':k'], $this->client->keysByTag($this->ns . ':@pool'));

        $other = new SimpleCache($this->client, TestServer::namespace('s16o'));
        $bare = new SimpleCache($this->client);
        $other->set('k', 'other');
        $bare->set($this->ns . 'k', 'bare');
        $this->assertTrue($this->cache->clear());
        $this->assertFalse($this->cache->has('k'));
        $this->assertSame('other', $other->get('k'));
        $this->assertSame('bare', $bare->get($this->ns . 'k'));
        $other->clear();
        $bare->delete($this->ns . 'k');
    }

    public function testTtls(): void
    {
        $this->cache->set('int', 1, 1);
        $this->cache->set('interval', 1, new \DateInterval('PT1S'));
        $this->cache->set('long', 1, new \DateInterval('P1D'));
        $this->cache->set('gone', 1);
        $this->assertTrue($this->cache->set('gone', 2, -5));
        $this->assertFalse($this->cache->has('gone'));
        $negative = new \DateInterval('PT10S');
        $negative->invert = 1;
        $this->cache->set('gone2', 1);
        $this->cache->set('gone2', 1, $negative);
        $this->assertFalse($this->cache->has('gone2'));

        $default = new SimpleCache($this->client, $this->ns, 1);
        $default->set('default', 1);
        $this->assertTrue($default->has('default'));
        usleep(1_200_000);
        $this->assertSame(['int' => null, 'interval' => null, 'long' => 1, 'default' => null], $this->cache->getMultiple(['int', 'interval', 'long', 'default']));
    }

    public function testProtocolCharactersAndBadArgumentsAreRefusedBeforeSending(): void
    {
        $this->cache->set('k', 'kept');
        foreach (["a,b", "a\tb", "a\rb", "a\nb", "\xc3\x28", '', 'a:b', 'a{b'] as $bad) {
            try {
                $this->cache->set($bad, 'x');
                $this->fail('accepted ' . json_encode($bad));
            } catch (InvalidArgumentException $e) {
                $this->assertStringContainsString('key', $e->getMessage());
            }
        }
        try {
            $this->cache->setMultiple(['ok' => 1, 'bad,key' => 2]);
            $this->fail('accepted a comma');
        } catch (InvalidArgumentException $e) {
        }
        $this->assertFalse($this->cache->has('ok'), 'nothing of a refused batch was stored');
        $this->assertSame('kept', $this->cache->get('k'));

        foreach (['bad,ns', "bad\tns", 'bad:ns', ' lead'] as $ns) {
            try {
                new SimpleCache($this->client, $ns);
                $this->fail('accepted namespace ' . json_encode($ns));
            } catch (InvalidArgumentException $e) {
                $this->assertStringContainsString('namespace', $e->getMessage());
            }
        }
        $this->expectException(InvalidArgumentException::class);
        new SimpleCache($this->client, 'ns', -1);
    }

    public function testSharesItsNamespaceWithThePsr6Pool(): void
    {
        $pool = new CacheItemPool($this->client, $this->ns);
        $pool->save($pool->getItem('tagged')->set(['v'])->setTags(['t']));
        $this->assertSame(['v'], $this->cache->get('tagged'));
        $this->cache->set('plain', false);
        $item = $pool->getItem('plain');
        $this->assertTrue($item->isHit());
        $this->assertFalse($item->get());
        $this->assertSame([], $item->getPreviousTags());
        $this->cache->clear();
        $this->assertFalse($pool->hasItem('tagged'));
    }

    public function testServerFailureDegradesAndIsLogged(): void
    {
        $down = new SimpleCache(TestServer::newClient(['port' => SymfonyAdapterTest::closedPort(), 'connect_timeout_ms' => 200, 'retry' => 0]));
        $log = new RecordingLogger();
        $down->setLogger($log);
        $this->assertSame('dflt', $down->get('k', 'dflt'));
        $this->assertFalse($down->set('k', 1));
        $this->assertFalse($down->has('k'));
        $this->assertSame(['a' => 'd', 'b' => 'd'], $down->getMultiple(['a', 'b'], 'd'));
        $this->assertFalse($down->setMultiple(['a' => 1]));
        $this->assertFalse($down->deleteMultiple(['a']));
        $this->assertFalse($down->delete('a'));
        $this->assertFalse($down->clear());
        $this->assertCount(8, $log->records);
        foreach ($log->records as [$level, $message, $context]) {
            $this->assertSame('warning', $level);
            $this->assertMatchesRegularExpression('/^TagCache \w+ failed \(TagCacheConnectionException\): .*127\.0\.0\.1/', $message);
        }
    }
}
