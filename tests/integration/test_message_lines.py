"""Issue 21: what warden says along the way (the SIGKILL warning, -v, --chown's lines),
checked word for word in the text and the JSON log format."""
import json
import os
import re
import signal
import subprocess

import pytest

from harness import WT, Warden, as_user, log_env, run


# The kill message: what is killed, after how long, and what sets that time.
KILLED = "with SIGKILL"


def stderr_line(err, json_format):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    if json_format:
        record = json.loads(lines[0])
        return record["level"], record["message"], record
    assert lines[0].startswith("warden: warning: "), lines[0]
    return "warn", lines[0][len("warden: warning: "):], None


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_kill_message_for_the_program(json_format):
    w = Warden(["--grace", "0.2", WT, "ignore", str(int(signal.SIGTERM))], pid1=True,
               env=log_env(json_format))
    w.readline()
    w.send(signal.SIGTERM)
    assert w.wait(timeout=30) == 137
    level, message, record = stderr_line(w.stderr, json_format)
    assert (level, message) == ("warn", "grace period of 0.2 s over (set by --grace or "
                                "WARDEN_GRACE): killing the program (pid 2) and 0 other "
                                f"processes {KILLED}")
    if record:
        assert (record["grace_ms"], record["pid"], record["leftovers"]) == (200, 2, 0)


def leftover_run(args, json_format, env=None, **extra):
    """The program leaves a process that ignores TERM behind and exits 4."""
    script = f"{WT} ignore {int(signal.SIGTERM)} & read line; exit 4"
    w = Warden([*args, "sh", "-c", script], pid1=True, stdin=subprocess.PIPE,
               env=env or log_env(json_format, **extra))
    w.readline()
    w.proc.stdin.close()
    assert w.wait(timeout=30) == 4
    return w.stderr


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("grace,source", [
    ("0.3", "set by --grace or WARDEN_GRACE"),
    (None, "the default for what the program leaves behind; --grace or WARDEN_GRACE sets it"),
], ids=["grace", "default"])
def test_kill_message_for_leftovers(json_format, grace, source):
    extra = {"WARDEN_GRACE": grace} if grace else {}
    level, message, record = stderr_line(leftover_run([], json_format, **extra), json_format)
    seconds = grace or "5"
    assert (level, message) == ("warn", f"grace period of {seconds} s over ({source}): killing "
                                f"1 leftover process {KILLED}")
    if record:
        assert (record["pid"], record["leftovers"]) == (0, 1)


def test_kill_message_as_tini():
    # tini has no --grace: the deadline for leftovers is warden's, and says so.
    err = leftover_run(["--personality", "tini", "--"], False, env=log_env(False))
    assert err.splitlines() == [
        "warden: warning: grace period of 5 s over (warden's fixed deadline for what the "
        f"program leaves behind): killing 1 leftover process {KILLED}"]


# What -v says along the way: status, not advice, but checked word for word all the same.
@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("args,inner,lines", [
    (["-v", "--remap-exit", "3:0", "sh", "-c", "exit 3"], [],
     ["started 'sh' as pid {pid}", "main program (pid {pid}) ended with status 3",
      "exit status 3 remapped to 0"]),
    (["-v", "--user", "app", "true"], [],
     ["now running as uid 1000 gid 1000 with 3 supplementary groups, no_new_privs, empty "
      "bounding set", "started 'true' as pid {pid}",
      "main program (pid {pid}) ended with status 0"]),
    (["-v", "--user", "app", "true"], as_user(1000, 1000),
     ["already running as uid 1000 gid 1000: nothing to switch", "started 'true' as pid {pid}",
      "main program (pid {pid}) ended with status 0"]),
], ids=["remap", "switch", "already"])
def test_verbose_lines(json_format, accounts, args, inner, lines):
    status, out, err = run(args, pid1=True, env=log_env(json_format), accounts=accounts,
                           inner=inner)
    assert (status, out) == (0, ""), err
    # The program's pid: 2, or more when the account set-up forked first.
    pid = re.search(r"started '[a-z]+' as pid ([0-9]+)", err).group(1)
    lines = [line.replace("{pid}", pid) for line in lines]
    if json_format:
        records = [json.loads(line) for line in err.splitlines()]
        assert [(r["level"], r["message"]) for r in records] == [("info", m) for m in lines]
    else:
        assert err.splitlines() == [f"warden: {m}" for m in lines]


TERM = str(int(signal.SIGTERM))
STOPS = {
    "grace": (["--grace", "0.3", WT, "ignore", TERM], 137, [
        ("info", f"started '{WT}' as pid 2"),
        ("info", "forwarded SIGTERM as SIGTERM to pid 2"),
        ("info", "stop requested: grace period of 0.300 s started"),
        ("warn", "grace period of 0.3 s over (set by --grace or WARDEN_GRACE): killing the "
                 "program (pid 2) and 0 other processes with SIGKILL"),
        ("info", "main program (pid 2) ended with status 137")]),
    "no-grace": ([WT, "signals", "TERM", "3"], 3, [
        ("info", f"started '{WT}' as pid 2"),
        ("info", "forwarded SIGTERM as SIGTERM to pid 2"),
        ("info", "stop requested: no --grace, waiting for the program as long as it takes"),
        ("info", "main program (pid 2) ended with status 3")]),
    # WINCH (28) after TERM (15): both pending, the kernel hands over the lower one first.
    "dropped": (["--rewrite", "TERM:none", "--rewrite", "WINCH:TERM", WT, "signals", "TERM", "3"],
                3, [
        ("info", f"started '{WT}' as pid 2"),
        ("info", "received SIGTERM: dropped (--rewrite)"),
        ("info", "forwarded SIGWINCH as SIGTERM to pid 2"),
        ("info", "main program (pid 2) ended with status 3")]),
}


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("case", sorted(STOPS))
def test_verbose_stop_lines(json_format, case):
    args, code, expected = STOPS[case]
    w = Warden(["-v", *args], pid1=True, env=log_env(json_format))
    w.readline()
    w.send(signal.SIGTERM)
    if case == "dropped":
        w.send(signal.SIGWINCH)
    assert w.wait(timeout=30) == code
    if json_format:
        records = [json.loads(line) for line in w.stderr.splitlines()]
        assert [(r["level"], r["message"]) for r in records] == expected
    else:
        prefix = {"info": "warden: ", "warn": "warden: warning: "}
        assert w.stderr.splitlines() == [prefix[level] + m for level, m in expected]


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "child"])
def test_verbose_leftover_lines(json_format, pid1):
    script = f"{WT} ignore {TERM} & read line; exit 4"
    w = Warden(["-v", "sh", "-c", script], pid1=pid1, stdin=subprocess.PIPE,
               env=log_env(json_format, WARDEN_GRACE="0.3"))
    w.readline()
    w.proc.stdin.close()
    assert w.wait(timeout=30) == 4
    if json_format:
        got = [(r["level"], r["message"]) for r in map(json.loads, w.stderr.splitlines())]
    else:
        got = [("warn", line[17:]) if line.startswith("warden: warning: ") else
               ("info", line[8:]) for line in w.stderr.splitlines()]
    program = re.search(r"started 'sh' as pid ([0-9]+)", w.stderr).group(1)
    first = [("info", f"started 'sh' as pid {program}"),
             ("info", f"main program (pid {program}) ended with status 4")]
    if pid1:
        assert program == "2"
        first += [("info", "main program ended: sent SIGTERM to every remaining process")]
    else:
        first = [("info", f"not PID 1 (pid {w.pid}): registered as child subreaper"), *first,
                 ("info", "main program ended: sent SIGTERM to 1 leftover process")]
    assert got == [*first, ("info", "leftovers: grace period of 0.300 s started"),
                   ("warn", "grace period of 0.3 s over (set by --grace or WARDEN_GRACE): "
                    "killing 1 leftover process with SIGKILL")]


def volume_lines(err, json_format):
    """(level, message) of every line, times replaced by T."""
    if json_format:
        got = [(r["level"], r["message"]) for r in map(json.loads, err.splitlines())]
    else:
        got = [("warn", line[17:]) if line.startswith("warden: warning: ") else
               ("info", line[8:]) for line in err.splitlines()]
    return [(level, re.sub(r"in [0-9.]+ s$", "in T s", m)) for level, m in got]


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_volume_lines(json_format, accounts, tmp_path):
    vol = tmp_path / "vol"
    vol.mkdir()
    for i in range(11):
        (tmp_path / f"outside{i}").write_text("x")
        os.link(tmp_path / f"outside{i}", vol / f"f{i}")
    new = vol / "new" / "sub"
    args = ["-v", "--chown-policy", "root-mismatch", "--user", "app", "--chown", str(vol),
            "--chown", str(new), "true"]
    status, _, err = run(args, pid1=False, env=log_env(json_format), accounts=accounts)
    assert status == 0, err
    lines = [line for line in volume_lines(err, json_format) if "--chown" in line[1]]
    left = " alone: regular file with more than one hard link (it may be a file from outside " \
           "the volume): change it by hand if it belongs to the volume"
    skipped = sorted(line for line in lines if line[1].endswith(left))
    assert len(skipped) == 10 and all(re.fullmatch(f"--chown: left '{vol}/f[0-9]+'{re.escape(left)}",
                                                   m) for _, m in skipped), skipped
    assert [line for line in lines if line not in skipped] == [
        ("warn", f"--chown {vol}: 1 more warning not shown"),
        ("info", f"--chown {vol}: 12 entries checked, 1 changed, 11 skipped, 0 failed in T s"),
        ("info", f"--chown {new}: created 'new'"),
        ("info", f"--chown {new}: created 'sub'"),
        ("info", f"--chown {new}: the top is as asked already: not walked (--chown-policy "
         "root-mismatch) in T s")]
    # Again: both tops are as asked now.
    status, _, err = run(args, pid1=False, env=log_env(json_format), accounts=accounts)
    assert status == 0, err
    assert [line for line in volume_lines(err, json_format) if "--chown" in line[1]] == [
        ("info", f"--chown {path}: the top is as asked already: not walked (--chown-policy "
         "root-mismatch) in T s") for path in (vol, new)]
