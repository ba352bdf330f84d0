#!/bin/sh
# The README's first command: dependencies, the release build, and a short demo.
set -eu
cd "$(dirname "$0")/.."
sh tests/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "setup: built $(pwd)/build/warden ($(stat -c %s build/warden) bytes, $(file -b build/warden | grep -o 'statically linked'))"
exec sh examples/demo.sh
