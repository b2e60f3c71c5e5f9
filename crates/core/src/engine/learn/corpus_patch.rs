//! Brings a corpus file written at an older generation up to date from the store's log of
//! changes ([`Store::corpus_changes`]), instead of reading the whole store again (2–4 s at
//! 100,000 articles): only the articles the log names are read, plus, when vectors were
//! stored, the articles the file lists as waiting for theirs. The result is what a load
//! from the store gives now — the same rows, in the same (id) order, with the same vectors
//! — so every score is the same either way (`tests.rs` compares them).

use std::collections::BTreeMap;

use super::corpus_file::{CorpusFile, Described};
use super::snapshot::CorpusArticle;
use crate::domain::ArticleId;
use crate::error::Result;
use crate::learn::matrix::Matrix;
use crate::store::{CorpusChanges, Store};

/// Patching is worth it while it reads at most this share of the corpus's articles;
/// beyond it one sequential pass over the store is as quick.
const MAX_PATCH_SHARE: f64 = 0.25;

/// The articles a patch with `changes` must read again, if patching is worth it.
pub(super) fn articles_to_read(
    file: &CorpusFile,
    changes: &CorpusChanges,
) -> Option<Vec<ArticleId>> {
    let mut ids = changes.articles.clone();
    if changes.vectors {
        ids.extend(file.pending.iter().copied());
    }
    let rows = file.articles.len() + file.pending.len();
    let worth = ids.len() as f64 <= (rows as f64 * MAX_PATCH_SHARE).max(64.0);
    // Rows out of id order were not written by this version: not patched, reloaded.
    let ordered = file.articles.windows(2).all(|w| w[0].id < w[1].id);
    (worth && ordered).then(|| ids.into_iter().collect())
}

/// `file` with the articles in `ids` (in id order) as the store has them now: added,
/// changed, or removed (deleted, or no vector for their current text). Rows whose vector
/// changed get their region membership computed again by the caller (`stale_rows`).
pub(super) fn patch(
    store: &Store,
    model_id: &str,
    dim: usize,
    file: CorpusFile,
    ids: &[ArticleId],
    generation: u64,
) -> Result<CorpusFile> {
    // What each named article is now: a row, or nothing (gone, or waiting for a vector).
    let mut now: BTreeMap<ArticleId, Option<(CorpusArticle, Vec<f32>)>> = BTreeMap::new();
    let mut pending: Vec<ArticleId> = Vec::new();
    for &id in ids {
        let row = match store.get_article_meta(id)? {
            None => None,
            Some(meta) => match store.get_embedding(model_id, &meta.content_hash, dim)? {
                Some(vector) => Some((CorpusArticle::from(meta), vector.into_vec())),
                None => {
                    pending.push(id);
                    None
                }
            },
        };
        now.insert(id, row);
    }
    // Waiting before and not looked at: still waiting.
    pending.extend(file.pending.iter().filter(|id| !now.contains_key(id)));
    pending.sort_unstable();
    pending.dedup();

    let CorpusFile {
        articles: old_articles,
        vectors: old_vectors,
        described: old_described,
        ..
    } = file;
    let rows = old_articles.len() + now.len();
    let mut articles = Vec::with_capacity(rows);
    let mut vectors = Matrix::with_dim(dim);
    vectors.reserve(rows);
    // The file's memberships (a file as read describes every row: none is stale) and the
    // patched ones, under the same regions.
    let mut described = old_described.map(|from| {
        let mut membership = Matrix::with_dim(from.membership.dim());
        membership.reserve(rows);
        let patched = Described {
            regions_stamp: from.regions_stamp,
            membership,
            region: Vec::with_capacity(rows),
            stale_rows: Vec::new(),
        };
        (from, patched)
    });
    let dimension = |e| crate::Error::Embedding(format!("corpus patch: {e}"));
    // Merges the file's rows with the changed ones, both in id order.
    let mut changed = now.into_iter().peekable();
    let mut old = old_articles.into_iter().enumerate().peekable();
    loop {
        let take_changed = match (old.peek(), changed.peek()) {
            (None, None) => break,
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (Some((_, a)), Some((id, _))) => *id <= a.id,
        };
        if take_changed {
            let (id, row) = changed.next().expect("peeked");
            if old.peek().is_some_and(|(_, a)| a.id == id) {
                old.next(); // replaced or removed
            }
            if let Some((article, vector)) = row {
                vectors.push(&vector).map_err(dimension)?;
                if let Some((_, d)) = described.as_mut() {
                    // A placeholder, computed again under the regions in use.
                    d.stale_rows.push(articles.len());
                    d.membership
                        .push(&vec![0.0; d.membership.dim()])
                        .map_err(dimension)?;
                    d.region.push((0, 0.0));
                }
                articles.push(article);
            }
        } else {
            let (i, article) = old.next().expect("peeked");
            vectors.push_held(old_vectors.row(i)).map_err(dimension)?;
            if let Some((from, d)) = described.as_mut() {
                d.membership
                    .push(from.membership.row(i))
                    .map_err(dimension)?;
                d.region.push(from.region[i]);
            }
            articles.push(article);
        }
    }
    let described = described.map(|(_, patched)| patched);
    Ok(CorpusFile {
        generation,
        articles,
        vectors,
        pending,
        described,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::bench::generate::{generate_store, GenerateConfig};
    use crate::domain::{ArticleId, NewArticle};
    use crate::engine::Engine;
    use crate::learn::half::Half;
    use crate::learn::matrix::Matrix;
    use crate::store::RefreshWrite;

    /// What a load gave: every row (id, feed, title, link, lead), the vectors, the region
    /// memberships, and For you's scores.
    type Rows = Vec<(u64, u64, String, Option<String>, String)>;
    type Seen = (
        Rows,
        Matrix<Half>,
        Matrix,
        Vec<(usize, f32)>,
        Vec<(ArticleId, f32)>,
    );

    fn seen(dir: &Path) -> Seen {
        let engine = Engine::open(dir).unwrap();
        let snap = engine.snapshot().unwrap();
        let c = &snap.corpus;
        let rows = c
            .articles
            .iter()
            .map(|a| {
                let link = a.link().map(str::to_string);
                (
                    a.id.0,
                    a.feed_id.0,
                    a.title().to_string(),
                    link,
                    a.lead().to_string(),
                )
            })
            .collect();
        let scores = engine
            .recommend(None)
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.score))
            .collect();
        (
            rows,
            c.vectors.clone(),
            c.membership.clone(),
            c.region.clone(),
            scores,
        )
    }

    /// The generation the corpus file was written at (its header: magic, then the u64).
    fn file_generation(dir: &Path) -> u64 {
        let bytes = std::fs::read(dir.join("learner-corpus.bin")).unwrap();
        u64::from_le_bytes(bytes[8..16].try_into().unwrap())
    }

    fn news(feed: usize, n: usize, words: &str) -> NewArticle {
        let text = format!("{words} {n}");
        NewArticle {
            guid: Some(format!("gen-{feed}-{n}")),
            link: Some(format!("https://feed{feed}.generated.invalid/posts/{n}")),
            published: Some(chrono::Utc::now().to_rfc3339()),
            title: text.clone(),
            content_hash: format!("patch-{feed}-{n}-{}", text.len()),
            text,
            ..Default::default()
        }
    }

    /// A generated store of 1,200 articles over 6 feeds with 10 answers, dated inside retention.
    fn generate_small_store(dir: &std::path::Path, seed: u64) {
        let config = GenerateConfig {
            articles: 1_200,
            feeds: 6,
            ratings: 10,
            seed,
            days: 30,
        };
        generate_store(&Engine::open(dir).unwrap(), &config, |_, _, _| {}).unwrap();
    }

    /// A patch keeps the file's regions (their stamp, so the start keeps the memberships)
    /// and marks for computing again exactly the rows whose vector it read anew: two new
    /// articles and one with a changed text. Every other row keeps its stored membership.
    #[test]
    fn a_patch_keeps_the_regions_and_marks_only_the_rows_it_read_again() {
        use super::super::corpus_file;

        let dir = tempfile::tempdir().unwrap();
        generate_small_store(dir.path(), 7);
        seen(dir.path()); // a start writes the corpus file
        let engine = Engine::open(dir.path()).unwrap();
        let (model_id, dim) = (engine.model_id(), engine.model_dim());
        // The file as it was before the changes (a later start may rewrite it).
        let path = dir.path().join("corpus-before.bin");
        std::fs::copy(dir.path().join("learner-corpus.bin"), &path).unwrap();
        let read = || corpus_file::read(&path, &model_id, dim).expect("a corpus file");
        let file = read();
        let kept = file.described.clone().expect("the file describes its rows");

        let store = engine.store();
        let feed = store.list_feeds().unwrap().remove(0);
        let written = store
            .apply_refresh(&RefreshWrite {
                feed,
                articles: vec![
                    news(0, 900, "rust compiler release"),
                    news(0, 901, "telescope orbit launch"),
                    news(0, 0, "football striker transfer rewritten"),
                ],
            })
            .unwrap();
        engine.embed_pending(|_, _| {}).unwrap();
        let changed: Vec<ArticleId> = written
            .new_ids
            .iter()
            .chain(&written.updated_ids)
            .copied()
            .collect();
        assert_eq!(changed.len(), 3);

        let generation = store.corpus_generation().unwrap();
        let changes = store
            .corpus_changes(file.generation, generation)
            .unwrap()
            .expect("the log describes the span");
        let ids = super::articles_to_read(&file, &changes).expect("worth patching");
        let patched = super::patch(store, &model_id, dim, read(), &ids, generation).unwrap();
        let d = patched.described.expect("still described");
        assert_eq!(d.regions_stamp, kept.regions_stamp);
        let mut stale: Vec<ArticleId> = d
            .stale_rows
            .iter()
            .map(|&i| patched.articles[i].id)
            .collect();
        stale.sort_unstable();
        let mut want = changed.clone();
        want.sort_unstable();
        assert_eq!(stale, want, "the rows read anew, and only those");
        for (i, article) in patched.articles.iter().enumerate() {
            if d.stale_rows.contains(&i) {
                continue;
            }
            let j = file
                .articles
                .iter()
                .position(|a| a.id == article.id)
                .unwrap();
            assert_eq!(d.membership.row(i), kept.membership.row(j), "row {i}");
            assert_eq!(d.region[i], kept.region[j], "row {i}");
        }
    }

    /// After new articles, a changed text (embedded again), an article still waiting for
    /// its vector and a retention cleanup, a start patches the corpus file from the log —
    /// without rewriting it — and gets exactly what a load of the whole store gives.
    #[test]
    fn a_patched_corpus_is_what_a_load_from_the_store_gives() {
        let dir = tempfile::tempdir().unwrap();
        generate_small_store(dir.path(), 5);
        let before = seen(dir.path());
        let written_at = file_generation(dir.path());
        assert!(!before.3.is_empty(), "the corpus has regions");

        let pruned = {
            let engine = Engine::open(dir.path()).unwrap();
            let store = engine.store();
            let feed = store.list_feeds().unwrap().remove(0);
            let write = |articles| {
                store
                    .apply_refresh(&RefreshWrite {
                        feed: feed.clone(),
                        articles,
                    })
                    .unwrap()
            };
            // Two new articles and a new text for the feed's first one (same guid).
            let added = write(vec![
                news(0, 900, "rust compiler release"),
                news(0, 901, "telescope orbit launch"),
                news(0, 0, "football striker transfer rewritten"),
            ]);
            assert_eq!((added.new_ids.len(), added.updated_ids.len()), (2, 1));
            engine.embed_pending(|_, _| {}).unwrap();
            // One more that is not embedded yet: not in the corpus.
            write(vec![news(0, 902, "waiting for its vector")]);
            // Retention: every unrated article published more than 28 days ago.
            let report = engine.prune(Some(28)).unwrap();
            assert!(report.removed_articles > 0, "{report:?}");
            report.removed_articles
        };

        let patched = seen(dir.path());
        assert_eq!(
            file_generation(dir.path()),
            written_at,
            "a small patch is applied at each start, not written"
        );
        std::fs::remove_file(dir.path().join("learner-corpus.bin")).unwrap();
        let whole = seen(dir.path());
        assert_eq!(patched.0, whole.0, "rows");
        assert_eq!(patched.1, whole.1, "vectors");
        assert_eq!(patched.2, whole.2, "memberships");
        assert_eq!(patched.3, whole.3, "regions");
        assert_eq!(patched.4, whole.4, "scores");
        assert_eq!(whole.0.len(), before.0.len() + 2 - pruned);
        assert!(whole
            .0
            .iter()
            .any(|r| r.2 == "football striker transfer rewritten 0"));
        assert!(!whole.0.iter().any(|r| r.2.starts_with("waiting")));

        // The vector that was waiting arrives: the next start picks it up from the log.
        {
            let engine = Engine::open(dir.path()).unwrap();
            engine.embed_pending(|_, _| {}).unwrap();
        }
        let patched = seen(dir.path());
        assert!(patched.0.iter().any(|r| r.2.starts_with("waiting")));
        std::fs::remove_file(dir.path().join("learner-corpus.bin")).unwrap();
        assert_eq!(patched, seen(dir.path()));
    }
}
