#!/usr/bin/env bash
# The whole app's memory before, during and after a 10,000-article import, and how fast views
# switch and cards answer while it embeds (the release app under Xvfb, driven through
# tauri-driver; scripts/bench/app-import.mjs says how). APP_IMPORT_ARTICLES / APP_IMPORT_FEEDS
# change the size.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export BENCH_CORPUS=${BENCH_CORPUS:-$PWD/../shared/data/ag_news/test.csv}
# The checkout's models/ unless chosen otherwise (a release build never looks in the checkout).
export SIFT_MODEL_DIR="${SIFT_MODEL_DIR:-$PWD/models}"
npm run --silent build >&2
cargo build --release -p sift-app >&2
section=$(node scripts/bench/app-import.mjs "$CARGO_TARGET_DIR/release/sift-app" \
    --articles "${APP_IMPORT_ARTICLES:-10000}" --feeds "${APP_IMPORT_FEEDS:-10}" --corpus "$BENCH_CORPUS")
echo "$section"
# Headline for the history and the README (scripts/bench.sh): memory right after the import
# and settled, and the median of each timing in the window, with their targets.
python3 - "${APP_IMPORT_ARTICLES:-10000}" "$section" <<'PY'
import re, sys
articles, section = sys.argv[1], sys.argv[2]
def memory(moment):
    row = re.search(r"^\| " + moment + r"[^|]* \| \**(\d+)\** \| \**(\d+)\** \|", section, re.M)
    return (int(row.group(1)), int(row.group(2))) if row else None
after, settled = memory("right after the import"), memory(r"\d+ s later")
met = lambda ok: "met" if ok else "not met"
parts = []
for label, m in (("right after", after), ("settled", settled)):
    if m:
        parts.append(f"{label} {m[0]} / {m[1]} MB (target ≤ 400 / ≤ 150: {met(m[0] <= 400 and m[1] <= 150)})")
medians = re.findall(r"^\| (switch to [^|]+|answer a card[^|]*) \| \d+ \| \d+ \| \*\*(\d+)\*\* \|", section, re.M)
if medians:
    slow = [int(m) for _, m in medians if int(m) >= 100]
    short = lambda name: "a card answered" if name.startswith("answer") else name[len("switch to "):].strip()
    parts.append("while embedding, median ms " + ", ".join(f"{short(name)} {m}" for name, m in medians)
                 + f" (target < 100: {met(not slow)})")
print(f"\n<!-- summary: {articles} articles, whole app / sift-app PSS {'; '.join(parts)} -->")
PY
