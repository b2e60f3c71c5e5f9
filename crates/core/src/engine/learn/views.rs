//! What the views read from the learner: recommendations, cards, predictions, scores,
//! interest clusters (the map is in `map_view`).

use std::collections::HashMap;

use serde::Serialize;

use super::SEED;
use crate::domain::{ArticleId, FeedId, Rating};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::learn::cards::choose_cards;
use crate::learn::matrix::{Picked, RowSource};
use crate::learn::{explain, predict, Prediction};

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ArticleScore {
    pub score: f32,
    pub confidence: f32,
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
    /// The label of the interest cluster the article is close to (none when far from all).
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
    /// The best unrated articles close to this cluster (at most [`TOP_PER_CLUSTER`]), best
    /// first: what the Clusters view lists under each cluster, so it need not ask for the
    /// whole ranking to pick them out.
    pub top: Vec<Recommendation>,
}

/// Articles [`Engine::clusters`] lists under each cluster.
pub const TOP_PER_CLUSTER: usize = 3;

/// Which articles have a vector for their current text: exactly the snapshot's corpus, so
/// asking it is a hash lookup instead of reading each article's vector from the store
/// (100,000 reads for one unread count at 100,000 articles).
pub(crate) struct EmbeddedArticles(std::sync::Arc<super::snapshot::Snapshot>);

impl EmbeddedArticles {
    /// Every embedded article's id and feed, by id: for a pass over many ids, which merges
    /// with it instead of a hash lookup per id (at 100,000 articles those lookups, mostly
    /// cache misses, took ~40 ms of one unread count).
    pub(crate) fn feeds_by_id(&self) -> Vec<(ArticleId, FeedId)> {
        let mut feeds: Vec<(ArticleId, FeedId)> = self
            .0
            .corpus
            .articles
            .iter()
            .map(|a| (a.id, a.feed_id))
            .collect();
        // Rows are in id order but for those that joined since the load: nearly sorted.
        feeds.sort_unstable_by_key(|&(id, _)| id);
        feeds
    }
}

impl Engine {
    /// Unrated (skipped included: skip is not a dislike) embedded articles, best first.
    pub fn recommend(&self, limit: Option<usize>) -> Result<Vec<Recommendation>> {
        let ranking = self.ranking(limit)?;
        Ok((0..ranking.len()).map(|k| ranking.describe(k)).collect())
    }

    /// See [`EmbeddedArticles`]; builds the snapshot if it is not built yet.
    pub(crate) fn embedded_articles(&self) -> Result<EmbeddedArticles> {
        Ok(EmbeddedArticles(self.snapshot()?))
    }

    /// The order of [`Engine::recommend`] without describing each article: a reason costs a
    /// pass over the liked articles, so callers that filter or page (For you) describe only
    /// what they keep.
    pub(crate) fn ranking(&self, limit: Option<usize>) -> Result<Ranking> {
        let snap = self.snapshot()?;
        let mut order: Vec<usize> = (0..snap.corpus.articles.len())
            .filter(|&i| {
                !matches!(
                    snap.ratings.get(&snap.corpus.articles[i].id),
                    Some(Rating::Like | Rating::Dislike)
                )
            })
            .collect();
        // Ties go to the older article id, not the row: rows are in loading order, which
        // differs between a fresh load and vectors that joined later.
        let articles = &snap.corpus.articles;
        let best_first = |a: &usize, b: &usize| {
            snap.scores[*b]
                .0
                .total_cmp(&snap.scores[*a].0)
                .then(articles[*a].id.cmp(&articles[*b].id))
        };
        // A page of 100,000 needs only its top ranked, not a full sort.
        if let Some(limit) = limit.filter(|&l| l < order.len()) {
            order.select_nth_unstable_by(limit, best_first);
            order.truncate(limit);
        }
        order.sort_by(best_first);
        Ok(Ranking { snap, order })
    }

    /// Unrated, unskipped articles worth asking about, most useful first.
    pub fn cards(&self, limit: Option<usize>) -> Result<Vec<Card>> {
        let snap = self.snapshot()?;
        let candidates: Vec<usize> = (0..snap.corpus.articles.len())
            .filter(|&i| !snap.ratings.contains_key(&snap.corpus.articles[i].id))
            .collect();
        let vectors = Picked {
            source: &snap.corpus.vectors,
            rows: &candidates,
        };
        let scores: Vec<f32> = candidates.iter().map(|&i| snap.scores[i].0).collect();
        let limit = limit.unwrap_or(candidates.len());
        let cold = snap.model.answers() == 0;
        let regions = snap.corpus.region_info(&candidates, &snap.model);
        let picked = choose_cards(&snap.model, &vectors, &scores, regions, limit, SEED);
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
                    title: meta.title().to_string(),
                    link: meta.link().map(str::to_string),
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

    /// How many articles have a vector for their current text (the learner's corpus).
    pub fn embedded_count(&self) -> Result<usize> {
        Ok(self.snapshot()?.corpus.articles.len())
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
        let ranking = self.ranking(None)?;
        let snap = &ranking.snap;
        // The best first, each under the cluster it is close to (as For you labels it),
        // described only when kept.
        let mut top: Vec<Vec<Recommendation>> = vec![Vec::new(); snap.clusters.len()];
        let mut unfilled = snap.clusters.len();
        for k in 0..ranking.len() {
            if unfilled == 0 {
                break;
            }
            let Some(c) = snap.close_cluster(ranking.order[k]) else {
                continue;
            };
            if top[c].len() < TOP_PER_CLUSTER {
                top[c].push(ranking.describe(k));
                if top[c].len() == TOP_PER_CLUSTER {
                    unfilled -= 1;
                }
            }
        }
        let mut size = vec![0usize; snap.clusters.len()];
        let mut liked = vec![0usize; snap.clusters.len()];
        let mut disliked = vec![0usize; snap.clusters.len()];
        for (i, closest) in snap.closest.iter().enumerate() {
            if let Some((c, _)) = *closest {
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
            .zip(top)
            .map(|(c, top)| ClusterSummary {
                id: c.id,
                label: c.label.clone(),
                keywords: c.keywords.clone(),
                size: size[c.id],
                liked: liked[c.id],
                disliked: disliked[c.id],
                top,
            })
            .collect())
    }
}

/// Unrated articles best first, each described on demand (see [`Engine::ranking`]).
pub(crate) struct Ranking {
    snap: std::sync::Arc<super::snapshot::Snapshot>,
    /// Corpus rows, best first.
    order: Vec<usize>,
}

impl Ranking {
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    /// The id and model score of the `k`-th best article.
    pub(crate) fn entry(&self, k: usize) -> (ArticleId, f32) {
        let i = self.order[k];
        (self.snap.corpus.articles[i].id, self.snap.scores[i].0)
    }

    /// The feed of the `k`-th best article (what a feed rule looks at).
    pub(crate) fn feed(&self, k: usize) -> crate::domain::FeedId {
        self.snap.corpus.articles[self.order[k]].feed_id
    }

    pub(crate) fn describe(&self, k: usize) -> Recommendation {
        let snap = &self.snap;
        let i = self.order[k];
        let meta = &snap.corpus.articles[i];
        Recommendation {
            id: meta.id,
            title: meta.title().to_string(),
            link: meta.link().map(str::to_string),
            feed_id: meta.feed_id,
            score: snap.scores[i].0,
            confidence: snap.scores[i].1,
            cluster: snap
                .close_cluster(i)
                .map(|c| snap.clusters[c].label.clone()),
            reason: explain::reason(
                &snap.corpus.vectors.row_vec(i),
                &snap.liked_titles(),
                &snap.clusters,
            ),
        }
    }
}
