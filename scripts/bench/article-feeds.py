#!/usr/bin/env python3
"""Writes RSS feeds of full-length news articles for memory and throughput benchmarks.

    scripts/bench/article-feeds.py CORPUS OUT_DIR [--articles 600] [--feeds 6] [--reuse]

Each article is a dozen consecutive same-topic AG News stories (title + description, one
paragraph each): ~600 tokens, well past the embedder's 256-token cap, like a real article.
The feeds carry the body as content:encoded with a short description, as news sites do.
Deterministic: the same corpus gives byte-identical feeds. The test split makes 633 articles;
--reuse goes round the corpus again for more, each later round starting one story further on,
so every article is a different run of stories (and a different text to embed).
"""
import argparse
import csv
import html
import os
from email.utils import formatdate

STORIES_PER_ARTICLE = 12


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("out_dir")
    ap.add_argument("--articles", type=int, default=600)
    ap.add_argument("--feeds", type=int, default=6)
    ap.add_argument("--reuse", action="store_true", help="go round the corpus again for more articles")
    args = ap.parse_args()

    by_class = {}
    with open(args.corpus, newline="", encoding="utf-8") as f:
        for label, title, description in csv.reader(f):
            by_class.setdefault(label, []).append(
                (title, description.replace("\\", " "))
            )
    classes = sorted(by_class)
    needed = args.articles * STORIES_PER_ARTICLE
    available = sum(len(v) for v in by_class.values())
    if needed > available and not args.reuse:
        raise SystemExit(f"{args.corpus}: {available} stories, {needed} needed (--reuse goes round again)")

    articles = []
    offsets = {c: 0 for c in classes}
    while len(articles) < args.articles:
        c = classes[len(articles) % len(classes)]
        pool = by_class[c]
        start = offsets[c]
        offsets[c] += STORIES_PER_ARTICLE
        if start + STORIES_PER_ARTICLE > len(pool) and not args.reuse:
            raise SystemExit("corpus exhausted for one class")
        # Round 0 reads the stories in order; each later round one story further on.
        shift = start // len(pool)
        stories = [pool[(start + shift + k) % len(pool)] for k in range(STORIES_PER_ARTICLE)]
        articles.append(stories)

    os.makedirs(args.out_dir, exist_ok=True)
    per_feed = -(-args.articles // args.feeds)
    base_time = 1_767_225_600  # 2026-01-01T00:00:00Z
    for feed in range(args.feeds):
        items = []
        for n, stories in enumerate(articles[feed * per_feed : (feed + 1) * per_feed]):
            i = feed * per_feed + n
            title = stories[0][0]
            body = "".join(
                f"<h2>{html.escape(t)}</h2><p>{html.escape(d)}</p>" for t, d in stories
            )
            items.append(
                f"""<item>
<title>{html.escape(title)}</title>
<link>http://127.0.0.1/articles/{i}</link>
<guid isPermaLink="false">bench-article-{i}</guid>
<pubDate>{formatdate(base_time + i * 600, usegmt=True)}</pubDate>
<description>{html.escape(html.escape(stories[0][1]))}</description>
<content:encoded><![CDATA[{body}]]></content:encoded>
</item>"""
            )
        rss = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>Bench feed {feed}</title>
<link>http://127.0.0.1/</link>
<description>Full-length articles for benchmarks</description>
{chr(10).join(items)}
</channel>
</rss>
"""
        with open(os.path.join(args.out_dir, f"feed{feed}.xml"), "w", encoding="utf-8") as f:
            f.write(rss)


if __name__ == "__main__":
    main()
