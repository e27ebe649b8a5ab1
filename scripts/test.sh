#!/usr/bin/env bash
# Every test, as CI runs them: install what is missing, build (release),
# start tagcache-server on a free port, then the lint gate (rustfmt,
# clippy -D warnings with the workspace lints), cargo test (workspace), the
# extension load check, the phpt suite, the pool's loom model tests
# (scripts/loom.sh), the quick stress runs (one server, and three), the
# memory check, the PHP library's suites (scripts/test-php-lib.sh), and
# everything again under a thread-safe PHP (scripts/test-zts.sh).
# Prints "N passed, N failed" last; exits non-zero on any failure.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

passed=0
failed=0
logdir="$(mktemp -d)"

step() { echo; echo "==== $*"; }
fail_step() { echo "FAILED: $*"; failed=$((failed + 1)); }

tc_install_deps "${TC_PHP_LIB_PACKAGES[@]}" || { echo "0 passed, 1 failed"; exit 1; }
if ! tc_build; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi
tc_start_server || { echo "0 passed, 1 failed"; exit 1; }
trap tc_stop_server EXIT
export TAGCACHE_HOST=127.0.0.1 TAGCACHE_PORT="$TC_PORT" TAGCACHE_SERVER_BIN="$TC_SERVER_BIN" TAGCACHE_SO="$TC_SO"

step "lint: cargo fmt --check, cargo clippy -D warnings"
if (cd "$root" && cargo fmt --all -- --check); then
    passed=$((passed + 1))
else
    fail_step "cargo fmt --check (run cargo fmt --all)"
fi
if (cd "$root" && cargo clippy --workspace --all-targets --locked -- -D warnings); then
    passed=$((passed + 1))
else
    fail_step "cargo clippy --workspace --all-targets -- -D warnings"
fi

step "cargo test --release --workspace"
(cd "$root" && cargo test --release --workspace --locked 2>&1) | tee "$logdir/cargo.log"
cargo_rc=${PIPESTATUS[0]}
p=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^passed;/) s += $i } END { print s + 0 }' "$logdir/cargo.log")
f=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^failed;/) s += $i } END { print s + 0 }' "$logdir/cargo.log")
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
if [ "$cargo_rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then fail_step "cargo test exited $cargo_rc"; fi

step "extension loads"
if php -d "extension=$TC_SO" -r 'exit(extension_loaded("tagcache") ? 0 : 1);'; then
    passed=$((passed + 1))
else
    fail_step "php does not load $TC_SO"
fi

step "phpt suite"
"$root/php-tests/run-phpt.sh" 2>&1 | tee "$logdir/phpt.log"
phpt_rc=${PIPESTATUS[0]}
p=$(grep -E '^Tests passed' "$logdir/phpt.log" | grep -oE ':\s+[0-9]+' | grep -oE '[0-9]+' | head -1)
f=$(grep -E '^Tests failed' "$logdir/phpt.log" | grep -oE ':\s+[0-9]+' | grep -oE '[0-9]+' | head -1)
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
if [ "$phpt_rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then fail_step "phpt suite exited $phpt_rc"; fi

# A step whose command prints "N passed, N failed" last: its counts are
# added; a non-zero exit with no failure counted is one failure.
counted() {
    local label="$1"
    shift
    step "$label"
    "$@" 2>&1 | tee "$logdir/step.log"
    local rc=${PIPESTATUS[0]}
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$logdir/step.log" | tail -1)
    if [ -n "$line" ]; then
        passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
        failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
        if [ "$rc" -ne 0 ] && [ "$(echo "$line" | cut -d' ' -f3)" -eq 0 ]; then fail_step "$label exited $rc"; fi
    elif [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
    else
        fail_step "$label exited $rc"
    fi
}

# The pool's model tests: its own --cfg loom build (target/loom, debug).
counted "loom model tests of the pool (scripts/loom.sh)" "$root/scripts/loom.sh"

for s in stress/run.php:--quick stress/memory.php:--quick; do
    file="${s%%:*}"
    arg="${s##*:}"
    counted "php-tests/$file $arg" php -d "extension=$TC_SO" "$root/php-tests/$file" "$arg" --port "$TC_PORT"
done

# Several servers: every suite against 3 servers of its own, and one of
# them killed and restarted while the workers run.
counted "php-tests/stress/run.php --quick --servers 3" php -d "extension=$TC_SO" "$root/php-tests/stress/run.php" --quick --servers 3

counted "PHP library (php/): PSR-16, PSR-6, Symfony, Laravel" "$root/scripts/test-php-lib.sh"

# ZTS: a thread-safe PHP built once per machine (cached), the extension and
# the threaded host built against it, the phpt suite under the ZTS CLI and
# the threaded stress run.
counted "ZTS: scripts/test-zts.sh" "$root/scripts/test-zts.sh"

rm -rf "$logdir"
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
