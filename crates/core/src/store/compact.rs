//! Compaction: giving back the disk space of deleted records.
//!
//! sled 0.34 never shrinks its log for deletions in the middle of it: it keeps the freed
//! segments and reuses them for later writes. Measured on a 5,000-article store: pruning
//! all but 105 articles left the file at 66 MB (60 MB before, the deletions are writes too);
//! the same data copied into a fresh database took under 3 MB. So after a large cleanup the
//! store is copied, tree by tree, into a fresh database beside it, checked against the old
//! one (sled's checksum over every key and value), and swapped in by two renames while
//! every store operation waits on the write lock.
//!
//! A crash at any point loses nothing: until the first rename the old store is untouched
//! and the half-written copy is deleted at the next open; between the renames the old
//! store is put back; after the second one the old copy is deleted ([`recover`]).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::embeddings::stored_numbers;
use super::vector_file::{Location, VectorFile};
use super::{open_sled, Store, StoreError, Trees};

/// Where the fresh copy is written.
const COPY_SUFFIX: &str = "compacting";
/// Where the old store waits while the copy takes its place.
const OLD_SUFFIX: &str = "before-compaction";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CompactOutcome {
    /// Bytes on disk before and after.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_before: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_after: u64,
    /// Whether the copy took the store's place (it does not when it is no smaller).
    pub swapped: bool,
}

/// `store` → `store.<suffix>`, in the same directory (so a rename is atomic).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

fn io_error(path: &Path, what: &str, source: std::io::Error) -> StoreError {
    StoreError::Compact {
        path: path.to_path_buf(),
        detail: format!("{what}: {source}"),
    }
}

fn remove_if_present(path: &Path) -> Result<(), StoreError> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(io_error(path, "could not remove it", e))
        }
        _ => Ok(()),
    }
}

/// Finishes or undoes a compaction that a crash interrupted (see the module comment).
pub(super) fn recover(path: &Path) -> Result<(), StoreError> {
    let old = sibling(path, OLD_SUFFIX);
    if old.exists() {
        if path.exists() {
            remove_if_present(&old)?;
        } else {
            std::fs::rename(&old, path)
                .map_err(|e| io_error(path, "could not put the store back", e))?;
        }
    }
    remove_if_present(&sibling(path, COPY_SUFFIX))
}

/// Copies every tree of `from` into the empty `to` and its vector file, with errors (sled's
/// own `import` panics on them) and in batches, then checks that both hold the same keys and
/// values. The `embeddings` tree's places point into the new vector file, which receives
/// only the rows still in use (a place whose row cannot be read is dropped: it reads as
/// no vector in either store).
fn copy_all(from: &Trees, to: &sled::Db, to_vectors: &VectorFile) -> Result<(), StoreError> {
    const BATCH: usize = 1000;
    for name in from.db.tree_names() {
        let source = from.db.open_tree(&name)?;
        let target = to.open_tree(&name)?;
        let vectors = (name == from.embeddings.name()).then_some(to_vectors);
        let mut entries = Vec::with_capacity(BATCH);
        for entry in source.iter() {
            entries.push(entry?);
            if entries.len() == BATCH {
                copy_batch(from, &target, vectors, std::mem::take(&mut entries))?;
            }
        }
        copy_batch(from, &target, vectors, entries)?;
        let same = match vectors {
            None => source.checksum()? == target.checksum()?,
            Some(to_vectors) => same_vectors(from, &target, to_vectors)?,
        };
        if !same {
            return Err(StoreError::Compact {
                path: PathBuf::new(),
                detail: "the copy does not match the store (left unchanged)".to_string(),
            });
        }
    }
    to.flush()?;
    to_vectors.sync()?;
    Ok(())
}

/// Writes `entries` into `target`; when `to_vectors` is given (the `embeddings` tree), each
/// place is replaced by one in `to_vectors`, where its row is copied.
fn copy_batch(
    from: &Trees,
    target: &sled::Tree,
    to_vectors: Option<&VectorFile>,
    entries: Vec<(sled::IVec, sled::IVec)>,
) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    let Some(to_vectors) = to_vectors else {
        for (key, value) in entries {
            batch.insert(key, value);
        }
        return Ok(target.apply_batch(batch)?);
    };
    let mut rows = Vec::new();
    for (key, value) in entries {
        match Location::parse(&value) {
            None => batch.insert(key, value),
            Some(place) => {
                if let Some(numbers) = from.vectors.read(place, &key, None)? {
                    rows.push((key, numbers));
                }
            }
        }
    }
    let places = to_vectors.append(rows.iter().map(|(k, n)| (&k[..], n.as_slice())))?;
    for ((key, _), place) in rows.into_iter().zip(places) {
        batch.insert(key, &place.to_bytes()[..]);
    }
    Ok(target.apply_batch(batch)?)
}

/// Whether the copied `embeddings` tree stands for the same vectors as `from`'s: every
/// readable one there, nothing else.
fn same_vectors(
    from: &Trees,
    target: &sled::Tree,
    to_vectors: &VectorFile,
) -> Result<bool, StoreError> {
    let mut readable = 0;
    for entry in from.embeddings.iter() {
        let (key, value) = entry?;
        let Some(numbers) = stored_numbers(&from.vectors, &key, &value, None)? else {
            continue;
        };
        readable += 1;
        let copied = match target.get(&key)? {
            Some(value) => stored_numbers(to_vectors, &key, &value, None)?.map(Cow::into_owned),
            None => None,
        };
        if copied.as_deref() != Some(&*numbers) {
            return Ok(false);
        }
    }
    Ok(target.len() == readable)
}

impl Store {
    /// Rewrites the store into a fresh database of just its live records and swaps it in
    /// when that is smaller. Every other store operation waits meanwhile (seconds for
    /// thousands of articles).
    pub fn compact(&self) -> Result<CompactOutcome, StoreError> {
        let mut live = self.live.write();
        live.db.flush()?;
        let size_before = live.size_on_disk()?;
        let copy_path = sibling(&self.path, COPY_SUFFIX);
        let old_path = sibling(&self.path, OLD_SUFFIX);
        remove_if_present(&copy_path)?;

        let copied = open_sled(&copy_path).and_then(|copy| {
            let copy_vectors = VectorFile::open(&copy_path)?;
            copy_all(&live, &copy, &copy_vectors)?;
            Ok(copy.size_on_disk()? + copy_vectors.len()?)
        });
        // The copy's handle is closed here; it is opened again under the store's name.
        if let Ok(copy_size) = copied {
            // A small store gains nothing (sled starts a file with a whole 512 KiB segment).
            if copy_size >= size_before {
                let _ = std::fs::remove_dir_all(&copy_path);
                return Ok(CompactOutcome {
                    size_before,
                    size_after: size_before,
                    swapped: false,
                });
            }
        }
        if let Err(e) = copied {
            let _ = std::fs::remove_dir_all(&copy_path);
            return Err(match e {
                StoreError::Compact { detail, .. } => StoreError::Compact {
                    path: self.path.clone(),
                    detail,
                },
                other => other,
            });
        }

        std::fs::rename(&self.path, &old_path)
            .map_err(|e| io_error(&self.path, "could not move the old store aside", e))?;
        let swapped = std::fs::rename(&copy_path, &self.path)
            .map_err(|e| io_error(&self.path, "could not move the copy in", e))
            .and_then(|()| open_sled(&self.path))
            .and_then(|db| Trees::open(&self.path, db));
        let trees = match swapped {
            Ok(trees) => trees,
            Err(e) => {
                // Back to the old store, which is still open and unchanged.
                if self.path.exists() {
                    let _ = std::fs::remove_dir_all(&self.path);
                }
                let _ = std::fs::rename(&old_path, &self.path);
                return Err(e);
            }
        };
        // The old database closes with its last handles, which were these.
        drop(std::mem::replace(&mut *live, trees));
        if let Err(e) = remove_if_present(&old_path) {
            // Harmless: the next open removes it.
            tracing::warn!("{e}");
        }
        Ok(CompactOutcome {
            size_before,
            size_after: live.size_on_disk()?,
            swapped: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ArticleId, ArticleRecord, FeedId};

    fn fill(store: &Store, n: u64) {
        for i in 1..=n {
            store
                .put_article(&ArticleRecord {
                    id: ArticleId(i),
                    feed_id: FeedId(1),
                    title: format!("Article {i}"),
                    text: format!("{i} ").repeat(2000),
                    content_hash: format!("h{i}"),
                    ..Default::default()
                })
                .unwrap();
        }
        store.flush().unwrap();
    }

    /// Deleting most records does not shrink sled's file; compacting does, and keeps every
    /// record, and the same handle (and its clones) goes on working on the new file.
    #[test]
    fn compaction_gives_back_the_space_of_deleted_records_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let store = Store::open(&path).unwrap();
        let clone = store.clone();
        fill(&store, 600);
        let full = store.size_on_disk().unwrap();
        let doomed: Vec<ArticleId> = (11..=600).map(ArticleId).collect();
        store.remove_articles(&doomed).unwrap();
        store.flush().unwrap();
        let pruned = store.size_on_disk().unwrap();
        assert!(
            pruned * 2 > full,
            "sled keeps the space ({full} → {pruned} bytes); if this fails, sled changed"
        );

        let outcome = store.compact().unwrap();
        assert!(outcome.swapped);
        // sled's own flusher may still append a few hundred bytes of its state after our
        // flush, so the size compaction starts from is the pruned one or a little more.
        assert!(
            outcome.size_before >= pruned && outcome.size_before - pruned < 1 << 20,
            "compaction started from {} bytes; pruned {pruned}",
            outcome.size_before
        );
        assert!(
            outcome.size_after * 4 < pruned,
            "{pruned} → {} bytes",
            outcome.size_after
        );
        // The handle reads the new file (sled may have appended a little to it since).
        let now = store.size_on_disk().unwrap();
        assert!(
            now >= outcome.size_after && now * 4 < pruned,
            "after compaction {} bytes, now {now}",
            outcome.size_after
        );
        let left: Vec<ArticleId> = clone
            .list_article_meta()
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(left, (1..=10).map(ArticleId).collect::<Vec<_>>());
        assert_eq!(
            store.get_article(ArticleId(7)).unwrap().unwrap().text,
            "7 ".repeat(2000)
        );
        // Writes land in the new file and survive a reopen; nothing is left beside it.
        clone.mark_read(ArticleId(3)).unwrap();
        store.flush().unwrap();
        drop((store, clone));
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["store"]);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.article_count(), 10);
        assert!(store.is_read(ArticleId(3)).unwrap());
    }

    /// The vector file only grows; compaction copies the rows still in use, and a vector an
    /// older store kept inline in sled, and drops a place whose row was lost.
    #[test]
    fn compaction_keeps_only_the_vectors_still_in_use() {
        use crate::store::Embedding;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let store = Store::open(&path).unwrap();
        fill(&store, 300);
        let dim = 64;
        let vector = |i: u64| Embedding::new(vec![i as f32 / 8.0; dim], dim).unwrap();
        let vectors: Vec<Embedding> = (1..=300).map(vector).collect();
        let hashes: Vec<String> = (1..=300).map(|i| format!("h{i}")).collect();
        store
            .put_embeddings("m", hashes.iter().map(String::as_str).zip(&vectors))
            .unwrap();
        // As an older Sift wrote them: the numbers in sled (f32).
        let inline: Vec<u8> = vector(1000)
            .as_slice()
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let old_key = crate::store::embeddings::key("m", "old");
        store.live().embeddings.insert(&old_key, inline).unwrap();
        // A place whose row never reached the disk (a crash).
        let lost = crate::store::vector_file::Location::at(1 << 40);
        let lost_key = crate::store::embeddings::key("m", "lost");
        store
            .live()
            .embeddings
            .insert(&lost_key, &lost.to_bytes()[..])
            .unwrap();
        let file_full = store.live().vectors.len().unwrap();

        let doomed: Vec<ArticleId> = (21..=300).map(ArticleId).collect();
        let outcome = store.remove_articles(&doomed).unwrap();
        assert_eq!(outcome.removed_vectors, 280);
        store.flush().unwrap();
        assert!(store.compact().unwrap().swapped);

        let file_now = store.live().vectors.len().unwrap();
        assert_eq!(file_now, 20 * (8 + 2 * dim as u64), "was {file_full}");
        for i in 1..=20u64 {
            let hash = format!("h{i}");
            assert_eq!(
                store.get_embedding("m", &hash, dim).unwrap(),
                Some(vector(i))
            );
        }
        assert_eq!(store.get_embedding("m", "h21", dim).unwrap(), None);
        assert_eq!(
            store.get_embedding("m", "old", dim).unwrap(),
            Some(vector(1000))
        );
        assert!(store.live().embeddings.get(&lost_key).unwrap().is_none());
        // Written after compaction, read after reopening.
        store.put_embedding("m", "new", &vector(7)).unwrap();
        store.flush().unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.get_embedding("m", "new", dim).unwrap(),
            Some(vector(7))
        );
        assert_eq!(
            store.get_embedding("m", "h5", dim).unwrap(),
            Some(vector(5))
        );
    }

    /// A crash between the two renames leaves the old store aside and the copy beside it:
    /// the next open puts the old one back; a leftover copy or old store is removed.
    #[test]
    fn an_interrupted_compaction_is_recovered_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        fill(&Store::open(&path).unwrap(), 5);
        std::thread::sleep(std::time::Duration::from_millis(100));
        let old = sibling(&path, OLD_SUFFIX);
        let copy = sibling(&path, COPY_SUFFIX);
        std::fs::rename(&path, &old).unwrap();
        std::fs::create_dir_all(copy.join("half")).unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.article_count(), 5);
        assert!(!old.exists() && !copy.exists());
        drop(store);

        // After the second rename: the old copy is garbage.
        std::fs::create_dir_all(old.join("stale")).unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.article_count(), 5);
        assert!(!old.exists());
    }
}
