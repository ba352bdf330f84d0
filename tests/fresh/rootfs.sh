#!/bin/sh
# rootfs.sh [SUITE]: prints the path of a pristine Debian SUITE (default bookworm) root file
# system tarball, made once with debootstrap --variant=minbase and kept under
# /var/tmp/warden-rootfs for later runs. Nothing beyond the minimal base is installed; apt
# is pointed at the host's own Debian mirrors (as its own sources.list) and the package
# lists and downloaded .debs are removed. The fresh-machine tier unpacks it; the container
# tier imports it as its base image.
set -eu
cd "$(dirname "$0")/../.."
suite=${1:-bookworm}
cache=${WARDEN_ROOTFS_DIR:-/var/tmp/warden-rootfs}
tarball=$cache/$suite-minbase.tar
mkdir -p "$cache"
# Two tiers (or two runs) may ask at once: one makes it, the other waits.
exec 9>"$cache/lock"
flock 9
if [ -s "$tarball" ]; then
    echo "$tarball"
    exit 0
fi
sh tests/install-deps.sh debootstrap >&2
# shellcheck disable=SC2016
mirror=$(apt-get indextargets --format '$(REPO_URI)' "Origin: Debian" "Release: $suite" \
    "Identifier: Packages" | head -n 1)
if [ -z "$mirror" ]; then
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    # shellcheck disable=SC2016
    mirror=$(apt-get indextargets --format '$(REPO_URI)' "Origin: Debian" "Release: $suite" \
        "Identifier: Packages" | head -n 1)
fi
[ -n "$mirror" ] || { echo "rootfs: no Debian $suite mirror in apt's sources" >&2; exit 1; }
rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
trap 'rm -rf --one-file-system "$rootfs"' EXIT
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; echo "rootfs: debootstrap failed" >&2; exit 1; }
# shellcheck disable=SC2016
apt-get indextargets --format 'deb $(REPO_URI) $(RELEASE) $(COMPONENT)' "Origin: Debian" \
    "Identifier: Packages" | sort -u >"$rootfs/etc/apt/sources.list"
# The host's mirrors may be snapshots whose Release files have expired.
printf 'Acquire::Check-Valid-Until "false";\n' >"$rootfs/etc/apt/apt.conf.d/99warden-tests"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
chmod 755 "$rootfs" # mktemp made it 0700: apt's _apt user could not reach /var/lib/apt
tar --numeric-owner -C "$rootfs" -cf "$tarball.part" .
mv "$tarball.part" "$tarball"
echo "rootfs: made $tarball with debootstrap ($suite, minbase)" >&2
echo "$tarball"
