//! Quantisation and overflow modes of Xilinx `ap_fixed`, as runtime enums and as zero-sized markers.
//!
//! The names and meanings follow UG1399 ("Arbitrary Precision Fixed-Point Data Types"): a value is first
//! quantised to the destination's LSB (the `Quant` mode decides what happens to the bits below it), then
//! brought into the destination's range (the `Overflow` mode decides what happens to the bits above it).

use std::fmt;

/// What happens to the bits below the destination LSB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quant {
    /// `AP_TRN`: floor, toward minus infinity (the ap_fixed default).
    Trn,
    /// `AP_TRN_ZERO`: toward zero.
    TrnZero,
    /// `AP_RND`: to nearest, ties toward plus infinity.
    Rnd,
    /// `AP_RND_ZERO`: to nearest, ties toward zero.
    RndZero,
    /// `AP_RND_MIN_INF`: to nearest, ties toward minus infinity.
    RndMinInf,
    /// `AP_RND_INF`: to nearest, ties away from zero.
    RndInf,
    /// `AP_RND_CONV`: to nearest, ties to even (convergent rounding).
    RndConv,
}

/// What happens to the bits above the destination MSB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Overflow {
    /// `AP_WRAP`: keep the low W bits (two's-complement modular arithmetic; the ap_fixed default).
    Wrap,
    /// `AP_SAT`: clamp to the nearest representable value.
    Sat,
    /// `AP_SAT_ZERO`: any out-of-range value becomes zero.
    SatZero,
    /// `AP_SAT_SYM`: clamp, with the signed minimum raised to `-max` so the range is symmetric.
    SatSym,
}

impl Quant {
    /// Every mode, in UG1399 order.
    pub const ALL: [Quant; 7] = [
        Quant::Rnd,
        Quant::RndZero,
        Quant::RndMinInf,
        Quant::RndInf,
        Quant::RndConv,
        Quant::Trn,
        Quant::TrnZero,
    ];

    /// The ap_fixed spelling, e.g. `AP_RND_CONV`.
    pub const fn name(self) -> &'static str {
        match self {
            Quant::Trn => "AP_TRN",
            Quant::TrnZero => "AP_TRN_ZERO",
            Quant::Rnd => "AP_RND",
            Quant::RndZero => "AP_RND_ZERO",
            Quant::RndMinInf => "AP_RND_MIN_INF",
            Quant::RndInf => "AP_RND_INF",
            Quant::RndConv => "AP_RND_CONV",
        }
    }

    /// Parses the ap_fixed spelling.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.name() == s)
    }
}

impl Overflow {
    /// Every mode, in UG1399 order.
    pub const ALL: [Overflow; 4] = [
        Overflow::Sat,
        Overflow::SatZero,
        Overflow::SatSym,
        Overflow::Wrap,
    ];

    /// The ap_fixed spelling, e.g. `AP_SAT`.
    pub const fn name(self) -> &'static str {
        match self {
            Overflow::Wrap => "AP_WRAP",
            Overflow::Sat => "AP_SAT",
            Overflow::SatZero => "AP_SAT_ZERO",
            Overflow::SatSym => "AP_SAT_SYM",
        }
    }

    /// Parses the ap_fixed spelling.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == s)
    }
}

impl fmt::Display for Quant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A quantisation mode as a type, so `Fixed<W, I, Rnd>` carries its rounding in its type.
pub trait QuantMode: Copy + Default + Send + Sync + 'static {
    /// The runtime twin of this marker.
    const MODE: Quant;
}

/// An overflow mode as a type.
pub trait OverflowMode: Copy + Default + Send + Sync + 'static {
    /// The runtime twin of this marker.
    const MODE: Overflow;
}

/// Signed or unsigned, as a type (`ap_fixed` vs `ap_ufixed`).
pub trait Signedness: Copy + Default + Send + Sync + 'static {
    /// True for two's-complement formats.
    const SIGNED: bool;
}

macro_rules! markers {
    ($trait:ident, $enum:ident, $( $(#[$doc:meta])* $name:ident ),*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name;
        impl $trait for $name {
            const MODE: $enum = $enum::$name;
        }
    )*};
}

markers!(QuantMode, Quant,
    /// Marker for `AP_TRN`.
    Trn,
    /// Marker for `AP_TRN_ZERO`.
    TrnZero,
    /// Marker for `AP_RND`.
    Rnd,
    /// Marker for `AP_RND_ZERO`.
    RndZero,
    /// Marker for `AP_RND_MIN_INF`.
    RndMinInf,
    /// Marker for `AP_RND_INF`.
    RndInf,
    /// Marker for `AP_RND_CONV`.
    RndConv);

markers!(OverflowMode, Overflow,
    /// Marker for `AP_WRAP`.
    Wrap,
    /// Marker for `AP_SAT`.
    Sat,
    /// Marker for `AP_SAT_ZERO`.
    SatZero,
    /// Marker for `AP_SAT_SYM`.
    SatSym);

/// Marker for `ap_fixed` (two's complement).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Signed;
/// Marker for `ap_ufixed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Unsigned;

impl Signedness for Signed {
    const SIGNED: bool = true;
}
impl Signedness for Unsigned {
    const SIGNED: bool = false;
}
