use super::*;

fn article<'a>(
    id: u64,
    title: &'a str,
    author: Option<&'a str>,
    text: &'a str,
) -> IndexedArticle<'a> {
    IndexedArticle {
        id: ArticleId(id),
        title,
        author,
        text,
        fingerprint: fingerprint(text, author),
    }
}

fn ids(hits: Vec<WordHit>) -> Vec<u64> {
    hits.into_iter().map(|h| h.id.0).collect()
}

#[test]
fn finds_words_in_titles_authors_and_bodies_ranked_and_stemmed() {
    let dir = tempfile::tempdir().unwrap();
    let (index, fresh) = SearchIndex::open_or_create(&dir.path().join("idx")).unwrap();
    assert!(fresh && index.is_empty());
    index
        .apply(
            &[
                article(
                    1,
                    "Senate passes budget",
                    None,
                    "Senate passes budget\n\nThe vote was close.",
                ),
                article(
                    2,
                    "Garden notes",
                    Some("Ada Lovelace"),
                    "Garden notes\n\nTomatoes and an election of seeds.",
                ),
                article(
                    3,
                    "Elections in spring",
                    None,
                    "Elections in spring\n\nVoters go to the polls.",
                ),
                article(
                    4,
                    "Cooking",
                    None,
                    "Cooking\n\nA recipe for soup, nothing about votes.",
                ),
            ],
            &[],
        )
        .unwrap();
    assert_eq!(index.len(), 4);
    // Stemming: "election" finds "Elections"; a title match outranks a body match.
    assert_eq!(ids(index.search("election", 10).unwrap()), [3, 2]);
    assert_eq!(
        ids(index.search("lovelace", 10).unwrap()),
        [2],
        "authors are searched"
    );
    assert_eq!(
        ids(index.search("tomatoes seeds", 10).unwrap()),
        [2],
        "whole bodies"
    );
    assert_eq!(
        ids(index.search("senate soup", 10).unwrap()),
        Vec::<u64>::new(),
        "every word"
    );
    assert_eq!(
        ids(index.search("\"budget\" -vote", 10).unwrap()),
        Vec::<u64>::new()
    );
    // Stray syntax is read as words, never an error.
    assert_eq!(ids(index.search("soup AND (", 10).unwrap()), [4]);
    assert!(index.search("   ", 10).unwrap().is_empty());
}

#[test]
fn updates_and_removals_are_incremental_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    {
        let (index, _) = SearchIndex::open_or_create(&path).unwrap();
        index
            .apply(
                &[
                    article(1, "Comets", None, "Comets\n\nIce and dust."),
                    article(2, "Planets", None, "Planets\n\nRock and gas."),
                ],
                &[],
            )
            .unwrap();
        index
            .apply(
                &[article(
                    1,
                    "Comets",
                    None,
                    "Comets\n\nTails point away from the sun.",
                )],
                &[ArticleId(2)],
            )
            .unwrap();
        assert!(
            index.search("dust", 10).unwrap().is_empty(),
            "old text is gone"
        );
        assert_eq!(ids(index.search("tails", 10).unwrap()), [1]);
        assert!(index.search("planets", 10).unwrap().is_empty());
    }
    let (index, fresh) = SearchIndex::open_or_create(&path).unwrap();
    assert!(!fresh);
    let prints = index.fingerprints().unwrap();
    assert_eq!(prints.len(), 1);
    assert_eq!(
        prints[&ArticleId(1)],
        fingerprint("Comets\n\nTails point away from the sun.", None)
    );
}

#[test]
fn a_corrupt_or_foreign_index_is_replaced_by_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    {
        let (index, _) = SearchIndex::open_or_create(&path).unwrap();
        index
            .apply(&[article(1, "Kept", None, "Kept")], &[])
            .unwrap();
    }
    std::fs::write(path.join("meta.json"), b"{ not json").unwrap();
    let (index, fresh) = SearchIndex::open_or_create(&path).unwrap();
    assert!(fresh && index.is_empty());

    std::fs::write(path.join(VERSION_FILE), "sift-search-0").unwrap();
    let (_index, fresh) = SearchIndex::open_or_create(&path).unwrap();
    assert!(fresh, "another version is rebuilt");
}

#[test]
fn highlights_mark_the_query_words_in_titles_and_snippets() {
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open_or_create(&dir.path().join("idx")).unwrap();
    let text = "Rust <2024> edition\n\nThe new edition of Rust ships today with async closures.";
    index
        .apply(&[article(1, "Rust <2024> edition", None, text)], &[])
        .unwrap();
    let h = index.highlighter("rust closures").unwrap();
    assert_eq!(
        h.title_html("Rust <2024> edition"),
        "<mark>Rust</mark> &lt;2024&gt; edition"
    );
    let snippet = h.snippet_html(body_of("Rust <2024> edition", text));
    assert!(
        snippet.contains("<mark>Rust</mark>") && snippet.contains("<mark>closures</mark>"),
        "{snippet}"
    );
    // No match in the body: its beginning, escaped.
    let h = index.highlighter("edition").unwrap();
    assert_eq!(h.snippet_html("Plain <body>"), "Plain &lt;body&gt;");
}

/// The collector allocates for its limit up front; a limit from outside (the CLI, the
/// app) must not be able to overflow it or exhaust memory.
#[test]
fn a_huge_limit_returns_what_there_is() {
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open_or_create(&dir.path().join("idx")).unwrap();
    index
        .apply(&[article(1, "Comet", None, "Comet\n\nA comet tail.")], &[])
        .unwrap();
    assert_eq!(ids(index.search("comet", usize::MAX).unwrap()), [1]);
    assert_eq!(ids(index.search("comet", 1 << 40).unwrap()), [1]);
}

/// What goes into the index per article is bounded, whatever the store holds.
#[test]
fn an_article_is_indexed_up_to_a_cap() {
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open_or_create(&dir.path().join("idx")).unwrap();
    let mut text = String::from("Long read\n\nopening aardvark ");
    while text.len() < MAX_INDEXED_BYTES {
        text.push_str("filler words go on and on é ");
    }
    text.push_str(" zeppelin at the very end");
    index
        .apply(&[article(1, "Long read", None, &text)], &[])
        .unwrap();
    assert_eq!(ids(index.search("aardvark", 5).unwrap()), [1]);
    assert!(index.search("zeppelin", 5).unwrap().is_empty());
}

/// A rule's words are found the same way in the index and in an article's text: any case,
/// any ending, a phrase as a phrase, in the title or deep in the body; patterns the index
/// reads loosely ("C++" is "c" to it, "war on drugs" drops "on") must also be in the text
/// as written.
#[test]
fn a_phrase_is_found_alike_in_the_index_and_in_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open_or_create(&dir.path().join("idx")).unwrap();
    let deep = format!(
        "Quiet week\n\n{}and then the elections came, with the war on drugs.",
        "nothing happens here at all today ".repeat(60)
    );
    let texts: Vec<(u64, &str, String)> = vec![
        (1, "Quiet week", deep),
        (
            2,
            "Sponsored: a new phone",
            "Sponsored: a new phone\n\nBuy it.".into(),
        ),
        (
            3,
            "C++ turns 40",
            "C++ turns 40\n\nTemplates everywhere.".into(),
        ),
        (
            4,
            "Plan C",
            "Plan C\n\nA war in drugs policy, the election is off.".into(),
        ),
        (
            5,
            "Cooking",
            "Cooking\n\nSoup with the sponsor's salt.".into(),
        ),
    ];
    let articles: Vec<IndexedArticle<'_>> = texts
        .iter()
        .map(|(id, title, text)| article(*id, title, None, text))
        .collect();
    index.apply(&articles, &[]).unwrap();
    let cases: [(&str, &[u64]); 7] = [
        ("Elections", &[1, 4]),
        ("war on drugs", &[1]),
        ("sponsored", &[2, 5]),
        ("C++", &[3]),
        ("new phone", &[2]),
        ("phone new", &[]),
        ("the", &[]),
    ];
    let phrases: Vec<Phrase> = cases.iter().map(|(p, _)| Phrase::new(p)).collect();
    let lookup = index
        .find_phrases(&phrases.iter().collect::<Vec<_>>())
        .unwrap();
    assert_eq!(lookup.indexed.len(), 5);
    assert_eq!(lookup.version, index.version());
    for (((pattern, expected), phrase), candidates) in cases.iter().zip(&phrases).zip(&lookup.found)
    {
        let in_text: Vec<u64> = texts
            .iter()
            .filter(|(_, title, text)| phrase.matches(title, text))
            .map(|(id, _, _)| *id)
            .collect();
        assert_eq!(in_text, *expected, "{pattern:?} read in the texts");
        let mut from_index: Vec<u64> = candidates
            .iter()
            .map(|id| id.0)
            .filter(|id| !phrase.needs_text_check() || expected.contains(id))
            .collect();
        from_index.sort();
        assert_eq!(from_index, *expected, "{pattern:?} looked up in the index");
        if !phrase.needs_text_check() {
            assert!(candidates.iter().all(|id| expected.contains(&id.0)));
        }
    }
    assert!(Phrase::new("C++").needs_text_check() && !Phrase::new("new phone").needs_text_check());
    index.apply(&[], &[ArticleId(5)]).unwrap();
    assert_ne!(lookup.version, index.version(), "a change is a new version");
}

#[test]
fn a_closed_writer_opens_again_on_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open_or_create(&dir.path().join("idx")).unwrap();
    assert!(
        !index.has_writer(),
        "a searching-only index opens no writer"
    );
    index
        .apply(
            &[article(1, "Rust news", None, "Rust news\n\nA release.")],
            &[],
        )
        .unwrap();
    assert!(index.has_writer());

    index.close_writer().unwrap();
    assert!(!index.has_writer());
    // What was written stays searchable, and the lock is free for the next writer.
    assert_eq!(ids(index.search("release", 10).unwrap()), [1]);
    index
        .apply(
            &[article(2, "Garden", None, "Garden\n\nA release of seeds.")],
            &[1u64].map(ArticleId),
        )
        .unwrap();
    assert_eq!(ids(index.search("release", 10).unwrap()), [2]);
    // Closing twice, or with nothing open, is no error.
    index.close_writer().unwrap();
    index.close_writer().unwrap();

    // Reopened from disk, the index holds what the reopened writer wrote.
    drop(index);
    let (again, fresh) = SearchIndex::open_or_create(&dir.path().join("idx")).unwrap();
    assert!(!fresh);
    assert_eq!(ids(again.search("seeds", 10).unwrap()), [2]);
}
