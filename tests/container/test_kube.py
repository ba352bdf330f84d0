"""Issue 20: examples/kubernetes.yaml through `podman kube play` (no cluster can run here;
Podman plays the manifest's pods: the Deployment as one pod, and the pod with
shareProcessNamespace, whose PID 1 is Podman's pause process, not warden)."""
import os
import tempfile
import time

import pytest
import yaml

from enginelib import LAB, cmdline, podman, proc_status, wait_for

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "kubernetes.yaml")
PLAY = ("kube", "play", "--network", "none")

# A program that reports each signal it gets with the sender's pid, and exits with the
# given code on SIGTERM: in a shared PID namespace, the sender tells which warden sent it.
# It writes to /record/log, a hostPath volume that outlives `podman kube down`.
RECORDER = """
import os, signal, sys
tag, code = sys.argv[1], int(sys.argv[2])
wanted = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1}
signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
log = open("/record/log", "a", buffering=1)
log.write(f"{tag} ready {os.getpid()}\\n")
while True:
    info = signal.sigwaitinfo(wanted)
    log.write(f"{tag} got {signal.Signals(info.si_signo).name} from {info.si_pid}\\n")
    if info.si_signo == signal.SIGTERM:
        sys.exit(code)
"""
# The web container's program: one long-lived orphan (a recorder), ten short-lived ones
# (zombies unless reaped), then the web recorder itself.
WEB_SCRIPT = ("(python3 /record/rec.py orphan 0 &); for i in 1 2 3 4 5 6 7 8 9 10; do "
              "(sleep 0.2 &); done; exec python3 /record/rec.py web 0")


def logs(c):
    result = podman("logs", c, check=False)
    return result.stdout + result.stderr


def container_state(c, field):
    return podman("inspect", "--format", "{{.State." + field + "}}", c).stdout.strip()


def host_pid_to_ns_pid(host_pid):
    """The pid a host process has inside its (innermost) PID namespace."""
    with open(f"/proc/{host_pid}/status") as f:
        return int(proc_status(f.read(), "NSpid")[-1])


def ns_processes(c):
    """pid -> (state, ppid, comm) of every process of the (shared) PID namespace."""
    out = podman("exec", c, "sh", "-c", "cat /proc/[0-9]*/stat 2>/dev/null; true").stdout
    found = {}
    for line in out.splitlines():
        pid, rest = line.split(" (", 1)
        comm, fields = rest.rsplit(") ", 1)
        state, ppid = fields.split()[:2]
        found[int(pid)] = (state, int(ppid), comm)
    return found


@pytest.fixture
def manifest():
    """Plays a manifest and takes it down afterwards, whatever happened."""
    played = []

    def play(path):
        played.append(path)
        result = podman(*PLAY, path, check=False, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result
    yield play
    for path in played:
        podman("kube", "down", path, check=False)
    # Podman 4.3 makes each emptyDir a named volume after it; kube down leaves them.
    for volume in ("data", "tmp"):
        podman("volume", "rm", "-f", volume, check=False)


def test_the_example_plays_and_both_pods_come_up(manifest):
    manifest(EXAMPLE)
    probe = ["/usr/local/bin/warden", "probe", "--timeout", "1", "http://127.0.0.1:8000/health"]
    # Podman plays the Deployment's two replicas as pods web-pod-0 and web-pod-1.
    for web in ("web-pod-0-web", "web-pod-1-web"):
        wait_for(lambda: container_state(web, "Status") == "running", 60, web)
        facts = podman("exec", web, "sh", "-c",
                       "cat /proc/1/cmdline; echo; grep -E '^(Uid|CapEff):' /proc/1/status")
        first, status = facts.stdout.split("\n", 1)
        assert cmdline(first) == ["/usr/local/bin/warden", "--grace", "20", "--", "python3",
                                  "/srv/app.py"]
        # runAsUser: warden needs no --user; drop ALL: no capabilities at all.
        assert proc_status(status, "Uid") == ["1000"] * 4
        assert proc_status(status, "CapEff") == ["0000000000000000"]
        # The readiness probe's command, and the liveness probe as Podman's health check.
        wait_for(lambda: podman("exec", web, *probe, check=False).returncode == 0, 30, "ready")
        assert podman("healthcheck", "run", web, check=False).returncode == 0

    shared = "web-with-sidecar-web"
    wait_for(lambda: container_state(shared, "Status") == "running", 60, "the shared pod")
    # PID 1 of the shared namespace is Podman's pause process (catatonit), not warden.
    assert cmdline(podman("exec", shared, "cat", "/proc/1/cmdline").stdout) == ["/catatonit",
                                                                                "-P"]
    assert host_pid_to_ns_pid(container_state(shared, "Pid")) != 1
    wait_for(lambda: podman("exec", shared, *probe, check=False).returncode == 0, 30,
             "web ready in the shared pod")

    down = podman("kube", "down", EXAMPLE, check=False, timeout=120)
    assert down.returncode == 0, down.stderr


def shared_pod_manifest(directory, record):
    """The example's shared-process-namespace pod, with recorders as programs and a
    hostPath volume for their records."""
    with open(EXAMPLE) as f:
        pod = [doc for doc in yaml.safe_load_all(f) if doc["kind"] == "Pod"][0]
    pod["metadata"]["name"] = "warden-shared"
    web, sidecar = pod["spec"]["containers"]
    web.pop("readinessProbe", None)
    web["args"] = ["sh", "-c", WEB_SCRIPT]
    sidecar["command"] = ["/usr/local/bin/warden", "--"]
    sidecar["args"] = ["python3", "/record/rec.py", "sidecar", "42"]
    with open(os.path.join(record, "rec.py"), "w") as f:
        f.write(RECORDER)
    for c in (web, sidecar):
        c.setdefault("volumeMounts", []).append({"name": "record", "mountPath": "/record"})
    pod["spec"]["volumes"].append({"name": "record",
                                   "hostPath": {"path": record, "type": "Directory"}})
    path = os.path.join(directory, "shared.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(pod, f, width=1000)
    return path


def play_recorders(manifest, tmp):
    """Plays the recorder pod; returns the record reader and the manifest's path."""
    record = os.path.join(tmp, "record")
    os.mkdir(record)
    os.chmod(record, 0o777)
    log = os.path.join(record, "log")

    def recorded():
        try:
            with open(log) as f:
                return f.read()
        except FileNotFoundError:
            return ""
    path = shared_pod_manifest(tmp, record)
    manifest(path)
    wait_for(lambda: all(f"{tag} ready" in recorded() for tag in ("web", "orphan", "sidecar")),
             60, "the programs")
    return recorded, path


WEB, SIDECAR = "warden-shared-web", "warden-shared-sidecar"


def test_shared_namespace_subreaper_and_each_stop_stops_only_its_own(manifest):
    with tempfile.TemporaryDirectory(dir=LAB) as tmp:
        recorded, path = play_recorders(manifest, tmp)
        web_warden = host_pid_to_ns_pid(container_state(WEB, "Pid"))
        side_warden = host_pid_to_ns_pid(container_state(SIDECAR, "Pid"))
        assert 1 not in (web_warden, side_warden)
        assert cmdline(podman("exec", WEB, "cat", "/proc/1/cmdline").stdout) == ["/catatonit",
                                                                                 "-P"]
        orphan = int(recorded().split("orphan ready ")[1].split()[0])
        sidecar_program = int(recorded().split("sidecar ready ")[1].split()[0])

        # Registered as subreaper: the orphan's parent is web's warden, not PID 1.
        wait_for(lambda: ns_processes(SIDECAR)[orphan][1] == web_warden, 30,
                 "the orphan to be adopted by web's warden")
        # The short-lived orphans are reaped: no zombie child of warden stays.
        wait_for(lambda: not [p for p, (state, ppid, _) in ns_processes(SIDECAR).items()
                              if ppid == web_warden and state == "Z"], 30, "reaping")

        # The kubelet's order: each container stopped on its own, the pod's pause last.
        podman("stop", WEB)
        text = recorded()
        # web's warden stopped its program and the orphan it adopted...
        assert f"web got SIGTERM from {web_warden}" in text, text
        assert f"orphan got SIGTERM from {web_warden}" in text, text
        assert container_state(WEB, "ExitCode") == "0"
        # ...and left the sidecar's processes alone: alive, never signalled.
        alive = ns_processes(SIDECAR)
        assert side_warden in alive and sidecar_program in alive, alive
        assert orphan not in alive
        assert "sidecar got" not in text, text
        podman("stop", SIDECAR)
        got = [line for line in recorded().splitlines() if line.startswith("sidecar got")]
        assert got == [f"sidecar got SIGTERM from {side_warden}"], recorded()
        assert container_state(SIDECAR, "ExitCode") == "42"
        down = podman("kube", "down", path, check=False, timeout=120)
        assert down.returncode == 0, down.stderr


def died_exit_codes(since):
    """Exit codes of the containers that died since then, from Podman's event log."""
    out = podman("events", "--stream=false", "--since", since, "--filter", "event=died",
                 "--format", "{{.Name}} {{.ContainerExitCode}}").stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


def test_kube_down_of_a_shared_namespace_kills_everything_at_once(manifest):
    """Podman 4.3 stops the pod's pause process (PID 1 of the shared namespace) together
    with the containers; when it exits, the kernel SIGKILLs every process of the
    namespace, before any warden can forward a SIGTERM. What the README says."""
    with tempfile.TemporaryDirectory(dir=LAB) as tmp:
        recorded, path = play_recorders(manifest, tmp)
        since = str(int(time.time()) - 1)
        down = podman("kube", "down", path, check=False, timeout=120)
        assert down.returncode == 0, down.stderr
        codes = died_exit_codes(since)
        assert (codes.get(WEB), codes.get(SIDECAR)) == ("137", "137"), codes
