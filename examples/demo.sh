#!/bin/sh
# warden as PID 1 of a fresh PID namespace: the program leaves orphans behind and then
# receives a SIGTERM, as `docker stop` would send it.
set -eu
cd "$(dirname "$0")/.."
WARDEN=${WARDEN:-build/warden}
# warden refuses a WARDEN_* variable that no option of its reads: the test scripts' own
# (WARDEN_SKIP_FRESH, WARDEN_SKIP_CONTAINERS) are not meant for it.
for name in $(env | sed -n 's/^\(WARDEN_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$name"; done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/ready"

echo "demo: unshare --pid --fork --mount-proc $WARDEN -v -- sh -c '...'"
unshare --pid --fork --mount-proc "$WARDEN" -v -- sh -c '
    echo "app: I am PID $$ in the namespace; leaving three orphans behind"
    for i in 1 2 3; do (sleep 1000 &); done
    trap "echo app: got SIGTERM, exiting with status 3; exit 3" TERM
    echo ready > "$0"
    sleep 1000 & wait $!' "$dir/ready" &
outer=$!
read _ < "$dir/ready"

# warden is the child of unshare; /proc tells its pid as seen from here.
warden_pid=""
for stat in /proc/[0-9]*/stat; do
    set -- $(sed 's/.*) //' "$stat" 2>/dev/null || true)
    if [ "${2:-}" = "$outer" ]; then warden_pid=${stat#/proc/}; warden_pid=${warden_pid%/stat}; fi
done
echo "demo: warden now has $(ps --no-headers --ppid "$warden_pid" | wc -l) children: the app and the three orphans it adopted"
echo "demo: kill -TERM $warden_pid (warden, PID 1 inside)"
kill -TERM "$warden_pid"
status=0
wait "$outer" || status=$?
echo "demo: warden exited with status $status (the program's own)"
