//! A big, realistic store for benchmarks: `sift generate-store --articles 100000 --feeds 500`.
//!
//! Articles are written through the same store transactions ingestion uses (one refresh
//! write per feed chunk), with news-sized bodies (a title, a summary, a few paragraphs of
//! sanitized HTML), spread over topics so that regions, clusters and cards have structure.
//! Vectors come from the hashing embedder (the real model would take hours for 100,000
//! articles on two cores); they are stored like real ones. The store remembers that, so
//! the CLI and the app opened on it keep using the hashing embedder and its vectors stay
//! valid. A few answers are given so that the model, clusters and cards are trained.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;
use serde::Serialize;

use crate::domain::{ArticleId, FeedRecord, NewArticle, Rating};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::store::RefreshWrite;

/// Dimensions of the generated vectors: the real model's, so memory and speed are alike.
pub const GENERATED_DIM: usize = 384;

#[derive(Debug, Clone)]
pub struct GenerateConfig {
    pub articles: usize,
    pub feeds: usize,
    /// Answers given after embedding (half likes in a few topics, half dislikes).
    pub ratings: usize,
    pub seed: u64,
    /// Articles are dated over this many days up to now. The default stays inside the
    /// default retention (90 days): an app opened on the store would otherwise delete the
    /// older part at start and be measured on what is left.
    pub days: u32,
}

/// [`GenerateConfig::days`] by default.
pub const GENERATED_DAYS: u32 = 60;

impl Default for GenerateConfig {
    fn default() -> Self {
        Self {
            articles: 100_000,
            feeds: 500,
            ratings: 40,
            seed: 1,
            days: GENERATED_DAYS,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GenerateReport {
    pub articles: usize,
    pub feeds: usize,
    pub ratings: usize,
    pub seconds_writing: f64,
    pub seconds_embedding: f64,
    /// Building the full-text index (under the data dir, beside the store).
    pub seconds_indexing: f64,
    pub store_bytes: u64,
    pub bytes_per_article: f64,
}

#[rustfmt::skip]
pub(super) const TOPICS: [&[&str]; 24] = [
    &["rust", "compiler", "borrow", "checker", "cargo", "crate", "memory", "safety", "async", "trait", "lifetime", "release"],
    &["football", "league", "match", "goal", "striker", "coach", "season", "transfer", "stadium", "penalty", "derby", "cup"],
    &["stock", "market", "shares", "earnings", "investors", "dividend", "index", "trading", "bond", "inflation", "rates", "quarter"],
    &["photography", "camera", "lens", "landscape", "exposure", "aperture", "portrait", "light", "sensor", "tripod", "shutter", "print"],
    &["senate", "vote", "bill", "congress", "election", "campaign", "policy", "governor", "ballot", "debate", "lawmakers", "reform"],
    &["climate", "emissions", "carbon", "warming", "glacier", "drought", "renewable", "solar", "wind", "ocean", "heat", "storm"],
    &["vaccine", "virus", "hospital", "patients", "trial", "doctors", "disease", "treatment", "health", "clinic", "dose", "study"],
    &["galaxy", "telescope", "planet", "orbit", "astronomers", "star", "nasa", "mission", "rocket", "moon", "mars", "launch"],
    &["recipe", "kitchen", "flour", "bake", "oven", "chef", "sauce", "garlic", "bread", "dinner", "spice", "butter"],
    &["guitar", "album", "band", "concert", "tour", "singer", "song", "vinyl", "festival", "drummer", "chorus", "studio"],
    &["smartphone", "battery", "screen", "chip", "android", "iphone", "app", "update", "camera", "charger", "display", "processor"],
    &["startup", "funding", "venture", "founders", "valuation", "seed", "investors", "growth", "acquisition", "revenue", "pitch", "unicorn"],
    &["chess", "opening", "endgame", "grandmaster", "tournament", "rating", "blitz", "gambit", "bishop", "knight", "pawn", "draw"],
    &["garden", "soil", "compost", "seeds", "tomatoes", "pruning", "roses", "harvest", "weeds", "greenhouse", "mulch", "bulbs"],
    &["cycling", "bike", "race", "peloton", "climb", "sprint", "stage", "tour", "gravel", "saddle", "wheel", "descent"],
    &["novel", "author", "fiction", "poetry", "publisher", "chapter", "library", "prize", "memoir", "reader", "literary", "translation"],
    &["database", "query", "index", "postgres", "replication", "schema", "transaction", "latency", "storage", "cache", "shard", "backup"],
    &["housing", "rent", "mortgage", "tenants", "landlord", "prices", "apartment", "zoning", "construction", "city", "homes", "buyers"],
    &["museum", "painting", "exhibition", "gallery", "artist", "sculpture", "curator", "canvas", "collection", "portrait", "modern", "auction"],
    &["railway", "train", "station", "tracks", "commuters", "tram", "tunnel", "freight", "timetable", "signal", "carriage", "metro"],
    &["wildlife", "birds", "forest", "species", "habitat", "wolves", "conservation", "migration", "river", "park", "ranger", "nest"],
    &["security", "breach", "malware", "password", "hackers", "patch", "vulnerability", "encryption", "phishing", "firewall", "exploit", "ransomware"],
    &["tennis", "serve", "racket", "court", "slam", "rally", "volley", "seed", "final", "umpire", "baseline", "tiebreak"],
    &["coffee", "espresso", "roast", "beans", "barista", "grinder", "brew", "cafe", "milk", "crema", "filter", "aroma"],
];

#[rustfmt::skip]
const COMMON: [&str; 40] = [
    "new", "report", "says", "after", "first", "week", "year", "people", "how", "why",
    "what", "best", "guide", "today", "latest", "inside", "review", "analysis", "big", "small",
    "could", "will", "more", "less", "plans", "announces", "looks", "back", "future", "local",
    "world", "time", "change", "study", "finds", "team", "open", "long", "short", "story",
];

fn sentence(rng: &mut Xoshiro256Plus, topic: &[&str], words: usize) -> String {
    let mut out: Vec<&str> = Vec::with_capacity(words);
    for _ in 0..words {
        // Two in three words from the topic, the rest common words or another topic's.
        let w = match rng.gen_range(0..9) {
            0..=5 => topic[rng.gen_range(0..topic.len())],
            6..=7 => COMMON[rng.gen_range(0..COMMON.len())],
            _ => {
                let other = TOPICS[rng.gen_range(0..TOPICS.len())];
                other[rng.gen_range(0..other.len())]
            }
        };
        out.push(w);
    }
    let mut s = out.join(" ");
    if let Some(first) = s.get(..1) {
        s.replace_range(..1, &first.to_uppercase());
    }
    s
}

pub(super) fn article(
    rng: &mut Xoshiro256Plus,
    feed: usize,
    n: usize,
    topic: usize,
    days: u32,
) -> NewArticle {
    let words = TOPICS[topic];
    let title_len = rng.gen_range(6..12);
    let title = sentence(rng, words, title_len);
    let summary = format!(
        "{}. {}.",
        sentence(rng, words, 18),
        sentence(rng, words, 14)
    );
    let paragraphs: Vec<String> = (0..rng.gen_range(3..7))
        .map(|_| {
            (0..rng.gen_range(3..6))
                .map(|_| {
                    let len = rng.gen_range(10..22);
                    format!("{}.", sentence(rng, words, len))
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let content_html: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    let text = format!("{title}\n{}", paragraphs.join("\n"));
    // Anywhere in the last `days` days, never in the future.
    let age = rng.gen_range(0..i64::from(days.max(1)) * 86_400);
    let published = (chrono::Utc::now() - chrono::Duration::seconds(age)).to_rfc3339();
    NewArticle {
        guid: Some(format!("gen-{feed}-{n}")),
        link: Some(format!("https://feed{feed}.generated.invalid/posts/{n}")),
        published: Some(published),
        author: Some(format!("Author {}", rng.gen_range(1..200))),
        summary: Some(summary),
        content_html: Some(content_html),
        content_hash: format!("{:016x}", fnv1a(text.as_bytes())),
        text,
        title,
        ..Default::default()
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Fills the (empty) store of `engine` with `config.articles` articles over `config.feeds`
/// feeds, embeds them with the hashing embedder and gives `config.ratings` answers.
/// `progress(stage, done, total)`.
pub fn generate_store(
    engine: &Engine,
    config: &GenerateConfig,
    progress: impl Fn(&str, usize, usize),
) -> Result<GenerateReport> {
    if config.feeds == 0 || config.articles == 0 {
        return Err(Error::InvalidInput(
            "generate-store needs at least one feed and one article".into(),
        ));
    }
    if config.days == 0 {
        return Err(Error::InvalidInput(
            "generate-store dates articles over at least one day".into(),
        ));
    }
    if engine.store().article_count() > 0 || engine.store().feed_count() > 0 {
        return Err(Error::InvalidInput(format!(
            "{} already holds a store; generate into an empty data directory",
            engine.data_dir().display()
        )));
    }
    engine.use_generated_embedder(GENERATED_DIM)?;
    let mut rng = Xoshiro256Plus::seed_from_u64(config.seed);
    let started = std::time::Instant::now();
    // Each feed mostly writes about two topics, like a real site's sections.
    let feed_topics: Vec<[usize; 2]> = (0..config.feeds)
        .map(|_| {
            [
                rng.gen_range(0..TOPICS.len()),
                rng.gen_range(0..TOPICS.len()),
            ]
        })
        .collect();
    let mut feeds = Vec::with_capacity(config.feeds);
    for (f, _) in feed_topics.iter().enumerate() {
        let id = engine.store().new_feed_id()?;
        let url = format!("https://feed{f}.generated.invalid/rss");
        let mut record = FeedRecord::new(
            id,
            url,
            format!("Generated feed {f}"),
            Some(format!("https://feed{f}.generated.invalid/")),
        );
        record.status = crate::domain::FeedStatus::Ok;
        engine.store().insert_feed(&record)?;
        feeds.push(record);
    }
    // One write per feed and chunk, like a refresh that brings a feed's new entries.
    const CHUNK: usize = 50;
    let per_feed = config.articles.div_ceil(config.feeds);
    let mut written = 0;
    for round in 0..per_feed.div_ceil(CHUNK) {
        for (f, feed) in feeds.iter().enumerate() {
            let start = round * CHUNK;
            let take = CHUNK
                .min(per_feed.saturating_sub(start))
                .min(config.articles - written);
            if take == 0 {
                continue;
            }
            let articles = (start..start + take)
                .map(|n| {
                    let topic = if rng.gen_bool(0.8) {
                        feed_topics[f][n % 2]
                    } else {
                        rng.gen_range(0..TOPICS.len())
                    };
                    article(&mut rng, f, n, topic, config.days)
                })
                .collect();
            engine.store().apply_refresh(&RefreshWrite {
                feed: feed.clone(),
                articles,
            })?;
            written += take;
        }
        progress("writing", written, config.articles);
    }
    engine.store().flush()?;
    let seconds_writing = started.elapsed().as_secs_f64();

    let started = std::time::Instant::now();
    engine.embed_pending(|done, total| progress("embedding", done, total))?;
    engine.store().flush()?;
    let seconds_embedding = started.elapsed().as_secs_f64();

    // A reader who likes three topics answered some cards: likes from those, dislikes
    // from the rest, chosen among all articles by their titles' topic words.
    let liked_topics = [0usize, 7, 16];
    let metas = engine.store().list_article_meta()?;
    let mut ids: Vec<(ArticleId, bool)> = metas
        .iter()
        .map(|m| {
            let title = m.title.to_lowercase();
            let liked = liked_topics
                .iter()
                .any(|&t| TOPICS[t].iter().filter(|w| title.contains(*w)).count() >= 3);
            (m.id, liked)
        })
        .collect();
    ids.shuffle(&mut rng);
    let likes = ids.iter().filter(|(_, l)| *l).take(config.ratings / 2);
    let dislikes = ids
        .iter()
        .filter(|(_, l)| !*l)
        .take(config.ratings - config.ratings / 2);
    let mut rated = 0;
    for &(id, liked) in likes.chain(dislikes) {
        let rating = if liked { Rating::Like } else { Rating::Dislike };
        engine.store().put_rating(id, rating)?;
        rated += 1;
    }
    // The regions a first launch would compute, computed now and kept in the store.
    engine.refresh_corpus_regions()?;
    engine.store().flush()?;
    // Ingestion keeps the search index in step as it stores; here it is built once.
    progress("indexing", 0, metas.len());
    let started = std::time::Instant::now();
    engine.sync_search_index()?;
    let seconds_indexing = started.elapsed().as_secs_f64();
    let store_bytes = dir_size(&engine.data_dir().join("store"));
    Ok(GenerateReport {
        articles: metas.len(),
        feeds: config.feeds,
        ratings: rated,
        seconds_writing,
        seconds_embedding,
        seconds_indexing,
        store_bytes,
        bytes_per_article: store_bytes as f64 / metas.len().max(1) as f64,
    })
}

/// Bytes of every file under `path`.
pub fn dir_size(path: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::views::{bench_views, ViewsBenchConfig};

    #[test]
    fn a_generated_store_is_embedded_rated_and_reopens_with_its_embedder() {
        let dir = tempfile::tempdir().unwrap();
        let config = GenerateConfig {
            articles: 120,
            feeds: 4,
            ratings: 4,
            seed: 3,
            days: 30,
        };
        let report = {
            let engine = Engine::open(dir.path()).unwrap();
            generate_store(&engine, &config, |_, _, _| {}).unwrap()
        };
        assert_eq!((report.articles, report.feeds, report.ratings), (120, 4, 4));
        assert!(report.bytes_per_article > 100.0, "{report:?}");

        let engine = Engine::open(dir.path()).unwrap();
        assert_eq!(engine.embedded_count().unwrap(), 120);
        let likes = engine
            .store()
            .list_ratings()
            .unwrap()
            .iter()
            .filter(|r| r.rating == Rating::Like)
            .count();
        assert_eq!(likes, 2);
        // Articles carry news-sized bodies, stored apart from their metadata.
        let first = engine.store().list_article_meta().unwrap()[0].id;
        let body = engine.store().get_article_content(first).unwrap().unwrap();
        assert!(body.text.len() > 300 && body.content_html.unwrap().starts_with("<p>"));
        assert_eq!(engine.recommend(Some(5)).unwrap().len(), 5);
        assert!(!engine.clusters().unwrap().is_empty());
        // Dated inside the last `days` days, so the default retention deletes none of them.
        let oldest = chrono::Utc::now() - chrono::Duration::days(30);
        for meta in engine.store().list_article_meta().unwrap() {
            let published =
                chrono::DateTime::parse_from_rfc3339(meta.published.as_deref().unwrap()).unwrap();
            assert!(
                published >= oldest && published <= chrono::Utc::now(),
                "{published}"
            );
        }
        assert_eq!(engine.prune(None).unwrap().removed_articles, 0);
        // A store that already holds articles is not generated into.
        assert!(generate_store(&engine, &config, |_, _, _| {}).is_err());
        drop(engine);

        let views = bench_views(
            &ViewsBenchConfig {
                data_dir: dir.path().to_path_buf(),
                runs: 1,
                cli: None,
            },
            |_| {},
        )
        .unwrap();
        assert_eq!(views.articles, 120);
        assert_eq!(views.map_points, 120);
        assert!(views
            .measurements
            .iter()
            .all(|m| m.runs >= 1 && m.min_ms <= m.max_ms));
        // The map's first call in a process is timed apart from its warm calls.
        for row in ["map, first call in a process", "map (warm)"] {
            assert!(
                views.measurements.iter().any(|m| m.name.starts_with(row)),
                "no {row} row"
            );
        }
        // The answers given while measuring were taken back.
        let engine = Engine::open(dir.path()).unwrap();
        assert_eq!(engine.store().list_ratings().unwrap().len(), 4);
    }
}
