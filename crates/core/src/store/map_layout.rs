//! The `map_layout` tree: where every article sits on the map, one JSON record, so the map
//! keeps its shape between launches and new articles are placed into it instead of the
//! whole map being laid out again. A new tree: older stores need no migration (no record
//! means "lay the map out").

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::domain::ArticleId;

const TREE: &str = "map_layout";
const LAYOUT_KEY: &[u8] = b"layout";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMapLayout {
    /// The embedding model the positions were computed from (another model's vectors make
    /// another map).
    pub model_id: String,
    /// How many articles the last full layout had: growth is measured against it.
    pub full_size: usize,
    /// Articles placed into the layout since then.
    pub placed_since: usize,
    /// `(article, x, y)`.
    pub points: Vec<(ArticleId, f32, f32)>,
}

impl Store {
    /// The stored layout; `None` when there is none or it cannot be read (the map is then
    /// simply laid out again: positions are derived data, nothing is lost).
    pub fn get_map_layout(&self) -> Result<Option<StoredMapLayout>, StoreError> {
        let live = self.live();
        let tree = live.db.open_tree(TREE)?;
        Ok(tree
            .get(LAYOUT_KEY)?
            .and_then(|bytes| match serde_json::from_slice(&bytes) {
                Ok(layout) => Some(layout),
                Err(e) => {
                    tracing::warn!(
                        "the stored map layout cannot be read ({e}); laying it out again"
                    );
                    None
                }
            }))
    }

    pub fn put_map_layout(&self, layout: &StoredMapLayout) -> Result<(), StoreError> {
        let live = self.live();
        let tree = live.db.open_tree(TREE)?;
        tree.insert(LAYOUT_KEY, serde_json::to_vec(layout)?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layout_round_trips_and_a_bad_record_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        assert_eq!(store.get_map_layout().unwrap(), None);
        let layout = StoredMapLayout {
            model_id: "m".into(),
            full_size: 2,
            placed_since: 1,
            points: vec![(ArticleId(1), 0.5, -1.0), (ArticleId(7), 2.0, 3.0)],
        };
        store.put_map_layout(&layout).unwrap();
        assert_eq!(store.get_map_layout().unwrap(), Some(layout));
        store
            .live()
            .db
            .open_tree(TREE)
            .unwrap()
            .insert(LAYOUT_KEY, b"not json".as_slice())
            .unwrap();
        assert_eq!(store.get_map_layout().unwrap(), None);
    }
}
