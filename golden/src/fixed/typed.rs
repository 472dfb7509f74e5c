//! `Fixed<W, I, Q, O, S>`: an ap_fixed value whose format is part of its type.
//!
//! Stable Rust cannot compute `W1 + W2` in a type, so — as an ap_fixed assignment does — every widening
//! operation takes its destination type from the caller: `let p: Fm = a.mul_as(b);` forms the exact product
//! and quantises it into `Fm`. All rules live in [`Format`]; this type only fixes the format at compile
//! time, so a kernel written with it and one written with a runtime [`Format`] give the same bits.

use std::fmt;
use std::marker::PhantomData;

use super::format::Format;
use super::mode::{OverflowMode, QuantMode, Signed, Signedness, Trn, Unsigned, Wrap};

/// A value of a fixed-point type known at compile time.
pub trait FixedType: Copy + fmt::Debug {
    /// The runtime descriptor of this type.
    const FORMAT: Format;
    /// The value with these raw bits; bits beyond W are wrapped away (as `.range()` assignment does).
    fn from_bits(raw: i64) -> Self;
    /// The raw two's-complement (or unsigned) bits, sign-extended into `i64`.
    fn to_bits(self) -> i64;
}

/// `ap_fixed<W, I, Q, O>` (or `ap_ufixed` with `S = Unsigned`).
pub struct Fixed<const W: u32, const I: i32, Q = Trn, O = Wrap, S = Signed> {
    raw: i64,
    _modes: PhantomData<(Q, O, S)>,
}

/// `ap_ufixed<W, I, Q, O>`.
pub type UFixed<const W: u32, const I: i32, Q = Trn, O = Wrap> = Fixed<W, I, Q, O, Unsigned>;

impl<const W: u32, const I: i32, Q: QuantMode, O: OverflowMode, S: Signedness> FixedType
    for Fixed<W, I, Q, O, S>
{
    /// Fails to compile (in const evaluation) for a width or fraction this crate cannot represent.
    const FORMAT: Format = Format::new_const(W, I, S::SIGNED, Q::MODE, O::MODE);

    fn from_bits(raw: i64) -> Self {
        Self::new_unchecked(Self::FORMAT.wrap_raw(raw as i128))
    }

    fn to_bits(self) -> i64 {
        self.raw
    }
}

impl<const W: u32, const I: i32, Q: QuantMode, O: OverflowMode, S: Signedness>
    Fixed<W, I, Q, O, S>
{
    const fn new_unchecked(raw: i64) -> Self {
        Fixed {
            raw,
            _modes: PhantomData,
        }
    }

    /// The value with these raw bits, wrapped to W bits.
    pub fn from_bits(raw: i64) -> Self {
        <Self as FixedType>::from_bits(raw)
    }

    /// The raw bits.
    pub fn to_bits(self) -> i64 {
        self.raw
    }

    /// This type's runtime descriptor.
    pub const fn format() -> Format {
        <Self as FixedType>::FORMAT
    }

    /// `ap_fixed(double)`: the exact binary value of `x` quantised and overflowed by this type's modes;
    /// `None` for NaN and infinities.
    pub fn from_f64(x: f64) -> Option<Self> {
        Self::format().from_f64(x).map(Self::new_unchecked)
    }

    /// The real value (exact when |raw| < 2^53).
    pub fn to_f64(self) -> f64 {
        Self::format().to_f64(self.raw)
    }

    /// Assignment to another fixed type: quantise and overflow by the destination's modes.
    pub fn convert<R: FixedType>(self) -> R {
        R::from_bits(R::FORMAT.convert(self.raw, &Self::format()))
    }

    /// The exact product, assigned to `R`.
    pub fn mul_as<R: FixedType, B: FixedType>(self, rhs: B) -> R {
        R::from_bits(R::FORMAT.from_product(self.raw, &Self::format(), rhs.to_bits(), &B::FORMAT))
    }

    /// The exact sum, assigned to `R`.
    pub fn add_as<R: FixedType, B: FixedType>(self, rhs: B) -> R {
        R::from_bits(R::FORMAT.from_sum(self.raw, &Self::format(), rhs.to_bits(), &B::FORMAT))
    }

    /// The exact difference, assigned to `R`.
    pub fn sub_as<R: FixedType, B: FixedType>(self, rhs: B) -> R {
        R::from_bits(R::FORMAT.from_difference(
            self.raw,
            &Self::format(),
            rhs.to_bits(),
            &B::FORMAT,
        ))
    }

    /// ap_fixed division (quotient truncated toward zero, then assigned to `R`); `None` on a zero divisor.
    pub fn checked_div<R: FixedType, B: FixedType>(self, rhs: B) -> Option<R> {
        R::FORMAT
            .from_quotient(self.raw, &Self::format(), rhs.to_bits(), &B::FORMAT)
            .map(R::from_bits)
    }

    /// `self + rhs` in this same type (the `acc += x` pattern): modular with AP_WRAP, clamped with AP_SAT.
    pub fn add_assign_same(&mut self, rhs: Self) {
        *self = self.add_as(rhs);
    }
}

impl<const W: u32, const I: i32, Q, O, S> Clone for Fixed<W, I, Q, O, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<const W: u32, const I: i32, Q, O, S> Copy for Fixed<W, I, Q, O, S> {}

impl<const W: u32, const I: i32, Q, O, S> PartialEq for Fixed<W, I, Q, O, S> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}
impl<const W: u32, const I: i32, Q, O, S> Eq for Fixed<W, I, Q, O, S> {}

impl<const W: u32, const I: i32, Q, O, S> PartialOrd for Fixed<W, I, Q, O, S> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<const W: u32, const I: i32, Q, O, S> Ord for Fixed<W, I, Q, O, S> {
    /// Raw order is value order within one format.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.raw.cmp(&other.raw)
    }
}

impl<const W: u32, const I: i32, Q: QuantMode, O: OverflowMode, S: Signedness> fmt::Debug
    for Fixed<W, I, Q, O, S>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}({} = raw {})",
            Self::format(),
            self.to_f64(),
            self.raw
        )
    }
}

impl<const W: u32, const I: i32, Q: QuantMode, O: OverflowMode, S: Signedness> fmt::Display
    for Fixed<W, I, Q, O, S>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_f64())
    }
}
