#!/bin/sh
# cmake --install with WARDEN_INSTALL_LINKS=ON: every tool name is a link to warden, and
# each answers as that tool.
set -eu
build=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
DESTDIR=$root cmake --install "$build" --prefix /usr >/dev/null
bin=$root/usr/bin
check() { # tool, expected start of its version line, version option
    link=$(readlink "$bin/$1")
    [ "$link" = warden ] || { echo "$1 -> '$link', not warden"; exit 1; }
    out=$("$bin/$1" "$3" 2>&1)
    case $out in
    "$2"*) echo "ok: $1 $3: $out" ;;
    *) echo "$1 $3 said '$out', expected '$2...'"; exit 1 ;;
    esac
}
check tini "tini version " --version
check docker-init "tini version " --version
check dumb-init "dumb-init v" --version
check catatonit "tini version " --version
check gosu "1.17" --version
check setpriv "setpriv from util-linux" --version
[ -L "$bin/su-exec" ] && "$bin/su-exec" nobody true
echo "ok: su-exec nobody true"
