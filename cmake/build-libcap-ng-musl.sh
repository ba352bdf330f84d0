#!/bin/sh
# Builds a static libcap-ng for musl from Debian's source package.
#   build-libcap-ng-musl.sh WORKDIR MUSL_SPECS [CC [SOURCES_DIR]]
# Leaves WORKDIR/install/{include/cap-ng.h,lib/libcap-ng.a}. CC (default gcc) may be a
# cross gcc: the library is then built for its architecture. SOURCES_DIR (default WORKDIR)
# keeps the downloaded source package (cmake/debian-source.sh).
set -eu
work=$1
specs=$2
cc=${3:-gcc}
sources=${4:-$1}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
cd "$work"
if [ -f install/lib/libcap-ng.a ]; then exit 0; fi

sh "$here/debian-source.sh" "$sources" libcap-ng "$work/src"
# Its constructor probes /proc and prctl (8 system calls, and a malloc through
# pthread_atfork) at every start, even when warden drops no privileges; every entry point
# of the library calls the same initialisation lazily, so warden pays it only with --user.
sed -i 's/^static void init_lib(void) __attribute__ ((constructor));$/static void init_lib(void);/' src/src/cap-ng.c
grep -q '^static void init_lib(void);$' src/src/cap-ng.c

# musl-gcc does not look in the kernel's headers; give it just those three. asm/ is the
# target's: Debian's multiarch linux-libc-dev, or the cross one (linux-libc-dev-ARCH-cross).
mkdir -p kernel-headers
triplet=$($cc -dumpmachine)
multiarch=$($cc -print-multiarch 2>/dev/null || echo "$triplet")
asm=/usr/include/$multiarch/asm
[ -d "$asm" ] || asm=/usr/$triplet/include/asm
[ -d "$asm" ] || { echo "build-libcap-ng-musl: no kernel headers for $triplet (linux-libc-dev)" >&2; exit 1; }
ln -sfn /usr/include/linux kernel-headers/linux
ln -sfn /usr/include/asm-generic kernel-headers/asm-generic
ln -sfn "$asm" kernel-headers/asm

cd src
CC="$cc -specs $specs" CFLAGS="-O2 -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections -I$work/kernel-headers" \
    ./configure --host="$triplet" --disable-shared --enable-static --without-python --without-python3 \
    --prefix="$work/install" >../configure.log 2>&1 ||
    { tail -20 ../configure.log >&2; exit 1; }
make -C src libcap-ng.la >../make.log 2>&1 || { tail -20 ../make.log >&2; exit 1; }
mkdir -p "$work/install/lib" "$work/install/include"
cp src/.libs/libcap-ng.a "$work/install/lib/"
cp src/cap-ng.h "$work/install/include/"
