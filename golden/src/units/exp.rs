//! `exp`: Vitis `hls::exp` on `fm_t` (§7.3), bit for bit.
//!
//! ```text
//!   x : fm_t ──► [ split into 5 bit fields ─► 4 table look-ups ─► 3 truncated products ] ──► e^x : fm_t
//! ```
//! For Edge-MoE's `ap_fixed<32,10>` this is a port of the table-driven `exp_reduce::exp` of
//! `hls_exp_apfixed.h` ([`table::exp_fm`]; tables regenerated from their mathematical definitions and
//! checked against the header over every input). The result is never above ⌊e^x·2^22⌋, sometimes one
//! LSB below it, saturates for x ≥ ≈6.2383 and is 0 for x ≤ ≈−15.218.
//!
//! The port matches the compiled header on all 2^32 inputs (0 mismatches); the result is one LSB below
//! ⌊e^x·2^22⌋ for 1.75% of inputs in [−15.3, 6.3] (not the ≈6% the spec states).
//!
//! Other `fm_t` formats: the header picks its datapath from M = max(I − 1, W − I). Every signed format
//! with M in 12..=23 and AP_TRN/AP_WRAP (e.g. `ap_fixed<24,8>`, `<16,4>`, `<32,16>`) shares this one,
//! differing only in the input widening and output saturation, so [`table::exp_ap_fixed`] is bit-exact
//! for them (checked on all 2^24 inputs of `<24,8>`). Outside that family the header uses coarser or
//! finer datapaths that are not ported; there the value is converted to `ap_fixed<32,10>` (AP_TRN,
//! AP_SAT), this algorithm runs, and the result is converted back (AP_TRN, AP_SAT): one exp circuit
//! serves those design points, and the emitted HLS and Verilog implement the same rule.

mod table;

pub use table::{exp_ap_fixed, exp_exact_floor, exp_fm, tables, Tables};

use std::sync::OnceLock;

use crate::fixed::{Format, Overflow, Quant};

/// Edge-MoE's `fm_t`, the format the table algorithm is defined on.
fn fm32() -> &'static Format {
    static F: OnceLock<Format> = OnceLock::new();
    F.get_or_init(|| Format::signed(32, 10).expect("ap_fixed<32,10> is valid"))
}

/// True when the Xilinx header computes `exp` for `fm` with the `ap_fixed<32,10>` datapath.
pub fn shares_the_native_datapath(fm: &Format) -> bool {
    let (w, i) = (fm.width() as i32, fm.int_bits());
    fm.is_signed()
        && fm.is_trn_wrap()
        && i >= 1
        && w <= 64
        && (12..=23).contains(&(i - 1).max(w - i))
}

/// `hls::exp(x)` for `x` in format `fm`, as a raw of `fm`.
#[inline]
pub fn exp(x: i64, fm: &Format) -> i64 {
    let native = fm32();
    if fm == native {
        return exp_fm(x as i32) as i64;
    }
    if shares_the_native_datapath(fm) {
        return table::exp_ap_fixed(x, fm.width(), fm.int_bits() as u32);
    }
    let sat = |f: &Format| f.with_modes(Quant::Trn, Overflow::Sat);
    let x32 = sat(native).convert(x, fm);
    let y32 = exp_fm(x32 as i32) as i64;
    sat(fm).convert(y32, native)
}
