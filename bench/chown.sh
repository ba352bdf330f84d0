#!/bin/sh
# bench/chown.sh [ENTRIES]: warden --chown against chown -R and find ! -user -exec chown +,
# first run (tree owned by root) and second run (tree already owned), median of 3, warm
# cache, same machine and run. Prints a markdown table; also used by bench/run.sh.
set -eu
cd "$(dirname "$0")/.."
WARDEN=${WARDEN:-build/warden}
entries=${1:-200000}
dir=$(mktemp -d /var/tmp/warden-bench-chown.XXXXXX)
trap 'rm -rf "$dir"' EXIT
python3 bench/mktree.py "$dir/tree" "$entries" >/dev/null
count=$(find "$dir/tree" | wc -l)

now() { date +%s%N; }
# median of three timings (ms) of: reset-command ; measured-command
median3() {
    reset=$1; shift
    for i in 1 2 3; do
        sh -c "$reset"
        sync
        t0=$(now); "$@" >/dev/null; t1=$(now)
        echo $(( (t1 - t0) / 1000000 ))
    done | sort -n | sed -n 2p
}
to_root="chown -R 0:0 $dir/tree"
to_user="chown -R 1000:1000 $dir/tree"
w_first=$(median3 "$to_root" "$WARDEN" --user 1000:1000 --chown "$dir/tree" true)
c_first=$(median3 "$to_root" chown -R 1000:1000 "$dir/tree")
f_first=$(median3 "$to_root" find "$dir/tree" ! -user 1000 -exec chown 1000:1000 {} +)
w_again=$(median3 "$to_user" "$WARDEN" --user 1000:1000 --chown "$dir/tree" true)
c_again=$(median3 "$to_user" chown -R 1000:1000 "$dir/tree")
f_again=$(median3 "$to_user" find "$dir/tree" ! -user 1000 -exec chown 1000:1000 {} +)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "| $count entries | first run (ms) | ratio to chown -R | already owned (ms) | ratio to chown -R |"
echo "|---|---:|---:|---:|---:|"
echo "| chown -R | $c_first | 1.00 | $c_again | 1.00 |"
echo "| find ! -user -exec chown + | $f_first | $(ratio "$f_first" "$c_first") | $f_again | $(ratio "$f_again" "$c_again") |"
echo "| warden --chown | $w_first | $(ratio "$w_first" "$c_first") | $w_again | $(ratio "$w_again" "$c_again") |"
