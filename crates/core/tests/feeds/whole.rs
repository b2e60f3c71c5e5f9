//! Whole articles from a summary-only feed, against a loopback server: the feed is seen as
//! truncated, switching it on fetches and extracts the linked pages under the feed fetcher's
//! bounds, a failing page keeps the feed's text with the reason, refreshes keep the whole
//! text, and search finds words that only the whole article has.

use sift_core::engine::{ArticleFilter, SearchMode, SearchQuery};
use sift_core::Engine;

use crate::fetching::quick_settings;
use crate::server::{fixture, Response, TestServer};

/// Three teasers linking to /post/lighthouse, /post/bees and /post/gone (a 404).
fn teaser_feed(server: &TestServer) -> Vec<u8> {
    let items: String = [
        ("lighthouse", "The lighthouse keeper's last season", "The old lighthouse on the point has had a keeper for 140 years… Read more"),
        ("bees", "How a village keeps its bees alive through winter", "Twelve families share a cooperative in the hills… Read more"),
        ("gone", "A page that disappeared", "This one will not be found… Read more"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (slug, title, teaser))| {
        format!(
            "<item><title>{title}</title><link>{link}</link><guid>{link}</guid>\
             <pubDate>Tue, 0{d} Mar 2024 10:00:00 GMT</pubDate><description>{teaser}</description></item>",
            link = server.url(&format!("/post/{slug}")),
            d = i + 1,
        )
    })
    .collect();
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Coastal Notes</title>
        <link>{}</link>{items}</channel></rss>"#,
        server.url("/")
    )
    .into_bytes()
}

fn serve(server: &TestServer) {
    server.route(
        "/feed.xml",
        Response::ok("application/rss+xml", teaser_feed(server)),
    );
    for slug in ["lighthouse", "bees"] {
        server.route(
            &format!("/post/{slug}"),
            Response::ok(
                "text/html; charset=utf-8",
                fixture(&format!("whole/{slug}.html")),
            ),
        );
    }
    server.route("/post/gone", Response::new(404, "not here"));
}

#[tokio::test]
async fn a_summary_only_feed_turns_into_whole_articles_when_switched_on() {
    let server = TestServer::start();
    serve(&server);
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open_with_settings(dir.path(), quick_settings()).unwrap();
    let feed = engine.subscribe(&server.url("/feed.xml")).await.unwrap();
    engine.refresh_all(|_| {}).await.unwrap();

    let summary = engine.feeds().unwrap().remove(0);
    assert!(
        summary.looks_truncated,
        "teasers ending in Read more are noticed"
    );
    assert!(!summary.full_text);
    assert!(
        server.requests_to("/post/lighthouse").is_empty(),
        "nothing fetched before the switch"
    );
    let words = |text: &str| SearchQuery {
        text: text.to_string(),
        mode: SearchMode::Words,
        limit: None,
    };
    assert!(engine.search(&words("fresnel")).unwrap().is_empty());

    let report = engine
        .set_full_text(&feed.id.to_string(), true)
        .await
        .unwrap();
    assert_eq!((report.fetched, report.failed), (2, 1), "{report:?}");
    assert!(report.errors[0].contains("404"), "{:?}", report.errors);
    assert!(engine.feeds().unwrap()[0].full_text);

    let articles = engine.articles(&ArticleFilter::default()).unwrap();
    let by_title = |t: &str| articles.iter().find(|a| a.title.starts_with(t)).unwrap();
    let lighthouse = by_title("The lighthouse");
    let html = lighthouse.content_html.as_deref().unwrap();
    assert!(
        html.contains("great Fresnel lens") && html.contains("enough for any man"),
        "{html}"
    );
    assert!(
        !html.contains("Popular") && !html.contains("Cookies") && !html.contains("tracker"),
        "{html}"
    );
    assert!(
        html.contains(&server.url("/images/lens.jpg")),
        "relative URLs resolved: {html}"
    );
    let whole = lighthouse.whole.as_ref().unwrap();
    assert!(whole.error.is_none() && whole.url == server.url("/post/lighthouse"));
    let bees = by_title("How a village");
    assert!(bees
        .content_html
        .as_deref()
        .unwrap()
        .contains("sheep's wool"));
    // The failure keeps the feed's own text and says why.
    let gone = by_title("A page that");
    assert!(gone
        .content_html
        .as_deref()
        .unwrap()
        .contains("will not be found"));
    assert!(gone
        .whole
        .as_ref()
        .unwrap()
        .error
        .as_deref()
        .unwrap()
        .contains("404"));

    // The page was asked for like a feed: the same honest user agent.
    let request = &server.requests_to("/post/lighthouse")[0];
    assert!(request.header("user-agent").unwrap().starts_with("Sift/"));

    // Search sees the whole text at once.
    let hits = engine.search(&words("fresnel prisms")).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, lighthouse.id);
    assert!(
        hits[0].snippet_html.contains("<mark>"),
        "{}",
        hits[0].snippet_html
    );

    // A refresh that repeats the teasers keeps the whole articles and fetches no page again.
    engine.refresh_all(|_| {}).await.unwrap();
    let again = engine.article(lighthouse.id).unwrap();
    assert!(again.content_html.unwrap().contains("great Fresnel lens"));
    assert_eq!(server.requests_to("/post/lighthouse").len(), 1);
    assert_eq!(
        server.requests_to("/post/gone").len(),
        1,
        "a failed page is not retried each refresh"
    );
}

#[tokio::test]
async fn pages_are_bounded_like_feeds() {
    let server = TestServer::start();
    server.route(
        "/feed.xml",
        Response::ok("application/rss+xml", teaser_feed(&server)),
    );
    // Larger than the test settings' 64 KiB body cap; and not a web page at all.
    server.route(
        "/post/lighthouse",
        Response::ok("text/html", vec![b'a'; 100 * 1024]),
    );
    server.route(
        "/post/bees",
        Response::ok("application/pdf", b"%PDF-1.4".to_vec()),
    );
    server.route("/post/gone", Response::redirect(302, "/post/gone"));
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open_with_settings(dir.path(), quick_settings()).unwrap();
    let feed = engine.subscribe(&server.url("/feed.xml")).await.unwrap();
    engine.refresh_all(|_| {}).await.unwrap();
    let report = engine
        .set_full_text(&feed.id.to_string(), true)
        .await
        .unwrap();
    assert_eq!((report.fetched, report.failed), (0, 3), "{report:?}");
    let all = report.errors.join("\n");
    assert!(all.contains("bytes"), "size cap: {all}");
    assert!(all.contains("not a web page"), "content type: {all}");
    assert!(
        all.contains("redirected too many times"),
        "redirect loop: {all}"
    );
    for a in engine.articles(&ArticleFilter::default()).unwrap() {
        assert!(
            a.content_html.is_some_and(|h| h.contains("Read more")),
            "never emptied"
        );
    }
}

/// A link is the feed author's choice: links of a feed on the public internet must not
/// make Sift send requests into the reader's own network (routers, printers, metadata
/// endpoints). Here the feed says it lives on a public address while its links point at
/// loopback: no page is requested, and each article says why it kept the feed's text.
#[tokio::test]
async fn links_of_a_public_feed_never_reach_the_local_network() {
    let server = TestServer::start();
    serve(&server);
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open_with_settings(dir.path(), quick_settings()).unwrap();
    let feed = engine.subscribe(&server.url("/feed.xml")).await.unwrap();
    engine.refresh_all(|_| {}).await.unwrap();
    // As if fetched from a public host (an address literal: no DNS needed).
    let mut record = engine.store().get_feed(feed.id).unwrap().unwrap();
    record.url = "http://93.184.216.34/feed.xml".to_string();
    engine.store().update_feed(&record).unwrap();

    let report = engine
        .set_full_text(&feed.id.to_string(), true)
        .await
        .unwrap();
    assert_eq!((report.fetched, report.failed), (0, 3), "{report:?}");
    assert!(
        report.errors.iter().all(|e| e.contains("local network")),
        "{:?}",
        report.errors
    );
    for slug in ["lighthouse", "bees", "gone"] {
        assert!(
            server.requests_to(&format!("/post/{slug}")).is_empty(),
            "/post/{slug} was requested"
        );
    }
    for a in engine.articles(&ArticleFilter::default()).unwrap() {
        let whole = a.whole.expect("tried");
        assert!(whole.error.is_some_and(|e| e.contains("local network")));
        assert!(a.content_html.is_some_and(|h| h.contains("Read more")));
    }
}
