//! Full-text search: a tantivy index of every stored article's title, author and whole text,
//! kept in its own directory under the data dir. It holds no article content of its own
//! (snippets are cut from the store's text), only what ranking needs, so it can always be
//! thrown away and rebuilt from the store.
//!
//! The index knows nothing about the store: callers hand it [`IndexedArticle`]s and ids.
//! Each article carries a fingerprint of what was indexed, so a caller can tell which stored
//! articles the index is missing or has stale (see `Engine::sync_search_index`).

mod highlight;
mod phrase;

pub use highlight::{escape_into as escape_html_into, highlight_html, lead_html, Highlighter};
pub use phrase::{IndexVersion, Phrase, PhraseLookup};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{Query, QueryParser};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::domain::ArticleId;

/// Bumped whenever the schema or the analysis changes: an index of another version is
/// rebuilt rather than read.
const INDEX_VERSION: &str = "sift-search-2";
/// Sift's English analysis: words, lower-cased, without stop words ("in", "a", "the":
/// they would have to appear, since every word must, and would be highlighted), stemmed.
const ANALYZER: &str = "sift_en";
const VERSION_FILE: &str = "sift-index-version";
/// tantivy's minimum budget for one indexing thread; one thread is plenty for a reader's
/// articles and leaves the other core to the embedder.
const WRITER_MEMORY_BYTES: usize = 20_000_000;
/// A title match counts more than one in the body; the author is a name, matched exactly.
const TITLE_BOOST: f32 = 2.5;
const AUTHOR_BOOST: f32 = 1.5;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the search index at {path} could not be used: {detail}")]
    Index { path: PathBuf, detail: String },
    #[error("could not create the search index directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What the index needs of one article.
#[derive(Debug, Clone, Copy)]
pub struct IndexedArticle<'a> {
    pub id: ArticleId,
    pub title: &'a str,
    pub author: Option<&'a str>,
    /// The whole text (the store's `text`: title and body as plain text).
    pub text: &'a str,
    /// Changes whenever anything above changes (see [`fingerprint`]).
    pub fingerprint: u64,
}

/// Every indexed article's [`fingerprint`].
pub type Fingerprints = HashMap<ArticleId, u64>;

/// A stable fingerprint of what is indexed for an article: its content hash and author
/// (the title is part of the hashed text).
pub fn fingerprint(content_hash: &str, author: Option<&str>) -> u64 {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(content_hash.as_bytes());
    hasher.update([0x1f]);
    hasher.update(author.unwrap_or("").as_bytes());
    let digest = hasher.finalize();
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    fingerprint: Field,
    title: Field,
    author: Field,
    body: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    // Stemmed English: "elections" finds "election". Positions allow phrase queries.
    let stemmed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let names = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: builder.add_u64_field(
            "id",
            NumericOptions::default()
                .set_indexed()
                .set_fast()
                .set_stored(),
        ),
        fingerprint: builder.add_u64_field("fingerprint", NumericOptions::default().set_fast()),
        title: builder.add_text_field("title", stemmed.clone()),
        author: builder.add_text_field("author", names),
        body: builder.add_text_field("body", stemmed),
    };
    (builder.build(), fields)
}

/// Sift's English analysis (see [`ANALYZER`]), for the index and for reading a rule's
/// words the way the index does.
fn sift_analyzer() -> TextAnalyzer {
    let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .dynamic();
    if let Some(stop_words) = StopWordFilter::new(Language::English) {
        analyzer = analyzer.filter_dynamic(stop_words);
    }
    analyzer
        .filter_dynamic(Stemmer::new(Language::English))
        .build()
}

/// One hit of a words search, best first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordHit {
    pub id: ArticleId,
    pub score: f32,
}

pub struct SearchIndex {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    /// Created on the first write: it takes the index's lock file and starts threads, which
    /// a process that only searches never needs.
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    /// How often every fingerprint was read (a pass over the whole index), for tests.
    fingerprint_reads: AtomicUsize,
}

impl SearchIndex {
    /// Opens the index in `dir`, or creates an empty one when it is missing, of another
    /// version, or unreadable (it is derived data; the store is the truth). The flag says
    /// whether it starts empty, i.e. must be filled from the store.
    pub fn open_or_create(dir: &Path) -> Result<(Self, bool), SearchError> {
        let (index, known) = Self::open_with_fingerprints(dir)?;
        Ok((index, known.is_none()))
    }

    /// [`SearchIndex::open_or_create`], with the fingerprints of what an existing index
    /// holds (`None` when it starts empty). Opening reads them anyway, to prove the files
    /// whole; a caller that compares them with the store need not read them twice.
    pub fn open_with_fingerprints(dir: &Path) -> Result<(Self, Option<Fingerprints>), SearchError> {
        match Self::open_existing(dir) {
            Ok(Some((index, known))) => return Ok((index, Some(known))),
            Ok(None) => {}
            Err(e) => tracing::warn!("rebuilding the search index: {e}"),
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| Self::error(dir, e))?;
        }
        std::fs::create_dir_all(dir).map_err(|source| SearchError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(|e| Self::error(dir, e))?;
        let index = Index::create(directory, schema, Default::default())
            .map_err(|e| Self::error(dir, e))?;
        std::fs::write(dir.join(VERSION_FILE), INDEX_VERSION).map_err(|e| Self::error(dir, e))?;
        Ok((Self::from_index(dir, index, fields)?, None))
    }

    fn open_existing(dir: &Path) -> Result<Option<(Self, Fingerprints)>, SearchError> {
        let version = std::fs::read_to_string(dir.join(VERSION_FILE)).unwrap_or_default();
        if version.trim() != INDEX_VERSION {
            return Ok(None);
        }
        let index = Index::open_in_dir(dir).map_err(|e| Self::error(dir, e))?;
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Ok(None);
        }
        let opened = Self::from_index(dir, index, fields)?;
        // Reading every segment's id column proves the files are whole.
        let known = opened.fingerprints()?;
        Ok(Some((opened, known)))
    }

    fn from_index(dir: &Path, index: Index, fields: Fields) -> Result<Self, SearchError> {
        index.tokenizers().register(ANALYZER, sift_analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| Self::error(dir, e))?;
        Ok(Self {
            path: dir.to_path_buf(),
            index,
            reader,
            writer: Mutex::new(None),
            fields,
            fingerprint_reads: AtomicUsize::new(0),
        })
    }

    fn error(path: &Path, e: impl std::fmt::Display) -> SearchError {
        SearchError::Index {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    }

    fn err(&self, e: impl std::fmt::Display) -> SearchError {
        Self::error(&self.path, e)
    }

    /// Adds or replaces `upserts` and removes `removals`, in one commit.
    pub fn apply(
        &self,
        upserts: &[IndexedArticle<'_>],
        removals: &[ArticleId],
    ) -> Result<(), SearchError> {
        if upserts.is_empty() && removals.is_empty() {
            return Ok(());
        }
        let mut slot = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            let writer = self
                .index
                .writer_with_num_threads(1, WRITER_MEMORY_BYTES)
                .map_err(|e| self.err(e))?;
            *slot = Some(writer);
        }
        let writer = slot.as_mut().expect("just set");
        let f = self.fields;
        for id in removals.iter().chain(upserts.iter().map(|a| &a.id)) {
            writer.delete_term(Term::from_field_u64(f.id, id.0));
        }
        for a in upserts {
            let body = indexed_part(body_of(a.title, a.text));
            let document: TantivyDocument = doc!(
                f.id => a.id.0,
                f.fingerprint => a.fingerprint,
                f.title => a.title,
                f.author => a.author.unwrap_or(""),
                f.body => body,
            );
            writer.add_document(document).map_err(|e| self.err(e))?;
        }
        if let Err(e) = writer.commit() {
            // A failed commit leaves the writer unusable; the next write starts a new one.
            *slot = None;
            return Err(self.err(e));
        }
        self.reader.reload().map_err(|e| self.err(e))
    }

    /// Closes the writer once its merges are done, if one is open. It holds what only
    /// writing needs: a queue of 10,000 documents' slots (~2.4 MB once an import has passed
    /// through it), an indexing thread and merge threads. The next write opens it again.
    pub fn close_writer(&self) -> Result<(), SearchError> {
        // Held while the merges finish: a write meanwhile would find the index locked.
        let mut slot = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        match slot.take() {
            Some(writer) => writer.wait_merging_threads().map_err(|e| self.err(e)),
            None => Ok(()),
        }
    }

    /// Whether a writer is open.
    #[cfg(test)]
    pub(crate) fn has_writer(&self) -> bool {
        self.writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Every indexed article's fingerprint.
    pub fn fingerprints(&self) -> Result<Fingerprints, SearchError> {
        self.fingerprint_reads.fetch_add(1, Ordering::Relaxed);
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let ids = fast.u64("id").map_err(|e| self.err(e))?;
            let prints = fast.u64("fingerprint").map_err(|e| self.err(e))?;
            for doc in segment.doc_ids_alive() {
                if let (Some(id), Some(print)) = (ids.first(doc), prints.first(doc)) {
                    out.insert(ArticleId(id), print);
                }
            }
        }
        Ok(out)
    }

    /// How many times [`SearchIndex::fingerprints`] read the whole index.
    pub fn fingerprint_reads(&self) -> usize {
        self.fingerprint_reads.load(Ordering::Relaxed)
    }

    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Parses what a person typed: every word must match (in the title, author or text),
    /// "quoted phrases" and `-excluded` words work, and stray syntax is read as words
    /// instead of failing.
    fn parse(&self, query: &str) -> Box<dyn Query> {
        let f = self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.author, f.body]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, TITLE_BOOST);
        parser.set_field_boost(f.author, AUTHOR_BOOST);
        parser.parse_query_lenient(query).0
    }

    /// The best `limit` articles for `query` (BM25), best first.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<WordHit>, SearchError> {
        if query.trim().is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let parsed = self.parse(query);
        // The collector allocates for `limit` up front: never more than there are documents
        // (a huge limit would overflow or exhaust memory).
        let limit = limit.min(
            usize::try_from(searcher.num_docs())
                .unwrap_or(usize::MAX)
                .max(1),
        );
        let top = searcher
            .search(&parsed, &TopDocs::with_limit(limit))
            .map_err(|e| self.err(e))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let ids = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64("id")
                .map_err(|e| self.err(e))?;
            if let Some(id) = ids.first(address.doc_id) {
                hits.push(WordHit {
                    id: ArticleId(id),
                    score,
                });
            }
        }
        Ok(hits)
    }

    /// Marks where `query`'s words occur in titles and texts.
    pub fn highlighter(&self, query: &str) -> Result<Highlighter, SearchError> {
        let searcher = self.reader.searcher();
        let parsed = self.parse(query);
        Highlighter::new(
            &searcher,
            parsed.as_ref(),
            self.fields.title,
            self.fields.body,
        )
        .map_err(|e| self.err(e))
    }
}

/// Reciprocal-rank fusion's damping: the usual 60 keeps one list's top hit from drowning
/// the other list.
const RRF_K: f32 = 60.0;

/// Blends two rankings (best first) into one: each list adds 1 / (k + rank) to an article's
/// score, so an article high in both wins and one found by only one still appears.
pub fn reciprocal_rank_fusion(first: &[ArticleId], second: &[ArticleId]) -> Vec<(ArticleId, f32)> {
    let mut fused: HashMap<ArticleId, f32> = HashMap::new();
    for list in [first, second] {
        for (rank, id) in list.iter().enumerate() {
            *fused.entry(*id).or_default() += 1.0 / (RRF_K + rank as f32 + 1.0);
        }
    }
    let mut ranked: Vec<(ArticleId, f32)> = fused.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
}

/// The most of one article's text that is indexed: a feed's content cap (a whole article
/// can be longer). Past it, an article is long enough to be found by what came before.
pub const MAX_INDEXED_BYTES: usize = 1024 * 1024;

/// `body` cut to [`MAX_INDEXED_BYTES`] at a character boundary.
fn indexed_part(body: &str) -> &str {
    crate::domain::prefix_within(body, MAX_INDEXED_BYTES)
}

/// The store's text starts with the title; the body field holds the rest so a title match
/// is not counted twice.
pub fn body_of<'a>(title: &str, text: &'a str) -> &'a str {
    text.strip_prefix(title)
        .map(|rest| rest.trim_start())
        .unwrap_or(text)
}

#[cfg(test)]
mod tests;
