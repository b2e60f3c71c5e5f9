#!/usr/bin/env bash
# Embedding: Sift's embedder against a bare ONNX Runtime reference (same run), and the peak
# memory of `sift refresh` embedding 600 full articles.
set -euo pipefail
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cargo bench -p sift-core --bench embedding -- --corpus "$BENCH_CORPUS" --out "$out" >&2
echo "### Throughput against a bare ONNX Runtime session"
echo
cat "$out"
echo
echo "### Memory of \`sift refresh\`"
echo
cargo build --release -p sift-cli >&2
scripts/bench/refresh-memory.sh "$CARGO_TARGET_DIR/release/sift" 3
