#!/bin/bash
# bench:api with and without a read replica, on this machine: a private primary (port 5560) and its
# hot standby (5561, pg_basebackup -R), both removed at the end whatever happens. Run as root (the
# postgres servers run as the postgres user), after `npm run build`, under the shared lock:
#   flock /tmp/tagforge-heavy.lock test/bench/with-replica.sh [--customers 50000] [--seconds 15] ...
# (extra arguments go to bench:api). docs/performance.md, "Lookups with and without a read replica".
set -u
BIN=${RELIABILITY_PG_BIN:-/usr/lib/postgresql/15/bin}
PRIMARY_PORT=${PRIMARY_PORT:-5560}
REPLICA_PORT=${REPLICA_PORT:-5561}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BASE=$(mktemp -d /tmp/tagforge-bench-replica-XXXX)
chown postgres:postgres "$BASE"
as_postgres() { runuser -u postgres -- "$@"; }
cleanup() {
  as_postgres "$BIN/pg_ctl" -D "$BASE/replica" -m immediate -w stop >/dev/null 2>&1
  as_postgres "$BIN/pg_ctl" -D "$BASE/primary" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$BASE"
}
trap cleanup EXIT
as_postgres "$BIN/initdb" -D "$BASE/primary" -U postgres --auth=trust -E UTF8 >/dev/null
as_postgres "$BIN/pg_ctl" -D "$BASE/primary" -l "$BASE/primary.log" -w start \
  -o "-p $PRIMARY_PORT -k /tmp -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_wal_size=4GB -c max_connections=200" >/dev/null
as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$BASE/replica" -R -X stream -c fast
as_postgres "$BIN/pg_ctl" -D "$BASE/replica" -l "$BASE/replica.log" -w start \
  -o "-p $REPLICA_PORT -k /tmp -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c hot_standby_feedback=on -c max_connections=200" >/dev/null
# Given arguments first: bench:api takes the first occurrence of an option, so they override these.
cd "$ROOT" && npm run --silent bench:api -- "$@" --customers 50000 --seconds 15 --warmup 3 --size-calls 10 \
  --database-url "postgres://postgres@127.0.0.1:$PRIMARY_PORT/tagforge_bench_api" \
  --replica-url "postgres://postgres@127.0.0.1:$REPLICA_PORT/tagforge_bench_api"
