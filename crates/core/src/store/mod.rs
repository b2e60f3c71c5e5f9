//! Storage: sled trees behind typed methods. Nothing outside this module touches sled.
//!
//! Trees: `meta` (schema version), `feeds`, `articles`, `ratings`, `embeddings`,
//! `settings`. Values are JSON so that a schema change is a readable migration, not a
//! byte-layout puzzle. Writes that belong together use sled transactions or batches.

mod articles;
mod embeddings;
mod feeds;
mod ids;
mod ratings;

pub use articles::ArticleRecord;
pub use feeds::FeedRecord;
pub use ratings::{Rating, RatingRecord};

pub use ids::{ArticleId, FeedId};

use std::path::{Path, PathBuf};

/// Bumped whenever the stored layout changes; [`Store::open`] migrates older stores.
pub const SCHEMA_VERSION: u32 = 1;

const SCHEMA_KEY: &[u8] = b"schema_version";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data directory {0} is in use by another Sift process; close it and try again")]
    InUse(PathBuf),

    #[error("the store at {path} is corrupt ({detail}); it was left untouched — move it aside or restore a backup")]
    Corrupt { path: PathBuf, detail: String },

    #[error("the store at {path} was written by a newer Sift (schema {found}, this build knows {known}); upgrade Sift")]
    TooNew {
        path: PathBuf,
        found: u32,
        known: u32,
    },

    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),

    #[error("stored record could not be decoded: {0}")]
    Decode(#[from] serde_json::Error),
}

pub struct Store {
    path: PathBuf,
    db: sled::Db,
    pub(crate) meta: sled::Tree,
    pub(crate) feeds: sled::Tree,
    pub(crate) articles: sled::Tree,
    pub(crate) ratings: sled::Tree,
    pub(crate) embeddings: sled::Tree,
    pub(crate) settings: sled::Tree,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = sled::Config::new()
            .path(path)
            .open()
            .map_err(|e| classify_open_error(path, e))?;
        let open = |name: &str| db.open_tree(name).map_err(|e| classify_open_error(path, e));
        let store = Self {
            path: path.to_path_buf(),
            meta: open("meta")?,
            feeds: open("feeds")?,
            articles: open("articles")?,
            ratings: open("ratings")?,
            embeddings: open("embeddings")?,
            settings: open("settings")?,
            db,
        };
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .meta
            .get(SCHEMA_KEY)?
            .map(|v| decode_u32(&v))
            .unwrap_or(0))
    }

    pub fn feed_count(&self) -> usize {
        self.feeds.len()
    }

    /// Makes sure everything written so far is on disk (sled also flushes periodically).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    /// Brings an older store up to [`SCHEMA_VERSION`]. Each step is one function so the
    /// path from any old version stays readable.
    fn migrate(&self) -> Result<(), StoreError> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        if found == 0 {
            // A brand-new store: nothing to convert, just record the layout it has.
            self.meta
                .insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
            self.db.flush()?;
        }
        Ok(())
    }
}

fn decode_u32(bytes: &[u8]) -> u32 {
    bytes.try_into().map(u32::from_be_bytes).unwrap_or(u32::MAX)
}

/// sled reports a held lock as a plain I/O error; turn it and corruption into errors a
/// person can act on.
fn classify_open_error(path: &Path, e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(ref io)
            if io.kind() == std::io::ErrorKind::WouldBlock
                || io.to_string().contains("could not acquire lock") =>
        {
            StoreError::InUse(path.to_path_buf())
        }
        sled::Error::Corruption { .. } => StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        other => StoreError::Sled(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_store_records_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.feed_count(), 0);
    }

    #[test]
    fn reopening_keeps_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        drop(Store::open(&path).unwrap());
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn newer_schema_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        {
            let store = Store::open(&path).unwrap();
            store
                .meta
                .insert(SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes())
                .unwrap();
            store.flush().unwrap();
        }
        match Store::open(&path) {
            Err(StoreError::TooNew { found, .. }) => assert_eq!(found, SCHEMA_VERSION + 1),
            Err(other) => panic!("expected TooNew, got {other}"),
            Ok(_) => panic!("expected TooNew, got a store"),
        }
    }
}
