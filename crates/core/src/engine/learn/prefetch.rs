//! Reading the learner's corpus file beside the store's opening. A face that shows the
//! views as soon as the engine is open (the app) builds the snapshot right after
//! [`Engine::open`]; the file's read (at 100,000 articles ~0.2 s: 124 MB copied, checked
//! and decoded) then waited for sled's start (~0.1 s: its pages read, its free segments
//! zeroed), although it needs nothing from the store until the generations are compared.
//! Started first, on its own thread, it overlaps that start; the snapshot's first load takes
//! what it read and checks the model and the generation exactly as for a file read then.

use std::path::Path;
use std::sync::Mutex;
use std::thread::JoinHandle;

use super::corpus_file::{self, CorpusFile};
use super::snapshot::CORPUS_FILE;

/// The file's model id and what it holds, if it read back whole.
type Stamped = Option<(String, CorpusFile)>;

/// A read of the corpus file under way or done, for the snapshot's first load to take.
#[derive(Default)]
pub(crate) struct CorpusPrefetch(Mutex<Option<JoinHandle<Stamped>>>);

impl CorpusPrefetch {
    /// Starts reading `data_dir`'s corpus file, if there is one (nothing to do otherwise).
    pub(crate) fn start(data_dir: &Path) -> Self {
        let path = data_dir.join(CORPUS_FILE);
        if !path.exists() {
            return Self::default();
        }
        let reading = std::thread::Builder::new()
            .name("sift-corpus-read".into())
            .spawn(move || {
                let _span = tracing::info_span!("read corpus file ahead").entered();
                corpus_file::read_any(&path)
            })
            // No thread to read it on: the first load reads the file itself.
            .ok();
        Self(Mutex::new(reading))
    }

    /// What was read, once, if it is whole and was written for `model_id` with vectors of
    /// `dim` numbers; otherwise `None`, and the caller reads the file as it would have (a
    /// file of another model stops at its header; a damaged one is rare).
    pub(super) fn take(&self, model_id: &str, dim: usize) -> Option<CorpusFile> {
        let reading = self.0.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        let (id, file) = reading.join().ok()??;
        (id == model_id && file.vectors.dim() == dim).then_some(file)
    }

    /// Whether a read was started and has ended (tests wait for it).
    #[cfg(test)]
    pub(super) fn finished(&self) -> bool {
        let reading = self.0.lock().unwrap_or_else(|e| e.into_inner());
        reading.as_ref().is_some_and(JoinHandle::is_finished)
    }
}
