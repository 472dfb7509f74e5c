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
//! Other `fm_t` formats (chosen in a config): the value is converted exactly-or-saturated to
//! `ap_fixed<32,10>` (AP_TRN, AP_SAT), the same algorithm runs, and the result is converted back with
//! AP_TRN, AP_SAT. Why: one exp circuit and one set of tables serve every design point, the emitted HLS
//! and Verilog implement exactly this, and for any fm_t with ≤ 10 integer and ≤ 22 fractional bits (e.g.
//! `ap_fixed<24,8>`) the input conversion is exact, so only the output rounding differs from a
//! format-specific Xilinx `exp`.

mod table;

pub use table::{exp_exact_floor, exp_fm, tables, Tables};

use std::sync::OnceLock;

use crate::fixed::{Format, Overflow, Quant};

/// Edge-MoE's `fm_t`, the format the table algorithm is defined on.
fn fm32() -> &'static Format {
    static F: OnceLock<Format> = OnceLock::new();
    F.get_or_init(|| Format::signed(32, 10).expect("ap_fixed<32,10> is valid"))
}

/// `hls::exp(x)` for `x` in format `fm`, as a raw of `fm`.
#[inline]
pub fn exp(x: i64, fm: &Format) -> i64 {
    let native = fm32();
    if fm == native {
        return exp_fm(x as i32) as i64;
    }
    let sat = |f: &Format| f.with_modes(Quant::Trn, Overflow::Sat);
    let x32 = sat(native).convert(x, fm);
    let y32 = exp_fm(x32 as i32) as i64;
    sat(fm).convert(y32, native)
}
