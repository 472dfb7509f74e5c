//! `layernorm` in RTL: golden's LayerNorm ([`golden::units::layernorm`], §7.1), the accumulate and
//! output stages over beats of BEAT fm_t, with the per-token `rstd = 1 / sqrt(var)` computed between
//! them by the [`Sqrt`] and [`Div`] units; bit-exact with golden's `LayerNormUnit::token`.
//!
//! ```text
//!                ┌──────────────────────────────── LayerNorm<BEAT> ─────────────────────────────────┐
//!  x[BEAT] ─────►│ lane ×BEAT (LnLane):                                                             │
//!  gamma[BEAT] ─►│  1 a = wrap(x − sub)     2, 3 MulFm a·b1     4, 5 MulFm m·w        6 y = wrap(   │──► y[BEAT]
//!  beta[BEAT] ──►│    m = acc ? a : γ·2^k         w = wrap(⌊⌋)       side = acc ? w : β'    ⌊⌋ + β')  │
//!  x_valid ─────►│    β' = β·2^k'                                                                   │──► y_valid
//!  x_ready ◄─────│ accumulate pass (edge 6): mean += Σ t, mean_sq += Σ ⌊x·t⌋  (modulo 2^32)        │◄── y_ready
//!  reset ───────►│ between the passes: ⌊mean²⌋ (MulFm), var = wrap(mean_sq − ⌊mean²⌋ + eps),       │
//!                │   root = Sqrt(var) (31), rstd = Div(1, root) (66; 0 when root = 0)              │
//!                └──────────────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! **Interface.** One token is D/BEAT beats of BEAT fm_t, and the unit takes it **twice**: first the
//! accumulate pass (D/BEAT beats; `x` read, `gamma`/`beta` ignored), then, once `x_ready` rises again,
//! the output pass (the same D/BEAT beats of `x`, each with the γ and β of its elements in `gamma` and
//! `beta`), which makes D/BEAT `y` beats. Every element travels in a 32-bit container: the low W bits
//! of `x` are read, the low bits of `gamma` (wt_norm_t) and `beta` (wt_bias_t) by their formats' widths,
//! and `y` comes out as fm_t raws sign-extended. The unit counts the beats itself (from D), so after a
//! reset the first beat is the first of a token's accumulate pass; it knows nothing else of the token.
//!
//! Why re-read x rather than buffer the token, and why γ and β come with the beats:
//! - The output pass needs γ and β per element anyway, so a stream that brings them can bring `x` again
//!   (the producer re-reads the token from its buffer or DDR): the unit needs no token buffer (D·32
//!   bits, 6 kbit for D = 192) and no weight memory (2·D words per layer, reloaded every layer by
//!   Edge-MoE's `load_norms`). §7.1 says the HLS kernel copies the token into a local buffer inside
//!   the accumulate stage; that buffer belongs, in this design, to whoever drives the unit.
//! - One lane pipeline serves both passes: the two fm_t multiplies per element are `x·c` and `x·t` in
//!   the accumulate pass and `(x − mean)·rstd` and `normed·γ` in the output pass, so each lane has two
//!   [`MulFm`]s (8 DSPs), not four. γ·normed is floored at γ's F_g bits, so γ is brought to fm_t's F by
//!   a shift (`γ·2^(F − F_g)`, exact) and the same MulFm (floor at F) serves; β enters aligned the same
//!   way (`β·2^(F − F_b)`), which is golden's exact sum before its wrap.
//!
//! Numerics (golden's, fm_t with AP_TRN/AP_WRAP): `t = wrap(⌊x·c⌋)` with `c = fm_t(1/D)`; the sums
//! `mean = Σ t` and `mean_sq = Σ ⌊x·t⌋` are modular, so they are kept modulo 2^32 (summed per beat by an
//! adder chain) and wrapped to W bits once, at the end; `var = wrap(mean_sq − ⌊mean²⌋ + eps)`;
//! `root = sqrt(var)` (the [`Sqrt`] unit: 0 for var ≤ 0); `rstd = div(fm_t(1), root)` (the [`Div`]
//! unit: truncated toward zero and wrapped, as golden's, so an rstd above the range wraps as golden's
//! does). golden defines rstd = 0 when that division has no result (root = 0, i.e. var ≤ 0), and the
//! Div answers 0 for a zero divisor, so **rstd = 0 and y = β** falls out of the datapath with no extra
//! logic.
//! Then `y = wrap(⌊⌊wrap(x − mean)·rstd⌋·γ⌋ + β)` with every intermediate wrapped to W bits where golden
//! assigns it to fm_t.
//!
//! Flow control as gelu's: every lane register holds unless the pipeline advances
//! (`advance = !y_valid || y_ready`), and `x_ready = advance && !busy && !reset`, where `busy` is high
//! from the edge that takes a token's last accumulate beat until rstd is known. The sums, ⌊mean²⌋,
//! Sqrt and Div run without stalling (nothing can be waiting on `y` then: the last accumulate beat
//! reaching the sums means every earlier output beat has left `y`).
//!
//! Timing: II = 1 beat per cycle within a pass; between a token's passes the unit is busy for
//! [`ACCUMULATE_LATENCY`] − 1 cycles (a per-token latency, the Sqrt and Div mostly); each output beat's
//! `y` follows it by [`LATENCY`]; the next token's accumulate pass may start in the cycle after the
//! last output beat. So a token takes `2·D/BEAT + ACCUMULATE_LATENCY − 1` cycles of input, 154 for
//! D = 192 and BEAT = 8, ≈ 19.9k cycles for 129 tokens. That is the simulator's `per_token` reading
//! of §7.1 (`arch.layernorm_tokens`; 24 + 154 = 178 cycles per token with the HLS depths, ≈ 23k),
//! not its `streamed` one (≈ 3.4k): tokens do not overlap here, since the two passes share the `x`
//! port and the lanes.
//!
//! Verification: the tests below compare with golden in rust-hdl's simulation. The emitted Verilog was
//! replayed once by hand in Verilator 5.006 (BEAT 2, D = 16: 33 tokens per format; BEAT 8, D = 192,
//! ap_fixed<32,10>: 6 tokens; each at II = 1 and under random backpressure and gaps in `x_valid`):
//! every y beat equal to golden, and 930 cycles for the 6 BEAT-8 tokens (6 · 154 + 6). Lint and
//! synthesis run in codegen's harness (`codegen/src/verilog/`).
//!
//! rust-hdl workarounds (see also /work/notes/rust-hdl.md):
//! - Per-element logic sits in the `LnLane` sub-block, wired in `for e in 0..BEAT` loops with one array
//!   index per signal path; the adder chain's last element is read in a one-trip loop
//!   `for e in (BEAT − 1)..BEAT` (indices may only use loop variables).
//! - Sqrt's and Div's `x_ready` are read under a constant 0 (as linear.rs does with its GELUs): unread
//!   they are UNUSEDSIGNAL in Verilator's -Wall, and a real read is a combinational loop at always-block
//!   granularity (UNOPTFLAT), since rust-hdl puts a block's whole `update` in one `always @(*)`. They
//!   are not needed: both sub-units have `y_ready` tied high and are fed one operand per token.
//! - A `LayerNorm<8>` is a 425 kB value (rust-hdl signals are fat structs), which overflows a 2 MB
//!   thread stack while it is built and moved: [`verilog`] and the tests run on a 64 MB-stack thread.
//! - Widening happens only on plain signals (`root_wide`), never on expressions (rust-hdl's simulation
//!   drops carries that Verilog's context-sized expressions keep); all other arithmetic is 32 bits.

use golden::fixed::Format;
use rust_hdl::prelude::*;

use super::div::{Div, LATENCY as DIV_LATENCY};
use super::mul::{MulFm, MUL_FM_LATENCY};
use super::sqrt::{Sqrt, LATENCY as SQRT_LATENCY};
use super::{on_big_stack, verilog_named, RtlError, CONTAINER_BITS};

/// Output pass: clock edges from the edge that accepts an output beat to the edge after which `y_valid`
/// presents its `y` beat: 1 input registers (x − mean, γ and β aligned), 2 and 3 the first MulFm
/// (`⌊(x − mean)·rstd⌋`), 4 and 5 the second (`⌊normed·γ⌋`), 6 the β add and wrap. The accumulate pass
/// runs through the same six stages (the sums take the products at edge 6).
pub const LATENCY: u32 = 2 * MUL_FM_LATENCY + 2;

/// Between the passes: cycles from the one whose edge accepts a token's last accumulate beat to the
/// first in which its first output beat can be accepted: the lane pipeline and the sums (6),
/// ⌊mean²⌋ (2), var (1), the Sqrt (31, from the next edge), the Div (66, from the edge after the
/// root), and the rstd register (1). A per-token cost, not an II: within a pass a beat is accepted every
/// cycle. (HLS's accumulate and output loops have depths 80 and 154, §7.1, with the sqrt and the
/// division inside the output loop's depth.)
pub const ACCUMULATE_LATENCY: u32 = LATENCY + MUL_FM_LATENCY + 1 + 1 + SQRT_LATENCY + DIV_LATENCY;

/// The root module's name in the emitted Verilog.
pub const MODULE: &str = "layernorm";

/// Beat widths [`verilog`] builds.
pub const SUPPORTED_BEATS: [usize; 2] = [2, 8];

/// The most beats per token pass (the beat counter is 8 bits).
pub const MAX_BEATS: usize = 256;

/// The formats and constants one instance is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LnConfig {
    /// fm_t: x, y and every intermediate.
    pub fm: Format,
    /// wt_norm_t: γ.
    pub wt_norm: Format,
    /// wt_bias_t: β.
    pub wt_bias: Format,
    /// D, the elements of a token.
    pub dim: usize,
    /// The raw fm_t epsilon (golden's `LayerNormParams::eps`).
    pub eps: i64,
}

/// Sign-extension constants of a format of width `w` in the 32-bit container.
fn masks(w: u32) -> (u64, u64, u64) {
    let mask = (1u64 << w) - 1;
    (mask, !mask & 0xffff_ffff, u64::from(w - 1))
}

/// One lane: one element of every beat, through both passes.
#[derive(LogicBlock)]
struct LnLane {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// The pipeline advances this edge.
    pub en: Signal<In, Bit>,
    /// Stage 0: the beat belongs to an accumulate pass.
    pub acc_in: Signal<In, Bit>,
    /// Stage 0: what `x` is centred by (mean in the output pass, 0 in the accumulate pass).
    pub sub: Signal<In, Bits<32>>,
    /// Stage 0: x (low W bits read).
    pub x: Signal<In, Bits<32>>,
    /// Stage 0: γ (low W_g bits read).
    pub gamma: Signal<In, Bits<32>>,
    /// Stage 0: β (low W_b bits read).
    pub beta: Signal<In, Bits<32>>,
    /// Stage 1: the first multiplier's other operand (c or rstd), registered by the top.
    pub b1: Signal<In, Bits<32>>,
    /// Stage 3: the beat belongs to an accumulate pass.
    pub acc3: Signal<In, Bit>,
    /// Stage 5: the second product, ⌊x·t⌋ in the accumulate pass (modulo 2^32).
    pub prod: Signal<Out, Bits<32>>,
    /// Stage 5: t in the accumulate pass (β aligned in the output pass).
    pub side: Signal<Out, Bits<32>>,
    /// Stage 6: y.
    pub y: Signal<Out, Bits<32>>,
    mask_w: Constant<Bits<32>>,
    high_w: Constant<Bits<32>>,
    sign_w: Constant<Bits<8>>,
    mask_g: Constant<Bits<32>>,
    high_g: Constant<Bits<32>>,
    sign_g: Constant<Bits<8>>,
    shift_g: Constant<Bits<32>>,
    mask_b: Constant<Bits<32>>,
    high_b: Constant<Bits<32>>,
    sign_b: Constant<Bits<8>>,
    shift_b: Constant<Bits<32>>,
    mul1: MulFm,
    mul2: MulFm,
    a1: DFF<Bits<32>>,
    m1: DFF<Bits<32>>,
    m2: DFF<Bits<32>>,
    m3: DFF<Bits<32>>,
    be1: DFF<Bits<32>>,
    be2: DFF<Bits<32>>,
    be3: DFF<Bits<32>>,
    side4: DFF<Bits<32>>,
    side5: DFF<Bits<32>>,
    y_r: DFF<Bits<32>>,
    centred: Signal<Local, Bits<32>>,
    a_w: Signal<Local, Bits<32>>,
    g_x: Signal<Local, Bits<32>>,
    b_x: Signal<Local, Bits<32>>,
    w1: Signal<Local, Bits<32>>,
    y_sum: Signal<Local, Bits<32>>,
    y_w: Signal<Local, Bits<32>>,
}

impl LnLane {
    /// A lane for the (checked) formats of `cfg`.
    fn new(cfg: &LnConfig) -> LnLane {
        let f = cfg.fm.frac_bits() as u32;
        let (mask_w, high_w, sign_w) = masks(cfg.fm.width());
        let (mask_g, high_g, sign_g) = masks(cfg.wt_norm.width());
        let (mask_b, high_b, sign_b) = masks(cfg.wt_bias.width());
        let shift_g = (cfg.fm.frac_bits() - cfg.wt_norm.frac_bits()) as u64;
        let shift_b = (cfg.fm.frac_bits() - cfg.wt_bias.frac_bits()) as u64;
        LnLane {
            clock: Default::default(),
            en: Default::default(),
            acc_in: Default::default(),
            sub: Default::default(),
            x: Default::default(),
            gamma: Default::default(),
            beta: Default::default(),
            b1: Default::default(),
            acc3: Default::default(),
            prod: Default::default(),
            side: Default::default(),
            y: Default::default(),
            mask_w: Constant::new(mask_w.into()),
            high_w: Constant::new(high_w.into()),
            sign_w: Constant::new(sign_w.into()),
            mask_g: Constant::new(mask_g.into()),
            high_g: Constant::new(high_g.into()),
            sign_g: Constant::new(sign_g.into()),
            shift_g: Constant::new(shift_g.into()),
            mask_b: Constant::new(mask_b.into()),
            high_b: Constant::new(high_b.into()),
            sign_b: Constant::new(sign_b.into()),
            shift_b: Constant::new(shift_b.into()),
            mul1: MulFm::new(f),
            mul2: MulFm::new(f),
            a1: Default::default(),
            m1: Default::default(),
            m2: Default::default(),
            m3: Default::default(),
            be1: Default::default(),
            be2: Default::default(),
            be3: Default::default(),
            side4: Default::default(),
            side5: Default::default(),
            y_r: Default::default(),
            centred: Default::default(),
            a_w: Default::default(),
            g_x: Default::default(),
            b_x: Default::default(),
            w1: Default::default(),
            y_sum: Default::default(),
            y_w: Default::default(),
        }
    }
}

impl Logic for LnLane {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, a1, m1, m2, m3, be1, be2, be3, side4, side5, y_r);
        // Stage 1: wrap(x − sub) (x − 0 in the accumulate pass), γ and β sign-extended and aligned to F.
        self.centred.next = self.x.val() - self.sub.val();
        self.a_w.next = self.centred.val() & self.mask_w.val();
        if self.centred.val().get_bit(self.sign_w.val().index()) {
            self.a_w.next = self.centred.val() | self.high_w.val();
        }
        self.g_x.next = self.gamma.val() & self.mask_g.val();
        if self.gamma.val().get_bit(self.sign_g.val().index()) {
            self.g_x.next = self.gamma.val() | self.high_g.val();
        }
        self.b_x.next = self.beta.val() & self.mask_b.val();
        if self.beta.val().get_bit(self.sign_b.val().index()) {
            self.b_x.next = self.beta.val() | self.high_b.val();
        }
        // Stages 2 and 3: ⌊x·c⌋ or ⌊(x − mean)·rstd⌋, wrapped to fm_t: t or normed.
        self.mul1.clock.next = self.clock.val();
        self.mul1.en.next = self.en.val();
        self.mul1.a.next = self.a1.q.val();
        self.mul1.b.next = self.b1.val();
        self.w1.next = self.mul1.p.val() & self.mask_w.val();
        if self.mul1.p.val().get_bit(self.sign_w.val().index()) {
            self.w1.next = self.mul1.p.val() | self.high_w.val();
        }
        // Stages 4 and 5: ⌊x·t⌋ or ⌊normed·γ⌋ (γ·2^(F − F_g) floored at F).
        self.mul2.clock.next = self.clock.val();
        self.mul2.en.next = self.en.val();
        self.mul2.a.next = self.m3.q.val();
        self.mul2.b.next = self.w1.val();
        // Stage 6: scaled + β, wrapped to fm_t (wrapping scaled first changes nothing modulo 2^W).
        self.y_sum.next = self.mul2.p.val() + self.side5.q.val();
        self.y_w.next = self.y_sum.val() & self.mask_w.val();
        if self.y_sum.val().get_bit(self.sign_w.val().index()) {
            self.y_w.next = self.y_sum.val() | self.high_w.val();
        }
        if self.en.val() {
            self.a1.d.next = self.a_w.val();
            self.m1.d.next = self.g_x.val() << self.shift_g.val();
            if self.acc_in.val() {
                self.m1.d.next = self.a_w.val();
            }
            self.m2.d.next = self.m1.q.val();
            self.m3.d.next = self.m2.q.val();
            self.be1.d.next = self.b_x.val() << self.shift_b.val();
            self.be2.d.next = self.be1.q.val();
            self.be3.d.next = self.be2.q.val();
            self.side4.d.next = self.be3.q.val();
            if self.acc3.val() {
                self.side4.d.next = self.w1.val();
            }
            self.side5.d.next = self.side4.q.val();
            self.y_r.d.next = self.y_w.val();
        }
        self.prod.next = self.mul2.p.val();
        self.side.next = self.side5.q.val();
        self.y.next = self.y_r.q.val();
    }
}

/// The unit: BEAT lanes, the token's sums, and the per-token rstd (⌊mean²⌋, [`Sqrt`], [`Div`]).
#[derive(LogicBlock)]
pub struct LayerNorm<const BEAT: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the pipeline, drops the token in progress (the next beat is the first
    /// of an accumulate pass).
    pub reset: Signal<In, Bit>,
    /// The beat's x: BEAT fm_t raws (low W bits read).
    pub x: [Signal<In, Bits<32>>; BEAT],
    /// Output pass: γ of the beat's elements, wt_norm_t raws (low W_g bits read); ignored otherwise.
    pub gamma: [Signal<In, Bits<32>>; BEAT],
    /// Output pass: β of the beat's elements, wt_bias_t raws (low W_b bits read); ignored otherwise.
    pub beta: [Signal<In, Bits<32>>; BEAT],
    /// The beat is offered.
    pub x_valid: Signal<In, Bit>,
    /// The unit takes the beat this edge if `x_valid`.
    pub x_ready: Signal<Out, Bit>,
    /// An output beat: BEAT fm_t raws sign-extended to 32 bits.
    pub y: [Signal<Out, Bits<32>>; BEAT],
    /// `y` holds an output beat.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes `y` this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    mask_w: Constant<Bits<32>>,
    high_w: Constant<Bits<32>>,
    sign_w: Constant<Bits<8>>,
    inv_dim: Constant<Bits<32>>,
    eps: Constant<Bits<32>>,
    one: Constant<Bits<64>>,
    last_beat: Constant<Bits<8>>,
    zero: Constant<Bit>,
    lane: [LnLane; BEAT],
    sq_mul: MulFm,
    sqrt: Sqrt,
    div: Div,
    valid: [DFF<Bit>; 6],
    acc: [DFF<Bit>; 6],
    first: [DFF<Bit>; 5],
    last: [DFF<Bit>; 5],
    stat: [DFF<Bit>; 4],
    beat: DFF<Bits<8>>,
    out_pass: DFF<Bit>,
    busy: DFF<Bit>,
    b1: DFF<Bits<32>>,
    mean_acc: DFF<Bits<32>>,
    sq_acc: DFF<Bits<32>>,
    mean_r: DFF<Bits<32>>,
    var_r: DFF<Bits<32>>,
    rstd: DFF<Bits<32>>,
    advance: Signal<Local, Bit>,
    accept: Signal<Local, Bit>,
    out_valid: Signal<Local, Bit>,
    sub: Signal<Local, Bits<32>>,
    tsum: [Signal<Local, Bits<32>>; BEAT],
    psum: [Signal<Local, Bits<32>>; BEAT],
    mean_base: Signal<Local, Bits<32>>,
    sq_base: Signal<Local, Bits<32>>,
    mean_w: Signal<Local, Bits<32>>,
    var_sum: Signal<Local, Bits<32>>,
    var_w: Signal<Local, Bits<32>>,
    root_wide: Signal<Local, Bits<64>>,
}

/// The checks `new` makes; returns the beats per pass.
fn check(cfg: &LnConfig, beat: usize) -> Result<usize, RtlError> {
    let refuse = |key: &'static str, reason: String| {
        Err(RtlError::Unsupported {
            unit: MODULE,
            key,
            reason,
        })
    };
    let fm = cfg.fm;
    let f = fm.frac_bits();
    let fm_reason = if !fm.is_signed() {
        Some("fm_t must be signed".to_string())
    } else if fm.width() > CONTAINER_BITS {
        Some(format!(
            "W = {} exceeds the {CONTAINER_BITS}-bit container",
            fm.width()
        ))
    } else if !fm.is_trn_wrap() {
        Some("fm_t must truncate and wrap (AP_TRN, AP_WRAP): the sums are modular".into())
    } else if !(0..=31).contains(&f) {
        Some(format!("F = {f} is outside 0..=31, the products' floor"))
    } else if fm.width() as i32 - 1 + f > 60 {
        Some(format!(
            "the sqrt's radicand var·2^F needs W − 1 + F = {} bits, more than 60",
            fm.width() as i32 - 1 + f
        ))
    } else {
        None
    };
    if let Some(reason) = fm_reason {
        return refuse("numerics.fm", format!("fm_t = {fm}: {reason}"));
    }
    for (key, wt, name) in [
        ("numerics.wt_norm", cfg.wt_norm, "γ"),
        ("numerics.wt_bias", cfg.wt_bias, "β"),
    ] {
        let fw = wt.frac_bits();
        if !wt.is_signed() {
            return refuse(key, format!("{name} in {wt}: the format must be signed"));
        }
        if fw > f {
            return refuse(
                key,
                format!(
                    "{name} in {wt}: F = {fw} is finer than fm_t's {f}, so the floor would move"
                ),
            );
        }
        if wt.width() as i32 + f - fw > CONTAINER_BITS as i32 {
            return refuse(
                key,
                format!(
                    "{name} in {wt} aligned to fm_t's F = {f} needs {} bits, more than the \
                     {CONTAINER_BITS}-bit container",
                    wt.width() as i32 + f - fw
                ),
            );
        }
    }
    if beat == 0 {
        return refuse("arch.beat", "a beat of 0 fm_t".into());
    }
    if cfg.dim == 0 || cfg.dim % beat != 0 || cfg.dim / beat > MAX_BEATS {
        return refuse(
            "model.embed_dim",
            format!(
                "D = {} is not a positive multiple of the beat ({beat}) with at most {MAX_BEATS} beats",
                cfg.dim
            ),
        );
    }
    Ok(cfg.dim / beat)
}

impl<const BEAT: usize> LayerNorm<BEAT> {
    /// The unit for `cfg`; formats and shapes the datapath cannot hold are refused.
    pub fn new(cfg: LnConfig) -> Result<Self, RtlError> {
        let beats = check(&cfg, BEAT)?;
        let fm = cfg.fm;
        let (mask_w, high_w, sign_w) = masks(fm.width());
        // golden's c = fm_t(1.0 / D), the double truncated.
        let inv_dim = fm.from_f64(1.0 / cfg.dim as f64).unwrap_or(0);
        let mut unit = LayerNorm {
            clock: Default::default(),
            reset: Default::default(),
            x: std::array::from_fn(|_| Default::default()),
            gamma: std::array::from_fn(|_| Default::default()),
            beta: std::array::from_fn(|_| Default::default()),
            x_valid: Default::default(),
            x_ready: Default::default(),
            y: std::array::from_fn(|_| Default::default()),
            y_valid: Default::default(),
            y_ready: Default::default(),
            mask_w: Constant::new(mask_w.into()),
            high_w: Constant::new(high_w.into()),
            sign_w: Constant::new(sign_w.into()),
            inv_dim: Constant::new(u64::from(inv_dim as u32).into()),
            eps: Constant::new(u64::from(cfg.eps as u32).into()),
            one: Constant::new(u64::from(fm.one_raw() as u32).into()),
            last_beat: Constant::new((beats as u64 - 1).into()),
            zero: Constant::new(false),
            lane: std::array::from_fn(|_| LnLane::new(&cfg)),
            sq_mul: MulFm::new(fm.frac_bits() as u32),
            sqrt: Sqrt::new(fm)?,
            div: Div::new(fm)?,
            valid: Default::default(),
            acc: Default::default(),
            first: Default::default(),
            last: Default::default(),
            stat: Default::default(),
            beat: Default::default(),
            out_pass: Default::default(),
            busy: Default::default(),
            b1: Default::default(),
            mean_acc: Default::default(),
            sq_acc: Default::default(),
            mean_r: Default::default(),
            var_r: Default::default(),
            rstd: Default::default(),
            advance: Default::default(),
            accept: Default::default(),
            out_valid: Default::default(),
            sub: Default::default(),
            tsum: std::array::from_fn(|_| Default::default()),
            psum: std::array::from_fn(|_| Default::default()),
            mean_base: Default::default(),
            sq_base: Default::default(),
            mean_w: Default::default(),
            var_sum: Default::default(),
            var_w: Default::default(),
            root_wide: Default::default(),
        };
        unit.connect_all();
        Ok(unit)
    }
}

/// The unit's Verilog for `cfg` and a beat of `beat` fm_t (one of [`SUPPORTED_BEATS`]), root module
/// [`MODULE`]. Built on a thread with a large stack.
pub fn verilog(cfg: LnConfig, beat: usize) -> Result<String, RtlError> {
    on_big_stack(move || verilog_here(cfg, beat))
}

fn verilog_here(cfg: LnConfig, beat: usize) -> Result<String, RtlError> {
    match beat {
        2 => verilog_named(&LayerNorm::<2>::new(cfg)?, MODULE, MODULE),
        8 => verilog_named(&LayerNorm::<8>::new(cfg)?, MODULE, MODULE),
        _ => Err(unsupported_beat(beat)),
    }
}

/// [`LayerNorm`] behind AXI-Stream ports, its output beats padded to `arch.depth.layernorm`.
///
/// `s_axis_tdata` (`TIN` = 96·BEAT bits) is one beat of either pass: x (element e in bits 32e ..),
/// then γ at 32·BEAT and β at 64·BEAT (read in the output pass only). `m_axis_tdata` (`TOUT` =
/// 32·BEAT) is one output beat. The top refuses beats (`s_axis_tready` low) between a token's passes,
/// as the unit does.
#[derive(LogicBlock)]
pub struct LayerNormAxis<const BEAT: usize, const TIN: usize, const TOUT: usize> {
    /// Clock.
    pub aclk: Signal<In, Clock>,
    /// Synchronous reset, active low.
    pub aresetn: Signal<In, Bit>,
    /// x, γ, β of one beat.
    pub s_axis_tdata: Signal<In, Bits<TIN>>,
    /// AXI-Stream TVALID of the beat.
    pub s_axis_tvalid: Signal<In, Bit>,
    /// AXI-Stream TREADY of the beat.
    pub s_axis_tready: Signal<Out, Bit>,
    /// One output beat, fm_t raws sign-extended to 32 bits each.
    pub m_axis_tdata: Signal<Out, Bits<TOUT>>,
    /// AXI-Stream TVALID of the output beat.
    pub m_axis_tvalid: Signal<Out, Bit>,
    /// AXI-Stream TREADY of the output beat.
    pub m_axis_tready: Signal<In, Bit>,
    unit: LayerNorm<BEAT>,
    pack: [super::axis::PackLane<32, TOUT>; BEAT],
    pad: super::axis::LatencyPad<TOUT>,
    gamma_at: Constant<Bits<32>>,
    beta_at: Constant<Bits<32>>,
    nothing: Constant<Bits<TOUT>>,
}

impl<const BEAT: usize, const TIN: usize, const TOUT: usize> LayerNormAxis<BEAT, TIN, TOUT> {
    /// `unit` followed by `pad` stages.
    pub fn new(unit: LayerNorm<BEAT>, pad: usize) -> Result<Self, RtlError> {
        if TIN != 96 * BEAT || TOUT != 32 * BEAT {
            return Err(RtlError::Bug {
                unit: MODULE,
                detail: format!(
                    "LayerNormAxis<{BEAT}>: beats of {TIN} and {TOUT} bits, the layout needs {} and {}",
                    96 * BEAT,
                    32 * BEAT
                ),
            });
        }
        let at = |bit: usize| Constant::new((bit as u64).into());
        let mut top = LayerNormAxis {
            aclk: Default::default(),
            aresetn: Default::default(),
            s_axis_tdata: Default::default(),
            s_axis_tvalid: Default::default(),
            s_axis_tready: Default::default(),
            m_axis_tdata: Default::default(),
            m_axis_tvalid: Default::default(),
            m_axis_tready: Default::default(),
            unit,
            pack: std::array::from_fn(super::axis::PackLane::new),
            pad: super::axis::LatencyPad::new(pad, pad).map_err(|detail| RtlError::Bug {
                unit: MODULE,
                detail,
            })?,
            gamma_at: at(32 * BEAT),
            beta_at: at(64 * BEAT),
            nothing: Constant::new(0u64.into()),
        };
        top.connect_all();
        Ok(top)
    }
}

impl<const BEAT: usize, const TIN: usize, const TOUT: usize> Logic
    for LayerNormAxis<BEAT, TIN, TOUT>
{
    #[hdl_gen]
    fn update(&mut self) {
        self.unit.clock.next = self.aclk.val();
        self.unit.reset.next = !self.aresetn.val();
        for e in 0..BEAT {
            self.unit.x[e].next = self.s_axis_tdata.val().get_bits::<32>(32 * e);
            self.unit.gamma[e].next = self
                .s_axis_tdata
                .val()
                .get_bits::<32>(self.gamma_at.val().index() + 32 * e);
            self.unit.beta[e].next = self
                .s_axis_tdata
                .val()
                .get_bits::<32>(self.beta_at.val().index() + 32 * e);
        }
        self.unit.x_valid.next = self.s_axis_tvalid.val();
        self.s_axis_tready.next = self.unit.x_ready.val();
        self.pack[0].acc.next = self.nothing.val();
        for e in 1..BEAT {
            self.pack[e].acc.next = self.pack[e - 1].out.val();
        }
        for e in 0..BEAT {
            self.pack[e].y.next = self.unit.y[e].val();
        }
        self.pad.clock.next = self.aclk.val();
        self.pad.reset.next = !self.aresetn.val();
        self.pad.alt.next = false;
        self.pad.x.next = self.nothing.val();
        for m in (BEAT - 1)..BEAT {
            self.pad.x.next = self.pack[m].out.val();
        }
        self.pad.x_valid.next = self.unit.y_valid.val();
        self.unit.y_ready.next = self.pad.x_ready.val();
        self.m_axis_tdata.next = self.pad.y.val();
        self.m_axis_tvalid.next = self.pad.y_valid.val();
        self.pad.y_ready.next = self.m_axis_tready.val();
    }
}

/// Input slots of one token at full rate: its accumulate beats, the cycles the unit refuses beats
/// while rstd is computed, its output beats. The simulator's model of the top runs these as one slot
/// per clock, a result on every output-pass slot.
pub fn token_slots(row_beats: usize) -> usize {
    2 * row_beats + ACCUMULATE_LATENCY as usize - 1
}

/// Whether slot `k` of a token's [`token_slots`] delivers an output beat.
pub fn slot_emits(k: usize, row_beats: usize) -> bool {
    k >= row_beats + ACCUMULATE_LATENCY as usize - 1
}

/// The AXI-Stream top's Verilog for a design point, padded by `pad` stages, root module `module`.
pub fn axis_verilog(
    cfg: LnConfig,
    beat: usize,
    pad: usize,
    module: &str,
) -> Result<String, RtlError> {
    fn emit<const BEAT: usize, const TIN: usize, const TOUT: usize>(
        cfg: LnConfig,
        pad: usize,
        module: &str,
    ) -> Result<String, RtlError> {
        let top = LayerNormAxis::<BEAT, TIN, TOUT>::new(LayerNorm::<BEAT>::new(cfg)?, pad)?;
        verilog_named(&top, MODULE, module)
    }
    let module = module.to_string();
    on_big_stack(move || match beat {
        2 => emit::<2, 192, 64>(cfg, pad, &module),
        8 => emit::<8, 768, 256>(cfg, pad, &module),
        _ => Err(unsupported_beat(beat)),
    })
}

fn unsupported_beat(beat: usize) -> RtlError {
    RtlError::Unsupported {
        unit: MODULE,
        key: "arch.beat",
        reason: format!("a beat of {beat} fm_t: only {SUPPORTED_BEATS:?} are instantiated"),
    }
}

impl<const BEAT: usize> Logic for LayerNorm<BEAT> {
    #[hdl_gen]
    fn update(&mut self) {
        // Every register holds unless told otherwise. The loop bounds 6, 5 and 4 are the stage counts
        // written out: #[hdl_gen] reads any path as a signal.
        for i in 0..6 {
            self.valid[i].clock.next = self.clock.val();
            self.valid[i].d.next = self.valid[i].q.val();
            self.acc[i].clock.next = self.clock.val();
            self.acc[i].d.next = self.acc[i].q.val();
        }
        for i in 0..5 {
            self.first[i].clock.next = self.clock.val();
            self.first[i].d.next = self.first[i].q.val();
            self.last[i].clock.next = self.clock.val();
            self.last[i].d.next = self.last[i].q.val();
        }
        for i in 0..4 {
            self.stat[i].clock.next = self.clock.val();
        }
        dff_setup!(self, clock, beat, out_pass, busy, b1, mean_acc, sq_acc, mean_r, var_r, rstd);
        self.out_valid.next = self.valid[5].q.val() && !self.acc[5].q.val();
        self.advance.next = !self.out_valid.val() || self.y_ready.val();
        self.x_ready.next = self.advance.val() && !self.busy.q.val() && !self.reset.val();
        self.accept.next = self.x_valid.val() && self.x_ready.val();

        // The lanes; an output-pass beat is centred by the token's mean.
        self.sub.next = 0.into();
        if self.out_pass.q.val() {
            self.sub.next = self.mean_r.q.val();
        }
        for e in 0..BEAT {
            self.lane[e].clock.next = self.clock.val();
            self.lane[e].en.next = self.advance.val();
            self.lane[e].acc_in.next = !self.out_pass.q.val();
            self.lane[e].sub.next = self.sub.val();
            self.lane[e].x.next = self.x[e].val();
            self.lane[e].gamma.next = self.gamma[e].val();
            self.lane[e].beta.next = self.beta[e].val();
            self.lane[e].b1.next = self.b1.q.val();
            self.lane[e].acc3.next = self.acc[2].q.val();
            self.y[e].next = self.lane[e].y.val();
        }

        // Edge 6 of an accumulate beat: mean += Σ t, mean_sq += Σ ⌊x·t⌋, modulo 2^32 (from 0 on the
        // token's first beat).
        self.tsum[0].next = self.lane[0].side.val();
        self.psum[0].next = self.lane[0].prod.val();
        for e in 1..BEAT {
            self.tsum[e].next = self.tsum[e - 1].val() + self.lane[e].side.val();
            self.psum[e].next = self.psum[e - 1].val() + self.lane[e].prod.val();
        }
        self.mean_base.next = self.mean_acc.q.val();
        self.sq_base.next = self.sq_acc.q.val();
        if self.first[4].q.val() {
            self.mean_base.next = 0.into();
            self.sq_base.next = 0.into();
        }

        if self.advance.val() {
            self.valid[0].d.next = self.accept.val();
            self.acc[0].d.next = !self.out_pass.q.val();
            self.first[0].d.next = !self.beat.q.val().any();
            self.last[0].d.next = self.beat.q.val() == self.last_beat.val();
            for i in 1..6 {
                self.valid[i].d.next = self.valid[i - 1].q.val();
                self.acc[i].d.next = self.acc[i - 1].q.val();
            }
            for i in 1..5 {
                self.first[i].d.next = self.first[i - 1].q.val();
                self.last[i].d.next = self.last[i - 1].q.val();
            }
            self.b1.d.next = self.inv_dim.val();
            if self.out_pass.q.val() {
                self.b1.d.next = self.rstd.q.val();
            }
            if self.valid[4].q.val() && self.acc[4].q.val() {
                // The chain's last element (a one-iteration loop: indices may only use loop variables).
                for e in (BEAT - 1)..BEAT {
                    self.mean_acc.d.next = self.mean_base.val() + self.tsum[e].val();
                    self.sq_acc.d.next = self.sq_base.val() + self.psum[e].val();
                }
            }
        }

        // Between the passes, never stalled: stat[0] after the edge that adds the last accumulate beat,
        // ⌊mean²⌋ in sq_mul (stat[1], stat[2]), var (stat[3]), then Sqrt and Div, then rstd.
        // The sub-units' x_ready is not needed (they never stall: y_ready is tied high), but rust-hdl
        // cannot leave an output open without Verilator's UNUSEDSIGNAL, and a real use makes a loop
        // through this always block (UNOPTFLAT): it is read under a constant 0, as linear.rs does.
        self.stat[0].d.next = (self.advance.val()
            && self.valid[4].q.val()
            && self.acc[4].q.val()
            && self.last[4].q.val())
            || ((self.sqrt.x_ready.val() || self.div.x_ready.val()) && self.zero.val());
        for i in 1..4 {
            self.stat[i].d.next = self.stat[i - 1].q.val();
        }
        self.mean_w.next = self.mean_acc.q.val() & self.mask_w.val();
        if self.mean_acc.q.val().get_bit(self.sign_w.val().index()) {
            self.mean_w.next = self.mean_acc.q.val() | self.high_w.val();
        }
        self.sq_mul.clock.next = self.clock.val();
        self.sq_mul.en.next = true;
        self.sq_mul.a.next = self.mean_w.val();
        self.sq_mul.b.next = self.mean_w.val();
        self.var_sum.next = self.sq_acc.q.val() - self.sq_mul.p.val() + self.eps.val();
        self.var_w.next = self.var_sum.val() & self.mask_w.val();
        if self.var_sum.val().get_bit(self.sign_w.val().index()) {
            self.var_w.next = self.var_sum.val() | self.high_w.val();
        }
        if self.stat[2].q.val() {
            self.var_r.d.next = self.var_w.val();
            self.mean_r.d.next = self.mean_w.val();
        }
        self.sqrt.clock.next = self.clock.val();
        self.sqrt.reset.next = self.reset.val();
        self.sqrt.x.next = self.var_r.q.val();
        self.sqrt.x_valid.next = self.stat[3].q.val();
        self.sqrt.y_ready.next = true;
        // div takes {b, a} = {root, 1}: rstd = 1 / root, 0 when root = 0 (var ≤ 0).
        self.root_wide.next = bit_cast::<64, 32>(self.sqrt.y.val());
        self.div.clock.next = self.clock.val();
        self.div.reset.next = self.reset.val();
        self.div.x.next = (self.root_wide.val() << 32) | self.one.val();
        self.div.x_valid.next = self.sqrt.y_valid.val();
        self.div.y_ready.next = true;
        if self.div.y_valid.val() {
            self.rstd.d.next = self.div.y.val();
            self.busy.d.next = false;
            self.out_pass.d.next = true;
        }

        // The beat counter and the passes.
        if self.accept.val() {
            self.beat.d.next = self.beat.q.val() + 1;
            if self.beat.q.val() == self.last_beat.val() {
                self.beat.d.next = 0.into();
                if self.out_pass.q.val() {
                    self.out_pass.d.next = false;
                } else {
                    self.busy.d.next = true;
                }
            }
        }
        if self.reset.val() {
            for i in 0..6 {
                self.valid[i].d.next = false;
            }
            for i in 0..4 {
                self.stat[i].d.next = false;
            }
            self.beat.d.next = 0.into();
            self.out_pass.d.next = false;
            self.busy.d.next = false;
        }
        self.y_valid.next = self.out_valid.val();
    }
}

#[cfg(test)]
mod tests {
    use golden::model::config::NumericsConfig;
    use golden::rng::SplitMix64;
    use golden::units::layernorm::{LayerNormParams, LayerNormUnit, LnEvents};

    use super::*;

    fn format(text: &str) -> Format {
        text.parse().expect("a valid format")
    }

    fn formats() -> [Format; 2] {
        ["ap_fixed<32,10>", "ap_fixed<24,8>"].map(format)
    }

    /// The configuration of the presets for fm_t and D: wt formats from `NumericsConfig::default()`,
    /// eps = fm_t(1e-6) as codegen computes it.
    fn config(fm: Format, dim: usize) -> LnConfig {
        let n = NumericsConfig::default();
        LnConfig {
            fm,
            wt_norm: n.wt_norm,
            wt_bias: n.wt_bias,
            dim,
            eps: fm.from_f64(1e-6).unwrap_or(0),
        }
    }

    /// One token with its parameters, raws in their formats.
    #[derive(Clone, Debug)]
    struct Token {
        x: Vec<i64>,
        gamma: Vec<i64>,
        beta: Vec<i64>,
    }

    /// golden's y for `tok` (raws) and the events it causes.
    fn golden(cfg: &LnConfig, tok: &Token) -> (Vec<i64>, LnEvents) {
        let params = LayerNormParams {
            gamma: &tok.gamma,
            gamma_format: cfg.wt_norm,
            beta: &tok.beta,
            beta_format: cfg.wt_bias,
            eps: cfg.eps,
        };
        let unit = LayerNormUnit::new(cfg.dim, &params, &cfg.fm).expect("golden's MAC formats");
        let mut y = vec![0; cfg.dim];
        let events = unit.token(&tok.x, &mut y);
        (y, events)
    }

    /// A random value in [lo, hi) in format `f`.
    fn real(rng: &mut SplitMix64, f: &Format, lo: f64, hi: f64) -> i64 {
        f.from_f64(rng.uniform_in(lo, hi)).unwrap_or(0)
    }

    /// Random γ and β (as codegen's vectors draw them) around the given x.
    fn token(cfg: &LnConfig, rng: &mut SplitMix64, x: Vec<i64>) -> Token {
        let gamma = (0..cfg.dim)
            .map(|_| real(rng, &cfg.wt_norm, -4.0, 4.0))
            .collect();
        let beta = (0..cfg.dim)
            .map(|_| real(rng, &cfg.wt_bias, -2.0, 2.0))
            .collect();
        Token { x, gamma, beta }
    }

    /// A random token: normal values at scale 0.01, 1 or 8 around an offset in [−2, 2) (codegen's).
    fn random_token(cfg: &LnConfig, rng: &mut SplitMix64, scale: Option<f64>) -> Token {
        let fm = cfg.fm;
        let pick = [0.01, 1.0, 8.0][rng.below(3) as usize];
        let scale = scale.unwrap_or(pick);
        let offset = real(rng, &fm, -2.0, 2.0);
        let x = (0..cfg.dim)
            .map(|_| {
                let v = fm.from_f64(rng.normal() * scale).unwrap_or(0);
                fm.wrap_raw(v as i128 + offset as i128)
            })
            .collect();
        token(cfg, rng, x)
    }

    /// A constant token whose variance floors to ≤ 0 (searched with golden).
    fn constant_token(cfg: &LnConfig, rng: &mut SplitMix64) -> Token {
        let mut tok = token(cfg, rng, vec![0; cfg.dim]);
        for k in (1..5000i64).map(|k| -k * 12345 % (1 << 20)) {
            tok.x = vec![cfg.fm.wrap_raw(i128::from(k)); cfg.dim];
            if golden(cfg, &tok).1.var_nonpositive == 1 {
                return tok;
            }
        }
        panic!("no constant token with var ≤ 0 for {}", cfg.fm);
    }

    /// A token of tiny spread whose rstd wraps (searched with golden over scales 2^-5 .. 2^-12).
    fn wrapping_token(cfg: &LnConfig, rng: &mut SplitMix64) -> Token {
        for attempt in 0..4000 {
            let scale = (-5.0 - f64::from(attempt % 8)).exp2();
            let tok = random_token(cfg, rng, Some(scale));
            if golden(cfg, &tok).1.rstd_wrapped == 1 {
                return tok;
            }
        }
        panic!("no token whose rstd wraps for {}", cfg.fm);
    }

    /// The constant, a tiny alternating token (rstd wraps), the zero token, then `n` random ones.
    fn tokens(cfg: &LnConfig, seed: u64, n: usize) -> Vec<Token> {
        let mut rng = SplitMix64::new(seed);
        let mut toks = vec![constant_token(cfg, &mut rng)];
        toks.push(wrapping_token(cfg, &mut rng));
        toks.push(token(cfg, &mut rng, vec![0; cfg.dim]));
        toks.extend((0..n).map(|_| random_token(cfg, &mut rng, None)));
        toks
    }

    /// One beat as the driver offers it: x, γ, β (BEAT containers each).
    type Beat<const B: usize> = [[u32; B]; 3];

    /// The beats of `toks`: per token its accumulate pass (γ and β junk, which must be ignored) then its
    /// output pass. Containers carry junk above each format's width, which must not be read.
    fn beats<const B: usize>(cfg: &LnConfig, toks: &[Token], seed: u64) -> Vec<Beat<B>> {
        let mut rng = SplitMix64::new(seed);
        let mut junk = |raw: i64, f: &Format| {
            let high = (rng.next_u64() as u32).checked_shl(f.width()).unwrap_or(0);
            (raw as u32 & (u32::MAX >> (32 - f.width()))) | high
        };
        let mut out = Vec::new();
        for tok in toks {
            for pass in 0..2 {
                for k in 0..cfg.dim / B {
                    let mut beat = [[0u32; B]; 3];
                    for (e, i) in (k * B..(k + 1) * B).enumerate() {
                        beat[0][e] = junk(tok.x[i], &cfg.fm);
                        beat[1][e] = junk(tok.gamma[i], &cfg.wt_norm);
                        beat[2][e] = junk(tok.beta[i], &cfg.wt_bias);
                        if pass == 0 {
                            beat[1][e] = junk(0x5a5a, &cfg.wt_norm) ^ 0x3c3c;
                            beat[2][e] = junk(0x1234, &cfg.wt_bias) ^ 0x0ff0;
                        }
                    }
                    out.push(beat);
                }
            }
        }
        out
    }

    /// golden's y beats for `toks`, sign-extended containers.
    fn expected<const B: usize>(cfg: &LnConfig, toks: &[Token]) -> (Vec<[u32; B]>, LnEvents) {
        let mut ys = Vec::new();
        let mut events = LnEvents::default();
        for tok in toks {
            let (y, ev) = golden(cfg, tok);
            events.merge(ev);
            for chunk in y.chunks(B) {
                ys.push(std::array::from_fn(|e| chunk[e] as u32));
            }
        }
        (ys, events)
    }

    /// The unit stepped directly, clock edge by clock edge.
    struct Bench<const B: usize> {
        uut: LayerNorm<B>,
    }

    impl<const B: usize> Bench<B> {
        fn new(cfg: LnConfig) -> Self {
            let mut bench = Bench {
                uut: LayerNorm::<B>::new(cfg).expect("a supported configuration"),
            };
            bench.reset();
            bench
        }

        fn reset(&mut self) {
            self.uut.reset.next = true;
            self.edge();
            self.uut.reset.next = false;
        }

        fn edge(&mut self) {
            for high in [false, true] {
                self.uut.clock.next = Clock { clk: high };
                assert!(simulate(&mut self.uut, 200), "settles");
            }
        }

        /// One cycle: offers `beat`, sets `y_ready`; returns whether the beat was taken and the `y` beat
        /// delivered, both decided before the edge.
        fn cycle(&mut self, beat: Option<&Beat<B>>, y_ready: bool) -> (bool, Option<[u32; B]>) {
            let u = &mut self.uut;
            for e in 0..B {
                let [x, g, b] = beat.map_or([0; 3], |bt| [bt[0][e], bt[1][e], bt[2][e]]);
                u.x[e].next = u64::from(x).into();
                u.gamma[e].next = u64::from(g).into();
                u.beta[e].next = u64::from(b).into();
            }
            u.x_valid.next = beat.is_some();
            u.y_ready.next = y_ready;
            u.clock.next = Clock { clk: false };
            assert!(simulate(u, 200), "settles");
            let taken = beat.is_some() && u.x_ready.val();
            let y = (u.y_valid.val() && y_ready)
                .then(|| std::array::from_fn(|e| u.y[e].val().to_u64() as u32));
            self.edge();
            (taken, y)
        }
    }

    /// What a run saw: the cycles that took each beat, the y beats and the cycles they came out in.
    struct Run<const B: usize> {
        taken: Vec<usize>,
        ys: Vec<(usize, [u32; B])>,
        refused: usize,
    }

    /// Offers `beats` in order (when `offer(cycle)`), with `y_ready = ready(cycle)`, until `want` y
    /// beats came out (or a generous cycle limit).
    fn run<const B: usize>(
        bench: &mut Bench<B>,
        beats: &[Beat<B>],
        want: usize,
        mut offer: impl FnMut(usize) -> bool,
        mut ready: impl FnMut(usize) -> bool,
    ) -> Run<B> {
        let mut r = Run {
            taken: Vec::new(),
            ys: Vec::new(),
            refused: 0,
        };
        let limit = 20 * (beats.len() + 200);
        for cycle in 0..limit {
            if r.ys.len() == want && r.taken.len() == beats.len() {
                break;
            }
            let beat = beats.get(r.taken.len()).filter(|_| offer(cycle));
            let (taken, y) = bench.cycle(beat, ready(cycle));
            if taken {
                r.taken.push(cycle);
            } else if beat.is_some() {
                r.refused += 1;
            }
            r.ys.extend(y.map(|y| (cycle, y)));
        }
        r
    }

    fn compare<const B: usize>(label: &str, got: &[(usize, [u32; B])], want: &[[u32; B]]) {
        assert_eq!(got.len(), want.len(), "{label}: y beats");
        for (k, ((_, g), w)) in got.iter().zip(want).enumerate() {
            assert_eq!(g, w, "{label}: y beat {k}: rtl {g:08x?}, golden {w:08x?}");
        }
    }

    /// `toks` streamed with y always ready: every pass at one beat per cycle, the gap between the passes
    /// exactly ACCUMULATE_LATENCY, every y beat LATENCY after its output beat, the next token's
    /// accumulate pass right after the output pass; bits equal to golden's.
    fn stream<const B: usize>(cfg: LnConfig, toks: &[Token]) -> LnEvents {
        let label = format!("{} D = {} BEAT = {B}", cfg.fm, cfg.dim);
        let beats = beats::<B>(&cfg, toks, 5);
        let (want, events) = expected::<B>(&cfg, toks);
        let mut bench = Bench::<B>::new(cfg);
        let r = run(&mut bench, &beats, want.len(), |_| true, |_| true);
        compare(&label, &r.ys, &want);
        let n = cfg.dim / B;
        let mut out: Vec<usize> = Vec::new();
        let mut expect = 0;
        for t in 0..toks.len() {
            let pass = &r.taken[2 * n * t..2 * n * (t + 1)];
            for (k, &cycle) in pass.iter().enumerate() {
                let gap = if k == n {
                    ACCUMULATE_LATENCY as usize
                } else {
                    1
                };
                if k > 0 || t > 0 {
                    assert_eq!(
                        cycle,
                        expect + gap,
                        "{label}: token {t} beat {k} taken late"
                    );
                }
                expect = cycle;
            }
            out.extend(&pass[n..]);
        }
        for (k, (&cycle, &(y_cycle, _))) in out.iter().zip(&r.ys).enumerate() {
            assert_eq!(
                y_cycle,
                cycle + LATENCY as usize,
                "{label}: latency of y beat {k}"
            );
        }
        events
    }

    #[test]
    fn d16_beat2_tokens_equal_golden_bit_for_bit_at_ii_1() {
        on_big_stack(|| {
            for fm in formats() {
                let cfg = config(fm, 16);
                let events = stream::<2>(cfg, &tokens(&cfg, 7, 20));
                assert!(events.var_nonpositive >= 1, "{fm}: {events:?}");
                assert!(events.rstd_wrapped >= 1, "{fm}: {events:?}");
            }
        });
    }

    #[test]
    fn a_d192_beat8_token_equals_golden_bit_for_bit() {
        on_big_stack(|| {
            for fm in formats() {
                let cfg = config(fm, 192);
                let mut toks = tokens(&cfg, 13, 1);
                let mut rng = SplitMix64::new(19);
                toks.push(random_token(&cfg, &mut rng, Some(1.0)));
                let events = stream::<8>(cfg, &toks);
                assert!(events.var_nonpositive >= 1, "{fm}: {events:?}");
                assert!(events.rstd_wrapped >= 1, "{fm}: {events:?}");
            }
        });
    }

    #[test]
    fn backpressure_loses_and_duplicates_nothing() {
        on_big_stack(|| {
            for fm in formats() {
                let cfg = config(fm, 16);
                let toks = tokens(&cfg, 11, 3);
                let beats = beats::<2>(&cfg, &toks, 9);
                let (want, _) = expected::<2>(&cfg, &toks);
                let mut bench = Bench::<2>::new(cfg);
                let mut rng = SplitMix64::new(3);
                let mut rng2 = SplitMix64::new(4);
                // A long stall in the first token's output pass, then y_ready one cycle in three; the
                // producer offers a beat four cycles in five.
                let stall = 120..180;
                let r = run(
                    &mut bench,
                    &beats,
                    want.len(),
                    |_| rng2.below(5) != 0,
                    |c| !stall.contains(&c) && rng.below(3) == 0,
                );
                compare(&fm.to_string(), &r.ys, &want);
                assert!(r.refused >= 40, "{fm}: the stall never reached x_ready");
            }
        });
    }

    #[test]
    fn reset_empties_the_pipeline_and_restarts_the_token() {
        on_big_stack(|| {
            let cfg = config(formats()[0], 16);
            let toks = tokens(&cfg, 17, 1);
            let tok = &toks[3..4];
            let beats = beats::<2>(&cfg, tok, 1);
            let (want, _) = expected::<2>(&cfg, tok);
            let n = cfg.dim / 2;
            let mut bench = Bench::<2>::new(cfg);
            // Resets in the accumulate pass, between the passes (Sqrt/Div busy), and in the output pass
            // with y beats in flight: nothing may come out after any of them.
            for cut in [n / 2, n + 20, n + ACCUMULATE_LATENCY as usize + n / 2] {
                let mut next = 0;
                for _ in 0..cut {
                    if bench.cycle(beats.get(next), true).0 {
                        next += 1;
                    }
                }
                bench.reset();
                for _ in 0..2 * ACCUMULATE_LATENCY {
                    assert_eq!(bench.cycle(None, true).1, None, "y after a reset");
                }
            }
            // The unit works again: the whole token, from its accumulate pass.
            let r = run(&mut bench, &beats, want.len(), |_| true, |_| true);
            compare("after resets", &r.ys, &want);
        });
    }

    #[test]
    fn latencies_are_as_documented() {
        assert_eq!(LATENCY, 6);
        assert_eq!(ACCUMULATE_LATENCY, 107);
    }

    #[test]
    fn unsupported_configurations_are_refused() {
        on_big_stack(|| {
            let ok = config(format("ap_fixed<32,10>"), 192);
            assert!(LayerNorm::<8>::new(ok).is_ok());
            let bad = [
                (
                    "numerics.fm",
                    LnConfig {
                        fm: format("ap_fixed<40,10>"),
                        ..ok
                    },
                ),
                (
                    "numerics.fm",
                    LnConfig {
                        fm: format("ap_ufixed<32,10>"),
                        ..ok
                    },
                ),
                (
                    "numerics.fm",
                    LnConfig {
                        fm: format("ap_fixed<32,10,AP_RND,AP_SAT>"),
                        ..ok
                    },
                ),
                (
                    "numerics.wt_norm",
                    LnConfig {
                        wt_norm: format("ap_fixed<16,-10>"),
                        ..ok
                    },
                ),
                (
                    "numerics.wt_norm",
                    LnConfig {
                        wt_norm: format("ap_ufixed<16,5>"),
                        ..ok
                    },
                ),
                (
                    "numerics.wt_bias",
                    LnConfig {
                        wt_bias: format("ap_fixed<24,0>"),
                        ..ok
                    },
                ),
                ("model.embed_dim", LnConfig { dim: 190, ..ok }),
                ("model.embed_dim", LnConfig { dim: 8 * 257, ..ok }),
            ];
            for (key, cfg) in bad {
                match LayerNorm::<8>::new(cfg) {
                    Err(RtlError::Unsupported { key: k, .. }) => assert_eq!(k, key, "{cfg:?}"),
                    other => panic!("{cfg:?}: {:?}", other.err()),
                }
            }
            assert!(matches!(
                verilog(ok, 4),
                Err(RtlError::Unsupported {
                    key: "arch.beat",
                    ..
                })
            ));
        });
    }
}
