//! The search face of [`Engine`]: find articles by their words (the tantivy index under
//! the data dir), by meaning (the query's embedding against every article's), or both
//! blended; "more like this" from any article; and keeping the index in step with the
//! store.
//!
//! The index is opened on first use and then reconciled with the store once (it may be
//! missing, rebuilt after corruption, or behind after a crash). After that, whoever changes
//! stored articles calls [`Engine::update_search_index`] with their ids.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::domain::{ArticleId, ArticleRecord, FeedId, Rating};
use crate::error::{Error, Result};
use crate::search::{body_of, fingerprint, reciprocal_rank_fusion, IndexedArticle, SearchIndex};

/// Where under the data dir the index lives.
const INDEX_DIR: &str = "search";
/// Results a search returns when no limit is given.
const DEFAULT_LIMIT: usize = 50;
/// The most results one search returns: a page a person can read, and a bound on what the
/// index and the ranking allocate for a limit that comes from outside.
pub const MAX_SEARCH_LIMIT: usize = 1000;
/// The longest query: longer text is not a search, and every word becomes a clause.
pub const MAX_QUERY_CHARS: usize = 1000;
/// In the index's directory: the store's corpus generation when a full check last found
/// the index in step with it.
const IN_STEP_FILE: &str = "sift-in-step-with";
/// Articles re-indexed per commit when catching up with the store.
const SYNC_BATCH: usize = 500;

/// The engine's handle on the index, opened lazily.
#[derive(Default)]
pub(crate) struct SearchState {
    index: Mutex<Option<Arc<SearchIndex>>>,
    /// Held by [`Engine::update_search_index`] from reading the store to writing the index.
    updating: Mutex<()>,
}

/// How a search matches: by the words typed, by meaning, or both fused into one ranking.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    #[default]
    Words,
    Meaning,
    Blend,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub text: String,
    pub mode: SearchMode,
    pub limit: Option<usize>,
}

/// One search result, best first.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub id: ArticleId,
    pub feed_id: FeedId,
    pub title: String,
    pub link: Option<String>,
    pub published: Option<String>,
    pub author: Option<String>,
    /// The title, HTML-escaped, with the query's words in `<mark>`.
    pub title_html: String,
    /// A passage of the text, HTML-escaped, with the query's words in `<mark>`.
    pub snippet_html: String,
    /// Higher is better; its scale depends on the mode (BM25, cosine similarity, or fused rank).
    pub score: f32,
    /// Cosine similarity to the query (or article) when meaning took part.
    pub similarity: Option<f32>,
    /// Whether the words matched (all of them).
    pub matched_words: bool,
    pub rating: Option<Rating>,
}

/// What catching the index up with the store did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchIndexReport {
    pub indexed: usize,
    pub removed: usize,
    pub total: usize,
}

impl Engine {
    /// The open index, opening (and if needed rebuilding) it and catching it up with the
    /// store on first use.
    pub(super) fn search_index(&self) -> Result<Arc<SearchIndex>> {
        Ok(self.opened_search_index()?.0)
    }

    /// [`Engine::search_index`], and whether opening it just brought it in step with the
    /// store (then it already holds every stored article as it is now).
    fn opened_search_index(&self) -> Result<(Arc<SearchIndex>, bool)> {
        let mut slot = self.search.index.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(index) = slot.as_ref() {
            return Ok((index.clone(), false));
        }
        let _span = tracing::info_span!("open search index").entered();
        let dir = self.data_dir.join(INDEX_DIR);
        let (index, known) = SearchIndex::open_with_fingerprints(&dir)?;
        let index = Arc::new(index);
        // The full check reads every article's metadata (a second at 100,000 articles, in
        // every CLI process); it is skipped while the store is as the last check left it.
        let generation = self.store.corpus_generation()?;
        let marker = dir.join(IN_STEP_FILE);
        let checked_at = std::fs::read_to_string(&marker)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok());
        let synced = known.is_none() || checked_at != Some(generation);
        if synced {
            // Opening read the index's fingerprints already (an empty index has none).
            self.sync(&index, known.unwrap_or_default())?;
            if self.store.corpus_generation()? == generation {
                if let Err(e) = std::fs::write(&marker, generation.to_string()) {
                    tracing::warn!("could not write {}: {e}", marker.display());
                }
            }
        }
        *slot = Some(index.clone());
        Ok((index, synced))
    }

    /// Brings the index in line with the store: indexes articles it lacks or has stale,
    /// drops ones the store no longer has. Opening the index does this once; this is for
    /// a full check on demand (`sift search --reindex`).
    pub fn sync_search_index(&self) -> Result<SearchIndexReport> {
        let index = self.search_index()?;
        let known = index.fingerprints()?;
        self.sync(&index, known)
    }

    /// Re-indexes the given articles as the store has them now: stored ones are (re)indexed,
    /// ones no longer stored are removed. Call it after anything that stores, updates or
    /// deletes articles (refresh, whole-article fetching, unsubscribe, retention).
    pub fn update_search_index(&self, changed: &[ArticleId]) -> Result<()> {
        if changed.is_empty() {
            return Ok(());
        }
        // One update at a time, each reading the store and writing the index as one step:
        // two refreshes indexing at once cannot leave an older version of an article last.
        let _one_at_a_time = self
            .search
            .updating
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let (index, synced) = self.opened_search_index()?;
        if synced {
            // Opening it indexed every stored article as it is now, these ones included
            // (the first refresh of every CLI process indexed them twice before).
            return Ok(());
        }
        let mut present = Vec::new();
        let mut removed = Vec::new();
        for &id in changed {
            match self.store.get_article(id)? {
                Some(record) => present.push(record),
                None => removed.push(id),
            }
        }
        let upserts: Vec<IndexedArticle<'_>> = present.iter().map(indexed_article).collect();
        index.apply(&upserts, &removed)?;
        Ok(())
    }

    /// Lets go of what only writing the index needs ([`SearchIndex::close_writer`]), for an
    /// app gone quiet; the next change opens it again. Does not open an index that is not.
    pub fn close_search_writer(&self) {
        let index = self
            .search
            .index
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(index) = index {
            if let Err(e) = index.close_writer() {
                tracing::warn!("the search index's writer did not close cleanly: {e}");
            }
        }
    }

    /// [`Engine::update_search_index`] for writers whose own work must not fail because the
    /// index could not follow (it catches up when next opened): the failure is logged.
    pub(crate) fn reindex_quietly(&self, changed: &[ArticleId]) {
        let _span = tracing::info_span!("reindex").entered();
        if let Err(e) = self.update_search_index(changed) {
            tracing::warn!("the search index could not follow a change: {e}");
            // Reopening reconciles it with the store.
            *self.search.index.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
    }

    /// Compares the index's fingerprints (`known`, read from `index`) with the store's
    /// metadata, then indexes what is missing or stale (reading those articles' text) and
    /// drops what is gone.
    fn sync(
        &self,
        index: &SearchIndex,
        mut known: HashMap<ArticleId, u64>,
    ) -> Result<SearchIndexReport> {
        // One article's metadata at a time: only the ids to index again are kept.
        let mut stale: Vec<ArticleId> = Vec::new();
        for a in self.store.article_metas() {
            let a = a?;
            if known.remove(&a.id) != Some(fingerprint(&a.content_hash, a.author.as_deref())) {
                stale.push(a.id);
            }
        }
        // What is left in `known` is indexed but no longer stored.
        let removed: Vec<ArticleId> = known.into_keys().collect();
        index.apply(&[], &removed)?;
        let mut indexed = 0;
        for batch in stale.chunks(SYNC_BATCH) {
            let records: Vec<ArticleRecord> = batch
                .iter()
                .filter_map(|id| self.store.get_article(*id).transpose())
                .collect::<std::result::Result<_, _>>()?;
            let upserts: Vec<IndexedArticle<'_>> = records.iter().map(indexed_article).collect();
            index.apply(&upserts, &[])?;
            indexed += records.len();
        }
        Ok(SearchIndexReport {
            indexed,
            removed: removed.len(),
            total: index.len() as usize,
        })
    }

    /// Articles matching `query`, best first.
    pub fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        let text = query.text.trim();
        if text.is_empty() {
            return Err(Error::InvalidInput(
                "type something to search for".to_string(),
            ));
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::InvalidInput(format!(
                "a search is at most {MAX_QUERY_CHARS} characters long"
            )));
        }
        let limit = checked_limit(query.limit)?;
        let index = self.search_index()?;
        let ranked: Vec<Ranked> = match query.mode {
            SearchMode::Words => index
                .search(text, limit)?
                .into_iter()
                .map(|h| Ranked::words(h.id, h.score))
                .collect(),
            SearchMode::Meaning => self
                .nearest_to_text(text, limit)?
                .into_iter()
                .map(|(id, sim)| Ranked::meaning(id, sim, sim))
                .collect(),
            SearchMode::Blend => {
                let pool = limit.max(DEFAULT_LIMIT);
                blend(
                    &index.search(text, pool)?,
                    &self.nearest_to_text(text, pool)?,
                    limit,
                )
            }
        };
        self.hits(&index, text, ranked)
    }

    /// The articles closest in meaning to article `id` (itself left out).
    pub fn more_like_this(&self, id: ArticleId, limit: Option<usize>) -> Result<Vec<SearchHit>> {
        let limit = checked_limit(limit)?;
        let index = self.search_index()?;
        let ranked = self
            .nearest_to_article(id, limit)?
            .into_iter()
            .map(|(id, sim)| Ranked::meaning(id, sim, sim))
            .collect();
        self.hits(&index, "", ranked)
    }

    fn hits(&self, index: &SearchIndex, text: &str, ranked: Vec<Ranked>) -> Result<Vec<SearchHit>> {
        let highlighter = (!text.is_empty())
            .then(|| index.highlighter(text))
            .transpose()?;
        let ratings = self.store.ratings_by_article()?;
        let mut hits = Vec::with_capacity(ranked.len());
        for r in ranked {
            // An article deleted since it was ranked is simply not shown.
            let Some(a) = self.store.get_article(r.id)? else {
                continue;
            };
            let body = body_of(&a.title, &a.text);
            let (title_html, snippet_html) = match &highlighter {
                Some(h) => (h.title_html(&a.title), h.snippet_html(body)),
                None => (
                    crate::search::highlight_html(&a.title, &[]),
                    crate::search::lead_html(body),
                ),
            };
            hits.push(SearchHit {
                rating: ratings.get(&a.id).copied(),
                id: a.id,
                feed_id: a.feed_id,
                title: a.title,
                link: a.link,
                published: a.published,
                author: a.author,
                title_html,
                snippet_html,
                score: r.score,
                similarity: r.similarity,
                matched_words: r.matched_words,
            });
        }
        Ok(hits)
    }
}

/// The number of results asked for, or why it cannot be served.
fn checked_limit(limit: Option<usize>) -> Result<usize> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_SEARCH_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(Error::InvalidInput(format!(
            "a search returns between 1 and {MAX_SEARCH_LIMIT} results, not {n}"
        ))),
    }
}

fn indexed_article(a: &ArticleRecord) -> IndexedArticle<'_> {
    IndexedArticle {
        id: a.id,
        title: &a.title,
        author: a.author.as_deref(),
        text: &a.text,
        fingerprint: fingerprint(&a.content_hash, a.author.as_deref()),
    }
}

#[derive(Debug, Clone, Copy)]
struct Ranked {
    id: ArticleId,
    score: f32,
    similarity: Option<f32>,
    matched_words: bool,
}

impl Ranked {
    fn words(id: ArticleId, score: f32) -> Self {
        Self {
            id,
            score,
            similarity: None,
            matched_words: true,
        }
    }

    fn meaning(id: ArticleId, score: f32, similarity: f32) -> Self {
        Self {
            id,
            score,
            similarity: Some(similarity),
            matched_words: false,
        }
    }
}

/// Both rankings fused ([`reciprocal_rank_fusion`]), each article marked with whether its
/// words matched and how similar it is.
fn blend(
    words: &[crate::search::WordHit],
    meaning: &[(ArticleId, f32)],
    limit: usize,
) -> Vec<Ranked> {
    let word_ids: Vec<ArticleId> = words.iter().map(|h| h.id).collect();
    let meaning_ids: Vec<ArticleId> = meaning.iter().map(|m| m.0).collect();
    let similarity: HashMap<ArticleId, f32> = meaning.iter().copied().collect();
    reciprocal_rank_fusion(&word_ids, &meaning_ids)
        .into_iter()
        .take(limit)
        .map(|(id, score)| Ranked {
            id,
            score,
            similarity: similarity.get(&id).copied(),
            matched_words: word_ids.contains(&id),
        })
        .collect()
}

#[cfg(test)]
mod tests;
