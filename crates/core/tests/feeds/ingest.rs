//! Ingestion end to end (refresh → store → embedding queue), against a loopback server and
//! an embedder that records what it was asked to embed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sift_core::embed::{Embedder, HashingEmbedder};
use sift_core::engine::{ArticleFilter, FeedSelection, IngestEvent, RefreshStatus};
use sift_core::Engine;

use crate::fetching::quick_settings;
use crate::server::{Response, TestServer};

/// The hashing embedder, recording every text it embeds; fails while `failing` is set.
#[derive(Default)]
struct Recorder {
    inner: HashingEmbedder,
    texts: Mutex<Vec<String>>,
    failing: AtomicBool,
}

impl Embedder for Recorder {
    fn embed(&self, texts: &[&str]) -> sift_core::Result<Vec<Vec<f32>>> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(sift_core::Error::Embedding("the test model is down".into()));
        }
        let mut seen = self.texts.lock().unwrap();
        seen.extend(texts.iter().map(|t| t.to_string()));
        self.inner.embed(texts)
    }
    fn model_id(&self) -> &str {
        self.inner.model_id()
    }
    fn dim(&self) -> usize {
        self.inner.dim()
    }
}

impl Recorder {
    /// Which items ("A3", "B0") were embedded, in order.
    fn items(&self) -> Vec<String> {
        self.texts
            .lock()
            .unwrap()
            .iter()
            .map(|t| {
                let feed = &t[..1];
                let item = t.split("item ").nth(1).unwrap_or("?");
                format!("{feed}{}", &item[..1])
            })
            .collect()
    }
}

/// An RSS feed whose item i was published on March (1 + i), so higher items are newer.
fn rss(title: &str, items: std::ops::Range<usize>) -> Response {
    let items: String = items
        .map(|i| {
            format!(
                "<item><title>{title} item {i}</title><link>http://{title}.test/{i}</link>\
                 <pubDate>Tue, 0{d} Mar 2024 10:00:00 GMT</pubDate>\
                 <description>words about {title} {i}</description></item>",
                d = 1 + i
            )
        })
        .collect();
    Response::ok(
        "application/rss+xml",
        format!(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>
            <link>http://example.test/</link>{items}</channel></rss>"#
        ),
    )
}

fn engine(recorder: &Arc<Recorder>) -> (tempfile::TempDir, Arc<Engine>) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open_with_settings(dir.path(), quick_settings())
        .unwrap()
        .with_embedder(recorder.clone());
    (dir, Arc::new(engine))
}

type Log = Arc<Mutex<Vec<String>>>;

/// Events as short strings, in the order they came.
fn logger(log: &Log) -> impl Fn(IngestEvent<'_>) + Send + Sync + 'static {
    let log = log.clone();
    move |event| {
        let line = match event {
            IngestEvent::Refreshed(p) => format!("refreshed {}/{}", p.done, p.total),
            IngestEvent::Stored(r) => format!("stored {}", r.new_articles),
            IngestEvent::Embedded { done, total } => format!("embedded {done}/{total}"),
            IngestEvent::Finished(r) => format!("finished {}", r.refresh.new_articles),
        };
        log.lock().unwrap().push(line);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_stores_then_embeds_newest_first_once_reporting_each_step() {
    let server = TestServer::start();
    server.route("/a.xml", rss("A", 0..4));
    server.route("/gone.xml", rss("G", 0..1));
    let recorder = Arc::new(Recorder::default());
    let (_dir, engine) = engine(&recorder);
    engine.subscribe(&server.url("/a.xml")).await.unwrap();
    engine.subscribe(&server.url("/gone.xml")).await.unwrap();
    server.route("/gone.xml", Response::new(404, "gone"));

    let log = Log::default();
    let report = engine
        .ingest(FeedSelection::All, logger(&log))
        .await
        .unwrap();

    let log = log.lock().unwrap().clone();
    assert_eq!(log[..2], ["refreshed 1/2", "refreshed 2/2"], "{log:?}");
    assert_eq!(log[2], "stored 4", "{log:?}");
    let embedded: Vec<&String> = log[3..log.len() - 1].iter().collect();
    assert_eq!(
        embedded.last().map(|s| s.as_str()),
        Some("embedded 4/4"),
        "{log:?}"
    );
    assert!(embedded.iter().all(|s| s.starts_with("embedded ")));
    assert_eq!(log.last().unwrap(), "finished 4");

    // A failing feed is in the report, not an error of the run.
    let refresh = &report.refresh;
    assert_eq!(refresh.feeds.len(), 2);
    assert_eq!(refresh.feeds[0].status, RefreshStatus::Ok);
    assert_eq!(refresh.feeds[1].status, RefreshStatus::Error);
    assert!(refresh.feeds[1].error.as_deref().unwrap().contains("404"));
    assert_eq!(report.embedding.as_ref().unwrap().embedded, 4);

    assert_eq!(recorder.items(), ["A3", "A2", "A1", "A0"], "newest first");
    let listed = engine.articles(&ArticleFilter::default()).unwrap();
    assert!(
        listed.iter().all(|a| a.score.is_some()),
        "scored once ingested"
    );

    // Nothing new: nothing embedded again, and no embedding events.
    let log = Log::default();
    let again = engine
        .ingest(FeedSelection::All, logger(&log))
        .await
        .unwrap();
    assert_eq!(again.embedding.as_ref().unwrap().embedded, 0);
    assert_eq!(recorder.items().len(), 4, "never twice");
    assert!(!log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.starts_with("embedded")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_model_keeps_the_articles_and_the_next_run_embeds_them() {
    let server = TestServer::start();
    server.route("/a.xml", rss("A", 0..3));
    let recorder = Arc::new(Recorder::default());
    recorder.failing.store(true, Ordering::SeqCst);
    let (_dir, engine) = engine(&recorder);
    engine.subscribe(&server.url("/a.xml")).await.unwrap();

    let first = engine.ingest(FeedSelection::All, |_| {}).await.unwrap();
    assert_eq!(first.refresh.new_articles, 3);
    let error = first.embedding.unwrap_err();
    assert!(error.contains("the test model is down"), "{error}");
    let listed = engine.articles(&ArticleFilter::default()).unwrap();
    assert_eq!(listed.len(), 3, "stored regardless");
    assert!(listed.iter().all(|a| a.score.is_none()));

    // The feed brings nothing new, but the embedding still owed is done now.
    recorder.failing.store(false, Ordering::SeqCst);
    let second = engine.ingest(FeedSelection::Due, |_| {}).await.unwrap();
    assert_eq!(second.refresh.new_articles, 0);
    assert_eq!(second.embedding.unwrap().embedded, 3);
    assert_eq!(recorder.items(), ["A2", "A1", "A0"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_ingestions_embed_each_article_once() {
    let server = TestServer::start();
    server.route("/a.xml", rss("A", 0..5));
    server.route("/b.xml", rss("B", 0..5));
    let recorder = Arc::new(Recorder::default());
    let (_dir, engine) = engine(&recorder);
    let a = engine.subscribe(&server.url("/a.xml")).await.unwrap();
    let b = engine.subscribe(&server.url("/b.xml")).await.unwrap();

    let (first, second, third) = tokio::join!(
        engine.ingest(FeedSelection::One(a.id), |_| {}),
        engine.ingest(FeedSelection::One(b.id), |_| {}),
        engine.ingest(FeedSelection::All, |_| {}),
    );
    let embedded: usize = [first, second, third]
        .into_iter()
        .map(|r| r.unwrap().embedding.unwrap().embedded)
        .sum();
    assert_eq!(embedded, 10);
    let mut items = recorder.items();
    items.sort();
    items.dedup();
    assert_eq!(items.len(), 10, "each article embedded exactly once");
    assert_eq!(recorder.items().len(), 10);
}

/// The hashing embedder behind a gate: once armed, the next batch stops inside `embed`
/// (after saying so) until the test opens the gate.
#[derive(Default)]
struct Gate {
    inner: HashingEmbedder,
    armed: AtomicBool,
    inside: Mutex<Option<std::sync::mpsc::Sender<()>>>,
    open: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
    /// "embed" for each batch and "release" for each [`Embedder::release`], in order.
    calls: Mutex<Vec<&'static str>>,
}

impl Embedder for Gate {
    fn release(&self) {
        self.calls.lock().unwrap().push("release");
    }
    fn embed(&self, texts: &[&str]) -> sift_core::Result<Vec<Vec<f32>>> {
        self.calls.lock().unwrap().push("embed");
        if self.armed.swap(false, Ordering::SeqCst) {
            if let Some(inside) = self.inside.lock().unwrap().take() {
                let _ = inside.send(());
            }
            if let Some(open) = self.open.lock().unwrap().take() {
                let _ = open.recv_timeout(std::time::Duration::from_secs(30));
            }
        }
        self.inner.embed(texts)
    }
    fn model_id(&self) -> &str {
        self.inner.model_id()
    }
    fn dim(&self) -> usize {
        self.inner.dim()
    }
}

/// While a batch is inside the model, every view and an answer still complete: embedding
/// holds no lock they need. (A batch of the real model takes seconds; a view must not wait
/// for it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_and_answers_do_not_wait_for_a_batch_being_embedded() {
    use sift_core::domain::Rating;
    let server = TestServer::start();
    server.route("/a.xml", rss("A", 0..6));
    server.route("/b.xml", rss("B", 0..6));
    let gate = Arc::new(Gate::default());
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(
        Engine::open_with_settings(dir.path(), quick_settings())
            .unwrap()
            .with_embedder(gate.clone()),
    );
    engine.subscribe(&server.url("/a.xml")).await.unwrap();
    engine.ingest(FeedSelection::All, |_| {}).await.unwrap();
    let first = engine.articles(&ArticleFilter::default()).unwrap()[0].id;
    engine.rate(first, Some(Rating::Like)).unwrap();

    let (inside_tx, inside_rx) = std::sync::mpsc::channel();
    let (open_tx, open_rx) = std::sync::mpsc::channel();
    *gate.inside.lock().unwrap() = Some(inside_tx);
    *gate.open.lock().unwrap() = Some(open_rx);
    gate.armed.store(true, Ordering::SeqCst);
    let b = engine.subscribe(&server.url("/b.xml")).await.unwrap();
    let ingesting = tokio::spawn({
        let engine = engine.clone();
        async move { engine.ingest(FeedSelection::One(b.id), |_| {}).await }
    });
    tokio::task::spawn_blocking(move || {
        inside_rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the embedding queue reached the model")
    })
    .await
    .unwrap();

    // The batch is stuck inside the model now. Each call gets its own thread and a
    // deadline, so a call that waits on the batch fails the test instead of hanging it.
    let views = tokio::task::spawn_blocking({
        let engine = engine.clone();
        move || {
            let listed = engine.articles(&ArticleFilter::default()).unwrap();
            assert_eq!(
                listed.len(),
                12,
                "the new articles are listed while they embed"
            );
            engine.for_you(Some(10), true).unwrap();
            engine.recommend(Some(10)).unwrap();
            engine.cards(Some(5)).unwrap();
            engine.rate(listed[1].id, Some(Rating::Dislike)).unwrap();
            engine.clusters().unwrap();
            engine.map().unwrap();
            engine.feeds().unwrap();
        }
    });
    tokio::time::timeout(std::time::Duration::from_secs(10), views)
        .await
        .expect("views and answers finished while a batch was inside the model")
        .unwrap();
    assert!(
        !ingesting.is_finished(),
        "the batch was still inside the model"
    );

    open_tx.send(()).unwrap();
    let report = ingesting.await.unwrap().unwrap();
    assert_eq!(report.embedding.unwrap().embedded, 6);
    assert!(engine
        .articles(&ArticleFilter::default())
        .unwrap()
        .iter()
        .all(|a| a.score.is_some()));
}

/// Feeds subscribed one after another while the first one embeds (as in the app's import):
/// the articles stored meanwhile join the running queue, so the second ingestion's run finds
/// nothing left. The model is still released once the queue is empty, after the last batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_is_released_after_the_last_batch_when_feeds_arrive_during_a_run() {
    let server = TestServer::start();
    server.route("/a.xml", rss("A", 0..6));
    server.route("/b.xml", rss("B", 0..6));
    let gate = Arc::new(Gate::default());
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(
        Engine::open_with_settings(dir.path(), quick_settings())
            .unwrap()
            .with_embedder(gate.clone()),
    );
    let (inside_tx, inside_rx) = std::sync::mpsc::channel();
    let (open_tx, open_rx) = std::sync::mpsc::channel();
    *gate.inside.lock().unwrap() = Some(inside_tx);
    *gate.open.lock().unwrap() = Some(open_rx);
    gate.armed.store(true, Ordering::SeqCst);
    let a = engine.subscribe(&server.url("/a.xml")).await.unwrap();
    let first = tokio::spawn({
        let engine = engine.clone();
        async move { engine.ingest(FeedSelection::One(a.id), |_| {}).await }
    });
    tokio::task::spawn_blocking(move || {
        inside_rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the first run reached the model")
    })
    .await
    .unwrap();
    // B is stored while A's first batch is inside the model.
    let b = engine.subscribe(&server.url("/b.xml")).await.unwrap();
    let (stored_tx, stored_rx) = tokio::sync::oneshot::channel();
    let stored_tx = Mutex::new(Some(stored_tx));
    let second = tokio::spawn({
        let engine = engine.clone();
        async move {
            engine
                .ingest(FeedSelection::One(b.id), move |event| {
                    if let IngestEvent::Stored(_) = event {
                        if let Some(tx) = stored_tx.lock().unwrap().take() {
                            let _ = tx.send(());
                        }
                    }
                })
                .await
        }
    });
    stored_rx.await.unwrap();
    open_tx.send(()).unwrap();
    let embedded: usize = [first.await.unwrap(), second.await.unwrap()]
        .into_iter()
        .map(|r| r.unwrap().embedding.unwrap().embedded)
        .sum();
    assert_eq!(embedded, 12);
    let calls = gate.calls.lock().unwrap().clone();
    assert_eq!(
        calls.last(),
        Some(&"release"),
        "the model was not released after its last batch: {calls:?}"
    );
}

/// The hashing embedder, slowed to a given time per text without using the CPU: it
/// isolates what embedding's locking and snapshot invalidation cost the views from the
/// CPU the real model takes.
struct Slow {
    inner: HashingEmbedder,
    per_text: std::time::Duration,
}

impl Embedder for Slow {
    fn embed(&self, texts: &[&str]) -> sift_core::Result<Vec<Vec<f32>>> {
        std::thread::sleep(self.per_text * texts.len() as u32);
        self.inner.embed(texts)
    }
    fn model_id(&self) -> &str {
        self.inner.model_id()
    }
    fn dim(&self) -> usize {
        self.inner.dim()
    }
}

fn summary(name: &str, mut times: Vec<f64>) -> String {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    format!(
        "{name:<9} n={:<4} median {:>7.1} ms  p90 {:>7.1} ms  max {:>7.1} ms",
        times.len(),
        at(0.5),
        at(0.9),
        at(1.0)
    )
}

/// How long views and answers take while a long embedding run goes on, next to the same
/// calls on the same store when nothing embeds (the reference, same run). A measurement:
/// `cargo test -p sift-core --release --test feeds -- --ignored --nocapture views_while_embedding`
/// (`SIFT_BENCH_ARTICLES`, default 2000: as many are stored and embedded first, then as
/// many more embed while the views are timed; `SIFT_BENCH_EMBED_MS`, default 3 per text).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check; run with --ignored --nocapture"]
async fn views_while_embedding() {
    use sift_core::domain::Rating;
    use std::time::{Duration, Instant};
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let articles = env("SIFT_BENCH_ARTICLES", 2000);
    let per_text = Duration::from_millis(env("SIFT_BENCH_EMBED_MS", 3) as u64);
    let per_feed = 100;
    let feeds = articles.div_ceil(per_feed);
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let slow = Arc::new(Slow {
        inner: HashingEmbedder::default(),
        per_text: Duration::ZERO,
    });
    let engine = Arc::new(
        Engine::open_with_settings(dir.path(), quick_settings())
            .unwrap()
            .with_embedder(slow),
    );
    let feed = |set: &str, f: usize| {
        let items: String = (0..per_feed)
            .map(|i| {
                format!(
                    "<item><title>{set} feed {f} story {i} about topic{t} and theme{u}</title>\
                     <link>http://{set}.test/{f}/{i}</link>\
                     <pubDate>Tue, 05 Mar 2024 10:{:02}:00 GMT</pubDate>\
                     <description>words on topic{t} with detail{i} from source{f}</description></item>",
                    i % 60,
                    t = (f * 7 + i) % 23,
                    u = i % 11
                )
            })
            .collect();
        Response::ok(
            "application/rss+xml",
            format!(
                r#"<?xml version="1.0"?><rss version="2.0"><channel><title>{set} {f}</title><link>http://{set}.test/</link>{items}</channel></rss>"#
            ),
        )
    };
    for f in 0..feeds {
        server.route(&format!("/base{f}.xml"), feed("base", f));
        engine
            .subscribe(&server.url(&format!("/base{f}.xml")))
            .await
            .unwrap();
    }
    engine.ingest(FeedSelection::All, |_| {}).await.unwrap();
    let listed = engine.articles(&ArticleFilter::default()).unwrap();
    for (n, a) in listed.iter().take(20).enumerate() {
        let rating = if n % 3 == 0 {
            Rating::Dislike
        } else {
            Rating::Like
        };
        engine.rate(a.id, Some(rating)).unwrap();
    }
    let probe = listed[100].id;

    // One round of what a reader does: open For you, get cards, answer one.
    let round = move |engine: &Engine, times: &mut [Vec<f64>; 3]| {
        let timed = |f: &dyn Fn()| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64() * 1000.0
        };
        times[0].push(timed(&|| {
            engine.for_you(Some(50), true).unwrap();
        }));
        times[1].push(timed(&|| {
            engine.cards(Some(5)).unwrap();
        }));
        times[2].push(timed(&|| {
            engine.rate(probe, Some(Rating::Like)).unwrap();
        }));
        engine.rate(probe, None).unwrap();
    };
    let idle = tokio::task::spawn_blocking({
        let engine = engine.clone();
        move || {
            let mut times: [Vec<f64>; 3] = Default::default();
            for _ in 0..20 {
                round(&engine, &mut times);
            }
            times
        }
    })
    .await
    .unwrap();

    // The embedder is set once per engine: the slow model comes with a second engine over
    // the same store (the first one is closed).
    drop(engine);
    let engine = Arc::new(
        Engine::open_with_settings(dir.path(), quick_settings())
            .unwrap()
            .with_embedder(Arc::new(Slow {
                inner: HashingEmbedder::default(),
                per_text,
            })),
    );
    for f in 0..feeds {
        server.route(&format!("/more{f}.xml"), feed("more", f));
        engine
            .subscribe(&server.url(&format!("/more{f}.xml")))
            .await
            .unwrap();
    }
    let started = Instant::now();
    let ingesting = tokio::spawn({
        let engine = engine.clone();
        async move { engine.ingest(FeedSelection::All, |_| {}).await }
    });
    let during = tokio::task::spawn_blocking({
        let engine = engine.clone();
        move || {
            let mut times: [Vec<f64>; 3] = Default::default();
            // The views are timed only once the new articles are stored (the refresh is fast).
            while engine
                .articles(&ArticleFilter {
                    limit: Some(1),
                    without_content: true,
                    ..Default::default()
                })
                .map(|a| !a[0].title.starts_with("more"))
                .unwrap_or(true)
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            let deadline = Instant::now() + Duration::from_secs(600);
            while !ingesting.is_finished() && Instant::now() < deadline {
                round(&engine, &mut times);
            }
            (times, ingesting)
        }
    })
    .await
    .unwrap();
    let (times, ingesting) = during;
    let report = ingesting.await.unwrap().unwrap();
    let embedded = report.embedding.unwrap().embedded;
    println!(
        "{} articles stored and embedded, then {embedded} more embedded at {} ms per text in {:.1} s",
        listed.len(),
        per_text.as_millis(),
        started.elapsed().as_secs_f64()
    );
    let names = ["for_you", "cards", "rate"];
    for (name, times) in names.iter().zip(idle) {
        println!("idle    {}", summary(name, times));
    }
    for (name, times) in names.iter().zip(times) {
        println!("during  {}", summary(name, times));
    }
}

/// The recording embedder behind a gate: the first batch stops inside `embed` (after
/// saying so) until the test opens the gate.
#[derive(Default)]
struct GatedRecorder {
    recorder: Recorder,
    gate: Gate,
}

impl Embedder for GatedRecorder {
    fn embed(&self, texts: &[&str]) -> sift_core::Result<Vec<Vec<f32>>> {
        self.gate.embed(texts)?;
        self.recorder.embed(texts)
    }
    fn model_id(&self) -> &str {
        self.recorder.model_id()
    }
    fn dim(&self) -> usize {
        self.recorder.dim()
    }
}

/// An RSS feed of `items` items titled "{title} item {i}", all published in 2023.
fn old_rss(title: &str, items: usize) -> Response {
    let items: String = (0..items)
        .map(|i| {
            format!(
                "<item><title>{title} item {i}</title><link>http://{title}.test/{i}</link>\
                 <pubDate>Sun, 01 Jan 2023 10:{:02}:{:02} GMT</pubDate>\
                 <description>words about {title} {i}</description></item>",
                i / 60,
                i % 60
            )
        })
        .collect();
    Response::ok(
        "application/rss+xml",
        format!(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>
            <link>http://example.test/</link>{items}</channel></rss>"#
        ),
    )
}

/// Articles stored while a long embedding run goes on (today's refresh during a big
/// import) are embedded before that run's next batch, not after its whole backlog.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn articles_stored_during_an_embedding_run_are_embedded_before_its_backlog() {
    let backlog = 3 * sift_core::embed::TEXTS_PER_CALL;
    let server = TestServer::start();
    server.route("/old.xml", old_rss("O", backlog));
    server.route("/new.xml", rss("N", 0..3));
    let embedder = Arc::new(GatedRecorder::default());
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(
        Engine::open_with_settings(dir.path(), quick_settings())
            .unwrap()
            .with_embedder(embedder.clone()),
    );
    let old = engine.subscribe(&server.url("/old.xml")).await.unwrap();
    let (inside_tx, inside_rx) = std::sync::mpsc::channel();
    let (open_tx, open_rx) = std::sync::mpsc::channel();
    *embedder.gate.inside.lock().unwrap() = Some(inside_tx);
    *embedder.gate.open.lock().unwrap() = Some(open_rx);
    embedder.gate.armed.store(true, Ordering::SeqCst);
    let importing = tokio::spawn({
        let engine = engine.clone();
        async move { engine.ingest(FeedSelection::One(old.id), |_| {}).await }
    });
    tokio::task::spawn_blocking(move || {
        inside_rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the first batch of the backlog reached the model")
    })
    .await
    .unwrap();

    // The first batch is inside the model; a refresh of another feed stores 3 articles.
    let new = engine.subscribe(&server.url("/new.xml")).await.unwrap();
    let stored = Arc::new(tokio::sync::Notify::new());
    let refreshing = tokio::spawn({
        let engine = engine.clone();
        let stored = stored.clone();
        async move {
            engine
                .ingest(FeedSelection::One(new.id), move |e| {
                    if matches!(e, IngestEvent::Stored(_)) {
                        stored.notify_one();
                    }
                })
                .await
        }
    });
    stored.notified().await;
    open_tx.send(()).unwrap();
    let imported = importing.await.unwrap().unwrap();
    let refreshed = refreshing.await.unwrap().unwrap();

    let feeds: String = embedder
        .recorder
        .items()
        .iter()
        .map(|item| &item[..1])
        .collect();
    let batch = sift_core::embed::TEXTS_PER_CALL;
    assert_eq!(feeds.len(), backlog + 3, "each article once: {feeds}");
    assert_eq!(&feeds[..batch], "O".repeat(batch), "{feeds}");
    assert_eq!(
        &feeds[batch..batch + 3],
        "NNN",
        "the new articles right after the batch that was running: {feeds}"
    );
    assert_eq!(
        embedder.recorder.items()[batch..batch + 3],
        ["N2", "N1", "N0"],
        "newest first among them"
    );
    // The run that was going embedded them; the refresh's own run found nothing left.
    assert_eq!(imported.embedding.unwrap().embedded, backlog + 3);
    assert_eq!(refreshed.embedding.unwrap().embedded, 0);
    assert!(engine
        .articles(&ArticleFilter::default())
        .unwrap()
        .iter()
        .all(|a| a.score.is_some()));
}
