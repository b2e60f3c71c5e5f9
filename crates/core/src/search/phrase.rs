//! Words as a rule looks for them anywhere in an article: the phrase read the way the index
//! reads text (any case, any ending: "election" finds "elections"), in the title or the
//! whole body. The same answer comes from two places: the index, for the articles it holds
//! (a lookup, milliseconds at 100,000 articles), and [`Phrase::matches`] on an article's
//! text, for an article the index does not hold yet. A test keeps the two in agreement.
//!
//! Some patterns cannot be read exactly as words: "C++" is the word "c" to the index, and
//! "war on drugs" loses its stop word. For those the index only proposes candidates and
//! the text must also contain the pattern as written (case-insensitive).

use std::collections::HashSet;

use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{SimpleTokenizer, TextAnalyzer, TokenStream};
use tantivy::Term;

use super::{body_of, indexed_part, sift_analyzer, SearchError, SearchIndex};
use crate::domain::ArticleId;

/// A pattern ready to be looked for.
#[derive(Clone)]
pub struct Phrase {
    /// Lower-cased, for the check of patterns the analysis changes.
    as_written: String,
    /// The analysed words with their positions relative to the first one (stop words leave
    /// gaps, as they do in the index).
    terms: Vec<(usize, String)>,
    /// Whether the text must also contain the pattern as written.
    check_as_written: bool,
    analyzer: TextAnalyzer,
}

impl std::fmt::Debug for Phrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phrase")
            .field("as_written", &self.as_written)
            .field("terms", &self.terms)
            .field("check_as_written", &self.check_as_written)
            .finish()
    }
}

/// Every analysed token of `text`: (position, word).
fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        out.push((token.position, token.text.clone()));
    }
    out
}

impl Phrase {
    pub fn new(pattern: &str) -> Self {
        let mut analyzer = sift_analyzer();
        let analysed = tokens(&mut analyzer, pattern);
        let first = analysed.first().map_or(0, |(p, _)| *p);
        let terms: Vec<(usize, String)> = analysed
            .into_iter()
            .map(|(position, word)| (position - first, word))
            .collect();
        // The plain words the tokenizer sees; the analysis dropping any (a stop word, an
        // over-long word) or the pattern holding anything but letters, digits and spaces
        // means the index's reading is looser than the pattern.
        let plain_words = tokens(&mut TextAnalyzer::from(SimpleTokenizer::default()), pattern);
        let only_words = pattern
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace());
        Self {
            as_written: pattern.trim().to_lowercase(),
            check_as_written: !only_words || plain_words.len() != terms.len(),
            terms,
            analyzer,
        }
    }

    /// Whether nothing of the pattern is a word the index holds (only stop words or
    /// symbols): such a pattern is never found in the index.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether the pattern is in this article's title or body, as the index would find it
    /// (the index holds the title apart from the body, and at most its first
    /// `MAX_INDEXED_BYTES` of text).
    pub fn matches(&self, title: &str, text: &str) -> bool {
        if self.is_empty() {
            return false;
        }
        let body = indexed_part(body_of(title, text));
        [title, body].into_iter().any(|field| self.in_field(field))
    }

    fn in_field(&self, field: &str) -> bool {
        if self.check_as_written && !field.to_lowercase().contains(&self.as_written) {
            return false;
        }
        let mut analyzer = self.analyzer.clone();
        let found = tokens(&mut analyzer, field);
        let at: std::collections::HashMap<usize, &str> =
            found.iter().map(|(p, w)| (*p, w.as_str())).collect();
        let (_, head) = &self.terms[0];
        found.iter().any(|(start, word)| {
            word == head
                && self.terms[1..]
                    .iter()
                    .all(|(offset, term)| at.get(&(start + offset)) == Some(&term.as_str()))
        })
    }

    /// The query for this phrase in one field.
    fn query(&self, field: Field) -> Box<dyn Query> {
        let term = |word: &str| Term::from_field_text(field, word);
        if self.terms.len() == 1 {
            return Box::new(TermQuery::new(
                term(&self.terms[0].1),
                IndexRecordOption::Basic,
            ));
        }
        Box::new(PhraseQuery::new_with_offset(
            self.terms.iter().map(|(o, w)| (*o, term(w))).collect(),
        ))
    }

    /// Whether an article the index proposes must still be checked against its text.
    pub fn needs_text_check(&self) -> bool {
        self.check_as_written
    }
}

/// Which state of the index an answer came from: equal versions hold the same articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexVersion(tantivy::SearcherGeneration);

/// What the index found for several phrases at one version of it.
#[derive(Debug)]
pub struct PhraseLookup {
    pub version: IndexVersion,
    /// Every article the index holds: for the others, look at their text.
    pub indexed: HashSet<ArticleId>,
    /// Per phrase, in order: the articles the index finds it in (for a phrase that
    /// [`Phrase::needs_text_check`], candidates still to be checked).
    pub found: Vec<HashSet<ArticleId>>,
}

impl SearchIndex {
    /// The version of the index a lookup now would read.
    pub fn version(&self) -> IndexVersion {
        IndexVersion(self.reader.searcher().generation().clone())
    }

    /// Looks every phrase up in the title and body of every indexed article.
    pub fn find_phrases(&self, phrases: &[&Phrase]) -> Result<PhraseLookup, SearchError> {
        let searcher = self.reader.searcher();
        let mut id_columns = Vec::new();
        let mut indexed = HashSet::new();
        for segment in searcher.segment_readers() {
            let ids = segment.fast_fields().u64("id").map_err(|e| self.err(e))?;
            for doc in segment.doc_ids_alive() {
                if let Some(id) = ids.first(doc) {
                    indexed.insert(ArticleId(id));
                }
            }
            id_columns.push(ids);
        }
        let mut found = Vec::with_capacity(phrases.len());
        for phrase in phrases {
            if phrase.is_empty() {
                found.push(HashSet::new());
                continue;
            }
            let query = BooleanQuery::union(vec![
                phrase.query(self.fields.title),
                phrase.query(self.fields.body),
            ]);
            let docs = searcher
                .search(&query, &DocSetCollector)
                .map_err(|e| self.err(e))?;
            found.push(
                docs.into_iter()
                    .filter_map(|d| id_columns[d.segment_ord as usize].first(d.doc_id))
                    .map(ArticleId)
                    .collect(),
            );
        }
        Ok(PhraseLookup {
            version: IndexVersion(searcher.generation().clone()),
            indexed,
            found,
        })
    }
}
