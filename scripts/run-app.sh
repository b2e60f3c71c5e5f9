#!/usr/bin/env bash
# Opens the Sift window. Without a display (a server, CI), runs it under Xvfb and saves a
# screenshot so you can see what it shows.
set -euo pipefail
app="${1:?usage: run-app.sh APP_BINARY}"
# The checkout's models/ (models/fetch.sh), unless the caller chose another place: Sift
# never looks in the current directory.
export SIFT_MODEL_DIR="${SIFT_MODEL_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/models}"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$app"
fi
display=":$(( 90 + RANDOM % 9 ))"
echo "run: no display found; starting Sift under Xvfb on $display" >&2
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
DISPLAY="$display" "$app" &
app_pid=$!
sleep 8
mkdir -p docs/screenshots/tmp
DISPLAY="$display" import -window root docs/screenshots/tmp/run.png 2>/dev/null &&
  echo "run: Sift is running headless; screenshot saved to docs/screenshots/tmp/run.png (Ctrl-C to stop)" >&2
wait "$app_pid"
