"""Issue 6: warden probe, --require-env, WARDEN_* configuration, JSON logs, --quiet."""
import http.server
import json
import os
import re
import signal
import socket
import socketserver
import threading
import time

import pytest

from harness import WARDEN, WT, Warden, assert_one_error_line, run
from silent_dns import silent_dns_prefix


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        # Recorded before answering: the probe may be gone as soon as it has the status.
        self.server.requests.append((self.path, self.headers.get("Host")))
        codes = {"/health": 200, "/redirect": 302, "/down": 503}
        self.send_response(codes.get(self.path.split("?")[0], 404))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def serving(server):
    """Runs server in a thread for the length of a test."""
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def http_server():
    yield from serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler))


@pytest.fixture
def unix_http_server(tmp_path):
    class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    class UnixHandler(Handler):
        def address_string(self):
            return "unix"

    path = str(tmp_path / "app.sock")
    for _ in serving(UnixHTTPServer(path, UnixHandler)):
        yield path


def probe(*args, prefix=()):
    return run(["probe", *args], pid1=False, prefix=prefix, timeout=60)


def assert_healthy(result, url, answer):
    """Exit 0 and one line on stdout for the engine's health log: the URL, then answer
    ("status 200" or "connected") and the time taken."""
    code, out, err = result
    assert (code, err) == (0, ""), result
    assert re.fullmatch(re.escape(f"{url}: {answer} in ") + r"\d+\.\d ms\n", out), out


def test_http_ok_redirect_and_failures(http_server):
    port = http_server.server_address[1]
    assert_healthy(probe(f"http://127.0.0.1:{port}/health"), f"http://127.0.0.1:{port}/health",
                   "status 200")
    assert_healthy(probe(f"http://localhost:{port}/redirect"),
                   f"http://localhost:{port}/redirect", "status 302")
    code, _, err = probe(f"http://127.0.0.1:{port}/missing")
    assert code == 1
    assert_one_error_line(err, "status 404")
    code, _, err = probe(f"http://127.0.0.1:{port}/down")
    assert code == 1
    assert_one_error_line(err, "status 503")
    assert ("/health", f"127.0.0.1:{port}") in http_server.requests


def test_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: refused
        code, _, err = probe(f"http://127.0.0.1:{port}/")
        assert code == 1
        assert_one_error_line(err, "Connection refused")
        assert probe(f"tcp://127.0.0.1:{port}")[0] == 1


def test_server_that_never_answers_times_out():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)  # accepts into the backlog, never reads or answers
        port = s.getsockname()[1]
        start = time.monotonic()
        code, _, err = probe("--timeout", "0.5", f"http://127.0.0.1:{port}/health")
        elapsed = time.monotonic() - start
        assert code == 1
        assert_one_error_line(err, "timed out after 0.5 s")
        assert elapsed < 10
        assert_healthy(probe(f"tcp://127.0.0.1:{port}"), f"tcp://127.0.0.1:{port}", "connected")


def test_default_timeout_fits_under_a_3s_healthcheck():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)  # accepts into the backlog, never answers
        port = s.getsockname()[1]
        code, out, err = probe(f"http://127.0.0.1:{port}/health")
        assert (code, out) == (1, "")
        assert err == (f"warden: probe http://127.0.0.1:{port}/health: timed out after 2 s "
                       "waiting for the response\n")


@pytest.mark.parametrize("value, what", [
    ("0", "is out of range"),
    ("3601", "is out of range"),
    ("soon", "is not a number of seconds"),
])
def test_bad_timeout_says_the_range(value, what):
    code, out, err = probe("--timeout", value, "tcp://127.0.0.1:1")
    assert (code, out) == (125, "")
    assert err == (f"warden: probe --timeout: '{value}' {what}: give seconds above 0, up to "
                   "3600, like 5 or 0.5\n")


def test_ipv6_literal():
    class V6(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6

    try:
        server = V6(("::1", 0), Handler)
    except OSError:
        pytest.fail("no IPv6 loopback on this machine")
    for v6 in serving(server):
        port = v6.server_address[1]
        assert probe(f"http://[::1]:{port}/health")[0] == 0
        assert v6.requests[0][1] == f"[::1]:{port}"
        assert probe(f"tcp://[::1]:{port}")[0] == 0


def test_unix_socket(unix_http_server, tmp_path):
    assert_healthy(probe(f"unix://{unix_http_server}"), f"unix://{unix_http_server}", "connected")
    url = f"http+unix://{unix_http_server}:/health"
    assert_healthy(probe(url), url, "status 200")
    code, _, err = probe(f"http+unix://{unix_http_server}:/down")
    assert code == 1 and "status 503" in err
    code, _, err = probe(f"unix://{tmp_path}/missing.sock")
    assert code == 1
    assert_one_error_line(err, "No such file")


def test_names_come_from_etc_hosts(http_server, tmp_path):
    port = http_server.server_address[1]
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n127.0.0.1 myapp myapp.internal\n")
    ns = ["unshare", "--mount", "sh", "-c", f"mount --bind {hosts} /etc/hosts && exec \"$@\"",
          "sh"]
    assert probe(f"http://myapp.internal:{port}/health", prefix=ns)[0] == 0


def test_a_lookup_that_outlives_the_timeout_is_abandoned(tmp_path):
    """Not in /etc/hosts, so DNS: a name server that never answers is given up at
    --timeout, its lookup thread left to end on its own."""
    code, out, err = probe("--timeout", "0.5", "http://nosuchhost:8080/health",
                           prefix=silent_dns_prefix(tmp_path))
    assert (code, out) == (1, "")
    assert err == ("warden: probe http://nosuchhost:8080/health: timed out after 0.5 s while "
                   "resolving 'nosuchhost'\n")


@pytest.mark.parametrize("args", [
    ["https://127.0.0.1/"], ["127.0.0.1:80"], ["http://host:99999/"], ["http://a b/"],
    ["tcp://host"], ["unix://relative"], ["--timeout", "0", "tcp://h:1"],
    ["--timeout", "soon", "tcp://h:1"], ["--bogus", "tcp://h:1"], [],
    ["tcp://h:1", "tcp://h:2"],
])
def test_malformed_probe_usage_is_125(args):
    code, out, err = probe(*args)
    assert code == 125 and out == ""
    assert_one_error_line(err)


def test_require_env_names_every_missing_variable(pid1):
    env = dict(os.environ, PRESENT="yes", EMPTY="")
    env.pop("ABSENT", None)
    code, out, err = run(["--require-env", "PRESENT", "--require-env", "ABSENT", "echo", "ran"],
                         pid1=pid1, env=env)
    assert (code, out) == (125, "")
    assert_one_error_line(err, "ABSENT")
    code, out, err = run(["--require-env", "ABSENT", "--require-env", "EMPTY",
                          "--require-env", "PRESENT", "echo", "ran"], pid1=pid1, env=env)
    assert (code, out) == (125, "")
    assert_one_error_line(err, "ABSENT, EMPTY")
    assert run(["--require-env", "PRESENT", "echo", "ran"], pid1=pid1, env=env)[:2] == (0, "ran\n")
    env["WARDEN_REQUIRE_ENV"] = "PRESENT,ABSENT"
    code, _, err = run(["echo", "ran"], pid1=pid1, env=env)
    assert code == 125 and "ABSENT" in err


def env_with(**variables):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARDEN_")}
    env.update(variables)
    return env


def test_no_warden_variable_reaches_the_program(pid1):
    env = env_with(WARDEN_GRACE="3", WARDEN_VERBOSE="0", WARDEN_REQUIRE_ENV="", OTHER="y")
    code, out, _ = run(["sh", "-c", "env | sort"], pid1=pid1, env=env)
    assert code == 0
    assert "OTHER=y" in out
    assert "WARDEN_" not in out


def test_a_warden_variable_no_option_reads_is_an_error(pid1):
    # Before issue 21 it vanished: WARDEN_USR=app ran the program as root, silently.
    code, out, err = run(["sh", "-c", "id -u"], pid1=pid1, env=env_with(WARDEN_USR="app"))
    assert (code, out) == (125, "")
    assert_one_error_line(err, "WARDEN_USR", "WARDEN_USER")


def test_env_grace_and_command_line_wins(pid1):
    def stop_time(args, env):
        w = Warden([*args, WT, "ignore", str(int(signal.SIGTERM))], pid1=pid1, env=env)
        w.readline()
        start = time.monotonic()
        w.send(signal.SIGTERM)
        assert w.wait(timeout=30) == 137
        return time.monotonic() - start
    assert stop_time([], env_with(WARDEN_GRACE="0.2")) < 5
    assert stop_time(["--grace", "1"], env_with(WARDEN_GRACE="0.2")) >= 0.95


def test_env_remap_rewrite_and_process_group(pid1):
    assert run([WT, "exit", "3"], pid1=pid1, env=env_with(WARDEN_REMAP_EXIT="3:0,4:1"))[0] == 0
    assert run(["-e", "3:9", WT, "exit", "3"], pid1=pid1,
               env=env_with(WARDEN_REMAP_EXIT="3:0"))[0] == 9
    w = Warden([WT, "signals", "QUIT", "0"], pid1=pid1, env=env_with(WARDEN_REWRITE="TERM:QUIT"))
    w.readline()
    w.send(signal.SIGTERM)
    w.expect("got QUIT")
    assert w.wait() == 0
    w = Warden(["sh", "-c", f"{WT} signals TERM 0 & wait"], pid1=pid1,
               env=env_with(WARDEN_PROCESS_GROUP="1"))
    w.readline()
    w.send(signal.SIGUSR1)
    w.expect("got USR1")
    assert w.wait() == 138


def test_env_user_groups_cap_and_command_line_wins(pid1, accounts):
    env = env_with(WARDEN_USER="app", WARDEN_GROUPS="video", WARDEN_CAP="NET_BIND_SERVICE")
    report = "id -u; grep -E '^(Groups|CapAmb)' /proc/self/status"
    code, out, err = run(["sh", "-c", report], pid1=pid1, accounts=accounts, env=env)
    assert code == 0, err
    assert [line.split() for line in out.splitlines()] == [
        ["1000"], ["Groups:", "44"], ["CapAmb:", "0000000000000400"]]
    code, out, _ = run(["-u", "web", "-G", "", "sh", "-c", report], pid1=pid1,
                       accounts=accounts, env=env_with(WARDEN_USER="app", WARDEN_GROUPS="video"))
    assert [line.split() for line in out.splitlines()] == [
        ["1001"], ["Groups:"], ["CapAmb:", "0000000000000000"]]
    env = env_with(WARDEN_USER="app", WARDEN_ALLOW_PRIVILEGE_ESCALATION="true")
    code, out, _ = run(["grep", "NoNewPrivs", "/proc/self/status"], pid1=pid1,
                       accounts=accounts, env=env)
    assert out.split() == ["NoNewPrivs:", "0"]


def test_env_chown_and_best_effort(accounts, tmp_path):
    os.chmod(tmp_path, 0o755)
    first, second = tmp_path / "one", tmp_path / "two"
    code, _, err = run(["true"], pid1=False, accounts=accounts,
                       env=env_with(WARDEN_USER="app", WARDEN_CHOWN=f"{first},{second}"))
    assert code == 0, err
    assert os.stat(first).st_uid == 1000 and os.stat(second).st_uid == 1000
    third = tmp_path / "three"
    code, _, _ = run(["-c", str(third), "true"], pid1=False, accounts=accounts,
                     env=env_with(WARDEN_USER="web", WARDEN_CHOWN=str(first)))
    assert os.stat(third).st_uid == 1001 and os.stat(first).st_uid == 1000
    assert run(["true"], pid1=False, env=env_with(WARDEN_CHOWN_BEST_EFFORT="maybe"))[0] == 125


def test_env_verbose_quiet_and_pdeathsig(pid1):
    _, _, err = run(["true"], pid1=pid1, env=env_with(WARDEN_VERBOSE="1"))
    assert "started 'true'" in err
    _, _, err = run(["-v", "-v", "true"], pid1=pid1, env=env_with(WARDEN_VERBOSE="0"))
    assert "started 'true'" in err
    assert run(["true"], pid1=pid1, env=env_with(WARDEN_PDEATHSIG="NOPE"))[0] == 125
    # --quiet keeps only errors: the grace-period warning disappears.
    for env, expect_warning in ((env_with(), True), (env_with(WARDEN_QUIET="1"), False)):
        w = Warden(["--grace", "0.2", WT, "ignore", str(int(signal.SIGTERM))], pid1=pid1,
                   env=env)
        w.readline()
        w.send(signal.SIGTERM)
        assert w.wait() == 137
        assert ("grace period of 0.2 s over" in w.stderr) == expect_warning


def test_every_stderr_line_is_json_in_json_mode(pid1, accounts):
    cases = [
        (["-vv", "--log-format", "json", "-u", "app", "--grace", "0.2", "sh", "-c",
          "echo to-stdout; sh -c 'sleep 30' & exit 0"], None),
        (["--log-format=json", "-t", "nonsense", "true"], 125),
        (["-t", "nonsense", "--log-format", "json", "true"], 125),
        (["--log-format", "json", "no-such-command"], 127),
        (["--log-format", "json", "-u", "nosuchuser", "true"], 125),
        (["--log-format", "json", "--require-env", "NOT_THERE_1", "true"], 125),
    ]
    for args, expected in cases:
        code, out, err = run(args, pid1=pid1, accounts=accounts, env=env_with())
        if expected is not None:
            assert code == expected
        lines = [line for line in err.splitlines() if line]
        assert lines, args
        for line in lines:
            record = json.loads(line)
            assert {"time", "level", "message"} <= set(record), line
            assert record["level"] in ("error", "warn", "info", "debug")
        if expected:
            assert json.loads(lines[-1])["level"] == "error"
    code, _, err = run(["true"], pid1=pid1, env=env_with(WARDEN_LOG_FORMAT="json",
                                                          WARDEN_VERBOSE="1"))
    assert all(json.loads(line)["level"] == "info" for line in err.splitlines())
    code, _, err = run(["probe", "https://x/"], pid1=False, env=env_with(WARDEN_LOG_FORMAT="json"))
    assert code == 125 and json.loads(err)["level"] == "error"


def test_json_fields_and_escaping(pid1):
    code, _, err = run(["--log-format", "json", "-v", "sh", "-c", "exit 3"], pid1=pid1,
                       env=env_with())
    records = [json.loads(line) for line in err.splitlines()]
    ended = [r for r in records if "ended with status" in r["message"]]
    assert ended and ended[0]["status"] == 3 and "pid" in ended[0]
    code, _, err = run(["--log-format", "json", "bad\nname\x01"], pid1=pid1, env=env_with())
    assert code == 127
    assert "bad" in json.loads(err)["message"]


def test_bad_log_format_is_125():
    code, _, err = run(["--log-format", "xml", "true"], pid1=False)
    assert code == 125
    assert_one_error_line(err, "--log-format")
