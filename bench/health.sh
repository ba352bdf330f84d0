#!/bin/sh
# bench/health.sh [--quick]: the cost of --health (see bench/health.py): CPU per check
# in-process against exec'ing `warden probe` and `curl -f` per check, and the idle
# wake-ups with --health-interval 10 over 60 s. Installs Debian's curl and strace.
set -eu
cd "$(dirname "$0")/.."
sh tests/install-deps.sh curl strace procps
exec python3 bench/health.py "$@"
