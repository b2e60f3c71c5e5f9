//! The Engine's feeds API end to end against a loopback server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sift_core::embed::HashingEmbedder;
use sift_core::engine::ArticleFilter;
use sift_core::engine::{IngestEvent, RefreshStatus, Scheduler};
use sift_core::feeds::FeedSettings;
use sift_core::{Engine, Error};

use crate::fetching::quick_settings;
use crate::server::{fixture, Response, TestServer};

fn engine_with(settings: FeedSettings) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open_with_settings(dir.path(), settings).unwrap();
    (dir, engine)
}

fn engine() -> (tempfile::TempDir, Engine) {
    engine_with(quick_settings())
}

/// An RSS feed whose items link to `link_prefix`N, N in `items`.
fn rss(title: &str, link_prefix: &str, items: std::ops::Range<usize>, body: &str) -> Vec<u8> {
    let items: String = items
        .map(|i| {
            format!(
                "<item><title>{title} item {i}</title><link>{link_prefix}{i}</link>\
                 <guid>{link_prefix}{i}</guid><pubDate>Tue, 0{d} Mar 2024 10:00:00 GMT</pubDate>\
                 <description>{body} {i}</description></item>",
                d = 1 + i % 9
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>
        <link>http://example.test/</link>{items}</channel></rss>"#
    )
    .into_bytes()
}

#[tokio::test]
async fn subscribe_by_site_url_uses_autodiscovery() {
    let server = TestServer::start();
    server.route(
        "/",
        Response::ok("text/html; charset=utf-8", fixture("feeds/site.html")),
    );
    server.route(
        "/feeds/atom.xml",
        Response::ok("application/atom+xml", fixture("feeds/atom10.xml")),
    );
    let (_dir, engine) = engine();
    let feed = engine.subscribe(&server.url("/")).await.unwrap();
    assert_eq!(feed.url, server.url("/feeds/atom.xml"));
    assert_eq!(feed.title, "Example Blog");
    assert_eq!(feed.site_url.as_deref(), Some("http://example.org/blog/"));

    // The same feed again, by its own URL or by the site's, is refused clearly.
    for url in [server.url("/feeds/atom.xml"), server.url("/")] {
        let err = engine.subscribe(&url).await.unwrap_err();
        assert!(
            err.to_string().starts_with("already subscribed to"),
            "{err}"
        );
    }
    assert_eq!(engine.feeds().unwrap().len(), 1);
}

#[tokio::test]
async fn subscribe_falls_back_to_common_feed_paths() {
    let server = TestServer::start();
    server.route(
        "/",
        Response::ok(
            "text/html",
            "<html><head><title>No links</title></head></html>",
        ),
    );
    server.route(
        "/feed.json",
        Response::ok("application/feed+json", fixture("feeds/jsonfeed11.json")),
    );
    let (_dir, engine) = engine();
    let feed = engine.subscribe(&server.url("/")).await.unwrap();
    assert_eq!(feed.url, server.url("/feed.json"));
    assert_eq!(feed.title, "My JSON Feed");
}

#[tokio::test]
async fn subscribe_to_something_that_is_no_feed_fails_clearly() {
    let server = TestServer::start();
    server.route(
        "/page",
        Response::ok("text/html", "<html><body>nothing here</body></html>"),
    );
    // A wrong content type does not make HTML a feed.
    server.route(
        "/fake.rss",
        Response::ok(
            "application/rss+xml",
            "<html><body>not xml feed</body></html>",
        ),
    );
    let (_dir, engine) = engine();
    let err = engine.subscribe(&server.url("/page")).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "no feed found at {}: it is not a feed and links to none",
            server.url("/page")
        )
    );
    let err = engine
        .subscribe(&server.url("/fake.rss"))
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("no feed found at"), "{err}");
    server.route(
        "/note.xml",
        Response::ok("application/xml", r#"<?xml version="1.0"?><note>hi</note>"#),
    );
    let err = engine
        .subscribe(&server.url("/note.xml"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("is not a feed Sift can read"),
        "{err}"
    );
    let err = engine.subscribe(&server.url("/gone")).await.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
    assert!(engine.feeds().unwrap().is_empty());
}

#[tokio::test]
async fn refresh_twice_the_second_is_all_not_modified() {
    let server = TestServer::start();
    server.route_conditional(
        "/a.xml",
        "application/rss+xml",
        rss("A", "http://a.test/", 0..3, "alpha"),
        "\"a1\"",
        "Wed, 06 Mar 2024 12:00:00 GMT",
    );
    // A feed served as text/plain still parses: the content decides, not the label.
    server.route_conditional(
        "/b.xml",
        "text/plain",
        fixture("feeds/rss20-latin1.xml"),
        "\"b1\"",
        "Wed, 06 Mar 2024 12:00:00 GMT",
    );
    let (_dir, engine) = engine();
    engine.subscribe(&server.url("/a.xml")).await.unwrap();
    engine.subscribe(&server.url("/b.xml")).await.unwrap();

    let calls = AtomicUsize::new(0);
    let first = engine
        .refresh_all(|p| {
            calls.fetch_add(1, Ordering::SeqCst);
            assert_eq!(p.total, 2);
        })
        .await
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(
        first.feeds.iter().all(|f| f.status == RefreshStatus::Ok),
        "{first:?}"
    );
    assert_eq!(first.new_articles, 5);
    assert_eq!(first.new_article_ids().len(), 5);

    let second = engine.refresh_all(|_| {}).await.unwrap();
    assert!(
        second
            .feeds
            .iter()
            .all(|f| f.status == RefreshStatus::NotModified),
        "{second:?}"
    );
    assert_eq!(second.new_articles, 0);
    assert_eq!(engine.articles(&ArticleFilter::default()).unwrap().len(), 5);
    let feeds = engine.feeds().unwrap();
    assert!(feeds
        .iter()
        .all(|f| f.status == "not_modified" && f.error.is_none() && f.last_fetched.is_some()));
    assert_eq!(feeds.iter().map(|f| f.article_count).sum::<usize>(), 5);
    assert_eq!(
        server
            .requests_to("/a.xml")
            .last()
            .unwrap()
            .header("if-none-match"),
        Some("\"a1\"")
    );
}

#[tokio::test]
async fn one_bad_feed_never_stops_the_others_and_failures_back_off() {
    let server = TestServer::start();
    server.route(
        "/good.xml",
        Response::ok(
            "application/rss+xml",
            rss("Good", "http://good.test/", 0..2, "fine"),
        ),
    );
    let (_dir, engine) = engine();
    engine.subscribe(&server.url("/good.xml")).await.unwrap();
    // Subscribe while they work, then break them.
    for path in [
        "/404.xml",
        "/500.xml",
        "/slow.xml",
        "/loop.xml",
        "/garbage.xml",
        "/huge.xml",
    ] {
        server.route(
            path,
            Response::ok("application/rss+xml", fixture("feeds/rss091.xml")),
        );
        engine.subscribe(&server.url(path)).await.unwrap();
    }
    server.route("/404.xml", Response::new(404, "gone"));
    server.route("/500.xml", Response::new(500, "oops"));
    server.route(
        "/slow.xml",
        Response::ok("application/rss+xml", "<rss/>").delay(Duration::from_secs(20)),
    );
    server.route("/loop.xml", Response::redirect(302, "/loop.xml"));
    server.route(
        "/garbage.xml",
        Response::ok("application/rss+xml", "\u{0}\u{1} definitely not xml"),
    );
    server.route(
        "/huge.xml",
        Response::ok("application/rss+xml", vec![b' '; 100 * 1024]),
    );

    let report = engine.refresh_all(|_| {}).await.unwrap();
    assert_eq!(report.feeds.len(), 7, "every feed appears");
    assert_eq!(report.feeds[0].status, RefreshStatus::Ok);
    assert_eq!(report.feeds[0].new_articles, 2);
    let expected = [
        "404",
        "500",
        "did not answer",
        "redirected too many times",
        "not a feed Sift can read",
        "more than 65536 bytes",
    ];
    for (result, expect) in report.feeds[1..].iter().zip(expected) {
        assert_eq!(result.status, RefreshStatus::Error, "{result:?}");
        let error = result.error.as_deref().unwrap();
        assert!(
            error.contains(expect) && error.contains(&result.url),
            "{error} should say {expect}"
        );
    }
    let feeds = engine.feeds().unwrap();
    assert_eq!(feeds.iter().filter(|f| f.status == "error").count(), 6);
    assert!(feeds[1].error.as_deref().unwrap().contains("404"));

    // The scheduler's pass skips the failing feeds while they back off.
    let due = engine.refresh_due(|_| {}).await.unwrap();
    assert_eq!(due.feeds.len(), 1);
    assert_eq!(due.feeds[0].url, server.url("/good.xml"));
    // A manual refresh tries everything again; a recovered feed is healthy at once.
    server.route(
        "/404.xml",
        Response::ok(
            "application/rss+xml",
            rss("Back", "http://back.test/", 0..1, "again"),
        ),
    );
    let again = engine.refresh_all(|_| {}).await.unwrap();
    assert_eq!(again.feeds[1].status, RefreshStatus::Ok);
    let back = &engine.feeds().unwrap()[1];
    assert_eq!((back.status.as_str(), back.error.as_deref()), ("ok", None));
    let due = engine.refresh_due(|_| {}).await.unwrap();
    assert_eq!(due.feeds.len(), 2);
}

#[tokio::test]
async fn updated_entries_change_in_place_and_shared_links_are_stored_once() {
    let server = TestServer::start();
    let version = Arc::new(AtomicUsize::new(1));
    let v = version.clone();
    server.handle("/live.xml", move |_| {
        let body = if v.load(Ordering::SeqCst) == 1 {
            "first draft"
        } else {
            "corrected text"
        };
        Response::ok(
            "application/rss+xml",
            rss("Live", "http://shared.test/post", 0..2, body),
        )
    });
    // Another feed carrying the same two articles (same links, other guids are the links).
    server.route(
        "/mirror.xml",
        Response::ok(
            "application/rss+xml",
            rss("Mirror", "http://shared.test/post", 0..2, "mirror copy"),
        ),
    );
    let (_dir, engine) = engine();
    let live = engine.subscribe(&server.url("/live.xml")).await.unwrap();
    engine.refresh_all(|_| {}).await.unwrap();
    let mirror = engine.subscribe(&server.url("/mirror.xml")).await.unwrap();
    let report = engine.refresh_all(|_| {}).await.unwrap();
    assert_eq!(report.new_articles, 0, "{report:?}");
    let all = engine.articles(&ArticleFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|a| a.feed_id == live.id));
    assert_eq!(
        engine
            .articles(&ArticleFilter {
                feed: Some(mirror.id),
                ..Default::default()
            })
            .unwrap()
            .len(),
        2
    );

    version.store(2, Ordering::SeqCst);
    let report = engine.refresh_all(|_| {}).await.unwrap();
    assert_eq!(report.new_articles, 0);
    assert_eq!(report.feeds[0].updated_articles, 2);
    let all = engine.articles(&ArticleFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|a| a.summary.as_deref().unwrap().starts_with("corrected text")),
        "{all:?}"
    );

    // Unsubscribing the first feed hands the shared articles to the mirror.
    engine.unsubscribe(&live.id.to_string()).unwrap();
    let all = engine.articles(&ArticleFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|a| a.feed_id == mirror.id));
}

#[tokio::test]
async fn articles_are_newest_first_filtered_and_sanitized() {
    let server = TestServer::start();
    server.route(
        "/h.xml",
        Response::ok("application/rss+xml", fixture("feeds/hostile.xml")),
    );
    server.route(
        "/a.xml",
        Response::ok(
            "application/rss+xml",
            rss("A", "http://a.test/", 0..5, "alpha"),
        ),
    );
    let (_dir, engine) = engine();
    let hostile = engine.subscribe(&server.url("/h.xml")).await.unwrap();
    let a = engine.subscribe(&server.url("/a.xml")).await.unwrap();
    engine.refresh_all(|_| {}).await.unwrap();

    let all = engine.articles(&ArticleFilter::default()).unwrap();
    assert_eq!(all.len(), 6);
    let dates: Vec<_> = all.iter().map(|a| a.published.clone().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    assert!(all
        .iter()
        .all(|a| a.rating.is_none() && a.score.is_none() && a.confidence.is_none()));

    let limited = engine
        .articles(&ArticleFilter {
            limit: Some(2),
            feed: Some(a.id),
            unrated: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(limited.len(), 2);
    assert!(limited.iter().all(|x| x.feed_id == a.id));

    let bad = &engine
        .articles(&ArticleFilter {
            feed: Some(hostile.id),
            ..Default::default()
        })
        .unwrap()[0];
    let html = bad.content_html.as_deref().unwrap().to_ascii_lowercase();
    assert!(
        !html.contains("<script") && !html.contains("onerror") && !html.contains("javascript:"),
        "{html}"
    );

    let err = engine
        .articles(&ArticleFilter {
            feed: Some(sift_core::domain::FeedId(999_999)),
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err}");
}

#[tokio::test]
async fn unsubscribe_by_id_or_url_and_unknown_ids() {
    let server = TestServer::start();
    server.route(
        "/a.xml",
        Response::ok(
            "application/rss+xml",
            rss("A", "http://a.test/", 0..3, "alpha"),
        ),
    );
    server.route(
        "/b.xml",
        Response::ok(
            "application/rss+xml",
            rss("B", "http://b.test/", 0..3, "beta"),
        ),
    );
    let (_dir, engine) = engine();
    let a = engine.subscribe(&server.url("/a.xml")).await.unwrap();
    engine.subscribe(&server.url("/b.xml")).await.unwrap();
    engine.refresh_all(|_| {}).await.unwrap();
    assert_eq!(engine.unsubscribe(&a.id.to_string()).unwrap(), a.id);
    let removed = engine.unsubscribe(&server.url("/b.xml")).unwrap();
    assert_ne!(removed, a.id);
    assert!(engine.feeds().unwrap().is_empty());
    assert!(
        engine
            .articles(&ArticleFilter::default())
            .unwrap()
            .is_empty(),
        "unrated articles go with their feed"
    );
    let err = engine.unsubscribe("424242").unwrap_err();
    assert!(err.to_string().contains("424242"), "{err}");
    assert!(engine
        .refresh_feed(sift_core::domain::FeedId(424242))
        .await
        .is_err());
}

#[tokio::test]
async fn limits_hold_per_host_and_globally() {
    let server = TestServer::start();
    let other_host = server.sibling("127.0.0.2");
    let slow = |name: &str| {
        Response::ok(
            "application/rss+xml",
            rss(name, &format!("http://{name}.test/"), 0..1, "x"),
        )
        .delay(Duration::from_millis(150))
    };
    let settings = FeedSettings {
        max_per_host: 2,
        max_concurrent: 3,
        ..quick_settings()
    };
    let (_dir, engine) = engine_with(settings);
    for i in 0..5 {
        let path = format!("/f{i}.xml");
        server.route(&path, slow(&format!("f{i}")));
        engine.subscribe(&server.url(&path)).await.unwrap();
        engine.subscribe(&other_host.url(&path)).await.unwrap();
    }
    let report = engine.refresh_all(|_| {}).await.unwrap();
    assert!(
        report.feeds.iter().all(|f| f.status == RefreshStatus::Ok),
        "{report:?}"
    );
    // The two servers share counters: at most 2 per host, 3 overall.
    let peak = server.peak_concurrency();
    assert!((2..=3).contains(&peak), "peak concurrency {peak}");

    let one_host = TestServer::start();
    let (_dir2, engine) = engine_with(FeedSettings {
        max_per_host: 2,
        max_concurrent: 8,
        ..quick_settings()
    });
    for i in 0..6 {
        let path = format!("/g{i}.xml");
        one_host.route(&path, slow(&format!("g{i}")));
        engine.subscribe(&one_host.url(&path)).await.unwrap();
    }
    engine.refresh_all(|_| {}).await.unwrap();
    assert_eq!(one_host.peak_concurrency(), 2);
}

#[tokio::test]
async fn scheduler_refreshes_in_the_background_until_stopped() {
    let server = TestServer::start();
    server.route(
        "/a.xml",
        Response::ok(
            "application/rss+xml",
            rss("A", "http://a.test/", 0..3, "alpha"),
        ),
    );
    let (_dir, engine) = engine();
    let engine = engine.with_embedder(Arc::new(HashingEmbedder::default()));
    engine.subscribe(&server.url("/a.xml")).await.unwrap();
    let engine = Arc::new(engine);
    let runs = Arc::new(AtomicUsize::new(0));
    let embedded = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let embed_counter = embedded.clone();
    let scheduler = Scheduler::start(
        engine.clone(),
        Duration::from_millis(50),
        move |event| {
            if let IngestEvent::Embedded { done, total } = event {
                if done == total {
                    embed_counter.fetch_add(done, Ordering::SeqCst);
                }
            }
        },
        move |report| {
            assert!(report.is_ok());
            counter.fetch_add(1, Ordering::SeqCst);
        },
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while runs.load(Ordering::SeqCst) < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    scheduler.stop().await;
    let after_stop = runs.load(Ordering::SeqCst);
    assert!(after_stop >= 3, "ran {after_stop} times");
    assert_eq!(engine.articles(&ArticleFilter::default()).unwrap().len(), 3);
    assert_eq!(
        embedded.load(Ordering::SeqCst),
        3,
        "each run goes through the embedding queue, which embeds each article once"
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        after_stop,
        "no runs after stop"
    );
}
