//! `sqrt`: Vitis `hls::sqrt` on `fm_t` (`sqrt_fixed` in `hls_sqrt_apfixed.h`, §7.2).
//!
//! ```text
//!   x : fm_t ──► [ x ≤ 0 ? 0 : round_to_nearest(√x) on the 2^-F grid ] ──► fm_t
//! ```
//! The Xilinx routine is a bit-serial (restoring, digit-by-digit) square root that develops one result
//! bit more than the output holds and rounds on it; compiling the header shows the result is exactly
//! √x rounded to the nearest 2^-F step (ties cannot occur: (r + ½)² is never an integer on the grid),
//! and 0 for negative inputs. We compute the same value with an exact integer square root:
//! `r = isqrt(x_raw · 2^F)`, plus one when the remainder exceeds r.

use crate::fixed::Format;

/// `hls::sqrt(x)` for `x` in format `fm`.
pub fn sqrt(x: i64, fm: &Format) -> i64 {
    if x <= 0 {
        return 0;
    }
    let f = fm.frac_bits();
    // √(x·2^-F) = √(x·2^F)·2^-F; F ≥ 0 is a config invariant for fm_t, so x·2^F is an integer.
    let n = (x as u128) << f.max(0) as u32;
    let r = isqrt(n);
    let rounded = if n - r * r > r { r + 1 } else { r };
    fm.wrap_raw(rounded as i128)
}

/// ⌊√n⌋, exact, by Newton's iteration from an upper bound.
fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    let bits = 128 - n.leading_zeros();
    let mut x = 1u128 << bits.div_ceil(2); // ≥ √n
    loop {
        let y = (x + n / x) / 2;
        if y >= x {
            return x;
        }
        x = y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isqrt_is_exact_at_squares_and_between() {
        for r in [0u128, 1, 2, 3, 1000, (1 << 40) + 7, (1 << 63) - 1] {
            assert_eq!(isqrt(r * r), r);
            if r > 0 {
                assert_eq!(isqrt(r * r - 1), r - 1);
                assert_eq!(isqrt(r * r + 2 * r), r);
            }
        }
    }

    #[test]
    fn sqrt_rounds_to_nearest_and_clamps_negatives_to_zero() {
        let fm = Format::signed(32, 10).unwrap();
        assert_eq!(sqrt(4 << 22, &fm), 2 << 22);
        assert_eq!(sqrt(-5, &fm), 0);
        // √2 = 1.41421356237… · 2^22 = 5931641.59 → rounds up to 5931642.
        assert_eq!(sqrt(2 << 22, &fm), 5_931_642);
        // √3 · 2^22 = 7264748.46 → 7264748 (down).
        assert_eq!(sqrt(3 << 22, &fm), 7_264_748);
    }
}
