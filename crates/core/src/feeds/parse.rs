//! Feed bytes → entries, with feed-rs. No I/O, no sanitizing: HTML comes out as the feed
//! wrote it, with the base URL each piece should be resolved against.
//!
//! Bytes, not text, go in: feed-rs honours the encoding the XML declares.

use chrono::{DateTime, Utc};

use super::FeedError;
use crate::domain::Enclosure;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedFeed {
    pub title: Option<String>,
    /// The site the feed belongs to (its HTML home page).
    pub site_url: Option<String>,
    /// The icon (else the logo) the feed declares, absolute.
    pub icon_url: Option<String>,
    pub entries: Vec<ParsedEntry>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedEntry {
    /// The feed's own id for the entry; `None` when the feed gives none.
    pub id: Option<String>,
    /// Plain text.
    pub title: Option<String>,
    pub link: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub author: Option<String>,
    /// Unsanitized HTML (plain-text summaries are escaped into HTML).
    pub summary_html: Option<String>,
    /// Unsanitized HTML (plain-text content is escaped into HTML).
    pub content_html: Option<String>,
    /// What relative URLs in the HTML are relative to (xml:base, else the entry's link, else
    /// the feed's URL).
    pub base_url: String,
    pub enclosures: Vec<Enclosure>,
}

/// Parses RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed. `feed_url` is where the bytes came
/// from; relative links resolve against it.
///
/// What feed-rs refuses but forgiving readers read (an `<rss>` without a version, MIME types
/// where Atom wants text/html/xhtml, bare `&`, HTML entities, a JSON Feed with a numeric
/// version or no title, ...) is repaired and parsed again; see [`super::repair`]. What comes
/// out is bounded: see [`MAX_ENTRIES`] and the field limits beside it.
pub fn parse_feed(bytes: &[u8], feed_url: &str) -> Result<ParsedFeed, FeedError> {
    let feed = read_leniently(bytes, feed_url).map_err(|detail| FeedError::Parse {
        url: feed_url.to_string(),
        detail,
    })?;

    let site_url = feed
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .map(|l| l.href.clone())
        .and_then(limit_url);
    let icon_url = feed
        .icon
        .iter()
        .chain(&feed.logo)
        .find_map(|image| {
            url::Url::parse(feed_url)
                .and_then(|base| base.join(image.uri.trim()))
                .ok()
        })
        .map(String::from)
        .and_then(limit_url);
    let entries = newest(feed.entries, MAX_ENTRIES)
        .into_iter()
        .map(|entry| convert_entry(entry, feed_url))
        .collect();
    Ok(ParsedFeed {
        title: feed
            .title
            .map(text_to_plain)
            .map(|t| truncate_chars(t, MAX_TITLE_CHARS))
            .filter(|t| !t.is_empty()),
        site_url,
        icon_url,
        entries,
    })
}

/// Entries kept from one feed in one refresh: the newest. A feed of tiny items at the body
/// cap would otherwise become hundreds of thousands of articles to store and embed.
pub const MAX_ENTRIES: usize = 10_000;
/// Titles (feed and entry) and authors, in characters; longer ones are cut.
pub const MAX_TITLE_CHARS: usize = 1_000;
pub const MAX_AUTHOR_CHARS: usize = 200;
/// Ids (guids) in bytes; a longer one is cut (it still tells entries apart in practice).
pub const MAX_ID_BYTES: usize = 1_024;
/// URLs in bytes. A longer URL is dropped, not cut: a cut URL points somewhere else.
pub const MAX_URL_BYTES: usize = 4_096;
/// Summaries and content, in bytes of HTML; cut at a character boundary (the sanitizer
/// closes what the cut leaves open).
pub const MAX_SUMMARY_BYTES: usize = 64 * 1024;
pub const MAX_CONTENT_BYTES: usize = 1024 * 1024;
pub const MAX_ENCLOSURES: usize = 32;

fn read_leniently(bytes: &[u8], feed_url: &str) -> Result<feed_rs::model::Feed, String> {
    // feed-rs reads Atom 1.0 only, so Atom 0.3 always goes through the repair that
    // upgrades it; a misplaced or long XML declaration or UTF-16/32 can make feed-rs's XML
    // reader panic, so those are repaired before feed-rs sees them.
    let repair_first = super::repair::is_atom_03(bytes)
        || super::repair::xml_declaration_trips_feed_rs(bytes)
        || super::repair::is_wide_encoding(bytes);
    let strict = if repair_first {
        None
    } else {
        match parse_guarded(bytes, feed_url) {
            // Read, but none of the entries the document holds (an RSS namespace feed-rs
            // does not know, say): the repair may find them.
            Ok(feed) if feed.entries.is_empty() && super::repair::mentions_entries(bytes) => {
                return Ok(match repair_and_parse(bytes, feed_url) {
                    Some(Ok(repaired)) if !repaired.entries.is_empty() => repaired,
                    _ => feed,
                });
            }
            Ok(feed) => return Ok(feed),
            Err(e) => Some(e),
        }
    };
    match (repair_and_parse(bytes, feed_url), strict) {
        // The strict parse's complaint describes the document the publisher wrote.
        (Some(repaired), strict) => repaired.map_err(|e| strict.unwrap_or(e)),
        (None, Some(strict)) => Err(strict),
        (None, None) => parse_guarded(bytes, feed_url),
    }
}

/// The repaired document parsed, or `None` when there was nothing to repair.
fn repair_and_parse(bytes: &[u8], feed_url: &str) -> Option<Result<feed_rs::model::Feed, String>> {
    let is_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF))
        == Some(&b'{');
    let repaired = if is_json {
        super::repair::repair_json(bytes)
    } else {
        super::repair::repair_xml(bytes)
    };
    repaired.map(|fixed| parse_guarded(&fixed, feed_url))
}

/// One feed-rs parse, with a panic inside it (feed-rs and its XML reader have assertions
/// a hostile document can reach) turned into an error: no feed may take Sift down.
fn parse_guarded(bytes: &[u8], feed_url: &str) -> Result<feed_rs::model::Feed, String> {
    // An email beside a non-ASCII character in a person's text is one such assertion
    // (`repair/person.rs`); UTF-16/32 is turned into UTF-8 by the repair before it gets here.
    let spaced = if super::repair::is_wide_encoding(bytes) {
        None
    } else {
        super::repair::space_emails_from_wide_neighbours(bytes)
    };
    let bytes = spaced.as_deref().unwrap_or(bytes);
    let parse = || {
        feed_rs::parser::Builder::new()
            .base_uri(Some(feed_url))
            // feed-rs invents ids for entries that have none (a UUID when there is no
            // link, different on every parse). An empty id tells dedup to fall back to
            // link or hash.
            .id_generator(|_, _, _| String::new())
            .sanitize_content(false)
            .build()
            .parse(bytes)
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)) {
        Ok(result) => result.map_err(|e| super::describe_chain(&e)),
        Err(_) => Err("the feed parser failed on this document".to_string()),
    }
}

/// The `limit` newest entries, in the feed's order. Undated entries count as older than
/// dated ones; among equals the feed's order decides (feeds list newest first).
fn newest(entries: Vec<feed_rs::model::Entry>, limit: usize) -> Vec<feed_rs::model::Entry> {
    if entries.len() <= limit {
        return entries;
    }
    let mut order: Vec<usize> = (0..entries.len()).collect();
    let date = |i: usize| entries[i].published.or(entries[i].updated);
    // Stable: equal dates keep document order.
    order.sort_by_key(|&i| std::cmp::Reverse(date(i)));
    let mut keep = vec![false; entries.len()];
    for &i in &order[..limit] {
        keep[i] = true;
    }
    entries
        .into_iter()
        .zip(keep)
        .filter_map(|(entry, kept)| kept.then_some(entry))
        .collect()
}

/// A person's name without the quote marks that wrapped the email feed-rs took out of it
/// (`“jane@example.com” Jane Doe` leaves `” Jane Doe`).
fn unquote_name(name: &str) -> &str {
    name.trim_matches(|c: char| c.is_whitespace() || "\"'«»‹›“”„‘’‚".contains(c))
}

/// Cuts `text` to at most `max` characters.
fn truncate_chars(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => text[..cut].to_string(),
        None => text,
    }
}

/// Cuts `text` to at most `max` bytes, at a character boundary.
pub(crate) fn truncate_bytes(mut text: String, max: usize) -> String {
    let cut = crate::domain::prefix_within(&text, max).len();
    text.truncate(cut);
    text
}

fn limit_url(url: String) -> Option<String> {
    (url.len() <= MAX_URL_BYTES).then_some(url)
}

fn convert_entry(entry: feed_rs::model::Entry, feed_url: &str) -> ParsedEntry {
    let link = entry
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| {
            entry
                .links
                .iter()
                .find(|l| l.rel.as_deref() != Some("enclosure"))
        })
        .map(|l| l.href.clone());

    // Atom marks enclosures with rel="enclosure"; JSON Feed attachments arrive as plain
    // links with a (non-HTML) media type.
    let is_enclosure = |l: &feed_rs::model::Link| match l.rel.as_deref() {
        Some("enclosure") => true,
        None => {
            Some(&l.href) != link.as_ref()
                && l.media_type.as_deref().is_some_and(|m| !m.contains("html"))
        }
        _ => false,
    };
    let mut enclosures: Vec<Enclosure> = entry
        .links
        .iter()
        .filter(|l| is_enclosure(l))
        .map(|l| Enclosure {
            url: l.href.clone(),
            mime_type: l.media_type.clone(),
            length: l.length,
        })
        .collect();
    for media in &entry.media {
        for content in &media.content {
            if let Some(url) = &content.url {
                let url = url.to_string();
                if !enclosures.iter().any(|e| e.url == url) {
                    enclosures.push(Enclosure {
                        url,
                        mime_type: content.content_type.as_ref().map(|m| m.to_string()),
                        length: content.size,
                    });
                }
            }
        }
    }

    let base_url = entry
        .base
        .as_deref()
        .and_then(|b| resolve(feed_url, b))
        .or_else(|| link.as_deref().and_then(|l| resolve(feed_url, l)))
        .unwrap_or_else(|| feed_url.to_string());

    let author = entry
        .authors
        .iter()
        .find_map(|p| {
            p.name
                .as_deref()
                .map(unquote_name)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .or_else(|| p.email.clone())
        })
        .map(|a| a.trim().to_string());

    let content_html = entry.content.and_then(|c| {
        let body = c.body?;
        let essence = c.content_type.essence().to_string();
        if essence.contains("html") || essence.contains("xml") {
            Some(body)
        } else if essence.starts_with("text/") {
            Some(plain_to_html(&body))
        } else {
            // Atom: any other type is a base64 document of that type. Text is shown as
            // text; anything else (an image, a PDF) is no article body.
            let decoded = super::repair::decode_base64(body.as_bytes())?;
            String::from_utf8(decoded).ok().map(|t| plain_to_html(&t))
        }
    });

    enclosures.truncate(MAX_ENCLOSURES);
    enclosures.retain(|e| e.url.len() <= MAX_URL_BYTES);
    ParsedEntry {
        id: Some(entry.id)
            .filter(|id| !id.trim().is_empty())
            .map(|id| truncate_bytes(id, MAX_ID_BYTES)),
        title: entry
            .title
            .map(text_to_plain)
            .map(|t| truncate_chars(t, MAX_TITLE_CHARS))
            .filter(|t| !t.is_empty()),
        link: link.and_then(limit_url),
        published: entry.published.or(entry.updated),
        updated: entry.updated,
        author: author.map(|a| truncate_chars(a, MAX_AUTHOR_CHARS)),
        summary_html: entry
            .summary
            .map(text_to_html)
            .map(|s| truncate_bytes(s, MAX_SUMMARY_BYTES)),
        content_html: content_html
            .filter(|c| !c.trim().is_empty())
            .map(|c| truncate_bytes(c, MAX_CONTENT_BYTES)),
        base_url: limit_url(base_url).unwrap_or_else(|| feed_url.to_string()),
        enclosures,
    }
}

fn resolve(base: &str, reference: &str) -> Option<String> {
    url::Url::parse(base)
        .and_then(|b| b.join(reference))
        .ok()
        .map(|u| u.to_string())
}

fn is_html(text: &feed_rs::model::Text) -> bool {
    let essence = text.content_type.essence().to_string();
    essence.contains("html")
}

/// Titles may be typed HTML (Atom `type="html"`); the plain text is what we keep.
fn text_to_plain(text: feed_rs::model::Text) -> String {
    if is_html(&text) {
        super::sanitize::html_to_text(&text.content)
    } else {
        collapse_whitespace(&text.content)
    }
}

fn text_to_html(text: feed_rs::model::Text) -> String {
    if is_html(&text) {
        text.content
    } else {
        plain_to_html(&text.content)
    }
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes plain text into HTML, one paragraph per blank-line-separated block.
fn plain_to_html(text: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", escape(p).replace('\n', "<br>")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_without_id_has_none_not_a_random_uuid() {
        let xml = br#"<rss version="2.0"><channel><title>T</title>
            <item><title>No guid</title><description>x</description></item>
            </channel></rss>"#;
        let a = parse_feed(xml, "http://example.test/feed").unwrap();
        assert_eq!(a.entries[0].id, None);
        assert_eq!(a.entries[0].title.as_deref(), Some("No guid"));
    }

    #[test]
    fn garbage_is_a_parse_error_naming_the_url() {
        let err = parse_feed(b"hello", "http://example.test/x").unwrap_err();
        assert!(err.to_string().contains("http://example.test/x"), "{err}");
    }

    #[test]
    fn only_the_newest_entries_are_kept() {
        let mut xml = String::from("<rss version=\"2.0\"><channel><title>Many</title>");
        // Oldest first, so keeping the first MAX_ENTRIES would keep the wrong ones.
        let total = MAX_ENTRIES + 50;
        for i in 0..total {
            let when = chrono::DateTime::from_timestamp(1_600_000_000 + i as i64 * 60, 0)
                .unwrap()
                .to_rfc2822();
            xml.push_str(&format!(
                "<item><title>n{i}</title><guid>g{i}</guid><pubDate>{when}</pubDate></item>"
            ));
        }
        xml.push_str("</channel></rss>");
        let feed = parse_feed(xml.as_bytes(), "http://example.test/feed").unwrap();
        assert_eq!(feed.entries.len(), MAX_ENTRIES);
        assert_eq!(feed.entries[0].title.as_deref(), Some("n50"));
        assert_eq!(
            feed.entries.last().unwrap().title.as_deref(),
            Some(format!("n{}", total - 1).as_str())
        );
    }

    #[test]
    fn long_fields_are_cut_and_long_urls_dropped() {
        let long_title = "t".repeat(5 * MAX_TITLE_CHARS);
        let long_author = "a".repeat(5 * MAX_AUTHOR_CHARS);
        let long_url = format!("http://example.test/{}", "u".repeat(MAX_URL_BYTES));
        let long_summary = "\u{e9}".repeat(MAX_SUMMARY_BYTES);
        let xml = format!(
            "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>{long_title}</title>\
             <item><title>{long_title}</title><link>{long_url}</link><dc:creator>{long_author}</dc:creator>\
             <description>{long_summary}</description>\
             <enclosure url=\"{long_url}\" type=\"audio/mpeg\" length=\"1\"/></item></channel></rss>"
        );
        let feed = parse_feed(xml.as_bytes(), "http://example.test/feed").unwrap();
        assert_eq!(feed.title.unwrap().chars().count(), MAX_TITLE_CHARS);
        let entry = &feed.entries[0];
        assert_eq!(
            entry.title.as_ref().unwrap().chars().count(),
            MAX_TITLE_CHARS
        );
        assert_eq!(
            entry.author.as_ref().unwrap().chars().count(),
            MAX_AUTHOR_CHARS
        );
        assert_eq!(entry.link, None, "a cut URL would point elsewhere");
        assert!(entry.enclosures.is_empty());
        assert_eq!(entry.base_url, "http://example.test/feed");
        let summary = entry.summary_html.as_ref().unwrap();
        assert!(summary.len() <= MAX_SUMMARY_BYTES, "{}", summary.len());
    }

    #[test]
    fn base64_atom_content_is_decoded_and_binary_content_dropped() {
        use base64::Engine as _;
        let text = base64::engine::general_purpose::STANDARD.encode("caf\u{e9} & co");
        let binary = base64::engine::general_purpose::STANDARD.encode([0xFFu8, 0xD8, 0xFF, 0x00]);
        let xml = format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>B</title>\
             <entry><title>a</title><id>1</id><content type=\"application/octet-stream\">{text}</content></entry>\
             <entry><title>b</title><id>2</id><content type=\"image/jpeg\">{binary}</content></entry></feed>"
        );
        let feed = parse_feed(xml.as_bytes(), "http://example.test/feed").unwrap();
        assert_eq!(
            feed.entries[0].content_html.as_deref(),
            Some("<p>caf\u{e9} &amp; co</p>")
        );
        assert_eq!(feed.entries[1].content_html, None);
    }

    #[test]
    fn a_late_xml_declaration_is_no_panic_but_a_feed() {
        // feed-rs 3's XML reader panics when a declaration naming another encoding ends
        // past its first 64 bytes: the whole refresh went down with it.
        let pad = " ".repeat(20_000);
        for doc in [
            format!("<rss version=\"2.0\"><channel><title>x</title></channel><!--{pad}--><?xml version=\"1.0\" encoding=\"iso-8859-1\"?></rss>"),
            format!("<!--{pad}--><?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"2.0\"><channel><title>x</title></channel></rss>"),
            format!("{pad}<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>x</title></channel></rss>"),
            // Well-formed, merely long.
            "<?xml version=\"1.0\"   encoding=\"windows-1252\"   standalone=\"yes\" ?><rss version=\"2.0\"><channel><title>x</title></channel></rss>".to_string(),
        ] {
            let feed = parse_feed(doc.as_bytes(), "http://example.test/feed").unwrap();
            assert_eq!(feed.title.as_deref(), Some("x"));
        }
    }

    #[test]
    fn plain_text_is_escaped() {
        assert_eq!(plain_to_html("a < b\n\nc"), "<p>a &lt; b</p><p>c</p>");
    }
}
