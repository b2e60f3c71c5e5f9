#!/usr/bin/env bash
# `make bench`: runs every benchmark in scripts/bench.d/ and writes docs/BENCHMARKS.md.
#
#   scripts/bench.sh              every benchmark
#   scripts/bench.sh embedding    only scripts/bench.d/embedding.sh (the other sections stay)
#
# Adding a benchmark: put an executable scripts/bench.d/NAME.sh that prints one Markdown
# section on stdout (progress on stderr) and exits 0. Its output replaces what lies between
# `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in docs/BENCHMARKS.md (the markers are
# appended if the file has none yet). This script adds the date, commit and machine to each
# section it writes and to the report's header; the section itself says its command, its
# reference and min / median / max, because the machine is shared and noisy: only ratios
# against a reference measured in the same run mean anything.
#
# Scripts run from the repository root with CARGO_TARGET_DIR exported and BENCH_CORPUS set
# (the AG News CSV, default ../shared/data/ag_news/test.csv).
#
# Headline: every section ends with one line `<!-- summary: HEADLINE FIGURES -->` (medians,
# each with its target and whether it is met). Each run adds a row (date, commit, section,
# those figures) at the top of the table between `<!-- bench:history -->` markers, so earlier
# runs stay readable beside the new one (the before/after of a change is two rows of the same
# section); and the README's "Measured" table (between `<!-- bench:measured -->` markers) is
# written again from the headline of every section in the report, run now or earlier.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
export BENCH_CORPUS=${BENCH_CORPUS:-$REPO/../shared/data/ag_news/test.csv}
REPORT=docs/BENCHMARKS.md
if [ ! -f "$BENCH_CORPUS" ]; then
    echo "bench: no AG News corpus at $BENCH_CORPUS (set BENCH_CORPUS to test.csv)" >&2
    exit 1
fi

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in scripts/bench.d/*.sh; do
        n=$(basename "$f" .sh)
        names+=("$n")
    done
fi

machine() {
    local cpu cores mem
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
    cores=$(nproc)
    mem=$(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo)
    echo "${cpu:-unknown CPU}, ${cores} cores, ${mem} RAM, $(uname -sr)"
}

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
now=$(date -u '+%Y-%m-%d %H:%M UTC')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
for name in "${names[@]}"; do
    script=scripts/bench.d/$name.sh
    if [ ! -x "$script" ]; then
        echo "bench: no executable $script" >&2
        status=1
        continue
    fi
    echo "bench: $name ..." >&2
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    if "$script" >"$tmp/$name.md"; then
        {
            echo
            echo "_Measured ${now} at ${commit}${dirty}; $(machine); load average at start ${load}._"
            echo
            cat "$tmp/$name.md"
            echo
        } >"$tmp/$name.section"
    else
        echo "bench: $name failed; its section in $REPORT is left as it was" >&2
        status=1
    fi
done

# Splice the sections and the header in (Python: the one portable tool here that edits
# between markers without quoting trouble).
python3 - "$REPORT" "$tmp" "$now" "$commit$dirty" "$(machine)" "${names[@]}" <<'PY'
import os, re, sys
report, tmp, now, commit, machine, *names = sys.argv[1:]
text = open(report).read() if os.path.exists(report) else "# Benchmarks\n"

def splice(text, name, body):
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    block = f"{start}\n{body.strip()}\n{end}"
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    return text.rstrip("\n") + "\n\n" + block + "\n"

written = []
for name in names:
    path = os.path.join(tmp, name + ".section")
    if os.path.exists(path):
        text = splice(text, name, open(path).read())
        written.append(name)
if written:
    header = (f"Last `make bench`: {now} at {commit} on {machine}; "
              f"sections written: {', '.join(written)}.")
    text = splice(text, "frame", header)

# One history row per section run that says its headline figures, newest first.
HISTORY_HEAD = ["| run (UTC) | commit | section | headline figures |", "|---|---|---|---|"]
rows = []
for name in written:
    section = open(os.path.join(tmp, name + ".section")).read()
    found = re.search(r"^<!-- summary: (.*?) -->\s*$", section, re.M)
    if found:
        summary = found.group(1).replace("|", "/")
        rows.append(f"| {now} | {commit} | {name} | {summary} |")
if rows:
    block = re.search(r"<!-- bench:history -->(.*?)<!-- /bench:history -->", text, re.S)
    old_rows = [l for l in (block.group(1).splitlines() if block else [])
                if l.startswith("| ") and not l.startswith("| run (UTC)")]
    text = splice(text, "history", "\n".join(HISTORY_HEAD + rows + old_rows[:60]))
open(report, "w").write(text)

# The README's table: one row per section of the report, in the report's order, from the
# section's heading, when it was measured and its headline.
def anchor(heading):
    # GitHub's: lower case, punctuation dropped, spaces to hyphens.
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")

table = ["| benchmark | headline figures (medians) | measured | reproduce |", "|---|---|---|---|"]
for found in re.finditer(r"<!-- bench:([\w-]+) -->(.*?)<!-- /bench:\1 -->", text, re.S):
    name, body = found.group(1), found.group(2)
    if name in ("frame", "history"):
        continue
    headings = re.findall(r"^## (.+)$", text[: found.start()], re.M)
    heading = headings[-1].strip() if headings else name
    summary = re.search(r"^<!-- summary: (.*?) -->\s*$", body, re.M)
    when = re.search(r"^_Measured (\d{4}-\d\d-\d\d) [\d:]+ UTC at (\w+)", body, re.M)
    if summary:
        figures = summary.group(1).replace("|", "/")
    elif when:
        figures = "that run printed no headline: see the section"
    else:
        figures = "not yet measured by `make bench`"
    measured = f"{when.group(1)} at {when.group(2)}" if when else ""
    link = f"[{heading}](docs/BENCHMARKS.md#{anchor(heading)})"
    table.append(f"| {link} | {figures} | {measured} | `make bench BENCH={name}` |")
readme_path = "README.md"
readme = open(readme_path).read()
if "<!-- bench:measured -->" in readme:
    open(readme_path, "w").write(splice(readme, "measured", "\n".join(table)))
PY
echo "bench: wrote $REPORT and README.md's Measured table" >&2
exit $status
