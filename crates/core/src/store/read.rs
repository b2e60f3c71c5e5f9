//! The `read` tree: which articles the user has read (opened, or marked). A plain set keyed
//! by [`ArticleId`]; a new tree, so older stores need no migration (it starts empty).
//!
//! Bulk marks remember exactly which articles they changed (the `read_undo` tree holds the
//! last one), so an undo restores the previous state and nothing else: articles that were
//! already read before the bulk mark stay read.

use std::collections::HashSet;

use super::{Store, StoreError};
use crate::domain::ArticleId;

const LAST_BULK_KEY: &[u8] = b"last_bulk_mark";

impl Store {
    pub fn mark_read(&self, id: ArticleId) -> Result<(), StoreError> {
        self.live().read.insert(id.to_key(), &[])?;
        Ok(())
    }

    pub fn mark_unread(&self, id: ArticleId) -> Result<(), StoreError> {
        self.live().read.remove(id.to_key())?;
        Ok(())
    }

    pub fn is_read(&self, id: ArticleId) -> Result<bool, StoreError> {
        Ok(self.live().read.contains_key(id.to_key())?)
    }

    pub fn read_ids(&self) -> Result<HashSet<ArticleId>, StoreError> {
        let mut ids = HashSet::new();
        for key in self.live().read.iter().keys() {
            if let Some(id) = ArticleId::from_key(&key?) {
                ids.insert(id);
            }
        }
        Ok(ids)
    }

    /// Marks `ids` read in one batch and remembers which of them were unread before (the
    /// ones returned) as the last bulk mark, replacing any earlier one.
    pub fn mark_read_bulk(&self, ids: &[ArticleId]) -> Result<Vec<ArticleId>, StoreError> {
        let mut changed = Vec::new();
        let mut batch = sled::Batch::default();
        let mut seen = HashSet::new();
        for &id in ids {
            if seen.insert(id) && !self.live().read.contains_key(id.to_key())? {
                batch.insert(&id.to_key(), &[]);
                changed.push(id);
            }
        }
        self.live().read.apply_batch(batch)?;
        let live = self.live();
        let undo = live.db.open_tree("read_undo")?;
        undo.insert(LAST_BULK_KEY, serde_json::to_vec(&changed)?)?;
        Ok(changed)
    }

    /// Undoes the last bulk mark: exactly the articles it changed become unread again.
    /// Returns them (empty when there is nothing to undo); a second undo does nothing.
    pub fn undo_bulk_mark(&self) -> Result<Vec<ArticleId>, StoreError> {
        let live = self.live();
        let undo = live.db.open_tree("read_undo")?;
        let Some(bytes) = undo.remove(LAST_BULK_KEY)? else {
            return Ok(Vec::new());
        };
        let changed: Vec<ArticleId> = serde_json::from_slice(&bytes)?;
        let mut batch = sled::Batch::default();
        for id in &changed {
            batch.remove(&id.to_key());
        }
        self.live().read.apply_batch(batch)?;
        Ok(changed)
    }

    /// How many articles the last bulk mark changed, if there is one to undo.
    pub fn pending_bulk_mark(&self) -> Result<Option<usize>, StoreError> {
        let live = self.live();
        let undo = live.db.open_tree("read_undo")?;
        match undo.get(LAST_BULK_KEY)? {
            Some(bytes) => Ok(Some(
                serde_json::from_slice::<Vec<ArticleId>>(&bytes)?.len(),
            )),
            None => Ok(None),
        }
    }

    /// Forgets read marks of articles that no longer exist (after a prune).
    pub(crate) fn forget_read(&self, ids: &[ArticleId]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for id in ids {
            batch.remove(&id.to_key());
        }
        self.live().read.apply_batch(batch)?;
        Ok(())
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
        store.mark_unread(ArticleId(3)).unwrap();
        assert!(!store.is_read(ArticleId(3)).unwrap());
    }

    #[test]
    fn undoing_a_bulk_mark_restores_exactly_the_previous_state() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        store.mark_read(ArticleId(2)).unwrap();
        let changed = store
            .mark_read_bulk(&[ArticleId(1), ArticleId(2), ArticleId(3), ArticleId(1)])
            .unwrap();
        assert_eq!(changed, [ArticleId(1), ArticleId(3)], "2 was read already");
        assert_eq!(store.pending_bulk_mark().unwrap(), Some(2));
        assert_eq!(store.read_ids().unwrap().len(), 3);
        assert_eq!(store.undo_bulk_mark().unwrap(), changed);
        assert_eq!(
            store.read_ids().unwrap(),
            HashSet::from([ArticleId(2)]),
            "what was read before stays read"
        );
        assert!(store.undo_bulk_mark().unwrap().is_empty(), "one undo only");
        assert_eq!(store.pending_bulk_mark().unwrap(), None);
    }
}
