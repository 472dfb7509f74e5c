//! `gating` in RTL: the MoE gate of one token ([`golden::units::gating`], Edge-MoE's `compute_gating`,
//! §9): the E expert logits `Σ ⌊x·w_gate⌋`, the online softmax over them in expert order, top-2 by
//! insertion and the two gate values `exp(fm_t(l − m)) / s`, bit-exact with golden's `gating`.
//!
//! ```text
//!             ┌────────────────────────────────────── Gating<BEAT, E> ───────────────────────────────────────┐
//!  x[BEAT] ──►│ 1–3 ⌊x·w / 2^Fw⌋ per weight   4 adder tree    5 acc[e] = first ? Σ : acc + Σ                 │
//!  w[E·BEAT] ►│   (linear's XLane + Mac)       per expert      6 capture bank[e] = wrap_W(acc[e]), scan      │
//!  first ────►│ scan, one expert per cycle (k = 0..E−1), then k = E:                                         │
//!  last ─────►│   l = bank[0] (a shift register); gt = l > m; arg = gt ? m − l : l − m; m = max(m, l);       │
//!  x_valid ──►│   top-2 insertion (strict >); k = E: arg = b1 − m (the top-2 numerator's argument)           │
//!  x_ready ◄──│ Exp (15 stages, one argument per cycle) ─► the bank of engine (token parity): ex[k], neg[k]  │
//!  reset ────►│ engines (GateSum × 2, tokens alternate), one expert per 3 cycles:                            │
//!             │   s = neg ? wrap_W(⌊s·e⌋ + 1) : wrap_W(s + e)   (MulFm 2 cycles + the s register)            │
//!  e1, e2 ◄───│ final s registered ─► Divider (66): g1 = exp(0) / s, next cycle g2 = e2 / s                  │
//!  g1, g2 ◄───│   (indices and g1/g2 tag ride beside it) ─► output register e1, e2, g1, g2                   │
//!  y_valid ◄──│                                                                                              │
//!  y_ready ──►│                                                                                              │
//!             └──────────────────────────────────────────────────────────────────────────────────────────────┘
//! ```
//! One accepted beat carries `x[d..d + BEAT]` of a token (fm_t raws in 32-bit containers, low W bits
//! read) and the matching weights of every expert, `w[e·BEAT + j] = w_gate[e][d + j]` (wt_linear_t raws
//! in 16 bits, low W_wt bits read), i.e. HLS's `load_w_gate` reshape, 16 × 8 weights per cycle. `first`
//! marks a token's first beat, `last` its last (a one-beat token has both). For every `last` beat,
//! [`LATENCY`] edges later, the unit presents the token's `e1`, `e2` (expert indices, zero-extended) and
//! `g1`, `g2` (fm_t, sign-extended), in token order.
//!
//! Numerics (golden's, fm_t with AP_TRN/AP_WRAP):
//! - logits: each product is floored at fm_t's F bits (`⌊x·w / 2^Fw⌋`, linear's `Mac`) and summed modulo
//!   2^32; the logit is the sum wrapped to W bits (golden's `Mac::dot`: floor each product, add modulo
//!   2^64, wrap once; the same residue).
//! - softmax (golden's `OnlineSoftmax::update` per expert, e = 0..E−1 from s = 0, m = fm_t min):
//!   `d = m − l` decided exactly by a signed compare of the two sign-extended values; exp's argument is
//!   the 32-bit difference `m − l` (new max) or `l − m` (else, ties included), whose low W bits are
//!   golden's wrapped fm_t(d) / fm_t(−d) (exp reads only those); then `s = wrap_W(⌊s·e⌋ + 1.0)`, or
//!   `s = wrap_W(s + e)`, `⌊s·e⌋` from a [`MulFm`].
//! - top-2 by insertion from the placeholders (expert 0, fm_t min), strict `>`: ties keep the lower
//!   index, and only logits at the minimum can leave a placeholder in place.
//! - gate values `div(exp(wrap_W(l − m)), s)` (0 for s = 0, as golden's `unwrap_or(0)`). For the top-1
//!   logit `l1 − m` is always 0: the top-1 value and the softmax maximum are the same running maximum
//!   (both start at the fm_t minimum and move on strictly greater logits), so its numerator is the
//!   constant `exp(0)` of the format, computed by golden's exp when the unit is built. Only the top-2
//!   numerator goes through the [`Exp`], as a 17th argument of the scan.
//!
//! Why the datapath looks the way it does:
//! - **Weights in the beat**, not a weight-load phase into a RAM: the unit holds no 16 × 192 weight
//!   store (49 kbit, and a second one to swap tasks), its beat carries what HLS reads per cycle from its
//!   completely partitioned `gate` array anyway, and a harness can stream `w_gate` beside each token from
//!   the test vectors. Where the weights live (BRAM next to the unit, a DMA) is the producer's business,
//!   as the token buffer is for [`super::layernorm`].
//! - **exp off the recurrence.** In golden's update the exp argument depends only on the running
//!   maximum, never on s, and the prefix maxima of the logits are known before any exp. So a scan walks
//!   the experts at one per cycle (prefix max, argument, top-2), one [`Exp`] evaluates the E + 1
//!   arguments back to back, and the results land in a bank. What is left on the recurrence is
//!   `⌊s·e⌋ + 1` or `s + e`: the MulFm (2 registers) and the s register, [`STEP`] = 3 cycles per
//!   expert, HLS's II 3 — instead of the 18 cycles of [`super::softmax`], where exp sits on the loop.
//! - **Two engines, tokens alternating.** A token's sum takes 3·E = 48 cycles, a token's beats only
//!   D/BEAT = 24, so one engine would halve the throughput. A second engine (one more MulFm, 4 DSPs,
//!   and an E-entry bank) lets a token start every [`token_gap`]`(E)` = 24 cycles, which the default
//!   D/BEAT = 24 meets exactly: the top then takes a beat every cycle, gap-free, like the linear tile.
//!   Interleaving two tokens in one engine does not work: its 3-cycle loop has three phase slots fixed
//!   by the clock, and tokens 24 (≡ 0 mod 3) cycles apart would want the same slot.
//! - **Admission control on `last` beats only.** A token's `last` beat is refused until
//!   [`token_gap`]`(E)` advances have passed since the previous token's `last` beat was accepted; that
//!   is all the scan (E + 1 cycles per token) and the engines (3·E per token, alternating) need to be
//!   free, so every token has the same latency. Other beats only fill the MAC pipeline, whose
//!   accumulators are free again the cycle after a token's last beat. `x_ready` thus depends on the
//!   offered `last` flag (AXI-Stream allows TREADY to depend on TVALID/TDATA).
//! - **One divider for both gate values**, fed on consecutive cycles (g1 the cycle after the engine's
//!   last step, g2 the next, from a register that frees the engine for the next token of its parity;
//!   the engine's final sum is a register rather than its combinational s, which costs a cycle but
//!   keeps Verilator from seeing a combinational loop through the engine's `en`); the expert
//!   indices and which-quotient ride beside it in a 66-deep delay line, since up to three tokens are in
//!   the divider at once.
//! - Flow control as gelu's: one global advance `!y_valid || y_ready`; every register (the scan, the
//!   banks and engines, the Exp and the Divider) holds unless it is high. The [`Exp`] is fed `x_valid = 1`
//!   and `y_ready = advance`, as in [`super::softmax`]: it is full 15 cycles after a reset, before any
//!   result can block the output, so from then on it advances exactly when this unit does. Its
//!   `x_ready` is read under a constant 0 (as linear reads its GELUs'): unread it is Verilator's
//!   UNUSEDSIGNAL, and a real read is a combinational loop at always-block granularity (UNOPTFLAT).
//!
//! Timing ([`LATENCY`], [`token_gap`], [`token_ii`], [`cycles`]): with the edge that accepts a token's
//! `last` beat as edge 1, the logits are in the accumulators after edge 5, scan step k feeds the Exp in
//! cycle 6 + k, its result is banked at edge 22 + k, engine step j starts in cycle 22 + 3j, the final
//! sum is formed in cycle 21 + 3E, registered, and goes into the divider with exp(0) (g1) in cycle
//! 22 + 3E, the next cycle with the top-2 numerator (g2); the quotients come out 66 cycles later and
//! the output register is loaded one edge after g2: [`latency`]`(E)` = 90 + 3E = 138 for E = 16. A token is accepted every
//! `max(D/BEAT, token_gap(E))` cycles.
//!
//! Verification: the tests below drive the AXI-Stream top exactly as a harness does (the tests'
//! `drive`: reset edge first, then per cycle, clock low, offer the next beat and `m_axis_tready`,
//! evaluate, count a beat taken on `s_axis_tready` and a result on `m_axis_tvalid && m_axis_tready`,
//! rising edge) and compare every result with golden's `gating` for ap_fixed<32,10> and
//! ap_fixed<24,8> (wt_linear_t ap_fixed<16,2>), the cycle count with [`cycles`], backpressure, reset,
//! and that one cycle less than [`token_gap`] breaks the results. The emitted Verilog
//! (ap_fixed<32,10>, pad 3) was replayed once by hand in Verilator 5.006 with a C++ mirror of `drive`
//! (vectors from the `GATING_VERILOG` hook of the Verilog test): 34 tokens (12 random, 22 corner),
//! every result equal to golden's, 957 cycles gap-free = [`cycles`], and the same results under random
//! backpressure and input gaps. `verilator --lint-only -Wall` with [`super::LINT_WAIVERS`] is clean.
//! Yosys 0.23 `synth_xilinx -family xcup -flatten` (same Verilog): 301 DSP48E2 (the 128 MACs' 256,
//! the Exp's 37, the two engines' MulFm 8), ≈ 29,100 LUTs, 24,829 FFs, 453 SRLs, no block or
//! distributed RAM (the Exp's tables as logic, as Yosys builds them without a `rom_style` attribute),
//! 4,466 CARRY4.

use golden::fixed::Format;
use rust_hdl::prelude::*;

use super::divider::{Divider, DIVIDER_LATENCY};
use super::exp::{self, Exp};
use super::linear::{Mac, XLane};
use super::mul::{MulFm, MUL_FM_LATENCY};
use super::{on_big_stack, verilog_named, RtlError, CONTAINER_BITS};

/// The root module's name in the emitted Verilog.
pub const MODULE: &str = "gating";

/// fm_t elements per beat of the instantiated unit (`arch.beat`).
pub const BEAT: usize = 8;

/// Experts of the instantiated unit (`model.experts`).
pub const EXPERTS: usize = 16;

/// Weights per beat of the instantiated unit.
pub const WEIGHTS: usize = BEAT * EXPERTS;

/// Widest `wt_linear_t` the 16×16 multipliers take.
pub const WEIGHT_BITS: u32 = 16;

/// Edges from accepting a token's last beat to its logits in the accumulators: |x| and |w| (1), the
/// partial products (2), the floored products (3), the adder tree (4), the accumulator (5).
pub const MAC_STAGES: u32 = 5;

/// Cycles per expert on the softmax recurrence: the MulFm's two registers and the s register.
pub const STEP: u32 = MUL_FM_LATENCY + 1;

/// Clock edges from the edge that accepts a token's `last` beat to the edge after which `y_valid`
/// presents its result: the MACs (5), the capture into the bank (1), the Exp behind the scan (15),
/// the engine's bank (1), E − 1 recurrence steps of [`STEP`] cycles and the last step's product (2),
/// the final sum's register (1), the Divider (66), g2 a cycle after g1 (1), the output register (1).
/// 90 + 3E.
pub const fn latency(experts: usize) -> u32 {
    MAC_STAGES
        + 1
        + exp::LATENCY
        + 1
        + STEP * (experts as u32 - 1)
        + MUL_FM_LATENCY
        + 1
        + DIVIDER_LATENCY
        + 1
        + 1
}

/// [`latency`] of the instantiated unit: 138. The standalone top has no `[arch.depth]` key yet (the
/// simulator times gating per HLS step: `gate_logits`, `gate_softmax`, `top_k`, `exp`, `gate_div`);
/// a key `arch.depth.gating` = 138 (+ padding) would give its top a configured depth as the scalar
/// units have.
pub const LATENCY: u32 = latency(EXPERTS);

/// Fewest cycles between the acceptance of two tokens' `last` beats: the scan needs E + 1 cycles
/// per token, and each of the two engines 3·E cycles per token it takes (every other token).
pub const fn token_gap(experts: usize) -> u32 {
    let scan = experts as u32 + 1;
    let engines = (STEP * experts as u32).div_ceil(2);
    if scan > engines {
        scan
    } else {
        engines
    }
}

/// Cycles per token with gap-free input and an always-ready sink: its `beats` (= D/BEAT) at one per
/// cycle, or [`token_gap`] when that is longer (the `last` beat waits). 24 for D = 192, BEAT = 8, E = 16.
pub const fn token_ii(beats: u32, experts: usize) -> u32 {
    let gap = token_gap(experts);
    if beats > gap {
        beats
    } else {
        gap
    }
}

/// Clock edges a top of depth `depth` (= [`LATENCY`] + padding) takes for `tokens` tokens of `beats`
/// beats each, fed without gaps into an always-ready sink, from the edge that accepts the first beat to
/// the one after which the last result is presented, both counted:
/// `token_ii · (tokens − 1) + beats + depth`.
///
/// In the simulator's engine that is `stream_cycles(unit, tokens, token_ii(beats, E), depth + beats − 1,
/// |_| true)` (one iteration per token); when `beats ≥ token_gap(E)` (the default 24 = 24) it is also
/// the linear tile's form, `stream_cycles(unit, tokens · beats, 1, depth, |i| i % beats == beats − 1)`.
pub const fn cycles(tokens: u64, beats: u32, experts: usize, depth: u32) -> u64 {
    if tokens == 0 {
        return 0;
    }
    token_ii(beats, experts) as u64 * (tokens - 1) + beats as u64 + depth as u64
}

// `#[hdl_gen]` loops need literal bounds: the body spells out 15 and 14 (exp), 66 and 65 (divider).
const _: () = assert!(exp::LATENCY == 15 && DIVIDER_LATENCY == 66 && STEP == 3);

/// One of the two softmax engines: the bank of a token's E exps (with their new-max bits), its top-2
/// numerator and indices, and the sum recurrence over them, one expert per [`STEP`] cycles.
///
/// Writes come from the Exp, one per cycle, `wk` = 0..E−1 for the experts and `wk` = E for the top-2
/// numerator (with the indices `wi`); the write of expert 0 starts the sum (s = 0, golden's reset). The
/// step of expert j reads `ex[j]` in its phase 0, when it has been written (the Exp's results come
/// once per cycle, the steps once per three); the MulFm's product of `s·ex[j]` is ready in phase 2,
/// where the new s is formed and registered; the last one is also registered apart as `s_fin` (with
/// `fin`, a cycle after its step), since the next token of this engine may restart `s` at that edge.
#[derive(LogicBlock)]
pub struct GateSum<const E: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: stops a sum in progress.
    pub reset: Signal<In, Bit>,
    /// The unit advances this edge.
    pub en: Signal<In, Bit>,
    /// Write `we` to entry `wk` this edge (with `en`).
    pub wr: Signal<In, Bit>,
    /// The entry: an expert (0..E−1) or E for the top-2 numerator.
    pub wk: Signal<In, Bits<8>>,
    /// exp of the entry, fm_t raw.
    pub we: Signal<In, Bits<32>>,
    /// The expert's logit was a new maximum.
    pub wneg: Signal<In, Bit>,
    /// The token's expert indices, top-1 in the low byte (read with entry E).
    pub wi: Signal<In, Bits<16>>,
    /// This cycle forms the token's final sum.
    pub fin: Signal<Out, Bit>,
    /// The sum this step forms, fm_t raw sign-extended.
    pub s_fin: Signal<Out, Bits<32>>,
    /// The top-2 numerator.
    pub e2: Signal<Out, Bits<32>>,
    /// The expert indices.
    pub idx: Signal<Out, Bits<16>>,
    sign_w: Constant<Bits<32>>,
    mask_w: Constant<Bits<32>>,
    one_w: Constant<Bits<32>>,
    unit_bit: Constant<Bits<E>>,
    k_gate: Constant<Bits<8>>,
    k_last: Constant<Bits<8>>,
    k_zero: Constant<Bits<8>>,
    k_one: Constant<Bits<8>>,
    ph_last: Constant<Bits<2>>,
    ph_one: Constant<Bits<2>>,
    mul: MulFm,
    ex: [DFF<Bits<32>>; E],
    ng: [DFF<Bit>; E],
    e2r: DFF<Bits<32>>,
    idxr: DFF<Bits<16>>,
    s: DFF<Bits<32>>,
    j: DFF<Bits<8>>,
    ph: DFF<Bits<2>>,
    act: DFF<Bit>,
    /// The final sum and its flag, registered: outputs that are plain register reads (see `update`).
    finr: DFF<Bit>,
    sfr: DFF<Bits<32>>,
    rsel: Signal<Local, Bits<E>>,
    wsel: Signal<Local, Bits<E>>,
    last_step: Signal<Local, Bit>,
    e_rd: Signal<Local, Bits<32>>,
    n_rd: Signal<Local, Bit>,
    s_pre: Signal<Local, Bits<32>>,
    s_new: Signal<Local, Bits<32>>,
}

impl<const E: usize> GateSum<E> {
    fn new(fm: Format) -> GateSum<E> {
        let w = fm.width();
        let c8 = |v: usize| Constant::new((v as u64).into());
        GateSum {
            clock: Default::default(),
            reset: Default::default(),
            en: Default::default(),
            wr: Default::default(),
            wk: Default::default(),
            we: Default::default(),
            wneg: Default::default(),
            wi: Default::default(),
            fin: Default::default(),
            s_fin: Default::default(),
            e2: Default::default(),
            idx: Default::default(),
            sign_w: Constant::new((1u64 << (w - 1)).into()),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            one_w: Constant::new(u64::from(fm.one_raw() as u32).into()),
            unit_bit: Constant::new(1u64.into()),
            k_gate: c8(E),
            k_last: c8(E - 1),
            k_zero: c8(0),
            k_one: c8(1),
            ph_last: Constant::new(2u64.into()),
            ph_one: Constant::new(1u64.into()),
            mul: MulFm::new(fm.frac_bits() as u32),
            ex: std::array::from_fn(|_| Default::default()),
            ng: std::array::from_fn(|_| Default::default()),
            e2r: Default::default(),
            idxr: Default::default(),
            s: Default::default(),
            j: Default::default(),
            ph: Default::default(),
            act: Default::default(),
            finr: Default::default(),
            sfr: Default::default(),
            rsel: Default::default(),
            wsel: Default::default(),
            last_step: Default::default(),
            e_rd: Default::default(),
            n_rd: Default::default(),
            s_pre: Default::default(),
            s_new: Default::default(),
        }
    }
}

impl<const E: usize> Logic for GateSum<E> {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..E {
            self.ex[i].clock.next = self.clock.val();
            self.ex[i].d.next = self.ex[i].q.val();
            self.ng[i].clock.next = self.clock.val();
            self.ng[i].d.next = self.ng[i].q.val();
        }
        dff_setup!(self, clock, e2r, idxr, s, j, ph, act, finr, sfr);
        // The step's entry (a one-hot decode: rust-hdl indices may only be loop variables).
        self.rsel.next = self.unit_bit.val() << self.j.q.val();
        self.e_rd.next = 0.into();
        self.n_rd.next = false;
        for i in 0..E {
            if self.rsel.val().get_bit(i) {
                self.e_rd.next = self.ex[i].q.val();
                self.n_rd.next = self.ng[i].q.val();
            }
        }
        // s and ex[j] hold from phase 0 to 2, so the product in phase 2 is theirs.
        self.mul.clock.next = self.clock.val();
        self.mul.en.next = self.en.val();
        self.mul.a.next = self.s.q.val();
        self.mul.b.next = self.e_rd.val();
        self.s_pre.next = self.s.q.val() + self.e_rd.val();
        if self.n_rd.val() {
            self.s_pre.next = self.mul.p.val() + self.one_w.val();
        }
        self.s_new.next =
            ((self.s_pre.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        self.last_step.next = self.act.q.val()
            && self.ph.q.val() == self.ph_last.val()
            && self.j.q.val() == self.k_last.val();
        // Registered, so that no output depends on an input within this block's one `always`:
        // Verilator sees a block as a whole, and the unit drives `en` from logic that reads `s_fin`
        // (UNOPTFLAT).
        self.fin.next = self.finr.q.val();
        self.s_fin.next = self.sfr.q.val();
        self.e2.next = self.e2r.q.val();
        self.idx.next = self.idxr.q.val();

        self.wsel.next = self.unit_bit.val() << self.wk.val();
        if self.en.val() {
            self.finr.d.next = self.last_step.val();
            if self.last_step.val() {
                self.sfr.d.next = self.s_new.val();
            }
            if self.act.q.val() {
                self.ph.d.next = self.ph.q.val() + self.ph_one.val();
                if self.ph.q.val() == self.ph_last.val() {
                    self.ph.d.next = 0.into();
                    self.s.d.next = self.s_new.val();
                    self.j.d.next = self.j.q.val() + self.k_one.val();
                    if self.j.q.val() == self.k_last.val() {
                        self.act.d.next = false;
                    }
                }
            }
            if self.wr.val() {
                for i in 0..E {
                    if self.wsel.val().get_bit(i) {
                        self.ex[i].d.next = self.we.val();
                        self.ng[i].d.next = self.wneg.val();
                    }
                }
                if self.wk.val() == self.k_gate.val() {
                    self.e2r.d.next = self.we.val();
                    self.idxr.d.next = self.wi.val();
                }
                // Expert 0's exp starts the token's sum (after the previous token's last step, which
                // may end at this very edge).
                if self.wk.val() == self.k_zero.val() {
                    self.s.d.next = 0.into();
                    self.j.d.next = 0.into();
                    self.ph.d.next = 0.into();
                    self.act.d.next = true;
                }
            }
        }
        if self.reset.val() {
            self.act.d.next = false;
            self.finr.d.next = false;
        }
    }
}

/// The unit: `BEAT` fm_t per beat, `E` experts, `N` = E·BEAT weights per beat (rust-hdl cannot size an
/// array from two other parameters, so `N` is a third one; [`Gating::new`] checks it).
///
/// Flow control: every stage advances together when the output register is empty or being read
/// (`advance = !y_valid || y_ready`); `x_ready = advance && !reset && (!last || gap_ok)`, where
/// `gap_ok` says [`token_gap`] advances have passed since the previous `last` beat was accepted.
#[derive(LogicBlock)]
pub struct Gating<const BEAT: usize, const E: usize, const N: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the pipeline.
    pub reset: Signal<In, Bit>,
    /// fm_t raws (low W bits read): `x[d + j]` of the token.
    pub x: [Signal<In, Bits<32>>; BEAT],
    /// wt_linear_t raws (low W_wt bits read): `w[e·BEAT + j] = w_gate[e][d + j]`.
    pub w: [Signal<In, Bits<16>>; N],
    /// The token's first beat: the logits start from this beat's products.
    pub first: Signal<In, Bit>,
    /// The token's last beat: its result comes out [`LATENCY`] edges after it is accepted.
    pub last: Signal<In, Bit>,
    /// The inputs hold a beat.
    pub x_valid: Signal<In, Bit>,
    /// The unit takes the beat this edge if `x_valid`.
    pub x_ready: Signal<Out, Bit>,
    /// The top-1 expert's index.
    pub e1: Signal<Out, Bits<32>>,
    /// The top-2 expert's index.
    pub e2: Signal<Out, Bits<32>>,
    /// The top-1 gate value, fm_t raw sign-extended.
    pub g1: Signal<Out, Bits<32>>,
    /// The top-2 gate value, fm_t raw sign-extended.
    pub g2: Signal<Out, Bits<32>>,
    /// `e1`, `e2`, `g1`, `g2` hold a token's result.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes the result this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    sign_w: Constant<Bits<32>>,
    mask_w: Constant<Bits<32>>,
    /// 2^31: flips the sign bit so that unsigned compares order signed values.
    bias: Constant<Bits<32>>,
    /// The fm_t minimum, sign-extended: the initial m and the top-2 placeholders.
    min_w: Constant<Bits<32>>,
    /// golden's exp(0) in fm_t: the top-1 numerator.
    exp0_w: Constant<Bits<32>>,
    gap_min: Constant<Bits<8>>,
    k_one: Constant<Bits<8>>,
    k_gate: Constant<Bits<8>>,
    zero: Constant<Bit>,
    xl: [XLane; BEAT],
    mac: [Mac; N],
    node: [Signal<Local, Bits<32>>; N],
    sum: [DFF<Bits<32>>; E],
    acc: [DFF<Bits<32>>; E],
    lw: [Signal<Local, Bits<32>>; E],
    /// Beside the MACs, stages 1–4: valid, first, last; the token's logits are in `acc` (stage 5).
    val: [DFF<Bit>; 4],
    fst: [DFF<Bit>; 4],
    lst: [DFF<Bit>; 4],
    tok: DFF<Bit>,
    gap: DFF<Bits<8>>,
    gap_ok: Signal<Local, Bit>,
    taken: Signal<Local, Bit>,
    /// The captured logits, shifted down one per scan step (the scan reads `bank[0]`).
    bank: [DFF<Bits<32>>; E],
    sk: DFF<Bits<8>>,
    sact: DFF<Bit>,
    sm: DFF<Bits<32>>,
    b0v: DFF<Bits<32>>,
    b1v: DFF<Bits<32>>,
    b0i: DFF<Bits<8>>,
    b1i: DFF<Bits<8>>,
    spar: DFF<Bit>,
    par: DFF<Bit>,
    l0: Signal<Local, Bits<32>>,
    gt: Signal<Local, Bit>,
    gt0: Signal<Local, Bit>,
    gt1: Signal<Local, Bit>,
    arg: Signal<Local, Bits<32>>,
    b0w: Signal<Local, Bits<16>>,
    b1w: Signal<Local, Bits<16>>,
    pk: Signal<Local, Bits<16>>,
    exp: Exp,
    /// Beside the Exp, 15 stages: valid, entry, new max, parity, indices.
    lv: [DFF<Bit>; 15],
    lk: [DFF<Bits<8>>; 15],
    ln: [DFF<Bit>; 15],
    lp: [DFF<Bit>; 15],
    li: [DFF<Bits<16>>; 15],
    wr_any: Signal<Local, Bit>,
    eng: [GateSum<E>; 2],
    fin_any: Signal<Local, Bit>,
    fs: Signal<Local, Bits<32>>,
    fe: Signal<Local, Bits<32>>,
    fi: Signal<Local, Bits<16>>,
    /// The g2 operands, a cycle after g1's.
    f2v: DFF<Bit>,
    f2s: DFF<Bits<32>>,
    f2e: DFF<Bits<32>>,
    f2i: DFF<Bits<16>>,
    div: Divider,
    /// Beside the divider: g2 (else g1), the indices.
    ts: [DFF<Bit>; 66],
    ti: [DFF<Bits<16>>; 66],
    g1h: DFF<Bits<32>>,
    yv: DFF<Bit>,
    ye1: DFF<Bits<32>>,
    ye2: DFF<Bits<32>>,
    yg1: DFF<Bits<32>>,
    yg2: DFF<Bits<32>>,
    i1b: Signal<Local, Bits<8>>,
    i2b: Signal<Local, Bits<8>>,
    i1w: Signal<Local, Bits<32>>,
    i2w: Signal<Local, Bits<32>>,
    advance: Signal<Local, Bit>,
}

impl<const BEAT: usize, const E: usize, const N: usize> Gating<BEAT, E, N> {
    /// The unit for `fm` (fm_t) and `wt` (wt_linear_t); formats the datapath cannot hold are refused.
    ///
    /// A `Gating<8, 16, 128>` is a large value (rust-hdl's signals are fat): build it on a thread with
    /// a large stack, as [`axis_verilog`] and the tests do.
    pub fn new(fm: Format, wt: Format) -> Result<Self, RtlError> {
        Self::with_token_gap(fm, wt, token_gap(E))
    }

    /// The unit admitting a token's `last` beat `gap` advances after the previous one's: [`new`]'s
    /// [`token_gap`], or less to show that less breaks the results (a test does).
    ///
    /// [`new`]: Gating::new
    fn with_token_gap(fm: Format, wt: Format, gap: u32) -> Result<Self, RtlError> {
        if !(BEAT >= 2 && BEAT.is_power_of_two() && (2..=32).contains(&E) && N == BEAT * E) {
            return Err(RtlError::Bug {
                unit: MODULE,
                detail: format!(
                    "Gating<{BEAT}, {E}, {N}>: BEAT must be a power of two ≥ 2, 2 ≤ E ≤ 32, N = BEAT·E"
                ),
            });
        }
        check_formats(fm, wt)?;
        let exp = Exp::new(fm).map_err(|err| match err {
            RtlError::Unsupported { key, reason, .. } => RtlError::Unsupported {
                unit: MODULE,
                key,
                reason: format!("its exp: {reason}"),
            },
            other => other,
        })?;
        let div = Divider::new(fm, MODULE)?;
        let w = fm.width();
        let raw = |v: i64| Bits::<32>::from(u64::from(v as u32));
        let mut unit = Gating {
            clock: Default::default(),
            reset: Default::default(),
            x: std::array::from_fn(|_| Default::default()),
            w: std::array::from_fn(|_| Default::default()),
            first: Default::default(),
            last: Default::default(),
            x_valid: Default::default(),
            x_ready: Default::default(),
            e1: Default::default(),
            e2: Default::default(),
            g1: Default::default(),
            g2: Default::default(),
            y_valid: Default::default(),
            y_ready: Default::default(),
            sign_w: Constant::new((1u64 << (w - 1)).into()),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            bias: Constant::new((1u64 << 31).into()),
            min_w: Constant::new(raw(fm.min_raw())),
            exp0_w: Constant::new(raw(golden::units::exp::exp(0, &fm))),
            gap_min: Constant::new(u64::from(gap).into()),
            k_one: Constant::new(1u64.into()),
            k_gate: Constant::new((E as u64).into()),
            zero: Constant::new(false),
            xl: std::array::from_fn(|_| XLane::new(fm)),
            mac: std::array::from_fn(|_| Mac::new(wt)),
            node: std::array::from_fn(|_| Default::default()),
            sum: std::array::from_fn(|_| Default::default()),
            acc: std::array::from_fn(|_| Default::default()),
            lw: std::array::from_fn(|_| Default::default()),
            val: Default::default(),
            fst: Default::default(),
            lst: Default::default(),
            tok: Default::default(),
            gap: Default::default(),
            gap_ok: Default::default(),
            taken: Default::default(),
            bank: std::array::from_fn(|_| Default::default()),
            sk: Default::default(),
            sact: Default::default(),
            sm: Default::default(),
            b0v: Default::default(),
            b1v: Default::default(),
            b0i: Default::default(),
            b1i: Default::default(),
            spar: Default::default(),
            par: Default::default(),
            l0: Default::default(),
            gt: Default::default(),
            gt0: Default::default(),
            gt1: Default::default(),
            arg: Default::default(),
            b0w: Default::default(),
            b1w: Default::default(),
            pk: Default::default(),
            exp,
            lv: Default::default(),
            lk: Default::default(),
            ln: Default::default(),
            lp: Default::default(),
            li: Default::default(),
            wr_any: Default::default(),
            eng: [GateSum::new(fm), GateSum::new(fm)],
            fin_any: Default::default(),
            fs: Default::default(),
            fe: Default::default(),
            fi: Default::default(),
            f2v: Default::default(),
            f2s: Default::default(),
            f2e: Default::default(),
            f2i: Default::default(),
            div,
            ts: std::array::from_fn(|_| Default::default()),
            ti: std::array::from_fn(|_| Default::default()),
            g1h: Default::default(),
            yv: Default::default(),
            ye1: Default::default(),
            ye2: Default::default(),
            yg1: Default::default(),
            yg2: Default::default(),
            i1b: Default::default(),
            i2b: Default::default(),
            i1w: Default::default(),
            i2w: Default::default(),
            advance: Default::default(),
        };
        unit.connect_all();
        Ok(unit)
    }
}

/// fm_t: signed, within the container, AP_TRN/AP_WRAP (modular sums), F ≥ 0; the Exp and the Divider
/// check the rest when they are built. wt_linear_t: at most 16 bits (16 unsigned bits would need a
/// 17-bit signed operand) with 0 ≤ F_wt ≤ 32, as the linear tile's MACs take it.
fn check_formats(fm: Format, wt: Format) -> Result<(), RtlError> {
    let fm_reason = if !fm.is_signed() {
        Some("fm_t must be signed".to_string())
    } else if fm.width() > CONTAINER_BITS {
        Some(format!(
            "W = {} exceeds the {CONTAINER_BITS}-bit container",
            fm.width()
        ))
    } else if !fm.is_trn_wrap() {
        Some("fm_t must use AP_TRN and AP_WRAP (the logits and the sum are modular)".to_string())
    } else if fm.frac_bits() < 0 {
        Some(format!("F = {} is negative", fm.frac_bits()))
    } else {
        None
    };
    if let Some(reason) = fm_reason {
        return Err(RtlError::Unsupported {
            unit: MODULE,
            key: "numerics.fm",
            reason: format!("fm_t = {fm}: {reason}"),
        });
    }
    let wt_reason = if wt.width() > WEIGHT_BITS || (!wt.is_signed() && wt.width() == WEIGHT_BITS) {
        Some(format!(
            "it does not fit the {WEIGHT_BITS}-bit signed multiplier operand"
        ))
    } else if !(0..=32).contains(&wt.frac_bits()) {
        Some("it needs 0 ≤ F ≤ 32".to_string())
    } else {
        None
    };
    match wt_reason {
        Some(reason) => Err(RtlError::Unsupported {
            unit: MODULE,
            key: "numerics.wt_linear",
            reason: format!("wt_linear_t = {wt} (w_gate): {reason}"),
        }),
        None => Ok(()),
    }
}

impl<const BEAT: usize, const E: usize, const N: usize> Logic for Gating<BEAT, E, N> {
    #[hdl_gen]
    fn update(&mut self) {
        // Every register holds unless the pipeline advances.
        for e in 0..E {
            self.sum[e].clock.next = self.clock.val();
            self.sum[e].d.next = self.sum[e].q.val();
            self.acc[e].clock.next = self.clock.val();
            self.acc[e].d.next = self.acc[e].q.val();
            self.bank[e].clock.next = self.clock.val();
            self.bank[e].d.next = self.bank[e].q.val();
        }
        for k in 0..4 {
            self.val[k].clock.next = self.clock.val();
            self.val[k].d.next = self.val[k].q.val();
            self.fst[k].clock.next = self.clock.val();
            self.fst[k].d.next = self.fst[k].q.val();
            self.lst[k].clock.next = self.clock.val();
            self.lst[k].d.next = self.lst[k].q.val();
        }
        for k in 0..15 {
            self.lv[k].clock.next = self.clock.val();
            self.lv[k].d.next = self.lv[k].q.val();
            self.lk[k].clock.next = self.clock.val();
            self.lk[k].d.next = self.lk[k].q.val();
            self.ln[k].clock.next = self.clock.val();
            self.ln[k].d.next = self.ln[k].q.val();
            self.lp[k].clock.next = self.clock.val();
            self.lp[k].d.next = self.lp[k].q.val();
            self.li[k].clock.next = self.clock.val();
            self.li[k].d.next = self.li[k].q.val();
        }
        for k in 0..66 {
            self.ts[k].clock.next = self.clock.val();
            self.ts[k].d.next = self.ts[k].q.val();
            self.ti[k].clock.next = self.clock.val();
            self.ti[k].d.next = self.ti[k].q.val();
        }
        dff_setup!(
            self, clock, tok, gap, sk, sact, sm, b0v, b1v, b0i, b1i, spar, par, f2v, f2s, f2e, f2i,
            g1h, yv, ye1, ye2, yg1, yg2
        );
        self.advance.next = !self.yv.q.val() || self.y_ready.val();
        self.gap_ok.next = self.gap.q.val() >= self.gap_min.val();
        self.x_ready.next =
            self.advance.val() && !self.reset.val() && (!self.last.val() || self.gap_ok.val());
        self.taken.next = self.x_valid.val() && self.x_ready.val();

        // Stages 1–3: the floored products (linear's XLane and Mac). `n` is BEAT.
        for j in 0..BEAT {
            self.xl[j].clock.next = self.clock.val();
            self.xl[j].en.next = self.advance.val();
            self.xl[j].x.next = self.x[j].val();
        }
        for n in BEAT..(BEAT + 1) {
            for e in 0..E {
                for j in 0..BEAT {
                    self.mac[e * n + j].clock.next = self.clock.val();
                    self.mac[e * n + j].en.next = self.advance.val();
                    self.mac[e * n + j].w.next = self.w[e * n + j].val();
                    self.mac[e * n + j].ax.next = self.xl[j].ax.val();
                    self.mac[e * n + j].sx.next = self.xl[j].sx.val();
                }
                // Stage 4: the adder tree, a heap in node[e·BEAT + 1 .. (e + 1)·BEAT] (linear's).
                for k in (BEAT / 2)..BEAT {
                    self.node[e * n + k].next = self.mac[e * n + 2 * k - n].q.val()
                        + self.mac[e * n + 2 * k + 1 - n].q.val();
                }
                for j in 1..(BEAT / 2) {
                    self.node[e * n + n / 2 - j].next =
                        self.node[e * n + n - 2 * j].val() + self.node[e * n + n - 2 * j + 1].val();
                }
                self.node[e * n].next = self.node[e * n + 1].val();
                if self.advance.val() {
                    self.sum[e].d.next = self.node[e * n].val();
                }
            }
        }
        // Stage 5: the accumulators (modulo 2^32), and the logits wrapped to W bits.
        for e in 0..E {
            if self.advance.val() && self.val[3].q.val() {
                self.acc[e].d.next = self.acc[e].q.val() + self.sum[e].q.val();
                if self.fst[3].q.val() {
                    self.acc[e].d.next = self.sum[e].q.val();
                }
            }
            self.lw[e].next =
                ((self.acc[e].q.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        }

        // The scan: expert k = sk reads bank[0]; k = E forms the top-2 numerator's argument.
        self.l0.next = self.bank[0].q.val();
        self.gt.next = (self.l0.val() ^ self.bias.val()) > (self.sm.q.val() ^ self.bias.val());
        self.gt0.next = (self.l0.val() ^ self.bias.val()) > (self.b0v.q.val() ^ self.bias.val());
        self.gt1.next = (self.l0.val() ^ self.bias.val()) > (self.b1v.q.val() ^ self.bias.val());
        self.arg.next = self.l0.val() - self.sm.q.val();
        if self.gt.val() {
            self.arg.next = self.sm.q.val() - self.l0.val();
        }
        if self.sk.q.val() == self.k_gate.val() {
            self.arg.next = self.b1v.q.val() - self.sm.q.val();
        }
        self.b0w.next = bit_cast::<16, 8>(self.b0i.q.val());
        self.b1w.next = bit_cast::<16, 8>(self.b1i.q.val());
        self.pk.next = self.b0w.val() | (self.b1w.val() << 8);
        // The Exp, always fed, advancing with this unit.
        self.exp.clock.next = self.clock.val();
        self.exp.reset.next = self.reset.val();
        self.exp.x.next = self.arg.val();
        self.exp.x_valid.next = true;
        self.exp.y_ready.next = self.advance.val();

        // The engines' banks, written as the Exp's results come out (its y_valid is high whenever a
        // scan step's result leaves it; its x_ready is not needed and is read under a constant 0).
        self.wr_any.next = self.lv[14].q.val()
            && (self.exp.y_valid.val() || (self.exp.x_ready.val() && self.zero.val()));
        for p in 0..2 {
            self.eng[p].clock.next = self.clock.val();
            self.eng[p].reset.next = self.reset.val();
            self.eng[p].en.next = self.advance.val();
            self.eng[p].wk.next = self.lk[14].q.val();
            self.eng[p].we.next = self.exp.y.val();
            self.eng[p].wneg.next = self.ln[14].q.val();
            self.eng[p].wi.next = self.li[14].q.val();
        }
        self.eng[0].wr.next = self.wr_any.val() && !self.lp[14].q.val();
        self.eng[1].wr.next = self.wr_any.val() && self.lp[14].q.val();

        // The divider: g1 = exp(0) / s in the cycle an engine ends, g2 = e2 / s the next.
        self.fin_any.next = self.eng[0].fin.val() || self.eng[1].fin.val();
        self.fs.next = self.eng[0].s_fin.val();
        self.fe.next = self.eng[0].e2.val();
        self.fi.next = self.eng[0].idx.val();
        if self.eng[1].fin.val() {
            self.fs.next = self.eng[1].s_fin.val();
            self.fe.next = self.eng[1].e2.val();
            self.fi.next = self.eng[1].idx.val();
        }
        self.div.clock.next = self.clock.val();
        self.div.reset.next = self.reset.val();
        self.div.en.next = self.advance.val();
        self.div.a.next = self.exp0_w.val();
        self.div.b.next = self.fs.val();
        self.div.in_valid.next = self.fin_any.val();
        if self.f2v.q.val() {
            self.div.a.next = self.f2e.q.val();
            self.div.b.next = self.f2s.q.val();
            self.div.in_valid.next = true;
        }
        self.i1b.next = self.ti[65].q.val().get_bits::<8>(0);
        self.i2b.next = self.ti[65].q.val().get_bits::<8>(8);
        self.i1w.next = bit_cast::<32, 8>(self.i1b.val());
        self.i2w.next = bit_cast::<32, 8>(self.i2b.val());

        if self.advance.val() {
            // Beside the MACs.
            self.val[0].d.next = self.taken.val();
            self.fst[0].d.next = self.first.val();
            self.lst[0].d.next = self.last.val();
            for k in 1..4 {
                self.val[k].d.next = self.val[k - 1].q.val();
                self.fst[k].d.next = self.fst[k - 1].q.val();
                self.lst[k].d.next = self.lst[k - 1].q.val();
            }
            self.tok.d.next = self.val[3].q.val() && self.lst[3].q.val();
            // Tokens' last beats at least token_gap apart.
            if !self.gap_ok.val() {
                self.gap.d.next = self.gap.q.val() + self.k_one.val();
            }
            if self.taken.val() && self.last.val() {
                self.gap.d.next = self.k_one.val();
            }
            // The scan.
            self.lv[0].d.next = self.sact.q.val();
            self.lk[0].d.next = self.sk.q.val();
            self.ln[0].d.next = self.gt.val();
            self.lp[0].d.next = self.spar.q.val();
            self.li[0].d.next = self.pk.val();
            for k in 1..15 {
                self.lv[k].d.next = self.lv[k - 1].q.val();
                self.lk[k].d.next = self.lk[k - 1].q.val();
                self.ln[k].d.next = self.ln[k - 1].q.val();
                self.lp[k].d.next = self.lp[k - 1].q.val();
                self.li[k].d.next = self.li[k - 1].q.val();
            }
            if self.sact.q.val() {
                self.sk.d.next = self.sk.q.val() + self.k_one.val();
                if self.sk.q.val() == self.k_gate.val() {
                    self.sact.d.next = false;
                } else {
                    for e in 1..E {
                        self.bank[e - 1].d.next = self.bank[e].q.val();
                    }
                    if self.gt.val() {
                        self.sm.d.next = self.l0.val();
                    }
                    if self.gt0.val() {
                        self.b1v.d.next = self.b0v.q.val();
                        self.b1i.d.next = self.b0i.q.val();
                        self.b0v.d.next = self.l0.val();
                        self.b0i.d.next = self.sk.q.val();
                    } else if self.gt1.val() {
                        self.b1v.d.next = self.l0.val();
                        self.b1i.d.next = self.sk.q.val();
                    }
                }
            }
            // A token's logits: capture them and start its scan (after the previous scan's last
            // step, which may be this very cycle).
            if self.tok.q.val() {
                for e in 0..E {
                    self.bank[e].d.next = self.lw[e].val();
                }
                self.sk.d.next = 0.into();
                self.sact.d.next = true;
                self.sm.d.next = self.min_w.val();
                self.b0v.d.next = self.min_w.val();
                self.b1v.d.next = self.min_w.val();
                self.b0i.d.next = 0.into();
                self.b1i.d.next = 0.into();
                self.spar.d.next = self.par.q.val();
                self.par.d.next = !self.par.q.val();
            }
            // The g2 operands, and the tags beside the divider.
            self.f2v.d.next = self.fin_any.val();
            self.f2s.d.next = self.fs.val();
            self.f2e.d.next = self.fe.val();
            self.f2i.d.next = self.fi.val();
            self.ts[0].d.next = self.f2v.q.val();
            self.ti[0].d.next = self.f2i.q.val();
            for k in 1..66 {
                self.ts[k].d.next = self.ts[k - 1].q.val();
                self.ti[k].d.next = self.ti[k - 1].q.val();
            }
            // The output: g1 waits a cycle for g2.
            if self.div.out_valid.val() && !self.ts[65].q.val() {
                self.g1h.d.next = self.div.q.val();
            }
            self.yv.d.next = self.div.out_valid.val() && self.ts[65].q.val();
            if self.div.out_valid.val() && self.ts[65].q.val() {
                self.ye1.d.next = self.i1w.val();
                self.ye2.d.next = self.i2w.val();
                self.yg1.d.next = self.g1h.q.val();
                self.yg2.d.next = self.div.q.val();
            }
        }
        if self.reset.val() {
            for k in 0..4 {
                self.val[k].d.next = false;
            }
            for k in 0..15 {
                self.lv[k].d.next = false;
            }
            self.tok.d.next = false;
            self.sact.d.next = false;
            self.par.d.next = false;
            self.f2v.d.next = false;
            self.yv.d.next = false;
            self.gap.d.next = self.gap_min.val();
        }
        self.e1.next = self.ye1.q.val();
        self.e2.next = self.ye2.q.val();
        self.g1.next = self.yg1.q.val();
        self.g2.next = self.yg2.q.val();
        self.y_valid.next = self.yv.q.val();
    }
}

/// Bit offsets of the fields of [`GatingAxis`]'s `s_axis_tdata`, low bits first: `x[BEAT]` (32 bits
/// each, from bit 0), `w[E·BEAT]` (16 bits each, `w[e·BEAT + j]`), then the flags `first` (bit
/// `flags`) and `last` (bit `flags + 1`), padded to a whole 32-bit word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BeatLayout {
    /// Where `w[0]` starts.
    pub w: usize,
    /// Where the flags start.
    pub flags: usize,
    /// The whole beat.
    pub bits: usize,
}

impl BeatLayout {
    /// The layout for `beat` fm_t and `experts` experts: 2,336 bits for (8, 16).
    pub const fn new(beat: usize, experts: usize) -> BeatLayout {
        let w = 32 * beat;
        let flags = w + 16 * beat * experts;
        BeatLayout {
            w,
            flags,
            bits: flags + 32,
        }
    }
}

/// Width of [`GatingAxis`]'s `m_axis_tdata`: `e1` (bits 0..32), `e2` (32..64), `g1` (64..96),
/// `g2` (96..128).
pub const OUT_BITS: usize = 128;

/// [`Gating`] behind AXI-Stream ports, padded by a [`LatencyPad`](super::axis::LatencyPad): one token
/// beat per `s_axis` beat (layout [`BeatLayout`]), one result per token on `m_axis` ([`OUT_BITS`]).
#[derive(LogicBlock)]
pub struct GatingAxis<const BEAT: usize, const E: usize, const N: usize, const TIN: usize> {
    /// Clock.
    pub aclk: Signal<In, Clock>,
    /// Synchronous reset, active low.
    pub aresetn: Signal<In, Bit>,
    /// One token beat (layout: [`BeatLayout`]).
    pub s_axis_tdata: Signal<In, Bits<TIN>>,
    /// AXI-Stream TVALID of the beat.
    pub s_axis_tvalid: Signal<In, Bit>,
    /// AXI-Stream TREADY of the beat (low for a `last` beat until the token gap has passed).
    pub s_axis_tready: Signal<Out, Bit>,
    /// One token's result: e1, e2, g1, g2 in 32-bit words, low first.
    pub m_axis_tdata: Signal<Out, Bits<OUT_BITS>>,
    /// AXI-Stream TVALID of the result.
    pub m_axis_tvalid: Signal<Out, Bit>,
    /// AXI-Stream TREADY of the result.
    pub m_axis_tready: Signal<In, Bit>,
    unit: Gating<BEAT, E, N>,
    pad: super::axis::LatencyPad<OUT_BITS>,
    w_at: Constant<Bits<32>>,
    flags_at: Constant<Bits<32>>,
    y0: Signal<Local, Bits<OUT_BITS>>,
    y1: Signal<Local, Bits<OUT_BITS>>,
    y2: Signal<Local, Bits<OUT_BITS>>,
    y3: Signal<Local, Bits<OUT_BITS>>,
}

impl<const BEAT: usize, const E: usize, const N: usize, const TIN: usize>
    GatingAxis<BEAT, E, N, TIN>
{
    /// `unit` followed by `pad` stages.
    pub fn new(unit: Gating<BEAT, E, N>, pad: usize) -> Result<Self, RtlError> {
        let layout = BeatLayout::new(BEAT, E);
        if layout.bits != TIN {
            return Err(RtlError::Bug {
                unit: MODULE,
                detail: format!(
                    "GatingAxis<{BEAT}, {E}>: a beat of {TIN} bits, the layout needs {}",
                    layout.bits
                ),
            });
        }
        let at = |bit: usize| Constant::new((bit as u64).into());
        let mut top = GatingAxis {
            aclk: Default::default(),
            aresetn: Default::default(),
            s_axis_tdata: Default::default(),
            s_axis_tvalid: Default::default(),
            s_axis_tready: Default::default(),
            m_axis_tdata: Default::default(),
            m_axis_tvalid: Default::default(),
            m_axis_tready: Default::default(),
            unit,
            pad: super::axis::LatencyPad::new(pad, pad).map_err(|detail| RtlError::Bug {
                unit: MODULE,
                detail,
            })?,
            w_at: at(layout.w),
            flags_at: at(layout.flags),
            y0: Default::default(),
            y1: Default::default(),
            y2: Default::default(),
            y3: Default::default(),
        };
        top.connect_all();
        Ok(top)
    }
}

impl<const BEAT: usize, const E: usize, const N: usize, const TIN: usize> Logic
    for GatingAxis<BEAT, E, N, TIN>
{
    #[hdl_gen]
    fn update(&mut self) {
        self.unit.clock.next = self.aclk.val();
        self.unit.reset.next = !self.aresetn.val();
        for j in 0..BEAT {
            self.unit.x[j].next = self.s_axis_tdata.val().get_bits::<32>(32 * j);
        }
        for k in 0..N {
            self.unit.w[k].next = self
                .s_axis_tdata
                .val()
                .get_bits::<16>(self.w_at.val().index() + 16 * k);
        }
        self.unit.first.next = self.s_axis_tdata.val().get_bit(self.flags_at.val().index());
        self.unit.last.next = self
            .s_axis_tdata
            .val()
            .get_bit(self.flags_at.val().index() + 1);
        self.unit.x_valid.next = self.s_axis_tvalid.val();
        self.s_axis_tready.next = self.unit.x_ready.val();
        // Widen plain signals, then shift (rust-hdl's simulation and Verilog agree on that).
        self.y0.next = bit_cast::<OUT_BITS, 32>(self.unit.e1.val());
        self.y1.next = bit_cast::<OUT_BITS, 32>(self.unit.e2.val());
        self.y2.next = bit_cast::<OUT_BITS, 32>(self.unit.g1.val());
        self.y3.next = bit_cast::<OUT_BITS, 32>(self.unit.g2.val());
        self.pad.clock.next = self.aclk.val();
        self.pad.reset.next = !self.aresetn.val();
        self.pad.alt.next = false;
        self.pad.x.next =
            self.y0.val() | (self.y1.val() << 32) | (self.y2.val() << 64) | (self.y3.val() << 96);
        self.pad.x_valid.next = self.unit.y_valid.val();
        self.unit.y_ready.next = self.pad.x_ready.val();
        self.m_axis_tdata.next = self.pad.y.val();
        self.m_axis_tvalid.next = self.pad.y_valid.val();
        self.pad.y_ready.next = self.m_axis_tready.val();
    }
}

/// The instantiated top: BEAT = 8, E = 16.
pub type GateTop = GatingAxis<BEAT, EXPERTS, WEIGHTS, { BeatLayout::new(BEAT, EXPERTS).bits }>;

/// The refusal of a shape other than the instantiated one.
fn check_shape(beat: usize, experts: usize) -> Result<(), RtlError> {
    if experts != EXPERTS {
        return Err(RtlError::Unsupported {
            unit: MODULE,
            key: "model.experts",
            reason: format!("{experts} experts: only {EXPERTS} are instantiated"),
        });
    }
    if beat != BEAT {
        return Err(RtlError::Unsupported {
            unit: MODULE,
            key: "arch.beat",
            reason: format!("{beat} fm_t per beat: only {BEAT} is instantiated"),
        });
    }
    Ok(())
}

/// The instantiated top for `fm` and `wt`, padded by `pad` stages (a depth of [`LATENCY`] + `pad`),
/// built on a thread with a large stack; `(beat, experts)` must be the instantiated (8, 16).
pub fn top(
    fm: Format,
    wt: Format,
    (beat, experts): (usize, usize),
    pad: usize,
) -> Result<Box<GateTop>, RtlError> {
    check_shape(beat, experts)?;
    on_big_stack(move || Ok(Box::new(GateTop::new(Gating::new(fm, wt)?, pad)?)))
}

/// The AXI-Stream top's Verilog for a design point: `module` as root, `(beat, experts)` =
/// (`arch.beat`, `model.experts`), padded by `pad` stages.
pub fn axis_verilog(
    fm: Format,
    wt: Format,
    shape: (usize, usize),
    pad: usize,
    module: &str,
) -> Result<String, RtlError> {
    check_shape(shape.0, shape.1)?;
    let module = module.to_string();
    on_big_stack(move || {
        let top = GateTop::new(Gating::new(fm, wt)?, pad)?;
        verilog_named(&top, MODULE, &module)
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use golden::rng::SplitMix64;
    use golden::units::gating::gating as golden_gating;
    use ndarray::Array2;

    use super::*;

    const TIN: usize = BeatLayout::new(BEAT, EXPERTS).bits;

    fn formats() -> [Format; 2] {
        ["ap_fixed<32,10>", "ap_fixed<24,8>"].map(|s| s.parse().expect("a valid format"))
    }

    fn wt() -> Format {
        "ap_fixed<16,2>".parse().expect("a valid format")
    }

    /// One token's result as `m_axis_tdata` carries it: e1, e2, g1, g2.
    type Choice = [u32; 4];

    /// Tokens `x` ([T][D], fm_t raws) routed by one gate `w_gate` ([E][D], wt_linear_t raws).
    struct Group {
        w_gate: Array2<i64>,
        x: Array2<i64>,
    }

    impl Group {
        /// golden's results, as the top presents them.
        fn expected(&self, fm: Format) -> Vec<Choice> {
            golden_gating(self.x.view(), self.w_gate.view(), &wt(), &fm)
                .expect("a valid MAC")
                .iter()
                .map(|c| {
                    [
                        c.experts[0] as u32,
                        c.experts[1] as u32,
                        c.scores[0] as u32,
                        c.scores[1] as u32,
                    ]
                })
                .collect()
        }

        /// The beats of every token, in the order a harness sends them: token by token, beat d of a
        /// token carrying `x[d·BEAT .. (d + 1)·BEAT]` (bits 32·j: the low W bits of x[d·BEAT + j], junk
        /// above them for W < 32), `w_gate[e][d·BEAT + j]` at bit `w + 16·(e·BEAT + j)` (low W_wt bits,
        /// junk above), `first` on d = 0 and `last` on d = D/BEAT − 1.
        fn beats(&self, fm: Format, rng: &mut SplitMix64) -> Vec<Bits<TIN>> {
            let layout = BeatLayout::new(BEAT, EXPERTS);
            let d = self.x.ncols();
            assert_eq!(d % BEAT, 0);
            let per = d / BEAT;
            let keep_x = if fm.width() < 32 {
                (1u64 << fm.width()) - 1
            } else {
                u64::from(u32::MAX)
            };
            let keep_w = (1u64 << wt().width()) - 1;
            let mut out = Vec::new();
            for t in 0..self.x.nrows() {
                for b in 0..per {
                    let mut beat = Bits::<TIN>::default();
                    for j in 0..BEAT {
                        let v = self.x[[t, b * BEAT + j]] as u64 & keep_x
                            | rng.next_u64() & !keep_x & 0xffff_ffff;
                        beat.set_bits::<32>(32 * j, v.into());
                    }
                    for e in 0..EXPERTS {
                        for j in 0..BEAT {
                            let v = self.w_gate[[e, b * BEAT + j]] as u64 & keep_w
                                | rng.next_u64() & !keep_w & 0xffff;
                            beat.set_bits::<16>(layout.w + 16 * (e * BEAT + j), v.into());
                        }
                    }
                    beat = beat.replace_bit(layout.flags, b == 0);
                    beat = beat.replace_bit(layout.flags + 1, b + 1 == per);
                    out.push(beat);
                }
            }
            out
        }
    }

    /// A raw of `f` in [lo, hi) (real values), or, one time in `wild`, anywhere in the format.
    fn raw(f: Format, rng: &mut SplitMix64, lo: f64, hi: f64, wild: u64) -> i64 {
        if rng.below(wild) == 0 {
            let span = (f.max_raw() - f.min_raw()) as u64 + 1;
            f.min_raw() + rng.below(span) as i64
        } else {
            let one = (1u64 << f.frac_bits()) as f64;
            let (a, b) = ((lo * one) as i64, (hi * one) as i64);
            a + rng.below((b - a) as u64) as i64
        }
    }

    fn random_group(fm: Format, seed: u64, tokens: usize, dim: usize) -> Group {
        let mut rng = SplitMix64::new(seed);
        Group {
            w_gate: Array2::from_shape_fn((EXPERTS, dim), |_| raw(wt(), &mut rng, -0.25, 0.25, 8)),
            x: Array2::from_shape_fn((tokens, dim), |_| raw(fm, &mut rng, -4.0, 4.0, 16)),
        }
    }

    /// Gates and tokens at the edges: equal logits (ties), logits at the fm_t minimum (placeholders),
    /// wrapping logits, a dominant expert, logits on a coarse grid (near ties).
    fn corner_groups(fm: Format, dim: usize) -> Vec<Group> {
        let mut rng = SplitMix64::new(77);
        let (min, one) = (fm.min_raw(), fm.one_raw());
        let w_one = wt().one_raw();
        let mut groups = Vec::new();
        // Every expert the same row: all logits equal, top-2 = experts 0 and 1.
        let row: Vec<i64> = (0..dim)
            .map(|_| raw(wt(), &mut rng, -0.25, 0.25, 8))
            .collect();
        groups.push(Group {
            w_gate: Array2::from_shape_fn((EXPERTS, dim), |(_, d)| row[d]),
            x: Array2::from_shape_fn((3, dim), |_| raw(fm, &mut rng, -4.0, 4.0, 16)),
        });
        // logit[e] = x[0] (w = 1.0), except expert 5: x[1]. x[0] = min puts 15 or 16 logits at the
        // minimum: both placeholders stay (expert 0 twice), or the top-2 placeholder does.
        let w_gate = Array2::from_shape_fn((EXPERTS, dim), |(e, d)| {
            i64::from((e != 5 && d == 0) || (e == 5 && d == 1)) * w_one
        });
        let tokens: [(i64, i64); 7] = [
            (min, min),
            (min, 3 * one),
            (min, min + 1),
            (min + 1, min),
            (min + 1, min + 1),
            (0, 0),
            (fm.max_raw(), min),
        ];
        groups.push(Group {
            w_gate,
            x: Array2::from_shape_fn((tokens.len(), dim), |(t, d)| match d {
                0 => tokens[t].0,
                1 => tokens[t].1,
                _ => raw(fm, &mut rng, -4.0, 4.0, 1),
            }),
        });
        // Huge weights and inputs (up to the formats' ends): the logits wrap.
        let top = fm.max_raw() as f64 / one as f64;
        groups.push(Group {
            w_gate: Array2::from_shape_fn((EXPERTS, dim), |_| raw(wt(), &mut rng, -2.0, 2.0, 2)),
            x: Array2::from_shape_fn((4, dim), |_| raw(fm, &mut rng, -top, top, 2)),
        });
        // Expert 9 dominates (its logit ≈ 14, the others ≈ 0).
        groups.push(Group {
            w_gate: Array2::from_shape_fn((EXPERTS, dim), |(e, _)| {
                if e == 9 {
                    3 * w_one / 2
                } else {
                    raw(wt(), &mut rng, -0.05, 0.05, 1 << 20)
                }
            }),
            x: Array2::from_shape_fn((3, dim), |_| raw(fm, &mut rng, 0.0, 0.1, 1 << 20)),
        });
        // A coarse grid: many equal and nearly equal logits.
        groups.push(Group {
            w_gate: Array2::from_shape_fn((EXPERTS, dim), |_| {
                (rng.below(3) as i64 - 1) * w_one / 2
            }),
            x: Array2::from_shape_fn((5, dim), |_| (rng.below(3) as i64 - 1) * one / 4),
        });
        groups
    }

    /// The top stepped directly (no testbench threads: the fast way to simulate in rust-hdl).
    struct Bench {
        top: Box<GateTop>,
    }

    /// What a run of [`drive`] saw: the cycle of every accepted beat that was a token's last, every
    /// result with its cycle, the first accepted beat's cycle and how often a beat was refused.
    #[derive(Default)]
    struct Run {
        lasts: Vec<usize>,
        results: Vec<(usize, Choice)>,
        first: Option<usize>,
        refused: usize,
    }

    impl Bench {
        fn new(fm: Format, pad: usize) -> Bench {
            let mut bench = Bench {
                top: top(fm, wt(), (BEAT, EXPERTS), pad).expect("a supported design point"),
            };
            bench.reset();
            bench
        }

        fn edge(&mut self) {
            for clk in [false, true] {
                self.top.aclk.next = Clock { clk };
                assert!(simulate(&mut *self.top, 1000), "settles");
            }
        }

        /// One edge with `aresetn` low (a harness does this first: the registers' initial values are
        /// not a reset).
        fn reset(&mut self) {
            self.top.aresetn.next = false;
            self.edge();
            self.top.aresetn.next = true;
        }

        /// One cycle: offers `beat` (if any), sets `m_axis_tready`; returns whether the beat was taken
        /// and the result delivered, both decided with the clock low, before the rising edge.
        fn cycle(&mut self, beat: Option<&Bits<TIN>>, ready: bool) -> (bool, Option<Choice>) {
            let top = &mut self.top;
            if let Some(b) = beat {
                top.s_axis_tdata.next = *b;
            }
            top.s_axis_tvalid.next = beat.is_some();
            top.m_axis_tready.next = ready;
            top.aclk.next = Clock { clk: false };
            assert!(simulate(&mut **top, 1000), "settles");
            let taken = beat.is_some() && top.s_axis_tready.val();
            let y = (top.m_axis_tvalid.val() && ready).then(|| {
                let d = top.m_axis_tdata.val();
                std::array::from_fn(|i| d.get_bits::<32>(32 * i).to_u64() as u32)
            });
            self.edge();
            (taken, y)
        }
    }

    /// The harness's loop, which a C++ Verilator harness mirrors: after one reset edge, every cycle
    /// (clock low) present beat `next` with `s_axis_tvalid` high unless `gap(cycle)`, set
    /// `m_axis_tready = ready(cycle)`, evaluate; the beat is taken if `s_axis_tready` is high (then
    /// `next` moves on), a result is taken if `m_axis_tvalid` and `m_axis_tready`; then the rising
    /// edge. Runs until `want` results have come out (or gives up after a generous bound).
    fn drive(
        bench: &mut Bench,
        beats: &[Bits<TIN>],
        want: usize,
        ready: impl Fn(usize) -> bool,
        gap: impl Fn(usize) -> bool,
    ) -> Run {
        let layout = BeatLayout::new(BEAT, EXPERTS);
        let mut run = Run::default();
        let mut next = 0;
        let bound = 40 * beats.len() + 20 * want * LATENCY as usize + 1000;
        for cycle in 0..bound {
            if run.results.len() == want {
                break;
            }
            let beat = beats.get(next).filter(|_| !gap(cycle));
            let (taken, y) = bench.cycle(beat, ready(cycle));
            if taken {
                run.first.get_or_insert(cycle);
                if beats[next].get_bit(layout.flags + 1) {
                    run.lasts.push(cycle);
                }
                next += 1;
            } else if beat.is_some() {
                run.refused += 1;
            }
            run.results.extend(y.map(|y| (cycle, y)));
        }
        assert_eq!(next, beats.len(), "every beat taken");
        run
    }

    /// Streams the groups back to back, gap-free into an always-ready sink: every result must equal
    /// golden's, come out LATENCY + pad after its token's last beat, and the whole run must take
    /// [`cycles`] edges. Returns the run.
    fn stream(fm: Format, pad: usize, groups: &[Group], label: &str) -> Run {
        let mut rng = SplitMix64::new(5);
        let mut beats = Vec::new();
        let mut want = Vec::new();
        for g in groups {
            beats.extend(g.beats(fm, &mut rng));
            want.extend(g.expected(fm));
        }
        let per = groups[0].x.ncols() / BEAT;
        let mut bench = Bench::new(fm, pad);
        let start = Instant::now();
        let run = drive(&mut bench, &beats, want.len(), |_| true, |_| false);
        eprintln!(
            "{label}: {} tokens, {} cycles in {:?}",
            want.len(),
            run.results.last().map_or(0, |r| r.0),
            start.elapsed()
        );
        assert_eq!(run.results.len(), want.len(), "{label}: results");
        let depth = LATENCY as usize + pad;
        for (k, (&(cycle, got), w)) in run.results.iter().zip(&want).enumerate() {
            assert_eq!(cycle, run.lasts[k] + depth, "{label}: latency of token {k}");
            assert_eq!(
                got, *w,
                "{label}: token {k}: rtl {got:08x?}, golden {w:08x?}"
            );
        }
        let first = run.first.expect("a beat");
        let last = run.results.last().expect("a result").0;
        assert_eq!(
            (last - first + 1) as u64,
            cycles(want.len() as u64, per as u32, EXPERTS, depth as u32),
            "{label}: cycle count"
        );
        run
    }

    fn check_tokens(fm: Format) {
        let mut groups = vec![random_group(fm, 1 + u64::from(fm.width()), 24, 192)];
        groups.extend(corner_groups(fm, 192));
        let corner: Vec<Choice> = groups[1..].iter().flat_map(|g| g.expected(fm)).collect();
        // The corners reach both placeholders (expert 0 twice) and a top-2 placeholder alone.
        assert!(
            corner.iter().any(|c| c[..2] == [0, 0]),
            "{fm}: {corner:08x?}"
        );
        assert!(
            corner.iter().any(|c| c[..2] == [5, 0]),
            "{fm}: {corner:08x?}"
        );
        let run = stream(fm, 0, &groups, &format!("{fm}"));
        assert_eq!(
            run.refused, 0,
            "{fm}: 24 beats per token take one per cycle"
        );
    }

    #[test]
    fn tokens_equal_golden_bit_for_bit_32_10() {
        on_big_stack(|| check_tokens(formats()[0]));
    }

    #[test]
    fn tokens_equal_golden_bit_for_bit_24_8() {
        on_big_stack(|| check_tokens(formats()[1]));
    }

    /// Short tokens (D/BEAT = 2 < token_gap) wait at their last beat; long ones (25 beats) do not; the
    /// count is the formula's in both, through a padded top.
    #[test]
    fn the_cycle_count_is_the_formula_for_short_and_long_tokens() {
        on_big_stack(|| {
            let fm = formats()[0];
            for (dim, seed) in [(16, 3), (200, 4)] {
                let groups = [random_group(fm, seed, 5, dim)];
                let run = stream(fm, 7, &groups, &format!("D = {dim}"));
                let gaps: Vec<usize> = run.lasts.windows(2).map(|w| w[1] - w[0]).collect();
                let ii = token_ii((dim / BEAT) as u32, EXPERTS) as usize;
                assert!(gaps.iter().all(|&g| g == ii), "D = {dim}: {gaps:?}");
            }
        })
    }

    /// Random `m_axis_tready` with a long stall, and gaps in `s_axis_tvalid`: every result comes out
    /// once, in order, equal to golden's.
    #[test]
    fn backpressure_and_input_gaps_lose_and_duplicate_nothing() {
        on_big_stack(|| {
            for fm in formats() {
                let mut groups = vec![random_group(fm, 11, 10, 32)];
                groups.extend(corner_groups(fm, 32).into_iter().take(2));
                let mut rng = SplitMix64::new(9);
                let mut beats = Vec::new();
                let mut want = Vec::new();
                for g in &groups {
                    beats.extend(g.beats(fm, &mut rng));
                    want.extend(g.expected(fm));
                }
                let ready: Vec<bool> = (0..20_000)
                    .map(|c| !(100..400).contains(&c) && rng.below(3) == 0)
                    .collect();
                let gap: Vec<bool> = (0..20_000).map(|_| rng.below(4) == 0).collect();
                let mut bench = Bench::new(fm, 2);
                let run = drive(&mut bench, &beats, want.len(), |c| ready[c], |c| gap[c]);
                assert!(
                    run.refused >= 40,
                    "{fm}: the stall never reached s_axis_tready"
                );
                let got: Vec<Choice> = run.results.iter().map(|r| r.1).collect();
                assert_eq!(got, want, "{fm}: results under backpressure");
            }
        })
    }

    #[test]
    fn reset_empties_the_pipeline() {
        on_big_stack(|| {
            let fm = formats()[0];
            let g = random_group(fm, 21, 3, 192);
            let mut rng = SplitMix64::new(1);
            let beats = g.beats(fm, &mut rng);
            let mut bench = Bench::new(fm, 0);
            // Two tokens and a half in, then a reset: nothing may come out.
            for beat in &beats[..60] {
                assert!(bench.cycle(Some(beat), true).0);
            }
            bench.reset();
            for _ in 0..2 * LATENCY {
                assert_eq!(bench.cycle(None, true).1, None, "output after the reset");
            }
            // And it works afterwards.
            let run = drive(&mut bench, &beats, 3, |_| true, |_| false);
            let got: Vec<Choice> = run.results.iter().map(|r| r.1).collect();
            assert_eq!(got, g.expected(fm));
        })
    }

    #[test]
    fn formats_and_shapes_the_datapath_cannot_hold_are_refused() {
        on_big_stack(|| {
            let parse = |s: &str| s.parse::<Format>().expect("a valid format");
            let refused = |fm: &str, wt: &str| match Gating::<2, 2, 4>::new(parse(fm), parse(wt)) {
                Err(RtlError::Unsupported { unit, key, .. }) => {
                    assert_eq!(unit, MODULE);
                    key
                }
                other => panic!("{fm}, {wt}: {:?}", other.err()),
            };
            for fm in [
                "ap_fixed<40,10>",
                "ap_ufixed<32,10>",
                "ap_fixed<32,10,AP_RND>",
                "ap_fixed<32,10,AP_TRN,AP_SAT>",
                "ap_fixed<32,4>",
                "ap_fixed<16,6>",
            ] {
                assert_eq!(refused(fm, "ap_fixed<16,2>"), "numerics.fm", "{fm}");
            }
            for w in ["ap_fixed<18,2>", "ap_ufixed<16,2>", "ap_fixed<8,-30>"] {
                assert_eq!(refused("ap_fixed<32,10>", w), "numerics.wt_linear", "{w}");
            }
            let (fm, w) = (parse("ap_fixed<32,10>"), wt());
            for (shape, key) in [((8, 8), "model.experts"), ((16, 16), "arch.beat")] {
                match axis_verilog(fm, w, shape, 0, "gating_axis") {
                    Err(RtlError::Unsupported { key: k, .. }) => assert_eq!(k, key, "{shape:?}"),
                    other => panic!("{shape:?}: {other:?}"),
                }
            }
            assert!(matches!(
                Gating::<2, 2, 3>::new(fm, w).err(),
                Some(RtlError::Bug { .. })
            ));
        })
    }

    /// One cycle less between tokens than [`token_gap`] and a token's engine is restarted by the token
    /// after next before its last step (short tokens, so the gap is what spaces them): the results go
    /// wrong; the token gap gives golden's.
    #[test]
    fn the_token_gap_is_tight() {
        on_big_stack(|| {
            let fm = formats()[0];
            let g = random_group(fm, 31, 6, 16);
            let mut rng = SplitMix64::new(2);
            let beats = g.beats(fm, &mut rng);
            let run = |gap: u32| {
                let unit = Gating::with_token_gap(fm, wt(), gap).expect("supported");
                let mut bench = Bench {
                    top: Box::new(GateTop::new(unit, 0).expect("a top")),
                };
                bench.reset();
                // As `drive`, for as long as six tokens take (results may be lost: no waiting for them).
                let (mut next, mut got) = (0, Vec::new());
                for _ in 0..6 * token_gap(EXPERTS) + LATENCY + 8 {
                    let (taken, y) = bench.cycle(beats.get(next), true);
                    next += usize::from(taken);
                    got.extend(y);
                }
                got
            };
            assert_eq!(run(token_gap(EXPERTS)), g.expected(fm));
            assert_ne!(run(token_gap(EXPERTS) - 1), g.expected(fm));
        })
    }

    #[test]
    fn timing_constants() {
        assert_eq!(LATENCY, 138);
        assert_eq!(token_gap(EXPERTS), 24);
        assert_eq!(token_ii(24, EXPERTS), 24);
        assert_eq!(token_ii(2, EXPERTS), 24);
        assert_eq!(token_ii(25, EXPERTS), 25);
        assert_eq!(cycles(129, 24, EXPERTS, LATENCY), 129 * 24 + 138);
        assert_eq!(BeatLayout::new(8, 16).bits, 2336);
    }

    #[test]
    fn verilog_passes_rust_hdls_design_check() {
        let v =
            axis_verilog(formats()[0], wt(), (BEAT, EXPERTS), 3, "gating_axis").expect("Verilog");
        assert!(v.contains("module gating_axis("));
        // For the by-hand Verilator lint, replay and Yosys synthesis: GATING_VERILOG=path writes the
        // Verilog there, and the replay's vectors next to it (`.beats`: one beat per line, its 73
        // 32-bit words in hex, low word first; `.want`: e1 e2 g1 g2 per token, then the cycle count).
        if let Ok(path) = std::env::var("GATING_VERILOG") {
            std::fs::write(&path, v).expect("write the Verilog");
            let fm = formats()[0];
            let mut groups = vec![random_group(fm, 8, 12, 192)];
            groups.extend(corner_groups(fm, 192));
            let mut rng = SplitMix64::new(5);
            let (mut beats, mut want) = (String::new(), String::new());
            let mut tokens = 0;
            for g in &groups {
                for b in g.beats(fm, &mut rng) {
                    let words: Vec<String> = (0..TIN / 32)
                        .map(|k| format!("{:08x}", b.get_bits::<32>(32 * k).to_u64()))
                        .collect();
                    beats.push_str(&words.join(" "));
                    beats.push('\n');
                }
                for c in g.expected(fm) {
                    want.push_str(&format!(
                        "{:08x} {:08x} {:08x} {:08x}\n",
                        c[0], c[1], c[2], c[3]
                    ));
                    tokens += 1;
                }
            }
            want.push_str(&format!(
                "cycles={}\n",
                cycles(tokens, (192 / BEAT) as u32, EXPERTS, LATENCY + 3)
            ));
            std::fs::write(format!("{path}.beats"), beats).expect("write the beats");
            std::fs::write(format!("{path}.want"), want).expect("write the results");
        }
    }
}
