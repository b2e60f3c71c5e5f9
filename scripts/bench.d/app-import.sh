#!/usr/bin/env bash
# The whole app's memory before, during and after a 10,000-article import, and how fast views
# switch and cards answer while it embeds (the release app under Xvfb, driven through
# tauri-driver; scripts/bench/app-import.mjs says how). APP_IMPORT_ARTICLES / APP_IMPORT_FEEDS
# change the size.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/session-bus.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export BENCH_CORPUS=${BENCH_CORPUS:-$PWD/../shared/data/ag_news/test.csv}
# The checkout's models/ unless chosen otherwise (a release build never looks in the checkout).
export SIFT_MODEL_DIR="${SIFT_MODEL_DIR:-$PWD/models}"
npm run --silent build >&2
cargo build --release -p sift-app >&2
section=$(in_session_bus node scripts/bench/app-import.mjs "$CARGO_TARGET_DIR/release/sift-app" \
    --articles "${APP_IMPORT_ARTICLES:-10000}" --feeds "${APP_IMPORT_FEEDS:-10}" --corpus "$BENCH_CORPUS")
echo "$section"
# Headline for the history and the README (scripts/bench.sh): memory right after the import
# and settled, and the median of each timing in the window, with their targets.
python3 scripts/bench/app-headline.py "${APP_IMPORT_ARTICLES:-10000}" "$section"
