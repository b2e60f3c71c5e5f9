//! OPML import/export through the Engine, with the fixtures.

use sift_core::engine::OpmlImportReport;
use sift_core::{Engine, Error};

use crate::server::fixtures_dir;

fn new_engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    (dir, engine)
}

#[test]
fn nested_folders_duplicates_and_bad_outlines() {
    let (_dir, engine) = new_engine();
    let report = engine
        .import_opml(&fixtures_dir().join("opml/nested.opml"))
        .unwrap();
    assert_eq!(report.added, 5, "{report:?}");
    assert_eq!(report.skipped, 4, "{report:?}");
    let joined = report.errors.join("\n");
    for expected in [
        "Hacker News (again): https://news.ycombinator.com/rss appears more than once",
        "A folder with nothing in it: it has no xmlUrl",
        "Missing URL: it has no xmlUrl",
        "Not http: its feed URL \"ftp://ftp.example/feed.xml\" is not usable",
    ] {
        assert!(
            joined.contains(expected),
            "missing {expected:?} in\n{joined}"
        );
    }
    let feeds = engine.feeds().unwrap();
    let twir = feeds
        .iter()
        .find(|f| f.title == "This Week in Rust")
        .unwrap();
    assert_eq!(twir.folder.as_deref(), Some("Tech/Rust"));
    assert_eq!(twir.tags, ["Tech", "Rust"]);
    assert_eq!(
        twir.site_url.as_deref(),
        Some("https://this-week-in-rust.org/")
    );
    assert_eq!(twir.status, "pending", "imported feeds are not fetched yet");
    let bbc = feeds.iter().find(|f| f.title == "BBC News").unwrap();
    assert_eq!(bbc.tags, ["News", "world", "daily"]);
    let top = feeds.iter().find(|f| f.title == "Daring Fireball").unwrap();
    assert_eq!(top.folder, None);

    // Importing again adds nothing and says why.
    let again = engine
        .import_opml(&fixtures_dir().join("opml/nested.opml"))
        .unwrap();
    assert_eq!(again.added, 0);
    assert!(
        again
            .errors
            .iter()
            .any(|e| e.contains("already subscribed")),
        "{again:?}"
    );
    assert_eq!(engine.feeds().unwrap().len(), 5);
}

#[test]
fn export_then_import_elsewhere_round_trips() {
    let (_dir, engine) = new_engine();
    engine
        .import_opml(&fixtures_dir().join("opml/nested.opml"))
        .unwrap();
    let exported = engine.export_opml().unwrap();
    assert!(exported.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(exported.contains("<opml version=\"2.0\">"), "{exported}");

    let (_dir2, other) = new_engine();
    let report: OpmlImportReport = other.import_opml_text(&exported, "exported").unwrap();
    assert_eq!((report.added, report.skipped), (5, 0), "{report:?}");
    let strip = |e: &Engine| {
        let mut feeds: Vec<_> = e
            .feeds()
            .unwrap()
            .into_iter()
            .map(|f| (f.url, f.title, f.site_url, f.folder, f.tags))
            .collect();
        feeds.sort();
        feeds
    };
    assert_eq!(strip(&engine), strip(&other));
}

#[test]
fn broken_files_are_clear_errors_and_change_nothing() {
    let (_dir, engine) = new_engine();
    for (file, expect) in [
        ("opml/broken.opml", "is not a valid OPML file"),
        ("opml/no-outlines.opml", "its <body> has no outlines"),
        ("feeds/rss091.xml", "is not a valid OPML file"),
    ] {
        let path = fixtures_dir().join(file);
        let err = engine.import_opml(&path).unwrap_err();
        assert!(matches!(err, Error::Feed(_)));
        let message = err.to_string();
        assert!(
            message.contains(expect) && message.contains(&path.display().to_string()),
            "{message}"
        );
    }
    let err = engine
        .import_opml(std::path::Path::new("/nonexistent/subs.opml"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("could not read the OPML file /nonexistent/subs.opml"),
        "{err}"
    );
    assert!(engine.feeds().unwrap().is_empty());
}
