//! `qk_scores` in RTL: the compute process of golden's QKᵀ unit ([`golden::units::qk_scores`], §4.1),
//! P lanes × BEAT fm_t MACs per cycle at II = 1, bit-exact with golden's scores.
//!
//! ```text
//!             ┌──────────────────────────────────── QkScores<P, BEAT> ─────────────────────────────────────┐
//!  k[BEAT] ──►│ 1 input regs:     2, 3 MulFm ×BEAT    4 carry-save   5 add,    6, 7 MulFm   8 acc[head] │──► y[P]
//!  q[BEAT] ──►│ K beat, Q beat,   ⌊q·k⌋ (32×32       Σ BEAT terms   wrap W    ⌊partial ·   += scaled, │   (heads_t:
//!  q_sel ────►│ q_blocks read     signed, 4 DSPs)    (3:2 chain)               scale⌋       wrap W     │   4 × 32 bit)
//!  x_valid ──►│ (RAM, d)          ─────────── one lane per row in flight, P of them ───────────        │──► y_valid
//!  x_ready ◄──│ loop counters d, head beat, head (run-time D/BEAT, D/(H·BEAT))                        │◄── y_ready
//!  reset ────►│                                                                                        │
//!             └────────────────────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! One accepted input beat is one iteration (b, k, d) of the loop nest of §4.1: `k` is the K beat
//! K[k][d] (BEAT fm_t, each in a 32-bit container, low W bits read); if bit `o` of `q_sel` is set it
//! also carries `q`, the Q beat Q[b·P + o][d] for lane `o` (the staggered load: the driver sets bit `k`
//! when k < P and b·P + k < N, and nothing otherwise). The unit keeps the d and head counters itself
//! (from the run-time `dim`, `heads`), so the beats of one key must arrive in order d = 0 .. D/BEAT − 1
//! after a reset; it does not know N, b or k. At the last d of every key it emits one output beat: `y[o]`
//! is lane o's score for every head, a `heads_t` of [`MAX_HEADS`] 32-bit words (head h in bits
//! 32h .. 32h + 31, fm_t sign-extended; heads ≥ H read 0), exactly what `write_attn` stores per (b, k, o).
//! Which row a lane's score belongs to (or that it is one of the garbage rows past N of the last block)
//! is the driver's business, as in HLS, where it is flagged downstream.
//!
//! Numerics (golden's `head_score`, fm_t with AP_TRN/AP_WRAP): per lane and head the score is
//! `Σ_beats ⌊attn_scale · Σ_{BEAT elements} ⌊q·k⌋⌋`, every sum modulo 2^W. Products are formed exactly
//! (64 bits) and floored at F by taking their bits F .. F + 31; sums are kept modulo 2^32 and
//! re-wrapped to W bits (sign-extended) where a value is used as a signed operand (the partial before
//! the scale multiply) and in the accumulators.
//!
//! Why the datapath looks the way it does:
//! - rust-hdl multiplies only 16×16, so every fm_t product is a [`MulFm`]: four unsigned 16×16 partial
//!   products (one DSP48E2 each) plus the two's-complement correction `−2^32·(a<0 ? b : 0) − 2^32·(b<0 ?
//!   a : 0)`, computed from the sign bits and summed with the partial products. P·(BEAT + 1) of them.
//! - q_blocks (P × D/BEAT beats) is a rust-hdl `RAM<Bits<32>, 5>` per lane and element (32 entries,
//!   synchronous read, so LUTRAM in Yosys): D/BEAT ≤ 32 beats per row. The RAM is read at the edge
//!   that accepts the beat (address d, or the held d while stalled); the Q beat being loaded in that
//!   same iteration is written at that edge and bypassed from the input register, since the lane that
//!   is loaded starts its new row with this very beat.
//! - The BEAT floored products are summed by a chain of 3:2 carry-save adders (bitwise, one LUT level
//!   each) and one carry-propagate add in the next stage, rather than BEAT − 1 chained adders: a
//!   balanced tree cannot be written generically over BEAT in rust-hdl (array sizes like BEAT/2 are not
//!   expressible and `#[hdl_gen]` indices may only use loop variables).
//! - The scale is a general fm_t multiply by the constant `scale_raw` (not a shift), so any attn_scale
//!   golden accepts is exact; Yosys folds the zero partial products of 0.125 away.
//! - One accumulator per head slot (4) per lane; the head is one-hot, the accumulator of the first beat
//!   of a head starts from 0 (golden resets at d == 0 per head), and the output reads the accumulators
//!   directly, so the next key may start overwriting head 0 in the very cycle its score is taken.
//! - The beats reach the lanes as 256-bit buses (element e in bits 32e .. 32e + 31, built by
//!   [`Place`] blocks), not as arrays: rust-hdl's Verilog generator resolves only one array index per
//!   name, so `self.lanes[o].k[e]` simulates correctly in Rust but is emitted as the undeclared
//!   `lanes$0$k[e]`. The bus is sized for [`MAX_BEAT`] = 8; for BEAT < 8 its upper bits are unread,
//!   which Verilator's -Wall reports (UNUSEDSIGNAL) on the (2, 2) test instance only.
//! - Verification: the tests below compare with golden in rust-hdl's simulation; the emitted Verilog of
//!   (2, 2) and (4, 8) was replayed once in Verilator against that simulation under backpressure
//!   (identical outputs). Lint and synthesis run in codegen's harness (`codegen/src/verilog/`).

use golden::fixed::Format;
use rust_hdl::prelude::*;

use super::axis::Place;
use super::mul::{MulFm, MUL_FM_LATENCY};
use super::{on_big_stack, verilog_named, RtlError, CONTAINER_BITS};

/// Clock edges from the edge that accepts the last beat (d = D/BEAT − 1) of a key to the edge after
/// which `y_valid` presents that key's scores: 1 input registers and the q_blocks read, 2 the MulFm's
/// partial products, 3 its sum and floor, 4 the carry-save chain, 5 the carry-propagate add and the wrap
/// to W, 6 and 7 the scale MulFm, 8 the head accumulator. The simulator models the HLS loop's depth,
/// 15 (`arch.depth.qk_scores`, from the Vitis log); this pipeline is shorter because it has no AXI
/// stream FIFOs inside and Vitis schedules fm_t products conservatively. Only the loop's total cycle
/// count, `nb·N·D/BEAT + depth`, differs, by 7 cycles per layer.
pub const LATENCY: u32 = 8;

/// The root module's name in the emitted Verilog.
pub const MODULE: &str = "qk_scores";

/// Head slots in an output `heads_t` (a 128-bit word): the most heads the unit supports.
pub const MAX_HEADS: usize = 4;

/// Address bits of a q_blocks RAM: at most 2^5 = 32 beats per row (D ≤ 32·BEAT, 256 for BEAT = 8).
pub const Q_ADDR_BITS: usize = 5;

// #[hdl_gen] bodies take no constants from Rust (it reads any path as a signal): the bodies below spell
// out 5 (Q_ADDR_BITS), 4 (MAX_HEADS), 6 and 7 (LATENCY − 2, LATENCY − 1, the control stages) and
// 32/64/128 (container, exact product, heads_t widths).
const _: () = assert!(
    Q_ADDR_BITS == 5
        && MAX_HEADS == 4
        && LATENCY == 8
        && MUL_FM_LATENCY == 2
        && BUS_BITS == 32 * MAX_BEAT
);

/// Lanes, beat widths and the (P, BEAT) pairs [`verilog`] builds.
pub const SUPPORTED: [(usize, usize); 3] = [(2, 2), (4, 8), (8, 8)];

/// Bits of a beat bus: [`MAX_BEAT`] elements of 32 bits.
pub const BUS_BITS: usize = 256;

/// The widest beat a [`Place`] bus carries.
pub const MAX_BEAT: usize = 8;

/// One lane: its row's Q beats (q_blocks), BEAT products with the K beat, their sum, the scale and the
/// per-head accumulators.
#[derive(LogicBlock)]
pub struct QkLane<const BEAT: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// The pipeline advances this edge.
    pub en: Signal<In, Bit>,
    /// Write the Q beat `q_in` at `write_address` this edge.
    pub q_write: Signal<In, Bit>,
    /// q_blocks address written.
    pub write_address: Signal<In, Bits<5>>,
    /// The Q beat being accepted, sign-extended, element e in bits 32e .. 32e + 31.
    pub q_in: Signal<In, Bits<256>>,
    /// q_blocks address read this edge (the beat's d).
    pub read_address: Signal<In, Bits<5>>,
    /// Stage 1: this lane's Q beat came with the beat (use `q_r`, not q_blocks).
    pub bypass: Signal<In, Bit>,
    /// Stage 1: the Q beat that came with the beat (as `q_in`).
    pub q_r: Signal<In, Bits<256>>,
    /// Stage 1: the K beat (as `q_in`).
    pub k_r: Signal<In, Bits<256>>,
    /// Stage 7: the beat is valid and the pipeline advances (update an accumulator).
    pub acc_en: Signal<In, Bit>,
    /// Stage 7: first beat of its head (the accumulator starts from 0).
    pub first: Signal<In, Bit>,
    /// Stage 7: the beat's head, one-hot.
    pub head: Signal<In, Bits<4>>,
    /// The accumulators as a heads_t: head h in bits 32h .. 32h + 31.
    pub y: Signal<Out, Bits<128>>,
    mask_w: Constant<Bits<32>>,
    high_w: Constant<Bits<32>>,
    sign_bit: Constant<Bits<8>>,
    scale: Constant<Bits<32>>,
    ram: [RAM<Bits<32>, 5>; BEAT],
    mul: [MulFm; BEAT],
    scale_mul: MulFm,
    sum_r: DFF<Bits<32>>,
    carry_r: DFF<Bits<32>>,
    partial: DFF<Bits<32>>,
    acc: [DFF<Bits<32>>; 4],
    sum: [Signal<Local, Bits<32>>; BEAT],
    carry: [Signal<Local, Bits<32>>; BEAT],
    total: Signal<Local, Bits<32>>,
    wrapped_total: Signal<Local, Bits<32>>,
    current: Signal<Local, Bits<32>>,
    updated: Signal<Local, Bits<32>>,
    wrapped: Signal<Local, Bits<32>>,
    wide: [Signal<Local, Bits<128>>; 4],
}

impl<const BEAT: usize> QkLane<BEAT> {
    /// A lane for fm_t `fm` (checked by the caller) and the raw attention scale.
    fn new(fm: Format, scale_raw: i64) -> Self {
        let w = fm.width();
        let f = fm.frac_bits() as u32;
        let mask = (1u64 << w) - 1;
        QkLane {
            clock: Default::default(),
            en: Default::default(),
            q_write: Default::default(),
            write_address: Default::default(),
            q_in: Default::default(),
            read_address: Default::default(),
            bypass: Default::default(),
            q_r: Default::default(),
            k_r: Default::default(),
            acc_en: Default::default(),
            first: Default::default(),
            head: Default::default(),
            y: Default::default(),
            mask_w: Constant::new(mask.into()),
            high_w: Constant::new((!mask & 0xffff_ffff).into()),
            sign_bit: Constant::new(u64::from(w - 1).into()),
            scale: Constant::new(u64::from(scale_raw as u32).into()),
            ram: std::array::from_fn(|_| Default::default()),
            mul: std::array::from_fn(|_| MulFm::new(f)),
            scale_mul: MulFm::new(f),
            sum_r: Default::default(),
            carry_r: Default::default(),
            partial: Default::default(),
            acc: Default::default(),
            sum: std::array::from_fn(|_| Default::default()),
            carry: std::array::from_fn(|_| Default::default()),
            total: Default::default(),
            wrapped_total: Default::default(),
            current: Default::default(),
            updated: Default::default(),
            wrapped: Default::default(),
            wide: Default::default(),
        }
    }
}

impl<const BEAT: usize> Logic for QkLane<BEAT> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, sum_r, carry_r, partial);
        for h in 0..4 {
            self.acc[h].clock.next = self.clock.val();
            self.acc[h].d.next = self.acc[h].q.val();
        }
        // Stage 1: q_blocks (written and read at the edge that accepts the beat), then stages 2 and 3:
        // ⌊q·k⌋ per element; the lane's own new Q beat bypasses the RAM.
        for e in 0..BEAT {
            self.ram[e].write_clock.next = self.clock.val();
            self.ram[e].write_enable.next = self.q_write.val();
            self.ram[e].write_address.next = self.write_address.val();
            self.ram[e].write_data.next = self.q_in.val().get_bits::<32>(32 * e);
            self.ram[e].read_clock.next = self.clock.val();
            self.ram[e].read_address.next = self.read_address.val();
            self.mul[e].clock.next = self.clock.val();
            self.mul[e].en.next = self.en.val();
            self.mul[e].a.next = self.ram[e].read_data.val();
            if self.bypass.val() {
                self.mul[e].a.next = self.q_r.val().get_bits::<32>(32 * e);
            }
            self.mul[e].b.next = self.k_r.val().get_bits::<32>(32 * e);
        }
        // Stage 4: Σ of the BEAT terms modulo 2^32 as a chain of 3:2 compressors (sum, carry).
        self.sum[0].next = self.mul[0].p.val();
        self.carry[0].next = 0.into();
        for e in 1..BEAT {
            self.sum[e].next =
                self.sum[e - 1].val() ^ self.carry[e - 1].val() ^ self.mul[e].p.val();
            self.carry[e].next = ((self.sum[e - 1].val() & self.carry[e - 1].val())
                | (self.sum[e - 1].val() & self.mul[e].p.val())
                | (self.carry[e - 1].val() & self.mul[e].p.val()))
                << 1;
        }
        // Stage 5: the carry-propagate add, wrapped to W bits (sign-extended): golden's fm_t partial.
        self.total.next = self.sum_r.q.val() + self.carry_r.q.val();
        self.wrapped_total.next = self.total.val() & self.mask_w.val();
        if self.total.val().get_bit(self.sign_bit.val().index()) {
            self.wrapped_total.next = self.total.val() | self.high_w.val();
        }
        // Stages 6 and 7: ⌊partial · attn_scale⌋.
        self.scale_mul.clock.next = self.clock.val();
        self.scale_mul.en.next = self.en.val();
        self.scale_mul.a.next = self.partial.q.val();
        self.scale_mul.b.next = self.scale.val();
        // Stage 8: the head's accumulator (from 0 on the head's first beat), wrapped to W bits.
        self.current.next = 0.into();
        for h in 0..4 {
            if self.head.val().get_bit(h) {
                self.current.next = self.acc[h].q.val();
            }
        }
        if self.first.val() {
            self.current.next = 0.into();
        }
        self.updated.next = self.current.val() + self.scale_mul.p.val();
        self.wrapped.next = self.updated.val() & self.mask_w.val();
        if self.updated.val().get_bit(self.sign_bit.val().index()) {
            self.wrapped.next = self.updated.val() | self.high_w.val();
        }
        for h in 0..4 {
            if self.acc_en.val() && self.head.val().get_bit(h) {
                self.acc[h].d.next = self.wrapped.val();
            }
        }
        if self.en.val() {
            // The chain's last element (a one-iteration loop: indices may only use loop variables).
            for e in (BEAT - 1)..BEAT {
                self.sum_r.d.next = self.sum[e].val();
                self.carry_r.d.next = self.carry[e].val();
            }
            self.partial.d.next = self.wrapped_total.val();
        }
        self.wide[0].next = bit_cast::<128, 32>(self.acc[0].q.val());
        self.wide[1].next = bit_cast::<128, 32>(self.acc[1].q.val());
        self.wide[2].next = bit_cast::<128, 32>(self.acc[2].q.val());
        self.wide[3].next = bit_cast::<128, 32>(self.acc[3].q.val());
        self.y.next = self.wide[0].val()
            | (self.wide[1].val() << 32)
            | (self.wide[2].val() << 64)
            | (self.wide[3].val() << 96);
    }
}

/// The unit: P lanes of BEAT MACs, for one fm_t, head count, embedding width and attention scale.
///
/// Flow control as gelu's: every register holds unless the pipeline advances, which it does when the
/// output register is empty or being read (`x_ready = (!y_valid || y_ready) && !reset`). Only the last
/// beat of a key makes an output beat; the others flow through the last stage with `y_valid` low.
#[derive(LogicBlock)]
pub struct QkScores<const P: usize, const BEAT: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the pipeline and restarts the loop counters at d = 0.
    pub reset: Signal<In, Bit>,
    /// The K beat K[k][d]: BEAT fm_t raws (low W bits read).
    pub k: [Signal<In, Bits<32>>; BEAT],
    /// The Q beat Q[b·P + o][d] for the lane o set in `q_sel` (low W bits read; ignored if none).
    pub q: [Signal<In, Bits<32>>; BEAT],
    /// One-hot: bit o loads `q` into lane o's q_blocks (iterations k = o < P with b·P + o < N).
    pub q_sel: Signal<In, Bits<P>>,
    /// The beat is offered.
    pub x_valid: Signal<In, Bit>,
    /// The unit takes the beat this edge if `x_valid`.
    pub x_ready: Signal<Out, Bit>,
    /// Per lane, the key's scores as a heads_t: head h in bits 32h .. 32h + 31 (fm_t raw, sign-extended).
    pub y: [Signal<Out, Bits<128>>; P],
    /// `y` holds the scores of a key.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes `y` this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    mask_w: Constant<Bits<32>>,
    high_w: Constant<Bits<32>>,
    sign_bit: Constant<Bits<8>>,
    last_beat: Constant<Bits<5>>,
    last_head_beat: Constant<Bits<5>>,
    one_hot: Constant<Bits<4>>,
    lanes: [QkLane<BEAT>; P],
    beat: DFF<Bits<5>>,
    head_beat: DFF<Bits<5>>,
    head: DFF<Bits<2>>,
    valid: [DFF<Bit>; 7],
    last: [DFF<Bit>; 7],
    first: [DFF<Bit>; 7],
    heads: [DFF<Bits<4>>; 7],
    address: DFF<Bits<5>>,
    sel: DFF<Bits<P>>,
    k_r: [DFF<Bits<32>>; BEAT],
    q_r: [DFF<Bits<32>>; BEAT],
    out_valid: DFF<Bit>,
    advance: Signal<Local, Bit>,
    accept: Signal<Local, Bit>,
    k_x: [Signal<Local, Bits<32>>; BEAT],
    q_x: [Signal<Local, Bits<32>>; BEAT],
    place_q_x: [Place<BUS_BITS>; BEAT],
    place_q_r: [Place<BUS_BITS>; BEAT],
    place_k_r: [Place<BUS_BITS>; BEAT],
    bus_q_x: [Signal<Local, Bits<256>>; BEAT],
    bus_q_r: [Signal<Local, Bits<256>>; BEAT],
    bus_k_r: [Signal<Local, Bits<256>>; BEAT],
}

/// The geometry `new` checks: beats per row and per head.
fn check(
    fm: Format,
    lanes: usize,
    beat: usize,
    heads: usize,
    dim: usize,
    scale_raw: i64,
) -> Result<(usize, usize), RtlError> {
    let refuse_at = |key: &'static str, reason: String| {
        Err(RtlError::Unsupported {
            unit: MODULE,
            key,
            reason,
        })
    };
    let refuse = |reason: String| refuse_at("numerics.fm", format!("fm_t = {fm}: {reason}"));
    if !fm.is_signed() {
        return refuse("fm_t must be signed".into());
    }
    if fm.width() > CONTAINER_BITS {
        return refuse(format!(
            "W = {} exceeds the {CONTAINER_BITS}-bit container",
            fm.width()
        ));
    }
    if !fm.is_trn_wrap() {
        return refuse(
            "fm_t must truncate and wrap (AP_TRN, AP_WRAP): the sums are modular".into(),
        );
    }
    if !(0..=31).contains(&fm.frac_bits()) {
        return refuse(format!(
            "F = {} is outside 0..=31, the products' floor",
            fm.frac_bits()
        ));
    }
    if lanes == 0 {
        return refuse_at(
            "arch.attn_lanes",
            "no lane: there must be at least one".into(),
        );
    }
    if ![2, 4, 8].contains(&beat) || beat > MAX_BEAT {
        return refuse_at(
            "arch.beat",
            format!("a beat of {beat} fm_t: the carry-save chain is written for 2, 4 or 8"),
        );
    }
    if heads == 0 || heads > MAX_HEADS {
        return refuse_at(
            "model.heads",
            format!("{heads} heads: a heads_t output holds 1 to {MAX_HEADS}"),
        );
    }
    if dim == 0 || dim % (heads * beat) != 0 {
        return refuse_at(
            "model.embed_dim",
            format!(
                "D = {dim} is not a positive multiple of heads · beat = {}",
                heads * beat
            ),
        );
    }
    let row_beats = dim / beat;
    if row_beats > 1 << Q_ADDR_BITS {
        return refuse_at(
            "model.embed_dim",
            format!(
                "D/BEAT = {row_beats} beats per row exceed the {} q_blocks entries per lane",
                1 << Q_ADDR_BITS
            ),
        );
    }
    if !(fm.min_raw()..=fm.max_raw()).contains(&scale_raw) {
        return refuse_at(
            "model.attn_scale",
            format!("attn_scale raw {scale_raw} is not an fm_t value"),
        );
    }
    Ok((row_beats, row_beats / heads))
}

impl<const P: usize, const BEAT: usize> QkScores<P, BEAT> {
    /// The unit for fm_t `fm`, `heads` heads of an embedding of `dim`, and the raw fm_t attention scale
    /// (0.125 is `2^(F−3)`); geometries and formats the datapath cannot hold are refused.
    pub fn new(fm: Format, heads: usize, dim: usize, scale_raw: i64) -> Result<Self, RtlError> {
        let (row_beats, head_beats) = check(fm, P, BEAT, heads, dim, scale_raw)?;
        let w = fm.width();
        let mask = (1u64 << w) - 1;
        let mut unit = QkScores {
            clock: Default::default(),
            reset: Default::default(),
            k: std::array::from_fn(|_| Default::default()),
            q: std::array::from_fn(|_| Default::default()),
            q_sel: Default::default(),
            x_valid: Default::default(),
            x_ready: Default::default(),
            y: std::array::from_fn(|_| Default::default()),
            y_valid: Default::default(),
            y_ready: Default::default(),
            mask_w: Constant::new(mask.into()),
            high_w: Constant::new((!mask & 0xffff_ffff).into()),
            sign_bit: Constant::new(u64::from(w - 1).into()),
            last_beat: Constant::new((row_beats as u64 - 1).into()),
            last_head_beat: Constant::new((head_beats as u64 - 1).into()),
            one_hot: Constant::new(1u64.into()),
            lanes: std::array::from_fn(|_| QkLane::new(fm, scale_raw)),
            beat: Default::default(),
            head_beat: Default::default(),
            head: Default::default(),
            valid: Default::default(),
            last: Default::default(),
            first: Default::default(),
            heads: Default::default(),
            address: Default::default(),
            sel: Default::default(),
            k_r: std::array::from_fn(|_| Default::default()),
            q_r: std::array::from_fn(|_| Default::default()),
            out_valid: Default::default(),
            advance: Default::default(),
            accept: Default::default(),
            k_x: std::array::from_fn(|_| Default::default()),
            q_x: std::array::from_fn(|_| Default::default()),
            place_q_x: std::array::from_fn(Place::new),
            place_q_r: std::array::from_fn(Place::new),
            place_k_r: std::array::from_fn(Place::new),
            bus_q_x: std::array::from_fn(|_| Default::default()),
            bus_q_r: std::array::from_fn(|_| Default::default()),
            bus_k_r: std::array::from_fn(|_| Default::default()),
        };
        unit.connect_all();
        Ok(unit)
    }
}

/// The unit's Verilog, root module [`MODULE`], for one of the [`SUPPORTED`] (P, BEAT) pairs.
pub fn verilog(
    fm: Format,
    lanes: usize,
    beat: usize,
    heads: usize,
    dim: usize,
    scale_raw: i64,
) -> Result<String, RtlError> {
    match (lanes, beat) {
        (2, 2) => verilog_named(
            &QkScores::<2, 2>::new(fm, heads, dim, scale_raw)?,
            MODULE,
            MODULE,
        ),
        (4, 8) => verilog_named(
            &QkScores::<4, 8>::new(fm, heads, dim, scale_raw)?,
            MODULE,
            MODULE,
        ),
        (8, 8) => verilog_named(
            &QkScores::<8, 8>::new(fm, heads, dim, scale_raw)?,
            MODULE,
            MODULE,
        ),
        _ => Err(unsupported_lanes(lanes, beat)),
    }
}

/// [`QkScores`] behind AXI-Stream ports, padded to `arch.depth.qk_scores` (the compute loop's depth).
///
/// `s_axis_tdata` (`TIN` = 64·BEAT bits) is one iteration (b, k, d): the K beat in bits 0 .. 32·BEAT
/// (element e at 32e) and the Q beat above it; `s_axis_tuser` is `q_sel`, the lanes that load the Q
/// beat. `m_axis_tdata` (`TOUT` = 128·P bits) is one key's scores, lane o's heads_t in bits
/// 128·o .. 128·o + 127, one result per D/BEAT beats.
#[derive(LogicBlock)]
pub struct QkScoresAxis<const P: usize, const BEAT: usize, const TIN: usize, const TOUT: usize> {
    /// Clock.
    pub aclk: Signal<In, Clock>,
    /// Synchronous reset, active low (also restarts the loop counters at d = 0).
    pub aresetn: Signal<In, Bit>,
    /// The K beat, then the Q beat.
    pub s_axis_tdata: Signal<In, Bits<TIN>>,
    /// `q_sel`: bit o loads the Q beat into lane o.
    pub s_axis_tuser: Signal<In, Bits<P>>,
    /// AXI-Stream TVALID of the beat.
    pub s_axis_tvalid: Signal<In, Bit>,
    /// AXI-Stream TREADY of the beat.
    pub s_axis_tready: Signal<Out, Bit>,
    /// One key's scores, a heads_t per lane.
    pub m_axis_tdata: Signal<Out, Bits<TOUT>>,
    /// AXI-Stream TVALID of the scores.
    pub m_axis_tvalid: Signal<Out, Bit>,
    /// AXI-Stream TREADY of the scores.
    pub m_axis_tready: Signal<In, Bit>,
    unit: QkScores<P, BEAT>,
    pack: [super::axis::PackLane<128, TOUT>; P],
    pad: super::axis::LatencyPad<TOUT>,
    q_at: Constant<Bits<32>>,
    nothing: Constant<Bits<TOUT>>,
}

impl<const P: usize, const BEAT: usize, const TIN: usize, const TOUT: usize>
    QkScoresAxis<P, BEAT, TIN, TOUT>
{
    /// `unit` followed by `pad` stages.
    pub fn new(unit: QkScores<P, BEAT>, pad: usize) -> Result<Self, RtlError> {
        if TIN != 64 * BEAT || TOUT != 128 * P {
            return Err(RtlError::Bug {
                unit: MODULE,
                detail: format!(
                    "QkScoresAxis<{P}, {BEAT}>: beats of {TIN} and {TOUT} bits, the layout needs {} and {}",
                    64 * BEAT,
                    128 * P
                ),
            });
        }
        let mut top = QkScoresAxis {
            aclk: Default::default(),
            aresetn: Default::default(),
            s_axis_tdata: Default::default(),
            s_axis_tuser: Default::default(),
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
            q_at: Constant::new(((32 * BEAT) as u64).into()),
            nothing: Constant::new(0u64.into()),
        };
        top.connect_all();
        Ok(top)
    }
}

impl<const P: usize, const BEAT: usize, const TIN: usize, const TOUT: usize> Logic
    for QkScoresAxis<P, BEAT, TIN, TOUT>
{
    #[hdl_gen]
    fn update(&mut self) {
        self.unit.clock.next = self.aclk.val();
        self.unit.reset.next = !self.aresetn.val();
        for e in 0..BEAT {
            self.unit.k[e].next = self.s_axis_tdata.val().get_bits::<32>(32 * e);
            self.unit.q[e].next = self
                .s_axis_tdata
                .val()
                .get_bits::<32>(self.q_at.val().index() + 32 * e);
        }
        self.unit.q_sel.next = self.s_axis_tuser.val();
        self.unit.x_valid.next = self.s_axis_tvalid.val();
        self.s_axis_tready.next = self.unit.x_ready.val();
        self.pack[0].acc.next = self.nothing.val();
        for o in 1..P {
            self.pack[o].acc.next = self.pack[o - 1].out.val();
        }
        for o in 0..P {
            self.pack[o].y.next = self.unit.y[o].val();
        }
        self.pad.clock.next = self.aclk.val();
        self.pad.reset.next = !self.aresetn.val();
        self.pad.alt.next = false;
        self.pad.x.next = self.nothing.val();
        for m in (P - 1)..P {
            self.pad.x.next = self.pack[m].out.val();
        }
        self.pad.x_valid.next = self.unit.y_valid.val();
        self.unit.y_ready.next = self.pad.x_ready.val();
        self.m_axis_tdata.next = self.pad.y.val();
        self.m_axis_tvalid.next = self.pad.y_valid.val();
        self.pad.y_ready.next = self.m_axis_tready.val();
    }
}

/// The AXI-Stream top's Verilog for a design point, padded by `pad` stages, root module `module`, for
/// one of the [`SUPPORTED`] (P, BEAT) pairs.
#[allow(clippy::too_many_arguments)]
pub fn axis_verilog(
    fm: Format,
    (lanes, beat): (usize, usize),
    heads: usize,
    dim: usize,
    scale_raw: i64,
    pad: usize,
    module: &str,
) -> Result<String, RtlError> {
    fn emit<const P: usize, const BEAT: usize, const TIN: usize, const TOUT: usize>(
        fm: Format,
        (heads, dim, scale_raw): (usize, usize, i64),
        pad: usize,
        module: &str,
    ) -> Result<String, RtlError> {
        let unit = QkScores::<P, BEAT>::new(fm, heads, dim, scale_raw)?;
        let top = QkScoresAxis::<P, BEAT, TIN, TOUT>::new(unit, pad)?;
        verilog_named(&top, MODULE, module)
    }
    let module = module.to_string();
    let shape = (heads, dim, scale_raw);
    on_big_stack(move || match (lanes, beat) {
        (2, 2) => emit::<2, 2, 128, 256>(fm, shape, pad, &module),
        (4, 8) => emit::<4, 8, 512, 512>(fm, shape, pad, &module),
        (8, 8) => emit::<8, 8, 512, 1024>(fm, shape, pad, &module),
        _ => Err(unsupported_lanes(lanes, beat)),
    })
}

fn unsupported_lanes(lanes: usize, beat: usize) -> RtlError {
    RtlError::Unsupported {
        unit: MODULE,
        key: "arch.attn_lanes",
        reason: format!(
            "P = {lanes} lanes of {beat} fm_t: only (P, BEAT) in {SUPPORTED:?} are instantiated"
        ),
    }
}

impl<const P: usize, const BEAT: usize> Logic for QkScores<P, BEAT> {
    #[hdl_gen]
    fn update(&mut self) {
        // Every register holds unless the pipeline advances.
        for s in 0..7 {
            self.valid[s].clock.next = self.clock.val();
            self.valid[s].d.next = self.valid[s].q.val();
            self.last[s].clock.next = self.clock.val();
            self.last[s].d.next = self.last[s].q.val();
            self.first[s].clock.next = self.clock.val();
            self.first[s].d.next = self.first[s].q.val();
            self.heads[s].clock.next = self.clock.val();
            self.heads[s].d.next = self.heads[s].q.val();
        }
        for e in 0..BEAT {
            self.k_r[e].clock.next = self.clock.val();
            self.k_r[e].d.next = self.k_r[e].q.val();
            self.q_r[e].clock.next = self.clock.val();
            self.q_r[e].d.next = self.q_r[e].q.val();
        }
        dff_setup!(self, clock, beat, head_beat, head, address, sel, out_valid);
        self.advance.next = !self.out_valid.q.val() || self.y_ready.val();
        self.x_ready.next = self.advance.val() && !self.reset.val();
        self.accept.next = self.x_ready.val() && self.x_valid.val();

        // The beat's fm_t values, sign-extended from W bits.
        for e in 0..BEAT {
            self.k_x[e].next = self.k[e].val() & self.mask_w.val();
            if self.k[e].val().get_bit(self.sign_bit.val().index()) {
                self.k_x[e].next = self.k[e].val() | self.high_w.val();
            }
            self.q_x[e].next = self.q[e].val() & self.mask_w.val();
            if self.q[e].val().get_bit(self.sign_bit.val().index()) {
                self.q_x[e].next = self.q[e].val() | self.high_w.val();
            }
        }

        // The lanes: q_blocks written at the accepting edge, read at d (the held d while stalled).
        for o in 0..P {
            self.lanes[o].clock.next = self.clock.val();
            self.lanes[o].en.next = self.advance.val();
            self.lanes[o].q_write.next = self.accept.val() && self.q_sel.val().get_bit(o);
            self.lanes[o].write_address.next = self.beat.q.val();
            self.lanes[o].read_address.next = self.address.q.val();
            if self.advance.val() {
                self.lanes[o].read_address.next = self.beat.q.val();
            }
            self.lanes[o].bypass.next = self.sel.q.val().get_bit(o);
            self.lanes[o].acc_en.next = self.advance.val() && self.valid[6].q.val();
            self.lanes[o].first.next = self.first[6].q.val();
            self.lanes[o].head.next = self.heads[6].q.val();
            self.y[o].next = self.lanes[o].y.val();
        }
        // The beats as buses for the lanes (OR chains of disjoint fields, i.e. wires).
        for e in 0..BEAT {
            self.place_q_x[e].x.next = self.q_x[e].val();
            self.place_q_r[e].x.next = self.q_r[e].q.val();
            self.place_k_r[e].x.next = self.k_r[e].q.val();
        }
        self.bus_q_x[0].next = self.place_q_x[0].y.val();
        self.bus_q_r[0].next = self.place_q_r[0].y.val();
        self.bus_k_r[0].next = self.place_k_r[0].y.val();
        for e in 1..BEAT {
            self.bus_q_x[e].next = self.bus_q_x[e - 1].val() | self.place_q_x[e].y.val();
            self.bus_q_r[e].next = self.bus_q_r[e - 1].val() | self.place_q_r[e].y.val();
            self.bus_k_r[e].next = self.bus_k_r[e - 1].val() | self.place_k_r[e].y.val();
        }
        for o in 0..P {
            // The chains' last links (one-iteration loops: indices may only use loop variables).
            for e in (BEAT - 1)..BEAT {
                self.lanes[o].q_in.next = self.bus_q_x[e].val();
                self.lanes[o].q_r.next = self.bus_q_r[e].val();
                self.lanes[o].k_r.next = self.bus_k_r[e].val();
            }
        }

        // The loop counters: d, the beat within the head, the head.
        if self.accept.val() {
            self.beat.d.next = self.beat.q.val() + 1;
            self.head_beat.d.next = self.head_beat.q.val() + 1;
            if self.head_beat.q.val() == self.last_head_beat.val() {
                self.head_beat.d.next = 0.into();
                self.head.d.next = self.head.q.val() + 1;
            }
            if self.beat.q.val() == self.last_beat.val() {
                self.beat.d.next = 0.into();
                self.head_beat.d.next = 0.into();
                self.head.d.next = 0.into();
            }
        }

        if self.advance.val() {
            self.valid[0].d.next = self.x_valid.val();
            self.last[0].d.next = self.beat.q.val() == self.last_beat.val();
            self.first[0].d.next = !self.head_beat.q.val().any();
            self.heads[0].d.next = self.one_hot.val() << self.head.q.val();
            for s in 1..7 {
                self.valid[s].d.next = self.valid[s - 1].q.val();
                self.last[s].d.next = self.last[s - 1].q.val();
                self.first[s].d.next = self.first[s - 1].q.val();
                self.heads[s].d.next = self.heads[s - 1].q.val();
            }
            self.out_valid.d.next = self.valid[6].q.val() && self.last[6].q.val();
            self.address.d.next = self.beat.q.val();
            self.sel.d.next = self.q_sel.val();
            for e in 0..BEAT {
                self.k_r[e].d.next = self.k_x[e].val();
                self.q_r[e].d.next = self.q_x[e].val();
            }
        }
        if self.reset.val() {
            for s in 0..7 {
                self.valid[s].d.next = false;
            }
            self.out_valid.d.next = false;
            self.beat.d.next = 0.into();
            self.head_beat.d.next = 0.into();
            self.head.d.next = 0.into();
        }
        self.y_valid.next = self.out_valid.q.val();
    }
}

#[cfg(test)]
mod tests {
    use golden::rng::SplitMix64;
    use golden::units::qk_scores::{qk_scores, AttnGeometry};
    use ndarray::{Array2, Array3};

    use super::*;

    fn formats() -> [Format; 2] {
        ["ap_fixed<32,10>", "ap_fixed<24,8>"].map(|s| s.parse().expect("a valid format"))
    }

    /// One iteration (b, k, d) of the loop nest as the unit's input beat.
    #[derive(Clone, Debug)]
    struct Beat {
        k: Vec<u32>,
        q: Vec<u32>,
        sel: u64,
    }

    /// The unit stepped directly (no testbench threads: the fast way to simulate in rust-hdl).
    struct Bench<const P: usize, const BEAT: usize> {
        uut: QkScores<P, BEAT>,
    }

    impl<const P: usize, const BEAT: usize> Bench<P, BEAT> {
        fn new(fm: Format, heads: usize, dim: usize, scale: i64) -> Self {
            let uut = QkScores::new(fm, heads, dim, scale).expect("a supported unit");
            let mut bench = Bench { uut };
            bench.reset();
            bench
        }

        fn reset(&mut self) {
            self.uut.reset.next = true;
            self.edge();
            self.uut.reset.next = false;
        }

        fn edge(&mut self) {
            self.uut.clock.next = Clock { clk: false };
            assert!(simulate(&mut self.uut, 200), "settles");
            self.uut.clock.next = Clock { clk: true };
            assert!(simulate(&mut self.uut, 200), "settles");
        }

        /// One clock cycle as a valid/ready neighbour drives it: offers `beat`, sets `y_ready`, and
        /// returns whether the beat was taken and the lanes' heads_t delivered, both decided before
        /// the edge.
        fn cycle(&mut self, beat: Option<&Beat>, y_ready: bool) -> (bool, Option<Vec<u128>>) {
            let u = &mut self.uut;
            for e in 0..BEAT {
                u.k[e].next = u64::from(beat.map_or(0, |b| b.k[e])).into();
                u.q[e].next = u64::from(beat.map_or(0, |b| b.q[e])).into();
            }
            u.q_sel.next = beat.map_or(0, |b| b.sel).into();
            u.x_valid.next = beat.is_some();
            u.y_ready.next = y_ready;
            u.clock.next = Clock { clk: false };
            assert!(simulate(u, 200), "settles");
            let taken = beat.is_some() && u.x_ready.val();
            let y = (u.y_valid.val() && y_ready)
                .then(|| u.y.iter().map(|y| y.val().to_u128()).collect());
            self.edge();
            (taken, y)
        }
    }

    /// A test model: Q and K, `[token][dim]` fm_t raws, half of the values small reals (|x| < 4) and
    /// half anywhere in the format's range (so products and sums wrap).
    fn activations(fm: Format, tokens: usize, dim: usize, rng: &mut SplitMix64) -> Array2<i64> {
        let span = (fm.max_raw() - fm.min_raw()) as u64 + 1;
        let small = 4i64 << fm.frac_bits();
        Array2::from_shape_fn((tokens, dim), |_| match rng.below(2) {
            0 => fm.min_raw() + rng.below(span) as i64,
            _ => rng.below(2 * small as u64) as i64 - small,
        })
    }

    /// A raw in the 32-bit container with random junk above its W bits (which the unit must ignore).
    fn container(fm: Format, raw: i64, rng: &mut SplitMix64) -> u32 {
        let mask = if fm.width() == 32 {
            u32::MAX
        } else {
            (1u32 << fm.width()) - 1
        };
        (raw as u32 & mask) | (rng.next_u64() as u32 & !mask)
    }

    /// The loop nest of §4.1, beat by beat: for b < nb, k < N, d < D/BEAT, the K beat K[k][d] and,
    /// when k < P and b·P + k < N, the Q beat Q[b·P + k][d] for lane k (junk in `q` otherwise).
    fn loop_nest(
        fm: Format,
        q: &Array2<i64>,
        k: &Array2<i64>,
        lanes: usize,
        beat: usize,
        rng: &mut SplitMix64,
    ) -> Vec<Beat> {
        let (n, dim) = k.dim();
        let nb = (n + lanes - 1).div_ceil(lanes);
        let mut beats = Vec::new();
        for b in 0..nb {
            for key in 0..n {
                for d in 0..dim / beat {
                    let load = key < lanes && b * lanes + key < n;
                    let cols = d * beat..(d + 1) * beat;
                    beats.push(Beat {
                        k: cols
                            .clone()
                            .map(|c| container(fm, k[[key, c]], rng))
                            .collect(),
                        q: cols
                            .map(|c| {
                                if load {
                                    container(fm, q[[b * lanes + key, c]], rng)
                                } else {
                                    rng.next_u64() as u32
                                }
                            })
                            .collect(),
                        sel: if load { 1 << key } else { 0 },
                    });
                }
            }
        }
        beats
    }

    /// The row lane `o` scores in block `b` at key `k` (the previous block's row for k < o); `None`
    /// for the garbage rows (past N, or before row 0).
    fn skewed_row(b: usize, k: usize, o: usize, lanes: usize, tokens: usize) -> Option<usize> {
        let row = if k >= o {
            b * lanes + o
        } else {
            (b * lanes + o).checked_sub(lanes)?
        };
        (row < tokens).then_some(row)
    }

    /// Checks output beat j = (b, k) of every lane against golden's scores; returns how many scores
    /// were compared.
    fn check_outputs(outs: &[Vec<u128>], scores: &Array3<i64>, lanes: usize, what: &str) -> usize {
        let (n, _, heads) = scores.dim();
        let nb = (n + lanes - 1).div_ceil(lanes);
        assert_eq!(outs.len(), nb * n, "{what}: output beats");
        let mut compared = 0;
        for (j, out) in outs.iter().enumerate() {
            let (b, key) = (j / n, j % n);
            for (o, &word) in out.iter().enumerate() {
                let Some(row) = skewed_row(b, key, o, lanes, n) else {
                    continue;
                };
                for h in 0..MAX_HEADS {
                    let got = i64::from((word >> (32 * h)) as u32 as i32);
                    let want = if h < heads { scores[[row, key, h]] } else { 0 };
                    assert_eq!(
                        got, want,
                        "{what}: block {b}, key {key}, lane {o} (row {row}), head {h}"
                    );
                    compared += 1;
                }
            }
        }
        compared
    }

    fn golden_scores(
        fm: Format,
        q: &Array2<i64>,
        k: &Array2<i64>,
        scale: i64,
        heads: usize,
        beat: usize,
        lanes: usize,
    ) -> Array3<i64> {
        qk_scores(
            q.view(),
            k.view(),
            scale,
            AttnGeometry { heads, beat, lanes },
            &fm,
        )
        .expect("golden's MAC")
        .scores
    }

    /// Streams the whole loop nest at II = 1 with `y` always ready: every beat is taken at once, each
    /// key's scores come out LATENCY cycles after its last beat, equal to golden's.
    fn stream<const P: usize, const BEAT: usize>(
        fm: Format,
        tokens: usize,
        heads: usize,
        dim: usize,
        scale: i64,
        seed: u64,
    ) -> usize {
        let mut rng = SplitMix64::new(seed);
        let q = activations(fm, tokens, dim, &mut rng);
        let k = activations(fm, tokens, dim, &mut rng);
        let scores = golden_scores(fm, &q, &k, scale, heads, BEAT, P);
        let beats = loop_nest(fm, &q, &k, P, BEAT, &mut rng);
        let mut bench = Bench::<P, BEAT>::new(fm, heads, dim, scale);
        let mut outs = Vec::new();
        for cycle in 0..beats.len() + LATENCY as usize + 2 {
            let beat = beats.get(cycle);
            let (taken, y) = bench.cycle(beat, true);
            assert_eq!(taken, beat.is_some(), "{fm}: beat of cycle {cycle} refused");
            if let Some(y) = y {
                let last_beat = (outs.len() + 1) * (dim / BEAT) - 1;
                assert_eq!(
                    cycle,
                    last_beat + LATENCY as usize,
                    "{fm}: latency of key {}",
                    outs.len()
                );
                outs.push(y);
            }
        }
        check_outputs(
            &outs,
            &scores,
            P,
            &format!("{fm}, P = {P}, BEAT = {BEAT}, scale {scale}"),
        )
    }

    #[test]
    fn small_instance_streams_the_loop_nest_bit_exact_with_golden() {
        for fm in formats() {
            let eighth = fm.from_f64(0.125).expect("in range");
            let odd = fm.from_f64(-0.3).expect("in range");
            let scales = [eighth, eighth, eighth, odd, odd, fm.max_raw(), fm.min_raw()];
            for (seed, scale) in (1..).zip(scales) {
                // N = 5 tokens, P = 2: nb = 3 blocks, the last with a garbage row; 2 heads of D = 8.
                let compared = stream::<2, 2>(fm, 5, 2, 8, scale, seed);
                assert_eq!(compared, 5 * 5 * MAX_HEADS, "{fm}: every score seen once");
            }
            // 4 heads of one beat each (every beat starts a head), and N = 4 (no garbage row).
            assert_eq!(stream::<2, 2>(fm, 4, 4, 8, eighth, 11), 4 * 4 * MAX_HEADS);
        }
    }

    #[test]
    fn edge_moe_geometry_p4_beat8_d192_h3_bit_exact_with_golden() {
        for fm in formats() {
            let scale = fm.from_f64(0.125).expect("in range");
            // N = 6 tokens: nb = ⌈9/4⌉ = 3 blocks, 432 beats of 8, rows 6 and 7 are garbage.
            let compared = stream::<4, 8>(fm, 6, 3, 192, scale, 4);
            assert_eq!(compared, 6 * 6 * MAX_HEADS, "{fm}");
        }
    }

    #[test]
    fn p8_beat8_preset_bit_exact_with_golden() {
        let fm = formats()[1];
        let scale = fm.from_f64(0.125).expect("in range");
        // N = 9 tokens: nb = ⌈16/8⌉ = 2 blocks, 432 beats of 8; row 8 is the second block's only row.
        let compared = stream::<8, 8>(fm, 9, 3, 192, scale, 6);
        assert_eq!(compared, 9 * 9 * MAX_HEADS);
    }

    #[test]
    fn backpressure_and_bubbles_lose_and_duplicate_nothing() {
        for fm in formats() {
            let scale = fm.from_f64(0.125).expect("in range");
            let (tokens, heads, dim) = (5, 2, 8);
            let mut rng = SplitMix64::new(9);
            let q = activations(fm, tokens, dim, &mut rng);
            let k = activations(fm, tokens, dim, &mut rng);
            let scores = golden_scores(fm, &q, &k, scale, heads, 2, 2);
            let beats = loop_nest(fm, &q, &k, 2, 2, &mut rng);
            let mut bench = Bench::<2, 2>::new(fm, heads, dim, scale);
            let (mut next, mut outs, mut refused) = (0, Vec::new(), 0);
            for cycle in 0..20 * beats.len() {
                if outs.len() == 15 {
                    break;
                }
                // Held low long enough to fill the pipeline, then ready one cycle in three; the
                // producer leaves a bubble one cycle in four.
                let ready = !(10..40).contains(&cycle) && rng.below(3) == 0;
                let beat = (rng.below(4) != 0).then(|| beats.get(next)).flatten();
                let (taken, y) = bench.cycle(beat, ready);
                if taken {
                    next += 1;
                } else if beat.is_some() {
                    refused += 1;
                }
                outs.extend(y);
            }
            assert!(refused >= 20, "{fm}: the stall never reached x_ready");
            assert_eq!(next, beats.len(), "{fm}: every beat taken");
            check_outputs(&outs, &scores, 2, &format!("{fm} under backpressure"));
        }
    }

    #[test]
    fn reset_empties_the_pipeline_and_restarts_the_loop() {
        let fm = formats()[1];
        let scale = fm.from_f64(0.125).expect("in range");
        let (tokens, heads, dim) = (5, 2, 8);
        let mut rng = SplitMix64::new(5);
        let q = activations(fm, tokens, dim, &mut rng);
        let k = activations(fm, tokens, dim, &mut rng);
        let scores = golden_scores(fm, &q, &k, scale, heads, 2, 2);
        let beats = loop_nest(fm, &q, &k, 2, 2, &mut rng);
        let mut bench = Bench::<2, 2>::new(fm, heads, dim, scale);
        // A key and a half (6 beats: d = 0..3 of key 0, d = 0, 1 of key 1), then a reset mid-key.
        for beat in &beats[..6] {
            bench.cycle(Some(beat), true);
        }
        bench.reset();
        for _ in 0..2 * LATENCY {
            assert_eq!(
                bench.cycle(None, true).1,
                None,
                "reset left a result in flight"
            );
        }
        // The counters restarted at d = 0: the whole loop nest from the start is exact again.
        let mut outs = Vec::new();
        for cycle in 0..beats.len() + LATENCY as usize + 2 {
            outs.extend(bench.cycle(beats.get(cycle), true).1);
        }
        check_outputs(&outs, &scores, 2, "after reset");
    }

    #[test]
    fn latency_is_within_the_simulators_qk_scores_depth() {
        // The simulator models the HLS loop's 15; the RTL's 8 makes the loop 7 cycles shorter.
        assert!(LATENCY <= crate::timing::LoopDepth::default().qk_scores);
    }

    #[test]
    fn unsupported_geometries_and_formats_are_refused() {
        let fm: Format = "ap_fixed<32,10>".parse().expect("a valid format");
        let eighth = 1 << 19;
        let refused = |r: Result<(), RtlError>, what: &str| {
            assert!(
                matches!(r, Err(RtlError::Unsupported { .. })),
                "{what}: {r:?}"
            );
        };
        for text in [
            "ap_fixed<40,10>",
            "ap_ufixed<16,6>",
            "ap_fixed<16,6,AP_RND,AP_SAT>",
        ] {
            let f: Format = text.parse().expect("a valid format");
            refused(QkScores::<2, 2>::new(f, 2, 8, 1).map(drop), text);
        }
        refused(
            QkScores::<2, 2>::new(fm, 0, 8, eighth).map(drop),
            "no heads",
        );
        refused(
            QkScores::<2, 2>::new(fm, 5, 40, eighth).map(drop),
            "5 heads",
        );
        refused(
            QkScores::<2, 2>::new(fm, 3, 8, eighth).map(drop),
            "D not a multiple",
        );
        refused(
            QkScores::<2, 2>::new(fm, 2, 128, eighth).map(drop),
            "64 beats per row",
        );
        refused(
            QkScores::<2, 2>::new(fm, 2, 8, 1 << 40).map(drop),
            "scale out of range",
        );
        refused(verilog(fm, 3, 8, 3, 192, eighth).map(drop), "P = 3");
        refused(verilog(fm, 4, 16, 3, 192, eighth).map(drop), "BEAT = 16");
        assert!(QkScores::<2, 2>::new(fm, 2, 64, eighth).is_ok());
    }

    #[test]
    fn verilog_is_emitted_with_the_named_root() {
        let fm: Format = "ap_fixed<32,10>".parse().expect("a valid format");
        let v = verilog(fm, 2, 2, 2, 8, 1 << 19).expect("a supported unit");
        assert!(v.contains("module qk_scores("), "root module named");
        assert!(
            v.contains("module qk_scores$lanes$1$mul$1("),
            "lane sub-blocks emitted"
        );
    }
}
