"""Issue 10: storms and faults. Each test is bounded and stops by itself."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from harness import (WARDEN, WT, Warden, assert_one_error_line, children_of, run, stat_fields,
                     wait_until)

MIXED = [signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP, signal.SIGWINCH, signal.SIGINT,
         signal.SIGQUIT, signal.SIGALRM, signal.SIGCONT, signal.SIGPIPE]


def test_100000_mixed_signals(pid1):
    # INT and QUIT start the grace period; a long one keeps it from ending the storm.
    stop = signal.SIGRTMIN + 6  # queued, and delivered after every standard signal
    w = Warden(["--grace", "600", WT, "signal-count", str(int(stop)), "7"], pid1=pid1)
    ready = w.readline()
    child = None if pid1 else int(ready.split()[1])
    start = time.monotonic()
    for i in range(100000):
        w.send(MIXED[i % len(MIXED)])
    sent_in = time.monotonic() - start
    w.send(stop)
    summary = w.readline(timeout=120)
    assert w.wait(timeout=120) == 7
    counts = dict(item.split(":") for item in summary.split())
    for sig in MIXED:
        assert int(counts.get(str(int(sig)), 0)) >= 1, f"{sig!r} never reached the program"
    print(f"100,000 signals sent in {sent_in:.2f}s; the program saw {summary}")
    if child:
        assert stat_fields(child) is None


def test_100000_orphans_reaped_while_main_runs():
    status, out, err = run([WT, "orphans", "100000", "600"], pid1=True, timeout=900)
    assert status == 0, out + err
    print(out)


def test_main_status_never_lost_among_100000_orphans(pid1):
    # The main program exits 42 at once while a TERM-ignoring sprayer keeps making orphans.
    script = f"{WT} spray 100000 & exit 42"
    status, out, err = run(["--grace", "600", "sh", "-c", script], pid1=pid1, timeout=900)
    assert status == 42, out + err


def test_ulimit_nofile_16_still_works(pid1, accounts, tmp_path):
    os.chmod(tmp_path, 0o755)
    (tmp_path / "vol" / "a" / "b").mkdir(parents=True)
    limit = ["sh", "-c", "ulimit -n 16 && exec \"$@\"", "sh"]
    code, out, err = run(["-u", "app", "-c", str(tmp_path / "vol"), WT, "fds"], pid1=pid1,
                         accounts=accounts, inner=limit)
    assert code == 0, err
    assert sorted(int(x) for x in out.split()) == [0, 1, 2]


def test_no_file_descriptors_left_is_a_clean_125(pid1, tmp_path):
    # One descriptor beyond stdio (the sanitizer build's loader needs it). Starting the
    # program needs none (vfork), but --chown walks with two: a clean error, nothing run.
    prefix = ["unshare", "--pid", "--fork", "--mount-proc"] if pid1 else []
    limit = ["sh", "-c", "ulimit -n 4 && exec \"$@\"", "sh"]
    (tmp_path / "vol").mkdir()
    result = subprocess.run([*prefix, *limit, WARDEN, "-u", "0:0", "-c", str(tmp_path / "vol"),
                             "echo", "ran"], capture_output=True, timeout=60)
    assert result.returncode == 125
    assert result.stdout == b""
    assert_one_error_line(result.stderr.decode(), "--chown")
    started = subprocess.run([*prefix, *limit, WARDEN, "echo", "ran"], capture_output=True,
                             timeout=60)
    assert (started.returncode, started.stdout) == (0, b"ran\n")


def test_small_address_space(pid1):
    # 8 MiB of address space: the static binary still starts, supervises and exits exactly.
    prefix = ["unshare", "--pid", "--fork", "--mount-proc"] if pid1 else []
    limit = ["sh", "-c", "ulimit -v 8192 && exec \"$@\"", "sh"]
    result = subprocess.run([*prefix, *limit, WARDEN, "-v", "sh", "-c", "exit 3"],
                            capture_output=True, timeout=60)
    if os.environ.get("TESTED_SANITIZED") in ("1", "ON", "TRUE", "true"):
        # ASan reserves terabytes of shadow memory: it cannot start at all under ulimit -v.
        assert result.returncode != 0
        return
    assert result.returncode == 3, result.stderr


def test_fork_failure_is_125(accounts):
    # RLIMIT_NPROC counts every process of the user: 1 leaves warden no room for a child.
    # LeakSanitizer (sanitizer build) would itself need a process to check for leaks.
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    result = subprocess.run(["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups",
                             "prlimit", "--nproc=1", WARDEN, "echo", "ran"],
                            capture_output=True, timeout=60, env=env)
    assert result.returncode == 125
    assert result.stdout == b""
    assert_one_error_line(result.stderr.decode(), "unable to start 'echo'")


def test_stderr_closed_or_broken(pid1):
    prefix = "unshare --pid --fork --mount-proc " if pid1 else ""
    # Closed: warden's log writes fail with EBADF and are ignored.
    closed = subprocess.run(["sh", "-c", f"exec {prefix}{WARDEN} -vv sh -c 'exit 4' 2>&-"],
                            capture_output=True, timeout=60)
    assert closed.returncode == 4
    # Broken pipe: the reader is gone before warden writes; SIGPIPE is blocked, EPIPE ignored.
    read_end, write_end = os.pipe()
    os.close(read_end)
    # The program outlives warden's first writes: a forwarded SIGPIPE would kill it (141).
    proc = subprocess.Popen([*prefix.split(), WARDEN, "-vv", "sh", "-c", "sleep 0.3; exit 5"],
                            stderr=write_end)
    os.close(write_end)
    assert proc.wait(timeout=60) == 5


def test_child_closes_its_output_and_is_stopped_and_continued(pid1):
    w = Warden(["sh", "-c", "echo ready; exec >&- 2>&-; kill -STOP $$; exit 6"], pid1=pid1)
    w.expect("ready")
    # The program stops itself; warden must neither hang nor mistake it for an exit.
    if not pid1:
        child = wait_until(lambda: [p for p in children_of(w.pid) if (stat_fields(p) or "?")[0] == "T"],
                           what="stopped child")
    else:
        time.sleep(0.2)  # no outside view of the namespace's child; CONT is queued anyway
    w.send(signal.SIGCONT)
    assert w.wait(timeout=60) == 6
