//! `recip` in RTL: golden's `hls::recip` ([`golden::units::recip`]), `fm_t(1) / x` truncated toward
//! zero on the 2^-F grid and wrapped to fm_t, 0 for x = 0, as a 66-stage valid/ready pipeline that is
//! bit-exact with `recip(x)`.
//!
//! ```text
//!            ┌──────────────────────────── Recip ───────────────────────────┐
//!  1.0 ─────►│ Divider (divider.rs), a = fm_t(1) (a localparam),            │──► y
//!  x ───────►│ b = x: decode, 64 quotient bits, sign fix-up                 │
//!  x_valid ─►│                                                              │──► y_valid
//!  x_ready ◄─│                                                              │◄── y_ready
//!  reset ───►│                                                              │
//!            └──────────────────────────────────────────────────────────────┘
//! ```
//! `x` and `y` are fm_t raws in the 32-bit container; only the low W bits of `x` are read and `y` comes
//! out sign-extended. `recip_fixed` returns 0 for x = 0, which is what the divider gives for b = 0. The
//! dividend is golden's `one_raw()` (1.0 wrapped into fm_t, as ap_fixed's constant is), so formats
//! with I ≤ 1 get the same wrapped constant golden divides. Yosys propagates the constant; the divider
//! is the same pipeline `div` uses, so the latency is the same.

use golden::fixed::Format;
use rust_hdl::prelude::*;

use super::axis::scalar_axis;
use super::divider::{Divider, DIVIDER_LATENCY};
use super::{verilog_named, RtlError};

/// Clock edges from the edge that accepts `x` to the edge after which `y_valid` presents 1/x: the
/// divider's decode (1), 64 quotient bits (one per stage, the most any held format needs, so the count
/// does not depend on the format) and sign fix-up (1), as `div`'s.
pub const LATENCY: u32 = DIVIDER_LATENCY;

/// The root module's name in the emitted Verilog.
pub const MODULE: &str = "recip";

/// The unit for one fm_t format.
///
/// Flow control as gelu's: every stage advances together when the output register is empty or being
/// read (`x_ready = (!y_valid || y_ready) && !reset`).
#[derive(LogicBlock)]
pub struct Recip {
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
    /// 1/x, fm_t raw sign-extended to 32 bits; 0 when x = 0.
    pub y: Signal<Out, Bits<32>>,
    /// `y` holds a result.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes `y` this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    one: Constant<Bits<32>>,
    core: Divider,
    advance: Signal<Local, Bit>,
}

scalar_axis!(
    /// [`Recip`] behind AXI-Stream ports, padded to the configured depth.
    RecipAxis,
    Recip,
    32
);

impl Recip {
    /// The unit for `fm`; formats the datapath cannot hold (unsigned, W > 32, F < 0, W + F > 64) are
    /// refused.
    pub fn new(fm: Format) -> Result<Recip, RtlError> {
        let core = Divider::new(fm, MODULE)?;
        let mut recip = Recip {
            clock: Default::default(),
            reset: Default::default(),
            x: Default::default(),
            x_valid: Default::default(),
            x_ready: Default::default(),
            y: Default::default(),
            y_valid: Default::default(),
            y_ready: Default::default(),
            // one_raw is a W-bit raw (W ≤ 32), sign-extended into the container.
            one: Constant::new(u64::from(fm.one_raw() as u32).into()),
            core,
            advance: Default::default(),
        };
        recip.connect_all();
        Ok(recip)
    }
}

/// The unit's Verilog for `fm`, root module [`MODULE`].
pub fn verilog(fm: Format) -> Result<String, RtlError> {
    verilog_named(&Recip::new(fm)?, MODULE, MODULE)
}

impl Logic for Recip {
    #[hdl_gen]
    fn update(&mut self) {
        self.advance.next = !self.core.out_valid.val() || self.y_ready.val();
        self.x_ready.next = self.advance.val() && !self.reset.val();
        self.core.clock.next = self.clock.val();
        self.core.reset.next = self.reset.val();
        self.core.en.next = self.advance.val();
        self.core.a.next = self.one.val();
        self.core.b.next = self.x.val();
        self.core.in_valid.next = self.x_valid.val();
        self.y.next = self.core.q.val();
        self.y_valid.next = self.core.out_valid.val();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use golden::rng::SplitMix64;
    use golden::units::recip::recip as golden_recip;

    use super::*;
    use crate::rtl::bench;

    fn formats() -> [Format; 2] {
        ["ap_fixed<32,10>", "ap_fixed<24,8>"].map(|s| s.parse().expect("a valid format"))
    }

    bench::scalar_ports!(Recip);

    /// What the unit must deliver for container `x`: golden on its low W bits, sign-extended.
    fn expected(fm: Format, x: u32) -> u32 {
        golden_recip(fm.wrap_raw(i128::from(x)), &fm) as u32
    }

    /// 0, ±1 LSB (1/x wraps), the extremes and their neighbours, ±1.0, ±2.0, ±0.5, ±3, and both sides
    /// of where 1/x starts to wrap (|x| ≈ 2^-(I-1)), both signs.
    fn corners(fm: Format) -> Vec<u32> {
        let one = fm.one_raw();
        let f = fm.frac_bits();
        let edge = 1i64 << (2 * f - (fm.width() as i32 - 1));
        let mut raws = vec![
            fm.min_raw(),
            fm.min_raw() + 1,
            fm.max_raw(),
            fm.max_raw() - 1,
        ];
        for raw in [
            0,
            1,
            2,
            3,
            one,
            one - 1,
            one + 1,
            2 * one,
            one / 2,
            3 * one,
            edge - 1,
            edge,
            edge + 1,
        ] {
            raws.extend([raw, -raw]);
        }
        raws.into_iter().map(|r| r as u32).collect()
    }

    /// Random containers: a third any 32 bits (junk above W for narrow formats), a third any fm_t, a
    /// third of small magnitude (up to 2^16 LSB, where 1/x is large or wraps).
    fn random(fm: Format, seed: u64, n: usize) -> Vec<u32> {
        let mut rng = SplitMix64::new(seed);
        (0..n)
            .map(|k| match k % 3 {
                0 => rng.next_u64() as u32,
                1 => fm.wrap_raw(i128::from(rng.next_u64())) as u32,
                _ => {
                    let x = rng.below(1 << 16) as i64;
                    (if rng.below(2) == 0 { x } else { -x }) as u32
                }
            })
            .collect()
    }

    /// `xs` at II = 1 against golden, `LATENCY` cycles each.
    fn stream(fm: Format, xs: &[u32]) {
        let uut = Recip::new(fm).expect("a supported format");
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
            let start = Instant::now();
            stream(fm, &random(fm, 7, 5000));
            eprintln!("{fm}: 5000 values in {:.1?}", start.elapsed());
        }
    }

    #[test]
    fn backpressure_loses_and_duplicates_nothing() {
        for fm in formats() {
            let mut xs = corners(fm);
            xs.extend(random(fm, 11, 300));
            let uut = Recip::new(fm).expect("a supported format");
            bench::backpressure(uut, LATENCY, &xs, |x| expected(fm, x), &fm.to_string());
        }
    }

    #[test]
    fn reset_empties_the_pipeline() {
        let fm = formats()[0];
        let uut = Recip::new(fm).expect("a supported format");
        bench::reset_empties(uut, LATENCY, 3u32 << 22, expected(fm, 3 << 22));
    }

    #[test]
    fn formats_the_datapath_cannot_hold_are_refused() {
        for text in [
            "ap_fixed<40,10>",
            "ap_ufixed<16,6>",
            "ap_fixed<16,20>",
            "ap_fixed<32,-1>",
        ] {
            let fm: Format = text.parse().expect("a valid format");
            let err = Recip::new(fm).err();
            assert!(
                matches!(err, Some(RtlError::Unsupported { .. })),
                "{text}: {err:?}"
            );
        }
        for text in ["ap_fixed<16,6>", "ap_fixed<32,0>", "ap_fixed<8,-8>"] {
            assert!(
                Recip::new(text.parse().expect("a valid format")).is_ok(),
                "{text}"
            );
        }
    }

    /// Formats with I ≤ 1, whose 1.0 wraps (to −1.0 or 0) in golden too, and narrow ones.
    #[test]
    fn odd_formats_equal_golden_bit_for_bit() {
        for text in [
            "ap_fixed<16,1>",
            "ap_fixed<12,0>",
            "ap_fixed<8,4>",
            "ap_fixed<32,0>",
        ] {
            let fm: Format = text.parse().expect("a valid format");
            let mut xs = corners(fm);
            xs.extend(random(fm, 5, 300));
            stream(fm, &xs);
        }
    }
}
