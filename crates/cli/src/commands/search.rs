//! `search`: find articles by words (the full-text index), by meaning (embeddings), both
//! blended, or "more like" a given article.

use std::io::IsTerminal;

use sift_core::domain::ArticleId;
use sift_core::engine::{SearchHit, SearchMode, SearchQuery};
use sift_core::Engine;

use crate::output::Output;
use crate::CliResult;

#[derive(clap::Args)]
pub struct SearchArgs {
    /// What to look for: words (every one must appear; "a phrase" and -word work), or with
    /// --meaning a description of what you want.
    #[arg(required_unless_present_any = ["like", "reindex"])]
    pub query: Option<String>,
    /// Rank by meaning (closest embeddings) instead of by the words.
    #[arg(long, conflicts_with_all = ["blend", "like"])]
    pub meaning: bool,
    /// Blend both rankings (reciprocal-rank fusion).
    #[arg(long, conflicts_with = "like")]
    pub blend: bool,
    /// Articles closest in meaning to article ID.
    #[arg(long, value_name = "ID", conflicts_with = "query")]
    pub like: Option<ArticleId>,
    /// Show at most N results (default 50).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Check the whole index against the store and catch it up.
    #[arg(long, conflicts_with_all = ["query", "like"])]
    pub reindex: bool,
}

pub fn search(engine: &Engine, out: &Output, args: &SearchArgs) -> CliResult {
    if args.reindex {
        let report = engine.sync_search_index()?;
        return out.print(&report, |r| {
            format!(
                "Search index: {} articles re-indexed, {} removed, {} in all.",
                r.indexed, r.removed, r.total
            )
        });
    }
    let hits = match (args.like, &args.query) {
        (Some(id), _) => engine.more_like_this(id, args.limit)?,
        (None, Some(text)) => engine.search(&SearchQuery {
            text: text.clone(),
            mode: if args.meaning {
                SearchMode::Meaning
            } else if args.blend {
                SearchMode::Blend
            } else {
                SearchMode::Words
            },
            limit: args.limit,
        })?,
        (None, None) => return Err("give words to search for, --like ID or --reindex".into()),
    };
    let bold = std::io::stdout().is_terminal();
    out.print(&hits, |hits| {
        if hits.is_empty() {
            return "Nothing found.".to_string();
        }
        hits.iter()
            .map(|h| hit_lines(h, bold))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn hit_lines(h: &SearchHit, bold: bool) -> String {
    format!(
        "{:>6}  {}\n        {}",
        h.id,
        terminal_marks(&h.title_html, bold),
        terminal_marks(&h.snippet_html, bold)
    )
}

/// The highlights as a terminal shows them: marked words in bold (on a terminal),
/// entities decoded.
fn terminal_marks(html: &str, bold: bool) -> String {
    let (on, off) = if bold {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    html.replace("<mark>", on)
        .replace("</mark>", off)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[derive(clap::Args)]
pub struct EvalSearchArgs {
    /// The AG News CSV (label, title, description), e.g. ../shared/data/ag_news/test.csv.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "../shared/data/ag_news/test.csv"
    )]
    pub corpus: std::path::PathBuf,
    /// Articles drawn from it (class-balanced, seeded like `sift eval`, whose embeddings
    /// it reuses from the cache).
    #[arg(long, default_value_t = 2000)]
    pub sample: usize,
}

/// Words vs meaning vs blended on the labelled corpus (no store needed).
pub fn eval_search(out: &Output, args: &EvalSearchArgs) -> CliResult {
    use sift_core::embed::{locate_model_dir, OnnxEmbedder, DEFAULT_MAX_TOKENS};
    use sift_core::eval::{evaluate_search, AG_NEWS_QUERIES};

    let embedder = OnnxEmbedder::load(&locate_model_dir(), DEFAULT_MAX_TOKENS)?;
    let super::eval::EmbeddedSample {
        texts,
        labels,
        vectors,
    } = super::eval::embedded_sample(&args.corpus, args.sample, &embedder, out.is_json())?;
    let scratch = std::env::temp_dir().join(format!("sift-eval-search-{}", std::process::id()));
    let report = evaluate_search(
        &texts,
        &labels,
        &vectors,
        &embedder,
        AG_NEWS_QUERIES,
        &scratch,
    );
    let _ = std::fs::remove_dir_all(&scratch);
    let report = report?;
    out.print(&report, |r| {
        let mut text = format!(
            "\r{} articles; a result is relevant when it is in the query's category.\n\n\
             | queries | mode | P@10 | P@30 | MRR | lists shorter than 10 |\n|---|---|---|---|---|---|\n",
            r.articles
        );
        for row in &r.rows {
            text.push_str(&format!(
                "| {:?} ({}) | {} | {:.3} | {:.3} | {:.3} | {} |\n",
                row.kind, row.queries, row.mode, row.precision_at_10, row.precision_at_30, row.mrr, row.short_lists
            ));
        }
        text
    })
}
