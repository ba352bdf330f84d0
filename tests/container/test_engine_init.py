"""Issue 20: warden as the engines' own --init. Podman: `podman run --init --init-path=WARDEN`
(Podman bind-mounts it as /run/podman-init and runs `/run/podman-init -- CMD`, where
catatonit would be). Docker: a second dockerd of the tier's own, started by engines.sh with
--init-path=WARDEN (Docker bind-mounts it as /sbin/docker-init and runs
`/sbin/docker-init -- CMD`: warden answers as tini/docker-init)."""
import hashlib
import time

import pytest

from enginelib import (FACTS, HOST_WARDEN, cmdline, docker2, name, parse_facts, podman,
                       proc_status, wait_for)

PODMAN_TEST = "localhost/local/warden-test"
DOCKER_TEST = "local/warden-test"
# The image's own ENTRYPOINT is warden: these tests replace it, so that the engine's init
# (warden too, but from the host) is the only init.
SH = ("--entrypoint", "sh")


def host_warden_sha256():
    with open(HOST_WARDEN, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Engine:
    def __init__(self, kind):
        self.kind = kind
        if kind == "podman":
            self.cli, self.image = podman, PODMAN_TEST
            self.init = ("--init", "--init-path", HOST_WARDEN)
            self.path = "/run/podman-init"
        else:
            self.cli, self.image = docker2, DOCKER_TEST
            self.init = ("--init",)
            self.path = "/sbin/docker-init"

    def run(self, *args, check=False):
        return self.cli("run", "--rm", *self.init, *SH, self.image, *args, check=check)

    def logs(self, c):
        result = self.cli("logs", c, check=False)
        return result.stdout + result.stderr

    def exit_code(self, c):
        return self.cli("inspect", "--format", "{{.State.ExitCode}}", c).stdout.strip()


@pytest.fixture(params=["podman", "docker"])
def engine(request):
    made = Engine(request.param)
    names = []

    def container():
        names.append(name())
        return names[-1]
    made.container = container
    yield made
    for n in names:
        made.cli("rm", "-f", n, check=False)


def test_the_init_is_warden_as_pid_1(engine):
    result = engine.run("-c", FACTS)
    assert result.returncode == 0, result.stderr
    first, pid1, own = parse_facts(result.stdout)
    assert first == [engine.path, "--", "sh", "-c", FACTS]
    assert proc_status(pid1, "Uid") == ["0"] * 4
    # The init keeps the engine's capability set and hands it on unchanged.
    assert proc_status(pid1, "CapEff") == proc_status(own, "CapEff")
    same = engine.run("-c", f"sha256sum {engine.path}")
    assert same.stdout.split()[0] == host_warden_sha256()


def test_personality_under_each_engine(engine):
    result = engine.run("-c", f"{engine.path} --version")
    assert result.returncode == 0, result.stderr
    if engine.kind == "docker":
        # Docker's own check (`docker-init --version`, parsed as tini's) accepts warden.
        assert result.stdout.startswith("tini version ")
        commit = docker2("info", "--format", "{{.InitCommit.ID}}").stdout.strip()
        assert "warden" in commit, f"docker info shows init commit {commit!r}"
    else:
        # "podman-init" is no personality's name: warden answers as itself, and catatonit's
        # calling convention (`-- CMD`) is warden's own.
        assert result.stdout.startswith("warden ")


def test_the_init_reaps_orphans_and_returns_exit_codes(engine):
    result = engine.run("-c", "wt orphans 1000 60")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reaped" in result.stdout
    for program, code in (("wt exit 9", 9), ("wt raise 9", 137), ("exec wt raise 15", 143),
                          ("no-such-program", 127)):
        assert engine.run("-c", program).returncode == code, program


def test_stop_is_graceful_through_the_init(engine):
    c = engine.container()
    engine.cli("run", "-d", "--name", c, *engine.init, *SH, engine.image, "-c",
               "exec wt signals TERM 5")
    wait_for(lambda: "ready" in engine.logs(c), 30, "the app")
    engine.cli("kill", "-s", "USR1", c)
    wait_for(lambda: "got USR1" in engine.logs(c), 30, "USR1 through the init")
    start = time.monotonic()
    engine.cli("stop", "-t", "10", c)
    assert time.monotonic() - start < 9
    assert engine.exit_code(c) == "5"


def test_cap_drop_all_and_a_non_root_user(engine):
    result = engine.cli("run", "--rm", *engine.init, "--cap-drop", "ALL", "--user", "1000:1000",
                        *SH, engine.image, "-c", FACTS, check=False)
    assert result.returncode == 0, result.stderr
    first, pid1, own = parse_facts(result.stdout)
    assert first[0] == engine.path
    assert proc_status(pid1, "Uid") == ["1000"] * 4
    assert proc_status(pid1, "CapEff") == ["0000000000000000"]
    assert proc_status(own, "Uid") == ["1000"] * 4


# Where Podman runs catatonit itself: a pod's pause process (`catatonit -P`, PID 1 of a
# pod that shares its PID namespace). An infra image with warden linked as catatonit.
PAUSE_IMAGE = f"""FROM {PODMAN_TEST}
RUN ln -s warden /usr/local/bin/catatonit
ENTRYPOINT ["/usr/local/bin/catatonit", "-P"]
CMD []
"""
# One long-lived orphan and five short-lived ones for PID 1, then the namespace's
# processes as "pid state ppid" and the hash of PID 1's binary.
ORPHANS = ("(sleep 60 &); for i in 1 2 3 4 5; do (sleep 0.1 &); done; sleep 1; "
           "for s in /proc/[0-9]*/stat; do read -r pid comm state ppid rest < $s && "
           "echo $pid $state $ppid $comm; done; sha256sum /proc/1/exe")


def test_catatonit_personality_as_a_pods_pause(tmp_path):
    (tmp_path / "Containerfile").write_text(PAUSE_IMAGE)
    podman("build", "-q", "--network", "none", "-t", "localhost/warden-pause", str(tmp_path))
    pod = name("pod")
    podman("pod", "create", "--name", pod, "--share", "pid,ipc,uts", "--infra-image",
           "localhost/warden-pause")
    try:
        podman("pod", "start", pod)
        result = podman("run", "--rm", "--pod", pod, *SH, PODMAN_TEST, "-c",
                        "cat /proc/1/cmdline; echo; " + ORPHANS, check=False)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert cmdline(lines[0]) == ["/usr/local/bin/catatonit", "-P"]
        assert lines[-1].split()[0] == host_warden_sha256()
        procs = [line.split() for line in lines[1:-1]]
        # The long-lived orphan was adopted by PID 1; the others were reaped.
        assert ["sleep" in p[3] and p[2] == "1" for p in procs].count(True) == 1, procs
        assert not [p for p in procs if p[1] == "Z"], procs
        podman("pod", "stop", pod)
        infra = podman("pod", "inspect", "--format", "{{.InfraContainerID}}", pod).stdout.strip()
        # catatonit -P: exit 0 on SIGTERM.
        assert podman("inspect", "--format", "{{.State.ExitCode}}", infra).stdout.strip() == "0"
    finally:
        podman("pod", "rm", "-f", pod, check=False)
