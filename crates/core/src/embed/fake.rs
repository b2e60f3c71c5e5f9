//! A deterministic embedder for unit tests: a signed, hashed bag of words. Texts that share
//! words get similar vectors, which is all the learner's tests need, and nothing is loaded.

use super::{normalize, Embedder};
use crate::error::Result;

pub struct HashingEmbedder {
    dim: usize,
}

impl HashingEmbedder {
    pub fn new(dim: usize) -> Self {
        assert!(dim >= 8, "a hashing embedder needs a few dimensions");
        Self { dim }
    }

    fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut v = vec![0.0f32; self.dim];
        let words = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 2)
            .map(|w| w.to_lowercase());
        let mut any = false;
        for word in words {
            // A crude stem so that "photos" and "photo" land together.
            let stem = word.strip_suffix('s').unwrap_or(&word);
            let h = fnv1a(stem.as_bytes());
            let sign = if h & (1 << 63) == 0 { 1.0 } else { -1.0 };
            v[(h % self.dim as u64) as usize] += sign;
            any = true;
        }
        if !any {
            v[0] = 1.0;
        }
        normalize(&mut v);
        v
    }
}

impl Default for HashingEmbedder {
    fn default() -> Self {
        Self::new(256)
    }
}

impl Embedder for HashingEmbedder {
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|t| self.embed_one(t)).collect())
    }

    fn model_id(&self) -> &str {
        "hashing-bag-of-words"
    }

    fn dim(&self) -> usize {
        self.dim
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::linalg::dot;

    #[test]
    fn shared_words_make_similar_vectors() {
        let e = HashingEmbedder::default();
        let v = e
            .embed(&[
                "rust compiler release",
                "new rust compiler",
                "celebrity gossip",
            ])
            .unwrap();
        assert!((dot(&v[0], &v[0]) - 1.0).abs() < 1e-5);
        assert!(dot(&v[0], &v[1]) > dot(&v[0], &v[2]) + 0.3);
        assert_eq!(e.embed(&["same"]).unwrap(), e.embed(&["same"]).unwrap());
    }
}
