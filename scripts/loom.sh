#!/usr/bin/env bash
# The connection pool's model tests under loom (src/client/pool_loom.rs,
# docs/concurrency.md): every interleaving of their 2-3 threads up to
# LOOM_MAX_PREEMPTIONS preemptions (default 3; 4 takes a few minutes).
#
# The --cfg loom build has its own target directory (target/loom, or
# $LOOM_TARGET_DIR): its RUSTFLAGS differ from the normal build's, so
# sharing one would rebuild everything both ways. It is a debug build with
# line tables only (half the disk of full debug info, backtraces keep their
# lines): the models run in seconds, and a cold build plus the run takes
# about 3 minutes on 2 cores.
#
# Extra arguments go to the test binary (e.g. a test name, --nocapture to
# see how many interleavings each model ran). Prints "N passed, N failed"
# last; exits non-zero on failure.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
echo "loom.sh: LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS"
(
    cd "$root" &&
        RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="${LOOM_TARGET_DIR:-$root/target/loom}" \
            CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}" \
            cargo test --locked --lib -- loom_model "$@" 2>&1
) | tee "$log"
rc=${PIPESTATUS[0]}

p=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^passed;/) s += $i } END { print s + 0 }' "$log")
f=$(awk '/^test result:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^failed;/) s += $i } END { print s + 0 }' "$log")
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
    echo "loom.sh: no model test ran"
    f=1
fi
echo "$p passed, $f failed"
[ "$rc" -eq 0 ] && [ "$f" -eq 0 ]
