//! `sift bench views`: how long the reading views take on a (generated) store, from a cold
//! CLI process to each warm view, with min / median / max over several runs.
//!
//! Cold starts are whole `sift recommend --limit 50` processes (spawned by the caller's
//! binary) and in-process opens; the warm views run on one open engine the way the app
//! calls them. Answers given while measuring are cleared afterwards, so the store is left
//! as it was found.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde::Serialize;

use super::generate::dir_size;
use crate::domain::Rating;
use crate::engine::{ArticleFilter, Engine, SearchMode, SearchQuery};
use crate::error::{Error, Result};
use crate::rules::{NewRule, RuleAction, RuleField};

/// Items on a For you page and on the articles page (the app's page sizes).
pub const PAGE: usize = 50;
/// Cards asked for at a time (the app's Cards view).
pub const CARDS: usize = 5;
/// What the search measurements look for (two words of one generated topic).
const SEARCH_TEXT: &str = "telescope orbit";
/// What the rules measurement mutes and boosts (a word of one generated topic; authors).
const RULE_WORDS: &str = "orbit";
const RULE_AUTHOR: &str = "Author 7";

#[derive(Debug, Clone)]
pub struct ViewsBenchConfig {
    pub data_dir: PathBuf,
    /// Repetitions of each measurement.
    pub runs: usize,
    /// The `sift` binary to time cold starts with; `None` skips them.
    pub cli: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    pub name: String,
    pub runs: usize,
    pub min_ms: f64,
    pub median_ms: f64,
    pub max_ms: f64,
    /// The target for it, when it has one.
    pub target_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ViewsReport {
    pub articles: usize,
    pub embedded: usize,
    pub feeds: usize,
    pub ratings: usize,
    pub store_bytes: u64,
    pub bytes_per_article: f64,
    /// Points the map returned (it samples above `MAP_MAX_POINTS`).
    pub map_points: usize,
    pub measurements: Vec<Measurement>,
}

fn measure(
    name: &str,
    runs: usize,
    target_ms: Option<f64>,
    mut once: impl FnMut() -> Result<()>,
) -> Result<Measurement> {
    measure_part(name, runs, target_ms, || {
        let started = Instant::now();
        once()?;
        Ok(started.elapsed())
    })
}

/// [`measure`] where each run times only part of its work itself (returns what it took).
fn measure_part(
    name: &str,
    runs: usize,
    target_ms: Option<f64>,
    mut once: impl FnMut() -> Result<std::time::Duration>,
) -> Result<Measurement> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        times.push(once()?.as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(Measurement {
        name: name.to_string(),
        runs: times.len(),
        min_ms: times[0],
        median_ms: times[times.len() / 2],
        max_ms: times[times.len() - 1],
        target_ms,
    })
}

/// Runs every measurement on the store in `config.data_dir` (which nothing else may hold
/// open: cold starts open it themselves).
pub fn bench_views(config: &ViewsBenchConfig, progress: impl Fn(&str)) -> Result<ViewsReport> {
    let runs = config.runs.max(1);
    let mut measurements = Vec::new();
    if let Some(cli) = &config.cli {
        progress("cold start: sift recommend");
        measurements.push(measure(
            &format!("cold start, CLI process to For you (`sift recommend --limit {PAGE}`)"),
            runs,
            Some(1000.0),
            || run_cli(cli, &config.data_dir),
        )?);
    }
    progress("cold start: in process");
    measurements.push(measure(
        "cold start, in process: open store, load snapshot, For you",
        runs,
        Some(1000.0),
        || {
            let engine = open_when_free(&config.data_dir)?;
            engine.for_you(Some(PAGE), false)?;
            Ok(())
        },
    )?);

    progress("map: first call in a process");
    // Lay the map out (and keep it) first if the store has none, as the app does behind
    // the window: what is timed is reading it, not laying it out.
    open_when_free(&config.data_dir)?.update_map_layout()?;
    measurements.push(measure_part(
        "map, first call in a process (For you loaded first; stored layout and region labels read)",
        runs,
        Some(100.0),
        || {
            let engine = open_when_free(&config.data_dir)?;
            engine.for_you(Some(PAGE), false)?;
            let started = Instant::now();
            engine.map_view(false)?;
            Ok(started.elapsed())
        },
    )?);

    let engine = open_when_free(&config.data_dir)?;
    engine.for_you(Some(PAGE), false)?;
    progress("warm views");
    measurements.push(measure("For you (warm)", runs, Some(100.0), || {
        engine.for_you(Some(PAGE), false).map(drop)
    })?);
    measurements.push(measure(
        &format!("cards ({CARDS})"),
        runs,
        Some(100.0),
        || engine.cards(Some(CARDS)).map(drop),
    )?);
    let candidates: Vec<_> = engine
        .recommend(None)?
        .into_iter()
        .map(|r| r.id)
        .rev()
        .take(runs)
        .collect();
    let mut next = candidates.iter().cycle();
    let mut rated = Vec::new();
    let mut like = false;
    measurements.push(measure(
        "rate and rerank (rate, then For you)",
        runs.min(candidates.len()),
        Some(100.0),
        || {
            let id = *next
                .next()
                .ok_or_else(|| Error::NotFound("no article to rate".into()))?;
            like = !like;
            engine.rate(id, Some(if like { Rating::Like } else { Rating::Dislike }))?;
            rated.push(id);
            engine.for_you(Some(PAGE), false).map(drop)
        },
    )?);
    for id in rated {
        engine.rate(id, None)?;
    }
    let page = ArticleFilter {
        limit: Some(PAGE),
        without_content: true,
        ..Default::default()
    };
    measurements.push(measure(
        &format!("articles page ({PAGE}, newest first)"),
        runs,
        Some(100.0),
        || engine.articles(&page).map(drop),
    )?);
    // The window asks for them after every answer and every article read.
    measurements.push(measure("unread counts (warm)", runs, Some(100.0), || {
        engine.unread_counts().map(drop)
    })?);
    measurements.push(measure("clusters", runs, Some(100.0), || {
        engine.clusters().map(drop)
    })?);
    let mut map_points = 0;
    engine.map()?; // the first call in this process is timed above
    measurements.push(measure("map (warm)", runs, Some(100.0), || {
        map_points = engine.map()?.len();
        Ok(())
    })?);

    progress("search");
    let query = |mode| SearchQuery {
        text: SEARCH_TEXT.to_string(),
        mode,
        limit: Some(PAGE),
    };
    measurements.push(measure(
        &format!("text search (words, {PAGE} results, first in a process: opens the index)"),
        1,
        None,
        || engine.search(&query(SearchMode::Words)).map(drop),
    )?);
    measurements.push(measure(
        &format!("text search (words, {PAGE} results)"),
        runs,
        Some(100.0),
        || engine.search(&query(SearchMode::Words)).map(drop),
    )?);
    measurements.push(measure(
        &format!("text search (words + meaning, {PAGE} results)"),
        runs,
        Some(100.0),
        || engine.search(&query(SearchMode::Blend)).map(drop),
    )?);
    progress("rules");
    measure_rules(&engine, runs, &mut measurements)?;

    let store = engine.store();
    let articles = store.article_count();
    let store_bytes = dir_size(&config.data_dir.join("store"));
    Ok(ViewsReport {
        articles,
        embedded: engine.embedded_count()?,
        feeds: store.feed_count(),
        ratings: store.list_ratings()?.len(),
        store_bytes,
        bytes_per_article: store_bytes as f64 / articles.max(1) as f64,
        map_points,
        measurements,
    })
}

/// For you with the reader's rules: a words rule (looked up in the whole texts through the
/// search index) and an author rule, the first call after adding them and then warm. The
/// rules are removed afterwards.
fn measure_rules(engine: &Engine, runs: usize, out: &mut Vec<Measurement>) -> Result<()> {
    let words = engine.add_rule(NewRule {
        action: RuleAction::Mute,
        field: RuleField::Words,
        pattern: RULE_WORDS.to_string(),
        days: None,
    })?;
    let author = engine.add_rule(NewRule {
        action: RuleAction::Boost,
        field: RuleField::Author,
        pattern: RULE_AUTHOR.to_string(),
        days: None,
    })?;
    let measured = (|| -> Result<()> {
        out.push(measure(
            "For you with a words and an author rule (first: looks them up)",
            1,
            None,
            || engine.for_you(Some(PAGE), false).map(drop),
        )?);
        out.push(measure(
            "For you with a words and an author rule (warm)",
            runs,
            Some(100.0),
            || engine.for_you(Some(PAGE), false).map(drop),
        )?);
        out.push(measure(
            "unread counts with a words and an author rule (warm)",
            runs,
            Some(100.0),
            || engine.unread_counts().map(drop),
        )?);
        Ok(())
    })();
    engine.remove_rule(words.id)?;
    engine.remove_rule(author.id)?;
    measured
}

fn run_cli(cli: &Path, data_dir: &Path) -> Result<()> {
    let status = Command::new(cli)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--json", "recommend", "--limit", &PAGE.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| Error::InvalidInput(format!("could not run {}: {e}", cli.display())))?;
    if !status.success() {
        return Err(Error::InvalidInput(format!(
            "{} recommend failed ({status})",
            cli.display()
        )));
    }
    Ok(())
}

/// Opens the store, waiting out the lock a just-closed engine (or process) still holds.
fn open_when_free(data_dir: &Path) -> Result<Engine> {
    Engine::open(data_dir)
}

/// The report as the Markdown section `docs/BENCHMARKS.md` keeps between its
/// `<!-- bench:views -->` markers.
pub fn markdown(report: &ViewsReport, command: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "Measured {} on {} with `{command}` (release build).\n\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        machine()
    ));
    s.push_str(&format!(
        "Store: {} articles ({} embedded, 384-d hashing vectors) over {} feeds, {} answers; \
         {:.1} MB on disk, **{:.0} bytes per article**. The map shows {} points (every rated \
         article and an even sample of the rest).\n\n",
        report.articles,
        report.embedded,
        report.feeds,
        report.ratings,
        report.store_bytes as f64 / 1e6,
        report.bytes_per_article,
        report.map_points
    ));
    s.push_str("| measure | runs | min ms | median ms | max ms | target ms |\n");
    s.push_str("|---|---:|---:|---:|---:|---:|\n");
    for m in &report.measurements {
        s.push_str(&format!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {} |\n",
            m.name,
            m.runs,
            m.min_ms,
            m.median_ms,
            m.max_ms,
            m.target_ms.map_or("".to_string(), |t| format!("≤ {t:.0}"))
        ));
    }
    s
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    format!("{cpus} cores ({model})")
}

/// Replaces what lies between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in the file at
/// `path` with `body` (appending the markers and body when absent; creating the file).
pub fn write_section(path: &Path, name: &str, body: &str) -> Result<()> {
    let start = format!("<!-- bench:{name} -->");
    let end = format!("<!-- /bench:{name} -->");
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "# Benchmarks\n".to_string(),
        Err(e) => {
            return Err(Error::InvalidInput(format!(
                "could not read {}: {e}",
                path.display()
            )))
        }
    };
    let new = replace_section(&old, &start, &end, body);
    std::fs::write(path, new)
        .map_err(|e| Error::InvalidInput(format!("could not write {}: {e}", path.display())))
}

fn replace_section(text: &str, start: &str, end: &str, body: &str) -> String {
    match (text.find(start), text.find(end)) {
        (Some(a), Some(b)) if a < b => format!("{}{start}\n{body}{}", &text[..a], &text[b..]),
        _ => format!(
            "{}\n{start}\n{body}{end}\n",
            text.trim_end_matches('\n').to_string() + "\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_replaced_between_their_markers_only() {
        let text = "# B\n<!-- bench:embed -->\nE\n<!-- /bench:embed -->\n";
        let added = replace_section(
            text,
            "<!-- bench:views -->",
            "<!-- /bench:views -->",
            "V1\n",
        );
        assert_eq!(
            added,
            "# B\n<!-- bench:embed -->\nE\n<!-- /bench:embed -->\n\n<!-- bench:views -->\nV1\n<!-- /bench:views -->\n"
        );
        let replaced = replace_section(
            &added,
            "<!-- bench:views -->",
            "<!-- /bench:views -->",
            "V2\n",
        );
        assert!(replaced.contains("V2\n<!-- /bench:views -->") && !replaced.contains("V1"));
        assert!(replaced.contains("<!-- bench:embed -->\nE\n"));
    }
}
