#!/usr/bin/env bash
# A thread-safe (ZTS) PHP for the threaded tests, built from the source
# package of the php8.2 version that Debian bookworm's main suite carries
# (Debian ships no ZTS binary), with the embed SAPI (libphp.so) for
# php-host/, plus igbinary and msgpack built against it.
#
# Installed into a cache directory keyed by that version and by this
# script's configure flags, so only the first run on a machine pays for
# the build (about 6 minutes on 2 cores); later runs reuse it:
#
#   ${TAGCACHE_CACHE:-$HOME/.cache/tagcache}/php-zts-<version>-<flags hash>/
#
# Source it for tc_zts_php (sets TC_ZTS_PREFIX, TC_ZTS_PHP,
# TC_ZTS_PHP_CONFIG), or run it: it builds if needed and prints the prefix.
#
#   TAGCACHE_CACHE            cache root (default $HOME/.cache/tagcache)
#   TAGCACHE_ZTS_PHP_VERSION  a Debian source version of php8.2 to build
#                             instead of bookworm main's
#   TAGCACHE_ZTS_JOBS         make -j (default: number of cores)
#
# apt is driven with a private state directory under the cache (its own
# deb-src list and package lists), so the system's apt sources are not
# changed. Build dependencies missing from the system are installed with
# apt-get.

declare -F tc_apt_install >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The configure line; any change here makes a new cache entry.
TC_ZTS_CONFIGURE_FLAGS=(
    --enable-zts --enable-embed --enable-cli
    --disable-cgi --disable-phpdbg --disable-all --without-pear
    --enable-pcntl --enable-posix --enable-tokenizer --enable-ctype
    --enable-sockets --enable-session --enable-filter
)

tc_zts_log() { echo "== zts: $*" >&2; }

tc_zts_cache_root() {
    echo "${TAGCACHE_CACHE:-$HOME/.cache/tagcache}"
}

# apt-get/apt-cache with the private source list under $1.
tc_zts_apt() {
    local dir="$1" tool="$2"
    shift 2
    "$tool" -q -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$dir/sources" \
        -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" "$@"
}

tc_zts_apt_update() {
    local dir="$1"
    mkdir -p "$dir/sources" "$dir/lists/partial" "$dir/cache/archives/partial" || return 1
    cat >"$dir/sources/bookworm-src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # Refresh at most once a day.
    if [ -z "$(find "$dir/lists" -maxdepth 1 -name '*bookworm_main_source_Sources*' -mmin -1440 2>/dev/null)" ]; then
        tc_zts_log "apt-get update (deb-src, private lists in $dir)"
        tc_zts_apt "$dir" apt-get update >&2 || return 1
    fi
}

# The version of source package $2 in bookworm main (the security suite's
# tarballs are not served, so its newer versions cannot be fetched).
tc_zts_main_version() {
    local dir="$1" pkg="$2" f
    f="$(ls "$dir"/lists/*_debian_dists_bookworm_main_source_Sources* 2>/dev/null | head -1)"
    [ -n "$f" ] || return 1
    /usr/lib/apt/apt-helper cat-file "$f" |
        awk -v want="$pkg" '$1 == "Package:" { p = ($2 == want) } p && $1 == "Version:" { print $2; exit }'
}

tc_zts_install_build_deps() {
    tc_apt_install build-essential pkg-config autoconf dpkg-dev xz-utils
}

# Builds a PECL-style extension (source package $2 at version $3) with the
# prefix's phpize and installs it, with a conf.d/<name>.ini that loads it.
tc_zts_build_pecl() {
    local apt="$1" pkg="$2" ver="$3" name="$4" prefix="$5" work="$6"
    local d="$work/$pkg"
    mkdir -p "$d" && (cd "$d" && tc_zts_apt "$apt" apt-get source --download-only "$pkg=$ver" >&2) || return 1
    local orig
    orig="$(ls "$d"/*.orig.tar.* | grep -v '\.asc$' | head -1)"
    mkdir -p "$d/src" && tar -xf "$orig" -C "$d/src" || return 1
    # The orig tarballs hold package.xml and one <name>-<version>/ directory.
    local src
    src="$(find "$d/src" -mindepth 1 -maxdepth 2 -name config.m4 -printf '%h\n' | head -1)"
    [ -n "$src" ] || { tc_zts_log "$pkg: no config.m4"; return 1; }
    (
        cd "$src" &&
            "$prefix/bin/phpize" >&2 &&
            ./configure --with-php-config="$prefix/bin/php-config" >&2 &&
            make -j"${TAGCACHE_ZTS_JOBS:-$(nproc)}" >&2 &&
            make install >&2
    ) || return 1
    echo "extension=$name.so" >"$prefix/etc/conf.d/20-$name.ini"
}

# Makes sure the ZTS PHP is built; sets TC_ZTS_PREFIX, TC_ZTS_PHP and
# TC_ZTS_PHP_CONFIG. Returns non-zero if it cannot be built.
tc_zts_php() {
    local cache apt ver flags_hash safe prefix
    cache="$(tc_zts_cache_root)"
    apt="$cache/apt"
    mkdir -p "$cache" || return 1
    ver="${TAGCACHE_ZTS_PHP_VERSION:-}"
    if [ -z "$ver" ]; then
        # A cache entry of any version built by these flags is used as is
        # when the version cannot be looked up (no network).
        tc_zts_apt_update "$apt" || tc_zts_log "apt-get update failed; trying the cache"
        ver="$(tc_zts_main_version "$apt" php8.2)"
    fi
    flags_hash="$(printf '%s\n' "${TC_ZTS_CONFIGURE_FLAGS[@]}" | sha1sum | cut -c1-8)"
    if [ -z "$ver" ]; then
        prefix="$(ls -d "$cache"/php-zts-*-"$flags_hash" 2>/dev/null | tail -1)"
        if [ -z "$prefix" ] || [ ! -f "$prefix/.complete" ]; then
            tc_zts_log "cannot find php8.2 in bookworm main and no cached build"
            return 1
        fi
    else
        safe="$(echo "$ver" | tr -c 'A-Za-z0-9.+\n-' '_')"
        prefix="$cache/php-zts-$safe-$flags_hash"
    fi

    if [ ! -f "$prefix/.complete" ]; then
        # One build at a time per cache entry, even across sessions.
        exec 9>"$prefix.lock" || return 1
        tc_zts_log "waiting for the build lock $prefix.lock"
        flock 9 || return 1
        if [ ! -f "$prefix/.complete" ]; then
            tc_zts_build "$apt" "$ver" "$prefix" || { flock -u 9; exec 9>&-; return 1; }
        fi
        flock -u 9
        exec 9>&-
    fi
    TC_ZTS_PREFIX="$prefix"
    TC_ZTS_PHP="$prefix/bin/php"
    TC_ZTS_PHP_CONFIG="$prefix/bin/php-config"
    export TC_ZTS_PREFIX TC_ZTS_PHP TC_ZTS_PHP_CONFIG
}

tc_zts_build() {
    local apt="$1" ver="$2" prefix="$3"
    local t0 work
    t0=$(date +%s)
    tc_zts_install_build_deps || return 1
    work="$(mktemp -d "${TMPDIR:-/tmp}/tagcache-zts-build.XXXXXX")" || return 1
    rm -rf "$prefix"
    tc_zts_log "building php8.2 $ver (ZTS, embed) into $prefix; log in $work/build.log"
    (
        set -e
        cd "$work"
        tc_zts_apt "$apt" apt-get source --download-only "php8.2=$ver"
        # The upstream tarball as Debian ships it; Debian's patches are
        # packaging changes that would need autoconf to be rerun.
        mkdir src
        tar -xf "$(ls php8.2_*.orig.tar.* | grep -v '\.asc$' | head -1)" -C src --strip-components=1
        cd src
        ./configure --prefix="$prefix" \
            --with-config-file-path="$prefix/etc" \
            --with-config-file-scan-dir="$prefix/etc/conf.d" \
            "${TC_ZTS_CONFIGURE_FLAGS[@]}"
        make -j"${TAGCACHE_ZTS_JOBS:-$(nproc)}"
        make install
        mkdir -p "$prefix/etc/conf.d"
    ) >"$work/build.log" 2>&1
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -40 "$work/build.log" >&2
        tc_zts_log "FAILED building php8.2 $ver (log: $work/build.log)"
        rm -rf "$prefix"
        return 1
    fi
    # igbinary and msgpack, so the serializer tests apply under ZTS too. A
    # failure here is not fatal: those tests then skip with their reason.
    local pkg pver
    for pkg in igbinary msgpack; do
        pver="$(tc_zts_main_version "$apt" "php-$pkg")"
        if [ -z "$pver" ] || ! tc_zts_build_pecl "$apt" "php-$pkg" "$pver" "$pkg" "$prefix" "$work" >>"$work/build.log" 2>&1; then
            tc_zts_log "php-$pkg could not be built for ZTS; its tests will skip (log: $work/build.log)"
        fi
    done
    "$prefix/bin/php" -v >&2 || { rm -rf "$prefix"; return 1; }
    touch "$prefix/.complete"
    rm -rf "$work"
    tc_zts_log "built in $(($(date +%s) - t0)) s"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -uo pipefail
    tc_zts_php || exit 1
    echo "$TC_ZTS_PREFIX"
fi
