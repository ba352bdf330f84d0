#!/bin/sh
# Unpacks the upstream sources of one Debian source package.
#   debian-source.sh SOURCES_DIR PACKAGE DEST
# SOURCES_DIR keeps the downloaded tarballs (and its own apt lists), so that builds for
# several architectures fetch each package once. The system's apt setup is untouched: the
# deb-src list and the package lists live under SOURCES_DIR.
set -eu
sources=$1
package=$2
dest=$3
mkdir -p "$sources"
sources=$(cd "$sources" && pwd)
# Builds for several architectures may share SOURCES_DIR: one download at a time.
exec 9>"$sources/.lock"
flock 9
if ! ls "$sources/${package}"_*.orig.tar.* >/dev/null 2>&1; then
    apt=$sources/apt
    mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$apt/cache/archives/partial"
    # The same mirrors and suites as the system's own Debian sources, as deb-src.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        sed 's/^Types:.*/Types: deb-src/' "$f" >"$apt/sources.list.d/$(basename "$f")"
    done
    if [ -f /etc/apt/sources.list ]; then
        sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list \
            >"$apt/sources.list.d/from-sources-list.list"
    fi
    opts="-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts=$apt/sources.list.d
          -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache
          -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
    cd "$sources"
    if ! ls "$apt"/lists/*Sources* >/dev/null 2>&1; then
        # shellcheck disable=SC2086
        apt-get $opts -qq update
    fi
    # shellcheck disable=SC2086
    apt-get $opts -qq source --download-only "$package"
fi
rm -rf "$dest"
mkdir -p "$dest"
for tarball in "$sources/${package}"_*.orig.tar.*; do
    case $tarball in *.asc) continue ;; esac
    tar -C "$dest" --strip-components=1 -xf "$tarball"
    exit 0
done
echo "debian-source: no source tarball of $package in $sources" >&2
exit 1
