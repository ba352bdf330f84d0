"""Issue 21: the messages of warden's inputs and of its own system calls (URLs, accounts,
volumes, secrets, --wait-for, warden probe), each checked word for word in the text and the
JSON log format. System calls that a healthy kernel does not fail are made to fail with
`wt seccomp-errno` or by a real condition (a read-only mount, a name too long)."""
import json
import os
import platform
import re
import signal
import socket
import threading

import pytest

from harness import SANITIZED, WARDEN, WT, as_user, log_env, run
from test_dns import network  # noqa: F401 (a fixture)
# tmp_path: test_volumes' own, reachable inside a user namespace (pytest's is private to root).
from test_volumes import in_partial_userns, mapped_tree, tmp_path  # noqa: F401 (fixtures)
from test_wait_for import Waiting

HERE = os.path.dirname(os.path.abspath(__file__))
FORMATS = pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])

# errno values whose text musl (the tested warden) and glibc spell alike.
EPERM, ENOENT, EAGAIN, EACCES, EINVAL, ENFILE, EROFS, EPIPE = 1, 2, 11, 13, 22, 23, 30, 32


# musl passes O_LARGEFILE to open(2) and openat(2) on 64-bit machines too, glibc (the
# sanitizer build) does not: a rule names both, neither libc makes the other's call.
MUSL_LARGEFILE = {"x86_64": 0o100000, "aarch64": 0o400000}[platform.machine()]
DIR_OPEN = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
DIR_OPEN_RULES = f"openat@2={DIR_OPEN},openat@2={DIR_OPEN | MUSL_LARGEFILE}"


def static_only(why):
    """The sanitizer build is linked dynamically: its loader and runtime make the call a
    test fails (mmap, read, fstat, clone) before warden or after it; such a test runs
    against the static binary alone, and says so (skipped, not passed)."""
    if SANITIZED:
        pytest.skip(f"not run against the sanitizer build: {why}")


def seccomp(err, calls):
    return [WT, "seccomp-errno", str(err), calls]


def one_line(err, json_format, level="error"):
    """The one message of stderr, after checking its level and form."""
    lines = [line for line in err.splitlines() if line.strip() and not sanitizer_note(line)]
    assert len(lines) == 1, err
    if json_format:
        record = json.loads(lines[0])
        assert record["level"] == level, record
        return record["message"]
    prefix = "warden: warning: " if level == "warn" else "warden: "
    assert lines[0].startswith(prefix), lines[0]
    return lines[0][len(prefix):]


def sanitizer_note(line):
    # ASan warns when /proc is missing (it reads /proc/self/exe): its line, not warden's.
    return SANITIZED and re.match(r"==\d+==WARNING: ", line)


def messages(err, json_format):
    """Every message of stderr, without its prefix."""
    lines = [line for line in err.splitlines() if line.strip()]
    if json_format:
        return [json.loads(line)["message"] for line in lines]
    return [re.sub(r"^warden: (warning: )?", "", line) for line in lines]


def check(args, json_format, code, message, level="error", **kwargs):
    status, out, err = run(args, pid1=False, env=log_env(json_format), **kwargs)
    assert (status, out) == (code, ""), err
    assert one_line(err, json_format, level) == message


# --- URLs: warden probe, --wait-for and --health say the same, with the form to give. ---
LONG_PATH = "http://h/" + "p" * 2100
LONG_HOST = "tcp://" + "h" * 256 + ":1"
LONG_SOCKET = "unix:///" + "s" * 120
URL_CASES = [
    ("spaces", "http://h/a b", "the path has spaces, control or non-ASCII characters: "
     "percent-encode them, as in /a%20b for '/a b'"),
    ("fragment", "http://h/#top", "a fragment (#...) never reaches the server: leave it out"),
    ("no-host", "http:///health", "no host: give one, as in http://localhost:8080/health"),
    ("user", "http://me@h/", "USER@ is not supported (warden sends no credentials): give the "
     "host alone, as in http://HOST:PORT/PATH"),
    ("ipv6-open", "http://[::1/", "the [IPv6] address has no ']': close it, as in "
     "http://[::1]:8080/"),
    ("ipv6-junk", "tcp://[::1]x", "only :PORT may follow the [IPv6] address, as in "
     "tcp://[::1]:5432"),
    ("ipv6-bad", "tcp://[zz]:1", "what stands between [ and ] is not an IPv6 address: give "
     "one, as in [::1] or [fd00::5]"),
    ("host-before-port", "tcp://:5432", "no host before the port: give one, as in "
     "tcp://localhost:5432"),
    ("host-long", LONG_HOST, "the host is longer than 255 bytes: give a shorter name, or an "
     "address"),
    ("host-char", "tcp://d!b:1", "the host has a character a host name cannot have: give a "
     "name (letters, digits, '.', '-', '_'), an IPv4 address or an [IPv6] address"),
    ("port-empty", "tcp://db:", "nothing after ':': give a port from 1 to 65535"),
    ("port-range", "tcp://db:70000", "the port must be a number from 1 to 65535"),
    ("port-word", "http://db:http/", "the port must be a number from 1 to 65535"),
    ("port-digits", "tcp://db:123456789", "the port must be a number from 1 to 65535"),
    ("port-missing", "tcp://db", "a port is required: give tcp://HOST:PORT, as in "
     "tcp://db:5432"),
    ("socket-relative", "unix://run/app.sock", "the socket path must be absolute, as in "
     "unix:///run/app.sock or http+unix:///run/app.sock:/health"),
    ("socket-long", LONG_SOCKET, "the socket path is longer than 107 bytes (the kernel's "
     "limit): give a shorter path, or a link to the socket"),
    ("path-long", LONG_PATH, "the path is longer than 2047 bytes: give a shorter one"),
    ("tcp-path", "tcp://db:1/x", "tcp:// takes no path: give tcp://HOST:PORT alone, or http:// "
     "to request a path"),
    ("unix-http-path", "http+unix:///run/app.sock:health", "the HTTP path after the socket "
     "must start with '/', as in http+unix:///run/app.sock:/health"),
    ("https", "https://h/", "https is not supported: probe the plain HTTP port, as in "
     "http://localhost:8080/health"),
    ("scheme", "db:5432", "the URL must start with http://, tcp://, unix:// or http+unix://, "
     "as in http://localhost:8080/health"),
]


def shown(url):
    """The URL as messages show it: at most 80 bytes."""
    return url if len(url) <= 80 else url[:77] + "..."


@FORMATS
@pytest.mark.parametrize("how", ["probe", "--wait-for", "--health"])
@pytest.mark.parametrize("case", URL_CASES, ids=[c[0] for c in URL_CASES])
def test_bad_url(case, how, json_format):
    _, url, reason = case
    args = ["probe", url] if how == "probe" else [how, url, "true"]
    label = "probe" if how == "probe" else how
    check(args, json_format, 125,
          f"{label}: '{shown(url)}' is not a URL warden can check: {reason}")


@FORMATS
@pytest.mark.parametrize("variable", ["WARDEN_WAIT_FOR", "WARDEN_HEALTH"])
def test_bad_url_from_the_environment(variable, json_format):
    status, out, err = run(["true"], pid1=False, env=log_env(json_format, **{variable: "db"}))
    assert (status, out) == (125, ""), err
    assert one_line(err, json_format) == (
        f"{variable}: 'db' is not a URL warden can check: the URL must start with http://, "
        "tcp://, unix:// or http+unix://, as in http://localhost:8080/health")


# --- warden probe's own arguments, and what it says of a server. ---
PROBE_ARGS = [
    ("no-value", ["--timeout"], "probe: option --timeout needs a value: give it as --timeout "
     "SECONDS (see warden probe --help)"),
    ("unknown", ["-x", "tcp://db:1"], "probe: unknown option '-x': warden probe takes --timeout "
     "SECONDS and one URL (see warden probe --help)"),
    ("no-url", [], "probe: give exactly one URL, as in warden probe "
     "http://localhost:8080/health (see warden probe --help)"),
    ("two-urls", ["tcp://a:1", "tcp://b:1"], "probe: give exactly one URL, as in warden probe "
     "http://localhost:8080/health (see warden probe --help)"),
]


@FORMATS
@pytest.mark.parametrize("case", PROBE_ARGS, ids=[c[0] for c in PROBE_ARGS])
def test_probe_arguments(case, json_format):
    _, args, message = case
    check(["probe", *args], json_format, 125, message)


class Server:
    """A TCP listener on 127.0.0.1 that treats each connection with answer(conn)."""

    def __init__(self, answer=None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/health"
        if answer:
            threading.Thread(target=self.serve, args=(answer,), daemon=True).start()

    def serve(self, answer):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                answer(conn)

    def close(self):
        self.sock.close()


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk


def close_silently(conn):
    read_request(conn)


def answer_garbage(conn):
    read_request(conn)
    conn.sendall(b"hello\n")


def reset(conn):
    read_request(conn)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


@pytest.fixture
def server(request):
    s = Server(request.param)
    yield s
    s.close()


# (id, what the server does, system calls made to fail, reason).
PROBE_SERVER_CASES = [
    ("empty", close_silently, None, "the server closed the connection without an answer"),
    ("not-http", answer_garbage, None, "the answer is not HTTP/1.x: give the port that speaks "
     "HTTP, or check it with tcp:// instead"),
    ("reset", reset, None, "unable to read the response: Connection reset by peer"),
    ("send", None, (EPIPE, "sendto"), "unable to send the request: Broken pipe"),
    # The listener never accepts: the connection stands, no answer comes, warden waits.
    ("wait", None, (EPERM, "ppoll"), "unable to wait for the check: Operation not permitted"),
]


@FORMATS
@pytest.mark.parametrize("case,server", [(c, c[1]) for c in PROBE_SERVER_CASES],
                         ids=[c[0] for c in PROBE_SERVER_CASES], indirect=["server"])
def test_probe_unhealthy(case, server, json_format):
    _, _, fail, reason = case
    prefix = seccomp(*fail) if fail else ()
    status, out, err = run(["probe", server.url], pid1=False, env=log_env(json_format),
                           prefix=prefix)
    assert (status, out) == (1, ""), err
    assert one_line(err, json_format) == f"probe {server.url}: {reason}"
    if json_format:
        assert json.loads(err)["url"] == server.url


@FORMATS
def test_probe_connected_line(json_format):
    s = Server()
    try:
        url = s.url.replace("http://", "tcp://").replace("/health", "")
        status, out, err = run(["probe", url], pid1=False, env=log_env(json_format))
    finally:
        s.close()
    assert (status, err) == (0, "")
    assert re.fullmatch(re.escape(f"{url}: connected in ") + r"\d+\.\d ms\n", out), out


# A name neither /etc/hosts nor an address: the lookup needs its thread and eventfd.
NAME_URL = "tcp://db.invalid:5432"
LOOKUP_CASES = [
    ("thread", (EAGAIN, "clone,clone3"), "unable to start the lookup of 'db.invalid': Resource "
     "temporarily unavailable"),
    ("eventfd", (ENFILE, "eventfd2"), "unable to look up 'db.invalid': unable to create an "
     "eventfd: Too many open files in system"),
]


@FORMATS
@pytest.mark.parametrize("case", LOOKUP_CASES, ids=[c[0] for c in LOOKUP_CASES])
def test_probe_lookup_cannot_start(case, json_format):
    _, fail, reason = case
    if "clone" in fail[1]:
        static_only("LeakSanitizer starts a thread at exit")
    status, out, err = run(["probe", NAME_URL], pid1=False, env=log_env(json_format),
                           prefix=seccomp(*fail))
    assert (status, out) == (1, ""), err
    assert one_line(err, json_format) == f"probe {NAME_URL}: {reason}"


@FORMATS
def test_probe_no_such_name(network, json_format, monkeypatch):  # noqa: F811
    if json_format:
        monkeypatch.setenv("WARDEN_LOG_FORMAT", "json")  # network.run passes the environment on
    status, out, err = network.run(["probe", "tcp://nosuch.test:1"])
    assert (status, out) == (1, ""), err
    assert one_line(err, json_format) == (
        "probe tcp://nosuch.test:1: cannot resolve 'nosuch.test': no such name (not in "
        "/etc/hosts; DNS has no address for it): check the name, or give an address")


@FORMATS
def test_probe_no_dns_server_answers(tmp_path, json_format):
    # musl's resolver gives up after one try of one second; the probe waits longer.
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    prefix = ["unshare", "--net", "--mount", "sh", "-c",
              f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && exec \"$@\"",
              "sh", "/usr/bin/python3", os.path.join(HERE, "silent_dns.py")]
    status, out, err = run(["probe", "--timeout", "10", NAME_URL], pid1=False,
                           env=log_env(json_format), prefix=prefix)
    assert (status, out) == (1, ""), err
    assert one_line(err, json_format) == (
        f"probe {NAME_URL}: cannot resolve 'db.invalid': no DNS server answered: check the "
        "nameserver lines of /etc/resolv.conf, or give an address")


# --- Accounts (the fixture's /etc/passwd and /etc/group). ---
LONG = "u" * 300
ACCOUNT_CASES = [
    ("empty-group-name", ["--user", "app", "--groups", "app,,root"],
     "--user app: empty group name in 'app,,root': separate the groups with single commas, as "
     "in video,audio"),
    ("group-name-long", ["--user", "app", "--groups", "g" * 300],
     "--user app: a group name in the list is longer than 255 bytes: give its number instead"),
    ("user-name-long", ["--user", LONG],
     f"--user {LONG}: the user name is longer than 255 bytes: give its number instead"),
]


@FORMATS
@pytest.mark.parametrize("case", ACCOUNT_CASES, ids=[c[0] for c in ACCOUNT_CASES])
def test_account_message(case, json_format, accounts):
    _, args, message = case
    check([*args, "true"], json_format, 125, message, accounts=accounts)


@FORMATS
@pytest.mark.parametrize("unreadable", ["passwd", "group"])
def test_account_file_unreadable(json_format, tmp_path, accounts, unreadable):
    # A real condition: warden not root, and one of the files for root alone.
    files = {"passwd": tmp_path / "passwd", "group": tmp_path / "group"}
    files["passwd"].write_text(accounts[0].read_text())
    files["group"].write_text(accounts[1].read_text())
    os.chmod(tmp_path, 0o755)
    for name, path in files.items():
        os.chmod(path, 0o600 if name == unreadable else 0o644)
    check(["--user", "app", "true"], json_format, 125,
          f"--user app: unable to read /etc/{unreadable}: Permission denied: make it readable "
          "(mode 0644, as images ship it)", accounts=(files["passwd"], files["group"]),
          inner=as_user(1000, 1000))


@FORMATS
def test_too_many_groups(json_format, tmp_path, accounts):
    group = tmp_path / "group"
    group.write_text(accounts[1].read_text() + "".join(
        f"g{i}:x:{10000 + i}:app\n" for i in range(65537)))
    check(["--user", "app", "true"], json_format, 125,
          "--user app: more than 65536 supplementary groups (the kernel's limit): list the user "
          "in fewer groups in the image's /etc/group", accounts=(accounts[0], group))


# The personalities print their tools' form, without JSON (the tools have none).
PERSONA_ACCOUNT_CASES = [
    ("gosu-user-long", ["gosu", LONG], f"warden: gosu: {LONG}: the user name is longer than "
     "255 bytes: give its number instead"),
    ("gosu-group-long", ["gosu", "app:" + "g" * 300], "warden: gosu: app:" + "g" * 300 +
     ": the group name is longer than 255 bytes: give its number instead"),
    ("setpriv-empty-user", ["setpriv", "--reuid="], "warden: setpriv: --reuid: empty user: give a "
     "name or number, as in app or 1000"),
    ("setpriv-empty-group", ["setpriv", "--regid="], "warden: setpriv: --regid: empty group: give "
     "a name or number, as in app or 1000"),
    ("setpriv-empty-groups", ["setpriv", "--groups="], "warden: setpriv: --groups: empty group "
     "list: give names or numbers separated by commas, as in video,audio"),
]


@pytest.mark.parametrize("case", PERSONA_ACCOUNT_CASES, ids=[c[0] for c in PERSONA_ACCOUNT_CASES])
def test_personality_account_message(case, accounts):
    _, (name, *args), line = case
    status, out, err = run(["--personality", name, *args, "true"], pid1=False,
                           env=log_env(False), accounts=accounts)
    assert (status, out, err) == (1, "", line + "\n")


# --- Volumes (--chown): what a file system or a failed call says. ---
@FORMATS
def test_chown_create_on_read_only(json_format, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    prefix = ["unshare", "--mount", "sh", "-c", 'mount -t tmpfs -o ro none "$0" && exec "$@"',
              str(ro)]
    check(["--chown-to", "1000:1000", "--chown", f"{ro}/data", "true"], json_format, 125,
          f"--chown {ro}/data: unable to create 'data': Read-only file system: create it in the "
          "image (RUN mkdir -p) or mount a volume there", prefix=prefix)
    assert not (ro / "data").exists()


@FORMATS
def test_chown_give_created(json_format, tmp_path):
    check(["--chown-to", "1000:1000", "--chown", f"{tmp_path}/data", "true"], json_format, 125,
          f"--chown {tmp_path}/data: unable to give 'data' to 1000:1000: Operation not "
          "permitted: give warden CAP_CHOWN, or create it in the image with its owner",
          prefix=seccomp(EPERM, "fchown"))


@FORMATS
def test_chown_open_root(json_format, tmp_path):
    # open("/") alone fails: its flags, as musl passes them (O_LARGEFILE added).
    rule = DIR_OPEN_RULES
    if platform.machine() == "x86_64":
        rule += f",open@1={DIR_OPEN | MUSL_LARGEFILE}"  # musl's open(2) there
    check(["--chown-to", "1000:1000", "--chown", str(tmp_path), "true"], json_format, 125,
          f"--chown {tmp_path}: unable to open /: Permission denied",
          prefix=seccomp(EACCES, rule))


@FORMATS
def test_chown_inspect(json_format, tmp_path):
    check(["--chown-to", "1000:1000", "--chown", str(tmp_path), "true"], json_format, 125,
          f"--chown {tmp_path}: unable to inspect it: Permission denied",
          prefix=seccomp(EACCES, "statx"))


@FORMATS
def test_chown_component_too_long(json_format):
    path = "/tmp/" + "c" * 256 + "/data"
    check(["--chown-to", "1000:1000", "--chown", path, "true"], json_format, 125,
          f"--chown {path}: a path component is longer than 255 bytes, which no file system "
          "allows: give the real path")


@FORMATS
def test_chown_not_entering_another_mount(json_format, tmp_path):
    (tmp_path / "vol" / "mnt").mkdir(parents=True)
    prefix = ["unshare", "--mount", "sh", "-c", 'mount -t tmpfs none "$0" && exec "$@"',
              str(tmp_path / "vol" / "mnt")]
    status, out, err = run(["-vv", "--chown-to", "1000:1000", "--chown", f"{tmp_path}/vol",
                            "true"], pid1=False, env=log_env(json_format), prefix=prefix)
    assert (status, out) == (0, ""), err
    assert f"--chown {tmp_path}/vol: not entering 'mnt': another mount" in \
        messages(err, json_format)


# --- Secrets. ---
@pytest.fixture
def secret(tmp_path):
    d = tmp_path / "secrets"
    d.mkdir()
    (d / "pw").write_text("s3cret\n")
    return d


def secret_env(json_format, secret):
    return log_env(json_format, PW_FILE=str(secret / "pw"))


@FORMATS
def test_secret_without_proc(json_format, secret):
    # /proc gone (a real condition): where the opened file lies cannot be checked.
    prefix = ["unshare", "--mount", "sh", "-c", 'umount -l /proc && exec "$@"', "sh"]
    status, out, err = run(["--secret-env", f"{secret}/*", "true"], pid1=False,
                           env=secret_env(json_format, secret), prefix=prefix)
    assert (status, out) == (125, ""), err
    assert one_line(err, json_format) == (
        f"--secret-env PW: unable to tell where PW_FILE={secret}/pw leads (/proc/self/fd/3: No "
        f"such file or directory): mount /proc, where warden checks that the file lies in "
        f"{secret}")


SECRET_CALL_CASES = [
    ("inspect", (EACCES, "fstat"), "unable to inspect PW_FILE={f}: Permission denied: check the "
     "mount that holds the secret"),
    ("read", (EINVAL, "read"), "unable to read PW_FILE={f}: Invalid argument: check the mount "
     "that holds the secret"),
]


@FORMATS
@pytest.mark.parametrize("case", SECRET_CALL_CASES, ids=[c[0] for c in SECRET_CALL_CASES])
def test_secret_call_fails(case, json_format, secret):
    _, fail, reason = case
    static_only("the dynamic loader reads and inspects the libraries it maps")
    status, out, err = run(["--secret-env", "PW", "true"], pid1=False,
                           env=secret_env(json_format, secret), prefix=seccomp(*fail))
    assert (status, out) == (125, ""), err
    assert one_line(err, json_format) == "--secret-env PW: " + reason.format(f=secret / "pw")


# Out of memory: the first allocation of each fails (every mmap and brk refused).
OOM_CASES = [
    ("secret-env", ["--secret-env", "PW"], "--secret-env: out of memory"),
    ("wait-for", ["--wait-for", "tcp://127.0.0.1:1"], "--wait-for: out of memory"),
]


@FORMATS
@pytest.mark.parametrize("case", OOM_CASES, ids=[c[0] for c in OOM_CASES])
def test_out_of_memory(case, json_format, secret):
    _, args, message = case
    static_only("ASan's own allocator maps memory")
    status, out, err = run([*args, "true"], pid1=False, env=secret_env(json_format, secret),
                           prefix=seccomp(12, "mmap,brk"))
    assert (status, out) == (125, ""), err
    assert one_line(err, json_format) == message


# --- Option values and rules of this area. ---
OPTION_CASES = [
    ("secret-name", ["--secret-env", "a-b"], "--secret-env: 'a-b' is neither a variable name "
     "nor DIR/*: give NAME (letters, digits, _), as in DB_PASSWORD, or a directory and /*, as "
     "in /run/secrets/*"),
    ("umask", ["--umask", "0888"], "--umask: '0888' is not a umask: give 1 to 4 octal digits up "
     "to 0777, as in 0002 or 027"),
    ("restart-limit", ["--health", "tcp://127.0.0.1:1", "--on-unhealthy", "restart",
                       "--restart-limit", "x"], "--restart-limit: 'x' is not a number of "
     "restarts: give 0 (no limit) to 1000000"),
    ("restart-limit-alone", ["--health", "tcp://127.0.0.1:1", "--restart-limit", "2"],
     "--restart-limit needs --on-unhealthy restart (it counts restarts): add it, or leave "
     "--restart-limit out"),
    ("health-rule-alone", ["--health-interval", "5"], "--health-interval needs --health URL "
     "(the endpoint to check): add it, or leave --health-interval out"),
]


@FORMATS
@pytest.mark.parametrize("case", OPTION_CASES, ids=[c[0] for c in OPTION_CASES])
def test_option_message(case, json_format):
    _, args, message = case
    check([*args, "true"], json_format, 125, message)


# --- --wait-for, interrupted. ---
@FORMATS
@pytest.mark.parametrize("verbosity,signals,lines", [
    ("-v", [signal.SIGTERM], ["received SIGTERM while waiting for --wait-for: exiting, nothing "
                              "started"]),
    ("-vv", [signal.SIGUSR1, signal.SIGTERM],
     ["received SIGUSR1 while waiting for --wait-for: no program to forward to",
      "received SIGTERM while waiting for --wait-for: exiting, nothing started"]),
], ids=["stop", "other"])
def test_wait_for_signals(json_format, verbosity, signals, lines):
    url = "tcp://127.0.0.1:1"  # refused, tried again and again
    w = Waiting([verbosity, "--wait-for", url, "true"], pid1=True, env=log_env(json_format))
    try:
        first = w.stderr_line()
        assert messages(first, json_format) == [f"--wait-for {url}: waiting (up to 60 s in all): "
                                                "connection failed: Connection refused"], first
        for sig, line in zip(signals, lines):
            os.kill(w.warden_pid(), sig)
            if sig != signal.SIGTERM:
                assert messages(w.stderr_line(), json_format) == [line]
        code, out, err = w.finish()
    finally:
        if w.proc.poll() is None:
            w.proc.kill()
    assert (code, out) == (128 + signal.SIGTERM, "")
    assert messages(err, json_format) == lines[-1:], err


# --- Volumes in a user namespace that maps only some ids (rootless Podman). ---
@FORMATS
def test_chown_entry_owned_outside(json_format, mapped_tree, monkeypatch):
    if json_format:
        monkeypatch.setenv("WARDEN_LOG_FORMAT", "json")  # in_partial_userns passes it on
    deep = mapped_tree / "a" / "b" / "c" / "deep"
    os.lchown(deep, 0, 0)  # host root: not mapped inside
    code, out, err = in_partial_userns([WARDEN, "--chown-to", "1000:1000", "--chown",
                                        str(mapped_tree), "true"])
    assert (code, out) == (125, ""), err
    assert one_line(err, json_format) == (
        f"--chown: '{deep}' is owned by a user or group outside this user namespace (it shows "
        "as 65534:65534), which cannot be changed from inside: nothing was changed; change its "
        "owner from the host (e.g. podman unshare chown), or pass --chown-best-effort to change "
        "the rest")


@FORMATS
def test_chown_check_cannot_open(json_format, mapped_tree, monkeypatch):
    if json_format:
        monkeypatch.setenv("WARDEN_LOG_FORMAT", "json")
    # The check before the walk opens the top again ("."), with these flags alone (in musl;
    # glibc opens / with them too).
    static_only("glibc opens / with the same flags")
    code, out, err = in_partial_userns([*seccomp(EACCES, DIR_OPEN_RULES), WARDEN,
                                        "--chown-to", "1000:1000", "--chown", str(mapped_tree),
                                        "true"])
    assert (code, out) == (125, ""), err
    assert one_line(err, json_format) == f"--chown {mapped_tree}: unable to open it: Permission " \
        "denied"


@FORMATS
@pytest.mark.parametrize("owner", [":", "u" * 300])
def test_chown_owner_form(json_format, owner):
    check(["--chown-to", owner, "--chown", "/tmp/none", "true"], json_format, 125,
          f"--chown-to {owner}: '{owner}' is not USER, USER:GROUP or :GROUP: give one, as in "
          "app, app:web or :web")
