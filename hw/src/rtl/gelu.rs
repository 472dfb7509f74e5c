//! `gelu` in RTL: golden's GELU ([`golden::units::gelu`]), ReLU minus a correction interpolated from a
//! 177-entry table, as a 6-stage valid/ready pipeline that is bit-exact with `Gelu::apply`.
//!
//! ```text
//!            ┌───────────────────────────────── Gelu ──────────────────────────────────┐
//!  x ───────►│ 1 decode      2 ROM          3, 4 MulU32   5 interpolate  6 subtract   │──► y
//!  x_valid ─►│ relu, a=|x|   T[i], |ΔT|,    t·|ΔT|        δ = ⌊T[i]·2^F  wrap_W(      │──► y_valid
//!  x_ready ◄─│ i = ⌊32a⌋     sign ΔT                      ± t·|ΔT|⌋/2^F   relu − δ)   │◄── y_ready
//!  reset ───►│ t = frac(32a)                                                         │
//!            └─────────────────────────────────────────────────────────────────────────┘
//! ```
//! `x` and `y` are fm_t raws in the 32-bit container; only the low W bits of `x` are read and `y` comes
//! out sign-extended. Sources: golden's model (Edge-MoE `gelu.cpp`, §6); the table is golden's
//! [`lut`] for the format's F, so HLS, golden and this ROM derive from the same 177 numbers.
//!
//! Why the datapath looks the way it does:
//! - Past the 5.5 cutoff golden returns relu; here such inputs are steered to knot 0 with t = 0, whose
//!   correction is `T[0] = round(2^F·δ(0)) = 0`, so the output stage needs no bypass mux.
//! - The fm_t minimum: golden wraps |min| back to min, which fails its cutoff test, and meets `T[0]`
//!   through its 8-bit index; here |min| = 2^(W−1) stays unwrapped and is simply past the cutoff (I ≥ 4).
//!   Both give relu − 0 = 0, and this needs no wrap after the negation.
//! - The ROM holds `T[i]`, `|T[i+1] − T[i]|` and the sign of that step rather than `T[i+1]`: the product
//!   is then unsigned, and rust-hdl has no signed product wider than 16×16 (nor signed shifts).
//! - golden's sum `T[i]·2^F + t·(T[i+1] − T[i])` lies between `T[i]·2^F` and `T[i+1]·2^F`, so it is
//!   never negative and a logical shift by F is golden's floor.

use golden::fixed::Format;
use golden::units::gelu::{lut, STEP_BITS};
use rust_hdl::prelude::*;

use super::axis::scalar_axis;
use super::mul::{MulU32, MUL_LATENCY};
use super::{verilog_named, RtlError, CONTAINER_BITS};

/// Clock edges from the edge that accepts `x` to the edge after which `y_valid` presents its result:
/// decode, ROM, the multiplier, interpolate, subtract. It equals hw's default `arch.depth.gelu`, so the
/// simulator's model of the unit counts the same cycles.
pub const LATENCY: u32 = 2 + MUL_LATENCY + 2;

/// The root module's name in the emitted Verilog.
pub const MODULE: &str = "gelu";

/// The unit for one fm_t format.
///
/// Flow control: every stage advances together when the output register is empty or being read
/// (`x_ready = (!y_valid || y_ready) && !reset`). That is the smallest scheme with II = 1; the price is a
/// combinational path from `y_ready` to `x_ready` and bubbles that are not squeezed out while `y` is
/// stalled. rust-hdl's widgets have no skid buffer to cut that path.
#[derive(LogicBlock)]
pub struct Gelu {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the pipeline.
    pub reset: Signal<In, Bit>,
    /// fm_t raw (low W bits read).
    pub x: Signal<In, Bits<32>>,
    /// `x` holds a value.
    pub x_valid: Signal<In, Bit>,
    /// The unit takes `x` this edge if `x_valid`.
    pub x_ready: Signal<Out, Bit>,
    /// GELU(x), fm_t raw sign-extended to 32 bits.
    pub y: Signal<Out, Bits<32>>,
    /// `y` holds a result.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes `y` this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    sign_w: Constant<Bits<32>>,
    mask_w: Constant<Bits<32>>,
    cutoff: Constant<Bits<32>>,
    index_shift: Constant<Bits<32>>,
    frac: Constant<Bits<32>>,
    frac_mask: Constant<Bits<32>>,
    lo_rom: ROM<Bits<32>, 8>,
    step_rom: ROM<Bits<32>, 8>,
    falls_rom: ROM<Bit, 8>,
    mul: MulU32,
    valid: [DFF<Bit>; 6],
    relu: [DFF<Bits<32>>; 5],
    index: DFF<Bits<8>>,
    t: [DFF<Bits<32>>; 2],
    step: DFF<Bits<32>>,
    lo: [DFF<Bits<32>>; 3],
    falls: [DFF<Bit>; 3],
    delta: DFF<Bits<32>>,
    out: DFF<Bits<32>>,
    advance: Signal<Local, Bit>,
    wrapped: Signal<Local, Bits<32>>,
    abs: Signal<Local, Bits<32>>,
    key: Signal<Local, Bits<32>>,
    sum: Signal<Local, Bits<64>>,
}

scalar_axis!(
    /// [`Gelu`] behind AXI-Stream ports, padded to the configured depth.
    GeluAxis,
    Gelu,
    32
);

impl Gelu {
    /// The unit for `fm`, its ROM filled from golden's table; formats the datapath cannot hold are
    /// refused.
    pub fn new(fm: Format) -> Result<Gelu, RtlError> {
        check_format(fm)?;
        let w = fm.width();
        let f = fm.frac_bits() as u32;
        let word = |v: i64| {
            u32::try_from(v)
                .map(|v| Bits::<32>::from(u64::from(v)))
                .map_err(|_| RtlError::Bug {
                    unit: MODULE,
                    detail: format!("table value {v} does not fit the container"),
                })
        };
        // One ROM row per interval [i/32, (i+1)/32): 176 rows from the 177 knots.
        let knots = lut(f);
        let rows = knots.windows(2);
        let lo = rows
            .clone()
            .map(|k| word(k[0]))
            .collect::<Result<Vec<_>, _>>()?;
        let step = rows
            .clone()
            .map(|k| word((k[1] - k[0]).abs()))
            .collect::<Result<Vec<_>, _>>()?;
        let falls = rows.map(|k| k[1] < k[0]);
        let mut gelu = Gelu {
            clock: Default::default(),
            reset: Default::default(),
            x: Default::default(),
            x_valid: Default::default(),
            x_ready: Default::default(),
            y: Default::default(),
            y_valid: Default::default(),
            y_ready: Default::default(),
            sign_w: Constant::new((1u64 << (w - 1)).into()),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            cutoff: Constant::new((11u64 << (f - 1)).into()),
            index_shift: Constant::new(u64::from(f - STEP_BITS).into()),
            frac: Constant::new(u64::from(f).into()),
            frac_mask: Constant::new(((1u64 << f) - 1).into()),
            lo_rom: ROM::from(lo.into_iter()),
            step_rom: ROM::from(step.into_iter()),
            falls_rom: ROM::from(falls),
            mul: Default::default(),
            valid: Default::default(),
            relu: Default::default(),
            index: Default::default(),
            t: Default::default(),
            step: Default::default(),
            lo: Default::default(),
            falls: Default::default(),
            delta: Default::default(),
            out: Default::default(),
            advance: Default::default(),
            wrapped: Default::default(),
            abs: Default::default(),
            key: Default::default(),
            sum: Default::default(),
        };
        gelu.connect_all();
        Ok(gelu)
    }
}

/// golden's contract for fm_t (F ≥ 5 for the 1/32 table step, I ≥ 4 so 5.5 is representable) plus
/// the container; within it every table value, the fraction t and golden's sum fit the datapath.
fn check_format(fm: Format) -> Result<(), RtlError> {
    let reason = if !fm.is_signed() {
        "fm_t must be signed".to_string()
    } else if fm.width() > CONTAINER_BITS {
        format!(
            "W = {} exceeds the {CONTAINER_BITS}-bit container",
            fm.width()
        )
    } else if fm.frac_bits() < STEP_BITS as i32 {
        format!(
            "F = {} is below the table step's {STEP_BITS} bits",
            fm.frac_bits()
        )
    } else if fm.int_bits() < 4 {
        format!("I = {} cannot hold the 5.5 cutoff", fm.int_bits())
    } else {
        return Ok(());
    };
    Err(RtlError::Unsupported {
        unit: MODULE,
        key: "numerics.fm",
        reason: format!("fm_t = {fm}: {reason}"),
    })
}

/// The unit's Verilog for `fm`, root module [`MODULE`].
pub fn verilog(fm: Format) -> Result<String, RtlError> {
    verilog_named(&Gelu::new(fm)?, MODULE, MODULE)
}

impl Logic for Gelu {
    #[hdl_gen]
    fn update(&mut self) {
        // Every register holds unless the pipeline advances.
        for i in 0..6 {
            self.valid[i].clock.next = self.clock.val();
            self.valid[i].d.next = self.valid[i].q.val();
        }
        for i in 0..5 {
            self.relu[i].clock.next = self.clock.val();
            self.relu[i].d.next = self.relu[i].q.val();
        }
        for i in 0..3 {
            self.lo[i].clock.next = self.clock.val();
            self.lo[i].d.next = self.lo[i].q.val();
            self.falls[i].clock.next = self.clock.val();
            self.falls[i].d.next = self.falls[i].q.val();
        }
        for i in 0..2 {
            self.t[i].clock.next = self.clock.val();
            self.t[i].d.next = self.t[i].q.val();
        }
        dff_setup!(self, clock, index, step, delta, out);
        self.advance.next = !self.valid[5].q.val() || self.y_ready.val();
        self.x_ready.next = self.advance.val() && !self.reset.val();

        // Stage 1: wrap x to W bits (sign-extend bit W−1), then relu and a = |x|.
        self.wrapped.next =
            ((self.x.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        self.abs.next = self.wrapped.val();
        if self.wrapped.val().get_bit(31) {
            self.abs.next = !self.wrapped.val() + 1;
        }
        self.key.next = self.abs.val();
        if self.abs.val() >= self.cutoff.val() {
            self.key.next = 0.into();
        }
        // Stage 2: the table (asynchronous ROMs, registered here).
        self.lo_rom.address.next = self.index.q.val();
        self.step_rom.address.next = self.index.q.val();
        self.falls_rom.address.next = self.index.q.val();
        // Stages 3 and 4: t·|ΔT|.
        self.mul.clock.next = self.clock.val();
        self.mul.en.next = self.advance.val();
        self.mul.a.next = self.t[1].q.val();
        self.mul.b.next = self.step.q.val();
        // Stage 5: golden's δ = ⌊T[i] + t·ΔT⌋ at F bits, kept modulo 1 as its ap_ufixed<F,0> is.
        self.sum.next =
            (bit_cast::<64, 32>(self.lo[2].q.val()) << self.frac.val()) + self.mul.p.val();
        if self.falls[2].q.val() {
            self.sum.next =
                (bit_cast::<64, 32>(self.lo[2].q.val()) << self.frac.val()) - self.mul.p.val();
        }

        if self.advance.val() {
            self.valid[0].d.next = self.x_valid.val();
            for i in 1..6 {
                self.valid[i].d.next = self.valid[i - 1].q.val();
            }
            self.relu[0].d.next = self.wrapped.val();
            if self.wrapped.val().get_bit(31) {
                self.relu[0].d.next = 0.into();
            }
            for i in 1..5 {
                self.relu[i].d.next = self.relu[i - 1].q.val();
            }
            // ap_uint<8> idx = 32a: the 8 bits above the table step's fraction.
            self.index.d.next = self.key.val().get_bits::<8>(self.index_shift.val().index());
            // t = frac(32a) as ap_ufixed<F,0>. The 5 is STEP_BITS: #[hdl_gen] reads any path as a signal.
            self.t[0].d.next = (self.key.val() << 5) & self.frac_mask.val();
            self.t[1].d.next = self.t[0].q.val();
            self.lo[0].d.next = self.lo_rom.data.val();
            self.step.d.next = self.step_rom.data.val();
            self.falls[0].d.next = self.falls_rom.data.val();
            for i in 1..3 {
                self.lo[i].d.next = self.lo[i - 1].q.val();
                self.falls[i].d.next = self.falls[i - 1].q.val();
            }
            // Narrowing with bit_cast rather than get_bits: a slice would leave the upper bits unread,
            // which Verilator's -Wall reports (UNUSEDSIGNAL); the cast is a WIDTH warning, waived.
            self.delta.d.next =
                bit_cast::<32, 64>(self.sum.val() >> self.frac.val()) & self.frac_mask.val();
            // Stage 6: relu − δ wrapped to W bits and sign-extended, as golden assigns it to fm_t.
            self.out.d.next = (((self.relu[4].q.val() - self.delta.q.val()) & self.mask_w.val())
                ^ self.sign_w.val())
                - self.sign_w.val();
        }
        if self.reset.val() {
            for i in 0..6 {
                self.valid[i].d.next = false;
            }
        }
        self.y.next = self.out.q.val();
        self.y_valid.next = self.valid[5].q.val();
    }
}

#[cfg(test)]
mod tests {

    use golden::rng::SplitMix64;
    use golden::units::gelu::Gelu as Golden;

    use super::*;
    use crate::rtl::bench;

    fn formats() -> [Format; 2] {
        ["ap_fixed<32,10>", "ap_fixed<24,8>"].map(|s| s.parse().expect("a valid format"))
    }

    bench::scalar_ports!(Gelu);

    /// What the unit must deliver for container `x`: golden on its low W bits, sign-extended.
    fn expected(golden: &Golden, fm: Format, x: u32) -> u32 {
        golden.apply(fm.wrap_raw(i128::from(x))) as u32
    }

    /// 0, ±1 LSB, the extremes, and every table knot i/32 with its neighbours, both signs; knot 176 is
    /// the 5.5 cutoff. Raws are sign-extended into the container.
    fn corners(fm: Format) -> Vec<u32> {
        let f = fm.frac_bits();
        let mut raws = vec![
            0,
            1,
            -1,
            fm.min_raw(),
            fm.min_raw() + 1,
            fm.max_raw(),
            fm.max_raw() - 1,
        ];
        for knot in (0..=176i64).map(|i| i << (f - STEP_BITS as i32)) {
            for raw in [knot - 1, knot, knot + 1] {
                raws.extend([raw, -raw]);
            }
        }
        raws.into_iter().map(|r| r as u32).collect()
    }

    /// Random containers: half any 32 bits (so junk above W for narrow formats), half in (−6, 6)
    /// where the table is used.
    fn random(fm: Format, seed: u64, n: usize) -> Vec<u32> {
        let mut rng = SplitMix64::new(seed);
        let six = 6u64 << fm.frac_bits();
        (0..n)
            .map(|k| match k % 2 {
                0 => rng.next_u64() as u32,
                _ => (rng.below(2 * six) as i64 - six as i64) as u32,
            })
            .collect()
    }

    /// `xs` at II = 1 against golden, `LATENCY` cycles each.
    fn stream(fm: Format, xs: &[u32]) {
        let golden = Golden::new(fm);
        let uut = Gelu::new(fm).expect("a supported format");
        bench::stream(
            uut,
            LATENCY,
            xs,
            |x| expected(&golden, fm, x),
            &fm.to_string(),
        );
    }

    #[test]
    fn corner_cases_equal_golden_bit_for_bit() {
        for fm in formats() {
            stream(fm, &corners(fm));
        }
    }

    #[test]
    fn seeded_random_values_equal_golden_bit_for_bit_at_ii_1() {
        for fm in formats() {
            stream(fm, &random(fm, 7, 5000));
        }
    }

    #[test]
    fn backpressure_loses_and_duplicates_nothing() {
        for fm in formats() {
            let golden = Golden::new(fm);
            let mut xs = corners(fm);
            xs.extend(random(fm, 11, 600));
            let uut = Gelu::new(fm).expect("a supported format");
            bench::backpressure(
                uut,
                LATENCY,
                &xs,
                |x| expected(&golden, fm, x),
                &fm.to_string(),
            );
        }
    }

    #[test]
    fn reset_empties_the_pipeline() {
        let fm = formats()[0];
        let uut = Gelu::new(fm).expect("a supported format");
        let y = expected(&Golden::new(fm), fm, 1 << 22);
        bench::reset_empties(uut, LATENCY, 1u32 << 22, y);
    }

    #[test]
    fn latency_is_the_simulators_default_gelu_depth() {
        assert_eq!(LATENCY, crate::timing::LoopDepth::default().gelu);
    }

    #[test]
    fn formats_the_container_cannot_hold_are_refused() {
        for text in [
            "ap_fixed<40,10>",
            "ap_ufixed<16,6>",
            "ap_fixed<32,28>",
            "ap_fixed<16,3>",
        ] {
            let fm: Format = text.parse().expect("a valid format");
            let err = Gelu::new(fm).err();
            assert!(
                matches!(err, Some(RtlError::Unsupported { .. })),
                "{text}: {err:?}"
            );
        }
        assert!(Gelu::new("ap_fixed<16,6>".parse().expect("a valid format")).is_ok());
    }
}
