//! The `learner` tree: what the learner derives from the whole corpus and keeps between runs
//! so a cold start need not recompute it (the corpus regions and word statistics). JSON
//! values by name; a cache — a value that no longer decodes is treated as absent and is
//! recomputed, never an error.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Store, StoreError};

impl Store {
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
