#!/usr/bin/env bash
# Benchmarks (release builds). Arguments go to the example.
#   scripts/bench.sh                    # contact store, 100k contacts
#   scripts/bench.sh --contacts 20000
#   scripts/bench.sh imports            # import 10k into 10k, import 100k, 5k-item timeline
#   scripts/bench.sh imports --large 0  # skip the 100k import
#   scripts/bench.sh import-memory [CONTACTS]  # peak memory of planning and importing a CSV and a vCard file
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

if [ "${1:-}" = "import-memory" ]; then
  # Peak resident memory (GNU time) of the release CLI planning (--dry-run) and importing a
  # Google CSV and a vCard export of CONTACTS demo contacts, each into an empty data folder,
  # against the file's size. The files are made once and kept in target/bench-import-memory.
  contacts="${2:-134000}"  # 134,000: a 27.8 MB CSV; 400,000: about 83 MB
  have /usr/bin/time || die "GNU time is needed: apt-get install time"
  section "cargo build --release -p omnicrm-cli"
  cargo build --release -p omnicrm-cli
  cli="${CARGO_TARGET_DIR:-$OMNI_ROOT/target}/release/omnicrm"
  work="${CARGO_TARGET_DIR:-$OMNI_ROOT/target}/bench-import-memory"
  mkdir -p "$work"
  export OMNICRM_KEY_DIR="$work/keys"
  if [ ! -f "$work/demo-$contacts.csv" ]; then
    rm -rf "$work/source"
    "$cli" demo --contacts "$contacts" --data-dir "$work/source" >/dev/null
    "$cli" export --format csv --out "$work/demo-$contacts.csv" --data-dir "$work/source" >/dev/null
    "$cli" export --format vcard --out "$work/demo-$contacts.vcf" --data-dir "$work/source" >/dev/null
    rm -rf "$work/source"
  fi
  peak_kib() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
  rm -rf "$work/empty"
  "$cli" contacts list --data-dir "$work/empty" >/dev/null
  baseline=$(peak_kib "$cli" contacts list --data-dir "$work/empty")
  printf '%-34s %10s %10s %8s\n' "run" "file MB" "peak MB" "ratio"
  awk -v peak="$baseline" 'BEGIN { printf "%-34s %10s %10.1f %8s\n", "empty command (contacts list)", "-", peak * 1024 / 1e6, "-" }'
  for file in "$work/demo-$contacts.csv" "$work/demo-$contacts.vcf"; do
    bytes=$(stat -c %s "$file")
    for mode in plan import; do
      rm -rf "$work/target-folder"
      "$cli" contacts list --data-dir "$work/target-folder" >/dev/null
      if [ "$mode" = plan ]; then
        peak=$(peak_kib "$cli" import "$file" --dry-run --data-dir "$work/target-folder")
      else
        peak=$(peak_kib "$cli" import "$file" --data-dir "$work/target-folder")
      fi
      awk -v run="$mode $(basename "$file")" -v bytes="$bytes" -v peak="$peak" \
        'BEGIN { printf "%-34s %10.1f %10.1f %8.2f\n", run, bytes / 1e6, peak * 1024 / 1e6, peak * 1024 / bytes }'
    done
  done
  rm -rf "$work/target-folder" "$work/empty"
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
