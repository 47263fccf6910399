#!/usr/bin/env bash
# Crash trials: kill -9 the CLI at random points of every long operation (import, demo data,
# import undo, tag apply, merge, restore, delete all, export, backup) and check after each kill
# that the data folder opens, passes `omnicrm doctor`, holds either the state before or the
# state after (never one between), keeps no leftovers, and that a rerun ends exactly where one
# run would. Prints a table; exits 1 when a trial failed a check. See scripts/crash_trials.py.
#
#   scripts/crash-trials.sh                 20 trials per operation, 2,000 contacts, 20k import
#   scripts/crash-trials.sh --trials 3 --contacts 300 --import-size 6000   (what test.sh runs)
#   scripts/crash-trials.sh --only import --trials 50
#
# Not part of every CI run at full size (about 15 min here); scripts/test.sh runs a short one.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OMNI_ROOT"

have python3 || die "python3 is needed for the crash trials (scripts/setup.sh installs it)"
cargo build --quiet -p omnicrm-cli
# The trial folders' database keys stay out of this user's keyring and config folder.
if [ -z "${OMNICRM_KEY_DIR:-}" ]; then
  OMNICRM_KEY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/omnicrm-crash-keys.XXXXXX")
  export OMNICRM_KEY_DIR
  trap 'rm -rf "$OMNICRM_KEY_DIR"' EXIT
fi
python3 "$OMNI_ROOT/scripts/crash_trials.py" --binary "$(omni_target_dir)/debug/omnicrm" "$@"
