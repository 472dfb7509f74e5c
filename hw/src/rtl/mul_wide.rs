//! `MulU64`: an unsigned 64×64 → 128-bit multiplier, pipelined in three stages (partial products, row
//! sums, total), for operands wider than [`MulU32`](super::mul::MulU32) takes.
//!
//! ```text
//!        ┌─────────────────────────── MulU64<LA, LB> ───────────────────────────┐
//!  a ───►│ LA·LB × (16×16)  ──►  4 rows: Σⱼ aᵢ·bⱼ·2^16j  ──►  Σᵢ rowᵢ·2^16i      │──► p = a·b, 3 clock
//!  b ───►│ (stage 1)            (stage 2, 80 bits each)      (stage 3, 128 bits) │    edges (with en)
//!  en ──►│ (every register holds when low)                                      │    after a, b
//!        └──────────────────────────────────────────────────────────────────────┘
//! ```
//! rust-hdl 0.46 multiplies only `Bits<16>` by `Bits<16>`, so `a` and `b` are cut into 16-bit limbs
//! and every live limb product is formed: the product is the full 128 bits, nothing is dropped.
//! Callers with narrower operands zero-extend them and say how many limbs are live (`MulU64<LA, LB>`):
//! rust-hdl has no const-generic width arithmetic (`Bits<{16 * L}>`), so the ports stay 64 bits wide and
//! only the `LA·LB` live partial products get a multiplier.
//!
//! The two summing stages keep each cycle to one four-operand addition (80 bits, then 128 bits) rather
//! than one sixteen-operand addition.

use rust_hdl::prelude::*;

/// Clock edges from `a`, `b` to `p`.
pub const MUL_U64_LATENCY: u32 = 3;

/// The multiplier for operands of `LA` and `LB` 16-bit limbs (`a < 2^16LA`, `b < 2^16LB`); every
/// register holds while `en` is low, so it stalls with the pipeline around it.
///
/// Only the `LA · LB` partial products that can be non-zero are built (the others are registers held
/// at their initial 0, which any synthesis removes), so the DSP count does not depend on the synthesis
/// tool finding constant-zero limbs across the hierarchy (Yosys 0.23's `synth_xilinx` does not before
/// it maps multipliers to DSPs, even with `-flatten`).
#[derive(LogicBlock, Default)]
pub struct MulU64<const LA: usize, const LB: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Advance the pipeline this edge.
    pub en: Signal<In, Bit>,
    /// Multiplicand.
    pub a: Signal<In, Bits<64>>,
    /// Multiplier.
    pub b: Signal<In, Bits<64>>,
    /// The full product.
    pub p: Signal<Out, Bits<128>>,
    /// Reads the limbs above `LA`, `LB` (zero by contract) so that Verilator's -Wall does not report
    /// them unused: it exempts signals named `*unused*`. Synthesis removes it.
    unused_limbs: Signal<Local, Bit>,
    /// `pp[4i + j] = a limb i · b limb j`.
    pp: [DFF<Bits<32>>; 16],
    /// `row[i] = Σⱼ pp[4i + j] · 2^16j`, below 2^80.
    row: [DFF<Bits<80>>; 4],
    sum: DFF<Bits<128>>,
}

impl<const LA: usize, const LB: usize> Logic for MulU64<LA, LB> {
    #[hdl_gen]
    fn update(&mut self) {
        for k in 0..16 {
            self.pp[k].clock.next = self.clock.val();
            self.pp[k].d.next = self.pp[k].q.val();
        }
        for i in 0..4 {
            self.row[i].clock.next = self.clock.val();
            self.row[i].d.next = self.row[i].q.val();
        }
        dff_setup!(self, clock, sum);
        if self.en.val() {
            for i in 0..LA {
                for j in 0..LB {
                    self.pp[i * 4 + j].d.next =
                        self.a.val().get_bits::<16>(i * 16) * self.b.val().get_bits::<16>(j * 16);
                }
            }
            // Widen registers, never expressions: rust-hdl's simulation computes `a + b` at the operands'
            // width and drops the carry that Verilog's context-sized `bit_cast(a + b)` keeps. (bit_cast
            // of a loop-indexed signal does not compile in #[hdl_gen], hence the rows written out.)
            self.row[0].d.next = bit_cast::<80, 32>(self.pp[0].q.val())
                + (bit_cast::<80, 32>(self.pp[1].q.val()) << 16)
                + (bit_cast::<80, 32>(self.pp[2].q.val()) << 32)
                + (bit_cast::<80, 32>(self.pp[3].q.val()) << 48);
            self.row[1].d.next = bit_cast::<80, 32>(self.pp[4].q.val())
                + (bit_cast::<80, 32>(self.pp[5].q.val()) << 16)
                + (bit_cast::<80, 32>(self.pp[6].q.val()) << 32)
                + (bit_cast::<80, 32>(self.pp[7].q.val()) << 48);
            self.row[2].d.next = bit_cast::<80, 32>(self.pp[8].q.val())
                + (bit_cast::<80, 32>(self.pp[9].q.val()) << 16)
                + (bit_cast::<80, 32>(self.pp[10].q.val()) << 32)
                + (bit_cast::<80, 32>(self.pp[11].q.val()) << 48);
            self.row[3].d.next = bit_cast::<80, 32>(self.pp[12].q.val())
                + (bit_cast::<80, 32>(self.pp[13].q.val()) << 16)
                + (bit_cast::<80, 32>(self.pp[14].q.val()) << 32)
                + (bit_cast::<80, 32>(self.pp[15].q.val()) << 48);
            self.sum.d.next = bit_cast::<128, 80>(self.row[0].q.val())
                + (bit_cast::<128, 80>(self.row[1].q.val()) << 16)
                + (bit_cast::<128, 80>(self.row[2].q.val()) << 32)
                + (bit_cast::<128, 80>(self.row[3].q.val()) << 48);
        }
        self.p.next = self.sum.q.val();
        self.unused_limbs.next = self.a.val().any() || self.b.val().any();
    }
}

#[cfg(test)]
mod tests {
    use golden::rng::SplitMix64;

    use super::*;

    /// Streams operand pairs (zero, all ones, powers of two, random ones of every width the limbs
    /// allow) through `MulU64<LA, LB>` with `en` high and a stall mid-stream: every product is the
    /// full `a·b`, MUL_U64_LATENCY edges later, and the stall moves nothing.
    fn check<const LA: usize, const LB: usize>() {
        let mut uut = MulU64::<LA, LB>::default();
        uut.connect_all();
        let keep = |v: u64, bits: usize| if bits >= 64 { v } else { v & ((1 << bits) - 1) };
        let (wa, wb) = (16 * LA, 16 * LB);
        let mut rng = SplitMix64::new(5);
        let mut ops: Vec<(u64, u64)> = vec![
            (0, 0),
            (keep(u64::MAX, wa), keep(u64::MAX, wb)),
            (1, keep(u64::MAX, wb)),
            (1 << (wa - 1), 3),
        ];
        for k in 0..300 {
            let (a, b) = (rng.next_u64(), rng.next_u64());
            ops.push((keep(a, wa - k % 16), keep(b, wb - (k / 16) % 16)));
        }
        let edge = |uut: &mut MulU64<LA, LB>, a: u64, b: u64, en: bool| {
            uut.a.next = a.into();
            uut.b.next = b.into();
            uut.en.next = en;
            uut.clock.next = Clock { clk: false };
            assert!(simulate(uut, 100), "settles");
            uut.clock.next = Clock { clk: true };
            assert!(simulate(uut, 100), "settles");
            uut.p.val().to_u128()
        };
        let lat = MUL_U64_LATENCY as usize;
        let mut seen = Vec::new();
        for k in 0..ops.len() + lat {
            let (a, b) = ops.get(k).copied().unwrap_or((0, 0));
            let p = edge(&mut uut, a, b, true);
            if k + 1 >= lat && k + 1 - lat < ops.len() {
                seen.push(p);
            }
            if k == 100 {
                for _ in 0..5 {
                    assert_eq!(edge(&mut uut, 7, 7, false), p);
                }
            }
        }
        for ((a, b), p) in ops.iter().zip(&seen) {
            assert_eq!(*p, u128::from(*a) * u128::from(*b), "{a:#x} · {b:#x}");
        }
    }

    #[test]
    fn products_are_full_and_exact_with_stalls() {
        check::<4, 4>();
        check::<4, 3>();
        check::<3, 3>();
        check::<1, 2>();
    }
}
