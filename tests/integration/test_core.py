"""Issue 2: spawn, forward, reap, exit — as PID 1 and as a plain child."""
import fcntl
import os
import pty
import signal
import subprocess
import termios
import time

import pytest

from harness import (WARDEN, WT, Warden, assert_one_error_line, children_of, run, stat_fields,
                     wait_until)


@pytest.mark.parametrize("argv,code", [
    ([WT, "exit", "0"], 0),
    ([WT, "exit", "42"], 42),
    ([WT, "exit", "255"], 255),
    ([WT, "raise", str(int(signal.SIGTERM))], 128 + 15),
    ([WT, "raise", str(int(signal.SIGUSR1))], 128 + 10),
    ([WT, "raise", str(int(signal.SIGKILL))], 128 + 9),
])
def test_exit_status_is_the_programs(pid1, argv, code):
    status, _, stderr = run(["--", *argv], pid1=pid1)
    assert status == code
    assert stderr == ""


def test_command_not_found_is_127(pid1):
    status, _, stderr = run(["no-such-command-anywhere"], pid1=pid1)
    assert status == 127
    assert_one_error_line(stderr, "no-such-command-anywhere", "No such file")


def test_command_not_executable_is_126(pid1, tmp_path):
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o644)
    status, _, stderr = run([str(script)], pid1=pid1)
    assert status == 126
    assert_one_error_line(stderr, "Permission denied")


NO_SHEBANG = 'echo "run by sh as $0 with $*"\nexit 3\n'


def test_a_script_without_shebang_runs_under_sh(pid1, tmp_path):
    """As tini, dumb-init and catatonit (glibc's execvp) run it: /bin/sh, the file, its
    arguments; by path and along PATH."""
    (tmp_path / "job").write_text(NO_SHEBANG)
    (tmp_path / "job").chmod(0o755)
    status, out, stderr = run([str(tmp_path / "job"), "a", "b c"], pid1=pid1)
    assert (status, out, stderr) == (3, f"run by sh as {tmp_path}/job with a b c\n", "")
    env = dict(os.environ, PATH=f"{tmp_path}:/usr/bin:/bin")
    status, out, stderr = run(["job", "x"], pid1=pid1, env=env)
    assert (status, out, stderr) == (3, f"run by sh as {tmp_path}/job with x\n", "")


@pytest.mark.parametrize("via_script", [False, True], ids=["binary", "interpreter"])
def test_a_binary_for_another_machine_is_126(pid1, tmp_path, via_script):
    """An ELF file exec refuses, or a #! script whose interpreter it is, is not handed to
    /bin/sh (which would take the binary for a script, or run the script's 'echo'): exec's
    error, with what to do."""
    binary = tmp_path / "python3"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00garbage\n")
    program = binary
    if via_script:
        program = tmp_path / "app.py"
        program.write_text(f"#!{binary}\necho read as shell\n")
    for path in {binary, program}:
        path.chmod(0o755)
    status, out, stderr = run([str(program)], pid1=pid1)
    assert (status, out) == (126, "")
    assert stderr == (f"warden: unable to run '{program}': Exec format error (a binary, or a "
                      "script's #! interpreter, built for another architecture or damaged: use "
                      "the image or build for this machine's)\n")


def test_a_script_without_shebang_and_no_bin_sh_is_127(tmp_path):
    """No /bin/sh in the image (distroless): the file is not found as a program, as glibc's
    execvp reports it."""
    (tmp_path / "job").write_text(NO_SHEBANG)
    (tmp_path / "job").chmod(0o755)
    hide_shell = ["sh", "-c", 'mount -t tmpfs none /usr/bin && exec "$@"', "sh"]
    status, out, stderr = run([str(tmp_path / "job")], inner=hide_shell)
    assert (status, out) == (127, "")
    assert stderr == (f"warden: unable to run '{tmp_path}/job': No such file or directory (check "
                      "the path, and for a script its #! line)\n")


def test_path_lookup_finds_commands_and_skips_unexecutable(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "tool").write_text("#!/bin/sh\necho wrong\n")
    (first / "tool").chmod(0o644)
    (second / "tool").write_text("#!/bin/sh\necho right\n")
    (second / "tool").chmod(0o755)
    env = dict(os.environ, PATH=f"{first}:{second}:/usr/bin:/bin")
    status, out, _ = run(["tool"], pid1=False, env=env)
    assert (status, out) == (0, "right\n")


@pytest.mark.parametrize("args,fragment", [
    ([], "no command"),
    (["--"], "no command"),
    (["--bogus", "true"], "'--bogus'"),
    (["-t"], "needs a value"),
    (["-t", "soon", "true"], "--grace"),
])
def test_own_failures_are_125_with_one_line(pid1, args, fragment):
    status, out, stderr = run(args, pid1=pid1)
    assert status == 125
    assert out == ""
    assert_one_error_line(stderr, fragment)


def test_help_and_version():
    status, out, _ = run(["--help"], pid1=False)
    assert status == 0 and out.startswith("Usage: warden")
    status, out, _ = run(["-V"], pid1=False)
    assert status == 0 and out.startswith("warden ")


def test_options_after_the_command_belong_to_it(pid1):
    code = "import sys, json; print(json.dumps(sys.argv[1:]))"
    status, out, _ = run(["-v", "python3", "-c", code, "-v", "--", "a b", "", "--help"],
                         pid1=pid1)
    assert status == 0
    assert out.strip() == '["-v", "--", "a b", "", "--help"]'


def test_environment_and_stdin_pass_through(pid1):
    env = dict(os.environ, SOME_VAR="value with spaces", EMPTY="")
    status, out, _ = run(["sh", "-c", 'printf "%s|%s|" "$SOME_VAR" "${EMPTY-unset}"; cat'],
                         pid1=pid1, env=env, input=b"line one\nline two\n")
    assert status == 0
    assert out == "value with spaces||line one\nline two\n"


def test_stdout_and_stderr_are_the_programs(pid1):
    status, out, err = run(["sh", "-c", "echo out; echo err >&2"], pid1=pid1)
    assert (status, out, err) == (0, "out\n", "err\n")


def test_thousand_orphans_reaped(pid1):
    status, out, err = run([WT, "orphans", "1000", "60"], pid1=pid1)
    assert status == 0, out + err
    assert out.startswith("orphans 1000 reaped in ")


def test_orphan_storm_reaped_while_main_runs():
    # The main program keeps running while 20,000 orphans die around it; it only returns
    # once /proc shows none of them left under warden.
    status, out, err = run([WT, "orphans", "20000", "300"], pid1=True, timeout=400)
    assert status == 0, out + err
    print(out)


def test_orphans_are_adopted_when_not_pid1():
    script = "sh -c 'sleep 60 & echo $!' ; echo ready; read line; exit 0"
    w = Warden(["sh", "-c", script], pid1=False, stdin=subprocess.PIPE)
    grandchild = int(w.readline())
    w.expect("ready")
    # The intermediate shell exited: the orphan now belongs to warden, the subreaper.
    assert wait_until(lambda: stat_fields(grandchild)[1] == w.pid, what="adoption")
    w.proc.stdin.close()
    assert w.wait() == 0
    assert stat_fields(grandchild) is None


FORWARDED = ["INT", "HUP", "QUIT", "USR1", "USR2", "WINCH", "TSTP", "ALRM", "PIPE"]


def test_signals_are_forwarded(pid1):
    w = Warden(["-v", WT, "signals", "TERM", "7"], pid1=pid1)
    w.readline()
    for name in FORWARDED:
        w.send(getattr(signal, "SIG" + name))
        w.expect(f"got {name}")
    w.send(signal.SIGTERM)
    w.expect("got TERM")
    assert w.wait() == 7
    assert "forwarded SIGTERM as SIGTERM" in w.stderr


def ignore_term_usr1_hup():
    for sig in (signal.SIGTERM, signal.SIGUSR1, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)


# Inherited ignores pass on to the program (exec semantics; issue 15 decided it):
# test_stop_requests.py tests that, and the nohup case.


def test_inherited_ignores_do_not_swallow_forwarded_signals(pid1):
    w = Warden([WT, "signals", "TERM", "9"], pid1=pid1, preexec_fn=ignore_term_usr1_hup)
    w.readline()
    for name in ("USR1", "HUP", "TERM"):
        w.send(getattr(signal, "SIG" + name))
        w.expect(f"got {name}")
    assert w.wait() == 9


def test_tty_job_control_signals_are_not_forwarded_and_do_not_stop_warden(pid1):
    w = Warden([WT, "signals", "TERM"], pid1=pid1)
    w.readline()
    for sig in (signal.SIGTTIN, signal.SIGTTOU):
        w.send(sig)
    # A later signal proves the earlier ones were handled first (one queue, in order).
    w.send(signal.SIGUSR1)
    w.expect("got USR1")
    assert stat_fields(w.pid)[0] != "T"
    w.send(signal.SIGTERM)
    w.expect("got TERM")
    assert w.wait() == 0


def test_child_has_its_own_process_group(pid1):
    w = Warden([WT, "pause"], pid1=pid1)
    # wt's first line comes after exec, so after warden gave it its group (a /proc scan
    # alone could find it forked but not yet moved: pgrp 0).
    line = w.readline()
    child = int(line.split()[1]) if not pid1 else None
    if pid1:
        child = wait_until(lambda: children_of(w.pid), what="child")[0]
    state, ppid, pgrp, _ = stat_fields(child)
    assert ppid == w.pid and pgrp == child
    assert stat_fields(w.pid)[2] != child
    w.send(signal.SIGTERM)
    assert w.wait() == 128 + 15


def test_idle_warden_never_wakes_up(pid1):
    w = Warden([WT, "pause"], pid1=pid1)
    w.readline()
    # Blocked in the kernel: state S. Then the counters must not move at all.
    wait_until(lambda: stat_fields(w.pid)[0] == "S", what="warden to sleep")

    def switches():
        with open(f"/proc/{w.pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f)
        return (int(fields["voluntary_ctxt_switches"]),
                int(fields["nonvoluntary_ctxt_switches"]))

    before = switches()
    time.sleep(2.0)  # the measurement window itself, not a synchronisation
    after = switches()
    w.send(signal.SIGTERM)
    assert w.wait() == 143
    assert before == after, f"warden woke up while idle: {before} -> {after}"


def test_no_fd_leaks_into_the_child(pid1):
    status, out, _ = run([WT, "fds"], pid1=pid1)
    assert status == 0
    assert sorted(int(x) for x in out.split()) == [0, 1, 2]


def test_fds_from_the_caller_are_passed_on(pid1):
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)
    w = Warden([WT, "fds"], pid1=pid1, pass_fds=(write_end,))
    os.close(write_end)
    assert w.wait() == 0
    os.close(read_end)
    assert sorted(int(x) for x in w.stdout.split()) == sorted([0, 1, 2, write_end])


def _spawn_on_pty(args, pid1):
    """warden in a new session whose controlling terminal is a fresh pty. As PID 1 it is
    made a session leader owning the terminal, as runc does for `docker run -it`."""
    master, slave = pty.openpty()

    def take_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    if pid1:
        cmd, setup = ["unshare", "--pid", "--fork", "--mount-proc", "setsid", "-c"], os.setsid
    else:
        cmd, setup = [], take_terminal
    proc = subprocess.Popen([*cmd, WARDEN, *args], stdin=slave, stdout=slave, stderr=slave,
                            preexec_fn=setup)
    os.close(slave)
    return master, proc


def _read_until(master, text, timeout=20.0):
    data = b""
    deadline = time.monotonic() + timeout
    while text.encode() not in data:
        import select
        ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"{text!r} not seen on the terminal; got {data!r}")
        data += os.read(master, 4096)
    return data


def test_ctrl_c_on_the_terminal_reaches_the_program(pid1):
    master, proc = _spawn_on_pty([WT, "signals", "INT", "5"], pid1)
    try:
        _read_until(master, "ready")
        os.write(master, b"\x03")
        _read_until(master, "got INT")
        assert proc.wait(timeout=20) == 5
    finally:
        os.close(master)


def test_program_can_read_the_terminal(pid1):
    master, proc = _spawn_on_pty(["sh", "-c", "echo ready; read x; echo \"read:$x\""], pid1)
    try:
        _read_until(master, "ready")
        os.write(master, b"hello\n")
        _read_until(master, "read:hello")
        assert proc.wait(timeout=20) == 0
    finally:
        os.close(master)
