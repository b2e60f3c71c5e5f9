//! Embedding stored articles: newest first, in batches, never the same text twice.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::{ArticleId, ArticleMeta};
use crate::embed::TEXTS_PER_CALL;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::store::Embedding;

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
    /// in batches; `progress(done, total)` after each batch. Never embeds a text twice.
    pub fn embed_pending(&self, progress: impl Fn(usize, usize)) -> Result<EmbedReport> {
        let model_id = self.model_id();
        let dim = self.model_dim();
        let mut articles = self.store.list_article_meta()?;
        // Newest first: what the user is about to read gets scored first.
        articles.sort_by(|a, b| b.published.cmp(&a.published).then(b.id.cmp(&a.id)));
        // Articles by text: one vector serves every article with the same text.
        let mut sharing: HashMap<&str, Vec<ArticleId>> = HashMap::new();
        let mut pending: Vec<&ArticleMeta> = Vec::new();
        let mut cached = 0;
        for a in &articles {
            let same_text = sharing.entry(a.content_hash.as_str()).or_default();
            same_text.push(a.id);
            if same_text.len() > 1 {
                continue;
            }
            if self.store.has_embedding(&model_id, &a.content_hash, dim)? {
                cached += 1;
            } else {
                pending.push(a);
            }
        }
        let total = pending.len();
        if total == 0 {
            return Ok(EmbedReport {
                embedded: 0,
                cached,
            });
        }
        let embedder = self.embedder()?;
        let mut done = 0;
        progress(0, total);
        for batch in pending.chunks(TEXTS_PER_CALL) {
            // Only the bodies about to be embedded are read.
            let bodies: Vec<String> = batch
                .iter()
                .map(|a| {
                    let text = self
                        .store
                        .get_article_content(a.id)?
                        .unwrap_or_default()
                        .text;
                    Ok(text)
                })
                .collect::<Result<_>>()?;
            let texts: Vec<&str> = bodies
                .iter()
                .map(|text| truncate_chars(text, MAX_EMBED_CHARS))
                .collect();
            let vectors = embedder.embed(&texts)?;
            for (a, v) in batch.iter().zip(vectors) {
                let v = Embedding::new(v, dim).map_err(|e| {
                    Error::Embedding(format!("the model returned an unusable vector: {e}"))
                })?;
                self.store.put_embedding(&model_id, &a.content_hash, &v)?;
            }
            done += batch.len();
            // Each batch is usable at once: the app's Cards and For you work on what is
            // embedded so far while the rest is still being embedded. The batch joins the
            // loaded snapshot; nothing is reloaded.
            let ids: Vec<ArticleId> = batch
                .iter()
                .flat_map(|a| sharing[a.content_hash.as_str()].iter().copied())
                .collect();
            self.vectors_stored(&ids)?;
            progress(done, total);
        }
        Ok(EmbedReport {
            embedded: done,
            cached,
        })
    }
}

fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((byte, _)) => &text[..byte],
        None => text,
    }
}
