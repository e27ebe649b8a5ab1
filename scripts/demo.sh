#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build the
# extension and the reference server, start the server, run the example
# (put, get, invalidate by tag), stop the server.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tc_install_deps
tc_build
tc_start_server
trap tc_stop_server EXIT
TAGCACHE_PORT="$TC_PORT" php -d "extension=$TC_SO" "$root/examples/example.php"
