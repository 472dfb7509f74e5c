//! `gelu`: Edge-MoE's GELU, ReLU minus an interpolated correction (§6).
//!
//! ```text
//!   x : fm_t ──► relu(x), a = |x| ──► a ≥ 5.5 ? relu
//!                                   : idx = ⌊32a⌋, t = frac(32a) ──► δ = ⌊T[idx] + t·(T[idx+1] − T[idx])⌋
//!                                                                         └──► relu − δ : fm_t
//! ```
//! GELU(x) = ReLU(x) − δ(|x|) with δ(a) = a·Φ(−a), which is even in x and vanishes fast: past 5.5 it is
//! below 1e-7, so a 177-entry table at a 1/32 step covers [0, 5.5]. Table entry i is
//! round-to-nearest(2^F · (i/32)·Φ(−i/32)) stored as `ap_ufixed<F,0>` (F = 22 for Edge-MoE's
//! `fm_frac_t`); this formula reproduces all 177 literals of Edge-MoE's `gelu.cpp` exactly, and it is
//! evaluated here with `libm::erfc` in f64, whose error (~1e-16) is far below the nearest rounding tie
//! (entry 26 sits 2e-5 LSB from one). Max |error| against erf-GELU on [−8, 8) is ≈ 9.8e-5.
//!
//! Corner: |x| of the fm_t minimum wraps to itself (negative), so the cutoff test fails, the `ap_uint<8>`
//! index takes the low 8 bits of ⌊32a⌋ (0) and the fraction is 0: GELU(min) = relu − T[0] = 0.

use crate::fixed::Format;

/// Table entries: 5.5 · 32 + 1.
pub const LUT_ENTRIES: usize = 177;
/// log2 of the table step's reciprocal (step 1/32).
pub const STEP_BITS: u32 = 5;

/// δ(a) = a·Φ(−a) in f64: the quantity the table samples.
pub fn delta(a: f64) -> f64 {
    a * 0.5 * libm::erfc(a / std::f64::consts::SQRT_2)
}

/// The correction table for `frac_bits` fractional bits: entry i = round(2^F · δ(i/32)).
pub fn lut(frac_bits: u32) -> Vec<i64> {
    let scale = 2f64.powi(frac_bits as i32);
    (0..LUT_ENTRIES)
        .map(|i| (scale * delta(i as f64 / 32.0)).round() as i64)
        .collect()
}

/// A GELU unit for one fm_t format, holding its ROM.
#[derive(Clone, Debug)]
pub struct Gelu {
    fm: Format,
    table: Vec<i64>,
}

impl Gelu {
    /// The unit for `fm` (F ≥ 5 fractional bits and I ≥ 4 integer bits, checked by the numerics config).
    pub fn new(fm: Format) -> Self {
        Gelu {
            fm,
            table: lut(fm.frac_bits() as u32),
        }
    }

    /// The ROM contents, raw `ap_ufixed<F,0>`.
    pub fn table(&self) -> &[i64] {
        &self.table
    }

    /// GELU of one fm_t value.
    pub fn apply(&self, x: i64) -> i64 {
        let fm = &self.fm;
        let f = fm.frac_bits() as u32;
        let negative = x < 0;
        let relu = if negative { 0 } else { x };
        let a = if negative {
            fm.wrap_raw(-(x as i128))
        } else {
            x
        };
        let cutoff = (11i64 << f) >> 1; // 5.5 = 176/32
        if a >= cutoff {
            return relu;
        }
        // 32·a is exact: the same raw with F − 5 fractional bits.
        let scaled = a as i128;
        let idx = ((scaled >> (f - STEP_BITS)) & 0xff) as usize; // ap_uint<8> keeps the low 8 bits
        let t = ((scaled << STEP_BITS) & ((1i128 << f) - 1)) as i64; // ap_ufixed<F,0>: fraction of 32a
        let lo = self.table.get(idx).copied().unwrap_or(0);
        let hi = self.table.get(idx + 1).copied().unwrap_or(0);
        // δ = ⌊T[idx] + t·(T[idx+1] − T[idx])⌋: product exact at 2F fractional bits, floored to F.
        let delta = ((lo as i128) << f) + t as i128 * (hi - lo) as i128;
        let delta = (delta >> f) as i64 & ((1i64 << f) - 1); // ap_ufixed<F,0> wraps modulo 1
        fm.wrap_raw(relu as i128 - delta as i128)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gelu() -> Gelu {
        Gelu::new(Format::signed(32, 10).unwrap())
    }

    #[test]
    fn table_has_zero_endpoints_and_peaks_near_three_quarters() {
        let t = lut(22);
        assert_eq!(t.len(), 177);
        assert_eq!(t[0], 0);
        assert_eq!(
            t[176], 0,
            "δ(5.5)·2^22 ≈ 0.44 rounds to 0: both endpoints are 0 (§6)"
        );
        let (argmax, max) = t.iter().enumerate().max_by_key(|(_, v)| **v).unwrap();
        assert_eq!((argmax, *max), (24, 712_908));
    }

    #[test]
    fn gelu_at_the_cutoff_is_relu() {
        let g = gelu();
        let x = (11i64 << 22) >> 1;
        assert_eq!(g.apply(x), x);
        assert_eq!(g.apply(-x), 0);
        // On a table knot the correction is exactly the entry: at 175/32, T[175] = 1 LSB.
        let knot = 175i64 << 17;
        assert_eq!(g.table()[175], 1);
        assert_eq!(g.apply(knot), knot - 1);
        assert_eq!(g.apply(-knot), -1);
    }

    #[test]
    fn gelu_of_the_minimum_is_zero() {
        assert_eq!(gelu().apply(i32::MIN as i64), 0);
    }

    #[test]
    fn gelu_matches_erf_gelu_to_1e4() {
        let g = gelu();
        let mut worst: f64 = 0.0;
        for raw in (-(8i64 << 22)..(8i64 << 22)).step_by(997) {
            let x = raw as f64 / 4194304.0;
            let exact = 0.5 * x * (1.0 + libm::erf(x / std::f64::consts::SQRT_2));
            worst = worst.max((g.apply(raw) as f64 / 4194304.0 - exact).abs());
        }
        assert!(worst < 1.0e-4, "max |err| = {worst}");
    }
}
