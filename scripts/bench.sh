#!/usr/bin/env bash
# Every benchmark in one command: installs what is missing (phpredis and
# redis-server for the comparison), builds, then runs
#   1. cargo bench --bench client   (criterion: single calls, pipelines,
#      fan-out, where fan-out pays, pool checkout), and
#   2. php-tests/bench/bench.php     (TagCache vs phpredis: rate and CPU per
#      operation of both clients and both servers, with the defaults and
#      with spinning off; it starts its own tagcache-server and redis-server).
# Arguments are passed to bench.php, e.g.
#   scripts/bench.sh --quick
#   BENCH_PARTS=php scripts/bench.sh --sections=batch --rows=putMany,putManyTags --sizes=100 --json=out.json
# (see php-tests/bench/README.md). BENCH_PARTS="criterion php servers"
# selects the parts (default "criterion php"; "servers" runs servers.php,
# 1 server against 3). The build goes to $CARGO_TARGET_DIR if set, else
# target/.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tc_install_deps php8.2-redis redis-server
tc_build
target="${CARGO_TARGET_DIR:-$root/target}"
[[ "$target" == /* ]] || target="$root/$target" # cargo ran in $root
parts="${BENCH_PARTS:-criterion php}"
if [[ " $parts " == *" criterion "* ]]; then
    echo "== cargo bench --bench client --bench ketama"
    (cd "$root" && cargo bench --locked --bench client --bench ketama)
fi
if [[ " $parts " == *" php "* ]]; then
    echo "== php-tests/bench/bench.php $*"
    TAGCACHE_SERVER_BIN="$target/release/tagcache-server" \
        php -d "extension=$target/release/libtagcache.so" "$root/php-tests/bench/bench.php" "$@"
fi
if [[ " $parts " == *" servers "* ]]; then
    echo "== php-tests/bench/servers.php (1 server vs 3)"
    TAGCACHE_SERVER_BIN="$target/release/tagcache-server" \
        php -d "extension=$target/release/libtagcache.so" "$root/php-tests/bench/servers.php"
fi
