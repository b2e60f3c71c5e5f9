//! The `ratings` tree: the user's answers, keyed by [`ArticleId`]. They are the source of
//! truth for the learner; its model is rebuilt from them.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use sled::transaction::ConflictableTransactionError;
use sled::Transactional;

use super::{Embedding, Store, StoreError};
use crate::domain::{ArticleId, Rating, Settings};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingRecord {
    pub article_id: ArticleId,
    pub rating: Rating,
    /// Seconds since the Unix epoch.
    pub rated_at: u64,
}

/// A learner state, checked and ready to be written whole ([`Store::apply_import`]).
#[derive(Debug, Default)]
pub struct LearnerImport {
    pub ratings: Vec<RatingRecord>,
    /// (model id, content hash, vector); a vector already stored under the key is kept.
    pub embeddings: Vec<(String, String, Embedding)>,
    pub settings: Option<Settings>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Store {
    pub fn put_rating(&self, id: ArticleId, rating: Rating) -> Result<RatingRecord, StoreError> {
        let record = RatingRecord {
            article_id: id,
            rating,
            rated_at: now_secs(),
        };
        self.live()
            .ratings
            .insert(id.to_key(), serde_json::to_vec(&record)?)?;
        Ok(record)
    }

    /// Records an answer for an article that exists, checked and written in one
    /// transaction, so an answer racing an unsubscribe or a clean-up never outlives its
    /// article. `None` when there is no such article.
    pub fn rate_existing(
        &self,
        id: ArticleId,
        rating: Rating,
    ) -> Result<Option<RatingRecord>, StoreError> {
        let record = RatingRecord {
            article_id: id,
            rating,
            rated_at: now_secs(),
        };
        let value = serde_json::to_vec(&record)?;
        let stored =
            (&self.live().articles, &self.live().ratings).transaction(|(articles, ratings)| {
                if articles.get(id.to_key())?.is_none() {
                    return Ok(false);
                }
                ratings.insert(&id.to_key()[..], value.as_slice())?;
                Ok::<_, ConflictableTransactionError<StoreError>>(true)
            })?;
        Ok(stored.then_some(record))
    }

    /// Writes an imported learner state in one transaction: every answer whose article
    /// exists (the others are not written), the vectors that come with them and the
    /// settings — or, on any error, nothing. Returns how many answers were written.
    pub fn apply_import(&self, import: &LearnerImport) -> Result<usize, StoreError> {
        // It may bring vectors.
        self.changing_corpus(|change| {
            // Vectors are written only for texts that have none.
            change.vectors = !import.embeddings.is_empty();
            self.apply_import_once(import)
        })
    }

    fn apply_import_once(&self, import: &LearnerImport) -> Result<usize, StoreError> {
        let ratings: Vec<(ArticleId, Vec<u8>)> = import
            .ratings
            .iter()
            .map(|r| Ok((r.article_id, serde_json::to_vec(r)?)))
            .collect::<Result<_, StoreError>>()?;
        let vectors = self.write_vector_rows(
            import
                .embeddings
                .iter()
                .map(|(model_id, hash, v)| (super::embeddings::key(model_id, hash), v)),
        )?;
        let settings = import
            .settings
            .as_ref()
            .map(serde_json::to_vec)
            .transpose()?;
        let written = (
            &self.live().articles,
            &self.live().ratings,
            &self.live().embeddings,
            &self.live().settings,
        )
            .transaction(|(articles, ratings_tree, embeddings, settings_tree)| {
                let mut written = 0;
                for (id, value) in &ratings {
                    if articles.get(id.to_key())?.is_some() {
                        ratings_tree.insert(&id.to_key()[..], value.as_slice())?;
                        written += 1;
                    }
                }
                for (key, place) in &vectors {
                    if embeddings.get(key)?.is_none() {
                        embeddings.insert(key.as_slice(), &place[..])?;
                    }
                }
                if let Some(value) = &settings {
                    settings_tree.insert(super::settings::SETTINGS_KEY, value.as_slice())?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(written)
            })?;
        Ok(written)
    }

    /// Removes the answer; returns whether there was one.
    pub fn clear_rating(&self, id: ArticleId) -> Result<bool, StoreError> {
        Ok(self.live().ratings.remove(id.to_key())?.is_some())
    }

    pub fn get_rating(&self, id: ArticleId) -> Result<Option<RatingRecord>, StoreError> {
        match self.live().ratings.get(id.to_key())? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Every answer by article, for listings that need many at once.
    pub fn ratings_by_article(
        &self,
    ) -> Result<std::collections::HashMap<ArticleId, Rating>, StoreError> {
        Ok(self
            .list_ratings()?
            .into_iter()
            .map(|r| (r.article_id, r.rating))
            .collect())
    }

    pub fn list_ratings(&self) -> Result<Vec<RatingRecord>, StoreError> {
        self.live()
            .ratings
            .iter()
            .values()
            .map(|v| Ok(serde_json::from_slice(&v?)?))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_roundtrip_and_clear() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        store.put_rating(ArticleId(1), Rating::Like).unwrap();
        store.put_rating(ArticleId(2), Rating::Skip).unwrap();
        store.put_rating(ArticleId(1), Rating::Dislike).unwrap();
        let all = store.list_ratings().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            store.get_rating(ArticleId(1)).unwrap().unwrap().rating,
            Rating::Dislike
        );
        assert!(store.clear_rating(ArticleId(1)).unwrap());
        assert!(!store.clear_rating(ArticleId(1)).unwrap());
        assert_eq!(store.list_ratings().unwrap().len(), 1);
        assert_eq!("SKIP".parse::<Rating>().unwrap(), Rating::Skip);
        assert_eq!(Rating::Skip.label(), None);
    }
}
