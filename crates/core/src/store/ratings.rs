//! The `ratings` tree: the user's answers, keyed by [`ArticleId`]. They are the source of
//! truth for the learner; its model is rebuilt from them.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::domain::{ArticleId, Rating};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingRecord {
    pub article_id: ArticleId,
    pub rating: Rating,
    /// Seconds since the Unix epoch.
    pub rated_at: u64,
}

impl Store {
    pub fn put_rating(&self, id: ArticleId, rating: Rating) -> Result<RatingRecord, StoreError> {
        let record = RatingRecord {
            article_id: id,
            rating,
            rated_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        };
        self.ratings
            .insert(id.to_key(), serde_json::to_vec(&record)?)?;
        Ok(record)
    }

    /// Removes the answer; returns whether there was one.
    pub fn clear_rating(&self, id: ArticleId) -> Result<bool, StoreError> {
        Ok(self.ratings.remove(id.to_key())?.is_some())
    }

    pub fn get_rating(&self, id: ArticleId) -> Result<Option<RatingRecord>, StoreError> {
        match self.ratings.get(id.to_key())? {
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
        self.ratings
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
