//! `sift eval` and `sift bench`: printing around sift-core's evaluation and timing.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use sift_core::embed::{normalize, Embedder};
use sift_core::eval::{
    embed_with_cache, evaluate, evaluate_map, load_ag_news, EvalConfig, EvalReport, MapEvalReport,
};
use std::sync::Arc;

use sift_core::learn::{CorpusContext, PreferenceModel, Regularisation};

const SAMPLE_SEED: u64 = 2024;

/// The labelled corpus of `sift eval`, `eval-map` and `eval-search`: the same class-balanced
/// sample (one seed for all three, so they share the embedding cache) and its vectors, embedded
/// once and then read from the cache.
pub struct EmbeddedSample {
    pub texts: Vec<String>,
    pub labels: Vec<usize>,
    pub vectors: Vec<Vec<f32>>,
}

pub fn embedded_sample(
    corpus: &Path,
    sample: usize,
    embedder: &dyn Embedder,
    quiet: bool,
) -> Result<EmbeddedSample, Box<dyn std::error::Error>> {
    let (texts, labels) = load_ag_news(corpus, sample, SAMPLE_SEED)?;
    let cache = sift_core::paths::default_cache_dir()
        .unwrap_or_else(|| std::env::temp_dir().join("sift-cache"))
        .join("eval");
    let started = Instant::now();
    let mut vectors = embed_with_cache(&texts, embedder, &cache, |done, total| {
        if !quiet {
            eprint!("\rembedding {done}/{total}");
        }
    })?;
    // The learner holds vectors in 16 bits (learn/half.rs): evaluate the numbers it scores.
    for v in &mut vectors {
        v.iter_mut()
            .for_each(|x| *x = sift_core::learn::half::round_trip(*x));
    }
    if !quiet {
        eprintln!(
            "\rembedded {} texts in {:.1}s",
            texts.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(EmbeddedSample {
        texts,
        labels,
        vectors,
    })
}

pub fn run(
    corpus: &Path,
    sample: usize,
    config: EvalConfig,
    embedder: &dyn Embedder,
    quiet: bool,
) -> Result<EvalReport, Box<dyn std::error::Error>> {
    let EmbeddedSample {
        labels, vectors, ..
    } = embedded_sample(corpus, sample, embedder, quiet)?;
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    Ok(evaluate(&vectors, &labels, classes, &config, |msg| {
        if !quiet {
            eprint!("\r{msg:<60}");
        }
    }))
}

/// `sift eval-map`: the corpus's articles (embedded once, then cached) laid out by PCA and
/// by Sift's map, and how many of each article's neighbours each keeps.
pub fn run_map(
    corpus: &Path,
    sample: usize,
    k: usize,
    embedder: &dyn Embedder,
    quiet: bool,
) -> Result<MapEvalReport, Box<dyn std::error::Error>> {
    let vectors = embedded_sample(corpus, sample, embedder, quiet)?.vectors;
    if !quiet {
        eprintln!("laying out {} articles", vectors.len());
    }
    Ok(evaluate_map(&vectors, k, 0.1, SAMPLE_SEED))
}

pub fn format_map_report(r: &MapEvalReport) -> String {
    format!(
        "{} articles; share of each article's {} nearest neighbours (cosine, embedding space) kept among its {} nearest on the map:\n\
         | map | kept | time |\n|---|---|---|\n\
         | PCA | {:.3} | {:.2} s |\n\
         | Sift's layout | {:.3} ({:.1}× PCA) | {:.2} s (neighbour search recall {:.3}) |\n\
         | laid out without {} articles, then those placed | {:.3} (placed ones: {:.3}) | placing {:.2} s |",
        r.articles,
        r.k,
        r.k,
        r.pca,
        r.pca_seconds,
        r.layout,
        r.ratio,
        r.layout_seconds,
        r.neighbour_recall,
        r.placed,
        r.with_placed,
        r.placed_only,
        r.place_seconds
    )
}

/// Markdown tables, one per taste size, methods as rows and budgets as columns.
pub fn format_report(report: &EvalReport) -> String {
    let mut out = format!(
        "{} articles, {} categories. First five cold-start cards cover {:.2} categories on average (min {}).\n",
        report.articles, report.classes, report.cold_start_categories_mean, report.cold_start_categories_min
    );
    let mut by_size: BTreeMap<usize, BTreeMap<&str, Vec<&sift_core::eval::EvalRow>>> =
        BTreeMap::new();
    for row in &report.rows {
        by_size
            .entry(row.liked_categories)
            .or_default()
            .entry(row.method_name)
            .or_default()
            .push(row);
    }
    for (size, methods) in by_size {
        let budgets: Vec<usize> = methods
            .values()
            .next()
            .map(|r| r.iter().map(|x| x.answers).collect())
            .unwrap_or_default();
        out.push_str(&format!(
            "\nReader likes {size} categor{} — AUC / precision@20 / Brier after N answers\n\n| method |",
            if size == 1 { "y" } else { "ies" }
        ));
        for b in &budgets {
            out.push_str(&format!(" {b} |"));
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(budgets.len()));
        out.push('\n');
        for (name, rows) in methods {
            out.push_str(&format!("| {name} |"));
            for r in rows {
                let stalled = if (r.answered + 0.5) < r.answers as f64 && r.answers > 0 {
                    format!(" ({:.0} asked)", r.answered)
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    " {:.3} / {:.2} / {:.3}{stalled} |",
                    r.auc, r.precision_at_k, r.brier
                ));
            }
            out.push('\n');
        }
    }
    out
}

/// Medians of repeated timings of the learner's hot paths, in milliseconds.
pub fn bench() -> BTreeMap<String, f64> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let dim = 384;
    // Embedding-like data: a shared component (news is all "news") plus topic directions.
    let topics: Vec<Vec<f32>> = (0..8).map(|_| random_unit(&mut rng, dim)).collect();
    let sample = |n: usize, rng: &mut rand::rngs::StdRng| -> (Vec<Vec<f32>>, Vec<bool>) {
        (0..n)
            .map(|_| {
                let t = rng.gen_range(0..topics.len());
                let noise = random_unit(rng, dim);
                let mut v: Vec<f32> = topics[t]
                    .iter()
                    .zip(&noise)
                    .map(|(a, b)| a + 0.8 * b)
                    .collect();
                normalize(&mut v);
                (v, t < 2)
            })
            .unzip()
    };
    let (rated, labels) = sample(1000, &mut rng);
    let (liked, disliked): (Vec<_>, Vec<_>) = rated.into_iter().zip(labels).partition(|(_, l)| *l);
    let liked: Vec<Vec<f32>> = liked.into_iter().map(|(v, _)| v).collect();
    let disliked: Vec<Vec<f32>> = disliked.into_iter().map(|(v, _)| v).collect();
    let mut results = BTreeMap::new();

    let time = |f: &mut dyn FnMut()| {
        let mut runs: Vec<f64> = (0..5)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        runs.sort_by(f64::total_cmp);
        runs[runs.len() / 2]
    };
    let (articles, _) = sample(100_000, &mut rng);
    let article_refs: Vec<&[f32]> = articles.iter().map(Vec::as_slice).collect();
    let context = CorpusContext::from_articles(&article_refs, 7).map(Arc::new);
    let mut model = None;
    results.insert(
        "retrain with 1,000 ratings".to_string(),
        time(&mut || {
            model = Some(PreferenceModel::train_in_context(
                dim,
                liked.clone(),
                disliked.clone(),
                Regularisation::Auto,
                context.clone(),
            ));
        }),
    );
    let small_liked: Vec<Vec<f32>> = liked.iter().take(20).cloned().collect();
    let small_disliked: Vec<Vec<f32>> = disliked.iter().take(20).cloned().collect();
    results.insert(
        "retrain with 40 ratings (C chosen by cross-validation)".to_string(),
        time(&mut || {
            let _ = PreferenceModel::train_in_context(
                dim,
                small_liked.clone(),
                small_disliked.clone(),
                Regularisation::Auto,
                context.clone(),
            );
        }),
    );
    let titles: Vec<String> = (0..1000)
        .map(|i| format!("title {i} topic {}", i % 7))
        .collect();
    let title_refs: Vec<&str> = titles.iter().map(String::as_str).collect();
    let liked_refs: Vec<&[f32]> = articles[..1000].iter().map(Vec::as_slice).collect();
    results.insert(
        "interest clusters over 1,000 liked articles (k by silhouette)".to_string(),
        time(&mut || {
            let _ = sift_core::learn::clusters::interest_clusters(&liked_refs, &title_refs, 1);
        }),
    );
    let model = model.expect("trained");
    // Region features depend only on the article; the engine computes them when it loads
    // vectors, so they are not part of scoring.
    let ctx = context.expect("100,000 articles have regions");
    let regions: Vec<Vec<f32>> = articles.iter().map(|x| ctx.membership(x)).collect();
    let mut sink = 0.0f32;
    results.insert(
        "score + confidence for 100,000 embeddings".to_string(),
        time(&mut || {
            sink += articles
                .iter()
                .zip(&regions)
                .map(|(x, r)| model.score_with_regions(x, r).0)
                .sum::<f32>();
        }),
    );
    std::hint::black_box(sink);
    bench_embedding(&mut results);
    results
}

/// Article embedding throughput at two truncations (skipped when the model is missing).
fn bench_embedding(results: &mut BTreeMap<String, f64>) {
    use sift_core::embed::{locate_model_dir, OnnxEmbedder};
    let paragraph = "The city council met on Tuesday to discuss the new transport plan, which \
        would add bus lanes on the main roads, extend the tram line to the northern suburbs and \
        raise parking charges in the centre. Supporters said the plan would cut congestion and \
        pollution; shop owners worried that fewer drivers would mean fewer customers. ";
    let long_text = paragraph.repeat(6); // ~400 words: well past either truncation
    let texts: Vec<&str> = (0..64).map(|_| long_text.as_str()).collect();
    for tokens in [128, 256] {
        let Ok(embedder) = OnnxEmbedder::load(&locate_model_dir(), tokens) else {
            return;
        };
        let started = Instant::now();
        if embedder.embed(&texts).is_err() {
            return;
        }
        let ms_per_article = started.elapsed().as_secs_f64() * 1000.0 / texts.len() as f64;
        results.insert(
            format!("embed one full article, truncated at {tokens} tokens"),
            ms_per_article,
        );
    }
}

fn random_unit(rng: &mut impl Rng, dim: usize) -> Vec<f32> {
    let mut v: Vec<f32> = (0..dim).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
    normalize(&mut v);
    v
}
