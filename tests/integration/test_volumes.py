"""Issue 4: --chown, a safe, mismatch-only recursive chown of the volumes."""
import os
import shutil
import socket
import tempfile
import stat
import subprocess
import time

import pytest

from harness import WARDEN, WT, assert_one_error_line, run

APP = (1000, 1000)
WEB = (1001, 1001)


@pytest.fixture
def tmp_path():
    """A scratch directory every user can reach (pytest's own is private to root)."""
    import pathlib
    base = tempfile.mkdtemp(dir="/var/tmp", prefix="warden-vol-")
    os.chmod(base, 0o755)
    yield pathlib.Path(base)
    subprocess.run(["rm", "-rf", base], check=True)  # iterative: trees here go 2,000 deep


def in_mount_namespace(accounts, setup):
    """A prefix that runs setup (mounts) in a private mount namespace, with the fixture
    account files, before warden."""
    passwd, group = accounts
    script = (f"mount --bind {passwd} /etc/passwd && mount --bind {group} /etc/group && "
              f"{setup} && exec \"$@\"")
    return ["unshare", "--mount", "sh", "-c", script, "sh"]


@pytest.fixture
def volume(tmp_path):
    """A small tree owned by root, in a directory every user can reach."""
    vol = tmp_path / "vol"
    (vol / "a" / "b").mkdir(parents=True)
    (vol / "a" / "b" / "file").write_text("x")
    (vol / "top").write_text("y")
    (vol / "empty").mkdir()
    return vol


def owners(root):
    """(uid, gid) of root and of everything below it, links not followed."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [".", *dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            found[os.path.normpath(path)] = (st.st_uid, st.st_gid)
    return found


def chown_run(accounts, args, program=("true",), pid1=True, inner=()):
    return run([*args, *program], pid1=pid1, accounts=accounts, inner=inner)


def test_tree_given_to_the_user(pid1, accounts, volume):
    code, out, err = chown_run(accounts, ["-v", "-u", "app", "--chown", str(volume)],
                               ["sh", "-c", f"touch {volume}/a/b/written && echo ok"], pid1)
    assert (code, out) == (0, "ok\n"), err
    assert set(owners(volume).values()) == {APP}
    assert "changed" in err


def test_only_differing_entries_change_and_ctime_stays(pid1, accounts, volume):
    assert chown_run(accounts, ["-u", "app", "-c", str(volume)], pid1=pid1)[0] == 0
    before = {p: os.lstat(p).st_ctime_ns for p in owners(volume)}
    code, _, err = chown_run(accounts, ["-v", "-u", "app", "-c", str(volume)], pid1=pid1)
    assert code == 0
    assert {p: os.lstat(p).st_ctime_ns for p in owners(volume)} == before
    assert " 0 changed" in err
    # Group alone differing is a change too.
    os.lchown(volume / "top", 1000, 0)
    code, _, err = chown_run(accounts, ["-v", "-u", "app", "-c", str(volume)], pid1=pid1)
    assert " 1 changed" in err
    assert os.lstat(volume / "top").st_gid == 1000


def test_symlinks_are_reowned_never_followed(pid1, accounts, volume, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("s")
    os.symlink(outside, volume / "to-dir")
    os.symlink(outside / "secret", volume / "to-file")
    os.symlink("/etc/passwd", volume / "to-etc")
    assert chown_run(accounts, ["-u", "app", "-c", str(volume)], pid1=pid1)[0] == 0
    assert set(owners(outside).values()) == {(0, 0)}
    for link in ("to-dir", "to-file", "to-etc"):
        assert os.lstat(volume / link)[stat.ST_UID] == 1000
    assert os.stat("/etc/passwd").st_uid == 0


def test_hard_link_to_outside_file_is_left_alone(pid1, accounts, volume, tmp_path):
    outside = tmp_path / "outside-file"
    outside.write_text("s")
    os.link(outside, volume / "hardlink")
    code, _, err = chown_run(accounts, ["-u", "app", "-c", str(volume)], pid1=pid1)
    assert code == 0
    assert os.stat(outside).st_uid == 0
    assert "more than one hard link" in err
    assert os.stat(volume / "top").st_uid == 1000


def test_other_mounts_inside_are_not_crossed(accounts, volume, tmp_path):
    outside_dir = tmp_path / "outside-dir"
    outside_dir.mkdir()
    (outside_dir / "inner").write_text("i")
    outside_file = tmp_path / "docker.sock"
    outside_file.write_text("")
    for name in ("tmpfs", "bind-dir"):
        (volume / name).mkdir()
    (volume / "bind-file").write_text("")
    setup = (f"mount -t tmpfs none {volume}/tmpfs && touch {volume}/tmpfs/inner && "
             f"mount --bind {outside_dir} {volume}/bind-dir && "
             f"mount --bind {outside_file} {volume}/bind-file && exec \"$@\"")
    report = (f"stat -c '%u' {volume}/tmpfs {volume}/tmpfs/inner {volume}/bind-dir "
              f"{volume}/bind-dir/inner {volume}/bind-file")
    setup = setup.replace(' && exec "$@"', "")
    code, out, err = run(["-u", "app", "-c", str(volume), "sh", "-c", report], pid1=False,
                         prefix=in_mount_namespace(accounts, setup))
    assert code == 0, err
    assert out.split() == ["0"] * 5
    assert os.stat(volume / "a" / "b" / "file").st_uid == 1000
    assert set(owners(outside_dir).values()) == {(0, 0)}
    assert os.stat(outside_file).st_uid == 0


def make_deep(root, depth):
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
    with open(os.open("leaf", os.O_CREAT | os.O_WRONLY, dir_fd=fd), "w") as f:
        f.write("deep")
    os.close(fd)


def deep_owners(root, depth):
    seen = set()
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        seen.add(os.stat("d", dir_fd=fd, follow_symlinks=False).st_uid)
        child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
    seen.add(os.stat("leaf", dir_fd=fd).st_uid)
    os.close(fd)
    return seen


def test_depth_2000_with_64_fds(pid1, accounts, volume):
    make_deep(volume, 2000)
    limit = ["sh", "-c", "ulimit -n 64 && exec \"$@\"", "sh"]
    code, _, err = chown_run(accounts, ["-u", "app", "-c", str(volume)], pid1=pid1, inner=limit)
    assert code == 0, err
    assert deep_owners(volume, 2000) == {1000}


def test_odd_names_and_special_files(pid1, accounts, volume):
    names = [b"with space", b"new\nline", b"\xff\xfe invalid utf-8", b"-dash", b"*"]
    for name in names:
        with open(os.path.join(bytes(volume), name), "wb") as f:
            f.write(b"n")
    os.mkfifo(volume / "fifo")
    os.mknod(volume / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(volume / "sock"))
    try:
        code, _, err = chown_run(accounts, ["-u", "app", "-c", str(volume)], pid1=pid1)
    finally:
        sock.close()
    assert code == 0, err
    for name in names + [b"fifo", b"null", b"sock"]:
        assert os.lstat(os.path.join(bytes(volume), name)).st_uid == 1000, name


def test_missing_path_is_created_for_the_user(pid1, accounts, tmp_path):
    target = tmp_path / "new" / "deeper" / "data"
    code, out, err = chown_run(accounts, ["-u", "web", "-c", str(target)],
                               ["sh", "-c", f"touch {target}/mine && echo ok"], pid1)
    assert (code, out) == (0, "ok\n"), err
    for path in (tmp_path / "new", tmp_path / "new" / "deeper", target, target / "mine"):
        assert (os.stat(path).st_uid, os.stat(path).st_gid) == WEB
    assert os.stat(tmp_path).st_uid == 0


def read_only(accounts, volume):
    return in_mount_namespace(
        accounts, f"mount --bind {volume} {volume} && mount -o remount,ro,bind {volume}")


def test_read_only_volume_is_125_and_program_not_run(accounts, volume):
    code, out, err = run(["-u", "app", "-c", str(volume), "echo", "ran"], pid1=False,
                         prefix=read_only(accounts, volume))
    assert code == 125
    assert_one_error_line(err, str(volume), "Read-only file system")
    assert out == ""


def test_best_effort_goes_on(accounts, volume):
    code, out, err = run(["-v", "-u", "app", "-c", str(volume), "--chown-best-effort",
                          "echo", "ran"], pid1=False, prefix=read_only(accounts, volume))
    assert (code, out) == (0, "ran\n"), err
    assert "continuing: --chown-best-effort" in err
    assert "failed" in err


@pytest.mark.parametrize("args,fragment", [
    (["-u", "app", "-c", "relative/path"], "not an absolute path"),
    (["-c", "/tmp/x"], "--chown needs --user"),
    (["-u", "app", "-c", "/tmp/../etc"], "'..'"),
])
def test_bad_chown_values_are_125(accounts, args, fragment):
    code, out, err = run([*args, "true"], pid1=False, accounts=accounts)
    assert code == 125 and out == ""
    assert_one_error_line(err, fragment)


def test_symlink_in_the_path_is_refused(accounts, volume, tmp_path):
    os.symlink(volume, tmp_path / "link")
    for path in (tmp_path / "link" / "a", tmp_path / "link"):
        code, _, err = run(["-u", "app", "-c", str(path), "true"], pid1=False,
                           accounts=accounts)
        assert code == 125
        assert_one_error_line(err, "symbolic link")
    assert set(owners(volume).values()) == {(0, 0)}
    assert os.lstat(tmp_path / "link").st_uid == 0


def test_swapping_directories_for_links_never_reaches_outside(accounts, tmp_path, volume):
    outside = tmp_path / "outside"
    (outside / "x" / "y").mkdir(parents=True)
    for i in range(50):
        (outside / "x" / f"f{i}").write_text("o")
    # Inside: a directory with content, and a symlink to outside; the swapper exchanges
    # the two names as fast as it can while warden walks.
    target = volume / "a"
    for i in range(300):
        (target / f"g{i}").write_text("v")
    os.symlink(outside, volume / "decoy")
    stop = tmp_path / "stop"
    swapper = subprocess.Popen([WT, "swap", str(target), str(volume / "decoy"), "100000000",
                                str(stop)], stdout=subprocess.PIPE)
    assert swapper.stdout.readline() == b"swapping\n"
    runs = 0
    try:
        deadline = time.monotonic() + 20
        while runs < 200 and time.monotonic() < deadline:
            user = "app" if runs % 2 == 0 else "web"
            code, _, err = run(["-u", user, "-c", str(volume), "true"], pid1=False,
                               accounts=accounts)
            assert code in (0, 125), err
            runs += 1
    finally:
        stop.write_text("")
        swapper.wait(timeout=30)
    assert runs >= 20
    assert set(owners(outside).values()) == {(0, 0)}, "an outside entry changed owner"
