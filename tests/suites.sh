#!/bin/sh
# Every suite but the engines': the release build (static musl) and an ASan+UBSan build with
# their unit and integration tests, the static analysers, the fuzzers, and the seven
# architectures under qemu-user. tests/run.sh runs this on a pristine machine (the
# fresh-machine tier) or, with WARDEN_SKIP_FRESH=1, right here.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)

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

# Issue 19: every architecture, cross-built (tools/release.sh fills dist/) and tested under
# qemu-user (tests/emulated/run.sh); WARDEN_SKIP_EMULATED=1 leaves it out.
if [ "${WARDEN_SKIP_EMULATED:-0}" = 1 ]; then
    echo "== emulated tier: skipped (WARDEN_SKIP_EMULATED=1)"
else
    echo "== emulated tier: seven architectures under qemu-user"
    sh tests/emulated/run.sh
fi

