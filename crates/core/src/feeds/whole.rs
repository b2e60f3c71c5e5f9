//! Whole articles for feeds that ship only a summary: fetch the entry's linked page with the
//! feed fetcher's bounds (timeouts, size cap, redirects, user agent), pull the article out
//! of it with dom_smoothie (a port of Mozilla's Readability.js), and sanitize the result
//! exactly like feed content.
//!
//! Also [`looks_truncated`]: whether a feed's entries look like teasers of longer articles.

use super::fetch::{FetchOutcome, Fetcher, Reach, Validators};
use super::parse::{truncate_bytes, MAX_CONTENT_BYTES};
use super::sanitize::{html_to_text, sanitize_html};
use super::FeedError;
use crate::domain::NewArticle;

/// Elements Readability will walk before giving up: generous for real pages, bounded for
/// hostile ones (the body is already capped in bytes by the fetcher).
const MAX_ELEMENTS: usize = 30_000;

#[derive(Debug, thiserror::Error)]
pub enum WholeArticleError {
    #[error(transparent)]
    Fetch(#[from] FeedError),
    #[error("{url} is not a web page ({content_type})")]
    NotHtml { url: String, content_type: String },
    #[error("{url} answered 304 Not Modified to a request without validators")]
    Unexpected304 { url: String },
    #[error("no article could be found in {url}: {detail}")]
    NoArticle { url: String, detail: String },
    #[error("the page at {url} holds less text than the feed ({page} vs {feed} characters)")]
    ShorterThanFeed {
        url: String,
        page: usize,
        feed: usize,
    },
}

/// An article as extracted from its page.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractedArticle {
    /// Where the page was after redirects.
    pub url: String,
    /// Sanitized like feed content; safe to render.
    pub content_html: String,
    /// Plain text of `content_html`.
    pub text: String,
}

/// Fetches `link` (reaching only what `reach` allows: a link is a stranger's choice) and
/// extracts its article. `feed_text_chars` is how much text the feed itself had: a page
/// that yields less is reported as a failure rather than used.
pub async fn fetch_whole_article(
    fetcher: &Fetcher,
    link: &str,
    reach: Reach,
    feed_text_chars: usize,
) -> Result<ExtractedArticle, WholeArticleError> {
    let fetched = match fetcher
        .fetch_within(link, &Validators::default(), reach)
        .await?
    {
        FetchOutcome::Fetched(fetched) => fetched,
        FetchOutcome::NotModified => {
            return Err(WholeArticleError::Unexpected304 {
                url: link.to_string(),
            })
        }
    };
    if let Some(content_type) = &fetched.content_type {
        let lower = content_type.to_ascii_lowercase();
        if !lower.contains("html") && !lower.starts_with("text/plain") {
            return Err(WholeArticleError::NotHtml {
                url: link.to_string(),
                content_type: content_type.clone(),
            });
        }
    }
    let final_url = fetched.final_url.clone();
    // Readability is CPU work on a possibly large page: off the async workers.
    tokio::task::spawn_blocking(move || {
        let html = String::from_utf8_lossy(&fetched.body);
        let extracted = extract_article(&html, &final_url)?;
        let chars = extracted.text.chars().count();
        if chars <= feed_text_chars {
            return Err(WholeArticleError::ShorterThanFeed {
                url: final_url,
                page: chars,
                feed: feed_text_chars,
            });
        }
        Ok(extracted)
    })
    .await
    .unwrap_or_else(|e| {
        Err(WholeArticleError::NoArticle {
            url: link.to_string(),
            detail: format!("the extractor stopped unexpectedly: {e}"),
        })
    })
}

/// The article in `html` (a page fetched from `page_url`), sanitized. No I/O.
pub fn extract_article(html: &str, page_url: &str) -> Result<ExtractedArticle, WholeArticleError> {
    let no_article = |detail: String| WholeArticleError::NoArticle {
        url: page_url.to_string(),
        detail,
    };
    let config = dom_smoothie::Config {
        max_elements_to_parse: MAX_ELEMENTS,
        ..Default::default()
    };
    let mut readability = dom_smoothie::Readability::new(html, Some(page_url), Some(config))
        .map_err(|e| no_article(e.to_string()))?;
    let article = readability.parse().map_err(|e| no_article(e.to_string()))?;
    let base = url::Url::parse(page_url).ok();
    // The same cap as a feed's content (a page may be ten times larger), cut before the
    // sanitizer, which closes what the cut leaves open.
    let content = truncate_bytes(article.content.to_string(), MAX_CONTENT_BYTES);
    let content_html = sanitize_html(&content, base.as_ref()).trim().to_string();
    let text = html_to_text(&content_html);
    if text.is_empty() {
        return Err(no_article("the page has no readable text".to_string()));
    }
    Ok(ExtractedArticle {
        url: page_url.to_string(),
        content_html,
        text,
    })
}

/// Endings that say "the rest is on the website".
const TEASER_ENDINGS: &[&str] = &[
    "…",
    "...",
    "[…]",
    "[...]",
    "read more",
    "read more »",
    "continue reading",
    "read the full article",
    "read the rest",
    "more »",
];
/// A body shorter than this (in characters) is a summary, not an article.
const SHORT_BODY_CHARS: usize = 500;
/// Fewer entries than this say too little about a feed.
const MIN_ENTRIES: usize = 3;

/// Whether a feed's entries look like teasers: most of them end with "…" or "Read more",
/// or most of them are much shorter than an article and link to one. Only an offer of the
/// whole-articles switch depends on it, so a wrong guess costs nothing.
pub fn looks_truncated(entries: &[NewArticle]) -> bool {
    let with_links: Vec<&NewArticle> = entries.iter().filter(|a| a.link.is_some()).collect();
    if with_links.len() < MIN_ENTRIES {
        return false;
    }
    let bodies: Vec<&str> = with_links
        .iter()
        .map(|a| crate::search::body_of(&a.title, &a.text))
        .collect();
    let teasers = bodies.iter().filter(|b| ends_like_a_teaser(b)).count();
    let short = bodies
        .iter()
        .filter(|b| b.chars().count() < SHORT_BODY_CHARS)
        .count();
    let most = |n: usize| n * 5 >= bodies.len() * 3; // at least 60 %
    most(teasers) || most(short)
}

fn ends_like_a_teaser(body: &str) -> bool {
    let end: String = body
        .trim_end()
        .chars()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_lowercase();
    TEASER_ENDINGS.iter().any(|t| end.ends_with(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(title: &str, body: &str) -> NewArticle {
        NewArticle {
            title: title.to_string(),
            link: Some(format!("https://site.example/{title}")),
            text: format!("{title}\n\n{body}"),
            ..Default::default()
        }
    }

    #[test]
    fn teasers_and_short_entries_look_truncated_full_articles_do_not() {
        let long = "A sentence of a real article. ".repeat(40);
        let full: Vec<_> = (0..5).map(|i| entry(&format!("t{i}"), &long)).collect();
        assert!(!looks_truncated(&full));

        let teasers: Vec<_> = (0..5)
            .map(|i| entry(&format!("t{i}"), &format!("{} Read more", long)))
            .collect();
        assert!(looks_truncated(&teasers), "long bodies ending in Read more");

        let short: Vec<_> = (0..5)
            .map(|i| entry(&format!("t{i}"), "Two sentences. That is all"))
            .collect();
        assert!(looks_truncated(&short));
        assert!(!looks_truncated(&short[..2]), "too few entries to tell");

        let ellipsis = entry("x", &format!("{long} and then…"));
        assert!(ends_like_a_teaser(crate::search::body_of(
            "x",
            &ellipsis.text
        )));
    }

    /// A page may be ten times larger than a feed's content cap; what is kept of it is not.
    #[test]
    fn a_whole_article_is_capped_like_feed_content() {
        let paragraph = format!(
            "<p>{}</p>",
            "The river rose again this spring. ".repeat(600)
        );
        let html = format!(
            "<html><body><article><h1>Flood</h1>{}</article></body></html>",
            paragraph.repeat(120)
        );
        assert!(html.len() > 2 * MAX_CONTENT_BYTES);
        let article = extract_article(&html, "https://news.example/flood").unwrap();
        assert!(
            article.content_html.len() <= MAX_CONTENT_BYTES + 64,
            "{} bytes kept",
            article.content_html.len()
        );
        assert!(article.text.len() <= MAX_CONTENT_BYTES);
        assert!(article.content_html.ends_with("</p>") || article.content_html.ends_with("</div>"));
    }

    #[test]
    fn extracts_the_article_and_sanitizes_it_like_feed_content() {
        let paragraph = "<p>The committee met on Tuesday to discuss the river crossing, \
            and after a long debate the members agreed on a wooden footbridge.</p>";
        let html = format!(
            "<html><head><title>Bridge</title></head><body>\
             <nav><a href='/'>Home</a> <a href='/about'>About</a></nav>\
             <article><h1>Bridge</h1>{}<p><a href='/plans'>plans</a>\
             <img src='/bridge.jpg' onerror='evil()'></p>\
             <script>evil()</script></article>\
             <footer>Copyright</footer></body></html>",
            paragraph.repeat(6)
        );
        let article = extract_article(&html, "https://news.example/2024/bridge").unwrap();
        assert!(
            article.text.contains("wooden footbridge"),
            "{}",
            article.text
        );
        assert!(!article.text.contains("Copyright"), "{}", article.text);
        let h = &article.content_html;
        assert!(!h.contains("evil") && !h.contains("<script"), "{h}");
        assert!(
            h.contains("https://news.example/plans"),
            "relative links resolved: {h}"
        );
        assert!(h.contains("noopener noreferrer"), "{h}");

        assert!(matches!(
            extract_article("<html><body></body></html>", "https://news.example/empty"),
            Err(WholeArticleError::NoArticle { .. })
        ));
    }
}
