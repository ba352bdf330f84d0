"""Issue 21: every message warden gives when something is wrong says what to do, and each
one is checked here word for word, in the text and the JSON log format (the lines warden
gives along the way: test_message_lines.py)."""
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from harness import WARDEN, as_user, log_env, run, without
from test_volumes import in_partial_userns

APP = "start the container as root (no docker run --user, no runAsUser) and let warden switch"
SEE = "(see warden --help)"
UNKNOWN_VAR = ("every WARDEN_* variable is warden's own (their names are in warden --help); "
               "rename it, or remove it from the container's environment")
SECONDS = "give seconds from 0 to 31536000, like 5 or 0.5"


def engine_fix(cap):
    return (f"docker/podman run --cap-add {cap}; Kubernetes: securityContext.capabilities.add: "
            f"[\"{cap}\"]")


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
     "dumb-init: unknown option '-Z' (usage below): if it is the program's, put -- before the "
     "program"),
    ("catatonit-option", ["--personality", "catatonit", "-Z", "true"], [], 1,
     "catatonit: unknown option '-Z' (usage below): if it is the program's, put -- before the "
     "program"),
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
