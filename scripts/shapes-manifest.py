#!/usr/bin/env python3
"""Writes tests/fixtures/shapes/MANIFEST.tsv: what a forgiving reference parser reads from
each fixture, so the Rust test can measure how much of it Sift reads.

The reference is Python feedparser 6 (for XML) and a plain JSON check (feedparser 6 has no
JSON Feed support): `pip install feedparser==6.0.12` into any virtualenv, then run
`python scripts/shapes-manifest.py` from the repo root. Files the reference does not recognise
as a feed at all are not fixtures and should be deleted, not listed.

Columns: path (relative to tests/fixtures/shapes), format (feedparser's version string or
"json"), class ("valid": read without complaint; "illformed": read, but flagged bozo), the
number of entries the reference reads, and whether it found a feed title (1/0).
"""
import json
import os
import sys
import warnings

import feedparser

warnings.filterwarnings("ignore")
ROOT = os.path.join("tests", "fixtures", "shapes")

# Where the reference is wrong, corrected by hand (path: (entries, why)).
SSE_NESTED = (17, "feedparser also counts the <item> copy inside an <sx:conflict> block")
OVERRIDES = {
    "rome/rome-modules/xml/ep/ep1_v4a.xml": SSE_NESTED,
    "rome/rome-modules/xml/ep/ep2_v4a.xml": SSE_NESTED,
    "rome/rome-modules/xml/v/v4.xml": SSE_NESTED,
    "rome/rome-modules/xml/v/v5.xml": SSE_NESTED,
    "rome/rome-modules/xml/v/v6.xml": SSE_NESTED,
}
SKIP = ("README.md", "MANIFEST.tsv")


def reference(path):
    data = open(path, "rb").read()
    if path.endswith(".json"):
        try:
            doc = json.loads(data)
        except ValueError:
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
            return None
        title = isinstance(doc.get("title"), str) and doc["title"].strip() != ""
        return ("json", "valid", len(doc["items"]), title)
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version"):
        return None
    title = bool(parsed.feed.get("title", "").strip())
    klass = "illformed" if parsed.bozo else "valid"
    return (parsed.version, klass, len(parsed.entries), title)


def main():
    rows, not_feeds = [], []
    for directory, _, files in os.walk(ROOT):
        for name in files:
            if name in SKIP or name.startswith(("LICENSE", "NOTICE")):
                continue
            path = os.path.join(directory, name)
            rel = os.path.relpath(path, ROOT)
            found = reference(path)
            if found is None:
                not_feeds.append(rel)
            else:
                fmt, klass, entries, title = found
                if rel in OVERRIDES:
                    entries = OVERRIDES[rel][0]
                rows.append(f"{rel}\t{fmt}\t{klass}\t{entries}\t{int(title)}")
    rows.sort()
    with open(os.path.join(ROOT, "MANIFEST.tsv"), "w") as out:
        out.write("# path\tformat\tclass\tentries\ttitle  (written by scripts/shapes-manifest.py)\n")
        out.write("\n".join(rows) + "\n")
    print(f"{len(rows)} fixtures listed")
    if not_feeds:
        print("not feeds (delete them):", *not_feeds, sep="\n  ", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
