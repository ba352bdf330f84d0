#!/bin/sh
# Builds musl from Debian's source package with a cross gcc, for an architecture whose
# Debian release has no musl-dev (riscv64 in bookworm).
#   build-musl.sh WORKDIR CC SOURCES_DIR
# Leaves WORKDIR/install/{include,lib} and WORKDIR/install/lib/musl-gcc.specs, the specs
# file that makes CC compile and link against it (what Debian's musl-dev:ARCH installs).
set -eu
work=$1
cc=$2
sources=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
cd "$work"
if [ -f install/lib/musl-gcc.specs ]; then exit 0; fi

sh "$here/debian-source.sh" "$sources" musl "$work/src"
triplet=$($cc -dumpmachine)
cd src
# The flags of Debian's own build (debian/rules): the gcc wrapper gives the specs file.
./configure --target="$triplet" CROSS_COMPILE="$triplet-" CC="$cc" --prefix="$work/install" \
    --disable-shared --enable-gcc-wrapper=yes >../configure.log 2>&1 ||
    { tail -20 ../configure.log >&2; exit 1; }
make -j"$(nproc)" install-libs install-headers >../make.log 2>&1 ||
    { tail -20 ../make.log >&2; exit 1; }
test -f "$work/install/lib/musl-gcc.specs"
