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
cargo build --release --bin sift >&2
"$CARGO_TARGET_DIR/release/sift" bench ingest \
    --feeds "${INGEST_FEEDS:-40}" --articles "${INGEST_ARTICLES:-20000}" --runs "${INGEST_RUNS:-3}"
