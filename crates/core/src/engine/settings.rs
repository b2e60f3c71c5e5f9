//! The user's preferences, read and changed through the engine so that the CLI and the app
//! validate them the same way.

use crate::domain::Settings;
use crate::error::{Error, Result};

use super::Engine;

impl Engine {
    pub fn settings(&self) -> Result<Settings> {
        Ok(self.store.get_settings()?)
    }

    /// Saves `settings` when they are valid; otherwise nothing changes and the error says why.
    pub fn update_settings(&self, settings: Settings) -> Result<Settings> {
        if let Some(problem) = settings.problem() {
            return Err(Error::InvalidInput(problem));
        }
        self.store.put_settings(&settings)?;
        // On disk before the call returns, like every change the user makes.
        self.store.flush()?;
        Ok(settings)
    }
}

/// Which embedding model Sift uses and where its files are, for the app's Settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelInfo {
    /// The model and how much of each article it reads (e.g. all-MiniLM-L6-v2 at 256 tokens).
    pub id: String,
    /// Where the model files are looked for (see `SIFT_MODEL_DIR`).
    pub dir: std::path::PathBuf,
    /// False when the model file is missing there: nothing can be embedded until
    /// `models/fetch.sh` (or the README's set-up) has run.
    pub found: bool,
}

impl Engine {
    pub fn model_info(&self) -> ModelInfo {
        let dir = crate::embed::locate_model_dir();
        let dir = dir.canonicalize().unwrap_or(dir);
        ModelInfo {
            id: crate::embed::OnnxEmbedder::model_id_for(crate::embed::DEFAULT_MAX_TOKENS),
            found: dir.join("model.onnx").is_file(),
            dir,
        }
    }
}
