#!/usr/bin/env bash
# Build the UI and the desktop shell, then start OmniCRM. Arguments go to the app.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$OMNI_ROOT"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat >&2 <<'EOF'
No display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the desktop app cannot open a window.
Use the command-line interface instead:
    cargo run -p omnicrm-cli -- --help        (the binary is called `omnicrm`)
or start the app on a virtual display:   xvfb-run -a scripts/run.sh
EOF
  exit 2
fi

needs_setup=0
have cargo || needs_setup=1
have npm && omni_node_ok || needs_setup=1
have pkg-config && pkg-config --exists webkit2gtk-4.1 2>/dev/null || needs_setup=1
[ -d ui/node_modules ] && omni_npm_fresh ui || needs_setup=1
if [ "$needs_setup" -eq 1 ]; then
  section "installing prerequisites (scripts/setup.sh)"
  "$OMNI_ROOT/scripts/setup.sh"
fi

section "building the UI (npm run build in ui/)"
(cd ui && npm run build)

# A debug build without tauri's custom-protocol feature loads build.devUrl (the Vite dev
# server) instead of the embedded ui/dist. When a devUrl is configured, build the
# self-contained variant, as `tauri build` would.
CARGO_ARGS=(build -p omnicrm-desktop)
if [ -n "$(omni_dev_url)" ]; then
  CARGO_ARGS+=(--features tauri/custom-protocol)
fi
section "building the desktop shell (cargo ${CARGO_ARGS[*]})"
cargo "${CARGO_ARGS[@]}"

BIN="$(omni_target_dir)/debug/omnicrm-desktop"
[ -x "$BIN" ] || die "build finished but $BIN is missing"
section "starting $BIN"
exec "$BIN" "$@"
