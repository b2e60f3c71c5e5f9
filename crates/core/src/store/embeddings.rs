//! The `embeddings` tree: a cache of vectors keyed by model id and the article text's content
//! hash, so unchanged text is never embedded twice and a new model never reads old vectors.
//!
//! Unlike the other trees the value is raw little-endian f32s, not JSON: it is a cache that
//! can always be recomputed, and there can be hundreds of thousands of them.

use super::{Store, StoreError};

fn key(model_id: &str, content_hash: &str) -> Vec<u8> {
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
        vector: &[f32],
    ) -> Result<(), StoreError> {
        let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
        self.embeddings.insert(key(model_id, content_hash), bytes)?;
        Ok(())
    }

    pub fn get_embedding(
        &self,
        model_id: &str,
        content_hash: &str,
    ) -> Result<Option<Vec<f32>>, StoreError> {
        Ok(self
            .embeddings
            .get(key(model_id, content_hash))?
            .map(|bytes| {
                bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect()
            }))
    }

    /// Calls `read` with a stored vector's raw little-endian bytes, without copying them
    /// into a `Vec` first (loading a whole corpus into one matrix reads 100,000 of them).
    pub fn with_embedding_bytes<R>(
        &self,
        model_id: &str,
        content_hash: &str,
        read: impl FnOnce(&[u8]) -> R,
    ) -> Result<Option<R>, StoreError> {
        Ok(self
            .embeddings
            .get(key(model_id, content_hash))?
            .map(|bytes| read(&bytes)))
    }

    pub fn has_embedding(&self, model_id: &str, content_hash: &str) -> Result<bool, StoreError> {
        Ok(self.embeddings.contains_key(key(model_id, content_hash))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_keyed_by_model_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        store.put_embedding("m1", "h", &[0.5, -1.0]).unwrap();
        assert_eq!(
            store.get_embedding("m1", "h").unwrap(),
            Some(vec![0.5, -1.0])
        );
        assert_eq!(store.get_embedding("m2", "h").unwrap(), None);
        assert!(store.has_embedding("m1", "h").unwrap());
        assert!(!store.has_embedding("m1", "other").unwrap());
    }
}
