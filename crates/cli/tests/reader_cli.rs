//! The daily loop as a user drives it with `sift` against a loopback feed server (articles
//! embedded with the real model in `models/`): dismiss the rest and undo it, save, mute by a
//! word, prune, with every command's `--json`. (The engine's tests cover the same ground
//! in detail with the fake embedder; this checks the commands and their JSON.)

mod common;
#[path = "../../core/tests/feeds/server.rs"]
mod server;

use common::{fails, ids, json};
use server::{fixture, Response, TestServer};

#[test]
fn a_reader_dismisses_the_rest_undoes_saves_mutes_and_prunes() {
    let server = TestServer::start();
    for (path, file) in [
        ("/atom.xml", "feeds/atom10.xml"),
        ("/hostile.xml", "feeds/hostile.xml"),
        ("/cafe.xml", "feeds/rss20-latin1.xml"),
    ] {
        server.route(path, Response::ok("application/xml", fixture(file)));
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    for path in ["/atom.xml", "/hostile.xml", "/cafe.xml"] {
        json(data, &["subscribe", &server.url(path)]);
    }
    let total = json(data, &["refresh"])["new_articles"].as_u64().unwrap();
    assert_eq!(total, 5);

    // Teach the model: like one article, dislike another.
    let all = ids(&json(data, &["articles"]));
    json(data, &["rate", &all[0].to_string(), "like"]);
    json(data, &["rate", &all[1].to_string(), "dislike"]);

    let unread = json(data, &["unread"]);
    assert_eq!(unread["total"].as_u64(), Some(total));
    assert_eq!(unread["for_you"].as_u64(), Some(total - 2));
    assert_eq!(unread["feeds"].as_array().unwrap().len(), 3);

    // Read one by hand first: the undo must leave it read.
    let first = json(data, &["for-you", "--limit", "1"])[0]["id"]
        .as_u64()
        .unwrap();
    assert_eq!(json(data, &["mark-read", &first.to_string()])["changed"], 1);

    let dismissed = json(data, &["mark-read", "--below-threshold"]);
    let changed = dismissed["changed"].as_u64().unwrap();
    let left = json(data, &["for-you"]);
    for item in left.as_array().unwrap() {
        assert!(
            item["score"].as_f64().unwrap() >= 0.5 && item["read"] == false,
            "{item}"
        );
    }
    assert_eq!(
        json(data, &["unread"])["total"].as_u64(),
        Some(total - 1 - changed)
    );
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
    json(data, &["mark-unread", &first.to_string()]);
    assert_eq!(json(data, &["unread"])["total"].as_u64(), Some(total));

    // Save an unrated article: it is listed in saved and stays unrated.
    let keep = all[2];
    json(data, &["save", &keep.to_string()]);
    assert_eq!(ids(&json(data, &["saved"])), [keep]);
    let unrated = ids(&json(data, &["articles", "--unrated"]));
    assert!(unrated.contains(&keep), "saving is not rating");

    // Mute a word from the best article's title: it sinks and says why.
    let best = json(data, &["for-you", "--limit", "1"])[0].clone();
    let word = best["title"]
        .as_str()
        .unwrap()
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.len() > 3)
        .expect("a word in the title")
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
    assert_eq!(muted["rule"]["action"], "mute");
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
    fails(data, &["mark-read"], "say which articles");

    // Prune everything unrated and unsaved (an age limit of 0 days): 2 rated + 1 saved stay.
    assert_eq!(json(data, &["stats"])["articles"].as_u64(), Some(total));
    let pruned = json(data, &["prune", "--days", "0"]);
    assert_eq!(
        pruned["removed_articles"].as_u64(),
        Some(total - 3),
        "{pruned}"
    );
    assert_eq!(pruned["kept_rated"].as_u64(), Some(2));
    assert_eq!(pruned["kept_saved"].as_u64(), Some(1));
    let stats = json(data, &["stats"]);
    assert_eq!(stats["articles"].as_u64(), Some(3));
    assert_eq!(
        stats["vectors"].as_u64(),
        Some(3),
        "vectors go with their articles"
    );
    assert_eq!(ids(&json(data, &["saved"])), [keep]);
    assert_eq!(
        ids(&json(data, &["articles", "--rating", "like"])),
        [all[0]]
    );
    // The feeds still carry the pruned entries: the next refresh does not bring them back.
    assert_eq!(json(data, &["refresh"])["new_articles"], 0);
}

/// sled keeps the space of deleted records; `sift prune` after a large cleanup gives it
/// back (the store is rewritten and swapped in) and says so, and everything kept is intact.
#[test]
fn a_large_cleanup_shrinks_the_store_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    // Hashing vectors (no model needed), dates spread over the last months.
    json(
        data,
        &[
            "generate-store",
            "--articles",
            "600",
            "--feeds",
            "5",
            "--ratings",
            "10",
        ],
    );
    let before = json(data, &["stats"]);
    let pruned = json(data, &["prune", "--days", "3"]);
    let removed = pruned["removed_articles"].as_u64().unwrap();
    assert!(removed > 400, "{pruned}");
    assert_eq!(pruned["compacted"], true, "{pruned}");
    let (size_before, size_after) = (
        pruned["size_before"].as_u64().unwrap(),
        pruned["size_after"].as_u64().unwrap(),
    );
    assert!(size_after * 3 < size_before, "{pruned}");

    let after = json(data, &["stats"]);
    assert_eq!(after["size_bytes"].as_u64(), Some(size_after), "{after}");
    assert_eq!(
        after["last_cleanup"], pruned,
        "Settings shows the last cleanup"
    );
    assert_eq!(
        after["articles"].as_u64().unwrap(),
        before["articles"].as_u64().unwrap() - removed
    );
    assert_eq!(after["rated"], before["rated"]);
    assert_eq!(after["vectors"], after["articles"]);
    // The compacted store reads and ranks as before.
    let for_you = json(data, &["for-you", "--limit", "5"]);
    assert_eq!(for_you.as_array().unwrap().len(), 5, "{for_you}");
}

/// "Mute by words in the title or text": `sift rules add mute --word` mutes an article
/// whose only mention of the word is deep in its body (past the summary and the first
/// words the metadata keeps), and `sift for-you --json` shows the effect and the reason.
#[test]
fn a_word_deep_in_an_article_body_mutes_it() {
    let filler =
        "The committee met again and talked about the budget for the coming year. ".repeat(12);
    let item = |n: u32, title: &str, body: &str| {
        format!(
            "<item><title>{title}</title><link>http://example.test/{n}</link>\
             <guid>http://example.test/{n}</guid>\
             <description><![CDATA[<p>{filler}</p><p>{body}</p>]]></description></item>"
        )
    };
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Council</title>\
         <link>http://example.test/</link>{}{}{}</channel></rss>",
        item(1, "Council budget, first reading", "Nothing else happened."),
        item(
            2,
            "Council budget, second reading",
            "This report was sponsored by a bank."
        ),
        item(3, "Council budget, third reading", "The vote is next week."),
    );
    let server = TestServer::start();
    server.route("/council.xml", Response::ok("application/rss+xml", feed));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    json(data, &["subscribe", &server.url("/council.xml")]);
    assert_eq!(json(data, &["refresh"])["new_articles"], 3);
    let all = json(data, &["articles"]);
    let find = |title: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|a| a["title"].as_str().unwrap().contains(title))
            .unwrap_or_else(|| panic!("{title} in {all}"))["id"]
            .as_u64()
            .unwrap()
    };
    let (first, sponsored) = (find("first"), find("second"));
    json(data, &["rate", &first.to_string(), "like"]);
    assert_eq!(json(data, &["unread"])["for_you"], 2);

    let rule = json(data, &["rules", "add", "mute", "--word", "Sponsored"]);
    assert_eq!(rule["pattern"], "Sponsored");
    let items = json(data, &["for-you"]);
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    let muted = items.iter().find(|i| i["id"] == sponsored).unwrap();
    assert_eq!(muted["score"].as_f64(), Some(0.0), "{muted}");
    assert_eq!(muted["reason"], "muted: 'Sponsored'");
    assert_eq!(muted["rule"]["action"], "mute");
    assert!(muted["model_score"].as_f64().unwrap() > 0.0);
    assert_eq!(
        items.last().unwrap()["id"],
        sponsored,
        "muted sinks to the bottom"
    );
    let other = items.iter().find(|i| i["id"] != sponsored).unwrap();
    assert!(other["rule"].is_null(), "{other}");
    // Muting deletes nothing; the muted article no longer counts as waiting in For you.
    assert_eq!(json(data, &["articles"]).as_array().unwrap().len(), 3);
    assert_eq!(json(data, &["unread"])["for_you"], 1);
    assert_eq!(json(data, &["unread"])["total"], 3);
}
