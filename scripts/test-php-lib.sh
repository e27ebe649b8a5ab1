#!/usr/bin/env bash
# Tests of the PHP library in php/ (PSR-16, PSR-6 with tags, Symfony adapter,
# Laravel store): cache/integration-tests' suites and the library's own
# PHPUnit tests, against a TagCache server over TCP.
#
#   TAGCACHE_HOST=127.0.0.1 TAGCACHE_PORT=PORT TAGCACHE_SO=path/libtagcache.so scripts/test-php-lib.sh
#
# Without TAGCACHE_PORT it builds the workspace and starts its own
# tagcache-server on a free port (scripts/lib.sh); without TAGCACHE_SO it
# uses target/release/libtagcache.so. It installs the Debian packages the
# tests need when they are missing. Extra arguments go to phpunit (e.g.
# --filter Laravel). Prints "N passed, N failed" last; exits non-zero on any
# failure.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PHP_LIB_PACKAGES=(php8.2-cli "${TC_PHP_LIB_PACKAGES[@]}")

finish() {
    echo
    echo "$1 passed, $2 failed"
    [ "$2" -eq 0 ]
    exit $?
}

missing=()
for p in "${PHP_LIB_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "== installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if ! { $sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"; }; then
        echo "could not install ${missing[*]}"
        finish 0 1
    fi
fi

if [ -z "${TAGCACHE_PORT:-}" ]; then
    tc_install_deps || finish 0 1
    tc_build || finish 0 1
    tc_start_server || finish 0 1
    trap tc_stop_server EXIT
    export TAGCACHE_HOST=127.0.0.1 TAGCACHE_PORT="$TC_PORT"
fi
export TAGCACHE_HOST="${TAGCACHE_HOST:-127.0.0.1}"
export TAGCACHE_SO="${TAGCACHE_SO:-$TC_SO}"
so="$TAGCACHE_SO"

# Load the extension from $so unless php.ini already does (loading it twice warns).
php_args=()
if ! php -r 'exit(extension_loaded("tagcache") ? 0 : 1);' 2>/dev/null; then
    php_args=(-d "extension=$so")
fi
if ! php "${php_args[@]}" -r 'exit(extension_loaded("tagcache") ? 0 : 1);'; then
    echo "FAILED: php does not load the tagcache extension from $so"
    finish 0 1
fi

junit="$(mktemp)"
echo "== phpunit (php/phpunit.xml.dist) against $TAGCACHE_HOST:$TAGCACHE_PORT"
(cd "$root/php" && php "${php_args[@]}" /usr/bin/phpunit -c phpunit.xml.dist --verbose --log-junit "$junit" "$@")
rc=$?

# The root <testsuite> of the JUnit log holds the totals.
read -r tests failures errors warnings skipped < <(php -r '
    $x = @simplexml_load_file($argv[1]);
    $s = $x ? $x->testsuite : null;
    echo $s ? implode(" ", [(int) $s["tests"], (int) $s["failures"], (int) $s["errors"], (int) $s["warnings"], (int) $s["skipped"]]) : "0 0 0 0 0", "\n";
' "$junit")
rm -f "$junit"
failed=$((failures + errors + warnings))
passed=$((tests - failed - skipped))
echo "== $skipped skipped (their reasons are listed above)"
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "FAILED: phpunit exited $rc"
    failed=1
fi
finish "$passed" "$failed"
