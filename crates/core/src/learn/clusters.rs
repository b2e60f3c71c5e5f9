//! Interest clusters: k-means (linfa) over the liked articles, `k` chosen by silhouette, each
//! cluster labelled with c-TF-IDF keywords of its titles. Also the k-means helper the cold
//! start's cards use.

use std::collections::HashMap;

use linfa::prelude::*;
use linfa_clustering::KMeans;
use ndarray::Array2;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::{Deserialize, Serialize};

use super::linalg::{dot, mean_direction};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InterestCluster {
    pub id: usize,
    /// Keywords joined for display.
    pub label: String,
    pub keywords: Vec<String>,
    /// Unit-length mean of the member articles.
    #[serde(skip)]
    pub centroid: Vec<f32>,
    /// Indices into the liked articles the clusters were built from.
    #[serde(skip)]
    pub members: Vec<usize>,
}

const MAX_CLUSTERS: usize = 8;
/// Below this mean silhouette the liked articles have no real cluster structure: one
/// cluster describes them more honestly than several arbitrary ones.
const MIN_SILHOUETTE: f32 = 0.04;
const KEYWORDS_PER_CLUSTER: usize = 3;
/// Liked articles k-means and the silhouette (n² dot products) look at, at most.
const CLUSTER_SAMPLE: usize = 300;

/// k-means with a seeded RNG. Returns unit-length centroids and each vector's cluster.
pub fn kmeans(vectors: &[&[f32]], k: usize, seed: u64) -> (Vec<Vec<f32>>, Vec<usize>) {
    kmeans_with_runs(vectors, k, 3, seed)
}

/// [`kmeans`] keeping the best of `runs` k-means++ starts.
pub fn kmeans_with_runs(
    vectors: &[&[f32]],
    k: usize,
    runs: usize,
    seed: u64,
) -> (Vec<Vec<f32>>, Vec<usize>) {
    let n = vectors.len();
    if n == 0 || k == 0 {
        return (Vec::new(), vec![0; n]);
    }
    let k = k.min(n);
    let dim = vectors[0].len();
    if k == 1 {
        return (
            vec![mean_direction(vectors.iter().copied(), dim)],
            vec![0; n],
        );
    }
    let flat: Vec<f32> = vectors.iter().flat_map(|v| v.iter().copied()).collect();
    let data = Array2::from_shape_vec((n, dim), flat).expect("rows of equal length");
    let dataset = DatasetBase::from(data);
    let fitted = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
        .n_runs(runs.max(1))
        .max_n_iterations(60)
        .tolerance(1e-3)
        .fit(&dataset);
    let Ok(model) = fitted else {
        // Degenerate input (e.g. all vectors equal): one cluster is the truthful answer.
        return (
            vec![mean_direction(vectors.iter().copied(), dim)],
            vec![0; n],
        );
    };
    let assignment: Vec<usize> = model.predict(&dataset).to_vec();
    let centroids = centroids_of(vectors, &assignment, k, dim);
    (centroids, assignment)
}

/// The unit-length mean direction of each of the `k` groups in `assignment`.
fn centroids_of(vectors: &[&[f32]], assignment: &[usize], k: usize, dim: usize) -> Vec<Vec<f32>> {
    (0..k)
        .map(|c| {
            mean_direction(
                vectors
                    .iter()
                    .zip(assignment)
                    .filter(|(_, &a)| a == c)
                    .map(|(v, _)| *v),
                dim,
            )
        })
        .collect()
}

/// Mean silhouette with cosine distance; O(n²), fine for the liked articles.
fn silhouette(vectors: &[&[f32]], assignment: &[usize], k: usize) -> f32 {
    let n = vectors.len();
    let mut total = 0.0;
    for i in 0..n {
        let mut sums = vec![0.0f32; k];
        let mut counts = vec![0usize; k];
        for j in 0..n {
            if i != j {
                sums[assignment[j]] += 1.0 - dot(vectors[i], vectors[j]);
                counts[assignment[j]] += 1;
            }
        }
        let own = assignment[i];
        if counts[own] == 0 {
            continue; // a singleton's silhouette is 0 by convention
        }
        let a = sums[own] / counts[own] as f32;
        let b = (0..k)
            .filter(|&c| c != own && counts[c] > 0)
            .map(|c| sums[c] / counts[c] as f32)
            .fold(f32::INFINITY, f32::min);
        if b.is_finite() {
            total += (b - a) / a.max(b).max(1e-6);
        }
    }
    total / n as f32
}

/// Clusters the liked articles. `texts[i]` (title and lead words) belongs to `vectors[i]`;
/// the keywords are c-TF-IDF over them.
pub fn interest_clusters(vectors: &[&[f32]], texts: &[&str], seed: u64) -> Vec<InterestCluster> {
    let stats = WordStats::from_texts(texts.iter().copied());
    interest_clusters_against(vectors, texts, &stats, seed)
}

/// [`interest_clusters`] with keyword rarity measured on `stats` (the whole corpus).
pub fn interest_clusters_against(
    vectors: &[&[f32]],
    texts: &[&str],
    stats: &WordStats,
    seed: u64,
) -> Vec<InterestCluster> {
    assert_eq!(vectors.len(), texts.len());
    let n = vectors.len();
    if n == 0 {
        return Vec::new();
    }
    // k is chosen on an even sample (k-means and silhouette on every liked article would make
    // each new like cost more); then every liked article joins its nearest centroid.
    let stride = n.div_ceil(CLUSTER_SAMPLE);
    let sample: Vec<&[f32]> = vectors.iter().step_by(stride).copied().collect();
    let mut best = kmeans(&sample, 1, seed);
    if sample.len() >= 4 {
        let mut best_score = MIN_SILHOUETTE;
        for k in 2..=MAX_CLUSTERS.min(sample.len() / 2) {
            // One start per k: the silhouette sweep already compares several solutions,
            // and this runs at every new like.
            let candidate = kmeans_with_runs(&sample, k, 1, seed);
            let used = candidate.0.len();
            let score = silhouette(&sample, &candidate.1, used);
            if score > best_score {
                best_score = score;
                best = candidate;
            }
        }
    }
    let (centroids, _) = best;
    let assignment: Vec<usize> = vectors
        .iter()
        .map(|v| {
            (0..centroids.len())
                .max_by(|&a, &b| dot(v, &centroids[a]).total_cmp(&dot(v, &centroids[b])))
                .unwrap_or(0)
        })
        .collect();
    let dim = vectors[0].len();
    let centroids = centroids_of(vectors, &assignment, centroids.len(), dim);
    let docs: Vec<Vec<&str>> = (0..centroids.len())
        .map(|c| {
            texts
                .iter()
                .zip(&assignment)
                .filter(|(_, &a)| a == c)
                .map(|(t, _)| *t)
                .collect()
        })
        .collect();
    let keywords = ctfidf_keywords_against(&docs, KEYWORDS_PER_CLUSTER, stats);
    centroids
        .into_iter()
        .zip(keywords)
        .enumerate()
        .filter(|(c, _)| assignment.contains(c))
        .map(|(c, (centroid, keywords))| InterestCluster {
            id: c,
            label: if keywords.is_empty() {
                format!("cluster {}", c + 1)
            } else {
                keywords.join(" · ")
            },
            keywords,
            centroid,
            members: (0..n).filter(|&i| assignment[i] == c).collect(),
        })
        .enumerate()
        .map(|(new_id, cluster)| InterestCluster {
            id: new_id,
            ..cluster
        })
        .collect()
}

/// The cluster whose centroid is most similar to `x`, with that similarity.
pub fn closest_cluster(clusters: &[InterestCluster], x: &[f32]) -> Option<(usize, f32)> {
    clusters
        .iter()
        .map(|c| (c.id, dot(&c.centroid, x)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// At most about this share of the corpus counts as close to an interest cluster (liked
/// articles always do): what you like stands out within what you read.
pub const CLOSE_SHARE: f32 = 0.15;
/// Never close below this cosine similarity to a cluster's centre, however few articles
/// are near one (all-MiniLM-L6-v2: related texts score ~0.3–0.6, unrelated ones ~0–0.15).
pub const CLOSE_MIN_SIMILARITY: f32 = 0.25;

/// Per cluster, how similar to its centre an article must be to count as close to it: as
/// similar as the least typical quarter of the cluster's own liked articles, or as the
/// [`CLOSE_SHARE`] most similar of the other articles (to any centre) and at least
/// [`CLOSE_MIN_SIMILARITY`]. The members alone would make almost nothing close but
/// themselves (a centre is much closer to its members than to anything else); the corpus
/// quantile keeps the close share readable whatever the store's size.
/// `liked[m]` is the vector of liked article `m` (what [`InterestCluster::members`] index);
/// `closest_similarities` holds every article's similarity to its closest centre, liked ones
/// left out (however many you liked, a share of the rest still counts as close).
pub fn close_thresholds(
    clusters: &[InterestCluster],
    liked: &[&[f32]],
    closest_similarities: impl IntoIterator<Item = f32>,
) -> Vec<f32> {
    let mut similarities: Vec<f32> = closest_similarities.into_iter().collect();
    similarities.sort_by(f32::total_cmp);
    let corpus_cut = quantile(&similarities, 1.0 - CLOSE_SHARE).max(CLOSE_MIN_SIMILARITY);
    clusters
        .iter()
        .map(|c| {
            let mut sims: Vec<f32> = c
                .members
                .iter()
                .filter_map(|&m| liked.get(m))
                .map(|v| dot(&c.centroid, v))
                .collect();
            sims.sort_by(f32::total_cmp);
            let typical_member = sims.get(sims.len() / 4).copied().unwrap_or(f32::INFINITY);
            typical_member.min(corpus_cut)
        })
        .collect()
}

/// The `q` quantile (0–1) of sorted `values` (nearest rank); infinity when empty, so an
/// empty corpus makes nothing close.
fn quantile(sorted: &[f32], q: f32) -> f32 {
    if sorted.is_empty() {
        return f32::INFINITY;
    }
    let rank = ((sorted.len() - 1) as f32 * q.clamp(0.0, 1.0)).round() as usize;
    sorted[rank]
}

/// Class-based TF-IDF (BERTopic's c-TF-IDF): each cluster's titles form one document;
/// a word scores `tf(word, cluster) · ln(1 + A / f(word))`, with `A` the mean number of words
/// per cluster and `f` the word's frequency over all clusters — frequent in this cluster,
/// rare overall.
pub fn ctfidf_keywords(docs: &[Vec<&str>], top: usize) -> Vec<Vec<String>> {
    let stats = WordStats::from_texts(docs.iter().flatten().copied());
    ctfidf_keywords_against(docs, top, &stats)
}

/// In how many articles of a corpus each word occurs: the "how common is this word"
/// half of the keyword score. Built once per corpus, not at every answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WordStats {
    articles: usize,
    article_frequency: HashMap<String, u32>,
}

impl WordStats {
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut stats = Self::default();
        for text in texts {
            stats.articles += 1;
            let unique: std::collections::HashSet<String> = tokens(text).collect();
            for word in unique {
                *stats.article_frequency.entry(word).or_insert(0) += 1;
            }
        }
        stats
    }

    fn idf(&self, word: &str) -> f32 {
        let df = self.article_frequency.get(word).copied().unwrap_or(0);
        (1.0 + self.articles as f32 / (1.0 + df as f32)).ln()
    }
}

/// [`ctfidf_keywords`] with word rarity taken from `stats` (all stored articles), so words
/// common everywhere ("system", "end") lose to the words that set a cluster apart.
pub fn ctfidf_keywords_against(
    docs: &[Vec<&str>],
    top: usize,
    stats: &WordStats,
) -> Vec<Vec<String>> {
    docs.iter()
        .map(|texts| {
            // Mainly in how many of the cluster's articles a word occurs (a label should
            // name what they share); repetitions within one article count a quarter.
            let mut weight: HashMap<String, (u32, u32)> = HashMap::new();
            for text in texts {
                let mut seen = std::collections::HashSet::new();
                for word in tokens(text) {
                    let entry = weight.entry(word.clone()).or_insert((0, 0));
                    entry.1 += 1;
                    if seen.insert(word) {
                        entry.0 += 1;
                    }
                }
            }
            // In a cluster of several articles, a word only one of them uses is a poor label.
            let lone_word_weight = if texts.len() >= 3 { 0.5 } else { 1.0 };
            let mut scored: Vec<(&String, f32)> = weight
                .iter()
                .map(|(w, &(articles, occurrences))| {
                    let tf = articles as f32 + 0.25 * (occurrences - articles) as f32;
                    let lone = if articles > 1 { 1.0 } else { lone_word_weight };
                    (w, tf * stats.idf(w) * lone)
                })
                .collect();
            // Ties broken by the word itself, so labels are deterministic.
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            scored
                .into_iter()
                .take(top)
                .map(|(w, _)| w.clone())
                .collect()
        })
        .collect()
}

fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| w.len() > 2 && !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
}

const STOPWORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "that",
    "this",
    "from",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "not",
    "but",
    "you",
    "your",
    "our",
    "its",
    "it's",
    "into",
    "over",
    "after",
    "about",
    "how",
    "why",
    "what",
    "who",
    "when",
    "new",
    "says",
    "say",
    "will",
    "can",
    "more",
    "than",
    "out",
    "its",
    "they",
    "their",
    "his",
    "her",
    "one",
    "two",
    "all",
    "now",
    "get",
    "use",
    "using",
    "via",
    "amp",
    "quot",
    "reuters",
    "afp",
    // Common words of longer texts (leads, encyclopedic summaries) that name no topic.
    "also",
    "among",
    "around",
    "which",
    "such",
    "other",
    "been",
    "being",
    "there",
    "these",
    "those",
    "them",
    "then",
    "may",
    "most",
    "many",
    "some",
    "used",
    "known",
    "first",
    "between",
    "during",
    "both",
    "each",
    "while",
    "where",
    "would",
    "could",
    "should",
    "only",
    "well",
    "very",
    "like",
    "made",
    "make",
    "including",
    "within",
    "without",
    "through",
    "under",
    "upon",
    "often",
    "since",
    "several",
    "different",
    "called",
    "term",
    "refers",
    "generally",
    "usually",
    "any",
    "because",
    "same",
    "per",
    "did",
    "does",
    "here",
    "just",
    "still",
    "even",
    "much",
    "people",
    "time",
    "year",
    "years",
    "world",
    "typically",
    "commonly",
    "especially",
    "various",
    "mainly",
    "whose",
    "another",
    "however",
    "although",
    "thus",
    "therefore",
    "largely",
    "mostly",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::{Embedder, HashingEmbedder};

    #[test]
    fn two_topics_make_two_labelled_clusters() {
        let titles = [
            "rust compiler release",
            "rust compiler performance",
            "rust compiler errors",
            "landscape photography light",
            "landscape photography lenses",
            "landscape photography tips",
        ];
        let vectors = HashingEmbedder::default().embed(&titles).unwrap();
        let refs: Vec<&[f32]> = vectors.iter().map(Vec::as_slice).collect();
        let clusters = interest_clusters(&refs, &titles, 7);
        assert_eq!(clusters.len(), 2, "{clusters:?}");
        let labels: Vec<&str> = clusters.iter().map(|c| c.label.as_str()).collect();
        assert!(
            labels
                .iter()
                .any(|l| l.contains("rust") && l.contains("compiler")),
            "{labels:?}"
        );
        assert!(
            labels.iter().any(|l| l.contains("photography")),
            "{labels:?}"
        );
        for c in &clusters {
            assert_eq!(c.members.len(), 3);
        }
        let probe = &HashingEmbedder::default()
            .embed(&["photography of a landscape"])
            .unwrap()[0];
        let (closest, sim) = closest_cluster(&clusters, probe).unwrap();
        assert!(clusters[closest].label.contains("photography"));
        assert!(sim > 0.3);
    }

    #[test]
    fn few_likes_make_one_cluster() {
        let titles = ["one thing", "another thing"];
        let vectors = HashingEmbedder::default().embed(&titles).unwrap();
        let refs: Vec<&[f32]> = vectors.iter().map(Vec::as_slice).collect();
        let clusters = interest_clusters(&refs, &titles, 1);
        assert_eq!(clusters.len(), 1);
        assert_eq!(clusters[0].keywords[0], "thing");
    }

    #[test]
    fn ctfidf_prefers_words_distinctive_of_a_cluster() {
        let docs = vec![
            vec!["market stocks rally", "stocks fall market"],
            vec!["market football final", "football cup"],
        ];
        let kw = ctfidf_keywords(&docs, 1);
        assert_eq!(kw[0], vec!["stocks".to_string()]);
        assert_eq!(kw[1], vec!["football".to_string()]);
    }

    #[test]
    fn words_common_across_the_corpus_lose_to_distinctive_ones() {
        // "system" is in all three liked articles but also in most of the corpus;
        // "orbit" is in two liked articles and rare elsewhere.
        let liked = vec![
            "Binary star system orbit",
            "Planetary system orbit",
            "Solar system",
        ];
        let mut corpus: Vec<&str> = liked.clone();
        corpus.extend([
            "Immune system",
            "Legal system",
            "Operating system",
            "Nervous system",
            "Party system",
        ]);
        let stats = WordStats::from_texts(corpus.iter().copied());
        let kw = ctfidf_keywords_against(&[liked], 1, &stats);
        assert_eq!(kw[0], vec!["orbit".to_string()]);
    }
}
