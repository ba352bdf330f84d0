"""The test image (Dockerfile.test) run as a user first tries it, without the namespace
permissions its tests need: one line that says what to add and a failing exit, not a test
run that fails every test with a traceback. Run by tests/container/run.sh, which builds
local/warden-test first; test_containers.py runs the same image with the permissions."""
import subprocess

TEST = "local/warden-test"
NEEDED = "--cap-add SYS_ADMIN --security-opt seccomp=unconfined"


def test_without_namespace_permissions_one_line_says_what_to_add():
    result = subprocess.run(["docker", "run", "--rm", "--pull=never", TEST],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    # The client's own warnings about the engine ("WARNING: IPv4 forwarding is disabled")
    # are not the image's.
    lines = [line for line in result.stderr.splitlines() if not line.startswith("WARNING: ")]
    assert len(lines) == 1, lines
    assert NEEDED in lines[0] and lines[0].startswith("warden-test: "), lines[0]
