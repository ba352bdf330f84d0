"""Issue 15: the personalities behave as the tools they stand for. Every case runs the real
tool (Debian's package) and warden under its name side by side, the same way, and compares
what happened: exit code, which signals arrived, which processes remain, stops, terminal.
Wording (help, debug lines, messages) is not compared: warden writes its own."""
import os
import pty
import select
import signal
import subprocess
import termios
import time

import pytest

from harness import WARDEN, WT, proc_status, stat_fields, wait_until
from stopwatch import blocked_wait_timeout

TINI = "/usr/bin/tini-static"
GOSU = "/usr/sbin/gosu"
DUMB_INIT = "/usr/bin/dumb-init"
CATATONIT = "/usr/bin/catatonit"
NAMESPACE = ["unshare", "--pid", "--fork", "--mount-proc"]


@pytest.fixture(scope="module")
def links(tmp_path_factory):
    base = tmp_path_factory.mktemp("links")
    for name in ("tini", "dumb-init", "catatonit", "gosu"):
        os.symlink(os.path.abspath(WARDEN), base / name)
    return base


def pair(links, real, name):
    """The real tool and warden under its name, labelled for assertion messages."""
    return [("real", real), ("warden", str(links / name))]


class Started:
    """A process with a pipe on its stdout (and stdin), read line by line with a deadline."""

    def __init__(self, argv, **popen):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.PIPE,
                                     **popen)
        self.buf = b""

    def readline(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            if not ready:
                raise AssertionError(f"no line within {timeout}s; got {self.buf!r}")
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise AssertionError(f"stdout closed; got {self.buf!r}")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def rest(self):
        """Everything else on stdout, up to EOF."""
        data = self.buf + self.proc.stdout.read()
        self.buf = b""
        return data.decode()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdout, self.proc.stdin):
            if f:
                f.close()


def init_under(outer):
    """The tool's pid when it runs as PID 1 under unshare."""
    return wait_until(lambda: ([p for p in children_of(outer)] or [None])[0],
                      what="the init inside the namespace")


def children_of(ppid):
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = stat_fields(int(name))
            if fields and fields[1] == ppid:
                out.append(int(name))
    return out


def alive(pid):
    fields = stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def kill_quietly(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


MODES = [pytest.param([], id="setsid"), pytest.param(["-c"], id="single-child")]
FAULTS = ["ILL", "TRAP", "ABRT", "BUS", "FPE", "SEGV", "SYS"]


# dumb-init ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_dumb_init_forwards_fault_signals_sent_with_kill(links, mode):
    # Sent with kill(2) these are plain messages, and dumb-init passes them on.
    for label, tool in pair(links, DUMB_INIT, "dumb-init"):
        s = Started(NAMESPACE + [tool, *mode, WT, "signals", "USR2", "0"])
        try:
            assert s.readline().startswith("ready"), label
            init = init_under(s.proc.pid)
            for name in FAULTS:
                os.kill(init, getattr(signal, "SIG" + name))
                assert s.readline(timeout=5) == f"got {name}", (label, mode)
            os.kill(init, signal.SIGUSR2)
            assert s.readline() == "got USR2"
            assert s.proc.wait(timeout=20) == 0, label
        finally:
            s.close()


@pytest.mark.parametrize("mode", MODES)
def test_dumb_init_never_kills_the_program_after_a_forwarded_stop(links, mode):
    # After TERM or INT it waits for the program for as long as it takes: no timer at all
    # (seen directly: the wait it sleeps in has no timeout).
    for label, tool in pair(links, DUMB_INIT, "dumb-init"):
        s = Started(NAMESPACE + [tool, *mode, WT, "signals", "USR2", "0"])
        try:
            s.readline()
            init = init_under(s.proc.pid)
            for name in ("TERM", "INT"):
                os.kill(init, getattr(signal, "SIG" + name))
                assert s.readline() == f"got {name}", label
                assert blocked_wait_timeout(init) is None, (label, name, "a deadline is armed")
            os.kill(init, signal.SIGUSR2)
            assert s.readline() == "got USR2"
            assert s.proc.wait(timeout=20) == 0, label
        finally:
            s.close()


@pytest.mark.parametrize("mode,rewrite,leftover_gets", [
    ([], [], "got TERM"),
    ([], ["-r", "15:3"], "got QUIT"),
    (["-c"], [], None),
], ids=["setsid", "setsid-rewrite", "single-child"])
def test_dumb_init_exits_with_the_program_at_once(links, mode, rewrite, leftover_gets):
    # The program exits 3 leaving a process in its group. dumb-init sends that group its
    # (rewritten) TERM and exits 3 at once, without waiting for it; with -c it leaves it
    # alone. Not PID 1 here, so what is left survives the init and can be looked at.
    script = f"{WT} signals WINCH 0 & read line; exit 3"
    for label, tool in pair(links, DUMB_INIT, "dumb-init"):
        s = Started([tool, *mode, *rewrite, "sh", "-c", script])
        leftover = None
        try:
            leftover = int(s.readline().split()[1])
            s.proc.stdin.close()
            assert s.proc.wait(timeout=30) == 3, label
            assert alive(leftover), (label, "the leftover was killed")
            if leftover_gets:
                assert s.readline() == leftover_gets, label
            # A signal above TERM's number: a pending TERM would be taken first.
            os.kill(leftover, signal.SIGWINCH)
            assert s.readline() == "got WINCH", (label, "the leftover got a signal first")
        finally:
            if leftover:
                kill_quietly(leftover)
            s.close()


def wait_stopped(pid):
    """Waits, as a shell does with waitpid(WUNTRACED), until the child pid stops."""
    def stopped():
        got, status = os.waitpid(pid, os.WNOHANG | os.WUNTRACED)
        return got == pid and os.WIFSTOPPED(status)
    wait_until(stopped, timeout=10, what="the init to stop itself")


@pytest.mark.parametrize("mode", MODES)
def test_dumb_init_stops_itself_after_forwarding_job_control_signals(links, mode):
    # Started from a shell (not PID 1): after TSTP, TTOU or TTIN it forwards the signal
    # (SIGSTOP in setsid mode) and stops itself, so the shell's waitpid sees a stopped job;
    # CONT resumes it and reaches the program.
    for label, tool in pair(links, DUMB_INIT, "dumb-init"):
        s = Started([tool, *mode, WT, "signals", "USR2", "0"])
        try:
            child = int(s.readline().split()[1])
            for name in ("TSTP", "TTOU", "TTIN"):
                os.kill(s.proc.pid, getattr(signal, "SIG" + name))
                if mode:
                    assert s.readline() == f"got {name}", label
                else:
                    wait_until(lambda: stat_fields(child)[0] == "T", what="the program to stop")
                wait_stopped(s.proc.pid)
                os.kill(s.proc.pid, signal.SIGCONT)
                assert s.readline() == "got CONT", (label, name)
                assert stat_fields(child)[0] != "T"
            os.kill(s.proc.pid, signal.SIGUSR2)
            assert s.readline() == "got USR2"
            assert s.proc.wait(timeout=20) == 0, label
        finally:
            s.close()


def on_new_terminal(argv):
    """argv as the session leader of a fresh pty that is its controlling terminal (as
    `docker run -t` starts a container). Returns (pid, master fd)."""
    pid, master = pty.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    attrs = termios.tcgetattr(master)
    attrs[1] &= ~termios.OPOST
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(master, termios.TCSANOW, attrs)
    return pid, master


def read_terminal_line(master, timeout=20.0):
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([master], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            raise AssertionError(f"no line on the terminal within {timeout}s; got {data!r}")
        try:
            chunk = os.read(master, 1)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data.decode().rstrip("\r\n")


def finish_terminal(pid, master, timeout=30.0):
    """The exit code of the session leader; killed (and the test failed) if it has not
    ended within timeout: its pidfd becomes readable when it ends."""
    pidfd = os.pidfd_open(pid)
    try:
        ended, _, _ = select.select([pidfd], [], [], timeout)
        if not ended:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert ended, f"the terminal's session leader did not end within {timeout}s"
    finally:
        os.close(pidfd)
        os.close(master)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.parametrize("mode,expect", [
    ([], "tty leader=yes ctty=yes foreground=yes"),
    (["-c"], "tty leader=no ctty=yes foreground=yes"),
], ids=["setsid", "single-child"])
def test_dumb_init_hands_its_terminal_to_the_program(links, mode, expect):
    # In setsid mode the program leads a new session and takes the terminal as its
    # controlling terminal (TIOCSCTTY); with -c it stays in dumb-init's session.
    for label, tool in pair(links, DUMB_INIT, "dumb-init"):
        pid, master = on_new_terminal([tool, *mode, WT, "tty"])
        line = read_terminal_line(master)
        assert finish_terminal(pid, master) == 0, label
        assert line == expect, label


def test_dumb_init_ignores_only_the_terminal_hand_off_signals(links):
    # Giving the terminal away makes the kernel send HUP and CONT to the old session's
    # foreground group: the first of each is not passed on (the program would die of the
    # HUP), and a HUP sent later is.
    for label, tool in pair(links, DUMB_INIT, "dumb-init"):
        pid, master = on_new_terminal([tool, WT, "signals", "TERM", "0"])
        try:
            assert read_terminal_line(master).startswith("ready"), label
            os.kill(pid, signal.SIGHUP)
            assert read_terminal_line(master) == "got HUP", label
            os.kill(pid, signal.SIGTERM)
            assert read_terminal_line(master) == "got TERM", label
        finally:
            assert finish_terminal(pid, master) == 0, label


@pytest.mark.parametrize("mode", MODES)
def test_dumb_init_does_not_keep_the_working_directory(links, mode, tmp_path):
    # The program starts where dumb-init was started; dumb-init itself moves to / so that
    # it pins no mount.
    script = "readlink /proc/$PPID/cwd; readlink /proc/$$/cwd"
    for label, tool in pair(links, DUMB_INIT, "dumb-init"):
        r = subprocess.run([tool, *mode, "sh", "-c", script], cwd=tmp_path,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, (label, r.stderr)
        assert r.stdout == f"/\n{tmp_path}\n", label


# tini (and the others) and inherited dispositions ------------------------------------

def ignored_mask(tool_argv, pid1):
    """SigIgn of the program when the tool's parent ignored HUP, INT and USR1."""
    cmd = (NAMESPACE if pid1 else []) + ["sh", "-c",
                                         'trap "" HUP INT USR1; exec "$@"', "sh", *tool_argv,
                                         "grep", "^SigIgn:", "/proc/self/status"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return int(r.stdout.split()[1], 16)


@pytest.mark.parametrize("real,name,args", [
    (TINI, "tini", ["-s", "--"]), (DUMB_INIT, "dumb-init", []), (CATATONIT, "catatonit", ["--"]),
], ids=["tini", "dumb-init", "catatonit"])
def test_signals_ignored_by_the_parent_match(links, pid1, real, name, args):
    # tini and catatonit leave them ignored (exec semantics, tini's sigconf test);
    # dumb-init installs a handler for every signal, so its program starts with none.
    want = ignored_mask([real, *args], pid1)
    got = ignored_mask([str(links / name), *args], pid1)
    assert got == want, f"{name}: SigIgn {got:#x}, the real tool gives {want:#x}"


@pytest.mark.parametrize("real,name,args", [
    (TINI, "tini", ["--"]), (DUMB_INIT, "dumb-init", []), (CATATONIT, "catatonit", ["--"]),
], ids=["tini", "dumb-init", "catatonit"])
def test_files_without_shebang_go_to_the_shell(links, tmp_path, real, name, args):
    # glibc's execvp, which the tools are built with, hands what exec refuses as no known
    # format to /bin/sh: a script without #! runs, and so does (as a script) a binary for
    # another machine, which the shell then cannot make sense of.
    # So does a #! script whose interpreter the kernel refuses: its lines run as commands.
    script, binary, python = tmp_path / "job", tmp_path / "server", tmp_path / "app.py"
    script.write_text('echo "run by sh as $0 with $*"\nexit 3\n')
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00garbage\n")
    python.write_text(f"#!{binary}\necho read as shell\n")
    for path in (script, binary, python):
        path.chmod(0o755)
    results = {}
    for label, tool in pair(links, real, name):
        for path in (script, binary, python):
            r = subprocess.run(NAMESPACE + [tool, *args, str(path), "a"], capture_output=True,
                               text=True, timeout=30)
            results[label, path.name] = (r.returncode, r.stdout, r.stderr)
    assert results["real", "job"] == (3, f"run by sh as {script} with a\n", "")
    assert results["warden", "job"] == results["real", "job"]
    code, out, err = results["real", "server"]
    assert (code, out) == (127, "") and err.startswith(f"{binary}: 1: "), err
    assert results["warden", "server"] == results["real", "server"]
    assert results["real", "app.py"] == (0, "read as shell\n", "")
    assert results["warden", "app.py"] == results["real", "app.py"]


ORPHAN_SCRIPT = """f=$(mktemp)
sh -c "$1 pause >/dev/null 2>&1 & echo \\$! >$f"
o=$(cat "$f"); rm -f "$f"
if [ "$(cut -d' ' -f4 /proc/$o/stat)" = "$PPID" ]; then echo adopted-by-tool yes
else echo adopted-by-tool no; fi
kill -9 "$o"
"""


def orphan_report(tool_argv, env):
    """Runs the tool (not PID 1) inside a namespace whose init is a shell; its program
    orphans a process (the middle shell has exited when the report is made) and says
    whether the tool adopted it. Returns (stdout, stderr, exit code)."""
    outer = '"$@"; echo "tool exited $?"'
    r = subprocess.run(NAMESPACE + ["sh", "-c", outer, "sh", *tool_argv, "sh", "-c",
                                    ORPHAN_SCRIPT, "orphaner", WT],
                       capture_output=True, text=True, timeout=60, env=env)
    return r.stdout, r.stderr, r.returncode


@pytest.mark.parametrize("args,env,adopted", [
    (["--"], {}, "no"),
    (["-s", "--"], {}, "yes"),
    (["--"], {"TINI_SUBREAPER": "1"}, "yes"),
], ids=["plain", "-s", "TINI_SUBREAPER"])
def test_tini_adopts_orphans_only_as_a_subreaper(links, args, env, adopted):
    # Neither PID 1 nor asked to be a subreaper, tini warns and orphans go to the
    # namespace's init, not to it (tini's "reaping failure" test).
    environment = dict(os.environ, **env)
    for label, tool in pair(links, TINI, "tini"):
        out, err, code = orphan_report([tool, *args], environment)
        assert code == 0, (label, err)
        assert out == f"adopted-by-tool {adopted}\ntool exited 0\n", (label, out, err)
        warned = "subreaper" in err
        assert warned == (adopted == "no"), (label, err)


def test_tini_gives_the_program_the_foreground_across_a_pid_namespace(links):
    # `unshare --pid --fork tini -- sh` from a terminal: the terminal's foreground group
    # (unshare's) lies outside tini's namespace. tini still puts the program in the
    # foreground, so an interactive shell can read the terminal.
    script = f'{WT} tty; read line; echo "read:$line"'
    for label, tool in pair(links, TINI, "tini"):
        # --kill-child: if the shell is stopped on the terminal, killing unshare ends all.
        pid, master = on_new_terminal(NAMESPACE + ["--kill-child", tool, "--", "sh", "-c",
                                                   script])
        try:
            assert read_terminal_line(master) == "tty leader=no ctty=yes foreground=yes", label
            os.write(master, b"hello\n")
            assert read_terminal_line(master) == "read:hello", label
        except AssertionError:
            os.kill(pid, signal.SIGKILL)
            finish_terminal(pid, master)
            raise
        assert finish_terminal(pid, master) == 0, label


# gosu --------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", ["0:", "", "0::", "app:", ":video", "app:video:x"])
def test_gosu_user_specs_with_empty_parts(links, accounts, spec):
    # gosu reads USER[:GROUP] as `docker --user` does: an empty user is the caller's, an
    # empty group is no group, and fields after a second colon are not read.
    from harness import command_line
    results = []
    for _, tool in pair(links, GOSU, "gosu"):
        cmd = command_line([], False, accounts=accounts)[:-1] + [tool, spec, "id"]
        results.append(subprocess.run(cmd, capture_output=True, text=True, timeout=60))
    real, ours = results
    assert ours.returncode == real.returncode, (spec, real.stderr, ours.stderr)
    assert ours.stdout == real.stdout, spec


def test_gosu_status_fields_for_empty_user(links, accounts):
    from harness import command_line
    fields = ("Uid", "Gid", "Groups")
    got = []
    for _, tool in pair(links, GOSU, "gosu"):
        cmd = command_line([], False, accounts=accounts)[:-1] + [tool, "", "cat",
                                                                 "/proc/self/status"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        status = proc_status(r.stdout)
        got.append([status[f].split() for f in fields])
    assert got[0] == got[1]

