//! `sift bench ingest`: how fast articles get in. Feeds of news-sized articles are served
//! from loopback; each stage of a refresh is timed on its own (fetch; parse + sanitize;
//! store), then the refresh as it runs (the stages overlapped, one transaction per feed),
//! then what follows it (the search index; embedding, with the hashing embedder so that
//! the model's speed, measured elsewhere, does not hide the rest), then all of it the way
//! `sift refresh` runs it. Each run uses fresh stores; min / median / max over the runs.
//!
//! The feeds are served on eight loopback addresses (127.0.0.1–8), so the fetcher's
//! default limits (8 feeds at once, 2 per host) apply as they would to feeds of different
//! sites; the server runs in this process, on its own thread.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::generate::{article, GENERATED_DIM, TOPICS};
use crate::domain::{ArticleId, FeedRecord, NewArticle};
use crate::embed::HashingEmbedder;
use crate::engine::{Engine, FeedSelection};
use crate::error::{Error, Result};
use crate::feeds::article::prepare_article;
use crate::feeds::fetch::{FetchOutcome, Fetcher, Validators};
use crate::feeds::parse::parse_feed;
use crate::feeds::FeedSettings;
use crate::store::{RefreshWrite, Store};

/// Loopback addresses the feeds are spread over (one "site" each).
const HOSTS: u8 = 8;
/// The target for fetch + parse + sanitize + store.
pub const TARGET_PER_SECOND: f64 = 2000.0;

#[derive(Debug, Clone)]
pub struct IngestBenchConfig {
    pub feeds: usize,
    pub articles: usize,
    pub runs: usize,
    pub seed: u64,
}

impl Default for IngestBenchConfig {
    fn default() -> Self {
        Self {
            feeds: 40,
            articles: 20_000,
            runs: 3,
            seed: 1,
        }
    }
}

/// One stage over all runs.
#[derive(Debug, Clone, Serialize)]
pub struct StageTimes {
    pub name: String,
    pub runs: usize,
    pub min_s: f64,
    pub median_s: f64,
    pub max_s: f64,
    /// Articles per second at the median time.
    pub per_second: f64,
    /// CPU time of the whole process during the stage ÷ its wall time, median (2.0 = both
    /// cores busy all along).
    pub cpu_per_wall: f64,
    /// Articles per second of process CPU time, median.
    pub per_cpu_second: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct IngestBenchReport {
    pub feeds: usize,
    pub articles: usize,
    /// Bytes of feed XML served per run.
    pub feed_bytes: usize,
    pub runs: usize,
    pub stages: Vec<StageTimes>,
}

/// What the stages are called, in the report's order.
pub const FETCH: &str = "fetch (HTTP over loopback, bodies only)";
pub const PARSE: &str = "parse + sanitize (on the blocking pool, as refresh does)";
pub const STORE: &str = "store (one transaction per feed, then flush)";
pub const REFRESH: &str = "**refresh: fetch + parse + sanitize + store**";
pub const INDEX: &str = "search index (after the refresh above)";
pub const EMBED: &str = "embed, hashing embedder (after the index above)";
pub const INGEST: &str = "`sift refresh` whole: refresh, then index ∥ embed";
pub const INGEST_STORED: &str = "… of which until stored (articles listable)";

/// Every stage, in the order the report lists them.
pub const STAGES: [&str; 8] = [
    FETCH,
    PARSE,
    STORE,
    REFRESH,
    INDEX,
    EMBED,
    INGEST,
    INGEST_STORED,
];

/// Runs the benchmark on its own runtime (a thread of its own, so it may be called from
/// inside another runtime). `progress` gets a line per step.
pub fn bench_ingest(
    config: &IngestBenchConfig,
    progress: impl Fn(&str) + Send + Sync + 'static,
) -> Result<IngestBenchReport> {
    if config.feeds == 0 || config.articles < config.feeds || config.runs == 0 {
        return Err(Error::InvalidInput(
            "bench ingest needs at least one feed, one article per feed and one run".into(),
        ));
    }
    let config = config.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::InvalidInput(format!("could not start a runtime: {e}")))?;
        runtime.block_on(run(&config, &progress))
    })
    .join()
    .map_err(|_| Error::InvalidInput("the ingestion benchmark stopped unexpectedly".into()))?
}

async fn run(config: &IngestBenchConfig, progress: &dyn Fn(&str)) -> Result<IngestBenchReport> {
    let bodies = feeds_xml(config);
    let feed_bytes = bodies.iter().map(Vec::len).sum();
    let server = LoopbackFeeds::start(bodies).await?;
    let urls = server.urls.clone();
    let mut times: HashMap<&'static str, Vec<(f64, f64)>> = HashMap::new();
    for run in 1..=config.runs {
        let scratch = Scratch::new(run)?;
        progress(&format!("run {run}/{}: stages on their own", config.runs));
        let fetcher = Fetcher::new(&FeedSettings::default())?;
        let (fetched, t) = timed(fetch_all(&fetcher, &urls)).await;
        times.entry(FETCH).or_default().push(t);
        let (prepared, t) = timed(parse_all(fetched?)).await;
        times.entry(PARSE).or_default().push(t);
        let (stored, t) =
            timed(async { store_all(&scratch.path().join("stages"), prepared?) }).await;
        times.entry(STORE).or_default().push(t);
        check_count(stored?, config.articles, "stored")?;

        progress(&format!("run {run}/{}: refresh, index, embed", config.runs));
        let engine = engine_with_feeds(&scratch.path().join("refresh"), &urls)?;
        let (report, t) = timed(engine.refresh_only(|_| {})).await;
        times.entry(REFRESH).or_default().push(t);
        let report = report?;
        check_count(report.new_articles, config.articles, "refreshed")?;
        let ids: Vec<ArticleId> = report.changed_article_ids();
        let (indexed, t) = timed(async { engine.update_search_index(&ids) }).await;
        indexed?;
        times.entry(INDEX).or_default().push(t);
        let (embedded, t) = timed(async { engine.embed_pending(|_, _| {}) }).await;
        check_count(embedded?.embedded, config.articles, "embedded")?;
        times.entry(EMBED).or_default().push(t);
        drop(engine);

        progress(&format!(
            "run {run}/{}: all of it, as sift refresh",
            config.runs
        ));
        let engine = engine_with_feeds(&scratch.path().join("ingest"), &urls)?;
        let started = Instant::now();
        let cpu_started = cpu_seconds();
        let stored_at = Arc::new(std::sync::Mutex::new(None));
        let report = engine
            .ingest(FeedSelection::All, {
                let stored_at = stored_at.clone();
                move |event| {
                    if let crate::engine::IngestEvent::Stored(_) = event {
                        *stored_at.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some((started.elapsed().as_secs_f64(), cpu_seconds()));
                    }
                }
            })
            .await?;
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu_started;
        check_count(report.refresh.new_articles, config.articles, "ingested")?;
        let embedded = report
            .embedding
            .map_err(|e| Error::Embedding(format!("the hashing embedder failed: {e}")))?;
        check_count(
            embedded.embedded,
            config.articles,
            "embedded while ingesting",
        )?;
        times.entry(INGEST).or_default().push((wall, cpu));
        if let Some((wall, cpu_at)) = *stored_at.lock().unwrap_or_else(|p| p.into_inner()) {
            times
                .entry(INGEST_STORED)
                .or_default()
                .push((wall, cpu_at - cpu_started));
        }
        // The search index really holds them when ingestion returns.
        let hits = engine.search(&crate::engine::SearchQuery {
            text: "the".into(),
            mode: crate::engine::SearchMode::Words,
            limit: Some(1),
        });
        drop(hits);
    }
    server.stop();
    let stages = STAGES
        .iter()
        .filter_map(|name| {
            let mut runs = times.remove(name)?;
            let mut ratios: Vec<f64> = runs
                .iter()
                .map(|(wall, cpu)| cpu / wall.max(1e-9))
                .collect();
            ratios.sort_by(f64::total_cmp);
            let mut per_cpu: Vec<f64> = runs
                .iter()
                .map(|(_, cpu)| config.articles as f64 / cpu.max(1e-9))
                .collect();
            per_cpu.sort_by(f64::total_cmp);
            runs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let median = runs[runs.len() / 2].0;
            Some(StageTimes {
                name: name.to_string(),
                runs: runs.len(),
                min_s: runs[0].0,
                median_s: median,
                max_s: runs[runs.len() - 1].0,
                per_second: config.articles as f64 / median.max(1e-9),
                cpu_per_wall: ratios[ratios.len() / 2],
                per_cpu_second: per_cpu[per_cpu.len() / 2],
            })
        })
        .collect();
    Ok(IngestBenchReport {
        feeds: config.feeds,
        articles: config.articles,
        feed_bytes,
        runs: config.runs,
        stages,
    })
}

/// A directory under the system's temporary directory, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(run: usize) -> Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("sift-bench-ingest-{}-{run}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::InvalidInput(format!("could not create {}: {e}", dir.display())))?;
        Ok(Self(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn check_count(found: usize, expected: usize, what: &str) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "the benchmark {what} {found} articles, expected {expected}"
        )))
    }
}

/// Wall seconds and process CPU seconds of `work`.
async fn timed<T>(work: impl std::future::Future<Output = T>) -> (T, (f64, f64)) {
    let cpu = cpu_seconds();
    let started = Instant::now();
    let out = work.await;
    let wall = started.elapsed().as_secs_f64();
    (out, (wall, cpu_seconds() - cpu))
}

/// User + system CPU time of this process so far (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after ')'.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The feeds as RSS documents: `articles` articles spread evenly, news-sized bodies with
/// the markup feeds carry (links, images, emphasis, a script and inline styles to strip,
/// relative URLs to resolve).
fn feeds_xml(config: &IngestBenchConfig) -> Vec<Vec<u8>> {
    let mut rng = Xoshiro256Plus::seed_from_u64(config.seed);
    (0..config.feeds)
        .map(|f| {
            let count =
                config.articles / config.feeds + usize::from(f < config.articles % config.feeds);
            let topics = [
                rng.gen_range(0..TOPICS.len()),
                rng.gen_range(0..TOPICS.len()),
            ];
            let items: String = (0..count)
                .map(|n| item(&article(&mut rng, f, n, topics[n % 2], 30), n))
                .collect();
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" \
                 xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
                 xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>\
                 <title>Bench site {f}</title><link>https://site{f}.bench.invalid/</link>\
                 <description>Feed {f} of the ingestion benchmark</description>{items}\
                 </channel></rss>"
            )
            .into_bytes()
        })
        .collect()
}

fn item(a: &NewArticle, n: usize) -> String {
    let published = a
        .published
        .as_deref()
        .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
        .map(|d| d.to_rfc2822())
        .unwrap_or_default();
    let body = a.content_html.as_deref().unwrap_or_default();
    // The markup a site's feed carries around the story.
    let content = format!(
        "<div class=\"story\" style=\"margin:0\"><p><a href=\"/tags/{n}\">Tagged</a> \
         <img src=\"/images/{n}.jpg\" alt=\"Photo {n}\" width=\"640\" height=\"360\" \
         onerror=\"track()\"></p>{body}<p><em>Read more</em> on <strong>our site</strong>: \
         <a href=\"https://example.com/more?id={n}&amp;src=rss\" target=\"_blank\">link</a>\
         </p><script>track({n})</script></div>"
    );
    format!(
        "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{}</guid>\
         <pubDate>{published}</pubDate><dc:creator>{}</dc:creator>\
         <description>{}</description><content:encoded><![CDATA[{content}]]></content:encoded>\
         </item>",
        escape(&a.title),
        escape(a.link.as_deref().unwrap_or_default()),
        escape(a.guid.as_deref().unwrap_or_default()),
        escape(a.author.as_deref().unwrap_or_default()),
        escape(a.summary.as_deref().unwrap_or_default()),
    )
}

/// Text as XML character data (the search highlighter's HTML escaping is valid XML too).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    crate::search::escape_html_into(&mut out, text);
    out
}

/// An engine on a fresh store under `dir`, subscribed to `urls` (written directly: no
/// autodiscovery fetch), embedding with the hashing embedder.
fn engine_with_feeds(dir: &Path, urls: &[String]) -> Result<Arc<Engine>> {
    let engine = Engine::open(dir)?.with_embedder(Arc::new(HashingEmbedder::new(GENERATED_DIM)));
    for url in urls {
        let record = FeedRecord::new(
            engine.store().new_feed_id()?,
            url.clone(),
            url.clone(),
            None,
        );
        engine.store().insert_feed(&record)?;
    }
    Ok(Arc::new(engine))
}

/// Fetches every feed, 8 at once and 2 per host as a refresh does; bodies only.
async fn fetch_all(fetcher: &Fetcher, urls: &[String]) -> Result<Vec<(String, Vec<u8>)>> {
    let settings = fetcher.settings().clone();
    let global = Arc::new(tokio::sync::Semaphore::new(settings.max_concurrent.max(1)));
    let mut per_host: HashMap<String, Arc<tokio::sync::Semaphore>> = HashMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    for url in urls {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let host_limit = per_host
            .entry(host)
            .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(settings.max_per_host.max(1))))
            .clone();
        let global = global.clone();
        let fetcher = fetcher.clone();
        let url = url.clone();
        tasks.spawn(async move {
            let _host = host_limit.acquire_owned().await;
            let _slot = global.acquire_owned().await;
            match fetcher.fetch(&url, &Validators::default()).await? {
                FetchOutcome::Fetched(f) => Ok((f.final_url, f.body)),
                FetchOutcome::NotModified => Err(Error::InvalidInput(format!(
                    "{url} answered 304 to a request without validators"
                ))),
            }
        });
    }
    let mut out = Vec::with_capacity(urls.len());
    while let Some(joined) = tasks.join_next().await {
        out.push(joined.map_err(|e| Error::InvalidInput(format!("a fetch stopped: {e}")))??);
    }
    Ok(out)
}

/// Parses and sanitizes every body, each on the blocking pool (as a refresh does).
async fn parse_all(bodies: Vec<(String, Vec<u8>)>) -> Result<Vec<(String, Vec<NewArticle>)>> {
    let mut tasks = tokio::task::JoinSet::new();
    for (url, body) in bodies {
        tasks.spawn_blocking(move || {
            let parsed = parse_feed(&body, &url)?;
            let articles: Vec<NewArticle> = parsed.entries.iter().map(prepare_article).collect();
            Ok::<_, Error>((url, articles))
        });
    }
    let mut out = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        out.push(joined.map_err(|e| Error::InvalidInput(format!("a parse stopped: {e}")))??);
    }
    Ok(out)
}

/// Stores every feed's articles in a fresh store, one refresh write per feed, then flushes.
fn store_all(dir: &Path, feeds: Vec<(String, Vec<NewArticle>)>) -> Result<usize> {
    let store = Store::open(dir)?;
    let mut stored = 0;
    for (url, articles) in feeds {
        let feed = FeedRecord::new(store.new_feed_id()?, url.clone(), url, None);
        store.insert_feed(&feed)?;
        let outcome = store.apply_refresh(&RefreshWrite { feed, articles })?;
        stored += outcome.new_ids.len();
    }
    store.flush()?;
    Ok(stored)
}

/// A loopback HTTP server for the feeds: `/feed{N}.xml` on address 127.0.0.(1 + N % 8),
/// one response per connection.
struct LoopbackFeeds {
    urls: Vec<String>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl LoopbackFeeds {
    async fn start(bodies: Vec<Vec<u8>>) -> Result<Self> {
        let bodies: Arc<Vec<Vec<u8>>> = Arc::new(bodies);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut ports = Vec::new();
        for host in 1..=HOSTS {
            let address = SocketAddr::from(([127, 0, 0, host], 0));
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| Error::InvalidInput(format!("could not listen on {address}: {e}")))?;
            ports.push(
                listener
                    .local_addr()
                    .map_err(|e| Error::InvalidInput(e.to_string()))?,
            );
            let bodies = bodies.clone();
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = stopped.changed() => return,
                        accepted = listener.accept() => {
                            let Ok((socket, _)) = accepted else { continue };
                            tokio::spawn(serve(socket, bodies.clone()));
                        }
                    }
                }
            });
        }
        let urls = (0..bodies.len())
            .map(|f| format!("http://{}/feed{f}.xml", ports[f % ports.len()]))
            .collect();
        Ok(Self { urls, stop })
    }

    fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

async fn serve(mut socket: tokio::net::TcpStream, bodies: Arc<Vec<Vec<u8>>>) {
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&request);
    let feed = line
        .split_whitespace()
        .nth(1)
        .and_then(|path| path.strip_prefix("/feed"))
        .and_then(|rest| rest.strip_suffix(".xml"))
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| bodies.get(n));
    let (status, body): (&str, &[u8]) = match feed {
        Some(body) => ("200 OK", body),
        None => ("404 Not Found", b"no such feed"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    if socket.write_all(head.as_bytes()).await.is_ok() {
        let _ = socket.write_all(body).await;
    }
    let _ = socket.shutdown().await;
}

/// The Markdown section for docs/BENCHMARKS.md.
pub fn markdown(report: &IngestBenchReport, command: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "Command: `{command}` ({} build). {} articles over {} RSS feeds ({:.1} MB of XML, \
         ~{:.1} KB an article: title, summary, author, date, a body of a few paragraphs with \
         links, an image, a script and inline styles to clean), served from this process on \
         8 loopback addresses so the fetcher's default limits apply (8 feeds at once, 2 per \
         site); a fresh store for each row of each run; {} runs. Target: fetch + parse + \
         sanitize + store ≥ {:.0} articles/s. CPU ÷ wall is the process's CPU time over the \
         stage's wall time (2.0 = both cores busy all along); articles per CPU second is \
         what one core would do, which moves less than wall time on a machine shared with \
         other builds.\n\n",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        report.articles,
        report.feeds,
        report.feed_bytes as f64 / 1e6,
        report.feed_bytes as f64 / report.articles.max(1) as f64 / 1e3,
        report.runs,
        TARGET_PER_SECOND
    ));
    s.push_str(
        "| stage | min s | median s | max s | articles/s (median) | CPU ÷ wall | articles per CPU s | target |\n",
    );
    s.push_str("|---|---:|---:|---:|---:|---:|---:|---|\n");
    for stage in &report.stages {
        let target = if stage.name == REFRESH {
            if stage.per_second >= TARGET_PER_SECOND {
                format!("≥ {TARGET_PER_SECOND:.0}/s: met")
            } else {
                format!("≥ {TARGET_PER_SECOND:.0}/s: not met")
            }
        } else {
            String::new()
        };
        s.push_str(&format!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.0} | {:.2} | {:.0} | {target} |\n",
            stage.name,
            stage.min_s,
            stage.median_s,
            stage.max_s,
            stage.per_second,
            stage.cpu_per_wall,
            stage.per_cpu_second
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small run goes through every stage, each storing, indexing and embedding every
    /// article (the benchmark refuses a run where any count is off), and the report shows
    /// the refresh against its target.
    #[test]
    fn a_small_run_times_every_stage_over_every_article() {
        let config = IngestBenchConfig {
            feeds: 3,
            articles: 31,
            runs: 1,
            seed: 7,
        };
        let report = bench_ingest(&config, |_| {}).unwrap();
        let names: Vec<&str> = report.stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, STAGES);
        assert!(report
            .stages
            .iter()
            .all(|s| s.runs == 1 && s.median_s > 0.0));
        assert!(report.feed_bytes > 31 * 1000, "news-sized articles");
        let section = markdown(&report, "sift bench ingest");
        assert!(section.contains("| **refresh: fetch + parse + sanitize + store** |"));
        assert!(section.contains("≥ 2000/s"));
    }

    #[test]
    fn the_feeds_are_valid_rss_with_every_article() {
        let config = IngestBenchConfig {
            feeds: 2,
            articles: 5,
            runs: 1,
            seed: 1,
        };
        let feeds = feeds_xml(&config);
        let counts: Vec<usize> = feeds
            .iter()
            .map(|xml| {
                parse_feed(xml, "http://127.0.0.1/feed.xml")
                    .unwrap()
                    .entries
                    .len()
            })
            .collect();
        assert_eq!(counts, [3, 2]);
        let parsed = parse_feed(&feeds[0], "http://127.0.0.1/feed.xml").unwrap();
        let article = prepare_article(&parsed.entries[0]);
        let html = article.content_html.unwrap();
        assert!(
            !html.contains("<script") && !html.contains("onerror"),
            "{html}"
        );
        // Relative URLs resolved against the entry's link.
        assert!(
            html.contains("https://feed0.generated.invalid/images/0.jpg"),
            "{html}"
        );
        assert!(article.published.is_some() && article.author.is_some());
    }
}
