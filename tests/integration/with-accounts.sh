#!/bin/sh
# with-accounts.sh PASSWD GROUP COMMAND...: bind-mounts the fixture files over /etc/passwd
# and /etc/group (the caller made a private mount namespace) and execs COMMAND, which keeps
# this process's pid (PID 1 when run first in a new PID namespace).
set -eu
mount --bind "$1" /etc/passwd
mount --bind "$2" /etc/group
shift 2
exec "$@"
