#!/usr/bin/env bash
# Runs the tagcache phpt suite with run-tests.php against a running server.
#
#   TAGCACHE_SO    the extension to load (default: <repo>/target/release/libtagcache.so)
#   TAGCACHE_HOST  server host (default 127.0.0.1)
#   TAGCACHE_PORT  server port (default 1984)
#   PHPT_JOBS      parallel workers for run-tests.php (default 2)
#   PHP            the php binary (default: php on PATH)
#
# Arguments, if any, are test files or directories (default: this directory).
# Exits non-zero when any test fails (or the extension cannot be loaded).
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
php_bin="$(command -v "${PHP:-php}")" || { echo "run-phpt: php not found" >&2; exit 2; }
so="${TAGCACHE_SO:-$root/target/release/libtagcache.so}"
case "$so" in /*) ;; *) so="$(pwd)/$so" ;; esac

run_tests="${RUN_TESTS:-$("$php_bin" -r 'echo PHP_EXTENSION_DIR;')/build/run-tests.php}"
[ -f "$run_tests" ] || run_tests=/usr/lib/php/20220829/build/run-tests.php
if [ ! -f "$run_tests" ]; then
    echo "run-phpt: run-tests.php not found (set RUN_TESTS)" >&2
    exit 2
fi

if [ ! -f "$so" ]; then
    echo "run-phpt: FAIL: extension not found: $so (build it, or set TAGCACHE_SO)" >&2
    exit 2
fi
if ! "$php_bin" -d "extension=$so" -r 'exit(extension_loaded("tagcache") ? 0 : 1);'; then
    echo "run-phpt: FAIL: $so does not load as the tagcache extension:" >&2
    "$php_bin" -d "extension=$so" -d display_startup_errors=1 -r '' >&2
    exit 2
fi

export TAGCACHE_SO="$so"
export TAGCACHE_HOST="${TAGCACHE_HOST:-127.0.0.1}"
export TAGCACHE_PORT="${TAGCACHE_PORT:-1984}"
export NO_INTERACTION=1
export REPORT_EXIT_STATUS=1
unset TEST_PHP_JUNIT

if [ "$#" -eq 0 ]; then
    set -- "$here"
fi

echo "run-phpt: extension $so, server $TAGCACHE_HOST:$TAGCACHE_PORT"
"$php_bin" "$run_tests" -p "$php_bin" -q --show-diff --no-progress \
    -j"${PHPT_JOBS:-2}" -d "extension=$so" "$@"
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "run-phpt: FAILED (run-tests.php exit $rc)" >&2
fi
exit "$rc"
