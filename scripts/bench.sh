#!/usr/bin/env bash
# Every benchmark in one command: installs what is missing (phpredis and
# redis-server for the comparison), builds, then runs
#   1. cargo bench --bench client   (criterion: single calls, pipelines,
#      fan-out, where fan-out pays, pool checkout), and
#   2. php-tests/bench/bench.php     (TagCache vs phpredis, ratios per row;
#      it starts its own tagcache-server and redis-server).
# Arguments are passed to bench.php (e.g. --repeat=5 --rows=get,getMany).
# BENCH_PARTS="criterion php" selects the parts (default both).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tc_install_deps php8.2-redis redis-server
tc_build
parts="${BENCH_PARTS:-criterion php}"
if [[ " $parts " == *" criterion "* ]]; then
    echo "== cargo bench --bench client"
    (cd "$root" && cargo bench --locked --bench client)
fi
if [[ " $parts " == *" php "* ]]; then
    echo "== php-tests/bench/bench.php $*"
    TAGCACHE_SERVER_BIN="$TC_SERVER_BIN" php -d "extension=$TC_SO" "$root/php-tests/bench/bench.php" "$@"
fi
