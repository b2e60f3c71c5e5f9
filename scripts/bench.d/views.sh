#!/usr/bin/env bash
# Views over a large store (owner: corpus): `sift generate-store` builds a store of
# VIEWS_ARTICLES articles over VIEWS_FEEDS feeds (default 100,000 over 500; hashing vectors,
# real store I/O), then `sift bench views` times the reading views on it and prints the
# Markdown section for docs/BENCHMARKS.md on stdout (progress goes to stderr).
#
#   scripts/bench.d/views.sh                      (or: make bench BENCH=views)
#   VIEWS_ARTICLES=20000 VIEWS_FEEDS=200 scripts/bench.d/views.sh
#
# The store is generated afresh each run (into a temporary directory), so its layout and
# bytes per article are this build's.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
ARTICLES=${VIEWS_ARTICLES:-100000}
FEEDS=${VIEWS_FEEDS:-500}
RUNS=${VIEWS_RUNS:-7}

cargo build --release --bin sift >&2
SIFT=$CARGO_TARGET_DIR/release/sift
STORE=$(mktemp -d "${TMPDIR:-/tmp}/sift-views-XXXXXX")
trap 'rm -rf "$STORE"' EXIT

"$SIFT" --data-dir "$STORE" generate-store --articles "$ARTICLES" --feeds "$FEEDS" >&2
section=$("$SIFT" --data-dir "$STORE" bench views --runs "$RUNS")
echo "$section"
# Headline figures for the history table (scripts/bench.sh): the medians of a few rows.
median() {
    echo "$section" | awk -F'|' -v row="$1" '{ c = $2; gsub(/^ +| +$/, "", c) }
        index(c, row) == 1 { gsub(/ /, "", $5); print $5; exit }'
}
# Each against its target: ≤ 1000 ms for the cold start, ≤ 100 for the others.
verdict() {
    awk -v c="$1" -v w="$2" -v m="$3" -v r="$4" 'BEGIN {
        found = c != "" && w != "" && m != "" && r != ""
        print (found && c <= 1000 && w <= 100 && m <= 100 && r <= 100) ? "met" : "not met" }'
}
cold=$(median 'cold start, CLI')
warm=$(median 'For you (warm)')
map=$(median 'map (warm)')
map_first=$(median 'map, first call')
rate=$(median 'rate and rerank')
echo
echo "<!-- summary: ${ARTICLES} articles, medians: cold CLI to For you ${cold} ms, For you warm ${warm} ms, map warm ${map} ms, map first call in a process ${map_first} ms, rate and rerank ${rate} ms (targets ≤ 1000 / ≤ 100 ms: $(verdict "$cold" "$warm" "$map" "$rate")) -->"
