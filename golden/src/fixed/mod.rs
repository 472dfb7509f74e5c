//! Bit-exact `ap_fixed` arithmetic: a runtime [`Format`] and the const-generic [`Fixed`] that wraps it.
//!
//! Semantics (UG1399, and the hls4ml copy of the open `ap_fixed` headers, against which the property
//! tests were cross-checked): operands combine exactly at full width; assignment to a destination
//! quantises the bits below its LSB ([`Quant`]) and then handles the bits above its MSB ([`Overflow`]).

mod format;
mod mode;
mod typed;

pub use format::{Format, FormatError, MAX_FRAC, MAX_WIDTH};
pub use mode::{
    Overflow, OverflowMode, Quant, QuantMode, Rnd, RndConv, RndInf, RndMinInf, RndZero, Sat,
    SatSym, SatZero, Signed, Signedness, Trn, TrnZero, Unsigned, Wrap,
};
pub use typed::{Fixed, FixedType, UFixed};

/// Edge-MoE's `fm_t`: every activation, accumulator and softmax statistic.
pub type Fm = Fixed<32, 10>;
