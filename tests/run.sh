#!/bin/sh
# The README's second command, and what CI runs: the whole suite, on the release build
# (static musl) and again on an ASan+UBSan build.
set -eu
cd "$(dirname "$0")/.."
sh tests/install-deps.sh
jobs=$(nproc)
start=$(date +%s)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" >/dev/null
echo "== release build (static musl): ctest"
ctest --test-dir build --output-on-failure

cmake -S . -B build-asan -DWARDEN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
echo "== sanitizer build (ASan+UBSan): ctest"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure

echo "== all suites passed in $(( $(date +%s) - start )) s"
