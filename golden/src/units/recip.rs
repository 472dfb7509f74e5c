//! `recip`: Vitis `hls::recip` on `fm_t` (§7.4).
//!
//! ```text
//!   x : fm_t ──► [ x == 0 ? 0 : fm_t(1) / x ] ──► fm_t
//! ```
//! `recip_fixed` in `hls_recip_apfixed.h` (identical in the 2018.2 and ≈2023.x headers) returns 0 for 0
//! and otherwise performs an ap_fixed division of the constant 1 by x: the quotient is truncated toward
//! zero on the 2^-F grid and wrapped, so `recip raw = wrap(trunc(2^2F / x_raw))`; for fm_t it wraps when
//! |x| < ≈2^-9.

use super::div::div;
use crate::fixed::Format;

/// `hls::recip(x)` for `x` in format `fm`.
pub fn recip(x: i64, fm: &Format) -> i64 {
    div(fm.one_raw(), x, fm).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm() -> Format {
        Format::signed(32, 10).expect("fm_t")
    }

    #[test]
    fn recip_of_zero_is_zero() {
        assert_eq!(recip(0, &fm()), 0);
    }

    #[test]
    fn recip_truncates_toward_zero_for_both_signs() {
        // 1/3: 2^44/(3·2^22) = 1398101.33 → 1398101; −1/3 → −1398101 (not −1398102, as floor would give).
        assert_eq!(recip(3 << 22, &fm()), 1_398_101);
        assert_eq!(recip(-(3 << 22), &fm()), -1_398_101);
    }

    #[test]
    fn recip_wraps_for_tiny_inputs() {
        // x = 2^-22: 1/x = 2^22 = 4 194 304 ≥ 512 wraps modulo 2^32 on the 2^-22 grid: 2^44 mod 2^32 = 0.
        assert_eq!(recip(1, &fm()), 0);
        // x = 3·2^-22: trunc(2^44/3) = 5864062014805 → low 32 bits, sign-extended.
        let expect = Format::signed(32, 10).unwrap().wrap_raw((1i128 << 44) / 3);
        assert_eq!(recip(3, &fm()), expect);
    }
}
