//! `sift generate-store`, `sift bench views` and `sift bench ingest`: a big store to measure
//! on, the views measured on it, and ingestion from loopback feeds. All thin over
//! `sift_core::bench`.

use std::path::{Path, PathBuf};

use clap::Args;
use sift_core::bench::generate::{generate_store, GenerateConfig};
use sift_core::bench::ingest::{bench_ingest, IngestBenchConfig};
use sift_core::bench::views::{bench_views, markdown, write_section, ViewsBenchConfig};
use sift_core::Engine;

use crate::output::Output;
use crate::CliResult;

#[derive(Args)]
pub struct GenerateArgs {
    /// Articles to write.
    #[arg(long, default_value_t = 100_000)]
    pub articles: usize,
    /// Feeds to spread them over.
    #[arg(long, default_value_t = 500)]
    pub feeds: usize,
    /// Answers to give (half likes, half dislikes).
    #[arg(long, default_value_t = 40)]
    pub ratings: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Date the articles over this many days up to now (the default stays inside the
    /// default 90-day retention, so an app opened on the store keeps them all).
    #[arg(long, default_value_t = sift_core::bench::generate::GENERATED_DAYS)]
    pub days: u32,
}

#[derive(Args)]
pub struct ViewsArgs {
    /// Repetitions of each measurement.
    #[arg(long, default_value_t = 7)]
    pub runs: usize,
    /// Also replace the `<!-- bench:views -->` section of this Markdown file.
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
}

#[derive(Args)]
pub struct IngestArgs {
    /// Feeds to serve.
    #[arg(long, default_value_t = 40)]
    pub feeds: usize,
    /// Articles over all feeds.
    #[arg(long, default_value_t = 20_000)]
    pub articles: usize,
    /// Repetitions (each with fresh stores).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Also replace the `<!-- bench:ingest -->` section of this Markdown file.
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
}

pub fn ingest(out: &Output, args: &IngestArgs) -> CliResult {
    let config = IngestBenchConfig {
        feeds: args.feeds,
        articles: args.articles,
        runs: args.runs,
        ..Default::default()
    };
    let report = bench_ingest(&config, |stage| eprintln!("{stage}"))?;
    let command = format!(
        "sift bench ingest --feeds {} --articles {} --runs {}",
        args.feeds, args.articles, args.runs
    );
    let section = sift_core::bench::ingest::markdown(&report, &command);
    if let Some(file) = &args.write {
        write_section(file, "ingest", &section)?;
    }
    out.print(&report, |_| section.clone())
}

pub fn generate(engine: &Engine, out: &Output, args: &GenerateArgs) -> CliResult {
    let config = GenerateConfig {
        articles: args.articles,
        feeds: args.feeds,
        ratings: args.ratings,
        seed: args.seed,
        days: args.days,
    };
    let report = generate_store(engine, &config, |stage, done, total| {
        eprint!("\r{stage} {done}/{total}   ");
    })?;
    eprintln!();
    out.print(&report, |r| {
        format!(
            "{} articles over {} feeds, {} answers; written in {:.1}s, embedded in {:.1}s, \
             indexed for search in {:.1}s; store {:.1} MB ({:.0} bytes per article)",
            r.articles,
            r.feeds,
            r.ratings,
            r.seconds_writing,
            r.seconds_embedding,
            r.seconds_indexing,
            r.store_bytes as f64 / 1e6,
            r.bytes_per_article
        )
    })
}

pub fn views(data_dir: &Path, out: &Output, args: &ViewsArgs) -> CliResult {
    let config = ViewsBenchConfig {
        data_dir: data_dir.to_path_buf(),
        runs: args.runs,
        cli: std::env::current_exe().ok(),
    };
    let report = bench_views(&config, |stage| eprintln!("{stage}"))?;
    let command = format!(
        "sift --data-dir STORE bench views --runs {} (STORE made by `sift generate-store --articles {} --feeds {}`)",
        args.runs, report.articles, report.feeds
    );
    let section = markdown(&report, &command);
    if let Some(file) = &args.write {
        write_section(file, "views", &section)?;
    }
    out.print(&report, |_| section.clone())
}
