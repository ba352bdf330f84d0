"""Issue 14: the bugs the architecture review found, and the option table against the man
page."""
import errno
import os
import select
import signal
import subprocess
import time

from conftest import GROUP, PASSWD
from harness import (ACCOUNTS, WARDEN, WT, assert_one_error_line, children_of, comm, stat_fields,
                     wait_until)


SETID_CALLS = "setresuid,setresgid,setgroups,setuid,setgid,setreuid,setregid"


def read_until(stream, text, timeout):
    """What stream says up to text; what came when it did not within timeout."""
    got, deadline = b"", time.monotonic() + timeout
    while text.encode() not in got:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([stream], [], [], left)[0]:
            break
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            break
        got += chunk
    return got.decode()


def test_pdeathsig_notices_a_parent_that_died_before_the_drop(tmp_path):
    # warden's stderr is a full pipe: after --chown (as root, before the drop) its first -v line
    # waits for room, and meanwhile its parent dies. Then the pipe is drained.
    passwd, group, volume = tmp_path / "passwd", tmp_path / "group", tmp_path / "volume"
    passwd.write_text(PASSWD)
    group.write_text(GROUP)
    volume.mkdir()
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    try:
        while True:
            os.write(write_end, b"x" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(write_end, True)
    inner = f"{WARDEN} -v -p TERM -u app --chown {volume} {WT} pause & wait"
    proc = subprocess.Popen(["unshare", "--mount", "sh", ACCOUNTS, str(passwd), str(group),
                             "sh", "-c", inner], stdout=subprocess.DEVNULL, stderr=write_end)
    os.close(write_end)
    warden = None
    stderr = os.fdopen(read_end, "rb")
    try:
        warden = wait_until(lambda: next((p for p in children_of(proc.pid)
                                          if comm(p) == "warden"), None),
                            what="warden under the shell")
        wait_until(lambda: os.stat(volume).st_uid == 1000, what="--chown done")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # Re-parented, or already gone: its program may die of the signal at once.
        wait_until(lambda: (stat_fields(warden) or ("", 0))[1] != proc.pid,
                   what="warden re-parented")
        # The signal may reach the program before it is ready: it dies of it either way.
        err = read_until(stderr, "ended with status", timeout=20)
    finally:
        if warden and stat_fields(warden) is not None:
            os.kill(warden, signal.SIGKILL)
        stderr.close()
    assert "forwarded SIGTERM" in err, err[-2000:]
    assert "ended with status 143" in err, err[-2000:]


def test_setpriv_fails_when_the_switch_did_not_happen():
    # Under a filter that makes every id change answer success without happening, warden's
    # setpriv reads the ids back and fails as setpriv fails to apply a setting (127).
    r = subprocess.run([WT, "seccomp-errno", "0", SETID_CALLS, WARDEN, "--personality", "setpriv", "--reuid", "65534",
                        "--regid", "65534", "--clear-groups", "id", "-u"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 127, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    assert_one_error_line(r.stderr, "setpriv:", "did not take effect")


def test_catatonit_pause_fails_with_catatonit_code():
    # Waiting for signals fails (EPERM from a filter): catatonit's failure code is 1.
    r = subprocess.run([WT, "seccomp-errno", str(errno.EPERM), "rt_sigtimedwait", WARDEN,
                        "--personality", "catatonit", "-P"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, (r.returncode, r.stderr)
