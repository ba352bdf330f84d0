#!/bin/sh
# Builds a static libcap-ng for musl from Debian's source package.
#   build-libcap-ng-musl.sh WORKDIR MUSL_SPECS
# Leaves WORKDIR/install/{include/cap-ng.h,lib/libcap-ng.a}. The system's apt setup is
# untouched: the deb-src list and the package lists live under WORKDIR.
set -eu
work=$1
specs=$2
mkdir -p "$work"
cd "$work"
if [ -f install/lib/libcap-ng.a ]; then exit 0; fi

if ! ls libcap-ng_*.orig.tar.* >/dev/null 2>&1; then
    mkdir -p apt/sources.list.d apt/lists/partial apt/cache/archives/partial
    # The same mirrors and suites as the system's own Debian sources, as deb-src.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        sed 's/^Types:.*/Types: deb-src/' "$f" > "apt/sources.list.d/$(basename "$f")"
    done
    if [ -f /etc/apt/sources.list ]; then
        sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list \
            > apt/sources.list.d/from-sources-list.list
    fi
    opts="-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts=$work/apt/sources.list.d
          -o Dir::State::Lists=$work/apt/lists -o Dir::Cache=$work/apt/cache
          -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
    # shellcheck disable=SC2086
    apt-get $opts -qq update
    # shellcheck disable=SC2086
    apt-get $opts -qq source --download-only libcap-ng
fi

rm -rf src && mkdir src
tar -C src --strip-components=1 -xf libcap-ng_*.orig.tar.*
# Its constructor probes /proc and prctl (8 system calls, and a malloc through
# pthread_atfork) at every start, even when warden drops no privileges; every entry point
# of the library calls the same initialisation lazily, so warden pays it only with --user.
sed -i 's/^static void init_lib(void) __attribute__ ((constructor));$/static void init_lib(void);/' src/src/cap-ng.c
grep -q '^static void init_lib(void);$' src/src/cap-ng.c

# musl-gcc does not look in the kernel's headers; give it just those three.
mkdir -p kernel-headers
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
ln -sfn /usr/include/linux kernel-headers/linux
ln -sfn /usr/include/asm-generic kernel-headers/asm-generic
ln -sfn "/usr/include/$multiarch/asm" kernel-headers/asm

cd src
CC="gcc -specs $specs" CFLAGS="-O2 -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections -I$work/kernel-headers" \
    ./configure --disable-shared --enable-static --without-python --without-python3 --prefix="$work/install" >../configure.log 2>&1 ||
    { tail -20 ../configure.log >&2; exit 1; }
make -C src libcap-ng.la >../make.log 2>&1 || { tail -20 ../make.log >&2; exit 1; }
mkdir -p "$work/install/lib" "$work/install/include"
cp src/.libs/libcap-ng.a "$work/install/lib/"
cp src/cap-ng.h "$work/install/include/"
