#!/usr/bin/env bash
# Memory checks of the tagcache extension under valgrind memcheck (slow:
# not part of CI). Three parts:
#   1. the phpt suite (php-tests/*.phpt) via run-tests.php -m
#   2. the stress harness (php-tests/stress/run.php --quick, reduced by
#      STRESS_SCALE) with php under valgrind, forked workers included
#   3. php-tests/stress/memory.php --quick (memory growth, no valgrind)
# and a summary: valgrind errors and definitely/indirectly lost bytes, in
# total and in loss records whose stack names libtagcache / tagcache::.
#
#   TAGCACHE_SO          extension (default: $CARGO_TARGET_DIR or target/ release/libtagcache.so)
#   TAGCACHE_SERVER_BIN  server binary (default: next to the extension)
#   STRESS_SCALE         stress scale under valgrind (default 0.03)
#   VG_OUT               directory for logs (default: a new temp dir)
#   VG_PARTS             which parts to run (default "phpt stress memory")
# Exit status: 0 when no part failed and nothing attributable to tagcache
# was found; 1 otherwise.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
php_bin="$(command -v "${PHP:-php}")" || { echo "valgrind.sh: php not found" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not installed" >&2; exit 2; }

target="${CARGO_TARGET_DIR:-$root/target}"
so="${TAGCACHE_SO:-$target/release/libtagcache.so}"
case "$so" in /*) ;; *) so="$(pwd)/$so" ;; esac
server_bin="${TAGCACHE_SERVER_BIN:-$(dirname "$so")/tagcache-server}"
[ -f "$so" ] || { echo "valgrind.sh: extension not found: $so" >&2; exit 2; }
[ -x "$server_bin" ] || { echo "valgrind.sh: server not found: $server_bin" >&2; exit 2; }
export TAGCACHE_SERVER_BIN="$server_bin"

run_tests="${RUN_TESTS:-$("$php_bin" -r 'echo PHP_EXTENSION_DIR;')/build/run-tests.php}"
[ -f "$run_tests" ] || run_tests=/usr/lib/php/20220829/build/run-tests.php

out="${VG_OUT:-$(mktemp -d /tmp/tagcache-valgrind.XXXXXX)}"
mkdir -p "$out"
parts="${VG_PARTS:-phpt stress memory}"
echo "valgrind.sh: extension $so, logs in $out"

# The server is not under test: start it once, plainly.
"$server_bin" --port 0 >"$out/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null' EXIT
port=""
for _ in $(seq 100); do
    port="$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$out/server.log")"
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { echo "valgrind.sh: server did not start" >&2; cat "$out/server.log"; exit 2; }
echo "valgrind.sh: server on 127.0.0.1:$port"

status=0
# One-time allocations made while PHP loads and starts the extension
# (ext-php-rs's module entry, class entries, lazy statics) are "definitely
# lost" at exit because PHP dlclose()s the .so (ZEND_DONTUNLOAD_MODULES is
# not honoured by this PHP build): a fixed ~0.8 KB per process, not a leak
# that grows. They are suppressed (and counted in the summary as such);
# everything allocated later, per request or per call, is checked.
cat >"$out/startup.supp" <<'SUPP'
{
   php-extension-load-once
   Memcheck:Leak
   match-leak-kinds: definite,indirect
   ...
   fun:php_load_extension
}
{
   php-extension-startup-once
   Memcheck:Leak
   match-leak-kinds: definite,indirect
   ...
   fun:zend_startup_module_ex
}
SUPP
vg_opts="--leak-check=full --show-leak-kinds=definite,indirect --keep-debuginfo=yes --num-callers=40 --suppressions=$out/startup.supp"

# 1. phpt suite under valgrind (run-tests.php -m writes a .mem file per test with findings).
if [[ " $parts " == *" phpt "* ]]; then
    # A copy of the tests (run-tests.php writes its .mem/.diff files beside
    # them), laid out like the repository for tests that look at ../stubs.
    phpt_dir="$out/tree/php-tests"
    rm -rf "$out/tree"; mkdir -p "$phpt_dir"
    cp "$root"/php-tests/*.phpt "$root"/php-tests/*.inc "$phpt_dir"/
    ln -s "$root/stubs" "$out/tree/stubs"
    echo "== phpt under valgrind ($(ls "$phpt_dir"/*.phpt | wc -l) tests)"
    TAGCACHE_PORT="$port" TAGCACHE_HOST=127.0.0.1 TAGCACHE_SO="$so" \
    VALGRIND_OPTS="$vg_opts" \
    USE_ZEND_ALLOC=0 ZEND_DONTUNLOAD_MODULES=1 NO_INTERACTION=1 REPORT_EXIT_STATUS=1 \
        "$php_bin" "$run_tests" -p "$php_bin" -q --no-progress -m -j2 \
        -d "extension=$so" "$phpt_dir" >"$out/phpt.log" 2>&1
    rc=$?
    grep -E '^(Tests (passed|failed)|Tests skipped|Tests leaked|FAIL|LEAK)' "$out/phpt.log" | sed 's/^/   /'
    [ "$rc" -eq 0 ] || { echo "   run-tests.php exit $rc (see $out/phpt.log)"; status=1; }
fi

# 2. stress harness with php (and its forked workers) under valgrind
# (pcre.jit=0: the PCRE JIT reads 16 bytes at a time past string ends, a
# known memcheck false positive).
if [[ " $parts " == *" stress "* ]]; then
    echo "== stress --quick under valgrind (STRESS_SCALE=${STRESS_SCALE:-0.03})"
    mkdir -p "$out/stress"
    rm -f "$out"/stress/vg.*.log
    USE_ZEND_ALLOC=0 ZEND_DONTUNLOAD_MODULES=1 STRESS_SCALE="${STRESS_SCALE:-0.03}" STRESS_SLOW=10 \
        valgrind --tool=memcheck $vg_opts \
        --error-exitcode=99 --trace-children=yes \
        --trace-children-skip='*tagcache-server*' --trace-children-skip-by-arg='*proxy.php*' \
        --log-file="$out/stress/vg.%p.log" \
        "$php_bin" -d pcre.jit=0 -d "extension=$so" "$root/php-tests/stress/run.php" --quick --port "$port" \
        >"$out/stress.log" 2>&1
    rc=$?
    sed 's/^/   /' "$out/stress.log"
    [ "$rc" -eq 0 ] || { echo "   stress exit $rc (99 = valgrind errors in the main process)"; status=1; }
fi

# 3. memory growth (no valgrind: RSS under valgrind means nothing).
if [[ " $parts " == *" memory "* ]]; then
    echo "== memory.php --quick"
    "$php_bin" -d "extension=$so" "$root/php-tests/stress/memory.php" --quick --port "$port" >"$out/memory.log" 2>&1
    rc=$?
    grep -E '^[a-z/]+ +[0-9]+ iterations|^!|^(PASS|FAIL)' "$out/memory.log" | sed 's/^/   /'
    [ "$rc" -eq 0 ] || status=1
fi

# Summary over every valgrind log (phpt .mem files and the stress logs).
echo "== summary"
"$php_bin" -n -r '
$files = array_merge(glob($argv[1] . "/tree/php-tests/*.mem") ?: [], glob($argv[1] . "/stress/vg.*.log") ?: []);
$tot = ["errors" => 0, "definitely" => 0, "indirectly" => 0];
$tc = ["errors" => 0, "definitely" => 0, "indirectly" => 0];
$shown = 0;
foreach ($files as $f) {
    $text = (string) file_get_contents($f);
    foreach (preg_split("/^==\d+== \n/m", $text) as $block) {
        $mine = preg_match("/libtagcache|tagcache::/", $block) === 1;
        if (preg_match("/([\d,]+) bytes in [\d,]+ blocks are (definitely|indirectly) lost/", $block, $m)) {
            $n = (int) str_replace(",", "", $m[1]);
            $tot[$m[2]] += $n;
            if ($mine) { $tc[$m[2]] += $n; }
        } elseif (preg_match("/^==\d+== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and destination)/m", $block)) {
            $tot["errors"]++;
            if ($mine) { $tc["errors"]++; }
        } else {
            continue;
        }
        if ($mine && $shown++ < 5) {
            echo "--- ", basename($f), "\n", implode("\n", array_slice(explode("\n", trim($block)), 0, 25)), "\n";
        }
    }
}
$supp = 0;
foreach ($files as $f) {
    if (preg_match_all("/suppressed: ([\d,]+) bytes/", (string) file_get_contents($f), $mm)) {
        foreach ($mm[1] as $x) { $supp += (int) str_replace(",", "", $x); }
    }
}
printf("valgrind logs: %d (one-time module load/startup allocations suppressed: %d bytes in total)\n", count($files), $supp);
printf("all:      %d errors, %d bytes definitely lost, %d bytes indirectly lost\n", $tot["errors"], $tot["definitely"], $tot["indirectly"]);
printf("tagcache: %d errors, %d bytes definitely lost, %d bytes indirectly lost\n", $tc["errors"], $tc["definitely"], $tc["indirectly"]);
exit(array_sum($tc) > 0 ? 1 : 0);
' "$out"
[ $? -eq 0 ] || status=1
echo "valgrind.sh: $([ "$status" -eq 0 ] && echo OK || echo FAILED) (logs in $out)"
exit "$status"
