//! HTTP fetching with bounds: connect and total timeouts, a redirect limit, a body cap that
//! holds after decompression (the body is streamed and reading stops at the cap), an honest
//! User-Agent, and conditional GET. Links a stranger chose (inside a feed) are fetched with
//! [`Reach::PublicOnly`]: the same bounds, and never an address on the reader's own network
//! (see `address.rs`).

use std::sync::Arc;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;

use super::address::{check_public_url, refused_in, PublicOnlyResolver};
use super::{describe_chain, FeedError, FeedSettings};

/// Which addresses a fetch may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Any: a URL the user chose (a feed they subscribed to, with its redirects).
    Any,
    /// Public internet addresses only, redirects included: a link from a feed that is
    /// itself on the public internet.
    PublicOnly,
}

/// What a previous 200 response said, sent back so an unchanged feed costs a 304.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    /// Where the body came from after redirects (the base for relative URLs).
    pub final_url: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub validators: Validators,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FetchOutcome {
    NotModified,
    Fetched(Fetched),
}

/// A configured HTTP client. Cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    /// The same client for [`Reach::PublicOnly`]: local addresses resolve to nothing and
    /// redirects to them are refused.
    public_client: reqwest::Client,
    settings: FeedSettings,
}

const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
    application/rdf+xml;q=0.9, application/json;q=0.8, application/xml;q=0.8, text/xml;q=0.8, \
    text/html;q=0.5, */*;q=0.3";

impl Fetcher {
    pub fn new(settings: &FeedSettings) -> Result<Self, FeedError> {
        let builder = || {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT));
            reqwest::Client::builder()
                .user_agent(settings.user_agent.clone())
                .default_headers(headers)
                .connect_timeout(settings.connect_timeout)
                .timeout(settings.total_timeout)
        };
        let setup_failed = |e: reqwest::Error| FeedError::Network {
            url: "(client setup)".into(),
            detail: describe_chain(&e),
        };
        let client = builder()
            .redirect(reqwest::redirect::Policy::limited(settings.max_redirects))
            .build()
            .map_err(setup_failed)?;
        let max_redirects = settings.max_redirects;
        let public_client = builder()
            .dns_resolver(Arc::new(PublicOnlyResolver))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > max_redirects {
                    return attempt.error("too many redirects");
                }
                match check_public_url(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(refused) => attempt.error(refused),
                }
            }))
            .build()
            .map_err(setup_failed)?;
        Ok(Self {
            client,
            public_client,
            settings: settings.clone(),
        })
    }

    pub fn settings(&self) -> &FeedSettings {
        &self.settings
    }

    /// GETs `url`, conditionally when `validators` hold anything. Any status other than 200
    /// and 304 is an error; so is a body over the cap, compressed or not.
    pub async fn fetch(
        &self,
        url: &str,
        validators: &Validators,
    ) -> Result<FetchOutcome, FeedError> {
        self.fetch_within(url, validators, Reach::Any).await
    }

    /// [`Fetcher::fetch`], reaching only the addresses `reach` allows.
    pub async fn fetch_within(
        &self,
        url: &str,
        validators: &Validators,
        reach: Reach,
    ) -> Result<FetchOutcome, FeedError> {
        self.fetch_capped(url, validators, reach, self.settings.max_body_bytes)
            .await
    }

    /// [`Fetcher::fetch_within`] with a smaller body cap than the feeds' (icons), never a
    /// larger one.
    pub async fn fetch_capped(
        &self,
        url: &str,
        validators: &Validators,
        reach: Reach,
        max_body_bytes: usize,
    ) -> Result<FetchOutcome, FeedError> {
        if let Some(outcome) = super::bundled::fetch(url, validators) {
            return Ok(outcome);
        }
        let parsed = parse_http_url(url)?;
        let client = match reach {
            Reach::Any => &self.client,
            Reach::PublicOnly => {
                check_public_url(&parsed).map_err(|refused| FeedError::LocalAddress {
                    url: url.to_string(),
                    detail: refused.to_string(),
                })?;
                &self.public_client
            }
        };
        let mut request = client.get(parsed);
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, last_modified);
        }
        let mut response = request.send().await.map_err(|e| self.classify(url, e))?;

        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified);
        }
        if status != StatusCode::OK {
            return Err(FeedError::HttpStatus {
                url: url.to_string(),
                status: status.to_string(),
            });
        }

        let limit = max_body_bytes.min(self.settings.max_body_bytes);
        let too_large = || FeedError::TooLarge {
            url: url.to_string(),
            limit,
        };
        // Content-Length is the compressed size when the body is compressed, so it can only
        // reject early; the streamed count below is what enforces the cap.
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let header_text = |name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header_text(header::CONTENT_TYPE);
        let validators = Validators {
            etag: header_text(header::ETAG),
            last_modified: header_text(header::LAST_MODIFIED),
        };
        let final_url = response.url().to_string();

        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(url, e))? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchOutcome::Fetched(Fetched {
            final_url,
            content_type,
            body,
            validators,
        }))
    }

    fn classify(&self, url: &str, e: reqwest::Error) -> FeedError {
        let url = url.to_string();
        if let Some(refused) = refused_in(&e) {
            FeedError::LocalAddress {
                url,
                detail: refused.to_string(),
            }
        } else if e.is_timeout() {
            FeedError::Timeout {
                url,
                seconds: self.settings.total_timeout.as_secs().max(1),
            }
        } else if e.is_redirect() {
            FeedError::TooManyRedirects {
                url,
                limit: self.settings.max_redirects,
            }
        } else if e.is_connect() {
            FeedError::Connect {
                url,
                detail: innermost_cause(&e),
            }
        } else {
            FeedError::Network {
                url,
                detail: innermost_cause(&e),
            }
        }
    }
}

/// reqwest's own message repeats the URL ("error sending request for url (...)"); the root
/// cause ("connection refused", "invalid gzip header") is what a person needs.
fn innermost_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Only http and https: a feed URL is fetched from the network, never from disk.
pub fn parse_http_url(url: &str) -> Result<url::Url, FeedError> {
    let invalid = |reason: String| FeedError::InvalidUrl {
        url: url.to_string(),
        reason,
    };
    let parsed = url::Url::parse(url.trim()).map_err(|e| invalid(e.to_string()))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host_str().is_some() => Ok(parsed),
        "http" | "https" => Err(invalid("it has no host".into())),
        other => Err(invalid(format!(
            "only http and https are supported, not {other}:"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(parse_http_url("https://example.com/feed").is_ok());
        let err = parse_http_url("file:///etc/passwd")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("file:///etc/passwd") && err.contains("not file:"),
            "{err}"
        );
        assert!(parse_http_url("not a url").is_err());
    }
}
