#!/usr/bin/env bash
# Run the WebDriver end-to-end tests against the real desktop app:
# Xvfb on a free display -> tauri-driver (-> WebKitWebDriver -> app) -> node --test.
#
# Environment:
#   E2E_APP              app binary (default: $CARGO_TARGET_DIR or <repo>/target, then debug/omnicrm-desktop)
#   TAURI_DRIVER_PORT    tauri-driver port (default 4444; a free one is picked if 4444 is busy)
#   E2E_SERVE_DIST       auto|1|0: serve ui/dist on the devUrl of tauri.conf.json while testing
#                        (a debug build without the custom-protocol feature loads devUrl). Default auto.
#   E2E_KEEP_DATA=1      keep the temporary data dir and logs
#   E2E_TIMEOUT_MS       per-step wait (default 10000)
#   E2E_TESTS            test files to run instead of the default list, separated by spaces
#                        (team-sync.sh runs tests/team_sync.test.mjs this way)
# Extra arguments are passed to `node --test` (e.g. --test-name-pattern=search).
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
ARTIFACTS="$E2E_DIR/artifacts"
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[e2e] %s\n' "$*"; }
die() { printf '[e2e] ERROR: %s\n' "$*" >&2; exit 1; }

APP=${E2E_APP:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/omnicrm-desktop}
case "$APP" in /*) ;; *) APP="$PWD/$APP" ;; esac

[ -x "$APP" ] || die "desktop binary not found or not executable: $APP
  build it with: cargo build -p omnicrm-desktop   (or set E2E_APP)"
command -v Xvfb >/dev/null || die "Xvfb missing: run scripts/setup.sh (apt package xvfb)"
command -v tauri-driver >/dev/null || die "tauri-driver missing: run scripts/setup.sh (cargo install tauri-driver --version '^2' --locked)"
[ -x /usr/bin/WebKitWebDriver ] || command -v WebKitWebDriver >/dev/null ||
  die "WebKitWebDriver missing: run scripts/setup.sh (apt package webkit2gtk-driver)"
command -v curl >/dev/null || die "curl missing: run scripts/setup.sh"
[ -d "$E2E_DIR/node_modules/webdriverio" ] || die "ui/e2e/node_modules missing: run scripts/setup.sh (or npm ci in ui/e2e)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/omnicrm-e2e.XXXXXX")
mkdir -p "$ARTIFACTS" "$WORK/data" "$WORK/home" "$WORK/runtime"
chmod 700 "$WORK/runtime"
rm -f "$ARTIFACTS"/*.png "$ARTIFACTS"/*.html "$ARTIFACTS"/*.log

PIDS=()
cleanup() {
  local rc=$?
  set +e
  # Each helper runs in its own process group (setsid): end the whole group, newest first.
  local i pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[i]}
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [ "$rc" -ne 0 ]; then
    cp "$WORK"/*.log "$ARTIFACTS"/ 2>/dev/null
    log "failed (exit $rc); logs and screenshots are in $ARTIFACTS"
  fi
  if [ "${E2E_KEEP_DATA:-0}" = 1 ]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Start "$@" in its own session / process group, logging to $WORK/<name>.log.
spawn() {
  local name=$1
  shift
  setsid "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=("$!")
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for p in $(seq "$1" $(($1 + 200))); do
    port_busy "$p" || { echo "$p"; return 0; }
  done
  return 1
}

# --- Xvfb on a free display (-displayfd lets the server pick one) -------------------------
exec 9>"$WORK/display"
spawn xvfb Xvfb -displayfd 9 -screen 0 1280x800x24 -nolisten tcp -noreset
exec 9>&-
for _ in $(seq 1 100); do
  [ -s "$WORK/display" ] && break
  kill -0 "${PIDS[-1]}" 2>/dev/null || die "Xvfb exited: $(cat "$WORK/xvfb.log")"
  sleep 0.1
done
[ -s "$WORK/display" ] || die "Xvfb did not report a display within 10 s: $(cat "$WORK/xvfb.log")"
DISPLAY=":$(tr -dc '0-9' <"$WORK/display")"
export DISPLAY
unset WAYLAND_DISPLAY
log "Xvfb on DISPLAY=$DISPLAY"

# --- Frontend for debug builds that load devUrl --------------------------------------------
DEV_URL=""
CONF="$ROOT/src-tauri/tauri.conf.json"
if [ -f "$CONF" ] && command -v node >/dev/null; then
  DEV_URL=$(node -e 'const c=require(process.argv[1]);process.stdout.write((c.build&&c.build.devUrl)||"")' "$CONF" 2>/dev/null || true)
fi
SERVE=${E2E_SERVE_DIST:-auto}
if [ -n "$DEV_URL" ] && [ "$SERVE" != 0 ]; then
  DEV_HOST=$(node -e 'const u=new URL(process.argv[1]);process.stdout.write(u.hostname)' "$DEV_URL")
  DEV_PORT=$(node -e 'const u=new URL(process.argv[1]);process.stdout.write(u.port||"80")' "$DEV_URL")
  if port_busy "$DEV_PORT"; then
    log "something already listens on $DEV_URL; using it as the frontend"
  elif [ ! -f "$ROOT/ui/dist/index.html" ] || [ ! -x "$ROOT/ui/node_modules/.bin/vite" ]; then
    log "warning: tauri.conf.json has devUrl $DEV_URL but ui/dist or vite is missing; a debug build without custom-protocol will show a blank page"
  else
    log "serving ui/dist on $DEV_URL (vite preview) for debug builds that load devUrl"
    # shellcheck disable=SC2016
    spawn vite-preview bash -c 'cd "$1/ui" && exec node_modules/.bin/vite preview --host "$2" --port "$3" --strictPort' _ "$ROOT" "$DEV_HOST" "$DEV_PORT"
    for _ in $(seq 1 100); do
      curl -fsS -o /dev/null "$DEV_URL" 2>/dev/null && break
      kill -0 "${PIDS[-1]}" 2>/dev/null || die "vite preview exited: $(cat "$WORK/vite-preview.log")"
      sleep 0.1
    done
  fi
fi

# --- tauri-driver (the app inherits this environment) --------------------------------------
PORT=${TAURI_DRIVER_PORT:-4444}
if port_busy "$PORT"; then
  PORT=$(free_port 4500) || die "no free port for tauri-driver"
  log "port ${TAURI_DRIVER_PORT:-4444} is busy; using $PORT"
fi
NATIVE_PORT=$(free_port $((PORT + 1))) || die "no free port for WebKitWebDriver"
[ "$NATIVE_PORT" != "$PORT" ] || NATIVE_PORT=$(free_port $((PORT + 2)))

export OMNICRM_DATA_DIR="$WORK/data"
log "OMNICRM_DATA_DIR=$OMNICRM_DATA_DIR (empty)"

# The app gets a throwaway HOME/XDG dirs and, when available, its own D-Bus session with an
# unlocked Secret Service, so nothing touches the real user's keyring or config.
cat >"$WORK/driver.sh" <<'EOF'
#!/usr/bin/env bash
if command -v gnome-keyring-daemon >/dev/null && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  printf 'omnicrm-e2e' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
fi
exec tauri-driver "$@"
EOF
chmod +x "$WORK/driver.sh"
DRIVER_ENV=(env HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/runtime" XDG_CONFIG_HOME="$WORK/home/.config"
  XDG_DATA_HOME="$WORK/home/.local/share" XDG_CACHE_HOME="$WORK/home/.cache"
  OMNICRM_DATA_DIR="$OMNICRM_DATA_DIR" DISPLAY="$DISPLAY" NO_AT_BRIDGE=1)
DRIVER_ARGS=(--port "$PORT" --native-port "$NATIVE_PORT")
WKD=$(command -v WebKitWebDriver || echo /usr/bin/WebKitWebDriver)
DRIVER_ARGS+=(--native-driver "$WKD")
if command -v dbus-run-session >/dev/null; then
  spawn tauri-driver "${DRIVER_ENV[@]}" dbus-run-session -- "$WORK/driver.sh" "${DRIVER_ARGS[@]}"
else
  log "dbus-run-session not found; running without a session bus"
  spawn tauri-driver "${DRIVER_ENV[@]}" "$WORK/driver.sh" "${DRIVER_ARGS[@]}"
fi
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/status" 2>/dev/null && break
  kill -0 "${PIDS[-1]}" 2>/dev/null || die "tauri-driver exited: $(cat "$WORK/tauri-driver.log")"
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/status" ||
  die "tauri-driver did not answer on 127.0.0.1:$PORT within 15 s: $(cat "$WORK/tauri-driver.log")"
log "tauri-driver on 127.0.0.1:$PORT (WebKitWebDriver on $NATIVE_PORT)"

if [ "${E2E_SMOKE_ONLY:-0}" = 1 ]; then
  log "E2E_SMOKE_ONLY=1: Xvfb and tauri-driver are up; not running the tests"
  exit 0
fi

# --- the tests ----------------------------------------------------------------------------
TESTS=(tests/contacts.test.mjs tests/import_merge.test.mjs tests/jobs.test.mjs tests/palette.test.mjs tests/privacy.test.mjs)
[ -z "${E2E_TESTS:-}" ] || read -r -a TESTS <<<"$E2E_TESTS"
log "app: $APP"
set +e
(
  cd "$E2E_DIR" &&
    E2E_APP="$APP" E2E_DRIVER_PORT="$PORT" E2E_ARTIFACTS="$ARTIFACTS" \
      node --test --test-concurrency=1 --test-reporter=spec "$@" "${TESTS[@]}"
)
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  # What the screen showed, even when WebDriver could not take a screenshot.
  if command -v import >/dev/null; then
    import -display "$DISPLAY" -window root "$ARTIFACTS/failure-screen.png" 2>/dev/null || true
  fi
  log "tauri-driver log (tail):"
  tail -n 40 "$WORK/tauri-driver.log" >&2 || true
  # Does the app start at all on its own? (scratch data dir, 3 s)
  mkdir -p "$WORK/probe-data"
  OMNICRM_DATA_DIR="$WORK/probe-data" timeout -s KILL 3 "$APP" >"$WORK/app-probe.log" 2>&1 && probe=0 || probe=$?
  if [ "$probe" -eq 137 ]; then
    log "the app alone stays up for 3 s (so it starts); see the failing step above"
  else
    log "the app alone exited with code $probe within 3 s; its output:"
    tail -n 40 "$WORK/app-probe.log" >&2 || true
  fi
  exit "$rc"
fi
if [ -z "${E2E_TESTS:-}" ]; then
  [ -s "$ARTIFACTS/contacts-page.png" ] || die "tests passed but $ARTIFACTS/contacts-page.png was not written"
  log "screenshot: $ARTIFACTS/contacts-page.png"
fi
