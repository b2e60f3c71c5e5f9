//! `sift`: every command parses its arguments, calls one `Engine` method and prints.
//! Errors become one line on stderr and a non-zero exit code, never a panic or backtrace.

mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sift_core::Engine;

use output::Output;

#[derive(Parser)]
#[command(
    name = "sift",
    version,
    about = "Sift: a reading dashboard that learns what you want to read, locally"
)]
struct Cli {
    /// Where Sift keeps its store (default: the OS data directory).
    #[arg(long, global = true, env = "SIFT_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List subscribed feeds.
    Feeds,
    /// Show the engine's version, data directory and schema version.
    Info,
    #[command(flatten)]
    Learn(commands::learn::LearnCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_chain(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

fn run(cli: Cli) -> CliResult {
    let out = Output::new(cli.json);
    if let Command::Learn(cmd) = &cli.command {
        if !cmd.needs_store() {
            return commands::learn::run_standalone(cmd, &out);
        }
    }
    let data_dir = match cli.data_dir {
        Some(dir) => dir,
        None => sift_core::paths::default_data_dir().ok_or(sift_core::Error::NoDataDir)?,
    };
    let engine = Engine::open(&data_dir)?;
    match cli.command {
        Command::Feeds => {
            let feeds = engine.store().list_feeds()?;
            out.print(&feeds, |feeds| {
                if feeds.is_empty() {
                    "No feeds yet. Add one with `sift subscribe URL`.".to_string()
                } else {
                    feeds
                        .iter()
                        .map(|f| format!("{:>4}  {}  <{}>", f.id, f.title, f.url))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            })
        }
        Command::Learn(cmd) => commands::learn::run(cmd, &engine, &out),
        Command::Info => {
            let info = engine.info()?;
            out.print(&info, |i| {
                format!(
                    "sift {}\ndata dir: {}\nschema: v{}\nfeeds: {}",
                    i.version,
                    i.data_dir.display(),
                    i.schema_version,
                    i.feed_count
                )
            })
        }
    }
}

/// "outer: inner: innermost", skipping causes whose text the outer message already holds.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
