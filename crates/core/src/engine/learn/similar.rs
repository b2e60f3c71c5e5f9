//! Nearest articles in embedding space: search by meaning and "more like this".

use crate::domain::ArticleId;
use crate::engine::Engine;
use crate::error::{Error, Result};
// Vectors are unit length, so their dot product is their cosine similarity.
use crate::learn::linalg::dot;
use crate::learn::matrix::RowSource;

impl Engine {
    /// The embedded articles closest to `text` (embedded now, not stored), most similar
    /// first, with their cosine similarity.
    pub(in crate::engine) fn nearest_to_text(
        &self,
        text: &str,
        limit: usize,
    ) -> Result<Vec<(ArticleId, f32)>> {
        let vector = self
            .embedder()?
            .embed(&[text])?
            .pop()
            .ok_or_else(|| Error::Embedding("the model returned no vector".into()))?;
        self.nearest_to_vector(&vector, None, limit)
    }

    /// The embedded articles closest to article `id`, itself left out.
    pub(in crate::engine) fn nearest_to_article(
        &self,
        id: ArticleId,
        limit: usize,
    ) -> Result<Vec<(ArticleId, f32)>> {
        let snap = self.snapshot()?;
        let Some(&i) = snap.corpus.index.get(&id) else {
            return Err(match self.store.get_article_meta(id)? {
                Some(_) => Error::InvalidInput(format!(
                    "article {id} is not embedded yet; similar articles are found once it is"
                )),
                None => Error::UnknownArticle(id),
            });
        };
        let vector = snap.corpus.vectors.row_vec(i);
        self.nearest_to_vector(&vector, Some(id), limit)
    }

    fn nearest_to_vector(
        &self,
        vector: &[f32],
        exclude: Option<ArticleId>,
        limit: usize,
    ) -> Result<Vec<(ArticleId, f32)>> {
        let snap = self.snapshot()?;
        let mut buf = Vec::new();
        let mut scored: Vec<(ArticleId, f32)> = snap
            .corpus
            .articles
            .iter()
            .enumerate()
            .filter(|(_, meta)| Some(meta.id) != exclude)
            .map(|(i, meta)| {
                (
                    meta.id,
                    dot(vector, snap.corpus.vectors.row_f32(i, &mut buf)),
                )
            })
            .collect();
        let limit = limit.min(scored.len());
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Only the best `limit` need ordering: partition first, then sort that part.
        scored.select_nth_unstable_by(limit - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(limit);
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(scored)
    }
}
