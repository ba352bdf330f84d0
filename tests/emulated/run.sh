#!/bin/sh
# The emulated tier: warden for every architecture of cmake/arches.txt, under Debian's
# qemu-user-static. tools/release.sh cross-builds the static binaries into dist/ and runs
# each one's unit tests under qemu-user; then the integration tests of subset.txt run
# against each foreign binary in dist/, started through binfmt_misc (warden as PID 1 of a
# fresh PID namespace; the programs it runs are the machine's own). What is not run under
# emulation is named at the end, with the reason.
#   sh tests/emulated/run.sh [ARCH...]     (Docker's names; default: all seven)
set -eu
cd "$(dirname "$0")/../.."
# warden refuses a WARDEN_* variable that no option of its reads, --version included: the
# test scripts' own (WARDEN_SKIP_FRESH inside the fresh-machine tier) are not meant for it.
for name in $(env | sed -n 's/^\(WARDEN_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$name"; done
. tools/arches.sh
start=$(date +%s)
sh tools/release.sh "$@"
arches=${*:-$(all_arches)}
work=$PWD/build-cross/emulated
mkdir -p "$work"

# The programs warden runs in the tests: the machine's own.
cc -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$work/wt" tests/helpers/wt.c tests/helpers/wt_serve.c tests/helpers/wt_seccomp.c
tests=$(grep -v '^#' tests/emulated/subset.txt)
cd tests/integration
for arch in $arches; do
    arch_row "$arch"
    # The tests find warden by its process name: the binary is called warden.
    mkdir -p "$work/$arch"
    cp "../../dist/warden-linux-$arch" "$work/$arch/warden"
    # binfmt_misc starts the foreign binary under qemu (tools/binfmt.sh), unless it runs here.
    "$work/$arch/warden" --version >/dev/null 2>&1 || sh ../../tools/binfmt.sh "$qemu"
    "$work/$arch/warden" --version >/dev/null || { echo "emulated: $arch binaries do not start"; exit 1; }
    how="under qemu-$qemu"
    [ "$deb" != "$(dpkg --print-architecture)" ] || how="natively (this machine's own)"
    echo "== emulated: $arch $how: $(echo "$tests" | wc -l) integration tests"
    t0=$(date +%s)
    # shellcheck disable=SC2086
    TESTED_WARDEN=$work/$arch/warden WT_BIN=$work/wt PYTHONDONTWRITEBYTECODE=1 \
        /usr/bin/python3 -m pytest -q -p no:cacheprovider $tests
    echo "emulated: $arch done in $(( $(date +%s) - t0 )) s"
done

all=$(/usr/bin/python3 -m pytest -q -p no:cacheprovider --collect-only ./test_*.py 2>/dev/null |
    grep -c '::')
echo "== emulated tier: $(echo "$tests" | wc -l) of $all integration tests and every unit test ran for: $(echo "$arches" | tr "\n" " ")"
cat <<'EON'
emulated: NOT run under emulation (they run natively in the release and sanitizer tiers):
  every [child] variant and test_orphans_are_adopted_when_not_pid1, test_pdeathsig_*: qemu-user
    7.2 has no PR_SET_CHILD_SUBREAPER (EINVAL), which warden needs when it is not PID 1;
  test_command_not_found_is_127, test_command_not_executable_is_126, test_path_lookup_*:
    qemu-user runs vfork as fork, so the exec error the child leaves in shared memory is lost;
  test_setuid_or_setgid_install_is_refused, test_setuid_helper_gains_nothing_*: binfmt_misc
    without the C flag ignores the set-id bits of a foreign binary;
  the rest (storms, fd limits, probes, personalities but docker-init's version, the other
    volume and privilege cases): the tier's time budget.
EON
echo "== emulated tier done in $(( $(date +%s) - start )) s"
