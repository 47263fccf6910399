#!/usr/bin/env bash
# Team sync server benchmark: the OmniCRM server (`omnicrm-sync`) against the reference Node
# server (@automerge/automerge-repo-sync-server), same machine, same workload, same load
# load generators: editing through the Rust client (examples/bench_sync_load.rs, 50 JS clients in
# one Node process cannot offer the load on a small machine), seeding and initial sync through
# unmodified automerge-repo JS clients (crates/omnicrm-sync-server/bench/load.mjs); the initial
# sync is also timed with the Rust client (the desktop client's path).
#
#   scripts/bench-sync.sh                 # 50 editors on 10 documents, 10k-record initial sync
#   scripts/bench-sync.sh --debug         # measure the debug build (no slow release build)
#   BENCH_CLIENTS=6 BENCH_DOCS=2 BENCH_SECONDS=5 BENCH_RECORDS=500 scripts/bench-sync.sh --debug
#
# Settings (environment): BENCH_CLIENTS (50), BENCH_DOCS (10), BENCH_SECONDS (15),
# BENCH_RATE (latency run, changes/s per editor, 2), BENCH_BURST_RATE (throughput run, 10),
# BENCH_RECORDS (10000), BENCH_PORT_BASE (39300: Postgres, ours +1, reference +2),
# BENCH_EDIT_GENERATOR (rust, or js for the automerge-repo JS editors of load.mjs).
# Starts a throwaway Postgres (scripts/sync-postgres.sh) and both servers on loopback, prints
# one table, and stops everything it started on exit.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OMNI_ROOT"

PROFILE=release
case "${1:-}" in
  --debug) PROFILE=debug ;;
  -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
  "") ;;
  *) die "unknown argument: $1 (try --help)" ;;
esac

CLIENTS=${BENCH_CLIENTS:-50}
DOCS=${BENCH_DOCS:-10}
SECONDS_RUN=${BENCH_SECONDS:-15}
RATE=${BENCH_RATE:-2}
BURST_RATE=${BENCH_BURST_RATE:-10}
RECORDS=${BENCH_RECORDS:-10000}
EDIT_GENERATOR=${BENCH_EDIT_GENERATOR:-rust}
PORT_BASE=${BENCH_PORT_BASE:-39300}
PG_PORT=$PORT_BASE
OURS_PORT=$((PORT_BASE + 1))
REFERENCE_PORT=$((PORT_BASE + 2))
BENCH_DIR=crates/omnicrm-sync-server/bench

have cargo || die "cargo not found: run scripts/setup.sh"
omni_node_ok || die "Node.js >= 20.19 is required: run scripts/setup.sh"
if [ ! -d "$BENCH_DIR/node_modules/@automerge/automerge-repo-sync-server" ]; then
  info "installing the benchmark's npm packages in $BENCH_DIR"
  (cd "$BENCH_DIR" && npm install --no-audit --no-fund) || die "npm install failed in $BENCH_DIR"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/omnicrm-bench-sync.XXXXXX")
# As root, Postgres runs as the postgres user, which must reach its data directory inside.
chmod 755 "$WORK"
export OMNICRM_SYNC_PG_PORT=$PG_PORT OMNICRM_SYNC_PG_DIR=$WORK/pg
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  scripts/sync-postgres.sh stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for_port() {
  local port=$1 waited=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    sleep 0.2
    waited=$((waited + 1))
    [ "$waited" -lt 150 ] || die "nothing listening on port $port after 30 s"
  done
}

# cpu_ms PID: the process's CPU time so far (user + system), in milliseconds.
cpu_ms() {
  local ticks
  ticks=$(awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null) || ticks=0
  echo $((ticks * 1000 / $(getconf CLK_TCK)))
}

json_field() { node -e 'const v = JSON.parse(process.argv[1])[process.argv[2]]; console.log(v ?? "")' "$1" "$2"; }

# edit SERVER ARGS...: one editing run with the chosen generator, prints its JSON line.
edit() {
  local server=$1 out
  shift
  if [ "$EDIT_GENERATOR" = js ]; then
    local url=$OURS_URL
    [ "$server" = ours ] || url=$REFERENCE_URL
    load edit "$url" "$@"
    return
  fi
  local args=(--url "ws://127.0.0.1:$OURS_PORT/sync" --token "$TOKEN")
  [ "$server" = ours ] || args=(--url "ws://127.0.0.1:$REFERENCE_PORT/")
  out=$("$LOADGEN" "${args[@]}" "$@" 2>>"$WORK/load.log" | tail -n 1) || {
    tail -n 5 "$WORK/load.log" >&2
    # The reference server has reset its clients' connections under the throughput load:
    # that is a result to report, not a reason to lose the rest of the run.
    [ "$server" = reference ] || die "load generator failed (edit, $server): $out"
    warn "the run against the reference server failed: $(tail -n 1 "$WORK/load.log")"
    tail -n 5 "$WORK/reference.log" >&2
    out='{"error":"failed (see the log above)"}'
  }
  # An editor whose connection dropped stops and reports what it saw ("failed": true).
  if [ "$(json_field "$out" failed)" = true ]; then
    [ "$server" = reference ] || die "an editor failed against our server: $out"
    warn "the reference server dropped an editor: $(json_field "$out" failure)"
  fi
  printf '%s\n' "$out"
}

# load MODE URL ARGS...: runs the load generator, prints its JSON line, fails on an error.
load() {
  local mode=$1 url=$2 out
  shift 2
  out=$(cd "$BENCH_DIR" && node load.mjs "$mode" --url "$url" "$@" 2>>"$WORK/load.log" | tail -n 1) || {
    tail -n 20 "$WORK/load.log" >&2
    die "load generator failed ($mode): $out"
  }
  printf '%s\n' "$out"
}

section "build ($PROFILE)"
BUILD=(cargo build -p omnicrm-sync-server --bins --example bench_sync_load)
[ "$PROFILE" = debug ] || BUILD+=(--release)
"${BUILD[@]}"
BIN="$(omni_target_dir)/$PROFILE/omnicrm-sync"
LOADGEN="$(omni_target_dir)/$PROFILE/examples/bench_sync_load"

section "Postgres, both servers"
PG_ENV=$(scripts/sync-postgres.sh start) || die "could not start Postgres (see above)"
eval "$PG_ENV"
export DATABASE_URL
# The benchmark is not about the rate limiter's budget: lift it so no client is cut off.
export OMNICRM_SYNC_RATE_LIMIT_PER_TOKEN=100000000 OMNICRM_SYNC_RATE_LIMIT_PER_IP=100000000
"$BIN" migrate >/dev/null
WORKSPACE=$("$BIN" workspace create "Benchmark" --json)
WORKSPACE_ID=$(json_field "$WORKSPACE" id)
ROOT_ID=$(json_field "$WORKSPACE" root_document_id)
TOKEN=$(json_field "$("$BIN" token issue --workspace "$WORKSPACE_ID" --json)" token)
"$BIN" serve --listen "127.0.0.1:$OURS_PORT" >"$WORK/ours.log" 2>&1 &
PIDS+=($!)
declare -A SERVER_PID
SERVER_PID[ours]=$!
mkdir -p "$WORK/reference"
(cd "$WORK/reference" && PORT=$REFERENCE_PORT DATA_DIR="$WORK/reference/data" \
  exec node "$OMNI_ROOT/$BENCH_DIR/node_modules/@automerge/automerge-repo-sync-server/src/index.js") \
  >"$WORK/reference.log" 2>&1 &
PIDS+=($!)
SERVER_PID[reference]=$!
wait_for_port "$OURS_PORT"
wait_for_port "$REFERENCE_PORT"
OURS_URL="ws://127.0.0.1:$OURS_PORT/sync?token=$TOKEN"
REFERENCE_URL="ws://127.0.0.1:$REFERENCE_PORT"

info "load before: $(uptime)"
declare -A RESULT
# Throughput first, on a freshly started server each (the reference server has reset its
# clients' connections when the throughput run came after the latency run).
for server in ours reference; do
  section "$server: throughput ($CLIENTS editors, $DOCS documents, $BURST_RATE changes/s each offered)"
  cpu_before=$(cpu_ms "${SERVER_PID[$server]}")
  RESULT[$server.burst]=$(edit "$server" --clients "$CLIENTS" --docs "$DOCS" --seconds "$SECONDS_RUN" --rate "$BURST_RATE")
  RESULT[$server.burst_cpu_ms]=$(($(cpu_ms "${SERVER_PID[$server]}") - cpu_before))
  info "${RESULT[$server.burst]}"
  info "$server server CPU during the throughput run: ${RESULT[$server.burst_cpu_ms]} ms"
  section "$server: latency ($CLIENTS editors, $DOCS documents, $RATE changes/s each, ${SECONDS_RUN}s)"
  RESULT[$server.latency]=$(edit "$server" --clients "$CLIENTS" --docs "$DOCS" --seconds "$SECONDS_RUN" --rate "$RATE")
  info "${RESULT[$server.latency]}"
  info "load: $(uptime)"
done

section "seed $RECORDS records (ours: the workspace root; reference: a root of its own)"
RESULT[ours.seed]=$(load seed "$OURS_URL" --records "$RECORDS" --root "$ROOT_ID" --timeout 1200)
info "${RESULT[ours.seed]}"
RESULT[reference.seed]=$(load seed "$REFERENCE_URL" --records "$RECORDS" --timeout 1200)
info "${RESULT[reference.seed]}"
for server in ours reference; do
  url=$OURS_URL
  root=$ROOT_ID
  if [ "$server" = reference ]; then
    url=$REFERENCE_URL
    root=$(json_field "${RESULT[reference.seed]}" root)
  fi
  section "$server: initial sync of $RECORDS records to a new client (automerge-repo JS)"
  RESULT[$server.initial]=$(load initial "$url" --root "$root" --timeout 600)
  info "${RESULT[$server.initial]}"
  section "$server: initial sync of $RECORDS records to a new client (Rust client)"
  RESULT[$server.initial_rust]=$(edit "$server" --initial-root "$root" --converge-limit 600)
  info "${RESULT[$server.initial_rust]}"
done
info "load after: $(uptime)"

field() { json_field "${RESULT[$1]}" "$2"; }
ratio() { node -e 'const [a, b] = process.argv.slice(1).map(Number); console.log(b > 0 ? (a / b).toFixed(2) + "×" : "n/a")' "$1" "$2"; }
echo
echo "## omnicrm-sync ($PROFILE) vs @automerge/automerge-repo-sync-server, $CLIENTS editors on $DOCS documents ($EDIT_GENERATOR editors)"
echo
echo "| measurement | omnicrm-sync | reference (Node) | ratio |"
echo "|---|---|---|---|"
echo "| round trip p50 ($RATE changes/s per editor) | $(field ours.latency p50_ms) ms | $(field reference.latency p50_ms) ms | |"
echo "| round trip p95 ($RATE changes/s per editor) | $(field ours.latency p95_ms) ms | $(field reference.latency p95_ms) ms | |"
echo "| round trip p95 ($BURST_RATE changes/s per editor) | $(field ours.burst p95_ms) ms | $(field reference.burst p95_ms) ms | |"
echo "| converged ($BURST_RATE/s per editor offered) | $(field ours.burst converged) | $(field reference.burst converged) $(field reference.burst error) | |"
echo "| changes made ÷ time to converge or cut-off ($BURST_RATE/s per editor offered) | $(field ours.burst changes_per_second) | $(field reference.burst changes_per_second) | $(ratio "$(field ours.burst changes_per_second)" "$(field reference.burst changes_per_second)") |"
echo "| changes every peer had ÷ time of the last delivery ($BURST_RATE/s per editor offered) | $(field ours.burst delivered_changes_per_second) | $(field reference.burst delivered_changes_per_second) $(field reference.burst failure) | $(ratio "$(field ours.burst delivered_changes_per_second)" "$(field reference.burst delivered_changes_per_second)") |"
per_change() { node -e 'const [ms, n] = process.argv.slice(1).map(Number); console.log(n > 0 ? (ms / n).toFixed(2) : "n/a")' "$1" "$2"; }
OURS_MS_PER_CHANGE=$(per_change "${RESULT[ours.burst_cpu_ms]}" "$(field ours.burst changes)")
REFERENCE_MS_PER_CHANGE=$(per_change "${RESULT[reference.burst_cpu_ms]}" "$(field reference.burst changes)")
echo "| server CPU per change (throughput run) | $OURS_MS_PER_CHANGE ms | $REFERENCE_MS_PER_CHANGE ms | $(ratio "$REFERENCE_MS_PER_CHANGE" "$OURS_MS_PER_CHANGE") less |"
echo "| initial sync (JS client), $(field ours.initial documents) / $(field reference.initial documents) documents | $(field ours.initial seconds) s | $(field reference.initial seconds) s | $(ratio "$(field reference.initial seconds)" "$(field ours.initial seconds)") faster |"
echo "| initial sync (Rust client), $(field ours.initial_rust documents) / $(field reference.initial_rust documents) documents | $(field ours.initial_rust seconds) s | $(field reference.initial_rust seconds) s | $(ratio "$(field reference.initial_rust seconds)" "$(field ours.initial_rust seconds)") faster |"
echo
echo "Copy the figures into docs/benchmarks.md with the date, commit, profile and machine load."
