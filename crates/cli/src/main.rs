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
    /// Subscribe to a feed URL, or to the feed a site's page links to.
    Subscribe { url: String },
    /// Remove a feed and its unrated articles (rated ones are kept).
    Unsubscribe {
        #[arg(value_name = "FEED_ID_OR_URL")]
        feed: String,
    },
    /// List subscribed feeds.
    Feeds,
    /// Feed icons: which feeds have one stored (refresh looks for new feeds' icons once).
    Icons {
        /// Look for the icons of feeds that have none yet now, instead of at the next refresh.
        #[arg(long)]
        fetch: bool,
    },
    /// Add the feeds of an OPML file (they are fetched by the next refresh).
    ImportOpml { file: PathBuf },
    /// Write all subscriptions as OPML 2.0 to FILE, or to stdout.
    ExportOpml { file: Option<PathBuf> },
    /// Fetch all feeds now.
    Refresh,
    /// Load the bundled offline sample (350 Wikipedia summaries in 7 topics) as a feed.
    Sample,
    /// List stored articles, newest first.
    Articles(commands::feeds::ArticlesArgs),
    /// Find articles by words, by meaning (--meaning), or like another (--like ID).
    Search(commands::search::SearchArgs),
    /// Fetch whole articles from the entries' pages for a feed that sends only summaries.
    FullText(commands::whole::FullTextArgs),
    /// Measure search by words, by meaning and blended on a labelled corpus (AG News).
    EvalSearch(commands::search::EvalSearchArgs),
    /// Show the engine's version, data directory and schema version.
    Info,
    /// Fill an empty data directory with a big synthetic store to benchmark on (hashing
    /// vectors; the store keeps using that embedder).
    GenerateStore(commands::bench::GenerateArgs),
    #[command(flatten)]
    Learn(commands::learn::LearnCommand),
    #[command(flatten)]
    Reader(commands::reader::ReaderCommand),
}

fn main() -> ExitCode {
    // `sift --embed-worker MODEL_DIR`: the embedding worker of another Sift process (the
    // app's is its own binary; this one lets tests and tools run the worker without it).
    if let Some(code) = sift_core::embed::serve_if_requested() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    // Before any thread starts: a few heaps, not one per busy thread (see sift_core::heap).
    sift_core::heap::tune_allocator();
    sift_core::trace::install_from_env();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if output::is_broken_pipe(e.as_ref()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", sift_core::error::display_chain(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

pub(crate) type CliResult = Result<(), Box<dyn std::error::Error>>;

async fn run(cli: Cli) -> CliResult {
    let out = Output::new(cli.json);
    let data_dir = cli.data_dir.or_else(sift_core::paths::default_data_dir);
    if let Command::Learn(cmd) = &cli.command {
        if !cmd.needs_store() {
            return commands::learn::run_standalone(cmd, &out, data_dir.as_deref());
        }
    }
    if let Command::EvalSearch(args) = &cli.command {
        return commands::search::eval_search(&out, args);
    }
    let data_dir = data_dir.ok_or(sift_core::Error::NoDataDir)?;
    // Shared: ingestion embeds on a blocking thread that holds its own handle.
    let engine = std::sync::Arc::new(Engine::open(&data_dir)?);
    let result = run_command(cli.command, &engine, &out).await;
    // Once flushed, everything is on disk; the rest of the engine (the learner's corpus,
    // sled's page cache) is memory the process gives back whole as it exits, so it is not
    // freed piece by piece (a tenth of a cold `sift recommend` at 100,000 articles).
    engine.flush()?;
    std::mem::forget(engine);
    result
}

async fn run_command(command: Command, engine: &std::sync::Arc<Engine>, out: &Output) -> CliResult {
    match command {
        Command::Subscribe { url } => commands::feeds::subscribe(engine, out, &url).await,
        Command::Unsubscribe { feed } => commands::feeds::unsubscribe(engine, out, &feed),
        Command::Feeds => commands::feeds::feeds(engine, out),
        Command::Icons { fetch } => commands::feeds::icons(engine, out, fetch).await,
        Command::ImportOpml { file } => commands::feeds::import_opml(engine, out, &file),
        Command::ExportOpml { file } => commands::feeds::export_opml(engine, out, file.as_deref()),
        Command::Refresh => commands::feeds::refresh(engine, out).await,
        Command::Sample => commands::feeds::sample(engine, out).await,
        Command::Articles(args) => commands::feeds::articles(engine, out, &args),
        Command::Search(args) => commands::search::search(engine, out, &args),
        Command::FullText(args) => commands::whole::full_text(engine, out, &args).await,
        // Answered above, before the store is opened; kept here so the match stays total.
        Command::EvalSearch(args) => commands::search::eval_search(out, &args),
        Command::Learn(cmd) => commands::learn::run(cmd, engine, out),
        Command::Reader(cmd) => commands::reader::run(cmd, engine, out),
        Command::GenerateStore(args) => commands::bench::generate(engine, out, &args),
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
