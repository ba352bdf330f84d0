"""Issue 15: warden never kills before the engine would. Without --grace it sets no deadline
on the program after a stop request; a stop request is the stop signal (TERM, or
--stop-signal), never INT or QUIT by themselves; what is left after the program exits gets
the program's stop signal after rewrites, once, and a short documented deadline. The
deadlines are read from the kernel (the timeout warden sleeps with), not waited out."""
import os
import signal
import subprocess
import time

import pytest

from harness import WARDEN, WT, Warden, stat_fields, wait_until
from stopwatch import blocked_wait_timeout

LEFTOVER_DEFAULT = 5.0  # seconds: the documented deadline for leftovers without --grace


def env_with(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARDEN_")}
    env.update(extra)
    return env


def descendant_named(root, name):
    """A descendant of root whose comm is name (the program's processes as seen from
    here, whatever pid they have inside warden's namespace)."""
    def find():
        todo, seen = [root], set()
        while todo:
            parent = todo.pop()
            for entry in os.listdir("/proc"):
                if not entry.isdigit() or int(entry) in seen:
                    continue
                fields = stat_fields(int(entry))
                if fields and fields[1] == parent:
                    seen.add(int(entry))
                    todo.append(int(entry))
                    try:
                        with open(f"/proc/{entry}/comm") as f:
                            if f.read().strip() == name:
                                return int(entry)
                    except OSError:
                        pass
        return None
    return wait_until(find, what=f"a process named {name}")


def test_no_deadline_on_the_program_after_a_stop_without_grace(pid1):
    # docker stop / the kubelet send TERM and kill on their own schedule: warden waits for
    # the program as long as it takes.
    w = Warden([WT, "signals", "USR2", "0"], pid1=pid1, env=env_with())
    w.readline()
    w.send(signal.SIGTERM)
    w.expect("got TERM")
    assert blocked_wait_timeout(w.pid) is None, "a deadline was armed without --grace"
    w.send(signal.SIGUSR2)
    w.expect("got USR2")
    assert w.wait() == 0


@pytest.mark.parametrize("engine,args,env,seconds", [
    # docker stop waits 10 s (docker stop -t, --stop-timeout): a grace below it.
    ("docker", ["--grace", "8"], {}, 8.0),
    ("docker", [], {"WARDEN_GRACE": "8"}, 8.0),
    # Kubernetes: terminationGracePeriodSeconds, 30 s by default.
    ("kubernetes", ["--grace", "25"], {}, 25.0),
    ("kubernetes", [], {"WARDEN_GRACE": "25"}, 25.0),
])
def test_grace_set_below_the_engines_timeout(pid1, engine, args, env, seconds):
    # With --grace the README's settings for each engine arm exactly that deadline at the
    # stop request, so warden's ordered stop ends before the engine's SIGKILL.
    w = Warden([*args, WT, "signals", "USR2", "0"], pid1=pid1, env=env_with(**env))
    w.readline()
    assert blocked_wait_timeout(w.pid) is None, "a deadline before any stop request"
    w.send(signal.SIGTERM)
    w.expect("got TERM")
    left = blocked_wait_timeout(w.pid)
    assert left is not None and seconds - 1.0 < left <= seconds, (engine, left)
    w.send(signal.SIGUSR2)
    w.expect("got USR2")
    assert w.wait() == 0


@pytest.mark.parametrize("name", ["INT", "QUIT", "HUP"])
def test_int_and_quit_are_forwarded_without_arming_a_deadline(pid1, name):
    # Ctrl-C in `docker run -i`, or `docker kill -s INT`, reaches warden as INT; a program
    # that catches it and goes on (a REPL, psql) must not be killed for it, even with
    # --grace.
    w = Warden(["--grace", "0.3", WT, "signals", "USR2", "0"], pid1=pid1, env=env_with())
    w.readline()
    w.send(getattr(signal, "SIG" + name))
    w.expect(f"got {name}")
    assert blocked_wait_timeout(w.pid) is None, f"SIG{name} armed a deadline"
    w.send(signal.SIGUSR2)
    w.expect("got USR2")
    assert w.wait() == 0


@pytest.mark.parametrize("args,env", [
    (["--stop-signal", "INT"], {}),
    (["--stop-signal", "SIGINT"], {}),
    ([], {"WARDEN_STOP_SIGNAL": "INT"}),
])
def test_stop_signal_names_the_engines_stopsignal(pid1, args, env):
    # An image with STOPSIGNAL SIGINT says so with --stop-signal INT: then INT is the stop
    # request that --grace counts from, and TERM is an ordinary signal.
    w = Warden([*args, "--grace", "0.3", WT, "signals", "USR2", "0"], pid1=pid1,
               env=env_with(**env))
    w.readline()
    w.send(signal.SIGTERM)
    w.expect("got TERM")
    assert blocked_wait_timeout(w.pid) is None, "TERM armed a deadline"
    start = time.monotonic()
    w.send(signal.SIGINT)
    w.expect("got INT")
    assert w.wait(timeout=30) == 128 + 9
    assert time.monotonic() - start >= 0.28


def test_bad_stop_signal_is_125():
    r = subprocess.run([WARDEN, "--stop-signal", "NOPE", "true"], capture_output=True,
                       text=True)
    assert r.returncode == 125
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("warden: ") and "--stop-signal" in lines[0]


def test_the_kill_message_names_the_grace_and_how_to_change_it(pid1):
    w = Warden(["--grace", "0.2", WT, "ignore", str(int(signal.SIGTERM))], pid1=pid1,
               env=env_with())
    w.readline()
    w.send(signal.SIGTERM)
    assert w.wait(timeout=30) == 137
    line = [x for x in w.stderr.splitlines() if "SIGKILL" in x]
    assert len(line) == 1, w.stderr
    assert "0.2" in line[0] and "--grace" in line[0] and "WARDEN_GRACE" in line[0], line[0]


def test_leftovers_get_a_short_default_deadline(pid1):
    # After the program exits on its own, what it left gets the stop signal and, without
    # --grace, the documented short deadline.
    script = f"{WT} ignore {int(signal.SIGTERM)} & read line; exit 4"
    w = Warden(["sh", "-c", script], pid1=pid1, stdin=subprocess.PIPE, env=env_with())
    w.readline()
    leftover = descendant_named(w.pid, "wt")
    shell = descendant_named(w.pid, "sh")
    w.proc.stdin.close()
    wait_until(lambda: stat_fields(shell) is None, what="warden to reap the program")
    left = blocked_wait_timeout(w.pid)
    assert left is not None and LEFTOVER_DEFAULT - 1.0 < left <= LEFTOVER_DEFAULT, left
    os.kill(leftover, signal.SIGKILL)  # the deadline is known; no need to wait it out
    assert w.wait() == 4


@pytest.mark.parametrize("how", ["program-exits", "stop-request"])
def test_leftovers_get_the_rewritten_stop_signal_once(pid1, how):
    # nginx under --rewrite TERM:QUIT: what is left must get QUIT too (a TERM aborts
    # nginx's graceful drain), and only once.
    script = f"{WT} signals QUIT 0 & read line; exit 4"
    w = Warden(["--rewrite", "TERM:QUIT", "sh", "-c", script], pid1=pid1,
               stdin=subprocess.PIPE, env=env_with())
    w.readline()
    if how == "program-exits":
        w.proc.stdin.close()
        want = 4
    else:
        shell = descendant_named(w.pid, "sh")
        w.send(signal.SIGTERM)  # forwarded to the shell alone, as QUIT
        wait_until(lambda: not stat_fields(shell) or stat_fields(shell)[0] == "Z",
                   what="the shell to die of QUIT")
        want = 128 + signal.SIGQUIT
    assert w.wait() == want
    assert w.stdout == "got QUIT\n", w.stdout


def test_process_group_never_sends_the_same_stop_signal_twice(pid1):
    # TERM goes to the whole group; the shell dies of it, its child takes it and goes on.
    # The leftover stage must not send that child TERM a second time (many programs read
    # a second TERM as "force quit").
    script = f"{WT} signals WINCH 0 & wait"
    w = Warden(["--process-group", "-v", "sh", "-c", script], pid1=pid1, env=env_with())
    w.readline()
    child = descendant_named(w.pid, "wt")
    shell = descendant_named(w.pid, "sh")
    w.send(signal.SIGTERM)
    w.expect("got TERM")
    wait_until(lambda: stat_fields(shell) is None, what="warden to reap the shell")
    blocked_wait_timeout(w.pid)  # warden is past its leftover stage, waiting again
    os.kill(child, signal.SIGWINCH)  # above TERM's number: a pending TERM comes first
    w.expect("got WINCH")
    assert w.wait() == 128 + signal.SIGTERM


def test_inherited_ignores_pass_to_the_program(pid1):
    # exec semantics, as tini and every exec-chain tool keep them: what the caller ignored
    # stays ignored in the program.
    def ignore():
        for sig in (signal.SIGHUP, signal.SIGUSR1):
            signal.signal(sig, signal.SIG_IGN)
    w = Warden(["grep", "^SigIgn:", "/proc/self/status"], pid1=pid1, preexec_fn=ignore,
               env=env_with())
    assert w.wait() == 0
    mask = int(w.stdout.split()[1], 16)
    want = (1 << (signal.SIGHUP - 1)) | (1 << (signal.SIGUSR1 - 1))
    assert mask == want, f"{mask:#x}"


def test_nohup_warden_keeps_the_program_alive_across_a_hangup():
    # `nohup warden -- app`: the hang-up reaches warden, which forwards it; the program
    # inherited nohup's ignore and lives on. Then TERM stops it.
    proc = subprocess.Popen(["nohup", WARDEN, "-v", "--", WT, "pause"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env_with())
    try:
        assert proc.stdout.readline().startswith(b"ready")
        warden = proc.pid
        program = descendant_named(warden, "wt")
        os.kill(warden, signal.SIGHUP)
        os.kill(warden, signal.SIGTERM)  # if HUP were fatal, the program would die of it
        out, err = proc.communicate(timeout=30)
        assert b"forwarded SIGHUP" in err
        assert proc.returncode == 128 + signal.SIGTERM, err
        assert stat_fields(program) is None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
