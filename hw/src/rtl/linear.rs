//! `linear` in RTL: the unified linear unit's MAC tile (§8), bit-exact with golden's
//! [`linear_row`](golden::units::linear::linear_row) and, with `score`, its
//! [`scaled_accumulate`](golden::units::linear::scaled_accumulate).
//!
//! ```text
//!            ┌────────────────────────────────── Linear<IN, OUT, N = IN·OUT> ───────────────────────────────────┐
//! x[IN] ────►│ 1 |x|, sign    2 |x|·|w|: two   3 ⌊±p / 2^Fw⌋   4 adder tree   5 acc = (first ? bias : acc) + Σ  │──► y[OUT]
//! w[N] ─────►│   |w|, sign      16×16 each      (32 bits)       Σ over IN      emits on the block's `last` beat │──► y_valid
//! bias[OUT] ►│   (per weight)   (per weight)    (per weight)    (per lane)     (per lane)                       │◄── y_ready
//! first ────►│                                                                                                  │
//! last ─────►│ 6..11 Gelu per lane, always in the path; a mux takes it (`gelu`) or a 6-register bypass: v       │
//! gelu ─────►│ 12 |v|   13, 14 MulU32 |v|·|g|   15 y = score ? wrap_W(dst + ⌊±|v|·|g| / 2^F⌋) : v               │
//! score ────►│                                                                                                  │
//! gate ─────►│ gate, dst, bias and the flags ride in shift registers beside the beat they came with             │
//! dst[OUT] ─►│                                                                                                  │
//! x_valid ──►│                                                                                                  │
//! x_ready ◄──│                                                                                                  │
//! reset ────►│                                                                                                  │
//!            └──────────────────────────────────────────────────────────────────────────────────────────────────┘
//! ```
//! One beat is one `(token, out block, in block)` step of §8's loop nest: `IN` inputs `x`, the `OUT × IN`
//! weights of that block (row-major `[out][in]`), and, on the block's `first` beat, the `OUT` biases
//! (already fm_t). Each beat adds `Σ_i ⌊x[i]·w[o][i]⌋` (floored at fm_t's F bits, modulo the container)
//! to lane `o`'s accumulator; the `last` beat of a block emits one output beat of `OUT` results.
//! `x`, `bias`, `gate`, `dst` and `y` are fm_t raws in the 32-bit container (low W bits read, `y`
//! sign-extended); `w` are `wt_linear_t` raws in 16 bits (low W_wt bits read).
//!
//! Why the datapath looks the way it does:
//! - rust-hdl multiplies only 16×16 (`Bits` or `Signed`), and its `Signed` has no shifts, so each
//!   32×16 product is `|x|·|w|` from two unsigned 16×16 partial products, negated when the signs differ,
//!   and floored by a logical shift of the 64-bit two's complement value. mode 2's 32×32 `g·v` is
//!   [`MulU32`] on magnitudes, the same way.
//! - golden floors every product, then adds modulo 2^W (AP_TRN, AP_WRAP): adding the floored products
//!   modulo 2^32 and wrapping to W once at the end gives the same residue, so the adder tree and the
//!   accumulator are plain 32-bit adders.
//! - The GELU is always in the path (one [`Gelu`] per lane) and a mux picks it or a 6-register bypass,
//!   so the latency does not depend on the mode. The Gelus are fed `x_valid = 1` and advance with this
//!   unit; their valid bits only serve to know that they are full after a reset (`x_ready` waits for
//!   that, 6 cycles), from which point they advance exactly when this unit does.
//! - The lanes' GELUs are built by [`Gelu::new`], so fm_t must also be one the GELU takes (F ≥ 5, I ≥ 4).
//!
//! Where the interface departs from a plain `Linear<IN, OUT>` with `w: [[_; IN]; OUT]`, because of
//! rust-hdl:
//! - rust-hdl's Verilog generator resolves one `[index]` per signal path and only from `for` variables
//!   (evalexpr on the text), so the weights are a flat array of `N = IN·OUT` ports (a third const
//!   parameter, checked in [`Linear::new`]: `[[_; IN]; OUT]` would need `row[o].w[i]`), and `IN` appears
//!   in index expressions as the variable of a one-trip loop `for n in IN..IN + 1`.
//! - `x_ready` is also low for the 6 cycles after a reset while the GELUs fill (see [`Linear`]).
//! - [`verilog`] builds the tile on a thread with a large stack: a 16×16 `Linear` is a 1.1 MB value.
//! - Each lane reads its Gelu's `x_ready` under a constant 0 (see `OutLane`): Verilator -Wall reports
//!   an unread output (UNUSEDSIGNAL), and a real read is a combinational loop at always-block
//!   granularity (UNOPTFLAT), since rust-hdl puts a block's whole `update` in one `always @(*)`.

use golden::fixed::Format;
use rust_hdl::prelude::*;

use super::axis::PackLane;
use super::gelu::{Gelu, LATENCY as GELU_LATENCY};
use super::mul::{MulU32, MUL_LATENCY};
use super::{on_big_stack, verilog_named, RtlError, CONTAINER_BITS};

/// Clock edges from the edge that accepts a block's `last` beat to the edge after which `y_valid`
/// presents its results: 3 for the products (|x|, |w|; partial products; floor), 1 for the adder tree,
/// 1 for the accumulator, 6 for the GELU (in the path in every mode), 1 for |v|, 2 for mode 2's
/// multiplier and 1 for the final add. The same with and without GELU; hw's default
/// `arch.depth.linear` is 16 (+ `depth.gelu` = 6 with GELU), so the simulator's figure is an upper bound.
pub const LATENCY: u32 = 3 + 1 + 1 + GELU_LATENCY + 1 + MUL_LATENCY + 1;

/// The root module's name in the emitted Verilog.
pub const MODULE: &str = "linear";

/// Widest `wt_linear_t` the 16×16 multipliers take.
pub const WEIGHT_BITS: u32 = 16;

/// Number of pipeline stages (= [`LATENCY`]): stage `s` is register set `s`, loaded by the `s`-th edge.
const STAGES: usize = LATENCY as usize;

/// `x` wrapped to W bits and sign-extended, registered as magnitude and sign (stage 1).
#[derive(LogicBlock)]
pub struct XLane {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Advance.
    pub en: Signal<In, Bit>,
    /// fm_t raw (low W bits read).
    pub x: Signal<In, Bits<32>>,
    /// |x| (at most 2^31, so unsigned 32 bits hold it).
    pub ax: Signal<Out, Bits<32>>,
    /// x < 0.
    pub sx: Signal<Out, Bit>,
    sign_w: Constant<Bits<32>>,
    mask_w: Constant<Bits<32>>,
    wrapped: Signal<Local, Bits<32>>,
    ax_r: DFF<Bits<32>>,
    sx_r: DFF<Bit>,
}

impl XLane {
    pub(crate) fn new(fm: Format) -> XLane {
        let w = fm.width();
        XLane {
            clock: Default::default(),
            en: Default::default(),
            x: Default::default(),
            ax: Default::default(),
            sx: Default::default(),
            sign_w: Constant::new((1u64 << (w - 1)).into()),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            wrapped: Default::default(),
            ax_r: Default::default(),
            sx_r: Default::default(),
        }
    }
}

impl Logic for XLane {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, ax_r, sx_r);
        self.wrapped.next =
            ((self.x.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        if self.en.val() {
            self.sx_r.d.next = self.wrapped.val().get_bit(31);
            self.ax_r.d.next = self.wrapped.val();
            if self.wrapped.val().get_bit(31) {
                self.ax_r.d.next = !self.wrapped.val() + 1;
            }
        }
        self.ax.next = self.ax_r.q.val();
        self.sx.next = self.sx_r.q.val();
    }
}

/// One weight's product `⌊x·w / 2^Fw⌋` modulo 2^32, three stages: |w| (beside [`XLane`]), the two
/// 16×16 partial products of |x|·|w|, then sign and floor.
#[derive(LogicBlock)]
pub struct Mac {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Advance.
    pub en: Signal<In, Bit>,
    /// |x| from stage 1.
    pub ax: Signal<In, Bits<32>>,
    /// sign of x from stage 1.
    pub sx: Signal<In, Bit>,
    /// wt raw (low W_wt bits read).
    pub w: Signal<In, Bits<16>>,
    /// The floored product, stage 3.
    pub q: Signal<Out, Bits<32>>,
    sign_w: Constant<Bits<16>>,
    mask_w: Constant<Bits<16>>,
    shift: Constant<Bits<32>>,
    wv: Signal<Local, Bits<16>>,
    mag: Signal<Local, Bits<64>>,
    prod: Signal<Local, Bits<64>>,
    aw: DFF<Bits<16>>,
    sw: DFF<Bit>,
    lo: DFF<Bits<32>>,
    hi: DFF<Bits<32>>,
    neg: DFF<Bit>,
    out: DFF<Bits<32>>,
}

impl Mac {
    pub(crate) fn new(wt: Format) -> Mac {
        let w = wt.width();
        // ap_ufixed: no sign bit, so the wrap is a plain mask (and |w| = w).
        let sign = if wt.is_signed() { 1u64 << (w - 1) } else { 0 };
        Mac {
            clock: Default::default(),
            en: Default::default(),
            ax: Default::default(),
            sx: Default::default(),
            w: Default::default(),
            q: Default::default(),
            sign_w: Constant::new(sign.into()),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            shift: Constant::new(u64::from(wt.frac_bits() as u32).into()),
            wv: Default::default(),
            mag: Default::default(),
            prod: Default::default(),
            aw: Default::default(),
            sw: Default::default(),
            lo: Default::default(),
            hi: Default::default(),
            neg: Default::default(),
            out: Default::default(),
        }
    }
}

impl Logic for Mac {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, aw, sw, lo, hi, neg, out);
        self.wv.next = ((self.w.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        // Stage 3: |x|·|w| < 2^47; negate in 64 bits and floor by a logical shift of the two's
        // complement value (Fw ≤ 32 keeps the 32 bits kept inside the 64).
        self.mag.next =
            bit_cast::<64, 32>(self.lo.q.val()) + (bit_cast::<64, 32>(self.hi.q.val()) << 16);
        self.prod.next = self.mag.val();
        if self.neg.q.val() {
            self.prod.next = !self.mag.val() + 1;
        }
        if self.en.val() {
            // Stage 1: |w| (|−2^15| = 2^15 still fits 16 unsigned bits).
            self.sw.d.next = self.wv.val().get_bit(15);
            self.aw.d.next = self.wv.val();
            if self.wv.val().get_bit(15) {
                self.aw.d.next = !self.wv.val() + 1;
            }
            // Stage 2: the two 16×16 partial products.
            self.lo.d.next = self.ax.val().get_bits::<16>(0) * self.aw.q.val();
            self.hi.d.next = self.ax.val().get_bits::<16>(16) * self.aw.q.val();
            self.neg.d.next = self.sx.val() ^ self.sw.q.val();
            // Narrowing by bit_cast, not get_bits, so no bit is left unread (Verilator UNUSED).
            self.out.d.next = bit_cast::<32, 64>(self.prod.val() >> self.shift.val());
        }
        self.q.next = self.out.q.val();
    }
}

/// One output lane after the adder tree: tree register (4), accumulator (5), GELU or bypass (6..11),
/// |v| (12), mode 2's multiplier (13, 14) and the output register (15).
#[derive(LogicBlock)]
pub struct OutLane {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset (empties the GELU).
    pub reset: Signal<In, Bit>,
    /// Advance.
    pub en: Signal<In, Bit>,
    /// The bias port (fm_t raw), captured with every beat.
    pub bias: Signal<In, Bits<32>>,
    /// The dst port (fm_t raw), captured with every beat.
    pub dst: Signal<In, Bits<32>>,
    /// The adder tree's sum of stage 3's products.
    pub s: Signal<In, Bits<32>>,
    /// Stage 4's beat is its block's first.
    pub first: Signal<In, Bit>,
    /// Load the accumulator this edge (advance and stage 4 valid).
    pub acc_en: Signal<In, Bit>,
    /// Stage 11's result takes the GELU.
    pub gelu_on: Signal<In, Bit>,
    /// |gate| at stage 12.
    pub gate_abs: Signal<In, Bits<32>>,
    /// gate < 0 at stage 12.
    pub gate_neg: Signal<In, Bit>,
    /// Stage 14's result takes mode 2's `dst + g·v`.
    pub score: Signal<In, Bit>,
    /// Stage 15: the lane's result.
    pub y: Signal<Out, Bits<32>>,
    /// The GELU is full and advances with the unit.
    pub ready: Signal<Out, Bit>,
    sign_w: Constant<Bits<32>>,
    mask_w: Constant<Bits<32>>,
    frac: Constant<Bits<32>>,
    zero: Constant<Bit>,
    bias_d: [DFF<Bits<32>>; 4],
    dst_d: [DFF<Bits<32>>; 14],
    sum: DFF<Bits<32>>,
    acc: DFF<Bits<32>>,
    gelu: Gelu,
    byp: [DFF<Bits<32>>; 6],
    v12: DFF<Bits<32>>,
    av12: DFF<Bits<32>>,
    sv12: DFF<Bit>,
    mul: MulU32,
    vd: [DFF<Bits<32>>; 2],
    neg: [DFF<Bit>; 2],
    out: DFF<Bits<32>>,
    wrapped: Signal<Local, Bits<32>>,
    v: Signal<Local, Bits<32>>,
    prod: Signal<Local, Bits<64>>,
    t: Signal<Local, Bits<32>>,
    sc: Signal<Local, Bits<32>>,
}

impl OutLane {
    fn new(fm: Format) -> Result<OutLane, RtlError> {
        let w = fm.width();
        Ok(OutLane {
            clock: Default::default(),
            reset: Default::default(),
            en: Default::default(),
            bias: Default::default(),
            dst: Default::default(),
            s: Default::default(),
            first: Default::default(),
            acc_en: Default::default(),
            gelu_on: Default::default(),
            gate_abs: Default::default(),
            gate_neg: Default::default(),
            score: Default::default(),
            y: Default::default(),
            ready: Default::default(),
            sign_w: Constant::new((1u64 << (w - 1)).into()),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            frac: Constant::new(u64::from(fm.frac_bits() as u32).into()),
            zero: Constant::new(false),
            bias_d: Default::default(),
            dst_d: Default::default(),
            sum: Default::default(),
            acc: Default::default(),
            gelu: Gelu::new(fm)?,
            byp: Default::default(),
            v12: Default::default(),
            av12: Default::default(),
            sv12: Default::default(),
            mul: Default::default(),
            vd: Default::default(),
            neg: Default::default(),
            out: Default::default(),
            wrapped: Default::default(),
            v: Default::default(),
            prod: Default::default(),
            t: Default::default(),
            sc: Default::default(),
        })
    }
}

impl Logic for OutLane {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..4 {
            self.bias_d[i].clock.next = self.clock.val();
            self.bias_d[i].d.next = self.bias_d[i].q.val();
        }
        for i in 0..14 {
            self.dst_d[i].clock.next = self.clock.val();
            self.dst_d[i].d.next = self.dst_d[i].q.val();
        }
        for i in 0..6 {
            self.byp[i].clock.next = self.clock.val();
            self.byp[i].d.next = self.byp[i].q.val();
        }
        for i in 0..2 {
            self.vd[i].clock.next = self.clock.val();
            self.vd[i].d.next = self.vd[i].q.val();
            self.neg[i].clock.next = self.clock.val();
            self.neg[i].d.next = self.neg[i].q.val();
        }
        dff_setup!(self, clock, sum, acc, v12, av12, sv12, out);
        // The GELU sees every accumulator value; valid or not is tracked by the unit.
        self.gelu.clock.next = self.clock.val();
        self.gelu.reset.next = self.reset.val();
        self.gelu.x.next = self.acc.q.val();
        self.gelu.x_valid.next = true;
        self.gelu.y_ready.next = self.en.val();
        // The GELU is full once its valid bits are; its x_ready is not needed (it advances with the
        // unit), but rust-hdl cannot leave an output open without Verilator's UNUSEDSIGNAL, and a real
        // use makes a loop through this always block (UNOPTFLAT): it is read under a constant 0.
        self.ready.next = self.gelu.y_valid.val() || (self.gelu.x_ready.val() && self.zero.val());
        self.mul.clock.next = self.clock.val();
        self.mul.en.next = self.en.val();
        self.mul.a.next = self.av12.q.val();
        self.mul.b.next = self.gate_abs.val();

        self.wrapped.next =
            ((self.acc.q.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        self.v.next = self.byp[5].q.val();
        if self.gelu_on.val() {
            self.v.next = self.gelu.y.val();
        }
        // Stage 15: golden's from_product floors g·v at F bits; negate in 64 bits, shift logically.
        self.prod.next = self.mul.p.val();
        if self.neg[1].q.val() {
            self.prod.next = !self.mul.p.val() + 1;
        }
        self.t.next = bit_cast::<32, 64>(self.prod.val() >> self.frac.val());
        self.sc.next = self.dst_d[13].q.val() + self.t.val();

        if self.en.val() {
            self.bias_d[0].d.next = self.bias.val();
            for i in 1..4 {
                self.bias_d[i].d.next = self.bias_d[i - 1].q.val();
            }
            self.dst_d[0].d.next = self.dst.val();
            for i in 1..14 {
                self.dst_d[i].d.next = self.dst_d[i - 1].q.val();
            }
            self.sum.d.next = self.s.val();
            self.byp[0].d.next = self.wrapped.val();
            for i in 1..6 {
                self.byp[i].d.next = self.byp[i - 1].q.val();
            }
            self.v12.d.next = self.v.val();
            self.sv12.d.next = self.v.val().get_bit(31);
            self.av12.d.next = self.v.val();
            if self.v.val().get_bit(31) {
                self.av12.d.next = !self.v.val() + 1;
            }
            self.vd[0].d.next = self.v12.q.val();
            self.vd[1].d.next = self.vd[0].q.val();
            self.neg[0].d.next = self.sv12.q.val() ^ self.gate_neg.val();
            self.neg[1].d.next = self.neg[0].q.val();
            self.out.d.next = self.vd[1].q.val();
            if self.score.val() {
                self.out.d.next =
                    ((self.sc.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
            }
        }
        if self.acc_en.val() {
            self.acc.d.next = self.acc.q.val() + self.sum.q.val();
            if self.first.val() {
                self.acc.d.next = self.bias_d[3].q.val() + self.sum.q.val();
            }
        }
        self.y.next = self.out.q.val();
    }
}

/// The tile: `IN` inputs by `OUT` outputs, `N = IN·OUT` weights per beat (rust-hdl cannot size an
/// array `IN * OUT` from the other two parameters, so `N` is a third one; [`Linear::new`] checks it).
///
/// Flow control: every stage advances together when the output register is empty or being read
/// (`advance = !y_valid || y_ready`, `x_ready = advance && !reset && warm`), as in gelu; `warm` is low
/// for the 6 cycles after a reset in which the lanes' GELUs fill. Bubbles are not squeezed out.
#[derive(LogicBlock)]
pub struct Linear<const IN: usize, const OUT: usize, const N: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the pipeline.
    pub reset: Signal<In, Bit>,
    /// fm_t raws (low W bits read): this beat's `IN` inputs.
    pub x: [Signal<In, Bits<32>>; IN],
    /// wt_linear_t raws (low W_wt bits read), `w[o·IN + i]` = W[out block + o][in block + i].
    pub w: [Signal<In, Bits<16>>; N],
    /// fm_t raws: the block's biases, read on `first` beats.
    pub bias: [Signal<In, Bits<32>>; OUT],
    /// This beat starts an output block: the accumulators start from `bias`.
    pub first: Signal<In, Bit>,
    /// This beat ends an output block: its results are emitted.
    pub last: Signal<In, Bit>,
    /// GELU on the block's results (read on `last` beats).
    pub gelu: Signal<In, Bit>,
    /// mode 2 (`use_score`): `y = dst + ⌊gate·y⌋` (read on `last` beats).
    pub score: Signal<In, Bit>,
    /// fm_t raw: the gate `g` of mode 2 (read on `last` beats).
    pub gate: Signal<In, Bits<32>>,
    /// fm_t raws: mode 2's `dst` (read on `last` beats).
    pub dst: [Signal<In, Bits<32>>; OUT],
    /// The beat's inputs hold a beat.
    pub x_valid: Signal<In, Bit>,
    /// The unit takes the beat this edge if `x_valid`.
    pub x_ready: Signal<Out, Bit>,
    /// One output block's results, fm_t raws sign-extended to 32 bits.
    pub y: [Signal<Out, Bits<32>>; OUT],
    /// `y` holds a result.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes `y` this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    sign_w: Constant<Bits<32>>,
    mask_w: Constant<Bits<32>>,
    xl: [XLane; IN],
    mac: [Mac; N],
    lane: [OutLane; OUT],
    node: [Signal<Local, Bits<32>>; N],
    warm: [Signal<Local, Bit>; OUT],
    valid: [DFF<Bit>; STAGES],
    first_d: [DFF<Bit>; 4],
    last_d: [DFF<Bit>; 4],
    gelu_d: [DFF<Bit>; 11],
    score_d: [DFF<Bit>; 14],
    gate_d: [DFF<Bits<32>>; 11],
    gate_abs: DFF<Bits<32>>,
    gate_neg: DFF<Bit>,
    advance: Signal<Local, Bit>,
    gate_w: Signal<Local, Bits<32>>,
}

impl<const IN: usize, const OUT: usize, const N: usize> Linear<IN, OUT, N> {
    /// The tile for `fm` (fm_t) and `wt` (wt_linear_t); formats the datapath cannot hold are refused.
    pub fn new(fm: Format, wt: Format) -> Result<Self, RtlError> {
        if !(IN >= 2 && IN.is_power_of_two() && OUT >= 1 && N == IN * OUT) {
            return Err(RtlError::Bug {
                unit: MODULE,
                detail: format!(
                    "Linear<{IN}, {OUT}, {N}>: IN must be a power of two ≥ 2, N = IN·OUT"
                ),
            });
        }
        check_formats(fm, wt)?;
        let lanes = (0..OUT)
            .map(|_| OutLane::new(fm))
            .collect::<Result<Vec<_>, _>>()?;
        let lane: [OutLane; OUT] = lanes.try_into().map_err(|_| RtlError::Bug {
            unit: MODULE,
            detail: "lane count".into(),
        })?;
        let w = fm.width();
        let mut unit = Linear {
            clock: Default::default(),
            reset: Default::default(),
            x: std::array::from_fn(|_| Default::default()),
            w: std::array::from_fn(|_| Default::default()),
            bias: std::array::from_fn(|_| Default::default()),
            first: Default::default(),
            last: Default::default(),
            gelu: Default::default(),
            score: Default::default(),
            gate: Default::default(),
            dst: std::array::from_fn(|_| Default::default()),
            x_valid: Default::default(),
            x_ready: Default::default(),
            y: std::array::from_fn(|_| Default::default()),
            y_valid: Default::default(),
            y_ready: Default::default(),
            sign_w: Constant::new((1u64 << (w - 1)).into()),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            xl: std::array::from_fn(|_| XLane::new(fm)),
            mac: std::array::from_fn(|_| Mac::new(wt)),
            lane,
            node: std::array::from_fn(|_| Default::default()),
            warm: std::array::from_fn(|_| Default::default()),
            valid: Default::default(),
            first_d: Default::default(),
            last_d: Default::default(),
            gelu_d: Default::default(),
            score_d: Default::default(),
            gate_d: Default::default(),
            gate_abs: Default::default(),
            gate_neg: Default::default(),
            advance: Default::default(),
            gate_w: Default::default(),
        };
        unit.connect_all();
        Ok(unit)
    }
}

/// fm_t: signed, within the container, AP_TRN/AP_WRAP (golden's modular accumulation), and what the
/// lanes' [`Gelu`] accepts (checked when it is built). wt_linear_t: at most 16 bits (16 unsigned bits
/// would need a 17-bit signed operand) with 0 ≤ F_wt ≤ 32 so the floored product's 32 bits lie inside
/// the 64-bit product.
fn check_formats(fm: Format, wt: Format) -> Result<(), RtlError> {
    let reason = if !fm.is_signed() {
        "fm_t must be signed".to_string()
    } else if fm.width() > CONTAINER_BITS {
        format!(
            "W = {} exceeds the {CONTAINER_BITS}-bit container",
            fm.width()
        )
    } else if !fm.is_trn_wrap() {
        "fm_t must use AP_TRN and AP_WRAP (the accumulation is modular)".to_string()
    } else if fm.frac_bits() < 0 {
        format!("F = {} is negative", fm.frac_bits())
    } else {
        let reason = if wt.width() > WEIGHT_BITS || (!wt.is_signed() && wt.width() == WEIGHT_BITS) {
            format!("it does not fit the {WEIGHT_BITS}-bit signed multiplier operand")
        } else if !(0..=32).contains(&wt.frac_bits()) {
            "it needs 0 ≤ F ≤ 32".to_string()
        } else {
            return Ok(());
        };
        return Err(RtlError::Unsupported {
            unit: MODULE,
            key: "numerics.wt_linear",
            reason: format!("wt_linear_t = {wt}: {reason}"),
        });
    };
    Err(RtlError::Unsupported {
        unit: MODULE,
        key: "numerics.fm",
        reason: format!("fm_t = {fm}: {reason}"),
    })
}

/// The tile's Verilog for `fm` and `wt`, root module [`MODULE`], for the `(tile_in, tile_out)` pairs
/// instantiated here: (16, 16) and (16, 32) of the presets, and (4, 2) for tests.
///
/// A `Linear` is a large value (about 1.1 MB for 16×16, 2.2 MB for 16×32: rust-hdl signals and DFFs are
/// fat structs, one per port, register and sub-block), more than a default 2 MB thread stack holds
/// while it is built and moved, so the build runs on a thread with a large stack.
pub fn verilog(
    fm: Format,
    wt: Format,
    tile_in: usize,
    tile_out: usize,
) -> Result<String, RtlError> {
    on_big_stack(move || verilog_here(fm, wt, tile_in, tile_out))
}

fn verilog_here(
    fm: Format,
    wt: Format,
    tile_in: usize,
    tile_out: usize,
) -> Result<String, RtlError> {
    match (tile_in, tile_out) {
        (4, 2) => verilog_named(&Linear::<4, 2, 8>::new(fm, wt)?, MODULE, MODULE),
        (16, 16) => verilog_named(&Linear::<16, 16, 256>::new(fm, wt)?, MODULE, MODULE),
        (16, 32) => verilog_named(&Linear::<16, 32, 512>::new(fm, wt)?, MODULE, MODULE),
        _ => Err(unsupported_tile(tile_in, tile_out)),
    }
}

/// Bit offsets of the fields of [`LinearAxis`]'s `s_axis_tdata`, low bits first: `x[IN]` (32 bits
/// each), `w[N]` (16), `bias[OUT]` (32), `dst[OUT]` (32), `gate` (32), then the flags `first`, `last`,
/// `gelu`, `score`, padded to a whole 32-bit word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BeatLayout {
    /// Where `w[0]` starts.
    pub w: usize,
    /// Where `bias[0]` starts.
    pub bias: usize,
    /// Where `dst[0]` starts.
    pub dst: usize,
    /// Where `gate` starts.
    pub gate: usize,
    /// Where the flags start.
    pub flags: usize,
    /// The whole beat.
    pub bits: usize,
}

impl BeatLayout {
    /// The layout of a tile of `tile_in` inputs and `tile_out` outputs.
    pub const fn new(tile_in: usize, tile_out: usize) -> BeatLayout {
        let w = 32 * tile_in;
        let bias = w + 16 * tile_in * tile_out;
        let dst = bias + 32 * tile_out;
        let gate = dst + 32 * tile_out;
        let flags = gate + 32;
        BeatLayout {
            w,
            bias,
            dst,
            gate,
            flags,
            bits: flags + 32,
        }
    }
}

/// [`Linear`] behind AXI-Stream ports, padded to the configured depth: `depth.linear` cycles without
/// GELU, `depth.linear + depth.gelu` with it (the simulator's figures), from its own 15 in both modes.
///
/// `s_axis_tdata` carries one beat of the tile (`TIN` = [`BeatLayout::bits`]), `m_axis_tdata` one
/// output block (`TOUT` = 32·`OUT`, lane `o` in bits 32·o..). The GELU flag of the last accepted beat
/// picks the padding, so it must only change between calls, when no result is in flight (as HLS runs
/// one call's loop at a time).
#[derive(LogicBlock)]
pub struct LinearAxis<
    const IN: usize,
    const OUT: usize,
    const N: usize,
    const TIN: usize,
    const TOUT: usize,
> {
    /// Clock.
    pub aclk: Signal<In, Clock>,
    /// Synchronous reset, active low.
    pub aresetn: Signal<In, Bit>,
    /// One beat of the tile (layout: [`BeatLayout`]).
    pub s_axis_tdata: Signal<In, Bits<TIN>>,
    /// AXI-Stream TVALID of the beat.
    pub s_axis_tvalid: Signal<In, Bit>,
    /// AXI-Stream TREADY of the beat.
    pub s_axis_tready: Signal<Out, Bit>,
    /// One output block, fm_t raws sign-extended to 32 bits each.
    pub m_axis_tdata: Signal<Out, Bits<TOUT>>,
    /// AXI-Stream TVALID of the block.
    pub m_axis_tvalid: Signal<Out, Bit>,
    /// AXI-Stream TREADY of the block.
    pub m_axis_tready: Signal<In, Bit>,
    unit: Linear<IN, OUT, N>,
    pack: [PackLane<32, TOUT>; OUT],
    pad: super::axis::LatencyPad<TOUT>,
    gelu_mode: DFF<Bit>,
    w_at: Constant<Bits<32>>,
    bias_at: Constant<Bits<32>>,
    dst_at: Constant<Bits<32>>,
    gate_at: Constant<Bits<32>>,
    flags_at: Constant<Bits<32>>,
    nothing: Constant<Bits<TOUT>>,
}

impl<const IN: usize, const OUT: usize, const N: usize, const TIN: usize, const TOUT: usize>
    LinearAxis<IN, OUT, N, TIN, TOUT>
{
    /// `unit` padded by `pad` stages without GELU and `gelu_pad` with it.
    pub fn new(unit: Linear<IN, OUT, N>, pad: usize, gelu_pad: usize) -> Result<Self, RtlError> {
        let layout = BeatLayout::new(IN, OUT);
        if layout.bits != TIN || 32 * OUT != TOUT {
            return Err(RtlError::Bug {
                unit: MODULE,
                detail: format!(
                    "LinearAxis<{IN}, {OUT}>: beats of {TIN} and {TOUT} bits, the layout needs {} and {}",
                    layout.bits,
                    32 * OUT
                ),
            });
        }
        let at = |bit: usize| Constant::new((bit as u64).into());
        let mut top = LinearAxis {
            aclk: Default::default(),
            aresetn: Default::default(),
            s_axis_tdata: Default::default(),
            s_axis_tvalid: Default::default(),
            s_axis_tready: Default::default(),
            m_axis_tdata: Default::default(),
            m_axis_tvalid: Default::default(),
            m_axis_tready: Default::default(),
            unit,
            pack: std::array::from_fn(PackLane::new),
            pad: super::axis::LatencyPad::new(pad, gelu_pad).map_err(|detail| RtlError::Bug {
                unit: MODULE,
                detail,
            })?,
            gelu_mode: Default::default(),
            w_at: at(layout.w),
            bias_at: at(layout.bias),
            dst_at: at(layout.dst),
            gate_at: at(layout.gate),
            flags_at: at(layout.flags),
            nothing: Constant::new(0u64.into()),
        };
        top.connect_all();
        Ok(top)
    }
}

impl<const IN: usize, const OUT: usize, const N: usize, const TIN: usize, const TOUT: usize> Logic
    for LinearAxis<IN, OUT, N, TIN, TOUT>
{
    #[hdl_gen]
    fn update(&mut self) {
        self.unit.clock.next = self.aclk.val();
        self.unit.reset.next = !self.aresetn.val();
        for i in 0..IN {
            self.unit.x[i].next = self.s_axis_tdata.val().get_bits::<32>(32 * i);
        }
        for k in 0..N {
            self.unit.w[k].next = self
                .s_axis_tdata
                .val()
                .get_bits::<16>(self.w_at.val().index() + 16 * k);
        }
        for o in 0..OUT {
            self.unit.bias[o].next = self
                .s_axis_tdata
                .val()
                .get_bits::<32>(self.bias_at.val().index() + 32 * o);
            self.unit.dst[o].next = self
                .s_axis_tdata
                .val()
                .get_bits::<32>(self.dst_at.val().index() + 32 * o);
        }
        self.unit.gate.next = self
            .s_axis_tdata
            .val()
            .get_bits::<32>(self.gate_at.val().index());
        self.unit.first.next = self.s_axis_tdata.val().get_bit(self.flags_at.val().index());
        self.unit.last.next = self
            .s_axis_tdata
            .val()
            .get_bit(self.flags_at.val().index() + 1);
        self.unit.gelu.next = self
            .s_axis_tdata
            .val()
            .get_bit(self.flags_at.val().index() + 2);
        self.unit.score.next = self
            .s_axis_tdata
            .val()
            .get_bit(self.flags_at.val().index() + 3);
        self.unit.x_valid.next = self.s_axis_tvalid.val();
        self.s_axis_tready.next = self.unit.x_ready.val();
        // The mode of the call in flight picks the padding.
        self.gelu_mode.clock.next = self.aclk.val();
        self.gelu_mode.d.next = self.gelu_mode.q.val();
        if self.s_axis_tvalid.val() && self.unit.x_ready.val() {
            self.gelu_mode.d.next = self
                .s_axis_tdata
                .val()
                .get_bit(self.flags_at.val().index() + 2);
        }
        self.pack[0].acc.next = self.nothing.val();
        for o in 1..OUT {
            self.pack[o].acc.next = self.pack[o - 1].out.val();
        }
        for o in 0..OUT {
            self.pack[o].y.next = self.unit.y[o].val();
        }
        self.pad.clock.next = self.aclk.val();
        self.pad.reset.next = !self.aresetn.val();
        self.pad.alt.next = self.gelu_mode.q.val();
        self.pad.x.next = self.nothing.val();
        for m in (OUT - 1)..OUT {
            self.pad.x.next = self.pack[m].out.val();
        }
        self.pad.x_valid.next = self.unit.y_valid.val();
        self.unit.y_ready.next = self.pad.x_ready.val();
        self.m_axis_tdata.next = self.pad.y.val();
        self.m_axis_tvalid.next = self.pad.y_valid.val();
        self.pad.y_ready.next = self.m_axis_tready.val();
    }
}

/// The AXI-Stream top's Verilog for a design point: `module` as root, padded by `pad` stages without
/// GELU and `gelu_pad` with it, for the tiles [`verilog`] supports.
pub fn axis_verilog(
    fm: Format,
    wt: Format,
    (tile_in, tile_out): (usize, usize),
    (pad, gelu_pad): (usize, usize),
    module: &str,
) -> Result<String, RtlError> {
    let module = module.to_string();
    on_big_stack(move || {
        fn emit<
            const IN: usize,
            const OUT: usize,
            const N: usize,
            const TIN: usize,
            const TOUT: usize,
        >(
            fm: Format,
            wt: Format,
            pads: (usize, usize),
            module: &str,
        ) -> Result<String, RtlError> {
            let unit = Linear::<IN, OUT, N>::new(fm, wt)?;
            let top = LinearAxis::<IN, OUT, N, TIN, TOUT>::new(unit, pads.0, pads.1)?;
            verilog_named(&top, MODULE, module)
        }
        const L42: usize = BeatLayout::new(4, 2).bits;
        const L1616: usize = BeatLayout::new(16, 16).bits;
        const L1632: usize = BeatLayout::new(16, 32).bits;
        let pads = (pad, gelu_pad);
        match (tile_in, tile_out) {
            (4, 2) => emit::<4, 2, 8, L42, 64>(fm, wt, pads, &module),
            (16, 16) => emit::<16, 16, 256, L1616, 512>(fm, wt, pads, &module),
            (16, 32) => emit::<16, 32, 512, L1632, 1024>(fm, wt, pads, &module),
            _ => Err(unsupported_tile(tile_in, tile_out)),
        }
    })
}

fn unsupported_tile(tile_in: usize, tile_out: usize) -> RtlError {
    RtlError::Unsupported {
        unit: MODULE,
        key: "arch.linear_tile_out",
        reason: format!(
            "a {tile_in}×{tile_out} tile (in × out): only 4×2, 16×16 and 16×32 are instantiated"
        ),
    }
}

impl<const IN: usize, const OUT: usize, const N: usize> Logic for Linear<IN, OUT, N> {
    #[hdl_gen]
    fn update(&mut self) {
        for i in 0..STAGES {
            self.valid[i].clock.next = self.clock.val();
            self.valid[i].d.next = self.valid[i].q.val();
        }
        for i in 0..4 {
            self.first_d[i].clock.next = self.clock.val();
            self.first_d[i].d.next = self.first_d[i].q.val();
            self.last_d[i].clock.next = self.clock.val();
            self.last_d[i].d.next = self.last_d[i].q.val();
        }
        for i in 0..11 {
            self.gelu_d[i].clock.next = self.clock.val();
            self.gelu_d[i].d.next = self.gelu_d[i].q.val();
            self.gate_d[i].clock.next = self.clock.val();
            self.gate_d[i].d.next = self.gate_d[i].q.val();
        }
        for i in 0..14 {
            self.score_d[i].clock.next = self.clock.val();
            self.score_d[i].d.next = self.score_d[i].q.val();
        }
        dff_setup!(self, clock, gate_abs, gate_neg);
        self.advance.next = !self.valid[14].q.val() || self.y_ready.val();
        // warm = every lane's GELU is full; `m` is OUT − 1 (index expressions see only loop variables).
        self.warm[0].next = self.lane[0].ready.val();
        for o in 1..OUT {
            self.warm[o].next = self.warm[o - 1].val() && self.lane[o].ready.val();
        }
        self.x_ready.next = false;
        for m in (OUT - 1)..OUT {
            self.x_ready.next = self.advance.val() && !self.reset.val() && self.warm[m].val();
        }

        // Stages 1..3: |x| per input, the products per weight. `n` is IN.
        for i in 0..IN {
            self.xl[i].clock.next = self.clock.val();
            self.xl[i].en.next = self.advance.val();
            self.xl[i].x.next = self.x[i].val();
        }
        for n in IN..(IN + 1) {
            for o in 0..OUT {
                for i in 0..IN {
                    self.mac[o * n + i].clock.next = self.clock.val();
                    self.mac[o * n + i].en.next = self.advance.val();
                    self.mac[o * n + i].w.next = self.w[o * n + i].val();
                    self.mac[o * n + i].ax.next = self.xl[i].ax.val();
                    self.mac[o * n + i].sx.next = self.xl[i].sx.val();
                }
                // The adder tree, a heap in node[o·IN + 1 .. (o + 1)·IN]: node k adds 2k and 2k + 1,
                // and the nodes past the last, IN.., are the products. node[o·IN] is the sum.
                for k in (IN / 2)..IN {
                    self.node[o * n + k].next = self.mac[o * n + 2 * k - n].q.val()
                        + self.mac[o * n + 2 * k + 1 - n].q.val();
                }
                // Root-ward, k = IN/2 − j, so every node is written before it is read (Verilator).
                for j in 1..(IN / 2) {
                    self.node[o * n + n / 2 - j].next =
                        self.node[o * n + n - 2 * j].val() + self.node[o * n + n - 2 * j + 1].val();
                }
                self.node[o * n].next = self.node[o * n + 1].val();
                self.lane[o].s.next = self.node[o * n].val();
            }
        }

        // Stages 4..15 per output lane.
        for o in 0..OUT {
            self.lane[o].clock.next = self.clock.val();
            self.lane[o].reset.next = self.reset.val();
            self.lane[o].en.next = self.advance.val();
            self.lane[o].bias.next = self.bias[o].val();
            self.lane[o].dst.next = self.dst[o].val();
            self.lane[o].first.next = self.first_d[3].q.val();
            self.lane[o].acc_en.next = self.advance.val() && self.valid[3].q.val();
            self.lane[o].gelu_on.next = self.gelu_d[10].q.val();
            self.lane[o].gate_abs.next = self.gate_abs.q.val();
            self.lane[o].gate_neg.next = self.gate_neg.q.val();
            self.lane[o].score.next = self.score_d[13].q.val();
            self.y[o].next = self.lane[o].y.val();
        }
        self.gate_w.next =
            ((self.gate_d[10].q.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();

        if self.advance.val() {
            self.valid[0].d.next = self.x_valid.val() && self.x_ready.val();
            for i in 1..4 {
                self.valid[i].d.next = self.valid[i - 1].q.val();
            }
            // Only a block's last beat goes on past the accumulator.
            self.valid[4].d.next = self.valid[3].q.val() && self.last_d[3].q.val();
            for i in 5..STAGES {
                self.valid[i].d.next = self.valid[i - 1].q.val();
            }
            self.first_d[0].d.next = self.first.val();
            self.last_d[0].d.next = self.last.val();
            for i in 1..4 {
                self.first_d[i].d.next = self.first_d[i - 1].q.val();
                self.last_d[i].d.next = self.last_d[i - 1].q.val();
            }
            self.gelu_d[0].d.next = self.gelu.val();
            self.gate_d[0].d.next = self.gate.val();
            for i in 1..11 {
                self.gelu_d[i].d.next = self.gelu_d[i - 1].q.val();
                self.gate_d[i].d.next = self.gate_d[i - 1].q.val();
            }
            self.score_d[0].d.next = self.score.val();
            for i in 1..14 {
                self.score_d[i].d.next = self.score_d[i - 1].q.val();
            }
            self.gate_neg.d.next = self.gate_w.val().get_bit(31);
            self.gate_abs.d.next = self.gate_w.val();
            if self.gate_w.val().get_bit(31) {
                self.gate_abs.d.next = !self.gate_w.val() + 1;
            }
        }
        if self.reset.val() {
            for i in 0..STAGES {
                self.valid[i].d.next = false;
            }
        }
        self.y_valid.next = self.valid[14].q.val();
    }
}

#[cfg(test)]
mod tests {

    use golden::rng::SplitMix64;
    use golden::units::gelu::Gelu as Golden;
    use golden::units::linear::{linear_row, scaled_accumulate, LinearWeights};
    use golden::units::mac::Mac as GoldenMac;
    use ndarray::{Array1, Array2};

    use super::*;

    fn formats() -> [Format; 2] {
        ["ap_fixed<32,10>", "ap_fixed<24,8>"].map(|s| s.parse().expect("a valid format"))
    }

    fn weight_format() -> Format {
        "ap_fixed<16,2>".parse().expect("a valid format")
    }

    /// One beat's inputs.
    #[derive(Clone, Debug)]
    struct Beat {
        x: Vec<u32>,
        w: Vec<u16>,
        bias: Vec<u32>,
        first: bool,
        last: bool,
        gelu: bool,
        score: bool,
        gate: u32,
        dst: Vec<u32>,
    }

    /// A layer streamed through the tile: its beats in §8's order (token, out block, in block) and the
    /// `OUT` results golden expects for every output block, in the same order.
    struct Case {
        beats: Vec<Beat>,
        want: Vec<Vec<u32>>,
    }

    /// A container word for `raw`: its low W bits, junk above them.
    fn word(fm: Format, raw: i64, rng: &mut SplitMix64) -> u32 {
        let w = fm.width();
        let low = (raw as u64 & ((1u64 << w) - 1)) as u32;
        if w < 32 {
            low | ((rng.next_u64() as u32) << w)
        } else {
            low
        }
    }

    /// A raw of `fm` in [lo, hi) (real values), or, one time in `wild`, anywhere in the format.
    fn raw(fm: Format, rng: &mut SplitMix64, lo: f64, hi: f64, wild: u64) -> i64 {
        if rng.below(wild) == 0 {
            let span = (fm.max_raw() - fm.min_raw()) as u64 + 1;
            fm.min_raw() + rng.below(span) as i64
        } else {
            let one = (1u64 << fm.frac_bits()) as f64;
            let (a, b) = ((lo * one) as i64, (hi * one) as i64);
            a + rng.below((b - a) as u64) as i64
        }
    }

    /// A random `din × dout` layer over `tokens` tokens; `modes(t, ob)` picks each output block's mode
    /// (0 plain, 1 GELU, 2 use_score, 3 GELU and use_score).
    fn case<const IN: usize, const OUT: usize>(
        fm: Format,
        wt: Format,
        (din, dout, tokens): (usize, usize, usize),
        seed: u64,
        modes: impl Fn(usize, usize) -> u8,
    ) -> Case {
        let mut rng = SplitMix64::new(seed);
        // Wrapped to the format: an ap_ufixed weight never holds a negative raw.
        let weights = Array2::from_shape_fn((dout, din), |_| {
            wt.wrap_raw(i128::from(raw(wt, &mut rng, -0.25, 0.25, 8)))
        });
        let bias: Vec<i64> = (0..dout)
            .map(|_| raw(fm, &mut rng, -2.0, 2.0, 16))
            .collect();
        let layer = LinearWeights {
            weights: weights.view(),
            format: wt,
            bias_fm: &bias,
        };
        let mac = GoldenMac::new(fm, fm, wt).expect("a valid MAC");
        let gelu = Golden::new(fm);
        let (nib, nob) = (din / IN, dout / OUT);
        let (mut beats, mut want) = (Vec::new(), Vec::new());
        for t in 0..tokens {
            let x: Vec<i64> = (0..din).map(|_| raw(fm, &mut rng, -4.0, 4.0, 16)).collect();
            let xw: Vec<u32> = x.iter().map(|&v| word(fm, v, &mut rng)).collect();
            let mut plain = Array1::<i64>::zeros(dout);
            let mut gelud = Array1::<i64>::zeros(dout);
            linear_row(&x, &layer, None, &mac, plain.view_mut());
            linear_row(&x, &layer, Some(&gelu), &mac, gelud.view_mut());
            for ob in 0..nob {
                let mode = modes(t, ob);
                let gate = if rng.below(4) == 0 {
                    raw(fm, &mut rng, -1.0, 1.0, 4)
                } else {
                    raw(fm, &mut rng, 0.0, 1.0, 1 << 20)
                };
                let mut dst: Vec<i64> = (0..OUT).map(|_| raw(fm, &mut rng, -4.0, 4.0, 8)).collect();
                let dst_words: Vec<u32> = dst.iter().map(|&v| word(fm, v, &mut rng)).collect();
                let gate_word = word(fm, gate, &mut rng);
                let rows = ob * OUT..(ob + 1) * OUT;
                let y = if mode & 1 == 1 { &gelud } else { &plain };
                let y = y.as_slice().expect("contiguous")[rows.clone()].to_vec();
                let out = if mode & 2 == 2 {
                    scaled_accumulate(&mut dst, &y, gate, &fm);
                    dst
                } else {
                    y
                };
                want.push(out.iter().map(|&v| v as u32).collect());
                let bias_words: Vec<u32> =
                    bias[rows].iter().map(|&v| word(fm, v, &mut rng)).collect();
                for ib in 0..nib {
                    let mut w = Vec::with_capacity(IN * OUT);
                    for o in 0..OUT {
                        for i in 0..IN {
                            // Low W_wt bits, junk above them.
                            let raw = weights[[ob * OUT + o, ib * IN + i]] as u16;
                            let keep = ((1u32 << wt.width()) - 1) as u16;
                            w.push((raw & keep) | (rng.next_u64() as u16 & !keep));
                        }
                    }
                    beats.push(Beat {
                        x: xw[ib * IN..(ib + 1) * IN].to_vec(),
                        w,
                        bias: bias_words.clone(),
                        first: ib == 0,
                        last: ib == nib - 1,
                        gelu: mode & 1 == 1,
                        score: mode & 2 == 2,
                        gate: gate_word,
                        dst: dst_words.clone(),
                    });
                }
            }
        }
        Case { beats, want }
    }

    /// The tile stepped directly (no testbench threads: the fast way to simulate in rust-hdl).
    struct Bench<const IN: usize, const OUT: usize, const N: usize> {
        uut: Linear<IN, OUT, N>,
    }

    impl<const IN: usize, const OUT: usize, const N: usize> Bench<IN, OUT, N> {
        fn new(fm: Format, wt: Format) -> Self {
            let uut = Linear::new(fm, wt).expect("supported formats");
            let mut bench = Bench { uut };
            bench.reset();
            bench
        }

        /// A reset edge, then idle cycles until `x_ready` (the lanes' GELUs filling).
        fn reset(&mut self) {
            self.uut.reset.next = true;
            self.edge();
            self.uut.reset.next = false;
            let mut idle = 0;
            while !self.settle_ready() {
                assert_eq!(self.cycle(None, true).1, None, "output after reset");
                idle += 1;
                assert!(idle <= GELU_LATENCY, "x_ready never rose after reset");
            }
        }

        fn settle_ready(&mut self) -> bool {
            self.uut.y_ready.next = true;
            self.uut.clock.next = Clock { clk: false };
            assert!(simulate(&mut self.uut, 1000), "settles");
            self.uut.x_ready.val()
        }

        fn edge(&mut self) {
            self.uut.clock.next = Clock { clk: false };
            assert!(simulate(&mut self.uut, 1000), "settles");
            self.uut.clock.next = Clock { clk: true };
            assert!(simulate(&mut self.uut, 1000), "settles");
        }

        /// One clock cycle as a valid/ready neighbour drives it: offers `beat`, sets `y_ready`, and
        /// returns whether the beat was taken and the `y` delivered, both decided before the edge.
        fn cycle(&mut self, beat: Option<&Beat>, y_ready: bool) -> (bool, Option<Vec<u32>>) {
            let u = &mut self.uut;
            if let Some(b) = beat {
                for i in 0..IN {
                    u.x[i].next = u64::from(b.x[i]).into();
                }
                for k in 0..N {
                    u.w[k].next = u64::from(b.w[k]).into();
                }
                for o in 0..OUT {
                    u.bias[o].next = u64::from(b.bias[o]).into();
                    u.dst[o].next = u64::from(b.dst[o]).into();
                }
                u.first.next = b.first;
                u.last.next = b.last;
                u.gelu.next = b.gelu;
                u.score.next = b.score;
                u.gate.next = u64::from(b.gate).into();
            }
            u.x_valid.next = beat.is_some();
            u.y_ready.next = y_ready;
            u.clock.next = Clock { clk: false };
            assert!(simulate(u, 1000), "settles");
            let taken = beat.is_some() && u.x_ready.val();
            let y = (u.y_valid.val() && y_ready)
                .then(|| u.y.iter().map(|y| y.val().to_u64() as u32).collect());
            self.edge();
            (taken, y)
        }
    }

    /// Streams `case` back to back with `y` always ready: every beat must be taken at once (II = 1),
    /// and each block's results must come out exactly LATENCY cycles after its last beat, equal to
    /// golden.
    fn stream<const IN: usize, const OUT: usize, const N: usize>(
        bench: &mut Bench<IN, OUT, N>,
        case: &Case,
        what: &str,
    ) {
        let mut due = Vec::new();
        let mut ys = Vec::new();
        for cycle in 0..case.beats.len() + LATENCY as usize + 2 {
            let beat = case.beats.get(cycle);
            let (taken, y) = bench.cycle(beat, true);
            assert_eq!(
                taken,
                beat.is_some(),
                "{what}: beat of cycle {cycle} refused"
            );
            if beat.is_some_and(|b| b.last) {
                due.push(cycle + LATENCY as usize);
            }
            ys.extend(y.map(|y| (cycle, y)));
        }
        assert_eq!(ys.len(), case.want.len(), "{what}: output beats");
        for (k, ((cycle, y), want)) in ys.iter().zip(&case.want).enumerate() {
            assert_eq!(*cycle, due[k], "{what}: latency of block {k}");
            assert_eq!(
                y, want,
                "{what}: block {k}: rtl {y:08x?}, golden {want:08x?}"
            );
        }
    }

    #[test]
    fn small_tile_equals_golden_in_modes_0_to_2_and_gelu_with_score() {
        for fm in formats() {
            let mut bench = Bench::<4, 2, 8>::new(fm, weight_format());
            for mode in 0..4u8 {
                for rep in 0..10 {
                    for (k, &shape) in [(8, 4, 3), (12, 6, 2), (4, 2, 4)].iter().enumerate() {
                        let seed =
                            1000 * u64::from(mode) + 10 * rep + k as u64 + u64::from(fm.width());
                        let c = case::<4, 2>(fm, weight_format(), shape, seed, |_, _| mode);
                        stream(
                            &mut bench,
                            &c,
                            &format!("{fm} mode {mode} {shape:?} seed {seed}"),
                        );
                    }
                }
            }
            // Modes changing from one output block to the next.
            let c = case::<4, 2>(fm, weight_format(), (8, 8, 4), 9, |t, ob| {
                ((t + ob) % 4) as u8
            });
            stream(&mut bench, &c, &format!("{fm} mixed modes"));
        }
    }

    #[test]
    fn preset_tiles_16x16_and_16x32_equal_golden() {
        on_big_stack(full_tile);
    }

    fn full_tile() {
        let fm = formats()[0];
        let mut bench = Bench::<16, 16, 256>::new(fm, weight_format());
        let c = case::<16, 16>(fm, weight_format(), (32, 32, 2), 5, |t, ob| {
            (2 * t + ob) as u8
        });
        stream(&mut bench, &c, "16×16");
        // The other preset tile, once.
        let mut bench = Bench::<16, 32, 512>::new(fm, weight_format());
        let c = case::<16, 32>(fm, weight_format(), (32, 64, 2), 6, |t, ob| {
            (2 * t + ob) as u8
        });
        stream(&mut bench, &c, "16×32");
    }

    #[test]
    fn narrower_and_unsigned_weight_formats_equal_golden() {
        for (fm, wt) in [
            (formats()[1], "ap_fixed<12,1>"),
            (formats()[0], "ap_ufixed<8,1>"),
            (formats()[0], "ap_fixed<16,-4>"),
        ] {
            let wt: Format = wt.parse().expect("a valid format");
            let mut bench = Bench::<4, 2, 8>::new(fm, wt);
            for seed in 0..4 {
                let c = case::<4, 2>(fm, wt, (8, 6, 3), 50 + seed, |t, ob| ((t + ob) % 4) as u8);
                stream(&mut bench, &c, &format!("{fm} × {wt} seed {seed}"));
            }
        }
    }

    #[test]
    fn backpressure_loses_and_duplicates_nothing() {
        for fm in formats() {
            let c = case::<4, 2>(fm, weight_format(), (12, 8, 6), 17, |t, ob| {
                ((t * ob) % 4) as u8
            });
            let mut rng = SplitMix64::new(3);
            let mut bench = Bench::<4, 2, 8>::new(fm, weight_format());
            let (mut next, mut ys, mut refused) = (0, Vec::new(), 0);
            for cycle in 0..20 * c.beats.len() {
                if ys.len() == c.want.len() {
                    break;
                }
                // Held low long enough to fill the pipeline, then ready one cycle in three.
                let ready = !(10..50).contains(&cycle) && rng.below(3) == 0;
                let beat = c.beats.get(next);
                let (taken, y) = bench.cycle(beat, ready);
                if taken {
                    next += 1;
                } else if beat.is_some() {
                    refused += 1;
                }
                ys.extend(y);
            }
            assert!(refused >= 30, "{fm}: the stall never reached x_ready");
            assert_eq!(ys, c.want, "{fm}: outputs under backpressure");
        }
    }

    #[test]
    fn reset_empties_the_pipeline() {
        let fm = formats()[0];
        let c = case::<4, 2>(fm, weight_format(), (8, 4, 2), 23, |_, ob| ob as u8);
        let mut bench = Bench::<4, 2, 8>::new(fm, weight_format());
        // Half a layer in, a block left open, then reset: nothing may come out.
        for beat in &c.beats[..5] {
            assert!(bench.cycle(Some(beat), true).0);
        }
        bench.reset();
        for _ in 0..2 * LATENCY {
            assert_eq!(bench.cycle(None, true).1, None);
        }
        stream(&mut bench, &c, "after reset");
    }

    #[test]
    fn latency_is_within_the_simulators_linear_depth() {
        let depth = crate::timing::LoopDepth::default();
        assert_eq!(LATENCY, 15);
        assert!(LATENCY <= depth.linear, "{LATENCY} > {}", depth.linear);
    }

    #[test]
    fn formats_and_tiles_the_datapath_cannot_hold_are_refused() {
        on_big_stack(refusals);
    }

    fn refusals() {
        let parse = |s: &str| s.parse::<Format>().expect("a valid format");
        let wt = weight_format();
        for fm in [
            "ap_fixed<40,10>",
            "ap_ufixed<16,6>",
            "ap_fixed<32,10,AP_RND>",
            "ap_fixed<32,10,AP_TRN,AP_SAT>",
            "ap_fixed<16,3>",
        ] {
            let err = Linear::<4, 2, 8>::new(parse(fm), wt).err();
            assert!(
                matches!(err, Some(RtlError::Unsupported { .. })),
                "{fm}: {err:?}"
            );
        }
        let fm = formats()[0];
        for wt in [
            "ap_fixed<18,2>",
            "ap_ufixed<16,2>",
            "ap_fixed<16,20>",
            "ap_fixed<8,-30>",
        ] {
            let err = Linear::<4, 2, 8>::new(fm, parse(wt)).err();
            assert!(
                matches!(err, Some(RtlError::Unsupported { .. })),
                "{wt}: {err:?}"
            );
        }
        assert!(Linear::<4, 2, 8>::new(fm, parse("ap_ufixed<8,1>")).is_ok());
        let err = verilog(fm, wt, 8, 8).err();
        assert!(
            matches!(err, Some(RtlError::Unsupported { .. })),
            "8×8: {err:?}"
        );
        let err = Linear::<4, 2, 6>::new(fm, wt).err();
        assert!(
            matches!(err, Some(RtlError::Bug { .. })),
            "N ≠ IN·OUT: {err:?}"
        );
    }
}
