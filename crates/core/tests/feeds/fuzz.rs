//! Fuzzing what strangers send: feed bytes (parse + sanitize), OPML files and the HTML pages
//! autodiscovery reads. Properties: no panic anywhere (also none that `parse_feed` catches
//! inside feed-rs), no hang, output bounded by the input (memory).
//!
//! Inputs are real documents (the fixtures) with random edits drawn from a dictionary of
//! the tokens parsers trip on, or raw random bytes. Every file under tests/fixtures/fuzz/ is
//! a crash found earlier and is replayed on every run.
//!
//! Short run (what `cargo test` does): 256 cases per target, the same ones every run. Longer,
//! from a new seed each time:
//! `make fuzz` (`PROPTEST_CASES=20000 cargo test --release -p sift-core --test feeds fuzz`).

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};

use sift_core::feeds::article::prepare_article;
use sift_core::feeds::discover::{candidates, MAX_CANDIDATES};
use sift_core::feeds::opml::parse_opml;
use sift_core::feeds::parse::{parse_feed, MAX_ENTRIES};
use sift_core::feeds::sanitize::{html_to_text, sanitize_html};

use crate::server::fixtures_dir;

/// Inputs are kept under this size; the limits scale with it.
const MAX_INPUT: usize = 64 * 1024;
/// One case taking longer than this is a hang (a quadratic walk, a loop).
const HANG: Duration = Duration::from_secs(10);

/// Tokens that make parsers take unusual paths.
const DICTIONARY: &[&[u8]] = &[
    b"<",
    b">",
    b"/>",
    b"</",
    b"&",
    b"&amp;",
    b"&nbsp;",
    b"&#0;",
    b"&#x110000;",
    b"&#xD800;",
    b"&unknown;",
    b"\"",
    b"'",
    b"=",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>",
    b"<?xml version=\"1.0\" encoding=\"utf-16\"?>",
    b"<?xml version=\"1.0\" encoding=\"x-no-such\"?>",
    b"<!DOCTYPE r [<!ENTITY a \"&b;&b;&b;&b;\"><!ENTITY b \"xxxxxxxx\">]>",
    b"<rss>",
    b"<rss version=\"9\">",
    b"</rss>",
    b"<channel>",
    b"</channel>",
    b"<item>",
    b"</item>",
    b"<entry>",
    b"</entry>",
    b"<feed xmlns=\"http://purl.org/atom/ns#\">",
    b"<feed xmlns=\"http://www.w3.org/2005/Atom\">",
    b"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">",
    b"<content type=\"application/octet-stream\">",
    b"<content type=\"text/html\" mode=\"base64\">",
    b"<content mode=\"xml\">",
    b"<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">",
    b"<summary type=\"application/xhtml+xml\">",
    b"<title type=\"\">",
    b"<link href=\"javascript:alert(1)\"/>",
    b"<enclosure url=\"http://x/a.mp3\" length=\"-1\" type=\"audio\"/>",
    b"<pubDate>Mon, 99 Foo 2024 25:61:61 +9999</pubDate>",
    b"<img src=x onerror=alert(1)>",
    b"<svg><image href=\"http://t/p.gif\"/></svg>",
    b"<script>alert(1)</script>",
    b"<a href=\" java\tscript:x\">",
    b"\x00",
    b"\xFF\xFE",
    b"\xFE\xFF",
    b"\xEF\xBB\xBF",
    b"\xC3",
    b"\xE9",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"version\": 1",
    b"\"items\": {}",
    b"\"title\": null",
    b"\"attachments\": [{}]",
    b"<outline>",
    b"</outline>",
    b"<outline text=\"x\" xmlUrl=\"http://x.example/f\"/>",
    b"<outline type=\"rss\" url=\"file:///etc/passwd\"/>",
    b"<body>",
    b"<opml version=\"2.0\">",
    b"<link rel=\"alternate\" type=\"application/rss+xml\" href=\"",
    b"<base href=\"",
    b"//evil.example/feed",
    b"<noscript>",
    b"<template>",
];

thread_local! {
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Counts every panic on this thread, caught or not (`parse_feed` catches feed-rs's).
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.set(p.get() + 1));
            previous(info);
        }));
    });
}

/// Runs `check` and fails the case if anything panicked inside it or it took too long.
fn guarded(input: &[u8], check: impl FnOnce()) -> Result<(), TestCaseError> {
    count_panics();
    PANICS.with(|p| p.set(0));
    let started = Instant::now();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check));
    let took = started.elapsed();
    let panics = PANICS.with(Cell::get);
    if outcome.is_err() || panics > 0 {
        return Err(TestCaseError::fail(format!(
            "{panics} panic(s) on input {:?}",
            String::from_utf8_lossy(input)
        )));
    }
    if took > HANG {
        return Err(TestCaseError::fail(format!(
            "took {took:?} on {} bytes",
            input.len()
        )));
    }
    Ok(())
}

fn read_dir_files(dir: PathBuf) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.is_file())
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|b| b.len() <= MAX_INPUT)
        .collect()
}

/// Feed documents to mutate: the classic fixtures and a spread of the shape fixtures.
fn feed_seeds() -> Vec<Vec<u8>> {
    let mut seeds = read_dir_files(fixtures_dir().join("feeds"));
    seeds.retain(|s| !s.starts_with(b"<!doctype html"));
    let shapes = fixtures_dir().join("shapes");
    for sub in [
        "sift",
        "feedjira",
        "gofeed/json",
        "gofeed/universal",
        "feedparser/wellformed/atom10",
        "feedparser/wellformed/rss",
        "feedparser/encoding",
        "feedparser/illformed",
        "rome/rome",
    ] {
        // Every seventh file keeps the seed set varied and small.
        seeds.extend(read_dir_files(shapes.join(sub)).into_iter().step_by(7));
    }
    seeds
}

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
    Byte(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), 0..DICTIONARY.len()).prop_map(|(at, t)| Edit::Insert(at, t)),
        2 => (any::<usize>(), 1usize..64).prop_map(|(at, n)| Edit::Delete(at, n)),
        1 => (any::<usize>(), 1usize..256).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Byte(at, b)),
    ]
}

fn apply(mut doc: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = doc.len();
        let at = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
        match *edit {
            Edit::Insert(i, t) => {
                let i = at(i);
                doc.splice(i..i, DICTIONARY[t].iter().copied());
            }
            Edit::Delete(i, n) => {
                let i = at(i);
                doc.drain(i..(i + n).min(len));
            }
            Edit::Duplicate(i, n) => {
                let i = at(i);
                let copy: Vec<u8> = doc[i..(i + n).min(len)].to_vec();
                doc.splice(i..i, copy);
            }
            Edit::Truncate(i) => doc.truncate(at(i)),
            Edit::Byte(i, b) => {
                if len > 0 {
                    doc[i % len] = b;
                }
            }
        }
    }
    doc.truncate(MAX_INPUT);
    doc
}

/// A seed with 1–12 edits, or (one time in eight) random bytes.
fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let seeds = std::sync::Arc::new(seeds);
    prop_oneof![
        7 => (0..seeds.len(), prop::collection::vec(edit(), 1..12))
            .prop_map(move |(s, edits)| apply(seeds[s].clone(), &edits)),
        1 => prop::collection::vec(any::<u8>(), 0..2048),
    ]
}

/// The seed of `cargo test`'s short run.
const SHORT_RUN_SEED: u64 = 0x51F7_F022;

fn runner() -> TestRunner {
    // PROPTEST_CASES sets the number of cases (256 by default); failures are reported with
    // the input, which goes into tests/fixtures/fuzz/ once understood. The short run that
    // `cargo test` (and CI) does draws the same cases every time, so a test run passes or
    // fails for what the code does; `make fuzz` (PROPTEST_CASES) explores from a new seed
    // each run, and PROPTEST_RNG_SEED picks one.
    let mut config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none()
        && std::env::var_os("PROPTEST_RNG_SEED").is_none()
    {
        config.rng_seed = RngSeed::Fixed(SHORT_RUN_SEED);
    }
    TestRunner::new(config)
}

/// Feed bytes → entries → articles, with everything bounded by the input.
fn check_feed(input: &[u8]) -> Result<(), TestCaseError> {
    let mut outcome = Ok(());
    guarded(input, || {
        let Ok(feed) = parse_feed(input, "https://fuzz.example/feed") else {
            return;
        };
        let mut total = feed.title.as_ref().map_or(0, String::len);
        if feed.entries.len() > MAX_ENTRIES {
            outcome = Err(TestCaseError::fail("more entries than the cap"));
        }
        for entry in &feed.entries {
            let article = prepare_article(entry);
            total += article.title.len()
                + article.text.len()
                + article.content_html.as_ref().map_or(0, String::len)
                + article.summary.as_ref().map_or(0, String::len);
        }
        // Memory: what comes out grows at most linearly with what came in (entity expansion
        // and the like would break this).
        let bound = 16 * input.len() + 64 * 1024;
        if total > bound {
            outcome = Err(TestCaseError::fail(format!(
                "{total} bytes out of {} in",
                input.len()
            )));
        }
    })?;
    outcome
}

fn check_html_for_sanitizer(input: &[u8]) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(input);
    let mut outcome = Ok(());
    guarded(input, || {
        let base = url::Url::parse("https://fuzz.example/post/1").unwrap();
        let clean = sanitize_html(&text, Some(&base));
        let plain = html_to_text(&clean);
        if clean.len() > 16 * text.len() + 1024 || plain.len() > clean.len() + text.len() + 16 {
            outcome = Err(TestCaseError::fail("sanitizer output out of proportion"));
        }
        if let Some(active) = active_content(&clean) {
            outcome = Err(TestCaseError::fail(format!("{active} kept in {clean}")));
        }
    })?;
    outcome
}

/// The first thing in `html` (as a browser tokenizes it) that could run code: a script-like
/// element, an event handler attribute, or a script URL in a link or source.
fn active_content(html: &str) -> Option<String> {
    use html5ever::tokenizer::{
        BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
    };
    use std::cell::RefCell;

    #[derive(Default)]
    struct Sink(RefCell<Option<String>>);
    impl TokenSink for Sink {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            let Token::TagToken(tag) = token else {
                return TokenSinkResult::Continue;
            };
            if tag.kind != TagKind::StartTag || self.0.borrow().is_some() {
                return TokenSinkResult::Continue;
            }
            let name = tag.name.to_ascii_lowercase();
            let found = if matches!(
                name.as_str(),
                "script" | "style" | "iframe" | "object" | "embed" | "frame" | "base" | "meta"
            ) {
                Some(format!("<{name}>"))
            } else {
                tag.attrs.iter().find_map(|a| {
                    let key = a.name.local.to_ascii_lowercase();
                    let value: String = a
                        .value
                        .chars()
                        .filter(|c| !c.is_whitespace() && !c.is_control())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    let script_url = ["javascript:", "vbscript:", "data:text/html"]
                        .iter()
                        .any(|s| value.starts_with(s));
                    (key.starts_with("on") || script_url).then(|| format!("{key}={value:?}"))
                })
            };
            *self.0.borrow_mut() = found;
            TokenSinkResult::Continue
        }
    }
    let tokenizer = Tokenizer::new(Sink::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(html.into());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

fn check_opml(input: &[u8]) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(input);
    let mut outcome = Ok(());
    guarded(input, || {
        if let Ok(import) = parse_opml(&text, "fuzz.opml") {
            let outlines = text.to_ascii_lowercase().matches("outline").count();
            if import.feeds.len() + import.skipped.len() > outlines {
                outcome = Err(TestCaseError::fail("more results than outlines"));
            }
            if import.feeds.iter().any(|f| !f.url.starts_with("http")) {
                outcome = Err(TestCaseError::fail("a non-http feed was imported"));
            }
        }
    })?;
    outcome
}

fn check_discovery_page(input: &[u8]) -> Result<(), TestCaseError> {
    let mut outcome = Ok(());
    guarded(input, || {
        let page = url::Url::parse("https://fuzz.example/blog/").unwrap();
        let found = candidates(input, &page);
        let unique: std::collections::HashSet<&String> = found.iter().collect();
        if found.len() > MAX_CANDIDATES
            || unique.len() != found.len()
            || found
                .iter()
                .any(|u| !u.starts_with("http://") && !u.starts_with("https://"))
        {
            outcome = Err(TestCaseError::fail(format!("bad candidates {found:?}")));
        }
    })?;
    outcome
}

/// The crashes found so far, replayed every run.
fn regressions(kind: &str) -> Vec<Vec<u8>> {
    read_dir_files(fixtures_dir().join("fuzz").join(kind))
}

#[test]
fn fuzz_feed_parsing_and_sanitizing() {
    for input in regressions("feed") {
        check_feed(&input).unwrap();
    }
    runner()
        .run(&mutated(feed_seeds()), |input| check_feed(&input))
        .unwrap();
}

#[test]
fn fuzz_sanitizer() {
    let mut seeds = regressions("html");
    seeds.extend(read_dir_files(fixtures_dir().join("feeds")));
    for input in regressions("html") {
        check_html_for_sanitizer(&input).unwrap();
    }
    runner()
        .run(&mutated(seeds), |input| check_html_for_sanitizer(&input))
        .unwrap();
}

#[test]
fn fuzz_opml_import() {
    let mut seeds = regressions("opml");
    seeds.extend(read_dir_files(fixtures_dir().join("opml")));
    for input in regressions("opml") {
        check_opml(&input).unwrap();
    }
    runner()
        .run(&mutated(seeds), |input| check_opml(&input))
        .unwrap();
}

#[test]
fn fuzz_autodiscovery_html() {
    let mut seeds = regressions("html");
    seeds.push(std::fs::read(fixtures_dir().join("feeds/site.html")).unwrap());
    for input in regressions("html") {
        check_discovery_page(&input).unwrap();
    }
    runner()
        .run(&mutated(seeds), |input| check_discovery_page(&input))
        .unwrap();
}
