//! `div` in RTL: golden's ap_fixed division ([`golden::units::div`]), `a / b` truncated toward zero
//! on the 2^-F grid and wrapped to fm_t, 0 when b = 0, as a 66-stage valid/ready pipeline that is
//! bit-exact with golden's `div(a, b).unwrap_or(0)` (what the HLS vectors expect).
//!
//! ```text
//!            ┌──────────────────────────── Div ─────────────────────────────┐
//!  a ───────►│ Divider (divider.rs): decode, 64 quotient bits, sign fix-up  │──► y
//!  b ───────►│                                                              │
//!  x_valid ─►│                                                              │──► y_valid
//!  x_ready ◄─│                                                              │◄── y_ready
//!  reset ───►│                                                              │
//!            └──────────────────────────────────────────────────────────────┘
//! ```
//! `a`, `b` and `y` are fm_t raws in the 32-bit container; only the low W bits of `a` and `b` are read
//! and `y` comes out sign-extended. golden returns `None` for b = 0 (C traps); the RTL outputs 0, as the
//! HLS test vectors do (`codegen/src/vectors/units.rs`: "a / b, 0 when b = 0").

use golden::fixed::Format;
use rust_hdl::prelude::*;

use super::axis::scalar_axis;
use super::divider::{Divider, DIVIDER_LATENCY};
use super::{verilog_named, RtlError};

/// Clock edges from the edge that accepts `a`, `b` to the edge after which `y_valid` presents their
/// quotient: the divider's decode (1), 64 quotient bits (one per stage, the most any held format needs,
/// so the count does not depend on the format) and sign fix-up (1).
pub const LATENCY: u32 = DIVIDER_LATENCY;

/// The root module's name in the emitted Verilog.
pub const MODULE: &str = "div";

/// The unit for one fm_t format.
///
/// Flow control as gelu's: every stage advances together when the output register is empty or being
/// read (`x_ready = (!y_valid || y_ready) && !reset`).
#[derive(LogicBlock)]
pub struct Div {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the pipeline.
    pub reset: Signal<In, Bit>,
    /// The operands, fm_t raws (low W bits of each lane read): the dividend `a` in bits 0..32, the
    /// divisor `b` in bits 32..64 (one port, so div has the scalar units' ports and AXI-Stream top).
    pub x: Signal<In, Bits<64>>,
    /// `x` holds a pair.
    pub x_valid: Signal<In, Bit>,
    /// The unit takes `x` this edge if `x_valid`.
    pub x_ready: Signal<Out, Bit>,
    /// a / b, fm_t raw sign-extended to 32 bits; 0 when b = 0.
    pub y: Signal<Out, Bits<32>>,
    /// `y` holds a result.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes `y` this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    core: Divider,
    advance: Signal<Local, Bit>,
}

scalar_axis!(
    /// [`Div`] behind AXI-Stream ports (`a` low, `b` high), padded to the configured depth.
    DivAxis,
    Div,
    64
);

impl Div {
    /// The unit for `fm`; formats the datapath cannot hold (unsigned, W > 32, F < 0, W + F > 64) are
    /// refused.
    pub fn new(fm: Format) -> Result<Div, RtlError> {
        let mut div = Div {
            clock: Default::default(),
            reset: Default::default(),
            x: Default::default(),
            x_valid: Default::default(),
            x_ready: Default::default(),
            y: Default::default(),
            y_valid: Default::default(),
            y_ready: Default::default(),
            core: Divider::new(fm, MODULE)?,
            advance: Default::default(),
        };
        div.connect_all();
        Ok(div)
    }
}

/// The unit's Verilog for `fm`, root module [`MODULE`].
pub fn verilog(fm: Format) -> Result<String, RtlError> {
    verilog_named(&Div::new(fm)?, MODULE, MODULE)
}

impl Logic for Div {
    #[hdl_gen]
    fn update(&mut self) {
        self.advance.next = !self.core.out_valid.val() || self.y_ready.val();
        self.x_ready.next = self.advance.val() && !self.reset.val();
        self.core.clock.next = self.clock.val();
        self.core.reset.next = self.reset.val();
        self.core.en.next = self.advance.val();
        self.core.a.next = self.x.val().get_bits::<32>(0);
        self.core.b.next = self.x.val().get_bits::<32>(32);
        self.core.in_valid.next = self.x_valid.val();
        self.y.next = self.core.q.val();
        self.y_valid.next = self.core.out_valid.val();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use golden::rng::SplitMix64;
    use golden::units::div::div as golden_div;

    use super::*;
    use crate::rtl::bench;

    fn formats() -> [Format; 2] {
        ["ap_fixed<32,10>", "ap_fixed<24,8>"].map(|s| s.parse().expect("a valid format"))
    }

    bench::scalar_ports!(Div);

    /// A pair as the unit's 64-bit `x`: `a` low, `b` high.
    fn pack((a, b): (u32, u32)) -> u64 {
        u64::from(b) << 32 | u64::from(a)
    }

    fn unpack(x: u64) -> (u32, u32) {
        (x as u32, (x >> 32) as u32)
    }

    /// What the unit must deliver for containers `a`, `b`: golden on their low W bits, 0 when b = 0,
    /// sign-extended.
    fn expected(fm: Format, (a, b): (u32, u32)) -> u32 {
        let (a, b) = (fm.wrap_raw(i128::from(a)), fm.wrap_raw(i128::from(b)));
        golden_div(a, b, &fm).unwrap_or(0) as u32
    }

    /// Every pair of 0, ±1 LSB, ±1.0, ±2.0, ±0.5, the extremes and their neighbours: this has b = 0,
    /// b = ±1 LSB (results that wrap), min / −1 (wraps to min·2^F), min / min, max / max, ….
    fn corners(fm: Format) -> Vec<(u32, u32)> {
        let one = fm.one_raw();
        let values = [
            0,
            1,
            -1,
            2,
            one,
            -one,
            2 * one,
            -2 * one,
            one / 2,
            -one / 2,
            fm.min_raw(),
            fm.min_raw() + 1,
            fm.max_raw(),
            fm.max_raw() - 1,
        ];
        let mut pairs = Vec::new();
        for &a in &values {
            for &b in &values {
                pairs.push((a as u32, b as u32));
            }
        }
        // 500 / 0.5 = 1000 wraps for ap_fixed<32,10> (golden's own example); 3 / 2 LSB rounds to 1.
        pairs.push(((500i64 << fm.frac_bits()) as u32, (one / 2) as u32));
        pairs.push((3, 2));
        pairs.push(((-3i64) as u32, 2));
        pairs
    }

    /// Random pairs: a quarter any 32 bits (junk above W for narrow formats), a quarter any fm_t, a
    /// quarter with a small divisor (quotients that wrap), a quarter with |a| < |b| scale (fractions).
    fn random(fm: Format, seed: u64, n: usize) -> Vec<(u32, u32)> {
        let mut rng = SplitMix64::new(seed);
        let w = fm.width();
        let any = move |rng: &mut SplitMix64| fm.wrap_raw(i128::from(rng.next_u64())) as u32;
        (0..n)
            .map(|k| match k % 4 {
                0 => (rng.next_u64() as u32, rng.next_u64() as u32),
                1 => (any(&mut rng), any(&mut rng)),
                2 => {
                    let bits = rng.below(16) as u32 + 1;
                    let b = (rng.next_u64() >> (64 - bits)) as i64;
                    let b = if rng.below(2) == 0 { b } else { -b };
                    (any(&mut rng), b as u32)
                }
                _ => {
                    let shift = rng.below(u64::from(w)) as u32;
                    let a = fm.wrap_raw(i128::from(rng.next_u64() as i64 >> (32 + shift)));
                    (a as u32, any(&mut rng))
                }
            })
            .collect()
    }

    /// `xs` at II = 1 against golden, `LATENCY` cycles each.
    fn stream(fm: Format, xs: &[(u32, u32)]) {
        let uut = Div::new(fm).expect("a supported format");
        let xs: Vec<u64> = xs.iter().copied().map(pack).collect();
        bench::stream(
            uut,
            LATENCY,
            &xs,
            |x| expected(fm, unpack(x)),
            &fm.to_string(),
        );
    }

    #[test]
    fn corner_cases_equal_golden_bit_for_bit() {
        for fm in formats() {
            let pairs = corners(fm);
            // The corners must include what the brief names: b = 0, results that wrap.
            assert!(pairs.iter().any(|&(a, b)| b == 0 && a != 0));
            assert!(pairs.iter().any(|&(a, b)| {
                let (wa, wb) = (fm.wrap_raw(i128::from(a)), fm.wrap_raw(i128::from(b)));
                wb != 0
                    && ((i128::from(wa) << fm.frac_bits()) / i128::from(wb)).unsigned_abs()
                        > fm.max_raw() as u128
            }));
            stream(fm, &pairs);
        }
    }

    #[test]
    fn seeded_random_pairs_equal_golden_bit_for_bit_at_ii_1() {
        for fm in formats() {
            let start = Instant::now();
            stream(fm, &random(fm, 7, 5000));
            eprintln!("{fm}: 5000 pairs in {:.1?}", start.elapsed());
        }
    }

    #[test]
    fn backpressure_loses_and_duplicates_nothing() {
        for fm in formats() {
            let mut xs = corners(fm);
            xs.extend(random(fm, 11, 300));
            let xs: Vec<u64> = xs.into_iter().map(pack).collect();
            let uut = Div::new(fm).expect("a supported format");
            bench::backpressure(
                uut,
                LATENCY,
                &xs,
                |x| expected(fm, unpack(x)),
                &fm.to_string(),
            );
        }
    }

    #[test]
    fn reset_empties_the_pipeline() {
        let fm = formats()[0];
        let uut = Div::new(fm).expect("a supported format");
        let x = (1 << 22, 3 << 22);
        bench::reset_empties(uut, LATENCY, pack(x), expected(fm, x));
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
            let err = Div::new(fm).err();
            assert!(
                matches!(err, Some(RtlError::Unsupported { .. })),
                "{text}: {err:?}"
            );
        }
        for text in ["ap_fixed<16,6>", "ap_fixed<32,0>", "ap_fixed<8,-8>"] {
            assert!(
                Div::new(text.parse().expect("a valid format")).is_ok(),
                "{text}"
            );
        }
    }

    /// Narrow formats, I ≤ 1 and W + F = 64 (the most stages used), against golden too.
    #[test]
    fn odd_formats_equal_golden_bit_for_bit() {
        for text in [
            "ap_fixed<8,4>",
            "ap_fixed<16,1>",
            "ap_fixed<20,-4>",
            "ap_fixed<32,0>",
        ] {
            let fm: Format = text.parse().expect("a valid format");
            let mut xs = corners(fm);
            xs.extend(random(fm, 5, 300));
            stream(fm, &xs);
        }
    }
}
