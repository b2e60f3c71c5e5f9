//! The AG News CSV (header-less; label, title, description) and a cache of its embeddings.

use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

use crate::embed::Embedder;
use crate::error::{Error, Result};

pub struct LabelledCorpus {
    pub texts: Vec<String>,
    /// 0-based class per text.
    pub labels: Vec<usize>,
    pub classes: usize,
    pub vectors: Vec<Vec<f32>>,
}

/// Reads the corpus and keeps a class-balanced random `sample` of it (seeded).
pub fn load_ag_news(path: &Path, sample: usize, seed: u64) -> Result<(Vec<String>, Vec<usize>)> {
    let raw = std::fs::read_to_string(path).map_err(|e| {
        Error::InvalidInput(format!("cannot read the corpus {}: {e}", path.display()))
    })?;
    let mut by_class: Vec<Vec<String>> = Vec::new();
    for (line_no, record) in parse_csv(&raw).into_iter().enumerate() {
        let [label, title, description] = record.as_slice() else {
            return Err(Error::InvalidInput(format!(
                "{}: record {} has {} fields, expected 3",
                path.display(),
                line_no + 1,
                record.len()
            )));
        };
        let class: usize = label
            .parse::<usize>()
            .ok()
            .and_then(|l| l.checked_sub(1))
            .ok_or_else(|| {
                Error::InvalidInput(format!("{}: bad label {label:?}", path.display()))
            })?;
        if by_class.len() <= class {
            by_class.resize(class + 1, Vec::new());
        }
        let text = format!(
            "{}. {}",
            clean_ag_news_text(title),
            clean_ag_news_text(description)
        );
        by_class[class].push(text);
    }
    let classes = by_class.len();
    let per_class = sample / classes.max(1);
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let mut picked: Vec<(String, usize)> = Vec::new();
    for (class, texts) in by_class.iter_mut().enumerate() {
        texts.shuffle(&mut rng);
        picked.extend(texts.iter().take(per_class).map(|t| (t.clone(), class)));
    }
    picked.shuffle(&mut rng);
    Ok(picked.into_iter().unzip())
}

/// Undoes the corpus's escaping debris: `#39;` for an apostrophe, `quot;`, HTML entities and
/// tags, backslashes standing for line breaks.
pub fn clean_ag_news_text(text: &str) -> String {
    let decoded = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace("quot;", "\"")
        .replace('\\', " ");
    // Numeric references, written without the ampersand: `#36;` is `$`.
    let mut out = String::with_capacity(decoded.len());
    let mut rest = decoded.as_str();
    while let Some(pos) = rest.find('#') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        let decoded_char = (!digits.is_empty() && after[digits.len()..].starts_with(';'))
            .then(|| digits.parse::<u32>().ok().and_then(char::from_u32))
            .flatten();
        match decoded_char {
            Some(c) => {
                out.push(c);
                rest = &after[digits.len() + 1..];
            }
            None => {
                out.push('#');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    // Drop tags such as <b>...</b> left by the entity decoding.
    let mut plain = String::with_capacity(out.len());
    let mut in_tag = false;
    for c in out.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// RFC 4180-style: quoted fields, `""` inside quotes, records end at unquoted newlines.
fn parse_csv(raw: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => in_quotes = false,
            ('"', false) => in_quotes = true,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                if !(record.len() == 1 && record[0].is_empty()) {
                    records.push(std::mem::take(&mut record));
                }
                record.clear();
            }
            ('\r', false) => {}
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Embeds `texts`, reusing a cache file in `cache_dir` named by the model and the texts.
pub fn embed_with_cache(
    texts: &[String],
    embedder: &dyn Embedder,
    cache_dir: &Path,
    progress: impl Fn(usize, usize),
) -> Result<Vec<Vec<f32>>> {
    let key = fnv(texts.iter().flat_map(|t| t.bytes().chain([0])));
    let name = format!(
        "{}-{key:016x}.f32",
        embedder.model_id().replace(['/', ' '], "_")
    );
    let path: PathBuf = cache_dir.join(name);
    let dim = embedder.dim();
    if let Ok(bytes) = std::fs::read(&path) {
        if bytes.len() == texts.len() * dim * 4 {
            let floats: Vec<f32> = bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            return Ok(floats.chunks(dim).map(<[f32]>::to_vec).collect());
        }
    }
    let mut vectors = Vec::with_capacity(texts.len());
    for chunk in texts.chunks(64) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        vectors.extend(embedder.embed(&refs)?);
        progress(vectors.len(), texts.len());
    }
    // The cache is an optimisation: failing to write it is not an error.
    if std::fs::create_dir_all(cache_dir).is_ok() {
        let bytes: Vec<u8> = vectors
            .iter()
            .flatten()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let _ = std::fs::write(&path, bytes);
    }
    Ok(vectors)
}

fn fnv(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_the_escaping_debris() {
        assert_eq!(
            clean_ag_news_text("Wall St. Bears Claw Back Into the Black #39;s  #36;10 million"),
            "Wall St. Bears Claw Back Into the Black 's $10 million"
        );
        assert_eq!(
            clean_ag_news_text("a\\team &lt;b&gt;bold&lt;/b&gt; quot;hiquot;"),
            "a team bold \"hi\""
        );
        assert_eq!(clean_ag_news_text("#1 seed"), "#1 seed");
    }

    #[test]
    fn parses_quoted_csv() {
        let r = parse_csv("\"3\",\"A, b\",\"say \"\"hi\"\"\"\n\"1\",\"t\",\"d\"\n");
        assert_eq!(
            r,
            vec![vec!["3", "A, b", "say \"hi\""], vec!["1", "t", "d"]]
        );
    }
}
