//! The `embeddings` tree: a cache of vectors keyed by model id and the article text's content
//! hash, so unchanged text is never embedded twice and a new model never reads old vectors.
//!
//! Unlike the other trees the value is raw little-endian f32s, not JSON: it is a cache that
//! can always be recomputed, and there can be hundreds of thousands of them.
//!
//! Only an [`Embedding`] (the model's length, finite numbers) is ever written, and on the way
//! out a stored value that is not one (an older Sift, a bug, a hand-edited store) reads as
//! *no vector*: the article is embedded again instead of breaking the learner, whose
//! arithmetic assumes equal lengths.

use super::{Store, StoreError};

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

    pub(super) fn to_le_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|x| x.to_le_bytes()).collect()
    }
}

/// Whether `bytes` are a stored [`Embedding`] of `dim` numbers.
fn is_valid(bytes: &[u8], dim: usize) -> bool {
    dim > 0
        && bytes.len() == dim * 4
        && bytes
            .chunks_exact(4)
            .all(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]).is_finite())
}

pub(super) fn key(model_id: &str, content_hash: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(model_id.len() + 1 + content_hash.len());
    k.extend_from_slice(model_id.as_bytes());
    k.push(0);
    k.extend_from_slice(content_hash.as_bytes());
    k
}

impl Store {
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
        let written: Vec<(Vec<u8>, Vec<u8>, usize)> = vectors
            .into_iter()
            .map(|(content_hash, vector)| {
                (
                    key(model_id, content_hash),
                    vector.to_le_bytes(),
                    vector.dim(),
                )
            })
            .collect();
        if written.is_empty() {
            return Ok(());
        }
        self.changing_corpus(|change| {
            let live = self.live();
            change.vectors = true;
            let mut batch = sled::Batch::default();
            for (key, bytes, dim) in written {
                // A valid vector replaced by another: rows derived from the old one cannot
                // be found by article (vectors are keyed by text), so the change is not
                // described.
                let replaced = live
                    .embeddings
                    .get(&key)?
                    .is_some_and(|old| is_valid(&old, dim) && old.as_ref() != bytes.as_slice());
                change.unknown |= replaced;
                batch.insert(key, bytes);
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
        self.with_embedding_bytes(model_id, content_hash, dim, |bytes| {
            Embedding(
                bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            )
        })
    }

    /// Calls `read` with a valid stored vector's raw little-endian bytes (`dim` × 4 of them,
    /// all finite), without copying them into a `Vec` first (loading a whole corpus into one
    /// matrix reads 100,000 of them). `None` when there is no valid vector.
    pub fn with_embedding_bytes<R>(
        &self,
        model_id: &str,
        content_hash: &str,
        dim: usize,
        read: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>, StoreError> {
        Ok(self
            .live()
            .embeddings
            .get(key(model_id, content_hash))?
            .filter(|bytes| is_valid(bytes, dim))
            .map(|bytes| read(&bytes)))
    }

    /// Whether a valid vector of `dim` numbers is stored.
    pub fn has_embedding(
        &self,
        model_id: &str,
        content_hash: &str,
        dim: usize,
    ) -> Result<bool, StoreError> {
        Ok(self
            .with_embedding_bytes(model_id, content_hash, dim, |_| ())?
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
                    .with_embedding_bytes("m", "h", 3, |b| b.len())
                    .unwrap(),
            )
        };
        // As an older Sift or a bad import could have left them: three numbers and a byte,
        // two numbers, a NaN.
        assert_eq!(read(vec![0u8; 13]), (None, false, None));
        assert_eq!(read(vec![0u8; 8]), (None, false, None));
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
