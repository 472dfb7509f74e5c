//! `Divider`: the pipelined radix-2 restoring divider shared by the `div` and `recip` units, computing
//! golden's ap_fixed quotient ([`golden::fixed::Format::from_quotient`]) for one fm_t format.
//!
//! ```text
//!          ┌─────────────────────────────── Divider ───────────────────────────────┐
//!  a ─────►│ 1 decode          2 … 64 DivStage × 63     65 last bit   66 fix-up     │──► q
//!  b ─────►│ wrap a, b to W;   one quotient bit each:  quotient bit  zero when b=0, │
//!  in_valid│ N = |a|·2^F,      2r + n ≥ D ? subtract   0, b = 0 ?    −Q if signs    │──► out_valid
//!  en ────►│ D = |b|, signs                                          differ, wrap_W │
//!  reset ─►│ (empties the pipeline: the valid bits)                                  │
//!          └───────────────────────────────────────────────────────────────────────┘
//! ```
//! golden (C semantics, F ≥ 0): `q = wrap_W(trunc_toward_zero(a·2^F / b))`, i.e. the magnitude quotient
//! `Q = ⌊|a|·2^F / |b|⌋` negated when the signs differ, then the low W bits sign-extended. Only those W
//! bits survive, but each of them depends on the whole division, so all of Q is computed:
//! `|a| ≤ 2^(W−1)` makes N = |a|·2^F a (W+F)-bit number and Q has as many bits. The pipeline has a
//! fixed [`QUOTIENT_BITS`] = 64 stages, whatever the format (formats with W + F ≤ 64 are held; for
//! ap_fixed<32,10> the first 10 stages only shift zeros), so the latency is the same for every format.
//!
//! Why the datapath looks the way it does:
//! - Everything is unsigned `Bits`: |x| = `!x + 1` of the sign-extended container, which for the W = 32
//!   minimum gives 2^31 as the unsigned value it should be. No `Signed`, so none of rust-hdl's
//!   `signed_bit_cast` recursion on the minimum.
//! - Numerator and quotient share one 64-bit register per stage (the textbook restoring divider): the
//!   numerator's top bit moves into the partial remainder as the new quotient bit enters at the bottom.
//! - The partial remainder r < D ≤ 2^31, so `2r + n` fits in 32 bits; the compare is the borrow of a
//!   33-bit subtraction, so each stage has one carry chain.
//! - The last quotient bit is computed by the core itself rather than by a 64th `DivStage`, which would
//!   leave its remainder, divisor and numerator outputs unread (Verilator's -Wall reports those); the
//!   core reads only the low 32 quotient bits and whether the divisor was 0.
//! - Every widening goes through a `Local` of the target width first (rust-hdl's simulation and
//!   Verilog disagree on inline widening).

use golden::fixed::Format;
use rust_hdl::prelude::*;

use super::{RtlError, CONTAINER_BITS};

/// Quotient bits computed, one per pipeline stage: the largest W + F held.
pub const QUOTIENT_BITS: u32 = 64;

/// Clock edges from the edge that takes `a`, `b` (with `en`) to the edge after which `out_valid`
/// presents `q`: decode (1), 63 [`DivStage`]s, the last quotient bit (1), sign fix-up and wrap (1).
pub const DIVIDER_LATENCY: u32 = 1 + (QUOTIENT_BITS - 1) + 1 + 1;

/// One quotient bit: a registered step of the restoring division.
///
/// With r the partial remainder (`rem_in`, below the divisor `den_in`) and n the numerator's next bit
/// (bit 63 of `numq_in`): t = 2r + n; if t ≥ D the quotient bit is 1 and r becomes t − D, else it is 0
/// and r becomes t. `numq` shifts left by one, taking the quotient bit in at the bottom.
#[derive(LogicBlock, Default)]
pub struct DivStage {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Advance this edge (the registers hold otherwise).
    pub en: Signal<In, Bit>,
    /// Partial remainder, below `den_in` (when `den_in` ≠ 0).
    pub rem_in: Signal<In, Bits<32>>,
    /// Numerator bits not yet used (top), quotient bits so far (bottom).
    pub numq_in: Signal<In, Bits<64>>,
    /// Divisor magnitude D.
    pub den_in: Signal<In, Bits<32>>,
    /// The quotient is to be negated (carried along).
    pub neg_in: Signal<In, Bit>,
    /// Next partial remainder.
    pub rem: Signal<Out, Bits<32>>,
    /// Next numerator/quotient register.
    pub numq: Signal<Out, Bits<64>>,
    /// `den_in`, one edge later.
    pub den: Signal<Out, Bits<32>>,
    /// `neg_in`, one edge later.
    pub neg: Signal<Out, Bit>,
    rem_r: DFF<Bits<32>>,
    numq_r: DFF<Bits<64>>,
    den_r: DFF<Bits<32>>,
    neg_r: DFF<Bit>,
    trial: Signal<Local, Bits<32>>,
    trial_wide: Signal<Local, Bits<33>>,
    den_wide: Signal<Local, Bits<33>>,
    diff: Signal<Local, Bits<33>>,
}

impl Logic for DivStage {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, rem_r, numq_r, den_r, neg_r);
        // t = 2r + n (r < D ≤ 2^31, so no bit is lost), then t − D at 33 bits: bit 32 is the borrow.
        self.trial.next = self.rem_in.val() << 1;
        if self.numq_in.val().get_bit(63) {
            self.trial.next = (self.rem_in.val() << 1) | 1;
        }
        self.trial_wide.next = bit_cast::<33, 32>(self.trial.val());
        self.den_wide.next = bit_cast::<33, 32>(self.den_in.val());
        self.diff.next = self.trial_wide.val() - self.den_wide.val();
        if self.en.val() {
            self.den_r.d.next = self.den_in.val();
            self.neg_r.d.next = self.neg_in.val();
            self.rem_r.d.next = self.trial.val();
            self.numq_r.d.next = self.numq_in.val() << 1;
            if !self.diff.val().get_bit(32) {
                self.rem_r.d.next = self.diff.val().get_bits::<32>(0);
                self.numq_r.d.next = (self.numq_in.val() << 1) | 1;
            }
        }
        self.rem.next = self.rem_r.q.val();
        self.numq.next = self.numq_r.q.val();
        self.den.next = self.den_r.q.val();
        self.neg.next = self.neg_r.q.val();
    }
}

/// The divider for one fm_t format: `q = a / b` as golden's `div`, 0 when b = 0, [`DIVIDER_LATENCY`]
/// edges (with `en`) after `a`, `b`.
///
/// `a`, `b` are fm_t raws in the 32-bit container (only the low W bits are read); `q` comes out
/// sign-extended. Every register holds while `en` is low; `reset` clears the valid bits.
#[derive(LogicBlock)]
pub struct Divider {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the pipeline.
    pub reset: Signal<In, Bit>,
    /// Advance the pipeline this edge.
    pub en: Signal<In, Bit>,
    /// Dividend, fm_t raw.
    pub a: Signal<In, Bits<32>>,
    /// Divisor, fm_t raw.
    pub b: Signal<In, Bits<32>>,
    /// `a`, `b` hold a value.
    pub in_valid: Signal<In, Bit>,
    /// The quotient, fm_t raw sign-extended to 32 bits (0 when b = 0).
    pub q: Signal<Out, Bits<32>>,
    /// `q` holds a result.
    pub out_valid: Signal<Out, Bit>,
    sign_w: Constant<Bits<32>>,
    mask_w: Constant<Bits<32>>,
    frac: Constant<Bits<64>>,
    valid: [DFF<Bit>; DIVIDER_LATENCY as usize],
    num: DFF<Bits<64>>,
    den: DFF<Bits<32>>,
    neg: DFF<Bit>,
    stage: [DivStage; QUOTIENT_BITS as usize - 1],
    quo: DFF<Bits<32>>,
    last_neg: DFF<Bit>,
    zero: DFF<Bit>,
    out: DFF<Bits<32>>,
    a_w: Signal<Local, Bits<32>>,
    b_w: Signal<Local, Bits<32>>,
    abs_a: Signal<Local, Bits<32>>,
    abs_b: Signal<Local, Bits<32>>,
    abs_a_wide: Signal<Local, Bits<64>>,
    trial: Signal<Local, Bits<32>>,
    low: Signal<Local, Bits<32>>,
    signed_q: Signal<Local, Bits<32>>,
}

// The loops in `update` spell these out as literals (`#[hdl_gen]` takes any path for a signal).
const _: () = assert!(QUOTIENT_BITS == 64 && DIVIDER_LATENCY == 66);

impl Divider {
    /// The divider for `fm`; formats the datapath cannot hold are refused in the name of `unit`.
    pub fn new(fm: Format, unit: &'static str) -> Result<Divider, RtlError> {
        check_format(fm, unit)?;
        let w = fm.width();
        let f = fm.frac_bits() as u64;
        Ok(Divider {
            clock: Default::default(),
            reset: Default::default(),
            en: Default::default(),
            a: Default::default(),
            b: Default::default(),
            in_valid: Default::default(),
            q: Default::default(),
            out_valid: Default::default(),
            sign_w: Constant::new((1u64 << (w - 1)).into()),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            frac: Constant::new(f.into()),
            valid: std::array::from_fn(|_| Default::default()),
            num: Default::default(),
            den: Default::default(),
            neg: Default::default(),
            stage: std::array::from_fn(|_| Default::default()),
            quo: Default::default(),
            last_neg: Default::default(),
            zero: Default::default(),
            out: Default::default(),
            a_w: Default::default(),
            b_w: Default::default(),
            abs_a: Default::default(),
            abs_b: Default::default(),
            abs_a_wide: Default::default(),
            trial: Default::default(),
            low: Default::default(),
            signed_q: Default::default(),
        })
    }
}

/// Signed fm_t with W ≤ 32 (the container) and 0 ≤ F, W + F ≤ [`QUOTIENT_BITS`] (the quotient's bits).
pub(crate) fn check_format(fm: Format, unit: &'static str) -> Result<(), RtlError> {
    let (w, f) = (fm.width(), fm.frac_bits());
    let reason = if !fm.is_signed() {
        "fm_t must be signed".to_string()
    } else if w > CONTAINER_BITS {
        format!("W = {w} exceeds the {CONTAINER_BITS}-bit container")
    } else if f < 0 {
        format!("F = {f} is negative (the divider shifts the dividend left by F)")
    } else if i64::from(w) + i64::from(f) > i64::from(QUOTIENT_BITS) {
        format!(
            "W + F = {} quotient bits exceed the divider's {QUOTIENT_BITS} stages",
            i64::from(w) + i64::from(f)
        )
    } else {
        return Ok(());
    };
    Err(RtlError::Unsupported {
        unit,
        key: "numerics.fm",
        reason: format!("fm_t = {fm}: {reason}"),
    })
}

impl Logic for Divider {
    #[hdl_gen]
    fn update(&mut self) {
        // Every register holds unless the pipeline advances.
        for i in 0..66 {
            self.valid[i].clock.next = self.clock.val();
            self.valid[i].d.next = self.valid[i].q.val();
        }
        dff_setup!(self, clock, num, den, neg, quo, last_neg, zero, out);

        // Stage 1: wrap a and b to W bits (sign-extend bit W−1), magnitudes, N = |a|·2^F.
        self.a_w.next =
            ((self.a.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        self.b_w.next =
            ((self.b.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        self.abs_a.next = self.a_w.val();
        if self.a_w.val().get_bit(31) {
            self.abs_a.next = !self.a_w.val() + 1;
        }
        self.abs_b.next = self.b_w.val();
        if self.b_w.val().get_bit(31) {
            self.abs_b.next = !self.b_w.val() + 1;
        }
        self.abs_a_wide.next = bit_cast::<64, 32>(self.abs_a.val());

        // Stages 2 to 64: the divider's first 63 quotient bits.
        for i in 0..63 {
            self.stage[i].clock.next = self.clock.val();
            self.stage[i].en.next = self.en.val();
        }
        self.stage[0].rem_in.next = 0.into();
        self.stage[0].numq_in.next = self.num.q.val();
        self.stage[0].den_in.next = self.den.q.val();
        self.stage[0].neg_in.next = self.neg.q.val();
        for i in 1..63 {
            self.stage[i].rem_in.next = self.stage[i - 1].rem.val();
            self.stage[i].numq_in.next = self.stage[i - 1].numq.val();
            self.stage[i].den_in.next = self.stage[i - 1].den.val();
            self.stage[i].neg_in.next = self.stage[i - 1].neg.val();
        }

        // Stage 65: the last quotient bit, as in DivStage but with no remainder left to keep (a plain
        // compare), keeping only the low 32 quotient bits.
        self.trial.next = self.stage[62].rem.val() << 1;
        if self.stage[62].numq.val().get_bit(63) {
            self.trial.next = (self.stage[62].rem.val() << 1) | 1;
        }
        // Narrowing with bit_cast rather than get_bits: a slice would leave bits unread, which
        // Verilator's -Wall reports (the numerator's last bit, the quotient's high bits).
        self.low.next = bit_cast::<32, 64>(self.stage[62].numq.val());

        // Stage 66: −Q when the signs differ, wrapped to W bits and sign-extended; 0 when b = 0.
        self.signed_q.next = self.quo.q.val();
        if self.last_neg.q.val() {
            self.signed_q.next = !self.quo.q.val() + 1;
        }

        if self.en.val() {
            self.valid[0].d.next = self.in_valid.val();
            for i in 1..66 {
                self.valid[i].d.next = self.valid[i - 1].q.val();
            }
            self.num.d.next = self.abs_a_wide.val() << self.frac.val();
            self.den.d.next = self.abs_b.val();
            self.neg.d.next = self.a_w.val().get_bit(31) ^ self.b_w.val().get_bit(31);
            self.quo.d.next = self.low.val() << 1;
            if self.trial.val() >= self.stage[62].den.val() {
                self.quo.d.next = (self.low.val() << 1) | 1;
            }
            self.last_neg.d.next = self.stage[62].neg.val();
            self.zero.d.next = self.stage[62].den.val() == 0;
            self.out.d.next =
                ((self.signed_q.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
            if self.zero.q.val() {
                self.out.d.next = 0.into();
            }
        }
        if self.reset.val() {
            for i in 0..66 {
                self.valid[i].d.next = false;
            }
        }
        self.q.next = self.out.q.val();
        self.out_valid.next = self.valid[65].q.val();
    }
}
