//! The learner's face on [`Engine`]: embedding stored articles, ratings, recommendations,
//! cards, predictions, clusters, the map and the model's export/import.
//!
//! State is rebuilt from the store (ratings are the source of truth) and kept behind a lock
//! inside the engine, so `Engine` stays `Send + Sync` and the app can share it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::embed::{locate_model_dir, Embedder, FastEmbedder, DEFAULT_MAX_TOKENS};
use crate::error::{Error, Result};
use crate::learn::cards::select_cards;
use crate::learn::clusters::{closest_cluster, interest_clusters_against, WordStats};
use crate::learn::map::project_2d;
use crate::learn::{
    explain, predict, CorpusContext, InterestCluster, Prediction, PreferenceModel, Regularisation,
};
use crate::store::{ArticleId, ArticleRecord, FeedId, Rating};

/// Articles embedded per model call: large enough to amortise the call, small enough that
/// progress moves and a cancelled refresh loses little.
const EMBED_BATCH: usize = 32;
/// Text beyond this many characters cannot survive the tokenizer's truncation anyway;
/// cutting it first saves tokenizing whole long articles.
const MAX_EMBED_CHARS: usize = 4000;
/// Every random choice in the learner (k-means, PCA starts) is seeded: same data, same output.
const SEED: u64 = 0x5EED_5EED;
const EXPORT_FORMAT: &str = "sift-learner";
const EXPORT_VERSION: u32 = 1;

/// The learner's part of the engine. Built empty by [`Engine::open`]; filled lazily.
pub(crate) struct LearnState {
    embedder: OnceLock<Arc<dyn Embedder>>,
    /// Where to load the model from; `None`: [`locate_model_dir`].
    model_dir: RwLock<Option<PathBuf>>,
    model_id: RwLock<String>,
    /// `None` until first needed and after anything that changes the embedded corpus.
    snapshot: RwLock<Option<Arc<Snapshot>>>,
}

impl Default for LearnState {
    fn default() -> Self {
        Self {
            embedder: OnceLock::new(),
            model_dir: RwLock::new(None),
            model_id: RwLock::new(FastEmbedder::model_id_for(DEFAULT_MAX_TOKENS)),
            snapshot: RwLock::new(None),
        }
    }
}

/// The embedded articles and everything derived from them and the ratings.
struct Snapshot {
    corpus: Arc<Corpus>,
    ratings: HashMap<ArticleId, Rating>,
    model: PreferenceModel,
    clusters: Vec<InterestCluster>,
    /// Indices into the corpus of the liked articles, in the model's order.
    liked: Vec<usize>,
    /// (score, confidence) per corpus article.
    scores: Vec<(f32, f32)>,
}

struct Corpus {
    articles: Vec<ArticleMeta>,
    vectors: Vec<Vec<f32>>,
    index: HashMap<ArticleId, usize>,
    /// The corpus's regions and each article's region features: they depend only on the
    /// articles, so they are computed when vectors are loaded, not at every answer.
    context: Option<Arc<CorpusContext>>,
    region_features: Vec<Vec<f32>>,
    /// How common each word is across the stored articles, for cluster keywords.
    word_stats: WordStats,
}

struct ArticleMeta {
    id: ArticleId,
    feed_id: FeedId,
    title: String,
    link: Option<String>,
    /// The title and the first words of the text: what cluster keywords are drawn from
    /// (titles alone are too short to label a cluster, e.g. encyclopedia or podcast titles).
    lead: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ArticleScore {
    pub score: f32,
    pub confidence: f32,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatedArticle {
    pub id: ArticleId,
    /// `None` after a clear.
    pub rating: Option<Rating>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub id: ArticleId,
    pub title: String,
    pub link: Option<String>,
    pub feed_id: FeedId,
    pub score: f32,
    pub confidence: f32,
    /// The label of the closest interest cluster.
    pub cluster: Option<String>,
    pub reason: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Card {
    pub id: ArticleId,
    pub title: String,
    pub link: Option<String>,
    pub score: f32,
    pub confidence: f32,
    /// Why this card is asked now.
    pub reason: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterSummary {
    pub id: usize,
    pub label: String,
    pub keywords: Vec<String>,
    /// Embedded articles whose closest cluster this is.
    pub size: usize,
    pub liked: usize,
    pub disliked: usize,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapPoint {
    pub id: ArticleId,
    pub x: f32,
    pub y: f32,
    pub cluster: Option<usize>,
    pub rating: Option<Rating>,
    pub score: f32,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbedReport {
    /// Articles whose vectors were computed now.
    pub embedded: usize,
    /// Articles that already had a vector for their current text.
    pub cached: usize,
}

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
    /// Uses `embedder` instead of the model in `models/` (tests use the hashing fake).
    pub fn with_embedder(self, embedder: Arc<dyn Embedder>) -> Self {
        *self.learn.model_id.write().expect("lock") = embedder.model_id().to_string();
        let _ = self.learn.embedder.set(embedder);
        *self.learn.snapshot.write().expect("lock") = None;
        self
    }

    /// Loads the model from `dir` (e.g. the app bundle's resource directory) instead of
    /// searching the usual places.
    pub fn with_model_dir(self, dir: impl Into<PathBuf>) -> Self {
        *self.learn.model_dir.write().expect("lock") = Some(dir.into());
        self
    }

    /// The embedder, loading the real model on first use (once per engine).
    pub fn embedder(&self) -> Result<Arc<dyn Embedder>> {
        if let Some(e) = self.learn.embedder.get() {
            return Ok(e.clone());
        }
        let configured = self.learn.model_dir.read().expect("lock").clone();
        let dir = configured.unwrap_or_else(locate_model_dir);
        let loaded: Arc<dyn Embedder> = Arc::new(FastEmbedder::load(&dir, DEFAULT_MAX_TOKENS)?);
        // Two threads may race to load; both succeed and the first one set is kept.
        let _ = self.learn.embedder.set(loaded);
        Ok(self.learn.embedder.get().expect("just set").clone())
    }

    fn model_id(&self) -> String {
        self.learn.model_id.read().expect("lock").clone()
    }

    /// Embeds every stored article that has no vector for its current text, newest first,
    /// in batches; `progress(done, total)` after each batch. Never embeds a text twice.
    pub fn embed_pending(&self, progress: impl Fn(usize, usize)) -> Result<EmbedReport> {
        let model_id = self.model_id();
        let mut articles = self.store.list_articles()?;
        // Newest first: what the user is about to read gets scored first.
        articles.sort_by(|a, b| b.published.cmp(&a.published).then(b.id.cmp(&a.id)));
        let mut seen = HashSet::new();
        let mut pending: Vec<&ArticleRecord> = Vec::new();
        let mut cached = 0;
        for a in &articles {
            if !seen.insert(a.content_hash.as_str()) {
                continue; // same text as another article: one vector serves both
            }
            if self.store.has_embedding(&model_id, &a.content_hash)? {
                cached += 1;
            } else {
                pending.push(a);
            }
        }
        let total = pending.len();
        if total == 0 {
            return Ok(EmbedReport {
                embedded: 0,
                cached,
            });
        }
        let embedder = self.embedder()?;
        let mut done = 0;
        progress(0, total);
        for batch in pending.chunks(EMBED_BATCH) {
            let texts: Vec<&str> = batch
                .iter()
                .map(|a| truncate_chars(&a.text, MAX_EMBED_CHARS))
                .collect();
            let vectors = embedder.embed(&texts)?;
            for (a, v) in batch.iter().zip(&vectors) {
                self.store.put_embedding(&model_id, &a.content_hash, v)?;
            }
            done += batch.len();
            // Each batch is usable at once: the app's Cards and For you work on what is
            // embedded so far while the rest is still being embedded.
            self.invalidate();
            progress(done, total);
        }
        Ok(EmbedReport {
            embedded: done,
            cached,
        })
    }

    /// Records an answer (`None` clears it) and retrains before returning.
    pub fn rate(&self, id: ArticleId, rating: Option<Rating>) -> Result<RatedArticle> {
        if self.store.get_article(id)?.is_none() {
            return Err(Error::UnknownArticle(id));
        }
        match rating {
            Some(r) => {
                self.store.put_rating(id, r)?;
            }
            None => {
                self.store.clear_rating(id)?;
            }
        }
        self.retrain()?;
        Ok(RatedArticle { id, rating })
    }

    /// Unrated (skipped included: skip is not a dislike) embedded articles, best first.
    pub fn recommend(&self, limit: Option<usize>) -> Result<Vec<Recommendation>> {
        let snap = self.snapshot()?;
        let mut order: Vec<usize> = (0..snap.corpus.articles.len())
            .filter(|&i| {
                !matches!(
                    snap.ratings.get(&snap.corpus.articles[i].id),
                    Some(Rating::Like | Rating::Dislike)
                )
            })
            .collect();
        order.sort_by(|&a, &b| {
            snap.scores[b]
                .0
                .total_cmp(&snap.scores[a].0)
                .then(a.cmp(&b))
        });
        order.truncate(limit.unwrap_or(usize::MAX));
        let liked = snap.liked_titles();
        Ok(order
            .into_iter()
            .map(|i| {
                let meta = &snap.corpus.articles[i];
                let x = &snap.corpus.vectors[i];
                Recommendation {
                    id: meta.id,
                    title: meta.title.clone(),
                    link: meta.link.clone(),
                    feed_id: meta.feed_id,
                    score: snap.scores[i].0,
                    confidence: snap.scores[i].1,
                    cluster: closest_cluster(&snap.clusters, x)
                        .map(|(c, _)| snap.clusters[c].label.clone()),
                    reason: explain::reason(x, &liked, &snap.clusters),
                }
            })
            .collect())
    }

    /// Unrated, unskipped articles worth asking about, most useful first.
    pub fn cards(&self, limit: Option<usize>) -> Result<Vec<Card>> {
        let snap = self.snapshot()?;
        let candidates: Vec<usize> = (0..snap.corpus.articles.len())
            .filter(|&i| !snap.ratings.contains_key(&snap.corpus.articles[i].id))
            .collect();
        let vectors: Vec<&[f32]> = candidates
            .iter()
            .map(|&i| snap.corpus.vectors[i].as_slice())
            .collect();
        let scores: Vec<f32> = candidates.iter().map(|&i| snap.scores[i].0).collect();
        let limit = limit.unwrap_or(candidates.len());
        let cold = snap.model.answers() == 0;
        let regions = snap.model.region_info(&vectors);
        let picked = select_cards(
            &vectors,
            &scores,
            snap.model.coverage(),
            regions.as_ref(),
            limit,
            SEED,
        );
        Ok(picked
            .into_iter()
            .map(|j| {
                let i = candidates[j];
                let meta = &snap.corpus.articles[i];
                let (score, confidence) = snap.scores[i];
                let reason = if cold {
                    "a representative of what is in your feeds".to_string()
                } else if confidence < 0.15 && (score - 0.5).abs() > 0.25 {
                    "nothing like it has been rated yet".to_string()
                } else {
                    format!("unsure: {:.0}% likely you want it", score * 100.0)
                };
                Card {
                    id: meta.id,
                    title: meta.title.clone(),
                    link: meta.link.clone(),
                    score,
                    confidence,
                    reason,
                }
            })
            .collect())
    }

    /// The prototype's `predict_interest` for any text (embedded now, not stored).
    pub fn predict(&self, text: &str) -> Result<Prediction> {
        let vector = self
            .embedder()?
            .embed(&[text])?
            .pop()
            .ok_or_else(|| Error::Embedding("the model returned no vector".into()))?;
        let snap = self.snapshot()?;
        let threshold = self.interest_threshold()?;
        Ok(predict(&snap.model, &snap.clusters, &vector, threshold))
    }

    /// `interested = score > threshold`: the user's setting (Settings' recommendation
    /// threshold, 0.5 unless changed).
    pub fn interest_threshold(&self) -> Result<f32> {
        Ok(self.store.get_settings()?.recommend_threshold)
    }

    /// Score and confidence of each given article that has a vector (others are absent).
    pub fn score_articles(&self, ids: &[ArticleId]) -> Result<HashMap<ArticleId, ArticleScore>> {
        let snap = self.snapshot()?;
        Ok(ids
            .iter()
            .filter_map(|id| {
                snap.corpus.index.get(id).map(|&i| {
                    let (score, confidence) = snap.scores[i];
                    (*id, ArticleScore { score, confidence })
                })
            })
            .collect())
    }

    pub fn clusters(&self) -> Result<Vec<ClusterSummary>> {
        let snap = self.snapshot()?;
        let mut size = vec![0usize; snap.clusters.len()];
        let mut liked = vec![0usize; snap.clusters.len()];
        let mut disliked = vec![0usize; snap.clusters.len()];
        for (i, x) in snap.corpus.vectors.iter().enumerate() {
            if let Some((c, _)) = closest_cluster(&snap.clusters, x) {
                size[c] += 1;
                match snap.ratings.get(&snap.corpus.articles[i].id) {
                    Some(Rating::Like) => liked[c] += 1,
                    Some(Rating::Dislike) => disliked[c] += 1,
                    _ => {}
                }
            }
        }
        Ok(snap
            .clusters
            .iter()
            .map(|c| ClusterSummary {
                id: c.id,
                label: c.label.clone(),
                keywords: c.keywords.clone(),
                size: size[c.id],
                liked: liked[c.id],
                disliked: disliked[c.id],
            })
            .collect())
    }

    pub fn map(&self) -> Result<Vec<MapPoint>> {
        let snap = self.snapshot()?;
        let vectors: Vec<&[f32]> = snap.corpus.vectors.iter().map(Vec::as_slice).collect();
        let xy = project_2d(&vectors, SEED);
        Ok(snap
            .corpus
            .articles
            .iter()
            .zip(xy)
            .enumerate()
            .map(|(i, (meta, (x, y)))| MapPoint {
                id: meta.id,
                x,
                y,
                cluster: closest_cluster(&snap.clusters, &snap.corpus.vectors[i]).map(|c| c.0),
                rating: snap.ratings.get(&meta.id).copied(),
                score: snap.scores[i].0,
            })
            .collect())
    }

    pub fn export_model(&self, path: &Path) -> Result<ModelTransfer> {
        let model_id = self.model_id();
        let mut ratings = Vec::new();
        for r in self.store.list_ratings()? {
            let Some(article) = self.store.get_article(r.article_id)? else {
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
        let articles = self.store.list_articles()?;
        let by_hash: HashMap<&str, ArticleId> = articles
            .iter()
            .map(|a| (a.content_hash.as_str(), a.id))
            .collect();
        let by_id: HashMap<ArticleId, &ArticleRecord> =
            articles.iter().map(|a| (a.id, a)).collect();
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

    fn invalidate(&self) {
        *self.learn.snapshot.write().expect("lock") = None;
    }

    fn snapshot(&self) -> Result<Arc<Snapshot>> {
        if let Some(s) = self.learn.snapshot.read().expect("lock").as_ref() {
            return Ok(s.clone());
        }
        let mut slot = self.learn.snapshot.write().expect("lock");
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let corpus = Arc::new(self.load_corpus()?);
        let snap = Arc::new(self.train(corpus, None)?);
        *slot = Some(snap.clone());
        Ok(snap)
    }

    /// Rebuilds the model from the stored ratings, keeping the loaded vectors.
    fn retrain(&self) -> Result<()> {
        let mut slot = self.learn.snapshot.write().expect("lock");
        let previous = slot.take();
        let corpus = match &previous {
            Some(s) => s.corpus.clone(),
            None => Arc::new(self.load_corpus()?),
        };
        *slot = Some(Arc::new(self.train(corpus, previous.as_deref())?));
        Ok(())
    }

    fn load_corpus(&self) -> Result<Corpus> {
        let model_id = self.model_id();
        let mut corpus = Corpus {
            articles: Vec::new(),
            vectors: Vec::new(),
            index: HashMap::new(),
            context: None,
            region_features: Vec::new(),
            word_stats: WordStats::default(),
        };
        for a in self.store.list_articles()? {
            if let Some(v) = self.store.get_embedding(&model_id, &a.content_hash)? {
                corpus.index.insert(a.id, corpus.articles.len());
                corpus.articles.push(ArticleMeta {
                    lead: lead_words(&a.title, &a.text, LEAD_WORDS),
                    id: a.id,
                    feed_id: a.feed_id,
                    title: a.title,
                    link: a.link,
                });
                corpus.vectors.push(v);
            }
        }
        let refs: Vec<&[f32]> = corpus.vectors.iter().map(Vec::as_slice).collect();
        corpus.context = CorpusContext::from_articles(&refs, SEED).map(Arc::new);
        if let Some(ctx) = &corpus.context {
            corpus.region_features = refs.iter().map(|x| ctx.membership(x)).collect();
        }
        corpus.word_stats = WordStats::from_texts(corpus.articles.iter().map(|a| a.lead.as_str()));
        Ok(corpus)
    }

    fn train(&self, corpus: Arc<Corpus>, previous: Option<&Snapshot>) -> Result<Snapshot> {
        let ratings: HashMap<ArticleId, Rating> = self
            .store
            .list_ratings()?
            .into_iter()
            .map(|r| (r.article_id, r.rating))
            .collect();
        // Ratings of articles without a vector yet wait until they are embedded.
        let mut rated: Vec<(ArticleId, Rating)> = ratings
            .iter()
            .filter(|(id, _)| corpus.index.contains_key(id))
            .map(|(id, r)| (*id, *r))
            .collect();
        rated.sort_by_key(|(id, _)| *id);
        let liked: Vec<usize> = rated
            .iter()
            .filter(|(_, r)| *r == Rating::Like)
            .map(|(id, _)| corpus.index[id])
            .collect();
        let disliked: Vec<usize> = rated
            .iter()
            .filter(|(_, r)| *r == Rating::Dislike)
            .map(|(id, _)| corpus.index[id])
            .collect();
        let dim = corpus.vectors.first().map_or(0, Vec::len);
        let model = PreferenceModel::train_in_context(
            dim,
            liked.iter().map(|&i| corpus.vectors[i].clone()).collect(),
            disliked
                .iter()
                .map(|&i| corpus.vectors[i].clone())
                .collect(),
            Regularisation::Auto,
            corpus.context.clone(),
        );
        let liked_vectors: Vec<&[f32]> = liked
            .iter()
            .map(|&i| corpus.vectors[i].as_slice())
            .collect();
        let liked_leads: Vec<&str> = liked
            .iter()
            .map(|&i| corpus.articles[i].lead.as_str())
            .collect();
        // Clusters depend on the liked articles only: a dislike or a skip keeps them.
        let clusters = match previous {
            Some(p) if p.liked == liked && Arc::ptr_eq(&p.corpus, &corpus) => p.clusters.clone(),
            _ => interest_clusters_against(&liked_vectors, &liked_leads, &corpus.word_stats, SEED),
        };
        let scores = (0..corpus.vectors.len())
            .map(|i| {
                let regions = corpus.region_features.get(i).map_or(&[][..], Vec::as_slice);
                model.score_with_regions(&corpus.vectors[i], regions)
            })
            .collect();
        Ok(Snapshot {
            corpus,
            ratings,
            model,
            clusters,
            liked,
            scores,
        })
    }
}

/// Words of an article's text used for cluster keywords.
const LEAD_WORDS: usize = 30;

/// `title` and the first `words` words of `text` (which ingestion starts with the title, so
/// a text that does is not given the title twice).
fn lead_words(title: &str, text: &str, words: usize) -> String {
    let body = text.strip_prefix(title).unwrap_or(text);
    let mut lead = title.to_string();
    for word in body.split_whitespace().take(words) {
        lead.push(' ');
        lead.push_str(word);
    }
    lead
}

impl Snapshot {
    fn liked_titles(&self) -> Vec<(&str, &[f32])> {
        self.liked
            .iter()
            .map(|&i| {
                (
                    self.corpus.articles[i].title.as_str(),
                    self.corpus.vectors[i].as_slice(),
                )
            })
            .collect()
    }
}

fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((byte, _)) => &text[..byte],
        None => text,
    }
}

fn model_file_error(path: &Path, detail: impl ToString) -> Error {
    Error::ModelFile {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::HashingEmbedder;
    use crate::store::ArticleRecord;

    const TOPICS: [&str; 4] = [
        "rust compiler borrow checker",
        "football league match goal",
        "stock market shares earnings",
        "landscape photography camera lens",
    ];
    const FLAVOURS: [&str; 6] = ["today", "analysis", "report", "update", "preview", "review"];

    /// 24 articles, 6 per topic; ids are topic * 100 + n.
    fn engine_with_articles() -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path())
            .unwrap()
            .with_embedder(Arc::new(HashingEmbedder::default()));
        for (t, topic) in TOPICS.iter().enumerate() {
            for (n, flavour) in FLAVOURS.iter().enumerate() {
                let id = ArticleId((t * 100 + n) as u64);
                let title = format!("{topic} {flavour}");
                engine
                    .store()
                    .put_article(&ArticleRecord {
                        id,
                        feed_id: FeedId(1),
                        title: title.clone(),
                        link: Some(format!("https://example.com/{}", id.0)),
                        published: Some(format!("2026-01-{:02}T00:00:00Z", n + 1)),
                        author: None,
                        summary: None,
                        content_html: None,
                        text: title.clone(),
                        content_hash: format!("hash-{}", id.0),
                        ..Default::default()
                    })
                    .unwrap();
            }
        }
        (dir, engine)
    }

    fn id(topic: usize, n: usize) -> ArticleId {
        ArticleId((topic * 100 + n) as u64)
    }

    #[test]
    fn engine_stays_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
    }

    #[test]
    fn embeds_once_and_reports_progress() {
        let (_dir, engine) = engine_with_articles();
        let calls = std::sync::Mutex::new(Vec::new());
        let report = engine
            .embed_pending(|done, total| calls.lock().unwrap().push((done, total)))
            .unwrap();
        assert_eq!(
            report,
            EmbedReport {
                embedded: 24,
                cached: 0
            }
        );
        assert_eq!(calls.lock().unwrap().last(), Some(&(24, 24)));
        let again = engine
            .embed_pending(|_, _| panic!("nothing to embed"))
            .unwrap();
        assert_eq!(
            again,
            EmbedReport {
                embedded: 0,
                cached: 24
            }
        );
    }

    #[test]
    fn rating_an_unknown_article_is_a_clear_error() {
        let (_dir, engine) = engine_with_articles();
        let err = engine
            .rate(ArticleId(999_999), Some(Rating::Like))
            .unwrap_err();
        assert!(matches!(err, Error::UnknownArticle(ArticleId(999_999))));
        assert!(err.to_string().contains("999999"));
    }

    #[test]
    fn cold_cards_cover_topics_and_ratings_steer_recommendations() {
        let (_dir, engine) = engine_with_articles();
        engine.embed_pending(|_, _| {}).unwrap();
        let cards = engine.cards(Some(4)).unwrap();
        let topics: HashSet<u64> = cards.iter().map(|c| c.id.0 / 100).collect();
        assert_eq!(topics.len(), 4, "{cards:?}");

        engine.rate(id(0, 0), Some(Rating::Like)).unwrap();
        engine.rate(id(0, 1), Some(Rating::Like)).unwrap();
        engine.rate(id(1, 0), Some(Rating::Dislike)).unwrap();
        engine.rate(id(2, 0), Some(Rating::Dislike)).unwrap();
        let recs = engine.recommend(Some(3)).unwrap();
        assert!(recs.iter().all(|r| r.id.0 / 100 == 0), "{recs:?}");
        assert!(recs[0].reason.contains("because you liked"));
        assert!(recs
            .iter()
            .all(|r| (0.0..=1.0).contains(&r.score) && (0.0..=1.0).contains(&r.confidence)));
        // Rated articles are neither recommended nor asked about.
        let all_recs = engine.recommend(None).unwrap();
        assert_eq!(all_recs.len(), 24 - 4);
        let cards = engine.cards(None).unwrap();
        assert_eq!(cards.len(), 20);

        // The classifier sees the corpus's regions (24 articles make two).
        assert!(engine.snapshot().unwrap().model.context().is_some());
        let scores = engine
            .score_articles(&[id(0, 3), id(1, 3), ArticleId(424242)])
            .unwrap();
        assert_eq!(scores.len(), 2);
        assert!(scores[&id(0, 3)].score > scores[&id(1, 3)].score);
    }

    #[test]
    fn skip_hides_the_card_but_is_not_a_dislike() {
        let (_dir, engine) = engine_with_articles();
        engine.embed_pending(|_, _| {}).unwrap();
        engine.rate(id(0, 0), Some(Rating::Like)).unwrap();
        let before = engine.score_articles(&[id(0, 2)]).unwrap()[&id(0, 2)];
        engine.rate(id(0, 1), Some(Rating::Skip)).unwrap();
        let after = engine.score_articles(&[id(0, 2)]).unwrap()[&id(0, 2)];
        assert_eq!(before, after, "a skip changes nothing in the model");
        assert!(engine.cards(None).unwrap().iter().all(|c| c.id != id(0, 1)));
        assert!(engine
            .recommend(None)
            .unwrap()
            .iter()
            .any(|r| r.id == id(0, 1)));
        engine.rate(id(0, 1), None).unwrap();
        assert!(engine.cards(None).unwrap().iter().any(|c| c.id == id(0, 1)));
    }

    #[test]
    fn clusters_and_map_reflect_ratings() {
        let (_dir, engine) = engine_with_articles();
        engine.embed_pending(|_, _| {}).unwrap();
        assert!(engine.clusters().unwrap().is_empty());
        for n in 0..3 {
            engine.rate(id(0, n), Some(Rating::Like)).unwrap();
            engine.rate(id(3, n), Some(Rating::Like)).unwrap();
        }
        engine.rate(id(1, 0), Some(Rating::Dislike)).unwrap();
        let clusters = engine.clusters().unwrap();
        assert_eq!(clusters.len(), 2, "{clusters:?}");
        assert!(clusters.iter().all(|c| c.liked == 3));
        assert!(clusters
            .iter()
            .any(|c| c.label.contains("photography") || c.label.contains("landscape")));
        assert_eq!(clusters.iter().map(|c| c.size).sum::<usize>(), 24);

        let map = engine.map().unwrap();
        assert_eq!(map.len(), 24);
        assert!(map
            .iter()
            .all(|p| p.x.is_finite() && p.y.is_finite() && p.cluster.is_some()));
        let liked = map
            .iter()
            .filter(|p| p.rating == Some(Rating::Like))
            .count();
        assert_eq!(liked, 6);
    }

    #[test]
    fn export_import_roundtrip_restores_the_model() {
        let (dir, engine) = engine_with_articles();
        engine.embed_pending(|_, _| {}).unwrap();
        engine.rate(id(0, 0), Some(Rating::Like)).unwrap();
        engine.rate(id(1, 0), Some(Rating::Dislike)).unwrap();
        engine.rate(id(2, 0), Some(Rating::Skip)).unwrap();
        let before = engine.score_articles(&[id(0, 4)]).unwrap()[&id(0, 4)];
        let file = dir.path().join("model.json");
        assert_eq!(engine.export_model(&file).unwrap().ratings, 3);

        for (t, n) in [(0, 0), (1, 0), (2, 0)] {
            engine.rate(id(t, n), None).unwrap();
        }
        assert_ne!(
            engine.score_articles(&[id(0, 4)]).unwrap()[&id(0, 4)],
            before
        );
        let imported = engine.import_model(&file).unwrap();
        assert_eq!((imported.ratings, imported.skipped), (3, 0));
        assert_eq!(
            engine.score_articles(&[id(0, 4)]).unwrap()[&id(0, 4)],
            before
        );

        std::fs::write(&file, b"{\"format\":\"something else\"}").unwrap();
        assert!(matches!(
            engine.import_model(&file),
            Err(Error::ModelFile { .. })
        ));
    }
}
