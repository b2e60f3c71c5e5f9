//! The feed shapes the world serves: how many of the fixtures under tests/fixtures/shapes/
//! Sift reads the way a forgiving reference parser does (Python feedparser; see
//! tests/fixtures/shapes/README.md for where they come from and how MANIFEST.tsv was made).
//!
//! A fixture counts as read when `parse_feed` accepts it and yields as many entries as the
//! reference found, and every entry survives `prepare_article` (sanitizing) without a panic.
//! The figure: `cargo test -p sift-core --test feeds shapes -- --nocapture`.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Once;

use sift_core::feeds::article::prepare_article;
use sift_core::feeds::parse::parse_feed;

/// The shares reached when these floors were set; a change that reads fewer fails here.
/// Raise them when Sift reads more, never lower them to make a change pass.
const VALID_FLOOR: f64 = 0.998;
const ILLFORMED_FLOOR: f64 = 1.0;

struct Case {
    path: String,
    class: String,
    entries: usize,
}

fn shapes_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/shapes")
}

fn manifest() -> Vec<Case> {
    let text = std::fs::read_to_string(shapes_dir().join("MANIFEST.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 5, "bad manifest line {line:?}");
            Case {
                path: cols[0].to_string(),
                class: cols[2].to_string(),
                entries: cols[3].parse().unwrap(),
            }
        })
        .collect()
}

thread_local! {
    /// Panics seen on this thread since the last reset, caught or not.
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Counts panics per thread, also those `parse_feed` catches: a document that makes the
/// parser panic is a finding even when Sift survives it.
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

/// `None` when Sift reads the fixture as the reference does, else why not.
fn check(case: &Case) -> Option<String> {
    let bytes = std::fs::read(shapes_dir().join(&case.path)).unwrap();
    let url = format!("https://shapes.example/{}", case.path);
    PANICS.with(|p| p.set(0));
    let parsed = std::panic::catch_unwind(|| parse_feed(&bytes, &url));
    if PANICS.with(Cell::get) > 0 {
        return Some("the parser panicked".to_string());
    }
    match parsed.expect("counted above") {
        Err(e) => Some(format!("error: {e}")),
        Ok(feed) if feed.entries.len() != case.entries => Some(format!(
            "{} entries, the reference read {}",
            feed.entries.len(),
            case.entries
        )),
        Ok(feed) => {
            for entry in &feed.entries {
                let _ = prepare_article(entry);
            }
            None
        }
    }
}

#[test]
fn shapes_share_read_stays_at_or_above_the_floor() {
    count_panics();
    let cases = manifest();
    assert!(cases.len() >= 300, "only {} fixtures", cases.len());
    // (class, source) → (read, total)
    let mut tally: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let source = case.path.split('/').next().unwrap_or("").to_string();
        let slot = tally.entry((case.class.clone(), source)).or_default();
        slot.1 += 1;
        match check(case) {
            None => slot.0 += 1,
            Some(why) => failures.push(format!("{} [{}]: {why}", case.path, case.class)),
        }
    }
    let share = |class: &str| {
        let (read, total) = tally
            .iter()
            .filter(|((c, _), _)| c == class)
            .fold((0, 0), |acc, (_, (r, t))| (acc.0 + r, acc.1 + t));
        (read, total, read as f64 / total.max(1) as f64)
    };
    for ((class, source), (read, total)) in &tally {
        println!("  {class:9} {source:10} {read:4} / {total:4}");
    }
    for failure in &failures {
        println!("  not read: {failure}");
    }
    let (vr, vt, valid) = share("valid");
    let (ir, it, illformed) = share("illformed");
    println!(
        "shapes read: valid {vr}/{vt} = {:.1} %, ill-formed {ir}/{it} = {:.1} %",
        valid * 100.0,
        illformed * 100.0
    );
    assert!(valid >= VALID_FLOOR, "valid share fell to {valid:.4}");
    assert!(
        illformed >= ILLFORMED_FLOOR,
        "ill-formed share fell to {illformed:.4}"
    );
}

/// The shapes issue 11 saw failing, read with their content, not just without an error.
#[test]
fn shapes_seen_failing_are_read_with_their_content() {
    let read = |path: &str| {
        let bytes = std::fs::read(shapes_dir().join(path)).unwrap();
        parse_feed(&bytes, &format!("https://shapes.example/{path}")).unwrap()
    };
    let titles = |feed: &sift_core::feeds::ParsedFeed| -> Vec<String> {
        feed.entries
            .iter()
            .map(|e| e.title.clone().unwrap_or_default())
            .collect()
    };

    let rss = read("sift/rss-no-version.xml");
    assert_eq!(rss.title.as_deref(), Some("No version attribute"));
    assert_eq!(titles(&rss), ["First", "Second"]);
    assert_eq!(
        rss.entries[1].link.as_deref(),
        Some("https://noversion.example/2")
    );
    assert_eq!(titles(&read("sift/rss-version-unknown.xml")), ["Only"]);
    assert_eq!(titles(&read("sift/rss-version-090-root.xml")), ["Old"]);

    for path in [
        "sift/atom10-content-octet-stream-base64.xml",
        "sift/atom03-content-mode-base64.xml",
    ] {
        let feed = read(path);
        let article = prepare_article(&feed.entries[0]);
        assert_eq!(article.title, "Encoded", "{path}");
        assert!(
            article.text.contains("Hello base64 world"),
            "{path}: {:?}",
            article.text
        );
    }
    let xhtml = read("sift/atom10-content-xhtml-xml.xml");
    let entry = &xhtml.entries[0];
    assert_eq!(entry.title.as_deref(), Some("Inline XHTML"));
    assert!(
        entry
            .content_html
            .as_deref()
            .unwrap()
            .contains("<b>world</b>"),
        "{entry:?}"
    );
    assert!(entry
        .summary_html
        .as_deref()
        .unwrap()
        .contains("<em>here</em>"));

    let numeric = read("sift/jsonfeed-version-number.json");
    assert_eq!(numeric.title.as_deref(), Some("Version as a number"));
    assert_eq!(titles(&numeric), ["One", "Two"]);
    let untitled = read("sift/jsonfeed-no-title.json");
    assert_eq!(untitled.title, None);
    assert_eq!(untitled.entries.len(), 1);
    let unversioned = read("sift/jsonfeed-no-version.json");
    assert_eq!(unversioned.entries[1].id.as_deref(), Some("2"));
}
