#!/usr/bin/env bash
# Embedding: Sift's embedder against a bare ONNX Runtime reference (same run), the memory of
# Sift's embedder in each session setup, and the peak memory of `sift refresh` embedding 600
# full articles. EMBEDDING_BENCH_ARGS adds arguments to the bench (e.g. `--quick --reps 3`);
# REFRESH_RUNS sets the refresh runs (default 3).
set -euo pipefail
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086 # word splitting of the extra arguments is wanted
cargo bench -p sift-core --bench embedding -- --corpus "$BENCH_CORPUS" --out "$out" ${EMBEDDING_BENCH_ARGS:-} >&2
echo "### Throughput against a bare ONNX Runtime session"
echo
cat "$out"
echo
echo "### Memory of \`sift refresh\`"
echo
cargo build --release -p sift-cli >&2
scripts/bench/refresh-memory.sh "$CARGO_TARGET_DIR/release/sift" "${REFRESH_RUNS:-3}"
