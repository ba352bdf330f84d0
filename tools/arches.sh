# Sourced by the release and emulation scripts: reads cmake/arches.txt.
#   arch_row NAME    sets deb, prefix, musl, qemu and machine for Docker's architecture NAME
#   all_arches       prints every NAME, those whose musl is built from source
#                    first (the longest builds)
# Sourced from the repository's top directory.
arches_file=$PWD/cmake/arches.txt

arch_row() {
    # Docker's TARGETARCH+TARGETVARIANT spellings too, as cmake/cross.cmake takes them.
    case $1 in arm | armv7) set -- armv7 ;; arm64v8) set -- arm64 ;; esac
    row=$(grep "^$1 " "$arches_file") || { echo "unknown architecture '$1' (cmake/arches.txt)" >&2; return 1; }
    # shellcheck disable=SC2034 # used by the scripts that source this file
    read -r _ deb prefix musl qemu machine <<EOR
$row
EOR
}

all_arches() {
    awk '/^#/ {next} $4 == "source" {print $1; next} {rest = rest $1 "\n"} END {printf "%s", rest}' \
        "$arches_file"
}
