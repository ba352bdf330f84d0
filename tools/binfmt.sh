#!/bin/sh
# Makes binfmt_misc start foreign binaries of one architecture under Debian's
# qemu-user-static, with the F flag (interpreter opened when registered: works inside
# containers and mount namespaces) and the P flag (argv[0] kept: warden's personalities).
#   sh tools/binfmt.sh QEMU_NAME      (aarch64, arm, i386, ppc64le, s390x, riscv64, ...)
# Debian registers every architecture but the host's own family; for i386 on an amd64
# kernel without IA32 emulation it registers an entry of its own (until reboot).
set -eu
q=$1
[ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
entry=/proc/sys/fs/binfmt_misc/qemu-$q
[ -e "$entry" ] || update-binfmts --enable "qemu-$q" >/dev/null 2>&1 || true
if [ ! -e "$entry" ] && [ "$q" = i386 ]; then
    entry=/proc/sys/fs/binfmt_misc/warden-qemu-i386
    [ -e "$entry" ] || printf '%s' ':warden-qemu-i386:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-i386-static:PF' \
        >/proc/sys/fs/binfmt_misc/register
fi
[ -e "$entry" ] || { echo "binfmt: no binfmt_misc entry for $q (qemu-user-static, binfmt-support)"; exit 1; }
grep -qx enabled "$entry" || update-binfmts --enable "qemu-$q" >/dev/null
grep -qx enabled "$entry" || { echo "binfmt: $entry is disabled"; exit 1; }
grep -q '^flags: .*F' "$entry" || { echo "binfmt: $entry has no F flag"; exit 1; }
