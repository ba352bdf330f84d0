#!/bin/sh
# Makes an arm64 Debian image on this amd64 machine, with no registry: debootstrap --foreign
# downloads and unpacks the arm64 packages, then its second stage runs the arm64 dpkg
# itself under qemu-user (binfmt_misc), and the tree is imported as a linux/arm64 image.
#   sh tests/container/arm64-base.sh IMAGE LAB_DIR     (nothing to do if IMAGE exists)
set -eu
cd "$(dirname "$0")/../.."
image=$1
lab=$2
suite=bookworm
docker image inspect "$image" >/dev/null 2>&1 && exit 0
sh tests/install-deps.sh qemu-user-static binfmt-support debootstrap
sh tools/binfmt.sh aarch64
# shellcheck disable=SC2016
mirror=$(apt-get indextargets --format '$(REPO_URI)' "Origin: Debian" "Release: $suite" \
    "Identifier: Packages" | head -n 1)
rootfs=$(mktemp -d /var/tmp/warden-rootfs-arm64.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
t0=$(date +%s)
debootstrap --foreign --arch=arm64 --variant=minbase "$suite" "$rootfs" "$mirror" \
    >"$lab/debootstrap-arm64.log" 2>&1 || { tail -20 "$lab/debootstrap-arm64.log"; exit 1; }
chroot "$rootfs" /debootstrap/debootstrap --second-stage >>"$lab/debootstrap-arm64.log" 2>&1 ||
    { tail -20 "$lab/debootstrap-arm64.log"; exit 1; }
[ "$(chroot "$rootfs" dpkg --print-architecture)" = arm64 ]
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar --numeric-owner -C "$rootfs" -c . |
    docker import --platform linux/arm64 -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
if [ "$(docker image inspect --format '{{.Architecture}}' "$image")" != arm64 ]; then
    # An engine before Docker 23 ignores import --platform.
    docker save "$image" | python3 tests/container/set-image-arch.py arm64 | docker load >/dev/null
fi
echo "container: made $image (arm64) with debootstrap --foreign and qemu-user in $(( $(date +%s) - t0 )) s"
