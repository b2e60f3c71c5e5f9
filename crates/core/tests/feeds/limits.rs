//! Limits on what strangers send: autodiscovery candidates and deadline, OPML size and depth.

use std::time::{Duration, Instant};

use sift_core::feeds::discover::{candidates, MAX_CANDIDATES};
use sift_core::feeds::opml::{parse_opml, MAX_FOLDER_DEPTH, MAX_OPML_BYTES};
use sift_core::feeds::{FeedError, FeedSettings};
use sift_core::{Engine, Error};

use crate::fetching::quick_settings;
use crate::server::{Response, TestServer};

fn engine_with(settings: FeedSettings) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open_with_settings(dir.path(), settings).unwrap();
    (dir, engine)
}

fn page_linking(paths: impl Iterator<Item = String>) -> String {
    let links: String = paths
        .map(|p| format!("<link rel=\"alternate\" type=\"application/rss+xml\" href=\"{p}\">\n"))
        .collect();
    format!("<!doctype html><html><head>{links}</head><body></body></html>")
}

#[tokio::test]
async fn autodiscovery_tries_at_most_ten_candidates() {
    let server = TestServer::start();
    server.route(
        "/",
        Response::ok(
            "text/html",
            page_linking((0..40).map(|i| format!("/f{i}.xml"))),
        ),
    );
    let (_dir, engine) = engine_with(quick_settings());
    let err = engine.subscribe(&server.url("/")).await.unwrap_err();
    assert!(err.to_string().starts_with("no feed found at"), "{err}");
    // The page itself, then at most MAX_CANDIDATES candidates (every one a 404).
    let requests = server.requests().len();
    assert!(requests <= 1 + MAX_CANDIDATES, "{requests} requests");
    assert!(engine.feeds().unwrap().is_empty());
}

#[tokio::test]
async fn autodiscovery_has_one_deadline_for_the_whole_subscribe() {
    let server = TestServer::start();
    server.route(
        "/",
        Response::ok(
            "text/html",
            page_linking((0..6).map(|i| format!("/slow{i}.xml"))),
        ),
    );
    for i in 0..6 {
        // Each answers within the per-request timeout, but not all of them in time.
        server.route(
            &format!("/slow{i}"),
            Response::new(404, "").delay(Duration::from_millis(700)),
        );
        server.route(
            &format!("/slow{i}.xml"),
            Response::new(404, "").delay(Duration::from_millis(700)),
        );
    }
    let settings = FeedSettings {
        discover_timeout: Duration::from_millis(1500),
        ..quick_settings()
    };
    let (_dir, engine) = engine_with(settings);
    let started = Instant::now();
    let err = engine.subscribe(&server.url("/")).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(&err, Error::Feed(FeedError::DiscoveryTimeout { .. })),
        "{err:?}"
    );
    assert!(took < Duration::from_millis(3000), "took {took:?}");
}

#[test]
fn candidate_links_are_deduplicated_and_capped() {
    let page = url::Url::parse("https://site.example/").unwrap();
    let same = page_linking(std::iter::repeat_n("/feed.xml".to_string(), 5_000));
    let found = candidates(same.as_bytes(), &page);
    assert_eq!(found[0], "https://site.example/feed.xml");
    let unique: std::collections::HashSet<_> = found.iter().collect();
    assert_eq!(unique.len(), found.len(), "{found:?}");
    assert!(found.len() <= MAX_CANDIDATES);

    // A page of 100,000 distinct links: linear work, at most MAX_CANDIDATES out.
    let many = page_linking((0..100_000).map(|i| format!("/f{i}.xml")));
    let found = candidates(many.as_bytes(), &page);
    assert_eq!(found.len(), MAX_CANDIDATES);
    assert_eq!(found[0], "https://site.example/f0.xml");
}

#[test]
fn deeply_nested_opml_does_not_overflow_the_stack() {
    const DEPTH: usize = 200_000;
    let mut text = String::from("<?xml version=\"1.0\"?><opml version=\"2.0\"><body>");
    for i in 0..DEPTH {
        text.push_str(&format!("<outline text=\"f{i}\">"));
    }
    text.push_str("<outline type=\"rss\" text=\"Deep\" xmlUrl=\"https://deep.example/feed\"/>");
    for _ in 0..DEPTH {
        text.push_str("</outline>");
    }
    text.push_str("</body></opml>");
    assert!(text.len() < MAX_OPML_BYTES);
    // A thread with a small stack, as the app's async workers have.
    let import = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || parse_opml(&text, "deep.opml"))
        .unwrap()
        .join()
        .expect("no stack overflow")
        .unwrap();
    assert_eq!(import.feeds.len(), 1);
    let folder = import.feeds[0].folder.as_deref().unwrap();
    assert_eq!(folder.split('/').count(), MAX_FOLDER_DEPTH);
    assert!(folder.starts_with("f0/f1/"), "{folder}");
}

#[test]
fn oversized_opml_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.opml");
    let mut text = String::from("<?xml version=\"1.0\"?><opml version=\"2.0\"><body>");
    let mut i = 0;
    while text.len() <= MAX_OPML_BYTES {
        text.push_str(&format!(
            "<outline type=\"rss\" text=\"f{i}\" xmlUrl=\"https://f{i}.example/feed\"/>"
        ));
        i += 1;
    }
    text.push_str("</body></opml>");
    std::fs::write(&path, &text).unwrap();

    let err = parse_opml(&text, "huge.opml").unwrap_err();
    assert!(matches!(err, FeedError::OpmlTooLarge { .. }), "{err:?}");
    let (_data, engine) = engine_with(FeedSettings::default());
    let err = engine.import_opml(&path).unwrap_err();
    assert!(err.to_string().contains("too large for an OPML"), "{err}");
    assert!(engine.feeds().unwrap().is_empty());
}

/// Deep nesting inside a feed (a stranger's markup in a description) must not overflow the
/// stack of a worker thread, neither in the parser nor in the repair's walk or the sanitizer,
/// nor make cleaning quadratic.
#[test]
fn deeply_nested_feed_markup_does_not_overflow_the_stack() {
    const DEPTH: usize = 100_000;
    let nested = |open: &str, close: &str| {
        let mut xml = String::from(
            "<rss version=\"2.0\"><channel><title>Deep</title><item><title>t</title><description>",
        );
        xml.push_str(&open.repeat(DEPTH));
        xml.push_str("deep");
        xml.push_str(&close.repeat(DEPTH));
        xml.push_str("</description></item></channel></rss>");
        xml
    };
    let cases = [
        // Well-formed XML nesting, escaped HTML nesting, and unclosed tags the repair closes.
        nested("<div>", "</div>"),
        nested("&lt;div&gt;", "&lt;/div&gt;"),
        nested("<b>", ""),
    ];
    for xml in cases {
        let started = std::time::Instant::now();
        let outcome = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let feed = sift_core::feeds::parse::parse_feed(
                    xml.as_bytes(),
                    "https://deep.example/feed",
                );
                if let Ok(feed) = &feed {
                    for entry in &feed.entries {
                        let _ = sift_core::feeds::article::prepare_article(entry);
                    }
                }
                feed.map(|f| f.entries.len()).map_err(|e| e.to_string())
            })
            .unwrap()
            .join();
        assert!(outcome.is_ok(), "the parse thread died");
        // Not a benchmark: a hang guard. Cleaning 100,000 nested elements took 28 s here
        // before the sanitizer flattened deep markup (about 2 s now, debug build).
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(12), "took {took:?}");
    }
}
