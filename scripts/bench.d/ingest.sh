#!/usr/bin/env bash
# Ingestion (owner: ingest): `sift bench ingest` serves INGEST_ARTICLES news-sized articles
# over INGEST_FEEDS RSS feeds from loopback and times fetch, parse + sanitize and store on
# their own, the refresh as a whole (target ≥ 2,000 articles/s), the search index, embedding
# with the hashing embedder, and all of it as `sift refresh` runs it. Prints the Markdown
# section for docs/BENCHMARKS.md on stdout (progress on stderr).
#
#   scripts/bench.d/ingest.sh                      (or: make bench BENCH=ingest)
#   INGEST_ARTICLES=5000 INGEST_FEEDS=10 scripts/bench.d/ingest.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
ARTICLES=${INGEST_ARTICLES:-20000}
cargo build --release --bin sift >&2
section=$("$CARGO_TARGET_DIR/release/sift" bench ingest \
    --feeds "${INGEST_FEEDS:-40}" --articles "$ARTICLES" --runs "${INGEST_RUNS:-3}")
echo "$section"
# Headline for the history and the README (scripts/bench.sh): articles/s of a stage, from the
# seconds of its median run (column 4) or slowest run (column 5).
rate() {
    echo "$section" | awk -F'|' -v row="$1" -v n="$ARTICLES" -v col="$2" '{ c = $2; gsub(/^ +| +$|\*/, "", c) }
        c == row { printf "%.0f", n / $col; exit }'
}
refresh="refresh: fetch + parse + sanitize + store"
median=$(rate "$refresh" 4)
met=$([ "${median:-0}" -ge 2000 ] && echo met || echo "not met")
echo
echo "<!-- summary: ${ARTICLES} articles, fetch + parse + sanitize + store ${median}/s (slowest run $(rate "$refresh" 5)/s; target ≥ 2000/s: ${met}), whole \`sift refresh\` $(rate '`sift refresh` whole: refresh, then index ∥ embed' 4)/s -->"
