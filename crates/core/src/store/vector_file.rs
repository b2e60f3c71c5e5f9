//! The vector file: where the store keeps its vectors' numbers, beside sled's log, while the
//! `embeddings` tree keeps only each vector's place in it ([`Location`]).
//!
//! Why not in sled: sled keeps in memory every page it writes or reads from disk (its cache
//! evicts only once each of 256 shards has queued 64 accesses, which a store of 100,000
//! articles never reaches), so every embedding run, which checks every article's vector,
//! left the whole set of vectors in the app's heap: ~8 MB at 10,000 articles, ~77 MB at
//! 100,000, beside the copy the learner holds anyway. Read with `pread`, a vector passes
//! through the operating system's page cache, which is not the app's memory.
//!
//! The file only grows: a batch of vectors is one `write` at its end. Each row is
//! `[payload length: u32 LE][crc32: u32 LE][payload]`, the crc taken over the vector's key and
//! its payload, so a row torn by a crash, a place pointing past the end (sled flushed, the
//! file did not) or at another vector's row all read as *no vector*, and the article is
//! embedded again. Rows no place points at any more (vectors removed by the cleanup) are
//! left behind until the store is compacted, which copies only the rows still in use
//! (`compact.rs`).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use parking_lot::Mutex;

use super::StoreError;

/// The file's name inside the store's directory, beside sled's `db` and `conf` (sled only
/// looks at its own names there), so the store's directory moves as one (compaction renames
/// it).
pub(super) const FILE_NAME: &str = "vectors";

const HEADER_LEN: usize = 8;

/// Where a vector's row starts, as the `embeddings` tree keeps it: a tag byte and the
/// offset, nine bytes. Values written inline by older Sifts are whole vectors, an even
/// number of bytes, so the two can never be taken for each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Location(u64);

impl Location {
    const TAG: u8 = 0xF1;
    pub(super) const LEN: usize = 9;

    #[cfg(test)]
    pub(super) fn at(offset: u64) -> Self {
        Self(offset)
    }

    pub(super) fn parse(value: &[u8]) -> Option<Self> {
        match value {
            [Self::TAG, offset @ ..] if value.len() == Self::LEN => {
                Some(Self(u64::from_le_bytes(offset.try_into().ok()?)))
            }
            _ => None,
        }
    }

    pub(super) fn to_bytes(self) -> [u8; Self::LEN] {
        let mut bytes = [0u8; Self::LEN];
        bytes[0] = Self::TAG;
        bytes[1..].copy_from_slice(&self.0.to_le_bytes());
        bytes
    }
}

/// The open vector file of one store.
pub(super) struct VectorFile {
    path: PathBuf,
    file: File,
    /// Held while appending, so each batch's rows are contiguous and its places known.
    append: Mutex<()>,
}

fn row_crc(key: &[u8], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(key);
    hasher.update(payload);
    hasher.finalize()
}

impl VectorFile {
    /// Opens (or creates) the vector file in the store's directory `dir`.
    pub(super) fn open(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(FILE_NAME);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|source| StoreError::VectorFile {
                path: path.clone(),
                source,
            })?;
        Ok(Self {
            path,
            file,
            append: Mutex::new(()),
        })
    }

    fn error(&self, source: std::io::Error) -> StoreError {
        StoreError::VectorFile {
            path: self.path.clone(),
            source,
        }
    }

    /// Bytes the file takes.
    pub(super) fn len(&self) -> Result<u64, StoreError> {
        Ok(self.file.metadata().map_err(|e| self.error(e))?.len())
    }

    /// Appends one row per (key, payload) in one write and returns their places, in order.
    pub(super) fn append<'a>(
        &self,
        rows: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
    ) -> Result<Vec<Location>, StoreError> {
        let mut bytes = Vec::new();
        let mut starts = Vec::new();
        for (key, payload) in rows {
            starts.push(bytes.len() as u64);
            let len = u32::try_from(payload.len()).expect("a vector is far below 4 GiB");
            bytes.extend_from_slice(&len.to_le_bytes());
            bytes.extend_from_slice(&row_crc(key, payload).to_le_bytes());
            bytes.extend_from_slice(payload);
        }
        if bytes.is_empty() {
            return Ok(Vec::new());
        }
        let _appending = self.append.lock();
        // The file is opened for appending: the write lands at its end, which is this length
        // (one process per store: sled's lock).
        let end = self.len()?;
        (&self.file).write_all(&bytes).map_err(|e| self.error(e))?;
        Ok(starts.into_iter().map(|s| Location(end + s)).collect())
    }

    /// The payload of the row at `at` written for `key`, if it is whole and its crc holds;
    /// `expected_len` when the caller knows how long it must be (saves a second read).
    pub(super) fn read(
        &self,
        at: Location,
        key: &[u8],
        expected_len: Option<usize>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let mut row = vec![0u8; HEADER_LEN + expected_len.unwrap_or(0)];
        if !self.read_exact_at(&mut row, at.0)? {
            return Ok(None);
        }
        let len = u32::from_le_bytes(row[0..4].try_into().expect("4 bytes")) as usize;
        let crc = u32::from_le_bytes(row[4..8].try_into().expect("4 bytes"));
        let payload = match expected_len {
            Some(expected) if expected != len => return Ok(None),
            Some(_) => {
                // The numbers to the front of the buffer already read (no second buffer).
                row.drain(..HEADER_LEN);
                row
            }
            None => {
                let mut payload = vec![0u8; len];
                if !self.read_exact_at(&mut payload, at.0 + HEADER_LEN as u64)? {
                    return Ok(None);
                }
                payload
            }
        };
        Ok((row_crc(key, &payload) == crc).then_some(payload))
    }

    /// Fills `buf` from `offset`; `false` when the file ends first.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<bool, StoreError> {
        match self.file.read_exact_at(buf, offset) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Puts what was written on disk (the store's flush, before sled's own).
    pub(super) fn sync(&self) -> Result<(), StoreError> {
        self.file.sync_data().map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_back_by_place_and_key_and_nothing_else_does() {
        let dir = tempfile::tempdir().unwrap();
        let file = VectorFile::open(dir.path()).unwrap();
        let places = file
            .append([
                (&b"k1"[..], &[1u8, 2][..]),
                (&b"k2"[..], &[3u8, 4, 5, 6][..]),
            ])
            .unwrap();
        let more = file.append([(&b"k3"[..], &[7u8, 8][..])]).unwrap();
        assert_eq!(places.len(), 2);
        assert_eq!(
            file.read(places[0], b"k1", Some(2)).unwrap(),
            Some(vec![1, 2])
        );
        assert_eq!(
            file.read(places[1], b"k2", None).unwrap(),
            Some(vec![3, 4, 5, 6])
        );
        assert_eq!(
            file.read(more[0], b"k3", Some(2)).unwrap(),
            Some(vec![7, 8])
        );
        // Another key's row, the wrong length, a place inside a row, past the end: nothing.
        assert_eq!(file.read(places[0], b"k2", Some(2)).unwrap(), None);
        assert_eq!(file.read(places[1], b"k2", Some(2)).unwrap(), None);
        assert_eq!(
            file.read(Location(places[0].0 + 1), b"k1", Some(2))
                .unwrap(),
            None
        );
        assert_eq!(file.read(Location(1 << 20), b"k1", Some(2)).unwrap(), None);
        assert_eq!(file.len().unwrap(), 3 * 8 + 2 + 4 + 2);
        // Opened again, the file goes on from its end.
        drop(file);
        let file = VectorFile::open(dir.path()).unwrap();
        let last = file.append([(&b"k4"[..], &[9u8, 9][..])]).unwrap();
        assert_eq!(last[0].0, 3 * 8 + 2 + 4 + 2);
        assert_eq!(
            file.read(places[1], b"k2", Some(4)).unwrap(),
            Some(vec![3, 4, 5, 6])
        );
    }

    #[test]
    fn a_row_torn_by_a_crash_reads_as_no_vector() {
        let dir = tempfile::tempdir().unwrap();
        let file = VectorFile::open(dir.path()).unwrap();
        let at = file.append([(&b"k"[..], &[1u8; 16][..])]).unwrap()[0];
        let full = file.len().unwrap();
        // The tail of the row never reached the disk.
        let raw = OpenOptions::new()
            .write(true)
            .open(dir.path().join(FILE_NAME))
            .unwrap();
        raw.set_len(full - 3).unwrap();
        assert_eq!(file.read(at, b"k", Some(16)).unwrap(), None);
        assert_eq!(file.read(at, b"k", None).unwrap(), None);
        // Or it did, with other bytes (a flipped bit): the crc says so.
        raw.set_len(full).unwrap();
        raw.write_all_at(&[0xFF], full - 1).unwrap();
        assert_eq!(file.read(at, b"k", Some(16)).unwrap(), None);
    }

    #[test]
    fn places_are_nine_bytes_and_never_a_vector() {
        let at = Location(123_456_789);
        assert_eq!(Location::parse(&at.to_bytes()), Some(at));
        // Whole vectors of older stores: even lengths.
        assert_eq!(Location::parse(&[Location::TAG; 8]), None);
        assert_eq!(Location::parse(&[Location::TAG; 10]), None);
        // Nine bytes without the tag.
        assert_eq!(Location::parse(&[0u8; 9]), None);
    }
}
