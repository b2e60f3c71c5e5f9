//! The daily loop over one engine: read marks, bulk marking and its undo, saving, rules and
//! retention, with the deterministic fake embedder.

use std::collections::HashSet;
use std::sync::Arc;

use super::*;
use crate::domain::Settings;
use crate::domain::{ArticleId, ArticleRecord, FeedId, FeedRecord, Rating};
use crate::embed::HashingEmbedder;
use crate::rules::{NewRule, RuleAction, RuleField};

const TOPICS: [&str; 3] = [
    "rust compiler borrow checker",
    "football league match goal",
    "stock market shares earnings",
];
const FLAVOURS: [&str; 5] = ["today", "analysis", "report", "update", "preview"];

/// Feed 1 (folder "Tech/Rust") carries rust, feed 2 (folder "Sport") football, feed 3
/// (no folder) markets; ids are topic * 100 + n; all published in January 2026.
fn engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path())
        .unwrap()
        .with_embedder(Arc::new(HashingEmbedder::default()));
    for (t, folder) in [Some("Tech/Rust"), Some("Sport"), None]
        .into_iter()
        .enumerate()
    {
        let mut feed = FeedRecord::new(
            FeedId(t as u64 + 1),
            format!("https://feed{t}.test/"),
            format!("Feed {t}"),
            None,
        );
        feed.folder = folder.map(str::to_string);
        engine.store().insert_feed(&feed).unwrap();
    }
    for (t, topic) in TOPICS.iter().enumerate() {
        for (n, flavour) in FLAVOURS.iter().enumerate() {
            let id = ArticleId((t * 100 + n) as u64);
            let title = format!("{topic} {flavour}");
            engine
                .store()
                .put_article(&ArticleRecord {
                    id,
                    feed_id: FeedId(t as u64 + 1),
                    title: title.clone(),
                    author: Some(if n == 0 { "Jane Doe" } else { "Staff" }.to_string()),
                    published: Some(format!("2026-01-{:02}T00:00:00Z", n + 1)),
                    text: title,
                    content_hash: format!("hash-{}", id.0),
                    ..Default::default()
                })
                .unwrap();
        }
    }
    engine.embed_pending(|_, _| {}).unwrap();
    (dir, engine)
}

fn id(topic: usize, n: usize) -> ArticleId {
    ArticleId((topic * 100 + n) as u64)
}

fn for_you_ids(engine: &Engine, include_read: bool) -> Vec<ArticleId> {
    engine
        .for_you(None, include_read)
        .unwrap()
        .into_iter()
        .map(|i| i.recommendation.id)
        .collect()
}

/// Likes two rust articles, dislikes two football ones.
fn teach(engine: &Engine) {
    engine.rate(id(0, 0), Some(Rating::Like)).unwrap();
    engine.rate(id(0, 1), Some(Rating::Like)).unwrap();
    engine.rate(id(1, 0), Some(Rating::Dislike)).unwrap();
    engine.rate(id(1, 1), Some(Rating::Dislike)).unwrap();
}

#[test]
fn for_you_hides_read_articles_unless_asked_and_reading_can_be_undone() {
    let (_dir, engine) = engine();
    assert_eq!(for_you_ids(&engine, false).len(), 15);
    engine.mark_read(id(2, 3)).unwrap();
    assert!(!for_you_ids(&engine, false).contains(&id(2, 3)));
    let all = engine.for_you(None, true).unwrap();
    let item = all
        .iter()
        .find(|i| i.recommendation.id == id(2, 3))
        .unwrap();
    assert!(item.read);
    assert_eq!(
        engine.set_read(id(2, 3), false).unwrap(),
        ReadState {
            id: id(2, 3),
            read: false
        }
    );
    assert!(for_you_ids(&engine, false).contains(&id(2, 3)));
    assert!(engine.set_read(ArticleId(9999), true).is_err());
}

#[test]
fn dismissing_the_rest_marks_exactly_what_scores_below_the_threshold_and_undo_restores_it() {
    let (_dir, engine) = engine();
    teach(&engine);
    engine.mark_read(id(1, 2)).unwrap(); // read before: must stay read after the undo
    let threshold = engine.interest_threshold().unwrap();
    let before: HashSet<ArticleId> = engine.read_ids().unwrap().into_iter().collect();
    let below: HashSet<ArticleId> = engine
        .for_you(None, false)
        .unwrap()
        .into_iter()
        .filter(|i| i.recommendation.score < threshold)
        .map(|i| i.recommendation.id)
        .collect();
    assert!(below.contains(&id(1, 3)), "football is below the threshold");
    assert!(!below.contains(&id(0, 2)), "rust is above it");

    let report = engine
        .mark_read_where(&MarkReadScope {
            below_threshold: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(report.ids.iter().copied().collect::<HashSet<_>>(), below);
    let left = for_you_ids(&engine, false);
    assert!(left.contains(&id(0, 2)));
    assert!(left.iter().all(|i| !below.contains(i)));
    assert!(engine.unread_counts().unwrap().can_undo);

    let undone = engine.undo_mark_read().unwrap();
    assert_eq!(undone.changed, report.changed);
    let after: HashSet<ArticleId> = engine.read_ids().unwrap().into_iter().collect();
    assert_eq!(
        after, before,
        "the undo restores exactly the previous read marks"
    );
    assert!(!engine.unread_counts().unwrap().can_undo);
}

#[test]
fn bulk_marks_by_feed_folder_ids_and_age_and_refuse_an_empty_scope() {
    let (_dir, engine) = engine();
    let mark = |scope: MarkReadScope| engine.mark_read_where(&scope).unwrap().changed;
    assert!(engine.mark_read_where(&MarkReadScope::default()).is_err());
    assert_eq!(
        mark(MarkReadScope {
            ids: Some(vec![id(2, 0), id(2, 1)]),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        mark(MarkReadScope {
            folder: Some("Tech".into()),
            ..Default::default()
        }),
        5,
        "a folder takes its subfolders"
    );
    assert_eq!(
        mark(MarkReadScope {
            feed: Some(FeedId(2)),
            older_than_days: Some(100_000),
            ..Default::default()
        }),
        0,
        "nothing is that old"
    );
    let counts = engine.unread_counts().unwrap();
    assert_eq!(counts.total, 8);
    assert_eq!(
        counts.feeds.iter().map(|f| f.unread).collect::<Vec<_>>(),
        [0, 5, 3]
    );
    let folder = |name: &str| {
        counts
            .folders
            .iter()
            .find(|f| f.folder == name)
            .unwrap()
            .unread
    };
    assert_eq!(
        (folder("Tech"), folder("Tech/Rust"), folder("Sport")),
        (0, 0, 5)
    );
    assert_eq!(
        mark(MarkReadScope {
            older_than_days: Some(30),
            ..Default::default()
        }),
        8
    );
    assert_eq!(engine.unread_counts().unwrap().total, 0);
}

#[test]
fn saving_does_not_train_and_liking_does_not_save() {
    let (_dir, engine) = engine();
    teach(&engine);
    let scores = |e: &Engine| {
        e.for_you(None, true)
            .unwrap()
            .into_iter()
            .map(|i| (i.recommendation.id, i.model_score))
            .collect::<Vec<_>>()
    };
    let before = scores(&engine);
    engine.set_saved(id(1, 4), true).unwrap();
    assert_eq!(scores(&engine), before, "saving changes no score");
    assert_eq!(engine.store().get_rating(id(1, 4)).unwrap(), None);
    assert_eq!(engine.saved_ids().unwrap(), [id(1, 4)]);
    assert!(
        !engine.saved_ids().unwrap().contains(&id(0, 0)),
        "a like is not a save"
    );
    let saved = engine.saved().unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].title, "football league match goal preview");
    assert!(engine
        .for_you(None, false)
        .unwrap()
        .iter()
        .any(|i| i.recommendation.id == id(1, 4) && i.saved));
    engine.set_saved(id(1, 4), false).unwrap();
    assert!(engine.saved().unwrap().is_empty());
    assert!(engine.set_saved(ArticleId(9999), true).is_err());
}

#[test]
fn a_mute_rule_sinks_what_it_matches_and_says_why_and_a_boost_lifts() {
    let (_dir, engine) = engine();
    teach(&engine);
    let top = engine.for_you(None, false).unwrap()[0]
        .recommendation
        .clone();
    assert!(top.title.contains("rust"));
    let rule = engine
        .add_rule(NewRule {
            action: RuleAction::Mute,
            field: RuleField::Words,
            pattern: "Borrow".into(),
            days: Some(7),
        })
        .unwrap();
    assert!(rule.expires_at.is_some());
    let items = engine.for_you(None, false).unwrap();
    let muted: Vec<_> = items.iter().filter(|i| i.rule.is_some()).collect();
    assert_eq!(muted.len(), 3, "the three unrated rust articles");
    for item in &muted {
        assert_eq!(item.recommendation.score, 0.0);
        assert_eq!(item.recommendation.reason, "muted: 'Borrow'");
        assert!(item.model_score > 0.0);
    }
    assert!(
        items[items.len() - 3..].iter().all(|i| i.rule.is_some()),
        "at the bottom"
    );
    assert_eq!(
        engine.store().list_articles().unwrap().len(),
        15,
        "nothing deleted"
    );

    let boost = engine
        .add_rule(NewRule {
            action: RuleAction::Boost,
            field: RuleField::Author,
            pattern: "jane".into(),
            days: None,
        })
        .unwrap();
    let items = engine.for_you(None, false).unwrap();
    let jane = items
        .iter()
        .find(|i| i.recommendation.id == id(2, 0))
        .unwrap();
    assert!(jane.recommendation.score > jane.model_score);
    assert!(jane
        .recommendation
        .reason
        .starts_with("boosted: author 'jane'"));

    assert!(engine
        .add_rule(NewRule {
            action: RuleAction::Mute,
            field: RuleField::Feed,
            pattern: "42".into(),
            days: None,
        })
        .is_err());
    assert_eq!(engine.rules().unwrap().len(), 2);
    engine.remove_rule(rule.id).unwrap();
    engine.remove_rule(boost.id).unwrap();
    assert!(engine.remove_rule(rule.id).is_err());
    assert!(engine
        .for_you(None, false)
        .unwrap()
        .iter()
        .all(|i| i.rule.is_none()));
}

#[test]
fn pruning_keeps_rated_and_saved_articles_and_removes_the_rest_with_their_vectors() {
    let (_dir, engine) = engine();
    engine.rate(id(0, 0), Some(Rating::Like)).unwrap();
    engine.rate(id(1, 0), Some(Rating::Skip)).unwrap();
    engine.set_saved(id(2, 0), true).unwrap();
    engine.mark_read(id(2, 1)).unwrap();
    let vectors_before = engine.store_stats().unwrap().vectors;
    assert_eq!(vectors_before, 15);

    // Everything is from January: 10,000 days keeps it all, the default 90 does not.
    let nothing = engine.prune(Some(10_000)).unwrap();
    assert_eq!(nothing.removed_articles, 0);
    assert!(!nothing.compacted);
    let report = engine.prune(None).unwrap();
    assert_eq!(report.retention_days, Settings::default().retention_days);
    assert_eq!(report.removed_articles, 12);
    assert_eq!(report.removed_vectors, 12);
    assert_eq!((report.kept_rated, report.kept_saved), (2, 1));
    // (Whether compacting shrinks the file is tested where the store is big enough to
    // tell: store/compact.rs, and `sift prune` in crates/cli/tests/reader_cli.rs.)
    assert_eq!(
        engine.store_stats().unwrap().last_cleanup.as_ref(),
        Some(&report)
    );
    let left: HashSet<ArticleId> = engine
        .store()
        .list_articles()
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(left, HashSet::from([id(0, 0), id(1, 0), id(2, 0)]));
    let stats = engine.store_stats().unwrap();
    assert_eq!(
        (stats.articles, stats.vectors, stats.saved, stats.rated),
        (3, 3, 1, 2)
    );
    assert!(
        engine.read_ids().unwrap().is_empty(),
        "read marks of pruned articles go too"
    );
    let listed: HashSet<ArticleId> = for_you_ids(&engine, true).into_iter().collect();
    assert_eq!(
        listed,
        HashSet::from([id(1, 0), id(2, 0)]),
        "skipped and saved stay unrated"
    );

    // Keeping for ever (0) in Settings prunes nothing.
    engine
        .update_settings(Settings {
            retention_days: 0,
            ..Settings::default()
        })
        .unwrap();
    engine
        .store()
        .put_article(&ArticleRecord {
            id: ArticleId(777),
            feed_id: FeedId(1),
            title: "old".into(),
            published: Some("2001-01-01T00:00:00Z".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(engine.prune(None).unwrap().removed_articles, 0);
}

/// What a notification tells about is what For you would put first: a muted article
/// never notifies, however well the model scores it, and a boost can bring one in.
#[test]
fn muted_articles_are_never_promising_and_a_boost_counts() {
    let (_dir, engine) = engine();
    teach(&engine);
    let new_rust = [id(0, 2), id(0, 3), id(0, 4)];
    let before = engine.promising(&new_rust).unwrap();
    assert_eq!(before.len(), 3, "the model likes unrated rust: {before:?}");
    let mute = engine
        .add_rule(NewRule {
            action: RuleAction::Mute,
            field: RuleField::Words,
            pattern: "preview".into(),
            days: None,
        })
        .unwrap();
    let after: Vec<ArticleId> = engine
        .promising(&new_rust)
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(after, [id(0, 2), id(0, 3)], "'rust ... preview' is muted");
    engine.remove_rule(mute.id).unwrap();

    // A threshold between a football article's model score and its boosted score.
    let football = id(1, 2);
    let model = engine.score_articles(&[football]).unwrap()[&football].score;
    let boosted = 1.0 - (1.0 - model) / 2.0;
    engine
        .update_settings(Settings {
            recommend_threshold: (model + boosted) / 2.0,
            ..engine.settings().unwrap()
        })
        .unwrap();
    assert!(engine.promising(&[football]).unwrap().is_empty());
    engine
        .add_rule(NewRule {
            action: RuleAction::Boost,
            field: RuleField::Feed,
            pattern: "2".into(),
            days: None,
        })
        .unwrap();
    let promising = engine.promising(&[football]).unwrap();
    assert_eq!(promising.len(), 1);
    assert!((promising[0].1 - boosted).abs() < 1e-6);
}

/// An age typed into the CLI or sent by the app can be any number: one reaching past the
/// first date chrono knows (`now - u32::MAX days` panicked) selects nothing, without a
/// panic.
#[test]
fn ages_beyond_the_calendar_select_nothing() {
    let (_dir, engine) = engine();
    let report = engine.prune(Some(u32::MAX)).unwrap();
    assert_eq!(report.removed_articles, 0);
    let marked = engine
        .mark_read_where(&MarkReadScope {
            older_than_days: Some(u32::MAX),
            ..Default::default()
        })
        .unwrap();
    assert!(marked.ids.is_empty(), "{marked:?}");
    // An age within the calendar still works.
    let marked = engine
        .mark_read_where(&MarkReadScope {
            older_than_days: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(marked.ids.len(), 15);
}

/// A long text whose only "sponsored" comes far past the first words the metadata keeps.
fn body_with_a_word_deep_inside(title: &str, word: &str) -> String {
    let filler = "the borrow checker keeps every reference valid while it lives ".repeat(20);
    format!("{title}\n\n{filler}This part was {word} by a vendor.")
}

/// "Mute by words in the title or text": a word that appears only deep in an article's
/// body mutes it in For you (with the reason), in "dismiss the rest" and in notifications
/// alike; an article stored after the search index was read is judged by its text too.
#[test]
fn a_word_deep_in_the_body_mutes_everywhere_rules_apply() {
    let (_dir, engine) = engine();
    teach(&engine);
    let deep = id(0, 2);
    let mut record = engine.store().get_article(deep).unwrap().unwrap();
    record.text = body_with_a_word_deep_inside(&record.title, "sponsored");
    record.content_hash = "hash-deep".into();
    engine.store().put_article(&record).unwrap();
    engine.embed_pending(|_, _| {}).unwrap();
    engine.update_search_index(&[deep]).unwrap();
    let meta = engine.store().get_article_meta(deep).unwrap().unwrap();
    assert!(
        !meta.lead.contains("sponsored") && !meta.title.contains("sponsored"),
        "the word is only past the lead: {}",
        meta.lead
    );
    assert!(engine.promising(&[deep]).unwrap().len() == 1);
    let waiting = engine.unread_counts().unwrap().for_you;

    let mute = engine
        .add_rule(NewRule {
            action: RuleAction::Mute,
            field: RuleField::Words,
            pattern: "Sponsored".into(),
            days: None,
        })
        .unwrap();
    let items = engine.for_you(None, false).unwrap();
    let muted: Vec<_> = items.iter().filter(|i| i.rule.is_some()).collect();
    assert_eq!(muted.len(), 1, "only the article with the word: {muted:?}");
    assert_eq!(muted[0].recommendation.id, deep);
    assert_eq!(muted[0].recommendation.score, 0.0);
    assert_eq!(muted[0].recommendation.reason, "muted: 'Sponsored'");
    assert_eq!(
        items.last().unwrap().recommendation.id,
        deep,
        "at the bottom"
    );
    assert!(engine.promising(&[deep]).unwrap().is_empty());
    // The navigation's and the tray's count agree with the notifications: not waiting.
    assert_eq!(engine.unread_counts().unwrap().for_you, waiting - 1);

    // An article the index has not seen yet (stored behind its back) is read directly.
    let late = id(0, 9);
    let title = "rust compiler borrow checker news";
    engine
        .store()
        .put_article(&ArticleRecord {
            id: late,
            feed_id: FeedId(1),
            title: title.into(),
            text: body_with_a_word_deep_inside(title, "sponsoring"),
            content_hash: "hash-late".into(),
            ..Default::default()
        })
        .unwrap();
    engine.embed_pending(|_, _| {}).unwrap();
    assert!(engine.promising(&[late]).unwrap().is_empty(), "any ending");
    let muted: HashSet<ArticleId> = engine
        .for_you(None, false)
        .unwrap()
        .into_iter()
        .filter(|i| i.rule.is_some())
        .map(|i| i.recommendation.id)
        .collect();
    assert_eq!(muted, HashSet::from([deep, late]));

    // Dismissing the rest takes the muted articles (scored 0) with the rest below.
    let threshold = engine.interest_threshold().unwrap();
    let report = engine
        .mark_read_where(&MarkReadScope {
            below_threshold: true,
            ..Default::default()
        })
        .unwrap();
    assert!(report.ids.contains(&deep) && report.ids.contains(&late));
    assert!(threshold > 0.0);
    engine.undo_mark_read().unwrap();

    // The rule gone, the article is the model's again.
    engine.remove_rule(mute.id).unwrap();
    assert!(engine
        .for_you(None, false)
        .unwrap()
        .iter()
        .all(|i| i.rule.is_none()));
    assert_eq!(engine.promising(&[deep]).unwrap().len(), 1);
    assert_eq!(
        engine.unread_counts().unwrap().for_you,
        waiting + 1,
        "and the late one"
    );
}

/// For you answers author rules from sets it keeps per store generation (no article is
/// read per listing): they follow articles stored or changed afterwards.
#[test]
fn author_rules_follow_articles_stored_after_the_first_listing() {
    let (_dir, engine) = engine();
    teach(&engine);
    engine
        .add_rule(NewRule {
            action: RuleAction::Boost,
            field: RuleField::Author,
            pattern: "jane".into(),
            days: None,
        })
        .unwrap();
    let boosted = |engine: &Engine| -> HashSet<ArticleId> {
        engine
            .for_you(None, false)
            .unwrap()
            .into_iter()
            .filter(|i| i.rule.is_some())
            .map(|i| i.recommendation.id)
            .collect()
    };
    assert_eq!(boosted(&engine), HashSet::from([id(2, 0)]));

    let new = id(2, 9);
    engine
        .store()
        .put_article(&ArticleRecord {
            id: new,
            feed_id: FeedId(3),
            title: "stock market shares earnings outlook".into(),
            author: Some("Jane Roe".into()),
            text: "stock market shares earnings outlook".into(),
            content_hash: "hash-new".into(),
            ..Default::default()
        })
        .unwrap();
    let mut changed = engine.store().get_article(id(2, 0)).unwrap().unwrap();
    changed.author = Some("Staff".into());
    engine.store().put_article(&changed).unwrap();
    engine.embed_pending(|_, _| {}).unwrap();
    assert_eq!(boosted(&engine), HashSet::from([new]));
}

/// For you answers rules from kept sets over the whole ranking; a single article's check
/// (notifications, counts) tries the rules on its metadata. Both give every article the
/// same rule, mutes first: a feed mute beats a words boost, an author mute a feed boost.
#[test]
fn for_you_and_single_articles_agree_on_which_rule_applies() {
    let (_dir, engine) = engine();
    teach(&engine);
    let rule = |action, field, pattern: &str| {
        engine
            .add_rule(NewRule {
                action,
                field,
                pattern: pattern.into(),
                days: None,
            })
            .unwrap()
    };
    rule(RuleAction::Boost, RuleField::Words, "rust");
    rule(RuleAction::Boost, RuleField::Feed, "2");
    let report = rule(RuleAction::Boost, RuleField::Words, "report");
    // Also in "stock market shares earnings report": the earlier rule is the one shown.
    rule(RuleAction::Boost, RuleField::Words, "earnings");
    let feed_mute = rule(RuleAction::Mute, RuleField::Feed, "1");
    let author_mute = rule(RuleAction::Mute, RuleField::Author, "jane");
    let items = engine.for_you(None, false).unwrap();
    assert_eq!(items.len(), 11);
    let rules = engine.active_rules().unwrap();
    for item in &items {
        let meta = engine
            .store()
            .get_article_meta(item.recommendation.id)
            .unwrap()
            .unwrap();
        assert_eq!(item.rule, rules.hit(engine.store(), &meta), "{item:?}");
    }
    // Counts ask only whether a mute applies: the same answer as the rule's action, for
    // every stored article (listed or not).
    let mut muted = 0;
    for meta in engine.store().list_article_meta().unwrap() {
        let hit = rules.hit(engine.store(), &meta);
        let mutes = hit.is_some_and(|h| h.action == RuleAction::Mute);
        assert_eq!(rules.muted(engine.store(), &meta), mutes, "{meta:?}");
        muted += usize::from(mutes);
    }
    assert!(muted >= 2, "the feed mute and the author mute apply");
    let rule_of = |a: ArticleId| {
        items
            .iter()
            .find(|i| i.recommendation.id == a)
            .and_then(|i| i.rule.as_ref())
            .map(|hit| hit.rule_id)
    };
    assert_eq!(
        rule_of(id(0, 2)),
        Some(feed_mute.id),
        "rust, but feed 1 is muted"
    );
    assert_eq!(
        rule_of(id(2, 0)),
        Some(author_mute.id),
        "Jane Doe's markets article"
    );
    assert_eq!(rule_of(id(2, 2)), Some(report.id));
    assert!(items
        .iter()
        .filter(|i| i.recommendation.feed_id == FeedId(2))
        .all(|i| i.rule.as_ref().unwrap().action == RuleAction::Boost));
}

/// For you's count is what For you lists unread, from the learner's snapshot rather than a
/// store read per article: it follows reads, answers, an article stored without a vector
/// yet, and that article once embedded.
#[test]
fn the_for_you_count_is_what_for_you_lists() {
    let (_dir, engine) = engine();
    let count = |engine: &Engine| engine.unread_counts().unwrap().for_you;
    assert_eq!(count(&engine), 15);
    assert_eq!(count(&engine), for_you_ids(&engine, false).len());

    teach(&engine);
    engine.mark_read(id(2, 0)).unwrap();
    assert_eq!(count(&engine), 10);
    assert_eq!(count(&engine), for_you_ids(&engine, false).len());

    // Stored but not embedded: counted unread (15: 14 old unread, rated or not, and it),
    // not in For you until it has a vector.
    let late = ArticleId(999);
    engine
        .store()
        .put_article(&ArticleRecord {
            id: late,
            feed_id: FeedId(3),
            title: "stock market late close".into(),
            text: "stock market late close".into(),
            content_hash: "hash-late".into(),
            ..Default::default()
        })
        .unwrap();
    let counts = engine.unread_counts().unwrap();
    assert_eq!(counts.total, 15);
    assert_eq!(counts.for_you, 10);
    engine.embed_pending(|_, _| {}).unwrap();
    assert_eq!(count(&engine), 11);
    assert!(for_you_ids(&engine, false).contains(&late));
    assert_eq!(count(&engine), for_you_ids(&engine, false).len());
}
