<?php

declare(strict_types=1);

namespace TagCache\Internal;

/**
 * PSR-6 and PSR-16 want a cache failure to degrade, not to break the
 * application: the call returns a miss or false and the failure is reported
 * to an administrator. It goes to the PSR-3 logger given with setLogger(),
 * or, without one, to PHP's error_log().
 *
 * @internal
 */
trait ReportsFailures
{
    use \Psr\Log\LoggerAwareTrait;

    private function reportFailure(\Throwable $e, string $operation, array $keys = []): void
    {
        $message = sprintf('TagCache %s failed (%s): %s', $operation, \get_class($e), $e->getMessage());
        if ($this->logger !== null) {
            $this->logger->warning($message, ['exception' => $e, 'keys' => \array_slice($keys, 0, 20)]);
        } else {
            error_log($message);
        }
    }
}
