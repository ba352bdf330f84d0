"""Issue 21: warden's messages when a system call fails (privileges, capabilities, signals,
fork, waiting) and the lines the supervision loop and the health watchdog give along the
way, checked word for word in the text and the JSON log format. `wt seccomp-errno` makes
the chosen calls fail: a healthy kernel never refuses most of them."""
import errno
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess

import pytest

from harness import SANITIZED, WARDEN, WT, Warden, as_user, log_env, run
from test_health import Endpoint, Log, serving_pid

RELEASE = os.uname().release
# musl's words where glibc's (the sanitizer build, and Python's) differ.
MUSL_STRERROR = {errno.EMFILE: "No file descriptors available", errno.ENOMEM: "Out of memory",
                 errno.ENOTTY: "Not a tty", errno.EIO: "I/O error"}


def strerror(err):
    return os.strerror(err) if SANITIZED else MUSL_STRERROR.get(err, os.strerror(err))


PRCTL = "the container's seccomp profile refuses prctl"
LOCKED = ("what started warden locked the keep-capabilities flag (securebits), or " + PRCTL +
          "; start warden without either, or leave --cap out")
MEMORY = ("the container is out of memory: raise its memory limit (docker run --memory; "
          "Kubernetes: resources.limits.memory)")
NOFILE = ("warden's open-file limit is used up: raise it (docker run --ulimit "
          "nofile=1024:1024; ulimit -n 1024 before warden)")
CAP = "--cap NET_BIND_SERVICE"
PIDS = ("unable to start '{}': Resource temporarily unavailable: the container's process limit "
        "is reached: raise it (docker run --pids-limit, or --ulimit nproc for the user's own; "
        "Kubernetes: the pod's pid limit), or end what makes so many processes")


def engine_fix(cap):
    return (f"docker/podman run --cap-add {cap}; Kubernetes: securityContext.capabilities.add: "
            f"[\"{cap}\"]")


def unexpected(what, reason="Operation not permitted", release=RELEASE):
    return (f"unable to {what}: {reason}: unexpected on Linux {release} (unless the container's "
            "seccomp profile or security module refuses the call): please report this line to "
            "warden's maintainers")


def refused(what, cap):
    return (f"unable to {what}: Operation not permitted: it takes CAP_{cap}, and a seccomp "
            "profile and security module (AppArmor, SELinux) that allow the call: give the "
            f"container CAP_{cap} ({engine_fix(cap)}), and run it with the engine's default "
            "seccomp profile")


def unverified(why):
    return (f"privilege drop could not be verified: {why}, although the kernel reported "
            "success: a seccomp profile or security module of the container changes what the "
            "calls do; warden will not run the program with privileges it was asked to drop: "
            "run the container without that profile")


def failing(err, calls):
    return [WT, "seccomp-errno", str(err), calls]


def env_for(json_format, **extra):
    """log_env, and no leak check in the sanitizer build: LeakSanitizer stops the process
    with the very calls (clone, prctl, ptrace) these filters refuse."""
    return log_env(json_format, ASAN_OPTIONS="detect_leaks=0", **extra)


def records(err, json_format):
    """(level, message) of every line: the level as JSON gives it; in text, "warn" for
    "warden: warning: " and "info" for the rest (debug lines look the same)."""
    if json_format:
        return [(r["level"], r["message"]) for r in map(json.loads, err.splitlines())]
    got = []
    for line in err.splitlines():
        assert line.startswith("warden: "), line
        warned = line.startswith("warden: warning: ")
        got.append(("warn" if warned else "info", line[17 if warned else 8:]))
    return got


def expect(json_format, lines):
    """lines as records() gives them in this format (debug and error show as info in text)."""
    if json_format:
        return lines
    return [("warn" if level == "warn" else "info", m) for level, m in lines]


USER = ["--user", "4242:4242"]
# (id, what fails, errno, arguments, extra command before warden, message)
CASES = [
    # Capabilities (caps.c): the engine's flags and the container's seccomp profile.
    ("keepcaps", "prctl@0=8", errno.EPERM, [*USER, "--cap", "NET_BIND_SERVICE"], [],
     "unable to keep capabilities across the user switch: Operation not permitted: " + LOCKED),
    ("bounding", "prctl@0=24", errno.EPERM, [*USER, "--cap", "NET_BIND_SERVICE"], [],
     "unable to empty the capability bounding set: unable to drop chown from the bounding set: "
     "Operation not permitted: it takes CAP_SETPCAP, and a seccomp profile that allows prctl: "
     f"give the container CAP_SETPCAP ({engine_fix('SETPCAP')}), or keep the bounding set "
     "with --allow-privilege-escalation"),
    ("capset", "capset", errno.EPERM, [*USER, "--cap", "NET_BIND_SERVICE,chown"], [],
     "--cap NET_BIND_SERVICE,CHOWN: unable to set capabilities: Operation not permitted: the "
     "container must hold each of them (docker/podman run --cap-add NAME; Kubernetes: "
     "securityContext.capabilities.add), and its seccomp profile and security module "
     "(AppArmor, SELinux) must allow capset"),
    # PR_CAP_AMBIENT_RAISE (2) and PR_SET_KEEPCAPS 0: no other prctl gets these as its
    # first argument while the bounding set is kept.
    ("ambient", "prctl@1=2", errno.EPERM,
     [*USER, "--allow-privilege-escalation", "--cap", "NET_BIND_SERVICE"], [],
     f"{CAP}: unable to set ambient capabilities: Operation not permitted: what started warden "
     f"forbade raising them (securebits), or {PRCTL}; start warden without either, or leave "
     "--cap out"),
    ("keepcaps-reset", "prctl@1=0", errno.EPERM,
     [*USER, "--allow-privilege-escalation", "--cap", "NET_BIND_SERVICE"], [],
     "unable to reset keep-capabilities: Operation not permitted: " + LOCKED),
    ("no-new-privs", "prctl@0=38", errno.EPERM, USER, [],
     f"unable to set no_new_privs: Operation not permitted: {PRCTL}; allow it, or pass "
     "--allow-privilege-escalation to run without no_new_privs"),
    # The user switch (privdrop.c).
    ("setgroups", "setgroups", errno.EPERM, USER, [],
     refused("set supplementary groups", "SETGID")),
    ("setresgid", "setresgid", errno.EPERM, USER, [], refused("set group id 4242", "SETGID")),
    ("setresuid", "setresuid", errno.EPERM, USER, [], refused("set user id 4242", "SETUID")),
    ("setresuid-unmapped", "setresuid", errno.EINVAL, USER, [],
     "unable to set user id 4242: Invalid argument: the id does not exist in this user "
     "namespace: pick one inside /proc/self/uid_map"),
    ("setresgid-unmapped", "setresgid", errno.EINVAL, USER, [],
     "unable to set group id 4242: Invalid argument: the id does not exist in this user "
     "namespace: pick one inside /proc/self/gid_map"),
    ("setgroups-other", "setgroups", errno.EIO, USER, [],
     unexpected("set supplementary groups", strerror(errno.EIO))),
    # Success that did not happen (errno 0: the call answers success without happening):
    # the read-back catches it.
    ("not-verified", "setresuid", 0, USER, [], unverified("uids are 0/0/0, not 4242")),
    # Only setresuid(0, ...) is faked: the switch to 4242 happens, the way back "works".
    ("root-regained", "setresuid@0=0", 0, USER, [], unverified("root could be regained")),
    ("ids-unreadable", "getresuid", errno.EPERM, USER, [],
     unverified("unable to read ids back: Operation not permitted")),
    # capset and the ambient raise (PR_CAP_AMBIENT, 47) faked: the permitted set kept across
    # the switch stays full.
    ("caps-still-held", "capset,prctl@0=47", 0, [*USER, "--cap", "NET_BIND_SERVICE"], [],
     unverified("capability chown is still held")),
    ("bounding-kept", "prctl@0=24", 0, [*USER, "--cap", "NET_BIND_SERVICE"], [],
     unverified("capability chown is still in the bounding set")),
    ("no-new-privs-unset", "prctl@0=38", 0, USER, [], unverified("no_new_privs is not set")),
    # Signals (signals.c).
    ("block-signals", "rt_sigprocmask", errno.EPERM, [], [], unexpected("block signals")),
    ("release-unknown", "rt_sigprocmask,uname", errno.EPERM, [], [],
     unexpected("block signals", release="(release unknown)")),
    ("signalfd", "signalfd4", errno.EPERM, ["--wait-for", "tcp://127.0.0.1:1"], [],
     unexpected("create a signalfd")),
    ("signalfd-nofile", "signalfd4", errno.EMFILE, ["--wait-for", "tcp://127.0.0.1:1"], [],
     f"unable to create a signalfd: {strerror(errno.EMFILE)}: {NOFILE}"),
    ("signalfd-memory", "signalfd4", errno.ENOMEM, ["--wait-for", "tcp://127.0.0.1:1"], [],
     f"unable to create a signalfd: {strerror(errno.ENOMEM)}: {MEMORY}"),
    # The signalfd is descriptor 4 (the check's socket is 3): only its reads fail.
    ("read-signal", "read@0=4", errno.EIO, ["--wait-for", "tcp://127.0.0.1:1"], [],
     unexpected("read a signal", strerror(errno.EIO))),
    ("wait-signals", "rt_sigtimedwait", errno.EPERM, [], [], unexpected("wait for signals")),
    # fork (spawn.c): the container's limits.
    ("fork-pids", "vfork,clone", errno.EAGAIN, [], [],
     PIDS.format("true")),
    ("fork-memory", "vfork,clone", errno.ENOMEM, [], [],
     f"unable to start 'true': {strerror(errno.ENOMEM)}: {MEMORY}"),
    ("fork-other", "vfork,clone", errno.EPERM, [], [], unexpected("start 'true' (fork)")),
    # The supervision (supervise.c).
    ("wait-children", "wait4", errno.EPERM, [], [], unexpected("wait for children")),
    ("subreaper", "prctl@0=36", errno.EPERM, [], [],
     "unable to become a child subreaper: Operation not permitted: make warden the container's "
     "PID 1 (its ENTRYPOINT), where it needs none"),
    ("pdeathsig", "prctl@0=1", errno.EPERM, ["--pdeathsig", "TERM"], [],
     unexpected("set the parent-death signal (--pdeathsig)")),
]


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case[0])
def test_failure_message(case, json_format):
    _, calls, err, args, inner, message = case
    status, out, stderr = run([*args, "true"], pid1=False, env=env_for(json_format),
                              prefix=failing(err, calls), inner=inner)
    assert (status, out) == (125, ""), stderr
    assert records(stderr, json_format) == expect(json_format, [("error", message)])


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_supplementary_groups_not_changed(json_format):
    """setgroups faked from a process that has one other group: the count matches, the
    group does not."""
    status, out, stderr = run([*USER, "true"], pid1=False, env=env_for(json_format),
                              prefix=["setpriv", "--groups", "7", "--", *failing(0, "setgroups")])
    assert (status, out) == (125, ""), stderr
    assert records(stderr, json_format) == expect(
        json_format, [("error", unverified("supplementary groups differ from the intent"))])


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_user_environment_out_of_memory(json_format):
    """HOME is the first variable set after the switch: with 20000 others (warden's own
    WARDEN_* are gone by then) the new environ array is mapped alone, and only a mapping of
    exactly its size fails (a pointer per variable, HOME and the NULL; 20 bytes of
    malloc's)."""
    if SANITIZED:
        pytest.skip("not run in the sanitizer build: the failing mapping is musl malloc's")
    env = {f"V{i}": "1" for i in range(20000)}
    size = (len(env) + 2) * 8 + 20
    if json_format:
        env["WARDEN_LOG_FORMAT"] = "json"
    status, out, stderr = run([*USER, "true"], pid1=False, env=env,
                              prefix=failing(errno.ENOMEM, f"mmap@1={size}"))
    assert (status, out) == (125, ""), stderr
    assert records(stderr, json_format) == expect(
        json_format, [("error", "unable to set HOME, USER and LOGNAME: Out of memory: " + MEMORY)])


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_signalfd_at_the_open_file_limit(json_format):
    # No filter: the real limit. 0, 1, 2 and the check's socket take all four.
    status, out, err = run(["--wait-for", "tcp://127.0.0.1:1", "true"], pid1=False,
                           env=env_for(json_format), prefix=["prlimit", "--nofile=4"])
    assert (status, out) == (125, ""), err
    assert records(err, json_format) == expect(json_format, [
        ("error", f"unable to create a signalfd: {strerror(errno.EMFILE)}: {NOFILE}")])


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_fork_at_the_process_limit(json_format):
    # No filter: RLIMIT_NPROC counts every process of the user, and 1 leaves warden no room
    # for a child. LeakSanitizer (sanitizer build) would itself need a process.
    env = env_for(json_format)
    status, out, err = run(["echo", "ran"], pid1=False, env=env,
                           prefix=[*as_user(1000, 1000), "prlimit", "--nproc=1"])
    assert (status, out) == (125, ""), err
    assert records(err, json_format) == expect(json_format, [("error", PIDS.format("echo"))])


def test_setuid_install_with_file_capabilities(tmp_path):
    # The chmod u+s case is in test_messages.py; file capabilities set AT_SECURE too.
    setcap = shutil.which("setcap") or "/usr/sbin/setcap"
    os.chmod(tmp_path, 0o755)
    copy = tmp_path / "warden"
    shutil.copy(WARDEN, copy)
    subprocess.run([setcap, "cap_net_bind_service+ep", str(copy)], check=True)
    message = ("refusing to run: warden is installed setuid, setgid or with file capabilities; "
               "install it as an ordinary executable")
    for json_format in (False, True):
        result = subprocess.run([*as_user(1000, 1000), str(copy), "true"], capture_output=True,
                                text=True, env=env_for(json_format), timeout=60)
        assert (result.returncode, result.stdout) == (125, ""), result.stderr
        assert records(result.stderr, json_format) == expect(json_format, [("error", message)])


def reading_program(code):
    """A program that ends when warden's stdin closes, whatever signals it gets."""
    return ["sh", "-c", f"trap '' TERM; echo ready; read line; exit {code}"]


def run_refused(args, json_format, calls, until, code, send=None, **popen):
    """warden (not PID 1) under a filter that refuses calls, its program ready, until a
    line with until; then its stdin closes and the program ends. (that line, every
    record)."""
    w = Warden(args, pid1=False, stdin=subprocess.PIPE, env=env_for(json_format),
               prefix=failing(errno.EPERM, calls), **popen)
    assert w.readline() == "ready"
    log = Log(w)
    if send:
        w.send(send)
    line = log.wait_for(until)
    w.proc.stdin.close()
    assert w.wait() == code
    return line, records("\n".join(log.finish()), json_format)


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("user", [False, True], ids=["root", "user"])
def test_forward_refused(json_format, user, accounts):
    # As root only a filter or a security module can refuse; not root, warden may signal
    # only what runs as its own user (su or sudo in the program change that): here a filter
    # does it.
    args = ["--user", "app"] if user else []
    line, got = run_refused([*args, *reading_program(3)], json_format, "kill",
                            "unable to forward", 3, send=signal.SIGTERM, accounts=accounts)
    program = re.search(r"to pid ([0-9]+)", line).group(1)
    if not user:
        assert got == expect(json_format, [
            ("error", unexpected(f"forward SIGTERM to pid {program}"))])
        return
    assert got == expect(json_format, [
        ("warn", f"unable to forward SIGTERM to pid {program}: Operation not permitted: the "
         "program runs as a user that warden (uid 1000) may not signal (it switched users, "
         "with su or sudo?): keep it as --user's user, or leave --user out so that warden "
         "stays root")])


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_health_stop_refused(json_format):
    # Nothing listens: the first check fails, and the stop signal cannot be sent.
    line, got = run_refused(["--health", "tcp://127.0.0.1:1", "--health-interval", "0.1",
                             "--health-retries", "1", "--on-unhealthy", "stop",
                             *reading_program(3)], json_format, "kill", "health: stopping", 124)
    program = re.search(r"to pid ([0-9]+)", line).group(1)
    assert got == expect(json_format, [
        ("warn", "health: unhealthy: connection failed: Connection refused (1 failed check in "
         "a row)"),
        ("error", unexpected(f"send SIGTERM to pid {program}")),
        ("warn", f"health: stopping: sent SIGTERM to pid {program}; warden exits 124"),
        ("warn", "health: stopped because unhealthy: exit status 124")])


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_leftovers_cannot_be_listed(json_format):
    # Not PID 1: the leftovers are found in /proc, whose listing fails here. The leftover
    # ends when stdin closes.
    script = "exec 3<&0; (trap '' TERM; read line <&3) & echo ready; exit 4"
    _, got = run_refused(["--grace", "60", "sh", "-c", script], json_format, "getdents64",
                         "unable to list processes", 4)
    assert got == expect(json_format, [
        ("warn", "unable to list processes in /proc: Operation not permitted: what the program "
         "left cannot be found without it; mount /proc in the container")])


def normalised(lines):
    """Times in ms replaced by T, and runs of the same line kept once."""
    out = []
    for level, message in lines:
        entry = (level, re.sub(r"in [0-9.]+ ms", "in T ms", message))
        if not out or out[-1] != entry:
            out.append(entry)
    return out


def watched(ep, json_format, verbosity, *options, interval="0.1"):
    """warden as PID 1 checking ep's program every interval seconds."""
    return Warden([verbosity, "--health", ep.url, "--health-interval", interval, *options,
                   *ep.program()], env=env_for(json_format))


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_health_transitions_word_for_word(json_format, tmp_path):
    ep = Endpoint(tmp_path, state="bad")
    w = watched(ep, json_format, "-vv", "--health-retries", "2", "--health-start-period", "60",
                "--on-unhealthy", "log")
    pid = serving_pid(w)
    log = Log(w)
    log.wait_for("health: check failed in the start period")
    ep.set("ok")
    log.wait_for("health: check passed")
    ep.set("bad")
    log.wait_for("health: still unhealthy")
    ep.set("ok")
    log.wait_for("(again)")
    log.wait_for("health: check passed")
    w.send(signal.SIGTERM)
    w.expect(f"got SIGTERM {pid}")
    assert w.wait() == 3
    got = normalised([r for r in records("\n".join(log.finish()), json_format)
                      if r[1].startswith("health: ")])
    assert got == expect(json_format, [
        ("info", f"health: starting: checking {ep.url} every 0.1 s for pid {pid} (start "
         "period 60 s)"),
        ("info", "health: check failed in the start period (not counted): status 503"),
        ("info", "health: healthy: status 200 in T ms"),
        ("debug", "health: check passed: status 200 in T ms"),
        ("info", "health: check failed (1 of 2): status 503"),
        ("warn", "health: unhealthy: status 503 (2 failed checks in a row)"),
        ("info", "health: still unhealthy: status 503"),
        ("warn", "health: healthy: status 200 in T ms (again)"),
        ("debug", "health: check passed: status 200 in T ms")])


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_health_restarts_word_for_word(json_format, tmp_path):
    ep = Endpoint(tmp_path, state="bad")
    w = watched(ep, json_format, "-v", "--health-retries", "1", "--on-unhealthy", "restart",
                "--restart-limit", "2")
    pids = [serving_pid(w)]
    w.expect(f"got SIGTERM {pids[0]}")
    pids.append(serving_pid(w))
    w.expect(f"got SIGTERM {pids[1]}")
    pids.append(serving_pid(w))
    w.expect(f"got SIGTERM {pids[2]}")
    assert w.wait() == 124
    unhealthy = ("warn", "health: unhealthy: status 503 (1 failed check in a row)")
    lines = []
    for n, pid in enumerate(pids):
        lines += [("info", f"started '{WT}' as pid {pid}")]
        if n:
            lines += [("warn", f"health: restarted: '{WT}' is pid {pid} (restart {n} in a row)")]
        lines += [("info", f"health: starting: checking {ep.url} every 0.1 s for pid {pid} "
                   "(start period 0 s)"), unhealthy]
        if n < 2:
            lines += [("warn", f"health: restarting: sent SIGTERM to pid {pid}"),
                      ("info", "unhealthy: grace period of 5.000 s started"),
                      ("info", f"main program (pid {pid}) ended with status 3")]
        if n == 1:
            lines += [("info", "health: restart in 0.1 s (back-off)")]
    lines += [("warn", f"health: stopping: sent SIGTERM to pid {pids[2]}; --restart-limit "
               "reached, warden exits 124"),
              ("info", "unhealthy: grace period of 5.000 s started"),
              ("info", f"main program (pid {pids[2]}) ended with status 3"),
              ("warn", "health: stopped because unhealthy: exit status 124")]
    assert records(w.stderr, json_format) == expect(json_format, lines)


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_supervision_debug_lines(json_format):
    # -vv: a signal warden keeps (TTIN), one after the program ended, the reaping, and the
    # summary. The leftover ends when stdin closes.
    keep, end = os.pipe()
    script = f"(trap '' TERM USR1; read line </dev/fd/{keep}) & echo ready; read line; exit 4"
    w = Warden(["-vv", "--grace", "60", "sh", "-c", script], pid1=True, stdin=subprocess.PIPE,
               env=env_for(json_format), pass_fds=(keep,))
    os.close(keep)
    assert w.readline() == "ready"
    log = Log(w)
    program = re.search(r"as pid ([0-9]+)", log.wait_for("started 'sh'")).group(1)
    w.send(signal.SIGTTIN)
    log.wait_for("received SIGTTIN")
    w.proc.stdin.write(b"\n")
    w.proc.stdin.flush()
    log.wait_for("sent SIGTERM to every remaining process")
    w.send(signal.SIGUSR1)
    log.wait_for("received SIGUSR1")
    os.close(end)
    assert w.wait() == 4
    got = [(level, re.sub(r"woke up [0-9]+ times", "woke up N times", m))
           for level, m in records("\n".join(log.finish()), json_format)]
    leftover = re.search(r"reaped pid ([0-9]+)", "\n".join(m for _, m in got)).group(1)
    assert got == expect(json_format, [
        ("info", f"started 'sh' as pid {program}"),
        ("debug", "received SIGTTIN: not forwarded"),
        ("info", f"main program (pid {program}) ended with status 4"),
        ("info", "main program ended: sent SIGTERM to every remaining process"),
        ("info", "leftovers: grace period of 60.000 s started"),
        ("debug", "received SIGUSR1 after the main program ended: already stopping"),
        ("debug", f"reaped pid {leftover}"),
        ("debug", "reaped 2 processes in all; woke up N times; 0 health checks")])


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_health_restart_cancelled_by_a_stop(json_format, tmp_path):
    # The second restart in a row waits one interval: a stop then ends the plan.
    ep = Endpoint(tmp_path, state="bad")
    w = watched(ep, json_format, "-v", "--health-retries", "1", "--on-unhealthy", "restart",
                interval="1")
    log = Log(w)
    for _ in range(2):
        pid = serving_pid(w)
        w.expect(f"got SIGTERM {pid}")
    log.wait_for("health: restart in")
    w.send(signal.SIGTERM)
    assert w.wait() == 3  # the last program's own status
    assert records("\n".join(log.finish()), json_format)[-2:] == expect(json_format, [
        ("info", "health: restart in 1 s (back-off)"),
        ("info", "health: stop requested: the program will not be started again")])


# The personalities below take their log format from their own tool, which has no JSON:
# their lines are checked in text alone.

def test_tini_without_subreaper_warns():
    status, out, err = run(["--personality", "tini", "--", "true"], pid1=False,
                           env=env_for(False))
    assert (status, out) == (0, ""), err
    assert err.splitlines() == [
        "warden: warning: not PID 1 and not a child subreaper: orphans go to the init above and "
        "are not reaped here (-s or TINI_SUBREAPER adopts them)"]


def test_tini_warns_on_reap():
    # The background true outlives nothing: the program never waits for it, so warden
    # reaps it once the program is gone.
    status, out, err = run(["--personality", "tini", "-w", "--", "sh", "-c", "true & exec true"],
                           pid1=True, env=env_for(False))
    assert status == 0, err
    assert re.fullmatch(r"warden: warning: reaped pid [0-9]+\n", err), err


def test_catatonit_pause_line():
    w = Warden(["--personality", "catatonit", "-P"], pid1=True,
               env=env_for(False, CATATONIT_DEBUG="1"))
    w.pid  # started
    log = Log(w)
    log.wait_for("pause mode")
    w.send(signal.SIGTERM)
    assert w.wait() == 0
    assert log.finish() == ["warden: pause mode (pid 1): waiting for SIGINT or SIGTERM"]


def test_dumb_init_reset_refused():
    # dumb-init resets what its parent ignored (USR1 here); the filter refuses only
    # sigaction calls that set (no old action asked for), not the queries.
    if SANITIZED:
        pytest.skip("not run in the sanitizer build: its runtime sets its own signal handlers "
                    "with the very calls this filter refuses, and cannot start")
    cmd = ["sh", "-c", 'trap "" USR1; exec "$@"', "sh", *failing(errno.EPERM, "rt_sigaction@2=0"),
           WARDEN, "--personality", "dumb-init", "true"]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env_for(False), timeout=60)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "warden: " + unexpected(f"reset the disposition of signal {int(signal.SIGUSR1)}")]


def test_dumb_init_cannot_change_to_root():
    status, out, err = run(["--personality", "dumb-init", "true"], pid1=False,
                           env=env_for(False), prefix=failing(errno.EPERM, "chdir"))
    assert (status, out) == (0, ""), err
    assert err.splitlines() == [
        "warden: warning: unable to change to /: Operation not permitted: warden keeps its "
        "working directory, which stays in use while it runs (the program is not affected)"]


def on_terminal(args, controlling):
    """dumb-init -v with a fresh pty as stdin and stdout (its controlling terminal when
    asked); stderr is a pipe. Returns (exit code, stderr lines)."""
    master, slave = pty.openpty()

    def setup():
        os.setsid()
        if controlling:
            import fcntl
            import termios
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([WARDEN, "--personality", "dumb-init", "-v", *args], stdin=slave,
                            stdout=slave, stderr=subprocess.PIPE, preexec_fn=setup,
                            env=env_for(False))
    os.close(slave)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    return proc.returncode, err.decode().splitlines(), proc.pid


def test_dumb_init_terminal_hand_off_lines():
    # Letting go of the terminal makes the kernel send HUP and CONT to warden's own group,
    # with warden as the sender: both are said, neither forwarded. The program runs until
    # both lines are out (dumb-init exits with its program, and might not get to the second
    # line after a program that ends at once); then TERM ends it.
    master, slave = pty.openpty()

    def setup():
        os.setsid()
        import fcntl
        import termios
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([WARDEN, "--personality", "dumb-init", "-v", WT, "pause"],
                            stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                            preexec_fn=setup, env=env_for(False))
    os.close(slave)
    wanted = ["warden: SIGHUP caused by warden itself: not forwarded",
              "warden: SIGCONT caused by warden itself: not forwarded"]
    text, said = "", []
    try:
        while len(said) < len(wanted):
            ready, _, _ = select.select([proc.stderr], [], [], 60)
            assert ready, f"no line within 60 s: {text!r}"
            chunk = os.read(proc.stderr.fileno(), 4096).decode()
            assert chunk, f"stderr ended before both lines: {text!r}"
            text += chunk
            said = [line for line in text.split("\n")[:-1] if "caused by" in line]
        assert said == wanted, text
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM, text
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
        os.close(master)


def test_dumb_init_terminal_not_its_own():
    # A terminal on stdin that is not warden's controlling terminal cannot be let go of.
    status, lines, pid = on_terminal(["true"], controlling=False)
    assert status == 0, lines
    assert [line for line in lines if "terminal" in line] == [
        f"warden: unable to let go of the terminal: {strerror(errno.ENOTTY)}: it is not "
        "warden's controlling terminal; the program gets it only where no other session holds "
        "it"]
