//! A copy of the model that ONNX Runtime has already optimised, kept in a cache directory so
//! that a session can be built from it without optimising again.
//!
//! Why: the shipped model stores its weights as int8 with a Cast and a Mul in front of each.
//! Building a session from it folds those into ~90 MB of float weights and holds them twice
//! while the session is built: that build, not embedding, was the peak of every process that
//! loads the model (`make bench`, docs/BENCHMARKS.md). ONNX Runtime can save the graph it
//! optimised; a session built from that copy skips the folding. The copy keeps its weights in
//! a separate file ("external data"), which ONNX Runtime maps into memory instead of reading
//! into a buffer and copying, so building the session allocates almost nothing.
//!
//! Trust: the copy is derived only from the model file whose sha256 `models/MANIFEST` lists,
//! and a record written last (after the files) names the source's and the runtime's sha256,
//! the optimisation level and the sha256 of each derived file. A copy is used only when its
//! record says it came from the current model, runtime and level and every file has the hash
//! the record lists; anything else (missing, damaged, half-written, from another ONNX Runtime)
//! is derived again. The directory is the user's own cache: a file swapped between the check
//! and ONNX Runtime opening it needs the same write access as replacing the user's programs.
//!
//! Only [`SAVED_LEVEL`] (extended) optimisations are saved: ONNX Runtime warns that a graph
//! saved at its highest level may hold hardware-specific layouts, so those are applied when
//! the session is built from the copy, in memory, as before.

use std::io::Write;

use super::manifest::sha256_file;
use std::path::{Path, PathBuf};

use super::onnx::Optimization;

/// The optimisation level the saved copy has: everything but the hardware-specific layouts.
pub const SAVED_LEVEL: Optimization = Optimization::Extended;

/// The derived graph (operators and small constants).
pub const GRAPH_FILE: &str = "model.onnx";
/// Its weights, referenced from the graph as external data (mapped by ONNX Runtime).
pub const WEIGHTS_FILE: &str = "model.weights";
/// What the copy was derived from and the sha256 of each of its files; written last.
pub const RECORD_FILE: &str = "derived.txt";
/// First line of a record; a change to how copies are derived changes it.
const FORMAT: &str = "sift-derived-model 1";

/// Which copy this build of Sift needs: derived from this model with this runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// sha256 of the source model (the manifest's).
    pub source_sha256: String,
    /// sha256 of the ONNX Runtime library that optimised it (the manifest's).
    pub runtime_sha256: String,
}

/// Why a copy is not used as it is.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Untrusted {
    #[error("no derived model yet")]
    Missing,
    #[error("its record is unreadable or not Sift's ({0})")]
    BadRecord(String),
    #[error("it was derived from another model, ONNX Runtime or level")]
    OtherProvenance,
    #[error("{0} does not have the sha256 its record lists (damaged)")]
    Damaged(&'static str),
}

/// Why a copy could not be derived.
#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("ONNX Runtime could not save the optimised model: {0}")]
    Runtime(String),
}

/// The record's content.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    provenance: Provenance,
    level: String,
    graph_sha256: String,
    weights_sha256: String,
}

impl Record {
    fn to_text(&self) -> String {
        format!(
            "{FORMAT}\nsource-sha256 {}\nruntime-sha256 {}\nlevel {}\n{GRAPH_FILE} {}\n{WEIGHTS_FILE} {}\n",
            self.provenance.source_sha256,
            self.provenance.runtime_sha256,
            self.level,
            self.graph_sha256,
            self.weights_sha256
        )
    }

    fn parse(text: &str) -> Result<Record, String> {
        let mut lines = text.lines();
        if lines.next() != Some(FORMAT) {
            return Err("unknown format".into());
        }
        let mut field = |key: &str| -> Result<String, String> {
            let line = lines.next().ok_or_else(|| format!("{key}: missing"))?;
            match line.split_once(' ') {
                Some((k, v)) if k == key && !v.is_empty() => Ok(v.to_string()),
                _ => Err(format!("{key}: expected, found {line:?}")),
            }
        };
        Ok(Record {
            provenance: Provenance {
                source_sha256: field("source-sha256")?,
                runtime_sha256: field("runtime-sha256")?,
            },
            level: field("level")?,
            graph_sha256: field(GRAPH_FILE)?,
            weights_sha256: field(WEIGHTS_FILE)?,
        })
    }
}

fn level_name() -> String {
    SAVED_LEVEL.to_string()
}

/// The graph file of the copy in `dir`, if the copy may be used: its record is this format,
/// names `provenance` and [`SAVED_LEVEL`], and both files have the hashes it lists.
pub fn trusted(dir: &Path, provenance: &Provenance) -> Result<PathBuf, Untrusted> {
    let text = match std::fs::read_to_string(dir.join(RECORD_FILE)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Untrusted::Missing),
        Err(e) => return Err(Untrusted::BadRecord(e.to_string())),
    };
    let record = Record::parse(&text).map_err(Untrusted::BadRecord)?;
    if record.provenance != *provenance || record.level != level_name() {
        return Err(Untrusted::OtherProvenance);
    }
    for (name, expected) in [
        (GRAPH_FILE, &record.graph_sha256),
        (WEIGHTS_FILE, &record.weights_sha256),
    ] {
        match sha256_file(&dir.join(name)) {
            Ok(actual) if actual.eq_ignore_ascii_case(expected) => {}
            _ => return Err(Untrusted::Damaged(name)),
        }
    }
    Ok(dir.join(GRAPH_FILE))
}

/// Derives a fresh copy into `dir` (replacing whatever is there) and returns its graph file.
/// `save` must build a session that optimises the checked source model at [`SAVED_LEVEL`]
/// and writes it to the graph path it is given, weights to [`WEIGHTS_FILE`] beside it
/// (see [`save_config`]). The copy is written into a new directory beside `dir` and renamed
/// into place once complete, so a reader never sees half a copy (a crash leaves at most a
/// stray `*.partial-*` directory, removed by the next derivation).
pub fn derive(
    dir: &Path,
    provenance: &Provenance,
    save: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<PathBuf, DeriveError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DeriveError::Io { path, source }
    };
    let parent = dir.parent().unwrap_or(Path::new("."));
    let name = dir.file_name().map_or_else(
        || "derived".to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    remove_stale_partials(parent, &name);
    let partial = parent.join(format!(
        "{name}.partial-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    ));
    std::fs::create_dir(&partial).map_err(io(&partial))?;
    let result = (|| {
        save(&partial.join(GRAPH_FILE)).map_err(DeriveError::Runtime)?;
        let hash = |file: &str| {
            let path = partial.join(file);
            sha256_file(&path).map_err(io(&path))
        };
        let record = Record {
            provenance: provenance.clone(),
            level: level_name(),
            graph_sha256: hash(GRAPH_FILE)?,
            weights_sha256: hash(WEIGHTS_FILE)?,
        };
        for file in [GRAPH_FILE, WEIGHTS_FILE] {
            let path = partial.join(file);
            std::fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(io(&path))?;
        }
        let record_path = partial.join(RECORD_FILE);
        let mut out = std::fs::File::create(&record_path).map_err(io(&record_path))?;
        out.write_all(record.to_text().as_bytes())
            .and_then(|()| out.sync_all())
            .map_err(io(&record_path))?;
        // Out of the way first: a directory is only renamed onto an empty one. A process
        // still using the old copy keeps its mapped files (they live until unmapped).
        if dir.exists() {
            let old = parent.join(format!("{name}.old-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&old);
            if std::fs::rename(dir, &old).is_ok() {
                let _ = std::fs::remove_dir_all(&old);
            }
        }
        match std::fs::rename(&partial, dir) {
            Ok(()) => Ok(dir.join(GRAPH_FILE)),
            // Another process put its copy in place first: use that one if it is sound.
            Err(e) => trusted(dir, provenance).map_err(|_| io(dir)(e)),
        }
    })();
    let _ = std::fs::remove_dir_all(&partial);
    result
}

/// Session configuration entries that make ONNX Runtime save the optimised graph's weights
/// to [`WEIGHTS_FILE`] beside the graph (every weight of 1 KB or more).
pub fn save_config() -> [(&'static str, &'static str); 2] {
    [
        (
            "session.optimized_model_external_initializers_file_name",
            WEIGHTS_FILE,
        ),
        (
            "session.optimized_model_external_initializers_min_size_in_bytes",
            "1024",
        ),
    ]
}

/// Removes `NAME.partial-*` / `NAME.old-*` directories that a crashed derivation left, if
/// they are more than an hour old (a younger one may be another process's, in progress).
fn remove_stale_partials(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let leftover = file_name.starts_with(&format!("{name}.partial-"))
            || file_name.starts_with(&format!("{name}.old-"));
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(3600));
        if leftover && old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provenance() -> Provenance {
        Provenance {
            source_sha256: "aa".repeat(32),
            runtime_sha256: "bb".repeat(32),
        }
    }

    /// A stand-in for ONNX Runtime's save: writes a small graph and weights file.
    fn fake_save(graph: &Path) -> Result<(), String> {
        std::fs::write(graph, b"graph").map_err(|e| e.to_string())?;
        std::fs::write(graph.with_file_name(WEIGHTS_FILE), vec![7u8; 4096])
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_derived_copy_is_trusted_by_its_record_and_only_for_its_provenance() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("derived");
        assert_eq!(trusted(&dir, &provenance()), Err(Untrusted::Missing));
        let graph = derive(&dir, &provenance(), fake_save).unwrap();
        assert_eq!(graph, dir.join(GRAPH_FILE));
        assert_eq!(trusted(&dir, &provenance()), Ok(graph));
        // Nothing but the copy is left in the cache directory.
        let names: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("derived")]);

        let other_runtime = Provenance {
            runtime_sha256: "cc".repeat(32),
            ..provenance()
        };
        assert_eq!(
            trusted(&dir, &other_runtime),
            Err(Untrusted::OtherProvenance)
        );
        let other_model = Provenance {
            source_sha256: "dd".repeat(32),
            ..provenance()
        };
        assert_eq!(trusted(&dir, &other_model), Err(Untrusted::OtherProvenance));
    }

    #[test]
    fn a_damaged_or_incomplete_copy_is_refused_and_derived_again() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("derived");
        derive(&dir, &provenance(), fake_save).unwrap();

        // One flipped byte in the weights.
        let weights = dir.join(WEIGHTS_FILE);
        let mut bytes = std::fs::read(&weights).unwrap();
        bytes[100] ^= 1;
        std::fs::write(&weights, &bytes).unwrap();
        assert_eq!(
            trusted(&dir, &provenance()),
            Err(Untrusted::Damaged(WEIGHTS_FILE))
        );
        derive(&dir, &provenance(), fake_save).unwrap();
        assert!(trusted(&dir, &provenance()).is_ok());
        assert_eq!(std::fs::read(&weights).unwrap(), vec![7u8; 4096]);

        // A missing graph, a truncated record, a record of another format.
        std::fs::remove_file(dir.join(GRAPH_FILE)).unwrap();
        assert_eq!(
            trusted(&dir, &provenance()),
            Err(Untrusted::Damaged(GRAPH_FILE))
        );
        derive(&dir, &provenance(), fake_save).unwrap();
        let record = std::fs::read_to_string(dir.join(RECORD_FILE)).unwrap();
        std::fs::write(dir.join(RECORD_FILE), &record[..record.len() / 2]).unwrap();
        assert!(matches!(
            trusted(&dir, &provenance()),
            Err(Untrusted::BadRecord(_))
        ));
        std::fs::write(
            dir.join(RECORD_FILE),
            record.replace(FORMAT, "sift-derived-model 0"),
        )
        .unwrap();
        assert!(matches!(
            trusted(&dir, &provenance()),
            Err(Untrusted::BadRecord(_))
        ));
        // A record naming other files' hashes (e.g. the files replaced by others).
        std::fs::write(dir.join(RECORD_FILE), record).unwrap();
        std::fs::write(dir.join(GRAPH_FILE), b"another graph").unwrap();
        assert_eq!(
            trusted(&dir, &provenance()),
            Err(Untrusted::Damaged(GRAPH_FILE))
        );
    }

    #[test]
    fn a_failed_derivation_leaves_no_copy_behind() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("derived");
        let err = derive(&dir, &provenance(), |graph| {
            std::fs::write(graph, b"half").unwrap();
            Err("out of memory".into())
        })
        .unwrap_err();
        assert!(matches!(err, DeriveError::Runtime(_)), "{err}");
        assert_eq!(trusted(&dir, &provenance()), Err(Untrusted::Missing));
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
        // ONNX Runtime wrote no weights file: refused, not recorded.
        let err = derive(&dir, &provenance(), |graph| {
            std::fs::write(graph, b"graph").map_err(|e| e.to_string())
        })
        .unwrap_err();
        assert!(matches!(err, DeriveError::Io { .. }), "{err}");
        assert_eq!(trusted(&dir, &provenance()), Err(Untrusted::Missing));
    }
}
