//! The daily loop's commands: For you with rules applied, read marks (one, many, undo),
//! unread counts, save for later, rules, retention and the store's figures. Each parses,
//! calls one `Engine` method and prints.

use clap::{Args, Subcommand, ValueEnum};
use sift_core::domain::{ArticleId, FeedId};
use sift_core::engine::MarkReadScope;
use sift_core::rules::{NewRule, RuleAction, RuleField};
use sift_core::Engine;

use crate::output::Output;

type CliResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Subcommand)]
pub enum ReaderCommand {
    /// For you: unread, unrated articles by score after your rules (muted ones last).
    ForYou {
        #[arg(long)]
        limit: Option<usize>,
        /// Include articles already read.
        #[arg(long)]
        include_read: bool,
    },
    /// Mark articles read: by id, feed, folder, age, or everything below your threshold.
    MarkRead(MarkReadArgs),
    /// Mark articles unread again.
    MarkUnread {
        #[arg(required = true)]
        ids: Vec<ArticleId>,
    },
    /// Unread counts per view, feed and folder.
    Unread,
    /// Save articles for later (this is not a rating: the model does not learn from it).
    Save {
        #[arg(required = true)]
        ids: Vec<ArticleId>,
        /// Unsave them instead.
        #[arg(long)]
        remove: bool,
    },
    /// Saved articles, most recently saved first.
    Saved,
    /// Mute or boost articles by words, author or feed (applied after the model's score).
    Rules {
        #[command(subcommand)]
        action: Option<RulesCommand>,
    },
    /// Delete unrated, unsaved articles older than the retention setting, with their vectors.
    Prune {
        /// Use this age limit (days) instead of the setting.
        #[arg(long)]
        days: Option<u32>,
    },
    /// Article, vector and rule counts and the store's size on disk.
    Stats,
}

#[derive(Args)]
pub struct MarkReadArgs {
    /// These articles.
    ids: Vec<ArticleId>,
    #[arg(long)]
    feed: Option<FeedId>,
    /// A folder (and its subfolders).
    #[arg(long)]
    folder: Option<String>,
    /// Published more than N days ago.
    #[arg(long, value_name = "N")]
    older_than_days: Option<u32>,
    /// "Dismiss the rest": unrated articles scored below your threshold.
    #[arg(long)]
    below_threshold: bool,
    /// Every article (when nothing else is given).
    #[arg(long)]
    all: bool,
    /// Undo the last bulk mark (exactly the articles it changed become unread).
    #[arg(long, conflicts_with_all = ["ids", "feed", "folder", "older_than_days", "below_threshold", "all"])]
    undo: bool,
}

#[derive(Subcommand)]
pub enum RulesCommand {
    /// List the rules (the default).
    List,
    /// Add a rule: exactly one of --word, --author, --feed.
    Add {
        action: Action,
        /// Words anywhere in the title or text (any case, any ending: "election" also finds
        /// "elections"; a phrase as a phrase).
        #[arg(long, group = "target")]
        word: Option<String>,
        #[arg(long, group = "target")]
        author: Option<String>,
        #[arg(long, group = "target")]
        feed: Option<FeedId>,
        /// Only for this many days.
        #[arg(long)]
        days: Option<u32>,
    },
    /// Remove a rule by id.
    Remove { id: u64 },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Action {
    Mute,
    Boost,
}

fn id_list(ids: &[ArticleId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn run(cmd: ReaderCommand, engine: &Engine, out: &Output) -> CliResult {
    match cmd {
        ReaderCommand::ForYou {
            limit,
            include_read,
        } => {
            let items = engine.for_you(limit, include_read)?;
            out.print(&items, |items| {
                if items.is_empty() {
                    return "Nothing unread in For you.".to_string();
                }
                items
                    .iter()
                    .map(|i| {
                        let r = &i.recommendation;
                        let marks = format!(
                            "{}{}",
                            if i.read { "read " } else { "" },
                            if i.saved { "saved " } else { "" }
                        );
                        format!(
                            "{:>6}  {:.2}  {}{}\n        {}",
                            r.id, r.score, marks, r.title, r.reason
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        ReaderCommand::MarkRead(args) => {
            let report = if args.undo {
                engine.undo_mark_read()?
            } else {
                engine.mark_read_where(&MarkReadScope {
                    feed: args.feed,
                    folder: args.folder,
                    ids: (!args.ids.is_empty()).then_some(args.ids),
                    older_than_days: args.older_than_days,
                    below_threshold: args.below_threshold,
                    all: args.all,
                })?
            };
            let verb = if args.undo {
                "unread again"
            } else {
                "marked read"
            };
            out.print(&report, |r| format!("{} {verb}", r.changed))
        }
        ReaderCommand::MarkUnread { ids } => {
            let states = ids
                .iter()
                .map(|&id| engine.set_read(id, false))
                .collect::<Result<Vec<_>, _>>()?;
            out.print(&states, |s| format!("{} marked unread", s.len()))
        }
        ReaderCommand::Unread => {
            let counts = engine.unread_counts()?;
            let titles: std::collections::HashMap<FeedId, String> = engine
                .feeds()?
                .into_iter()
                .map(|f| (f.id, f.title))
                .collect();
            out.print(&counts, |c| {
                let mut lines = vec![
                    format!("For you: {}", c.for_you),
                    format!("All articles: {}", c.total),
                    format!("Saved: {}", c.saved),
                ];
                lines.extend(
                    c.folders
                        .iter()
                        .map(|f| format!("folder {}: {}", f.folder, f.unread)),
                );
                lines.extend(c.feeds.iter().map(|f| {
                    let title = titles.get(&f.feed_id).map_or("", String::as_str);
                    format!("feed {} {title}: {}", f.feed_id, f.unread)
                }));
                lines.join("\n")
            })
        }
        ReaderCommand::Save { ids, remove } => {
            let states = ids
                .iter()
                .map(|&id| engine.set_saved(id, !remove))
                .collect::<Result<Vec<_>, _>>()?;
            let verb = if remove { "unsaved" } else { "saved" };
            out.print(&states, |s| {
                format!(
                    "{verb}: {}",
                    id_list(&s.iter().map(|s| s.id).collect::<Vec<_>>())
                )
            })
        }
        ReaderCommand::Saved => {
            let saved = engine.saved()?;
            out.print(&saved, |list| {
                if list.is_empty() {
                    return "Nothing saved: `sift save ID` keeps an article for later.".into();
                }
                list.iter()
                    .map(|a| format!("{:>6}  {}", a.id, a.title))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        ReaderCommand::Rules { action } => rules(action.unwrap_or(RulesCommand::List), engine, out),
        ReaderCommand::Prune { days } => {
            let report = engine.prune(days)?;
            out.print(&report, |r| {
                if r.retention_days == 0 {
                    return "Retention is off (0 days): nothing was deleted.".into();
                }
                format!(
                    "deleted {} articles older than {} days and {} vectors; kept {} rated and {} saved; store {} → {} bytes",
                    r.removed_articles, r.retention_days, r.removed_vectors, r.kept_rated, r.kept_saved, r.size_before, r.size_after
                )
            })
        }
        ReaderCommand::Stats => {
            let stats = engine.store_stats()?;
            out.print(&stats, |s| {
                format!(
                    "feeds: {}\narticles: {} ({} unread, {} rated, {} saved)\nvectors: {}\nrules: {}\nsize on disk: {} bytes\nretention: {}",
                    s.feeds, s.articles, s.unread, s.rated, s.saved, s.vectors, s.rules, s.size_bytes,
                    if s.retention_days == 0 { "keep everything".to_string() } else { format!("{} days", s.retention_days) }
                )
            })
        }
    }
}

fn rules(cmd: RulesCommand, engine: &Engine, out: &Output) -> CliResult {
    match cmd {
        RulesCommand::List => {
            let rules = engine.rules()?;
            out.print(&rules, |rules| {
                if rules.is_empty() {
                    return "No rules: `sift rules add mute --word sponsored` hides what you never want.".into();
                }
                rules
                    .iter()
                    .map(|r| {
                        let until = match (&r.rule.expires_at, r.active) {
                            (_, false) => " (expired)".to_string(),
                            (Some(at), true) => format!(" until {at}"),
                            (None, true) => String::new(),
                        };
                        format!(
                            "{:>4}  {:?} {:?} {:?}{until}",
                            r.rule.id, r.rule.action, r.rule.field, r.rule.pattern
                        )
                        .to_lowercase()
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        RulesCommand::Add {
            action,
            word,
            author,
            feed,
            days,
        } => {
            let (field, pattern) = match (word, author, feed) {
                (Some(w), None, None) => (RuleField::Words, w),
                (None, Some(a), None) => (RuleField::Author, a),
                (None, None, Some(f)) => (RuleField::Feed, f.to_string()),
                _ => return Err("give exactly one of --word, --author or --feed".into()),
            };
            let rule = engine.add_rule(NewRule {
                action: match action {
                    Action::Mute => RuleAction::Mute,
                    Action::Boost => RuleAction::Boost,
                },
                field,
                pattern,
                days,
            })?;
            out.print(&rule, |r| format!("rule {} added", r.id))
        }
        RulesCommand::Remove { id } => {
            let removed = engine.remove_rule(id)?;
            out.print(&serde_json::json!({ "removed": removed.id }), |_| {
                format!("rule {} removed", removed.id)
            })
        }
    }
}
