"""Issue 21: every message warden gives when something is wrong says what to do, and each
one is checked here word for word, in the text and the JSON log format."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

import pytest

from harness import WARDEN, WT, Warden, run
from test_volumes import in_partial_userns

APP = "start the container as root (no docker run --user, no runAsUser) and let warden switch"
SEE = "(see warden --help)"
UNKNOWN_VAR = ("every WARDEN_* variable is warden's own (their names are in warden --help); "
               "rename it, or remove it from the container's environment")
SECONDS = "give seconds from 0 to 31536000, like 5 or 0.5"


def engine_fix(cap):
    return (f"docker/podman run --cap-add {cap}; Kubernetes: securityContext.capabilities.add: "
            f"[\"{cap}\"]")


def as_user(uid, gid):
    return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]


def without(cap):
    return ["setpriv", f"--bounding-set=-{cap}"]


@pytest.fixture(scope="module")
def place():
    """A directory every test user can reach (pytest's own are 0700): a root-owned volume,
    a link and a file."""
    base = tempfile.mkdtemp(prefix="warden-messages-", dir="/tmp")
    os.chmod(base, 0o755)
    os.mkdir(os.path.join(base, "vol"))
    os.symlink("vol", os.path.join(base, "link"))
    open(os.path.join(base, "file"), "w").close()
    # Its top already belongs to app (1000:1000), the file in it to root.
    os.mkdir(os.path.join(base, "own"))
    os.chown(os.path.join(base, "own"), 1000, 1000)
    open(os.path.join(base, "own", "f"), "w").close()
    # A file of app's, mode 0644.
    os.mkdir(os.path.join(base, "modes"))
    open(os.path.join(base, "modes", "f"), "w").close()
    os.chmod(os.path.join(base, "modes", "f"), 0o644)
    os.chown(os.path.join(base, "modes", "f"), 1000, 1000)
    yield base
    shutil.rmtree(base)


# (id, arguments, extra environment, command run before warden, exit code, level, message).
# {p} in arguments and message is the directory above.
CASES = [
    # The environment.
    ("unknown-variable-near", ["true"], {"WARDEN_USR": "app"}, [], 125, "error",
     f"unknown variable WARDEN_USR (did you mean WARDEN_USER?): {UNKNOWN_VAR}"),
    ("unknown-variable-case", ["true"], {"WARDEN_grace": "1"}, [], 125, "error",
     f"unknown variable WARDEN_grace (did you mean WARDEN_GRACE?): {UNKNOWN_VAR}"),
    ("unknown-variable-far", ["true"], {"WARDEN_VERSION": "0.1.0"}, [], 125, "error",
     f"unknown variable WARDEN_VERSION: {UNKNOWN_VAR}"),
    ("env-switch", ["true"], {"WARDEN_CHOWN_BEST_EFFORT": "maybe"}, [], 125, "error",
     "WARDEN_CHOWN_BEST_EFFORT: 'maybe' is not a switch: give 1, true, yes or on, or 0, false, "
     "no or off"),
    ("env-too-long", ["true"], {"WARDEN_REQUIRE_ENV": "A" * 9000}, [], 125, "error",
     "WARDEN_REQUIRE_ENV: value too long: warden keeps 8192 bytes of WARDEN_* values in all; "
     "shorten it"),
    ("env-verbose", ["true"], {"WARDEN_VERBOSE": "x"}, [], 125, "error",
     "WARDEN_VERBOSE: 'x' is not a verbosity level: give a number from 0 to 9"),
    ("required-env-one", ["--require-env", "NOT_SET_1", "true"], {}, [], 125, "error",
     "required environment variable not set or empty: NOT_SET_1; set it for the container "
     "(docker run -e NAME=VALUE, the image's ENV, or the pod's env)"),
    ("required-env-two", ["--require-env", "NOT_SET_1", "--require-env", "NOT_SET_2", "true"], {}, [], 125, "error",
     "required environment variables not set or empty: NOT_SET_1, NOT_SET_2; set them for the "
     "container (docker run -e NAME=VALUE, the image's ENV, or the pod's env)"),
    # The command line.
    ("unknown-option-near", ["--gracee", "1", "true"], {}, [], 125, "error",
     f"unknown option '--gracee': did you mean --grace? {SEE}"),
    ("unknown-option-far", ["--bogus", "true"], {}, [], 125, "error",
     f"unknown option '--bogus' {SEE}"),
    ("unknown-short-option", ["-x", "true"], {}, [], 125, "error", f"unknown option '-x' {SEE}"),
    ("missing-value-long", ["--grace"], {}, [], 125, "error",
     f"option --grace needs a value: give it as --grace SECONDS {SEE}"),
    ("missing-value-short", ["-t"], {}, [], 125, "error",
     f"option -t, --grace needs a value: give it as --grace SECONDS {SEE}"),
    ("no-command", [], {}, [], 125, "error",
     f"no command given: name the program to run after warden's options, as in warden --user "
     f"app -- myserver {SEE}"),
    ("chown-without-owner", ["--chown", "/data", "true"], {}, [], 125, "error",
     "--chown needs an owner: add --user USER (the program's user) or --chown-to USER[:GROUP]"),
    ("groups-without-user", ["--groups", "video", "true"], {}, [], 125, "error",
     "--groups needs --user: add --user USER (the user it applies to), or leave --groups out"),
    ("cap-without-user", ["--cap", "NET_BIND_SERVICE", "true"], {}, [], 125, "error",
     "--cap needs --user: add --user USER (the user it applies to), or leave --cap out"),
    ("personality", ["--personality", "nope", "true"], {}, [], 125, "error",
     "--personality: unknown name 'nope' (tini, docker-init, dumb-init, catatonit, gosu, "
     "su-exec, setpriv)"),
    # Option values.
    ("grace-range", ["--grace", "99999999", "true"], {}, [], 125, "error",
     f"--grace: '99999999' is out of range: {SECONDS}"),
    ("grace-fraction-range", ["--grace", "31536000.5", "true"], {}, [], 125, "error",
     f"--grace: '31536000.5' is out of range: {SECONDS}"),
    ("grace-word", ["--grace", "soon", "true"], {}, [], 125, "error",
     f"--grace: 'soon' is not a number of seconds: {SECONDS}"),
    ("grace-env", ["true"], {"WARDEN_GRACE": "-1"}, [], 125, "error",
     f"WARDEN_GRACE: '-1' is not a number of seconds: {SECONDS}"),
    ("empty-user", ["--user", "", "true"], {}, [], 125, "error",
     "--user: empty user: give a name or number, as in app or 1000:1000"),
    ("too-many", [*["--require-env=X"] * 65, "true"], {}, [], 125, "error",
     "--require-env: more than 64 values: give at most 64"),
    ("relative-chown", ["--chown", "data", "true"], {}, [], 125, "error",
     "--chown: 'data' is not an absolute path: give it from /, as in /data"),
    ("empty-owner", ["--chown-to", "", "true"], {}, [], 125, "error",
     "--chown-to: empty owner: give USER, USER:GROUP or :GROUP"),
    ("policy", ["--chown-policy", "never", "true"], {}, [], 125, "error",
     "--chown-policy: 'never' is not a policy: give always or root-mismatch"),
    ("mode", ["--chmod", "u+z", "true"], {}, [], 125, "error",
     "--chmod: 'u+z' is not a mode: give an octal mode (0750) or clauses like u+rwX,g=u,o-w"),
    ("signal", ["--stop-signal", "NOPE", "true"], {}, [], 125, "error",
     "--stop-signal: unknown signal 'NOPE': give a name like TERM or SIGTERM, or a number from "
     "1 to 64"),
    ("rewrite-pair", ["--rewrite", "TERM", "true"], {}, [], 125, "error",
     "--rewrite: 'TERM' is not FROM:TO: give two signals, as in TERM:QUIT"),
    ("rewrite-kill", ["--rewrite", "KILL:TERM", "true"], {}, [], 125, "error",
     "--rewrite: 'KILL:TERM': KILL, STOP and CHLD cannot be rewritten (the program never sees "
     "them as requests): leave this rewrite out"),
    ("remap-pair", ["--remap-exit", "143", "true"], {}, [], 125, "error",
     "--remap-exit: '143' is not FROM:TO: give two exit codes, as in 143:0"),
    ("remap-range", ["--remap-exit", "143:256", "true"], {}, [], 125, "error",
     "--remap-exit: '143:256': exit codes are numbers from 0 to 255"),
    ("require-env-name", ["--require-env", "A=1", "true"], {}, [], 125, "error",
     "--require-env: 'A=1' is not a variable name: give the NAME alone, without =VALUE"),
    ("log-format", ["--log-format", "xml", "true"], {}, [], 125, "error",
     "--log-format: 'xml' is not a log format: give text or json"),
    ("verbose", ["--verbose=x", "true"], {}, [], 125, "error",
     f"option --verbose takes no value: give --verbose alone {SEE}"),
    ("cap-name", ["--user", "app", "--cap", "NET_BIND", "true"], {}, [], 125, "error",
     "--cap: unknown capability 'NET_BIND': give a name from capabilities(7), like "
     "NET_BIND_SERVICE"),
    ("cap-list", ["--user", "app", "--cap", "NET_BIND_SERVICE,", "true"], {}, [], 125, "error",
     "--cap: 'NET_BIND_SERVICE,' is not a list of capability names: give names separated by "
     "commas, like NET_BIND_SERVICE,CHOWN"),
    # Accounts (the fixture's /etc/passwd and /etc/group).
    ("unknown-user", ["--user", "nosuch", "true"], {}, [], 125, "error",
     "--user nosuch: unknown user 'nosuch' (not in /etc/passwd, not a number): add it to the "
     "image (useradd) or give its number"),
    ("unknown-group", ["--user", "app:nosuch", "true"], {}, [], 125, "error",
     "--user app:nosuch: unknown group 'nosuch' (not in /etc/group, not a number): add it to "
     "the image (groupadd) or give its number"),
    ("user-spec", ["--user", "app:", "true"], {}, [], 125, "error",
     "--user app:: 'app:' is not USER[:GROUP]: give a name or number, as in app or 1000:1000"),
    ("numeric-user", ["--user", "4242", "true"], {}, [], 125, "error",
     "--user 4242: user 4242 has no entry in /etc/passwd: give its group too, as 4242:GROUP"),
    ("chown-to-user", ["--chown-to", "nosuch", "--chown", "{p}/vol", "true"], {}, [], 125,
     "error", "--chown-to nosuch: unknown user 'nosuch' (not in /etc/passwd, not a number): add "
     "it to the image (useradd) or give its number"),
    # Privileges, checked before anything changes.
    ("not-root-user", ["--user", "web", "--chown", "{p}/vol", "true"], {}, as_user(5000, 5000),
     125, "error", f"--user web: warden runs as uid 5000 gid 5000, not root, so it cannot "
     f"switch to uid 1001 gid 1001: {APP}, or leave --user out"),
    ("not-root-cap", ["--user", "app", "--cap", "NET_BIND_SERVICE", "true"], {},
     as_user(1000, 1000), 125, "error", "--cap NET_BIND_SERVICE: warden runs as uid 1000, not "
     "root, so it cannot hand capabilities to the program: start the container as root and let "
     "warden switch to --user, or leave --cap out"),
    ("not-root-chown", ["--chown-to", "app", "--chown", "{p}/vol", "true"], {},
     as_user(1000, 1000), 125, "error", "--chown {p}/vol: warden runs as uid 1000, not root, and "
     "lacks CAP_CHOWN, so it cannot give {p}/vol (owned by 0:0) to 1000:-1: " + APP +
     " to --user, or give the volume its owner beforehand"),
    ("no-cap-chown", ["--user", "app", "--chown", "{p}/vol", "true"], {}, without("chown"), 125,
     "error", "--chown {p}/vol: warden runs as uid 0 and lacks CAP_CHOWN, so it cannot give "
     "{p}/vol (owned by 0:0) to 1000:1000: give it back (" + engine_fix("CHOWN") + "), or give "
     "the volume its owner beforehand"),
    ("cap-not-in-container", ["--user", "app", "--cap", "NET_ADMIN", "true"], {},
     without("net_admin"), 125, "error", "--cap NET_ADMIN: the container does not have "
     "CAP_NET_ADMIN, so the program cannot keep it: add it to the container (" +
     engine_fix("NET_ADMIN") + ")"),
    ("no-setuid", ["--user", "app", "true"], {}, without("setuid"), 125, "error",
     "--user app: warden lacks CAP_SETUID, which switching users needs: give it back (" +
     engine_fix("SETUID") + "), or leave --user out"),
    ("no-setgid", ["--user", "app", "true"], {}, without("setgid"), 125, "error",
     "--user app: warden lacks CAP_SETGID, which switching users needs: give it back (" +
     engine_fix("SETGID") + "), or leave --user out"),
    ("no-setpcap", ["--user", "app", "true"], {}, without("setpcap"), 125, "error",
     "--user app: warden lacks CAP_SETPCAP, which empties the bounding set for a non-root "
     "user: give it back (" + engine_fix("SETPCAP") + "), or keep the bounding set with "
     "--allow-privilege-escalation"),
    # Volumes.
    ("chown-link", ["--user", "app", "--chown", "{p}/link", "true"], {}, [], 125, "error",
     "--chown {p}/link: 'link' is a symbolic link: give the real path"),
    ("chown-dots", ["--user", "app", "--chown", "{p}/../x", "true"], {}, [], 125, "error",
     "--chown {p}/../x: '.' and '..' are not allowed in the path: give it without them"),
    ("chown-under-file", ["--user", "app", "--chown", "{p}/file/x", "true"], {}, [], 125,
     "error", "--chown {p}/file/x: unable to open 'file': Not a directory"),
    ("chown-walk-eperm", ["--user", "app", "--chown", "{p}/own", "true"], {}, without("chown"),
     125, "error", "--chown: unable to change the owner of '{p}/own/f': Operation not permitted "
     "(changing an owner takes CAP_CHOWN, on a file system that allows it: not NFS with root "
     "squashed): give warden CAP_CHOWN, change that entry by hand, or pass --chown-best-effort "
     "to go on past such entries"),
    ("chmod-walk-eperm", ["--chown-to", "app:app", "--chmod", "o+w", "--chown", "{p}/modes",
                          "true"], {}, without("fowner"), 125, "error",
     "--chown: unable to change the mode of '{p}/modes/f': Operation not permitted (changing "
     "the mode of another user's file takes CAP_FOWNER): give warden CAP_FOWNER, change that "
     "entry by hand, or pass --chown-best-effort to go on past such entries"),
    # The program.
    ("not-found", ["no-such-program-21"], {}, [], 127, "error",
     "unable to run 'no-such-program-21': No such file or directory (check the name, or give "
     "its path; PATH is searched)"),
    ("not-found-path", ["{p}/no-such-program"], {}, [], 127, "error",
     "unable to run '{p}/no-such-program': No such file or directory (check the path, and for "
     "a script its #! line)"),
    ("not-executable", ["{p}/file"], {}, [], 126, "error",
     "unable to run '{p}/file': Permission denied (make it executable for the user it runs as: "
     "chmod +x; a script needs #!)"),
]


def ids(case):
    return case[0]


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("case", CASES, ids=ids)
def test_message(case, json_format, accounts, place):
    _, args, extra, inner, code, level, message = case
    args = [a.replace("{p}", place) for a in args]
    message = message.replace("{p}", place)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARDEN_")}
    env.update(extra)
    if json_format:
        env["WARDEN_LOG_FORMAT"] = "json"
    status, out, err = run(args, pid1=False, env=env, accounts=accounts, inner=inner)
    lines = [line for line in err.splitlines() if line.strip()]
    assert (status, out, len(lines)) == (code, "", 1), err
    if json_format:
        record = json.loads(lines[0])
        assert (record["level"], record["message"]) == (level, message)
    else:
        prefix = "warden: warning: " if level == "warn" else "warden: "
        assert lines[0] == prefix + message


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


def log_env(json_format, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARDEN_")}
    env.update(extra)
    if json_format:
        env["WARDEN_LOG_FORMAT"] = "json"
    return env


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


def test_chown_best_effort_warnings(accounts, place):
    # Without CAP_CHOWN, --chown-best-effort goes on: one warning for the entry, one for the
    # top left as it was.
    for json_format in (False, True):
        status, out, err = run(["--user", "app", "--chown-best-effort", "--chown",
                                f"{place}/own", "true"], pid1=False, env=log_env(json_format),
                               accounts=accounts, inner=without("chown"))
        assert (status, out) == (0, ""), err
        expected = [
            f"--chown: unable to change the owner of '{place}/own/f': Operation not permitted "
            "(continuing: --chown-best-effort)",
            f"--chown {place}/own: the top directory is left as it was, since 1 entry failed: "
            "the next start walks the volume again"]
        lines = err.splitlines()
        if json_format:
            records = [json.loads(line) for line in lines]
            assert [(r["level"], r["message"]) for r in records] == [("warn", m) for m in expected]
            assert records[0]["path"] == f"{place}/own/f"
        else:
            assert lines == [f"warden: warning: {m}" for m in expected]


# The personalities keep their tools' exit codes and forms (no JSON: the tools have none);
# the wording, and the fix, are warden's.
PERSONA_CASES = [
    ("gosu-unknown-user", ["--personality", "gosu", "nosuch", "true"], [], 1,
     "warden: gosu: nosuch: unknown user 'nosuch' (not in /etc/passwd, not a number): add it "
     "to the image (useradd) or give its number"),
    ("gosu-not-root", ["--personality", "gosu", "web", "true"], as_user(1000, 1000), 1,
     "warden: gosu: cannot switch to 'web': it runs as uid 1000, not root, so it can only run "
     "commands as that user; start it as root"),
    ("su-exec-spec", ["--personality", "su-exec", "app:", "true"], [], 1,
     "warden: su-exec: app:: 'app:' is not USER[:GROUP]: give a name or number, as in app or "
     "1000:1000"),
    ("tini-signal", ["--personality", "tini", "-p", "NOPE", "true"], [], 1,
     "warden: -p: unknown signal 'NOPE': give a signal name, like SIGKILL"),
    ("tini-exit-code", ["--personality", "tini", "-e", "300", "true"], [], 1,
     "warden: -e: '300' is not an exit code from 0 to 255"),
    ("dumb-init-rewrite", ["--personality", "dumb-init", "-r", "15:99", "true"], [], 1,
     "dumb-init: -r '15:99': give FROM:TO as signal numbers, FROM 1 to 31 and TO 0 to 31 (0 "
     "drops it), as in -r 15:3; repeatable (see dumb-init --help)"),
    ("dumb-init-no-program", ["--personality", "dumb-init"], [], 1,
     "dumb-init: no program given: dumb-init [OPTIONS] PROGRAM [ARGS...] (see dumb-init --help)"),
    # These two print the usage after the line, as the tools do.
    ("dumb-init-option", ["--personality", "dumb-init", "-Z", "true"], [], 1,
     "dumb-init: unknown option '-Z'"),
    ("catatonit-option", ["--personality", "catatonit", "-Z", "true"], [], 1,
     "catatonit: unknown option '-Z'"),
    ("catatonit-no-program", ["--personality", "catatonit"], [], 1,
     "catatonit: no program given: name one, or pass -P to pause without"),
]


@pytest.mark.parametrize("case", PERSONA_CASES, ids=ids)
def test_personality_message(case, accounts):
    _, args, inner, code, line = case
    status, out, err = run(args, pid1=False, env=log_env(False), accounts=accounts, inner=inner)
    lines = err.splitlines()
    assert (status, out, lines[0]) == (code, "", line)
    # Then nothing, or the tool's usage (which names its options).
    assert len(lines) == 1 or (lines[1].lower().startswith("usage:") and "-h" in err), err


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


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_setuid_install_message(json_format, tmp_path):
    copy = tmp_path / "warden"
    shutil.copy(os.environ["TESTED_WARDEN"], copy)
    os.chmod(tmp_path, 0o755)
    os.chmod(copy, 0o4755)
    result = subprocess.run([*as_user(1000, 1000), str(copy), "true"], capture_output=True,
                            text=True, env=log_env(json_format))
    message = ("refusing to run: warden is installed setuid, setgid or with file capabilities; "
               "install it as an ordinary executable")
    assert result.returncode == 125
    line = result.stderr.strip()
    if json_format:
        assert (json.loads(line)["level"], json.loads(line)["message"]) == ("error", message)
    else:
        assert line == f"warden: {message}"


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_user_namespace_messages(json_format):
    fmt = ["--log-format", "json"] if json_format else []
    # A rootless engine's map (65536 ids): 70000 does not exist inside.
    code, out, err = in_partial_userns([WARDEN, *fmt, "--user", "70000:70000", "true"])
    unmapped = ("--user 70000:70000: uid 70000 does not exist in this user namespace (a "
                "rootless engine maps only some ids): pick one inside /proc/self/uid_map, or "
                "map more ids to the container (podman run --uidmap/--gidmap, /etc/subuid and "
                "/etc/subgid)")
    # unshare -r: one id, and setgroups denied.
    result = subprocess.run(["unshare", "--user", "--map-root-user", WARDEN, *fmt, "--user",
                             "0:0", "true"], capture_output=True, text=True, timeout=60)
    denied = ("--user 0:0: this user namespace forbids setting groups (/proc/self/setgroups "
              "says deny), which switching users needs: start warden in one made by a container "
              "engine, or by unshare --map-users/--map-groups, or leave --user out")
    for (status, stderr), message in (((code, err), unmapped),
                                      ((result.returncode, result.stderr), denied)):
        assert status == 125
        line = stderr.strip()
        if json_format:
            assert (json.loads(line)["level"], json.loads(line)["message"]) == ("error", message)
        else:
            assert line == f"warden: {message}"


def test_not_root_with_the_capability_in_ambient_runs(accounts):
    # What worked before the permission step still does: a non-root warden whose ambient set
    # already holds the capability hands it on (the program inherits it anyway).
    inner = [*as_user(1000, 1000), "--inh-caps=+net_bind_service",
             "--ambient-caps=+net_bind_service"]
    status, out, err = run(["--user", "app", "--cap", "NET_BIND_SERVICE", "sh", "-c",
                            "grep CapAmb /proc/self/status"], pid1=False, env=log_env(False),
                           accounts=accounts, inner=inner)
    assert (status, out, err) == (0, "CapAmb:\t0000000000000400\n", "")


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
