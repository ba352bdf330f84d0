#!/bin/sh
# Runs as the postgres user (warden dropped to it): initialise once, then become postgres.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    /usr/local/pgbin/initdb -D "$PGDATA" -A trust >/dev/null
fi
exec /usr/local/pgbin/postgres -D "$PGDATA" -c listen_addresses='*' -k /tmp
