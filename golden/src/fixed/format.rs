//! `Format`: the runtime descriptor of an `ap_fixed<W, I, Q, O>` / `ap_ufixed` type.
//!
//! Architects choose `fm_t` and the weight formats in a config file, so every kernel must run with a
//! format known only at run time. `Format` carries the rules; values are raw two's-complement integers
//! (`i64`, value = raw · 2^-F with F = W − I fractional bits). The const-generic [`super::Fixed`] delegates
//! every operation here, so the compile-time and run-time types cannot disagree.
//!
//! Arithmetic follows ap_fixed: operands combine exactly at full width (a product of two raws is exact in
//! `i128`), and only the assignment to a destination format quantises (mode `Q`) and then handles overflow
//! (mode `O`).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use super::mode::{Overflow, Quant};

/// Widest supported format. Raw values live in `i64`; products of two raws are exact in `i128`.
pub const MAX_WIDTH: u32 = 64;
/// Fractional bits are limited to ±`MAX_FRAC` so alignment shifts of two raws stay inside `i128`.
pub const MAX_FRAC: i32 = 64;

/// A fixed-point format: width, integer bits, signedness, quantisation and overflow modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Format {
    width: u32,
    int_bits: i32,
    signed: bool,
    quant: Quant,
    overflow: Overflow,
}

/// Why a format is not representable here.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The width is 0 or above 64 (63 for unsigned: raws are `i64`).
    #[error("width {width} is outside 1..={max} for {kind}")]
    Width {
        /// The width asked for.
        width: u32,
        /// The largest width allowed for this signedness.
        max: u32,
        /// `ap_fixed` or `ap_ufixed`.
        kind: &'static str,
    },
    /// W − I is outside ±64.
    #[error("{frac} fractional bits (W - I) is outside -64..=64")]
    Frac {
        /// W − I.
        frac: i32,
    },
    /// The text is not an ap_fixed type.
    #[error("cannot parse `{text}` as an ap_fixed type: {reason}")]
    Parse {
        /// The text given.
        text: String,
        /// What the grammar expected.
        reason: String,
    },
}

impl Format {
    /// A format with explicit modes. `const` so the const-generic type can build its own at compile time.
    pub const fn new(
        width: u32,
        int_bits: i32,
        signed: bool,
        quant: Quant,
        overflow: Overflow,
    ) -> Result<Self, FormatError> {
        let max = if signed { MAX_WIDTH } else { MAX_WIDTH - 1 };
        if width == 0 || width > max {
            return Err(FormatError::Width {
                width,
                max,
                kind: if signed { "ap_fixed" } else { "ap_ufixed" },
            });
        }
        let frac = width as i32 - int_bits;
        if frac < -MAX_FRAC || frac > MAX_FRAC {
            return Err(FormatError::Frac { frac });
        }
        Ok(Format {
            width,
            int_bits,
            signed,
            quant,
            overflow,
        })
    }

    /// The same as [`Format::new`] for a format that must be valid: a compile-time error when evaluated
    /// in a constant (the const-generic [`super::Fixed`] uses it), a panic otherwise.
    pub const fn new_const(
        width: u32,
        int_bits: i32,
        signed: bool,
        quant: Quant,
        overflow: Overflow,
    ) -> Self {
        let max = if signed { MAX_WIDTH } else { MAX_WIDTH - 1 };
        let frac = width as i32 - int_bits;
        assert!(
            width >= 1 && width <= max && frac >= -MAX_FRAC && frac <= MAX_FRAC,
            "ap_fixed<W, I>: W must be 1..=64 (63 unsigned) and |W - I| <= 64"
        );
        Format {
            width,
            int_bits,
            signed,
            quant,
            overflow,
        }
    }

    /// `ap_fixed<W, I>` with the defaults AP_TRN and AP_WRAP.
    pub const fn signed(width: u32, int_bits: i32) -> Result<Self, FormatError> {
        Self::new(width, int_bits, true, Quant::Trn, Overflow::Wrap)
    }

    /// `ap_ufixed<W, I>` with the defaults AP_TRN and AP_WRAP.
    pub const fn unsigned(width: u32, int_bits: i32) -> Result<Self, FormatError> {
        Self::new(width, int_bits, false, Quant::Trn, Overflow::Wrap)
    }

    /// The same format with other modes.
    pub const fn with_modes(self, quant: Quant, overflow: Overflow) -> Self {
        Format {
            quant,
            overflow,
            ..self
        }
    }

    /// W.
    pub const fn width(&self) -> u32 {
        self.width
    }
    /// I (may be negative or larger than W, as in ap_fixed).
    pub const fn int_bits(&self) -> i32 {
        self.int_bits
    }
    /// F = W − I: the LSB is 2^-F.
    pub const fn frac_bits(&self) -> i32 {
        self.width as i32 - self.int_bits
    }
    /// True for `ap_fixed`, false for `ap_ufixed`.
    pub const fn is_signed(&self) -> bool {
        self.signed
    }
    /// The quantisation mode.
    pub const fn quant(&self) -> Quant {
        self.quant
    }
    /// The overflow mode.
    pub const fn overflow(&self) -> Overflow {
        self.overflow
    }
    /// True for the ap_fixed defaults (floor, modular), which allow the fast accumulate paths.
    pub const fn is_trn_wrap(&self) -> bool {
        matches!(self.quant, Quant::Trn) && matches!(self.overflow, Overflow::Wrap)
    }

    /// Smallest raw value.
    pub const fn min_raw(&self) -> i64 {
        if self.signed {
            i64::MIN >> (64 - self.width)
        } else {
            0
        }
    }

    /// Largest raw value.
    pub const fn max_raw(&self) -> i64 {
        if self.signed {
            ((1u64 << (self.width - 1)) - 1) as i64
        } else {
            ((1u64 << self.width) - 1) as i64
        }
    }

    /// The raw value of 1.0, if it is representable (it is not when I ≤ 0 or F < 0 would floor it).
    pub fn one_raw(&self) -> i64 {
        self.quantize(1, 0)
    }

    /// The real value of a raw (rounded to the nearest `f64` when |raw| ≥ 2^53).
    pub fn to_f64(&self, raw: i64) -> f64 {
        raw as f64 * pow2(-self.frac_bits())
    }

    /// Assignment of the exact value `v · 2^-frac` to this format: quantise with `Q`, then apply `O`.
    ///
    /// This single function is the whole of ap_fixed's assignment semantics; every other operation here
    /// forms an exact value and calls it.
    pub fn quantize(&self, v: i128, frac: i32) -> i64 {
        let shift = frac - self.frac_bits();
        match shift.cmp(&0) {
            Ordering::Equal => self.fit(v),
            Ordering::Greater => self.fit(round_shr(v, shift as u32, self.quant)),
            Ordering::Less => {
                let up = shift.unsigned_abs();
                match self.overflow {
                    // Modular: the low W bits of v·2^up, which are all zero once up ≥ W.
                    Overflow::Wrap if up >= self.width => 0,
                    Overflow::Wrap => self.fit(v.wrapping_shl(up)),
                    _ => self.fit(shl_exact(v, up).unwrap_or_else(|| huge(v))),
                }
            }
        }
    }

    /// Converts a raw value of format `from` into this format.
    pub fn convert(&self, raw: i64, from: &Format) -> i64 {
        self.quantize(raw as i128, from.frac_bits())
    }

    /// The exact product of two raws, assigned to this format.
    pub fn from_product(&self, a: i64, fa: &Format, b: i64, fb: &Format) -> i64 {
        self.quantize(a as i128 * b as i128, fa.frac_bits() + fb.frac_bits())
    }

    /// The exact sum of two raws, assigned to this format.
    pub fn from_sum(&self, a: i64, fa: &Format, b: i64, fb: &Format) -> i64 {
        let (x, y, frac) = align(a, fa, b, fb);
        self.quantize(x + y, frac)
    }

    /// The exact difference `a − b`, assigned to this format.
    pub fn from_difference(&self, a: i64, fa: &Format, b: i64, fb: &Format) -> i64 {
        let (x, y, frac) = align(a, fa, b, fb);
        self.quantize(x - y, frac)
    }

    /// ap_fixed division `a / b`, assigned to this format; `None` when `b` is zero (a trap in C simulation).
    ///
    /// ap_fixed forms the quotient with `F_a + max(F_b, 0) − F_b` fractional bits by integer division of
    /// `a_raw · 2^max(F_b, 0)` by `b_raw`, truncated toward zero (C semantics, also for negative
    /// quotients); only then is it assigned. For two `fm_t` that is `trunc(a·2^22 / b)` on the 2^-22 grid.
    pub fn from_quotient(&self, a: i64, fa: &Format, b: i64, fb: &Format) -> Option<i64> {
        if b == 0 {
            return None;
        }
        let fb_pos = fb.frac_bits().max(0);
        let num = (a as i128) << fb_pos;
        let q = num / b as i128; // Rust's `/` truncates toward zero, as C does
        Some(self.quantize(q, fa.frac_bits() + fb_pos - fb.frac_bits()))
    }

    /// Conversion from a double exactly as `ap_fixed(double)` does: the exact binary value of `x` is
    /// quantised and overflowed by this format's modes (floor and wrap by default, as the Edge-MoE
    /// test bench relies on). `None` for NaN and infinities, which ap_fixed leaves undefined.
    pub fn from_f64(&self, x: f64) -> Option<i64> {
        if !x.is_finite() {
            return None;
        }
        if x == 0.0 {
            return Some(self.quantize(0, 0));
        }
        let bits = x.to_bits();
        let exp_field = ((bits >> 52) & 0x7ff) as i32;
        let frac_field = (bits & ((1u64 << 52) - 1)) as i128;
        let (mantissa, exp2) = if exp_field == 0 {
            (frac_field, -1074) // subnormal: no implicit one
        } else {
            (frac_field | (1i128 << 52), exp_field - 1075)
        };
        let signed_mantissa = if x < 0.0 { -mantissa } else { mantissa };
        // value = mantissa · 2^exp2 = mantissa · 2^-(−exp2)
        Some(self.quantize(signed_mantissa, -exp2))
    }

    /// Wraps an arbitrary raw into range (the low W bits, sign-extended when signed), as `.range()`
    /// assignment does in ap_fixed. Used for raw bit patterns read from files and test vectors.
    pub fn wrap_raw(&self, raw: i128) -> i64 {
        wrap_bits(raw, self.width, self.signed)
    }

    /// Brings an already-quantised integer into range per the overflow mode.
    fn fit(&self, q: i128) -> i64 {
        let lo = self.min_raw() as i128;
        let hi = self.max_raw() as i128;
        match self.overflow {
            Overflow::Wrap => wrap_bits(q, self.width, self.signed),
            Overflow::Sat => q.clamp(lo, hi) as i64,
            Overflow::SatZero => {
                if (lo..=hi).contains(&q) {
                    q as i64
                } else {
                    0
                }
            }
            Overflow::SatSym => {
                // ap_fixed quirk, kept for bit-exactness: a 1-bit signed type saturates negatives to −1.
                let lo_sym = if self.signed && self.width > 1 {
                    -hi
                } else {
                    lo
                };
                q.clamp(lo_sym, hi) as i64
            }
        }
    }
}

/// 2^e as f64, exact for the exponents used here.
pub(crate) fn pow2(e: i32) -> f64 {
    2f64.powi(e)
}

/// Aligns two raws to their common (finer) LSB; exact because |F| ≤ 64 and raws are 64-bit.
fn align(a: i64, fa: &Format, b: i64, fb: &Format) -> (i128, i128, i32) {
    let frac = fa.frac_bits().max(fb.frac_bits());
    let x = (a as i128) << (frac - fa.frac_bits()) as u32;
    let y = (b as i128) << (frac - fb.frac_bits()) as u32;
    (x, y, frac)
}

/// Low `width` bits of `v`, sign-extended when `signed`.
fn wrap_bits(v: i128, width: u32, signed: bool) -> i64 {
    let unused = 128 - width;
    if signed {
        ((v << unused) >> unused) as i64
    } else {
        (((v as u128) << unused) >> unused) as i64
    }
}

/// `v · 2^s` if it fits in `i128`.
fn shl_exact(v: i128, s: u32) -> Option<i128> {
    if v == 0 {
        return Some(0);
    }
    if s >= 127 {
        return None;
    }
    let shifted = v << s;
    (shifted >> s == v).then_some(shifted)
}

/// A stand-in for a value whose magnitude exceeds `i128`: only its sign matters to saturation.
fn huge(v: i128) -> i128 {
    if v < 0 {
        i128::MIN
    } else {
        i128::MAX
    }
}

/// Divides `v` by 2^s (s > 0) and rounds to an integer by mode `q`.
///
/// Large shifts first fold the low bits into one sticky bit: every mode only needs to know the bits at
/// and above the half position and whether anything below is non-zero, so the result is unchanged.
fn round_shr(v: i128, s: u32, q: Quant) -> i128 {
    const KEEP: u32 = 120;
    let (v, s) = if s > KEEP {
        let drop = s - KEEP;
        let (high, sticky) = if drop >= 127 {
            // |v| < 2^127 ≤ 2^drop: the floor is −1 or 0, and the rest is non-zero unless v is.
            (if v < 0 { -1 } else { 0 }, v != 0)
        } else {
            (v >> drop, v & ((1i128 << drop) - 1) != 0)
        };
        ((high << 1) | sticky as i128, KEEP + 1)
    } else {
        (v, s)
    };
    let floor = v >> s;
    let rem = v - (floor << s); // 0 ≤ rem < 2^s
    let half = 1i128 << (s - 1);
    let up = match q {
        Quant::Trn => false,
        Quant::TrnZero => v < 0 && rem != 0,
        Quant::Rnd => rem >= half,
        Quant::RndZero => rem > half || (rem == half && v < 0),
        Quant::RndMinInf => rem > half,
        Quant::RndInf => rem > half || (rem == half && v >= 0),
        Quant::RndConv => rem > half || (rem == half && floor & 1 == 1),
    };
    floor + up as i128
}

impl fmt::Display for Format {
    /// `ap_fixed<32,10>`, `ap_ufixed<8,0>`, `ap_fixed<16,6,AP_RND,AP_SAT>`: modes only when not default.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.signed { "ap_fixed" } else { "ap_ufixed" };
        write!(f, "{kind}<{},{}", self.width, self.int_bits)?;
        if self.overflow != Overflow::Wrap {
            write!(f, ",{},{}", self.quant, self.overflow)?;
        } else if self.quant != Quant::Trn {
            write!(f, ",{}", self.quant)?;
        }
        f.write_str(">")
    }
}

impl FromStr for Format {
    type Err = FormatError;

    /// Grammar: `ap_fixed<W,I[,Q[,O[,N]]]>` | `ap_ufixed<…>` | `ap_int<W>` | `ap_uint<W>`, blanks allowed
    /// between tokens; N (saturation bits) must be 0, the only value modelled.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| FormatError::Parse {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let s = text.trim();
        let open = s.find('<').ok_or_else(|| err("expected `<`"))?;
        let name = s[..open].trim();
        let body = s[open + 1..]
            .trim_end()
            .strip_suffix('>')
            .ok_or_else(|| err("expected `>` at the end"))?;
        let args: Vec<&str> = body.split(',').map(str::trim).collect();
        let int = |i: usize, what: &str| -> Result<i64, FormatError> {
            args.get(i)
                .ok_or_else(|| err(&format!("missing {what}")))?
                .parse::<i64>()
                .map_err(|_| err(&format!("{what} `{}` is not an integer", args[i])))
        };
        let (signed, integer_type) = match name {
            "ap_fixed" => (true, false),
            "ap_ufixed" => (false, false),
            "ap_int" => (true, true),
            "ap_uint" => (false, true),
            _ => {
                return Err(err(
                    "expected ap_fixed, ap_ufixed, ap_int or ap_uint before `<`",
                ))
            }
        };
        let width = int(0, "width W")?;
        let width = u32::try_from(width).map_err(|_| err("width W must be positive"))?;
        if integer_type {
            if args.len() != 1 {
                return Err(err("ap_int/ap_uint take one argument, the width"));
            }
            return Format::new(width, width as i32, signed, Quant::Trn, Overflow::Wrap);
        }
        let int_bits = int(1, "integer bits I")?;
        let int_bits = i32::try_from(int_bits).map_err(|_| err("I is out of range"))?;
        let quant = match args.get(2) {
            None => Quant::Trn,
            Some(q) => Quant::from_name(q).ok_or_else(|| {
                err(&format!(
                    "`{q}` is not a quantisation mode (AP_TRN, AP_RND, …)"
                ))
            })?,
        };
        let overflow = match args.get(3) {
            None => Overflow::Wrap,
            Some(o) => Overflow::from_name(o).ok_or_else(|| {
                err(&format!(
                    "`{o}` is not an overflow mode (AP_WRAP, AP_SAT, …)"
                ))
            })?,
        };
        match args.get(4) {
            None | Some(&"0") => {}
            Some(_) => return Err(err("saturation bits N other than 0 are not modelled")),
        }
        if args.len() > 5 {
            return Err(err("too many arguments"));
        }
        Format::new(width, int_bits, signed, quant, overflow)
    }
}

impl serde::Serialize for Format {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Format {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
