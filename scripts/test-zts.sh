#!/usr/bin/env bash
# The tests under a thread-safe (ZTS) PHP:
#  1. the ZTS PHP 8.2 (scripts/zts.sh: built once per machine, then reused
#     from ${TAGCACHE_CACHE:-$HOME/.cache/tagcache});
#  2. the extension and the threaded host (php-host/) built against it into
#     target-zts/ (PHP and PHP_CONFIG point at the ZTS build, or the
#     bindings come out NTS);
#  3. the host's own tests, the phpt suite with the ZTS CLI, and the quick
#     threaded stress run (php-tests/stress/threads.php: 8, 32 and 64
#     threads of one process).
# The server: TAGCACHE_PORT (and TAGCACHE_SERVER_BIN) when given, as
# scripts/test.sh exports them; otherwise target/release/tagcache-server is
# built if missing and started on a free port.
# Prints "N passed, N failed" last; exits non-zero on any failure.
#
#   THREADS_STRESS_ARGS  arguments for threads.php (default --quick)
set -uo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
. "$here/lib.sh"
. "$here/zts.sh"

passed=0
failed=0
t_start=$(date +%s)
logdir="$(mktemp -d)"
step() { echo; echo "==== [zts $(($(date +%s) - t_start))s] $*"; }
fail_step() { echo "FAILED: $*"; failed=$((failed + 1)); }
# count "P F" RC WHAT: adds a step's counts; a non-zero exit with no failure
# counted is one failure.
count() {
    local p="${1%% *}" f="${1##* }"
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then fail_step "$3 exited $2"; fi
}
finish() {
    rm -rf "$logdir"
    echo
    echo "zts: $(($(date +%s) - t_start)) s in all"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

step "ZTS PHP (scripts/zts.sh)"
if ! tc_install_deps || ! tc_zts_php; then
    fail_step "no ZTS PHP"
    finish
fi
"$TC_ZTS_PHP" -v | head -1
export PHP="$TC_ZTS_PHP" PHP_CONFIG="$TC_ZTS_PHP_CONFIG"
zts_target="$root/target-zts"

step "cargo build (ZTS): the extension, then the host with the embed feature"
# Two invocations: features unify within one, and the extension must not
# get ext-php-rs' embed feature (it would link libphp.so).
if ! (cd "$root" && CARGO_TARGET_DIR="$zts_target" cargo build --release --locked -p tagcache) ||
    ! (cd "$root" && CARGO_TARGET_DIR="$zts_target" cargo build --release --locked -p tagcache-php-host --features embed); then
    fail_step "ZTS build"
    finish
fi
zts_so="$zts_target/release/libtagcache.so"
zts_host="$zts_target/release/tagcache-php-host"

if [ -z "${TAGCACHE_PORT:-}" ]; then
    step "tagcache-server"
    if [ ! -x "$TC_SERVER_BIN" ]; then
        (cd "$root" && cargo build --release --locked -p tagcache-server) || { fail_step "server build"; finish; }
    fi
    tc_start_server || { fail_step "server start"; finish; }
    trap tc_stop_server EXIT
    export TAGCACHE_PORT="$TC_PORT"
fi
export TAGCACHE_HOST="${TAGCACHE_HOST:-127.0.0.1}"
export TAGCACHE_SERVER_BIN="${TAGCACHE_SERVER_BIN:-$TC_SERVER_BIN}"

step "extension loads in the ZTS CLI"
if "$TC_ZTS_PHP" -d "extension=$zts_so" -r 'exit(extension_loaded("tagcache") && PHP_ZTS ? 0 : 1);'; then
    passed=$((passed + 1))
else
    fail_step "$TC_ZTS_PHP does not load $zts_so"
    "$TC_ZTS_PHP" -d "extension=$zts_so" -d display_startup_errors=1 -r ''
fi

step "cargo test -p tagcache-php-host --features embed (ZTS)"
(cd "$root" && CARGO_TARGET_DIR="$zts_target" cargo test --release --locked -p tagcache-php-host --features embed 2>&1) |
    tee "$logdir/cargo.log"
rc=${PIPESTATUS[0]}
count "$(tc_count_cargo "$logdir/cargo.log")" "$rc" "cargo test"

step "phpt suite, ZTS CLI"
PHP="$TC_ZTS_PHP" RUN_TESTS="$TC_ZTS_PREFIX/lib/php/build/run-tests.php" TAGCACHE_SO="$zts_so" \
    "$root/php-tests/run-phpt.sh" 2>&1 | tee "$logdir/phpt.log"
rc=${PIPESTATUS[0]}
count "$(tc_count_phpt "$logdir/phpt.log")" "$rc" "phpt suite"

step "threaded stress: php-tests/stress/threads.php ${THREADS_STRESS_ARGS:---quick}"
# shellcheck disable=SC2086
"$TC_ZTS_PHP" -n "$root/php-tests/stress/threads.php" ${THREADS_STRESS_ARGS:---quick} \
    --host "$zts_host" --so "$zts_so" --port "$TAGCACHE_PORT" 2>&1 | tee "$logdir/threads.log"
rc=${PIPESTATUS[0]}
if counts=$(tc_count_line "$logdir/threads.log"); then
    count "$counts" "$rc" "threads.php"
else
    fail_step "threads.php exited $rc without a result line"
fi

finish
