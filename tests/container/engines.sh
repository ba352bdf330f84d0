#!/bin/sh
# The container tier's second half (issue 20): warden under Podman (rootful and rootless,
# and `podman kube play`) and as the engines' own --init. run.sh calls it once the images
# are built. It installs Podman from Debian's packages if missing, configures it through
# files of its own (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF: the machine's global
# configuration is never edited), loads the images that run.sh built (docker save | podman
# load: no registry), creates a rootless test user with subordinate ids, starts a SECOND
# dockerd of its own with --init-path pointing at the built warden (the shared engine is
# never restarted), runs the tests, and stops only the processes it started. Arguments,
# if any, go to pytest instead of the four test files.
# Daemons start with descriptors 3-9 closed: one of them may be the lock that callers hold
# while the tier runs (flock), which a daemon must not keep.
set -eu
cd "$(dirname "$0")/../.."
repo=$(pwd)
lab=${WARDEN_LAB_DIR:-/var/tmp/warden-container-lab}/engines
start=$(date +%s)
mkdir -p "$lab"

need=""
for p in podman runc catatonit uidmap slirp4netns fuse-overlayfs python3-yaml; do
    dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
        need="$need $p"
done
if [ -n "$need" ]; then
    echo "engines: installing$need"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
        --no-install-recommends $need >"$lab/apt.log" 2>&1 || { tail -20 "$lab/apt.log"; exit 1; }
fi

# The warden inside the images, for --init-path on the host side.
holder=warden-engines-$$
docker create --name "$holder" local/warden-builder true >/dev/null
docker cp "$holder:/build/warden" "$lab/warden" >/dev/null
docker rm -f "$holder" >/dev/null
# Named docker-init for the second dockerd: it runs `INIT-PATH --version` on the host and
# parses tini's answer, which warden gives under that name.
mkdir -p "$lab/bin"
cp "$lab/warden" "$lab/bin/docker-init"
chmod 755 "$lab" "$lab/bin" "$lab/warden" "$lab/bin/docker-init"

# Podman, rootful: runc (crun refuses this machine's hybrid cgroup layout), cgroupfs (no
# systemd), events in a file, explicit limits (the runtime cannot set the defaults here),
# loopback-only containers, storage of its own.
cat >"$lab/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$lab/podman-events.log"
EOF
cat >"$lab/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$lab/podman-root"
runroot = "$lab/podman-run"
EOF
export CONTAINERS_CONF="$lab/containers.conf" CONTAINERS_STORAGE_CONF="$lab/storage.conf"
images="local/warden-test local/python-web local/postgres-warden local/nginx-warden"
# A store is loaded only when it does not hold these very images (the ids survive
# docker save | podman load): a second run of the tier saves a minute.
ids() {
    for i in $images; do "$@" image inspect --format '{{.Id}}' "$i" 2>/dev/null || echo none; done |
        sed 's/^sha256://'
}
wanted=$(ids docker)
if [ "$(cat "$lab/images.ids" 2>/dev/null)" != "$wanted" ]; then
    # shellcheck disable=SC2086
    docker save $images >"$lab/images.tar"
    printf '%s\n' "$wanted" >"$lab/images.ids"
fi
# The rootless user's: the same without the event log path, which only root may write.
grep -v '^events_logfile_path' "$lab/containers.conf" >"$lab/rootless-containers.conf"
# Its storage: overlay (the kernel mounts it in a user namespace), not the vfs Podman
# would fall back to.
cat >"$lab/rootless-storage.conf" <<EOF
[storage]
driver = "overlay"
rootless_storage_path = "$lab/rootless-home/storage"
EOF
chmod 644 "$lab/images.tar" "$lab/containers.conf" "$lab/rootless-containers.conf" \
    "$lab/rootless-storage.conf"
if [ "$(ids podman)" != "$wanted" ]; then
    podman load -i "$lab/images.tar" >"$lab/podman-load.log" 2>&1 || { cat "$lab/podman-load.log"; exit 1; }
fi
# The image name examples/kubernetes.yaml gives, so that `podman kube play` needs no pull.
podman tag local/python-web registry.example.com/python-web:1.0

# Rootless: a user of its own with 65536 subordinate ids, and a storage under its home.
rl_user=warden-rootless
rl_home=$lab/rootless-home
if ! id "$rl_user" >/dev/null 2>&1; then
    useradd --create-home --home-dir "$rl_home" --shell /bin/sh "$rl_user"
fi
grep -q "^$rl_user:" /etc/subuid || usermod --add-subuids 300000-365535 "$rl_user"
grep -q "^$rl_user:" /etc/subgid || usermod --add-subgids 300000-365535 "$rl_user"
rl_uid=$(id -u "$rl_user")
rl_run=$lab/rootless-run
mkdir -p "$rl_run"
chown "$rl_user:" "$rl_run"
chmod 700 "$rl_run"
rootless() {
    runuser -u "$rl_user" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$rl_home" \
        USER="$rl_user" XDG_RUNTIME_DIR="$rl_run" CONTAINERS_CONF="$lab/rootless-containers.conf" \
        CONTAINERS_STORAGE_CONF="$lab/rootless-storage.conf" "$@"
}
rootless_status=ok
# Its first command starts the pause process that keeps the user namespace.
if [ "$(ids rootless podman 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-)" = "$wanted" ]; then
    :
elif ! rootless podman load -i "$lab/images.tar" >"$lab/rootless-load.log" 2>&1 \
    3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; then
    rootless_status="rootless podman load failed: $(tail -1 "$lab/rootless-load.log")"
fi

# A second dockerd, the tier's own, whose --init is warden.
d2=$lab/dockerd
mkdir -p "$d2"
d2_started=""
stop_own_engines() {
    if [ -n "$d2_started" ] && kill -0 "$d2_started" 2>/dev/null; then
        kill -TERM "$d2_started"
        i=0
        while kill -0 "$d2_started" 2>/dev/null && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
    fi
    # The rootless user's pause process keeps its user namespace; ours to end.
    if [ -s "$rl_run/libpod/tmp/pause.pid" ]; then
        kill -TERM "$(cat "$rl_run/libpod/tmp/pause.pid")" 2>/dev/null || true
    fi
}
trap stop_own_engines EXIT
HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= \
    setsid /usr/sbin/dockerd --data-root "$d2/root" --exec-root "$d2/exec" \
    --pidfile "$d2/dockerd.pid" -H "unix://$d2/docker.sock" --init-path "$lab/bin/docker-init" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false \
    --storage-driver=overlay2 --exec-opt native.cgroupdriver=cgroupfs \
    >"$d2/dockerd.log" 2>&1 </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
d2_started=$!
i=0
until docker -H "unix://$d2/docker.sock" info >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -le 120 ] || { tail -20 "$d2/dockerd.log"; echo "engines: second dockerd did not start"; exit 1; }
    sleep 0.5
done
[ "$(ids docker -H "unix://$d2/docker.sock")" = "$wanted" ] ||
    docker -H "unix://$d2/docker.sock" load -i "$lab/images.tar" >/dev/null
echo "engines: Podman, rootless user and second dockerd (pid $d2_started) ready in $(( $(date +%s) - start )) s"

[ $# -gt 0 ] || set -- tests/container/test_podman.py tests/container/test_rootless.py \
    tests/container/test_engine_init.py tests/container/test_kube.py
status=0
WARDEN_ENGINES_LAB=$lab WARDEN_HOST_BINARY="$lab/warden" WARDEN_DOCKER2="unix://$d2/docker.sock" \
    WARDEN_ROOTLESS_USER=$rl_user WARDEN_ROOTLESS_UID=$rl_uid WARDEN_ROOTLESS_HOME=$rl_home \
    WARDEN_ROOTLESS_RUN=$rl_run WARDEN_ROOTLESS_STATUS=$rootless_status \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider --durations=8 --rootdir "$repo" "$@" || status=$?
echo "engines: done in $(( $(date +%s) - start )) s"
exit "$status"
