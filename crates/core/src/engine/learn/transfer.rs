//! The learner's export and import: ratings (its true state) in plain, versioned JSON.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::{ArticleId, ArticleMeta, Rating};
use crate::engine::Engine;
use crate::error::{Error, Result};

const EXPORT_FORMAT: &str = "sift-learner";
const EXPORT_VERSION: u32 = 1;

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
        let mut ratings = Vec::new();
        for r in self.store.list_ratings()? {
            let Some(article) = self.store.get_article_meta(r.article_id)? else {
                continue;
            };
            ratings.push(ExportedRating {
                article_id: r.article_id,
                rating: r.rating,
                rated_at: r.rated_at,
                embedding: self.store.get_embedding(&model_id, &article.content_hash)?,
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
    pub fn import_model(&self, path: &Path) -> Result<ModelTransfer> {
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
        let model_id = self.model_id();
        let articles = self.store.list_article_meta()?;
        let by_hash: HashMap<&str, ArticleId> = articles
            .iter()
            .map(|a| (a.content_hash.as_str(), a.id))
            .collect();
        let by_id: HashMap<ArticleId, &ArticleMeta> = articles.iter().map(|a| (a.id, a)).collect();
        let (mut imported, mut skipped) = (0, 0);
        for r in &file.ratings {
            let target = match by_id.get(&r.article_id) {
                Some(a) if a.content_hash == r.content_hash => Some(a.id),
                _ => by_hash.get(r.content_hash.as_str()).copied(),
            };
            let Some(id) = target else {
                skipped += 1;
                continue;
            };
            self.store.put_rating(id, r.rating)?;
            if let Some(v) = r.embedding.as_ref().filter(|_| file.model_id == model_id) {
                if !self.store.has_embedding(&model_id, &r.content_hash)? {
                    self.store.put_embedding(&model_id, &r.content_hash, v)?;
                }
            }
            imported += 1;
        }
        if (file.threshold - self.interest_threshold()?).abs() > f32::EPSILON {
            let mut settings = self.store.get_settings()?;
            settings.recommend_threshold = file.threshold;
            self.store.put_settings(&settings)?;
        }
        self.invalidate();
        Ok(ModelTransfer {
            path: path.to_path_buf(),
            ratings: imported,
            skipped,
        })
    }
}

fn model_file_error(path: &Path, detail: impl ToString) -> Error {
    Error::ModelFile {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}
