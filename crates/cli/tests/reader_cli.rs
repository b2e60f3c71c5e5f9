//! The daily loop as a user drives it with `sift` on the bundled offline sample (350 real
//! articles, embedded with the real model in `models/`): dismiss the rest and undo it, save,
//! mute by a word, prune, with every command's `--json`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo_models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

fn sift(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sift"))
        .args(args)
        .env("SIFT_DATA_DIR", data_dir)
        .env("SIFT_MODEL_DIR", repo_models())
        .env_remove("ORT_DYLIB_PATH")
        .output()
        .expect("sift runs")
}

fn json(data_dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = sift(data_dir, &all);
    assert!(
        out.status.success(),
        "sift {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("exactly one JSON document on stdout")
}

fn fails(data_dir: &Path, args: &[&str], expect: &str) {
    let out = sift(data_dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "sift {args:?} should fail");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(expect), "{args:?}: {stderr}");
}

fn ids(list: &Value) -> Vec<u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_u64().unwrap())
        .collect()
}

#[test]
fn a_reader_dismisses_the_rest_undoes_saves_mutes_and_prunes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let loaded = json(data, &["sample"]);
    let total = loaded["new_articles"].as_u64().unwrap();
    assert!(total >= 300, "{loaded}");

    // Teach the model from the first cards: like three, dislike three.
    let cards = ids(&json(data, &["cards", "--limit", "6"]));
    for (i, id) in cards.iter().enumerate() {
        let answer = if i < 3 { "like" } else { "dislike" };
        json(data, &["rate", &id.to_string(), answer]);
    }

    let unread = json(data, &["unread"]);
    assert_eq!(unread["total"].as_u64(), Some(total));
    let for_you_before = unread["for_you"].as_u64().unwrap();
    assert_eq!(for_you_before, total - 6);

    // Read one by hand first: the undo must leave it read.
    let top = json(data, &["for-you", "--limit", "1"]);
    let first = top[0]["id"].as_u64().unwrap();
    json(data, &["mark-read", &first.to_string()]);

    let dismissed = json(data, &["mark-read", "--below-threshold"]);
    let changed = dismissed["changed"].as_u64().unwrap();
    assert!(changed > 0 && changed < total, "{dismissed}");
    let left = json(data, &["for-you"]);
    assert!(left
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["score"].as_f64().unwrap() >= 0.5 && i["read"] == false));
    assert!(json(data, &["unread"])["can_undo"].as_bool().unwrap());

    let undone = json(data, &["mark-read", "--undo"]);
    assert_eq!(undone["changed"].as_u64(), Some(changed));
    let after = json(data, &["unread"]);
    assert_eq!(
        after["total"].as_u64(),
        Some(total - 1),
        "only the one read by hand"
    );
    assert_eq!(after["can_undo"], false);
    let read_items: Vec<u64> = json(data, &["for-you", "--include-read"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["read"] == true)
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(read_items, [first]);

    // Save an unrated article: it is listed in saved and stays unrated.
    let keep = json(data, &["for-you"])[3]["id"].as_u64().unwrap();
    json(data, &["save", &keep.to_string()]);
    assert_eq!(ids(&json(data, &["saved"])), [keep]);
    let rated_keep = json(data, &["articles", "--rating", "like"]);
    assert!(!ids(&rated_keep).contains(&keep), "saving is not liking");

    // Mute a word from the best article's title: it sinks and says why.
    let best = &json(data, &["for-you", "--limit", "1"])[0];
    let word = best["title"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .find(|w| w.len() > 4 && w.chars().all(char::is_alphabetic))
        .expect("a long word in the title")
        .to_string();
    let rule = json(
        data,
        &["rules", "add", "mute", "--word", &word, "--days", "7"],
    );
    assert!(rule["expires_at"].is_string());
    let items = json(data, &["for-you"]);
    let muted = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == best["id"])
        .unwrap();
    assert_eq!(muted["score"].as_f64(), Some(0.0));
    assert_eq!(muted["reason"], format!("muted: '{word}'"));
    assert!(muted["model_score"].as_f64().unwrap() > 0.0);
    assert_eq!(json(data, &["rules"]).as_array().unwrap().len(), 1);
    let rule_id = rule["id"].as_u64().unwrap().to_string();
    assert_eq!(
        json(data, &["rules", "remove", &rule_id])["removed"].as_u64(),
        rule["id"].as_u64()
    );
    fails(data, &["rules", "remove", &rule_id], "no rule has the id");
    fails(
        data,
        &["rules", "add", "mute", "--feed", "999"],
        "no subscribed feed",
    );

    // Prune everything unrated and unsaved (an age limit of 0 days): 6 rated + 1 saved stay.
    let stats = json(data, &["stats"]);
    assert_eq!(stats["articles"].as_u64(), Some(total));
    let pruned = json(data, &["prune", "--days", "0"]);
    assert_eq!(
        pruned["removed_articles"].as_u64(),
        Some(total - 7),
        "{pruned}"
    );
    assert_eq!(pruned["kept_rated"].as_u64(), Some(6));
    assert_eq!(pruned["kept_saved"].as_u64(), Some(1));
    let stats = json(data, &["stats"]);
    assert_eq!(stats["articles"].as_u64(), Some(7));
    assert_eq!(
        stats["vectors"].as_u64(),
        Some(7),
        "vectors go with their articles"
    );
    assert_eq!(ids(&json(data, &["saved"])), [keep]);
    assert_eq!(
        json(data, &["articles", "--rating", "like"])
            .as_array()
            .unwrap()
            .len(),
        3
    );
    eprintln!(
        "store size: {} bytes before the prune, {} after",
        pruned["size_before"], pruned["size_after"]
    );
}
