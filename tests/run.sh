#!/bin/sh
# The README's second command, and what CI runs: the whole suite, on the release build
# (static musl) and again on an ASan+UBSan build.
set -eu
cd "$(dirname "$0")/.."
sh tests/install-deps.sh
jobs=$(nproc)
start=$(date +%s)

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DWARDEN_INSTALL_LINKS=ON >/dev/null
cmake --build build -j"$jobs" >/dev/null
echo "== release build (static musl): ctest"
ctest --test-dir build --output-on-failure

cmake -S . -B build-asan -DWARDEN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
echo "== sanitizer build (ASan+UBSan): ctest"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure

echo "== static analysis: clang-format, cppcheck, clang-tidy"
clang-format --dry-run --Werror src/*.c src/*.h src/personas/*.c src/personas/*.h tests/unit/*.c \
    tests/unit/*.h tests/helpers/*.c fuzz/*.c
cppcheck --quiet --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
    -D_GNU_SOURCE -Isrc src/
clang-tidy -p build-asan --quiet src/*.c src/personas/*.c 2>/dev/null

echo "== fuzzing: every target for ${FUZZ_SECONDS:-20} s (longer: sh fuzz/run.sh SECONDS)"
sh fuzz/run.sh "${FUZZ_SECONDS:-20}"

if [ "${WARDEN_SKIP_CONTAINERS:-0}" = 1 ]; then
    echo "== container tier: skipped (WARDEN_SKIP_CONTAINERS=1)"
else
    echo "== container tier: a real Docker engine"
    sh tests/container/run.sh
fi

echo "== all suites passed in $(( $(date +%s) - start )) s"
