"""Issue 5: grace then SIGKILL, leftovers stopped in order, rewriting, remapping, pdeathsig."""
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from harness import (WARDEN, WT, Warden, assert_one_error_line, has_ended, run, stat_fields,
                     wait_until)


def test_term_ignored_is_killed_after_grace(pid1):
    w = Warden(["--grace", "1", WT, "ignore", str(int(signal.SIGTERM))], pid1=pid1)
    w.readline()
    start = time.monotonic()
    w.send(signal.SIGTERM)
    assert w.wait(timeout=30) == 128 + 9
    elapsed = time.monotonic() - start
    assert elapsed >= 0.95, f"killed after {elapsed:.3f}s, before the grace period ended"


def test_fractional_grace(pid1):
    w = Warden(["-t", "0.3", WT, "ignore", str(int(signal.SIGTERM))], pid1=pid1)
    w.readline()
    start = time.monotonic()
    w.send(signal.SIGTERM)
    assert w.wait(timeout=30) == 137
    assert time.monotonic() - start >= 0.28


def test_rewrite_term_to_quit(pid1):
    w = Warden(["-v", "--rewrite", "TERM:QUIT", WT, "signals", "QUIT", "0"], pid1=pid1)
    w.readline()
    w.send(signal.SIGTERM)
    w.expect("got QUIT")
    assert w.wait() == 0
    assert "forwarded SIGTERM as SIGQUIT" in w.stderr


def test_rewrite_to_none_drops(pid1):
    w = Warden(["-r", "usr1:none", "-r", "SIGUSR2:HUP", WT, "signals", "TERM", "0"], pid1=pid1)
    w.readline()
    w.send(signal.SIGUSR1)
    w.send(signal.SIGUSR2)
    w.expect("got HUP")  # USR1 was dropped, so the first line is USR2's rewrite
    w.send(signal.SIGTERM)
    w.expect("got TERM")
    assert w.wait() == 0


def test_hup_and_usr1_forwarded_without_starting_a_deadline(pid1):
    w = Warden(["--grace", "0.3", WT, "signals", "TERM", "0"], pid1=pid1)
    w.readline()
    w.send(signal.SIGHUP)
    w.expect("got HUP")
    w.send(signal.SIGUSR1)
    w.expect("got USR1")
    time.sleep(0.8)  # longer than the grace period: a deadline would have killed it by now
    w.send(signal.SIGUSR2)
    w.expect("got USR2")
    w.send(signal.SIGTERM)
    w.expect("got TERM")
    assert w.wait() == 0


def test_process_group_reaches_what_a_shell_does_not_forward(pid1):
    script = f"{WT} signals TERM 0 & wait"
    w = Warden(["--process-group", "sh", "-c", script], pid1=pid1)
    w.readline()
    w.send(signal.SIGUSR1)
    w.expect("got USR1")  # the shell's child, reached through the group
    assert w.wait() == 128 + 10  # the shell itself died of USR1


def test_without_process_group_only_the_shell_gets_it(pid1):
    script = f"{WT} signals TERM 0 & wait"
    w = Warden(["sh", "-c", script], pid1=pid1)
    w.readline()
    w.send(signal.SIGUSR1)
    # The shell dies of USR1; its child only sees the leftover stage's TERM.
    w.expect("got TERM")
    assert w.wait() == 128 + 10


def test_leftover_daemon_flushes_and_warden_returns_promptly(pid1, tmp_path):
    flushed = tmp_path / "flushed"
    daemon = (f"trap 'sleep 0.2; echo flushed > {flushed}; exit 0' TERM; echo daemon-ready; "
              "while :; do sleep 10 & wait $!; done")
    script = f"sh -c \"{daemon}\" & read line; exit 4"
    w = Warden(["-v", "--grace", "30", "sh", "-c", script], pid1=pid1, stdin=subprocess.PIPE)
    w.expect("daemon-ready")
    start = time.monotonic()
    w.proc.stdin.close()
    assert w.wait() == 4  # the main program's status
    elapsed = time.monotonic() - start
    assert flushed.read_text() == "flushed\n"
    assert elapsed < 15, f"warden waited {elapsed:.1f}s although everything was gone"
    assert "sent SIGTERM" in w.stderr


def test_leftover_ignoring_term_is_killed_after_grace(pid1):
    script = f"{WT} ignore {int(signal.SIGTERM)} & read line; exit 3"
    w = Warden(["-vv", "--grace", "1", "sh", "-c", script], pid1=pid1, stdin=subprocess.PIPE)
    ready = w.readline()  # the leftover ignores TERM from here on
    leftover = None if pid1 else int(ready.split()[1])
    start = time.monotonic()
    w.proc.stdin.close()
    assert w.wait() == 3
    assert time.monotonic() - start >= 0.95, w.stderr
    if leftover:
        assert stat_fields(leftover) is None


def test_setsid_grandchild_is_stopped_too(pid1):
    script = f"setsid {WT} signals TERM 0 & sleep 0; read line; exit 0"
    w = Warden(["--grace", "20", "sh", "-c", script], pid1=pid1, stdin=subprocess.PIPE)
    line = w.readline()
    grandchild_pid_line = line
    w.proc.stdin.close()
    assert w.wait() == 0
    assert "got TERM" in w.stdout, grandchild_pid_line


def test_remap_exit(pid1):
    assert run(["-e", "143:0", WT, "raise", "15"], pid1=pid1)[0] == 0
    assert run(["-e", "143:0", "-e", "1:7", WT, "exit", "1"], pid1=pid1)[0] == 7
    assert run(["-e", "143:0", WT, "exit", "2"], pid1=pid1)[0] == 2


def test_pdeathsig_acts_when_the_parent_dies():
    # sh is warden's parent; killing it makes the kernel send warden the signal.
    parent = subprocess.Popen(["sh", "-c", f"{WARDEN} -v -p TERM {WT} signals TERM 9 & wait"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = parent.stdout.readline().decode()
    assert line.startswith("ready"), line
    warden_pid = stat_fields(int(line.split()[1]))[1]
    parent.kill()
    parent.wait()
    rest = parent.stdout.read().decode()  # EOF once warden and its child are gone
    err = parent.stderr.read().decode()
    assert "got TERM" in rest
    assert "forwarded SIGTERM" in err
    wait_until(lambda: has_ended(warden_pid), what="warden to exit")


@pytest.mark.parametrize("args,fragment", [
    (["--grace", "-1"], "--grace"), (["--grace", "abc"], "--grace"),
    (["--grace", "1.5.2"], "--grace"), (["-t", ""], "--grace"),
    (["--rewrite", "TERM"], "FROM:TO"), (["-r", "TERM:NOPE"], "unknown signal 'NOPE'"),
    (["-r", "NOPE:TERM"], "unknown signal"), (["-r", "99:TERM"], "unknown signal"),
    (["-r", "STOP:TERM"], "cannot be rewritten"),
    (["-e", "300:0"], "0 to 255"), (["-e", "1:256"], "0 to 255"), (["-e", "x"], "FROM:TO"),
    (["-p", "NOPE"], "--pdeathsig"), (["-p", "0"], "--pdeathsig"),
])
def test_bad_values_are_125(pid1, args, fragment):
    code, out, err = run([*args, "true"], pid1=pid1)
    assert code == 125 and out == ""
    assert_one_error_line(err, fragment)


def _postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    assert found, "postgresql is not installed: run sh tests/install-deps.sh"
    return os.path.dirname(found[-1])


def test_postgresql_stops_cleanly_under_warden():
    bindir = _postgres_bin()
    base = tempfile.mkdtemp(dir="/var/tmp", prefix="warden-pg-")
    try:
        os.chmod(base, 0o755)
        shutil.chown(base, "postgres", "postgres")
        data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
        os.mkdir(sock)
        shutil.chown(sock, "postgres", "postgres")
        code, _, err = run(["-u", "postgres", f"{bindir}/initdb", "-D", data, "-A", "trust"],
                           pid1=True, timeout=120)
        assert code == 0, err
        args = ["-u", "postgres", f"{bindir}/postgres", "-D", data, "-k", sock,
                "-c", "listen_addresses=", "-c", "logging_collector=off"]
        for attempt in ("first", "second"):
            w = Warden(args, pid1=True)
            log = b""
            deadline = time.monotonic() + 60
            while b"ready to accept connections" not in log:
                assert time.monotonic() < deadline, log
                import select
                ready, _, _ = select.select([w.proc.stderr], [], [], 1)
                if ready:
                    chunk = os.read(w.proc.stderr.fileno(), 65536)
                    assert chunk, log
                    log += chunk
            if attempt == "second":
                text = log.decode()
                assert "was shut down at" in text, text
                assert "not properly shut down" not in text and "automatic recovery" not in text
            w.send(signal.SIGTERM)
            assert w.wait(timeout=60) == 0, w.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)
