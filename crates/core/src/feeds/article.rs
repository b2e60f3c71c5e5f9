//! A parsed entry → the article the store keeps: sanitized HTML, a plain-text summary, the
//! text the learner embeds and its hash.

use sha2::{Digest, Sha256};

use super::parse::ParsedEntry;
use super::sanitize::{html_to_text, sanitize_html, truncate_words};
use crate::domain::NewArticle;

/// Summaries are for a list view; longer ones are cut at a word.
const SUMMARY_MAX_CHARS: usize = 400;

pub fn prepare_article(entry: &ParsedEntry) -> NewArticle {
    let base = url::Url::parse(&entry.base_url).ok();
    let clean = |html: &Option<String>| {
        html.as_deref()
            .map(|h| sanitize_html(h, base.as_ref()).trim().to_string())
            .filter(|h| !h.is_empty())
    };
    let summary_html = clean(&entry.summary_html);
    let content_html = clean(&entry.content_html);

    let summary_text = summary_html.as_deref().map(html_to_text);
    let content_text = content_html.as_deref().map(html_to_text);
    let body_text = content_text
        .clone()
        .filter(|t| !t.is_empty())
        .or_else(|| summary_text.clone())
        .unwrap_or_default();

    let title = entry
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| truncate_words(body_text.lines().next().unwrap_or(""), 80));
    let summary = summary_text
        .filter(|s| !s.is_empty())
        .or(content_text)
        .filter(|s| !s.is_empty())
        .map(|s| truncate_words(&s, SUMMARY_MAX_CHARS));

    let text = if body_text.is_empty() || body_text == title {
        title.clone()
    } else {
        format!("{title}\n\n{body_text}")
    };
    NewArticle {
        guid: entry.id.clone(),
        title,
        link: entry.link.clone(),
        published: entry.published.map(|d| d.to_rfc3339()),
        updated: entry.updated.map(|d| d.to_rfc3339()),
        author: entry.author.clone(),
        summary,
        // Feeds that only have a summary still get something to show in the reading view.
        content_html: content_html.or(summary_html),
        content_hash: content_hash(&text),
        text,
        enclosures: entry.enclosures.clone(),
    }
}

/// Hex SHA-256 of the text: the learner caches embeddings under it.
pub fn content_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_title_and_clean_body_and_hash_follows_it() {
        let entry = ParsedEntry {
            title: Some("Hello".into()),
            content_html: Some("<p>World <script>evil()</script><a href='/x'>link</a></p>".into()),
            base_url: "https://site.example/post/1".into(),
            ..Default::default()
        };
        let article = prepare_article(&entry);
        assert_eq!(article.text, "Hello\n\nWorld link");
        assert_eq!(article.content_hash, content_hash("Hello\n\nWorld link"));
        assert_eq!(article.summary.as_deref(), Some("World link"));
        let html = article.content_html.unwrap();
        assert!(
            html.contains("https://site.example/x") && !html.contains("evil"),
            "{html}"
        );
    }

    #[test]
    fn untitled_entry_takes_its_title_from_the_body() {
        let entry = ParsedEntry {
            summary_html: Some("A tweet-like post without a title".into()),
            base_url: "https://site.example/".into(),
            ..Default::default()
        };
        let article = prepare_article(&entry);
        assert_eq!(article.title, "A tweet-like post without a title");
        assert_eq!(article.text, article.title);
    }
}
