//! The snapshot every view reads: the embedded corpus, the ratings, the trained model, the
//! interest clusters and every article's score.
//!
//! Built once per engine from the store's lean article metadata and raw vectors (never the
//! article bodies). Afterwards it only changes incrementally:
//! - new vectors ([`Engine::vectors_stored`]) join the loaded corpus and are scored with the
//!   current model, without reloading or retraining;
//! - an answer retrains the model on the loaded corpus ([`Engine::retrain`]);
//! - the corpus regions and word statistics, the costly whole-corpus parts, are recomputed
//!   only when the corpus has grown (or shrunk) by [`REGIONS_STALE_FRACTION`] since they were
//!   computed, or on request ([`Engine::refresh_corpus_regions`]); they are kept in the store
//!   so that a cold start does not recompute them either.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{corpus_file, corpus_patch, read, write, SEED};
use crate::domain::{ArticleId, ArticleMeta, FeedId, Rating};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::learn::cards::RegionInfo;
use crate::learn::clusters::{
    close_thresholds, closest_cluster, ctfidf_keywords_against, interest_clusters_against,
    WordStats,
};
use crate::learn::half::Half;
use crate::learn::matrix::{Matrix, RowSource};
use crate::learn::parallel;
use crate::learn::{CorpusContext, InterestCluster, PreferenceModel, Regularisation};
use crate::store::StoredVector;

/// Regions and word statistics are recomputed when the corpus size differs from the size they
/// were computed at by more than this fraction.
pub(super) const REGIONS_STALE_FRACTION: f64 = 0.2;
/// Below this many articles the regions are recomputed at every growth: it costs little, and
/// a young corpus changes shape fast.
const SMALL_CORPUS: usize = 1000;
/// The corpus file under the data dir (`corpus_file.rs`).
pub(super) const CORPUS_FILE: &str = "learner-corpus.bin";
/// A patched corpus file is written again when the patch read more articles than this.
const REWRITE_AFTER_PATCHED: usize = 2_000;
/// Keywords per region label on the map.
const REGION_KEYWORDS: usize = 3;
/// Key of the stored regions in the store's learner cache (one entry per embedding model).
const REGIONS_CACHE_KEY: &str = "corpus_regions";
/// How many times a rebuild off the lock starts again when the snapshot changed under it
/// (the last time it holds the lock).
const REBUILD_TRIES: usize = 3;
/// How many times new vectors are joined to a copy made away from the lock before the last
/// try copies under it (a copy is made only while a view holds the snapshot).
const JOIN_TRIES: usize = 3;
/// How many times an answer's retraining, done away from the lock, starts again when the
/// snapshot changed under it (new vectors joined); the last try holds the lock.
const RETRAIN_TRIES: usize = 3;
/// Interest clusters are worked out again at every change of the liked articles while there
/// are fewer than this many (a young taste changes shape fast, and it costs little)...
const RECLUSTER_ALWAYS_BELOW: usize = 30;
/// ...and above, only when likes were taken back or their number grew by more than this
/// fraction since the clusters were made: k-means and the silhouette sweep took 110–280 ms
/// at ~575 likes, on every like, and tens of ms from ~30 likes on in an app import (2
/// cores shared with the embedder); one more like joins its nearest cluster anyway.
const RECLUSTER_FRACTION: f64 = 0.1;

/// What [`Engine::rebuild_off_lock`] recomputes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rebuild {
    /// The model only (an answer given before its article was embedded now counts).
    Model,
    /// The corpus regions, then the model on them.
    RegionsAndModel,
}

/// A vector just stored for an article's text, handed to the snapshot so that it is not
/// read back from the store.
pub(super) struct FreshVector<'a> {
    pub(super) id: ArticleId,
    /// The text it was computed for: it is used only while the article still has it.
    pub(super) content_hash: &'a str,
    pub(super) vector: &'a [f32],
}

/// The embedded articles and everything derived from them and the ratings.
#[derive(Clone)]
pub(super) struct Snapshot {
    pub(super) corpus: Arc<Corpus>,
    pub(super) ratings: HashMap<ArticleId, Rating>,
    pub(super) model: PreferenceModel,
    pub(super) clusters: Vec<InterestCluster>,
    /// Indices into the corpus of the liked articles, in the model's order.
    pub(super) liked: Vec<usize>,
    /// (score, confidence) per corpus article.
    pub(super) scores: Vec<(f32, f32)>,
    /// Each corpus article's closest interest cluster and its similarity to it.
    pub(super) closest: Vec<Option<(usize, f32)>>,
    /// Per interest cluster, the similarity to its centre from which an article counts as
    /// close to it ([`close_thresholds`]).
    pub(super) close_threshold: Vec<f32>,
    /// How many liked articles the clusters were made from (later likes join them).
    pub(super) clustered_likes: usize,
}

#[derive(Clone)]
pub(super) struct Corpus {
    pub(super) articles: Vec<CorpusArticle>,
    /// One row per article, in the order of `articles`.
    pub(super) vectors: Matrix<Half>,
    pub(super) index: HashMap<ArticleId, usize>,
    pub(super) regions: Arc<Regions>,
    /// Per article: its soft membership of the regions (a row of `regions.context`'s
    /// regions count), its region and its similarity to that region's centre. Empty when
    /// the corpus is too small for regions.
    pub(super) membership: Matrix,
    pub(super) region: Vec<(usize, f32)>,
    /// Each region's keywords for the map's labels when the regions came without them
    /// (stored by an older Sift): worked out on first use from every article's lead (most
    /// of a map call at 100,000 articles) and again after a change.
    pub(super) region_keywords: std::sync::OnceLock<Vec<Vec<String>>>,
}

/// The whole-corpus statistics that are costly to compute and change slowly.
#[derive(Debug, Clone, Default)]
pub(super) struct Regions {
    pub(super) context: Option<Arc<CorpusContext>>,
    /// How common each word is across the stored articles, for cluster keywords.
    pub(super) word_stats: WordStats,
    /// Corpus size they were computed at.
    pub(super) articles: usize,
    /// Per region, the keywords that label it on the map (c-TF-IDF of its articles' leads
    /// when the regions were computed), kept with them: tokenising every lead again took
    /// most of the first map call in every process (1.5 s at 100,000 articles). `None`
    /// for regions an older Sift stored; the map then works them out itself.
    pub(super) keywords: Option<Vec<Vec<String>>>,
}

/// [`Regions`] as the store's learner cache keeps them (JSON).
#[derive(Serialize, Deserialize)]
struct StoredRegions {
    context: Option<CorpusContext>,
    word_stats: WordStats,
    articles: usize,
    #[serde(default)]
    keywords: Option<Vec<Vec<String>>>,
}

impl Regions {
    fn compute(corpus: &Corpus) -> Self {
        let vectors = &corpus.vectors;
        let context = CorpusContext::from_articles(vectors, SEED).map(Arc::new);
        let word_stats = WordStats::from_texts(corpus.articles.iter().map(CorpusArticle::lead));
        let keywords = context.as_deref().map(|ctx| {
            let mut buf = Vec::new();
            let regions: Vec<usize> = (0..vectors.len())
                .map(|i| ctx.region_of(vectors.row_f32(i, &mut buf)).0)
                .collect();
            region_keywords(ctx.regions(), &regions, &corpus.articles, &word_stats)
        });
        Self {
            context,
            word_stats,
            articles: corpus.articles.len(),
            keywords,
        }
    }

    pub(super) fn stale_for(&self, articles: usize) -> bool {
        if articles == self.articles {
            return false;
        }
        if articles < SMALL_CORPUS {
            return true;
        }
        let change = (articles as f64 - self.articles as f64).abs();
        change > self.articles as f64 * REGIONS_STALE_FRACTION
    }
}

/// Keywords per region (`regions` of them) from the leads of the articles in each; an
/// article's region is `region_of[row]`.
pub(super) fn region_keywords(
    regions: usize,
    region_of: &[usize],
    articles: &[CorpusArticle],
    word_stats: &WordStats,
) -> Vec<Vec<String>> {
    let mut leads: Vec<Vec<&str>> = vec![Vec::new(); regions];
    for (&r, article) in region_of.iter().zip(articles) {
        if let Some(leads) = leads.get_mut(r) {
            leads.push(article.lead());
        }
    }
    ctfidf_keywords_against(&leads, REGION_KEYWORDS, word_stats)
}

/// An embedded article's ids and the words the views show and label with, its title, link and
/// lead, in one allocation: the lead starts with the title, so the title is kept once. Three
/// `String`s each were 88 bytes of fields, three allocations and the title twice per article
/// (at 100,000 articles heaptrack put 48 MB in them, vectors aside).
#[derive(Clone)]
pub(super) struct CorpusArticle {
    pub(super) id: ArticleId,
    pub(super) feed_id: FeedId,
    /// The title, the lead's words after it (or the whole lead when it does not start with
    /// the title), then the link. Shared, so that copying the corpus (see [`Matrix`]) does
    /// not copy every article's text.
    text: Arc<str>,
    /// Where the title ends and the lead starts and ends in `text`; a link follows the lead
    /// when `has_link`.
    title_end: u32,
    lead_start: u32,
    lead_end: u32,
    has_link: bool,
}

/// Longest title, lead or link kept (bytes): offsets are `u32`, and the corpus file refuses
/// longer strings anyway (`corpus_file::MAX_STRING`).
const MAX_PIECE: usize = 1 << 24;

impl CorpusArticle {
    /// `lead` is the title and the first words of the text, what cluster keywords are drawn
    /// from (titles alone are too short to label a cluster, e.g. encyclopedia or podcast
    /// titles); an empty one stands for the title.
    pub(super) fn new(
        id: ArticleId,
        feed_id: FeedId,
        title: &str,
        link: Option<&str>,
        lead: &str,
    ) -> Self {
        let title = clip(title);
        let lead = if lead.is_empty() { title } else { clip(lead) };
        let link = link.map(clip);
        let shared = lead.starts_with(title);
        let mut text = String::with_capacity(
            title.len() + lead.len() + link.map_or(0, str::len)
                - if shared { title.len() } else { 0 },
        );
        text.push_str(title);
        let title_end = text.len();
        let lead_start = if shared {
            text.push_str(&lead[title.len()..]);
            0
        } else {
            text.push_str(lead);
            title_end
        };
        let lead_end = text.len();
        if let Some(link) = link {
            text.push_str(link);
        }
        // Each piece is at most MAX_PIECE bytes, so every offset fits.
        Self {
            id,
            feed_id,
            text: Arc::from(text),
            title_end: title_end as u32,
            lead_start: lead_start as u32,
            lead_end: lead_end as u32,
            has_link: link.is_some(),
        }
    }

    pub(super) fn title(&self) -> &str {
        &self.text[..self.title_end as usize]
    }

    pub(super) fn lead(&self) -> &str {
        &self.text[self.lead_start as usize..self.lead_end as usize]
    }

    pub(super) fn link(&self) -> Option<&str> {
        self.has_link.then(|| &self.text[self.lead_end as usize..])
    }
}

/// `s` cut to at most [`MAX_PIECE`] bytes, at a character boundary.
fn clip(s: &str) -> &str {
    crate::domain::prefix_within(s, MAX_PIECE)
}

impl From<ArticleMeta> for CorpusArticle {
    fn from(a: ArticleMeta) -> Self {
        Self::new(a.id, a.feed_id, &a.title, a.link.as_deref(), &a.lead)
    }
}

impl Corpus {
    fn empty(dim: usize) -> Self {
        Self {
            articles: Vec::new(),
            vectors: Matrix::with_dim(dim),
            index: HashMap::new(),
            regions: Arc::new(Regions::default()),
            membership: Matrix::default(),
            region: Vec::new(),
            region_keywords: std::sync::OnceLock::new(),
        }
    }

    /// The corpus as the corpus file kept it (regions are set by the caller).
    fn from_file(file: corpus_file::CorpusFile) -> Self {
        let index = file
            .articles
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, i))
            .collect();
        Self {
            articles: file.articles,
            vectors: file.vectors,
            index,
            ..Self::empty(0)
        }
    }

    /// Adds an article with its vector, or replaces the vector of one already present (its
    /// text changed). Returns its row.
    fn upsert(&mut self, article: CorpusArticle, vector: &[f32]) -> Result<usize> {
        let dimension = |e: crate::learn::matrix::DimensionMismatch| {
            Error::Embedding(format!("stored vector of article {}: {e}", article.id))
        };
        self.region_keywords = std::sync::OnceLock::new();
        if let Some(&i) = self.index.get(&article.id) {
            self.vectors.set_row(i, vector).map_err(dimension)?;
            self.articles[i] = article;
            self.describe_row(i);
            return Ok(i);
        }
        self.vectors.push(vector).map_err(dimension)?;
        let i = self.articles.len();
        self.index.insert(article.id, i);
        self.articles.push(article);
        self.describe_row(i);
        Ok(i)
    }

    /// Fills (or refreshes) row `i`'s region membership.
    fn describe_row(&mut self, i: usize) {
        let Some(ctx) = self.regions.context.clone() else {
            return;
        };
        let mut buf = Vec::new();
        let (membership, region, centrality) = ctx.describe(self.vectors.row_f32(i, &mut buf));
        if i < self.region.len() {
            // Same width as every row (one context); cannot fail.
            let _ = self.membership.set_row(i, &membership);
            self.region[i] = (region, centrality);
        } else {
            let _ = self.membership.push(&membership);
            self.region.push((region, centrality));
        }
    }

    /// Uses `regions` and recomputes every article's membership under them.
    fn set_regions(&mut self, regions: Arc<Regions>) {
        self.region_keywords = std::sync::OnceLock::new();
        self.regions = regions;
        self.membership = Matrix::default();
        self.region.clear();
        if let Some(ctx) = self.regions.context.clone() {
            self.membership = Matrix::with_dim(ctx.regions());
            self.membership.reserve(self.vectors.len());
            self.region.reserve(self.vectors.len());
            for i in 0..self.vectors.len() {
                self.describe_row(i);
            }
        }
    }

    /// Uses `regions` with every article's membership as computed under them before (kept
    /// in the corpus file): the same numbers [`Corpus::set_regions`] would compute.
    /// Rows a patch changed (`stale_rows`) are computed again.
    fn set_described_regions(&mut self, regions: Arc<Regions>, described: corpus_file::Described) {
        if described.region.len() != self.articles.len()
            || described.membership.len() != self.articles.len()
        {
            return self.set_regions(regions);
        }
        self.region_keywords = std::sync::OnceLock::new();
        self.regions = regions;
        self.membership = described.membership;
        self.region = described.region;
        for i in described.stale_rows {
            self.describe_row(i);
        }
    }

    /// Row `i`'s region membership, empty without regions.
    pub(super) fn membership_of(&self, i: usize) -> &[f32] {
        if i < self.region.len() {
            self.membership.row(i)
        } else {
            &[]
        }
    }

    /// Where the given rows sit among the regions, and how many answers each region has,
    /// for card selection; from the memberships computed at load, not recomputed.
    pub(super) fn region_info(
        &self,
        rows: &[usize],
        model: &PreferenceModel,
    ) -> Option<RegionInfo> {
        let ctx = self.regions.context.as_ref()?;
        if self.region.len() != self.articles.len() {
            return None;
        }
        let (region, centrality) = rows.iter().map(|&i| self.region[i]).unzip();
        Some(RegionInfo {
            region,
            centrality,
            answered: model.answers_per_region(ctx),
        })
    }
}

impl Snapshot {
    /// Adds or replaces `joining`'s articles and vectors in the corpus (copied first when it is
    /// shared) and scores them with the model and regions at hand, so they are listed at once;
    /// says what has to be rebuilt from the whole corpus now, if anything.
    fn join(&mut self, joining: &[(CorpusArticle, Cow<'_, [f32]>)]) -> Result<Option<Rebuild>> {
        let mut changed_rows = Vec::with_capacity(joining.len());
        let mut rated_now = false;
        {
            let corpus = Arc::make_mut(&mut self.corpus);
            for (article, vector) in joining {
                rated_now |= self.ratings.contains_key(&article.id);
                changed_rows.push(corpus.upsert(article.clone(), vector)?);
            }
        }
        let corpus = &self.corpus;
        let mut buf = Vec::new();
        for row in changed_rows {
            let x = corpus.vectors.row_f32(row, &mut buf);
            let scored = self.model.score_with_regions(x, corpus.membership_of(row));
            let closest = closest_cluster(&self.clusters, x);
            if row < self.scores.len() {
                self.scores[row] = scored;
                self.closest[row] = closest;
            } else {
                self.scores.push(scored);
                self.closest.push(closest);
            }
        }
        Ok(if corpus.regions.stale_for(corpus.articles.len()) {
            Some(Rebuild::RegionsAndModel)
        } else if rated_now {
            // An answer given before its article was embedded now counts.
            Some(Rebuild::Model)
        } else {
            None
        })
    }
}

impl Engine {
    pub(crate) fn invalidate(&self) {
        *write(&self.learn.snapshot) = None;
    }

    /// Builds what every learner view reads (the snapshot: corpus, model, scores) now
    /// unless it is built: the app calls it as soon as its store is open, so the first
    /// For you finds it ready instead of building it while the window waits. A view asked
    /// meanwhile waits for this build rather than starting its own.
    pub fn prepare_views(&self) -> Result<()> {
        self.snapshot().map(|_| ())
    }

    pub(super) fn snapshot(&self) -> Result<Arc<Snapshot>> {
        let loaded = {
            let _span = tracing::info_span!("snapshot lock").entered();
            read(&self.learn.snapshot).clone()
        };
        if let Some(s) = loaded {
            return Ok(s);
        }
        let mut slot = write(&self.learn.snapshot);
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let _span = tracing::info_span!("snapshot").entered();
        let corpus = Arc::new(self.load_corpus()?);
        let snap = {
            let _span = tracing::info_span!("train and score").entered();
            Arc::new(self.train(corpus, None)?)
        };
        *slot = Some(snap.clone());
        Ok(snap)
    }

    /// Every stored article that has a vector for its current text, read from the lean
    /// metadata and the raw vectors; the regions come from the store unless stale. A
    /// stored value that is no vector of the model's length reads as none (the article is
    /// embedded again), so no stored data can stop the learner.
    pub(super) fn load_corpus(&self) -> Result<Corpus> {
        self.learn
            .corpus_loads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let model_id = self.model_id();
        let dim = self.model_dim();
        let generation = self.store.corpus_generation()?;
        let path = self.data_dir.join(CORPUS_FILE);
        let file = {
            let _span = tracing::info_span!("read corpus file").entered();
            // Read already when the engine was opened for the views (`prefetch.rs`).
            self.learn
                .prefetch
                .take(&model_id, dim)
                .or_else(|| corpus_file::read(&path, &model_id, dim))
        };
        // Kept as it is (it matches the store), patched from the store's log of changes,
        // or not usable: then the store is read whole.
        let (file, patched) = match file {
            Some(file) if file.generation == generation => (Some(file), None),
            Some(file) if file.generation < generation => {
                let ids = self
                    .store
                    .corpus_changes(file.generation, generation)?
                    .and_then(|changes| corpus_patch::articles_to_read(&file, &changes));
                match ids {
                    Some(ids) => {
                        let _span = tracing::info_span!("patch corpus file").entered();
                        let file = corpus_patch::patch(
                            &self.store,
                            &model_id,
                            dim,
                            file,
                            &ids,
                            generation,
                        )?;
                        (Some(file), Some(ids.len()))
                    }
                    None => (None, None),
                }
            }
            _ => (None, None),
        };
        let from_store = file.is_none();
        let (mut corpus, described, pending) = match file {
            Some(mut file) => {
                let described = file.described.take();
                let pending = std::mem::take(&mut file.pending);
                (Corpus::from_file(file), described, pending)
            }
            None => {
                let _span = tracing::info_span!("read corpus from store").entered();
                let (corpus, pending) = self.load_corpus_from_store(&model_id, dim)?;
                (corpus, None, pending)
            }
        };
        let regions_span = tracing::info_span!("regions and memberships").entered();
        let stored: Option<StoredRegions> =
            self.store.get_learner_cache(&regions_key(&model_id))?;
        let fresh = stored
            .map(|r| Regions {
                context: r.context.map(Arc::new),
                word_stats: r.word_stats,
                articles: r.articles,
                keywords: r.keywords,
            })
            .filter(|r| {
                !r.stale_for(corpus.articles.len())
                    && r.context
                        .as_ref()
                        .is_none_or(|c| c.dim() == corpus.vectors.dim())
            });
        let regions = match fresh {
            Some(r) => r,
            None => self.compute_regions(&corpus)?,
        };
        let stamp = regions.context.as_deref().map(corpus_file::regions_stamp);
        // Memberships kept (a patch's few changed rows are computed again, cheaply).
        let described = described.filter(|d| Some(d.regions_stamp) == stamp);
        let described_as_kept = described.is_some();
        match described {
            Some(d) => corpus.set_described_regions(Arc::new(regions), d),
            None => corpus.set_regions(Arc::new(regions)),
        }
        drop(regions_span);
        // Written again after a load from the store, after every membership was computed
        // again (new regions), and after a patch that read many articles: the next start
        // then reads it as it is. A small patch is cheaper to repeat at the next start than
        // the file (~200 MB at 100,000 articles) is to write now. Not when something
        // changed the corpus while it was read.
        let rewrite = from_store
            || !described_as_kept
            || patched.is_some_and(|read| read > REWRITE_AFTER_PATCHED);
        if rewrite && self.store.corpus_generation()? == generation {
            let _span = tracing::info_span!("write corpus file").entered();
            let described = stamp.map(|regions_stamp| corpus_file::Described {
                regions_stamp,
                membership: corpus.membership.clone(),
                region: corpus.region.clone(),
                stale_rows: Vec::new(),
            });
            let parts = corpus_file::CorpusParts {
                articles: &corpus.articles,
                vectors: &corpus.vectors,
                pending: &pending,
                described: described.as_ref(),
            };
            match corpus_file::write(&path, generation, &model_id, parts) {
                // The file now holds every change up to `generation`.
                Ok(()) => self.store.forget_corpus_changes(generation)?,
                Err(e) => {
                    tracing::warn!("could not keep the corpus in {}: {e}", path.display())
                }
            }
        }
        Ok(corpus)
    }

    /// Every stored article that has a vector for its current text, in id order, read from
    /// the lean metadata and the raw vectors; and the ids of those that have none yet.
    fn load_corpus_from_store(
        &self,
        model_id: &str,
        dim: usize,
    ) -> Result<(Corpus, Vec<ArticleId>)> {
        let metas = self.store.list_article_meta()?;
        let mut corpus = Corpus::empty(dim);
        let mut pending = Vec::new();
        corpus.articles.reserve(metas.len());
        for a in metas {
            let id = a.id;
            let fits = self
                .store
                .with_stored_vector(model_id, &a.content_hash, dim, |stored| match stored {
                    StoredVector::Half(bytes) => corpus.vectors.push_le_bytes::<Half>(bytes),
                    StoredVector::Single(bytes) => corpus.vectors.push_le_bytes::<f32>(bytes),
                })?;
            match fits {
                None => {
                    pending.push(id); // not embedded yet
                    continue;
                }
                Some(Err(e)) => {
                    return Err(Error::Embedding(format!(
                        "stored vector of article {id}: {e}"
                    )))
                }
                Some(Ok(())) => {}
            }
            corpus.index.insert(id, corpus.articles.len());
            corpus.articles.push(CorpusArticle::from(a));
        }
        Ok((corpus, pending))
    }

    fn compute_regions(&self, corpus: &Corpus) -> Result<Regions> {
        let _span = tracing::info_span!("compute regions").entered();
        let regions = Regions::compute(corpus);
        let stored = StoredRegions {
            context: regions.context.as_deref().cloned(),
            word_stats: regions.word_stats.clone(),
            articles: regions.articles,
            keywords: regions.keywords.clone(),
        };
        self.store
            .put_learner_cache(&regions_key(&self.model_id()), &stored)?;
        Ok(regions)
    }

    pub(super) fn train(
        &self,
        corpus: Arc<Corpus>,
        previous: Option<&Snapshot>,
    ) -> Result<Snapshot> {
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
        let rows_rated = |want: Rating| -> Vec<usize> {
            rated
                .iter()
                .filter(|(_, r)| *r == want)
                .map(|(id, _)| corpus.index[id])
                .collect()
        };
        let liked = rows_rated(Rating::Like);
        let disliked = rows_rated(Rating::Dislike);
        let fit_span = tracing::info_span!("fit model").entered();
        let rows = |rows: &[usize]| -> Vec<Vec<f32>> {
            rows.iter().map(|&i| corpus.vectors.row_vec(i)).collect()
        };
        let context = corpus.regions.context.clone();
        // After an answer, the fit starts from the previous one and keeps its C (the model
        // says when that does not apply: other regions, answers grown by a quarter).
        let model = match previous {
            Some(p) => PreferenceModel::retrain_from(
                &p.model,
                rows(&liked),
                rows(&disliked),
                Regularisation::Auto,
                context,
            ),
            None => PreferenceModel::train_in_context(
                corpus.vectors.dim(),
                rows(&liked),
                rows(&disliked),
                Regularisation::Auto,
                context,
            ),
        };
        drop(fit_span);
        // The liked articles' vectors, as the model holds them (in `liked`'s order).
        let liked_vectors: Vec<&[f32]> = model.liked().iter().map(Vec::as_slice).collect();
        // Clusters depend on the liked articles only: a dislike or a skip keeps them, and
        // so does a like among many (see RECLUSTER_ALWAYS_BELOW).
        let same_corpus = previous.filter(|p| Arc::ptr_eq(&p.corpus, &corpus));
        let kept = same_corpus.filter(|p| clusters_still_fit(p, &liked));
        let (clusters, kept_closest, clustered_likes) = match kept {
            Some(p) => (
                p.clusters.clone(),
                Some((p.closest.clone(), p.close_threshold.clone())),
                p.clustered_likes,
            ),
            None => {
                let _span = tracing::info_span!("interest clusters").entered();
                let liked_leads: Vec<&str> =
                    liked.iter().map(|&i| corpus.articles[i].lead()).collect();
                let clusters = interest_clusters_against(
                    &liked_vectors,
                    &liked_leads,
                    &corpus.regions.word_stats,
                    SEED,
                );
                (clusters, None, liked.len())
            }
        };
        let (scores, new_closest) = {
            let _span = tracing::info_span!("score corpus").entered();
            let new_clusters = kept_closest.is_none().then_some(clusters.as_slice());
            score_rows(&corpus, &model, new_clusters)
        };
        let (closest, close_threshold) = match kept_closest {
            Some(kept) => kept,
            None => {
                let mut is_liked = vec![false; new_closest.len()];
                for &i in &liked {
                    is_liked[i] = true;
                }
                let close_threshold = close_thresholds(
                    &clusters,
                    &liked_vectors,
                    new_closest
                        .iter()
                        .zip(&is_liked)
                        .filter(|(_, &liked)| !liked)
                        .filter_map(|(closest, _)| closest.map(|(_, sim)| sim)),
                );
                (new_closest, close_threshold)
            }
        };
        Ok(Snapshot {
            corpus,
            ratings,
            model,
            clusters,
            liked,
            scores,
            closest,
            close_threshold,
            clustered_likes,
        })
    }

    /// The incremental hook of ingestion: `ids` just got vectors (new articles, or new text
    /// of known ones), read back from the store. See [`Engine::join_vectors`].
    pub fn vectors_stored(&self, ids: &[ArticleId]) -> Result<()> {
        self.join_corpus(ids.iter().map(|&id| (id, None)))
    }

    /// The incremental hook of ingestion with the vectors in hand: they join the loaded
    /// corpus and are scored with the current model; nothing else is reloaded. When the
    /// corpus has grown past [`REGIONS_STALE_FRACTION`] since its regions were computed,
    /// they are recomputed and the model retrained, away from the snapshot's lock
    /// ([`Engine::rebuild_off_lock`]). Cheap when no snapshot is loaded (the next view
    /// loads everything anyway).
    pub(super) fn join_vectors(&self, fresh: &[FreshVector<'_>]) -> Result<()> {
        self.join_corpus(
            fresh
                .iter()
                .map(|f| (f.id, Some((f.content_hash, f.vector)))),
        )
    }

    fn join_corpus<'a>(
        &self,
        ids: impl Iterator<Item = (ArticleId, Option<(&'a str, &'a [f32])>)>,
    ) -> Result<()> {
        if read(&self.learn.snapshot).is_none() {
            return Ok(());
        }
        let model_id = self.model_id();
        let dim = self.model_dim();
        // The store is read before the lock is taken: views wait for the join only.
        let mut joining: Vec<(CorpusArticle, Cow<'a, [f32]>)> = Vec::new();
        let mut seen = HashSet::new();
        for (id, given) in ids {
            if !seen.insert(id) {
                continue;
            }
            let Some(meta) = self.store.get_article_meta(id)? else {
                continue; // deleted meanwhile
            };
            let vector = match given {
                // The article still has the text the vector was computed for.
                Some((hash, vector)) if hash == meta.content_hash => Cow::Borrowed(vector),
                _ => match self
                    .store
                    .get_embedding(&model_id, &meta.content_hash, dim)?
                {
                    Some(vector) => Cow::Owned(vector.into_vec()),
                    None => continue,
                },
            };
            joining.push((CorpusArticle::from(meta), vector));
        }
        let join_span = tracing::info_span!("join vectors").entered();
        let rebuild = 'joined: {
            for attempt in 1..=JOIN_TRIES {
                let base = {
                    let mut slot = write(&self.learn.snapshot);
                    let Some(current) = slot.as_mut() else {
                        return Ok(());
                    };
                    // Nobody else holds the snapshot or its corpus: changed in place, no copy
                    // (and the last try copies under the lock rather than start again).
                    let unshared = Arc::get_mut(current)
                        .is_some_and(|snap| Arc::get_mut(&mut snap.corpus).is_some());
                    if unshared || attempt == JOIN_TRIES {
                        match Arc::make_mut(current).join(&joining) {
                            Ok(rebuild) => break 'joined rebuild,
                            Err(e) => {
                                // Half joined: the next view loads everything again.
                                *slot = None;
                                return Err(e);
                            }
                        }
                    }
                    current.clone()
                };
                // A view (or a rebuild) holds it: the copy is made away from the lock, so
                // views and answers do not wait for a whole corpus to be copied.
                let mut snap = (*base).clone();
                let rebuild = snap.join(&joining)?;
                let mut slot = write(&self.learn.snapshot);
                match slot.as_ref() {
                    Some(now) if Arc::ptr_eq(now, &base) => {
                        *slot = Some(Arc::new(snap));
                        break 'joined rebuild;
                    }
                    None => return Ok(()), // dropped meanwhile: the next view loads everything
                    Some(_) => continue,   // changed meanwhile (an answer): join again
                }
            }
            None
        };
        drop(join_span);
        match rebuild {
            Some(what) => self.rebuild_off_lock(what),
            None => Ok(()),
        }
    }

    /// Recomputes what depends on the whole corpus — its regions (k-means over every
    /// vector, then every article's membership) if asked, and the model trained on them —
    /// from a copy of the current snapshot, without holding its lock, then swaps the
    /// result in: views and answers go on with the current snapshot meanwhile (they waited
    /// for the k-means before: the stalls of hundreds of milliseconds while embedding).
    /// When the snapshot changed while this worked (an answer retrained it), the model is
    /// trained again on the new one, keeping the regions; after [`REBUILD_TRIES`] the last
    /// try is done under the lock.
    fn rebuild_off_lock(&self, what: Rebuild) -> Result<()> {
        let _span = match what {
            Rebuild::Model => tracing::info_span!("rebuild model"),
            Rebuild::RegionsAndModel => tracing::info_span!("rebuild regions and model"),
        }
        .entered();
        let mut regions: Option<Arc<Regions>> = None;
        let with_regions = |corpus: &mut Arc<Corpus>, regions: &mut Option<Arc<Regions>>| {
            if what == Rebuild::Model {
                return Ok(());
            }
            let computed = match regions {
                Some(r) => r.clone(),
                None => regions
                    .insert(Arc::new(self.compute_regions(corpus)?))
                    .clone(),
            };
            if !Arc::ptr_eq(&corpus.regions, &computed) {
                Arc::make_mut(corpus).set_regions(computed);
            }
            Ok::<(), Error>(())
        };
        // The last snapshot rebuilt here that could not be swapped in, with the corpus it was
        // rebuilt from. That corpus is held, so it cannot change in place: finding the same
        // one in the slot means only answers changed since, and retraining what was rebuilt
        // (its regions and memberships kept, the fit started from its model) is enough. An
        // answer during the rebuild used to cost it all again, and after three the whole
        // rebuild ran under the lock, views waiting for it.
        let mut rebuilt: Option<(Arc<Corpus>, Arc<Snapshot>)> = None;
        for _ in 1..REBUILD_TRIES {
            let Some(base) = read(&self.learn.snapshot).clone() else {
                return Ok(()); // dropped meanwhile: the next view loads everything
            };
            let next = match &rebuilt {
                Some((from, snap)) if Arc::ptr_eq(from, &base.corpus) => {
                    self.train(snap.corpus.clone(), Some(snap))?
                }
                _ => {
                    let mut corpus = base.corpus.clone();
                    with_regions(&mut corpus, &mut regions)?;
                    self.train(corpus, Some(&base))?
                }
            };
            let next = Arc::new(next);
            let mut slot = write(&self.learn.snapshot);
            match slot.as_ref() {
                Some(now) if Arc::ptr_eq(now, &base) => {
                    *slot = Some(next);
                    return Ok(());
                }
                None => return Ok(()),
                Some(_) => rebuilt = Some((base.corpus.clone(), next)),
            }
        }
        let mut slot = write(&self.learn.snapshot);
        let Some(current) = slot.take() else {
            return Ok(());
        };
        let last = match &rebuilt {
            Some((from, snap)) if Arc::ptr_eq(from, &current.corpus) => {
                drop(current);
                self.train(snap.corpus.clone(), Some(snap))?
            }
            _ => {
                let mut corpus = current.corpus.clone();
                drop(current);
                with_regions(&mut corpus, &mut regions)?;
                self.train(corpus, None)?
            }
        };
        *slot = Some(Arc::new(last));
        Ok(())
    }

    /// Recomputes the corpus regions and word statistics now and retrains on them (they
    /// are otherwise refreshed when the corpus has grown by a fifth).
    pub fn refresh_corpus_regions(&self) -> Result<()> {
        {
            let mut slot = write(&self.learn.snapshot);
            if slot.is_none() {
                // Nothing loaded: a view would wait for the load anyway.
                let mut corpus = Arc::new(self.load_corpus()?);
                let regions = self.compute_regions(&corpus)?;
                Arc::make_mut(&mut corpus).set_regions(Arc::new(regions));
                *slot = Some(Arc::new(self.train(corpus, None)?));
                return Ok(());
            }
        }
        self.rebuild_off_lock(Rebuild::RegionsAndModel)
    }

    /// Rebuilds the model from the stored ratings, keeping the loaded vectors. The model is
    /// trained from a copy of the current snapshot's handle, away from its lock, and swapped
    /// in when nothing changed meanwhile: views go on with the previous model's scores
    /// instead of waiting for the retraining. When new vectors joined meanwhile it starts
    /// again from the new snapshot; after [`RETRAIN_TRIES`] the last try holds the lock.
    pub(super) fn retrain(&self) -> Result<()> {
        let _span = tracing::info_span!("retrain").entered();
        for _ in 1..RETRAIN_TRIES {
            let Some(base) = read(&self.learn.snapshot).clone() else {
                break; // nothing loaded: loaded under the lock below, as a view would
            };
            let trained = Arc::new(self.train(base.corpus.clone(), Some(&base))?);
            let mut slot = write(&self.learn.snapshot);
            match slot.as_ref() {
                Some(now) if Arc::ptr_eq(now, &base) => {
                    *slot = Some(trained);
                    return Ok(());
                }
                // Dropped meanwhile (articles removed): loaded again below.
                None => break,
                Some(_) => continue,
            }
        }
        let mut slot = write(&self.learn.snapshot);
        let previous = slot.take();
        let corpus = match &previous {
            Some(s) => s.corpus.clone(),
            None => Arc::new(self.load_corpus()?),
        };
        *slot = Some(Arc::new(self.train(corpus, previous.as_deref())?));
        Ok(())
    }
}

/// Each row's closest interest cluster and its similarity (`None` without clusters).
type Closest = Vec<Option<(usize, f32)>>;

/// Every row's score and confidence under `model`, and, when `clusters` are given, the
/// cluster each row is closest to (all `None` otherwise): one pass that widens each row
/// once, split over the cores. At 100,000 articles this is most of an answer's rerank.
fn score_rows(
    corpus: &Corpus,
    model: &PreferenceModel,
    clusters: Option<&[InterestCluster]>,
) -> (Vec<(f32, f32)>, Closest) {
    parallel::map_ranges(corpus.vectors.len(), |range| {
        let mut buf = Vec::new();
        range
            .map(|i| {
                let x = corpus.vectors.row_f32(i, &mut buf);
                let closest = clusters.and_then(|c| closest_cluster(c, x));
                (
                    model.score_with_regions(x, corpus.membership_of(i)),
                    closest,
                )
            })
            .collect()
    })
    .into_iter()
    .unzip()
}

/// Whether `previous`'s interest clusters still serve the liked articles `liked` (corpus
/// rows): the same likes, or more of them, by at most [`RECLUSTER_FRACTION`] since the
/// clusters were made, when there are many.
fn clusters_still_fit(previous: &Snapshot, liked: &[usize]) -> bool {
    if previous.liked == liked {
        return true;
    }
    if liked.len() < RECLUSTER_ALWAYS_BELOW
        || liked.len() as f64 > previous.clustered_likes as f64 * (1.0 + RECLUSTER_FRACTION)
    {
        return false;
    }
    let now: HashSet<usize> = liked.iter().copied().collect();
    previous.liked.iter().all(|i| now.contains(i))
}

/// The learner cache key of a model's regions.
fn regions_key(model_id: &str) -> String {
    format!("{REGIONS_CACHE_KEY}\u{0}{model_id}")
}

impl Snapshot {
    /// The interest cluster corpus article `i` is close to, if any: its closest cluster when
    /// it is at least that cluster's [`Snapshot::close_threshold`] similar to the centre (a
    /// liked article always is). An article far from every cluster gets none, rather than
    /// the label of whichever happens to be least far.
    pub(super) fn close_cluster(&self, i: usize) -> Option<usize> {
        let (c, similarity) = self.closest.get(i).copied().flatten()?;
        let liked = self.ratings.get(&self.corpus.articles[i].id) == Some(&Rating::Like);
        let close = self
            .close_threshold
            .get(c)
            .is_some_and(|&threshold| similarity >= threshold);
        (liked || close).then_some(c)
    }

    pub(super) fn liked_titles(&self) -> Vec<(&str, &[f32])> {
        self.liked
            .iter()
            .zip(self.model.liked())
            .map(|(&i, v)| (self.corpus.articles[i].title(), v.as_slice()))
            .collect()
    }
}
