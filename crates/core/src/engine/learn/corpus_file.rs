//! The learner's corpus kept in one file beside the store, so that a cold start reads it in
//! one sequential pass instead of decoding every article's metadata and looking up every
//! vector in sled (at 100,000 articles that was ~80 % of a 2–4 s start: sled pages in and
//! deserialises 154 MB of vectors, plus 100,000 JSON records).
//!
//! It is a cache, never the source of truth: stamped with the store's
//! [`Store::corpus_generation`](crate::store::Store::corpus_generation) and the embedding
//! model's id, it is used as it is while both still match, brought up to date from the
//! store's log of changes when only the generation moved (`corpus_patch.rs`), and any file
//! that does not read back whole (wrong magic, short, bad checksum) is ignored and
//! rewritten. Rows are in the order a load from the store gives (article id), so the
//! corpus, and every score, is the same either way. It also lists the articles that had no
//! vector yet when it was written: a vector stored later is keyed by text, not by article,
//! so those are the articles to look at again when the log says vectors were stored.
//!
//! With the rows it keeps their region memberships (a fifth of a start to recompute),
//! stamped with the regions they were computed under, and used only under the same ones.
//!
//! Layout (little-endian): `SIFTCRP3`, generation u64, model id (u32 length + UTF-8),
//! dimensions u32, rows u64; per row: article id u64, feed id u64, title, link (length
//! `u32::MAX` for none), lead; then every row's vector (rows × dimensions binary16, as the learner holds them; `SIFTCRP2` had f32); then the
//! articles without a vector (count u64, ids u64); then a byte, 1 if memberships follow: regions stamp u64, regions u32, per row its region u32
//! and centrality f32, then every row's membership (rows × regions f32); last, the CRC-32 of
//! everything before it.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::snapshot::CorpusArticle;
use crate::domain::{ArticleId, FeedId};
use crate::learn::half::Half;
use crate::learn::matrix::{Element, Matrix};
use crate::learn::CorpusContext;

const MAGIC: &[u8; 8] = b"SIFTCRP3";
/// A string longer than this in a row means the file is not what it claims to be.
const MAX_STRING: u32 = 1 << 24;
const NO_LINK: u32 = u32::MAX;

/// The corpus as the file holds it.
pub(super) struct CorpusFile {
    /// The store's corpus generation the file was written at.
    pub(super) generation: u64,
    pub(super) articles: Vec<CorpusArticle>,
    pub(super) vectors: Matrix<Half>,
    /// Stored articles that had no vector (for their text, under this model), in id order.
    pub(super) pending: Vec<ArticleId>,
    pub(super) described: Option<Described>,
}

/// Every row's place among the corpus regions, as computed under the regions stamped.
#[derive(Clone)]
pub(super) struct Described {
    pub(super) regions_stamp: u64,
    pub(super) membership: Matrix,
    pub(super) region: Vec<(usize, f32)>,
    /// Rows whose membership above is a placeholder, to be computed again (a patch changed
    /// their vector). Never written: a written file describes every row.
    pub(super) stale_rows: Vec<usize>,
}

/// Tells one set of regions from another (a checksum of all they are made of).
pub(super) fn regions_stamp(context: &CorpusContext) -> u64 {
    let bytes = serde_json::to_vec(context).unwrap_or_default();
    (u64::from(crc32fast::hash(&bytes)) << 32) | (bytes.len() as u64 & 0xFFFF_FFFF)
}

/// What [`write`] writes, borrowed.
pub(super) struct CorpusParts<'a> {
    pub(super) articles: &'a [CorpusArticle],
    pub(super) vectors: &'a Matrix<Half>,
    pub(super) pending: &'a [ArticleId],
    pub(super) described: Option<&'a Described>,
}

/// Writes the corpus stamped with `generation` and `model_id`, through a temporary file
/// renamed into place (a reader never sees half).
pub(super) fn write(
    path: &Path,
    generation: u64,
    model_id: &str,
    corpus: CorpusParts<'_>,
) -> std::io::Result<()> {
    let CorpusParts {
        articles,
        vectors,
        pending,
        described,
    } = corpus;
    let tmp = path.with_extension("tmp");
    {
        let mut out = Crc32Writer {
            inner: BufWriter::with_capacity(1 << 20, File::create(&tmp)?),
            crc: crc32fast::Hasher::new(),
        };
        out.write_all(MAGIC)?;
        out.write_all(&generation.to_le_bytes())?;
        write_str(&mut out, model_id)?;
        out.write_all(&(vectors.dim() as u32).to_le_bytes())?;
        out.write_all(&(articles.len() as u64).to_le_bytes())?;
        for a in articles {
            out.write_all(&a.id.0.to_le_bytes())?;
            out.write_all(&a.feed_id.0.to_le_bytes())?;
            write_str(&mut out, a.title())?;
            match a.link() {
                Some(link) => write_str(&mut out, link)?,
                None => out.write_all(&NO_LINK.to_le_bytes())?,
            }
            write_str(&mut out, a.lead())?;
        }
        write_rows(&mut out, vectors)?;
        out.write_all(&(pending.len() as u64).to_le_bytes())?;
        for id in pending {
            out.write_all(&id.0.to_le_bytes())?;
        }
        match described {
            Some(d)
                if d.region.len() == articles.len()
                    && d.membership.len() == articles.len()
                    && d.stale_rows.is_empty() =>
            {
                out.write_all(&[1])?;
                out.write_all(&d.regions_stamp.to_le_bytes())?;
                out.write_all(&(d.membership.dim() as u32).to_le_bytes())?;
                for &(region, centrality) in &d.region {
                    out.write_all(&(region as u32).to_le_bytes())?;
                    out.write_all(&centrality.to_le_bytes())?;
                }
                write_rows(&mut out, &d.membership)?;
            }
            _ => out.write_all(&[0])?,
        }
        let crc = out.crc.clone().finalize();
        out.inner.write_all(&crc.to_le_bytes())?;
        out.inner.flush()?;
    }
    std::fs::rename(&tmp, path)
}

/// Vectors longer than this mean the file is not what it claims to be (all-MiniLM has 384).
const MAX_DIM: usize = 1 << 16;

/// The corpus in the file at `path` if it is whole and stamped with `model_id`, with
/// vectors of `dim` dimensions; `None` otherwise (absent, another model, damaged). The
/// caller compares its generation with the store's.
pub(super) fn read(path: &Path, model_id: &str, dim: usize) -> Option<CorpusFile> {
    read_stamped(path, Some((model_id, dim))).map(|(_, file)| file)
}

/// The corpus in the file at `path` if it is whole, whichever model it was written for
/// (returned beside it): read before the engine knows its model (`CorpusPrefetch`).
pub(super) fn read_any(path: &Path) -> Option<(String, CorpusFile)> {
    read_stamped(path, None)
}

/// [`read`], checking the model and dimensions as soon as the header is read when `expect`
/// names them (a file of another model is not read further).
fn read_stamped(path: &Path, expect: Option<(&str, usize)>) -> Option<(String, CorpusFile)> {
    let mut file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let body = len.checked_sub(4)?;
    let mut stored_crc = [0u8; 4];
    file.seek(SeekFrom::Start(body)).ok()?;
    file.read_exact(&mut stored_crc).ok()?;
    file.seek(SeekFrom::Start(0)).ok()?;
    // The checksum is taken under the buffer, a megabyte at a time.
    let mut input = BufReader::with_capacity(
        1 << 20,
        Crc32Reader {
            inner: file.take(body),
            crc: crc32fast::Hasher::new(),
        },
    );
    let mut magic = [0u8; 8];
    input.read_exact(&mut magic).ok()?;
    if &magic != MAGIC {
        return None;
    }
    let generation = read_u64(&mut input)?;
    let model_id = read_str(&mut input)?;
    let dim = read_u32(&mut input)? as usize;
    if dim == 0 || dim > MAX_DIM || expect.is_some_and(|(m, d)| m != model_id || d != dim) {
        return None;
    }
    let rows = usize::try_from(read_u64(&mut input)?).ok()?;
    // Each row takes at least 28 bytes and its vector: a count the file cannot hold is a
    // damaged file, not an allocation to attempt.
    if (rows as u64).checked_mul(28 + (Half::BYTES * dim) as u64)? > len {
        return None;
    }
    let mut articles = Vec::with_capacity(rows);
    // Read into the same three buffers for every row; each article keeps one copy.
    let (mut title, mut link, mut lead) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rows {
        let id = ArticleId(read_u64(&mut input)?);
        let feed_id = FeedId(read_u64(&mut input)?);
        let title = read_str_into(&mut input, &mut title)?;
        let link = match read_u32(&mut input)? {
            NO_LINK => None,
            n => Some(read_str_of_into(&mut input, n, &mut link)?),
        };
        let lead = read_str_into(&mut input, &mut lead)?;
        articles.push(CorpusArticle::new(id, feed_id, title, link, lead));
    }
    let vectors = read_rows(&mut input, rows, dim)?;
    let pending_count = read_u64(&mut input)?;
    if pending_count.checked_mul(8)? > len {
        return None;
    }
    let pending = (0..pending_count)
        .map(|_| read_u64(&mut input).map(ArticleId))
        .collect::<Option<Vec<_>>>()?;
    let mut flag = [0u8; 1];
    input.read_exact(&mut flag).ok()?;
    let described = match flag[0] {
        0 => None,
        1 => {
            let regions_stamp = read_u64(&mut input)?;
            let regions = read_u32(&mut input)? as usize;
            if regions == 0 || (rows as u64).checked_mul(8 + (f32::BYTES * regions) as u64)? > len {
                return None;
            }
            let mut region = Vec::with_capacity(rows);
            for _ in 0..rows {
                let r = read_u32(&mut input)? as usize;
                let centrality = f32::from_le_bytes(read_u32(&mut input)?.to_le_bytes());
                if r >= regions {
                    return None;
                }
                region.push((r, centrality));
            }
            let membership = read_rows(&mut input, rows, regions)?;
            Some(Described {
                regions_stamp,
                membership,
                region,
                stale_rows: Vec::new(),
            })
        }
        _ => return None,
    };
    // Nothing may follow, and the checksum must match.
    if input.read(&mut [0u8; 1]).ok()? != 0
        || input.into_inner().crc.finalize() != u32::from_le_bytes(stored_crc)
    {
        return None;
    }
    Some((
        model_id,
        CorpusFile {
            generation,
            articles,
            vectors,
            pending,
            described,
        },
    ))
}

fn write_rows<E: Element>(out: &mut impl Write, matrix: &Matrix<E>) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(matrix.dim() * E::BYTES);
    for row in matrix.rows() {
        buf.clear();
        E::write_le(row, &mut buf);
        out.write_all(&buf)?;
    }
    Ok(())
}

/// `rows` rows of `dim` finite numbers.
fn read_rows<E: Element>(input: &mut impl Read, rows: usize, dim: usize) -> Option<Matrix<E>> {
    const CHUNK_ROWS: usize = 256;
    if dim == 0 {
        return None;
    }
    let mut matrix = Matrix::with_dim(dim);
    let mut chunk = vec![0u8; E::BYTES * dim * CHUNK_ROWS];
    let mut row = Vec::with_capacity(dim);
    let mut left = rows;
    while left > 0 {
        let take = left.min(CHUNK_ROWS);
        let bytes = &mut chunk[..E::BYTES * dim * take];
        input.read_exact(bytes).ok()?;
        for row_bytes in bytes.chunks_exact(E::BYTES * dim) {
            row.clear();
            row.extend(row_bytes.chunks_exact(E::BYTES).map(E::read_le));
            if !row.iter().all(|x| x.is_finite()) {
                return None;
            }
            matrix.push_held(&row).ok()?;
        }
        left -= take;
    }
    Some(matrix)
}

fn write_str(out: &mut impl Write, s: &str) -> std::io::Result<()> {
    out.write_all(&(s.len() as u32).to_le_bytes())?;
    out.write_all(s.as_bytes())
}

fn read_u32(input: &mut impl Read) -> Option<u32> {
    let mut b = [0u8; 4];
    input.read_exact(&mut b).ok()?;
    Some(u32::from_le_bytes(b))
}

fn read_u64(input: &mut impl Read) -> Option<u64> {
    let mut b = [0u8; 8];
    input.read_exact(&mut b).ok()?;
    Some(u64::from_le_bytes(b))
}

fn read_str(input: &mut impl Read) -> Option<String> {
    let mut buf = Vec::new();
    read_str_into(input, &mut buf).map(str::to_string)
}

/// A length-prefixed string read into `buf` (reused from row to row).
fn read_str_into<'b>(input: &mut impl Read, buf: &'b mut Vec<u8>) -> Option<&'b str> {
    let n = read_u32(input)?;
    read_str_of_into(input, n, buf)
}

fn read_str_of_into<'b>(input: &mut impl Read, n: u32, buf: &'b mut Vec<u8>) -> Option<&'b str> {
    if n > MAX_STRING {
        return None;
    }
    buf.resize(n as usize, 0);
    input.read_exact(buf).ok()?;
    std::str::from_utf8(buf).ok()
}

struct Crc32Writer<W: Write> {
    inner: W,
    crc: crc32fast::Hasher,
}

impl<W: Write> Write for Crc32Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

struct Crc32Reader<R: Read> {
    inner: R,
    crc: crc32fast::Hasher,
}

impl<R: Read> Read for Crc32Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(
        articles: &'a [CorpusArticle],
        vectors: &'a Matrix<Half>,
        pending: &'a [ArticleId],
        described: Option<&'a Described>,
    ) -> CorpusParts<'a> {
        CorpusParts {
            articles,
            vectors,
            pending,
            described,
        }
    }

    fn corpus() -> (Vec<CorpusArticle>, Matrix<Half>) {
        let articles = (1..=3u64)
            .map(|i| {
                CorpusArticle::new(
                    ArticleId(i * 10),
                    FeedId(i),
                    &format!("title {i} ✓"),
                    (i != 2).then(|| format!("https://a.test/{i}")).as_deref(),
                    &format!("lead words {i}"),
                )
            })
            .collect();
        let mut vectors = Matrix::with_dim(4);
        for i in 0..3 {
            vectors.push(&[i as f32, 0.5, -1.0, 1e-7]).unwrap();
        }
        (articles, vectors)
    }

    #[test]
    fn a_written_corpus_reads_back_only_with_its_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("corpus.bin");
        let (articles, vectors) = corpus();
        let pending = [ArticleId(5), ArticleId(40)];
        write(
            &path,
            7,
            "model-a",
            parts(&articles, &vectors, &pending, None),
        )
        .unwrap();
        let back = read(&path, "model-a", 4).expect("reads back");
        assert_eq!(back.generation, 7);
        assert_eq!(back.vectors, vectors);
        assert_eq!(back.pending, pending);
        assert_eq!(back.articles.len(), 3);
        for (a, b) in articles.iter().zip(&back.articles) {
            assert_eq!(
                (a.id, a.feed_id, a.title(), a.link(), a.lead()),
                (b.id, b.feed_id, b.title(), b.link(), b.lead())
            );
        }
        assert!(read(&path, "model-b", 4).is_none(), "another model");
        assert!(read(&path, "model-a", 8).is_none(), "another width");
        assert!(read(&dir.path().join("absent"), "model-a", 4).is_none());
    }

    #[test]
    fn an_article_keeps_its_title_link_and_lead_in_one_text() {
        let shared = CorpusArticle::new(
            ArticleId(1),
            FeedId(2),
            "Big news",
            Some("https://a.test/1"),
            "Big news today at noon",
        );
        assert_eq!(
            (shared.title(), shared.link(), shared.lead()),
            (
                "Big news",
                Some("https://a.test/1"),
                "Big news today at noon"
            )
        );
        // A lead that does not start with the title (the title changed) is kept whole.
        let apart = CorpusArticle::new(ArticleId(1), FeedId(2), "Renamed", None, "Big news");
        assert_eq!(
            (apart.title(), apart.link(), apart.lead()),
            ("Renamed", None, "Big news")
        );
        // No lead (stored by an older Sift): the title stands for it.
        let bare = CorpusArticle::new(ArticleId(1), FeedId(2), "Only a title ✓", Some(""), "");
        assert_eq!(
            (bare.title(), bare.link(), bare.lead()),
            ("Only a title ✓", Some(""), "Only a title ✓")
        );
    }

    fn described() -> Described {
        let mut membership = Matrix::with_dim(2);
        for i in 0..3 {
            membership
                .push(&[0.25 * i as f32, 1.0 - 0.25 * i as f32])
                .unwrap();
        }
        Described {
            regions_stamp: 42,
            membership,
            region: vec![(1, 0.5), (0, 0.25), (1, 0.125)],
            stale_rows: Vec::new(),
        }
    }

    #[test]
    fn a_damaged_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("corpus.bin");
        let (articles, vectors) = corpus();
        let written = described();
        write(
            &path,
            1,
            "m",
            parts(&articles, &vectors, &[ArticleId(9)], Some(&written)),
        )
        .unwrap();
        let whole = std::fs::read(&path).unwrap();
        // Short by one byte, one flipped bit in a vector, one trailing byte too many.
        std::fs::write(&path, &whole[..whole.len() - 1]).unwrap();
        assert!(read(&path, "m", 4).is_none());
        let mut flipped = whole.clone();
        let at = whole.len() - 10;
        flipped[at] ^= 0x10;
        std::fs::write(&path, &flipped).unwrap();
        assert!(read(&path, "m", 4).is_none());
        let mut longer = whole.clone();
        longer.push(0);
        std::fs::write(&path, &longer).unwrap();
        assert!(read(&path, "m", 4).is_none());
        std::fs::write(&path, &whole).unwrap();
        let back = read(&path, "m", 4).unwrap().described.unwrap();
        let kept = described();
        assert_eq!(
            (back.regions_stamp, back.membership, back.region),
            (kept.regions_stamp, kept.membership, kept.region)
        );
    }
}
