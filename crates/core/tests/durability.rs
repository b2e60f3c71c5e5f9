//! Nothing the user confirmed is lost: a child process makes changes through the engine
//! and aborts at once (no destructor runs, sled's background flush gets no chance), and the
//! parent finds every change on reopening the store.
//!
//! The child is this same test binary, run again with `SIFT_DURABILITY_CHILD` set.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use sift_core::domain::{ArticleId, ArticleRecord, FeedId, Rating};
use sift_core::embed::HashingEmbedder;
use sift_core::rules::{NewRule, RuleAction, RuleField};
use sift_core::Engine;

const CHILD_ENV: &str = "SIFT_DURABILITY_CHILD";
const TEST_NAME: &str = "changes_survive_an_abort_right_after_the_call_returns";

fn open(dir: &Path) -> Engine {
    Engine::open(dir)
        .unwrap()
        .with_embedder(Arc::new(HashingEmbedder::new(16)))
}

fn export_file(dir: &Path) -> std::path::PathBuf {
    dir.join("learner.json")
}

/// The changes a user makes, each checked on its own: the child makes one and aborts at
/// once, so an earlier flush cannot hide a missing one.
const STEPS: [&str; 8] = [
    "like", "dislike", "read", "save", "rule", "settings", "import", "embed",
];

/// What the child does: one change, then an abort.
fn child(dir: &Path, step: &str) -> ! {
    let engine = open(dir);
    match step {
        "like" => drop(engine.rate(ArticleId(1), Some(Rating::Like)).unwrap()),
        "dislike" => drop(engine.rate(ArticleId(2), Some(Rating::Dislike)).unwrap()),
        "read" => drop(engine.set_read(ArticleId(2), true).unwrap()),
        "save" => drop(engine.set_saved(ArticleId(4), true).unwrap()),
        "rule" => drop(
            engine
                .add_rule(NewRule {
                    action: RuleAction::Mute,
                    field: RuleField::Words,
                    pattern: "celebrity".into(),
                    days: None,
                })
                .unwrap(),
        ),
        "settings" => {
            let mut settings = engine.settings().unwrap();
            settings.remote_images = true;
            settings.retention_days = 30;
            engine.update_settings(settings).unwrap();
        }
        "import" => drop(engine.import_model(&export_file(dir)).unwrap()),
        // Vectors are a cache, not flushed by the call: what matters is that an abort
        // right after leaves a store that reads, with nothing half-written taken for a vector.
        "embed" => drop(engine.embed_pending(|_, _| {}).unwrap()),
        other => panic!("unknown step {other}"),
    }
    std::process::abort();
}

#[test]
fn changes_survive_an_abort_right_after_the_call_returns() {
    if let Some(spec) = std::env::var_os(CHILD_ENV) {
        let spec = spec.to_string_lossy().into_owned();
        let (step, dir) = spec.split_once(':').expect("step:dir");
        child(Path::new(dir), step);
    }
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = open(dir.path());
        for id in 1..=4 {
            engine
                .store()
                .put_article(&ArticleRecord {
                    id: ArticleId(id),
                    feed_id: FeedId(1),
                    title: format!("article {id}"),
                    text: format!("article {id} text"),
                    content_hash: format!("h{id}"),
                    ..Default::default()
                })
                .unwrap();
        }
        // An export that answers article 3 and moves the threshold, for the child to import.
        engine.rate(ArticleId(3), Some(Rating::Like)).unwrap();
        let mut settings = engine.settings().unwrap();
        settings.recommend_threshold = 0.7;
        engine.update_settings(settings).unwrap();
        engine.export_model(&export_file(dir.path())).unwrap();
        engine.rate(ArticleId(3), None).unwrap();
        let mut settings = engine.settings().unwrap();
        settings.recommend_threshold = 0.5;
        engine.update_settings(settings).unwrap();
        engine.store().flush().unwrap();
    }
    for step in STEPS {
        let status = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", TEST_NAME, "--nocapture"])
            .env(CHILD_ENV, format!("{step}:{}", dir.path().display()))
            .status()
            .unwrap();
        assert!(
            !status.success(),
            "the child was meant to abort after {step}"
        );
    }

    let engine = open(dir.path());
    let rating = |id| {
        engine
            .store()
            .get_rating(ArticleId(id))
            .unwrap()
            .map(|r| r.rating)
    };
    assert_eq!(rating(1), Some(Rating::Like));
    assert_eq!(rating(2), Some(Rating::Dislike));
    assert_eq!(rating(3), Some(Rating::Like), "the imported answer");
    assert!(engine.store().is_read(ArticleId(2)).unwrap(), "read mark");
    assert!(engine.store().is_saved(ArticleId(4)).unwrap(), "saved");
    assert_eq!(engine.rules().unwrap().len(), 1, "rule");
    let settings = engine.settings().unwrap();
    assert!(settings.remote_images, "settings");
    assert_eq!(settings.retention_days, 30, "settings");
    assert_eq!(settings.recommend_threshold, 0.7, "the imported threshold");
    // The vectors written before the abort: those whose place reached sled's log read back
    // from the vector file, the others are embedded again; none is lost or broken.
    let again = engine.embed_pending(|_, _| {}).unwrap();
    assert_eq!(again.embedded + again.cached, 4);
    assert_eq!(engine.embedded_count().unwrap(), 4);
    assert_eq!(
        engine.recommend(None).unwrap().len(),
        1,
        "article 4, the unrated one"
    );
}
