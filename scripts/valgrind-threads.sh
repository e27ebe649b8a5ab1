#!/usr/bin/env bash
# Race detection with helgrind and DRD over tests/pool_threads.rs (four
# threads sharing one client and pool of two against the reference server),
# in a build whose pool uses primitives those tools follow:
# RUSTFLAGS="--cfg tagcache_valgrind" swaps parking_lot, crossbeam's
# ArrayQueue and the pool's atomics for pthread mutexes and condition
# variables (src/client/sync.rs, docs/concurrency.md). The normal build's
# primitives are futexes and atomic instructions, which neither tool can
# see: there every hand-over is a "possible data race".
#
# Each error context is put in a class by its innermost frame outside
# Rust's std and the C libraries: tagcache (this repository's src/),
# test-code (tests/, e.g. the test harness's generated main), dep:<crate>,
# or runtime (std and libc only). The run passes when the test passes and
# no context is in class tagcache; the others are listed, not hidden.
#
#   POOL_THREADS_ROUNDS  rounds per thread (default 200)
#   VG_TOOLS             which tools (default "helgrind drd")
#   VG_CONTROL=1         also run helgrind over the normal build (release,
#                        target/), for comparison; never fails the run
#   VG_TARGET_DIR        the tagcache_valgrind build (default target/valgrind;
#                        a debug build, about 3 minutes cold on 2 cores)
#   VG_OUT               where the logs go (default: a new temp dir)
# Not part of CI (scripts/test.sh). Prints "N passed, N failed" last (one
# per tool); exits non-zero on failure.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tc_install_deps valgrind || exit 2
target="${VG_TARGET_DIR:-$root/target/valgrind}"
out="${VG_OUT:-$(mktemp -d /tmp/tagcache-vg-threads.XXXXXX)}"
mkdir -p "$out"
export POOL_THREADS_ROUNDS="${POOL_THREADS_ROUNDS:-200}"
echo "valgrind-threads.sh: logs in $out, $POOL_THREADS_ROUNDS rounds per thread"

# The test binary of a build: cargo prints its path in its JSON messages.
test_bin() {
    local json
    json=$(cd "$root" && cargo test --locked --test pool_threads --no-run --message-format=json "$@") || return 1
    echo "$json" | grep -o '"executable":"[^"]*pool_threads[^"]*"' | tail -1 | cut -d'"' -f4
}

echo "== build (--cfg tagcache_valgrind, $target)"
bin=$(RUSTFLAGS="--cfg tagcache_valgrind" CARGO_TARGET_DIR="$target" test_bin) && [ -x "$bin" ] ||
    { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
(cd "$root" && RUSTFLAGS="--cfg tagcache_valgrind" CARGO_TARGET_DIR="$target" \
    cargo build --locked -q -p tagcache-server) || { echo "server build failed"; echo "0 passed, 1 failed"; exit 1; }
export TAGCACHE_SERVER_BIN="$target/debug/tagcache-server"

# Reads a helgrind or DRD log; prints "class<TAB>error line<TAB>frame" for
# each error context (see the header for the classes). Only the stacks of
# the conflicting accesses count, not where the memory was allocated.
classify='
function flush() {
    if (!rec) return
    cls = "runtime"; where = first_any
    if (own != "") {
        where = own
        if (index(own, root "src/")) cls = "tagcache"
        else if (index(own, root)) cls = "test-code"
        else if (match(own, /registry\/src\/[^\/]+\/[^\/]+\//)) {
            dep = substr(own, RSTART, RLENGTH)
            sub(/registry\/src\/[^\/]+\//, "", dep); sub(/\/$/, "", dep)
            cls = "dep:" dep
        }
    }
    sub(/^ *(at|by) 0x[0-9A-F]+: /, "", where)
    print cls "\t" header "\t" where
    rec = 0
}
{ sub(/^==[0-9]+== /, "") }
/^(Possible data race|Conflicting (load|store)|Lock order|Thread #[0-9]+|Probably a race|Mutex |Condition variable |The object at|Recursive|Destroying locked|Reader-writer lock)/ {
    if ($0 ~ /^Thread #[0-9]+ was created/ || $0 ~ /^Thread #[0-9]+ is the program/) { flush(); next }
    flush(); rec = 1; header = $0; own = ""; first_any = ""; access = 1; next
}
/^This conflicts with a previous/ { access = 1; next }
/^(Address 0x|Allocation context|Other segment|Block was alloc|---)/ { access = 0; next }
rec && access && /^ *(at|by) 0x/ {
    if (first_any == "") first_any = $0
    if (own == "" && $0 ~ /\(\// && $0 !~ /\/rustc\// && $0 !~ /\(in \//) own = $0
}
END { flush() }'

passed=0
failed=0
run_tool() {
    local tool="$1" exe="$2" name="$3"
    local log="$out/$name.log"
    echo
    echo "== $name: valgrind --tool=$tool tests/pool_threads.rs"
    local t0=$SECONDS
    valgrind --tool="$tool" --num-callers=40 --fullpath-after= --log-file="$log" \
        "$exe" --exact four_threads_share_one_pool --test-threads=1 >"$out/$name.out" 2>&1
    local rc=$?
    echo "test exit $rc ($((SECONDS - t0)) s); $(grep -h 'ERROR SUMMARY' "$log" | sed 's/^==[0-9]*== //')"
    awk -v root="$root/" "$classify" "$log" >"$out/$name.contexts"
    echo "error contexts by class:"
    cut -f1 "$out/$name.contexts" | sort | uniq -c | sed 's/^/  /'
    echo "innermost frames outside std, per class (contexts):"
    awk -F'\t' '$1 != "runtime" { print $1 "  " $3 }' "$out/$name.contexts" | sort | uniq -c | sort -rn | head -15 | sed 's/^/  /'
    ours=$(awk -F'\t' '$1 == "tagcache"' "$out/$name.contexts" | wc -l)
    if [ "$rc" -ne 0 ]; then
        tail -20 "$out/$name.out"
    fi
    [ "$rc" -eq 0 ] && [ "$ours" -eq 0 ]
}

for tool in ${VG_TOOLS:-helgrind drd}; do
    if run_tool "$tool" "$bin" "$tool"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $tool found error contexts in src/ (or the test failed): $out/$tool.log"
        failed=$((failed + 1))
    fi
done

if [ "${VG_CONTROL:-0}" = 1 ]; then
    echo
    echo "== control: the normal release build (parking_lot, ArrayQueue, atomics), not gated"
    if cbin=$(test_bin --release) && [ -x "$cbin" ]; then
        run_tool helgrind "$cbin" helgrind-control || true
    fi
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
