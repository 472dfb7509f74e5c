//! Bit-exact model of the FPGA `exp` unit for `fm_t = ap_fixed<32,10>`
//! (quantisation AP_TRN, overflow AP_WRAP).
//!
//! A value `x` is carried as its raw two's-complement integer `x_raw`, with
//! `x = x_raw * 2^-22`.  [`exp_fm`] returns the raw value of the result in the
//! same format.  It reproduces, bit for bit, the table-driven exponential that
//! Vitis HLS synthesises for this format (the "I_s_ = 5" variant of its
//! fixed-point exp, which serves every format whose
//! `max(I - 1, W - I)` lies in 12..=23).
//!
//! # How the value is computed
//!
//! The input is first widened to an internal signed format with 23 fractional
//! bits (`X = 2 * x_raw`; bit 0 of `X` is therefore always 0 here).  Only the
//! range `-16 <= x < 16` needs real work; everything else is an overflow case.
//! Inside that range `X` is split into five bit fields, read from the top:
//!
//! | field | bits of `X`     | meaning                                   |
//! |-------|-----------------|-------------------------------------------|
//! | `i1`  | sign, `X[26:20]`| `h  = i1_signed / 8`, in `[-16, 16)`       |
//! | `i2`  | `X[19:12]`      | `t2 = i2 * 2^-11`,  in `[0, 2^-3)`         |
//! | `i3`  | `X[11:7]`       | `t3 = i3 * 2^-16`,  in `[0, 2^-11)`        |
//! | `i4`  | `X[6:4]`        | `t4 = i4 * 2^-19`                          |
//! | `lsb` | `X[3:0]`        | `tl = lsb * 2^-23`; `z = t4 + tl = X[6:0] * 2^-23` |
//!
//! so that `x = h + t2 + t3 + z` and
//! `e^x = e^h * (1 + E2) * (1 + E3) * (1 + E4)` with `Ek = e^tk - 1`.
//! The three small factors are merged pairwise from the bottom up using
//! `(1 + a)(1 + b) - 1 = a + b + a*b`, where only the product `a*b` is ever
//! truncated.  Each stage works in plain unsigned integers (units noted):
//!
//! 1. `E4 = e^z - 1` in units of 2^-58: `z + z^2/2` is exact at that
//!    resolution, and the cubic term is taken from a table that depends on
//!    `i4` only ([`Tables::cube4`]).  `E4 = (Z << 35) + (Z^2 << 11) + cube4[i4]`.
//! 2. `E3 = e^t3 - 1` in units of 2^-55: `(i3 << 39) + expm1_lo[i3]`.
//! 3. `E34 = E3 + E4 + E3*E4` in units of 2^-58; the product (2^-113) is
//!    truncated to 2^-58.
//! 4. `E2 = e^t2 - 1` in units of 2^-52: `(i2 << 41) + expm1_mid[i2]`.
//! 5. `E234 = E2 + E34 + E2*E34`: the product (2^-110) is truncated to 2^-58,
//!    the three terms are added at 2^-58, and the sum is truncated to 2^-52.
//! 6. `Y = e^h + e^h * E234` with `e^h` from [`Tables::exp_hi`] in units of
//!    2^-27: the product (2^-79) is truncated to 2^-27 before the addition.
//! 7. The sum is truncated to 2^-23 (the internal result: an unsigned number
//!    with 23 integer bits), then to the output's 2^-22.  If the value needs
//!    more than the output's 9 magnitude integer bits (`e^x >= 512`, reached
//!    from `x_raw = 26165430`, x ~ 6.2383) the output saturates to `2^31 - 1`.
//!    [`exp_ap_fixed`] applies the same datapath to the other formats of this
//!    variant, differing only in this last step.
//!
//! Overflow of the internal format: for `x >= 16` (and, explicitly, for
//! `x >= 0xf.f14028` ~ 15.9424) the internal result is all ones, for `x < -16`
//! it is zero.  The output is therefore never negative, and it is 0 for every
//! `x_raw <= -63829973` (x ~ -15.2183).
//!
//! All datapath quantisations are truncations and the two large tables are
//! floored, so the error is one-sided: over every input the result is either
//! `floor(e^x * 2^22)` or one LSB below it (about 1.7% of the non-saturated
//! inputs), never above.

//! # The tables
//!
//! The tables are generated once from their mathematical definition (see
//! [`Tables`]) with an exact, dependency-free multi-word fixed-point series
//! for `exp`; `f64` would not be precise enough for the 50-bit entries.

use std::sync::OnceLock;

/// Largest raw value of `ap_fixed<32,10>`; the saturated result.
pub const FM_MAX: i32 = i32::MAX;

/// The lookup tables used by [`exp_fm`], all as unsigned integers.
///
/// `round(v)` means round-to-nearest; `floor(v)` means truncation.  The mix of
/// floor and round is deliberate: it is what the hardware's constants are.
pub struct Tables {
    /// `exp_hi[i] = floor(e^h * 2^27)` where `h = (i as i8) / 8`, i.e. entries
    /// `0..128` cover `h = 0, 1/8, .., 15.875` and entries `128..256` cover
    /// `h = -16, .., -1/8` (the index is the sign bit followed by 7 magnitude
    /// bits, read as a two's-complement byte).  Up to 50 bits.
    pub exp_hi: [u64; 256],
    /// `expm1_mid[i] = floor((e^t - 1 - t) * 2^52)` with `t = i * 2^-11`.
    pub expm1_mid: [u64; 256],
    /// `expm1_lo[i] = round((e^t - 1 - t) * 2^55)` with `t = i * 2^-16`.
    pub expm1_lo: [u64; 32],
    /// `cube4[i] = round((e^t - 1 - t - t^2/2) * 2^58)` with `t = i * 2^-19`
    /// (numerically `round(i^3 / 3)`).
    pub cube4: [u64; 8],
}

/// The tables, built on first use.
pub fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(build_tables)
}

/// `e^x` for `x = x_raw * 2^-22`, returned as a raw `ap_fixed<32,10>` value,
/// bit-exact with the HLS implementation.  See the module docs for the steps.
#[inline]
pub fn exp_fm(x_raw: i32) -> i32 {
    // Widen to the internal format (23 fractional bits) and run the core.
    let y23 = exp_internal((x_raw as i64) << 1);
    // Step 7, output stage: the output has 9 magnitude integer bits, so any
    // internal result >= 2^9 (bit 32 or above of `y23`) saturates to the
    // largest value; otherwise drop one fractional bit (truncation).
    if y23 >= 1 << 32 {
        FM_MAX
    } else {
        (y23 >> 1) as i32
    }
}

/// `e^x` for a signed `ap_fixed<w, i>` (AP_TRN, AP_WRAP) given as its raw
/// value, for every format served by the same hardware variant as
/// `ap_fixed<32,10>`: `max(i - 1, w - i)` in `12..=23`, `i >= 1`, `w <= 64`
/// (for example `<24,8>`, `<16,4>`, `<32,16>`, `<47,24>`).  All of them share
/// the internal datapath of [`exp_fm`]; only the widening of the input and
/// the final truncation/saturation differ.  Panics for other formats, which
/// the HLS library computes with different (coarser or finer) datapaths.
pub fn exp_ap_fixed(x_raw: i64, w: u32, i: u32) -> i64 {
    assert!(
        w <= 64 && i >= 1 && i <= w,
        "exp_ap_fixed: unsupported format <{w},{i}>"
    );
    let f = w - i;
    let m = (i - 1).max(f);
    assert!(
        (12..=23).contains(&m),
        "exp_ap_fixed: <{w},{i}> uses another HLS exp variant"
    );
    assert!(
        w == 64 || (x_raw >= -(1i64 << (w - 1)) && x_raw < 1i64 << (w - 1)),
        "x_raw out of range"
    );
    // f <= 23 and i <= 24 here, so the widening to 23 fractional bits is exact.
    let y23 = exp_internal(x_raw << (23 - f));
    // Output: saturate when the value needs more than i-1 integer bits
    // (the hardware test is on bits 45..i+22 of the internal result), then
    // truncate 23 - f fractional bits.
    if i < 24 && y23 >= 1u64 << (i + 22) {
        ((1u64 << (i + 22)) - 1) as i64 >> (23 - f)
    } else {
        (y23 >> (23 - f)) as i64
    }
}

/// The shared datapath: `e^x` for `x = xi * 2^-23`, returned in units of
/// 2^-23 as the internal unsigned 46-bit result (23 integer bits), before
/// any output-format saturation.
#[inline]
fn exp_internal(xi: i64) -> u64 {
    // The internal result has 23 integer bits.  Outside [-16, 16) the input
    // itself is out of range: positive inputs give all ones, negative ones 0.
    if xi >= 1 << 27 {
        return ALL_ONES_46;
    }
    if xi < -(1 << 27) {
        return 0;
    }
    // e^x would not fit in 23 integer bits from 0xf.f14028 (about 15.9424)
    // upwards; the hardware tests this explicitly and returns all ones.
    if xi >= 0x7F8_A014 {
        return ALL_ONES_46;
    }
    let t = tables();

    // Bit fields (see the module table).  `xi >> 20` is the signed high part
    // in units of 1/8; masking with 0xFF gives the sign bit plus X[26:20].
    let i1 = ((xi >> 20) & 0xFF) as usize;
    let i2 = ((xi >> 12) & 0xFF) as u64;
    let i3 = ((xi >> 7) & 0x1F) as u64;
    let z = (xi & 0x7F) as u64; // X[6:0]: t4 + tl in units of 2^-23
    let i4 = (z >> 4) as usize;

    // Step 1: E4 = e^z - 1 in units of 2^-58 (< 2^42).
    //   z        -> z_units << 35
    //   z^2 / 2  -> z_units^2 * 2^-46 / 2 * 2^58 = z_units^2 << 11 (exact)
    //   z^3 / 6  -> only the t4 part is kept, rounded, from the table.
    // (The hardware assembles z^2/2 from two squaring tables and one 3x4-bit
    // product placed in disjoint bit ranges; the sum is exactly z^2 << 11.)
    let e4 = (z << 35) + ((z * z) << 11) + t.cube4[i4];

    // Step 2: E3 = e^t3 - 1 in units of 2^-55 (< 2^44).
    let e3 = (i3 << 39) + t.expm1_lo[i3 as usize];

    // Step 3: E34 = E3 + E4 + trunc(E3 * E4), in units of 2^-58 (< 2^48).
    let p34 = ((e3 as u128 * e4 as u128) >> 55) as u64; // 2^-113 -> 2^-58
    let e34 = p34 + (e3 << 3) + e4;

    // Step 4: E2 = e^t2 - 1 in units of 2^-52 (< 2^50).
    let e2 = (i2 << 41) + t.expm1_mid[i2 as usize];

    // Step 5: E234 = E2 + E34 + trunc(E2 * E34): product truncated to 2^-58,
    // the sum formed at 2^-58 and then truncated to 2^-52.
    let p234 = ((e2 as u128 * e34 as u128) >> 52) as u64; // 2^-110 -> 2^-58
    let e234 = (p234 + (e2 << 6) + e34) >> 6;

    // Step 6: Y = e^h + trunc(e^h * E234), in units of 2^-27 (< 2^50).
    let eh = t.exp_hi[i1];
    let y27 = eh + ((eh as u128 * e234 as u128) >> 52) as u64; // 2^-79 -> 2^-27

    // Step 7 (first half): truncate to the internal 2^-23 resolution.
    y27 >> 4
}

/// The internal result "all ones" (46 bits) used for overflow.
const ALL_ONES_46: u64 = (1 << 46) - 1;

// ---------------------------------------------------------------------------
// Table generation: exact multi-word fixed-point arithmetic.
// ---------------------------------------------------------------------------

/// Number of 64-bit limbs and of fractional bits of the scratch fixed-point
/// numbers used to generate the tables (64 integer bits remain).
const LIMBS: usize = 6;
const FRAC: u32 = 320;

/// Unsigned fixed-point number `value = limbs * 2^-FRAC` (little-endian limbs).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Big([u64; LIMBS]);

impl Big {
    const ZERO: Big = Big([0; LIMBS]);

    /// `2^-p` (p <= FRAC).
    fn pow2_neg(p: u32) -> Big {
        let bit = FRAC - p;
        let mut b = Big::ZERO;
        b.0[(bit / 64) as usize] = 1 << (bit % 64);
        b
    }

    fn one() -> Big {
        Big::pow2_neg(0)
    }

    fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }

    fn add(&self, o: &Big) -> Big {
        let mut r = Big::ZERO;
        let mut carry = 0u64;
        for i in 0..LIMBS {
            let (s1, c1) = self.0[i].overflowing_add(o.0[i]);
            let (s2, c2) = s1.overflowing_add(carry);
            r.0[i] = s2;
            carry = (c1 | c2) as u64;
        }
        assert_eq!(carry, 0, "table generation: overflow");
        r
    }

    fn sub(&self, o: &Big) -> Big {
        let mut r = Big::ZERO;
        let mut borrow = 0u64;
        for i in 0..LIMBS {
            let (d1, b1) = self.0[i].overflowing_sub(o.0[i]);
            let (d2, b2) = d1.overflowing_sub(borrow);
            r.0[i] = d2;
            borrow = (b1 | b2) as u64;
        }
        assert_eq!(borrow, 0, "table generation: negative result");
        r
    }

    /// Exact multiplication by a small integer.
    fn mul_small(&self, m: u64) -> Big {
        let mut r = Big::ZERO;
        let mut carry = 0u128;
        for i in 0..LIMBS {
            let v = self.0[i] as u128 * m as u128 + carry;
            r.0[i] = v as u64;
            carry = v >> 64;
        }
        assert_eq!(carry, 0, "table generation: overflow");
        r
    }

    /// Division by a small integer, truncating.
    fn div_small(&self, d: u64) -> Big {
        let mut r = Big::ZERO;
        let mut rem = 0u128;
        for i in (0..LIMBS).rev() {
            let v = (rem << 64) | self.0[i] as u128;
            r.0[i] = (v / d as u128) as u64;
            rem = v % d as u128;
        }
        r
    }

    /// `floor(self * 2^bits)`; the result must fit in 64 bits.
    fn floor_scaled(&self, bits: u32) -> u64 {
        let sh = FRAC - bits;
        let mut out = 0u128;
        for k in 0..2u32 {
            // Collect the two 64-bit words starting at bit `sh`.
            let bit = sh + 64 * k;
            let (w, o) = ((bit / 64) as usize, bit % 64);
            let lo = if w < LIMBS { self.0[w] >> o } else { 0 };
            let hi = if o != 0 && w + 1 < LIMBS {
                self.0[w + 1] << (64 - o)
            } else {
                0
            };
            out |= ((lo | hi) as u128) << (64 * k);
        }
        assert!(out >> 64 == 0, "table entry does not fit in 64 bits");
        out as u64
    }
}

/// Which quantisation a table uses.
#[derive(Clone, Copy)]
enum Quant {
    Floor,
    Round,
}

/// `sum_{n >= skip} t^n / n!` with `t = num * 2^-den_log2`, as a [`Big`].
/// Positive and negative terms are accumulated separately so that the
/// arithmetic stays unsigned.  Each term carries a truncation error below one
/// unit of 2^-320, and the error growth factor is at most e^16 < 2^24, so the
/// result is accurate to far better than 2^-250.
fn exp_series(num: i64, den_log2: u32, skip: u32) -> Big {
    let mag = num.unsigned_abs();
    let mut term = Big::one();
    let (mut pos, mut neg) = (Big::ZERO, Big::ZERO);
    let mut n: u64 = 0;
    loop {
        if n >= skip as u64 {
            if num < 0 && n % 2 == 1 {
                neg = neg.add(&term);
            } else {
                pos = pos.add(&term);
            }
        }
        n += 1;
        term = term.mul_small(mag).div_small((1u64 << den_log2) * n);
        if term.is_zero() {
            break;
        }
    }
    pos.sub(&neg)
}

/// Quantise a table value, asserting that the answer is not affected by the
/// (tiny) error of the series: shifting the value by +-2^-280 must not change
/// the result.  Exact values (argument 0) are handled by the caller.
fn quantise(v: &Big, bits: u32, q: Quant) -> u64 {
    let f = |b: &Big| match q {
        Quant::Floor => b.floor_scaled(bits),
        Quant::Round => b.add(&Big::pow2_neg(bits + 1)).floor_scaled(bits),
    };
    let eps = Big::pow2_neg(280);
    let r = f(v);
    assert!(
        f(&v.add(&eps)) == r && f(&v.sub(&eps)) == r,
        "ambiguous table entry"
    );
    r
}

/// Build every table from its definition (see the field docs of [`Tables`]).
fn build_tables() -> Tables {
    let mut t = Tables {
        exp_hi: [0; 256],
        expm1_mid: [0; 256],
        expm1_lo: [0; 32],
        cube4: [0; 8],
    };
    for i in 0..256usize {
        let h = i as u8 as i8 as i64; // signed high part in units of 1/8
        t.exp_hi[i] = if h == 0 {
            1 << 27
        } else {
            quantise(&exp_series(h, 3, 0), 27, Quant::Floor)
        };
        t.expm1_mid[i] = if i == 0 {
            0
        } else {
            quantise(&exp_series(i as i64, 11, 2), 52, Quant::Floor)
        };
    }
    for i in 1..32usize {
        t.expm1_lo[i] = quantise(&exp_series(i as i64, 16, 2), 55, Quant::Round);
    }
    for i in 1..8usize {
        t.cube4[i] = quantise(&exp_series(i as i64, 19, 3), 58, Quant::Round);
    }
    t
}

/// Slow exact reference: `floor(e^x * 2^22)` for `x = x_raw * 2^-22`.
/// Defined for `x < 16` (it returns 0 below -16, where `e^x * 2^22 < 1`).
/// Intended for tests and error analysis, not for the hot path.
pub fn exp_exact_floor(x_raw: i32) -> u64 {
    assert!(x_raw < 16 << 22, "exp_exact_floor: x >= 16 not supported");
    if x_raw < -(16 << 22) {
        return 0;
    }
    if x_raw == 0 {
        return 1 << 22;
    }
    quantise(&exp_series(x_raw as i64, 22, 0), 22, Quant::Floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spot_values() {
        assert_eq!(exp_fm(0), 1 << 22);
        assert_eq!(exp_fm(i32::MAX), FM_MAX);
        assert_eq!(exp_fm(i32::MIN), 0);
        for x in [-(15 << 22), -(1 << 22), -1, 1, 1 << 22, 6 << 22] {
            let y = exp_fm(x) as u64;
            let f = exp_exact_floor(x);
            assert!(y == f || y + 1 == f, "x={x} y={y} floor={f}");
        }
    }

    #[test]
    fn thresholds_and_generic_form() {
        assert!(exp_fm(26_165_429) < FM_MAX);
        assert_eq!(exp_fm(26_165_430), FM_MAX);
        assert_eq!(exp_fm(-63_829_973), 0);
        assert_eq!(exp_fm(-63_829_972), 1);
        for x in (i32::MIN..=i32::MAX).step_by(65_521) {
            assert_eq!(exp_ap_fixed(x as i64, 32, 10), exp_fm(x) as i64);
        }
    }
}
