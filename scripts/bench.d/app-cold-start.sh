#!/usr/bin/env bash
# The release app's cold start on a 100,000-article store (500 feeds, hashing vectors, real
# store I/O) to its first painted view and to a usable For you, interleaved with the same app
# on an empty store and the CLI to For you (references, same rounds; under Xvfb through
# tauri-driver, scripts/bench/app-cold-start.mjs says how).
#
#   scripts/bench.d/app-cold-start.sh                  (or: make bench BENCH=app-cold-start)
#   APP_COLD_START_STORE=DIR scripts/bench.d/app-cold-start.sh   reuse a generated store
#
# APP_COLD_START_ARTICLES / APP_COLD_START_FEEDS / APP_COLD_START_RUNS change the size and
# the rounds. Without APP_COLD_START_STORE the store is generated into a temporary directory
# and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/session-bus.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
ARTICLES=${APP_COLD_START_ARTICLES:-100000}
FEEDS=${APP_COLD_START_FEEDS:-500}
RUNS=${APP_COLD_START_RUNS:-5}

npm run --silent build >&2
cargo build --release -p sift-app -p sift-cli >&2
STORE=${APP_COLD_START_STORE:-}
if [ -z "$STORE" ]; then
    STORE=$(mktemp -d "${TMPDIR:-/tmp}/sift-cold-start-XXXXXX")
    trap 'rm -rf "$STORE"' EXIT
    "$CARGO_TARGET_DIR/release/sift" --data-dir "$STORE" generate-store \
        --articles "$ARTICLES" --feeds "$FEEDS" >&2
fi
in_session_bus node scripts/bench/app-cold-start.mjs "$CARGO_TARGET_DIR/release/sift-app" "$STORE" \
    --runs "$RUNS" --cli "$CARGO_TARGET_DIR/release/sift"
