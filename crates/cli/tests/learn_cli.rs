//! `sift`'s learner commands, run as a user runs them (with the real model in `models/`).

mod common;

use std::process::Command;

use common::{json, repo_models, sift};

#[test]
fn demo_json_has_the_right_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(dir.path(), &["demo"]);
    let recs: Vec<&str> = v["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    assert!(recs.iter().any(|t| t.contains("GraphQL")));
    assert!(recs.iter().any(|t| t.contains("landscape")));
    assert!(!recs.iter().any(|t| t.contains("Senate")));
    for r in v["recommendations"].as_array().unwrap() {
        let c = r["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
    }
    for f in v["feedback_requests"].as_array().unwrap() {
        assert!(["like", "dislike"].contains(&f["answer"].as_str().unwrap()));
    }
}

#[test]
fn predict_json_loads_the_model_with_nothing_rated() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(dir.path(), &["predict", "Introduction to GraphQL"]);
    for field in [
        "interested",
        "confidence",
        "score",
        "max_similarity",
        "avg_similarity",
        "closest_cluster",
        "cluster_similarity",
        "needs_feedback",
    ] {
        assert!(v.get(field).is_some(), "missing {field} in {v}");
    }
    assert_eq!(v["interested"], false);
    assert_eq!(v["confidence"].as_f64(), Some(0.0));
}

#[test]
fn rating_an_unknown_id_fails_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = sift(dir.path(), &["rate", "12345", "like"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("12345"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_missing_model_fails_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sift"))
        .args(["demo"])
        .env("SIFT_DATA_DIR", dir.path())
        .env("SIFT_MODEL_DIR", dir.path().join("nowhere"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("models/fetch.sh"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn empty_store_lists_are_empty_json_arrays() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in ["recommend", "cards", "clusters", "map"] {
        let v = json(dir.path(), &[cmd]);
        assert_eq!(v, serde_json::json!([]), "{cmd}");
    }
}

/// A store filled the way ingestion fills it, then the whole learner loop through the CLI.
#[test]
fn the_learner_loop_works_end_to_end_on_a_filled_store() {
    use sift_core::domain::{ArticleId, ArticleRecord, FeedId};
    let dir = tempfile::tempdir().unwrap();
    let topics = [
        [
            "Rust 1.90 released with faster compile times",
            "Async Rust: a guide to tokio runtimes",
            "The borrow checker explained for Python programmers",
            "Writing a web server in Rust with axum",
        ],
        [
            "Champions League final ends in penalty shootout",
            "Transfer window: striker signs five-year deal",
            "Marathon world record broken in Berlin",
            "Tennis star wins third grand slam title",
        ],
        [
            "Central bank raises interest rates again",
            "Stock markets fall as inflation fears grow",
            "Quarterly earnings beat analyst expectations",
            "Oil prices climb after supply cuts",
        ],
    ];
    {
        let engine = sift_core::Engine::open(dir.path()).unwrap();
        for (t, titles) in topics.iter().enumerate() {
            for (n, title) in titles.iter().enumerate() {
                let id = ArticleId((t * 10 + n + 1) as u64);
                engine
                    .store()
                    .put_article(&ArticleRecord {
                        id,
                        feed_id: FeedId(1),
                        title: title.to_string(),
                        link: Some(format!("https://example.com/{}", id.0)),
                        published: None,
                        author: None,
                        summary: None,
                        content_html: None,
                        text: title.to_string(),
                        content_hash: format!("h{}", id.0),
                        ..Default::default()
                    })
                    .unwrap();
            }
        }
    }
    let embedded = json(dir.path(), &["embed"]);
    assert_eq!(embedded["embedded"], 12);
    let cards = json(dir.path(), &["cards", "--limit", "3"]);
    assert_eq!(cards.as_array().unwrap().len(), 3);

    for (id, answer) in [
        ("1", "like"),
        ("2", "like"),
        ("11", "dislike"),
        ("21", "dislike"),
        ("12", "skip"),
    ] {
        let v = json(dir.path(), &["rate", id, answer]);
        assert_eq!(v["rating"], answer);
    }
    let recs = json(dir.path(), &["recommend", "--limit", "2"]);
    for r in recs.as_array().unwrap() {
        let id = r["id"].as_u64().unwrap();
        assert!(
            (3..=4).contains(&id),
            "expected the other Rust articles first: {recs}"
        );
        assert!(r["reason"].as_str().unwrap().contains("because you liked"));
        for f in ["title", "link", "feed_id", "score", "confidence", "cluster"] {
            assert!(r.get(f).is_some(), "{f} missing");
        }
    }
    let cards = json(dir.path(), &["cards"]);
    assert!(
        cards.as_array().unwrap().iter().all(|c| c["id"] != 12),
        "skipped articles are not asked again"
    );
    let clusters = json(dir.path(), &["clusters"]);
    assert_eq!(clusters[0]["liked"], 2);
    let map = json(dir.path(), &["map"]);
    assert_eq!(map.as_array().unwrap().len(), 12);

    let file = dir.path().join("model.json");
    let exported = json(dir.path(), &["export-model", file.to_str().unwrap()]);
    assert_eq!(exported["ratings"], 5);
    let cleared = json(dir.path(), &["rate", "1", "clear"]);
    assert_eq!(cleared["rating"], serde_json::Value::Null);
    let imported = json(dir.path(), &["import-model", file.to_str().unwrap()]);
    assert_eq!(imported["ratings"], 5);
}

/// Started inside someone else's checkout, `sift` must not load that checkout's
/// `models/` (ONNX Runtime is native code): the model comes from a trusted place, and a
/// file that does not match `models/MANIFEST` is refused wherever it is, the native
/// library included.
#[test]
fn the_model_never_comes_from_the_current_directory() {
    let hostile = tempfile::tempdir().unwrap();
    let planted = hostile.path().join("models");
    std::fs::create_dir(&planted).unwrap();
    for name in [
        "model.onnx",
        "tokenizer.json",
        "config.json",
        "special_tokens_map.json",
        "tokenizer_config.json",
        "libonnxruntime.so.1.32.0",
    ] {
        std::fs::write(planted.join(name), b"planted").unwrap();
    }
    let data = tempfile::tempdir().unwrap();
    let run = |model_dir: Option<&std::path::Path>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sift"));
        command
            .args(["predict", "--json", "Introduction to GraphQL"])
            .current_dir(hostile.path())
            .env("SIFT_DATA_DIR", data.path())
            .env_remove("ORT_DYLIB_PATH")
            .env_remove("SIFT_MODEL_DIR");
        if let Some(dir) = model_dir {
            command.env("SIFT_MODEL_DIR", dir);
        }
        command.output().expect("sift runs")
    };
    // A debug build finds the checkout it was built from, never ./models.
    let found = run(None);
    assert!(
        found.status.success(),
        "{}",
        String::from_utf8_lossy(&found.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&found.stdout).expect("one JSON document");
    // Named explicitly, the planted files are still checked, and refused.
    let refused = run(Some(&planted));
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("models/MANIFEST expects"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The real model beside a planted ONNX Runtime: the library is refused before it is
    // loaded into the process.
    let mixed = hostile.path().join("mixed");
    std::fs::create_dir(&mixed).unwrap();
    for name in ["model.onnx", "tokenizer.json"] {
        std::fs::copy(repo_models().join(name), mixed.join(name)).unwrap();
    }
    std::fs::write(mixed.join("libonnxruntime.so.1.32.0"), b"\x7fELF planted").unwrap();
    let refused = run(Some(&mixed));
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("libonnxruntime.so.1.32.0 has sha256"),
        "{stderr}"
    );
}
