# Shared helpers for scripts/*.sh (sourced, not executed).
# shellcheck shell=bash

OMNI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"

# Oldest Node the UI toolchain accepts (vite 7: 20.19+ or 22.12+).
OMNI_NODE_MIN_20=19
OMNI_NODE_MIN_22=12

have() { command -v "$1" >/dev/null 2>&1; }
info() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Directory with the compiled binaries (debug profile).
omni_target_dir() {
  local t=${CARGO_TARGET_DIR:-$OMNI_ROOT/target}
  case "$t" in /*) ;; *) t="$OMNI_ROOT/$t" ;; esac
  printf '%s\n' "$t"
}

omni_node_ok() {
  have node || return 1
  local v major minor
  v=$(node -p 'process.versions.node' 2>/dev/null) || return 1
  major=${v%%.*}
  minor=${v#*.}
  minor=${minor%%.*}
  if [ "$major" -eq 20 ]; then [ "$minor" -ge "$OMNI_NODE_MIN_20" ]
  elif [ "$major" -eq 21 ]; then return 1
  elif [ "$major" -eq 22 ]; then [ "$minor" -ge "$OMNI_NODE_MIN_22" ]
  else [ "$major" -gt 22 ]
  fi
}

# True when node_modules in $1 is installed and matches package-lock.json / package.json:
# the lockfile must not be newer than the last install; an edited package.json is accepted
# when `npm ls` still finds every declared dependency.
omni_npm_fresh() {
  local dir=$1 stamp=$1/node_modules/.package-lock.json
  if [ ! -f "$stamp" ]; then
    # No install yet, unless the project declares no dependencies at all.
    [ ! -d "$dir/node_modules" ] && (cd "$dir" && npm ls --depth=0 >/dev/null 2>&1) || return 1
    return 0
  fi
  if [ -f "$dir/package-lock.json" ] && [ "$dir/package-lock.json" -nt "$stamp" ]; then return 1; fi
  if [ "$dir/package.json" -nt "$stamp" ]; then
    (cd "$dir" && npm ls --depth=0 >/dev/null 2>&1) || return 1
  fi
  return 0
}

# The devUrl from src-tauri/tauri.conf.json, empty when unset or unreadable.
omni_dev_url() {
  local conf=$OMNI_ROOT/src-tauri/tauri.conf.json
  [ -f "$conf" ] && have node || return 0
  node -e 'try{const c=require(process.argv[1]);process.stdout.write((c.build&&c.build.devUrl)||"")}catch(e){}' "$conf"
}

# Print a header for one step, e.g. `section "cargo fmt"`.
section() {
  printf '\n==> %s\n' "$*"
}

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
