"""Issue 15: examples/postgres stops cleanly with a client connected, in a real engine: a
psql session stays open while `docker stop -t 10` runs; the container exits 0 before the
engine's timeout, and the next start runs no crash recovery. Run by tests/container/run.sh
after it built the images (WARDEN_POSTGRES_IMAGE names another build of the example)."""
import os
import time
import uuid

import pytest

from enginelib import docker, logs, wait_for

IMAGE = os.environ.get("WARDEN_POSTGRES_IMAGE", "local/postgres-warden")
RECOVERY = ("not properly shut down", "automatic recovery", "database system was interrupted")


@pytest.fixture
def names():
    made = []

    def make(kind="c"):
        made.append((kind, f"warden-stop-{uuid.uuid4().hex[:10]}"))
        return made[-1][1]
    yield make
    for kind, n in reversed(made):
        if kind == "c":
            docker("rm", "-f", n, check=False)
        else:
            docker("volume", "rm", "-f", n, check=False)


def sessions(container):
    """Client sessions in pg_stat_activity (the asking psql included)."""
    r = docker("exec", "-u", "postgres", container, "psql", "-h", "/tmp", "-Atc",
               "select count(*) from pg_stat_activity where backend_type = 'client backend'",
               check=False)
    return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip().isdigit() else 0


def start(container, volume):
    docker("run", "-d", "--pull=never", "--name", container, "-v",
           f"{volume}:/var/lib/postgresql/data", IMAGE)
    wait_for(lambda: "ready to accept connections" in logs(container), 120, "postgres to start")


def test_postgres_stops_cleanly_with_a_client_connected(names):
    volume = names("v")
    docker("volume", "create", volume)
    first = names()
    start(first, volume)
    # A client that stays connected until the server ends its session.
    docker("exec", "-d", "-u", "postgres", first, "sh", "-c", "sleep 3600 | psql -q -h /tmp")
    wait_for(lambda: sessions(first) >= 2, 60, "the psql session to connect")
    began = time.monotonic()
    docker("stop", "-t", "10", first)
    elapsed = time.monotonic() - began
    text = logs(first)
    code = docker("inspect", "--format", "{{.State.ExitCode}}", first).stdout.strip()
    assert code == "0", text
    assert elapsed < 9, f"the stop took {elapsed:.1f}s: the engine's timeout, not a clean stop"
    assert "database system is shut down" in text, text

    second = names()
    start(second, volume)
    text = logs(second)
    assert "was shut down at" in text, text
    for phrase in RECOVERY:
        assert phrase not in text, text
    docker("stop", "-t", "10", second)
    assert docker("inspect", "--format", "{{.State.ExitCode}}", second).stdout.strip() == "0"


def test_postgres_image_stop_signal_is_fast_shutdown():
    # What the engine sends on `docker stop`, from the image itself.
    got = docker("image", "inspect", "--format", "{{.Config.StopSignal}}", IMAGE).stdout.strip()
    assert got == "SIGINT"
