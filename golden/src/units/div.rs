//! `div`: plain `/` between two `fm_t` (§7.4): LayerNorm's `1 / sqrt(var)`, the gate normalisation.
//!
//! ```text
//!   a, b : fm_t ──► [ trunc_toward_zero(a·2^F / b) ] ──► fm_t (wrapped)
//! ```
//! ap_fixed division truncates the quotient toward zero (C integer division), not toward −∞ as
//! assignment would, then wraps it into `fm_t`. Division by zero traps in C simulation; the callers here
//! decide what it means, so this returns `None`.

use crate::fixed::Format;

/// `fm_t(a) / fm_t(b)` assigned to `fm_t`; `None` when `b` is zero.
pub fn div(a: i64, b: i64, fm: &Format) -> Option<i64> {
    fm.from_quotient(a, fm, b, fm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotient_is_truncated_toward_zero_then_wrapped() {
        let fm = Format::signed(32, 10).unwrap();
        // −7 / 2 = −3.5 exactly representable; −7·2^-22 / 2 → −3.5·2^-22 → trunc → −3 raw.
        assert_eq!(div(-7, 2 << 22, &fm), Some(-3));
        assert_eq!(div(7, 2 << 22, &fm), Some(3));
        assert_eq!(div(1, 0, &fm), None);
        // 500 / 0.5 = 1000 wraps to 1000 − 1024 = −24.
        assert_eq!(div(500 << 22, 1 << 21, &fm), Some(-24 << 22));
    }
}
