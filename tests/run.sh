#!/bin/sh
# The README's second command, and what CI runs. The suites (tests/suites.sh: release and
# ASan+UBSan builds, analysers, fuzzing, seven architectures under emulation) run once, on
# a pristine Debian bookworm made for the purpose (the fresh-machine tier, tests/fresh/,
# which runs the README's two commands inside it): a package the project's scripts forget
# fails there, whatever this machine has. Then the tiers that need a container engine run
# here. Inside the fresh machine (WARDEN_SKIP_FRESH=1, which a developer may also set for a
# quicker run on their own machine) the suites run right here instead.
set -eu
cd "$(dirname "$0")/.."
sh tests/install-deps.sh
start=$(date +%s)

if [ "${WARDEN_SKIP_FRESH:-0}" = 1 ]; then
    echo "== fresh-machine tier: not run (WARDEN_SKIP_FRESH=1): the suites run on this machine"
    sh tests/suites.sh
else
    echo "== fresh-machine tier: the README's two commands, every suite, on a pristine Debian bookworm"
    sh tests/fresh/run.sh
fi

if [ "${WARDEN_SKIP_CONTAINERS:-0}" = 1 ]; then
    echo "== container tier: not run (WARDEN_SKIP_CONTAINERS=1)"
else
    echo "== container tier: real Docker and Podman engines"
    sh tests/container/run.sh
fi

echo "== all suites passed in $(( $(date +%s) - start )) s"
