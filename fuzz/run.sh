#!/bin/sh
# fuzz/run.sh [SECONDS]: builds every libFuzzer target (clang, ASan+UBSan), replays the
# committed regression inputs and seed corpus, then fuzzes each target for SECONDS
# (default 60). Fails on any crash; a crash's input is left in build-fuzz/crashes/ and
# belongs in fuzz/regressions/TARGET/ once fixed.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=build-fuzz
mkdir -p "$out/crashes"
sources=$(ls src/*.c src/personas/*.c | grep -v -e src/main.c -e src/sanitize.c)
for target in users options probe; do
    # shellcheck disable=SC2086
    clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -D_GNU_SOURCE -Isrc -o "$out/fuzz_$target" "fuzz/fuzz_$target.c" $sources \
        -lcap-ng -lpthread
    mkdir -p "$out/corpus-$target" "fuzz/regressions/$target"
    if ls "fuzz/regressions/$target"/* >/dev/null 2>&1; then
        "$out/fuzz_$target" -runs=0 -close_fd_mask=3 "fuzz/regressions/$target"/* >"$out/$target.replay.log" 2>&1 ||
            { tail -30 "$out/$target.replay.log"; echo "fuzz: $target: a regression input fails"; exit 1; }
    fi
    "$out/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=3 \
        -artifact_prefix="$out/crashes/$target-" "$out/corpus-$target" "fuzz/corpus/$target" \
        >"$out/$target.log" 2>&1 ||
        { tail -40 "$out/$target.log"; echo "fuzz: $target crashed (input in $out/crashes/)"; exit 1; }
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/$target.log" | awk '{print $2}')
    [ -n "$runs" ] || runs=$(grep -Eo '#[0-9]+' "$out/$target.log" | tail -1 | tr -d '#')
    echo "fuzz: $target: ${seconds}s, ${runs:-?} executions, no crash"
done
