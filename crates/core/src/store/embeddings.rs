//! The `embeddings` tree: a cache of vectors keyed by model id and the article text's content
//! hash, so unchanged text is never embedded twice and a new model never reads old vectors.
//!
//! The tree holds each vector's place in the vector file (`vector_file.rs`), where its numbers
//! are, as little-endian binary16 ([`Half`]), the precision the learner holds vectors in
//! anyway: sled keeps in memory every page it writes or reads, so numbers kept in its pages
//! stayed in the app's heap (~8 MB after a 10,000-article import). Stores written before the
//! file keep whole vectors in the tree (binary16, or f32 before that), which read as well
//! ([`StoredVector`]) and are left as they are, compaction included: it is a cache, and
//! vectors written from now on go to the file.
//!
//! Only an [`Embedding`] (the model's length, finite numbers) is ever written, and on the way
//! out a stored value that is not one (an older Sift, a bug, a hand-edited store) reads as
//! *no vector*: the article is embedded again instead of breaking the learner, whose
//! arithmetic assumes equal lengths.

use std::borrow::Cow;

use super::vector_file::{Location, VectorFile};
use super::{Store, StoreError, Trees};
use crate::learn::half::Half;
use crate::learn::matrix::Element;

/// A vector as the store keeps it: exactly as long as its model's vectors, every number
/// finite. Only [`Embedding::new`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(Vec<f32>);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EmbeddingError {
    #[error("the vector has {found} numbers, but the model's vectors have {expected}")]
    WrongDimension { expected: usize, found: usize },
    #[error("the vector's number at position {index} is not finite")]
    NotFinite { index: usize },
}

impl Embedding {
    pub fn new(values: Vec<f32>, dim: usize) -> Result<Self, EmbeddingError> {
        if values.len() != dim || dim == 0 {
            return Err(EmbeddingError::WrongDimension {
                expected: dim,
                found: values.len(),
            });
        }
        if let Some(index) = values.iter().position(|x| !x.is_finite()) {
            return Err(EmbeddingError::NotFinite { index });
        }
        Ok(Self(values))
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<f32> {
        self.0
    }

    pub fn dim(&self) -> usize {
        self.0.len()
    }

    /// The bytes the store keeps: each number rounded to binary16, little-endian.
    pub(super) fn to_stored_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.0.len() * Half::BYTES);
        for &x in &self.0 {
            Half::write_le(&[Half::narrow(x)], &mut bytes);
        }
        bytes
    }
}

/// A valid stored vector's raw bytes, in the form they were written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StoredVector<'a> {
    /// Little-endian binary16, as Sift writes vectors.
    Half(&'a [u8]),
    /// Little-endian f32, as stores written before binary16 keep them.
    Single(&'a [u8]),
}

/// Whether every number in `bytes` (little-endian numbers of kind `S`) is finite, checked
/// as stored, without widening.
fn all_finite<S: Element>(bytes: &[u8]) -> bool {
    bytes
        .chunks_exact(S::BYTES)
        .all(|c| S::read_le(c).is_finite())
}

/// Calls `f` with each number in `bytes` (little-endian numbers of kind `S`), widened.
fn each_value<S: Element>(bytes: &[u8], f: impl FnMut(f32)) {
    bytes
        .chunks_exact(S::BYTES)
        .map(|c| S::read_le(c).wide())
        .for_each(f);
}

impl<'a> StoredVector<'a> {
    /// `bytes` as a stored vector of `dim` numbers, if they are one: the length of either
    /// form, every number finite.
    fn parse(bytes: &'a [u8], dim: usize) -> Option<Self> {
        match bytes.len() {
            _ if dim == 0 => None,
            n if n == dim * Half::BYTES => all_finite::<Half>(bytes).then_some(Self::Half(bytes)),
            n if n == dim * f32::BYTES => all_finite::<f32>(bytes).then_some(Self::Single(bytes)),
            _ => None,
        }
    }

    /// Calls `f` with each number, in order.
    fn for_each_value(self, f: impl FnMut(f32)) {
        match self {
            Self::Half(bytes) => each_value::<Half>(bytes, f),
            Self::Single(bytes) => each_value::<f32>(bytes, f),
        }
    }

    fn dim(self) -> usize {
        match self {
            Self::Half(bytes) => bytes.len() / Half::BYTES,
            Self::Single(bytes) => bytes.len() / f32::BYTES,
        }
    }

    fn to_vec(self) -> Vec<f32> {
        let mut values = Vec::with_capacity(self.dim());
        self.for_each_value(|x| values.push(x));
        values
    }

    /// Whether this is `vector` as Sift would store it now (an f32 vector of an older store
    /// counts as the same once rounded).
    fn holds(self, vector: &Embedding) -> bool {
        let mut values = vector.as_slice().iter();
        let mut same = self.dim() == vector.dim();
        self.for_each_value(|x| {
            same &= values
                .next()
                .is_some_and(|&v| Half::narrow(x) == Half::narrow(v))
        });
        same
    }
}

pub(super) fn key(model_id: &str, content_hash: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(model_id.len() + 1 + content_hash.len());
    k.extend_from_slice(model_id.as_bytes());
    k.push(0);
    k.extend_from_slice(content_hash.as_bytes());
    k
}

/// The stored numbers `value` (under `key` in the `embeddings` tree) stands for: the row it
/// points at in the vector file (`row_len` bytes when the caller knows), or, in stores
/// written before the file, the value itself. `None` for a place whose row cannot be read.
pub(super) fn stored_numbers<'v>(
    vectors: &VectorFile,
    key: &[u8],
    value: &'v [u8],
    row_len: Option<usize>,
) -> Result<Option<Cow<'v, [u8]>>, StoreError> {
    match Location::parse(value) {
        Some(place) => Ok(vectors.read(place, key, row_len)?.map(Cow::Owned)),
        None => Ok(Some(Cow::Borrowed(value))),
    }
}

/// Calls `read` with the vector `value` stands for ([`stored_numbers`]); `None` when that is
/// no valid vector of `dim` numbers.
fn read_stored<R>(
    live: &Trees,
    key: &[u8],
    value: &[u8],
    dim: usize,
    read: impl FnOnce(StoredVector<'_>) -> R,
) -> Result<Option<R>, StoreError> {
    let numbers = stored_numbers(&live.vectors, key, value, Some(dim * Half::BYTES))?;
    Ok(numbers.and_then(|n| StoredVector::parse(&n, dim).map(read)))
}

/// A key of the `embeddings` tree and the value that points at its vector's row.
type PlacedKey = (Vec<u8>, [u8; Location::LEN]);

/// Writes the vectors' rows to the vector file; returns each key with the value that points
/// at its row.
fn append_rows(
    live: &Trees,
    vectors: Vec<(Vec<u8>, &Embedding)>,
) -> Result<Vec<PlacedKey>, StoreError> {
    let numbers: Vec<Vec<u8>> = vectors.iter().map(|(_, v)| v.to_stored_bytes()).collect();
    let places = live.vectors.append(
        vectors
            .iter()
            .zip(&numbers)
            .map(|((key, _), numbers)| (key.as_slice(), numbers.as_slice())),
    )?;
    Ok(vectors
        .into_iter()
        .zip(places)
        .map(|((key, _), place)| (key, place.to_bytes()))
        .collect())
}

impl Store {
    /// For an import: writes the rows of the vectors whose key has none stored yet and
    /// returns each key with the value that points at its row, for the import's transaction
    /// to store (a row no place ends up pointing at is left behind, see `vector_file.rs`).
    pub(super) fn write_vector_rows<'a>(
        &self,
        vectors: impl IntoIterator<Item = (Vec<u8>, &'a Embedding)>,
    ) -> Result<Vec<PlacedKey>, StoreError> {
        let live = self.live();
        let mut missing = Vec::new();
        for (key, vector) in vectors {
            if !live.embeddings.contains_key(&key)? {
                missing.push((key, vector));
            }
        }
        append_rows(&live, missing)
    }

    pub fn put_embedding(
        &self,
        model_id: &str,
        content_hash: &str,
        vector: &Embedding,
    ) -> Result<(), StoreError> {
        self.put_embeddings(model_id, [(content_hash, vector)])
    }

    /// Stores many vectors (text content hash, vector) as one atomic write between one
    /// pair of corpus-generation bumps: an embedded batch costs three writes, not three
    /// per vector.
    pub fn put_embeddings<'a>(
        &self,
        model_id: &str,
        vectors: impl IntoIterator<Item = (&'a str, &'a Embedding)>,
    ) -> Result<(), StoreError> {
        let written: Vec<(Vec<u8>, &Embedding)> = vectors
            .into_iter()
            .map(|(content_hash, vector)| (key(model_id, content_hash), vector))
            .collect();
        if written.is_empty() {
            return Ok(());
        }
        self.changing_corpus(|change| {
            let live = self.live();
            change.vectors = true;
            for (key, vector) in &written {
                // A valid vector replaced by another: rows derived from the old one cannot
                // be found by article (vectors are keyed by text), so the change is not
                // described.
                if let Some(old) = live.embeddings.get(key)? {
                    let replaced =
                        read_stored(&live, key, &old, vector.dim(), |old| !old.holds(vector))?;
                    change.unknown |= replaced == Some(true);
                }
            }
            // The rows are in the file before any place points at them.
            let mut batch = sled::Batch::default();
            for (key, place) in append_rows(&live, written)? {
                batch.insert(key, &place[..]);
            }
            live.embeddings.apply_batch(batch)?;
            Ok(())
        })
    }

    /// The stored vector, if there is a valid one of `dim` numbers (see the module note).
    pub fn get_embedding(
        &self,
        model_id: &str,
        content_hash: &str,
        dim: usize,
    ) -> Result<Option<Embedding>, StoreError> {
        self.with_stored_vector(model_id, content_hash, dim, |vector| {
            Embedding(vector.to_vec())
        })
    }

    /// Calls `read` with a valid stored vector of `dim` numbers as the store keeps it,
    /// without copying it into a `Vec` first (loading a whole corpus into one matrix reads
    /// 100,000 of them). `None` when there is no valid vector.
    pub fn with_stored_vector<R>(
        &self,
        model_id: &str,
        content_hash: &str,
        dim: usize,
        read: impl FnOnce(StoredVector<'_>) -> R,
    ) -> Result<Option<R>, StoreError> {
        let live = self.live();
        let key = key(model_id, content_hash);
        let Some(value) = live.embeddings.get(&key)? else {
            return Ok(None);
        };
        read_stored(&live, &key, &value, dim, read)
    }

    /// Whether a valid vector of `dim` numbers is stored.
    pub fn has_embedding(
        &self,
        model_id: &str,
        content_hash: &str,
        dim: usize,
    ) -> Result<bool, StoreError> {
        Ok(self
            .with_stored_vector(model_id, content_hash, dim, |_| ())?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_keyed_by_model_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let v = Embedding::new(vec![0.5, -1.0], 2).unwrap();
        store.put_embedding("m1", "h", &v).unwrap();
        assert_eq!(store.get_embedding("m1", "h", 2).unwrap(), Some(v));
        assert_eq!(store.get_embedding("m2", "h", 2).unwrap(), None);
        assert!(store.has_embedding("m1", "h", 2).unwrap());
        assert!(!store.has_embedding("m1", "other", 2).unwrap());
    }

    #[test]
    fn a_batch_of_vectors_is_stored_as_one_change_of_the_corpus() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let before = store.corpus_generation().unwrap();
        let a = Embedding::new(vec![1.0, 0.0], 2).unwrap();
        let b = Embedding::new(vec![0.0, 1.0], 2).unwrap();
        store
            .put_embeddings("m", [("h1", &a), ("h2", &b), ("h3", &a)])
            .unwrap();
        // One bump before and one after the whole batch, not two per vector.
        assert_eq!(store.corpus_generation().unwrap(), before + 2);
        assert_eq!(store.get_embedding("m", "h1", 2).unwrap(), Some(a.clone()));
        assert_eq!(store.get_embedding("m", "h2", 2).unwrap(), Some(b));
        assert_eq!(store.get_embedding("m", "h3", 2).unwrap(), Some(a));
        // Nothing to store changes nothing.
        store.put_embeddings("m", std::iter::empty()).unwrap();
        assert_eq!(store.corpus_generation().unwrap(), before + 2);
    }

    #[test]
    fn vectors_are_kept_in_binary16_and_older_f32_ones_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        // 0.1 has no exact binary16: what comes back is its nearest, as the learner holds it.
        let v = Embedding::new(vec![0.1, -0.7, 0.25], 3).unwrap();
        store.put_embedding("m", "h", &v).unwrap();
        let file_before = store.live().vectors.len().unwrap();
        store.put_embedding("m", "h2", &v).unwrap();
        let row = store.live().vectors.len().unwrap() - file_before;
        assert_eq!(row, 8 + 3 * 2, "a row header and two bytes a number");
        let back = store.get_embedding("m", "h", 3).unwrap().unwrap();
        let rounded: Vec<f32> = v
            .as_slice()
            .iter()
            .map(|&x| crate::learn::half::round_trip(x))
            .collect();
        assert_eq!(back.as_slice(), rounded.as_slice());
        assert!((back.as_slice()[0] - 0.1).abs() < 1e-4);

        // A store written before binary16 keeps f32 values: they read exactly.
        let single: Vec<u8> = v.as_slice().iter().flat_map(|x| x.to_le_bytes()).collect();
        store
            .live()
            .embeddings
            .insert(key("m", "old"), single)
            .unwrap();
        assert_eq!(store.get_embedding("m", "old", 3).unwrap(), Some(v.clone()));

        // Writing the same vector over an old f32 copy is no change the learner must
        // rebuild for; a different one is.
        // (A change the log cannot describe makes `corpus_changes` answer `None`.)
        let changes_of = |write: &dyn Fn()| {
            let before = store.corpus_generation().unwrap();
            write();
            let after = store.corpus_generation().unwrap();
            store.corpus_changes(before, after).unwrap()
        };
        assert!(changes_of(&|| store.put_embedding("m", "old", &v).unwrap()).is_some());
        let other = Embedding::new(vec![0.1, -0.7, 0.5], 3).unwrap();
        assert!(changes_of(&|| store.put_embedding("m", "old", &other).unwrap()).is_none());
    }

    /// sled keeps every page it writes or reads in memory; the numbers are not in its pages.
    #[test]
    fn the_numbers_are_in_the_vector_file_and_sled_keeps_only_their_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let store = Store::open(&path).unwrap();
        let dim = 384;
        let vectors: Vec<Embedding> = (0..50)
            .map(|i| Embedding::new(vec![i as f32 / 64.0; dim], dim).unwrap())
            .collect();
        let hashes: Vec<String> = (0..50).map(|i| format!("h{i}")).collect();
        store
            .put_embeddings("m", hashes.iter().map(String::as_str).zip(&vectors))
            .unwrap();
        for value in store.live().embeddings.iter().values() {
            assert_eq!(value.unwrap().len(), Location::LEN);
        }
        assert_eq!(
            store.live().vectors.len().unwrap(),
            50 * (8 + dim as u64 * 2)
        );
        store.flush().unwrap();
        drop(store);
        // Read back after reopening, each by its own key.
        let store = Store::open(&path).unwrap();
        for (hash, v) in hashes.iter().zip(&vectors) {
            assert_eq!(
                store.get_embedding("m", hash, dim).unwrap().as_ref(),
                Some(v)
            );
        }
        assert!(store.size_on_disk().unwrap() >= 50 * (8 + dim as u64 * 2));
    }

    /// A crash can leave sled pointing at a row the disk never got: that text has no vector
    /// (and is embedded again), the others are untouched.
    #[test]
    fn a_vector_whose_row_was_lost_reads_as_missing_and_can_be_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let store = Store::open(&path).unwrap();
        let a = Embedding::new(vec![0.5, 0.25], 2).unwrap();
        let b = Embedding::new(vec![-0.5, 1.0], 2).unwrap();
        store.put_embedding("m", "a", &a).unwrap();
        store.put_embedding("m", "b", &b).unwrap();
        let len = store.live().vectors.len().unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(path.join(super::super::vector_file::FILE_NAME))
            .unwrap()
            .set_len(len - 1)
            .unwrap();
        assert!(!store.has_embedding("m", "b", 2).unwrap());
        assert_eq!(store.get_embedding("m", "b", 2).unwrap(), None);
        assert_eq!(store.get_embedding("m", "a", 2).unwrap(), Some(a));
        store.put_embedding("m", "b", &b).unwrap();
        assert_eq!(store.get_embedding("m", "b", 2).unwrap(), Some(b));
    }

    #[test]
    fn only_vectors_of_the_right_length_and_finite_numbers_exist() {
        assert_eq!(
            Embedding::new(vec![1.0; 3], 4),
            Err(EmbeddingError::WrongDimension {
                expected: 4,
                found: 3
            })
        );
        assert_eq!(
            Embedding::new(vec![0.0, f32::NAN], 2),
            Err(EmbeddingError::NotFinite { index: 1 })
        );
        assert_eq!(
            Embedding::new(vec![f32::INFINITY, 0.0], 2),
            Err(EmbeddingError::NotFinite { index: 0 })
        );
        assert!(Embedding::new(vec![], 0).is_err());
    }

    #[test]
    fn a_stored_value_that_is_no_vector_of_the_model_reads_as_missing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let read = |bytes: Vec<u8>| {
            store
                .live()
                .embeddings
                .insert(key("m", "h"), bytes)
                .unwrap();
            (
                store.get_embedding("m", "h", 3).unwrap(),
                store.has_embedding("m", "h", 3).unwrap(),
                store
                    .with_stored_vector("m", "h", 3, |v| match v {
                        StoredVector::Half(b) | StoredVector::Single(b) => b.len(),
                    })
                    .unwrap(),
            )
        };
        // As an older Sift or a bad import could have left them: three numbers and a byte,
        // two numbers (f32), two numbers (binary16), a NaN, a binary16 infinity.
        assert_eq!(read(vec![0u8; 13]), (None, false, None));
        assert_eq!(read(vec![0u8; 8]), (None, false, None));
        assert_eq!(read(vec![0u8; 4]), (None, false, None));
        assert_eq!(read(vec![0, 0, 0, 0, 0x00, 0x7c]), (None, false, None));
        let nan: Vec<u8> = [f32::NAN, 0.0, 0.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        assert_eq!(read(nan), (None, false, None));
        let good: Vec<u8> = [1.0f32, 0.0, 0.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        assert_eq!(
            read(good),
            (Some(Embedding(vec![1.0, 0.0, 0.0])), true, Some(12))
        );
    }
}
