//! The `map_layout` tree: where every article sits on the map, one record, so the map
//! keeps its shape between launches and new articles are placed into it instead of the
//! whole map being laid out again. A new tree: older stores need no migration (no record
//! means "lay the map out").
//!
//! The record is binary, not JSON like the other trees: at 100,000 articles the JSON took
//! most of a second to decode on the map's first call after a start; the binary form is
//! read in milliseconds. A JSON record an older Sift wrote is still read (and replaced by a
//! binary one at the next write).
//!
//! Layout (little-endian): `SIFTMAP1`, model id (u32 length + UTF-8), full size u64,
//! placed since u64, points u64, then per point the article id u64, x f32 and y f32.

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::domain::ArticleId;

const TREE: &str = "map_layout";
const LAYOUT_KEY: &[u8] = b"layout";
const MAGIC: &[u8; 8] = b"SIFTMAP1";
/// Bytes of one point: id, x, y.
const POINT_BYTES: usize = 16;

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

impl StoredMapLayout {
    fn to_bytes(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(36 + self.model_id.len() + POINT_BYTES * self.points.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.model_id.len() as u32).to_le_bytes());
        out.extend_from_slice(self.model_id.as_bytes());
        out.extend_from_slice(&(self.full_size as u64).to_le_bytes());
        out.extend_from_slice(&(self.placed_since as u64).to_le_bytes());
        out.extend_from_slice(&(self.points.len() as u64).to_le_bytes());
        for &(id, x, y) in &self.points {
            out.extend_from_slice(&id.0.to_le_bytes());
            out.extend_from_slice(&x.to_le_bytes());
            out.extend_from_slice(&y.to_le_bytes());
        }
        out
    }

    /// The layout in `bytes` (binary, or the JSON of older versions); `None` when they are
    /// neither whole nor sound (a position that is not a finite number included).
    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let Some(mut rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
            return serde_json::from_slice(bytes).ok();
        };
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, tail) = rest.split_at_checked(n)?;
            rest = tail;
            Some(head)
        };
        let u32_at = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes"));
        let u64_at = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
        let model_len = u32_at(take(4)?) as usize;
        let model_id = std::str::from_utf8(take(model_len)?).ok()?.to_string();
        let full_size = usize::try_from(u64_at(take(8)?)).ok()?;
        let placed_since = usize::try_from(u64_at(take(8)?)).ok()?;
        let count = usize::try_from(u64_at(take(8)?)).ok()?;
        let body = take(count.checked_mul(POINT_BYTES)?)?;
        if !rest.is_empty() {
            return None;
        }
        let points = body
            .chunks_exact(POINT_BYTES)
            .map(|p| {
                let x = f32::from_le_bytes(p[8..12].try_into().expect("4 bytes"));
                let y = f32::from_le_bytes(p[12..16].try_into().expect("4 bytes"));
                (x.is_finite() && y.is_finite()).then_some((ArticleId(u64_at(&p[..8])), x, y))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            model_id,
            full_size,
            placed_since,
            points,
        })
    }
}

impl Store {
    /// The stored layout; `None` when there is none or it cannot be read (the map is then
    /// simply laid out again: positions are derived data, nothing is lost).
    pub fn get_map_layout(&self) -> Result<Option<StoredMapLayout>, StoreError> {
        let live = self.live();
        let tree = live.db.open_tree(TREE)?;
        Ok(tree
            .get(LAYOUT_KEY)?
            .and_then(|bytes| match StoredMapLayout::from_bytes(&bytes) {
                Some(layout) => Some(layout),
                None => {
                    tracing::warn!("the stored map layout cannot be read; laying it out again");
                    None
                }
            }))
    }

    pub fn put_map_layout(&self, layout: &StoredMapLayout) -> Result<(), StoreError> {
        let live = self.live();
        let tree = live.db.open_tree(TREE)?;
        tree.insert(LAYOUT_KEY, layout.to_bytes())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> StoredMapLayout {
        StoredMapLayout {
            model_id: "m ✓".into(),
            full_size: 2,
            placed_since: 1,
            points: vec![(ArticleId(1), 0.5, -1.0), (ArticleId(u64::MAX), 2.0, 3.0)],
        }
    }

    fn put_raw(store: &Store, bytes: &[u8]) {
        store
            .live()
            .db
            .open_tree(TREE)
            .unwrap()
            .insert(LAYOUT_KEY, bytes)
            .unwrap();
    }

    #[test]
    fn a_layout_round_trips_and_a_bad_record_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        assert_eq!(store.get_map_layout().unwrap(), None);
        store.put_map_layout(&layout()).unwrap();
        assert_eq!(store.get_map_layout().unwrap(), Some(layout()));
        put_raw(&store, b"not json");
        assert_eq!(store.get_map_layout().unwrap(), None);
    }

    #[test]
    fn a_layout_is_kept_binary_and_an_older_json_one_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        store.put_map_layout(&layout()).unwrap();
        let tree = store.live().db.open_tree(TREE).unwrap();
        let bytes = tree.get(LAYOUT_KEY).unwrap().unwrap();
        assert!(bytes.starts_with(MAGIC));
        // 8 magic, 4 + 5 model id, 3 × 8 counts, 2 points of 16 bytes.
        assert_eq!(bytes.len(), 8 + 4 + 5 + 24 + 32);
        // What an older Sift wrote.
        put_raw(&store, &serde_json::to_vec(&layout()).unwrap());
        assert_eq!(store.get_map_layout().unwrap(), Some(layout()));
    }

    #[test]
    fn a_damaged_binary_layout_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let whole = layout().to_bytes();
        // Cut short, one byte too many, a count larger than the record, a position that is
        // not a number.
        put_raw(&store, &whole[..whole.len() - 1]);
        assert_eq!(store.get_map_layout().unwrap(), None);
        let mut longer = whole.clone();
        longer.push(0);
        put_raw(&store, &longer);
        assert_eq!(store.get_map_layout().unwrap(), None);
        let count_at = 8 + 4 + 5 + 16;
        let mut huge = whole.clone();
        huge[count_at..count_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        put_raw(&store, &huge);
        assert_eq!(store.get_map_layout().unwrap(), None);
        let mut nan = whole.clone();
        let x_at = whole.len() - 8;
        nan[x_at..x_at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        put_raw(&store, &nan);
        assert_eq!(store.get_map_layout().unwrap(), None);
        put_raw(&store, &whole);
        assert_eq!(store.get_map_layout().unwrap(), Some(layout()));
    }
}
