//! The feeds face of [`Engine`]: subscriptions, OPML and reading articles (refreshing is
//! ingestion's, in `ingest.rs`).
//! Each method is a thin sequence of calls into `feeds/` and `store/`.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{ArticleScore, Engine};
use crate::domain::{ArticleId, ArticleMeta, FeedId, FeedRecord, Rating, WholeArticle};
use crate::error::{Error, Result};
use crate::feeds::discover::discover;
use crate::feeds::fetch::parse_http_url;
use crate::feeds::media::{enclosures_for_reader, MediaEnclosure};
use crate::feeds::opml::{export_opml, parse_opml};
use crate::feeds::render::render_for_reader;
use crate::feeds::FeedError;
use crate::store::{listing_date, StoreError};

// The app keeps one `Arc<Engine>` and calls it from several threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
};

/// A subscription as listed (`sift feeds`, the app's sidebar).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FeedSummary {
    pub id: FeedId,
    pub url: String,
    pub title: String,
    pub site_url: Option<String>,
    pub last_fetched: Option<String>,
    /// "pending" (never fetched), "ok", "not_modified" or "error".
    pub status: String,
    pub error: Option<String>,
    pub article_count: usize,
    /// Liked ÷ (liked + disliked) among this feed's rated articles; `None` until one is rated.
    pub liked_ratio: Option<f64>,
    pub folder: Option<String>,
    pub tags: Vec<String>,
    /// Whole articles are fetched from the entries' pages.
    pub full_text: bool,
    /// The entries look like teasers: offer `full_text`.
    pub looks_truncated: bool,
    /// An icon is stored for this feed (the app shows it from the store).
    pub icon: bool,
}

/// An article as listed (`sift articles`, the app's reading list).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArticleView {
    pub id: ArticleId,
    pub feed_id: FeedId,
    pub title: String,
    pub link: Option<String>,
    pub published: Option<String>,
    pub author: Option<String>,
    pub summary: Option<String>,
    /// Sanitized; safe to render.
    pub content_html: Option<String>,
    /// The preference model's probability that the user likes it; `None` until embedded.
    pub score: Option<f64>,
    pub confidence: Option<f64>,
    /// "like", "dislike", "skip" or `None`.
    pub rating: Option<Rating>,
    /// Marked read (opened, or marked by hand or in bulk).
    pub read: bool,
    /// Saved for later (not a rating).
    pub saved: bool,
    /// Set when the feed asks for whole articles: where the page came from, or why the
    /// feed's own content is shown instead. Left out of JSON when unset, so articles of
    /// ordinary feeds keep the CLI contract's exact fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub whole: Option<WholeArticle>,
    /// Media the entry carries (podcast audio, video, images, files), for a player or a
    /// link in the reader. Left out of JSON when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<MediaEnclosure>>", optional))]
    pub enclosures: Vec<MediaEnclosure>,
}

/// What the reader has done with an article, beside its content: its answer, whether it
/// was read and whether it is saved.
struct ReaderMarks {
    rating: Option<Rating>,
    read: bool,
    saved: bool,
}

impl ArticleView {
    fn new(
        a: ArticleMeta,
        content_html: Option<String>,
        marks: ReaderMarks,
        score: Option<ArticleScore>,
    ) -> Self {
        Self {
            score: score.map(|s| f64::from(s.score)),
            confidence: score.map(|s| f64::from(s.confidence)),
            rating: marks.rating,
            read: marks.read,
            saved: marks.saved,
            id: a.id,
            feed_id: a.feed_id,
            title: a.title,
            link: a.link,
            published: a.published,
            author: a.author,
            summary: a.summary,
            content_html,
            whole: a.whole,
            enclosures: enclosures_for_reader(&a.enclosures),
        }
    }
}

/// Which articles a listing shows. Every filter is applied here, in the core, so the CLI
/// and the app list the same articles and the app never receives what it would discard.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ArticleFilter {
    pub limit: Option<usize>,
    pub feed: Option<FeedId>,
    pub unrated: bool,
    /// Only articles of these feeds (e.g. a folder's); `None` for all.
    pub feeds: Option<Vec<FeedId>>,
    /// Only articles with this answer.
    pub rating: Option<Rating>,
    /// Every word must appear in the title, summary or author (case-insensitive).
    pub query: Option<String>,
    /// Only articles not marked read.
    pub unread_only: bool,
    /// Leave `content_html` out: a list needs titles, the reader asks for one article.
    pub without_content: bool,
}

impl ArticleFilter {
    fn matches_text(&self, a: &ArticleMeta) -> bool {
        let Some(query) = self.query.as_deref() else {
            return true;
        };
        let haystack = format!(
            "{}\n{}\n{}",
            a.title,
            a.summary.as_deref().unwrap_or(""),
            a.author.as_deref().unwrap_or("")
        )
        .to_lowercase();
        query
            .split_whitespace()
            .all(|word| haystack.contains(&word.to_lowercase()))
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct OpmlImportReport {
    pub added: usize,
    pub skipped: usize,
    /// One line per skipped outline: what it was and why it was skipped.
    pub errors: Vec<String>,
}

impl Engine {
    /// Subscribes to a feed URL, or to the feed a site's page announces (autodiscovery).
    /// The feed is fetched once to be sure it is one; its articles arrive with the next
    /// refresh. Subscribing twice to the same feed is refused.
    pub async fn subscribe(&self, url: &str) -> Result<FeedRecord> {
        let url = url.trim();
        parse_http_url(url)?;
        self.refuse_duplicate(url)?;
        let discovered = discover(self.fetcher()?, url).await?;
        if discovered.feed_url != url {
            self.refuse_duplicate(&discovered.feed_url)?;
        }
        let title = discovered.feed.title.clone().unwrap_or_else(|| {
            url::Url::parse(&discovered.feed_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_else(|| discovered.feed_url.clone())
        });
        let site_url = discovered
            .feed
            .site_url
            .clone()
            .or_else(|| (discovered.feed_url != url).then(|| url.to_string()));
        let record = FeedRecord::new(
            self.store.new_feed_id()?,
            discovered.feed_url,
            title,
            site_url,
        );
        self.store
            .insert_feed(&record)
            .map_err(already_subscribed)?;
        self.store.flush()?;
        Ok(record)
    }

    fn refuse_duplicate(&self, url: &str) -> Result<()> {
        match self.store.find_feed_by_url(url)? {
            Some(existing) => Err(FeedError::AlreadySubscribed {
                url: existing.url,
                existing: existing.id,
            }
            .into()),
            None => Ok(()),
        }
    }

    /// Removes a feed given by id or URL, with its unrated articles; rated articles stay.
    pub fn unsubscribe(&self, id_or_url: &str) -> Result<FeedId> {
        let feed = self.find_feed(id_or_url)?;
        let carried = self.store.feed_article_ids(feed.id)?;
        self.store.remove_feed(feed.id)?;
        self.store.remove_feed_icon(feed.id)?;
        self.store.flush()?;
        self.reindex_quietly(&carried);
        // Its articles leave the learner's corpus (the only change that is not incremental).
        self.invalidate();
        Ok(feed.id)
    }

    pub(super) fn find_feed(&self, id_or_url: &str) -> Result<FeedRecord> {
        let id_or_url = id_or_url.trim();
        let found = match id_or_url.parse::<FeedId>() {
            Ok(id) => self.store.get_feed(id)?,
            Err(_) => self.store.find_feed_by_url(id_or_url)?,
        };
        found.ok_or_else(|| {
            Error::NotFound(format!(
                "no subscribed feed has the id or URL {id_or_url:?} (see `sift feeds`)"
            ))
        })
    }

    /// All subscriptions, in id (subscription) order.
    pub fn feeds(&self) -> Result<Vec<FeedSummary>> {
        let counts = self.store.article_counts()?;
        let with_icons = self.store.feeds_with_icons()?;
        let mut liked: HashMap<FeedId, (usize, usize)> = HashMap::new();
        for (article, rating) in self.store.ratings_by_article()? {
            if let Some(record) = self.store.get_article_meta(article)? {
                let entry = liked.entry(record.feed_id).or_default();
                match rating {
                    Rating::Like => entry.0 += 1,
                    Rating::Dislike => entry.1 += 1,
                    Rating::Skip => {}
                }
            }
        }
        Ok(self
            .store
            .list_feeds()?
            .into_iter()
            .map(|feed| {
                let liked_ratio = liked
                    .get(&feed.id)
                    .filter(|(likes, dislikes)| likes + dislikes > 0)
                    .map(|(likes, dislikes)| *likes as f64 / (likes + dislikes) as f64);
                FeedSummary {
                    article_count: counts.get(&feed.id).copied().unwrap_or(0),
                    liked_ratio,
                    id: feed.id,
                    url: feed.url,
                    title: feed.title,
                    site_url: feed.site_url,
                    last_fetched: feed.last_fetched,
                    status: feed.status.as_str().to_string(),
                    error: feed.last_error,
                    folder: feed.folder,
                    tags: feed.tags,
                    full_text: feed.full_text,
                    looks_truncated: feed.looks_truncated,
                    icon: with_icons.contains(&feed.id),
                }
            })
            .collect())
    }

    /// Adds the feeds of an OPML file without fetching them (the next refresh does).
    pub fn import_opml(&self, path: &Path) -> Result<OpmlImportReport> {
        use std::io::Read;
        let shown = path.display().to_string();
        let unreadable = |e: std::io::Error| FeedError::OpmlUnreadable {
            path: shown.clone(),
            detail: e.to_string(),
        };
        // Read one byte past the cap so a file over it is refused without reading it all.
        let cap = crate::feeds::opml::MAX_OPML_BYTES;
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(cap as u64 + 1).read_to_end(&mut bytes))
            .map_err(unreadable)?;
        if bytes.len() > cap {
            return Err(FeedError::OpmlTooLarge {
                path: shown,
                limit: cap,
            }
            .into());
        }
        self.import_opml_text(&String::from_utf8_lossy(&bytes), &shown)
    }

    /// [`Engine::import_opml`] from text; `source` names it in messages.
    pub fn import_opml_text(&self, text: &str, source: &str) -> Result<OpmlImportReport> {
        let import = parse_opml(text, source)?;
        let mut report = OpmlImportReport::default();
        for skipped in import.skipped {
            report
                .errors
                .push(format!("{}: {}", skipped.outline, skipped.reason));
        }
        let records: Vec<FeedRecord> = import
            .feeds
            .into_iter()
            .map(|feed| {
                let mut record = FeedRecord::new(
                    self.store.new_feed_id()?,
                    feed.url.clone(),
                    feed.title.unwrap_or(feed.url),
                    feed.site_url,
                );
                record.folder = feed.folder;
                record.tags = feed.tags;
                Ok(record)
            })
            .collect::<Result<_>>()?;
        let outcomes = self.store.insert_feeds(&records)?;
        for (record, outcome) in records.iter().zip(outcomes) {
            match outcome {
                None => report.added += 1,
                Some(existing) => report.errors.push(format!(
                    "{}: already subscribed (feed {existing})",
                    record.title
                )),
            }
        }
        report.skipped = report.errors.len();
        self.store.flush()?;
        Ok(report)
    }

    /// All subscriptions as an OPML 2.0 document.
    pub fn export_opml(&self) -> Result<String> {
        Ok(export_opml(&self.store.list_feeds()?))
    }

    /// Stored articles, newest first (by publication date, else when first fetched).
    pub fn articles(&self, filter: &ArticleFilter) -> Result<Vec<ArticleView>> {
        // Filtering reads only metadata; bodies are read for the page shown.
        let ratings = self.store.ratings_by_article()?;
        let read = if filter.unread_only {
            self.store.read_ids()?
        } else {
            Default::default()
        };
        let wanted = |a: &ArticleMeta| {
            !(filter.unrated && ratings.contains_key(&a.id))
                && filter.feeds.as_ref().is_none_or(|f| f.contains(&a.feed_id))
                && filter.rating.is_none_or(|r| ratings.get(&a.id) == Some(&r))
                && !(filter.unread_only && read.contains(&a.id))
                && filter.matches_text(a)
        };
        let limit = filter.limit.unwrap_or(usize::MAX);
        // A feed's articles or the answered ones are few: read and sort them. Otherwise the
        // date index gives the page's order, so a page reads its own records and no more.
        let few: Option<Vec<ArticleId>> = match (filter.feed, filter.rating) {
            (Some(feed), _) => {
                if self.store.get_feed(feed)?.is_none() {
                    return Err(Error::NotFound(format!(
                        "no subscribed feed has the id {feed} (see `sift feeds`)"
                    )));
                }
                Some(self.store.feed_article_ids(feed)?)
            }
            (None, Some(rating)) => Some(
                ratings
                    .iter()
                    .filter(|(_, r)| **r == rating)
                    .map(|(id, _)| *id)
                    .collect(),
            ),
            (None, None) => None,
        };
        let records: Vec<ArticleMeta> = match few {
            Some(ids) => {
                let mut records: Vec<ArticleMeta> = ids
                    .into_iter()
                    .filter_map(|id| self.store.get_article_meta(id).transpose())
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                records.retain(|a| wanted(a));
                records.sort_by(|a, b| (listing_date(b), b.id).cmp(&(listing_date(a), a.id)));
                records.truncate(limit);
                records
            }
            None => {
                let mut records = Vec::new();
                for id in self.store.article_ids_newest_first() {
                    if records.len() == limit {
                        break;
                    }
                    // Gone between the index and the record: a removal in flight.
                    let Some(a) = self.store.get_article_meta(id?)? else {
                        continue;
                    };
                    if wanted(&a) {
                        records.push(a);
                    }
                }
                records
            }
        };
        let ids: Vec<_> = records.iter().map(|a| a.id).collect();
        let scores = self.score_articles(&ids)?;
        records
            .into_iter()
            .map(|a| {
                let marks = ReaderMarks {
                    rating: ratings.get(&a.id).copied(),
                    // Every article of an unread-only listing is unread.
                    read: !filter.unread_only && self.store.is_read(a.id)?,
                    saved: self.store.is_saved(a.id)?,
                };
                let score = scores.get(&a.id).copied();
                let content_html = if filter.without_content {
                    None
                } else {
                    self.store
                        .get_article_content(a.id)?
                        .and_then(|c| c.content_html)
                };
                Ok(ArticleView::new(a, content_html, marks, score))
            })
            .collect()
    }

    /// One stored article, as the reader shows it: its HTML rendered for the page, so with
    /// remote images off (the default) nothing in it loads from another site. Images held
    /// back stay as `<img>` without a `src`, for the reader's notice.
    pub fn article(&self, id: ArticleId) -> Result<ArticleView> {
        let meta = self
            .store
            .get_article_meta(id)?
            .ok_or_else(|| Error::NotFound(format!("no stored article has the id {id}")))?;
        let content_html = self
            .store
            .get_article_content(id)?
            .and_then(|c| c.content_html);
        let marks = ReaderMarks {
            rating: self.store.get_rating(id)?.map(|r| r.rating),
            read: self.store.is_read(id)?,
            saved: self.store.is_saved(id)?,
        };
        let score = self.score_articles(&[id])?.remove(&id);
        let remote_images = self.settings()?.remote_images;
        let content_html = content_html.map(|html| render_for_reader(&html, remote_images).html);
        Ok(ArticleView::new(meta, content_html, marks, score))
    }
}

fn already_subscribed(e: StoreError) -> Error {
    match e {
        StoreError::DuplicateFeed { url, existing } => {
            FeedError::AlreadySubscribed { url, existing }.into()
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ArticleRecord;

    fn engine_with(articles: &[(u64, u64, &str, &str)]) -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path()).unwrap();
        for &(id, feed, title, summary) in articles {
            engine
                .store()
                .put_article(&ArticleRecord {
                    id: ArticleId(id),
                    feed_id: FeedId(feed),
                    title: title.to_string(),
                    summary: Some(summary.to_string()),
                    content_html: Some("<p>body</p>".to_string()),
                    text: title.to_string(),
                    content_hash: format!("h{id}"),
                    published: Some(format!("2026-01-{id:02}T00:00:00Z")),
                    ..Default::default()
                })
                .unwrap();
        }
        (dir, engine)
    }

    #[test]
    fn the_reader_gets_no_remote_image_unless_settings_allow_it() {
        let (_dir, engine) = engine_with(&[]);
        let tracked =
            r#"<p>hi</p><img src=" http://t.example/px.gif"><img src="http:\t.example\b.gif">"#;
        engine
            .store()
            .put_article(&ArticleRecord {
                id: ArticleId(7),
                feed_id: FeedId(1),
                title: "tracked".to_string(),
                content_html: Some(tracked.to_string()),
                content_hash: "h7".to_string(),
                ..Default::default()
            })
            .unwrap();
        let blocked = engine.article(ArticleId(7)).unwrap().content_html.unwrap();
        assert!(!blocked.contains("t.example"), "{blocked}");
        assert_eq!(blocked.matches("<img").count(), 2, "{blocked}");
        let mut settings = engine.settings().unwrap();
        settings.remote_images = true;
        engine.update_settings(settings).unwrap();
        let allowed = engine.article(ArticleId(7)).unwrap().content_html.unwrap();
        assert!(
            allowed.contains(r#"src="http://t.example/px.gif""#),
            "{allowed}"
        );
        assert!(
            allowed.contains(r#"src="http://t.example/b.gif""#),
            "{allowed}"
        );
        // What is stored is untouched: the setting decides at every read.
        let stored = engine.store().get_article(ArticleId(7)).unwrap().unwrap();
        assert_eq!(stored.content_html.as_deref(), Some(tracked));
    }

    #[test]
    fn an_article_says_whether_it_was_read_and_saved_wherever_it_is_shown() {
        let (_dir, engine) = engine_with(&[(1, 1, "One", "a"), (2, 1, "Two", "b")]);
        let marks = |v: &ArticleView| (v.id.0, v.read, v.saved);
        assert_eq!(
            marks(&engine.article(ArticleId(1)).unwrap()),
            (1, false, false)
        );
        engine.mark_read(ArticleId(1)).unwrap();
        engine.set_saved(ArticleId(2), true).unwrap();
        // The reader's one article, the listing and the Saved view agree.
        assert_eq!(
            marks(&engine.article(ArticleId(1)).unwrap()),
            (1, true, false)
        );
        assert_eq!(
            marks(&engine.article(ArticleId(2)).unwrap()),
            (2, false, true)
        );
        let listed: Vec<_> = engine
            .articles(&ArticleFilter::default())
            .unwrap()
            .iter()
            .map(marks)
            .collect();
        assert_eq!(listed, [(2, false, true), (1, true, false)]);
        let saved: Vec<_> = engine.saved().unwrap().iter().map(marks).collect();
        assert_eq!(saved, [(2, false, true)]);
        engine.mark_read(ArticleId(2)).unwrap();
        let saved: Vec<_> = engine.saved().unwrap().iter().map(marks).collect();
        assert_eq!(saved, [(2, true, true)]);
    }

    fn ids(views: Vec<ArticleView>) -> Vec<u64> {
        views.into_iter().map(|v| v.id.0).collect()
    }

    #[test]
    fn listing_filters_by_feeds_rating_read_mark_and_words() {
        let (_dir, engine) = engine_with(&[
            (1, 1, "Rust 2.0 released", "A new edition of the language"),
            (2, 1, "Tax bill passes", "The Senate votes"),
            (3, 2, "Rust belt economy", "Factories reopen"),
            (4, 3, "Comet seen", "Astronomers report"),
        ]);
        engine
            .store()
            .put_rating(ArticleId(1), Rating::Like)
            .unwrap();
        engine
            .store()
            .put_rating(ArticleId(2), Rating::Dislike)
            .unwrap();
        engine.mark_read(ArticleId(3)).unwrap();
        let list = |f: ArticleFilter| ids(engine.articles(&f).unwrap());

        assert_eq!(list(ArticleFilter::default()), [4, 3, 2, 1], "newest first");
        let words = |q: &str| ArticleFilter {
            query: Some(q.to_string()),
            ..Default::default()
        };
        assert_eq!(list(words("rust")), [3, 1]);
        assert_eq!(list(words("RUST edition")), [1], "every word, any case");
        assert_eq!(list(words("senate")), [2], "summaries are searched too");
        assert_eq!(
            list(ArticleFilter {
                feeds: Some(vec![FeedId(2), FeedId(3)]),
                ..Default::default()
            }),
            [4, 3]
        );
        assert_eq!(
            list(ArticleFilter {
                rating: Some(Rating::Dislike),
                ..Default::default()
            }),
            [2]
        );
        assert_eq!(
            list(ArticleFilter {
                unread_only: true,
                unrated: true,
                ..Default::default()
            }),
            [4]
        );
        let lean = engine
            .articles(&ArticleFilter {
                without_content: true,
                ..Default::default()
            })
            .unwrap();
        assert!(lean.iter().all(|a| a.content_html.is_none()));
        assert!(engine
            .articles(&ArticleFilter::default())
            .unwrap()
            .iter()
            .all(|a| a.content_html.is_some()));
    }
}
