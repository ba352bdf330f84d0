#!/bin/sh
# Installs with apt-get what cross-building and emulating warden needs (Debian bookworm, as
# root), for the architectures named (Docker's names, cmake/arches.txt; default: all):
# Debian's cross gcc, musl-dev:ARCH and, for the unit tests, check:ARCH, libcap-ng-dev:ARCH
# (dpkg multiarch) and libc6-dev-ARCH-cross, qemu-user-static. Installs nothing when
# everything is there.
#   sh tools/install-cross-deps.sh [ARCH...]
set -eu
cd "$(dirname "$0")/.."
. tools/arches.sh
host=$(dpkg --print-architecture)
packages="cmake make gcc pkg-config file dpkg-dev util-linux qemu-user-static binfmt-support"
new_arch=0
# shellcheck disable=SC2048 # architecture names never hold spaces
for arch in ${*:-$(all_arches)}; do
    arch_row "$arch"
    if [ "$deb" = "$host" ]; then
        packages="$packages libc6-dev musl-tools check libcap-ng-dev"
        continue
    fi
    # The cross glibc (with the kernel's headers) lets CMake check the compiler.
    packages="$packages gcc-$(echo "$prefix" | tr _ -) libc6-dev-$deb-cross"
    # Not a release architecture of bookworm: musl and Check are built from source.
    [ "$musl" = source ] && continue
    if ! dpkg --print-foreign-architectures | grep -qx "$deb"; then
        dpkg --add-architecture "$deb"
        new_arch=1
    fi
    packages="$packages musl-dev:$deb check:$deb libcap-ng-dev:$deb"
done

missing=""
for p in $packages; do
    dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
        missing="$missing $p"
done
[ -n "$missing" ] || [ "$new_arch" = 1 ] || exit 0
echo "install-cross-deps: installing$missing"
apt-get -o DPkg::Lock::Timeout=600 update -qq
[ -z "$missing" ] && exit 0
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends $missing >/dev/null
