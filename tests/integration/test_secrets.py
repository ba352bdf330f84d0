"""Issue 17: --secret-env (NAME from the file NAME_FILE names, read as root before the drop)
and --umask. The secret's value is looked for in every byte warden writes."""
import json
import os
import shutil
import stat
import tempfile

import pytest

from harness import proc_status, run

# A value no message could contain by chance.
SECRET = "Zq8-s3cret-value-7741"
LIMIT = 64 * 1024


@pytest.fixture
def secrets():
    """A 0755 directory (the program's user may enter it) for root-only secret files."""
    base = tempfile.mkdtemp(prefix="warden-secrets-", dir="/tmp")
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def secret_file(directory, name, data, mode=0o400):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chown(path, 0, 0)
    os.chmod(path, mode)
    return path


def clean_env(**variables):
    """Only PATH and the test's own variables: no WARDEN_* of the caller's."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **variables}


def environment_of(out):
    """`env -0` output as a dict."""
    return dict(entry.split("=", 1) for entry in out.split("\0") if entry)


# --- the secret reaches the program ---------------------------------------------------------

def test_root_only_secret_reaches_a_non_root_program(pid1, accounts, secrets):
    path = secret_file(secrets, "db_password", SECRET + "\n")
    env = clean_env(DB_PASSWORD_FILE=path, KEEP="me")
    # Without --secret-env the user cannot read it: the file really is root's alone.
    code, out, err = run(["--user", "app", "cat", path], pid1=pid1, accounts=accounts, env=env)
    assert (code, out) == (1, "")
    assert "Permission denied" in err
    code, out, err = run(["--user", "app", "--secret-env", "DB_PASSWORD", "sh", "-c",
                          "id -u; env -0"], pid1=pid1, accounts=accounts, env=env)
    assert (code, err) == (0, "")
    uid, program_env = out.split("\n", 1)
    assert uid == "1000"
    program_env = environment_of(program_env)
    assert program_env["DB_PASSWORD"] == SECRET
    assert "DB_PASSWORD_FILE" not in program_env
    assert program_env["KEEP"] == "me"
    assert os.stat(path).st_mode & 0o777 == 0o400


def test_list_from_the_environment_and_exact_trailing_newline(pid1, secrets):
    env = clean_env(
        WARDEN_SECRET_ENV="TWO_LINES,CRLF,EMPTY,BARE",
        TWO_LINES_FILE=secret_file(secrets, "two", "first\nsecond\n\n"),
        CRLF_FILE=secret_file(secrets, "crlf", "value\r\n"),
        EMPTY_FILE=secret_file(secrets, "empty", ""),
        BARE_FILE=secret_file(secrets, "bare", " spaced "),
    )
    code, out, err = run(["env", "-0"], pid1=pid1, env=env)
    assert (code, err) == (0, "")
    program_env = environment_of(out)
    assert program_env["TWO_LINES"] == "first\nsecond\n"
    assert program_env["CRLF"] == "value\r"
    assert program_env["EMPTY"] == ""
    assert program_env["BARE"] == " spaced "
    assert not [name for name in program_env if name.endswith("_FILE")]
    assert not [name for name in program_env if name.startswith("WARDEN_")]


def test_a_file_of_exactly_the_limit_is_taken(pid1, secrets):
    path = secret_file(secrets, "big", "y" * LIMIT)
    code, out, err = run(["--secret-env", "BIG", "sh", "-c", 'printf %s "$BIG" | wc -c'],
                         pid1=pid1, env=clean_env(BIG_FILE=path))
    assert (code, out, err) == (0, f"{LIMIT}\n", "")


def test_an_empty_name_is_replaced(pid1, secrets):
    """As the images' file_env: NAME= (empty) counts as unset."""
    path = secret_file(secrets, "pw", SECRET)
    code, out, err = run(["--secret-env", "PW", "sh", "-c", 'printf %s "$PW"'], pid1=pid1,
                         env=clean_env(PW="", PW_FILE=path))
    assert (code, out, err) == (0, SECRET, "")


# --- the value is never said --------------------------------------------------------------

VERBOSITY = [
    pytest.param([], id="text"),
    pytest.param(["-vv"], id="text-vv"),
    pytest.param(["--log-format", "json"], id="json"),
    pytest.param(["--log-format", "json", "-vv"], id="json-vv"),
]


@pytest.mark.parametrize("logging", VERBOSITY)
def test_success_says_the_file_never_the_value(pid1, accounts, secrets, logging):
    path = secret_file(secrets, "db_password", SECRET + "\n")
    code, out, err = run([*logging, "--user", "app", "--secret-env", "DB_PASSWORD", "sh", "-c",
                          f'test "$DB_PASSWORD" = {SECRET}'], pid1=pid1, accounts=accounts,
                         env=clean_env(DB_PASSWORD_FILE=path))
    assert code == 0, err
    assert SECRET not in out + err
    said = f"DB_PASSWORD set from DB_PASSWORD_FILE={path}, which the program does not get"
    lines = err.splitlines()
    if "-vv" not in logging:
        assert lines == []
    elif "json" in logging:
        records = [json.loads(line) for line in lines]
        assert [r for r in records if r["message"] == said] == [
            {**records[0], "level": "info", "message": said, "variable": "DB_PASSWORD",
             "file": path}]
    else:
        assert lines.count(f"warden: {said}") == 1


def refused(secrets, case):
    """(environment, the error message after 'warden: ') for one refused secret."""
    pw = os.path.join(secrets, "pw")
    if case == "both set":
        secret_file(secrets, "pw", SECRET)
        return clean_env(PW=SECRET + "-direct", PW_FILE=pw), (
            f"--secret-env PW: both PW and PW_FILE={pw} are set; remove PW from the environment "
            "(the secret comes from the file)")
    if case == "file variable unset":
        return clean_env(PW=SECRET), (
            "--secret-env PW: PW_FILE is not set; set it to the path of the file holding PW "
            "(where the secret is mounted, e.g. under /run/secrets)")
    if case == "file variable empty":
        return clean_env(PW_FILE=""), (
            "--secret-env PW: PW_FILE is empty; set it to the path of the file holding PW "
            "(where the secret is mounted, e.g. under /run/secrets)")
    if case == "missing":
        return clean_env(PW_FILE=pw), (
            f"--secret-env PW: unable to open PW_FILE={pw}: No such file or directory; mount "
            "the secret there or correct PW_FILE")
    if case == "too big":
        secret_file(secrets, "pw", SECRET + "x" * (LIMIT - len(SECRET)) + "\n")
        return clean_env(PW_FILE=pw), (
            f"--secret-env PW: PW_FILE={pw} is larger than 64 KiB; a secret file holds the "
            "value alone")
    if case == "NUL inside":
        secret_file(secrets, "pw", SECRET.encode() + b"\0" + SECRET.encode() + b"\n")
        return clean_env(PW_FILE=pw), (
            f"--secret-env PW: PW_FILE={pw} holds a NUL byte, which an environment variable "
            "cannot carry; store the value as text (base64, say)")
    if case == "directory":
        return clean_env(PW_FILE=secrets), (
            f"--secret-env PW: PW_FILE={secrets} is a directory; point PW_FILE at the secret's "
            "file")
    if case == "FIFO":
        os.mkfifo(pw, 0o600)
        return clean_env(PW_FILE=pw), (
            f"--secret-env PW: PW_FILE={pw} is a FIFO; point PW_FILE at the secret's file")
    raise AssertionError(case)


def assert_refused(code, out, err, logging, message):
    """Exit 125, nothing on stdout, one line on stderr: message, as text or JSON; no value."""
    assert (code, out) == (125, "")
    assert SECRET not in err
    lines = err.splitlines()
    assert len(lines) == 1, lines
    if "json" in logging:
        record = json.loads(lines[0])
        assert (record["level"], record["message"]) == ("error", message)
    else:
        assert lines[0] == f"warden: {message}"


REFUSED = ["both set", "file variable unset", "file variable empty", "missing", "too big",
           "NUL inside", "directory", "FIFO"]


@pytest.mark.parametrize("logging", VERBOSITY)
@pytest.mark.parametrize("case", REFUSED)
def test_refused_secret_is_125_with_one_line_and_no_value(pid1, accounts, secrets, case,
                                                          logging):
    env, message = refused(secrets, case)
    code, out, err = run([*logging, "--user", "app", "--secret-env", "PW", "sh", "-c",
                          "echo started"], pid1=pid1, accounts=accounts, env=env, timeout=30)
    assert_refused(code, out, err, logging, message)


@pytest.mark.parametrize("logging", VERBOSITY)
def test_warden_not_root_cannot_read_a_root_only_secret(secrets, logging):
    """Started as uid 1000 (Kubernetes' runAsUser): the 0400 root file is refused, saying
    who warden is and what to do."""
    path = secret_file(secrets, "pw", SECRET + "\n")
    code, out, err = run([*logging, "--secret-env", "PW", "echo", "started"], pid1=False,
                         env=clean_env(PW_FILE=path),
                         prefix=["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups"])
    message = (f"--secret-env PW: unable to open PW_FILE={path}: Permission denied (warden runs "
               "as uid 1000); make the file readable by that user, or start warden as root")
    assert_refused(code, out, err, logging, message)


NOT_A_SECRET = ("is neither a variable name nor DIR/*: give NAME (letters, digits, _), as in "
                "DB_PASSWORD, or a directory and /*, as in /run/secrets/*")
NOT_A_UMASK = "is not a umask: give 1 to 4 octal digits up to 0777, as in 0002 or 027"


def test_option_values_are_checked(pid1):
    cases = [
        (["--secret-env", "A-B"], f"--secret-env: 'A-B' {NOT_A_SECRET}"),
        (["--secret-env", "/*"], f"--secret-env: '/*' {NOT_A_SECRET}"),
        (["--secret-env", "WARDEN_USER"], "--secret-env: 'WARDEN_USER': warden's own WARDEN_* "
         "variables are not secrets: give the program's variable, as in DB_PASSWORD"),
        (["--umask", "8"], f"--umask: '8' {NOT_A_UMASK}"),
        (["--umask", "u=rwx"], f"--umask: 'u=rwx' {NOT_A_UMASK}"),
        (["--umask", "1777"], f"--umask: '1777' {NOT_A_UMASK}"),
    ]
    for args, message in cases:
        code, out, err = run([*args, "echo", "started"], pid1=pid1, env=clean_env())
        assert (code, out, err) == (125, "", f"warden: {message}\n"), args
    code, out, err = run(["echo", "started"], pid1=pid1, env=clean_env(WARDEN_UMASK="0x2"))
    assert (code, out, err) == (125, "", f"warden: WARDEN_UMASK: '0x2' {NOT_A_UMASK}\n")


# --- DIR/*: every NAME_FILE in a directory ----------------------------------------------

def test_directory_form_takes_the_files_in_it_alone(pid1, accounts, secrets):
    store = os.path.join(secrets, "run-secrets")
    os.mkdir(store, 0o755)
    # Kubernetes' layout: the names are links into ..data, itself a link to a dated directory.
    dated = os.path.join(store, "..2026_12_03")
    os.mkdir(dated, 0o755)
    secret_file(dated, "api_token", "tok-" + SECRET + "\n")
    os.symlink("..2026_12_03", os.path.join(store, "..data"))
    os.symlink("..data/api_token", os.path.join(store, "api_token"))
    outside = secret_file(secrets, "app.log", "not a secret\n", mode=0o644)
    env = clean_env(
        WARDEN_SECRET_ENV=f"{store}/*",
        DB_PASSWORD_FILE=secret_file(store, "db_password", SECRET + "\n"),
        API_TOKEN_FILE=os.path.join(store, "api_token"),
        LOG_FILE=outside,
    )
    code, out, err = run(["--user", "app", "env", "-0"], pid1=pid1, accounts=accounts, env=env)
    assert (code, err) == (0, "")
    program_env = environment_of(out)
    assert program_env["DB_PASSWORD"] == SECRET
    assert program_env["API_TOKEN"] == "tok-" + SECRET
    assert "DB_PASSWORD_FILE" not in program_env and "API_TOKEN_FILE" not in program_env
    assert program_env["LOG_FILE"] == outside and "LOG" not in program_env


@pytest.mark.parametrize("how", ["link", "dot-dot"])
def test_directory_form_refuses_a_file_that_leads_outside(pid1, secrets, how):
    store = os.path.join(secrets, "store")
    os.mkdir(store, 0o755)
    target = secret_file(secrets, "elsewhere", SECRET + "\n")
    if how == "link":
        os.symlink(target, os.path.join(store, "pw"))
        named = os.path.join(store, "pw")
    else:
        named = os.path.join(store, "..", "elsewhere")
    code, out, err = run(["--secret-env", f"{store}/*", "-vv", "echo", "started"], pid1=pid1,
                         env=clean_env(PW_FILE=named))
    assert (code, out) == (125, "")
    assert err == (f"warden: --secret-env PW: PW_FILE={named} leads to {target}, outside "
                   f"{store}; name PW in --secret-env to read a file from elsewhere\n")


def test_directory_form_with_nothing_in_it_is_fine(pid1, secrets):
    code, out, err = run(["--secret-env", "/nonexistent/secrets/*", "sh", "-c",
                          'echo "${LOG_FILE}"'], pid1=pid1, env=clean_env(LOG_FILE="/tmp/x.log"))
    assert (code, out, err) == (0, "/tmp/x.log\n", "")


# --- --umask --------------------------------------------------------------------------

def create_and_report(directory):
    """A program that creates a file and prints its umask as the kernel has it."""
    return ["sh", "-c", f': > {directory}/made; grep "^Umask:" /proc/self/status']


@pytest.mark.parametrize("mask,mode", [pytest.param("0002", 0o664, id="0002"),
                                       pytest.param("027", 0o640, id="027"),
                                       pytest.param("0", 0o666, id="0")])
def test_umask_is_the_programs(pid1, accounts, secrets, mask, mode):
    os.chmod(secrets, 0o777)
    code, out, err = run(["--user", "app", "--umask", mask, *create_and_report(secrets)],
                         pid1=pid1, accounts=accounts, env=clean_env())
    assert (code, err) == (0, "")
    assert proc_status(out)["Umask"] == f"{int(mask, 8):04o}"
    made = os.stat(os.path.join(secrets, "made"))
    assert (stat.S_IMODE(made.st_mode), made.st_uid) == (mode, 1000)


def test_umask_from_the_environment_and_wardens_own_kept():
    """warden started with umask 0077 (as a shell would start it) keeps it; the program gets
    WARDEN_UMASK's. PID 1 of the namespace is warden: its /proc/1/status tells."""
    code, out, err = run(["sh", "-c", 'grep "^Umask:" /proc/self/status /proc/1/status'],
                         pid1=True, env=clean_env(WARDEN_UMASK="0002"),
                         prefix=["sh", "-c", 'umask 0077 && exec "$@"', "sh"])
    assert (code, err) == (0, "")
    assert out == "/proc/self/status:Umask:\t0002\n/proc/1/status:Umask:\t0077\n"


def test_without_umask_the_program_inherits_wardens():
    code, out, err = run(["grep", "^Umask:", "/proc/self/status"], pid1=True,
                         env=clean_env(), prefix=["sh", "-c", 'umask 0037 && exec "$@"', "sh"])
    assert (code, out, err) == (0, "Umask:\t0037\n", "")
