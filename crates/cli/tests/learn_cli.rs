//! `sift`'s learner commands, run as a user runs them (with the real model in `models/`).

use std::path::PathBuf;
use std::process::{Command, Output};

fn repo_models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

fn sift(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sift"))
        .args(args)
        .env("SIFT_DATA_DIR", data_dir)
        .env("SIFT_MODEL_DIR", repo_models())
        .env_remove("ORT_DYLIB_PATH")
        .output()
        .expect("sift runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("exactly one JSON document on stdout")
}

#[test]
fn demo_json_has_the_right_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(&sift(dir.path(), &["demo", "--json"]));
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
    let v = json(&sift(
        dir.path(),
        &["predict", "--json", "Introduction to GraphQL"],
    ));
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
        let v = json(&sift(dir.path(), &[cmd, "--json"]));
        assert_eq!(v, serde_json::json!([]), "{cmd}");
    }
}
