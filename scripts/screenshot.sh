#!/usr/bin/env bash
# A PNG of the real Sift window (builds nothing; run `make build` first).
#   scripts/screenshot.sh [OUT.png] [VIEW]     defaults: docs/screenshots/main.png, for-you
# The app runs under its own Xvfb (sized to the window) with the store in $SIFT_DATA_DIR,
# or a fresh temporary one; $SIFT_APP_BIN / $CARGO_TARGET_DIR choose the binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-docs/screenshots/main.png}"
view="${2:-for-you}"
args=(--view "$view" --out "$out")
if [ -n "${SIFT_DATA_DIR:-}" ]; then args+=(--data-dir "$SIFT_DATA_DIR"); fi
# Our own display, even on a desktop, so the picture is the window and nothing else.
env -u DISPLAY node scripts/screenshots.mjs "${args[@]}"
