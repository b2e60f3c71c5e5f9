//! IEEE 754 half precision (binary16), the 16-bit form the learner keeps embeddings in.
//!
//! An embedding is 384 numbers of unit length, each within ±1; binary16 keeps 11 significant
//! bits (a relative error of at most 2⁻¹¹ ≈ 0.05 %), far below what separates one article
//! from another, and halves the largest thing the app holds: 154 MB of vectors at 100,000
//! articles become 77 MB. Arithmetic stays in `f32`; rows are widened as they are read.
//!
//! The conversions are F. Giesen's branch-light bit manipulations ("half to float done
//! quick", 2012), written so the widening loop vectorises without any CPU feature check.

/// A binary16 number, as its bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(transparent)]
pub struct Half(u16);

impl Half {
    /// The nearest binary16 to `x` (ties to even); beyond ±65504 it is ±infinity, NaN stays NaN.
    pub fn from_f32(x: f32) -> Self {
        const F32_INFINITY: u32 = 255 << 23;
        // 2¹⁶: from here on the result is infinite.
        const HALF_OVERFLOW: u32 = (127 + 16) << 23;
        // 2⁻¹⁴, the smallest normal binary16: below it the result is subnormal or zero.
        const HALF_MIN_NORMAL: u32 = 113 << 23;
        // Adding 0.5 lines the 10 mantissa bits up at the bottom of the float, rounded to
        // nearest even by the addition itself.
        const DENORMAL_MAGIC: u32 = ((127 - 15) + (23 - 10) + 1) << 23;

        let bits = x.to_bits();
        let sign = ((bits >> 16) & 0x8000) as u16;
        let magnitude = bits & 0x7fff_ffff;
        let half = if magnitude >= HALF_OVERFLOW {
            if magnitude > F32_INFINITY {
                0x7e00
            } else {
                0x7c00
            }
        } else if magnitude < HALF_MIN_NORMAL {
            let aligned = f32::from_bits(magnitude) + f32::from_bits(DENORMAL_MAGIC);
            (aligned.to_bits() - DENORMAL_MAGIC) as u16
        } else {
            let mantissa_odd = (magnitude >> 13) & 1;
            // Rebias the exponent and add the rounding bias (0xfff, +1 when odd: ties to even).
            let rounded = magnitude
                .wrapping_add(((15u32.wrapping_sub(127)) << 23).wrapping_add(0xfff))
                + mantissa_odd;
            (rounded >> 13) as u16
        };
        Self(sign | half)
    }

    /// The exact `f32` this number stands for.
    pub fn to_f32(self) -> f32 {
        // 2¹¹², the difference between the two exponent biases: multiplying the shifted
        // bits by it rebiases normal numbers and renormalises subnormal ones in one step.
        const REBIAS: f32 = f32::from_bits((254 - 15) << 23);
        // Anything at or above 2¹⁶ after rebiasing was an infinity or a NaN.
        const WAS_INFINITE: f32 = 65536.0;
        let h = u32::from(self.0);
        let scaled = f32::from_bits((h & 0x7fff) << 13) * REBIAS;
        let bits = if scaled >= WAS_INFINITE {
            scaled.to_bits() | (255 << 23)
        } else {
            scaled.to_bits()
        };
        f32::from_bits(bits | ((h & 0x8000) << 16))
    }

    /// Neither infinite nor NaN (the exponent bits are not all set).
    pub fn is_finite(self) -> bool {
        self.0 & 0x7c00 != 0x7c00
    }

    pub fn to_bits(self) -> u16 {
        self.0
    }

    pub fn from_bits(bits: u16) -> Self {
        Self(bits)
    }
}

/// `out[i] = src[i]` widened; the slices must have the same length.
pub fn widen(src: &[Half], out: &mut [f32]) {
    assert_eq!(src.len(), out.len());
    for (o, h) in out.iter_mut().zip(src) {
        *o = h.to_f32();
    }
}

/// `x` as the learner holds it: rounded to binary16 and back. The offline evaluation rounds
/// its vectors this way so that it measures the numbers the app scores.
pub fn round_trip(x: f32) -> f32 {
    Half::from_f32(x).to_f32()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary16 value of `bits`, computed from its definition in `f64`.
    fn defined_value(bits: u16) -> f64 {
        let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
        let exponent = i32::from((bits >> 10) & 0x1f);
        let mantissa = f64::from(bits & 0x3ff);
        match exponent {
            0 => sign * mantissa * 2f64.powi(-24),
            31 if mantissa == 0.0 => sign * f64::INFINITY,
            31 => f64::NAN,
            e => sign * (1.0 + mantissa / 1024.0) * 2f64.powi(e - 15),
        }
    }

    #[test]
    fn every_half_widens_to_its_defined_value_and_narrows_back() {
        for bits in 0..=u16::MAX {
            let h = Half::from_bits(bits);
            let x = h.to_f32();
            let want = defined_value(bits);
            if want.is_nan() {
                assert!(x.is_nan(), "{bits:#06x}");
                assert!(Half::from_f32(x).to_f32().is_nan());
                continue;
            }
            assert_eq!(f64::from(x), want, "{bits:#06x}");
            assert_eq!(h.is_finite(), want.is_finite(), "{bits:#06x}");
            assert_eq!(Half::from_f32(x), h, "{bits:#06x} did not round-trip");
        }
    }

    #[test]
    fn narrowing_rounds_to_the_nearest_half_ties_to_even() {
        // Every pair of neighbouring positive halves (normal and subnormal), probed at the
        // midpoint and just either side of it.
        for bits in 0u16..0x7bff {
            let (low, high) = (defined_value(bits), defined_value(bits + 1));
            let mid = (low + high) / 2.0;
            let even = if bits % 2 == 0 { bits } else { bits + 1 };
            assert_eq!(
                Half::from_f32(mid as f32).to_bits(),
                even,
                "tie above {bits:#06x}"
            );
            let below = (mid - (high - low) / 8.0) as f32;
            let above = (mid + (high - low) / 8.0) as f32;
            assert_eq!(
                Half::from_f32(below).to_bits(),
                bits,
                "below the tie of {bits:#06x}"
            );
            assert_eq!(
                Half::from_f32(above).to_bits(),
                bits + 1,
                "above {bits:#06x}"
            );
            assert_eq!(Half::from_f32(-below).to_bits(), bits | 0x8000);
        }
    }

    #[test]
    fn out_of_range_values_saturate_to_infinity() {
        assert_eq!(Half::from_f32(65504.0).to_f32(), 65504.0);
        assert_eq!(Half::from_f32(65519.0).to_f32(), 65504.0);
        assert_eq!(Half::from_f32(65520.0).to_f32(), f32::INFINITY);
        assert_eq!(Half::from_f32(1e9).to_f32(), f32::INFINITY);
        assert_eq!(Half::from_f32(-f32::INFINITY).to_f32(), -f32::INFINITY);
        assert!(Half::from_f32(f32::NAN).to_f32().is_nan());
        assert_eq!(Half::from_f32(1e-9).to_f32(), 0.0);
        assert_eq!(Half::from_f32(-0.0).to_bits(), 0x8000);
    }

    #[test]
    fn an_embedding_keeps_its_similarities() {
        // Unit vectors of 384 components, like the model's: their dot products move by far
        // less than anything the learner tells apart.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut unit = || {
            let mut v: Vec<f32> = (0..384)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                })
                .collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= norm);
            v
        };
        for _ in 0..50 {
            let (a, b) = (unit(), unit());
            let mut narrow = vec![0.0; 384];
            widen(
                &a.iter().map(|&x| Half::from_f32(x)).collect::<Vec<_>>(),
                &mut narrow,
            );
            let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            let held: f32 = narrow.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((exact - held).abs() < 1e-3, "{exact} vs {held}");
            assert_eq!(narrow[7], round_trip(a[7]));
        }
    }
}
