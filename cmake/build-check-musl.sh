#!/bin/sh
# Builds Check (the unit-test library) for musl from Debian's source package, for an
# architecture with no Debian check:ARCH (riscv64 in bookworm).
#   build-check-musl.sh WORKDIR MUSL_SPECS CC SOURCES_DIR
# Leaves WORKDIR/install/{include/check.h,lib/libcheck.a}.
set -eu
work=$1
specs=$2
cc=$3
sources=$4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
cd "$work"
if [ -f install/lib/libcheck.a ]; then exit 0; fi

sh "$here/debian-source.sh" "$sources" check "$work/src"
cd src
CC="$cc -specs $specs" CFLAGS="-O2" ./configure --host="$($cc -dumpmachine)" \
    --disable-shared --enable-static --disable-subunit --disable-build-docs \
    --prefix="$work/install" >../configure.log 2>&1 || { tail -20 ../configure.log >&2; exit 1; }
{ make -C lib && make -C src install; } >../make.log 2>&1 || { tail -20 ../make.log >&2; exit 1; }
cp check_stdint.h "$work/install/include/"
