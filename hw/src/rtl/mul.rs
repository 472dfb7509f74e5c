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
//!
//! `MulFm` is the signed fm_t × fm_t product floored at F, from the same four pieces (used by
//! `qk_scores`, `softmax` and `layernorm`).

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

/// Clock edges of a [`MulFm`].
pub const MUL_FM_LATENCY: u32 = 2;

/// fm_t × fm_t floored at F: the bits F .. F + 31 of the exact signed 64-bit product of two fm_t raws
/// sign-extended in 32-bit containers, in two stages (partial products and correction, then the sum).
///
/// rust-hdl has no multiply wider than 16×16, so the product is four unsigned 16×16 partial products
/// plus the two's-complement correction: with `a = a_u − 2^32·a₃₁` (and b likewise),
/// `a·b ≡ a_u·b_u − 2^32·(a₃₁·b_u + b₃₁·a_u) (mod 2^64)`.
#[derive(LogicBlock)]
pub struct MulFm {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Advance the pipeline this edge.
    pub en: Signal<In, Bit>,
    /// Multiplicand, sign-extended.
    pub a: Signal<In, Bits<32>>,
    /// Multiplier, sign-extended.
    pub b: Signal<In, Bits<32>>,
    /// ⌊a·b / 2^F⌋ modulo 2^32, [`MUL_FM_LATENCY`] edges (with `en`) after `a`, `b`.
    pub p: Signal<Out, Bits<32>>,
    frac: Constant<Bits<8>>,
    lo_lo: DFF<Bits<32>>,
    lo_hi: DFF<Bits<32>>,
    hi_lo: DFF<Bits<32>>,
    hi_hi: DFF<Bits<32>>,
    corr: DFF<Bits<32>>,
    out: DFF<Bits<32>>,
    corr_a: Signal<Local, Bits<32>>,
    corr_b: Signal<Local, Bits<32>>,
    mid: Signal<Local, Bits<64>>,
    high: Signal<Local, Bits<32>>,
    full: Signal<Local, Bits<64>>,
}

impl MulFm {
    /// The multiplier for F fractional bits (0 ≤ F ≤ 32).
    pub fn new(frac: u32) -> MulFm {
        MulFm {
            clock: Default::default(),
            en: Default::default(),
            a: Default::default(),
            b: Default::default(),
            p: Default::default(),
            frac: Constant::new(u64::from(frac).into()),
            lo_lo: Default::default(),
            lo_hi: Default::default(),
            hi_lo: Default::default(),
            hi_hi: Default::default(),
            corr: Default::default(),
            out: Default::default(),
            corr_a: Default::default(),
            corr_b: Default::default(),
            mid: Default::default(),
            high: Default::default(),
            full: Default::default(),
        }
    }
}

impl Logic for MulFm {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, lo_lo, lo_hi, hi_lo, hi_hi, corr, out);
        self.corr_a.next = 0.into();
        if self.a.val().get_bit(31) {
            self.corr_a.next = self.b.val();
        }
        self.corr_b.next = 0.into();
        if self.b.val().get_bit(31) {
            self.corr_b.next = self.a.val();
        }
        // Widen registers, never expressions (rust-hdl's simulation drops carries Verilog keeps).
        self.mid.next =
            bit_cast::<64, 32>(self.lo_hi.q.val()) + bit_cast::<64, 32>(self.hi_lo.q.val());
        self.high.next = self.hi_hi.q.val() - self.corr.q.val();
        self.full.next = bit_cast::<64, 32>(self.lo_lo.q.val())
            + (self.mid.val() << 16)
            + (bit_cast::<64, 32>(self.high.val()) << 32);
        if self.en.val() {
            self.lo_lo.d.next = self.a.val().get_bits::<16>(0) * self.b.val().get_bits::<16>(0);
            self.lo_hi.d.next = self.a.val().get_bits::<16>(0) * self.b.val().get_bits::<16>(16);
            self.hi_lo.d.next = self.a.val().get_bits::<16>(16) * self.b.val().get_bits::<16>(0);
            self.hi_hi.d.next = self.a.val().get_bits::<16>(16) * self.b.val().get_bits::<16>(16);
            self.corr.d.next = self.corr_a.val() + self.corr_b.val();
            self.out.d.next = bit_cast::<32, 64>(self.full.val() >> self.frac.val());
        }
        self.p.next = self.out.q.val();
    }
}
