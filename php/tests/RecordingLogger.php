<?php

declare(strict_types=1);

namespace TagCache\Tests;

use Psr\Log\AbstractLogger;

/** A PSR-3 logger that keeps what it is told, for the failure tests. */
final class RecordingLogger extends AbstractLogger
{
    /** @var list<array{0: mixed, 1: string, 2: array}> */
    public array $records = [];

    public function log($level, $message, array $context = []): void
    {
        $this->records[] = [$level, (string) $message, $context];
    }
}
