#!/usr/bin/env bash
# Peak RSS and time of `sift refresh` fetching and embedding full-length articles from a
# loopback server, into a fresh store each run. Prints a Markdown table (progress on stderr).
#
#   scripts/bench/refresh-memory.sh [SIFT_BIN] [RUNS]
#
# Env: BENCH_CORPUS (AG News CSV), BENCH_ARTICLES (default 600).
# Target (issue 10): peak RSS ≤ 300 MB for 600 full articles.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The checkout's models/ unless chosen otherwise (Sift never looks in the current directory).
export SIFT_MODEL_DIR="${SIFT_MODEL_DIR:-$PWD/models}"
SIFT=${1:-${CARGO_TARGET_DIR:-target}/release/sift}
RUNS=${2:-3}
ARTICLES=${BENCH_ARTICLES:-600}
CORPUS=${BENCH_CORPUS:-../shared/data/ag_news/test.csv}
[ -x "$SIFT" ] || { echo "refresh-memory: no $SIFT (cargo build --release -p sift-cli)" >&2; exit 1; }

work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

feeds=6
python3 scripts/bench/article-feeds.py "$CORPUS" "$work/feeds" --articles "$ARTICLES" --feeds "$feeds"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/feeds" "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/feed0.xml')" 2>/dev/null && break
    sleep 0.1
done

# Sift keeps an optimised copy of the model in its cache directory, derived by the first
# load and reused after that (crates/core/src/embed/derived.rs): a cache of its own, so the
# first run here derives it (reported apart) and the measured runs reuse it, as every
# refresh after a user's first does.
export XDG_CACHE_HOME="$work/cache"
first_peak=""
first_wall=""
peaks=()
secs=()
for run in $(seq 0 "$RUNS"); do
    data="$work/data$run"
    for f in $(seq 0 $((feeds - 1))); do
        "$SIFT" --data-dir "$data" subscribe "http://127.0.0.1:$port/feed$f.xml" --json >/dev/null
    done
    /usr/bin/time -v -o "$work/time$run" "$SIFT" --data-dir "$data" refresh --json >"$work/out$run.json"
    embedded=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['embedded'])" "$work/out$run.json")
    if [ "$embedded" != "$ARTICLES" ]; then
        echo "refresh-memory: run $run embedded $embedded articles, expected $ARTICLES" >&2
        exit 1
    fi
    peak=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); printf "%.0f", $2 / 1024}' "$work/time$run")
    wall=$(awk '/Elapsed \(wall clock\)/ {n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s}' "$work/time$run")
    echo "  run $run: peak ${peak} MB, ${wall} s" >&2
    if [ "$run" = 0 ]; then
        first_peak=$peak
        first_wall=$wall
        [ -f "$XDG_CACHE_HOME/sift/derived-model/all-MiniLM-L6-v2-int8/derived.txt" ] ||
            echo "refresh-memory: the first run left no optimised copy of the model" >&2
        continue
    fi
    peaks+=("$peak")
    secs+=("$wall")
done

python3 - "$ARTICLES" "${peaks[*]}" "${secs[*]}" "$first_peak" "$first_wall" <<'PY'
import statistics, sys
n = int(sys.argv[1])
peaks = [float(x) for x in sys.argv[2].split()]
secs = [float(x) for x in sys.argv[3].split()]
first_peak, first_wall = float(sys.argv[4]), float(sys.argv[5])
med = statistics.median
print(f"`sift refresh` of {n} full-length articles (6 RSS feeds on a loopback server, "
      f"fresh store each run, release build; `scripts/bench/refresh-memory.sh`, "
      f"peak from `/usr/bin/time -v`), {len(peaks)} runs with Sift's optimised copy of the model "
      f"already derived (every refresh after the first), min / median / max:\n")
print("| | min | median | max | target |")
print("|---|---:|---:|---:|---|")
print(f"| peak RSS MB | {min(peaks):.0f} | **{med(peaks):.0f}** | {max(peaks):.0f} | ≤ 300 "
      f"({'met' if med(peaks) <= 300 else 'not met'}; ratio to target {med(peaks) / 300:.2f}) |")
print(f"| wall time s (fetch + store + embed) | {min(secs):.1f} | **{med(secs):.1f}** | {max(secs):.1f} | |")
rates = [n / s for s in secs]
print(f"| articles/s end to end | {min(rates):.1f} | **{med(rates):.1f}** | {max(rates):.1f} | |")
print(f"\nThe first refresh with an empty cache, which derives the optimised copy of the model "
      f"(a session built from the model file, saved, then the session built from the copy): "
      f"peak {first_peak:.0f} MB, {first_wall:.1f} s.")
PY
