#!/usr/bin/env python3
"""The headline (`<!-- summary: ... -->`) of an app benchmark section printed by
scripts/bench/app-import.mjs: memory right after the import and settled, and the median of each
timing in the window, with their targets. Usage: app-headline.py ARTICLES SECTION"""
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
