//! `sqrt` in RTL: golden's `hls::sqrt` ([`golden::units::sqrt`]), 0 for x ≤ 0 and otherwise √x rounded
//! to the nearest 2^-F step, as a restoring (digit-by-digit) integer square root of `n = x_raw · 2^F`
//! in a 31-stage valid/ready pipeline that is bit-exact with golden's `sqrt`.
//!
//! ```text
//!            ┌────────────────────────────────── Sqrt ───────────────────────────────────┐
//!  x ───────►│ decode (comb)      1 … 30 root stages           31 round and wrap         │──► y
//!  x_valid ─►│ x ≤ 0 ? 0 : x,     one root bit each:           r + (rem > r),            │──► y_valid
//!  x_ready ◄─│ n = x·2^F          rem = 4·rem + next 2 bits     wrapped to W bits         │◄── y_ready
//!  reset ───►│ (60-bit radicand)  of n; rem ≥ 4r+1 ? bit 1                              │
//!            └───────────────────────────────────────────────────────────────────────────┘
//! ```
//! `x` and `y` are fm_t raws in the 32-bit container; only the low W bits of `x` are read and `y` comes
//! out sign-extended. Sources: golden's model, which §7.2 of the reference confirms against the Xilinx
//! header `hls_sqrt_apfixed.h` (itself a bit-serial restoring square root that rounds to nearest).
//!
//! Why the datapath looks the way it does:
//! - The pipeline is built once for the largest radicand, [`RADICAND_BITS`] = 60 bits, [`ROOT_BITS`] =
//!   30 root bits, and is the same for every format: `n = x·2^F < 2^(W−1+F)` is placed at the bottom
//!   of the 60-bit radicand, so for smaller formats the leading stages see only zero bits and develop
//!   zero root bits, which is exactly what the digit recurrence does for a number with leading zeros.
//!   60 bits hold every fm_t the configuration accepts with W ≤ 32 (I ≥ 4, so F ≤ 28 and
//!   W − 1 + F ≤ 59).
//! - Negative inputs are steered to n = 0 (root 0, remainder 0, no round-up), so the output needs no
//!   bypass mux: golden's `x ≤ 0 → 0` falls out of the datapath. The decode is a mask, a sign test
//!   and a shift by the constant F (wires), so it shares the first root stage's cycle.
//! - Each root stage computes `4·rem + d − (4r + 1)` once: its borrow is the comparison, its value the
//!   new remainder. Stage k's remainder is below 2^(k+2), and the stage says so (a mask and the borrow
//!   taken from bit k + 2, no-ops on the values), so Yosys trims stage k to a (k + 3)-bit subtraction
//!   and drops the remainder flip-flops that are always zero (about 1300 FDRE down to about 900 for
//!   ap_fixed<32,10>).
//! - Rounding: golden rounds up when `n − r² > r`; `n − r²` is exactly the final remainder. The result
//!   is at most 2^30, so the increment cannot overflow the container, and the wrap to W bits is done
//!   with masks (no subtraction) because golden wraps the rounded root into fm_t.

use golden::fixed::Format;
use rust_hdl::prelude::*;

use super::axis::scalar_axis;
use super::{verilog_named, RtlError, CONTAINER_BITS};

/// Bits of the radicand `n = x·2^F` the pipeline holds.
pub const RADICAND_BITS: u32 = 60;

/// Root bits the pipeline develops, one per stage.
pub const ROOT_BITS: u32 = RADICAND_BITS / 2;

/// Clock edges from the edge that accepts `x` to the edge after which `y_valid` presents its result:
/// one per root bit (the decode of `x` shares the first), then one for the round-up and the wrap.
/// It does not depend on the format: narrower radicands just run through leading all-zero stages.
/// (Vitis reports depth 23 for `sqrt_fixed<32,10>`, §7.2 of the reference; this pipeline spends more
/// cycles to keep a single carry chain per stage, at most two in the round-and-wrap stage.)
pub const LATENCY: u32 = ROOT_BITS + 1;

/// The root module's name in the emitted Verilog.
pub const MODULE: &str = "sqrt";

/// Stages in the pipeline, as a `usize` for the arrays.
const STAGES: usize = ROOT_BITS as usize;

// #[hdl_gen] bodies take no constants from Rust (it reads any path as a signal), so they spell out
// 60 (radicand bits), 30 and 31 (stages) and the widths 34 = 32 + 2 (remainder field) and
// 94 = 60 + 34; this keeps them in step with the constants.
const _: () = assert!(RADICAND_BITS == 60 && STAGES == 30);

/// One step of the restoring square root: brings the next two radicand bits down into the remainder
/// and develops one root bit, registered.
///
/// `part` holds the remainder in its top 34 bits and the radicand bits not yet consumed below them
/// (60 bits, the next two at the top), so a left shift by 2 brings two bits down. With `r` the root so
/// far and `rem = m − r²` (`m` the radicand bits consumed so far), the new bit is 1 when
/// `4·rem + d ≥ 4r + 1`, i.e. when `(2r + 1)² ≤ 4m + d`; then `rem' = 4·rem + d − (4r + 1)` and
/// `r' = 2r + 1`, else `rem' = 4·rem + d` and `r' = 2r`. The invariant `rem ≤ 2r < 2^31` keeps
/// `4·rem + d` below 2^33, so the shift loses nothing.
///
/// Stage `k` (from 0) knows more: its root so far has `k` bits (`r < 2^k`), so the new remainder
/// is below 2^(k+2) (`rem' ≤ 2r' < 2^(k+2)`), and the difference `4·rem + d − (4r + 1)` lies
/// strictly between −2^(k+2) and 2^(k+2) (it is at most `4(rem − r) + 2 ≤ 4r + 2` and at least
/// `−(4r + 1)`), so its bit `k + 2` is already the borrow. The stage takes the borrow from there and
/// clears the remainder bits from `k + 2` up on the way into the register. Both are no-ops on the
/// values, but they tell Yosys (after flattening) which bits are zero, so it trims those flip-flops
/// and shortens each stage's subtraction to `k + 3` bits. Only formats whose radicand fills all 60
/// bits (ap_fixed<32,3>) reach these bounds; the tests stream one.
///
/// One register rather than separate remainder and radicand ports: the last stage's radicand would
/// be an output nobody reads, which Verilator's -Wall reports (UNUSEDSIGNAL) and cannot be waived in
/// rust-hdl's output.
#[derive(LogicBlock)]
struct SqrtStage {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Advance this edge (hold when low).
    pub en: Signal<In, Bit>,
    /// Remainder so far (top 34 bits) and unconsumed radicand bits (low 60).
    pub part_in: Signal<In, Bits<94>>,
    /// Root so far.
    pub root_in: Signal<In, Bits<32>>,
    /// The new remainder and the radicand bits still to come.
    pub part: Signal<Out, Bits<94>>,
    /// The new root.
    pub root: Signal<Out, Bits<32>>,
    part_r: DFF<Bits<94>>,
    root_r: DFF<Bits<32>>,
    radicand_mask: Constant<Bits<94>>,
    keep: Constant<Bits<94>>,
    borrow_bit: Constant<Bits<32>>,
    shifted: Signal<Local, Bits<94>>,
    top: Signal<Local, Bits<34>>,
    wide_root: Signal<Local, Bits<34>>,
    trial: Signal<Local, Bits<34>>,
    diff: Signal<Local, Bits<34>>,
    wide_diff: Signal<Local, Bits<94>>,
}

impl SqrtStage {
    /// Stage `k` (from 0), which develops root bit `ROOT_BITS − 1 − k`.
    fn new(k: usize) -> SqrtStage {
        let one = Bits::<94>::from(1u64);
        let rem_bits = k as u64 + 2;
        SqrtStage {
            clock: Default::default(),
            en: Default::default(),
            part_in: Default::default(),
            root_in: Default::default(),
            part: Default::default(),
            root: Default::default(),
            part_r: Default::default(),
            root_r: Default::default(),
            radicand_mask: Constant::new(((1u64 << RADICAND_BITS) - 1).into()),
            keep: Constant::new((one << (u64::from(RADICAND_BITS) + rem_bits)) - one),
            borrow_bit: Constant::new(rem_bits.into()),
            shifted: Default::default(),
            top: Default::default(),
            wide_root: Default::default(),
            trial: Default::default(),
            diff: Default::default(),
            wide_diff: Default::default(),
        }
    }
}

impl Logic for SqrtStage {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, part_r, root_r);
        self.shifted.next = self.part_in.val() << 2;
        // 4·rem + d. Widen plain signals only, never an expression (see mul.rs).
        self.top.next = bit_cast::<34, 94>(self.shifted.val() >> 60);
        self.wide_root.next = bit_cast::<34, 32>(self.root_in.val());
        self.trial.next = (self.wide_root.val() << 2) | 1;
        self.diff.next = self.top.val() - self.trial.val();
        self.wide_diff.next = bit_cast::<94, 34>(self.diff.val());
        if self.en.val() {
            // A borrow out of the difference means 4·rem + d < 4r + 1: root bit 0.
            if self.diff.val().get_bit(self.borrow_bit.val().index()) {
                self.part_r.d.next = self.shifted.val() & self.keep.val();
                self.root_r.d.next = self.root_in.val() << 1;
            } else {
                self.part_r.d.next = ((self.wide_diff.val() << 60) & self.keep.val())
                    | (self.shifted.val() & self.radicand_mask.val());
                self.root_r.d.next = (self.root_in.val() << 1) | 1;
            }
        }
        self.part.next = self.part_r.q.val();
        self.root.next = self.root_r.q.val();
    }
}

/// The unit for one fm_t format.
///
/// Flow control as gelu's: every stage advances together when the output register is empty or being
/// read (`x_ready = (!y_valid || y_ready) && !reset`), giving II = 1 at the price of a combinational
/// path from `y_ready` to `x_ready`.
#[derive(LogicBlock)]
pub struct Sqrt {
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
    /// sqrt(x), fm_t raw sign-extended to 32 bits.
    pub y: Signal<Out, Bits<32>>,
    /// `y` holds a result.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes `y` this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    sign_w: Constant<Bits<32>>,
    mask_w: Constant<Bits<32>>,
    frac: Constant<Bits<32>>,
    stage: [SqrtStage; STAGES],
    valid: [DFF<Bit>; STAGES + 1],
    out: DFF<Bits<32>>,
    advance: Signal<Local, Bit>,
    positive: Signal<Local, Bits<32>>,
    wide: Signal<Local, Bits<94>>,
    rem: Signal<Local, Bits<32>>,
    rounded: Signal<Local, Bits<32>>,
}

scalar_axis!(
    /// [`Sqrt`] behind AXI-Stream ports, padded to the configured depth.
    SqrtAxis,
    Sqrt,
    32
);

impl Sqrt {
    /// The unit for `fm`; formats the datapath cannot hold are refused.
    pub fn new(fm: Format) -> Result<Sqrt, RtlError> {
        check_format(fm)?;
        let w = fm.width();
        let f = fm.frac_bits() as u64;
        let mut sqrt = Sqrt {
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
            frac: Constant::new(f.into()),
            stage: std::array::from_fn(SqrtStage::new),
            valid: Default::default(),
            out: Default::default(),
            advance: Default::default(),
            positive: Default::default(),
            wide: Default::default(),
            rem: Default::default(),
            rounded: Default::default(),
        };
        sqrt.connect_all();
        Ok(sqrt)
    }
}

/// Signed (golden's fm_t), within the container, F ≥ 0 (golden's invariant: `x·2^F` is an integer),
/// and a radicand `x·2^F < 2^(W−1+F)` that fits the pipeline's [`RADICAND_BITS`].
fn check_format(fm: Format) -> Result<(), RtlError> {
    let (w, f) = (fm.width(), fm.frac_bits());
    let reason = if !fm.is_signed() {
        "fm_t must be signed".to_string()
    } else if w > CONTAINER_BITS {
        format!("W = {w} exceeds the {CONTAINER_BITS}-bit container")
    } else if f < 0 {
        format!("F = {f} is negative; golden's sqrt needs x·2^F to be an integer")
    } else if w as i64 - 1 + f as i64 > RADICAND_BITS as i64 {
        format!(
            "the radicand x·2^F needs W − 1 + F = {} bits, more than the pipeline's {RADICAND_BITS}",
            w as i64 - 1 + f as i64
        )
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
    verilog_named(&Sqrt::new(fm)?, MODULE, MODULE)
}

impl Logic for Sqrt {
    #[hdl_gen]
    fn update(&mut self) {
        // Every register holds unless the pipeline advances. The loop bounds are STAGES (30) and
        // STAGES + 1 (31) written out: #[hdl_gen] reads any path as a signal.
        for i in 0..31 {
            self.valid[i].clock.next = self.clock.val();
            self.valid[i].d.next = self.valid[i].q.val();
        }
        dff_setup!(self, clock, out);
        self.advance.next = !self.valid[30].q.val() || self.y_ready.val();
        self.x_ready.next = self.advance.val() && !self.reset.val();

        // Decode (shares stage 1's cycle): the low W bits of x, or 0 when its sign bit is set, then
        // n = x·2^F at the bottom of the 60-bit radicand.
        self.positive.next = self.x.val() & self.mask_w.val();
        if (self.x.val() & self.sign_w.val()).any() {
            self.positive.next = 0.into();
        }
        self.wide.next = bit_cast::<94, 32>(self.positive.val());
        // Stages 1 to 30: one root bit each.
        for i in 0..30 {
            self.stage[i].clock.next = self.clock.val();
            self.stage[i].en.next = self.advance.val();
        }
        self.stage[0].part_in.next = self.wide.val() << self.frac.val();
        self.stage[0].root_in.next = 0.into();
        for i in 1..30 {
            self.stage[i].part_in.next = self.stage[i - 1].part.val();
            self.stage[i].root_in.next = self.stage[i - 1].root.val();
        }
        // Stage 31: round to nearest (the final remainder n − r² ≤ 2r < 2^31 fits 32 bits).
        self.rem.next = bit_cast::<32, 94>(self.stage[29].part.val() >> 60);
        self.rounded.next = self.stage[29].root.val();
        if self.rem.val() > self.stage[29].root.val() {
            self.rounded.next = self.stage[29].root.val() + 1;
        }

        if self.advance.val() {
            self.valid[0].d.next = self.x_valid.val();
            for i in 1..31 {
                self.valid[i].d.next = self.valid[i - 1].q.val();
            }
            // golden wraps the rounded root into fm_t: keep the low W bits, sign-extend bit W − 1.
            self.out.d.next = self.rounded.val() & self.mask_w.val();
            if (self.rounded.val() & self.sign_w.val()).any() {
                self.out.d.next = self.rounded.val() | !self.mask_w.val();
            }
        }
        if self.reset.val() {
            for i in 0..31 {
                self.valid[i].d.next = false;
            }
        }
        self.y.next = self.out.q.val();
        self.y_valid.next = self.valid[30].q.val();
    }
}

#[cfg(test)]
mod tests {

    use golden::rng::SplitMix64;
    use golden::units::sqrt::sqrt as golden_sqrt;

    use super::*;
    use crate::rtl::bench;

    fn format(text: &str) -> Format {
        text.parse().expect("a valid format")
    }

    fn formats() -> [Format; 2] {
        ["ap_fixed<32,10>", "ap_fixed<24,8>"].map(format)
    }

    bench::scalar_ports!(Sqrt);

    /// What the unit must deliver for container `x`: golden on its low W bits, sign-extended.
    fn expected(fm: Format, x: u32) -> u32 {
        golden_sqrt(fm.wrap_raw(i128::from(x)), &fm) as u32
    }

    /// ⌊√v⌋ for the corner lists (f64 start, corrected to exact).
    fn isqrt(v: u128) -> u128 {
        let mut r = (v as f64).sqrt() as u128;
        while r * r > v {
            r -= 1;
        }
        while (r + 1) * (r + 1) <= v {
            r += 1;
        }
        r
    }

    /// 0, ±1 LSB, the extremes, and the unit's own edges, each with its neighbours ±1 raw: raw perfect
    /// squares m² (n = (m·2^(F/2))² is a perfect square for even F), squares of whole values k²·2^F,
    /// and the raws where round-to-nearest steps from y − 1 to y (`x·2^F ≥ y² − y + 1`). Raws outside
    /// the format are dropped; the rest are sign-extended into the container.
    fn corners(fm: Format) -> Vec<u32> {
        let f = fm.frac_bits() as u32;
        let (min, max) = (fm.min_raw(), fm.max_raw());
        let mut centres = vec![0, min, max];
        let top = isqrt(max as u128) as i64;
        let roots = (0..=64).chain([top / 3, top / 2, top - 1, top]);
        centres.extend(roots.clone().map(|m| m * m));
        centres.extend((0..20).map(|b| 1i64 << b).map(|m| m * m));
        let whole = isqrt((max >> f) as u128) as i64;
        centres.extend((0..=whole).map(|k| (k * k) << f));
        // The rounding steps, for outputs y spread over the whole range of roots.
        let y_top = isqrt((max as u128) << f) as i64;
        let steps = (1..=64).chain((1..=64).map(|k| y_top * k / 64));
        centres.extend(steps.map(|y| {
            let y = y as i128;
            let n = y * y - y + 1;
            ((n + (1 << f) - 1) >> f) as i64
        }));
        let mut raws: Vec<i64> = centres
            .into_iter()
            .flat_map(|c| [c - 1, c, c + 1, -c])
            .filter(|r| (min..=max).contains(r))
            .collect();
        raws.sort_unstable();
        raws.dedup();
        raws.into_iter().map(|r| r as u32).collect()
    }

    /// Random containers: a third any 32 bits (so junk above W for narrow formats), a third any
    /// non-negative raw, a third small non-negative raws (short roots).
    fn random(fm: Format, seed: u64, n: usize) -> Vec<u32> {
        let mut rng = SplitMix64::new(seed);
        let max = fm.max_raw() as u64;
        (0..n)
            .map(|k| match k % 3 {
                0 => rng.next_u64() as u32,
                1 => rng.below(max + 1) as u32,
                _ => rng.below(max.min(1 << 16) + 1) as u32,
            })
            .collect()
    }

    /// `xs` at II = 1 against golden, `LATENCY` cycles each.
    fn stream(fm: Format, xs: &[u32]) {
        let uut = Sqrt::new(fm).expect("a supported format");
        bench::stream(uut, LATENCY, xs, |x| expected(fm, x), &fm.to_string());
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

    /// The format with the largest radicand the pipeline holds (W − 1 + F = 60): the only kind that
    /// takes every stage to its remainder and borrow bounds (see `SqrtStage`).
    #[test]
    fn the_full_60_bit_radicand_equals_golden_bit_for_bit() {
        let fm = format("ap_fixed<32,3>");
        let mut xs = corners(fm);
        xs.extend(random(fm, 9, 5000));
        stream(fm, &xs);
    }

    /// Formats at the edges of what the pipeline holds: odd F, results that wrap (I ≤ 0: √x exceeds
    /// the format's maximum), F = 0, tiny widths.
    #[test]
    fn other_supported_formats_equal_golden_bit_for_bit() {
        for text in [
            "ap_fixed<32,4>",
            "ap_fixed<31,10>",
            "ap_fixed<16,6>",
            "ap_fixed<16,0>",
            "ap_fixed<12,-3>",
            "ap_fixed<8,8>",
            "ap_fixed<2,1>",
        ] {
            let fm = format(text);
            let mut xs = corners(fm);
            xs.extend(random(fm, 5, 300));
            stream(fm, &xs);
        }
    }

    #[test]
    fn backpressure_loses_and_duplicates_nothing() {
        for fm in formats() {
            let mut xs = corners(fm);
            xs.truncate(200);
            xs.extend(random(fm, 11, 400));
            let uut = Sqrt::new(fm).expect("a supported format");
            bench::backpressure(uut, LATENCY, &xs, |x| expected(fm, x), &fm.to_string());
        }
    }

    #[test]
    fn reset_empties_the_pipeline() {
        let uut = Sqrt::new(formats()[0]).expect("a supported format");
        bench::reset_empties(uut, LATENCY, 4u32 << 22, 2 << 22);
    }

    #[test]
    fn formats_the_pipeline_cannot_hold_are_refused() {
        for text in [
            "ap_fixed<40,10>",
            "ap_ufixed<16,6>",
            "ap_fixed<32,2>",
            "ap_fixed<16,20>",
        ] {
            let fm = format(text);
            let err = Sqrt::new(fm).err();
            assert!(
                matches!(err, Some(RtlError::Unsupported { .. })),
                "{text}: {err:?}"
            );
        }
        assert!(Sqrt::new(format("ap_fixed<32,3>")).is_ok());
    }
}
