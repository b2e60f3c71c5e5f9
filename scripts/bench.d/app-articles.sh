#!/usr/bin/env bash
# The app as a new user meets it with full-length articles: the release app on an empty store
# subscribes to loopback RSS feeds of APP_ARTICLES_N articles (default 2,000; a dozen AG News
# stories each, ~600 tokens, scripts/bench/article-feeds.py --reuse) and embeds them all while
# scripts/bench/app-import.mjs switches views and answers cards, timing each in the window
# (the same measures as the app-import section, with longer texts to fetch, sanitize and embed).
# APP_ARTICLES_SHOTS=DIR also keeps screenshots of For you and All articles while it embeds.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/session-bus.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export BENCH_CORPUS=${BENCH_CORPUS:-$PWD/../shared/data/ag_news/test.csv}
export SIFT_MODEL_DIR="${SIFT_MODEL_DIR:-$PWD/models}"
N=${APP_ARTICLES_N:-2000}
FEEDS=${APP_ARTICLES_FEEDS:-10}
feeds_dir=$(mktemp -d)
trap 'rm -rf "$feeds_dir"' EXIT
python3 scripts/bench/article-feeds.py "$BENCH_CORPUS" "$feeds_dir" --articles "$N" --feeds "$FEEDS" --reuse >&2
npm run --silent build >&2
cargo build --release -p sift-app >&2
section=$(in_session_bus node scripts/bench/app-import.mjs "$CARGO_TARGET_DIR/release/sift-app" --rss-dir "$feeds_dir" --idle-wait 0 \
    ${APP_ARTICLES_SHOTS:+--shots "$APP_ARTICLES_SHOTS"})
echo "$section"
# Headline for the history and the README (scripts/bench.sh).
python3 scripts/bench/app-headline.py "$N" "$section"
