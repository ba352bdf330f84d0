"""Issue 20: warden under rootless Podman. engines.sh made a user with 65536 subordinate
ids (uidmap's newuidmap) and loaded the images into its own storage. Inside, "root" is that
unprivileged host user and container uid N (N >= 1) is host uid SUBUID_START + N - 1:
`--user` and `--chown` must give the volume to that mapped user, and what the namespace
cannot do must fail with one warden line and leave the volume as it was."""
import os
import shutil

import pytest

from enginelib import FACTS, LAB, command, name, parse_facts, proc_status

USER = os.environ.get("WARDEN_ROOTLESS_USER", "")
HOME = os.environ.get("WARDEN_ROOTLESS_HOME", "")
RUN = os.environ.get("WARDEN_ROOTLESS_RUN", "")
UID = int(os.environ.get("WARDEN_ROOTLESS_UID", "-1"))
STATUS = os.environ.get("WARDEN_ROOTLESS_STATUS", "not set up (run through engines.sh)")
WEB = "localhost/local/python-web"
TEST = "localhost/local/warden-test"
# Podman would start the image's HEALTHCHECK from systemd timers, which this machine lacks.
WARDEN = ("--no-healthcheck", "--entrypoint", "/usr/local/bin/warden")


def rootless(*args, check=True):
    """Podman as the rootless user, with the tier's containers.conf, nothing else."""
    if STATUS != "ok":
        raise AssertionError(f"rootless Podman is not usable here: {STATUS}")
    env = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", f"HOME={HOME}", f"USER={USER}",
           f"XDG_RUNTIME_DIR={RUN}", f"CONTAINERS_CONF={LAB}/rootless-containers.conf",
           f"CONTAINERS_STORAGE_CONF={LAB}/rootless-storage.conf"]
    return command(["runuser", "-u", USER, "--", *env, "podman", *args], check=check)


def subordinate_start():
    with open("/etc/subuid") as f:
        for line in f:
            user, start, _count = line.strip().split(":")
            if user == USER:
                return int(start)
    raise AssertionError(f"{USER} has no subordinate uids")


# The image's app user, 1000:999, seen from the host.
APP = (subordinate_start() + 999, subordinate_start() + 998) if USER else None


def owners(top):
    """Host (uid, gid) of top and every entry below it."""
    found = {".": (os.lstat(top).st_uid, os.lstat(top).st_gid)}
    for root, dirs, files in os.walk(top):
        for entry in dirs + files:
            path = os.path.join(root, entry)
            st = os.lstat(path)
            found[os.path.relpath(path, top)] = (st.st_uid, st.st_gid)
    return found


@pytest.fixture
def volume():
    made = name()
    rootless("volume", "create", made)
    path = rootless("volume", "inspect", "--format", "{{.Mountpoint}}", made).stdout.strip()
    yield made, path
    rootless("volume", "rm", "-f", made, check=False)


@pytest.fixture
def host_dir():
    """A directory of the rootless user's, to bind-mount (container root owns it)."""
    path = os.path.join(LAB, name("bind"))
    os.mkdir(path)
    os.chown(path, UID, UID)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_rootless_pid_1_is_warden_as_namespace_root():
    result = rootless("run", "--rm", TEST, "sh", "-c", FACTS + "; cat /proc/self/uid_map",
                      check=False)
    assert result.returncode == 0, result.stderr
    first, pid1, own = parse_facts(result.stdout)
    assert first[:2] == ["/usr/local/bin/warden", "--"]
    assert proc_status(pid1, "Uid") == ["0"] * 4
    maps = [line.split() for line in own.splitlines() if line.strip()[:1].isdigit()]
    assert maps == [["0", str(UID), "1"], ["1", str(subordinate_start()), "65536"]], own


def test_user_and_chown_give_a_named_volume_to_the_mapped_user(volume):
    vol, path = volume
    result = rootless("run", "--rm", "-v", f"{vol}:/data", *WARDEN, WEB, "--user", "app",
                      "--chown", "/data", "--", "sh", "-c",
                      "touch /data/f && id -u && grep CapEff /proc/self/status", check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1000\nCapEff:\t0000000000000000\n"
    assert owners(path) == {".": APP, "f": APP}


def test_chown_of_a_bind_mount_owned_by_the_rootless_user(host_dir):
    os.mkdir(os.path.join(host_dir, "sub"))
    with open(os.path.join(host_dir, "sub", "file"), "w") as f:
        f.write("x")
    for entry in ("sub", "sub/file"):
        os.chown(os.path.join(host_dir, entry), UID, UID)
    result = rootless("run", "--rm", "-v", f"{host_dir}:/data", *WARDEN, WEB, "--user", "app",
                      "--chown", "/data", "--", "stat", "-c", "%u:%g", "/data/sub/file",
                      check=False)
    assert (result.returncode, result.stdout) == (0, "1000:999\n"), result.stderr
    assert set(owners(host_dir).values()) == {APP}


def one_warden_line(stderr):
    # Podman's own log lines (time="..." level=...) are not warden's.
    lines = [line for line in stderr.splitlines()
             if line.strip() and not line.startswith("time=")]
    assert len(lines) == 1 and lines[0].startswith("warden: "), stderr
    return lines[0]


def test_an_unmapped_user_fails_in_one_line_before_touching_the_volume(volume):
    vol, path = volume
    prepare = rootless("run", "--rm", "-v", f"{vol}:/data", TEST, "sh", "-c",
                       "mkdir /data/a && touch /data/a/f /data/g", check=False)
    assert prepare.returncode == 0, prepare.stderr
    before = owners(path)
    # 70000 is beyond the 65536 ids the namespace maps.
    result = rootless("run", "--rm", "-v", f"{vol}:/data", *WARDEN, TEST, "--user", "70000",
                      "--chown", "/data", "--", "true", check=False)
    assert result.returncode == 125, result.stderr
    assert "70000" in one_warden_line(result.stderr)
    assert owners(path) == before


def test_an_entry_owned_by_an_unmapped_host_user_fails_without_a_half_changed_volume(host_dir):
    # Host root's file: outside the namespace's map, it shows as nobody and cannot be
    # given away from inside. The directory around it could be.
    os.mkdir(os.path.join(host_dir, "a"))
    os.chown(os.path.join(host_dir, "a"), UID, UID)
    with open(os.path.join(host_dir, "a", "root-file"), "w") as f:
        f.write("x")
    before = owners(host_dir)
    result = rootless("run", "--rm", "-v", f"{host_dir}:/data", *WARDEN, WEB, "--user", "app",
                      "--chown", "/data", "--", "true", check=False)
    assert result.returncode == 125, result.stderr
    assert "root-file" in one_warden_line(result.stderr)
    assert owners(host_dir) == before
