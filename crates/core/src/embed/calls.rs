//! How many texts the engine hands the embedder per call: sized by work, not by count.
//!
//! The embedder sorts each call's texts by length and pads every model run to its longest
//! text, so the more texts a call holds, the closer in length its runs' texts are and the
//! less padding it computes. A call of 64 texts pads far more than a call of all of them:
//! on 900 AG News titles, chunks of 64 cost 1.61× the real tokens once padded, sorting all
//! of them 1.06×. A call of many texts, on the other hand, reports progress (and makes its
//! vectors usable to the views) only when it ends. So a call holds about as much work as
//! 64 texts at the token cap (a few seconds on 2 cores, whatever the texts): a few dozen
//! full articles, a thousand titles. A run's first call is 64 texts whatever their length,
//! so the first vectors (and the first feedback card) come as soon as before.

use super::DEFAULT_MAX_TOKENS;

/// Texts in a run's first call: its vectors are usable (and its progress shown) soonest.
/// 64 full articles take ~5 s on 2 cores.
pub const TEXTS_PER_CALL: usize = 64;

/// The work in every later call, in estimated tokens: as much as [`TEXTS_PER_CALL`] texts
/// at the token cap.
pub const CALL_TOKENS: usize = TEXTS_PER_CALL * DEFAULT_MAX_TOKENS;

/// Never more texts in one call, however short: progress still moves on a backlog of
/// one-word titles, and one call's texts and vectors stay a few megabytes.
pub const MAX_TEXTS_PER_CALL: usize = 1024;

/// About how many tokens the model will see for `text`: ~4 bytes of English a token, plus
/// the two special tokens, never more than the cap the embedder cuts at. Only sizes calls,
/// so it need not be exact, and it does not run the tokenizer twice.
pub fn estimated_tokens(text: &str) -> usize {
    (text.len() / 4 + 2).min(DEFAULT_MAX_TOKENS)
}

/// Fills one call: admits texts until the call holds its share of work.
#[derive(Debug)]
pub struct CallFiller {
    max_texts: usize,
    max_tokens: usize,
    texts: usize,
    tokens: usize,
}

impl CallFiller {
    /// A run's first call: [`TEXTS_PER_CALL`] texts, whatever their length.
    pub fn first() -> Self {
        CallFiller {
            max_texts: TEXTS_PER_CALL,
            max_tokens: usize::MAX,
            texts: 0,
            tokens: 0,
        }
    }

    /// Every later call: about [`CALL_TOKENS`], at most [`MAX_TEXTS_PER_CALL`] texts.
    pub fn next() -> Self {
        CallFiller {
            max_texts: MAX_TEXTS_PER_CALL,
            max_tokens: CALL_TOKENS,
            texts: 0,
            tokens: 0,
        }
    }

    /// Whether `text` joins this call (counted if so). A call's first text always joins,
    /// so a call is never empty.
    pub fn admit(&mut self, text: &str) -> bool {
        let tokens = estimated_tokens(text);
        if self.texts > 0
            && (self.texts >= self.max_texts
                || self.tokens.saturating_add(tokens) > self.max_tokens)
        {
            return false;
        }
        self.texts += 1;
        self.tokens = self.tokens.saturating_add(tokens);
        true
    }
}

/// How a run over `texts` (in order) splits into calls: each call's length. What the engine
/// does, for benchmarks that drive an embedder the way Sift does.
pub fn call_lengths(texts: &[&str]) -> Vec<usize> {
    let mut lengths = Vec::new();
    let mut filler = CallFiller::first();
    let mut in_call = 0;
    for text in texts {
        if !filler.admit(text) {
            lengths.push(in_call);
            filler = CallFiller::next();
            in_call = 0;
            assert!(filler.admit(text), "a call's first text always joins");
        }
        in_call += 1;
    }
    if in_call > 0 {
        lengths.push(in_call);
    }
    lengths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_grow_with_length_up_to_the_cap() {
        assert_eq!(estimated_tokens(""), 2);
        assert_eq!(estimated_tokens("four"), 3);
        assert!(estimated_tokens(&"word ".repeat(20)) > estimated_tokens("a short title"));
        assert_eq!(estimated_tokens(&"x".repeat(100_000)), DEFAULT_MAX_TOKENS);
    }

    #[test]
    fn the_first_call_counts_texts_whatever_their_length() {
        let long = "x".repeat(10_000);
        let texts = vec![long.as_str(); 200];
        let lengths = call_lengths(&texts);
        assert_eq!(lengths[0], TEXTS_PER_CALL);
        // Later calls of texts at the cap hold the same work: again 64 of them.
        assert!(lengths[1..lengths.len() - 1]
            .iter()
            .all(|&n| n == CALL_TOKENS / DEFAULT_MAX_TOKENS));
        assert_eq!(lengths.iter().sum::<usize>(), 200);
    }

    #[test]
    fn later_calls_of_short_texts_hold_many_more_but_not_without_limit() {
        // ~12 tokens each: 16384 / 12 > 1024, so the text limit ends the call.
        let title = "Stocks rise as oil falls on a quiet day";
        let texts = vec![title; 5_000];
        let lengths = call_lengths(&texts);
        assert_eq!(lengths[0], TEXTS_PER_CALL);
        assert_eq!(lengths[1], MAX_TEXTS_PER_CALL);
        assert_eq!(lengths.iter().sum::<usize>(), 5_000);

        // ~100 tokens each: the token budget ends the call, at ~163 texts.
        let summary = "y".repeat(392);
        let texts = vec![summary.as_str(); 1_000];
        let lengths = call_lengths(&texts);
        assert_eq!(lengths[1], CALL_TOKENS / estimated_tokens(&summary));
    }

    #[test]
    fn a_call_is_never_empty_and_no_text_is_lost() {
        let mut filler = CallFiller::next();
        let huge = "z".repeat(1_000_000);
        assert!(filler.admit(&huge), "the first text joins however long");
        assert!(call_lengths(&[]).is_empty());
        let mixed: Vec<String> = (0..777).map(|i| "w".repeat(i * 13 % 3000)).collect();
        let texts: Vec<&str> = mixed.iter().map(String::as_str).collect();
        let lengths = call_lengths(&texts);
        assert!(lengths.iter().all(|&n| n > 0));
        assert_eq!(lengths.iter().sum::<usize>(), 777);
    }
}
