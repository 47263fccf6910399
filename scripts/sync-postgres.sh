#!/usr/bin/env bash
# Start (or stop) a throwaway Postgres 15 for running the sync server locally.
#
#   scripts/sync-postgres.sh [start]   start on $OMNICRM_SYNC_PG_PORT (default 55432), print DATABASE_URL
#   scripts/sync-postgres.sh stop      stop it and delete its data
#
# Data lives in $OMNICRM_SYNC_PG_DIR (default ${TMPDIR:-/tmp}/omnicrm-sync-pg); trust auth on
# 127.0.0.1 only: for development, never for real data. Postgres refuses to run as root, so
# as root it runs as the `postgres` user (created if missing).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${OMNICRM_SYNC_PG_PORT:-55432}
DIR=${OMNICRM_SYNC_PG_DIR:-${TMPDIR:-/tmp}/omnicrm-sync-pg}
BIN=${OMNICRM_PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$BIN/initdb" ] || die "no Postgres binaries in $BIN (apt-get install postgresql, or set OMNICRM_PG_BIN)"

AS=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  AS=(runuser -u postgres --)
fi

case "${1:-start}" in
  start)
    if [ ! -d "$DIR/data" ]; then
      mkdir -p "$DIR"
      [ "${#AS[@]}" -eq 0 ] || chown postgres: "$DIR"
      chmod 700 "$DIR"
      "${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR" start >/dev/null
    fi
    "${AS[@]}" "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'omnicrm_sync'" | grep -q 1 ||
      "${AS[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres omnicrm_sync
    info "export DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/omnicrm_sync"
    ;;
  stop)
    if [ -d "$DIR/data" ]; then
      "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
      rm -rf "$DIR"
    fi
    info "stopped"
    ;;
  -h | --help) sed -n '2,9p' "$0" ;;
  *) die "unknown argument: $1 (try --help)" ;;
esac
