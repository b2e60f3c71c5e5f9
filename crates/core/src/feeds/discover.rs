//! A URL the user typed → the feed to subscribe to. A feed URL is used as is; a web page is
//! searched for `<link rel="alternate">` feeds (RSS, Atom, JSON Feed), then a few common
//! feed paths on the same site are tried.
//!
//! A page is written by a stranger: at most [`MAX_CANDIDATES`] URLs are tried, links are
//! deduplicated in linear time, and the whole search shares one deadline
//! ([`super::FeedSettings::discover_timeout`]) instead of a timeout per candidate.

use std::cell::RefCell;
use std::collections::HashSet;

use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use super::address::reach_for;
use super::fetch::{parse_http_url, FetchOutcome, Fetched, Fetcher, Reach, Validators};
use super::parse::{parse_feed, ParsedFeed};
use super::FeedError;

/// Paths many sites serve their feed at, tried in this order when a page links to none.
pub const COMMON_FEED_PATHS: &[&str] = &[
    "/feed",
    "/rss.xml",
    "/atom.xml",
    "/index.xml",
    "/feed.xml",
    "/feed.json",
    "/rss",
];

/// Candidate feed URLs fetched for one subscribe, page links first, then common paths.
pub const MAX_CANDIDATES: usize = 10;

/// `<link>` tags remembered from one page. Only feed-typed alternates are kept, so real
/// pages stay far below this; it bounds the memory a page of millions of links can take.
const MAX_LINK_TAGS: usize = 1_000;

const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
];

#[derive(Debug, Clone, PartialEq)]
pub struct FeedLink {
    pub url: String,
    pub title: Option<String>,
    pub mime_type: String,
}

/// A `<link>` tag's attributes that matter for discovery.
struct LinkTag {
    rel: Option<String>,
    mime: Option<String>,
    href: Option<String>,
    title: Option<String>,
}

impl LinkTag {
    /// `rel="alternate"` with a feed's MIME type and an href.
    fn is_feed(&self) -> bool {
        let is_alternate = self.rel.as_deref().is_some_and(|r| {
            r.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
        });
        is_alternate
            && self.href.as_deref().is_some_and(|h| !h.trim().is_empty())
            && FEED_TYPES.contains(&mime_essence(self.mime.as_deref()).as_str())
    }
}

fn mime_essence(mime: Option<&str>) -> String {
    let mime = mime.unwrap_or_default().trim().to_ascii_lowercase();
    mime.split(';').next().unwrap_or("").trim().to_string()
}

#[derive(Default)]
struct LinkSink {
    links: RefCell<Vec<LinkTag>>,
    base: RefCell<Option<String>>,
}

impl TokenSink for LinkSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        if tag.kind != TagKind::StartTag {
            return TokenSinkResult::Continue;
        }
        let attr = |name: &str| {
            tag.attrs
                .iter()
                .find(|a| &*a.name.local == name)
                .map(|a| a.value.to_string())
        };
        match &*tag.name {
            "link" if self.links.borrow().len() < MAX_LINK_TAGS => {
                let link = LinkTag {
                    rel: attr("rel"),
                    mime: attr("type"),
                    href: attr("href"),
                    title: attr("title"),
                };
                if link.is_feed() {
                    self.links.borrow_mut().push(link);
                }
            }
            "base" if self.base.borrow().is_none() => *self.base.borrow_mut() = attr("href"),
            // Raw-text bodies, so "<link" inside a script is not mistaken for a tag.
            "script" if !tag.self_closing => {
                return TokenSinkResult::RawData(html5ever::tokenizer::states::RawKind::ScriptData)
            }
            "style" | "noscript" | "iframe" if !tag.self_closing => {
                return TokenSinkResult::RawData(html5ever::tokenizer::states::RawKind::Rawtext)
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Feeds a page announces with `<link rel="alternate" type="...feed type..." href>`, in page
/// order, resolved against `<base href>` or the page URL.
pub fn find_feed_links(html: &[u8], page_url: &url::Url) -> Vec<FeedLink> {
    let tokenizer = Tokenizer::new(LinkSink::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(String::from_utf8_lossy(html).as_ref().into());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let base = tokenizer
        .sink
        .base
        .take()
        .and_then(|b| page_url.join(&b).ok())
        .unwrap_or_else(|| page_url.clone());

    let mut found: Vec<FeedLink> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for LinkTag {
        mime, href, title, ..
    } in tokenizer.sink.links.take()
    {
        let Some(href) = href else { continue };
        let Ok(url) = base.join(href.trim()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || !seen.insert(url.to_string()) {
            continue;
        }
        found.push(FeedLink {
            url: url.to_string(),
            title: title.filter(|t| !t.trim().is_empty()),
            mime_type: mime_essence(mime.as_deref()),
        });
    }
    // Dedicated feed types first; generic XML/JSON alternates are weaker hints.
    found.sort_by_key(|f| {
        !matches!(
            f.mime_type.as_str(),
            "application/rss+xml" | "application/atom+xml" | "application/feed+json"
        )
    });
    found
}

/// The common feed paths on `page_url`'s site.
pub fn common_feed_urls(page_url: &url::Url) -> Vec<String> {
    COMMON_FEED_PATHS
        .iter()
        .filter_map(|p| page_url.join(p).ok())
        .map(|u| u.to_string())
        .collect()
}

fn looks_like_html(fetched: &Fetched) -> bool {
    if fetched
        .content_type
        .as_deref()
        .is_some_and(|c| c.to_ascii_lowercase().contains("html"))
    {
        return true;
    }
    let head =
        String::from_utf8_lossy(&fetched.body[..fetched.body.len().min(1024)]).to_ascii_lowercase();
    head.contains("<!doctype html") || head.contains("<html")
}

/// The feed behind `url`: the URL to subscribe to and what it holds right now.
pub struct Discovered {
    pub feed_url: String,
    pub feed: ParsedFeed,
}

/// Fetches `url`; if it is a feed, that's it, otherwise looks for one as described in the
/// module docs. The error for the URL itself is kept when nothing else is found, since it
/// says most (a 404, a timeout, ...). The page's links are its author's choice: from a
/// page on the public internet they are fetched only from public addresses (see
/// `address.rs`).
pub async fn discover(fetcher: &Fetcher, url: &str) -> Result<Discovered, FeedError> {
    let limit = fetcher.settings().discover_timeout;
    let deadline = tokio::time::Instant::now() + limit;
    let out_of_time = || FeedError::DiscoveryTimeout {
        url: url.to_string(),
        seconds: limit.as_secs_f64().ceil() as u64,
    };
    let fetch = |target: String, reach: Reach| async move {
        tokio::time::timeout_at(
            deadline,
            fetcher.fetch_within(&target, &Validators::default(), reach),
        )
        .await
    };

    let page_url = parse_http_url(url)?;
    let fetched = match fetch(page_url.to_string(), Reach::Any)
        .await
        .map_err(|_| out_of_time())??
    {
        FetchOutcome::Fetched(f) => f,
        FetchOutcome::NotModified => {
            return Err(FeedError::NoFeedFound {
                url: url.to_string(),
            })
        }
    };
    let direct_error = match parse_feed(&fetched.body, &fetched.final_url) {
        Ok(feed) => {
            return Ok(Discovered {
                feed_url: url.trim().to_string(),
                feed,
            })
        }
        Err(e) => e,
    };
    if !looks_like_html(&fetched) {
        return Err(direct_error);
    }

    let final_url = url::Url::parse(&fetched.final_url).unwrap_or(page_url);
    // Within the one deadline too; not knowing counts as public, the stricter choice.
    let reach = tokio::time::timeout_at(deadline, reach_for(final_url.as_str()))
        .await
        .unwrap_or(Reach::PublicOnly);
    for candidate in candidates(&fetched.body, &final_url) {
        let Ok(outcome) = fetch(candidate.clone(), reach).await else {
            return Err(out_of_time());
        };
        let Ok(FetchOutcome::Fetched(body)) = outcome else {
            continue;
        };
        if let Ok(feed) = parse_feed(&body.body, &body.final_url) {
            return Ok(Discovered {
                feed_url: candidate,
                feed,
            });
        }
    }
    Err(FeedError::NoFeedFound {
        url: url.to_string(),
    })
}

/// The URLs worth trying for a page: its feed links, then the common paths, without
/// repeats, at most [`MAX_CANDIDATES`].
pub fn candidates(html: &[u8], page_url: &url::Url) -> Vec<String> {
    let mut seen = HashSet::new();
    find_feed_links(html, page_url)
        .into_iter()
        .map(|l| l.url)
        .chain(common_feed_urls(page_url))
        .filter(|u| seen.insert(u.clone()))
        .take(MAX_CANDIDATES)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_alternate_feed_links_in_page_order_and_resolves_them() {
        let page = br#"<!doctype html><html><head>
            <base href="https://site.example/blog/">
            <script>document.write('<link rel="alternate" type="application/rss+xml" href="/fake">')</script>
            <link rel="stylesheet" href="/style.css">
            <link rel="alternate" type="application/json" href="comments.json">
            <link rel="alternate" type="application/atom+xml" title="Atom" href="atom.xml">
            <LINK REL="Alternate" TYPE="application/rss+xml" HREF="/rss.xml">
            <link rel="alternate" type="application/feed+json" href="https://cdn.example/feed.json">
            <link rel="alternate" hreflang="fr" href="/fr/">
            </head><body></body></html>"#;
        let links = find_feed_links(page, &url::Url::parse("https://site.example/").unwrap());
        let urls: Vec<_> = links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://site.example/blog/atom.xml",
                "https://site.example/rss.xml",
                "https://cdn.example/feed.json",
                "https://site.example/blog/comments.json",
            ]
        );
        assert_eq!(links[0].title.as_deref(), Some("Atom"));
    }

    #[test]
    fn common_paths_are_on_the_site_root() {
        let urls = common_feed_urls(&url::Url::parse("https://site.example/a/b.html").unwrap());
        assert_eq!(urls[0], "https://site.example/feed");
        assert!(urls.contains(&"https://site.example/feed.json".to_string()));
    }
}
