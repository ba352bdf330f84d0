"""Issue 4: --chown, a safe, mismatch-only recursive chown of the volumes."""
import errno
import json
import os
import re
import signal
import shutil
import socket
import tempfile
import stat
import subprocess
import sys
import time

import pytest

from harness import (WARDEN, WT, assert_one_error_line, children_of, comm, command_line, run,
                     wait_until)

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


# The safety tests run for --chown with both policies and for --chmod: the same walk, the
# same guarantees. Each variant's extra arguments, and the mode it gives a 0644 file.
VARIANTS = {
    "always": ([], None),
    "root-mismatch": (["--chown-policy", "root-mismatch"], None),
    "chmod": (["--chmod", "g=u,o-rwx,u+x"], 0o760),
}


@pytest.fixture(params=list(VARIANTS))
def variant(request):
    return VARIANTS[request.param]


def modes(root):
    """Permission bits of root and of everything below it, links not followed."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [".", *dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            found[os.path.normpath(path)] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


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


def test_symlinks_are_reowned_never_followed(pid1, accounts, volume, tmp_path, variant):
    extra, file_mode = variant
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("s")
    os.chmod(outside / "secret", 0o600)
    outside_modes = modes(outside)
    passwd_mode = os.stat("/etc/passwd").st_mode
    os.symlink(outside, volume / "to-dir")
    os.symlink(outside / "secret", volume / "to-file")
    os.symlink("/etc/passwd", volume / "to-etc")
    assert chown_run(accounts, ["-u", "app", "-c", str(volume), *extra], pid1=pid1)[0] == 0
    assert set(owners(outside).values()) == {(0, 0)}
    assert modes(outside) == outside_modes
    for link in ("to-dir", "to-file", "to-etc"):
        assert os.lstat(volume / link)[stat.ST_UID] == 1000
    assert os.stat("/etc/passwd").st_uid == 0
    assert os.stat("/etc/passwd").st_mode == passwd_mode
    if file_mode is not None:
        assert stat.S_IMODE(os.lstat(volume / "top").st_mode) == file_mode


def test_hard_link_to_outside_file_is_left_alone(pid1, accounts, volume, tmp_path, variant):
    extra, file_mode = variant
    outside = tmp_path / "outside-file"
    outside.write_text("s")
    os.chmod(outside, 0o600)
    os.link(outside, volume / "hardlink")
    code, _, err = chown_run(accounts, ["-u", "app", "-c", str(volume), *extra], pid1=pid1)
    assert code == 0
    assert os.stat(outside).st_uid == 0
    assert stat.S_IMODE(os.stat(outside).st_mode) == 0o600
    assert "more than one hard link" in err
    assert os.stat(volume / "top").st_uid == 1000
    if file_mode is not None:
        assert stat.S_IMODE(os.stat(volume / "top").st_mode) == file_mode


def test_other_mounts_inside_are_not_crossed(accounts, volume, tmp_path, variant):
    extra, file_mode = variant
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
    report = (f"stat -c '%u' {volume}/tmpfs {volume}/bind-dir && "
              f"stat -c '%u:%a' {volume}/tmpfs/inner {volume}/bind-dir/inner {volume}/bind-file")
    setup = setup.replace(' && exec "$@"', "")
    os.chmod(outside_dir / "inner", 0o644)
    os.chmod(outside_file, 0o644)
    outside_modes = modes(outside_dir)
    code, out, err = run(["-u", "app", "-c", str(volume), *extra, "sh", "-c", report],
                         pid1=False, prefix=in_mount_namespace(accounts, setup))
    assert code == 0, err
    assert out.split() == ["0", "0"] + ["0:644"] * 3
    assert os.stat(volume / "a" / "b" / "file").st_uid == 1000
    assert set(owners(outside_dir).values()) == {(0, 0)}
    assert modes(outside_dir) == outside_modes
    assert os.stat(outside_file).st_uid == 0
    assert stat.S_IMODE(os.stat(outside_file).st_mode) == 0o644
    if file_mode is not None:
        assert stat.S_IMODE(os.stat(volume / "a" / "b" / "file").st_mode) == file_mode


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
    (["-c", "/tmp/x"], "--chown needs an owner: add --user"),
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


def test_swapping_directories_for_links_never_reaches_outside(accounts, tmp_path, volume,
                                                              variant):
    extra, _ = variant
    outside = tmp_path / "outside"
    (outside / "x" / "y").mkdir(parents=True)
    for i in range(50):
        (outside / "x" / f"f{i}").write_text("o")
        os.chmod(outside / "x" / f"f{i}", 0o600)
    outside_modes = modes(outside)
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
        # At least 20 walks against the swapper, however loaded the machine; more while
        # the 12 s (per variant: three of them) last, up to 200.
        deadline = time.monotonic() + 12
        while runs < 200 and (runs < 20 or time.monotonic() < deadline):
            user = "app" if runs % 2 == 0 else "web"
            code, _, err = run(["-u", user, "-c", str(volume), *extra, "true"], pid1=False,
                               accounts=accounts)
            assert code in (0, 125), err
            runs += 1
    finally:
        stop.write_text("")
        swapper.wait(timeout=30)
    assert set(owners(outside).values()) == {(0, 0)}, "an outside entry changed owner"
    assert modes(outside) == outside_modes, "an outside entry changed mode"


def test_chmod_changes_only_differing_modes(pid1, accounts, volume):
    os.chmod(volume / "top", 0o600)
    os.chmod(volume / "a" / "b" / "file", 0o750)
    os.chmod(volume / "empty", 0o700)
    os.symlink("top", volume / "link")
    args = ["-v", "-u", "app", "-c", str(volume), "--chmod", "g=u,o-rwx"]
    code, _, err = chown_run(accounts, args, pid1=pid1)
    assert code == 0, err
    found = modes(volume)
    assert found[str(volume / "top")] == 0o660
    assert found[str(volume / "a" / "b" / "file")] == 0o770
    assert found[str(volume / "empty")] == 0o770
    assert found[str(volume)] == 0o770
    assert set(owners(volume).values()) == {APP}
    before = {p: os.lstat(p).st_ctime_ns for p in owners(volume)}
    code, _, err = chown_run(accounts, args, pid1=pid1)
    assert code == 0 and " 0 changed" in err, err
    assert {p: os.lstat(p).st_ctime_ns for p in owners(volume)} == before
    # A mode alone differing is a change, and the owner stays.
    os.chmod(volume / "top", 0o604)
    code, _, err = chown_run(accounts, args, pid1=pid1)
    assert " 1 changed" in err, err
    assert stat.S_IMODE(os.lstat(volume / "top").st_mode) == 0o660


def test_chown_to_a_group_alone(accounts, volume):
    os.lchown(volume / "top", 1001, 0)
    code, out, err = run(["--chown-to", ":staff", "-c", str(volume), "id", "-u"],
                         pid1=False, accounts=accounts)
    assert (code, out) == (0, "0\n"), err
    found = owners(volume)
    assert found.pop(str(volume / "top")) == (1001, 50)
    assert set(found.values()) == {(0, 50)}


def test_chown_to_overrides_the_user(accounts, volume):
    code, out, err = run(["-u", "app", "--chown-to", "web:staff", "-c", str(volume), "id", "-u"],
                         pid1=False, accounts=accounts)
    assert (code, out) == (0, "1000\n"), err
    assert set(owners(volume).values()) == {(1001, 50)}


@pytest.mark.parametrize("args,fragment", [
    (["--chown-to", "nosuch", "-c", "/tmp/x"], "unknown user"),
    (["--chown-to", ":nosuch", "-c", "/tmp/x"], "unknown group"),
    (["--chown-to", ":", "-c", "/tmp/x"], "is not USER, USER:GROUP or :GROUP"),
    (["-u", "app", "-c", "/tmp/x", "--chmod", "u+q"], "--chmod: 'u+q' is not a mode"),
    (["-u", "app", "-c", "/tmp/x", "--chown-policy", "never"],
     "--chown-policy: 'never' is not a policy: give always or root-mismatch"),
])
def test_bad_volume_options_are_125(accounts, args, fragment):
    code, out, err = run([*args, "true"], pid1=False, accounts=accounts)
    assert code == 125 and out == ""
    assert_one_error_line(err, fragment)


def test_root_mismatch_skips_a_volume_whose_top_is_owned(accounts, volume):
    os.lchown(volume, *APP)
    args = ["-v", "-u", "app", "-c", str(volume), "--chown-policy", "root-mismatch"]
    code, _, err = run([*args, "true"], pid1=False, accounts=accounts)
    assert code == 0, err
    assert "not walked (--chown-policy root-mismatch)" in err
    assert os.lstat(volume / "top").st_uid == 0
    # With --chmod, a top whose mode differs is walked.
    code, _, err = run([*args, "--chmod", "g=u", "true"], pid1=False, accounts=accounts)
    assert code == 0 and "1 entries checked" not in err, err
    assert set(owners(volume).values()) == {APP}
    # The environment says the same as the option; always walks whatever the top.
    os.lchown(volume / "top", 0, 0)
    env = dict(os.environ, WARDEN_CHOWN_POLICY="always")
    code, _, err = run(["-v", "-u", "app", "-c", str(volume), "true"], pid1=False,
                       accounts=accounts, env=env)
    assert code == 0 and " 1 changed" in err, err


def test_best_effort_failure_leaves_the_top_for_next_time(accounts, volume):
    """The top is changed last, and only after a walk where nothing failed."""
    code, out, err = run(["-u", "app", "-c", str(volume), "--chown-best-effort",
                          "--chown-policy", "root-mismatch", "echo", "ran"], pid1=False,
                         prefix=read_only(accounts, volume))
    assert (code, out) == (0, "ran\n"), err
    assert "the next start walks the volume again" in err
    assert os.lstat(volume).st_uid == 0


def make_flat(root, count):
    """count empty files in a few directories, quickly."""
    root.mkdir(exist_ok=True)
    for d in range((count + 499) // 500):
        sub = root / f"d{d}"
        sub.mkdir()
        for i in range(min(500, count - d * 500)):
            os.close(os.open(sub / f"f{i}", os.O_CREAT | os.O_WRONLY, 0o644))


def slowed(delay_us):
    """A prefix that runs warden under strace, each statx(2) delayed: a walk slowed down on
    purpose, so that it is long on any machine."""
    assert shutil.which("strace"), "strace is needed (tests/install-deps.sh installs it)"
    return ["strace", "-f", "-qq", "-o", "/dev/null", "--seccomp-bpf", "-e", "trace=statx",
            "-e", f"inject=statx:delay_enter={delay_us}"]


# LeakSanitizer cannot run under ptrace: off for the slowed runs of the sanitizer build.
TRACED_ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")


def test_killed_first_run_is_finished_by_the_next_start(accounts, volume):
    make_flat(volume, 4000)
    args = ["-u", "app", "-c", str(volume), "--chown-policy", "root-mismatch", "true"]
    cmd = command_line(args, pid1=False, prefix=slowed(2000), accounts=accounts)
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=TRACED_ENV)
    try:
        # The first progress line says the walk is under way (and not done: 4,000 entries
        # at 2 ms each take 8 s or more).
        line = proc.stderr.readline().decode()
        assert re.fullmatch(r"warden: warning: --chown \S+: still working: \d+ entries checked, "
                            r"\d+ changed, \d+/s, \d+ s so far\n", line), line
        warden = wait_until(lambda: [p for p in children_of(proc.pid) if comm(p) == "warden"]
                            or (comm(proc.pid) == "warden" and [proc.pid]), what="warden")
        os.kill(warden[0], signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    found = owners(volume)
    assert found[str(volume)] == (0, 0), "the top changed before the walk was complete"
    assert list(found.values()).count(APP) > 0, "nothing changed before the kill"
    assert list(found.values()).count((0, 0)) > 1, "the walk was over before the kill"
    code, _, err = run(["-v", *args], pid1=False, accounts=accounts)
    assert code == 0, err
    assert set(owners(volume).values()) == {APP}
    code, _, err = run(["-v", *args], pid1=False, accounts=accounts)
    assert code == 0 and "not walked" in err, err


def progress_lines(err, json_format=False):
    lines = [l for l in err.splitlines() if "still working" in l]
    return [json.loads(l) for l in lines] if json_format else lines


def test_progress_on_a_long_walk(accounts, volume):
    make_flat(volume, 4000)
    entries = len(owners(volume))
    code, _, err = run(["--log-format", "json", "-v", "-u", "app", "-c", str(volume), "true"],
                       pid1=False, prefix=slowed(4000), accounts=accounts, env=TRACED_ENV)
    assert code == 0, err
    lines = progress_lines(err, json_format=True)
    summary = [json.loads(l) for l in err.splitlines() if '"failed"' in l]
    assert len(summary) == 1 and summary[0]["checked"] == summary[0]["changed"] == entries, err
    # The first line after 2 s, then one every 5 s.
    assert lines and lines[0]["elapsed_ms"] >= 2000, err
    if summary[0]["elapsed_ms"] >= 9000:
        assert len(lines) >= 2, err
    for before, after in zip(lines, lines[1:]):
        assert after["elapsed_ms"] - before["elapsed_ms"] >= 5000
        assert before["checked"] < after["checked"] < entries
    for line in lines:
        assert line["path"] == str(volume) and line["level"] == "warn"
        assert 0 < line["changed"] <= line["checked"] and line["per_second"] > 0


def test_no_progress_on_a_small_walk(accounts, volume, tmp_path):
    other = tmp_path / "other"
    make_flat(other, 3000)
    code, _, err = run(["-v", "-u", "app", "-c", str(volume), "-c", str(other), "true"],
                       pid1=False, accounts=accounts)
    assert code == 0, err
    assert progress_lines(err) == []
    # -v: one summary line per volume.
    assert len([l for l in err.splitlines() if "entries checked" in l]) == 2, err


def test_chmod_on_a_kernel_without_fchmodat2(accounts, volume, tmp_path):
    """Before Linux 6.6 there is no fchmodat2(2): the mode is changed through an O_PATH
    descriptor, and a link still is never followed."""
    outside = tmp_path / "outside-file"
    outside.write_text("s")
    os.chmod(outside, 0o600)
    os.symlink(outside, volume / "link")
    os.chmod(volume / "top", 0o600)
    os.mkfifo(volume / "fifo", 0o600)
    without = [WT, "seccomp-errno", str(errno.ENOSYS), "fchmodat2"]
    code, _, err = run(["-u", "app", "-c", str(volume), "--chmod", "g=u", "true"], pid1=False,
                       accounts=accounts, inner=without)
    assert code == 0, err
    assert stat.S_IMODE(os.stat(outside).st_mode) == 0o600
    assert stat.S_IMODE(os.lstat(volume / "top").st_mode) == 0o660
    assert stat.S_IMODE(os.lstat(volume / "fifo").st_mode) == 0o660
    assert os.lstat(volume / "link").st_uid == 1000


# Rootless Podman: warden is root of a user namespace that maps only part of the ids. Here
# root outside writes such a map for a child (ids 0..65535 inside are 100000.. outside), so
# that host root, and every id outside the map, shows inside as the overflow id 65534.
USERNS_BASE = 100000


# The child unshares, waits until the parent has written its maps, then becomes root inside
# before exec (an exec as an id that is not root inside would drop every capability).
USERNS_CHILD = """
import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).unshare(0x10000000) != 0:  # CLONE_NEWUSER
    sys.exit("unshare: " + os.strerror(ctypes.get_errno()))
print("unshared", flush=True)
sys.stdin.readline()
os.setgroups([])
os.setresgid(0, 0, 0)
os.setresuid(0, 0, 0)
os.execvp(sys.argv[1], sys.argv[1:])
"""


def in_partial_userns(argv):
    """Runs argv as root of a new user namespace with a partial map: (code, stdout, stderr)."""
    proc = subprocess.Popen([sys.executable, "-c", USERNS_CHILD, *argv], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "unshared\n", proc.stderr.read()
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{proc.pid}/{name}", "w") as f:
                f.write(f"0 {USERNS_BASE} 65536\n")
        out, err = proc.communicate("go\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out, err


@pytest.fixture
def mapped_tree(tmp_path):
    """A tree owned by mapped ids (host 100000+5, root 100000 for the top), one deep entry
    of which a test may give to an unmapped owner."""
    vol = tmp_path / "vol"
    for d in ("a/b/c", "a/d", "e"):
        (vol / d).mkdir(parents=True)
    for f in ("a/b/c/deep", "a/file", "e/file", "top"):
        (vol / f).write_text("x")
    for path in owners(vol):
        uid = USERNS_BASE if path == str(vol) else USERNS_BASE + 5
        os.lchown(path, uid, uid)
    return vol


def test_an_entry_owned_outside_the_user_namespace_stops_before_any_change(mapped_tree):
    deep = mapped_tree / "a" / "b" / "c" / "deep"
    os.lchown(deep, 0, 0)  # host root: not mapped inside
    before = owners(mapped_tree)
    code, out, err = in_partial_userns([WARDEN, "--chown-to", "1000:1000", "--chown",
                                        str(mapped_tree), "--", "echo", "ran"])
    assert (code, out) == (125, ""), err
    assert_one_error_line(err, f"'{deep}'", "outside this user namespace", "nothing was changed",
                          "--chown-best-effort")
    assert owners(mapped_tree) == before


def test_an_unmapped_group_alone_in_a_user_namespace_also_stops_before_any_change(mapped_tree):
    deep = mapped_tree / "a" / "b" / "c" / "deep"
    os.lchown(deep, USERNS_BASE + 5, 0)
    before = owners(mapped_tree)
    code, out, err = in_partial_userns([WARDEN, "--chown-to", "1000:1000", "--chown",
                                        str(mapped_tree), "--", "echo", "ran"])
    assert (code, out) == (125, ""), err
    assert_one_error_line(err, f"'{deep}'", "outside this user namespace")
    assert owners(mapped_tree) == before


def test_best_effort_in_a_user_namespace_changes_the_rest(mapped_tree):
    deep = mapped_tree / "a" / "b" / "c" / "deep"
    os.lchown(deep, 0, 0)
    code, out, err = in_partial_userns([WARDEN, "--chown-to", "1000:1000", "--chown",
                                        str(mapped_tree), "--chown-best-effort", "--",
                                        "echo", "ran"])
    assert (code, out) == (0, "ran\n"), err
    assert f"'{deep}'" in err and "continuing: --chown-best-effort" in err
    target = (USERNS_BASE + 1000, USERNS_BASE + 1000)
    top = str(mapped_tree)  # left as it was: the next start walks again
    assert owners(mapped_tree) == {p: (0, 0) if p == str(deep) else
                                   (USERNS_BASE, USERNS_BASE) if p == top else target
                                   for p in owners(mapped_tree)}


def test_a_tree_wholly_mapped_in_a_user_namespace_is_changed_completely(mapped_tree):
    code, out, err = in_partial_userns([WARDEN, "--chown-to", "1000:1000", "--chown",
                                        str(mapped_tree), "--", "echo", "ran"])
    assert (code, out, err) == (0, "ran\n", "")
    target = (USERNS_BASE + 1000, USERNS_BASE + 1000)
    assert owners(mapped_tree) == {p: target for p in owners(mapped_tree)}
    assert len(owners(mapped_tree)) == 10
