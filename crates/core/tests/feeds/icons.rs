//! Feed icons against a loopback server: looked for once, through the feed fetcher's
//! bounds, checked to be an image, capped in size, stored and served from the store.

use std::sync::Arc;

use sift_core::engine::FeedSelection;
use sift_core::feeds::icon::MAX_ICON_BYTES;
use sift_core::Engine;

use crate::fetching::quick_settings;
use crate::server::{Response, TestServer};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0";

fn atom(icon: Option<&str>) -> String {
    let icon = icon
        .map(|i| format!("<icon>{i}</icon>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
        <title>Icons</title><id>urn:icons</id><updated>2024-03-06T12:00:00Z</updated>{icon}
        <entry><title>One</title><id>urn:1</id><updated>2024-03-06T12:00:00Z</updated>
        <link href="http://icons.test/1"/><summary>one</summary></entry></feed>"#
    )
}

fn engine() -> (tempfile::TempDir, Arc<Engine>) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open_with_settings(dir.path(), quick_settings())
        .unwrap()
        .with_embedder(Arc::new(sift_core::embed::HashingEmbedder::default()));
    (dir, Arc::new(engine))
}

#[tokio::test]
async fn a_declared_icon_is_fetched_once_stored_and_served_from_the_store() {
    let server = TestServer::start();
    server.route(
        "/feed.xml",
        Response::ok("application/atom+xml", atom(Some("/img/icon.png"))),
    );
    // The server calls it text/html: the bytes decide.
    server.route("/img/icon.png", Response::ok("text/html", PNG));
    let (_dir, engine) = engine();
    let feed = engine.subscribe(&server.url("/feed.xml")).await.unwrap();
    assert!(!engine.feeds().unwrap()[0].icon);

    let first = engine.ingest(FeedSelection::All, |_| {}).await.unwrap();
    assert_eq!(first.icons.found, 1);
    assert_eq!(server.requests_to("/img/icon.png").len(), 1);
    let icon = engine.feed_icon(feed.id).unwrap().expect("stored");
    assert_eq!(icon.mime_type, "image/png");
    assert_eq!(icon.bytes, PNG);
    assert_eq!(icon.source, server.url("/img/icon.png"));
    assert!(engine.feeds().unwrap()[0].icon);

    // Later refreshes and every read of it ask nobody.
    engine.ingest(FeedSelection::All, |_| {}).await.unwrap();
    for _ in 0..3 {
        engine.feeds().unwrap();
        engine.feed_icon(feed.id).unwrap().unwrap();
    }
    assert_eq!(server.requests_to("/img/icon.png").len(), 1);
    assert!(server.requests_to("/favicon.ico").is_empty());

    // Unsubscribing removes it.
    engine.unsubscribe(&feed.id.to_string()).unwrap();
    assert_eq!(engine.feed_icon(feed.id).unwrap(), None);
}

#[tokio::test]
async fn without_a_declared_icon_the_sites_favicon_is_used_and_bad_ones_are_refused() {
    let server = TestServer::start();
    server.route(
        "/feed.xml",
        Response::ok("application/atom+xml", atom(None)),
    );
    server.route(
        "/other.xml",
        Response::ok("application/atom+xml", atom(Some("/big.png"))),
    );
    server.route(
        "/html.xml",
        Response::ok("application/atom+xml", atom(Some("/page"))),
    );
    let ico = [0u8, 0, 1, 0, 1, 0, 16, 16, 0, 0];
    server.route("/favicon.ico", Response::ok("image/x-icon", ico.to_vec()));
    let mut big = PNG.to_vec();
    big.resize(MAX_ICON_BYTES + 1, 0);
    server.route("/big.png", Response::ok("image/png", big));
    server.route(
        "/page",
        Response::ok("image/png", "<!doctype html><p>not an image"),
    );
    let (_dir, engine) = engine();
    let plain = engine.subscribe(&server.url("/feed.xml")).await.unwrap();
    let oversized = engine.subscribe(&server.url("/other.xml")).await.unwrap();
    let html = engine.subscribe(&server.url("/html.xml")).await.unwrap();

    let report = engine.ingest(FeedSelection::All, |_| {}).await.unwrap();
    assert_eq!(report.icons.found, 3, "{:?}", engine.feed_icons().unwrap());
    assert_eq!(
        engine.feed_icon(plain.id).unwrap().unwrap().mime_type,
        "image/x-icon"
    );
    // An oversized or non-image declared icon falls back to the favicon.
    for feed in [oversized.id, html.id] {
        let icon = engine.feed_icon(feed).unwrap().unwrap();
        assert_eq!(icon.source, server.url("/favicon.ico"), "feed {feed}");
    }
    assert_eq!(server.requests_to("/big.png").len(), 1);
    assert_eq!(server.requests_to("/page").len(), 1);
}

#[tokio::test]
async fn a_feed_without_any_icon_is_recorded_and_not_asked_again_at_each_refresh() {
    let server = TestServer::start();
    server.route(
        "/feed.xml",
        Response::ok("application/atom+xml", atom(None)),
    );
    let (_dir, engine) = engine();
    engine.subscribe(&server.url("/feed.xml")).await.unwrap();
    let first = engine.ingest(FeedSelection::All, |_| {}).await.unwrap();
    assert_eq!((first.icons.found, first.icons.missing), (0, 1));
    let status = &engine.feed_icons().unwrap()[0];
    assert_eq!(status.status, "missing");
    assert!(
        status.error.as_deref().unwrap().contains("404"),
        "{status:?}"
    );
    engine.ingest(FeedSelection::All, |_| {}).await.unwrap();
    assert_eq!(server.requests_to("/favicon.ico").len(), 1);
    assert!(!engine.feeds().unwrap()[0].icon);
}
