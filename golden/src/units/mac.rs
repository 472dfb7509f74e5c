//! The `acc += a * b` pattern every Edge-MoE kernel is built from (§2), specialised once per formats.
//!
//! ap_fixed forms `a * b` exactly, adds it exactly to `acc`, then assigns the sum to `acc`'s format. With
//! the defaults (AP_TRN, AP_WRAP) and `acc` already on its grid that is `acc + floor(a·b)` modulo 2^W, so
//! a dot product may add floored products in any order in a wide register and wrap once at the end: the
//! fast path below. Any other accumulator mode takes the exact path, one assignment per product, in the
//! order given (saturation makes order matter there).

use crate::fixed::Format;

/// A multiply-accumulate with fixed operand and accumulator formats.
#[derive(Clone, Copy, Debug)]
pub struct Mac {
    acc: Format,
    a: Format,
    b: Format,
    /// Fractional bits of the exact product minus those of the accumulator.
    shift: u32,
    /// AP_TRN/AP_WRAP accumulator: floor each product, add modulo 2^64, wrap once.
    fast: bool,
    /// Every exact product fits an `i64` (|a·b| < 2^62 for fm_t × fm_t = 32 × 32 bits in Edge-MoE).
    narrow: bool,
}

/// The product is coarser than the accumulator, or finer by more than the exact path can hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "a {a} x {b} product accumulated into {acc} needs 0..=62 extra fractional bits, not {shift}"
)]
pub struct MacError {
    acc: Format,
    a: Format,
    b: Format,
    shift: i32,
}

impl Mac {
    /// A MAC of `a`·`b` products into `acc`.
    pub fn new(acc: Format, a: Format, b: Format) -> Result<Self, MacError> {
        let shift = a.frac_bits() + b.frac_bits() - acc.frac_bits();
        if !(0..=62).contains(&shift) {
            return Err(MacError { acc, a, b, shift });
        }
        Ok(Mac {
            acc,
            a,
            b,
            shift: shift as u32,
            fast: acc.is_trn_wrap(),
            narrow: magnitude_bits(&a) + magnitude_bits(&b) <= 62,
        })
    }

    /// The accumulator format.
    pub fn acc_format(&self) -> &Format {
        &self.acc
    }

    /// `acc_t p = a * b`: the product alone, assigned to the accumulator format.
    #[inline]
    pub fn product(&self, a: i64, b: i64) -> i64 {
        if self.fast {
            self.acc.wrap_raw((a as i128 * b as i128) >> self.shift)
        } else {
            self.acc.from_product(a, &self.a, b, &self.b)
        }
    }

    /// `acc += a * b` once.
    #[inline]
    pub fn step(&self, acc: i64, a: i64, b: i64) -> i64 {
        if self.fast && self.narrow {
            // Modulo 2^64 then to W ≤ 64 bits: the same residue as the exact sum.
            self.acc
                .wrap_raw(acc.wrapping_add((a * b) >> self.shift) as i128)
        } else if self.fast {
            self.acc
                .wrap_raw(acc as i128 + ((a as i128 * b as i128) >> self.shift))
        } else {
            let exact = ((acc as i128) << self.shift) + a as i128 * b as i128;
            self.acc
                .quantize(exact, self.acc.frac_bits() + self.shift as i32)
        }
    }

    /// `acc[d] += a[d] * b` over a row, leaving `acc` pending: on the fast path the sums are held modulo
    /// 2^64 and only [`Mac::settle`] wraps them to the accumulator, so a long row of updates costs one
    /// wrap per element, not one per product. Off the fast path each update is a full assignment.
    #[inline]
    pub fn axpy(&self, acc: &mut [i64], a: &[i64], b: i64) {
        debug_assert_eq!(acc.len(), a.len());
        if self.fast && self.narrow {
            for (s, &x) in acc.iter_mut().zip(a) {
                *s = s.wrapping_add((x * b) >> self.shift);
            }
        } else if self.fast {
            for (s, &x) in acc.iter_mut().zip(a) {
                *s = s.wrapping_add(((x as i128 * b as i128) >> self.shift) as i64);
            }
        } else {
            for (s, &x) in acc.iter_mut().zip(a) {
                *s = self.step(*s, x, b);
            }
        }
    }

    /// Brings accumulators left pending by [`Mac::axpy`] into the accumulator format.
    #[inline]
    pub fn settle(&self, acc: &mut [i64]) {
        if self.fast {
            for s in acc {
                *s = self.acc.wrap_raw(*s as i128);
            }
        }
    }

    /// `acc = init; for k: acc += a[k] * b[k]`.
    #[inline]
    pub fn dot(&self, init: i64, a: &[i64], b: &[i64]) -> i64 {
        debug_assert_eq!(a.len(), b.len());
        if self.fast && self.narrow {
            let mut sum = init;
            for (&x, &y) in a.iter().zip(b) {
                sum = sum.wrapping_add((x * y) >> self.shift);
            }
            self.acc.wrap_raw(sum as i128)
        } else if self.fast {
            let mut sum = init;
            for (&x, &y) in a.iter().zip(b) {
                sum = sum.wrapping_add(((x as i128 * y as i128) >> self.shift) as i64);
            }
            self.acc.wrap_raw(sum as i128)
        } else {
            a.iter()
                .zip(b)
                .fold(init, |acc, (&x, &y)| self.step(acc, x, y))
        }
    }
}

/// |raw| ≤ 2^bits: W − 1 for ap_fixed (the minimum is −2^(W−1)), W for ap_ufixed.
fn magnitude_bits(f: &Format) -> u32 {
    if f.is_signed() {
        f.width() - 1
    } else {
        f.width()
    }
}

/// `acc_t r = a + b` for two values of the accumulator format (modular with AP_WRAP).
#[inline]
pub fn add(fm: &Format, a: i64, b: i64) -> i64 {
    if fm.is_trn_wrap() {
        fm.wrap_raw(a as i128 + b as i128)
    } else {
        fm.from_sum(a, fm, b, fm)
    }
}

/// `acc_t r = a - b` for two values of the accumulator format.
#[inline]
pub fn sub(fm: &Format, a: i64, b: i64) -> i64 {
    if fm.is_trn_wrap() {
        fm.wrap_raw(a as i128 - b as i128)
    } else {
        fm.from_difference(a, fm, b, fm)
    }
}
