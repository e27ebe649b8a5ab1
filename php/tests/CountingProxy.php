<?php

declare(strict_types=1);

namespace TagCache\Tests;

/**
 * Runs tests/counting-proxy.php in front of the test server: a client
 * pointed at port() has every request line it sends counted by verb, so a
 * test can assert exactly which commands a call sent.
 */
final class CountingProxy
{
    /** @var resource */
    private $process;

    /** @var array<int, resource> */
    private array $pipes;

    private int $port;

    public function __construct()
    {
        $cmd = [PHP_BINARY, '-n', __DIR__ . '/counting-proxy.php', getenv('TAGCACHE_HOST') ?: '127.0.0.1', (string) (int) getenv('TAGCACHE_PORT')];
        $process = proc_open($cmd, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => STDERR], $pipes);
        if (!\is_resource($process)) {
            throw new \RuntimeException('cannot start the counting proxy');
        }
        $this->process = $process;
        $this->pipes = $pipes;
        $line = (string) fgets($pipes[1]);
        if (!preg_match('/^listening (\d+)$/', trim($line), $m)) {
            throw new \RuntimeException("counting proxy did not start: '$line'");
        }
        $this->port = (int) $m[1];
    }

    public function __destruct()
    {
        fclose($this->pipes[0]);
        fclose($this->pipes[1]);
        proc_close($this->process);
    }

    /** A client whose requests go through the proxy. */
    public function client(): \TagCache
    {
        return TestServer::newClient(['port' => $this->port]);
    }

    /** @return array<string, int> request lines per verb since the proxy started */
    public function counts(): array
    {
        fwrite($this->pipes[0], "report\n");
        $line = fgets($this->pipes[1]);
        if ($line === false) {
            throw new \RuntimeException('counting proxy is gone');
        }
        return json_decode($line, true, 512, JSON_THROW_ON_ERROR);
    }

    /**
     * The request lines $call sent, per verb.
     *
     * @return array<string, int>
     */
    public function commandsOf(callable $call): array
    {
        $before = $this->counts();
        $call();
        $after = $this->counts();
        $delta = [];
        foreach ($after as $verb => $n) {
            if ($n - ($before[$verb] ?? 0) > 0) {
                $delta[$verb] = $n - ($before[$verb] ?? 0);
            }
        }
        ksort($delta);
        return $delta;
    }
}
