"""Runs the built warden for real: as PID 1 of a fresh PID namespace or as a plain child."""
import os
import select
import signal
import subprocess
import time

WARDEN = os.environ.get("TESTED_WARDEN", os.path.join(os.path.dirname(__file__), "../../build/warden"))
WT = os.environ.get("WT_BIN", os.path.join(os.path.dirname(__file__), "../../build/tests/wt"))
SANITIZED = os.environ.get("TESTED_SANITIZED", "0") in ("1", "ON", "TRUE", "true")


def stat_fields(pid):
    """(state, ppid, pgrp, session) of pid from /proc, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    rest = data[data.rindex(")") + 2:].split()
    return rest[0], int(rest[1]), int(rest[2]), int(rest[3])


def has_ended(pid):
    """True once pid has exited: gone, or a zombie not yet reaped (read /proc once, so
    a process that is reaped between two reads cannot make the answer fail)."""
    fields = stat_fields(pid)
    return fields is None or fields[0] == "Z"


def children_of(ppid):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = stat_fields(int(name))
            if fields and fields[1] == ppid:
                found.append(int(name))
    return found


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def wait_until(condition, timeout=20.0, what="condition"):
    """Polls a condition that no pipe can tell us about (another process's state), with a
    deadline so that a failing test fails instead of hanging."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.005)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


ACCOUNTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "with-accounts.sh")


def command_line(args, pid1, prefix=(), accounts=None, inner=()):
    """The argv that starts warden: inside a new PID namespace (warden is its PID 1) or as
    a plain child, with fixture account files bind-mounted in a private mount namespace."""
    cmd = list(prefix)
    if pid1:
        cmd += ["unshare", "--pid", "--fork", "--mount-proc"]
    elif accounts:
        cmd += ["unshare", "--mount"]
    if accounts:
        cmd += ["sh", ACCOUNTS, str(accounts[0]), str(accounts[1])]
    return cmd + list(inner) + [WARDEN, *args]


class Warden:
    """warden running in the background, with pipes to its stdio."""

    def __init__(self, args, pid1=True, stdin=subprocess.DEVNULL, env=None, pass_fds=(),
                 prefix=(), accounts=None, **popen):
        self.pid1 = pid1
        cmd = command_line(args, pid1, prefix, accounts)
        self.proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, pass_fds=pass_fds, **popen)
        self._out = b""
        self._pid = None if (pid1 or accounts) else self.proc.pid

    @property
    def pid(self):
        """warden's pid as seen from here (found on first use)."""
        if self._pid is None:
            self._pid = wait_until(self._find_warden, what="warden to start in its namespace")
        return self._pid

    def _find_warden(self):
        if comm(self.proc.pid) == "warden":
            return self.proc.pid
        for pid in children_of(self.proc.pid):
            if comm(pid) == "warden":
                return pid
        return None

    def readline(self, timeout=20.0):
        """The next line of warden's stdout (the program's), waiting at most timeout."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._out:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line on stdout within {timeout}s; got {self._out!r}")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise AssertionError(f"stdout closed; got {self._out!r}")
                self._out += chunk
        line, self._out = self._out.split(b"\n", 1)
        return line.decode()

    def expect(self, text, timeout=20.0):
        line = self.readline(timeout)
        assert line == text, f"expected {text!r}, got {line!r}"
        return line

    def send(self, sig):
        os.kill(self.pid, sig)

    def wait(self, timeout=60.0):
        if self.proc.stdin and self.proc.stdin.closed:
            self.proc.stdin = None
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self.stdout = (self._out + out).decode(errors="replace")
        self.stderr = err.decode(errors="replace")
        return self.proc.returncode

    def kill(self):
        for pid in (self._pid, self.proc.pid):
            if pid is None:
                continue
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.communicate()


def run(args, pid1=True, timeout=120.0, input=None, env=None, prefix=(), accounts=None,
        inner=()):
    """Runs warden to the end: (exit code, stdout, stderr). inner runs between the account
    files' set-up and warden (setpriv, say)."""
    cmd = command_line(args, pid1, prefix, accounts, inner)
    result = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, env=env)
    return result.returncode, result.stdout.decode(errors="replace"), \
        result.stderr.decode(errors="replace")


def assert_one_error_line(stderr, *fragments):
    lines = [line for line in stderr.splitlines() if line.strip()]
    # The sanitizer runtime may add its own report lines only on failure; none expected here.
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert lines[0].startswith("warden: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"


def proc_status(text):
    """/proc/PID/status text as a dict."""
    return {k: v.strip() for k, v in (line.split(":", 1) for line in text.splitlines() if ":" in line)}


def as_user(uid, gid):
    """setpriv's arguments that start warden as uid:gid, not root, with no groups."""
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]


def without(cap):
    """setpriv's arguments that start warden without cap (gone from its bounding set)."""
    return ["setpriv", f"--bounding-set=-{cap}"]


def log_env(json_format, **extra):
    """The environment without the tester's WARDEN_*, plus extra, in the JSON log format
    when asked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARDEN_")}
    env.update(extra)
    if json_format:
        env["WARDEN_LOG_FORMAT"] = "json"
    return env
