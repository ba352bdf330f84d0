"""Issue 20: warden as ENTRYPOINT under rootful Podman (Debian's 4.3, runc, cgroupfs), on
the images run.sh built on the debootstrap base and engines.sh loaded with podman load.
Podman runs health checks from systemd timers, and this machine has no systemd: the tests
run each check with `podman healthcheck run`, which applies --health-on-failure too."""
import time

import pytest

from enginelib import FACTS, name, parse_facts, podman, proc_status, wait_for

TEST = "localhost/local/warden-test"
WARDEN = ("--entrypoint", "/usr/local/bin/warden")


def exit_code(c):
    return podman("inspect", "--format", "{{.State.ExitCode}}", c).stdout.strip()


def logs(c):
    result = podman("logs", c, check=False)
    return result.stdout + result.stderr


@pytest.fixture
def container():
    names = []

    def make():
        names.append(name())
        return names[-1]
    yield make
    for n in names:
        podman("rm", "-f", "-t", "0", n, check=False)


@pytest.fixture
def volume():
    made = name()
    podman("volume", "create", made)
    yield made
    podman("volume", "rm", "-f", made, check=False)


def test_warden_is_pid_1_with_the_engines_capabilities():
    result = podman("run", "--rm", TEST, "sh", "-c", FACTS, check=False)
    assert result.returncode == 0, result.stderr
    first, pid1, own = parse_facts(result.stdout)
    assert first == ["/usr/local/bin/warden", "--", "sh", "-c", FACTS]
    assert proc_status(pid1, "Uid") == ["0"] * 4
    # Podman 4.3's default set (the same 14 as Docker's), the same for warden and for the program.
    assert proc_status(pid1, "CapEff") == ["00000000a80425fb"]
    assert proc_status(own, "CapEff") == ["00000000a80425fb"]


def test_exit_codes_come_back_through_podman_run_and_wait(container):
    for args, code in ((["wt", "exit", "7"], 7), (["-e", "143:0", "wt", "raise", "15"], 0),
                       (["wt", "raise", "9"], 137), (["no-such-program"], 127)):
        assert podman("run", "--rm", *WARDEN, TEST, *args, check=False).returncode == code, args
    c = container()
    podman("run", "-d", "--name", c, *WARDEN, TEST, "wt", "exit", "42")
    assert podman("wait", c).stdout.strip() == "42"


def test_podman_stop_is_graceful_and_kill_forwards(container):
    c = container()
    podman("run", "-d", "--name", c, TEST, "wt", "signals", "TERM", "3")
    wait_for(lambda: "ready" in logs(c), 30, "the app")
    podman("kill", "-s", "USR1", c)
    wait_for(lambda: "got USR1" in logs(c), 30, "USR1 to reach the app")
    start = time.monotonic()
    podman("stop", "-t", "10", c)
    assert time.monotonic() - start < 9
    assert exit_code(c) == "3"
    assert "got TERM" in logs(c)


def test_podman_stop_after_grace_gives_137(container):
    c = container()
    podman("run", "-d", "--name", c, *WARDEN, TEST, "--grace", "1", "wt", "ignore", "15")
    wait_for(lambda: "ready" in logs(c), 30, "the app")
    start = time.monotonic()
    podman("stop", "-t", "10", c)
    elapsed = time.monotonic() - start
    # warden's own SIGKILL after its 1 s grace, well before Podman's 10 s.
    assert exit_code(c) == "137"
    assert 0.9 < elapsed < 9, elapsed


def healthcheck(c):
    return podman("healthcheck", "run", c, check=False)


def test_python_web_volume_health_and_stop(container, volume):
    c = container()
    podman("run", "-d", "--name", c, "-v", f"{volume}:/data", "localhost/local/python-web")
    wait_for(lambda: healthcheck(c).returncode == 0, 60, "healthy")
    status = podman("exec", c, "cat", "/proc/1/status").stdout
    assert proc_status(status, "Uid") == ["1000"] * 4
    app = podman("exec", c, "sh", "-c", "stat -c %U:%G /data /data/started; cat /proc/1/cmdline")
    assert app.stdout.startswith("app:app\napp:app\n/usr/local/bin/warden\0--user\0app\0")
    podman("exec", c, "touch", "/tmp/sick")
    assert healthcheck(c).returncode == 1
    start = time.monotonic()
    podman("stop", c)
    assert time.monotonic() - start < 9
    assert exit_code(c) == "0", logs(c)


def state(c):
    return podman("inspect", "--format", "{{.State.Status}}", c).stdout.strip()


def sicken(c, wanted):
    """Makes the app's /health fail and runs checks until Podman acts on the failure."""
    wait_for(lambda: healthcheck(c).returncode == 0, 60, "healthy")
    podman("exec", c, "touch", "/tmp/sick")

    def acted():
        if state(c) == wanted:
            return True
        healthcheck(c)
        return state(c) == wanted
    wait_for(acted, 60, f"Podman to act on the failed probe ({wanted})")


def test_health_on_failure_kill(container):
    c = container()
    podman("run", "-d", "--name", c, "--health-on-failure=kill", "localhost/local/python-web")
    sicken(c, "exited")
    assert exit_code(c) == "137"


def test_health_on_failure_stop_is_graceful(container):
    c = container()
    podman("run", "-d", "--name", c, "--health-on-failure=stop", "localhost/local/python-web")
    sicken(c, "exited")
    # Podman's stop is SIGTERM: warden forwards it, the app exits 0.
    assert exit_code(c) == "0", logs(c)


def test_health_on_failure_restart_keeps_the_volume(container, volume):
    c = container()
    podman("run", "-d", "--name", c, "-v", f"{volume}:/data", "--health-on-failure=restart",
           "localhost/local/python-web")
    wait_for(lambda: healthcheck(c).returncode == 0, 60, "healthy")
    started = podman("inspect", "--format", "{{.State.StartedAt}}", c).stdout

    def restarted():
        # Podman restarts in place (stop, start): RestartCount stays 0, StartedAt moves.
        if podman("inspect", "--format", "{{.State.StartedAt}}", c).stdout != started:
            return True
        podman("exec", c, "touch", "/tmp/sick", check=False)
        healthcheck(c)
        return False
    wait_for(restarted, 60, "Podman to restart the container")
    wait_for(lambda: podman("exec", c, "cat", "/data/started", check=False).stdout ==
             "started\nstarted\n", 60, "the app to start a second time")
    assert podman("exec", c, "cat", "/proc/1/comm").stdout == "warden\n"
    assert logs(c).count("listening on :8000") == 2


def test_postgres_stops_cleanly_with_podman_stop(container, volume):
    for attempt in ("first", "second"):
        c = container()
        podman("run", "-d", "--name", c, "-v", f"{volume}:/var/lib/postgresql/data",
               "localhost/local/postgres-warden")
        wait_for(lambda: "ready to accept connections" in logs(c), 120, "postgres")
        if attempt == "second":
            text = logs(c)
            assert "was shut down at" in text, text
            assert "not properly shut down" not in text and "automatic recovery" not in text
        podman("stop", "-t", "10", c)
        assert exit_code(c) == "0", logs(c)


def test_nginx_non_root_port_80_graceful_quit(container):
    c = container()
    podman("run", "-d", "--name", c, "localhost/local/nginx-warden")
    wait_for(lambda: healthcheck(c).returncode == 0, 60, "nginx healthy")
    status = podman("exec", c, "cat", "/proc/1/status").stdout
    assert proc_status(status, "Uid") == ["33"] * 4
    podman("stop", "-t", "10", c)
    assert exit_code(c) == "0", logs(c)
