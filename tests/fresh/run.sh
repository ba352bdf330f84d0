#!/bin/sh
# The fresh-machine tier: the README's two commands, exactly as README.md writes them, run
# as root on a pristine Debian bookworm (debootstrap minbase, tests/fresh/rootfs.sh) that
# holds a clean `git archive HEAD` of this repository at /root/warden. A package the
# project needs but its scripts do not install fails here, whatever this machine has.
# The machine gets its own mount and PID namespaces (pivot_root rather than chroot alone,
# so that the tests can make PID, mount and user namespaces of their own) and the host's
# network; inside, the container tier is off (no engine inside an engine), and so is this
# tier. Downloaded .debs are kept in /var/tmp/warden-fresh/apt-archives for the next run
# (hard links in and out, so that two runs at once never share apt's archive lock).
set -eu
cd "$(dirname "$0")/../.."
lab=${WARDEN_FRESH_DIR:-/var/tmp/warden-fresh}
start=$(date +%s)
mkdir -p "$lab/apt-archives"

git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    { echo "fresh: $(pwd) is not a git clone: the tier needs git archive HEAD"; exit 1; }
sh tests/fresh/readme-commands.sh README.md >/dev/null
tarball=$(sh tests/fresh/rootfs.sh bookworm)
root=$(mktemp -d "$lab/root.XXXXXX")
trap 'rm -rf --one-file-system "$root"' EXIT
trap 'exit 1' HUP INT TERM
tar --numeric-owner -C "$root" -xpf "$tarball"
chmod 755 "$root"
mkdir "$root/root/warden"
git archive HEAD | tar -C "$root/root/warden" -x
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
cp -l "$lab/apt-archives"/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
# The proxy the host's apt goes through, if any, the machine's apt needs too.
apt-config dump | grep -Ei '^Acquire::(https?|ftp)::Proxy ' \
    >"$root/etc/apt/apt.conf.d/98host-proxy" || true
echo "fresh: pristine bookworm and git archive HEAD ($(git rev-parse --short HEAD)) ready" \
    "in $(( $(date +%s) - start )) s"

# A clean environment and default signal dispositions, as a root login has (a CI runner
# or a shell's background job may start this with SIGINT and SIGQUIT ignored);
# --kill-child: nothing outlives the tier.
status=0
env -i --default-signal HOME=/root USER=root LOGNAME=root SHELL=/bin/sh TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    CI="${CI:-true}" ${FUZZ_SECONDS:+FUZZ_SECONDS=$FUZZ_SECONDS} \
    WARDEN_SKIP_CONTAINERS=1 WARDEN_SKIP_FRESH=1 \
    unshare --mount --propagation private --pid --fork --kill-child sh -eu -c '
        root=$1
        mount --bind "$root" "$root"
        mount -t proc proc "$root/proc"
        mount --rbind /sys "$root/sys"
        mount --rbind /dev "$root/dev"
        cd "$root"
        pivot_root . mnt
        umount -l /mnt
        exec chroot . sh /root/warden/tests/fresh/inside.sh' sh "$root" </dev/null || status=$?
cp -ln "$root/var/cache/apt/archives"/*.deb "$lab/apt-archives/" 2>/dev/null || true
if [ "$status" != 0 ]; then
    echo "fresh: FAILED (exit $status) after $(( $(date +%s) - start )) s"
    exit 1
fi
echo "fresh: tier passed in $(( $(date +%s) - start )) s"
