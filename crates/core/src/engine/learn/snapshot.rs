//! The snapshot every view reads: the embedded corpus, the ratings, the trained model, the
//! interest clusters and every article's score. Built lazily, dropped when the corpus
//! changes, retrained (keeping the corpus) when an answer changes.

use std::collections::HashMap;
use std::sync::Arc;

use super::SEED;
use crate::domain::{ArticleId, FeedId, Rating};
use crate::engine::Engine;
use crate::error::Result;
use crate::learn::clusters::{interest_clusters_against, WordStats};
use crate::learn::{CorpusContext, InterestCluster, PreferenceModel, Regularisation};

/// The embedded articles and everything derived from them and the ratings.
pub(super) struct Snapshot {
    pub(super) corpus: Arc<Corpus>,
    pub(super) ratings: HashMap<ArticleId, Rating>,
    pub(super) model: PreferenceModel,
    pub(super) clusters: Vec<InterestCluster>,
    /// Indices into the corpus of the liked articles, in the model's order.
    pub(super) liked: Vec<usize>,
    /// (score, confidence) per corpus article.
    pub(super) scores: Vec<(f32, f32)>,
}

pub(super) struct Corpus {
    pub(super) articles: Vec<ArticleMeta>,
    pub(super) vectors: Vec<Vec<f32>>,
    pub(super) index: HashMap<ArticleId, usize>,
    /// The corpus's regions and each article's region features: they depend only on the
    /// articles, so they are computed when vectors are loaded, not at every answer.
    pub(super) context: Option<Arc<CorpusContext>>,
    pub(super) region_features: Vec<Vec<f32>>,
    /// How common each word is across the stored articles, for cluster keywords.
    pub(super) word_stats: WordStats,
}

pub(super) struct ArticleMeta {
    pub(super) id: ArticleId,
    pub(super) feed_id: FeedId,
    pub(super) title: String,
    pub(super) link: Option<String>,
    /// The title and the first words of the text: what cluster keywords are drawn from
    /// (titles alone are too short to label a cluster, e.g. encyclopedia or podcast titles).
    pub(super) lead: String,
}

impl Engine {
    pub(crate) fn invalidate(&self) {
        *self.learn.snapshot.write().expect("lock") = None;
    }

    pub(super) fn snapshot(&self) -> Result<Arc<Snapshot>> {
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

    /// Recomputes the corpus regions now and retrains on them.
    pub fn refresh_corpus_regions(&self) -> Result<()> {
        self.invalidate();
        self.snapshot().map(drop)
    }

    pub(super) fn load_corpus(&self) -> Result<Corpus> {
        let model_id = self.model_id();
        let mut corpus = Corpus {
            articles: Vec::new(),
            vectors: Vec::new(),
            index: HashMap::new(),
            context: None,
            region_features: Vec::new(),
            word_stats: WordStats::default(),
        };
        for a in self.store.list_article_meta()? {
            if let Some(v) = self.store.get_embedding(&model_id, &a.content_hash)? {
                corpus.index.insert(a.id, corpus.articles.len());
                corpus.articles.push(ArticleMeta {
                    lead: a.lead,
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

impl Snapshot {
    pub(super) fn liked_titles(&self) -> Vec<(&str, &[f32])> {
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
