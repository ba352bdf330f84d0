"""Issue 19: the arm64 warden as PID 1 of an arm64 container on this amd64 machine, under
qemu-user (binfmt_misc). tests/container/run.sh makes the image (arm64-base.sh: debootstrap
--foreign and its second stage under qemu) and names the binary in WARDEN_ARM64."""
import os
import subprocess
import time
import uuid

import pytest

IMAGE = os.environ.get("WARDEN_ARM64_IMAGE", "local/bookworm-arm64:base")
BINARY = os.environ.get("WARDEN_ARM64", "dist/warden-linux-arm64")


def docker(*args, check=True, timeout=300):
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {result.returncode}\n{result.stderr}")
    return result


@pytest.fixture
def container():
    name = "warden-arm64-" + uuid.uuid4().hex[:10]
    yield name
    docker("rm", "-f", name, check=False)


def warden_run(*args):
    """docker run arguments for the arm64 image with warden as its entrypoint."""
    return ["run", "--pull=never", "--platform", "linux/arm64",
            "-v", f"{os.path.abspath(BINARY)}:/usr/local/bin/warden:ro",
            "--entrypoint", "/usr/local/bin/warden", *args]


def logs(name):
    result = docker("logs", name, check=False)
    return result.stdout + result.stderr


def test_the_image_and_the_binary_are_arm64():
    assert docker("image", "inspect", "--format", "{{.Architecture}}", IMAGE).stdout.strip() == "arm64"
    with open(BINARY, "rb") as f:
        header = f.read(20)
    assert header[:4] == b"\x7fELF" and header[18:20] == b"\xb7\x00", "not an aarch64 ELF file"


def test_exit_code_comes_back():
    result = docker(*warden_run("--rm", IMAGE, "--", "sh", "-c", "exit 7"), check=False)
    assert result.returncode == 7, result.stderr


def test_pid1_stops_gracefully_on_docker_stop(container):
    # The program says when its TERM handler is in place, then waits; on TERM it says so and
    # exits 3. A SIGKILL at the end of docker stop's timeout would give 137 instead.
    script = 'trap "echo stopping; exit 3" TERM; echo ready; sleep 1000 & wait'
    docker(*warden_run("-d", "--name", container, IMAGE, "--", "sh", "-c", script))
    deadline = time.monotonic() + 60
    while "ready" not in logs(container):
        assert time.monotonic() < deadline, f"no 'ready' within 60 s: {logs(container)!r}"
        time.sleep(0.2)
    assert docker("exec", container, "cat", "/proc/1/comm").stdout.strip() == "warden"
    assert docker("exec", container, "uname", "-m").stdout.strip() == "aarch64"
    docker("stop", "-t", "30", container, timeout=60)
    state = docker("inspect", "--format", "{{.State.ExitCode}} {{.State.OOMKilled}}", container)
    assert state.stdout.split() == ["3", "false"], logs(container)
    assert "stopping" in logs(container)
