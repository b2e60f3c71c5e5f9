//! Embedding stored articles: newest first, in calls sized by work, never the same text twice.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use crate::domain::{ArticleId, ArticleMeta};
use crate::embed::CallFiller;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::store::{listing_date, Embedding, StoreError};

use super::snapshot::FreshVector;

/// Text beyond this many characters cannot survive the tokenizer's truncation anyway;
/// cutting it first saves tokenizing whole long articles.
const MAX_EMBED_CHARS: usize = 4000;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbedReport {
    /// Articles whose vectors were computed now.
    pub embedded: usize,
    /// Articles that already had a vector for their current text.
    pub cached: usize,
}

impl Engine {
    /// Embeds every stored article that has no vector for its current text, newest first,
    /// in calls sized by work (see [`CallFiller`]); `progress(done, total)` after each call.
    /// Never embeds a text twice.
    /// Articles stored while it runs (a refresh during a long import) are embedded before
    /// its next call, newest first: today's articles are not left behind a backlog.
    pub fn embed_pending(&self, progress: impl Fn(usize, usize)) -> Result<EmbedReport> {
        let model_id = self.model_id();
        let dim = self.model_dim();
        // What arrived before the listing is in the listing.
        self.ingestion.take_arrived();
        let mut queue = EmbedQueue::default();
        let mut cached = queue.add(self.store.article_metas(), |hash| {
            self.store.has_embedding(&model_id, hash, dim)
        })?;
        let mut total = queue.pending.len();
        if total == 0 {
            return Ok(EmbedReport {
                embedded: 0,
                cached,
            });
        }
        let embedder = self.embedder()?;
        let mut done = 0;
        progress(0, total);
        loop {
            let arrived = self.ingestion.take_arrived();
            if !arrived.is_empty() {
                let metas = arrived
                    .into_iter()
                    .filter_map(|id| self.store.get_article_meta(id).transpose())
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                let before = queue.pending.len();
                let (hits, known_vectors) = queue
                    .add_first(metas, |hash| self.store.has_embedding(&model_id, hash, dim))?;
                cached += hits;
                total += queue.pending.len() - before;
                // New articles whose text already has a vector join the snapshot as well.
                self.vectors_stored(&known_vectors)?;
            }
            let call = self.fill_call(&mut queue, done == 0)?;
            if call.is_empty() {
                break;
            }
            let (batch, bodies): (Vec<ArticleMeta>, Vec<String>) = call.into_iter().unzip();
            let texts: Vec<&str> = bodies.iter().map(String::as_str).collect();
            let vectors = embedder
                .embed(&texts)?
                .into_iter()
                .map(|v| {
                    Embedding::new(v, dim).map_err(|e| {
                        Error::Embedding(format!("the model returned an unusable vector: {e}"))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            // One write for the batch (one change of the corpus, not one per vector).
            let hashes = batch.iter().map(|a| a.content_hash.as_str());
            self.store
                .put_embeddings(&model_id, hashes.zip(vectors.iter()))?;
            done += batch.len();
            // Each batch is usable at once: the app's Cards and For you work on what is
            // embedded so far while the rest is still being embedded. The batch joins the
            // loaded snapshot with the vectors in hand (nothing is read back or reloaded),
            // every article that shares a text with the vector of that text.
            let fresh: Vec<FreshVector<'_>> = batch
                .iter()
                .zip(&vectors)
                .flat_map(|(a, v)| {
                    queue.sharing[a.content_hash.as_str()]
                        .iter()
                        .map(move |&id| FreshVector {
                            id,
                            content_hash: &a.content_hash,
                            vector: v.as_slice(),
                        })
                })
                .collect();
            self.join_vectors(&fresh)?;
            progress(done, total);
        }
        Ok(EmbedReport {
            embedded: done,
            cached,
        })
    }

    /// The next call's articles and texts (cut to [`MAX_EMBED_CHARS`]), from the front of
    /// the queue, as many as [`CallFiller`] admits: a run's first call by count, later ones
    /// by work. Only the bodies about to be embedded are read; the text that did not fit
    /// stays queued (and is read again for the next call, after anything that arrives).
    fn fill_call(&self, queue: &mut EmbedQueue, first: bool) -> Result<Vec<(ArticleMeta, String)>> {
        let mut filler = if first {
            CallFiller::first()
        } else {
            CallFiller::next()
        };
        let mut call = Vec::new();
        while let Some(article) = queue.pending.pop_front() {
            let mut text = self
                .store
                .get_article_content(article.id)?
                .unwrap_or_default()
                .text;
            let kept = truncate_chars(&text, MAX_EMBED_CHARS).len();
            text.truncate(kept);
            if !filler.admit(&text) {
                queue.pending.push_front(article);
                break;
            }
            call.push((article, text));
        }
        Ok(call)
    }
}

/// The articles an embedding run still has to embed, newest first, one per text.
#[derive(Default)]
struct EmbedQueue {
    /// Articles by text (content hash): one vector serves every article with the same text.
    sharing: HashMap<String, Vec<ArticleId>>,
    /// One article per text without a vector, in the order they are embedded.
    pending: VecDeque<ArticleMeta>,
}

/// What [`EmbedQueue::sort_in`] made of some articles.
struct SortedIn {
    /// Newest first, one per text not met before and without a vector.
    queued: Vec<ArticleMeta>,
    /// How many texts not met before already had a vector.
    cached: usize,
    /// Articles whose text has a stored vector (only when asked for).
    known: Vec<ArticleId>,
}

impl EmbedQueue {
    /// Queues `articles` behind what is queued; returns how many of them already had a
    /// vector for their text.
    ///
    /// Articles whose text has a vector are counted and let go, not kept: at 100,000
    /// articles a run that embeds a few new ones held every article's record otherwise.
    fn add(
        &mut self,
        articles: impl Iterator<Item = std::result::Result<ArticleMeta, StoreError>>,
        has_vector: impl Fn(&str) -> std::result::Result<bool, StoreError>,
    ) -> Result<usize> {
        let mut cached = 0;
        let mut without = Vec::new();
        for article in articles {
            let article = article?;
            if has_vector(&article.content_hash)? {
                cached += 1;
            } else {
                without.push(article);
            }
        }
        // Each was just found without a vector: not asked again.
        let sorted = self.sort_in(without, false, |_| Ok(false))?;
        self.pending.extend(sorted.queued);
        Ok(cached)
    }

    /// Queues `articles` before what is queued (they arrived during the run); returns how
    /// many texts already had a vector, and the articles whose text has one.
    fn add_first(
        &mut self,
        articles: Vec<ArticleMeta>,
        has_vector: impl Fn(&str) -> std::result::Result<bool, StoreError>,
    ) -> Result<(usize, Vec<ArticleId>)> {
        let sorted = self.sort_in(articles, true, has_vector)?;
        for a in sorted.queued.into_iter().rev() {
            self.pending.push_front(a);
        }
        Ok((sorted.cached, sorted.known))
    }

    fn sort_in(
        &mut self,
        mut articles: Vec<ArticleMeta>,
        want_known: bool,
        has_vector: impl Fn(&str) -> std::result::Result<bool, StoreError>,
    ) -> Result<SortedIn> {
        // Newest first: what the user is about to read gets scored first.
        articles.sort_by(|a, b| (listing_date(b), b.id).cmp(&(listing_date(a), a.id)));
        let mut sorted = SortedIn {
            queued: Vec::new(),
            cached: 0,
            known: Vec::new(),
        };
        for a in articles {
            let same_text = self.sharing.entry(a.content_hash.clone()).or_default();
            if same_text.contains(&a.id) {
                continue;
            }
            same_text.push(a.id);
            if same_text.len() > 1 {
                // Its text is queued (the article joins with its vector) or embedded.
                if want_known && has_vector(&a.content_hash)? {
                    sorted.known.push(a.id);
                }
                continue;
            }
            if has_vector(&a.content_hash)? {
                sorted.cached += 1;
                if want_known {
                    sorted.known.push(a.id);
                }
            } else {
                sorted.queued.push(a);
            }
        }
        Ok(sorted)
    }
}

fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((byte, _)) => &text[..byte],
        None => text,
    }
}
