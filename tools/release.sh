#!/bin/sh
# The release: a static musl warden for every architecture of cmake/arches.txt, cross-built
# on this machine from Debian's packages, each one's unit tests run under qemu-user, into
# dist/: warden-linux-ARCH, warden_VERSION_DEBARCH.deb, SHA256SUMS.
#   sh tools/release.sh [ARCH...]     (Docker's names; default: all seven)
# Installs what it needs (tools/install-cross-deps.sh); builds in build-cross/ARCH.
set -eu
cd "$(dirname "$0")/.."
. tools/arches.sh
start=$(date +%s)
arches=${*:-$(all_arches)}
# shellcheck disable=SC2086 # one argument per architecture
sh tools/install-cross-deps.sh $arches
jobs=$(nproc)
top=$PWD/build-cross
mkdir -p "$top"

# One architecture: configure, build, unit tests under qemu-user, .deb. Its output goes to
# build-cross/ARCH.log, whose end is shown when a step fails.
build_one() {
    arch=$1
    dir=$top/$arch
    log=$top/$arch.log
    : >"$log"
    step() {
        "$@" >>"$log" 2>&1 || { echo "release: $arch: '$*' failed:"; tail -25 "$log"; return 1; }
    }
    t0=$(date +%s)
    step cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DWARDEN_ARCH="$arch" \
        -DWARDEN_SOURCES_DIR="$top/debian-sources"
    step cmake --build "$dir" -j"$jobs"
    step ctest --test-dir "$dir" -R '^unit$' --output-on-failure
    rm -f "$dir"/warden_*.deb
    (cd "$dir" && step cpack -G DEB)
    echo "release: $arch built, unit tests passed (under qemu-user unless native), in $(( $(date +%s) - t0 )) s"
}

# Two architectures at a time: the single-threaded configure steps leave a core free.
pids=""
failed=0
running=0
for arch in $arches; do
    build_one "$arch" &
    pids="$pids $!"
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        # shellcheck disable=SC2086
        set -- $pids
        wait "$1" || failed=1
        shift
        pids="$*"
        running=$((running - 1))
    fi
done
for pid in $pids; do wait "$pid" || failed=1; done
[ "$failed" = 0 ] || { echo "release: failed"; exit 1; }

rm -rf dist
mkdir dist
for arch in $arches; do
    arch_row "$arch"
    cp "$top/$arch/warden" "dist/warden-linux-$arch"
    cp "$top/$arch"/warden_*_"$deb".deb dist/
    what=$(file -b "dist/warden-linux-$arch")
    case $what in
    "$machine"*"statically linked"*) ;;
    *) echo "release: dist/warden-linux-$arch is not a static $arch binary: $what"; exit 1 ;;
    esac
    [ "$(dpkg-deb -f dist/warden_*_"$deb".deb Architecture)" = "$deb" ] ||
        { echo "release: the $arch .deb is not for $deb"; exit 1; }
done
(cd dist && sha256sum warden-linux-* warden_*.deb >SHA256SUMS)
echo "release: dist/ (bytes, file):"
for arch in $arches; do
    printf '  %-24s %7s  %s\n' "warden-linux-$arch" "$(stat -c %s "dist/warden-linux-$arch")" \
        "$(file -b "dist/warden-linux-$arch" | cut -d, -f1-2)"
done
echo "release: $(find dist -name "*.deb" | wc -l) .debs and SHA256SUMS; done in $(( $(date +%s) - start )) s"
