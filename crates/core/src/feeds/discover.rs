//! A URL the user typed → the feed to subscribe to. A feed URL is used as is; a web page is
//! searched for `<link rel="alternate">` feeds (RSS, Atom, JSON Feed), then a few common
//! feed paths on the same site are tried.

use std::cell::RefCell;

use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use super::fetch::{parse_http_url, FetchOutcome, Fetched, Fetcher, Validators};
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
            "link" => self.links.borrow_mut().push(LinkTag {
                rel: attr("rel"),
                mime: attr("type"),
                href: attr("href"),
                title: attr("title"),
            }),
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
    for LinkTag {
        rel,
        mime,
        href,
        title,
    } in tokenizer.sink.links.take()
    {
        let is_alternate = rel.as_deref().is_some_and(|r| {
            r.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
        });
        let mime = mime.unwrap_or_default().trim().to_ascii_lowercase();
        let mime_essence = mime.split(';').next().unwrap_or("").trim().to_string();
        let Some(href) = href.filter(|h| !h.trim().is_empty()) else {
            continue;
        };
        if !is_alternate || !FEED_TYPES.contains(&mime_essence.as_str()) {
            continue;
        }
        let Ok(url) = base.join(href.trim()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || found.iter().any(|f| f.url == url.as_str())
        {
            continue;
        }
        found.push(FeedLink {
            url: url.to_string(),
            title: title.filter(|t| !t.trim().is_empty()),
            mime_type: mime_essence,
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
/// says most (a 404, a timeout, ...).
pub async fn discover(fetcher: &Fetcher, url: &str) -> Result<Discovered, FeedError> {
    let page_url = parse_http_url(url)?;
    let fetched = match fetcher
        .fetch(page_url.as_str(), &Validators::default())
        .await?
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
    let mut candidates: Vec<String> = find_feed_links(&fetched.body, &final_url)
        .into_iter()
        .map(|l| l.url)
        .collect();
    for common in common_feed_urls(&final_url) {
        if !candidates.contains(&common) {
            candidates.push(common);
        }
    }
    for candidate in candidates {
        let Ok(FetchOutcome::Fetched(body)) =
            fetcher.fetch(&candidate, &Validators::default()).await
        else {
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
