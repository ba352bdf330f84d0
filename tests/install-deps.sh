#!/bin/sh
# Installs, with apt-get, whatever building and testing warden needs and this machine
# lacks (Debian bookworm, as root). Installs nothing when everything is there.
set -eu

packages="cmake gcc make pkg-config musl-tools libcap-ng-dev check python3 python3-pytest
          util-linux procps file dpkg-dev clang libclang-rt-14-dev clang-format clang-tidy cppcheck
          iproute2"
missing=""
for p in $packages; do
    dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "install-deps: installing$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
