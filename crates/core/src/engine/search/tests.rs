use std::sync::Arc;

use super::*;
use crate::domain::{ArticleRecord, FeedId};
use crate::embed::HashingEmbedder;
use crate::feeds::article::content_hash;

fn put(engine: &Engine, id: u64, title: &str, body: &str) {
    let text = format!("{title}\n\n{body}");
    engine
        .store()
        .put_article(&ArticleRecord {
            id: ArticleId(id),
            feed_id: FeedId(1),
            title: title.to_string(),
            content_hash: content_hash(&text),
            text,
            ..Default::default()
        })
        .unwrap();
}

fn engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path())
        .unwrap()
        .with_embedder(Arc::new(HashingEmbedder::default()));
    put(
        &engine,
        1,
        "Comet tails",
        "Comets grow tails of ice and dust near the sun.",
    );
    put(
        &engine,
        2,
        "League final",
        "The football league final ended with a late goal.",
    );
    put(
        &engine,
        3,
        "Telescope review",
        "A telescope for watching comets and planets.",
    );
    (dir, engine)
}

fn query(text: &str, mode: SearchMode) -> SearchQuery {
    SearchQuery {
        text: text.to_string(),
        mode,
        limit: None,
    }
}

fn ids(hits: &[SearchHit]) -> Vec<u64> {
    hits.iter().map(|h| h.id.0).collect()
}

#[test]
fn words_search_finds_stored_articles_with_highlights() {
    let (_dir, engine) = engine();
    let hits = engine.search(&query("comets", SearchMode::Words)).unwrap();
    assert_eq!(ids(&hits), [1, 3]);
    assert_eq!(hits[0].title_html, "<mark>Comet</mark> tails");
    assert!(
        hits[1].snippet_html.contains("<mark>comets</mark>"),
        "{}",
        hits[1].snippet_html
    );
    assert!(hits
        .iter()
        .all(|h| h.matched_words && h.similarity.is_none()));
    assert!(engine.search(&query("  ", SearchMode::Words)).is_err());
}

#[test]
fn the_index_follows_stores_updates_and_deletes_and_rebuilds_when_lost() {
    let (dir, engine) = engine();
    assert_eq!(
        ids(&engine.search(&query("goal", SearchMode::Words)).unwrap()),
        [2]
    );
    put(&engine, 4, "Cup goal", "Another goal.");
    put(&engine, 2, "League final", "The match was postponed.");
    engine
        .update_search_index(&[ArticleId(4), ArticleId(2)])
        .unwrap();
    assert_eq!(
        ids(&engine.search(&query("goal", SearchMode::Words)).unwrap()),
        [4]
    );
    // As retention would delete it (the store has no delete of its own yet).
    engine
        .store()
        .live()
        .articles
        .remove(ArticleId(4).to_key())
        .unwrap();
    engine.update_search_index(&[ArticleId(4)]).unwrap();
    assert!(engine
        .search(&query("goal", SearchMode::Words))
        .unwrap()
        .is_empty());
    drop(engine);

    // Lost while closed: the next engine rebuilds it from the store.
    std::fs::remove_dir_all(dir.path().join(INDEX_DIR)).unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    assert_eq!(
        ids(&engine
            .search(&query("postponed", SearchMode::Words))
            .unwrap()),
        [2]
    );
    // Changed behind its back (no update call): a sync catches it up.
    put(&engine, 5, "Postponed again", "Rain.");
    let report = engine.sync_search_index().unwrap();
    assert_eq!((report.indexed, report.removed, report.total), (1, 0, 4));
    assert_eq!(
        ids(&engine
            .search(&query("postponed", SearchMode::Words))
            .unwrap()),
        [5, 2]
    );
}

#[test]
fn meaning_search_and_more_like_this_rank_by_similarity() {
    let (_dir, engine) = engine();
    engine.embed_pending(|_, _| {}).unwrap();
    let hits = engine
        .search(&query("comets ice sun", SearchMode::Meaning))
        .unwrap();
    assert_eq!(hits[0].id, ArticleId(1));
    assert_eq!(hits.len(), 3, "every embedded article, closest first");
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(hits[0].similarity.unwrap() > hits[2].similarity.unwrap());

    let like = engine.more_like_this(ArticleId(1), Some(1)).unwrap();
    assert_eq!(ids(&like), [3], "the other comet article, not itself");
    assert!(engine.more_like_this(ArticleId(99), None).is_err());
}

#[test]
fn blend_puts_articles_found_both_ways_first() {
    let words = [
        crate::search::WordHit {
            id: ArticleId(1),
            score: 9.0,
        },
        crate::search::WordHit {
            id: ArticleId(2),
            score: 5.0,
        },
    ];
    let meaning = [(ArticleId(2), 0.9), (ArticleId(3), 0.8)];
    let fused = blend(&words, &meaning, 10);
    let order: Vec<u64> = fused.iter().map(|r| r.id.0).collect();
    assert_eq!(order, [2, 1, 3]);
    assert!(fused[0].matched_words && fused[0].similarity == Some(0.9));
    assert!(!fused[2].matched_words);
    assert_eq!(blend(&words, &meaning, 1).len(), 1);
}

/// What a search is asked (by the app or the CLI) is bounded: a clear error, no panic and
/// no giant allocation.
#[test]
fn queries_and_limits_from_outside_are_bounded() {
    let (_dir, engine) = engine();
    let refused = |q: SearchQuery| match engine.search(&q) {
        Err(Error::InvalidInput(message)) => message,
        other => panic!("{q:?} was not refused: {other:?}"),
    };
    for limit in [0, MAX_SEARCH_LIMIT + 1, usize::MAX] {
        let message = refused(SearchQuery {
            limit: Some(limit),
            ..query("comet", SearchMode::Blend)
        });
        assert!(message.contains("results"), "{message}");
    }
    let long = "comet ".repeat(MAX_QUERY_CHARS);
    assert!(refused(query(&long, SearchMode::Words)).contains("characters"));
    assert!(matches!(
        engine.more_like_this(ArticleId(1), Some(usize::MAX)),
        Err(Error::InvalidInput(_))
    ));
    let most = SearchQuery {
        limit: Some(MAX_SEARCH_LIMIT),
        ..query("comet", SearchMode::Words)
    };
    assert_eq!(engine.search(&most).unwrap().len(), 2);
}

/// Opening the index checks it against every stored article only when the store changed
/// since the last check found it in step (the check reads all metadata).
#[test]
fn the_full_check_runs_again_only_after_the_store_changed() {
    let (dir, engine) = engine();
    let words = |e: &Engine, q: &str| ids(&e.search(&query(q, SearchMode::Words)).unwrap());
    assert_eq!(words(&engine, "comet"), [1, 3]);
    drop(engine);
    let reopen = || {
        Engine::open(dir.path())
            .unwrap()
            .with_embedder(Arc::new(HashingEmbedder::default()))
    };

    // An article slipped into the tree without going through the store's writes (nothing
    // a real writer does) is not seen: proof that no full check ran.
    let engine = reopen();
    let text = "Comet hunters\n\nAmateurs find a comet.".to_string();
    let (meta, _) = ArticleRecord {
        id: ArticleId(4),
        feed_id: FeedId(1),
        title: "Comet hunters".into(),
        content_hash: content_hash(&text),
        text,
        ..Default::default()
    }
    .split();
    engine
        .store()
        .live()
        .articles
        .insert(ArticleId(4).to_key(), serde_json::to_vec(&meta).unwrap())
        .unwrap();
    assert_eq!(words(&engine, "comet"), [1, 3]);
    drop(engine);

    // A real write moves the store on: the next open checks, and finds both.
    let engine = reopen();
    put(&engine, 5, "Comet news", "A new comet.");
    drop(engine);
    let engine = reopen();
    let mut found = words(&engine, "comet");
    found.sort();
    assert_eq!(found, [1, 3, 4, 5]);
    // The check compared the fingerprints that opening read (to prove the files whole)
    // instead of reading the whole index a second time.
    assert_eq!(engine.search_index().unwrap().fingerprint_reads(), 1);
}

#[test]
fn a_quiet_engine_closes_the_index_writer_and_the_next_change_reopens_it() {
    let (_dir, engine) = engine();
    // Nothing opened yet: closing opens nothing.
    engine.close_search_writer();
    assert!(engine.search.index.lock().unwrap().is_none());

    put(&engine, 4, "Cup goal", "Another goal.");
    engine.update_search_index(&[ArticleId(4)]).unwrap();
    let index = engine.search_index().unwrap();
    assert!(index.has_writer());

    engine.close_search_writer();
    assert!(!index.has_writer());
    assert_eq!(
        ids(&engine.search(&query("goal", SearchMode::Words)).unwrap()),
        [4, 2]
    );
    put(&engine, 5, "Goal of the month", "A volley.");
    engine.update_search_index(&[ArticleId(5)]).unwrap();
    assert!(index.has_writer());
    assert_eq!(
        ids(&engine.search(&query("volley", SearchMode::Words)).unwrap()),
        [5]
    );
}
