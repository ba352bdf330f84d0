"""Issue 8: warden in a real Docker engine. Run by tests/container/run.sh, which builds
the images first (local/warden-test, local/warden-builder and the examples)."""
import os
import subprocess
import tempfile
import time
import uuid

import pytest

from enginelib import docker, inspect, logs, wait_for

TEST = "local/warden-test"


def run(*args, timeout=300):
    return docker("run", "--rm", "--pull=never", *args, check=False, timeout=timeout)


def name():
    return "warden-" + uuid.uuid4().hex[:10]


@pytest.fixture
def volume():
    """A fresh named volume, removed afterwards."""
    made = name()
    docker("volume", "create", made)
    yield made
    docker("volume", "rm", "-f", made, check=False)


@pytest.fixture
def container():
    names = []

    def make():
        names.append(name())
        return names[-1]
    yield make
    for n in names:
        docker("rm", "-f", n, check=False)


# The tests make PID and mount namespaces of their own: CAP_SYS_ADMIN and no seccomp
# filter (--privileged asks for capabilities that this VM's engine cannot grant).
NAMESPACES = ("--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined",
              "--security-opt", "apparmor=unconfined")
# The image's ENTRYPOINT ends with "--": warden's own options need the entrypoint again.
WARDEN = ("--entrypoint", "/usr/local/bin/warden")


def test_integration_suite_runs_inside_a_container():
    # pytest itself runs under warden as PID 1 of the container.
    result = run(*NAMESPACES, TEST, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "passed" in result.stdout


def test_warden_is_pid_1():
    result = run(TEST, "cat", "/proc/1/comm")
    assert (result.returncode, result.stdout) == (0, "warden\n")


def test_zombies_are_reaped_inside_the_container():
    result = run(TEST, "wt", "orphans", "2000", "60")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reaped" in result.stdout


def test_docker_kill_usr1_reaches_the_app_and_stop_is_clean(container):
    c = container()
    docker("run", "-d", "--pull=never", "--name", c, TEST, "wt", "signals", "TERM", "0")
    wait_for(lambda: "ready" in logs(c), 30, "the app")
    docker("kill", "-s", "USR1", c)
    wait_for(lambda: "got USR1" in logs(c), 30, "USR1 to reach the app")
    start = time.monotonic()
    docker("stop", "-t", "10", c)
    assert time.monotonic() - start < 9
    assert inspect(c, "{{.State.ExitCode}}") == "0"
    assert "got TERM" in logs(c)


def test_docker_stop_kills_after_grace_and_docker_wait_shows_codes(container):
    c = container()
    docker("run", "-d", "--pull=never", "--name", c, *WARDEN, TEST, "--grace", "1", "wt",
           "ignore", "15")
    wait_for(lambda: "ready" in logs(c), 30, "the app")
    start = time.monotonic()
    docker("stop", "-t", "10", c)
    elapsed = time.monotonic() - start
    assert inspect(c, "{{.State.ExitCode}}") == "137"
    assert 0.9 < elapsed < 9, elapsed
    for args, code in ((["wt", "exit", "7"], "7"), (["-e", "143:0", "wt", "raise", "15"], "0"),
                       (["wt", "raise", "9"], "137"), (["no-such-program"], "127")):
        d = container()
        docker("run", "-d", "--pull=never", "--name", d, *WARDEN, TEST, *args)
        assert docker("wait", d).stdout.strip() == code, args


def test_already_non_root_from_docker_user():
    result = run("--user", "1000:1000", TEST, "sh", "-c", "id -u; id -g")
    assert (result.returncode, result.stdout) == (0, "1000\n1000\n"), result.stderr
    result = run("--user", "1000:1000", *WARDEN, TEST, "--user", "0", "true")
    assert result.returncode == 125 and "not root" in result.stderr


ENGINE_FIX = ("docker/podman run --cap-add {0}; Kubernetes: securityContext.capabilities.add: "
              "[\"{0}\"]")


@pytest.mark.parametrize("engine_args,args,line", [
    # Issue 21's cases, as a user meets them: the real reason and the fix, before anything.
    (["--user", "5000"], ["--user", "nobody", "--chown", "/data", "true"],
     "warden: --user nobody: warden runs as uid 5000 gid 0, not root, so it cannot switch to "
     "uid 65534 gid 65534: start the container as root (no docker run --user, no runAsUser) "
     "and let warden switch, or leave --user out"),
    ([], ["--user", "nobody", "--cap", "NET_ADMIN", "true"],
     "warden: --cap NET_ADMIN: the container does not have CAP_NET_ADMIN, so the program cannot "
     "keep it: add it to the container (" + ENGINE_FIX.format("NET_ADMIN") + ")"),
    (["--cap-drop", "SETUID"], ["--user", "nobody", "true"],
     "warden: --user nobody: warden lacks CAP_SETUID, which switching users needs: give it back "
     "(" + ENGINE_FIX.format("SETUID") + "), or leave --user out"),
    (["-e", "WARDEN_USR=nobody"], ["id", "-u"],
     "warden: unknown variable WARDEN_USR (did you mean WARDEN_USER?): every WARDEN_* variable "
     "is warden's own (their names are in warden --help); rename it, or remove it from the "
     "container's environment"),
    ([], ["--grace", "99999999", "true"],
     "warden: --grace: '99999999' is out of range: give seconds from 0 to 31536000, like 5 or "
     "0.5"),
], ids=["not-root", "cap-not-added", "setuid-dropped", "misspelt-variable", "grace-range"])
def test_messages_name_the_fix(engine_args, args, line):
    result = run(*engine_args, *WARDEN, TEST, *args)
    # The docker client's own warnings (no IPv4 forwarding on the tier's engine) aside.
    ours = [x for x in result.stderr.splitlines() if not x.startswith("WARNING: ")]
    assert (result.returncode, result.stdout, ours) == (125, "", [line]), result.stderr


def test_cap_added_by_the_engine_is_kept():
    result = run("--cap-add", "NET_ADMIN", *WARDEN, TEST, "--user", "nobody", "--cap",
                 "NET_ADMIN", "sh", "-c", "grep CapAmb /proc/self/status")
    assert (result.returncode, result.stdout) == (0, "CapAmb:\t0000000000001000\n"), \
        result.stderr


def test_read_only_root_and_cap_drop_all():
    result = run("--read-only", "--tmpfs", "/tmp", TEST, "sh", "-c", "echo ok > /tmp/x && cat /tmp/x")
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr
    result = run("--cap-drop", "ALL", TEST, "sh", "-c", "exit 3")
    assert result.returncode == 3, result.stderr
    result = run("--security-opt", "no-new-privileges", TEST, "true")
    assert result.returncode == 0, result.stderr


def test_not_pid_1_under_docker_init(container):
    result = run("--init", TEST, "sh", "-c", "cat /proc/1/comm; wt orphans 1000 60")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == "docker-init"
    assert "reaped" in result.stdout
    assert run("--init", TEST, "wt", "exit", "9").returncode == 9
    c = container()
    docker("run", "-d", "--pull=never", "--init", "--name", c, TEST, "wt", "signals", "TERM", "5")
    wait_for(lambda: "ready" in logs(c), 30, "the app")
    docker("kill", "-s", "USR1", c)
    wait_for(lambda: "got USR1" in logs(c), 30, "USR1 through docker-init and warden")
    docker("stop", c)
    assert inspect(c, "{{.State.ExitCode}}") == "5"


def test_named_volume_prepared_once(volume):
    args = ["-v", f"{volume}:/data", *WARDEN, "local/python-web", "-v", "--user", "app",
            "--chown", "/data", "--", "sh", "-c",
            "mkdir -p /data/sub && touch /data/sub/f && stat -c %U /data/sub/f"]
    first = run(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "app\n"
    second = run(*args)
    assert second.returncode == 0, second.stderr
    assert " 0 changed" in second.stderr, second.stderr


def test_python_web_healthcheck_volume_and_clean_stop(container):
    c = container()
    docker("run", "-d", "--pull=never", "--name", c, "local/python-web")
    wait_for(lambda: inspect(c, "{{.State.Health.Status}}") == "healthy", 90, "healthy")
    assert docker("exec", c, "stat", "-c", "%U", "/data/started").stdout == "app\n"
    assert "curl" not in docker("exec", c, "sh", "-c", "command -v curl || true").stdout
    docker("exec", c, "touch", "/tmp/sick")
    wait_for(lambda: inspect(c, "{{.State.Health.Status}}") == "unhealthy", 90, "unhealthy")
    start = time.monotonic()
    docker("stop", c)
    assert time.monotonic() - start < 9
    assert inspect(c, "{{.State.ExitCode}}") == "0"


def test_postgres_stops_cleanly_with_docker_stop(container, volume):
    for attempt in ("first", "second"):
        c = container()
        docker("run", "-d", "--pull=never", "--name", c, "-v",
               f"{volume}:/var/lib/postgresql/data", "local/postgres-warden")
        wait_for(lambda: "ready to accept connections" in logs(c), 120, "postgres")
        if attempt == "second":
            text = logs(c)
            assert "was shut down at" in text, text
            assert "not properly shut down" not in text and "automatic recovery" not in text
        docker("stop", "-t", "10", c)
        assert inspect(c, "{{.State.ExitCode}}") == "0", logs(c)


def test_nginx_non_root_port_80_graceful_quit(container):
    c = container()
    docker("run", "-d", "--pull=never", "--name", c, "local/nginx-warden")
    wait_for(lambda: inspect(c, "{{.State.Health.Status}}") == "healthy", 90, "nginx healthy")
    status = docker("exec", c, "cat", "/proc/1/status").stdout
    assert [l.split()[1] for l in status.splitlines() if l.startswith("Uid:")] == ["33"]
    probe = docker("exec", c, "/usr/local/bin/warden", "probe", "http://127.0.0.1:80/", check=False)
    assert probe.returncode == 0, probe.stderr
    docker("stop", "-t", "10", c)
    assert inspect(c, "{{.State.ExitCode}}") == "0", logs(c)


def test_deb_installs_and_man_page_works():
    with tempfile.TemporaryDirectory() as tmp:
        holder = name()
        docker("create", "--name", holder, "local/warden-builder", "true")
        try:
            docker("cp", f"{holder}:/build/warden.deb", os.path.join(tmp, "warden.deb"))
        finally:
            docker("rm", "-f", holder, check=False)
        with open(os.path.join(tmp, "Dockerfile"), "w") as f:
            f.write("ARG BASE\nFROM ${BASE}\n"
                    "RUN apt-get update && apt-get install -y --no-install-recommends man-db "
                    "&& rm -rf /var/lib/apt/lists/*\n"
                    "COPY warden.deb /tmp/\nRUN dpkg -i /tmp/warden.deb\n")
        tag = "local/warden-deb"
        docker("build", "--pull=false", "--network=host", "--build-arg", "BASE=local/bookworm:base",
               "-t", tag, tmp, timeout=600)
    result = run(tag, "sh", "-c", "warden --version && man -P cat warden | head -5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("warden ")
    assert "NAME" in result.stdout


# The environment of warden's child (the program), read inside the container as the
# program's own user: root there lacks CAP_SYS_PTRACE, which another user's needs.
PROGRAM_ENVIRON = """
import sys
child = open("/proc/1/task/1/children").read().split()[0]
sys.stdout.write(open(f"/proc/{child}/environ").read())
"""


def test_compose_example_comes_up_healthy_and_stops_cleanly():
    project = name()
    compose = ["docker-compose", "-f", os.path.join(os.path.dirname(__file__), "..", "..",
                                                    "examples", "compose.yaml"), "-p", project]
    up = subprocess.run([*compose, "up", "-d", "--no-build"], capture_output=True, text=True,
                        timeout=300)
    try:
        assert up.returncode == 0, up.stderr
        names = {service: f"{project}_{service}_1" for service in ("web", "db", "proxy")}
        for service, c in names.items():
            wait_for(lambda c=c: inspect(c, "{{.State.Health.Status}}") == "healthy", 120,
                     f"{service} healthy")
            assert docker("exec", c, "cat", "/proc/1/comm").stdout == "warden\n"
        web = names["web"]
        # --secret-env: the program has the compose secret's value, not the _FILE variable,
        # and no log line carries the value.
        environ = docker("exec", "--user", "app", web, "python3", "-c",
                         PROGRAM_ENVIRON).stdout.split("\0")
        assert "DB_PASSWORD=example-only-password" in environ
        assert not [v for v in environ if v.startswith("DB_PASSWORD_FILE=")]
        assert "example-only-password" not in logs(web)
        # --wait-for tcp://db:5432 found db through Docker's DNS before the program started.
        assert "tcp://db:5432" in logs(web)
        stop = subprocess.run([*compose, "stop", "-t", "10"], capture_output=True, text=True,
                              timeout=120)
        assert stop.returncode == 0, stop.stderr
        for service, c in names.items():
            assert inspect(c, "{{.State.ExitCode}}") == "0", (service, logs(c))
    finally:
        subprocess.run([*compose, "down", "-v"], capture_output=True, timeout=120)
