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

/// OPML files bigger than this are refused before parsing; real subscription lists of
/// thousands of feeds are well under a megabyte.
pub const MAX_OPML_BYTES: usize = 8 * 1024 * 1024;
/// Folder nesting kept from a file; deeper outlines land in the deepest folder kept.
pub const MAX_FOLDER_DEPTH: usize = 16;
/// Outline titles and folder names, in characters.
const MAX_LABEL_CHARS: usize = 300;

/// Reads the feeds out of an OPML document. `source` names the file in error messages. A
/// document that is not OPML at all is an error; individual bad outlines are `skipped`.
///
/// The walk is a loop over XML events with an explicit stack, never recursion, so no
/// nesting depth can overflow the stack; the size is capped at [`MAX_OPML_BYTES`].
pub fn parse_opml(text: &str, source: &str) -> Result<OpmlImport, FeedError> {
    use quick_xml::events::Event;

    let invalid = |detail: String| FeedError::OpmlInvalid {
        path: source.to_string(),
        detail,
    };
    if text.len() > MAX_OPML_BYTES {
        return Err(FeedError::OpmlTooLarge {
            path: source.to_string(),
            limit: MAX_OPML_BYTES,
        });
    }
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;

    let mut import = OpmlImport::default();
    let mut seen = std::collections::HashSet::new();
    // One frame per open element.
    let mut stack: Vec<Frame> = Vec::new();
    // Names of the open folder outlines, outermost first (at most MAX_FOLDER_DEPTH).
    let mut folders: Vec<String> = Vec::new();
    let mut saw_root = false;
    let mut saw_body = false;
    let mut outlines = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| {
            invalid(format!(
                "{} (at byte {})",
                super::describe_chain(&e),
                reader.error_position()
            ))
        })?;
        let (start, is_empty) = match event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                match stack.pop() {
                    Some(Frame::Folder {
                        named,
                        label,
                        children,
                    }) => {
                        if named {
                            folders.pop();
                        }
                        if children == 0 {
                            import.skipped.push(no_url(label));
                        }
                    }
                    Some(_) => {}
                    None => return Err(invalid("it closes an element it never opened".into())),
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = start.local_name();
        let name = name.as_ref();
        let parent_is_root = matches!(stack.last(), Some(Frame::Root));
        let parent_holds_outlines =
            matches!(stack.last(), Some(Frame::Body | Frame::Folder { .. }));
        let frame = if stack.is_empty() && !saw_root {
            if !name.eq_ignore_ascii_case("opml") {
                return Err(invalid(format!("its root element is <{name}>, not <opml>")));
            }
            saw_root = true;
            Frame::Root
        } else if parent_is_root && name.eq_ignore_ascii_case("body") {
            saw_body = true;
            Frame::Body
        } else if parent_holds_outlines && name.eq_ignore_ascii_case("outline") {
            outlines += 1;
            if let Some(Frame::Folder { children, .. }) = stack.last_mut() {
                *children += 1;
            }
            let outline = Outline::read(&start);
            match outline.feed_url() {
                Some(url) => {
                    add_feed(&outline, url, &folders, &mut import, &mut seen);
                    // A feed outline's children are not feeds of their own in any
                    // reader's export.
                    Frame::Other
                }
                None if is_empty => {
                    import.skipped.push(no_url(outline.label()));
                    Frame::Other
                }
                None => {
                    let label = outline.label();
                    let named = label.is_some() && folders.len() < MAX_FOLDER_DEPTH;
                    if let Some(name) = label.as_ref().filter(|_| named) {
                        folders.push(name.replace('/', "-"));
                    }
                    Frame::Folder {
                        named,
                        label,
                        children: 0,
                    }
                }
            }
        } else {
            Frame::Other
        };
        if !is_empty {
            stack.push(frame);
        }
    }
    if !stack.is_empty() {
        return Err(invalid(
            "it ends before all its elements are closed (a truncated file?)".into(),
        ));
    }
    if !saw_root {
        return Err(invalid("it has no <opml> element".into()));
    }
    if !saw_body || outlines == 0 {
        return Err(invalid("its <body> has no outlines".into()));
    }
    Ok(import)
}

/// What an open element means to the walk.
enum Frame {
    Root,
    Body,
    /// An outline without a feed URL: a folder, `named` when it added to the folder path.
    Folder {
        named: bool,
        label: Option<String>,
        children: usize,
    },
    /// Anything else, including a feed outline's (ignored) children.
    Other,
}

/// The attributes of an `<outline>` that import uses. Names are matched without regard to
/// case (`xmlUrl`, `xmlurl` and `XMLURL` all occur in the wild).
#[derive(Default)]
struct Outline {
    text: Option<String>,
    title: Option<String>,
    kind: Option<String>,
    xml_url: Option<String>,
    url: Option<String>,
    html_url: Option<String>,
    category: Option<String>,
}

impl Outline {
    fn read(start: &quick_xml::events::BytesStart<'_>) -> Self {
        let mut outline = Outline::default();
        for attr in start.attributes().with_checks(false).flatten() {
            let key = attr.key.local_name();
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| attr.value.to_string());
            let slot = match key.as_ref().to_ascii_lowercase().as_str() {
                "text" => &mut outline.text,
                "title" => &mut outline.title,
                "type" => &mut outline.kind,
                "xmlurl" => &mut outline.xml_url,
                "url" => &mut outline.url,
                "htmlurl" => &mut outline.html_url,
                "category" => &mut outline.category,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        outline
    }

    fn label(&self) -> Option<String> {
        non_empty(&self.title)
            .or_else(|| non_empty(&self.text))
            .map(|l| l.chars().take(MAX_LABEL_CHARS).collect())
    }

    fn feed_url(&self) -> Option<String> {
        non_empty(&self.xml_url).or_else(|| {
            // Some exporters put the feed in `url` with type="rss".
            (self.kind.as_deref().map(str::trim) == Some("rss"))
                .then(|| non_empty(&self.url))
                .flatten()
        })
    }
}

fn no_url(label: Option<String>) -> Skipped {
    Skipped {
        outline: label.unwrap_or_else(|| "(untitled outline)".to_string()),
        reason: "it has no xmlUrl (feed URL) and no child outlines".to_string(),
    }
}

fn add_feed(
    outline: &Outline,
    url: String,
    folders: &[String],
    import: &mut OpmlImport,
    seen: &mut std::collections::HashSet<String>,
) {
    let label = outline.label();
    if url.len() > super::parse::MAX_URL_BYTES {
        import.skipped.push(Skipped {
            outline: label.unwrap_or_else(|| "(untitled outline)".to_string()),
            reason: format!(
                "its feed URL is {} bytes long, more than the {} a feed URL may have",
                url.len(),
                super::parse::MAX_URL_BYTES
            ),
        });
        return;
    }
    let shown = label.clone().unwrap_or_else(|| url.clone());
    let parsed = match super::fetch::parse_http_url(&url) {
        Ok(parsed) => parsed,
        Err(e) => {
            import.skipped.push(Skipped {
                outline: shown,
                reason: match e {
                    FeedError::InvalidUrl { reason, .. } => {
                        format!("its feed URL {url:?} is not usable: {reason}")
                    }
                    other => other.to_string(),
                },
            });
            return;
        }
    };
    let key = crate::domain::feed_url_key(parsed.as_str());
    if !seen.insert(key) {
        import.skipped.push(Skipped {
            outline: shown,
            reason: format!("{url} appears more than once in the file"),
        });
        return;
    }
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
            // Bounded nesting: the opml crate's writer recurses once per level.
            for name in folder
                .split('/')
                .filter(|n| !n.is_empty())
                .take(MAX_FOLDER_DEPTH)
            {
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
    fn an_overlong_feed_url_is_skipped_with_a_reason() {
        let long = format!("https://long.example/{}", "x".repeat(10_000));
        let text = format!(
            r#"<opml version="2.0"><body><outline text="Long" xmlUrl="{long}"/><outline text="Ok" xmlUrl="https://ok.example/feed"/></body></opml>"#
        );
        let import = parse_opml(&text, "long.opml").unwrap();
        assert_eq!(import.feeds.len(), 1);
        assert_eq!(import.skipped[0].outline, "Long");
        assert!(
            import.skipped[0].reason.contains("bytes long"),
            "{:?}",
            import.skipped
        );
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
