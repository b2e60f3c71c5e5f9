//! `subscribe`, `unsubscribe`, `feeds`, `import-opml`, `export-opml`, `refresh`, `articles`:
//! each calls one Engine method and prints the result (DESIGN.md's CLI contract for --json).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use sift_core::domain::{FeedId, FeedRecord};
use sift_core::engine::{
    ArticleFilter, ArticleView, FeedSelection, FeedSummary, IngestEvent, RefreshStatus,
};
use sift_core::Engine;

use crate::output::Output;
use crate::CliResult;

#[derive(clap::Args)]
pub struct ArticlesArgs {
    /// Show at most N articles (newest first).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Only articles of this feed.
    #[arg(long, value_name = "ID")]
    pub feed: Option<FeedId>,
    /// Only articles without a rating.
    #[arg(long)]
    pub unrated: bool,
    /// Only articles whose title, summary or author contain every word of TEXT.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only articles with this answer (like, dislike or skip).
    #[arg(long, value_name = "RATING")]
    pub rating: Option<sift_core::domain::Rating>,
}

pub async fn subscribe(engine: &Engine, out: &Output, url: &str) -> CliResult {
    let feed = engine.subscribe(url).await?;
    let value = json!({ "feed": feed_json(&feed) });
    out.print(&value, |_| {
        format!(
            "Subscribed to {} <{}> as feed {}. Run `sift refresh` to fetch its articles.",
            feed.title, feed.url, feed.id
        )
    })
}

/// A subscription as the contract prints it: `{id, url, title, site_url}`.
fn feed_json(feed: &FeedRecord) -> serde_json::Value {
    json!({
        "id": feed.id,
        "url": feed.url,
        "title": feed.title,
        "site_url": feed.site_url,
    })
}

/// Subscribes to the bundled offline sample and stores and embeds its articles.
pub async fn sample(engine: &Arc<Engine>, out: &Output) -> CliResult {
    let (feed, report) = engine.load_sample(progress_bars(out)).await?;
    let embedded = report.embedding?.embedded;
    let value = json!({
        "feed": feed_json(&feed),
        "new_articles": report.refresh.new_articles,
        "embedded": embedded,
    });
    out.print(&value, |_| {
        format!(
            "Loaded the offline sample as feed {}: {} new articles, {} embedded. Try `sift cards`.",
            feed.id, report.refresh.new_articles, embedded
        )
    })
}

pub fn unsubscribe(engine: &Engine, out: &Output, id_or_url: &str) -> CliResult {
    let removed = engine.unsubscribe(id_or_url)?;
    out.print(&json!({ "removed": removed }), |_| {
        format!("Unsubscribed from feed {removed}; rated articles were kept.")
    })
}

pub fn feeds(engine: &Engine, out: &Output) -> CliResult {
    let feeds = engine.feeds()?;
    out.print(&feeds, |feeds| {
        if feeds.is_empty() {
            return "No feeds yet. Add one with `sift subscribe URL`.".to_string();
        }
        feeds.iter().map(feed_line).collect::<Vec<_>>().join("\n")
    })
}

/// Every feed's icon status; with `fetch`, feeds without one are looked at first.
pub async fn icons(engine: &Engine, out: &Output, fetch: bool) -> CliResult {
    if fetch {
        engine.fetch_missing_icons().await?;
    }
    let icons = engine.feed_icons()?;
    out.print(&icons, |icons| {
        if icons.is_empty() {
            return "No feeds yet. Add one with `sift subscribe URL`.".to_string();
        }
        icons
            .iter()
            .map(|i| match (i.status, &i.source, &i.error) {
                ("found", Some(source), _) => format!(
                    "{:>4}  {} ({} bytes) from <{source}>",
                    i.feed_id,
                    i.mime_type.as_deref().unwrap_or("image"),
                    i.bytes.unwrap_or(0)
                ),
                ("missing", _, Some(error)) => format!("{:>4}  no icon: {error}", i.feed_id),
                _ => format!("{:>4}  not looked for yet", i.feed_id),
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn feed_line(f: &FeedSummary) -> String {
    let mut line = format!(
        "{:>4}  {}  <{}>  {} articles, {}",
        f.id, f.title, f.url, f.article_count, f.status
    );
    if let Some(error) = &f.error {
        line.push_str(&format!(": {error}"));
    }
    line
}

pub fn import_opml(engine: &Engine, out: &Output, file: &Path) -> CliResult {
    let report = engine.import_opml(file)?;
    out.print(&report, |r| {
        let mut text = format!(
            "Added {} feeds, skipped {}. Run `sift refresh` to fetch them.",
            r.added, r.skipped
        );
        for error in &r.errors {
            text.push_str(&format!("\n  skipped {error}"));
        }
        text
    })
}

pub fn export_opml(engine: &Engine, out: &Output, file: Option<&Path>) -> CliResult {
    let opml = engine.export_opml()?;
    let Some(file) = file else {
        if out.is_json() {
            return out.print(&json!({ "opml": opml }), |_| String::new());
        }
        print!("{opml}");
        return Ok(());
    };
    write_atomically(file, opml.as_bytes())?;
    let feeds = engine.feeds()?.len();
    out.print(&json!({ "path": file, "feeds": feeds }), |_| {
        format!("Exported {feeds} feeds to {}", file.display())
    })
}

/// Writes through a temporary file and a rename, so an existing file is never left
/// half-written.
fn write_atomically(path: &Path, bytes: &[u8]) -> CliResult {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".sift-tmp");
    let tmp: PathBuf = path.with_file_name(tmp_name);
    let write = || -> std::io::Result<()> {
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("could not write {}: {e}", path.display()).into()
    })
}

#[derive(Serialize)]
struct RefreshFeedJson<'a> {
    id: FeedId,
    url: &'a str,
    status: RefreshStatus,
    new_articles: usize,
    error: Option<&'a str>,
}

/// Renders ingestion's progress on stderr when a person is watching: a bar for the feeds,
/// then one for the embedding queue. Silent for `--json` and when stderr is not a terminal.
fn progress_bars(out: &Output) -> impl Fn(IngestEvent<'_>) + Send + Sync + 'static {
    let watching = !out.is_json() && std::io::stderr().is_terminal();
    let bar = |template: &str| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    };
    let feeds = watching.then(|| bar("{bar:30} {pos}/{len} feeds  {msg}"));
    let embedding = watching.then(|| bar("{bar:30} {pos}/{len} embedded  {eta}"));
    move |event| match event {
        IngestEvent::Refreshed(p) => {
            if let Some(bar) = &feeds {
                bar.set_length(p.total as u64);
                bar.set_position(p.done as u64);
                bar.set_message(p.feed.url.clone());
            }
        }
        IngestEvent::Stored(_) => {
            if let Some(bar) = &feeds {
                bar.finish_and_clear();
            }
        }
        IngestEvent::Embedded { done, total } => {
            if let Some(bar) = &embedding {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
        }
        IngestEvent::Finished(_) => {
            if let Some(bar) = &embedding {
                bar.finish_and_clear();
            }
        }
    }
}

/// Fetches every feed, stores the new articles and embeds them before returning (the app
/// embeds in the background); all in [`Engine::ingest`].
pub async fn refresh(engine: &Arc<Engine>, out: &Output) -> CliResult {
    let ingested = engine
        .ingest(FeedSelection::All, progress_bars(out))
        .await?;
    let report = &ingested.refresh;
    // The articles are already stored, so a missing model costs only the scores: warn,
    // don't fail.
    let embedded = match &ingested.embedding {
        Ok(embedding) => embedding.embedded,
        Err(e) => {
            eprintln!("warning: articles were stored but not embedded: {e}");
            0
        }
    };
    let value = json!({
        "feeds": report.feeds.iter().map(|f| RefreshFeedJson {
            id: f.id,
            url: &f.url,
            status: f.status,
            new_articles: f.new_articles,
            error: f.error.as_deref(),
        }).collect::<Vec<_>>(),
        "new_articles": report.new_articles,
        "embedded": embedded,
    });
    out.print(&value, |_| {
        let mut lines: Vec<String> = report
            .feeds
            .iter()
            .map(|f| match f.status {
                RefreshStatus::Ok => {
                    format!("{:>4}  ok, {} new  <{}>", f.id, f.new_articles, f.url)
                }
                RefreshStatus::NotModified => format!("{:>4}  unchanged  <{}>", f.id, f.url),
                RefreshStatus::Error => format!(
                    "{:>4}  error: {}",
                    f.id,
                    f.error.as_deref().unwrap_or("unknown")
                ),
            })
            .collect();
        let failed = report
            .feeds
            .iter()
            .filter(|f| f.status == RefreshStatus::Error)
            .count();
        lines.push(format!(
            "{} new articles from {} feeds ({} failed).",
            report.new_articles,
            report.feeds.len(),
            failed
        ));
        lines.join("\n")
    })
}

pub fn articles(engine: &Engine, out: &Output, args: &ArticlesArgs) -> CliResult {
    let filter = ArticleFilter {
        limit: args.limit,
        feed: args.feed,
        unrated: args.unrated,
        query: args.search.clone(),
        rating: args.rating,
        ..Default::default()
    };
    let articles = engine.articles(&filter)?;
    out.print(&articles, |articles| {
        if articles.is_empty() {
            return "No articles. Subscribe to feeds and run `sift refresh`.".to_string();
        }
        articles
            .iter()
            .map(article_lines)
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn article_lines(a: &ArticleView) -> String {
    let date = a
        .published
        .as_deref()
        .map(|d| &d[..d.len().min(10)])
        .unwrap_or("");
    let rating = a
        .rating
        .map(|r| format!(" [{}]", r.as_str()))
        .unwrap_or_default();
    format!(
        "{:>6}  {}  {}{}\n        {}",
        a.id,
        date,
        a.title,
        rating,
        a.link.as_deref().unwrap_or("(no link)")
    )
}
