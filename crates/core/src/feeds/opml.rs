//! OPML subscription lists. Import turns nested outlines into folders (and the folder path
//! into tags), skips duplicates and reports every outline it could not use and why. Export
//! writes OPML 2.0 that other readers import.

use serde::Serialize;

use super::FeedError;
use crate::domain::FeedRecord;

/// One feed found in an OPML file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpmlFeed {
    pub url: String,
    pub title: Option<String>,
    pub site_url: Option<String>,
    /// "Tech/Rust" for a feed two outlines deep.
    pub folder: Option<String>,
    /// The folder names plus the outline's own `category` attribute entries.
    pub tags: Vec<String>,
}

/// An outline that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// The outline's title or URL, as the user would recognise it.
    pub outline: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OpmlImport {
    pub feeds: Vec<OpmlFeed>,
    pub skipped: Vec<Skipped>,
}

/// Reads the feeds out of an OPML document. `source` names the file in error messages. A
/// document that is not OPML at all is an error; individual bad outlines are `skipped`.
pub fn parse_opml(text: &str, source: &str) -> Result<OpmlImport, FeedError> {
    let document = opml::OPML::from_str(text).map_err(|e| FeedError::OpmlInvalid {
        path: source.to_string(),
        detail: opml_error_text(&e),
    })?;
    let mut import = OpmlImport::default();
    let mut seen = std::collections::HashSet::new();
    for outline in &document.body.outlines {
        walk(outline, &[], &mut import, &mut seen);
    }
    Ok(import)
}

fn opml_error_text(e: &opml::Error) -> String {
    match e {
        opml::Error::BodyHasNoOutlines => "its <body> has no outlines".to_string(),
        opml::Error::UnsupportedVersion(v) => format!("OPML version {v:?} is not supported"),
        other => super::describe_chain(other),
    }
}

fn walk(
    outline: &opml::Outline,
    folders: &[String],
    import: &mut OpmlImport,
    seen: &mut std::collections::HashSet<String>,
) {
    let label = non_empty(&outline.title)
        .or_else(|| Some(outline.text.trim().to_string()).filter(|t| !t.is_empty()));
    let feed_url = non_empty(&outline.xml_url).or_else(|| {
        // Some exporters put the feed in `url` with type="rss".
        (outline.r#type.as_deref() == Some("rss"))
            .then(|| non_empty(&outline.url))
            .flatten()
    });

    match feed_url {
        Some(url) => {
            let shown = label.clone().unwrap_or_else(|| url.clone());
            match super::fetch::parse_http_url(&url) {
                Err(e) => import.skipped.push(Skipped {
                    outline: shown,
                    reason: match e {
                        FeedError::InvalidUrl { reason, .. } => {
                            format!("its feed URL {url:?} is not usable: {reason}")
                        }
                        other => other.to_string(),
                    },
                }),
                Ok(parsed) => {
                    let key = crate::domain::feed_url_key(parsed.as_str());
                    if !seen.insert(key) {
                        import.skipped.push(Skipped {
                            outline: shown,
                            reason: format!("{url} appears more than once in the file"),
                        });
                    } else {
                        let mut tags: Vec<String> = folders.to_vec();
                        for category in outline.category.iter().flat_map(|c| c.split(',')) {
                            let category = category.trim().trim_matches('/');
                            if !category.is_empty() && !tags.iter().any(|t| t == category) {
                                tags.push(category.to_string());
                            }
                        }
                        import.feeds.push(OpmlFeed {
                            url: url.trim().to_string(),
                            title: label,
                            site_url: non_empty(&outline.html_url),
                            folder: (!folders.is_empty()).then(|| folders.join("/")),
                            tags,
                        });
                    }
                }
            }
            // A feed outline's children are not feeds of their own in any reader's export.
        }
        None if outline.outlines.is_empty() => import.skipped.push(Skipped {
            outline: label.unwrap_or_else(|| "(untitled outline)".to_string()),
            reason: "it has no xmlUrl (feed URL) and no child outlines".to_string(),
        }),
        None => {
            let mut nested = folders.to_vec();
            if let Some(name) = label {
                nested.push(name.replace('/', "-"));
            }
            for child in &outline.outlines {
                walk(child, &nested, import, seen);
            }
        }
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// OPML 2.0 with one outline per folder (nested for "a/b" paths) and one per feed.
pub fn export_opml(feeds: &[FeedRecord]) -> String {
    let mut document = opml::OPML {
        version: "2.0".to_string(),
        head: Some(opml::Head {
            title: Some("Sift subscriptions".to_string()),
            date_created: Some(chrono::Utc::now().to_rfc2822()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut sorted: Vec<&FeedRecord> = feeds.iter().collect();
    sorted.sort_by(|a, b| (&a.folder, &a.title).cmp(&(&b.folder, &b.title)));
    for feed in sorted {
        let outline = opml::Outline {
            text: feed.title.clone(),
            title: Some(feed.title.clone()),
            r#type: Some("rss".to_string()),
            xml_url: Some(feed.url.clone()),
            html_url: feed.site_url.clone(),
            category: {
                let folder_parts: Vec<&str> = feed
                    .folder
                    .as_deref()
                    .map(|f| f.split('/').collect())
                    .unwrap_or_default();
                let extra: Vec<&str> = feed
                    .tags
                    .iter()
                    .map(String::as_str)
                    .filter(|t| !folder_parts.contains(t))
                    .collect();
                (!extra.is_empty()).then(|| extra.join(","))
            },
            ..Default::default()
        };
        let mut siblings = &mut document.body.outlines;
        if let Some(folder) = feed.folder.as_deref() {
            for name in folder.split('/').filter(|n| !n.is_empty()) {
                let index = match siblings
                    .iter()
                    .position(|o| o.xml_url.is_none() && o.text == name)
                {
                    Some(i) => i,
                    None => {
                        siblings.push(opml::Outline {
                            text: name.to_string(),
                            title: Some(name.to_string()),
                            ..Default::default()
                        });
                        siblings.len() - 1
                    }
                };
                siblings = &mut siblings[index].outlines;
            }
        }
        siblings.push(outline);
    }
    let body = document
        .to_string()
        .unwrap_or_else(|_| String::from("<opml version=\"2.0\"><body/></opml>"));
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FeedId;

    #[test]
    fn nested_outlines_become_folders_and_duplicates_are_skipped() {
        let text = r#"<?xml version="1.0"?>
        <opml version="2.0"><head><title>x</title></head><body>
          <outline text="Tech">
            <outline text="Rust" title="Rust">
              <outline type="rss" text="This Week in Rust" xmlUrl="https://this-week-in-rust.org/rss.xml" htmlUrl="https://this-week-in-rust.org/"/>
            </outline>
            <outline type="rss" text="HN" xmlUrl="https://news.ycombinator.com/rss" category="news"/>
          </outline>
          <outline type="rss" text="HN again" xmlUrl="https://NEWS.ycombinator.com/rss"/>
          <outline text="empty folder"/>
          <outline type="rss" text="Local file" xmlUrl="file:///etc/passwd"/>
        </body></opml>"#;
        let import = parse_opml(text, "subs.opml").unwrap();
        assert_eq!(import.feeds.len(), 2);
        assert_eq!(import.feeds[0].folder.as_deref(), Some("Tech/Rust"));
        assert_eq!(import.feeds[0].tags, ["Tech", "Rust"]);
        assert_eq!(
            import.feeds[0].site_url.as_deref(),
            Some("https://this-week-in-rust.org/")
        );
        assert_eq!(import.feeds[1].tags, ["Tech", "news"]);
        let reasons: Vec<_> = import.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[0].contains("more than once"));
        assert!(reasons[1].contains("no xmlUrl"));
        assert!(reasons[2].contains("not file:"));
    }

    #[test]
    fn not_opml_is_an_error_naming_the_file() {
        let err = parse_opml("<html><body>hi</body></html>", "x.opml").unwrap_err();
        assert!(err.to_string().contains("x.opml"), "{err}");
    }

    #[test]
    fn export_round_trips_folders() {
        let mut a = FeedRecord::new(
            FeedId(1),
            "https://a.example/feed".into(),
            "A & co".into(),
            None,
        );
        a.folder = Some("Tech/Rust".into());
        a.tags = vec!["Tech".into(), "Rust".into(), "weekly".into()];
        let b = FeedRecord::new(
            FeedId(2),
            "https://b.example/rss".into(),
            "B".into(),
            Some("https://b.example/".into()),
        );
        let text = export_opml(&[a, b]);
        assert!(text.contains(r#"version="2.0""#), "{text}");
        let back = parse_opml(&text, "export").unwrap();
        assert!(back.skipped.is_empty(), "{:?}", back.skipped);
        assert_eq!(back.feeds.len(), 2);
        let a = back
            .feeds
            .iter()
            .find(|f| f.url == "https://a.example/feed")
            .unwrap();
        assert_eq!(a.title.as_deref(), Some("A & co"));
        assert_eq!(a.folder.as_deref(), Some("Tech/Rust"));
        assert_eq!(a.tags, ["Tech", "Rust", "weekly"]);
    }
}
