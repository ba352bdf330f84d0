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
. tools/arches.sh
start=$(date +%s)
sh tools/release.sh "$@"
arches=${*:-$(all_arches)}
work=$PWD/build-cross/emulated
mkdir -p "$work"

# binfmt_misc starts foreign binaries under qemu. The F flag (interpreter opened when it is
# registered) makes it work inside the tests' mount namespaces, the P flag keeps argv[0]
# (the personalities). Debian registers every architecture but the host's own family: for
# i386 on an amd64 kernel without IA32 emulation, an entry of our own (until reboot).
[ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
binfmt() { # arch qemu
    "$work/$1/warden" --version >/dev/null 2>&1 && return 0
    entry=/proc/sys/fs/binfmt_misc/qemu-$2
    [ -e "$entry" ] || update-binfmts --enable "qemu-$2" >/dev/null 2>&1 || true
    if [ ! -e "$entry" ] && [ "$2" = i386 ]; then
        entry=/proc/sys/fs/binfmt_misc/warden-qemu-i386
        printf '%s' ':warden-qemu-i386:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-i386-static:PF' \
            >/proc/sys/fs/binfmt_misc/register
    fi
    grep -qx enabled "$entry" 2>/dev/null || update-binfmts --enable "qemu-$2" >/dev/null
    grep -q '^flags: .*F' "$entry" || { echo "emulated: $entry has no F flag"; exit 1; }
    "$work/$1/warden" --version >/dev/null || { echo "emulated: $1 binaries do not start"; exit 1; }
}

# The programs warden runs in the tests: the machine's own.
cc -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$work/wt" tests/helpers/wt.c
tests=$(grep -v '^#' tests/emulated/subset.txt)
cd tests/integration
for arch in $arches; do
    arch_row "$arch"
    # The tests find warden by its process name: the binary is called warden.
    mkdir -p "$work/$arch"
    cp "../../dist/warden-linux-$arch" "$work/$arch/warden"
    binfmt "$arch" "$qemu"
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
echo "== emulated tier: $(echo "$tests" | wc -l) of $all integration tests and every unit test ran for: $(echo $arches)"
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
