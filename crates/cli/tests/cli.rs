//! The `sift` binary as a new user drives it, against a loopback feed server: the JSON
//! contract of DESIGN.md, errors as one line, a second process, a kill mid-refresh.

mod common;
#[path = "../../core/tests/feeds/server.rs"]
mod server;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{fails, json, sift};
use serde_json::Value;
use server::{fixture, fixtures_dir, Response, TestServer};

/// `sift refresh` running in the background, for tests that act while it works.
fn spawn_refresh(data_dir: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_sift"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["refresh", "--json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sift starts")
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn feed_server() -> TestServer {
    let server = TestServer::start();
    server.route("/", Response::ok("text/html", fixture("feeds/site.html")));
    let date = "Wed, 06 Mar 2024 12:00:00 GMT";
    server.route_conditional(
        "/feeds/atom.xml",
        "application/atom+xml",
        fixture("feeds/atom10.xml"),
        "\"atom-1\"",
        date,
    );
    server.route_conditional(
        "/hostile.xml",
        "application/rss+xml",
        fixture("feeds/hostile.xml"),
        "\"h-1\"",
        date,
    );
    server.route_conditional(
        "/cafe.xml",
        "application/rss+xml",
        fixture("feeds/rss20-latin1.xml"),
        "\"c-1\"",
        date,
    );
    server
}

#[test]
fn a_new_user_subscribes_refreshes_reads_and_moves_opml() {
    let server = feed_server();
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");

    let subscribed = json(&data, &["subscribe", &server.url("/")]);
    assert_eq!(keys(&subscribed), ["feed"]);
    let feed = &subscribed["feed"];
    assert_eq!(keys(feed), ["id", "site_url", "title", "url"]);
    assert_eq!(feed["url"], server.url("/feeds/atom.xml"));
    assert_eq!(feed["title"], "Example Blog");
    let atom_id = feed["id"].as_u64().unwrap();
    json(&data, &["subscribe", &server.url("/hostile.xml")]);
    json(&data, &["subscribe", &server.url("/cafe.xml")]);
    fails(
        &data,
        &["subscribe", &server.url("/hostile.xml")],
        "already subscribed to",
    );

    let first = json(&data, &["refresh"]);
    assert_eq!(keys(&first), ["embedded", "feeds", "new_articles"]);
    assert_eq!(first["new_articles"], 5);
    assert_eq!(
        first["embedded"], 5,
        "the CLI embeds new articles before it returns"
    );
    let results = first["feeds"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for result in results {
        assert_eq!(
            keys(result),
            ["error", "id", "new_articles", "status", "url"]
        );
        assert_eq!(result["status"], "ok");
        assert!(result["error"].is_null());
    }
    assert_eq!(results[0]["url"], server.url("/feeds/atom.xml"));

    let second = json(&data, &["refresh"]);
    assert_eq!(second["new_articles"], 0);
    assert!(
        second["feeds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "not_modified"),
        "{second}"
    );

    let feeds = json(&data, &["feeds"]);
    let feeds = feeds.as_array().unwrap();
    assert_eq!(feeds.len(), 3);
    for f in feeds {
        for key in [
            "id",
            "url",
            "title",
            "site_url",
            "last_fetched",
            "status",
            "error",
            "article_count",
            "liked_ratio",
        ] {
            assert!(f.get(key).is_some(), "feeds entry lacks {key}: {f}");
        }
        assert_eq!(f["status"], "not_modified");
    }
    assert_eq!(
        feeds
            .iter()
            .map(|f| f["article_count"].as_u64().unwrap())
            .sum::<u64>(),
        5
    );

    // The refresh looked for every feed's icon once; none of these sites has one.
    let icons = json(&data, &["icons"]);
    let icons = icons.as_array().unwrap();
    assert_eq!(icons.len(), feeds.len(), "{icons:?}");
    for icon in icons {
        assert_eq!(icon["status"], "missing", "{icon}");
        assert!(
            icon["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{icon}"
        );
    }

    let articles = json(&data, &["articles"]);
    let articles = articles.as_array().unwrap();
    assert_eq!(articles.len(), 5);
    // The contract's fields exactly, plus `enclosures` only where an entry carries media
    // (the two fixtures' podcast episodes, one given relative to xml:base): a player or a
    // link in the reader.
    let mut media: Vec<(String, String)> = articles
        .iter()
        .filter_map(|a| a.get("enclosures"))
        .flat_map(|e| e.as_array().unwrap().clone())
        .map(|e| {
            (
                e["url"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    media.sort();
    assert_eq!(
        media,
        [
            (
                "http://example.org/blog/media/episode1.mp3".to_string(),
                "audio".to_string()
            ),
            (
                "https://cafe-zuerich.example/audio/folge-12.mp3".to_string(),
                "audio".to_string()
            ),
        ]
    );
    for a in articles {
        let mut fields = keys(a);
        fields.retain(|k| k != "enclosures");
        assert_eq!(
            fields,
            [
                "author",
                "confidence",
                "content_html",
                "feed_id",
                "id",
                "link",
                "published",
                "rating",
                "read",
                "saved",
                "score",
                "summary",
                "title"
            ]
        );
        assert!(a["rating"].is_null());
        // Embedded by the refresh, so scored even before any answer (a cold-start prior).
        let score = a["score"].as_f64().expect("embedded articles have a score");
        let confidence = a["confidence"].as_f64().expect("and a confidence");
        assert!((0.0..=1.0).contains(&score) && (0.0..=1.0).contains(&confidence));
        let html = a["content_html"]
            .as_str()
            .unwrap_or("")
            .to_ascii_lowercase();
        assert!(
            !html.contains("<script") && !html.contains("javascript:") && !html.contains("onerror"),
            "{html}"
        );
    }
    let newest = articles[0]["published"].as_str().unwrap();
    assert!(articles
        .iter()
        .all(|a| a["published"].as_str().unwrap() <= newest));
    assert_eq!(
        json(&data, &["articles", "--limit", "2"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let of_atom = json(
        &data,
        &["articles", "--feed", &atom_id.to_string(), "--unrated"],
    );
    assert_eq!(of_atom.as_array().unwrap().len(), 2);
    // Search matches every word of the title, summary or author, in any case.
    let first_title = articles[0]["title"].as_str().unwrap();
    let word = first_title
        .split_whitespace()
        .next()
        .unwrap()
        .to_uppercase();
    let found = json(&data, &["articles", "--search", &word]);
    assert!(found
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["title"] == first_title));
    assert_eq!(
        json(&data, &["articles", "--search", "zzz-no-such-word"]),
        serde_json::json!([])
    );
    assert!(of_atom
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["feed_id"] == atom_id));

    // Text output is for people, and says the same.
    let text = sift(&data, &["articles", "--limit", "1"]);
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains(articles[0]["title"].as_str().unwrap()));

    // OPML round trip into a fresh data dir.
    let opml_path = home.path().join("subs.opml");
    let exported = json(&data, &["export-opml", opml_path.to_str().unwrap()]);
    assert_eq!(exported["feeds"], 3);
    let stdout_opml = sift(&data, &["export-opml"]);
    assert!(String::from_utf8_lossy(&stdout_opml.stdout).contains("<opml version=\"2.0\">"));
    let other = home.path().join("other");
    let imported = json(&other, &["import-opml", opml_path.to_str().unwrap()]);
    assert_eq!(keys(&imported), ["added", "errors", "skipped"]);
    assert_eq!(
        (imported["added"].as_u64(), imported["skipped"].as_u64()),
        (Some(3), Some(0))
    );
    let urls = |dir: &Path| {
        let mut urls: Vec<String> = json(dir, &["feeds"])
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["url"].as_str().unwrap().to_string())
            .collect();
        urls.sort();
        urls
    };
    assert_eq!(urls(&data), urls(&other));
    // The imported feeds are fetched by the next refresh.
    assert_eq!(json(&other, &["refresh"])["new_articles"], 5);

    let removed = json(&data, &["unsubscribe", &atom_id.to_string()]);
    assert_eq!(removed, serde_json::json!({ "removed": atom_id }));
    assert_eq!(json(&data, &["articles"]).as_array().unwrap().len(), 3);
}

#[test]
fn bad_input_ends_in_one_clear_line_and_nothing_is_lost() {
    let server = feed_server();
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    json(&data, &["subscribe", &server.url("/cafe.xml")]);
    json(&data, &["refresh"]);

    fails(
        &data,
        &["unsubscribe", "999999"],
        "no subscribed feed has the id or URL \"999999\"",
    );
    fails(
        &data,
        &["unsubscribe", "http://nowhere.test/feed"],
        "no subscribed feed",
    );
    fails(
        &data,
        &["articles", "--feed", "999999", "--json"],
        "no subscribed feed has the id 999999",
    );
    fails(
        &data,
        &["subscribe", "not a url"],
        "is not a usable feed URL",
    );
    fails(
        &data,
        &["subscribe", &server.url("/missing.xml")],
        "answered HTTP 404",
    );
    let broken = fixtures_dir().join("opml/broken.opml");
    fails(
        &data,
        &["import-opml", broken.to_str().unwrap(), "--json"],
        "is not a valid OPML file",
    );
    fails(
        &data,
        &["import-opml", "/nonexistent.opml"],
        "could not read the OPML file",
    );

    let feeds = json(&data, &["feeds"]);
    assert_eq!(feeds.as_array().unwrap().len(), 1);
    assert_eq!(json(&data, &["articles"]).as_array().unwrap().len(), 2);
}

#[test]
fn a_second_process_is_told_the_store_is_in_use() {
    let server = TestServer::start();
    server.route(
        "/slow.xml",
        Response::ok("application/rss+xml", fixture("feeds/rss091.xml"))
            .delay(Duration::from_secs(2)),
    );
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    json(&data, &["subscribe", &server.url("/slow.xml")]);

    let mut slow = spawn_refresh(&data);
    // Wait until the first process has the store open and is waiting for the server.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while server.requests_to("/slow.xml").len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    fails(
        &data,
        &["feeds", "--json"],
        "is in use by another Sift process",
    );
    assert!(slow.wait().unwrap().success());
    assert_eq!(json(&data, &["articles"]).as_array().unwrap().len(), 3);
}

#[test]
fn killing_a_refresh_midway_leaves_the_store_intact() {
    let server = TestServer::start();
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    for i in 0..12 {
        let path = format!("/f{i}.xml");
        server.route(
            &path,
            Response::ok("application/rss+xml", fixture("feeds/rss091.xml")),
        );
        json(&data, &["subscribe", &server.url(&path)]);
        // Fast for the subscription check, slow (and different per feed) afterwards.
        server.route(
            &path,
            Response::ok("application/rss+xml", fixture("feeds/rss091.xml"))
                .delay(Duration::from_millis(100 * i as u64)),
        );
    }
    let mut child = spawn_refresh(&data);
    std::thread::sleep(Duration::from_millis(450));
    child.kill().unwrap();
    child.wait().unwrap();

    let feeds = json(&data, &["feeds"]);
    assert_eq!(feeds.as_array().unwrap().len(), 12, "subscriptions survive");
    let articles = json(&data, &["articles"]);
    // The 12 feeds carry the same 3 links: at most one copy each, whatever was written.
    assert!(articles.as_array().unwrap().len() <= 3);
    let report = json(&data, &["refresh"]);
    assert!(
        report["feeds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "ok"),
        "{report}"
    );
    assert_eq!(json(&data, &["articles"]).as_array().unwrap().len(), 3);
}

/// A feed of teasers whose links lead to whole articles: `sift feeds` notices it,
/// `sift full-text` fetches the pages, and `sift search` finds them by words (highlighted),
/// by meaning, and as more like another.
#[test]
fn whole_articles_and_search_from_the_cli() {
    let server = TestServer::start();
    let items: String = [
        ("lighthouse", "The lighthouse keeper's last season"),
        ("bees", "How a village keeps its bees alive through winter"),
        ("gone", "A page that disappeared"),
    ]
    .iter()
    .map(|(slug, title)| {
        format!(
            "<item><title>{title}</title><link>{link}</link><guid>{link}</guid>\
             <description>A short teaser… Read more</description></item>",
            link = server.url(&format!("/post/{slug}"))
        )
    })
    .collect();
    server.route(
        "/feed.xml",
        Response::ok(
            "application/rss+xml",
            format!(r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Coastal</title>{items}</channel></rss>"#),
        ),
    );
    for slug in ["lighthouse", "bees"] {
        server.route(
            &format!("/post/{slug}"),
            Response::ok("text/html", fixture(&format!("whole/{slug}.html"))),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    json(data, &["subscribe", &server.url("/feed.xml")]);
    json(data, &["refresh"]);
    let feeds = json(data, &["feeds"]);
    assert_eq!(feeds[0]["looks_truncated"], true);
    assert_eq!(feeds[0]["full_text"], false);

    let report = json(data, &["full-text", &server.url("/feed.xml"), "on"]);
    assert_eq!(
        (report["fetched"].as_u64(), report["failed"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(report["errors"][0].as_str().unwrap().contains("404"));
    assert_eq!(json(data, &["feeds"])[0]["full_text"], true);

    let hits = json(data, &["search", "fresnel lens"]);
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["title"], "The lighthouse keeper's last season");
    assert!(hits[0]["snippet_html"]
        .as_str()
        .unwrap()
        .contains("<mark>Fresnel</mark>"));
    let lighthouse = hits[0]["id"].as_u64().unwrap().to_string();

    let meaning = json(
        data,
        &[
            "search",
            "--meaning",
            "keeping honey bees through the cold months",
        ],
    );
    assert_eq!(
        meaning[0]["title"],
        "How a village keeps its bees alive through winter"
    );
    assert!(meaning[0]["similarity"].as_f64().unwrap() > 0.3);

    let like = json(data, &["search", "--like", &lighthouse]);
    let like = like.as_array().unwrap();
    assert_eq!(like.len(), 2, "every other embedded article");
    assert!(like
        .iter()
        .all(|h| h["id"].as_u64().unwrap().to_string() != lighthouse));
}

#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sift"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["info", "--json"])
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sift starts");
    // Like `sift … | head -0`: nobody reads what sift writes.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "sift panicked: {stderr}");
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
}
