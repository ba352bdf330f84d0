"""Issue 21: every message warden prints as tini, dumb-init, catatonit, gosu, su-exec or
setpriv (src/personas/), checked word for word. The personalities keep their tools' exit
codes and forms, so each case runs Debian's real tool the same way where it can and
checks its exit code too (su-exec is not packaged). None of them reads WARDEN_LOG_FORMAT
(the tools have no log format): each case runs again with WARDEN_LOG_FORMAT=json and must
print the same text (only --personality's own errors, before any tool is chosen, follow
it). Failures of system calls come from `wt seccomp-errno`."""
import errno
import functools
import json
import os
import re
import signal
import subprocess

import pytest

from harness import SANITIZED, WARDEN, WT, as_user, command_line, log_env

REAL = {"setpriv": "/usr/bin/setpriv", "gosu": "/usr/sbin/gosu", "tini": "/usr/bin/tini-static",
        "dumb-init": "/usr/bin/dumb-init", "catatonit": "/usr/bin/catatonit"}
SETPRIV = REAL["setpriv"]
USERNS = ["unshare", "--user", "--map-root-user"]
ASAN_NO_PROC = re.compile(r"==\d+==WARNING: reading executable name failed")


def failing(err, calls):
    """The rest of the command runs with these system calls failing with err."""
    return [WT, "seccomp-errno", str(err), calls]


def without_proc(err, calls):
    """The rest of the command runs with an empty /proc (in the account files' mount
    namespace) and these calls failing: capabilities come from /proc/self/status, else
    capget."""
    return ["sh", "-c", 'mount -t tmpfs none /proc && exec "$@"', "sh", *failing(err, calls)]


@functools.lru_cache(maxsize=None)
def version():
    return subprocess.run([WARDEN, "--version"], capture_output=True, text=True,
                          check=True).stdout.split()[1]


def tini_usage():
    return f"""tini (tini version 0.19.0 - warden {version()})
Usage: tini [OPTIONS] PROGRAM -- [ARGS] | --version

Execute a program under the supervision of a valid init process (tini)

Command line options:

  --version: Show version and exit.
  -h: Show this help message and exit.
  -s: Register as a process subreaper.
  -p SIGNAL: Trigger SIGNAL when parent dies, e.g. "-p SIGKILL".
  -v: Generate more verbose output. Repeat up to 3 times.
  -w: Print a warning when processes are getting reaped.
  -g: Send signals to the child's process group.
  -e EXIT_CODE: Remap EXIT_CODE (from 0 to 255) to 0.
  -l: Show license and exit.

Environment variables:

  TINI_SUBREAPER: Register as a process subreaper.
  TINI_VERBOSITY: Set the verbosity level (default: 1).
  TINI_KILL_PROCESS_GROUP: Send signals to the child's process group.

""".splitlines()


def switch_usage(name):
    return [f"Usage: {name} user-spec command [args]",
            f"   eg: {name} tianon bash",
            f"       {name} nobody:root bash -c 'whoami && id'",
            f"       {name} 1000:1 id",
            "",
            f"{name} (warden {version()}): switch to user-spec and exec command in place."]


def catatonit_usage():
    return f"""usage: catatonit [-ghLPV] [--] <progname> [<arguments>...]

options:
  -g              Forward signals to pid1's process group.
  -h              Print this help page.
  -L              Print license information.
  -P              Run in pause mode (no program is run and quit on SIGINT).
  -V, --version   Print version information.

This is warden {version()} answering as catatonit.""".splitlines()


def dumb_init_usage():
    return f"""Usage: dumb-init [option] command [[arg] ...]

dumb-init (warden {version()}) is a simple process supervisor that forwards signals to children.

Optional arguments:
   -c, --single-child   Run in single-child mode.
                        In this mode, signals are only proxied to the
                        direct child and not any of its descendants.
   -r, --rewrite s:r    Rewrite received signal s to new signal r before proxying.
                        To ignore (not proxy) a signal, rewrite it to 0.
                        This option can be specified multiple times.
   -v, --verbose        Print debugging information to stderr.
   -h, --help           Print this help message and exit.
   -V, --version        Print the current version and exit.""".splitlines()


class Case:
    """warden as tool with args; inner runs between the account files' set-up and the tool
    (a filter, another user); prefix outside it (a user namespace, where no account files
    are mounted). real: the real tool's exit code for the same run, or None where it cannot
    run the same way (said beside the case)."""

    def __init__(self, name, tool, args, code, lines, real=None, inner=(), prefix=(),
                 env=None, stdout="", usage=None, exact_env=False, musl_malloc=False):
        self.name, self.tool, self.args, self.code, self.real = name, tool, args, code, real
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        self.inner, self.prefix, self.env, self.stdout, self.usage = \
            list(inner), prefix, env, stdout, usage
        self.exact_env, self.musl_malloc = exact_env, musl_malloc

    def run(self, argv, accounts, json_format):
        env = log_env(json_format, **(self.env or {}))
        if self.exact_env:  # these variables alone (and WARDEN_LOG_FORMAT)
            env = {k: v for k, v in env.items() if k in self.env or k.startswith("WARDEN_")}
        prefix = self.prefix(env) if callable(self.prefix) else list(self.prefix)
        if prefix:
            cmd = prefix + self.inner + argv
        else:
            cmd = command_line([], False, accounts=accounts)[:-1] + self.inner + argv
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
        # Without /proc, ASan (sanitizer build) warns that it cannot name the executable.
        r.stderr = "".join(line for line in r.stderr.splitlines(keepends=True)
                           if not ASAN_NO_PROC.match(line))
        return r


with open("/proc/sys/kernel/cap_last_cap") as f:
    LAST_CAP = int(f.read())
PATH = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
# musl's malloc maps an allocation above 128 KiB on its own, of its size plus 20 bytes:
# mmap of exactly that length fails, and nothing else does.
BIG = 131060

SETPRIV_CASES = [
    # The command line: the real setpriv exits 1 for each.
    Case("uid-twice", "setpriv", ["--ruid", "app", "--reuid", "web", "true"], 1,
         "warden: setpriv: --reuid: the real uid is given twice (--ruid and --reuid both set "
         "it): give it once",
         real=1),
    Case("euid-twice", "setpriv", ["--euid", "0", "--euid", "0", "true"], 1,
         "warden: setpriv: --euid: the effective uid is given twice (--euid and --reuid both "
         "set it): give it once",
         real=1),
    Case("gid-twice", "setpriv", ["--rgid", "0", "--regid", "0", "--keep-groups", "true"], 1,
         "warden: setpriv: --regid: the real gid is given twice (--rgid and --regid both set "
         "it): give it once",
         real=1),
    Case("unknown-user", "setpriv", ["--reuid", "nosuch", "true"], 1,
         "warden: setpriv: --reuid: unknown user 'nosuch' (not in /etc/passwd, not a number): "
         "add it to the image (useradd) or give its number", real=1),
    Case("unknown-group", "setpriv", ["--egid", "nosuch", "--keep-groups", "true"], 1,
         "warden: setpriv: --egid: unknown group 'nosuch' (not in /etc/group, not a number): add "
         "it to the image (groupadd) or give its number", real=1),
    Case("groups-choices", "setpriv", ["--clear-groups", "--groups", "0", "true"], 1,
         "warden: setpriv: --clear-groups, --keep-groups, --init-groups and --groups exclude "
         "each other: give one of them, once", real=1),
    Case("caps-twice", "setpriv", ["--inh-caps", "+chown", "--inh-caps", "-chown", "true"], 1,
         "warden: setpriv: --inh-caps is given twice: give it once, with all its changes in one "
         "comma-separated list", real=1),
    Case("pdeathsig-twice", "setpriv", ["--pdeathsig", "TERM", "--pdeathsig", "KILL", "true"], 1,
         "warden: setpriv: --pdeathsig is given twice: give it once", real=1),
    Case("pdeathsig-number", "setpriv", ["--pdeathsig", "15", "true"], 1,
         "warden: setpriv: --pdeathsig: unknown signal '15': give keep, clear or a signal name, "
         "like TERM or SIGTERM (not a number)", real=1),
    Case("nnp-twice", "setpriv", ["--nnp", "--no-new-privs", "true"], 1,
         "warden: setpriv: --no-new-privs (--nnp) is given twice: give it once", real=1),
    Case("unsupported", "setpriv", ["--securebits=+noroot", "true"], 1,
         "warden: setpriv: --securebits is not supported by warden's setpriv: leave it out, or "
         "use util-linux's setpriv for it (setpriv --help lists what warden takes)"),
    Case("missing-value", "setpriv", ["--reuid"], 1,
         "warden: setpriv: option '--reuid' needs a value: give it as --reuid VALUE (see setpriv "
         "--help)", real=1),
    Case("unknown-long", "setpriv", ["--reuide", "0", "true"], 1,
         "warden: setpriv: unknown option '--reuide' (see setpriv --help)", real=1),
    Case("ambiguous", "setpriv", ["--re", "true"], 1,
         "warden: setpriv: option '--re' is ambiguous: give more of its name (--reuid, --regid, "
         "--reset-env) (see setpriv --help)", real=1),
    Case("unknown-short", "setpriv", ["-dx"], 1,
         "warden: setpriv: unknown option '-x' (see setpriv --help)", real=1),
    Case("value-for-flag", "setpriv", ["--nnp=1", "true"], 1,
         "warden: setpriv: option '--nnp' takes no value: give it alone (see setpriv --help)",
         real=1),
    Case("dump-alone", "setpriv", ["--dump", "--nnp"], 1,
         "warden: setpriv: --dump takes no other option and no program: give it alone (-d -d or "
         "-d -d -d says more)", real=1),
    Case("no-program", "setpriv", ["--nnp"], 1,
         "warden: setpriv: no program given: name it after the options, as in setpriv --reuid "
         "app --regid app --init-groups myserver", real=1),
    Case("gid-without-groups", "setpriv", ["--regid", "app", "true"], 1,
         "warden: setpriv: --rgid, --egid and --regid need a choice of supplementary groups: add "
         "--keep-groups, --clear-groups, --init-groups or --groups LIST", real=1),
    Case("init-groups-without-uid", "setpriv", ["--init-groups", "true"], 1,
         "warden: setpriv: --init-groups needs the user whose groups it takes: add --ruid USER "
         "or --reuid USER", real=1),
    Case("bad-cap-list", "setpriv", ["--inh-caps", "net_raw", "true"], 1,
         "warden: setpriv: --inh-caps: 'net_raw' is not a list of capability changes: give "
         "+NAME or -NAME, comma-separated, as in -all,+net_bind_service", real=1),
    Case("unknown-cap", "setpriv", ["--bounding-set", "-all,+cap_net_raw", "true"], 1,
         "warden: setpriv: --bounding-set: unknown capability \"cap_net_raw\": give a name from "
         "capabilities(7) without cap_, like net_bind_service, or cap_N for a number from 0 to "
         f"{LAST_CAP}",  # the kernel's last
         real=1),
    # Names resolved before anything changes.
    Case("groups-list", "setpriv", ["--reuid", "app", "--groups", "video,nosuch", "true"], 1,
         "warden: setpriv: --groups: unknown group 'nosuch' (not in /etc/group, not a number): "
         "add it to the image (groupadd) or give its number", real=1),
    Case("init-groups-no-entry", "setpriv", ["--reuid", "12345", "--init-groups", "true"], 1,
         "warden: setpriv: --init-groups: uid 12345 has no entry in /etc/passwd, so it has no "
         "groups to take: add the user to the image (useradd), or give --groups LIST or "
         "--clear-groups", real=1),
    # The real setpriv dereferences a null passwd entry here and dies of SIGSEGV.
    Case("reset-env-no-entry", "setpriv", ["--reset-env", "true"], 1,
         "warden: setpriv: --reset-env: uid 12345 has no entry in /etc/passwd, so there is no "
         "HOME, SHELL or USER to set: add the user to the image (useradd), or leave --reset-env "
         "out", real=-signal.SIGSEGV, inner=as_user(12345, 12345)),
    Case("reset-env-neither", "setpriv", ["--reuid", "23456", "--reset-env", "true"], 1,
         "warden: setpriv: --reset-env: neither uid 23456 nor uid 12345 (the caller) has an "
         "entry in /etc/passwd, so there is no HOME, SHELL or USER to set: add the user to the "
         "image (useradd), or leave --reset-env out", real=-signal.SIGSEGV, inner=as_user(12345, 12345)),
    # The real setpriv reads them with capget alone.
    Case("caps-unreadable", "setpriv", ["--inh-caps", "+chown", "true"], 127,
         "warden: setpriv: unable to read capabilities: Operation not permitted: the capability "
         "options start from them: mount /proc in the container, or allow capget in the "
         "container's seccomp profile",
         inner=without_proc(errno.EPERM, "capget")),
    # Applying, in setpriv's order: the real setpriv exits 127, or 1 where it says so.
    Case("nnp", "setpriv", ["--nnp", "true"], 1,
         "warden: setpriv: --nnp: unable to set no_new_privs (prctl): Operation not permitted: "
         "allow prctl in the container's seccomp profile, or leave --nnp out",
         real=1, inner=failing(errno.EPERM, "prctl@0=38")),
    Case("pdeathsig-keep", "setpriv", ["--pdeathsig", "keep", "true"], 127,
         "warden: setpriv: --pdeathsig keep: unable to read the parent death signal (prctl): "
         "Operation not permitted: allow prctl in the container's seccomp profile, or give the "
         "signal by name",
         real=127, inner=failing(errno.EPERM, "prctl@0=2")),
    # The real setpriv goes on in silence (0), with chown still in the bounding set: warden
    # will not run the program with a capability it was asked to drop.
    Case("bounding-set", "setpriv", ["--bounding-set", "-chown", "true"], 127,
         "warden: setpriv: --bounding-set: unable to drop chown from the bounding set: "
         "Operation not permitted: it takes CAP_SETPCAP and a seccomp profile that allows "
         "prctl: run setpriv as root, in a container that keeps CAP_SETPCAP",
         real=0, inner=failing(errno.EPERM, "prctl@0=24")),
    Case("setgroups", "setpriv", ["--clear-groups", "true"], 127,
         "warden: setpriv: unable to set the supplementary groups (setgroups): Operation not "
         "permitted: it takes CAP_SETGID: run setpriv as root, in a container that keeps "
         "CAP_SETGID", real=127, inner=as_user(1000, 1000)),
    # A user namespace whose gid_map lacks a group: setgroups allowed, EINVAL.
    Case("setgroups-unmapped", "setpriv", ["--groups", "1000", "true"], 127,
         "warden: setpriv: unable to set the supplementary groups (setgroups): Invalid argument: "
         "a group of the list does not exist in this user namespace: pick ids inside "
         "/proc/self/gid_map", real=127, inner=failing(errno.EINVAL, "setgroups")),
    Case("setgroups-faked", "setpriv", ["--groups", "video,staff", "true"], 127,
         "warden: setpriv: setgroups did not take effect: 0 supplementary groups, not 2: the "
         "container's seccomp profile or security module answers setgroups without acting: allow "
         "it there",
         real=0, inner=[SETPRIV, "--clear-groups", *failing(0, "setgroups")]),
    Case("getresgid", "setpriv", ["--regid", "app", "--clear-groups", "true"], 127,
         "warden: setpriv: unable to read the gids (getresgid): Operation not permitted: allow "
         "getresgid in the container's seccomp profile", real=127, inner=failing(errno.EPERM, "getresgid")),
    Case("setresgid", "setpriv", ["--regid", "0", "--keep-groups", "true"], 127,
         "warden: setpriv: unable to set the gids (setresgid): Operation not permitted: it takes "
         "CAP_SETGID: run setpriv as root, in a container that keeps CAP_SETGID", real=127, inner=as_user(1000, 1000)),
    Case("setresgid-unmapped", "setpriv", ["--regid", "1000", "--keep-groups", "true"], 127,
         "warden: setpriv: unable to set the gids (setresgid): Invalid argument: gid 1000 does "
         "not exist in this user namespace: pick ids inside /proc/self/gid_map",
         real=127, prefix=USERNS),
    Case("setresgid-faked", "setpriv", ["--regid", "1000", "--clear-groups", "true"], 127,
         "warden: setpriv: setresgid did not take effect: gids are 0/0/0, not 1000/1000/1000: "
         "the container's seccomp profile or security module answers setresgid without acting: "
         "allow it there", real=0, inner=failing(0, "setresgid")),
    Case("getresuid", "setpriv", ["--reuid", "app", "true"], 127,
         "warden: setpriv: unable to read the uids (getresuid): Operation not permitted: allow "
         "getresuid in the container's seccomp profile", real=127, inner=failing(errno.EPERM, "getresuid")),
    Case("keepcaps", "setpriv", ["--reuid", "app", "true"], 1,
         "warden: setpriv: unable to keep the capabilities across the uid change (prctl "
         "PR_SET_KEEPCAPS): Operation not permitted: what started setpriv locked that flag "
         "(securebits), or the container's seccomp profile refuses prctl: start setpriv "
         "without either", real=1, inner=failing(errno.EPERM, "prctl@0=8")),
    Case("setresuid", "setpriv", ["--reuid", "0", "true"], 127,
         "warden: setpriv: unable to set the uids (setresuid): Operation not permitted: it takes "
         "CAP_SETUID: run setpriv as root, in a container that keeps CAP_SETUID", real=127, inner=as_user(1000, 1000)),
    Case("setresuid-unmapped", "setpriv", ["--euid", "1000", "true"], 127,
         "warden: setpriv: unable to set the uids (setresuid): Invalid argument: uid 0 or 1000 "
         "does not exist in this user namespace: pick ids inside /proc/self/uid_map",
         real=127, prefix=USERNS),
    Case("setresuid-faked", "setpriv", ["--reuid", "1000", "true"], 127,
         "warden: setpriv: setresuid did not take effect: uids are 0/0/0, not 1000/1000/1000: "
         "the container's seccomp profile or security module answers setresuid without acting: "
         "allow it there", real=0, inner=failing(0, "setresuid")),
    Case("capget", "setpriv", ["--inh-caps", "+chown", "true"], 127,
         "warden: setpriv: --inh-caps: unable to read the capability sets (capget): Operation "
         "not permitted: allow capget in the container's seccomp profile",
         real=127, inner=failing(errno.EPERM, "capget")),
    Case("capset", "setpriv", ["--inh-caps", "+chown", "true"], 127,
         "warden: setpriv: --inh-caps: unable to set the inheritable capabilities (capset): "
         "Operation not permitted: a capability becomes inheritable only from the bounding set, "
         "and without CAP_SETPCAP only from the permitted set: start setpriv as root, or ask "
         "only for capabilities it holds", real=127, inner=as_user(1000, 1000)),
    # The real setpriv goes on in silence (0), here and where lowering fails: warden will not
    # run the program with an ambient set other than asked.
    Case("ambient-read", "setpriv", ["--ambient-caps", "+chown", "true"], 127,
         "warden: setpriv: --ambient-caps: unable to read the ambient capabilities (prctl): "
         "Operation not permitted: allow prctl in the container's seccomp profile",
         real=0, inner=failing(errno.EPERM, "prctl@0=47")),
    Case("ambient-lower", "setpriv", ["--ambient-caps", "-chown", "true"], 127,
         "warden: setpriv: --ambient-caps: unable to lower the ambient capability chown (prctl): "
         "Operation not permitted: allow prctl in the container's seccomp profile",
         real=0, inner=[SETPRIV, "--inh-caps", "+chown", "--ambient-caps", "+chown",
                          *failing(errno.EPERM, "prctl@0=47@1=3")]),
    # The real setpriv skips it in silence.
    Case("ambient-not-raised", "setpriv", ["--ambient-caps", "+net_raw", "true"], 0,
         "warden: warning: setpriv: --ambient-caps: net_raw not raised, the program goes on "
         "without it: an ambient capability must be permitted and inheritable: add --inh-caps "
         "+net_raw, and start setpriv with net_raw permitted", real=0),
    # Memory runs out only in setenv: the one allocation large enough to be mapped alone.
    Case("reset-env-memory", "setpriv", ["--reset-env", "true"], 1,
         "warden: setpriv: --reset-env: unable to set the environment: Out of memory: the "
         "container is out of memory: raise its memory limit (docker run --memory; Kubernetes: "
         "resources.limits.memory)",
         prefix=failing(errno.ENOMEM, f"mmap@1={BIG + 1 + 20}"), env={"TERM": "x" * BIG},
         musl_malloc=True),
    Case("pdeathsig-set", "setpriv", ["--pdeathsig", "TERM", "true"], 127,
         "warden: setpriv: --pdeathsig: unable to set the parent death signal (prctl): Operation "
         "not permitted: allow prctl in the container's seccomp profile, or leave --pdeathsig "
         "out",
         real=127, inner=failing(errno.EPERM, "prctl@0=1")),
    # The program.
    Case("exec-name", "setpriv", ["no-such-program"], 127,
         "warden: setpriv: unable to run 'no-such-program': No such file or directory: check the "
         "name, or give its full path (PATH is searched after the switch)",
         real=127, env=PATH),
    Case("exec-path", "setpriv", ["/no/such/program"], 127,
         "warden: setpriv: unable to run '/no/such/program': No such file or directory: check "
         "the path, and for a script its #! interpreter", real=127),
    Case("exec-mode", "setpriv", ["/etc/passwd"], 126,
         "warden: setpriv: unable to run '/etc/passwd': Permission denied: make it executable "
         "for the user it runs as (chmod +x)", real=126),
]

# --dump: like setpriv, a state it cannot read is left out and the dump goes on (0); its
# standard output is compared with the real setpriv's under the same filter.
DUMP_CASES = [
    Case("dump-uids", "setpriv", ["-d"], 0,
         "warden: warning: setpriv: unable to read the uids (getresuid): Operation not "
         "permitted: the dump leaves it out; allow getresuid in the container's seccomp profile",
         real=0, inner=failing(errno.EPERM, "getresuid"), stdout=None),
    Case("dump-gids", "setpriv", ["-d"], 0,
         "warden: warning: setpriv: unable to read the gids (getresgid): Operation not "
         "permitted: the dump leaves it out; allow getresgid in the container's seccomp profile",
         real=0, inner=failing(errno.EPERM, "getresgid"), stdout=None),
    Case("dump-groups", "setpriv", ["-d"], 0,
         "warden: warning: setpriv: unable to read the supplementary groups (getgroups): "
         "Operation not permitted: the dump leaves it out; allow getgroups in the container's "
         "seccomp profile",
         real=0, inner=failing(errno.EPERM, "getgroups"), stdout=None),
    Case("dump-nnp", "setpriv", ["-d"], 0,
         "warden: warning: setpriv: unable to read no_new_privs (prctl): Operation not "
         "permitted: the dump leaves it out; allow prctl in the container's seccomp profile",
         real=0, inner=failing(errno.EPERM, "prctl@0=39"), stdout=None),
    Case("dump-securebits", "setpriv", ["-d"], 0,
         "warden: warning: setpriv: unable to read the securebits (prctl): Operation not "
         "permitted: the dump leaves it out; allow prctl in the container's seccomp profile",
         real=0, inner=failing(errno.EPERM, "prctl@0=27"), stdout=None),
    Case("dump-pdeathsig", "setpriv", ["-d"], 0,
         "warden: warning: setpriv: unable to read the parent death signal (prctl): Operation "
         "not permitted: the dump leaves it out; allow prctl in the container's seccomp profile",
         real=0, inner=failing(errno.EPERM, "prctl@0=2"), stdout=None),
    # The real setpriv reads them with capget alone.
    Case("dump-caps", "setpriv", ["-d"], 0,
         "warden: warning: setpriv: unable to read capabilities: Operation not permitted: the dump "
         "leaves the capability sets out; mount /proc in the container, or allow capget in the "
         "container's seccomp profile",
         inner=without_proc(errno.EPERM, "capget"), stdout=None),
]

SWITCH_CASES = [
    # A PATH entry app cannot search would turn ENOENT into EACCES.
    Case("gosu-exec-name", "gosu", ["app", "no-such-program"], 1,
         "warden: gosu: unable to run 'no-such-program': No such file or directory: check the "
         "name, or give its full path (PATH is searched after the switch)",
         real=1, env=PATH),
    Case("gosu-exec-mode", "gosu", ["app", "/etc/passwd"], 1,
         "warden: gosu: unable to run '/etc/passwd': Permission denied: make it executable for "
         "the user it runs as (chmod +x)", real=1),
    Case("su-exec-exec", "su-exec", ["app", "/no/such/program"], 1,
         "warden: su-exec: unable to run '/no/such/program': No such file or directory: check "
         "the path, and for a script its #! interpreter"),
    Case("gosu-unknown-group", "gosu", ["app:nosuch", "true"], 1,
         "warden: gosu: app:nosuch: unknown group 'nosuch' (not in /etc/group, not a number): "
         "add it to the image (groupadd) or give its number", real=1),
    Case("su-exec-not-root", "su-exec", ["web", "true"], 1,
         "warden: su-exec: cannot switch to 'web': it runs as uid 1000, not root, so it can only "
         "run commands as that user; start it as root", inner=as_user(1000, 1000)),
    Case("gosu-usage", "gosu", ["app"], 1,
         "warden: gosu: give a user and a command, as in gosu app myserver (usage below)",
         real=1, usage=switch_usage("gosu")),
    Case("su-exec-usage", "su-exec", [], 1,
         "warden: su-exec: give a user and a command, as in su-exec app myserver (usage below)",
         usage=switch_usage("su-exec")),
    # HOME is the first variable set: 20000 others make the new environ array large enough
    # to be mapped alone (a pointer for each variable, HOME and the NULL; 20 bytes of
    # malloc's).
    Case("gosu-home-memory", "gosu", ["0:0", "true"], 1,
         "warden: gosu: unable to set HOME: Out of memory: the container is out of memory: raise "
         "its memory limit (docker run --memory; Kubernetes: resources.limits.memory)",
         prefix=lambda env: failing(errno.ENOMEM, f"mmap@1={(len(env) + 2) * 8 + 20}"),
         env={f"V{i}": "1" for i in range(20000)}, exact_env=True, musl_malloc=True),
]

INIT_CASES = [
    Case("tini-no-program", "tini", ["--"], 1,
         "warden: no program given: name it after the options, as in tini -- myserver (usage "
         "below)", real=1, usage=tini_usage()),
    Case("tini-unknown", "tini", ["-x", "true"], 1,
         "warden: unknown option '-x' (usage below): if it is the program's, put -- before the "
         "program", real=1, usage=tini_usage()),
    Case("tini-long", "tini", ["--verbose", "true"], 1,
         "warden: tini has no long options but --version (usage below): if it is the "
         "program's, put -- before the program", real=1, usage=tini_usage()),
    Case("tini-p-value", "tini", ["-p"], 1,
         "warden: -p needs a value: give it as -p SIGNAL, like -p SIGKILL", real=1,
         usage=tini_usage()),
    Case("tini-e-value", "tini", ["-e"], 1,
         "warden: -e needs a value: give it as -e EXIT_CODE, from 0 to 255", real=1,
         usage=tini_usage()),
    Case("tini-p", "tini", ["-p", "NOPE", "true"], 1,
         "warden: -p: unknown signal 'NOPE': give a signal name, like SIGKILL", real=1),
    Case("tini-e", "tini", ["-e", "256", "true"], 1,
         "warden: -e: '256' is not an exit code from 0 to 255", real=1),
    Case("dumb-init-rewrite", "dumb-init", ["-r", "15", "true"], 1,
         "dumb-init: -r '15': give FROM:TO as signal numbers, FROM 1 to 31 and TO 0 to 31 (0 "
         "drops it), as in -r 15:3; repeatable (see dumb-init --help)", real=1),
    Case("dumb-init-no-program", "dumb-init", [], 1,
         "dumb-init: no program given: dumb-init [OPTIONS] PROGRAM [ARGS...] (see dumb-init "
         "--help)", real=1),
    Case("catatonit-no-program", "catatonit", ["--"], 1,
         "catatonit: no program given: name one, or pass -P to pause without", real=1,
         usage=catatonit_usage()),
    Case("catatonit-unknown", "catatonit", ["-x", "true"], 1,
         "catatonit: unknown option '-x' (usage below): if it is the program's, put -- before "
         "the program", real=1, usage=catatonit_usage()),
    Case("dumb-init-r-value", "dumb-init", ["-r"], 1,
         "dumb-init: -r (--rewrite) needs a value: give FROM:TO as signal numbers, as in -r 15:3 "
         "(usage below)", real=1, usage=dumb_init_usage()),
    Case("dumb-init-ambiguous", "dumb-init", ["--ver", "true"], 1,
         "dumb-init: option '--ver' is ambiguous: give more of its name (--verbose, --version) "
         "(usage below)", real=1, usage=dumb_init_usage()),
    Case("dumb-init-flag-value", "dumb-init", ["--verbose=1", "true"], 1,
         "dumb-init: option '--verbose' takes no value: give it alone (usage below)", real=1,
         usage=dumb_init_usage()),
    Case("dumb-init-cluster", "dumb-init", ["-cx", "true"], 1,
         "dumb-init: unknown option '-x' (usage below): if it is the program's, put -- before the "
         "program", real=1, usage=dumb_init_usage()),
    Case("catatonit-flag-value", "catatonit", ["--version=1"], 1,
         "catatonit: option '--version' takes no value: give it alone (usage below)", real=1,
         usage=catatonit_usage()),
    Case("catatonit-long", "catatonit", ["--bogus"], 1,
         "catatonit: unknown option '--bogus' (usage below): if it is the program's, put -- "
         "before the program", real=1, usage=catatonit_usage()),
    Case("dumb-init-unknown", "dumb-init", ["--bogus", "true"], 1,
         "dumb-init: unknown option '--bogus' (usage below): if it is the program's, put -- "
         "before the program", real=1, usage=dumb_init_usage()),
]


def ids(cases):
    return [c.name for c in cases]


def check(case, accounts):
    if case.musl_malloc and SANITIZED:
        # ASan's allocator replaces musl's (and aborts where malloc would fail): the one
        # allocation cannot be made to fail alone. Reported as not run, not as passed.
        pytest.skip("needs the static musl build's malloc")
    results = [case.run([WARDEN, "--personality", case.tool, *case.args], accounts, json_format)
               for json_format in (False, True)]
    text, json_run = results
    # WARDEN_LOG_FORMAT=json changes nothing: the tools have no log format.
    assert (json_run.returncode, json_run.stdout, json_run.stderr) == \
        (text.returncode, text.stdout, text.stderr)
    lines = text.stderr.splitlines()
    expected = case.lines + (case.usage or [])
    assert (text.returncode, lines) == (case.code, expected), text.stderr
    if case.stdout is not None:
        assert text.stdout == case.stdout
    if case.real is not None:
        real = case.run([REAL[case.tool], *case.args], accounts, False)
        assert real.returncode == case.real, real.stderr
        if case.stdout is None:
            assert text.stdout == real.stdout


@pytest.mark.parametrize("case", SETPRIV_CASES + DUMP_CASES, ids=ids(SETPRIV_CASES + DUMP_CASES))
def test_setpriv_message(case, accounts):
    check(case, accounts)


@pytest.mark.parametrize("case", SWITCH_CASES, ids=ids(SWITCH_CASES))
def test_switch_user_message(case, accounts):
    check(case, accounts)


@pytest.mark.parametrize("case", INIT_CASES, ids=ids(INIT_CASES))
def test_init_message(case, accounts):
    check(case, accounts)


def test_setpriv_dump_write_error():
    # Standard output on /dev/full: the real setpriv exits 1 too.
    for tool, argv in (("real", [SETPRIV]), ("warden", [WARDEN, "--personality", "setpriv"])):
        with open("/dev/full", "w") as full:
            r = subprocess.run([*argv, "--dump"], stdout=full, stderr=subprocess.PIPE, text=True,
                               env=log_env(False), timeout=60)
        assert r.returncode == 1, (tool, r.stderr)
    assert r.stderr.splitlines() == [
        "warden: setpriv: unable to write the dump: No space left on device: check where "
        "standard output goes (a full disk, a closed pipe)"]


def test_seccomp_rule_with_two_conditions():
    # prctl@0=8@1=0 fails PR_SET_KEEPCAPS back to 0 alone: setting it to 1 still works (the
    # real setpriv never clears it; the exec does), and so does any other prctl.
    r = subprocess.run([*failing(errno.EPERM, "prctl@0=8@1=0"), SETPRIV, "--reuid", "1000",
                        "--pdeathsig", "TERM", "true"], capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (0, "")
    r = subprocess.run([*failing(errno.EPERM, "prctl@0=8@1=1"), SETPRIV, "--reuid", "1000",
                        "true"], capture_output=True, text=True)
    assert r.returncode == 1, r.stderr


def test_setpriv_dump_lines_scripts_grep():
    # Lines as util-linux prints them, from both.
    for tool in ([SETPRIV], [WARDEN, "--personality", "setpriv"]):
        r = subprocess.run([SETPRIV, "--nnp", "--clear-groups", *tool, "--dump"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        for line in ("no_new_privs: 1", "Supplementary groups: [none]", "Securebits: [none]",
                     "Parent death signal: [none]"):
            assert line in r.stdout.splitlines(), (tool, line, r.stdout)


@pytest.mark.parametrize("tool,args,stream,text", [
    ("tini", ["--version"], "stdout", "tini version 0.19.0 - git.warden-{v_}\n"),
    ("tini", ["-l"], "stdout", "tini's license is MIT; this is warden {v}, a separate work "
     "answering to tini's options.\n"),
    ("catatonit", ["-L"], "stdout", "catatonit is GPL-2.0-or-later; this is warden {v}, a "
     "separate work answering to catatonit's options.\n"),
    ("catatonit", ["--version"], "stdout", "tini version 0.1.7_catatonit\n"),
    ("dumb-init", ["-V"], "stderr", "dumb-init v1.2.5 (warden {v})\n"),
    ("gosu", ["--version"], "stdout", "1.17 (warden {v})\n"),
    ("setpriv", ["-V"], "stdout", "setpriv from util-linux 2.38.1 (warden {v})\n"),
], ids=["tini-version", "tini-license", "catatonit-license", "catatonit-version",
        "dumb-init-version", "gosu-version", "setpriv-version"])
def test_version_and_licence_lines(tool, args, stream, text):
    # Exit 0, as the real tools do; the text names warden (and, for the versions engines
    # parse, keeps the tool's form).
    want = text.format(v=version(), v_=version().replace(".", "_"))
    real = subprocess.run([REAL[tool], *args], capture_output=True, text=True, timeout=60)
    ours = subprocess.run([WARDEN, "--personality", tool, *args], capture_output=True,
                          text=True, timeout=60, env=log_env(False))
    assert real.returncode == ours.returncode == 0, ours.stderr
    assert getattr(ours, stream) == want
    assert getattr(ours, "stderr" if stream == "stdout" else "stdout") == ""


@pytest.mark.parametrize("json_format", [False, True], ids=["text", "json"])
def test_personality_without_a_name(json_format):
    # Before any tool parses anything, WARDEN_LOG_FORMAT alone sets the form (warden's 125).
    r = subprocess.run([WARDEN, "--personality"], capture_output=True, text=True,
                       env=log_env(json_format), timeout=60)
    message = ("--personality needs a NAME: give it first, as in warden --personality tini -- "
               "myserver (tini, docker-init, dumb-init, catatonit, gosu, su-exec, setpriv)")
    assert (r.returncode, r.stdout) == (125, "")
    if json_format:
        record = json.loads(r.stderr)
        assert (record["level"], record["message"]) == ("error", message)
    else:
        assert r.stderr == f"warden: {message}\n"


def test_personality_with_equals():
    # --personality=NAME works as --personality NAME does; the tool sees its own name.
    r = subprocess.run([WARDEN, "--personality=tini", "-x"], capture_output=True, text=True,
                       env=log_env(False), timeout=60)
    assert r.returncode == 1
    assert r.stderr.splitlines()[1] == tini_usage()[0]
    r = subprocess.run([WARDEN, "--personality=gosu", "0:0", "sh", "-c", "echo $$"],
                       capture_output=True, text=True, env=log_env(False), timeout=60)
    assert (r.returncode, r.stderr) == (0, "")


@pytest.fixture
def no_shebang(tmp_path):
    script = tmp_path / "no-shebang"
    script.write_text('echo "ran as sh: $0 $1"\n')
    script.chmod(0o755)
    return str(script)


def test_setpriv_runs_a_file_without_shebang_with_sh(no_shebang):
    # util-linux's setpriv uses glibc's execvp, which hands such a file to /bin/sh.
    results = [subprocess.run([*tool, no_shebang, "arg"], capture_output=True, text=True,
                              env=log_env(False), timeout=60)
               for tool in ([SETPRIV], [WARDEN, "--personality", "setpriv"])]
    for r in results:
        assert (r.returncode, r.stdout, r.stderr) == (0, f"ran as sh: {no_shebang} arg\n", "")
    # By name, found along PATH (an empty entry: the current directory, here not it).
    folder, name = os.path.split(no_shebang)
    env = log_env(False, PATH=f":/usr/bin:{folder}:/bin")
    results = [subprocess.run([*tool, name, "arg"], capture_output=True, text=True, env=env,
                              cwd="/", timeout=60)
               for tool in ([SETPRIV], [WARDEN, "--personality", "setpriv"])]
    for r in results:
        assert (r.returncode, r.stdout, r.stderr) == (0, f"ran as sh: {no_shebang} arg\n", "")


@pytest.mark.parametrize("tool", ["gosu", "su-exec"])
def test_switch_user_file_without_shebang(tool, no_shebang):
    # gosu (Go) and su-exec (musl) do not: exit 1 and say why.
    if SANITIZED:
        # The sanitizer build links glibc, whose execvp runs it with /bin/sh all the same.
        pytest.skip("needs the static musl build's execvp")
    r = subprocess.run([WARDEN, "--personality", tool, "0:0", no_shebang], capture_output=True,
                       text=True, env=log_env(False), timeout=60)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == (f"warden: {tool}: unable to run '{no_shebang}': Exec format error: a "
                        "script needs a #! line, and a binary one built for this machine\n")
    if tool == "gosu":
        assert subprocess.run([REAL["gosu"], "0:0", no_shebang], capture_output=True,
                              timeout=60).returncode == 1
