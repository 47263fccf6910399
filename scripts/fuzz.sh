#!/usr/bin/env bash
# Fuzzes the sync server's input decoding with cargo-fuzz (libFuzzer; needs the nightly
# toolchain, which scripts/setup.sh does not install by default):
#
#   scripts/fuzz.sh                  # each target for 60 s
#   scripts/fuzz.sh 600              # each target for 10 minutes
#   scripts/fuzz.sh 60 decode_frame  # one target
#
# Targets (crates/omnicrm-sync/fuzz/fuzz_targets): decode_frame (any WebSocket frame a client
# can send: decoded or refused, never a panic, and what decodes re-encodes unchanged) and
# apply_sync_message (automerge sync bytes received into a document, as the server does).
# Crashes are written to crates/omnicrm-sync/fuzz/artifacts/<target>/; the corpus grows in
# crates/omnicrm-sync/fuzz/corpus/<target>/ (both ignored by git).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OMNI_ROOT"

SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[ "${#TARGETS[@]}" -gt 0 ] || TARGETS=(decode_frame apply_sync_message)

have rustup || die "rustup not found: run scripts/setup.sh"
rustup toolchain list | grep -q '^nightly' || {
  info "installing the nightly toolchain (cargo-fuzz needs it)"
  rustup toolchain install nightly --profile minimal
}
if ! cargo fuzz --version >/dev/null 2>&1; then
  info "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

cd crates/omnicrm-sync/fuzz
for target in "${TARGETS[@]}"; do
  section "fuzz $target for ${SECONDS_EACH}s"
  dictionary=()
  [ "$target" != decode_frame ] || dictionary=(-dict=frame.dict)
  mkdir -p "corpus/$target"
  cargo +nightly fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -max_len=4096 "${dictionary[@]}"
done
