//! The learner's commands: each parses, calls one `Engine` (or core) function and prints.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Subcommand, ValueEnum};
use sift_core::domain::{ArticleId, Rating};
use sift_core::embed::{locate_model_dir, Embedder, OnnxEmbedder, DEFAULT_MAX_TOKENS};
use sift_core::Engine;

use crate::output::Output;

type CliResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Subcommand)]
pub enum LearnCommand {
    /// Unrated articles, best first, with why each is recommended.
    Recommend {
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Articles worth rating next (uncertain, diverse, exploring).
    Cards {
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Answer a card: like, dislike, skip (don't ask again) or clear.
    Rate { id: ArticleId, answer: Answer },
    /// Predict interest in any text (the prototype's predict_interest).
    Predict { text: String },
    /// Interest clusters of liked articles, labelled with keywords.
    Clusters,
    /// Every embedded article on a 2-D map with cluster, rating and score.
    Map {
        /// Lay the whole map out again instead of placing new articles into the kept one.
        #[arg(long)]
        recompute: bool,
        /// Print the whole view (points, interest cluster and region labels, layout info).
        #[arg(long)]
        labels: bool,
    },
    /// Replay the prototype's demo with the real model.
    Demo,
    /// Embed stored articles that have no vector yet (refresh does this too).
    Embed,
    /// Offline evaluation on a labelled corpus (AG News CSV): learning curves vs baselines.
    Eval {
        /// The corpus: header-less CSV of label (1-based), title, description.
        #[arg(long, default_value = "../shared/data/ag_news/test.csv")]
        corpus: PathBuf,
        /// Articles drawn from it (class-balanced).
        #[arg(long, default_value_t = 2000)]
        sample: usize,
        /// Repetitions with different splits and card draws.
        #[arg(long, default_value_t = 3)]
        seeds: u64,
        /// Tokens kept per text by the embedder (to measure what truncation costs).
        #[arg(long, default_value_t = DEFAULT_MAX_TOKENS)]
        max_tokens: usize,
        /// Corpus regions the model uses as context (0: a flat model only).
        #[arg(long, default_value_t = sift_core::learn::context::REGIONS)]
        regions: usize,
        #[arg(long, default_value_t = 20.0, hide = true)]
        temperature: f32,
        #[arg(long, default_value_t = 1.0, hide = true)]
        region_weight: f32,
    },
    /// How well the map keeps neighbourhoods, against PCA, on a labelled corpus (AG News CSV).
    EvalMap {
        #[arg(long, default_value = "../shared/data/ag_news/test.csv")]
        corpus: PathBuf,
        /// Articles drawn from it (class-balanced; the whole test set by default).
        #[arg(long, default_value_t = 7600)]
        sample: usize,
        /// Neighbours compared per article.
        #[arg(long, default_value_t = 10)]
        k: usize,
    },
    /// Benchmarks: with no name, time retraining and bulk scoring on synthetic embeddings.
    Bench {
        #[command(subcommand)]
        suite: Option<BenchSuite>,
    },
    /// Write the learner's state (ratings and their vectors) to a JSON file.
    ExportModel { file: PathBuf },
    /// Restore the learner's state from an export.
    ImportModel { file: PathBuf },
}

#[derive(Subcommand)]
pub enum BenchSuite {
    /// Time every reading view on the store in --data-dir (e.g. one `sift generate-store`
    /// made): cold CLI start, For you, cards, rate and rerank, articles, clusters, map.
    Views(super::bench::ViewsArgs),
    /// Time ingestion from feeds served on loopback: fetch, parse + sanitize and store on
    /// their own, the refresh as a whole, the search index, embedding (hashing embedder),
    /// and all of it as `sift refresh` runs it. Needs no data directory.
    Ingest(super::bench::IngestArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Answer {
    Like,
    Dislike,
    Skip,
    Clear,
}

impl Answer {
    fn rating(self) -> Option<Rating> {
        match self {
            Answer::Like => Some(Rating::Like),
            Answer::Dislike => Some(Rating::Dislike),
            Answer::Skip => Some(Rating::Skip),
            Answer::Clear => None,
        }
    }
}

impl LearnCommand {
    /// Commands that need only the model, not the store (so they run beside the app).
    pub fn needs_store(&self) -> bool {
        !matches!(
            self,
            LearnCommand::Demo
                | LearnCommand::Eval { .. }
                | LearnCommand::EvalMap { .. }
                | LearnCommand::Bench { .. }
        )
    }
}

/// Runs a command that does not open the store itself (`bench views` opens and closes it
/// in `data_dir` as it measures).
pub fn run_standalone(cmd: &LearnCommand, out: &Output, data_dir: Option<&Path>) -> CliResult {
    match cmd {
        LearnCommand::Demo => {
            let embedder: Arc<dyn Embedder> =
                Arc::new(OnnxEmbedder::load(&locate_model_dir(), DEFAULT_MAX_TOKENS)?);
            let outcome = sift_core::recommender::demo(embedder)?;
            out.print(&outcome, |o| {
                let mut lines = vec!["Recommended content:".to_string()];
                lines.extend(o.recommendations.iter().map(|r| {
                    format!(
                        "- {} (score {:.2}, confidence {:.2})",
                        r.text, r.score, r.confidence
                    )
                }));
                lines.push(String::new());
                lines.push("Content needing feedback:".to_string());
                lines.extend(o.feedback_requests.iter().map(|f| {
                    format!(
                        "- {} (uncertain score {:.2})\n  → user answered {}",
                        f.text, f.score, f.answer
                    )
                }));
                lines.join("\n")
            })
        }
        LearnCommand::Eval {
            corpus,
            sample,
            seeds,
            max_tokens,
            regions,
            temperature,
            region_weight,
        } => {
            let embedder = OnnxEmbedder::load(&locate_model_dir(), *max_tokens)?;
            let config = sift_core::eval::EvalConfig {
                seeds: *seeds,
                regions: *regions,
                temperature: *temperature,
                region_weight: *region_weight,
                ..Default::default()
            };
            let report = super::eval::run(corpus, *sample, config, &embedder, out.is_json())?;
            out.print(&report, super::eval::format_report)
        }
        LearnCommand::EvalMap { corpus, sample, k } => {
            let embedder = OnnxEmbedder::load(&locate_model_dir(), DEFAULT_MAX_TOKENS)?;
            let report = super::eval::run_map(corpus, *sample, *k, &embedder, out.is_json())?;
            out.print(&report, super::eval::format_map_report)
        }
        LearnCommand::Bench {
            suite: Some(BenchSuite::Views(args)),
        } => {
            let data_dir = data_dir.ok_or(sift_core::Error::NoDataDir)?;
            super::bench::views(data_dir, out, args)
        }
        LearnCommand::Bench {
            suite: Some(BenchSuite::Ingest(args)),
        } => super::bench::ingest(out, args),
        LearnCommand::Bench { suite: None } => {
            let report = super::eval::bench();
            out.print(&report, |b| {
                b.iter()
                    .map(|(k, v)| format!("{k}: {v:.2} ms"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        _ => unreachable!("only commands without a store are run standalone"),
    }
}

pub fn run(cmd: LearnCommand, engine: &Engine, out: &Output) -> CliResult {
    match cmd {
        LearnCommand::Recommend { limit } => {
            let recs = engine.recommend(limit)?;
            out.print(&recs, |recs| {
                if recs.is_empty() {
                    return "Nothing to recommend yet: refresh your feeds first.".to_string();
                }
                recs.iter()
                    .map(|r| {
                        format!(
                            "{:>6}  {:.2}  {}\n        {}",
                            r.id, r.score, r.title, r.reason
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        LearnCommand::Cards { limit } => {
            let cards = engine.cards(limit)?;
            out.print(&cards, |cards| {
                if cards.is_empty() {
                    return "No cards: every embedded article is rated (or none is stored)."
                        .to_string();
                }
                cards
                    .iter()
                    .map(|c| format!("{:>6}  {}\n        {}", c.id, c.title, c.reason))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        LearnCommand::Rate { id, answer } => {
            let rated = engine.rate(id, answer.rating())?;
            out.print(&rated, |r| match r.rating {
                Some(rating) => format!("{}: {}", r.id, rating.as_str()),
                None => format!("{}: cleared", r.id),
            })
        }
        LearnCommand::Predict { text } => {
            let p = engine.predict(&text)?;
            out.print(&p, |p| {
                let note = if p.answers == 0 {
                    "\n(nothing rated yet: rate a few cards first)"
                } else {
                    ""
                };
                format!(
                    "interested: {}\nscore: {:.2}\nconfidence: {:.2}\nneeds feedback: {}{note}",
                    p.interested, p.score, p.confidence, p.needs_feedback
                )
            })
        }
        LearnCommand::Clusters => {
            let clusters = engine.clusters()?;
            out.print(&clusters, |cs| {
                if cs.is_empty() {
                    return "No interest clusters yet: like a few articles.".to_string();
                }
                cs.iter()
                    .map(|c| {
                        format!(
                            "{:>3}  {}  ({} articles, {} liked, {} disliked)",
                            c.id, c.label, c.size, c.liked, c.disliked
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        LearnCommand::Map { recompute, labels } if labels => {
            let view = engine.map_view(recompute)?;
            out.print(&view, |v| {
                let mut lines = vec![format!(
                    "{} articles; last full layout {} articles, {} placed since{}",
                    v.points.len(),
                    v.layout.full_size,
                    v.layout.placed_since,
                    if v.layout.recomputed {
                        " (laid out now)"
                    } else {
                        ""
                    }
                )];
                lines.extend(v.clusters.iter().map(|c| {
                    format!(
                        "cluster {:>2} at ({:.2}, {:.2}), {} articles: {}",
                        c.id, c.x, c.y, c.size, c.label
                    )
                }));
                lines.extend(v.regions.iter().map(|r| {
                    format!(
                        "region  {:>2} at ({:.2}, {:.2}), {} articles: {}",
                        r.id, r.x, r.y, r.size, r.label
                    )
                }));
                lines.join("\n")
            })
        }
        LearnCommand::Map { recompute, .. } => {
            let points = engine.map_view(recompute)?.points;
            out.print(&points, |ps| {
                ps.iter()
                    .map(|p| {
                        format!(
                            "{:>6}  {:>7.3} {:>7.3}  score {:.2}",
                            p.id, p.x, p.y, p.score
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        LearnCommand::Embed => {
            let report = embed_with_progress(engine, out)?;
            out.print(&report, |r| {
                format!(
                    "embedded {} articles ({} already had vectors)",
                    r.embedded, r.cached
                )
            })
        }
        LearnCommand::ExportModel { file } => {
            let t = engine.export_model(&file)?;
            out.print(&t, |t| {
                format!("wrote {} ratings to {}", t.ratings, t.path.display())
            })
        }
        LearnCommand::ImportModel { file } => {
            let t = engine.import_model(&file)?;
            out.print(&t, |t| {
                format!(
                    "imported {} ratings from {} ({} skipped: article not in this store)",
                    t.ratings,
                    t.path.display(),
                    t.skipped
                )
            })
        }
        standalone @ (LearnCommand::Demo
        | LearnCommand::Eval { .. }
        | LearnCommand::EvalMap { .. }
        | LearnCommand::Bench { .. }) => run_standalone(&standalone, out, Some(engine.data_dir())),
    }
}

/// Embeds what is not embedded yet, with a progress bar when a person is watching.
pub fn embed_with_progress(
    engine: &Engine,
    out: &Output,
) -> Result<sift_core::engine::EmbedReport, sift_core::Error> {
    use std::io::IsTerminal;
    let bar = (!out.is_json() && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} embedded  {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let report = engine.embed_pending(|done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    report
}
