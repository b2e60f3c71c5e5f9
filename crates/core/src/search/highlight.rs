//! Highlighted matches: a title and a short passage of the text with the query's words
//! wrapped in `<mark>`, everything else HTML-escaped, so the app can render it as it is.

use std::ops::Range;

use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::Searcher;

/// Characters of text around the best match.
const SNIPPET_CHARS: usize = 220;
/// Titles are shown whole.
const TITLE_CHARS: usize = 1_000;

pub struct Highlighter {
    title: SnippetGenerator,
    body: SnippetGenerator,
}

impl Highlighter {
    pub(super) fn new(
        searcher: &Searcher,
        query: &dyn Query,
        title: Field,
        body: Field,
    ) -> tantivy::Result<Self> {
        let mut title = SnippetGenerator::create(searcher, query, title)?;
        title.set_max_num_chars(TITLE_CHARS);
        let mut body = SnippetGenerator::create(searcher, query, body)?;
        body.set_max_num_chars(SNIPPET_CHARS);
        Ok(Self { title, body })
    }

    /// The whole title, matched words marked.
    pub fn title_html(&self, title: &str) -> String {
        let snippet = self.title.snippet(title);
        if snippet.is_empty() || snippet.fragment().len() < title.trim().len() {
            // Nothing matched (or the title was cut): mark within the whole title instead.
            let ranges = snippet_ranges_in(title, snippet.fragment(), snippet.highlighted());
            return highlight_html(title, &ranges);
        }
        highlight_html(snippet.fragment(), snippet.highlighted())
    }

    /// The passage of `body` with the most matches, or its beginning when nothing matches.
    pub fn snippet_html(&self, body: &str) -> String {
        let snippet = self.body.snippet(body);
        if snippet.is_empty() {
            return lead_html(body);
        }
        highlight_html(snippet.fragment(), snippet.highlighted())
    }
}

/// Maps ranges found in `fragment` (a slice of `whole`) back into `whole`.
fn snippet_ranges_in(whole: &str, fragment: &str, ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    if fragment.is_empty() {
        return Vec::new();
    }
    match whole.find(fragment) {
        Some(offset) => ranges
            .iter()
            .map(|r| r.start + offset..r.end + offset)
            .collect(),
        None => Vec::new(),
    }
}

/// The beginning of `text`, cut at a word, escaped.
pub fn lead_html(text: &str) -> String {
    let text = text.trim();
    let cut = match text.char_indices().nth(SNIPPET_CHARS) {
        Some((byte, _)) => {
            let head = &text[..byte];
            let at_word = head.rfind(char::is_whitespace).unwrap_or(byte);
            format!("{}…", head[..at_word].trim_end())
        }
        None => text.to_string(),
    };
    highlight_html(&cut, &[])
}

/// `text` HTML-escaped, with the byte `ranges` wrapped in `<mark>`. Ranges that overlap,
/// run past the end or split a character are ignored rather than trusted.
pub fn highlight_html(text: &str, ranges: &[Range<usize>]) -> String {
    let mut sorted: Vec<&Range<usize>> = ranges
        .iter()
        .filter(|r| {
            r.start < r.end
                && r.end <= text.len()
                && text.is_char_boundary(r.start)
                && text.is_char_boundary(r.end)
        })
        .collect();
    sorted.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len() + 16 * sorted.len());
    let mut at = 0;
    for r in sorted {
        if r.start < at {
            continue;
        }
        escape_into(&mut out, &text[at..r.start]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[r.start..r.end]);
        out.push_str("</mark>");
        at = r.end;
    }
    escape_into(&mut out, &text[at..]);
    out
}

/// Appends `text` to `out` with the five HTML-special characters escaped.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_ranges_and_escapes_everything_else() {
        let rust = 6..10;
        assert_eq!(
            highlight_html("a <b> rust & more", std::slice::from_ref(&rust)),
            "a &lt;b&gt; <mark>rust</mark> &amp; more"
        );
        // Overlapping, reversed, out-of-bounds and mid-character ranges are dropped.
        let text = "héllo world";
        #[allow(clippy::reversed_empty_ranges)]
        let bad = [0..5, 3..8, 9..4, 2..3, 7..100];
        assert_eq!(highlight_html(text, &bad), "<mark>héll</mark>o world");
    }

    #[test]
    fn lead_is_cut_at_a_word() {
        let long = "word ".repeat(100);
        let lead = lead_html(&long);
        assert!(lead.ends_with("word…"), "{lead}");
        assert!(lead.chars().count() <= SNIPPET_CHARS + 1);
        assert_eq!(lead_html("short <text>"), "short &lt;text&gt;");
    }
}
