# Shared by scripts/*.sh: install what is missing, build, start a server.
# Source it; it defines functions only.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# What the PHP library's tests (scripts/test-php-lib.sh) need from Debian
# (there is no Packagist here): PHPUnit, PSR-6/16, tag-interop and the
# integration suite, Symfony's cache component and FrameworkBundle, Laravel's
# cache with the container/config/events it needs.
TC_PHP_LIB_PACKAGES=(phpunit php-cache-integration-tests php-psr-cache php-psr-simple-cache
    php-psr-log php-cache-tag-interop php-symfony-cache php-symfony-cache-contracts
    php-symfony-framework-bundle php-illuminate-cache php-illuminate-container php-illuminate-config
    php-illuminate-events)

# Debian packages the build and the tests need. Installs only what is
# missing, so a second run is quick and needs no network.
tc_install_deps() {
    tc_apt_install php8.2-cli php8.2-dev php8.2-igbinary php8.2-msgpack php8.2-memcached clang libclang-dev pkg-config "$@" || return 1
    if ! command -v cargo >/dev/null 2>&1; then
        [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
    fi
    command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust (rustup) first" >&2; return 1; }
    # The lint gate needs rustfmt and clippy (rustup installs them with the
    # default profile; a minimal toolchain lacks them).
    for c in rustfmt clippy; do
        if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1; then
            rustup component add "$c" || return 1
        fi
    done
}

# apt-get installs those of the given Debian packages that are missing.
tc_apt_install() {
    local missing=()
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "== installing: ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -q >&2 || return 1
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >&2 || return 1
    fi
}

# "PASSED FAILED" counted in a test log: cargo test's "test result:" lines,
# run-tests.php's "Tests passed/failed" lines, or the last
# "N passed, N failed" line.
tc_count_cargo() {
    awk '/^test result:/ { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed;/) p += $i; if ($(i+1) ~ /^failed;/) f += $i } }
         END { print p + 0, f + 0 }' "$1"
}
tc_count_phpt() {
    local p f
    p=$(grep -E '^Tests passed' "$1" | grep -oE ':\s+[0-9]+' | grep -oE '[0-9]+' | head -1)
    f=$(grep -E '^Tests failed' "$1" | grep -oE ':\s+[0-9]+' | grep -oE '[0-9]+' | head -1)
    echo "${p:-0} ${f:-0}"
}
tc_count_line() {
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
    [ -n "$line" ] || return 1
    echo "$line" | cut -d' ' -f1,3
}

tc_build() {
    echo "== cargo build --release (extension and tagcache-server)"
    (cd "$root" && cargo build --release --workspace --locked)
}

TC_SO="$root/target/release/libtagcache.so"
TC_SERVER_BIN="$root/target/release/tagcache-server"

# Starts tagcache-server on a free port; sets TC_SERVER_PID and TC_PORT.
tc_start_server() {
    local out
    out="$(mktemp)"
    "$TC_SERVER_BIN" --port 0 >"$out" 2>&1 &
    TC_SERVER_PID=$!
    for _ in $(seq 1 100); do
        TC_PORT="$(grep -o 'listening on [0-9.]*:[0-9]*' "$out" | grep -o '[0-9]*$')"
        [ -n "$TC_PORT" ] && break
        sleep 0.05
    done
    rm -f "$out"
    if [ -z "${TC_PORT:-}" ]; then
        echo "tagcache-server did not start" >&2
        return 1
    fi
    echo "== tagcache-server pid $TC_SERVER_PID on 127.0.0.1:$TC_PORT"
}

tc_stop_server() {
    if [ -n "${TC_SERVER_PID:-}" ]; then
        kill "$TC_SERVER_PID" 2>/dev/null
        wait "$TC_SERVER_PID" 2>/dev/null
        TC_SERVER_PID=""
    fi
}
