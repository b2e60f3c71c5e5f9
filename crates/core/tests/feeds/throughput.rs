//! Ingestion rate on loopback: fetch + parse + sanitize + store, no embedding.
//! `cargo test -p sift-core --release --test feeds -- --ignored --nocapture throughput`

use std::time::Instant;

use sift_core::Engine;

use crate::server::{Response, TestServer};

fn big_feed(feed: usize, items: usize) -> Vec<u8> {
    let paragraph = "<p>Sift fetches feeds, cleans their HTML with an allow-list and stores every \
        article once. <a href=\"/more\">Read more</a> about <em>ranking</em>, <strong>clusters</strong> \
        and the <code>learner</code>. <img src=\"img/chart.png\" alt=\"a chart\"></p>";
    let body = paragraph.repeat(6);
    let items: String = (0..items)
        .map(|i| {
            format!(
                "<item><title>Feed {feed} article {i}: a realistic headline of some length</title>\
                 <link>http://bench.test/{feed}/{i}</link><guid>bench-{feed}-{i}</guid>\
                 <pubDate>Tue, 05 Mar 2024 10:{:02}:00 GMT</pubDate><author>a@b.test (Writer)</author>\
                 <description><![CDATA[{paragraph}]]></description>\
                 <content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><![CDATA[{body}]]></content:encoded></item>",
                i % 60
            )
        })
        .collect();
    format!(r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Bench {feed}</title><link>http://bench.test/</link>{items}</channel></rss>"#).into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check; run with --ignored --nocapture"]
async fn throughput() {
    const FEEDS: usize = 20;
    const ITEMS: usize = 100;
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let settings = sift_core::feeds::FeedSettings {
        max_per_host: 8,
        ..Default::default()
    };
    let engine = Engine::open_with_settings(dir.path(), settings).unwrap();
    let mut bytes = 0;
    for f in 0..FEEDS {
        let path = format!("/bench{f}.xml");
        let body = big_feed(f, ITEMS);
        bytes += body.len();
        server.route(&path, Response::ok("application/rss+xml", body));
        engine.subscribe(&server.url(&path)).await.unwrap();
    }
    let started = Instant::now();
    let report = engine.refresh_all(|_| {}).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(report.new_articles, FEEDS * ITEMS);
    println!(
        "ingested {} articles ({:.1} MB of feeds) in {:.2} s: {:.0} articles/s",
        report.new_articles,
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        report.new_articles as f64 / elapsed.as_secs_f64()
    );
    let started = Instant::now();
    let again = engine.refresh_all(|_| {}).await.unwrap();
    println!(
        "re-refresh without validators (all known, dedup only): {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(again.new_articles, 0);
}
