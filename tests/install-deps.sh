#!/bin/sh
# Installs, with apt-get, whatever building and testing warden needs and this machine
# lacks (Debian bookworm, as root). Installs nothing when everything is there.
#   sh tests/install-deps.sh            the build and test dependencies
#   sh tests/install-deps.sh PKG...     these packages instead (the container tier's)
set -eu

packages=${*:-"cmake gcc make pkg-config musl-tools libcap-ng-dev check python3 python3-pytest
          util-linux procps file dpkg-dev clang libclang-rt-14-dev clang-format clang-tidy cppcheck
          iproute2 tini gosu dumb-init catatonit strace postgresql dnsmasq-base libcap2-bin"}
missing=""
for p in $packages; do
    dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
        missing="$missing $p"
done
[ -n "$missing" ] || exit 0
echo "install-deps: installing$missing"
# Another apt-get may hold the lock (a build or test elsewhere): wait up to 10 min.
apt-get -o DPkg::Lock::Timeout=600 update -qq
# A package must not start a service here (docker.io would start a dockerd with its default
# bridge and iptables settings): a temporary policy-rc.d, if the system has none.
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
fi
status=0
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends $missing \
    >/dev/null || status=$?
[ "$made_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d
exit "$status"
