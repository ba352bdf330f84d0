"""Issue 14: the bugs the architecture review found, and the option table against the man
page."""
import os
import select
import signal
import subprocess
import time

from conftest import GROUP, PASSWD
from harness import ACCOUNTS, WARDEN, WT, children_of, comm, stat_fields, wait_until


def read_until(stream, text, timeout):
    """stdout up to the first line holding text; what came when it did not within timeout."""
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
    # The image's /etc/passwd is a FIFO here, so warden (as root, before the drop, as during a
    # long --chown) waits reading it until the test writes; meanwhile its parent dies.
    passwd, group = tmp_path / "passwd", tmp_path / "group"
    os.mkfifo(passwd)
    group.write_text(GROUP)
    inner = f"{WARDEN} -v -p TERM -u app {WT} signals TERM 9 & wait"
    proc = subprocess.Popen(["unshare", "--mount", "sh", ACCOUNTS, str(passwd), str(group),
                             "sh", "-c", inner], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    warden = None
    try:
        with open(passwd, "w") as writer:  # returns once warden has opened it: past its entry
            warden = wait_until(lambda: next((p for p in children_of(proc.pid)
                                              if comm(p) == "warden"), None),
                                what="warden under the shell")
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            wait_until(lambda: stat_fields(warden)[1] != proc.pid, what="warden re-parented")
            writer.write(PASSWD)
        out = read_until(proc.stdout, "got TERM", timeout=20)
        assert "got TERM" in out, out
    finally:
        if warden and stat_fields(warden) is not None:
            os.kill(warden, signal.SIGKILL)
    err = proc.stderr.read().decode()
    assert "forwarded SIGTERM" in err, err
