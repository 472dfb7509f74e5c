//! `softmax` in RTL: golden's online softmax statistics ([`golden::units::softmax`], Edge-MoE's
//! `finalize_attn`, §5), the running max m and sum s of up to [`SLOTS`] interleaved rows, one score per
//! clock, and `recip(s)`, m of a row on its last score, bit-exact with `finalize_attn`.
//!
//! ```text
//!           ┌───────────────────────────────────── Softmax ────────────────────────────────────────┐
//!  x ──────►│ 0 (comb)        1–15 Exp          16, 17 MulFm    after 17: update   18–83 recip's   │──► recip_sum
//!  slot ───►│ state[slot]     e = exp(fm_t(     ⌊s·e⌋ (32×32    new max:           Divider: 1/s    │──► max
//!  first ──►│ (s, m), or      −|d|))            signed)         s = ⌊s·e⌋ + 1,     of a finished   │──► y_slot
//!  last ───►│ (0, min) if     (s, m', neg,                      m = x; else        row (m, slot    │
//!  x_valid ►│ first; sign of  slot, last ride                   s = s + e;         ride along)     │──► y_valid
//!  x_ready ◄│ d = m − x       along)                            18: state[slot]                    │◄── y_ready
//!  reset ──►│                                                   ← (s, m)                           │
//!           └──────────────────────────────────────────────────────────────────────────────────────┘
//! ```
//! One accepted beat is one score `x` (fm_t raw in the 32-bit container, low W bits read) of the row
//! held in state slot `slot` (0 .. [`SLOTS`] − 1); `first` marks the row's first score (its state
//! starts from golden's reset, s = 0 and m = the fm_t minimum, whatever the slot held) and `last` its
//! last one (a row of one score has both). For every `last` beat, [`LATENCY`] edges later, the unit
//! presents `recip_sum = recip(s)` and `max = m` of that row (fm_t, sign-extended) with the row's
//! `y_slot`, in the order of the last beats. Beats without `last` produce nothing at the output.
//!
//! **Input contract (the recurrence):** a score's update of its slot is written back
//! [`RECURRENCE`] − 1 pipeline advances after the score is accepted, so a beat that is not `first` may
//! only be accepted when at least [`RECURRENCE`] advances have passed since the previous beat of its
//! slot was accepted. The pipeline advances on every cycle it takes a beat or passes a bubble
//! (`x_ready` high), and holds on cycles it refuses, so the contract is met by counting accepted beats
//! and offered bubbles: **feed L ≥ [`RECURRENCE`] rows round-robin, one beat per row per round, each
//! in its own slot** (beat t carries a score of the row in lane t mod L; a lane with nothing to send
//! sends a bubble, `x_valid` low). With L = [`RECURRENCE`] rows in
//! flight the unit takes one score per cycle; with fewer rows the driver pads rounds to
//! [`RECURRENCE`] beats with bubbles. `first` beats do not read the state, so a slot may start its next
//! row in the very round after its last one. Edge-MoE's `finalize_attn` interleaves P lanes × 3 heads
//! with II = 3 per (b, k, o) iteration for the same reason (§5: the dependence distance through s·exp).
//! Breaking the contract gives wrong sums (the test `the_recurrence_constant_is_tight` shows it), never
//! a hang.
//!
//! Numerics (golden's `OnlineSoftmax::update`, fm_t with AP_TRN/AP_WRAP): `d = m − x` is formed exactly
//! as a signed compare of the two sign-extended 32-bit values (W ≤ 32, so the 33-bit difference's sign
//! is `m < x`); exp's argument `fm_t(d)` (new max) or `fm_t(−d)` (else, ties included) is the 32-bit
//! difference `m − x` or `x − m` whose low W bits are the wrapped value (exp reads only those). Then
//! `s = wrap_W(⌊s·e / 2^F⌋ + 1.0)`, `m = x` for a new max, else `s = wrap_W(s + e)`; the product is a
//! [`MulFm`] (bits F .. F + 31 of the exact signed 64-bit product). At the end `recip(s)` is the
//! recip unit's [`Divider`] dividing fm_t(1.0) (0 for s = 0, as golden).
//!
//! Why the datapath looks the way it does:
//! - The state of the [`SLOTS`] rows is two arrays of 32 registers, read through a mux selected by a
//!   one-hot decode of `slot` (rust-hdl array indices may only be loop variables) and written back
//!   one-hot. A distributed RAM would be smaller, but its synchronous read and stall re-read would add a
//!   stage to the recurrence; 32 × 64 flip-flops is small next to the recip's divider.
//! - recip is the [`Divider`] that the recip unit wraps, fed `a = fm_t(1.0)` as [`recip::Recip`]
//!   does, with its `en` driven by this unit's advance and its valid chain carrying the finished rows
//!   (its `out_valid` is `y_valid`).
//! - exp is [`ExpCore`], exp's datapath with an `en` input, as recip's [`Divider`]: both advance
//!   with this unit's pipeline, and this unit's own valid chain (cleared by reset) says which of the
//!   values leaving exp are real. The exp unit's valid/ready ports would have to be read back in this
//!   block's one `always`, which Verilator sees as a combinational loop (UNOPTFLAT).
//! - `recip(s)` is computed only for the value that leaves on `last`, but the divider is a pipeline
//!   taking a value per cycle anyway; `m` and the slot ride along in a 66-stage delay line.
//! - No forwarding from the write-back to the read: it would shorten [`RECURRENCE`] by one cycle at
//!   the price of a 64-bit mux on the recurrence path.
//! - Ties (d = 0) take golden's s + exp(0) branch; since golden's exp(0) is exactly 1.0 the other
//!   branch would give the same bits, so no test can tell them apart: the compare is strict as golden's.
//! - Verification: the tests below compare with golden in rust-hdl's simulation; the emitted Verilog
//!   for ap_fixed<32,10> was replayed once in Verilator 5.006 against that simulation (2,836 cycles of
//!   corner and random rows under backpressure and input gaps: identical `x_ready`, `y_valid`,
//!   `recip_sum`, `max`, `y_slot` every cycle). Lint and synthesis run in codegen's harness
//!   (`codegen/src/verilog/`); by hand, Yosys 0.23 `synth_xilinx -family xcup -flatten` gave 41
//!   DSP48E2 (exp 37, MulFm 4), ≈ 7,770 LUTs, ≈ 9,100 FFs and 436 SRLs, 998 CARRY4.

use golden::fixed::Format;
use rust_hdl::prelude::*;

use super::divider::{Divider, DIVIDER_LATENCY};
use super::exp::{self, ExpCore};
use super::mul::{MulFm, MUL_FM_LATENCY};
use super::recip;
use super::{on_big_stack, verilog_named, RtlError};

/// Rows the unit holds at once: the state slots, addressed by the 5-bit `slot`.
pub const SLOTS: usize = 32;

/// Pipeline advances from the edge that accepts a score to the first edge that may accept the next
/// score of the same row: exp (15), the product ⌊s·e⌋ (2) and the write-back of the state (1).
pub const RECURRENCE: u32 = exp::LATENCY + MUL_FM_LATENCY + 1;

/// Initiation interval per accepted beat: one beat per clock (the recurrence is hidden by interleaving
/// rows, see the input contract in the module's documentation).
pub const II: u32 = 1;

/// Clock edges from the edge that accepts a row's last score to the edge after which `y_valid`
/// presents its `recip_sum` and `max`: exp (15), the product (2), recip (66; its input is the updated
/// sum, formed in the cycle before recip's first register). HLS's `finalize_attn` has depth 78
/// (`arch.depth.finalize_attn`): 5 cycles fewer, mostly because HLS's recip is 50 deep, not 66.
pub const LATENCY: u32 = exp::LATENCY + MUL_FM_LATENCY + recip::LATENCY;

/// The root module's name in the emitted Verilog.
pub const MODULE: &str = "softmax";

/// Registers from the accepting edge up to the state update (exp and the product).
const HEAD: usize = (exp::LATENCY + MUL_FM_LATENCY) as usize;
/// Registers of the delay line beside recip.
const TAIL: usize = recip::LATENCY as usize;
// `#[hdl_gen]` loops need literal bounds: the body spells out 17, 16, 15, 14 (HEAD and below), 66 and
// 65 (TAIL), and 32 (SLOTS).
const _: () = assert!(
    HEAD == 17
        && TAIL == 66
        && SLOTS == 32
        && exp::LATENCY == 15
        && recip::LATENCY == DIVIDER_LATENCY
);

/// The unit for one fm_t format.
///
/// Flow control as gelu's: every stage (and the exp and divider inside) advances together when the
/// output register is empty or being read (`x_ready = (!y_valid || y_ready) && !reset`).
#[derive(LogicBlock)]
pub struct Softmax {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the pipeline (the state slots need no reset: every row starts with
    /// `first`).
    pub reset: Signal<In, Bit>,
    /// A score, fm_t raw (low W bits read).
    pub x: Signal<In, Bits<32>>,
    /// The state slot of the score's row.
    pub slot: Signal<In, Bits<5>>,
    /// The row's first score: its state starts from s = 0, m = fm_t minimum.
    pub first: Signal<In, Bit>,
    /// The row's last score: its statistics come out [`LATENCY`] edges later.
    pub last: Signal<In, Bit>,
    /// `x`, `slot`, `first`, `last` hold a beat.
    pub x_valid: Signal<In, Bit>,
    /// The unit takes the beat this edge if `x_valid`.
    pub x_ready: Signal<Out, Bit>,
    /// `recip(s)` of a finished row, fm_t raw sign-extended to 32 bits.
    pub recip_sum: Signal<Out, Bits<32>>,
    /// Its maximum m, fm_t raw sign-extended to 32 bits.
    pub max: Signal<Out, Bits<32>>,
    /// Its slot.
    pub y_slot: Signal<Out, Bits<5>>,
    /// `recip_sum`, `max`, `y_slot` hold a result.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes the result this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    sign_w: Constant<Bits<32>>,
    mask_w: Constant<Bits<32>>,
    /// 2^31: flips the sign bit so that unsigned compares order signed values.
    bias: Constant<Bits<32>>,
    /// The fm_t minimum, sign-extended: m's reset value.
    min_w: Constant<Bits<32>>,
    /// fm_t(1.0), sign-extended.
    one_w: Constant<Bits<32>>,
    /// 1, for the one-hot decodes.
    unit_bit: Constant<Bits<32>>,
    exp: ExpCore,
    mul: MulFm,
    /// recip's divider, dividing fm_t(1.0).
    recip: Divider,
    /// The state: s and m per slot.
    s_mem: [DFF<Bits<32>>; SLOTS],
    m_mem: [DFF<Bits<32>>; SLOTS],
    /// Beside exp and the product, levels 0–16: valid, the old s, the new m, new max, last, slot.
    valid: [DFF<Bit>; HEAD],
    s_old: [DFF<Bits<32>>; HEAD],
    m_new: [DFF<Bits<32>>; HEAD],
    neg: [DFF<Bit>; HEAD],
    last_p: [DFF<Bit>; HEAD],
    slot_p: [DFF<Bits<5>>; HEAD],
    /// e at levels 15 and 16.
    e: [DFF<Bits<32>>; 2],
    /// Beside recip, levels 17–82: m, slot (the divider's valid chain says which hold a finished row).
    m_t: [DFF<Bits<32>>; TAIL],
    slot_t: [DFF<Bits<5>>; TAIL],
    advance: Signal<Local, Bit>,
    x_w: Signal<Local, Bits<32>>,
    rd_sel: Signal<Local, Bits<32>>,
    s_rd: Signal<Local, Bits<32>>,
    m_rd: Signal<Local, Bits<32>>,
    is_neg: Signal<Local, Bit>,
    arg: Signal<Local, Bits<32>>,
    m_next: Signal<Local, Bits<32>>,
    s_pre: Signal<Local, Bits<32>>,
    s_next: Signal<Local, Bits<32>>,
    wr_sel: Signal<Local, Bits<32>>,
    write: Signal<Local, Bit>,
}

impl Softmax {
    /// The unit for `fm`; formats its exp or recip refuse are refused.
    ///
    /// The value is about 330 kB and is built from two more large ones: call it on a thread with a few
    /// MB of stack to spare (as `verilog` does), not on a default 2 MB test thread.
    pub fn new(fm: Format) -> Result<Softmax, RtlError> {
        let exp = ExpCore::new(fm).map_err(in_softmax("exp"))?;
        let recip = Divider::new(fm, MODULE)?;
        let w = fm.width();
        let f = fm.frac_bits() as u32;
        let raw = |v: i64| Bits::<32>::from(u64::from(v as u32));
        let mut softmax = Softmax {
            clock: Default::default(),
            reset: Default::default(),
            x: Default::default(),
            slot: Default::default(),
            first: Default::default(),
            last: Default::default(),
            x_valid: Default::default(),
            x_ready: Default::default(),
            recip_sum: Default::default(),
            max: Default::default(),
            y_slot: Default::default(),
            y_valid: Default::default(),
            y_ready: Default::default(),
            sign_w: Constant::new((1u64 << (w - 1)).into()),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            bias: Constant::new((1u64 << 31).into()),
            min_w: Constant::new(raw(fm.min_raw())),
            one_w: Constant::new(raw(fm.one_raw())),
            unit_bit: Constant::new(1u64.into()),
            exp,
            mul: MulFm::new(f),
            recip,
            s_mem: Default::default(),
            m_mem: Default::default(),
            valid: Default::default(),
            s_old: Default::default(),
            m_new: Default::default(),
            neg: Default::default(),
            last_p: Default::default(),
            slot_p: Default::default(),
            e: Default::default(),
            m_t: std::array::from_fn(|_| Default::default()),
            slot_t: std::array::from_fn(|_| Default::default()),
            advance: Default::default(),
            x_w: Default::default(),
            rd_sel: Default::default(),
            s_rd: Default::default(),
            m_rd: Default::default(),
            is_neg: Default::default(),
            arg: Default::default(),
            m_next: Default::default(),
            s_pre: Default::default(),
            s_next: Default::default(),
            wr_sel: Default::default(),
            write: Default::default(),
        };
        softmax.connect_all();
        Ok(softmax)
    }
}

/// A sub-unit's refusal, restated as this unit's (same config key, the sub-unit named in the reason).
fn in_softmax(part: &'static str) -> impl Fn(RtlError) -> RtlError {
    move |err| match err {
        RtlError::Unsupported { key, reason, .. } => RtlError::Unsupported {
            unit: MODULE,
            key,
            reason: format!("its {part}: {reason}"),
        },
        other => other,
    }
}

/// The unit's Verilog for `fm`, root module [`MODULE`].
///
/// Built on a thread with a large stack: a `Softmax` is a 330 kB value (rust-hdl's
/// signals are fat), built from its exp and recip and moved a few times, more than a default 2 MB
/// thread stack is sure to hold.
pub fn verilog(fm: Format) -> Result<String, RtlError> {
    on_big_stack(move || verilog_named(&Softmax::new(fm)?, MODULE, MODULE))
}

impl Logic for Softmax {
    #[hdl_gen]
    fn update(&mut self) {
        // Every register holds unless the pipeline advances (the state unless written).
        for i in 0..32 {
            self.s_mem[i].clock.next = self.clock.val();
            self.s_mem[i].d.next = self.s_mem[i].q.val();
            self.m_mem[i].clock.next = self.clock.val();
            self.m_mem[i].d.next = self.m_mem[i].q.val();
        }
        for k in 0..17 {
            self.valid[k].clock.next = self.clock.val();
            self.valid[k].d.next = self.valid[k].q.val();
            self.s_old[k].clock.next = self.clock.val();
            self.s_old[k].d.next = self.s_old[k].q.val();
            self.m_new[k].clock.next = self.clock.val();
            self.m_new[k].d.next = self.m_new[k].q.val();
            self.neg[k].clock.next = self.clock.val();
            self.neg[k].d.next = self.neg[k].q.val();
            self.last_p[k].clock.next = self.clock.val();
            self.last_p[k].d.next = self.last_p[k].q.val();
            self.slot_p[k].clock.next = self.clock.val();
            self.slot_p[k].d.next = self.slot_p[k].q.val();
        }
        for k in 0..2 {
            self.e[k].clock.next = self.clock.val();
            self.e[k].d.next = self.e[k].q.val();
        }
        for k in 0..66 {
            self.m_t[k].clock.next = self.clock.val();
            self.m_t[k].d.next = self.m_t[k].q.val();
            self.slot_t[k].clock.next = self.clock.val();
            self.slot_t[k].d.next = self.slot_t[k].q.val();
        }
        self.advance.next = !self.recip.out_valid.val() || self.y_ready.val();
        self.x_ready.next = self.advance.val() && !self.reset.val();

        // Level 0: the slot's state (golden's reset on a first score), d's sign, exp's argument.
        self.x_w.next =
            ((self.x.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        self.rd_sel.next = self.unit_bit.val() << self.slot.val();
        self.s_rd.next = 0.into();
        self.m_rd.next = self.min_w.val();
        for i in 0..32 {
            if self.rd_sel.val().get_bit(i) && !self.first.val() {
                self.s_rd.next = self.s_mem[i].q.val();
                self.m_rd.next = self.m_mem[i].q.val();
            }
        }
        // d = m − x < 0 (exactly: both are sign-extended W ≤ 32-bit values).
        self.is_neg.next = (self.m_rd.val() ^ self.bias.val()) < (self.x_w.val() ^ self.bias.val());
        // fm_t(−d), or fm_t(d) for a new max: exp reads the low W bits, which are the wrapped value.
        self.arg.next = self.x_w.val() - self.m_rd.val();
        self.m_next.next = self.m_rd.val();
        if self.is_neg.val() {
            self.arg.next = self.m_rd.val() - self.x_w.val();
            self.m_next.next = self.x_w.val();
        }
        // Levels 0–14: exp, always fed, advancing with this pipeline.
        self.exp.clock.next = self.clock.val();
        self.exp.x.next = self.arg.val();
        self.exp.en.next = self.advance.val();
        // Levels 15, 16: ⌊s·e⌋.
        self.mul.clock.next = self.clock.val();
        self.mul.en.next = self.advance.val();
        self.mul.a.next = self.s_old[14].q.val();
        self.mul.b.next = self.exp.y.val();
        // After level 16: the new s, wrapped to W bits and sign-extended, written back at the next edge.
        self.s_pre.next = self.s_old[16].q.val() + self.e[1].q.val();
        if self.neg[16].q.val() {
            self.s_pre.next = self.mul.p.val() + self.one_w.val();
        }
        self.s_next.next =
            ((self.s_pre.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        self.wr_sel.next = self.unit_bit.val() << self.slot_p[16].q.val();
        self.write.next = self.advance.val() && self.valid[16].q.val();
        for i in 0..32 {
            if self.write.val() && self.wr_sel.val().get_bit(i) {
                self.s_mem[i].d.next = self.s_next.val();
                self.m_mem[i].d.next = self.m_new[16].q.val();
            }
        }
        // Levels 17–82: recip(s) of a finished row.
        self.recip.clock.next = self.clock.val();
        self.recip.reset.next = self.reset.val();
        self.recip.en.next = self.advance.val();
        self.recip.a.next = self.one_w.val();
        self.recip.b.next = self.s_next.val();
        self.recip.in_valid.next = self.valid[16].q.val() && self.last_p[16].q.val();

        if self.advance.val() {
            self.valid[0].d.next = self.x_valid.val();
            self.s_old[0].d.next = self.s_rd.val();
            self.m_new[0].d.next = self.m_next.val();
            self.neg[0].d.next = self.is_neg.val();
            self.last_p[0].d.next = self.last.val();
            self.slot_p[0].d.next = self.slot.val();
            for k in 1..17 {
                self.valid[k].d.next = self.valid[k - 1].q.val();
                self.s_old[k].d.next = self.s_old[k - 1].q.val();
                self.m_new[k].d.next = self.m_new[k - 1].q.val();
                self.neg[k].d.next = self.neg[k - 1].q.val();
                self.last_p[k].d.next = self.last_p[k - 1].q.val();
                self.slot_p[k].d.next = self.slot_p[k - 1].q.val();
            }
            self.e[0].d.next = self.exp.y.val();
            self.e[1].d.next = self.e[0].q.val();
            self.m_t[0].d.next = self.m_new[16].q.val();
            self.slot_t[0].d.next = self.slot_p[16].q.val();
            for k in 1..66 {
                self.m_t[k].d.next = self.m_t[k - 1].q.val();
                self.slot_t[k].d.next = self.slot_t[k - 1].q.val();
            }
        }
        if self.reset.val() {
            for k in 0..17 {
                self.valid[k].d.next = false;
            }
        }
        self.recip_sum.next = self.recip.q.val();
        self.max.next = self.m_t[65].q.val();
        self.y_slot.next = self.slot_t[65].q.val();
        self.y_valid.next = self.recip.out_valid.val();
    }
}

/// One clock of the input contract's schedule: a score of a row, or a bubble.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Issue {
    /// Score `pos` of row `row`, sent in lane `lane` (its state slot).
    Score {
        /// The row (index into the rows given to [`interleave`]).
        row: usize,
        /// The score's place in its row.
        pos: usize,
        /// The lane, which is also the row's state slot.
        lane: usize,
        /// `pos` is the row's first score.
        first: bool,
        /// `pos` is the row's last score: its statistics come out.
        last: bool,
    },
    /// Nothing this clock (`x_valid` low); it still counts as an advance of the pipeline.
    Bubble,
}

/// The beats of rows of the given `lengths` (all at least 1) fed as the input contract asks: `lanes`
/// (≥ [`RECURRENCE`], ≤ [`SLOTS`]) lanes round-robin, lane j in slot j, each lane taking the next
/// unstarted row the round after its previous row ended, an idle lane sending a bubble; ends with the
/// last score (no trailing bubbles). The Verilator harness and the simulator's model of the top use the
/// same schedule, so their clock counts are comparable.
pub fn interleave(lengths: &[usize], lanes: usize) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mut busy: Vec<Option<(usize, usize)>> = vec![None; lanes.max(1)];
    let mut next_row = 0;
    let mut t = 0;
    loop {
        let lane = t % busy.len();
        t += 1;
        if busy[lane].is_none() && next_row < lengths.len() {
            busy[lane] = Some((next_row, 0));
            next_row += 1;
        }
        match busy[lane] {
            Some((row, pos)) => {
                let last = pos + 1 >= lengths[row];
                issues.push(Issue::Score {
                    row,
                    pos,
                    lane,
                    first: pos == 0,
                    last,
                });
                busy[lane] = (!last).then_some((row, pos + 1));
            }
            None if next_row == lengths.len() && busy.iter().all(Option::is_none) => break,
            None => issues.push(Issue::Bubble),
        }
    }
    issues
}

/// [`Softmax`] behind AXI-Stream ports, padded to `arch.depth.softmax`.
///
/// The rows are AXI-Stream's interleaved streams: a beat's `s_axis_tdata` is the score, `s_axis_tid`
/// its row's slot, `s_axis_tuser` marks the row's first score and `s_axis_tlast` its last. A bubble of
/// the input contract is a clock with `s_axis_tvalid` low and `s_axis_tready` high. A result's
/// `m_axis_tdata` holds `recip_sum` in bits 0..31 and `max` in 32..63, `m_axis_tid` the row's slot.
#[derive(LogicBlock)]
pub struct SoftmaxAxis {
    /// Clock.
    pub aclk: Signal<In, Clock>,
    /// Synchronous reset, active low.
    pub aresetn: Signal<In, Bit>,
    /// A score (fm_t raw, low W bits read).
    pub s_axis_tdata: Signal<In, Bits<32>>,
    /// Its row's slot.
    pub s_axis_tid: Signal<In, Bits<5>>,
    /// The row's first score.
    pub s_axis_tuser: Signal<In, Bit>,
    /// The row's last score.
    pub s_axis_tlast: Signal<In, Bit>,
    /// AXI-Stream TVALID of the score.
    pub s_axis_tvalid: Signal<In, Bit>,
    /// AXI-Stream TREADY of the score (the pipeline advances).
    pub s_axis_tready: Signal<Out, Bit>,
    /// A finished row's `recip_sum` (bits 0..31) and `max` (32..63), sign-extended.
    pub m_axis_tdata: Signal<Out, Bits<64>>,
    /// Its slot.
    pub m_axis_tid: Signal<Out, Bits<5>>,
    /// AXI-Stream TVALID of the statistics.
    pub m_axis_tvalid: Signal<Out, Bit>,
    /// AXI-Stream TREADY of the statistics.
    pub m_axis_tready: Signal<In, Bit>,
    unit: Softmax,
    pad: super::axis::LatencyPad<{ OUT_BITS }>,
    recip_w: Signal<Local, Bits<{ OUT_BITS }>>,
    max_w: Signal<Local, Bits<{ OUT_BITS }>>,
    slot_w: Signal<Local, Bits<{ OUT_BITS }>>,
    stats: Signal<Local, Bits<{ OUT_BITS }>>,
}

/// Bits the pad carries per result: `recip_sum`, `max`, the slot.
const OUT_BITS: usize = 69;

impl SoftmaxAxis {
    /// `unit` followed by `pad` stages.
    pub fn new(unit: Softmax, pad: usize) -> Result<SoftmaxAxis, RtlError> {
        let mut top = SoftmaxAxis {
            aclk: Default::default(),
            aresetn: Default::default(),
            s_axis_tdata: Default::default(),
            s_axis_tvalid: Default::default(),
            s_axis_tready: Default::default(),
            s_axis_tid: Default::default(),
            s_axis_tuser: Default::default(),
            s_axis_tlast: Default::default(),
            m_axis_tdata: Default::default(),
            m_axis_tid: Default::default(),
            m_axis_tvalid: Default::default(),
            m_axis_tready: Default::default(),
            unit,
            pad: super::axis::LatencyPad::new(pad, pad).map_err(|detail| RtlError::Bug {
                unit: MODULE,
                detail,
            })?,
            recip_w: Default::default(),
            max_w: Default::default(),
            slot_w: Default::default(),
            stats: Default::default(),
        };
        top.connect_all();
        Ok(top)
    }
}

impl Logic for SoftmaxAxis {
    #[hdl_gen]
    fn update(&mut self) {
        self.unit.clock.next = self.aclk.val();
        self.unit.reset.next = !self.aresetn.val();
        self.unit.x.next = self.s_axis_tdata.val();
        self.unit.slot.next = self.s_axis_tid.val();
        self.unit.first.next = self.s_axis_tuser.val();
        self.unit.last.next = self.s_axis_tlast.val();
        self.unit.x_valid.next = self.s_axis_tvalid.val();
        self.s_axis_tready.next = self.unit.x_ready.val();
        // Widen registers' outputs, never expressions (see `mul::MulU32`).
        self.recip_w.next = bit_cast::<69, 32>(self.unit.recip_sum.val());
        self.max_w.next = bit_cast::<69, 32>(self.unit.max.val());
        self.slot_w.next = bit_cast::<69, 5>(self.unit.y_slot.val());
        self.stats.next = self.recip_w.val() | (self.max_w.val() << 32) | (self.slot_w.val() << 64);
        self.pad.clock.next = self.aclk.val();
        self.pad.reset.next = !self.aresetn.val();
        self.pad.alt.next = false;
        self.pad.x.next = self.stats.val();
        self.pad.x_valid.next = self.unit.y_valid.val();
        self.unit.y_ready.next = self.pad.x_ready.val();
        self.m_axis_tdata.next = self.pad.y.val().get_bits::<64>(0);
        self.m_axis_tid.next = self.pad.y.val().get_bits::<5>(64);
        self.m_axis_tvalid.next = self.pad.y_valid.val();
        self.pad.y_ready.next = self.m_axis_tready.val();
    }
}

// The widths the update spells out as literals.
const _: () = assert!(OUT_BITS == 69);

/// The AXI-Stream top's Verilog for `fm`, padded by `pad` stages, root module `module`.
pub fn axis_verilog(fm: Format, pad: usize, module: &str) -> Result<String, RtlError> {
    let module = module.to_string();
    on_big_stack(move || {
        let top = SoftmaxAxis::new(Softmax::new(fm)?, pad)?;
        verilog_named(&top, MODULE, &module)
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use golden::rng::SplitMix64;
    use golden::units::softmax::finalize_attn;

    use super::*;

    fn formats() -> [Format; 2] {
        ["ap_fixed<32,10>", "ap_fixed<24,8>"].map(|s| s.parse().expect("a valid format"))
    }

    /// One input beat.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Beat {
        x: u32,
        slot: u32,
        first: bool,
        last: bool,
    }

    /// One result.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Out {
        recip_sum: u32,
        max: u32,
        slot: u32,
    }

    /// The unit stepped directly, clock edge by clock edge.
    struct Bench {
        uut: Box<Softmax>,
    }

    impl Bench {
        fn new(fm: Format) -> Bench {
            let mut bench = Bench {
                uut: Box::new(Softmax::new(fm).expect("a supported format")),
            };
            bench.reset();
            bench
        }

        fn edge(&mut self) {
            for high in [false, true] {
                self.uut.clock.next = Clock { clk: high };
                assert!(simulate(&mut *self.uut, 200), "settles");
            }
        }

        fn reset(&mut self) {
            self.uut.reset.next = true;
            self.edge();
            self.uut.reset.next = false;
        }

        /// One cycle: offers `beat`, sets `y_ready`; returns `x_ready` (the pipeline advances: the beat,
        /// if any, is taken) and the result delivered, both decided before the edge.
        fn cycle(&mut self, beat: Option<Beat>, y_ready: bool) -> (bool, Option<Out>) {
            let b = beat.unwrap_or(Beat {
                x: 0,
                slot: 0,
                first: false,
                last: false,
            });
            self.uut.x.next = u64::from(b.x).into();
            self.uut.slot.next = u64::from(b.slot).into();
            self.uut.first.next = b.first;
            self.uut.last.next = b.last;
            self.uut.x_valid.next = beat.is_some();
            self.uut.y_ready.next = y_ready;
            self.uut.clock.next = Clock { clk: false };
            assert!(simulate(&mut *self.uut, 200), "settles");
            let ready = self.uut.x_ready.val();
            let out = (self.uut.y_valid.val() && y_ready).then(|| Out {
                recip_sum: self.uut.recip_sum.val().to_u64() as u32,
                max: self.uut.max.val().to_u64() as u32,
                slot: self.uut.y_slot.val().to_u64() as u32,
            });
            self.edge();
            (ready, out)
        }
    }

    /// The slot of lane j: spread over all 32 (7 is odd, so j ↦ slot is one-to-one).
    fn lane_slot(j: usize) -> u32 {
        ((13 + 7 * j) % SLOTS) as u32
    }

    /// golden's statistics of `row`, as the unit presents them.
    fn expected(fm: Format, row: &[i64], slot: u32) -> Out {
        let info = finalize_attn(row.iter().copied(), &fm);
        Out {
            recip_sum: info.recip_sum as u32,
            max: info.max as u32,
            slot,
        }
    }

    /// The rows as beats in [`interleave`]'s schedule (lane j in [`lane_slot`] j), so two beats of one
    /// row are `lanes` beats apart. Bits above W are filled with junk for narrow formats. Returns the
    /// beats and the results in the order the unit must deliver them.
    fn schedule(fm: Format, rows: &[Vec<i64>], lanes: usize) -> (Vec<Option<Beat>>, Vec<Out>) {
        let mut rng = SplitMix64::new(99);
        let high = if fm.width() < 32 {
            !((1u32 << fm.width()) - 1)
        } else {
            0
        };
        let lengths: Vec<usize> = rows.iter().map(Vec::len).collect();
        let (mut beats, mut outs) = (Vec::new(), Vec::new());
        for issue in interleave(&lengths, lanes) {
            match issue {
                Issue::Score {
                    row,
                    pos,
                    lane,
                    first,
                    last,
                } => {
                    let junk = rng.next_u64() as u32 & high;
                    beats.push(Some(Beat {
                        x: rows[row][pos] as u32 & !high | junk,
                        slot: lane_slot(lane),
                        first,
                        last,
                    }));
                    if last {
                        outs.push(expected(fm, &rows[row], lane_slot(lane)));
                    }
                }
                Issue::Bubble => beats.push(None),
            }
        }
        (beats, outs)
    }

    /// The beats with `y_ready` high: every beat is taken at once, every result comes out [`LATENCY`]
    /// cycles after its last beat and equals golden's.
    fn stream(fm: Format, rows: &[Vec<i64>], lanes: usize) {
        let (beats, want) = schedule(fm, rows, lanes);
        let mut bench = Bench::new(fm);
        let (mut lasts, mut got) = (Vec::new(), Vec::new());
        for cycle in 0..beats.len() + LATENCY as usize + 2 {
            let beat = beats.get(cycle).copied().flatten();
            let (ready, out) = bench.cycle(beat, true);
            assert!(ready, "{fm}: cycle {cycle} refused");
            if beat.is_some_and(|b| b.last) {
                lasts.push(cycle);
            }
            got.extend(out.map(|o| (cycle, o)));
        }
        assert_eq!(got.len(), want.len(), "{fm}: results");
        for (k, ((cycle, out), w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(
                *cycle,
                lasts[k] + LATENCY as usize,
                "{fm}: latency of row {k}"
            );
            assert_eq!(out, w, "{fm}: row {k} ({:?})", rows.get(k));
        }
    }

    /// Rows at every edge of the recurrence, as fm_t raws.
    fn corner_rows(fm: Format) -> Vec<Vec<i64>> {
        let (min, max, one) = (fm.min_raw(), fm.max_raw(), fm.one_raw());
        let big = max / 5 * 3; // 0.6 of the range: differences of two such wrap
        let ramp_up: Vec<i64> = (0..40).map(|i| i * one / 8).collect();
        let ramp_down: Vec<i64> = ramp_up.iter().map(|&x| -x).collect();
        vec![
            // Rows of one score: s = exp(0) or ⌊0·e⌋ + 1; the minimum itself ties with the initial m.
            vec![0],
            vec![min],
            vec![max],
            vec![1],
            vec![-1],
            vec![min + 1],
            // Equal scores: ties (d = 0) take the s + exp(0) branch.
            vec![0; 40],
            vec![3 * one; 40],
            vec![min; 40],
            vec![max; 40],
            vec![5, 5],
            vec![2 * one, -one, 2 * one, -one, 2 * one],
            // Every score a new maximum, or none.
            ramp_up,
            ramp_down,
            // ±1 LSB steps.
            vec![0, 1, 0, 1, 2, 1],
            vec![max - 1, max, max - 1],
            vec![min, min + 1, min],
            // d one bit wider than fm_t: m − x = min − max and max − min wrap in fm_t.
            vec![min, max],
            vec![max, min],
            vec![min, max, min, max],
            vec![min, 0, max, 0, min],
            vec![-big, big],
            vec![big, -big],
            vec![-big, big, -big, big, 0],
            // Large negative arguments: exp gives 0, s stays put.
            vec![10 * one, -10 * one],
            vec![5 * one, -20 * one, -30 * one, 5 * one],
            vec![0, -40 * one, -60 * one, -100 * one],
            // The first score after the minimum is a new maximum over the initial m.
            vec![min, min, 0],
        ]
    }

    /// Random rows of 1 to 40 scores: realistic ones in (−8, 8), anywhere in fm_t, and clustered on a
    /// coarse grid (many ties and near ties).
    fn random_rows(fm: Format, seed: u64, n: usize) -> Vec<Vec<i64>> {
        let mut rng = SplitMix64::new(seed);
        let span = (fm.max_raw() as i128 - fm.min_raw() as i128 + 1) as u64;
        let eight = 8 * fm.one_raw();
        (0..n)
            .map(|r| {
                let len = 1 + rng.below(40) as usize;
                (0..len)
                    .map(|_| match r % 4 {
                        0 | 1 => rng.below(2 * eight as u64) as i64 - eight,
                        2 => fm.min_raw() + rng.below(span) as i64,
                        _ => (rng.below(9) as i64 - 4) * fm.one_raw() / 4,
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn corner_rows_equal_golden_bit_for_bit() {
        on_big_stack(|| {
            for fm in formats() {
                stream(fm, &corner_rows(fm), RECURRENCE as usize);
            }
        })
    }

    #[test]
    fn seeded_random_rows_equal_golden_bit_for_bit_at_one_score_per_cycle() {
        on_big_stack(|| {
            for fm in formats() {
                let start = Instant::now();
                stream(fm, &random_rows(fm, 7, 400), RECURRENCE as usize);
                eprintln!("{fm}: 400 rows in {:?}", start.elapsed());
            }
        })
    }

    /// All 32 slots in use, and the rows of one slot back to back.
    #[test]
    fn every_slot_and_more_lanes_than_the_recurrence() {
        on_big_stack(|| {
            let fm = formats()[1];
            stream(fm, &random_rows(fm, 5, 70), SLOTS);
        })
    }

    /// One lane fewer than the contract asks: a row's next score reads its slot before the previous
    /// update was written, and the sum goes wrong; the contract's distance gives golden's.
    #[test]
    fn the_recurrence_constant_is_tight() {
        on_big_stack(|| {
            let fm = formats()[0];
            let one = fm.one_raw();
            let row = vec![0, one, 2 * one, one, 3 * one];
            let want = expected(fm, &row, lane_slot(0));
            let run = |lanes: usize| {
                let (beats, _) = schedule(fm, std::slice::from_ref(&row), lanes);
                let mut bench = Bench::new(fm);
                (0..beats.len() + LATENCY as usize + 2)
                    .filter_map(|c| bench.cycle(beats.get(c).copied().flatten(), true).1)
                    .collect::<Vec<_>>()
            };
            assert_eq!(run(RECURRENCE as usize), [want]);
            let early = run(RECURRENCE as usize - 1);
            assert_eq!(early.len(), 1);
            assert_ne!(
                early[0], want,
                "a distance of RECURRENCE − 1 should break the sum"
            );
        })
    }

    /// Random `y_ready` after a long stall, and a driver that sometimes holds its next beat back: every
    /// result comes out once, in order, equal to golden's.
    #[test]
    fn backpressure_loses_and_duplicates_nothing() {
        on_big_stack(|| {
            for fm in formats() {
                let mut rows = corner_rows(fm);
                rows.extend(random_rows(fm, 11, 40));
                let (beats, want) = schedule(fm, &rows, RECURRENCE as usize);
                let mut rng = SplitMix64::new(3);
                let mut bench = Bench::new(fm);
                let (mut next, mut got, mut refused) = (0, Vec::new(), 0);
                for cycle in 0..20 * beats.len() {
                    if got.len() == want.len() {
                        break;
                    }
                    let ready =
                        !(40..40 + 2 * LATENCY as usize).contains(&cycle) && rng.below(3) == 0;
                    let hold_back = rng.below(4) == 0;
                    let item = beats.get(next).copied();
                    let offer = if hold_back { None } else { item.flatten() };
                    // A scheduled bubble, like a beat, is passed when the pipeline advances (x_ready high).
                    let (advanced, out) = bench.cycle(offer, ready);
                    if advanced && !hold_back && item.is_some() {
                        next += 1;
                    } else if offer.is_some() {
                        refused += 1;
                    }
                    got.extend(out);
                }
                assert!(refused >= 40, "{fm}: the stall never reached x_ready");
                assert_eq!(got, want, "{fm}: results under backpressure");
            }
        })
    }

    #[test]
    fn reset_empties_the_pipeline() {
        on_big_stack(|| {
            let fm = formats()[0];
            let (beats, _) = schedule(fm, &random_rows(fm, 13, 30), RECURRENCE as usize);
            let mut bench = Bench::new(fm);
            for &beat in beats.iter().take(300) {
                bench.cycle(beat, true);
            }
            bench.reset();
            for _ in 0..2 * LATENCY {
                assert_eq!(bench.cycle(None, true).1, None);
            }
            // And it works afterwards: a row of one score.
            let beat = Beat {
                x: (3 * fm.one_raw()) as u32,
                slot: 31,
                first: true,
                last: true,
            };
            assert!(bench.cycle(Some(beat), true).0, "taken after the reset");
            let outs: Vec<(u32, Out)> = (1..=LATENCY)
                .filter_map(|c| bench.cycle(None, true).1.map(|o| (c, o)))
                .collect();
            assert_eq!(outs, [(LATENCY, expected(fm, &[3 * fm.one_raw()], 31))]);
        })
    }

    #[test]
    fn formats_exp_or_recip_refuse_are_refused() {
        on_big_stack(|| {
            for text in [
                "ap_fixed<40,10>",
                "ap_ufixed<32,10>",
                "ap_fixed<16,6>",
                "ap_fixed<32,10,AP_RND,AP_WRAP>",
                "ap_fixed<32,10,AP_TRN,AP_SAT>",
                "ap_fixed<32,4>",
            ] {
                let fm: Format = text.parse().expect("a valid format");
                match Softmax::new(fm).err() {
                    Some(RtlError::Unsupported { unit, key, reason }) => {
                        assert_eq!((unit, key), (MODULE, "numerics.fm"), "{text}");
                        assert!(reason.starts_with("its exp"), "{text}: {reason}");
                    }
                    other => panic!("{text}: {other:?}"),
                }
            }
            assert!(Softmax::new("ap_fixed<16,4>".parse().expect("a valid format")).is_ok());
        })
    }

    /// The AXI-Stream top: the beat's fields on their ports, results packed, every result
    /// `LATENCY + pad` edges after its row's last beat, at one beat per clock.
    #[test]
    fn the_top_packs_the_fields_and_takes_the_padded_depth() {
        on_big_stack(|| {
            let fm = formats()[1];
            let pad = 3;
            let rows = random_rows(fm, 17, 25);
            let (beats, want) = schedule(fm, &rows, RECURRENCE as usize);
            let mut top =
                Box::new(SoftmaxAxis::new(Softmax::new(fm).expect("format"), pad).expect("top"));
            let edge = |top: &mut SoftmaxAxis| {
                for high in [false, true] {
                    top.aclk.next = Clock { clk: high };
                    assert!(simulate(top, 200), "settles");
                }
            };
            top.aresetn.next = false;
            edge(&mut top);
            top.aresetn.next = true;
            let (mut lasts, mut got) = (Vec::new(), Vec::new());
            for cycle in 0..beats.len() + (LATENCY as usize + pad) + 2 {
                let beat = beats.get(cycle).copied().flatten();
                let b = beat.unwrap_or(Beat {
                    x: 0,
                    slot: 0,
                    first: false,
                    last: false,
                });
                top.s_axis_tdata.next = u64::from(b.x).into();
                top.s_axis_tid.next = u64::from(b.slot).into();
                top.s_axis_tuser.next = b.first;
                top.s_axis_tlast.next = b.last;
                top.s_axis_tvalid.next = beat.is_some();
                top.m_axis_tready.next = true;
                top.aclk.next = Clock { clk: false };
                assert!(simulate(&mut *top, 200), "settles");
                assert!(top.s_axis_tready.val(), "cycle {cycle} refused");
                if b.last && beat.is_some() {
                    lasts.push(cycle);
                }
                if top.m_axis_tvalid.val() {
                    let y = top.m_axis_tdata.val();
                    let out = Out {
                        recip_sum: y.get_bits::<32>(0).to_u64() as u32,
                        max: y.get_bits::<32>(32).to_u64() as u32,
                        slot: top.m_axis_tid.val().to_u64() as u32,
                    };
                    got.push((cycle, out));
                }
                edge(&mut top);
            }
            assert_eq!(got.len(), want.len());
            for (k, ((cycle, out), w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(
                    *cycle,
                    lasts[k] + LATENCY as usize + pad,
                    "row {k}'s latency"
                );
                assert_eq!(out, w, "row {k}");
            }
        })
    }

    #[test]
    fn the_schedule_keeps_every_row_recurrence_apart_and_ends_on_a_score() {
        let lengths = [5, 1, 7, 3, 2];
        let issues = interleave(&lengths, 18);
        assert!(matches!(
            issues.last(),
            Some(Issue::Score { last: true, .. })
        ));
        let mut seen: Vec<Vec<usize>> = vec![Vec::new(); lengths.len()];
        for (t, issue) in issues.iter().enumerate() {
            if let Issue::Score { row, pos, lane, .. } = *issue {
                assert_eq!(pos, seen[row].len(), "row {row} in order");
                assert_eq!(t % 18, lane);
                seen[row].push(t);
            }
        }
        for (row, times) in seen.iter().enumerate() {
            assert_eq!(times.len(), lengths[row]);
            assert!(
                times.windows(2).all(|w| w[1] - w[0] == 18),
                "row {row}: {times:?}"
            );
        }
        // 20 rows of 2 in 18 lanes: two full rounds, then rows 18 and 19 in lanes 0 and 1 with 16
        // bubbles between their two scores, and nothing after the last.
        let issues = interleave(&[2; 20], 18);
        assert_eq!(issues.len(), 2 * 18 + 18 + 2);
        assert_eq!(issues.iter().filter(|i| **i == Issue::Bubble).count(), 16);
    }

    #[test]
    fn verilog_passes_rust_hdls_design_check() {
        on_big_stack(|| {
            let v = verilog(formats()[0]).expect("Verilog");
            assert!(v.contains("module softmax("));
        })
    }
}
