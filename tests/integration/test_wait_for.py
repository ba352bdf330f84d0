"""Issue 17: --wait-for and --wait-timeout: the program starts only once every dependency
answers; 125 naming what never did; a stop while waiting ends warden with nothing started."""
import http.server
import json
import os
import select
import signal
import socket
import subprocess
import threading
import time

import pytest

from harness import command_line, run, wait_until, children_of, comm
from silent_dns import silent_dns_prefix

PYTHON = "/usr/bin/python3"
RETRY_HINT = "--wait-timeout or WARDEN_WAIT_TIMEOUT sets how long to wait"


def reserved_port():
    """A socket bound to a loopback port but not listening: connections are refused
    until listen() is called on it."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]


def program_that_says_started(port):
    """The program: connects to the listener and says so, which the listener records."""
    return [PYTHON, "-c", "import socket, sys; "
            f"socket.create_connection(('127.0.0.1', {port})).sendall(b'started')"]


class Waiting:
    """warden in the background, with its stderr read line by line."""

    def __init__(self, args, pid1=True, env=None):
        self.proc = subprocess.Popen(command_line(args, pid1), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.buffered = b""

    def stderr_line(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffered:
            left = deadline - time.monotonic()
            assert left > 0, f"no line on stderr within {timeout}s; got {self.buffered!r}"
            ready, _, _ = select.select([self.proc.stderr], [], [], left)
            if ready:
                chunk = os.read(self.proc.stderr.fileno(), 65536)
                assert chunk, f"stderr closed; got {self.buffered!r}"
                self.buffered += chunk
        line, self.buffered = self.buffered.split(b"\n", 1)
        return line.decode()

    def warden_pid(self):
        def find():
            for pid in [self.proc.pid, *children_of(self.proc.pid)]:
                if comm(pid) == "warden":
                    return pid
            return None
        return wait_until(find, what="warden")

    def finish(self, timeout=30.0):
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(), (self.buffered + err).decode()


def accept_all(listener, record):
    """The listener's own record, in the order connections were accepted: what each
    connection said ('' for warden's checks, which only connect)."""
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(20)
            data = b""
            while True:
                chunk = conn.recv(64)
                if not chunk:
                    break
                data += chunk
        record.append(data.decode())


def test_program_starts_only_after_the_dependency_listens(pid1):
    listener, port = reserved_port()
    url = f"tcp://127.0.0.1:{port}"
    w = Waiting(["--wait-for", url, *program_that_says_started(port)], pid1=pid1)
    try:
        # warden says it waits: the dependency is not there yet, so the program cannot be.
        assert w.stderr_line() == (f"warden: --wait-for {url}: waiting (up to 60 s in all): "
                                   "connection failed: Connection refused")
        record = ["listening"]
        listener.listen(16)
        thread = threading.Thread(target=accept_all, args=(listener, record), daemon=True)
        thread.start()
        code, out, err = w.finish()
        assert (code, out) == (0, ""), err
        assert err.startswith(f"warden: --wait-for {url}: answered after "), err
        assert len(err.splitlines()) == 1, err
        # The last of warden's tries is the first connection; the program's comes after.
        wait_until(lambda: record and record[-1] == "started", what="the program's connection")
        assert record[0] == "listening" and record[-1] == "started"
        assert set(record[1:-1]) == {""} and len(record) >= 3, record
    finally:
        listener.close()
        if w.proc.poll() is None:
            w.proc.kill()


class Flaky(http.server.BaseHTTPRequestHandler):
    """503 for the first two requests, then 200: a service still starting up."""

    def do_GET(self):
        self.server.record.append(self.path)
        self.send_response(503 if len(self.server.record) <= 2 else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_http_dependency_waited_for_until_its_status_is_below_400(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    server.record = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/ready"
    sock = tmp_path / "app.sock"
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(sock))
    unix.listen(4)
    try:
        code, out, err = run(["--log-format", "json", "--wait-for", url, "--wait-for",
                              f"unix://{sock}", PYTHON, "-c", "print('started')"])
        assert (code, out) == (0, "started\n"), err
        assert server.record == ["/ready", "/ready", "/ready"]
        records = [json.loads(line) for line in err.splitlines()]
        assert [(r["level"], r["url"], r["message"].split(": ", 1)[1].split(" after")[0])
                for r in records] == [
            ("info", f"unix://{sock}", "answered"),
            ("info", url, "waiting (up to 60 s in all): status 503"),
            ("info", url, "answered"),
        ]
        assert records[1]["reason"] == "status 503"
        assert records[2]["waited_ms"] >= 0
    finally:
        server.shutdown()
        server.server_close()
        unix.close()


def test_a_dependency_that_never_comes_is_125_naming_it(pid1, tmp_path):
    listener, port = reserved_port()
    marker = tmp_path / "ran"
    missing = tmp_path / "missing.sock"
    try:
        code, out, err = run(["--wait-for", f"tcp://127.0.0.1:{port}", "--wait-for",
                              f"unix://{missing}", "--wait-timeout", "0.5",
                              "touch", str(marker)], pid1=pid1)
    finally:
        listener.close()
    assert (code, out) == (125, "")
    refused = "connection failed: Connection refused"
    enoent = "connection failed: No such file or directory"
    assert sorted(err.splitlines()[:2]) == sorted([
        f"warden: --wait-for tcp://127.0.0.1:{port}: waiting (up to 0.5 s in all): {refused}",
        f"warden: --wait-for unix://{missing}: waiting (up to 0.5 s in all): {enoent}",
    ])
    assert err.splitlines()[2:] == [
        f"warden: --wait-for: no answer within 0.5 s from tcp://127.0.0.1:{port} ({refused}), "
        f"unix://{missing} ({enoent}); {RETRY_HINT}"]
    assert not marker.exists()


def test_from_the_environment(tmp_path):
    listener, port = reserved_port()
    env = dict(os.environ, WARDEN_WAIT_FOR=f"tcp://127.0.0.1:{port}", WARDEN_WAIT_TIMEOUT="0.3",
               WARDEN_QUIET="1")
    try:
        code, out, err = run(["touch", str(tmp_path / "ran")], env=env)
    finally:
        listener.close()
    assert (code, out) == (125, "")
    assert err == (f"warden: --wait-for: no answer within 0.3 s from tcp://127.0.0.1:{port} "
                   f"(connection failed: Connection refused); {RETRY_HINT}\n")
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_while_waiting_ends_warden_with_nothing_started(pid1, sig, tmp_path):
    listener, port = reserved_port()
    marker = tmp_path / "ran"
    url = f"tcp://127.0.0.1:{port}"
    w = Waiting(["--wait-for", url, "touch", str(marker)], pid1=pid1)
    try:
        assert w.stderr_line().startswith(f"warden: --wait-for {url}: waiting (up to 60 s")
        os.kill(w.warden_pid(), sig)
        code, out, err = w.finish()
    finally:
        listener.close()
        if w.proc.poll() is None:
            w.proc.kill()
    assert (code, out, err) == (128 + sig, "", "")
    assert not marker.exists()


@pytest.mark.parametrize("args, fragment", [
    (["--wait-for", "db:5432"], "--wait-for: 'db:5432' is not a URL warden can check"),
    (["--wait-for", "tcp://db"], "a port is required"),
    (["--wait-timeout", "0"],
     "--wait-timeout: '0' is out of range: give seconds above 0, up to 86400, like 5 or 0.5"),
    (["--wait-timeout", "soon"],
     "--wait-timeout: 'soon' is not a number of seconds: give seconds above 0, up to 86400, "
     "like 5 or 0.5"),
])
def test_bad_values_are_one_line_and_125(args, fragment):
    code, out, err = run([*args, "true"], pid1=False)
    assert (code, out) == (125, "")
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warden: ") and fragment in lines[0], lines


def test_a_dns_server_that_never_answers_is_given_up(tmp_path):
    """Each try's name lookup is abandoned at the try's timeout (here the overall one),
    its thread left to end on its own: warden exits on time with the reason."""
    code, out, err = run(["--wait-for", "tcp://db.invalid:5432", "--wait-timeout", "0.5",
                          "touch", str(tmp_path / "ran")], prefix=silent_dns_prefix(tmp_path))
    assert (code, out) == (125, "")
    why = "timed out after 0.5 s while resolving 'db.invalid'"
    assert err.splitlines() == [
        f"warden: --wait-for tcp://db.invalid:5432: waiting (up to 0.5 s in all): {why}",
        f"warden: --wait-for: no answer within 0.5 s from tcp://db.invalid:5432 ({why}); "
        f"{RETRY_HINT}"]
    assert not (tmp_path / "ran").exists()
