//! The `learner` tree: what the learner derives from the whole corpus and keeps between runs
//! so a cold start need not recompute it (the corpus regions and word statistics). JSON
//! values by name; a cache — a value that no longer decodes is treated as absent and is
//! recomputed, never an error.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Store, StoreError};

/// Key (in `meta`) of the counter [`Store::corpus_generation`] reads.
const CORPUS_GENERATION_KEY: &[u8] = b"corpus_generation";

impl Store {
    /// A number that changes whenever what the learner's corpus is made of may have changed
    /// (article metadata, articles removed, vectors stored or removed). Whatever was derived
    /// from the store while this number stayed the same still matches it: the learner keeps
    /// its corpus in a file stamped with it (`engine/learn/corpus_file.rs`).
    pub fn corpus_generation(&self) -> Result<u64, StoreError> {
        Ok(self
            .live()
            .meta
            .get(CORPUS_GENERATION_KEY)?
            .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// Runs a write that may change the corpus between two bumps of the generation: a
    /// reader that saw the same number before and after its read cannot have seen half of
    /// it, and a crash half way still leaves the number changed.
    pub(crate) fn changing_corpus<T>(
        &self,
        write: impl FnOnce() -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.bump_corpus_generation()?;
        let result = write();
        self.bump_corpus_generation()?;
        result
    }

    fn bump_corpus_generation(&self) -> Result<(), StoreError> {
        self.live()
            .meta
            .fetch_and_update(CORPUS_GENERATION_KEY, |old| {
                let n = old
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map_or(0, u64::from_be_bytes);
                Some((n + 1).to_be_bytes().to_vec())
            })?;
        Ok(())
    }

    pub fn put_learner_cache<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        self.live()
            .learner
            .insert(key.as_bytes(), serde_json::to_vec(value)?)?;
        Ok(())
    }

    pub fn get_learner_cache<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        Ok(self
            .live()
            .learner
            .get(key.as_bytes())?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_values_round_trip_and_bad_ones_read_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        store.put_learner_cache("a", &vec![1, 2, 3]).unwrap();
        assert_eq!(
            store.get_learner_cache::<Vec<i32>>("a").unwrap(),
            Some(vec![1, 2, 3])
        );
        assert_eq!(store.get_learner_cache::<String>("a").unwrap(), None);
        assert_eq!(store.get_learner_cache::<Vec<i32>>("b").unwrap(), None);
    }
}
