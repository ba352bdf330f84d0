"""Issue 7 (in part): warden answers as tini/docker-init, dumb-init, catatonit, gosu and su-exec. The same
commands run against the original tools from Debian's packages, and their results
(exit codes, ids, groups, capabilities, stdout) must agree."""
import os
import shutil
import signal
import subprocess
import tempfile

import pytest

from harness import (WARDEN, WT, assert_one_error_line, children_of, comm, command_line,
                     proc_status, run, stat_fields, wait_until)

TINI = "/usr/bin/tini-static"
GOSU = "/usr/sbin/gosu"
DUMB_INIT = "/usr/bin/dumb-init"
CATATONIT = "/usr/bin/catatonit"
SETPRIV = "/usr/bin/setpriv"


@pytest.fixture(scope="module")
def links(tmp_path_factory):
    """warden under the tools' names, as `ln -s warden /usr/local/bin/tini` would make it."""
    base = tmp_path_factory.mktemp("links")
    for name in ("tini", "docker-init", "gosu", "su-exec", "dumb-init", "catatonit", "setpriv"):
        os.symlink(os.path.abspath(WARDEN), base / name)
    return base


def both(cmd_for, pid1=True, accounts=None, env=None):
    """Runs the same command with the original tool and with warden under its name."""
    results = []
    for tool in cmd_for:
        cmd = command_line([], pid1, accounts=accounts)[:-1] + tool
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
        results.append(r)
    return results


def process_state(pid):
    return stat_fields(pid)[0]


def waiting_for_signals(pid):
    """True while pid sleeps in sigtimedwait (dumb-init's sigwait, warden's wait)."""
    with open(f"/proc/{pid}/wchan") as f:
        return process_state(pid) == "S" and "sigtimedwait" in f.read()


@pytest.mark.parametrize("args,code", [
    (["--", "sh", "-c", "exit 3"], 3),
    (["--", WT, "raise", "15"], 143),
    (["-e", "143", "--", WT, "raise", "15"], 0),
    (["-e", "3", "-e", "4", "--", "sh", "-c", "exit 4"], 0),
    (["-s", "-v", "-w", "-g", "--", "true"], 0),
    (["-p", "SIGTERM", "--", "true"], 0),
    ([], 1),
    (["-x", "true"], 1),
    (["-e", "300", "true"], 1),
    (["-h"], 0),
])
def test_tini_exit_codes_match(links, args, code):
    real, ours = both([[TINI, *args], [str(links / "tini"), *args]])
    assert real.returncode == code, real.stderr
    assert ours.returncode == code, ours.stderr


def docker_init_version(line):
    """(version, commit) as Docker's `docker info` reads `docker-init --version`: the commit
    only from "git.ID" with no other dot, else empty."""
    parts = line.strip().split(" - ")
    commit = ""
    if len(parts) >= 2:
        git = parts[1].strip().split(".")
        if len(git) == 2 and git[0] == "git":
            commit = git[1]
    head = parts[0].strip()
    return (head[len("tini version "):] if head.startswith("tini version ") else ""), commit


def test_tini_version_is_what_docker_parses(links):
    for name in ("tini", "docker-init"):
        result = subprocess.run([str(links / name), "--version"], capture_output=True, text=True)
        assert result.returncode == 0
        assert docker_init_version(result.stdout) == ("0.19.0", "warden-0_1_0"), result.stdout
    real = subprocess.run([TINI, "--version"], capture_output=True, text=True)
    assert real.stdout.startswith("tini version ")


def test_tini_kill_process_group_env(links):
    env = dict(os.environ, TINI_KILL_PROCESS_GROUP="1")
    for tini in (TINI, str(links / "tini")):
        # The shell ignores USR1: were it to die of it, tini would exit at once and the
        # namespace end before the child spoke.
        cmd = ["unshare", "--pid", "--fork", "--mount-proc", tini, "--", "sh", "-c",
               f"trap '' USR1; {WT} signals TERM 0 & wait"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, text=True)
        assert proc.stdout.readline().startswith("ready")
        init = children_of(proc.pid)[0]
        os.kill(init, signal.SIGUSR1)
        assert proc.stdout.readline() == "got USR1\n", tini
        os.kill(init, signal.SIGTERM)
        assert proc.wait(timeout=30) == 128 + 15


def gosu_cases():
    return [
        (["app", "id"], 0),
        (["app:video", "id"], 0),
        (["1000", "id"], 0),
        (["12345", "id"], 0),
        (["12345:54321", "id"], 0),
        (["app", "sh", "-c", "echo $HOME; echo ${USER-unset}"], 0),
        (["nosuchuser", "true"], 1),
        (["app:nosuchgroup", "true"], 1),
        (["app"], 1),
        ([], 1),
        (["app", "no-such-program"], 1),
        (["--version"], 0),
    ]


@pytest.mark.parametrize("args,code", gosu_cases())
def test_gosu_matches_the_original(links, accounts, args, code):
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "USER")}
    real, ours = both([[GOSU, *args], [str(links / "gosu"), *args]], pid1=False,
                      accounts=accounts, env=env)
    assert real.returncode == code, real.stderr
    assert ours.returncode == code, ours.stderr
    if code == 0 and args != ["--version"]:
        assert ours.stdout == real.stdout


def test_gosu_ids_groups_and_capabilities_match(links, accounts):
    fields = ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
              "NoNewPrivs")
    for spec in ("app", "app:video", "12345", "web:0"):
        real, ours = both([[GOSU, spec, "cat", "/proc/self/status"],
                           [str(links / "gosu"), spec, "cat", "/proc/self/status"]],
                          pid1=False, accounts=accounts)
        assert real.returncode == ours.returncode == 0, ours.stderr
        want, got = proc_status(real.stdout), proc_status(ours.stdout)
        for field in fields:
            assert got[field].split() == want[field].split(), (spec, field)


def test_gosu_execs_in_place(links, accounts):
    # No init duties: the command replaces gosu, keeping its pid.
    code, out, _ = run(["--personality", "gosu", "app", "sh", "-c", "echo $$ $PPID"],
                       pid1=True, accounts=accounts)
    assert code == 0
    assert out.split()[0] == "1"  # still PID 1: nothing stayed behind to supervise


def test_su_exec_documented_behaviour(links, accounts):
    su_exec = str(links / "su-exec")
    cases = [
        (["app", "sh", "-c", "id -u; id -g; echo $HOME"], 0, "1000\n1000\n/home/app\n"),
        (["app:video", "sh", "-c", "grep ^Groups /proc/self/status | cut -f2"], 0, "44 \n"),
        (["app", "sh", "-c", "grep ^Groups /proc/self/status | cut -f2"], 0, "44 50 1000 \n"),
        (["nosuchuser", "true"], 1, ""),
        (["app"], 1, ""),
        (["--version"], 1, ""),
    ]
    for args, want_code, want_out in cases:
        cmd = command_line([], False, accounts=accounts)[:-1] + [su_exec, *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert r.returncode == want_code, (args, r.stderr)
        if want_code == 0:
            assert r.stdout == want_out, args


def test_unknown_personality_is_refused_in_one_line():
    r = subprocess.run([WARDEN, "--personality", "nosuchtool", "true"], capture_output=True,
                       text=True)
    assert r.returncode == 125
    assert_one_error_line(r.stderr, "--personality", "nosuchtool")


@pytest.mark.parametrize("args,code", [
    (["sh", "-c", "exit 3"], 3),
    ([WT, "raise", "15"], 143),
    (["--", "sh", "-c", "exit 4"], 4),
    (["-c", "sh", "-c", "exit 5"], 5),
    (["-r", "15:3", "true"], 0),
    (["no-such-program"], 2),
    ([], 1),
    (["-x", "true"], 1),
    (["-r", "99:1", "true"], 1),
    (["-r", "15", "true"], 1),
    (["-h"], 0),
    (["-V"], 0),
])
def test_dumb_init_exit_codes_match(links, args, code):
    real, ours = both([[DUMB_INIT, *args], [str(links / "dumb-init"), *args]])
    assert real.returncode == code, real.stderr
    assert ours.returncode == code, ours.stderr


def session_report():
    return "echo $$ $(cut -d' ' -f6 /proc/$$/stat) $(cut -d' ' -f5 /proc/$$/stat)"


def test_dumb_init_setsid_and_single_child_match(links):
    for args in ([], ["-c"]):
        real, ours = both([[DUMB_INIT, *args, "sh", "-c", session_report()],
                           [str(links / "dumb-init"), *args, "sh", "-c", session_report()]])
        for r in (real, ours):
            pid, session, pgrp = r.stdout.split()
            # setsid mode: the child leads its own session and group; -c: it does not.
            assert (session == pid) == (args == []), (args, r.stdout)
        env = dict(os.environ, DUMB_INIT_SETSID="0")
        real, ours = both([[DUMB_INIT, "sh", "-c", session_report()],
                           [str(links / "dumb-init"), "sh", "-c", session_report()]], env=env)
        for r in (real, ours):
            pid, session, _ = r.stdout.split()
            assert session != pid


def test_dumb_init_signals_the_whole_group_and_rewrites(links):
    for tool in (DUMB_INIT, str(links / "dumb-init")):
        for args, expect in (([], "got TERM"), (["-r", "15:3"], "got QUIT")):
            # The shell ignores TERM and QUIT: were it to die of them, the init would exit
            # at once (as dumb-init does) and the namespace end before the child spoke.
            cmd = ["unshare", "--pid", "--fork", "--mount-proc", tool, *args, "sh", "-c",
                   f"trap '' TERM QUIT; {WT} signals QUIT 0 & wait"]
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
            assert proc.stdout.readline().startswith("ready")
            init = children_of(proc.pid)[0]
            os.kill(init, signal.SIGTERM)
            # The shell's background child is reached only through the group.
            assert proc.stdout.readline() == expect + "\n", (tool, args)
            if expect == "got QUIT":
                # wt's stop signal: it exits 0, the shell's wait returns, and the init
                # leaves with the shell's status (a kill here would race with that exit).
                assert proc.wait(timeout=20) == 0, (tool, args)
            else:
                os.kill(init, signal.SIGKILL)  # PID 1 of the namespace: all in it ends
                proc.wait()


def test_dumb_init_job_control_stops_and_continues_the_child(links):
    # Its session mode: SIGTSTP reaches the child as SIGSTOP (a new session has no terminal
    # to stop on), SIGCONT resumes it; the init itself keeps running.
    for tool in (DUMB_INIT, str(links / "dumb-init")):
        proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", tool, WT,
                                 "signals", "TERM", "0"], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().startswith("ready")
        init = children_of(proc.pid)[0]
        child = children_of(init)[0]
        os.kill(init, signal.SIGTSTP)
        wait_until(lambda: process_state(child) == "T", what=f"{tool}: the child to stop")
        # After forwarding, the init sends itself SIGSTOP (ignored: it is PID 1), and the
        # kernel flushes a SIGCONT still pending for it when that stop is generated. So CONT
        # goes only once the init waits for signals again, which it does after that stop.
        wait_until(lambda: waiting_for_signals(init), what=f"{tool}: the init to wait again")
        assert process_state(init) != "T"
        os.kill(init, signal.SIGCONT)
        # Read before TERM goes: with both pending, the child's sigwaitinfo takes the lower
        # number (TERM) first and exits without reporting CONT.
        assert proc.stdout.readline() == "got CONT\n", tool
        os.kill(init, signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        assert out == "got TERM\n", tool
        assert proc.returncode == 0, tool


def test_dumb_init_version_and_help_go_to_stderr(links):
    for tool in (DUMB_INIT, str(links / "dumb-init")):
        r = subprocess.run([tool, "--version"], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout == "" and r.stderr.startswith("dumb-init v1.2.5")


@pytest.mark.parametrize("args,code", [
    (["--", "sh", "-c", "exit 3"], 3),
    (["-g", "--", WT, "raise", "15"], 143),
    (["--", "no-such-program"], 1),
    ([], 1),
    (["-x", "true"], 1),
    (["-h"], 0),
    (["-L"], 0),
])
def test_catatonit_exit_codes_match(links, args, code):
    real, ours = both([[CATATONIT, *args], [str(links / "catatonit"), *args]])
    assert real.returncode == code, real.stderr
    assert ours.returncode == code, ours.stderr


def blocked_init(outer):
    """The init under unshare once it waits for signals, else None: catatonit blocks them
    and reads a signalfd; warden waits in sigtimedwait, which the kernel shows as an empty
    SigBlk while it sleeps there, so its wait channel tells instead."""
    for p in children_of(outer):
        if comm(p) in (None, "unshare"):
            continue  # forked but not yet the init: unshare blocks TERM itself
        try:
            status = proc_status(open(f"/proc/{p}/status").read())
            if int(status["SigBlk"], 16) & (1 << (signal.SIGTERM - 1)):
                return p
            if "sigtimedwait" in open(f"/proc/{p}/wchan").read():
                return p
        except (OSError, KeyError):
            pass
    return None


def test_catatonit_version_and_pause_mode(links):
    for tool in (CATATONIT, str(links / "catatonit")):
        r = subprocess.run([tool, "--version"], capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout.startswith("tini version ") and "_catatonit" in r.stdout
        for stop in (signal.SIGTERM, signal.SIGINT):
            proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", tool, "-P"])
            init = wait_until(lambda: blocked_init(proc.pid), what="the init to block TERM")
            os.kill(init, signal.SIGUSR1)  # not a stop signal: ignored
            os.kill(init, stop)
            assert proc.wait(timeout=20) == 0, (tool, stop)


# setpriv: the same options against util-linux's setpriv and warden called setpriv.
STATUS_FIELDS = ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
                 "NoNewPrivs")


@pytest.fixture(scope="module")
def public_setpriv():
    """A copy of warden named setpriv that a dropped user can still execute (the build and
    pytest's temporary folders may sit below directories only root can enter)."""
    base = tempfile.mkdtemp(prefix="warden-setpriv-", dir="/tmp")
    os.chmod(base, 0o755)
    tool = os.path.join(base, "setpriv")
    shutil.copy(WARDEN, tool)
    os.chmod(tool, 0o755)
    yield tool
    shutil.rmtree(base)


@pytest.mark.parametrize("args", [
    ["--reuid", "app", "--regid", "app", "--init-groups"],
    ["--reuid", "1000", "--regid", "1000", "--clear-groups"],
    ["--ruid", "app"],
    ["--euid", "web"],
    ["--rgid", "video", "--egid", "staff", "--keep-groups"],
    ["--reuid", "app", "--regid", "app", "--groups", "video,50,29"],
    ["--reuid", "app", "--regid", "app", "--clear-groups", "--inh-caps", "+net_bind_service",
     "--ambient-caps", "+net_bind_service"],
    ["--reuid", "app", "--regid", "app", "--clear-groups", "--bounding-set", "-all,+net_raw",
     "--nnp"],
    ["--reuid", "app", "--regid", "app", "--keep-groups", "--bounding-set", "-all",
     "--inh-caps", "-all"],
    ["--inh-caps", "-all,+cap_10,+NET_RAW"],
    ["--no-new-privs"],
    ["--ambient-caps", "+net_raw"],  # not inheritable: the kernel refuses, both go on
    ["--bounding-set", "-chown,+chown"],
])
def test_setpriv_ids_groups_and_capabilities_match(links, accounts, args):
    real, ours = both([[SETPRIV, *args, "cat", "/proc/self/status"],
                       [str(links / "setpriv"), *args, "cat", "/proc/self/status"]],
                      pid1=False, accounts=accounts)
    assert real.returncode == 0, real.stderr
    assert ours.returncode == 0, ours.stderr
    want, got = proc_status(real.stdout), proc_status(ours.stdout)
    for field in STATUS_FIELDS:
        assert got[field].split() == want[field].split(), (args, field)


@pytest.mark.parametrize("args,code", [
    (["--regid", "app", "true"], 1),  # a gid change needs a groups choice
    (["--init-groups", "true"], 1),
    (["--reuid", "12345", "--init-groups", "true"], 1),
    (["--clear-groups", "--keep-groups", "true"], 1),
    (["--reuid", "nosuchuser", "true"], 1),
    (["--groups", "nosuchgroup", "true"], 1),
    (["--groups", "", "true"], 1),
    (["--inh-caps", "+bogus", "true"], 1),
    (["--inh-caps", "net_raw", "true"], 1),
    (["--inh-caps", "+cap_net_raw", "true"], 1),
    (["--pdeathsig", "15", "true"], 1),
    (["--pdeathsig", "NOSUCH", "true"], 1),
    (["--nnp", "--nnp", "true"], 1),
    (["--reuid", "app", "--ruid", "0", "true"], 1),
    (["--dump", "--nnp"], 1),
    (["--dump", "true"], 1),
    ([], 1),
    (["--foo", "true"], 1),
    (["--reuid"], 1),
    (["no-such-program"], 127),
    (["/etc/passwd"], 126),
    (["-h"], 0),
    (["-V"], 0),
    (["--pdeathsig", "term", "--reset-env", "true"], 0),
])
def test_setpriv_exit_codes_match(links, accounts, args, code):
    real, ours = both([[SETPRIV, *args], [str(links / "setpriv"), *args]], pid1=False,
                      accounts=accounts)
    assert real.returncode == code, real.stderr
    assert ours.returncode == code, ours.stderr
    if code == 1:
        assert_one_error_line(ours.stderr, "setpriv")


def test_setpriv_settings_that_cannot_be_applied_exit_127(links, public_setpriv):
    # Already dropped to uid 1000, going back to root is refused by the kernel.
    for tool in (SETPRIV, public_setpriv):
        r = subprocess.run([SETPRIV, "--reuid", "1000", "--regid", "1000", "--clear-groups",
                            tool, "--reuid", "0", "true"], capture_output=True, text=True)
        assert r.returncode == 127, (tool, r.stderr)
    assert_one_error_line(r.stderr, "setpriv", "setresuid")


@pytest.mark.parametrize("option", ["--securebits=+noroot", "--selinux-label=x",
                                    "--apparmor-profile=x", "--list-caps"])
def test_setpriv_options_outside_the_subset_are_named(links, option):
    r = subprocess.run([str(links / "setpriv"), option, "true"], capture_output=True, text=True)
    assert r.returncode == 1
    assert_one_error_line(r.stderr, option.split("=")[0], "not supported")


@pytest.mark.parametrize("settings", [
    [],
    ["--reuid", "1000", "--regid", "1000", "--groups", "44,50", "--nnp"],
    ["--pdeathsig", "TERM", "--inh-caps", "+net_raw,+chown", "--reuid", "1000", "--regid",
     "1000", "--clear-groups"],
    ["--bounding-set", "-all"],
    ["--euid", "1000"],
])
def test_setpriv_dump_matches_line_for_line(public_setpriv, settings):
    for level in (["-d"], ["-d", "-d"], ["--dump", "-d", "-d"]):
        real = subprocess.run([SETPRIV, *settings, SETPRIV, *level], capture_output=True,
                              text=True)
        ours = subprocess.run([public_setpriv, *settings, public_setpriv, *level],
                              capture_output=True, text=True)
        assert real.returncode == ours.returncode == 0, ours.stderr
        assert ours.stdout == real.stdout, (settings, level)


def test_setpriv_pdeathsig_keep_and_clear(public_setpriv):
    for tool in (SETPRIV, public_setpriv):
        for choice, want in (("keep", "TERM"), ("clear", "[none]")):
            # Changing credentials clears the parent death signal; keep restores it.
            r = subprocess.run([SETPRIV, "--pdeathsig", "TERM", tool, "--reuid", "1000",
                                "--regid", "1000", "--clear-groups", "--pdeathsig", choice,
                                tool, "--dump"], capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
            assert f"Parent death signal: {want}\n" in r.stdout, (tool, choice)


@pytest.mark.parametrize("args", [["--reset-env"], ["--reuid", "app", "--reset-env"],
                                  ["--reuid", "12345", "--reset-env"]])
def test_setpriv_reset_env_matches(links, accounts, args):
    env = {"TERM": "xterm", "FOO": "1", "PATH": os.environ["PATH"], "HOME": "/elsewhere"}
    real, ours = both([[SETPRIV, *args, "env"], [str(links / "setpriv"), *args, "env"]],
                      pid1=False, accounts=accounts, env=env)
    assert real.returncode == ours.returncode == 0, ours.stderr
    assert sorted(ours.stdout.splitlines()) == sorted(real.stdout.splitlines())
    assert "FOO=1" not in ours.stdout


def test_setpriv_version_is_util_linux_style(links):
    r = subprocess.run([str(links / "setpriv"), "-V"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("setpriv from util-linux 2.38.1")
