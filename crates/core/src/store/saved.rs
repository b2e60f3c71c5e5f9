//! The `saved` tree: articles kept for later (key: article id, value: seconds since the
//! Unix epoch when saved). Saving is not a rating: the learner never reads this tree.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Store, StoreError, Trees};
use crate::domain::ArticleId;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The tree in the open database: use it while `live` is held (a compaction must not
/// swap the database under the handle, see [`Store::live`]).
pub(super) fn saved_tree(live: &Trees) -> Result<sled::Tree, StoreError> {
    Ok(live.db.open_tree("saved")?)
}

impl Store {
    /// Saves an article for later; saving it again keeps the first time.
    pub fn save_article(&self, id: ArticleId) -> Result<(), StoreError> {
        let live = self.live();
        let tree = saved_tree(&live)?;
        if !tree.contains_key(id.to_key())? {
            tree.insert(id.to_key(), &now_secs().to_be_bytes())?;
        }
        Ok(())
    }

    /// Returns whether it was saved.
    pub fn unsave_article(&self, id: ArticleId) -> Result<bool, StoreError> {
        Ok(saved_tree(&self.live())?.remove(id.to_key())?.is_some())
    }

    pub fn is_saved(&self, id: ArticleId) -> Result<bool, StoreError> {
        Ok(saved_tree(&self.live())?.contains_key(id.to_key())?)
    }

    /// Every saved article with when it was saved (seconds since the epoch).
    pub fn saved_articles(&self) -> Result<HashMap<ArticleId, u64>, StoreError> {
        let mut saved = HashMap::new();
        for entry in saved_tree(&self.live())?.iter() {
            let (key, value) = entry?;
            if let Some(id) = ArticleId::from_key(&key) {
                let at = <[u8; 8]>::try_from(value.as_ref())
                    .map(u64::from_be_bytes)
                    .unwrap_or(0);
                saved.insert(id, at);
            }
        }
        Ok(saved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_is_kept_and_can_be_undone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let store = Store::open(&path).unwrap();
        store.save_article(ArticleId(5)).unwrap();
        store.save_article(ArticleId(5)).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert!(store.is_saved(ArticleId(5)).unwrap());
        assert_eq!(store.saved_articles().unwrap().len(), 1);
        assert!(store.unsave_article(ArticleId(5)).unwrap());
        assert!(!store.unsave_article(ArticleId(5)).unwrap());
        assert!(store.saved_articles().unwrap().is_empty());
    }
}
