"""Issue 16: the health watchdog in a real Docker engine, on the python-web example (its
/health answers 503 while /tmp/sick exists). With --on-unhealthy stop, warden exits 124
and `--restart on-failure` starts the container again; with restart (the compose file of
examples/restart-on-unhealthy), the container stays up while the program's pid changes.
Run by tests/container/run.sh after it built the images."""
import os
import subprocess
import uuid

from enginelib import docker, inspect, logs, wait_for

IMAGE = "local/python-web"
EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples",
                       "restart-on-unhealthy", "compose.yaml")


def program_pid(container):
    """PID 1's one child in the container: the program warden runs."""
    children = docker("exec", container, "cat", "/proc/1/task/1/children").stdout.split()
    assert len(children) == 1, children
    return children[0]


def test_on_unhealthy_stop_exits_124_and_the_engine_restarts_the_container():
    c = "warden-health-" + uuid.uuid4().hex[:10]
    try:
        docker("run", "-d", "--pull=never", "--name", c, "--restart", "on-failure",
               "--tmpfs", "/tmp", "-e", "WARDEN_HEALTH=http://127.0.0.1:8000/health",
               "-e", "WARDEN_HEALTH_INTERVAL=0.2", "-e", "WARDEN_HEALTH_RETRIES=2",
               # python3 takes longer than two checks to listen: a start period, as for
               # any slow start (the first success ends it).
               "-e", "WARDEN_HEALTH_START_PERIOD=60",
               "-e", "WARDEN_ON_UNHEALTHY=stop", "-e", "WARDEN_VERBOSE=1", IMAGE)
        wait_for(lambda: "health: healthy" in logs(c), 60, "the first healthy check")
        assert inspect(c, "{{.RestartCount}}") == "0"
        docker("exec", c, "touch", "/tmp/sick")
        wait_for(lambda: inspect(c, "{{.RestartCount}}") == "1", 60, "the engine's restart")
        # A fresh /tmp (tmpfs) after the restart: healthy again, and no second restart.
        wait_for(lambda: logs(c).count("health: healthy") == 2, 60, "healthy after restart")
        text = logs(c)
        assert text.count("health: stopped because unhealthy: exit status 124") == 1, text
        assert text.index("health: unhealthy: status 503") < text.index("stopped because")
        assert inspect(c, "{{.RestartCount}} {{.State.Running}}") == "1 true"
        assert docker("exec", c, "cat", "/data/started").stdout == "started\nstarted\n"
    finally:
        docker("rm", "-f", c, check=False)


def test_on_unhealthy_restart_keeps_the_container_up_with_a_new_program_pid():
    project = "warden-heal-" + uuid.uuid4().hex[:8]
    compose = ["docker-compose", "-f", EXAMPLE, "-p", project]
    env = dict(os.environ, HEALTH_INTERVAL="0.2")
    up = subprocess.run([*compose, "up", "-d", "--no-build"], capture_output=True, text=True,
                        timeout=300, env=env)
    c = f"{project}_web_1"
    try:
        assert up.returncode == 0, up.stderr
        wait_for(lambda: inspect(c, "{{.State.Health.Status}}") == "healthy", 90, "healthy")
        before, started_at = program_pid(c), inspect(c, "{{.State.StartedAt}}")
        docker("exec", c, "touch", "/tmp/sick")
        wait_for(lambda: "health: restarting: sent SIGTERM" in logs(c), 60, "the restart")
        docker("exec", c, "rm", "/tmp/sick")  # the same container: the file would stay
        wait_for(lambda: "health: restarted" in logs(c), 60, "the program started again")
        after = program_pid(c)
        assert after != before
        # Same container, never stopped; the program again as the image's user (app).
        assert inspect(c, "{{.RestartCount}} {{.State.Running}} {{.State.StartedAt}}") == \
            f"0 true {started_at}"
        assert docker("exec", c, "stat", "-c", "%u", f"/proc/{after}").stdout == "1000\n"
        wait_for(lambda: docker("exec", c, "cat", "/data/started").stdout ==
                 "started\nstarted\n", 30, "the second start")
        stop = subprocess.run([*compose, "stop", "-t", "10"], capture_output=True, text=True,
                              timeout=120, env=env)
        assert stop.returncode == 0, stop.stderr
        assert inspect(c, "{{.State.ExitCode}}") == "0", logs(c)
    finally:
        subprocess.run([*compose, "down", "-v"], capture_output=True, timeout=120, env=env)
