//! Vectors held as one contiguous row-major `f32` matrix: one allocation for a whole corpus
//! instead of one per article (100,000 × 384 floats is 154 MB either way, but a `Vec` per row
//! adds 24 bytes of header, an allocation and a pointer chase each).

/// A row has the wrong length for the matrix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("a vector of {found} dimensions does not fit a matrix of {expected}")]
pub struct DimensionMismatch {
    pub expected: usize,
    pub found: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matrix {
    /// 0 until the first row fixes it.
    dim: usize,
    data: Vec<f32>,
}

impl Matrix {
    /// An empty matrix whose rows will have `dim` columns.
    pub fn with_dim(dim: usize) -> Self {
        Self {
            dim,
            data: Vec::new(),
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
        Ok(Self { dim, data })
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn reserve(&mut self, rows: usize) {
        self.data.reserve(rows * self.dim);
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f32]> + '_ {
        // `chunks_exact(0)` panics; an empty matrix may not know its width yet.
        self.data.chunks_exact(self.dim.max(1))
    }

    /// Every row as a slice, for functions that take `&[&[f32]]`.
    pub fn row_refs(&self) -> Vec<&[f32]> {
        self.rows().collect()
    }

    /// Appends a row; the first row of a matrix without a width sets it.
    pub fn push(&mut self, row: &[f32]) -> Result<(), DimensionMismatch> {
        if self.dim == 0 && self.data.is_empty() {
            self.dim = row.len();
        }
        self.check(row)?;
        self.data.extend_from_slice(row);
        Ok(())
    }

    /// Replaces row `i`.
    pub fn set_row(&mut self, i: usize, row: &[f32]) -> Result<(), DimensionMismatch> {
        self.check(row)?;
        self.data[i * self.dim..(i + 1) * self.dim].copy_from_slice(row);
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
        self.data.extend(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
        Ok(())
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
}
