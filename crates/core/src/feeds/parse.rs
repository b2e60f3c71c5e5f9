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
pub fn parse_feed(bytes: &[u8], feed_url: &str) -> Result<ParsedFeed, FeedError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url))
        // feed-rs invents ids for entries that have none (a UUID when there is no link,
        // different on every parse). An empty id tells dedup to fall back to link or hash.
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build();
    let upgraded = upgrade_atom_03(bytes);
    let feed = parser
        .parse(upgraded.as_deref().unwrap_or(bytes))
        .map_err(|e| FeedError::Parse {
            url: feed_url.to_string(),
            detail: super::describe_chain(&e),
        })?;

    let site_url = feed
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .map(|l| l.href.clone());
    let entries = feed
        .entries
        .into_iter()
        .map(|entry| convert_entry(entry, feed_url))
        .collect();
    Ok(ParsedFeed {
        title: feed.title.map(text_to_plain).filter(|t| !t.is_empty()),
        site_url,
        entries,
    })
}

const ATOM_03_NS: &[u8] = b"http://purl.org/atom/ns#";

/// feed-rs reads Atom 1.0 only. Atom 0.3 differs in its namespace, in `issued`/`modified`
/// for `published`/`updated`, and in MIME types where 1.0 says text/html/xhtml; rewriting
/// those few tokens turns a 0.3 document into 1.0 (all ASCII, so safe in any ASCII-based
/// encoding). `None` when the document is not Atom 0.3.
fn upgrade_atom_03(bytes: &[u8]) -> Option<Vec<u8>> {
    let head = &bytes[..bytes.len().min(4096)];
    head.windows(ATOM_03_NS.len())
        .any(|w| w == ATOM_03_NS)
        .then(|| {
            let replacements: &[(&[u8], &[u8])] = &[
                (ATOM_03_NS, b"http://www.w3.org/2005/Atom"),
                (b"<issued>", b"<published>"),
                (b"</issued>", b"</published>"),
                (b"<modified>", b"<updated>"),
                (b"</modified>", b"</updated>"),
                (b"type=\"text/plain\"", b"type=\"text\""),
                (b"type=\"text/html\"", b"type=\"html\""),
                (b"type=\"application/xhtml+xml\"", b"type=\"xhtml\""),
            ];
            let mut out = bytes.to_vec();
            for (from, to) in replacements {
                out = replace_bytes(&out, from, to);
            }
            out
        })
}

fn replace_bytes(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(pos) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..pos]);
        out.extend_from_slice(to);
        rest = &rest[pos + from.len()..];
    }
    out.extend_from_slice(rest);
    out
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
                .clone()
                .filter(|n| !n.trim().is_empty())
                .or_else(|| p.email.clone())
        })
        .map(|a| a.trim().to_string());

    let content_html = entry.content.and_then(|c| {
        let body = c.body?;
        let essence = c.content_type.essence().to_string();
        Some(if essence.contains("html") || essence.contains("xml") {
            body
        } else {
            plain_to_html(&body)
        })
    });

    ParsedEntry {
        id: Some(entry.id).filter(|id| !id.trim().is_empty()),
        title: entry.title.map(text_to_plain).filter(|t| !t.is_empty()),
        link,
        published: entry.published.or(entry.updated),
        updated: entry.updated,
        author,
        summary_html: entry.summary.map(text_to_html),
        content_html: content_html.filter(|c| !c.trim().is_empty()),
        base_url,
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
    fn plain_text_is_escaped() {
        assert_eq!(plain_to_html("a < b\n\nc"), "<p>a &lt; b</p><p>c</p>");
    }
}
