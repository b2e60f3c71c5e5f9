//! Feeds shipped inside Sift: the offline sample (350 Wikipedia article summaries in seven
//! topics, CC BY-SA 4.0; see `crates/core/sample/PROVENANCE.md`). It is served through the
//! fetcher under its own URL, so subscribing, refreshing (a 304 after the first time),
//! listing and unsubscribing work exactly as for any feed, with no network.

use super::fetch::{FetchOutcome, Fetched, Validators};

/// The subscription URL of the offline sample.
pub const SAMPLE_FEED_URL: &str = "sift-sample:wikipedia-vital-articles";

/// Where the sample's relative links resolve and what "site" it stands for.
pub const SAMPLE_SITE_URL: &str = "https://en.wikipedia.org/wiki/Wikipedia:Vital_articles/Level/4";

const SAMPLE_JSON: &[u8] = include_bytes!("../../sample/sample.json");

pub fn is_bundled(url: &str) -> bool {
    url.trim() == SAMPLE_FEED_URL
}

/// The bundled feed at `url`, or `None` when `url` is not a bundled feed. The ETag is the
/// content hash, so an unchanged sample costs a "not modified" like a real 304.
pub fn fetch(url: &str, validators: &Validators) -> Option<FetchOutcome> {
    if !is_bundled(url) {
        return None;
    }
    let etag = format!(
        "\"{}\"",
        super::article::content_hash(&String::from_utf8_lossy(SAMPLE_JSON))
    );
    if validators.etag.as_deref() == Some(etag.as_str()) {
        return Some(FetchOutcome::NotModified);
    }
    Some(FetchOutcome::Fetched(Fetched {
        final_url: SAMPLE_SITE_URL.to_string(),
        content_type: Some("application/feed+json".to_string()),
        body: SAMPLE_JSON.to_vec(),
        validators: Validators {
            etag: Some(etag),
            last_modified: None,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_parses_into_hundreds_of_articles_in_at_least_four_topics() {
        let Some(FetchOutcome::Fetched(fetched)) = fetch(SAMPLE_FEED_URL, &Validators::default())
        else {
            panic!("the sample must be served");
        };
        let parsed = crate::feeds::parse::parse_feed(&fetched.body, &fetched.final_url).unwrap();
        assert!(parsed.entries.len() >= 300, "{}", parsed.entries.len());
        let value: serde_json::Value = serde_json::from_slice(&fetched.body).unwrap();
        let topics: std::collections::HashSet<String> = value["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["tags"][0].as_str().map(str::to_string))
            .collect();
        assert!(topics.len() >= 4, "{topics:?}");
    }

    #[test]
    fn unchanged_sample_is_not_modified_and_other_urls_are_not_bundled() {
        let Some(FetchOutcome::Fetched(first)) = fetch(SAMPLE_FEED_URL, &Validators::default())
        else {
            panic!("the sample must be served");
        };
        assert_eq!(
            fetch(SAMPLE_FEED_URL, &first.validators),
            Some(FetchOutcome::NotModified)
        );
        assert_eq!(
            fetch("https://example.com/feed", &Validators::default()),
            None
        );
    }
}
