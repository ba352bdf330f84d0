"""Issue 16: the health watchdog. warden checks the program's endpoint from its own loop
(--health), and per --on-unhealthy stops it in order and exits 124, starts it again in
place, or only says so. The program is `wt serve`: an HTTP server on a unix socket whose
answer a state file decides (ok, bad, hang). Every wait is on an event: a line on the
program's stdout or in warden's log; intervals are 0.1 s so that the tests stay short."""
import json
import os
import select
import signal
import socket
import subprocess
import time

import pytest

from harness import WT, Warden, assert_one_error_line, children_of, run, stat_fields

UNHEALTHY = 124  # the documented exit code: stopped because unhealthy


def env_with(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARDEN_")}
    env.update(extra)
    return env


class Endpoint:
    """The paths of one wt serve: its socket and the state file it reads per request."""

    def __init__(self, base, state="ok"):
        self.sock = str(base / "app.sock")
        self.state_file = base / "state"
        self.set(state)

    def set(self, state):
        tmp = self.state_file.with_suffix(".new")
        tmp.write_text(state + "\n")
        os.replace(tmp, self.state_file)  # never half written when the server reads it

    @property
    def url(self):
        return f"http+unix://{self.sock}:/health"

    def program(self):
        return ["--", WT, "serve", self.sock, str(self.state_file)]

    def get(self):
        """(status, body) of one request from here."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(20)
            s.connect(self.sock)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        head, _, body = data.decode().partition("\r\n\r\n")
        return int(head.split()[1]), body.strip()


class Log:
    """warden's stderr read line by line while it runs (the transitions are events)."""

    def __init__(self, warden):
        self.w = warden
        self.lines = []
        self._buf = b""

    def wait_for(self, fragment, timeout=30.0):
        """The first line not yet waited past that holds fragment."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self._buf:
                raw, self._buf = self._buf.split(b"\n", 1)
                line = raw.decode(errors="replace")
                self.lines.append(line)
                if fragment in line:
                    return line
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no log line with {fragment!r} within {timeout}s: "
                                     f"{self.lines!r}")
            ready, _, _ = select.select([self.w.proc.stderr], [], [], left)
            if ready:
                chunk = os.read(self.w.proc.stderr.fileno(), 65536)
                if not chunk:
                    raise AssertionError(f"stderr closed before {fragment!r}: {self.lines!r}")
                self._buf += chunk

    def finish(self):
        """Every line, once warden has exited (call after Warden.wait)."""
        rest = (self._buf.decode(errors="replace") + self.w.stderr)
        return self.lines + [line for line in rest.splitlines() if line]


def start(endpoint, *options, program=None, pid1=True, interval="0.1"):
    args = ["-v", "--health", endpoint.url, "--health-interval", interval, *options]
    w = Warden(args + (program or endpoint.program()), env=env_with(), pid1=pid1)
    return w, Log(w)


def serving_pid(w):
    line = w.readline()
    assert line.startswith("serving "), line
    return int(line.split()[1])


def index_of(lines, fragment):
    for i, line in enumerate(lines):
        if fragment in line:
            return i
    raise AssertionError(f"no line with {fragment!r} in {lines!r}")


@pytest.mark.parametrize("rewrite,sent", [((), "TERM"), (("--rewrite", "TERM:QUIT"), "QUIT")])
def test_stop_when_the_endpoint_turns_bad(tmp_path, rewrite, sent):
    ep = Endpoint(tmp_path)
    w, log = start(ep, "--health-retries", "2", "--on-unhealthy", "stop", *rewrite)
    pid = serving_pid(w)
    log.wait_for("health: healthy: status 200")
    ep.set("bad")
    # The ordered stop: the program's stop signal after --rewrite; it exits 3 by itself.
    w.expect(f"got SIG{sent} {pid}")
    assert w.wait() == UNHEALTHY
    lines = log.finish()
    order = [index_of(lines, "health: check failed (1 of 2): status 503"),
             index_of(lines, "health: unhealthy: status 503 (2 failed checks in a row)"),
             index_of(lines, f"health: stopping: sent SIG{sent} to pid {pid}; warden exits 124"),
             index_of(lines, f"main program (pid {pid}) ended with status 3"),
             index_of(lines, "health: stopped because unhealthy: exit status 124")]
    assert order == sorted(order), lines
    assert w.stdout == ""  # nothing after the stop line: no restart


def test_a_program_that_ignores_its_stop_signal_is_killed_after_grace(tmp_path):
    # The endpoint is not the program here: a socket that refuses (bound, never listening).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        args = ["-v", "--health", f"tcp://127.0.0.1:{port}", "--health-interval", "0.1",
                "--health-retries", "1", "--on-unhealthy", "stop", "--grace", "0.2",
                "--", WT, "ignore", str(int(signal.SIGTERM))]
        w = Warden(args, env=env_with())
        w.readline()
        assert w.wait() == UNHEALTHY
    lines = w.stderr.splitlines()
    order = [index_of(lines, "health: unhealthy: connection failed: Connection refused"),
             index_of(lines, "health: stopping: sent SIGTERM to pid 2"),
             index_of(lines, "grace period of 0.2 s over"),
             index_of(lines, "main program (pid 2) ended with status 137")]
    assert order == sorted(order), lines


def test_restart_a_new_process_answers_and_the_old_one_is_gone(tmp_path, pid1):
    ep = Endpoint(tmp_path)
    w, log = start(ep, "--health-retries", "3", "--on-unhealthy", "restart", pid1=pid1)
    old = serving_pid(w)
    log.wait_for("health: healthy")
    [old_host_pid] = children_of(w.pid)
    ep.set("bad")
    w.expect(f"got SIGTERM {old}")
    ep.set("ok")
    new = serving_pid(w)
    assert new != old
    log.wait_for(f"health: restarted: '{WT}' is pid {new} (restart 1 in a row)")
    log.wait_for("health: healthy")
    assert ep.get() == (200, f"pid {new}")
    assert stat_fields(old_host_pid) is None  # gone, and reaped
    [new_host_pid] = children_of(w.pid)
    assert new_host_pid != old_host_pid
    # A restart is not the program's exit: the engine's stop still ends it, with its code.
    w.send(signal.SIGUSR1)
    w.expect(f"got SIGUSR1 {new}")
    w.send(signal.SIGTERM)
    w.expect(f"got SIGTERM {new}")
    assert w.wait() == 3
    lines = log.finish()
    assert sum("health: restarted" in line for line in lines) == 1, lines
    assert not any("stopped because unhealthy" in line for line in lines), lines


def test_a_restart_signals_the_programs_leftovers_but_not_other_processes(tmp_path):
    ep = Endpoint(tmp_path)
    # The program leaves a child behind when it exits: a leftover of its own.
    shell = f"{WT} pause >/dev/null & exec {WT} serve {ep.sock} {ep.state_file}"
    w, log = start(ep, "--health-retries", "1", "--on-unhealthy", "restart",
                   program=["--", "sh", "-c", shell])
    old = serving_pid(w)
    log.wait_for("health: healthy")
    # A process in warden's namespace that is not its descendant, as `docker exec` makes.
    visitor = subprocess.Popen(["nsenter", "--target", str(w.pid), "--pid", "--", WT, "pause"],
                               stdout=subprocess.PIPE)
    try:
        assert visitor.stdout.readline().startswith(b"ready ")
        ep.set("bad")
        w.expect(f"got SIGTERM {old}")
        ep.set("ok")
        new = serving_pid(w)
        log.wait_for("health: restarted")
        log.wait_for("health: healthy")
        # A restart is not the end of the container: the visitor was left alone.
        assert visitor.poll() is None, "the restart signalled a process outside the program"
        w.send(signal.SIGTERM)
        w.expect(f"got SIGTERM {new}")
        assert w.wait() == 3
        # The end of PID 1 is the end of its namespace.
        assert visitor.wait(timeout=20) in (-signal.SIGTERM, -signal.SIGKILL)
    finally:
        visitor.kill()
        visitor.wait()
    lines = log.finish()
    # Before the restart, the old program's leftover got the stop signal, by itself.
    before = lines[:index_of(lines, "health: restarted")]
    index_of(before, "main program ended: sent SIGTERM to 1 leftover process")


def test_restart_limit(tmp_path):
    ep = Endpoint(tmp_path, state="bad")
    w, log = start(ep, "--health-retries", "1", "--on-unhealthy", "restart",
                   "--restart-limit", "2")
    pids = []
    for _ in range(3):  # the first start and two restarts, then the stop
        pids.append(serving_pid(w))
        w.expect(f"got SIGTERM {pids[-1]}")
    assert w.wait() == UNHEALTHY
    assert w.stdout == ""
    assert len(set(pids)) == 3
    lines = log.finish()
    assert [line.split("health: restarted: ")[1] for line in lines if "restarted:" in line] == [
        f"'{WT}' is pid {pids[1]} (restart 1 in a row)",
        f"'{WT}' is pid {pids[2]} (restart 2 in a row)"]
    # The first restart at once, the second after one interval.
    assert sum("health: restart in 0.1 s (back-off)" in line for line in lines) == 1, lines
    index_of(lines, f"health: stopping: sent SIGTERM to pid {pids[2]}; --restart-limit reached")
    index_of(lines, "health: stopped because unhealthy: exit status 124")


def test_the_engines_stop_during_a_back_off_ends_warden_without_a_restart(tmp_path):
    # The second restart in a row waits one interval (2 s here): TERM comes meanwhile.
    ep = Endpoint(tmp_path, state="bad")
    w, log = start(ep, "--health-retries", "1", "--on-unhealthy", "restart", interval="2")
    first = serving_pid(w)
    w.expect(f"got SIGTERM {first}")
    second = serving_pid(w)
    w.expect(f"got SIGTERM {second}")
    log.wait_for("health: restart in 2 s (back-off)")
    w.send(signal.SIGTERM)
    assert w.wait() == 3  # the last program's own status: nothing stopped it for health
    assert w.stdout == ""  # no third start
    lines = log.finish()
    index_of(lines, "health: stop requested: the program will not be started again")
    assert not any("stopped because unhealthy" in line for line in lines), lines


def test_failures_in_the_start_period_do_not_count_and_a_success_ends_it(tmp_path):
    ep = Endpoint(tmp_path, state="bad")
    w, log = start(ep, "--health-retries", "1", "--health-start-period", "600",
                   "--on-unhealthy", "stop")
    pid = serving_pid(w)
    for _ in range(3):  # with --health-retries 1, any counted failure would stop it
        log.wait_for("health: check failed in the start period (not counted): status 503")
    ep.set("ok")
    log.wait_for("health: healthy: status 200")
    # Long before the 600 s are over, the first failure now counts.
    ep.set("bad")
    w.expect(f"got SIGTERM {pid}")
    assert w.wait() == UNHEALTHY
    lines = log.finish()
    assert index_of(lines, "health: healthy") < index_of(lines, "health: unhealthy: status 503")


def test_the_start_period_ends_by_itself(tmp_path):
    ep = Endpoint(tmp_path, state="bad")
    w, log = start(ep, "--health-retries", "1", "--health-start-period", "0.3",
                   "--on-unhealthy", "stop")
    pid = serving_pid(w)
    w.expect(f"got SIGTERM {pid}")
    assert w.wait() == UNHEALTHY
    lines = log.finish()
    assert index_of(lines, "(not counted): status 503") < index_of(lines, "health: unhealthy")


def test_a_hanging_endpoint_never_delays_forwarding_or_the_stop(tmp_path):
    ep = Endpoint(tmp_path, state="hang")
    # A check that would only end after 600 s.
    w, log = start(ep, "--health-timeout", "600", "--on-unhealthy", "stop")
    pid = serving_pid(w)
    w.expect(f"hanging {pid}")  # a check is under way and will not be answered
    w.send(signal.SIGUSR1)
    w.expect(f"got SIGUSR1 {pid}")
    w.send(signal.SIGTERM)
    w.expect(f"got SIGTERM {pid}")
    assert w.wait() == 3  # the program's own code: warden did not stop it
    lines = log.finish()
    usr1 = index_of(lines, "forwarded SIGUSR1 as SIGUSR1")
    term = index_of(lines, "forwarded SIGTERM as SIGTERM")
    end = index_of(lines, f"main program (pid {pid}) ended with status 3")
    assert usr1 < term < end
    # The check never ended: everything happened while it was still waiting.
    assert not any("timed out" in line or "check failed" in line for line in lines), lines


def test_zombies_are_reaped_while_a_check_hangs(tmp_path):
    # A listening socket that never accepts: the connection opens, no answer ever comes.
    path = str(tmp_path / "silent.sock")
    with socket.socket(socket.AF_UNIX) as silent:
        silent.bind(path)
        silent.listen(64)
        code, out, err = run(["-v", "--health", f"http+unix://{path}:/", "--health-interval",
                              "0.1", "--health-timeout", "600", "--on-unhealthy", "stop",
                              "--", WT, "orphans", "200", "60"], env=env_with())
    assert code == 0, err
    assert out.startswith("orphans 200 reaped in "), out
    assert "check failed" not in err


def test_log_only_says_so(tmp_path):
    ep = Endpoint(tmp_path)
    w, log = start(ep, "--health-retries", "2", "--health-timeout", "0.2", "--on-unhealthy", "log")
    pid = serving_pid(w)
    log.wait_for("health: healthy: status 200")
    [host_pid] = children_of(w.pid)
    ep.set("hang")
    w.expect(f"hanging {pid}")
    line = log.wait_for("health: unhealthy: ")
    assert "timed out" in line, line
    ep.set("ok")
    log.wait_for("health: healthy: status 200")
    assert "(again)" in log.lines[-1], log.lines[-1]
    assert children_of(w.pid) == [host_pid]  # the same program, untouched
    w.send(signal.SIGTERM)
    w.expect(f"got SIGTERM {pid}")
    assert w.wait() == 3
    lines = log.finish()
    assert not any("stopping" in line or "restart" in line for line in lines), lines


def test_transitions_in_json(tmp_path):
    ep = Endpoint(tmp_path)
    w, log = start(ep, "--health-retries", "1", "--on-unhealthy", "stop", "--log-format", "json")
    pid = serving_pid(w)
    log.wait_for('"health":"healthy"')
    ep.set("bad")
    assert w.wait() == UNHEALTHY
    events = [json.loads(line) for line in log.finish()]
    health = [(e["health"], e.get("reason"), e.get("http_status")) for e in events if "health" in e]
    assert health == [("starting", None, None), ("healthy", health[1][1], 200),
                      ("unhealthy", "status 503", 503), ("stopping", None, None),
                      ("stopped", None, None)], health
    assert health[1][1].startswith("status 200 in ")
    starting = next(e for e in events if e.get("health") == "starting")
    assert (starting["url"], starting["pid"]) == (ep.url, pid)


def test_options_come_from_the_environment_too(tmp_path):
    ep = Endpoint(tmp_path)
    w = Warden(["-v"] + ep.program(), env=env_with(
        WARDEN_HEALTH=ep.url, WARDEN_HEALTH_INTERVAL="0.1", WARDEN_HEALTH_RETRIES="1",
        WARDEN_HEALTH_TIMEOUT="5", WARDEN_HEALTH_START_PERIOD="0",
        WARDEN_ON_UNHEALTHY="restart", WARDEN_RESTART_LIMIT="1"))
    first = serving_pid(w)
    ep.set("bad")
    w.expect(f"got SIGTERM {first}")
    second = serving_pid(w)
    w.expect(f"got SIGTERM {second}")
    assert w.wait() == UNHEALTHY
    assert "--restart-limit reached" in w.stderr


@pytest.mark.parametrize("args,fragment", [
    (["--on-unhealthy", "stop"], "--on-unhealthy needs --health URL"),
    (["--health-interval", "5"], "--health-interval needs --health URL"),
    (["--health", "ftp://x/"], "--health: 'ftp://x/' is not a URL warden can check"),
    (["--health", "tcp://127.0.0.1:1", "--health-interval", "0"],
     "--health-interval: '0' is out of range: give seconds above 0, up to 86400, like 5 or "
     "0.5"),
    (["--health", "tcp://127.0.0.1:1", "--health-timeout", "99999999"],
     "--health-timeout: '99999999' is out of range: give seconds above 0, up to 86400, like 5 "
     "or 0.5"),
    (["--health", "tcp://127.0.0.1:1", "--health-retries", "0"],
     "--health-retries: '0' is not a number of checks from 1 to 1000"),
    (["--health", "tcp://127.0.0.1:1", "--on-unhealthy", "kill"],
     "--on-unhealthy: 'kill' is not stop, restart or log"),
    (["--health", "tcp://127.0.0.1:1", "--restart-limit", "2"],
     "--restart-limit needs --on-unhealthy restart"),
])
def test_bad_health_options(args, fragment):
    code, out, err = run(args + ["--", WT, "exit", "0"], pid1=False, env=env_with())
    assert (code, out) == (125, "")
    assert_one_error_line(err, fragment)
