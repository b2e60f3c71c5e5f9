//! Vectors held as row-major `f32` blocks of [`BLOCK_ROWS`] rows each: a few large
//! allocations for a whole corpus instead of one per article (100,000 × 384 floats is 154 MB
//! either way, but a `Vec` per row adds 24 bytes of header, an allocation and a pointer chase
//! each).
//!
//! Blocks are shared between copies and copied on write: the learner's snapshot is copied
//! whenever new vectors join it while a view still reads the old one (every embedding call
//! of an import the window is used during), and a copy of one contiguous matrix was the
//! whole corpus again each time (15 MB at 10,000 articles, 154 MB at 100,000), churn that
//! fragmented the heap the app keeps afterwards. A copy now shares every block, and a write
//! copies only the block it lands in.

use std::sync::Arc;

/// Rows per block: 1.5 MB of 384-dimension vectors, so a write after a copy copies at most
/// that much, and blocks are large enough to be mapped on their own (see `heap.rs`) and go
/// back to the system whole when freed.
pub const BLOCK_ROWS: usize = 1024;

/// A row has the wrong length for the matrix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("a vector of {found} dimensions does not fit a matrix of {expected}")]
pub struct DimensionMismatch {
    pub expected: usize,
    pub found: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Matrix {
    /// 0 until the first row fixes it.
    dim: usize,
    rows: usize,
    /// Every block but the last holds exactly [`BLOCK_ROWS`] rows.
    blocks: Vec<Arc<Vec<f32>>>,
}

impl PartialEq for Matrix {
    fn eq(&self, other: &Self) -> bool {
        self.dim == other.dim && self.rows == other.rows && self.rows().eq(other.rows())
    }
}

impl Matrix {
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
        let floats = rows.min(BLOCK_ROWS - self.rows % BLOCK_ROWS) * self.dim;
        if let Some(block) = self.open_block() {
            block.reserve(floats);
        }
    }

    pub fn row(&self, i: usize) -> &[f32] {
        assert!(i < self.rows, "row {i} of a matrix of {} rows", self.rows);
        let start = (i % BLOCK_ROWS) * self.dim;
        &self.blocks[i / BLOCK_ROWS][start..start + self.dim]
    }

    pub fn rows(&self) -> Rows<'_> {
        Rows {
            matrix: self,
            next: 0,
        }
    }

    /// Every row as a slice, for functions that take `&[&[f32]]`.
    pub fn row_refs(&self) -> Vec<&[f32]> {
        self.rows().collect()
    }

    /// Appends a row; the first row of a matrix without a width sets it.
    pub fn push(&mut self, row: &[f32]) -> Result<(), DimensionMismatch> {
        if self.dim == 0 && self.rows == 0 {
            self.dim = row.len();
        }
        self.check(row)?;
        self.block_for_push().extend_from_slice(row);
        self.rows += 1;
        Ok(())
    }

    /// Replaces row `i` (copying its block first if a copy of the matrix shares it).
    pub fn set_row(&mut self, i: usize, row: &[f32]) -> Result<(), DimensionMismatch> {
        self.check(row)?;
        assert!(i < self.rows, "row {i} of a matrix of {} rows", self.rows);
        let start = (i % BLOCK_ROWS) * self.dim;
        let block = Arc::make_mut(&mut self.blocks[i / BLOCK_ROWS]);
        block[start..start + self.dim].copy_from_slice(row);
        Ok(())
    }

    /// Appends a row given as little-endian `f32` bytes (how the store keeps vectors),
    /// without an intermediate `Vec`.
    pub fn push_le_bytes(&mut self, bytes: &[u8]) -> Result<(), DimensionMismatch> {
        let found = bytes.len() / 4;
        if !bytes.len().is_multiple_of(4) || (self.dim != 0 && found != self.dim) || found == 0 {
            return Err(DimensionMismatch {
                expected: self.dim,
                found,
            });
        }
        if self.dim == 0 {
            self.dim = found;
        }
        self.block_for_push().extend(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        self.rows += 1;
        Ok(())
    }

    /// The last block while it has room for more rows, unshared.
    fn open_block(&mut self) -> Option<&mut Vec<f32>> {
        if self.rows.is_multiple_of(BLOCK_ROWS) {
            return None;
        }
        self.blocks.last_mut().map(Arc::make_mut)
    }

    /// Where the next row goes: the block being filled, or a new one.
    fn block_for_push(&mut self) -> &mut Vec<f32> {
        if self.rows.is_multiple_of(BLOCK_ROWS) {
            self.blocks.push(Arc::new(Vec::new()));
        }
        Arc::make_mut(self.blocks.last_mut().expect("a block was just ensured"))
    }

    fn check(&self, row: &[f32]) -> Result<(), DimensionMismatch> {
        if row.len() != self.dim || row.is_empty() {
            return Err(DimensionMismatch {
                expected: self.dim,
                found: row.len(),
            });
        }
        Ok(())
    }
}

/// The rows of a [`Matrix`], in order.
pub struct Rows<'a> {
    matrix: &'a Matrix,
    next: usize,
}

impl<'a> Iterator for Rows<'a> {
    type Item = &'a [f32];

    fn next(&mut self) -> Option<&'a [f32]> {
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

impl ExactSizeIterator for Rows<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_contiguous_and_checked() {
        let mut m = Matrix::default();
        assert_eq!(m.len(), 0);
        assert_eq!(m.rows().count(), 0);
        m.push(&[1.0, 2.0]).unwrap();
        let bytes: Vec<u8> = [3.0f32, 4.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        m.push_le_bytes(&bytes).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m.row(1), &[3.0, 4.0]);
        assert_eq!(
            m.push(&[1.0]),
            Err(DimensionMismatch {
                expected: 2,
                found: 1
            })
        );
        assert!(m.push_le_bytes(&[0u8; 5]).is_err());
        m.set_row(0, &[5.0, 6.0]).unwrap();
        assert_eq!(m.row_refs(), vec![&[5.0, 6.0][..], &[3.0, 4.0][..]]);
    }

    fn numbered(rows: usize) -> Matrix {
        let mut m = Matrix::with_dim(2);
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
}
