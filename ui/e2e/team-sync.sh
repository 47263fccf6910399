#!/usr/bin/env bash
# The team sync end-to-end test (tests/team_sync.test.mjs) against a real sync server:
# a throwaway Postgres (scripts/sync-postgres.sh), `omnicrm-sync serve` on a free loopback port,
# a workspace and a device token for it, then run.sh with only that test file.
#
#   cargo build -p omnicrm-desktop -p omnicrm-sync-server -p omnicrm-cli \
#     --bin omnicrm-desktop --bin omnicrm-sync --bin omnicrm
#   ui/e2e/team-sync.sh
#
# The other device of the team is the `omnicrm` CLI over its own data folder, with its own token.
#
# Environment: E2E_SYNC_BIN (default: <target>/debug/omnicrm-sync), E2E_CLI_BIN (default:
# <target>/debug/omnicrm), OMNICRM_PG_BIN (Postgres
# binaries, default /usr/lib/postgresql/15/bin), and everything run.sh reads (E2E_APP, ...).
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)

log() { printf '[team-sync e2e] %s\n' "$*"; }
die() { printf '[team-sync e2e] ERROR: %s\n' "$*" >&2; exit 1; }

SYNC_BIN=${E2E_SYNC_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/omnicrm-sync}
[ -x "$SYNC_BIN" ] || die "sync server binary not found: $SYNC_BIN
  build it with: cargo build -p omnicrm-sync-server --bin omnicrm-sync   (or set E2E_SYNC_BIN)"

CLI_BIN=${E2E_CLI_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/omnicrm}
[ -x "$CLI_BIN" ] || die "omnicrm CLI binary not found: $CLI_BIN
  build it with: cargo build -p omnicrm-cli --bin omnicrm   (or set E2E_CLI_BIN)"

free_port() {
  local port=$1
  while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/omnicrm-team-sync-e2e.XXXXXX")
chmod 755 "$WORK"
export OMNICRM_SYNC_PG_DIR="$WORK/pg" OMNICRM_SYNC_PG_PORT
OMNICRM_SYNC_PG_PORT=$(free_port 55500)
SERVER_PID=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  "$ROOT/scripts/sync-postgres.sh" stop >/dev/null 2>&1
  if [ "$rc" -ne 0 ] && [ -f "$WORK/sync-server.log" ]; then
    mkdir -p "$E2E_DIR/artifacts"
    cp "$WORK/sync-server.log" "$E2E_DIR/artifacts/" 2>/dev/null
    log "sync server log: $E2E_DIR/artifacts/sync-server.log"
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT INT TERM

log "Postgres on 127.0.0.1:$OMNICRM_SYNC_PG_PORT"
PG_ENV=$("$ROOT/scripts/sync-postgres.sh" start) || die "could not start Postgres (see above)"
eval "$PG_ENV"
export DATABASE_URL

json_field() { node -e 'const v = JSON.parse(process.argv[1])[process.argv[2]]; console.log(v ?? "")' "$1" "$2"; }
"$SYNC_BIN" migrate >/dev/null
WORKSPACE_ID=$(json_field "$("$SYNC_BIN" workspace create "Harbour Clinic" --json)" id)
TOKEN=$(json_field "$("$SYNC_BIN" token issue --workspace "$WORKSPACE_ID" --json)" token)
OTHER_TOKEN=$(json_field "$("$SYNC_BIN" token issue --workspace "$WORKSPACE_ID" --json)" token)
[ -n "$WORKSPACE_ID" ] && [ -n "$TOKEN" ] && [ -n "$OTHER_TOKEN" ] \
  || die "could not create the workspace and its device tokens"

PORT=$(free_port 3130)
"$SYNC_BIN" serve --listen "127.0.0.1:$PORT" >"$WORK/sync-server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the sync server exited: $(tail -n 20 "$WORK/sync-server.log")"
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" || die "the sync server did not answer on 127.0.0.1:$PORT"
log "sync server on http://127.0.0.1:$PORT (workspace $WORKSPACE_ID)"

mkdir -p "$WORK/other-device"
E2E_SYNC_SERVER="http://127.0.0.1:$PORT" E2E_SYNC_TOKEN="$TOKEN" \
  E2E_OTHER_DEVICE_TOKEN="$OTHER_TOKEN" E2E_OTHER_DEVICE_DIR="$WORK/other-device" E2E_CLI_BIN="$CLI_BIN" \
  E2E_TESTS="tests/team_sync.test.mjs" "$E2E_DIR/run.sh" "$@"
