<?php

declare(strict_types=1);

namespace TagCache\Laravel;

/**
 * Laravel's cache Repository, with multi-key writes sent as one batch
 * (BatchesWrites). The tagcache driver returns it.
 */
class Repository extends \Illuminate\Cache\Repository
{
    use BatchesWrites;
}
