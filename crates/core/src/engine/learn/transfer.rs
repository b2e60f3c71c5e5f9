//! The learner's export and import: ratings (its true state) in plain, versioned JSON.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::{ArticleId, ArticleMeta, Rating};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::store::{Embedding, LearnerImport, RatingRecord};

const EXPORT_FORMAT: &str = "sift-learner";
const EXPORT_VERSION: u32 = 1;
/// A learner export holds a few thousand answers with their vectors (~8 KiB each as JSON);
/// far more than this is not one, and is refused before it is read into memory.
const MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelTransfer {
    pub path: PathBuf,
    pub ratings: usize,
    /// Ratings in an imported file whose article is not in this store.
    pub skipped: usize,
}

/// The export file: the ratings (the learner's true state) with enough about each article to
/// find it again, and its vector so an import need not re-embed. Plain JSON: safe to load.
#[derive(Debug, Serialize, Deserialize)]
struct ExportFile {
    format: String,
    version: u32,
    model_id: String,
    threshold: f32,
    ratings: Vec<ExportedRating>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ExportedRating {
    article_id: ArticleId,
    rating: Rating,
    rated_at: u64,
    content_hash: String,
    title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    embedding: Option<Vec<f32>>,
}

impl Engine {
    pub fn export_model(&self, path: &Path) -> Result<ModelTransfer> {
        let model_id = self.model_id();
        let dim = self.model_dim();
        let mut ratings = Vec::new();
        for r in self.store.list_ratings()? {
            let Some(article) = self.store.get_article_meta(r.article_id)? else {
                continue;
            };
            ratings.push(ExportedRating {
                article_id: r.article_id,
                rating: r.rating,
                rated_at: r.rated_at,
                embedding: self
                    .store
                    .get_embedding(&model_id, &article.content_hash, dim)?
                    .map(Embedding::into_vec),
                content_hash: article.content_hash,
                title: article.title,
            });
        }
        let file = ExportFile {
            format: EXPORT_FORMAT.into(),
            version: EXPORT_VERSION,
            model_id,
            threshold: self.interest_threshold()?,
            ratings,
        };
        let count = file.ratings.len();
        let json = serde_json::to_vec_pretty(&file).map_err(|e| model_file_error(path, e))?;
        std::fs::write(path, json).map_err(|e| model_file_error(path, e))?;
        Ok(ModelTransfer {
            path: path.to_path_buf(),
            ratings: count,
            skipped: 0,
        })
    }

    /// Restores ratings from an export. Each is matched to a stored article by id and text
    /// hash, else by text hash alone (another store of the same feeds); the rest are skipped.
    ///
    /// The file is a stranger's input: everything in it is checked before anything is
    /// written (vectors of the model's length with finite numbers, the threshold through
    /// the same checks as the Settings view), then it is written in one transaction and
    /// flushed — all of it, or on any error nothing.
    pub fn import_model(&self, path: &Path) -> Result<ModelTransfer> {
        let size = std::fs::metadata(path)
            .map_err(|e| model_file_error(path, e))?
            .len();
        if size > MAX_IMPORT_BYTES {
            return Err(model_file_error(
                path,
                format!("the file is {size} bytes; a learner export is at most {MAX_IMPORT_BYTES}"),
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| model_file_error(path, e))?;
        let file: ExportFile =
            serde_json::from_slice(&bytes).map_err(|e| model_file_error(path, e))?;
        if file.format != EXPORT_FORMAT {
            return Err(model_file_error(path, "not a Sift learner export"));
        }
        if file.version > EXPORT_VERSION {
            return Err(model_file_error(
                path,
                format!(
                    "format version {} is newer than this Sift knows ({EXPORT_VERSION})",
                    file.version
                ),
            ));
        }
        let mut settings = self.store.get_settings()?;
        let threshold_changed =
            (file.threshold - settings.recommend_threshold).abs() > f32::EPSILON;
        settings.recommend_threshold = file.threshold;
        if let Some(problem) = settings.problem() {
            return Err(model_file_error(path, problem));
        }
        let model_id = self.model_id();
        let dim = self.model_dim();
        let articles = self.store.list_article_meta()?;
        let by_hash: HashMap<&str, ArticleId> = articles
            .iter()
            .map(|a| (a.content_hash.as_str(), a.id))
            .collect();
        let by_id: HashMap<ArticleId, &ArticleMeta> = articles.iter().map(|a| (a.id, a)).collect();
        let mut import = LearnerImport::default();
        for (n, r) in file.ratings.iter().enumerate() {
            // Vectors of another model are ignored (the articles are embedded again); this
            // model's must be usable, or the whole file is refused.
            let vector = match &r.embedding {
                Some(v) if file.model_id == model_id => {
                    Some(Embedding::new(v.clone(), dim).map_err(|e| {
                        model_file_error(path, format!("answer {} ({:?}): {e}", n + 1, r.title))
                    })?)
                }
                _ => None,
            };
            let target = match by_id.get(&r.article_id) {
                Some(a) if a.content_hash == r.content_hash => Some(a.id),
                _ => by_hash.get(r.content_hash.as_str()).copied(),
            };
            let Some(id) = target else {
                continue; // not in this store: counted as skipped
            };
            import.ratings.push(RatingRecord {
                article_id: id,
                rating: r.rating,
                rated_at: r.rated_at,
            });
            if let Some(v) = vector {
                import
                    .embeddings
                    .push((model_id.clone(), r.content_hash.clone(), v));
            }
        }
        if threshold_changed {
            import.settings = Some(settings);
        }
        // Articles deleted between the listing and the write are skipped inside it.
        let imported = self.store.apply_import(&import)?;
        self.store.flush()?;
        self.invalidate();
        Ok(ModelTransfer {
            path: path.to_path_buf(),
            ratings: imported,
            skipped: file.ratings.len().saturating_sub(imported),
        })
    }
}

fn model_file_error(path: &Path, detail: impl ToString) -> Error {
    Error::ModelFile {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}
