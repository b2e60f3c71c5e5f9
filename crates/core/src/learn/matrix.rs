//! Vectors held as row-major blocks of rows: a few large allocations for a whole corpus
//! instead of one per article (a `Vec` per row adds 24 bytes of header, an allocation and a
//! pointer chase each).
//!
//! A matrix holds its numbers as `f32` or, for the corpus's embeddings, as [`Half`]s (half
//! the memory; see `half.rs`); rows are written as `f32`s and read back widened through
//! [`RowSource`].
//!
//! Blocks are shared between copies and copied on write: the learner's snapshot is copied
//! whenever new vectors join it while a view still reads the old one (every embedding call
//! of an import the window is used during), and a copy of one contiguous matrix was the
//! whole corpus again each time (15 MB at 10,000 articles, 154 MB at 100,000), churn that
//! fragmented the heap the app keeps afterwards. A copy now shares every block, and a write
//! copies only the block it lands in.

use std::sync::Arc;

use super::half::{self, Half};

/// Rows per block of `f32`s: 1.5 MB of 384-dimension vectors, so a write after a copy copies
/// at most that much, and blocks are large enough to be mapped on their own (see `heap.rs`)
/// and go back to the system whole when freed.
pub const BLOCK_ROWS: usize = 1024;

/// How a matrix holds each number.
pub trait Element: Copy + Default + PartialEq + Send + Sync + std::fmt::Debug + 'static {
    /// Rows per block: the same 1.5 MB per block of 384-dimension rows whatever the width
    /// of a number (see [`BLOCK_ROWS`]).
    const BLOCK_ROWS: usize;

    fn narrow(x: f32) -> Self;

    /// `row` itself when it is held as `f32`s already (no copy needed to read it).
    fn as_f32(row: &[Self]) -> Option<&[f32]>;

    /// `out[i] = row[i]` as an `f32`.
    fn widen(row: &[Self], out: &mut [f32]);

    /// This one number as an `f32`.
    fn wide(self) -> f32;

    /// Bytes per number in files.
    const BYTES: usize;

    /// Appends the little-endian bytes of `row` to `out`.
    fn write_le(row: &[Self], out: &mut Vec<u8>);

    /// One number from its `BYTES` little-endian bytes.
    fn read_le(bytes: &[u8]) -> Self;

    fn is_finite(self) -> bool;
}

impl Element for f32 {
    const BLOCK_ROWS: usize = BLOCK_ROWS;

    fn narrow(x: f32) -> Self {
        x
    }

    fn as_f32(row: &[f32]) -> Option<&[f32]> {
        Some(row)
    }

    fn widen(row: &[f32], out: &mut [f32]) {
        out.copy_from_slice(row);
    }

    fn wide(self) -> f32 {
        self
    }

    const BYTES: usize = 4;

    fn write_le(row: &[f32], out: &mut Vec<u8>) {
        out.extend(row.iter().flat_map(|x| x.to_le_bytes()));
    }

    fn read_le(bytes: &[u8]) -> f32 {
        f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
    }

    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
}

impl Element for Half {
    const BLOCK_ROWS: usize = 2 * BLOCK_ROWS;

    fn narrow(x: f32) -> Self {
        Half::from_f32(x)
    }

    fn as_f32(_: &[Half]) -> Option<&[f32]> {
        None
    }

    fn widen(row: &[Half], out: &mut [f32]) {
        half::widen(row, out);
    }

    fn wide(self) -> f32 {
        self.to_f32()
    }

    const BYTES: usize = 2;

    fn write_le(row: &[Half], out: &mut Vec<u8>) {
        out.extend(row.iter().flat_map(|x| x.to_bits().to_le_bytes()));
    }

    fn read_le(bytes: &[u8]) -> Half {
        Half::from_bits(u16::from_le_bytes([bytes[0], bytes[1]]))
    }

    fn is_finite(self) -> bool {
        Half::is_finite(self)
    }
}

/// Vectors read one row at a time as `f32`s, however they are held: the learner's
/// algorithms take this so that they run on the corpus's 16-bit matrix without widening all
/// of it at once, and on plain slices of `f32` rows in the evaluation and in tests.
pub trait RowSource {
    fn row_count(&self) -> usize;

    /// Row `i`: borrowed when held as `f32`s, else widened into `buf` (reuse one `buf`
    /// across calls to avoid an allocation per row).
    fn row_f32<'a>(&'a self, i: usize, buf: &'a mut Vec<f32>) -> &'a [f32];

    /// Row `i` as an owned vector.
    fn row_vec(&self, i: usize) -> Vec<f32> {
        let mut buf = Vec::new();
        self.row_f32(i, &mut buf).to_vec()
    }
}

impl RowSource for [&[f32]] {
    fn row_count(&self) -> usize {
        self.len()
    }

    fn row_f32<'a>(&'a self, i: usize, _: &'a mut Vec<f32>) -> &'a [f32] {
        self[i]
    }
}

impl RowSource for [Vec<f32>] {
    fn row_count(&self) -> usize {
        self.len()
    }

    fn row_f32<'a>(&'a self, i: usize, _: &'a mut Vec<f32>) -> &'a [f32] {
        &self[i]
    }
}

impl<T> RowSource for Vec<T>
where
    [T]: RowSource,
{
    fn row_count(&self) -> usize {
        self.as_slice().row_count()
    }

    fn row_f32<'a>(&'a self, i: usize, buf: &'a mut Vec<f32>) -> &'a [f32] {
        self.as_slice().row_f32(i, buf)
    }
}

impl<E: Element> RowSource for Matrix<E> {
    fn row_count(&self) -> usize {
        self.rows
    }

    fn row_f32<'a>(&'a self, i: usize, buf: &'a mut Vec<f32>) -> &'a [f32] {
        let row = self.row(i);
        match E::as_f32(row) {
            Some(row) => row,
            None => {
                buf.resize(row.len(), 0.0);
                E::widen(row, buf);
                buf
            }
        }
    }
}

/// Some rows of a [`RowSource`], in the order given: row `i` here is row `rows[i]` there.
pub struct Picked<'a, S: ?Sized> {
    pub source: &'a S,
    pub rows: &'a [usize],
}

impl<S: RowSource + ?Sized> RowSource for Picked<'_, S> {
    fn row_count(&self) -> usize {
        self.rows.len()
    }

    fn row_f32<'a>(&'a self, i: usize, buf: &'a mut Vec<f32>) -> &'a [f32] {
        self.source.row_f32(self.rows[i], buf)
    }
}

/// A row has the wrong length for the matrix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("a vector of {found} dimensions does not fit a matrix of {expected}")]
pub struct DimensionMismatch {
    pub expected: usize,
    pub found: usize,
}

#[derive(Debug, Clone)]
pub struct Matrix<E: Element = f32> {
    /// 0 until the first row fixes it.
    dim: usize,
    rows: usize,
    /// Every block but the last holds exactly `E::BLOCK_ROWS` rows.
    blocks: Vec<Arc<Vec<E>>>,
}

impl<E: Element> Default for Matrix<E> {
    fn default() -> Self {
        Self {
            dim: 0,
            rows: 0,
            blocks: Vec::new(),
        }
    }
}

impl<E: Element> PartialEq for Matrix<E> {
    fn eq(&self, other: &Self) -> bool {
        self.dim == other.dim && self.rows == other.rows && self.rows().eq(other.rows())
    }
}

impl<E: Element> Matrix<E> {
    /// An empty matrix whose rows will have `dim` columns.
    pub fn with_dim(dim: usize) -> Self {
        Self {
            dim,
            ..Self::default()
        }
    }

    /// A matrix of `dim` columns over row-major `data`.
    pub fn from_data(dim: usize, data: Vec<f32>) -> Result<Self, DimensionMismatch> {
        if dim == 0 || !data.len().is_multiple_of(dim) {
            return Err(DimensionMismatch {
                expected: dim,
                found: data.len() % dim.max(1),
            });
        }
        let mut matrix = Self::with_dim(dim);
        for row in data.chunks_exact(dim) {
            matrix.push(row)?;
        }
        Ok(matrix)
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Room for `rows` more rows in the block being filled (later blocks are made whole).
    pub fn reserve(&mut self, rows: usize) {
        let numbers = rows.min(E::BLOCK_ROWS - self.rows % E::BLOCK_ROWS) * self.dim;
        if let Some(block) = self.open_block() {
            block.reserve(numbers);
        }
    }

    /// Row `i` as held (see [`RowSource::row_f32`] to read it as `f32`s).
    pub fn row(&self, i: usize) -> &[E] {
        assert!(i < self.rows, "row {i} of a matrix of {} rows", self.rows);
        let start = (i % E::BLOCK_ROWS) * self.dim;
        &self.blocks[i / E::BLOCK_ROWS][start..start + self.dim]
    }

    pub fn rows(&self) -> Rows<'_, E> {
        Rows {
            matrix: self,
            next: 0,
        }
    }

    /// Every row as a slice, for functions that take `&[&[f32]]`.
    pub fn row_refs(&self) -> Vec<&[E]> {
        self.rows().collect()
    }

    /// Appends a row; the first row of a matrix without a width sets it.
    pub fn push(&mut self, row: &[f32]) -> Result<(), DimensionMismatch> {
        self.accept(row.len())?;
        self.block_for_push()
            .extend(row.iter().map(|&x| E::narrow(x)));
        self.rows += 1;
        Ok(())
    }

    /// Replaces row `i` (copying its block first if a copy of the matrix shares it).
    pub fn set_row(&mut self, i: usize, row: &[f32]) -> Result<(), DimensionMismatch> {
        self.check(row.len())?;
        assert!(i < self.rows, "row {i} of a matrix of {} rows", self.rows);
        let start = (i % E::BLOCK_ROWS) * self.dim;
        let block = Arc::make_mut(&mut self.blocks[i / E::BLOCK_ROWS]);
        for (held, &x) in block[start..start + self.dim].iter_mut().zip(row) {
            *held = E::narrow(x);
        }
        Ok(())
    }

    /// Appends a row given as the little-endian bytes of numbers of kind `S` (how the store
    /// keeps vectors: binary16, or `f32` in older stores), without an intermediate `Vec`.
    /// Binary16 into a binary16 matrix is copied exactly (widening then narrowing a binary16
    /// gives it back).
    pub fn push_le_bytes<S: Element>(&mut self, bytes: &[u8]) -> Result<(), DimensionMismatch> {
        let found = bytes.len() / S::BYTES;
        if !bytes.len().is_multiple_of(S::BYTES) {
            return Err(DimensionMismatch {
                expected: self.dim,
                found,
            });
        }
        self.accept(found)?;
        self.block_for_push().extend(
            bytes
                .chunks_exact(S::BYTES)
                .map(|c| E::narrow(S::read_le(c).wide())),
        );
        self.rows += 1;
        Ok(())
    }

    /// Appends a row of numbers already held as `E` (copying between matrices of one kind
    /// without rounding twice).
    pub fn push_held(&mut self, row: &[E]) -> Result<(), DimensionMismatch> {
        self.accept(row.len())?;
        self.block_for_push().extend_from_slice(row);
        self.rows += 1;
        Ok(())
    }

    /// The same rows held as `f32`s, for the few computations that need every row at once
    /// (the map's layout).
    pub fn widened(&self) -> Matrix<f32> {
        let mut out = Matrix::with_dim(self.dim);
        let mut buf = Vec::new();
        for i in 0..self.rows {
            // Same width by construction.
            let _ = out.push(self.row_f32(i, &mut buf));
        }
        out
    }

    /// The last block while it has room for more rows, unshared.
    fn open_block(&mut self) -> Option<&mut Vec<E>> {
        if self.rows.is_multiple_of(E::BLOCK_ROWS) {
            return None;
        }
        self.blocks.last_mut().map(Arc::make_mut)
    }

    /// Where the next row goes: the block being filled, or a new one.
    fn block_for_push(&mut self) -> &mut Vec<E> {
        if self.rows.is_multiple_of(E::BLOCK_ROWS) {
            self.blocks.push(Arc::new(Vec::new()));
        }
        Arc::make_mut(self.blocks.last_mut().expect("a block was just ensured"))
    }

    /// Checks a row of `len` numbers about to be appended; the first row of a matrix
    /// without a width sets it.
    fn accept(&mut self, len: usize) -> Result<(), DimensionMismatch> {
        if self.dim == 0 && self.rows == 0 {
            self.dim = len;
        }
        self.check(len)
    }

    fn check(&self, len: usize) -> Result<(), DimensionMismatch> {
        if len != self.dim || len == 0 {
            return Err(DimensionMismatch {
                expected: self.dim,
                found: len,
            });
        }
        Ok(())
    }
}

/// The rows of a [`Matrix`], in order, as held.
pub struct Rows<'a, E: Element> {
    matrix: &'a Matrix<E>,
    next: usize,
}

impl<'a, E: Element> Iterator for Rows<'a, E> {
    type Item = &'a [E];

    fn next(&mut self) -> Option<&'a [E]> {
        if self.next == self.matrix.rows {
            return None;
        }
        self.next += 1;
        Some(self.matrix.row(self.next - 1))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.matrix.rows - self.next;
        (left, Some(left))
    }
}

impl<E: Element> ExactSizeIterator for Rows<'_, E> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_contiguous_and_checked() {
        let mut m = Matrix::<f32>::default();
        assert_eq!(m.len(), 0);
        assert_eq!(m.rows().count(), 0);
        m.push(&[1.0, 2.0]).unwrap();
        let bytes: Vec<u8> = [3.0f32, 4.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        m.push_le_bytes::<f32>(&bytes).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m.row(1), &[3.0, 4.0]);
        assert_eq!(
            m.push(&[1.0]),
            Err(DimensionMismatch {
                expected: 2,
                found: 1
            })
        );
        assert!(m.push_le_bytes::<f32>(&[0u8; 5]).is_err());
        m.set_row(0, &[5.0, 6.0]).unwrap();
        assert_eq!(m.row_refs(), vec![&[5.0, 6.0][..], &[3.0, 4.0][..]]);
        let halves: Vec<u8> = [0.5f32, -0.25]
            .iter()
            .flat_map(|&x| Half::from_f32(x).to_bits().to_le_bytes())
            .collect();
        m.push_le_bytes::<Half>(&halves).unwrap();
        assert_eq!(m.row(2), &[0.5, -0.25]);
        assert!(m.push_le_bytes::<Half>(&halves[..3]).is_err());
    }

    fn numbered(rows: usize) -> Matrix {
        let mut m = Matrix::<f32>::with_dim(2);
        for i in 0..rows {
            m.push(&[i as f32, -(i as f32)]).unwrap();
        }
        m
    }

    #[test]
    fn rows_run_on_across_blocks() {
        let rows = 2 * BLOCK_ROWS + 3;
        let m = numbered(rows);
        assert_eq!(m.len(), rows);
        assert_eq!(m.blocks.len(), 3);
        assert_eq!(m.rows().len(), rows);
        for (i, row) in m.rows().enumerate() {
            assert_eq!(row, &[i as f32, -(i as f32)]);
            assert_eq!(m.row(i), row);
        }
        let data: Vec<f32> = m.rows().flatten().copied().collect();
        assert_eq!(Matrix::from_data(2, data).unwrap(), m);
    }

    #[test]
    fn a_copy_shares_blocks_until_either_side_writes() {
        let mut m = numbered(BLOCK_ROWS + 1);
        let copy = m.clone();
        assert!(m
            .blocks
            .iter()
            .zip(&copy.blocks)
            .all(|(a, b)| Arc::ptr_eq(a, b)));

        // A write copies the block it lands in and nothing else; the copy is unchanged.
        m.set_row(1, &[9.0, 9.0]).unwrap();
        m.push(&[7.0, 7.0]).unwrap();
        assert!(!Arc::ptr_eq(&m.blocks[0], &copy.blocks[0]));
        assert!(!Arc::ptr_eq(&m.blocks[1], &copy.blocks[1]));
        assert_eq!(copy.row(1), &[1.0, -1.0]);
        assert_eq!(copy.len(), BLOCK_ROWS + 1);
        assert_eq!(m.row(1), &[9.0, 9.0]);
        assert_eq!(m.row(BLOCK_ROWS + 1), &[7.0, 7.0]);

        // Full blocks stay shared when rows are appended after a copy.
        let mut full = numbered(BLOCK_ROWS);
        let before = full.clone();
        full.push(&[1.0, 1.0]).unwrap();
        assert!(Arc::ptr_eq(&full.blocks[0], &before.blocks[0]));
        assert_eq!(before.len(), BLOCK_ROWS);
        assert_ne!(full, before);
    }

    #[test]
    fn a_half_matrix_reads_back_what_was_written_rounded_to_16_bits() {
        let mut m = Matrix::<Half>::with_dim(3);
        let rows = Half::BLOCK_ROWS + 5;
        let row = |i: usize| [i as f32 / 7.0, -0.1234567, 1.0 / (i as f32 + 3.0)];
        for i in 0..rows {
            m.push(&row(i)).unwrap();
        }
        assert_eq!(m.blocks.len(), 2);
        let mut buf = Vec::new();
        for i in [0, 1, Half::BLOCK_ROWS - 1, Half::BLOCK_ROWS, rows - 1] {
            let want: Vec<f32> = row(i).iter().map(|&x| half::round_trip(x)).collect();
            assert_eq!(m.row_f32(i, &mut buf), &want[..], "row {i}");
            assert_eq!(m.row_vec(i), want);
            // Close to what was written, but not exactly: the 16 bits are really in use.
            assert!(want
                .iter()
                .zip(row(i))
                .all(|(a, b)| (a - b).abs() <= b.abs() / 2048.0));
        }
        assert_ne!(m.row_vec(1)[1], -0.1234567);

        let bytes: Vec<u8> = [0.5f32, 0.25, 2.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        m.push_le_bytes::<f32>(&bytes).unwrap();
        m.set_row(0, &[3.0, 4.0, 5.0]).unwrap();
        assert_eq!(m.row_vec(rows), vec![0.5, 0.25, 2.0]);
        assert_eq!(m.row_vec(0), vec![3.0, 4.0, 5.0]);
        assert_eq!(m.widened().row(rows), &[0.5, 0.25, 2.0]);
        assert_eq!(m.widened().len(), m.len());
        assert!(m.push(&[1.0]).is_err());
    }

    #[test]
    fn an_f32_matrix_lends_its_rows_and_picked_rows_follow_the_order_given() {
        let m = numbered(5);
        let mut buf = Vec::new();
        let row = m.row_f32(3, &mut buf);
        assert!(std::ptr::eq(row, m.row(3)), "read without a copy");
        assert!(buf.is_empty());
        let picked = Picked {
            source: &m,
            rows: &[4, 1],
        };
        assert_eq!(picked.row_count(), 2);
        assert_eq!(picked.row_vec(0), vec![4.0, -4.0]);
        assert_eq!(picked.row_vec(1), vec![1.0, -1.0]);
    }
}
