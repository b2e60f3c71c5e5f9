//! The learner with the real model (all-MiniLM-L6-v2 from `models/`, installed by
//! `models/fetch.sh`). One test binary so the model's runtime is loaded once.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use sift_core::embed::{Embedder, OnnxEmbedder, DEFAULT_MAX_TOKENS};
use sift_core::learn::linalg::dot;
use sift_core::Error;

fn model_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

fn embedder() -> Arc<dyn Embedder> {
    static MODEL: OnceLock<Arc<dyn Embedder>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            Arc::new(
                OnnxEmbedder::load(&model_dir(), DEFAULT_MAX_TOKENS).expect("run models/fetch.sh"),
            )
        })
        .clone()
}

#[test]
fn real_embeddings_are_unit_384_vectors_that_track_meaning() {
    let e = embedder();
    assert_eq!(e.dim(), 384);
    let v = e
        .embed(&[
            "Building REST APIs with FastAPI and Python",
            "Introduction to GraphQL for API development",
            "Celebrity gossip: Who's dating who in Hollywood",
        ])
        .unwrap();
    for x in &v {
        assert_eq!(x.len(), 384);
        assert!((dot(x, x) - 1.0).abs() < 1e-3);
    }
    let related = dot(&v[0], &v[1]);
    let unrelated = dot(&v[0], &v[2]);
    assert!(
        related > unrelated + 0.2,
        "related {related}, unrelated {unrelated}"
    );
}

#[test]
fn the_demo_recommends_graphql_and_photography_not_the_senate() {
    let outcome = sift_core::recommender::demo(embedder()).unwrap();
    let recommended: Vec<&str> = outcome
        .recommendations
        .iter()
        .map(|r| r.text.as_str())
        .collect();
    assert!(
        recommended.iter().any(|t| t.contains("GraphQL")),
        "{recommended:?}"
    );
    assert!(
        recommended
            .iter()
            .any(|t| t.contains("landscape photography")),
        "{recommended:?}"
    );
    assert!(
        !recommended.iter().any(|t| t.contains("Senate")),
        "{recommended:?}"
    );
    for r in &outcome.recommendations {
        assert!((0.0..=1.0).contains(&r.confidence) && (0.5..=1.0).contains(&r.score));
    }
    // It asks where it is unsure, and the Senate text is not something it is unsure about.
    assert!(!outcome.feedback_requests.is_empty());
    assert!(outcome
        .feedback_requests
        .iter()
        .all(|f| !f.text.contains("Senate")));
}

#[test]
fn a_missing_model_dir_says_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = match OnnxEmbedder::load(dir.path(), DEFAULT_MAX_TOKENS) {
        Err(e) => e,
        Ok(_) => panic!("an empty directory cannot hold a model"),
    };
    assert!(matches!(err, Error::ModelUnavailable { .. }));
    let text = err.to_string();
    assert!(text.contains("models/fetch.sh"), "{text}");
    assert!(text.contains(&dir.path().display().to_string()), "{text}");
}

#[test]
fn a_corrupt_model_is_reported_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "tokenizer.json",
        "config.json",
        "special_tokens_map.json",
        "tokenizer_config.json",
    ] {
        std::fs::copy(model_dir().join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("model.onnx"), b"not an onnx model").unwrap();
    // The runtime itself is fine (linked, not copied); only the model is garbage.
    let ort = sift_core::embed::ORT_DYLIB_NAME;
    std::os::unix::fs::symlink(
        model_dir().join(ort).canonicalize().unwrap(),
        dir.path().join(ort),
    )
    .unwrap();
    let err = match OnnxEmbedder::load(dir.path(), DEFAULT_MAX_TOKENS) {
        Err(e) => e,
        Ok(_) => panic!("garbage loaded as a model"),
    };
    assert!(err.to_string().contains("models/fetch.sh"), "{err}");
}

#[test]
fn an_engine_pointed_at_a_wrong_model_dir_reports_it_on_first_use() {
    let data = tempfile::tempdir().unwrap();
    let engine = sift_core::Engine::open(data.path())
        .unwrap()
        .with_model_dir(data.path().join("no-models-here"));
    // Opening and listing need no model; predicting does.
    assert!(engine.recommend(None).unwrap().is_empty());
    let err = engine.predict("anything").unwrap_err();
    assert!(err.to_string().contains("no-models-here"), "{err}");
    assert!(err.to_string().contains("models/fetch.sh"), "{err}");
}

#[test]
fn the_engine_embeds_and_predicts_with_the_real_model() {
    let data = tempfile::tempdir().unwrap();
    let engine = sift_core::Engine::open(data.path())
        .unwrap()
        .with_model_dir(model_dir());
    let p = engine
        .predict("Introduction to GraphQL for API development")
        .unwrap();
    assert_eq!(p.answers, 0);
    assert!(!p.interested && p.needs_feedback);
}

/// Measurement, not a check (run with `--ignored --nocapture`, in release): how long the
/// views over a 10,000-article store take in the core — loading vectors and regions, the
/// map, a rating (retrain + rescore), cards and recommendations. Vectors come from the
/// hashing embedder; the model's cost is measured separately by `sift bench`.
#[test]
#[ignore]
fn views_over_ten_thousand_articles() {
    use sift_core::domain::{ArticleId, ArticleRecord, FeedId, Rating};
    use sift_core::embed::HashingEmbedder;
    use std::time::Instant;

    const TOPICS: [&str; 8] = [
        "football match league goal",
        "election parliament vote minister",
        "stock market shares profit",
        "space telescope planet orbit",
        "vaccine hospital patients study",
        "film festival director award",
        "software release developers code",
        "climate storm rainfall warming",
    ];
    let dir = tempfile::tempdir().unwrap();
    let engine = sift_core::Engine::open(dir.path())
        .unwrap()
        .with_embedder(Arc::new(HashingEmbedder::default()));
    for i in 0..10_000u64 {
        let topic = TOPICS[(i % 8) as usize];
        let text = format!("{topic} story {i} {}", i * 7919 % 1000);
        engine
            .store()
            .put_article(&ArticleRecord {
                id: ArticleId(i + 1),
                feed_id: FeedId(1),
                title: format!("{topic} {i}"),
                text: text.clone(),
                content_hash: format!("h{i}"),
                ..Default::default()
            })
            .unwrap();
    }
    engine.embed_pending(|_, _| {}).unwrap();
    let timed = |what: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        println!("{what}: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    };
    timed("first load (vectors, regions, model)", &mut || {
        engine.recommend(Some(20)).unwrap();
    });
    timed("map of 10,000 articles", &mut || {
        assert_eq!(engine.map().unwrap().len(), 10_000);
    });
    for (n, id) in [1u64, 2, 9, 10].into_iter().enumerate() {
        let rating = if n % 2 == 0 {
            Rating::Like
        } else {
            Rating::Dislike
        };
        timed(&format!("rate #{} (retrain + rescore)", n + 1), &mut || {
            engine.rate(ArticleId(id), Some(rating)).unwrap();
        });
    }
    timed("cards (5)", &mut || {
        engine.cards(Some(5)).unwrap();
    });
    timed("recommend (50)", &mut || {
        engine.recommend(Some(50)).unwrap();
    });
    timed("clusters", &mut || {
        engine.clusters().unwrap();
    });
    timed("map after ratings", &mut || {
        engine.map().unwrap();
    });
}

#[test]
fn texts_run_sorted_by_length_keep_their_own_vectors_and_a_released_session_reloads() {
    use sift_core::embed::EmbedOptions;
    use std::time::{Duration, Instant};
    let embedder = OnnxEmbedder::load_with(
        &model_dir(),
        EmbedOptions {
            idle_release: Some(Duration::from_millis(100)),
            ..EmbedOptions::default()
        },
    )
    .unwrap();
    let long =
        "The city council met on Tuesday to discuss the new transport plan, which would add \
                bus lanes and extend the tram line to the northern suburbs. "
            .repeat(20);
    // Longest first, so the embedder must reorder them and put every vector back in place.
    let texts = [
        long.as_str(),
        "GraphQL schemas for REST API developers",
        "Landscape photography at golden hour",
    ];
    let together = embedder.embed(&texts).unwrap();
    for (text, vector) in texts.iter().zip(&together) {
        let alone = embedder.embed(&[text]).unwrap();
        let cosine: f32 = alone[0].iter().zip(vector).map(|(a, b)| a * b).sum();
        assert!(cosine > 0.98, "{text:.40}: cosine {cosine}");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while embedder.is_loaded() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!embedder.is_loaded(), "the idle session was not released");
    let again = embedder.embed(&texts[1..2]).unwrap();
    let cosine: f32 = again[0].iter().zip(&together[1]).map(|(a, b)| a * b).sum();
    assert!(cosine > 0.98, "after reloading: cosine {cosine}");
}

/// The bundled sample (350 Wikipedia summaries in 7 topics) stored and embedded with the
/// real model. Returns the engine and each article's topic.
fn sample_engine(
    data: &std::path::Path,
) -> (
    sift_core::Engine,
    std::collections::HashMap<sift_core::domain::ArticleId, String>,
) {
    use sift_core::domain::{ArticleId, ArticleRecord, FeedId};
    let sample: serde_json::Value =
        serde_json::from_str(include_str!("../sample/sample.json")).expect("the sample is JSON");
    let engine = sift_core::Engine::open(data)
        .unwrap()
        .with_model_dir(model_dir());
    let mut topics = std::collections::HashMap::new();
    for (i, item) in sample["items"].as_array().unwrap().iter().enumerate() {
        let id = ArticleId(i as u64 + 1);
        let text = item["content_text"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        engine
            .store()
            .put_article(&ArticleRecord {
                id,
                feed_id: FeedId(1),
                title: item["title"].as_str().unwrap().to_string(),
                text,
                content_hash: format!("h{i}"),
                ..Default::default()
            })
            .unwrap();
        topics.insert(id, item["tags"][0].as_str().unwrap().to_string());
    }
    engine.embed_pending(|_, _| {}).unwrap();
    (engine, topics)
}

/// A reader who liked some science and some sports articles (and disliked some politics)
/// sees a real part of the map coloured, and what is coloured is mostly science and sports:
/// "close to an interest cluster" is neither just the liked articles nor everything.
#[test]
fn the_map_colours_a_fair_share_mostly_of_the_liked_topics() {
    use sift_core::domain::Rating;
    let data = tempfile::tempdir().unwrap();
    let (engine, topics) = sample_engine(data.path());
    let mut ids: Vec<_> = topics.keys().copied().collect();
    ids.sort();
    let of = |topic: &str, n: usize| -> Vec<_> {
        ids.iter()
            .copied()
            .filter(|id| topics[id] == topic)
            .take(n)
            .collect()
    };
    for id in of("Science", 5).into_iter().chain(of("Sports", 4)) {
        engine.rate(id, Some(Rating::Like)).unwrap();
    }
    for id in of("Politics & economy", 3) {
        engine.rate(id, Some(Rating::Dislike)).unwrap();
    }
    let map = engine.map_view(false).unwrap();
    assert_eq!(map.points.len(), 350);
    let coloured: Vec<_> = map.points.iter().filter(|p| p.cluster.is_some()).collect();
    let liked_topics = coloured
        .iter()
        .filter(|p| matches!(topics[&p.id].as_str(), "Science" | "Sports"))
        .count();
    let share = coloured.len() as f64 / map.points.len() as f64;
    let precision = liked_topics as f64 / coloured.len().max(1) as f64;
    println!(
        "coloured {} of {} ({share:.2}), {precision:.2} of them science or sports; clusters {:?}",
        coloured.len(),
        map.points.len(),
        map.clusters
            .iter()
            .map(|c| (&c.label, c.size))
            .collect::<Vec<_>>()
    );
    assert!(
        (0.10..=0.40).contains(&share),
        "share coloured {share:.2} ({} articles)",
        coloured.len()
    );
    assert!(precision >= 0.7, "precision {precision:.2}");
}

/// After a large import the model's session (~170 MB) is given back as soon as the
/// embedding queue is empty, not a minute later; a search by meaning afterwards loads it
/// again.
#[test]
fn the_session_is_released_when_the_embedding_queue_is_empty() {
    use sift_core::embed::EmbedOptions;
    use sift_core::engine::{SearchMode, SearchQuery};
    let data = tempfile::tempdir().unwrap();
    // No idle release: only the end of the queue may drop the session here.
    let model = Arc::new(
        OnnxEmbedder::load_with(
            &model_dir(),
            EmbedOptions {
                idle_release: None,
                ..EmbedOptions::default()
            },
        )
        .unwrap(),
    );
    let engine = Arc::new(
        sift_core::Engine::open(data.path())
            .unwrap()
            .with_embedder(model.clone()),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_, report) = runtime
        .block_on(engine.load_sample(|_| {}))
        .expect("the sample loads");
    assert_eq!(report.embedding.expect("embedded").embedded, 350);
    assert!(
        !model.is_loaded(),
        "the session was kept after the queue emptied"
    );
    let hits = engine
        .search(&SearchQuery {
            text: "planets and stars".into(),
            mode: SearchMode::Meaning,
            limit: Some(3),
        })
        .unwrap();
    assert_eq!(hits.len(), 3);
    assert!(
        model.is_loaded(),
        "a search by meaning loads the session again"
    );
}

/// The session is built from ONNX Runtime's own optimised copy of the model (derived once
/// into a cache directory, trusted by the record written beside it), gives the vectors the
/// model file gives, and a copy that is damaged or was made by another ONNX Runtime is
/// derived again before it is used.
#[test]
fn sessions_come_from_a_trusted_optimised_copy_that_is_rederived_when_damaged() {
    use sift_core::embed::{expected_sha256, EmbedOptions, ORT_DYLIB_NAME};
    let cache = tempfile::tempdir().unwrap();
    let copy = cache.path().join("derived");
    let options = |derived_dir: Option<PathBuf>| EmbedOptions {
        idle_release: None,
        derived_dir,
        ..EmbedOptions::default()
    };
    let texts = [
        "GraphQL schemas for REST API developers",
        "Landscape photography at golden hour",
        "The Senate passed the budget bill after a long night of debate",
    ];
    let from_file = OnnxEmbedder::load_with(&model_dir(), options(None)).unwrap();
    assert!(!from_file.uses_derived_model());
    let expected = from_file.embed(&texts).unwrap();
    drop(from_file);
    let same_vectors = |embedder: &OnnxEmbedder, when: &str| {
        let got = embedder.embed(&texts).unwrap();
        for ((text, a), b) in texts.iter().zip(&got).zip(&expected) {
            let cosine: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            assert!(cosine > 0.9999, "{when}, {text}: cosine {cosine}");
        }
    };

    let embedder = OnnxEmbedder::load_with(&model_dir(), options(Some(copy.clone()))).unwrap();
    assert!(embedder.uses_derived_model());
    let record = std::fs::read_to_string(copy.join("derived.txt")).unwrap();
    assert!(
        record.contains(expected_sha256("model.onnx").unwrap()),
        "{record}"
    );
    // The weights are kept apart from the graph, as floats (the model file's are int8).
    let weights = copy.join("model.weights");
    let size = std::fs::metadata(&weights).unwrap().len();
    assert!(size > 80_000_000, "weights file of {size} bytes");
    same_vectors(&embedder, "from the derived copy");

    // One flipped byte in the weights: refused, derived again, the same vectors.
    let original = std::fs::read(&weights).unwrap();
    let mut damaged = original.clone();
    damaged[original.len() / 2] ^= 0x40;
    std::fs::write(&weights, &damaged).unwrap();
    embedder.release();
    same_vectors(&embedder, "after the weights were damaged");
    assert!(embedder.uses_derived_model());
    assert!(
        std::fs::read(&weights).unwrap() == original,
        "not derived again"
    );

    // A copy recorded as made by another ONNX Runtime: derived again.
    let runtime = expected_sha256(ORT_DYLIB_NAME).unwrap();
    std::fs::write(
        copy.join("derived.txt"),
        record.replace(runtime, &"0".repeat(64)),
    )
    .unwrap();
    embedder.release();
    same_vectors(&embedder, "after a record from another runtime");
    assert_eq!(
        std::fs::read_to_string(copy.join("derived.txt")).unwrap(),
        record
    );

    // Missing: derived again by the next load.
    std::fs::remove_dir_all(&copy).unwrap();
    let again = OnnxEmbedder::load_with(&model_dir(), options(Some(copy.clone()))).unwrap();
    assert!(again.uses_derived_model() && weights.is_file());
    drop(again);

    // A damaged model file is refused even when a trusted copy of it exists.
    let broken = tempfile::tempdir().unwrap();
    for f in [
        "tokenizer.json",
        "config.json",
        "special_tokens_map.json",
        "tokenizer_config.json",
    ] {
        std::fs::copy(model_dir().join(f), broken.path().join(f)).unwrap();
    }
    let mut model = std::fs::read(model_dir().join("model.onnx")).unwrap();
    model[1000] ^= 1;
    std::fs::write(broken.path().join("model.onnx"), model).unwrap();
    let err = match OnnxEmbedder::load_with(broken.path(), options(Some(copy.clone()))) {
        Err(e) => e,
        Ok(_) => panic!("a damaged model file was used through its copy"),
    };
    assert!(err.to_string().contains("models/MANIFEST expects"), "{err}");
}

/// Where no copy can be written, the session is built from the model file, as before.
#[test]
fn without_a_writable_cache_the_session_comes_from_the_model_file() {
    use sift_core::embed::EmbedOptions;
    let cache = tempfile::tempdir().unwrap();
    let file = cache.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let embedder = OnnxEmbedder::load_with(
        &model_dir(),
        EmbedOptions {
            idle_release: None,
            derived_dir: Some(file.join("derived")),
            ..EmbedOptions::default()
        },
    )
    .unwrap();
    assert!(!embedder.uses_derived_model());
    assert_eq!(embedder.embed(&["still embeds"]).unwrap()[0].len(), 384);
}
