//! Which search serves a reader better: words (the full-text index), meaning (embeddings)
//! or both blended? Measured on a labelled corpus with queries that name a category —
//! short keywords as people type them, and descriptions of what they want — where an
//! article is relevant when it belongs to the query's category.

use std::path::Path;

use serde::Serialize;

use crate::domain::ArticleId;
use crate::embed::Embedder;
use crate::error::Result;
use crate::search::{fingerprint, reciprocal_rank_fusion, IndexedArticle, SearchIndex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    /// One or two words, as typed into a search box.
    Keywords,
    /// A phrase describing what the reader is after.
    Description,
}

#[derive(Debug, Clone, Copy)]
pub struct LabelledQuery {
    pub text: &'static str,
    /// The category whose articles are relevant (0-based, the corpus's order).
    pub class: usize,
    pub kind: QueryKind,
}

const fn q(text: &'static str, class: usize, kind: QueryKind) -> LabelledQuery {
    LabelledQuery { text, class, kind }
}

/// AG News: 0 World, 1 Sports, 2 Business, 3 Sci/Tech. Four of each kind per category,
/// written before looking at any result.
pub const AG_NEWS_QUERIES: &[LabelledQuery] = &[
    q("iraq", 0, QueryKind::Keywords),
    q("election", 0, QueryKind::Keywords),
    q("palestinian", 0, QueryKind::Keywords),
    q("troops", 0, QueryKind::Keywords),
    q("olympics", 1, QueryKind::Keywords),
    q("touchdown", 1, QueryKind::Keywords),
    q("coach", 1, QueryKind::Keywords),
    q("championship", 1, QueryKind::Keywords),
    q("oil prices", 2, QueryKind::Keywords),
    q("profit", 2, QueryKind::Keywords),
    q("stocks", 2, QueryKind::Keywords),
    q("merger", 2, QueryKind::Keywords),
    q("software", 3, QueryKind::Keywords),
    q("nasa", 3, QueryKind::Keywords),
    q("microsoft", 3, QueryKind::Keywords),
    q("internet", 3, QueryKind::Keywords),
    q(
        "wars and conflicts between countries",
        0,
        QueryKind::Description,
    ),
    q(
        "governments and international diplomacy",
        0,
        QueryKind::Description,
    ),
    q(
        "elections and political leaders around the world",
        0,
        QueryKind::Description,
    ),
    q(
        "violence and attacks in the middle east",
        0,
        QueryKind::Description,
    ),
    q(
        "teams winning games and championships",
        1,
        QueryKind::Description,
    ),
    q("athletes at the olympic games", 1, QueryKind::Description),
    q("football and baseball results", 1, QueryKind::Description),
    q(
        "players and coaches in professional leagues",
        1,
        QueryKind::Description,
    ),
    q(
        "companies reporting earnings and profits",
        2,
        QueryKind::Description,
    ),
    q(
        "the economy, inflation and interest rates",
        2,
        QueryKind::Description,
    ),
    q("stock market and investors", 2, QueryKind::Description),
    q(
        "corporate mergers and acquisitions",
        2,
        QueryKind::Description,
    ),
    q(
        "new computer software and technology products",
        3,
        QueryKind::Description,
    ),
    q(
        "space exploration and scientific discoveries",
        3,
        QueryKind::Description,
    ),
    q(
        "internet companies and online services",
        3,
        QueryKind::Description,
    ),
    q("mobile phones and gadgets", 3, QueryKind::Description),
];

/// How deep each ranking is read before blending.
const POOL: usize = 100;

#[derive(Debug, Clone, Serialize)]
pub struct SearchEvalRow {
    /// "words", "meaning" or "blend".
    pub mode: &'static str,
    pub kind: QueryKind,
    pub queries: usize,
    /// Relevant articles among the first 10 results (a missing result counts as irrelevant).
    pub precision_at_10: f64,
    pub precision_at_30: f64,
    /// Mean reciprocal rank of the first relevant result.
    pub mrr: f64,
    /// Queries that returned fewer than 10 results.
    pub short_lists: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchEvalReport {
    pub articles: usize,
    pub rows: Vec<SearchEvalRow>,
}

/// Indexes `texts` (first line up to ". " as the title) in a fresh index under `scratch`,
/// runs every query three ways, and scores the rankings against `labels`.
pub fn evaluate_search(
    texts: &[String],
    labels: &[usize],
    vectors: &[Vec<f32>],
    embedder: &dyn Embedder,
    queries: &[LabelledQuery],
    scratch: &Path,
) -> Result<SearchEvalReport> {
    let (index, _) = SearchIndex::open_or_create(scratch)?;
    let titles: Vec<&str> = texts
        .iter()
        .map(|t| t.split_once(". ").map_or(t.as_str(), |(title, _)| title))
        .collect();
    let articles: Vec<IndexedArticle<'_>> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| IndexedArticle {
            id: ArticleId(i as u64),
            title: titles[i],
            author: None,
            text,
            fingerprint: fingerprint(text, None),
        })
        .collect();
    for batch in articles.chunks(1000) {
        index.apply(batch, &[])?;
    }
    let query_texts: Vec<&str> = queries.iter().map(|q| q.text).collect();
    let query_vectors = embedder.embed(&query_texts)?;

    let mut per_run: Vec<(&'static str, QueryKind, Vec<ArticleId>, usize)> = Vec::new();
    for (query, qv) in queries.iter().zip(&query_vectors) {
        let words: Vec<ArticleId> = index
            .search(query.text, POOL)?
            .iter()
            .map(|h| h.id)
            .collect();
        let meaning = nearest(qv, vectors, POOL);
        let blend: Vec<ArticleId> = reciprocal_rank_fusion(&words, &meaning)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        per_run.push(("words", query.kind, words, query.class));
        per_run.push(("meaning", query.kind, meaning, query.class));
        per_run.push(("blend", query.kind, blend, query.class));
    }

    let mut rows = Vec::new();
    for kind in [QueryKind::Keywords, QueryKind::Description] {
        for mode in ["words", "meaning", "blend"] {
            let runs: Vec<_> = per_run
                .iter()
                .filter(|(m, k, _, _)| *m == mode && *k == kind)
                .collect();
            let n = runs.len().max(1) as f64;
            let relevant = |ids: &[ArticleId], class: usize| -> Vec<bool> {
                ids.iter()
                    .map(|id| labels[id.0 as usize] == class)
                    .collect()
            };
            let precision = |k: usize| {
                runs.iter()
                    .map(|(_, _, ids, class)| {
                        let hits = relevant(ids, *class).iter().take(k).filter(|&&r| r).count();
                        hits as f64 / k as f64
                    })
                    .sum::<f64>()
                    / n
            };
            let mrr = runs
                .iter()
                .map(|(_, _, ids, class)| {
                    relevant(ids, *class)
                        .iter()
                        .position(|&r| r)
                        .map_or(0.0, |p| 1.0 / (p + 1) as f64)
                })
                .sum::<f64>()
                / n;
            rows.push(SearchEvalRow {
                mode,
                kind,
                queries: runs.len(),
                precision_at_10: precision(10),
                precision_at_30: precision(30),
                mrr,
                short_lists: runs.iter().filter(|(_, _, ids, _)| ids.len() < 10).count(),
            });
        }
    }
    Ok(SearchEvalReport {
        articles: texts.len(),
        rows,
    })
}

fn nearest(query: &[f32], vectors: &[Vec<f32>], limit: usize) -> Vec<ArticleId> {
    let mut scored: Vec<(usize, f32)> = vectors
        .iter()
        .enumerate()
        .map(|(i, v)| (i, v.iter().zip(query).map(|(a, b)| a * b).sum()))
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
        .into_iter()
        .take(limit)
        .map(|(i, _)| ArticleId(i as u64))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::HashingEmbedder;

    #[test]
    fn scores_rankings_against_the_labels() {
        let texts: Vec<String> = [
            "Rockets win. The rockets won the basketball game.",
            "Bank merger. Two banks agree to merge.",
            "Rockets launch. A space rocket launched a satellite.",
            "Court ruling. The court ruled on the case.",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let labels = vec![1, 2, 3, 0];
        let embedder = HashingEmbedder::default();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = embedder.embed(&refs).unwrap();
        let queries = [q("basketball game", 1, QueryKind::Keywords)];
        let dir = tempfile::tempdir().unwrap();
        let report =
            evaluate_search(&texts, &labels, &vectors, &embedder, &queries, dir.path()).unwrap();
        let words = report.rows.iter().find(|r| r.mode == "words").unwrap();
        assert_eq!(words.queries, 1);
        assert_eq!(words.mrr, 1.0, "the one basketball article first");
        assert!(
            (words.precision_at_10 - 0.1).abs() < 1e-9,
            "one relevant hit in 10 slots"
        );
        assert_eq!(words.short_lists, 1);
        assert_eq!(report.rows.len(), 6);
    }
}
