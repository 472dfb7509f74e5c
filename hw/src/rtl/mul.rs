//! `MulU32`: an unsigned 32×32 → 64-bit multiplier, pipelined in two stages (partial products, sum).
//!
//! ```text
//!        ┌────────── MulU32 ──────────┐
//!  a ───►│ 4 × (16×16) ──► Σ (64 bits)│──► p = a·b, 2 clock edges (with en) after a, b
//!  b ───►│                            │
//!  en ──►│ (hold when low)            │
//!        └────────────────────────────┘
//! ```
//! rust-hdl 0.46 multiplies only `Bits<16>` by `Bits<16>` (the orphan rule keeps us from adding wider
//! impls), so the product is split into four 16×16 partial products, one DSP48E2 each in Yosys.

use rust_hdl::prelude::*;

/// Clock edges from `a`, `b` to `p`.
pub const MUL_LATENCY: u32 = 2;

/// The multiplier; every register holds while `en` is low, so it stalls with the pipeline around it.
#[derive(LogicBlock, Default)]
pub struct MulU32 {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Advance the pipeline this edge.
    pub en: Signal<In, Bit>,
    /// Multiplicand.
    pub a: Signal<In, Bits<32>>,
    /// Multiplier.
    pub b: Signal<In, Bits<32>>,
    /// The full product.
    pub p: Signal<Out, Bits<64>>,
    lo_lo: DFF<Bits<32>>,
    lo_hi: DFF<Bits<32>>,
    hi_lo: DFF<Bits<32>>,
    hi_hi: DFF<Bits<32>>,
    sum: DFF<Bits<64>>,
}

impl Logic for MulU32 {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, lo_lo, lo_hi, hi_lo, hi_hi, sum);
        if self.en.val() {
            self.lo_lo.d.next = self.a.val().get_bits::<16>(0) * self.b.val().get_bits::<16>(0);
            self.lo_hi.d.next = self.a.val().get_bits::<16>(0) * self.b.val().get_bits::<16>(16);
            self.hi_lo.d.next = self.a.val().get_bits::<16>(16) * self.b.val().get_bits::<16>(0);
            self.hi_hi.d.next = self.a.val().get_bits::<16>(16) * self.b.val().get_bits::<16>(16);
            // Widen registers, never expressions: rust-hdl's simulation computes `a + b` at the operands'
            // width and drops the carry that Verilog's context-sized `bit_cast(a + b)` keeps.
            self.sum.d.next = bit_cast::<64, 32>(self.lo_lo.q.val())
                + (bit_cast::<64, 32>(self.lo_hi.q.val()) << 16)
                + (bit_cast::<64, 32>(self.hi_lo.q.val()) << 16)
                + (bit_cast::<64, 32>(self.hi_hi.q.val()) << 32);
        }
        self.p.next = self.sum.q.val();
    }
}
