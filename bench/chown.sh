#!/bin/sh
# bench/chown.sh [--quick] [SIZE...]: the volume part of the benchmarks alone (see
# bench/chown.py): warden --chown, first run, already owned and root-mismatch, against
# chown -R and find ! -user -exec chown +, by tree size. Prints a markdown table.
set -eu
cd "$(dirname "$0")/.."
exec python3 bench/chown.py "$@"
