"""Helpers for the engine tests of issue 20 (test_podman.py, test_rootless.py,
test_engine_init.py, test_kube.py; wait_for also for test_containers.py and
test_clean_stop.py). tests/container/engines.sh sets the environment:
CONTAINERS_CONF and CONTAINERS_STORAGE_CONF (Podman's private configuration), the host's
copy of the built warden, the second dockerd's socket and the rootless user."""
import os
import subprocess
import time
import uuid

LAB = os.environ.get("WARDEN_ENGINES_LAB", "")
HOST_WARDEN = os.environ.get("WARDEN_HOST_BINARY", "")
DOCKER2 = os.environ.get("WARDEN_DOCKER2", "")


def need_environment():
    """The tests only make sense inside engines.sh: say so instead of passing."""
    if not LAB or not os.environ.get("CONTAINERS_CONF"):
        raise AssertionError("run these tests through tests/container/engines.sh (via run.sh)")


def name(prefix="warden"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def command(argv, check=True, timeout=300, env=None):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)}: {result.returncode}\n{result.stdout}\n"
                             f"{result.stderr}")
    return result


def docker(*args, check=True, timeout=300):
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {result.returncode}\n{result.stderr}")
    return result


def logs(container):
    result = docker("logs", container, check=False)
    return result.stdout + result.stderr


def inspect(container, template):
    return docker("inspect", "--format", template, container).stdout.strip()


def podman(*args, check=True, timeout=300):
    need_environment()
    return command(["podman", *args], check=check, timeout=timeout)


def docker2(*args, check=True, timeout=300):
    need_environment()
    return command(["docker", "-H", DOCKER2, *args], check=check, timeout=timeout)


def wait_for(condition, timeout, what):
    """Polls another process's state (the engine's), with a deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def proc_status(text, field):
    """A field of /proc/PID/status, split into words."""
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return line.split()[1:]
    raise AssertionError(f"no {field} in {text!r}")


def cmdline(raw):
    """/proc/PID/cmdline as a list."""
    return raw.rstrip("\0").split("\0")


# Prints PID 1's command line (NUL-separated), its uid and capability sets, then the
# same for itself: what the tests check from inside a container.
FACTS = ("cat /proc/1/cmdline; echo; grep -E '^(Uid|CapEff|CapBnd):' /proc/1/status; "
         "echo self; grep -E '^(Uid|CapEff):' /proc/self/status")


def parse_facts(out):
    lines = out.split("\n")
    first = cmdline(lines[0])
    pid1 = "\n".join(lines[1:lines.index("self")])
    own = "\n".join(lines[lines.index("self") + 1:])
    return first, pid1, own
