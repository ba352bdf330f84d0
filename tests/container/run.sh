#!/bin/sh
# The container tier: warden in a real Docker engine, the way users run it. Installs the
# engine if missing (apt-get), starts a throwaway one if none answers (and stops only what
# it started), makes a Debian base image with debootstrap (no registry is needed or
# reached), builds Dockerfile.test and the examples, then runs test_containers.py.
set -eu
cd "$(dirname "$0")/../.."
lab=${WARDEN_LAB_DIR:-/var/tmp/warden-container-lab}
suite=bookworm
base=local/$suite:base
mkdir -p "$lab"
start=$(date +%s)

sh tests/install-deps.sh docker.io containerd runc debootstrap docker-compose

started=""
stop_engine() {
    if [ -n "$started" ] && kill -0 "$started" 2>/dev/null; then
        kill -TERM "$started"
        i=0
        while kill -0 "$started" 2>/dev/null && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
    fi
}
trap stop_engine EXIT
if ! docker info >/dev/null 2>&1; then
    # No bridge, no iptables: containers get loopback only; image pulls go to a dead proxy
    # and fail at once instead of leaving the machine.
    HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= \
        setsid /usr/sbin/dockerd --pidfile "$lab/dockerd.pid" \
        --bridge=none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
        --storage-driver=overlay2 --exec-opt native.cgroupdriver=cgroupfs \
        >"$lab/dockerd.log" 2>&1 </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
    # (3-9 closed: a caller's flock descriptor must not live on in the engine)
    started=$!
    i=0
    until docker info >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -le 120 ] || { tail -20 "$lab/dockerd.log"; echo "container: dockerd did not start"; exit 1; }
        sleep 0.5
    done
    echo "container: started a throwaway dockerd (pid $started)"
fi

if ! docker image inspect "$base" >/dev/null 2>&1; then
    # The same pristine debootstrap root file system as the fresh-machine tier's, made once.
    tarball=$(sh tests/fresh/rootfs.sh "$suite")
    docker import -c 'CMD ["/bin/bash"]' "$tarball" "$base" >/dev/null
    echo "container: made $base from $tarball"
fi

build() {
    tag=$1
    shift
    DOCKER_BUILDKIT=0 docker build --pull=false --network=host --build-arg "BASE=$base" \
        --build-arg WARDEN_IMAGE=local/warden-builder -t "$tag" "$@" >"$lab/build-${tag##*/}.log" 2>&1 ||
        { tail -30 "$lab/build-${tag##*/}.log"; echo "container: building $tag failed"; exit 1; }
}
build local/warden-builder --target builder -f Dockerfile.test .
build local/warden-test -f Dockerfile.test .
build local/python-web examples/python-web
build local/postgres-warden examples/postgres
build local/nginx-warden examples/nginx
# The names examples/compose.yaml gives its images.
for image in python-web postgres-warden nginx-warden; do docker tag "local/$image" "$image"; done
echo "container: images built in $(( $(date +%s) - start )) s"

# Debian's python3, which tests/install-deps.sh gives pytest.
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/container/test_containers.py \
    tests/container/test_test_image.py tests/container/test_health.py
# Issue 15: PostgreSQL stops cleanly with a client connected (local/postgres-warden).
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/container/test_clean_stop.py

# Issue 19: the arm64 binary as PID 1 of an arm64 container, under qemu-user (binfmt_misc).
[ -f dist/warden-linux-arm64 ] || sh tools/release.sh arm64
sh tests/container/arm64-base.sh local/$suite-arm64:base "$lab"
WARDEN_ARM64=dist/warden-linux-arm64 WARDEN_ARM64_IMAGE=local/$suite-arm64:base \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/container/test_arm64.py

# Issue 20: Podman (rootful, rootless, `podman kube play`) and warden as the engines' own
# --init (a second dockerd of engines.sh's own; this one is left as it is).
sh tests/container/engines.sh
echo "container: tier done in $(( $(date +%s) - start )) s"
