#!/usr/bin/env bash
# Benchmarks (release builds). Arguments go to the example.
#   scripts/bench.sh                    # contact store, 100k contacts
#   scripts/bench.sh --contacts 20000
#   scripts/bench.sh imports            # import 10k into 10k, import 100k, 5k-item timeline
#   scripts/bench.sh imports --large 0  # skip the 100k import
#   scripts/bench.sh today [--contacts N --interactions M]  # the Today page's read (100k, 1M)
#   scripts/bench.sh encryption [--contacts N]  # plain vs encrypted: import, list, search, open
#   scripts/bench.sh google [MESSAGES RUNS]  # Gmail ingest + normalize from the fake server
#   scripts/bench.sh sync-client [CONTACTS] [--recording-only]  # team sync: first syncs, edit round trips (10k)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OMNI_ROOT"

have cargo || die "cargo not found: run scripts/setup.sh"

if [ "${1:-}" = "imports" ]; then
  shift
  section "cargo run --release -p omnicrm-core --example bench_imports -- $*"
  cargo run --release -p omnicrm-core --example bench_imports -- "$@"
  echo
  echo "Done. Copy the figures into docs/benchmarks.md with the date, commit and machine load."
  exit 0
fi

if [ "${1:-}" = "today" ]; then
  shift
  section "cargo run --release -p omnicrm-core --example bench_today -- $*"
  cargo run --release -p omnicrm-core --example bench_today -- "$@"
  echo
  echo "Done. Copy the figures into docs/benchmarks.md with the date, commit and machine load."
  exit 0
fi

if [ "${1:-}" = "encryption" ]; then
  shift
  section "cargo run --release -p omnicrm-core --example bench_encryption -- $*"
  cargo run --release -p omnicrm-core --example bench_encryption -- "$@"
  echo
  echo "Done. Copy the figures into docs/benchmarks.md with the date, commit and machine load."
  exit 0
fi

if [ "${1:-}" = "search" ]; then
  shift
  # The hybrid and throughput figures need the real model weights.
  "$OMNI_ROOT/scripts/fetch-models.sh" || warn "no model weights: hybrid and throughput are skipped"
  section "cargo run --release -p omnicrm-search --example bench_search -- $*"
  cargo run --release -p omnicrm-search --example bench_search -- "$@"
  echo
  echo "Done. Copy the figures into docs/benchmarks.md with the date, commit and machine load."
  exit 0
fi

if [ "${1:-}" = "sync-client" ]; then
  shift
  section "cargo run --release -p omnicrm-sync-client --example bench_sync_client -- $*"
  cargo run --release -p omnicrm-sync-client --example bench_sync_client -- "$@"
  echo
  echo "Done. Copy the figures into docs/benchmarks.md with the date, commit and machine load."
  exit 0
fi

if [ "${1:-}" = "google" ]; then
  shift
  section "cargo run --release -p omnicrm-google --example bench_google_sync -- $*"
  cargo run --release -p omnicrm-google --example bench_google_sync -- "$@"
  echo
  echo "Done. Copy the figures into docs/benchmarks.md with the date, commit and machine load."
  exit 0
fi

ARGS=("$@")
has_contacts=0
for a in "$@"; do
  case "$a" in --contacts | --contacts=*) has_contacts=1 ;; esac
done
[ "$has_contacts" -eq 1 ] || ARGS=(--contacts 100000 "${ARGS[@]}")

section "cargo run --release -p omnicrm-core --example bench_contacts -- ${ARGS[*]}"
cargo run --release -p omnicrm-core --example bench_contacts -- "${ARGS[@]}"

cat <<'EOT'

Done. Copy the figures above into docs/benchmarks.md, together with the date, the commit
(git rev-parse --short HEAD) and the machine (CPU cores, RAM, disk).
EOT
