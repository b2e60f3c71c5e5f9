#!/usr/bin/env bash
# Embedding: Sift's embedder against a bare ONNX Runtime reference (same run), the memory of
# Sift's embedder in each session setup, and the peak memory of `sift refresh` embedding 600
# full articles. EMBEDDING_BENCH_ARGS adds arguments to the bench (e.g. `--quick --reps 3`);
# REFRESH_RUNS sets the measured refresh runs (default 2, after one that derives the optimised model).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export BENCH_CORPUS=${BENCH_CORPUS:-$PWD/../shared/data/ag_news/test.csv}
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
memory=$(scripts/bench/refresh-memory.sh "$CARGO_TARGET_DIR/release/sift" "${REFRESH_RUNS:-2}")
echo "$memory"
# Headline for the history and the README (scripts/bench.sh): each workload's median ratio
# and the refresh's median peak, with their targets.
python3 - "$out" "$memory" <<'PY'
import re, sys
throughput, memory = open(sys.argv[1]).read(), sys.argv[2]
ratios = re.findall(r"^\| (\w+) \| [\d.]+ \| [\d.]+ \| \*\*([\d.]+)\*\* \|", throughput, re.M)
peak = re.search(r"^\| peak RSS MB \| \d+ \| \*\*(\d+)\*\*", memory, re.M)
met = lambda ok: "met" if ok else "not met"
parts = []
if ratios:
    parts.append(f"Sift / bare ONNX Runtime {', '.join(f'{w} {r}' for w, r in ratios)}"
                 f" (target ≥ 0.95: {met(all(float(r) >= 0.95 for _, r in ratios))})")
if peak:
    parts.append(f"`sift refresh` of 600 full articles peak {peak.group(1)} MB"
                 f" (target ≤ 300: {met(int(peak.group(1)) <= 300)})")
print(f"\n<!-- summary: {'; '.join(parts)} -->")
PY
