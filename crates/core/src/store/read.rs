//! The `read` tree: which articles the user opened in the reader. A plain set keyed by
//! [`ArticleId`]; a new tree, so older stores need no migration (it starts empty).

use std::collections::HashSet;

use super::{Store, StoreError};
use crate::domain::ArticleId;

impl Store {
    pub fn mark_read(&self, id: ArticleId) -> Result<(), StoreError> {
        self.read.insert(id.to_key(), &[])?;
        Ok(())
    }

    pub fn is_read(&self, id: ArticleId) -> Result<bool, StoreError> {
        Ok(self.read.contains_key(id.to_key())?)
    }

    pub fn read_ids(&self) -> Result<HashSet<ArticleId>, StoreError> {
        let mut ids = HashSet::new();
        for key in self.read.iter().keys() {
            if let Some(id) = ArticleId::from_key(&key?) {
                ids.insert(id);
            }
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_marks_persist() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let store = Store::open(&path).unwrap();
        assert!(!store.is_read(ArticleId(3)).unwrap());
        store.mark_read(ArticleId(3)).unwrap();
        store.mark_read(ArticleId(3)).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert!(store.is_read(ArticleId(3)).unwrap());
        assert_eq!(store.read_ids().unwrap(), HashSet::from([ArticleId(3)]));
    }
}
