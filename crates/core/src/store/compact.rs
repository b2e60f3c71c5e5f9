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

use std::path::{Path, PathBuf};

use serde::Serialize;

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

/// Copies every tree of `from` into the empty `to`, with errors (sled's own `import`
/// panics on them) and in batches, then checks that both hold the same keys and values.
fn copy_all(from: &sled::Db, to: &sled::Db) -> Result<(), StoreError> {
    const BATCH: usize = 1000;
    for name in from.tree_names() {
        let source = from.open_tree(&name)?;
        let target = to.open_tree(&name)?;
        let mut batch = sled::Batch::default();
        let mut pending = 0;
        for entry in source.iter() {
            let (key, value) = entry?;
            batch.insert(key, value);
            pending += 1;
            if pending == BATCH {
                target.apply_batch(std::mem::take(&mut batch))?;
                pending = 0;
            }
        }
        target.apply_batch(batch)?;
    }
    to.flush()?;
    if from.checksum()? != to.checksum()? {
        return Err(StoreError::Compact {
            path: PathBuf::new(),
            detail: "the copy does not match the store (left unchanged)".to_string(),
        });
    }
    Ok(())
}

impl Store {
    /// Rewrites the store into a fresh database of just its live records and swaps it in
    /// when that is smaller. Every other store operation waits meanwhile (seconds for
    /// thousands of articles).
    pub fn compact(&self) -> Result<CompactOutcome, StoreError> {
        let mut live = self.live.write();
        live.db.flush()?;
        let size_before = live.db.size_on_disk()?;
        let copy_path = sibling(&self.path, COPY_SUFFIX);
        let old_path = sibling(&self.path, OLD_SUFFIX);
        remove_if_present(&copy_path)?;

        let copied = open_sled(&copy_path).and_then(|copy| {
            copy_all(&live.db, &copy)?;
            Ok(copy.size_on_disk()?)
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
            size_after: live.db.size_on_disk()?,
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
