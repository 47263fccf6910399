#!/usr/bin/env bash
# Contacts benchmark (release build). Arguments go to the example; without --contacts
# it uses 100000 contacts.
#   scripts/bench.sh                    # 100k contacts
#   scripts/bench.sh --contacts 20000
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OMNI_ROOT"

have cargo || die "cargo not found: run scripts/setup.sh"

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
