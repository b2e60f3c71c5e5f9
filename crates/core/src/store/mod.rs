//! Storage: sled trees behind typed methods, and the vectors' numbers in a file beside sled's
//! log (`vector_file.rs`; the `embeddings` tree holds each one's place). Nothing outside this
//! module touches either.
//!
//! Trees: `meta` (schema version), `feeds`, `articles` (lean metadata), `article_content`
//! (HTML and text, apart so listings never decode them), `ratings`, `embeddings`,
//! `settings`, `learner` (what the learner derives from the corpus, a cache), and the indexes ingestion keeps consistent with them in the same transactions:
//! `feed_urls` (normalised feed URL → FeedId), `article_keys` (dedup key → ArticleId),
//! `feed_articles` (FeedId ‖ ArticleId → ()) and `article_dates` (date ‖ ArticleId → ()). Values are JSON so that a schema change is a readable migration, not a
//! byte-layout puzzle. Writes that belong together use sled transactions or batches.

mod articles;
mod compact;
mod dates;
mod embeddings;
mod feeds;
mod icons;
mod learner;
mod map_layout;
mod ratings;
mod read;
mod retention;
mod rules;
mod saved;
mod settings;
mod vector_file;

pub use articles::{RefreshWrite, RefreshWriteOutcome};
pub use compact::CompactOutcome;
pub(crate) use dates::listing_date;
pub use embeddings::{Embedding, EmbeddingError, StoredVector};
pub use icons::StoredIcon;
pub use learner::CorpusChanges;
pub use map_layout::StoredMapLayout;
pub use ratings::{LearnerImport, RatingRecord};
pub use retention::PruneOutcome;

use crate::domain::FeedId;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::{RwLock, RwLockReadGuard};

/// Bumped whenever the stored layout changes; [`Store::open`] migrates older stores.
///
/// 1: one `articles` record held metadata and content. 2: content moved to `article_content`.
/// 3: the `article_dates` index (the articles page's order) was added.
pub const SCHEMA_VERSION: u32 = 3;

const SCHEMA_KEY: &[u8] = b"schema_version";
const NEXT_FEED_ID_KEY: &[u8] = b"next_feed_id";
/// Article ids are drawn inside refresh transactions (see `articles.rs`).
pub(crate) const NEXT_ARTICLE_ID_KEY: &[u8] = b"next_article_id";

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

    #[error("could not compact the store at {path} ({detail}); nothing was lost")]
    Compact { path: PathBuf, detail: String },

    #[error("could not read or write the store's vectors in {path}: {source}")]
    VectorFile {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("stored record could not be decoded: {0}")]
    Decode(#[from] serde_json::Error),

    #[error("already subscribed to {url} (feed {existing})")]
    DuplicateFeed { url: String, existing: FeedId },
}

impl From<sled::transaction::TransactionError<StoreError>> for StoreError {
    fn from(e: sled::transaction::TransactionError<StoreError>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(inner) => inner,
            sled::transaction::TransactionError::Storage(inner) => StoreError::Sled(inner),
        }
    }
}

/// Aborts a sled transaction with a store error (for `?` inside transaction closures).
fn abort<E: Into<StoreError>>(e: E) -> sled::transaction::ConflictableTransactionError<StoreError> {
    sled::transaction::ConflictableTransactionError::Abort(e.into())
}

/// Cheap to clone: every clone is a handle onto the same open database.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    /// The open database. Compaction (`compact.rs`) replaces it with a rewritten copy under
    /// the write lock; every store operation reads through [`Store::live`], so none runs
    /// half on the old database and half on the new one.
    live: Arc<RwLock<Trees>>,
}

/// The open database and its trees.
pub(crate) struct Trees {
    pub(crate) db: sled::Db,
    pub(crate) meta: sled::Tree,
    pub(crate) feeds: sled::Tree,
    pub(crate) articles: sled::Tree,
    pub(crate) article_content: sled::Tree,
    pub(crate) ratings: sled::Tree,
    /// Content hash key → the vector's place in `vectors` (older stores: the vector).
    pub(crate) embeddings: sled::Tree,
    /// The vectors' numbers (`vector_file.rs`).
    vectors: vector_file::VectorFile,
    pub(crate) settings: sled::Tree,
    pub(crate) feed_urls: sled::Tree,
    pub(crate) article_keys: sled::Tree,
    pub(crate) feed_articles: sled::Tree,
    /// (listing date ‖ article id) → (): the articles page's order (`dates.rs`).
    pub(crate) article_dates: sled::Tree,
    /// Articles opened in the app's reader (key: article id, value: empty).
    pub(crate) read: sled::Tree,
    /// What the learner derives from the whole corpus, kept between runs (`learner.rs`).
    pub(crate) learner: sled::Tree,
}

impl Trees {
    fn open(path: &Path, db: sled::Db) -> Result<Self, StoreError> {
        let open = |name: &str| db.open_tree(name).map_err(|e| classify_open_error(path, e));
        Ok(Self {
            meta: open("meta")?,
            feeds: open("feeds")?,
            articles: open("articles")?,
            article_content: open("article_content")?,
            ratings: open("ratings")?,
            embeddings: open("embeddings")?,
            settings: open("settings")?,
            feed_urls: open("feed_urls")?,
            article_keys: open("article_keys")?,
            feed_articles: open("feed_articles")?,
            article_dates: open("article_dates")?,
            read: open("read")?,
            learner: open("learner")?,
            vectors: vector_file::VectorFile::open(path)?,
            db,
        })
    }

    /// Bytes on disk: sled's log and snapshots, and the vector file.
    fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.db.size_on_disk()? + self.vectors.len()?)
    }
}

impl Store {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        compact::recover(path)?;
        // sled "recovers" an unreadable log as an empty database and writes over it while
        // opening; so an existing log is checked first, and a store that had data but shows
        // no schema record is refused before any tree is created.
        let had_data = std::fs::metadata(path.join("db")).is_ok_and(|m| m.len() > 0);
        if had_data {
            check_sled_log(path)?;
        }
        let db = open_sled(path)?;
        if had_data && !db.tree_names().iter().any(|name| name.as_ref() == b"meta") {
            return Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                detail: "its data could not be read (no schema record found)".to_string(),
            });
        }
        let store = Self {
            path: path.to_path_buf(),
            live: Arc::new(RwLock::new(Trees::open(path, db)?)),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The open database, for one operation. Recursive: store methods call each other, and
    /// a waiting compaction must not block a nested read of an operation already under way.
    pub(crate) fn live(&self) -> RwLockReadGuard<'_, Trees> {
        self.live.read_recursive()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .live()
            .meta
            .get(SCHEMA_KEY)?
            .map(|v| decode_u32(&v))
            .unwrap_or(0))
    }

    pub fn feed_count(&self) -> usize {
        self.live().feeds.len()
    }

    /// A fresh feed id: 1, 2, 3, ... (people type these, so they stay short).
    pub fn new_feed_id(&self) -> Result<FeedId, StoreError> {
        self.reserve_ids(NEXT_FEED_ID_KEY, 1).map(FeedId)
    }

    /// Reserves `count` ids from the counter under `key` and returns the first. Ids start at 1
    /// (0 reads like "unset") and are never reused, even after deletions. sled's own
    /// `generate_id` would do, but it jumps by a million on every restart.
    fn reserve_ids(&self, key: &[u8], count: u64) -> Result<u64, StoreError> {
        let mut first = 0;
        self.live().meta.fetch_and_update(key, |old| {
            let next = old
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
                .unwrap_or(1);
            first = next;
            Some((next + count).to_be_bytes().to_vec())
        })?;
        Ok(first)
    }

    /// Makes sure everything written so far is on disk. Every change a user makes (an
    /// answer, a read mark, a save, a rule, settings, an import, a subscription) is flushed
    /// by the engine before its call returns, so nothing confirmed is lost to a crash;
    /// sled's own periodic flush only covers what can be recomputed (vectors, caches).
    pub fn flush(&self) -> Result<(), StoreError> {
        let live = self.live();
        // Vectors first: a place sled keeps must not point at a row the disk lacks (should
        // it, after a crash, the vector reads as missing and is embedded again).
        live.vectors.sync()?;
        live.db.flush()?;
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
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        if found == 1 {
            self.split_article_content()?;
        }
        if (1..3).contains(&found) {
            // Rebuilt whole, so an interrupted run (schema still 2) simply runs again.
            self.rebuild_article_dates()?;
        }
        // found == 0 is a brand-new store: nothing to convert, just record its layout.
        self.live()
            .meta
            .insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
        self.live().db.flush()?;
        Ok(())
    }

    /// 1 → 2: each whole article record in `articles` becomes its metadata there and its
    /// content in `article_content`, a chunk of articles per transaction. Records already
    /// split (a migration interrupted half way) have no `text` and are left as they are, so
    /// running it again finishes the job.
    fn split_article_content(&self) -> Result<(), StoreError> {
        use crate::domain::ArticleRecord;
        use sled::Transactional;
        const CHUNK: usize = 1000;
        let mut chunk: Vec<ArticleRecord> = Vec::with_capacity(CHUNK);
        let mut pending = self.live().articles.iter().values().peekable();
        while pending.peek().is_some() {
            chunk.clear();
            for value in pending.by_ref() {
                let value = value?;
                let json: serde_json::Value = serde_json::from_slice(&value)?;
                if json.get("text").is_some() {
                    chunk.push(serde_json::from_value(json)?);
                    if chunk.len() == CHUNK {
                        break;
                    }
                }
            }
            let split: Vec<(Vec<u8>, Vec<u8>, [u8; 8])> = chunk
                .iter()
                .map(|record| {
                    let (meta, content) = record.clone().split();
                    Ok((
                        serde_json::to_vec(&meta)?,
                        serde_json::to_vec(&content)?,
                        meta.id.to_key(),
                    ))
                })
                .collect::<Result<_, StoreError>>()?;
            (&self.live().articles, &self.live().article_content).transaction(
                |(articles, contents)| {
                    for (meta, content, key) in &split {
                        articles.insert(&key[..], meta.as_slice())?;
                        contents.insert(&key[..], content.as_slice())?;
                    }
                    Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(())
                },
            )?;
        }
        Ok(())
    }
}

/// sled 0.34's log is made of 512 KiB segments, each starting with a 20-byte header:
/// `crc32(bytes 4..20) ^ 0xFFFF_FFFF`, then two XOR-masked LSNs. A log in which no segment
/// has a valid header is not a sled log at all (overwritten, truncated to garbage, the wrong
/// file); sled would silently start over on it. Torn tails after a crash are still sled's
/// to recover. (sled 0.34 is frozen, so this layout is too.)
fn check_sled_log(path: &Path) -> Result<(), StoreError> {
    use std::io::{Read, Seek, SeekFrom};
    const SEGMENT_SIZE: u64 = 512 * 1024;
    const HEADER_LEN: usize = 20;
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    let db_path = path.join("db");
    let mut file = std::fs::File::open(&db_path)
        .map_err(|e| corrupt(format!("{} cannot be read: {e}", db_path.display())))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut offset = 0;
    while offset + HEADER_LEN as u64 <= len {
        let mut header = [0u8; HEADER_LEN];
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(&mut header))
            .map_err(|e| corrupt(format!("{} cannot be read: {e}", db_path.display())))?;
        let stored = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) ^ 0xFFFF_FFFF;
        if stored == crc32fast::hash(&header[4..]) {
            return Ok(());
        }
        offset += SEGMENT_SIZE;
    }
    Err(corrupt(
        "its log has no readable segment (not a Sift store, or overwritten)".to_string(),
    ))
}

/// What sled may keep of the pages it read or wrote (its default is 1 GiB). sled keeps every
/// page it touches until this is reached, so without a cap a process holds the store it has
/// written or scanned: after `sift refresh` imported 10,000 articles (hashing embedder, the
/// heap trimmed at exit) 151 MB of anonymous memory with the default, 105 with 64 MiB, 93
/// with 16 MiB, 87 with 1 MiB; heaptrack put the difference in sled pages written by the
/// refresh (article contents, metadata, vectors). Views read the corpus file, not sled, and
/// `sift bench views` at 100,000 articles stayed within noise with 16 MiB.
const SLED_CACHE_BYTES: u64 = 16 << 20;

/// sled releases its file lock from a background thread shortly after the last handle is
/// dropped, so a store closed and reopened at once (a restart, a test) can briefly look
/// "in use". Waiting a moment tells that apart from a second process that holds it.
fn open_sled(path: &Path) -> Result<sled::Db, StoreError> {
    const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);
    const POLL: std::time::Duration = std::time::Duration::from_millis(50);
    let started = std::time::Instant::now();
    loop {
        let config = sled::Config::new()
            .path(path)
            .cache_capacity(SLED_CACHE_BYTES);
        match config.open() {
            Ok(db) => return Ok(db),
            Err(e) => match classify_open_error(path, e) {
                StoreError::InUse(_) if started.elapsed() < LOCK_WAIT => std::thread::sleep(POLL),
                other => return Err(other),
            },
        }
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

    /// A schema-1 store (whole records in `articles`) opens as schema 2 with the same
    /// articles, their bodies in `article_content`; a half-done migration finishes.
    #[test]
    fn schema_1_articles_are_split_into_metadata_and_content() {
        use crate::domain::{ArticleId, ArticleRecord, FeedId};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        let records: Vec<ArticleRecord> = (1..=2500u64)
            .map(|i| ArticleRecord {
                id: ArticleId(i),
                feed_id: FeedId(1 + i % 3),
                title: format!("Title {i}"),
                summary: Some(format!("summary {i}")),
                content_html: Some(format!("<p>Title {i} body words here</p>")),
                text: format!("Title {i} body words here"),
                content_hash: format!("h{i}"),
                ..Default::default()
            })
            .collect();
        {
            let store = Store::open(&path).unwrap();
            store
                .live()
                .meta
                .insert(SCHEMA_KEY, &1u32.to_be_bytes())
                .unwrap();
            for (n, r) in records.iter().enumerate() {
                if n < 700 {
                    // Already split by an interrupted migration.
                    store.put_article(r).unwrap();
                } else {
                    store
                        .live()
                        .articles
                        .insert(r.id.to_key(), serde_json::to_vec(r).unwrap())
                        .unwrap();
                }
            }
            store.flush().unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.article_count(), records.len());
        assert_eq!(store.live().article_content.len(), records.len());
        assert_eq!(store.list_articles().unwrap(), records);
        let meta = store.list_article_meta().unwrap();
        assert_eq!(meta[1000].lead, "Title 1001 body words here");
        // The lean records carry no body.
        let raw = store
            .live()
            .articles
            .get(ArticleId(2000).to_key())
            .unwrap()
            .unwrap();
        let raw = String::from_utf8(raw.to_vec()).unwrap();
        assert!(!raw.contains("<p>") && !raw.contains("\"text\""), "{raw}");
    }

    #[test]
    fn newer_schema_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        {
            let store = Store::open(&path).unwrap();
            store
                .live()
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
