#!/bin/sh
# Run by tests/fresh/run.sh as root inside the fresh machine: the README's two commands,
# read from README.md now, each exactly as written, from /root/warden, one after the
# other; the first that fails ends the tier.
set -eu
cd /root/warden
commands=$(sh tests/fresh/readme-commands.sh README.md)
while IFS= read -r command <&3; do
    echo "fresh: # $command"
    started=$(date +%s)
    status=0
    sh -c "$command" </dev/null || status=$?
    took=$(( $(date +%s) - started ))
    if [ "$status" != 0 ]; then
        echo "fresh: '$command' failed (exit $status) after $took s"
        exit 1
    fi
    echo "fresh: '$command' passed in $took s"
done 3<<END
$commands
END
