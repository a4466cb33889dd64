#!/usr/bin/env bash
# A PostgreSQL server for Optuna studies, on 127.0.0.1 with its data in this checkout (.postgres/).
#   scripts/postgres.sh start    install (Debian package, once), init, start; idempotent; prints the URL
#   scripts/postgres.sh stop | status | url
# Env: HUMANLLM_PG_PORT (default 55432), HUMANLLM_PG_DIR (default <repo>/.postgres, or
# /var/tmp/humanllm-postgres-<hash> when run as root from a folder the postgres user cannot enter).
# Loopback only, trust authentication: for tests and single-machine sweeps. On a cluster use your
# site's PostgreSQL (docs/scale-out.md).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PORT="${HUMANLLM_PG_PORT:-55432}"
PGDIR="${HUMANLLM_PG_DIR:-$REPO/.postgres}"
# As root the server runs as `postgres`, which must reach the data folder: when this checkout sits under
# a folder it cannot enter (e.g. a private mktemp folder), the data go to /var/tmp instead (per checkout).
if [[ -z "${HUMANLLM_PG_DIR:-}" && "$(id -u)" == 0 ]] && id postgres >/dev/null 2>&1 \
   && ! runuser -u postgres -- test -x "$REPO" 2>/dev/null; then
  PGDIR="/var/tmp/humanllm-postgres-$(printf %s "$REPO" | sha256sum | cut -c1-12)"
fi
DATA="$PGDIR/data"
LOG="$PGDIR/server.log"
DB=humanllm
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"

die() { echo "postgres.sh: $*" >&2; exit 1; }

bindir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -z "$d" && -x "$(command -v pg_ctl 2>/dev/null || true)" ]]; then d="$(dirname "$(command -v pg_ctl)")"; fi
  echo "$d"
}

install_server() {
  [[ -n "$(bindir)" ]] && return 0
  [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed and this is not root: sudo apt-get install -y postgresql"
  echo "postgres.sh: installing the Debian package postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q postgresql >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null; } \
    || die "apt-get install postgresql failed"
  [[ -n "$(bindir)" ]] || die "postgresql installed but no pg_ctl found under /usr/lib/postgresql/*/bin"
}

# The server refuses to run as root: as root, run it as the package's `postgres` user.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

running() { [[ -f "$DATA/PG_VERSION" ]] && as_owner "$(bindir)/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  install_server
  local bin; bin="$(bindir)"
  mkdir -p "$PGDIR"
  if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' system user (the Debian package creates it)"
    chown postgres "$PGDIR"
  fi
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    as_owner "$bin/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$PGDIR/initdb.log" 2>&1 \
      || die "initdb failed, see $PGDIR/initdb.log"
    cat >>"$DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PGDIR'
max_connections = 200
fsync = on
EOF
    printf 'host all all 127.0.0.1/32 trust\n' >"$DATA/pg_hba.conf"
  fi
  if ! running; then
    # another server (e.g. a second checkout's, with its own data folder) already holds the port
    if "$bin/pg_isready" -h 127.0.0.1 -p "$PORT" -q 2>/dev/null; then
      die "port $PORT is already served by a PostgreSQL that is not this checkout's ($DATA): stop it
(scripts/postgres.sh stop in its checkout) or pick another port: HUMANLLM_PG_PORT=<free port> $0 start"
    fi
    as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -o "-p $PORT" -w -t 60 start >/dev/null \
      || die "the server did not start; last lines of $LOG:
$(tail -n 20 "$LOG" 2>/dev/null)"
  fi
  for _ in $(seq 1 60); do
    "$bin/pg_isready" -h 127.0.0.1 -p "$PORT" -q && break
    sleep 0.5
  done
  "$bin/pg_isready" -h 127.0.0.1 -p "$PORT" -q || die "server not ready on 127.0.0.1:$PORT (see $LOG)"
  if ! "$bin/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
  fi
  echo "$URL"
}

stop() {
  [[ -n "$(bindir)" ]] || return 0
  if running; then as_owner "$(bindir)/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
  echo "stopped"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running: $URL"; else echo "not running"; exit 3; fi ;;
  url) echo "$URL" ;;
  *) die "usage: $0 start|stop|status|url" ;;
esac
