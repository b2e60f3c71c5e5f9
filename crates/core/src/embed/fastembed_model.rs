//! all-MiniLM-L6-v2 (int8 ONNX) through fastembed, loaded from local files only.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use fastembed::{
    InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel,
};

use super::{normalize, Embedder};
use crate::error::{Error, Result};

/// The ONNX Runtime build `models/fetch.sh` installs beside the model.
pub const ORT_DYLIB_NAME: &str = "libonnxruntime.so.1.32.0";

/// Tokens kept per text. Titles and feed summaries fit in far fewer; full articles are cut
/// here because attention cost grows with length and the opening carries the topic.
pub const DEFAULT_MAX_TOKENS: usize = 256;

const DIM: usize = 384;
const BATCH: usize = 32;

pub struct FastEmbedder {
    // fastembed's `embed` takes `&mut self`; the lock lets one loaded model serve every thread.
    model: Mutex<TextEmbedding>,
    model_id: String,
}

impl FastEmbedder {
    /// The id [`FastEmbedder::load`] will report, known without loading anything (the
    /// store's cached vectors are found by it).
    pub fn model_id_for(max_tokens: usize) -> String {
        format!("all-MiniLM-L6-v2-int8/max{max_tokens}")
    }

    /// Loads the model from `dir`. ONNX Runtime comes from `ORT_DYLIB_PATH` when set, else
    /// from `dir`. Any missing or unreadable file becomes [`Error::ModelUnavailable`].
    pub fn load(dir: &Path, max_tokens: usize) -> Result<Self> {
        let unavailable = |detail: String| Error::ModelUnavailable {
            dir: dir.to_path_buf(),
            detail,
        };
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| unavailable(format!("{name}: {e}")))
        };
        let onnx = read("model.onnx")?;
        let tokenizer_files = TokenizerFiles {
            tokenizer_file: read("tokenizer.json")?,
            config_file: read("config.json")?,
            special_tokens_map_file: read("special_tokens_map.json")?,
            tokenizer_config_file: read("tokenizer_config.json")?,
        };

        let dylib = std::env::var_os("ORT_DYLIB_PATH")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| dir.join(ORT_DYLIB_NAME));
        if !dylib.is_file() {
            return Err(unavailable(format!(
                "ONNX Runtime library {} not found",
                dylib.display()
            )));
        }
        // Must happen before the first session; later calls keep the library already loaded.
        let _ = ort::init_from(&dylib).map_err(|e| {
            unavailable(format!(
                "ONNX Runtime {} could not be loaded: {e}",
                dylib.display()
            ))
        })?;

        let model =
            UserDefinedEmbeddingModel::new(onnx, tokenizer_files).with_pooling(Pooling::Mean);
        let options = InitOptionsUserDefined::new().with_max_length(max_tokens);
        let model = TextEmbedding::try_new_from_user_defined(model, options)
            .map_err(|e| unavailable(format!("the model files are unreadable or corrupt ({e})")))?;
        Ok(Self {
            model: Mutex::new(model),
            model_id: Self::model_id_for(max_tokens),
        })
    }
}

impl Embedder for FastEmbedder {
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let mut model = self
            .model
            .lock()
            .map_err(|_| Error::Embedding("the model lock was poisoned".into()))?;
        let mut vectors = model
            .embed(texts, Some(BATCH))
            .map_err(|e| Error::Embedding(e.to_string()))?;
        // fastembed normalises already; doing it again is cheap and makes it a guarantee.
        vectors.iter_mut().for_each(|v| normalize(v));
        Ok(vectors)
    }

    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dim(&self) -> usize {
        DIM
    }
}
