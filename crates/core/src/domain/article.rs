//! Articles: as ingestion prepares them ([`NewArticle`]), as the reader sees them whole
//! ([`ArticleRecord`]), and the two halves the store keeps apart: the lean [`ArticleMeta`]
//! that listings, counts and the learner read, and the heavy [`ArticleContent`] (HTML and
//! full text) that only the reading view and the embedder need.

use serde::{Deserialize, Serialize};

use super::{ArticleId, FeedId};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ArticleRecord {
    pub id: ArticleId,
    pub feed_id: FeedId,
    pub title: String,
    pub link: Option<String>,
    /// RFC 3339, when the feed says.
    pub published: Option<String>,
    pub author: Option<String>,
    /// Plain-text summary (derived from sanitized HTML).
    pub summary: Option<String>,
    /// Sanitized HTML; safe to render.
    pub content_html: Option<String>,
    /// Title + cleaned body as plain text: what gets embedded.
    pub text: String,
    /// Hash of `text`; embeddings are cached under it, so unchanged text is never re-embedded.
    pub content_hash: String,
    /// The entry's id as the feed gives it (RSS guid, Atom id, JSON Feed id).
    #[serde(default)]
    pub guid: Option<String>,
    /// RFC 3339, when the feed says the entry was last updated.
    #[serde(default)]
    pub updated: Option<String>,
    #[serde(default)]
    pub enclosures: Vec<Enclosure>,
    /// RFC 3339 time this article was first stored; orders undated articles.
    #[serde(default)]
    pub fetched_at: Option<String>,
    /// Other subscribed feeds that carry the same article (same link).
    #[serde(default)]
    pub also_in: Vec<FeedId>,
    /// Every `article_keys` entry that points here, so removal leaves no dangling index.
    #[serde(default)]
    pub dedup_keys: Vec<String>,
    #[serde(default)]
    pub read: bool,
    /// Set once the whole article was fetched from its page (its feed asked for whole
    /// articles): then `content_html`, `text` and `content_hash` are the page's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whole: Option<WholeArticle>,
}

/// How fetching the whole article from its page went.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WholeArticle {
    /// The page it came from, after redirects.
    pub url: String,
    /// RFC 3339.
    pub fetched_at: String,
    /// The content hash of the feed's own version, so a refresh can tell whether the
    /// feed changed the entry (then it is fetched again) or merely repeats it.
    pub feed_content_hash: String,
    /// Why the page could not be used; the feed's content is kept then.
    pub error: Option<String>,
}

impl WholeArticle {
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

/// Words of an article's text kept in [`ArticleMeta::lead`].
pub const LEAD_WORDS: usize = 30;

/// Everything about an article except its body: what listings, counts, filters and the
/// learner's snapshot read. Small (a few hundred bytes), so 100,000 of them decode fast.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ArticleMeta {
    pub id: ArticleId,
    pub feed_id: FeedId,
    pub title: String,
    pub link: Option<String>,
    pub published: Option<String>,
    pub author: Option<String>,
    /// Plain text, at most a few hundred characters (ingestion truncates it).
    pub summary: Option<String>,
    pub content_hash: String,
    /// The title and the first [`LEAD_WORDS`] words of the text: what cluster keywords are
    /// drawn from without reading the whole text.
    #[serde(default)]
    pub lead: String,
    #[serde(default)]
    pub guid: Option<String>,
    #[serde(default)]
    pub updated: Option<String>,
    #[serde(default)]
    pub enclosures: Vec<Enclosure>,
    #[serde(default)]
    pub fetched_at: Option<String>,
    #[serde(default)]
    pub also_in: Vec<FeedId>,
    #[serde(default)]
    pub dedup_keys: Vec<String>,
    #[serde(default)]
    pub read: bool,
    /// See [`ArticleRecord::whole`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whole: Option<WholeArticle>,
}

/// An article's body: the sanitized HTML and the plain text that gets embedded.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ArticleContent {
    pub content_html: Option<String>,
    pub text: String,
}

impl ArticleRecord {
    /// The record as the store keeps it: metadata and content apart.
    pub fn split(self) -> (ArticleMeta, ArticleContent) {
        let lead = lead_words(&self.title, &self.text, LEAD_WORDS);
        (
            ArticleMeta {
                id: self.id,
                feed_id: self.feed_id,
                title: self.title,
                link: self.link,
                published: self.published,
                author: self.author,
                summary: self.summary,
                content_hash: self.content_hash,
                lead,
                guid: self.guid,
                updated: self.updated,
                enclosures: self.enclosures,
                fetched_at: self.fetched_at,
                also_in: self.also_in,
                dedup_keys: self.dedup_keys,
                read: self.read,
                whole: self.whole,
            },
            ArticleContent {
                content_html: self.content_html,
                text: self.text,
            },
        )
    }

    /// The whole article from its two halves.
    pub fn join(meta: ArticleMeta, content: ArticleContent) -> Self {
        Self {
            id: meta.id,
            feed_id: meta.feed_id,
            title: meta.title,
            link: meta.link,
            published: meta.published,
            author: meta.author,
            summary: meta.summary,
            content_html: content.content_html,
            text: content.text,
            content_hash: meta.content_hash,
            guid: meta.guid,
            updated: meta.updated,
            enclosures: meta.enclosures,
            fetched_at: meta.fetched_at,
            also_in: meta.also_in,
            dedup_keys: meta.dedup_keys,
            read: meta.read,
            whole: meta.whole,
        }
    }
}

/// The longest start of `text` of at most `max_bytes` bytes that ends on a character
/// boundary: how every text Sift keeps, indexes or holds in memory is capped.
pub fn prefix_within(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut cut = max_bytes;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// `title` and the first `words` words of `text` (which ingestion starts with the title, so
/// a text that does is not given the title twice).
pub fn lead_words(title: &str, text: &str, words: usize) -> String {
    let body = text.strip_prefix(title).unwrap_or(text);
    let mut lead = title.to_string();
    for word in body.split_whitespace().take(words) {
        lead.push(' ');
        lead.push_str(word);
    }
    lead
}

/// A podcast episode, image or other attachment.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Enclosure {
    pub url: String,
    pub mime_type: Option<String>,
    pub length: Option<u64>,
}

/// An article as ingestion prepares it, before it has an id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewArticle {
    pub guid: Option<String>,
    pub title: String,
    pub link: Option<String>,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub author: Option<String>,
    pub summary: Option<String>,
    pub content_html: Option<String>,
    pub text: String,
    pub content_hash: String,
    pub enclosures: Vec<Enclosure>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_join_round_trip() {
        let record = ArticleRecord {
            id: ArticleId(7),
            feed_id: FeedId(2),
            title: "Rust 2.0".into(),
            link: Some("http://x.test/1".into()),
            summary: Some("short".into()),
            content_html: Some("<p>Rust 2.0 is out today</p>".into()),
            text: "Rust 2.0 is out today".into(),
            content_hash: "h".into(),
            also_in: vec![FeedId(3)],
            dedup_keys: vec!["link:x".into()],
            ..Default::default()
        };
        let (meta, content) = record.clone().split();
        assert_eq!(meta.lead, "Rust 2.0 is out today");
        assert_eq!(content.text, record.text);
        assert_eq!(ArticleRecord::join(meta, content), record);
    }
}
