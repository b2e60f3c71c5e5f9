//! `full-text`: whole articles for a feed that sends only summaries.

use sift_core::Engine;

use crate::output::Output;
use crate::CliResult;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(clap::Args)]
pub struct FullTextArgs {
    /// The feed, by id or URL (see `sift feeds`; `looks_truncated` says which send teasers).
    #[arg(value_name = "FEED_ID_OR_URL")]
    pub feed: String,
    /// `on` fetches each article's page and keeps the whole article (the recent ones now,
    /// new ones at each refresh); `off` stops fetching.
    pub switch: Switch,
}

/// Switches whole articles on or off; on fetches recent pages and embeds what changed.
pub async fn full_text(engine: &Engine, out: &Output, args: &FullTextArgs) -> CliResult {
    let on = matches!(args.switch, Switch::On);
    let report = engine.set_full_text(&args.feed, on).await?;
    if !report.changed.is_empty() {
        // Like `refresh`, the CLI embeds before it returns; a missing model costs only scores.
        if let Err(e) = super::learn::embed_with_progress(engine, out) {
            eprintln!("warning: whole articles were stored but not embedded: {e}");
        }
    }
    out.print(&report, |r| {
        if !on {
            return "Whole articles off: new articles keep the feed's own text.".to_string();
        }
        let mut lines = vec![format!(
            "Whole articles on: {} fetched, {} kept the feed's text.",
            r.fetched, r.failed
        )];
        lines.extend(r.errors.iter().map(|e| format!("  {e}")));
        lines.join("\n")
    })
}
