//! `attn_av` in RTL: the compute process of golden's AV unit ([`golden::units::attn_av`], Edge-MoE's
//! `compute_attn_matmul_v`, §4.4 and §5 step 7), P lanes × BEAT fm_t MACs per cycle at II = 1, the
//! probabilities formed on the fly from the raw scores, bit-exact with golden's `attn_av`.
//!
//! ```text
//!            ┌────────────────────────────────────── AttnAv<P, BEAT> ───────────────────────────────────────┐
//! scores[P] ►│ per lane: 1 slots      2–16 Exp      17, 18 MulFm     19 p[head]   (one exp per lane, the   │
//! recip_sum ►│ s − m, 1/Σ per head    e = exp(s−m)  ⌊e · 1/Σ⌋         wrap W      heads one per cycle)     │
//! max ──────►│ (lane info bypassed                                                                         │
//! load ─────►│  when loaded now)                                                                           │
//!            │                                                                                             │
//! v[BEAT] ──►│ 1 input regs ── 2–19 V delay line ──► 20, 21 MulFm ×BEAT  ⌊V·p[head]⌋ ──► 22 acc[d] +=,     │──► y[BEAT]
//! start ────►│ (d, head counters;                    (per lane)          acc RAM read at 21    wrap W,     │──► y_valid
//! emit ─────►│  flags ride along)                                                              emit lane  │◄── y_ready
//! x_valid ──►│                                                                                             │
//! x_ready ◄──│                                                                                             │
//!            └─────────────────────────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! One accepted beat is one iteration (b, key, d) of §4.4's loop nest `for b < nb, key < N, d < D/BEAT`:
//! `v` is the V beat V[key][d·BEAT ..]. On the first beat of a key (d = 0, which the unit knows from
//! its own d counter) it also reads `scores[o]`, lane o's scores of this key (a heads_t: head h in bits
//! 32h ..), and, for the lane whose bit is set in `load` (key = o < P with b·P + o < N: lane o starts
//! row b·P + o), that row's `recip_sum` and `max` (heads_t each), which the lane keeps for its whole
//! row. `start` (bit o on every beat of key o < P) restarts lane o's accumulator; `emit` (bit o on every
//! beat of the key at which lane o finishes its row, sim's `output_row`) makes the beat an output beat:
//! `y` = lane o's accumulator slice for this d, after this key, fm_t sign-extended. So a row leaves as
//! D/BEAT output beats in d order, rows in order 0 .. N − 1, each [`LATENCY`] cycles after the beat
//! that completes it, exactly where HLS's compute loop writes `out_stream`. The unit does not know N, b
//! or key; [`drive`] builds the flags, and the unit ignores everything the loop nest does not read
//! (scores and info off d = 0, scores of lanes past N, info without `load`).
//!
//! The AXI-Stream top [`AttnAvAxis`] (`aclk`, `aresetn`, `s_axis_tdata/tvalid/tready`,
//! `m_axis_tdata/tvalid/tready`) takes the same beat packed as [`BeatLayout`] says and pads the unit's
//! [`LATENCY`] to `arch.depth.attn_av` with a [`LatencyPad`]. A harness reproduces [`drive`] (the beat
//! order and flags) and [`AvBeat::pack`] (the packing), and sees [`cycles`] cycles from the first
//! accepted beat to the last output beat: the count of sim's `compute` loop.
//!
//! Numerics (golden's `attn_av` with `probability`, fm_t AP_TRN/AP_WRAP): per (lane, key, head)
//! `p = wrap_W(⌊exp(wrap_W(s − m)) · recip_sum / 2^F⌋)`, then per element
//! `out = wrap_W(Σ_key ⌊V·p / 2^F⌋)`. exp is the exp unit's [`ExpCore`] (it reads only the low W bits
//! of its argument, so the 32-bit difference s − m is exp's wrapped argument); both products are [`MulFm`]s
//! (bits F .. F + 31 of the exact signed product); p is re-wrapped to W bits and sign-extended because
//! it is a signed operand; the sums are kept modulo 2^32 in the accumulator RAM and wrapped to W
//! (sign-extended) on the way out: golden sums modulo 2^64 and wraps once, the same residue modulo 2^W.
//!
//! Why the datapath looks the way it does:
//! - **P exps, not P·H.** HLS forms all P·H probabilities at d = 0 (12 exps for P = 4, H = 3). Here each
//!   lane has one exp and feeds it the key's H heads on consecutive cycles, head h one cycle after
//!   the d = 0 beat plus h: head h's probability is in its p register 18 + h cycles after that beat,
//!   and the first beat that needs it (d = h·D/(H·BEAT), at least h) reaches the MACs 19 + d cycles
//!   after it. So the V beats wait in a delay line of 18 stages whatever H is, the same wait a
//!   parallel design needs, and no shape is refused for it. One p register per head suffices: key
//!   k + 1 writes head h at least D/BEAT − h·D/(H·BEAT) ≥ 1 cycles after key k's last head-h beat has
//!   read it. Everything counts pipeline advances, not cycles, so bubbles and stalls keep the
//!   schedule. An exp is 37 DSP48E2s and about 1,500 LUTs of ROM; this saves (H − 1)·P of them.
//! - exp is the exp unit's [`ExpCore`], its datapath without valid bits, enabled by this unit's
//!   advance, so it is one more stretch of this pipeline (the exp unit wraps the same core in the
//!   valid/ready ports; embedding that one would leave its `x_ready` unread, and reading it in the
//!   block that drives its `y_ready` is a combinational loop to Verilator, as softmax documents).
//! - The heads' (s − m, recip_sum) enter a 4-slot shift register at d = 0 (the lane info bypassed by
//!   the info being loaded in the same beat, as HLS loads before it computes), shifted one head per
//!   advance into exp; recip_sum and a one-hot head tag ride beside exp in a 15-stage delay line. All 4
//!   slots run (heads ≥ H compute junk into unused p registers), so H needs no counter here.
//! - The accumulators (P × D/BEAT ≤ 32 beats of BEAT fm_t) are a rust-hdl `RAM<Bits<32>, 5>` per lane
//!   and element (LUTRAM in Yosys): read at the edge before the add (the held d while stalled), written
//!   at the add's edge. A beat's read and the previous beat's write share an edge, so D/BEAT ≥ 2 is
//!   required (consecutive beats then have different d) and D/BEAT = 1 is refused.
//! - The output mux picks the emitting lane's freshly added slice (one-hot `emit`), so the row leaves
//!   in the cycle its last key is added, and lane 0 may restart at the next key.
//! - Beats travel as 256-bit buses (element e in bits 32e ..) built by [`Place`] blocks, not arrays:
//!   rust-hdl's Verilog generator resolves only one array index per name (`lanes[o].v[e]` is emitted
//!   as the undeclared `lanes$0$v[e]`), and `bit_cast` of a loop-indexed element does not compile in
//!   `#[hdl_gen]`. The buses are sized for [`MAX_BEAT`] = 8; for BEAT < 8 their upper bits are unread.
//! - Verification: the tests compare with golden in rust-hdl's simulation (streams at (2, 2), (4, 8)
//!   and (8, 8) in both formats, backpressure, reset, the AXI-Stream top's depth and cycle count).
//!   The emitted Verilog of the top was replayed once in Verilator 5.006 from `write_vectors`' files,
//!   (2, 2) in ap_fixed<24,8> (junk above W in every field) and (4, 8) in ap_fixed<32,10> (N = 9,
//!   D = 192, H = 3): output beats identical to golden's, gap-free and under random TVALID/TREADY,
//!   and the gap-free span equal to [`cycles`] (141 and 677 cycles). Verilator `--lint-only -Wall`
//!   with the crate's waivers (WIDTH, DECLFILENAME) is clean for (4, 8) and (8, 8); (2, 2) reports the
//!   unread upper bits of its 256-bit buses (UNUSEDSIGNAL). Yosys 0.23 `synth_xilinx -family xcup
//!   -flatten` of the (4, 8) top for ap_fixed<32,10>, D = 192, H = 3, depth 29: 292 DSP48E2 (4 exps
//!   × 37, 36 MulFm × 4), ≈ 20,600 logic LUTs, 96 RAM32M16 (the accumulators), 1,545 SRLs, ≈ 20,260
//!   FFs, no block RAM (exp's ROMs stay in LUTs unless `rom_style` is set, see [`super::exp`]).
//!   Lint and synthesis run in codegen's harness.
use golden::fixed::Format;
use golden::units::softmax::SoftmaxInfo;
use rust_hdl::prelude::*;

use super::axis::{LatencyPad, Place};
use super::exp::{self, ExpCore};
use super::mul::{MulFm, MUL_FM_LATENCY};
use super::{on_big_stack, verilog_named, RtlError, CONTAINER_BITS};

/// Clock edges from the edge that accepts a beat to the edge after which `y_valid` presents its output
/// beat (if it emits): 1 input registers (V, flags; the lanes' head slots on d = 0), 18 more V delay
/// stages (2–19) while the probabilities are formed beside them (exp 2–16, ⌊e · recip_sum⌋ 17–18, the
/// p register 19), 2 for ⌊V·p⌋ (20–21, the accumulator RAM read at 21), 1 for the add and the output
/// register (22). `arch.depth.attn_av` (the HLS loop's depth) is 29: a [`LatencyPad`] of 7 stages
/// makes the AXI-Stream top exactly that deep.
pub const LATENCY: u32 = 1 + exp::LATENCY + MUL_FM_LATENCY + 1 + MUL_FM_LATENCY + 1;

/// The root module's name in the emitted Verilog.
pub const MODULE: &str = "attn_av";

/// Head slots in a heads_t (a 128-bit word): the most heads the unit supports.
pub const MAX_HEADS: usize = 4;

/// The widest beat a bus carries.
pub const MAX_BEAT: usize = 8;

/// Address bits of an accumulator RAM: at most 2^5 = 32 beats per row (D ≤ 32·BEAT).
pub const ACC_ADDR_BITS: usize = 5;

/// The (P, BEAT) pairs [`verilog`] and [`axis_verilog`] build: the tests' small one, and the presets'.
pub const SUPPORTED: [(usize, usize); 3] = [(2, 2), (4, 8), (8, 8)];

/// Stages of the V delay line (input register included): the MACs take V from its last.
const V_STAGES: usize = 1 + (exp::LATENCY + MUL_FM_LATENCY) as usize + 1;
/// Stages of the control chain beside the V line and the MACs (the add's edge reads its last).
const CTL_STAGES: usize = V_STAGES + MUL_FM_LATENCY as usize;
// `#[hdl_gen]` bodies take no constants from Rust: they spell out 19 (V_STAGES), 18, 21 (CTL_STAGES),
// 20, 15 and 14 (exp's stages), 4 and 3 (MAX_HEADS), 5 (ACC_ADDR_BITS) and the bus widths.
const _: () = assert!(
    V_STAGES == 19
        && CTL_STAGES == 21
        && LATENCY == 22
        && exp::LATENCY == 15
        && MUL_FM_LATENCY == 2
        && MAX_HEADS == 4
        && ACC_ADDR_BITS == 5
        && 32 * MAX_BEAT == 256
);

/// One lane: its row's softmax info, the exp that turns its scores into probabilities one head per
/// cycle, the p registers, BEAT MACs and the accumulator RAMs.
#[derive(LogicBlock)]
pub struct AvLane<const BEAT: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: clears the head tags (no probability is written from before it).
    pub reset: Signal<In, Bit>,
    /// The pipeline advances this edge.
    pub en: Signal<In, Bit>,
    /// A d = 0 beat is accepted this edge: load the head slots from `score`.
    pub take: Signal<In, Bit>,
    /// ... and this lane starts a row: keep `recip_sum`, `max` (and use them now).
    pub load: Signal<In, Bit>,
    /// The lane's scores of the key (heads_t, raw).
    pub score: Signal<In, Bits<128>>,
    /// The starting row's 1/Σ per head (heads_t, raw).
    pub recip_sum: Signal<In, Bits<128>>,
    /// The starting row's maximum per head (heads_t, raw).
    pub max: Signal<In, Bits<128>>,
    /// Stage 19: the V beat, sign-extended, element e in bits 32e ...
    pub v: Signal<In, Bits<256>>,
    /// Stage 19: its head, one-hot.
    pub head: Signal<In, Bits<4>>,
    /// Accumulator address read this edge.
    pub read_address: Signal<In, Bits<5>>,
    /// Stage 21: write the sums this edge.
    pub write: Signal<In, Bit>,
    /// Stage 21: the beat's d.
    pub write_address: Signal<In, Bits<5>>,
    /// Stage 21: this lane restarts its row at this key (the sum starts from 0).
    pub start: Signal<In, Bit>,
    /// Stage 21: the updated accumulators, wrapped to W and sign-extended, element e in bits 32e ...
    pub y: Signal<Out, Bits<256>>,
    mask_w: Constant<Bits<32>>,
    sign_w: Constant<Bits<32>>,
    /// The head tags 1, 2, 4, 8 packed 4 bits each.
    tags: Constant<Bits<16>>,
    info_rs: [DFF<Bits<32>>; 4],
    info_max: [DFF<Bits<32>>; 4],
    diff: [DFF<Bits<32>>; 4],
    rs: [DFF<Bits<32>>; 4],
    tag: [DFF<Bits<4>>; 4],
    exp: ExpCore,
    rs_d: [DFF<Bits<32>>; 15],
    tag_d: [DFF<Bits<4>>; 15],
    tag_m: [DFF<Bits<4>>; 2],
    pmul: MulFm,
    p: [DFF<Bits<32>>; 4],
    mac: [MulFm; BEAT],
    ram: [RAM<Bits<32>, 5>; BEAT],
    max_sel: [Signal<Local, Bits<32>>; 4],
    rs_sel: [Signal<Local, Bits<32>>; 4],
    rs_w: [Signal<Local, Bits<32>>; 4],
    p_w: Signal<Local, Bits<32>>,
    p_sel: Signal<Local, Bits<32>>,
    sum: [Signal<Local, Bits<32>>; BEAT],
    sum_w: [Signal<Local, Bits<32>>; BEAT],
    pack: [Place<256>; BEAT],
    bus: [Signal<Local, Bits<256>>; BEAT],
}

impl<const BEAT: usize> AvLane<BEAT> {
    /// A lane for fm_t `fm` (checked by the caller; `exp` built for it).
    fn new(fm: Format, exp: ExpCore) -> Self {
        let w = fm.width();
        let f = fm.frac_bits() as u32;
        AvLane {
            clock: Default::default(),
            reset: Default::default(),
            en: Default::default(),
            take: Default::default(),
            load: Default::default(),
            score: Default::default(),
            recip_sum: Default::default(),
            max: Default::default(),
            v: Default::default(),
            head: Default::default(),
            read_address: Default::default(),
            write: Default::default(),
            write_address: Default::default(),
            start: Default::default(),
            y: Default::default(),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            sign_w: Constant::new((1u64 << (w - 1)).into()),
            tags: Constant::new(0x8421u64.into()),
            info_rs: Default::default(),
            info_max: Default::default(),
            diff: Default::default(),
            rs: Default::default(),
            tag: Default::default(),
            exp,
            rs_d: Default::default(),
            tag_d: Default::default(),
            tag_m: Default::default(),
            pmul: MulFm::new(f),
            p: Default::default(),
            mac: std::array::from_fn(|_| MulFm::new(f)),
            ram: std::array::from_fn(|_| Default::default()),
            max_sel: Default::default(),
            rs_sel: Default::default(),
            rs_w: Default::default(),
            p_w: Default::default(),
            p_sel: Default::default(),
            sum: std::array::from_fn(|_| Default::default()),
            sum_w: std::array::from_fn(|_| Default::default()),
            pack: std::array::from_fn(Place::new),
            bus: std::array::from_fn(|_| Default::default()),
        }
    }
}

impl<const BEAT: usize> Logic for AvLane<BEAT> {
    #[hdl_gen]
    fn update(&mut self) {
        // Every register holds unless written.
        for h in 0..4 {
            self.info_rs[h].clock.next = self.clock.val();
            self.info_rs[h].d.next = self.info_rs[h].q.val();
            self.info_max[h].clock.next = self.clock.val();
            self.info_max[h].d.next = self.info_max[h].q.val();
            self.diff[h].clock.next = self.clock.val();
            self.diff[h].d.next = self.diff[h].q.val();
            self.rs[h].clock.next = self.clock.val();
            self.rs[h].d.next = self.rs[h].q.val();
            self.tag[h].clock.next = self.clock.val();
            self.tag[h].d.next = self.tag[h].q.val();
            self.p[h].clock.next = self.clock.val();
            self.p[h].d.next = self.p[h].q.val();
        }
        for k in 0..15 {
            self.rs_d[k].clock.next = self.clock.val();
            self.rs_d[k].d.next = self.rs_d[k].q.val();
            self.tag_d[k].clock.next = self.clock.val();
            self.tag_d[k].d.next = self.tag_d[k].q.val();
        }
        for k in 0..2 {
            self.tag_m[k].clock.next = self.clock.val();
            self.tag_m[k].d.next = self.tag_m[k].q.val();
        }

        // Stage 1 (d = 0): the row's info (the one being loaded is used at once), s − m and 1/Σ per head.
        for h in 0..4 {
            self.max_sel[h].next = self.info_max[h].q.val();
            self.rs_sel[h].next = self.info_rs[h].q.val();
            if self.load.val() {
                self.max_sel[h].next = self.max.val().get_bits::<32>(32 * h);
                self.rs_sel[h].next = self.recip_sum.val().get_bits::<32>(32 * h);
                self.info_max[h].d.next = self.max.val().get_bits::<32>(32 * h);
                self.info_rs[h].d.next = self.recip_sum.val().get_bits::<32>(32 * h);
            }
            self.rs_w[h].next = ((self.rs_sel[h].val() & self.mask_w.val()) ^ self.sign_w.val())
                - self.sign_w.val();
        }
        // The head slots shift one head per advance into exp; recip_sum and the tag ride beside it.
        if self.en.val() {
            for h in 0..3 {
                self.diff[h].d.next = self.diff[h + 1].q.val();
                self.rs[h].d.next = self.rs[h + 1].q.val();
                self.tag[h].d.next = self.tag[h + 1].q.val();
            }
            self.diff[3].d.next = 0.into();
            self.rs[3].d.next = 0.into();
            self.tag[3].d.next = 0.into();
            self.rs_d[0].d.next = self.rs[0].q.val();
            self.tag_d[0].d.next = self.tag[0].q.val();
            for k in 1..15 {
                self.rs_d[k].d.next = self.rs_d[k - 1].q.val();
                self.tag_d[k].d.next = self.tag_d[k - 1].q.val();
            }
            self.tag_m[0].d.next = self.tag_d[14].q.val();
            self.tag_m[1].d.next = self.tag_m[0].q.val();
        }
        if self.take.val() {
            for h in 0..4 {
                self.diff[h].d.next =
                    self.score.val().get_bits::<32>(32 * h) - self.max_sel[h].val();
                self.rs[h].d.next = self.rs_w[h].val();
                self.tag[h].d.next = self.tags.val().get_bits::<4>(4 * h);
            }
        }
        if self.reset.val() {
            for h in 0..4 {
                self.tag[h].d.next = 0.into();
            }
            for k in 0..15 {
                self.tag_d[k].d.next = 0.into();
            }
            for k in 0..2 {
                self.tag_m[k].d.next = 0.into();
            }
        }

        // Stages 2–16: exp(s − m), always fed, advancing with the unit.
        self.exp.clock.next = self.clock.val();
        self.exp.en.next = self.en.val();
        self.exp.x.next = self.diff[0].q.val();
        // Stages 17, 18: ⌊e · recip_sum⌋; 19: wrapped to W into the head's p register.
        self.pmul.clock.next = self.clock.val();
        self.pmul.en.next = self.en.val();
        self.pmul.a.next = self.exp.y.val();
        self.pmul.b.next = self.rs_d[14].q.val();
        self.p_w.next =
            ((self.pmul.p.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        for h in 0..4 {
            if self.en.val() && self.tag_m[1].q.val().get_bit(h) {
                self.p[h].d.next = self.p_w.val();
            }
        }

        // Stages 20, 21: ⌊V·p[head]⌋ per element (and the accumulator read); at the next edge the sum.
        self.p_sel.next = 0.into();
        for h in 0..4 {
            if self.head.val().get_bit(h) {
                self.p_sel.next = self.p[h].q.val();
            }
        }
        for e in 0..BEAT {
            self.mac[e].clock.next = self.clock.val();
            self.mac[e].en.next = self.en.val();
            self.mac[e].a.next = self.v.val().get_bits::<32>(32 * e);
            self.mac[e].b.next = self.p_sel.val();
            self.sum[e].next = self.ram[e].read_data.val() + self.mac[e].p.val();
            if self.start.val() {
                self.sum[e].next = self.mac[e].p.val();
            }
            self.ram[e].read_clock.next = self.clock.val();
            self.ram[e].read_address.next = self.read_address.val();
            self.ram[e].write_clock.next = self.clock.val();
            self.ram[e].write_enable.next = self.write.val();
            self.ram[e].write_address.next = self.write_address.val();
            self.ram[e].write_data.next = self.sum[e].val();
            self.sum_w[e].next =
                ((self.sum[e].val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
            self.pack[e].x.next = self.sum_w[e].val();
        }
        self.bus[0].next = self.pack[0].y.val();
        for e in 1..BEAT {
            self.bus[e].next = self.bus[e - 1].val() | self.pack[e].y.val();
        }
        self.y.next = 0.into();
        for e in (BEAT - 1)..BEAT {
            self.y.next = self.bus[e].val();
        }
    }
}

/// The unit: P lanes of BEAT MACs with one exp each, for one fm_t, head count and embedding width.
///
/// Flow control as gelu's: every register (the exps and RAM writes included) holds unless the pipeline
/// advances, which it does when the output register is empty or being read
/// (`x_ready = (!y_valid || y_ready) && !reset`). Only beats with an `emit` bit make an output beat;
/// the others pass the last stage with `y_valid` low.
#[derive(LogicBlock)]
pub struct AttnAv<const P: usize, const BEAT: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the pipeline and restarts the d counter at 0.
    pub reset: Signal<In, Bit>,
    /// The V beat V[key][d·BEAT ..]: BEAT fm_t raws (low W bits read).
    pub v: [Signal<In, Bits<32>>; BEAT],
    /// Read on d = 0: lane o's scores of the key, heads_t (head h in bits 32h .., low W bits read).
    pub scores: [Signal<In, Bits<128>>; P],
    /// Read on d = 0 with a `load` bit: the starting row's recip_sum per head (heads_t).
    pub recip_sum: Signal<In, Bits<128>>,
    /// Read on d = 0 with a `load` bit: the starting row's maximum per head (heads_t).
    pub max: Signal<In, Bits<128>>,
    /// Read on d = 0: bit o, lane o starts a row and takes `recip_sum`, `max` (at most one bit).
    pub load: Signal<In, Bits<P>>,
    /// Every beat: bit o, lane o's accumulator restarts from this key (key = o).
    pub start: Signal<In, Bits<P>>,
    /// Every beat: bit o, lane o finishes its row at this key; emit its slice (at most one bit).
    pub emit: Signal<In, Bits<P>>,
    /// The beat is offered.
    pub x_valid: Signal<In, Bit>,
    /// The unit takes the beat this edge if `x_valid`.
    pub x_ready: Signal<Out, Bit>,
    /// An output beat: BEAT fm_t raws sign-extended to 32 bits, elements d·BEAT .. of the row.
    pub y: [Signal<Out, Bits<32>>; BEAT],
    /// `y` holds an output beat.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes `y` this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    mask_w: Constant<Bits<32>>,
    sign_w: Constant<Bits<32>>,
    last_beat: Constant<Bits<5>>,
    last_head_beat: Constant<Bits<5>>,
    one_hot: Constant<Bits<4>>,
    nothing: Constant<Bits<256>>,
    lanes: [AvLane<BEAT>; P],
    beat: DFF<Bits<5>>,
    head_beat: DFF<Bits<5>>,
    head: DFF<Bits<2>>,
    vd: [DFF<Bits<256>>; 19],
    heads: [DFF<Bits<4>>; 19],
    valid: [DFF<Bit>; 21],
    address: [DFF<Bits<5>>; 21],
    starts: [DFF<Bits<P>>; 21],
    emits: [DFF<Bits<P>>; 21],
    out: [DFF<Bits<32>>; BEAT],
    out_valid: DFF<Bit>,
    advance: Signal<Local, Bit>,
    accept: Signal<Local, Bit>,
    take: Signal<Local, Bit>,
    v_x: [Signal<Local, Bits<32>>; BEAT],
    pack_v: [Place<256>; BEAT],
    bus_v: [Signal<Local, Bits<256>>; BEAT],
    pick: [Signal<Local, Bits<256>>; P],
    chain: [Signal<Local, Bits<256>>; P],
    picked: Signal<Local, Bits<256>>,
}

/// The checks `new` makes: the format, the (P, BEAT) pair, the geometry; returns (D/BEAT, D/(H·BEAT)).
fn check(
    fm: Format,
    lanes: usize,
    beat: usize,
    heads: usize,
    dim: usize,
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
    if !(1..=8).contains(&lanes) {
        return refuse_at(
            "arch.attn_lanes",
            format!("{lanes} lanes: the flags hold 1 to 8"),
        );
    }
    if beat == 0 || beat > MAX_BEAT {
        return refuse_at(
            "arch.beat",
            format!("a beat of {beat} fm_t: the buses hold 1 to {MAX_BEAT}"),
        );
    }
    if heads == 0 || heads > MAX_HEADS {
        return refuse_at(
            "model.heads",
            format!("{heads} heads: a heads_t holds 1 to {MAX_HEADS}"),
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
    if !(2..=1 << ACC_ADDR_BITS).contains(&row_beats) {
        return refuse_at(
            "model.embed_dim",
            format!(
                "D/BEAT = {row_beats} beats per row: the accumulator RAMs need 2 to {} (a beat's read \
                 and the previous beat's write share an edge)",
                1 << ACC_ADDR_BITS
            ),
        );
    }
    Ok((row_beats, row_beats / heads))
}

/// A sub-unit's refusal, restated as this unit's (same config key, the sub-unit named in the reason).
fn in_attn_av(part: &'static str) -> impl Fn(RtlError) -> RtlError {
    move |err| match err {
        RtlError::Unsupported { key, reason, .. } => RtlError::Unsupported {
            unit: MODULE,
            key,
            reason: format!("its {part}: {reason}"),
        },
        other => other,
    }
}

impl<const P: usize, const BEAT: usize> AttnAv<P, BEAT> {
    /// The unit for fm_t `fm` and `heads` heads of an embedding of `dim`; formats and shapes the
    /// datapath (or its exp) cannot hold are refused.
    ///
    /// A large value (P exps): build it on a thread with a big stack (see [`verilog`]).
    pub fn new(fm: Format, heads: usize, dim: usize) -> Result<Self, RtlError> {
        let (row_beats, head_beats) = check(fm, P, BEAT, heads, dim)?;
        let w = fm.width();
        let mut lanes = Vec::with_capacity(P);
        for _ in 0..P {
            lanes.push(AvLane::new(
                fm,
                ExpCore::new(fm).map_err(in_attn_av("exp"))?,
            ));
        }
        let lanes: [AvLane<BEAT>; P] = lanes.try_into().map_err(|_| RtlError::Bug {
            unit: MODULE,
            detail: "lane count".into(),
        })?;
        let mut unit = AttnAv {
            clock: Default::default(),
            reset: Default::default(),
            v: std::array::from_fn(|_| Default::default()),
            scores: std::array::from_fn(|_| Default::default()),
            recip_sum: Default::default(),
            max: Default::default(),
            load: Default::default(),
            start: Default::default(),
            emit: Default::default(),
            x_valid: Default::default(),
            x_ready: Default::default(),
            y: std::array::from_fn(|_| Default::default()),
            y_valid: Default::default(),
            y_ready: Default::default(),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            sign_w: Constant::new((1u64 << (w - 1)).into()),
            last_beat: Constant::new((row_beats as u64 - 1).into()),
            last_head_beat: Constant::new((head_beats as u64 - 1).into()),
            one_hot: Constant::new(1u64.into()),
            nothing: Constant::new(0u64.into()),
            lanes,
            beat: Default::default(),
            head_beat: Default::default(),
            head: Default::default(),
            vd: Default::default(),
            heads: Default::default(),
            valid: Default::default(),
            address: Default::default(),
            starts: Default::default(),
            emits: Default::default(),
            out: std::array::from_fn(|_| Default::default()),
            out_valid: Default::default(),
            advance: Default::default(),
            accept: Default::default(),
            take: Default::default(),
            v_x: std::array::from_fn(|_| Default::default()),
            pack_v: std::array::from_fn(Place::new),
            bus_v: std::array::from_fn(|_| Default::default()),
            pick: std::array::from_fn(|_| Default::default()),
            chain: std::array::from_fn(|_| Default::default()),
            picked: Default::default(),
        };
        unit.connect_all();
        Ok(unit)
    }
}

fn unsupported_pair(lanes: usize, beat: usize) -> RtlError {
    RtlError::Unsupported {
        unit: MODULE,
        key: "arch.attn_lanes",
        reason: format!(
            "P = {lanes} lanes of {beat} fm_t: only (P, BEAT) in {SUPPORTED:?} are instantiated"
        ),
    }
}

/// The unit's Verilog, root module [`MODULE`], for one of the [`SUPPORTED`] (P, BEAT) pairs (built on
/// a thread with a large stack).
pub fn verilog(
    fm: Format,
    (lanes, beat): (usize, usize),
    heads: usize,
    dim: usize,
) -> Result<String, RtlError> {
    on_big_stack(move || match (lanes, beat) {
        (2, 2) => verilog_named(&AttnAv::<2, 2>::new(fm, heads, dim)?, MODULE, MODULE),
        (4, 8) => verilog_named(&AttnAv::<4, 8>::new(fm, heads, dim)?, MODULE, MODULE),
        (8, 8) => verilog_named(&AttnAv::<8, 8>::new(fm, heads, dim)?, MODULE, MODULE),
        _ => Err(unsupported_pair(lanes, beat)),
    })
}

impl<const P: usize, const BEAT: usize> Logic for AttnAv<P, BEAT> {
    #[hdl_gen]
    fn update(&mut self) {
        // Every register holds unless the pipeline advances.
        for s in 0..19 {
            self.vd[s].clock.next = self.clock.val();
            self.vd[s].d.next = self.vd[s].q.val();
            self.heads[s].clock.next = self.clock.val();
            self.heads[s].d.next = self.heads[s].q.val();
        }
        for s in 0..21 {
            self.valid[s].clock.next = self.clock.val();
            self.valid[s].d.next = self.valid[s].q.val();
            self.address[s].clock.next = self.clock.val();
            self.address[s].d.next = self.address[s].q.val();
            self.starts[s].clock.next = self.clock.val();
            self.starts[s].d.next = self.starts[s].q.val();
            self.emits[s].clock.next = self.clock.val();
            self.emits[s].d.next = self.emits[s].q.val();
        }
        for e in 0..BEAT {
            self.out[e].clock.next = self.clock.val();
            self.out[e].d.next = self.out[e].q.val();
        }
        dff_setup!(self, clock, beat, head_beat, head, out_valid);
        self.advance.next = !self.out_valid.q.val() || self.y_ready.val();
        self.x_ready.next = self.advance.val() && !self.reset.val();
        self.accept.next = self.x_ready.val() && self.x_valid.val();
        self.take.next = self.accept.val() && !self.beat.q.val().any();

        // The V beat, sign-extended from W bits, as a bus.
        for e in 0..BEAT {
            self.v_x[e].next =
                ((self.v[e].val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
            self.pack_v[e].x.next = self.v_x[e].val();
        }
        self.bus_v[0].next = self.pack_v[0].y.val();
        for e in 1..BEAT {
            self.bus_v[e].next = self.bus_v[e - 1].val() | self.pack_v[e].y.val();
        }

        // The lanes.
        for o in 0..P {
            self.lanes[o].clock.next = self.clock.val();
            self.lanes[o].reset.next = self.reset.val();
            self.lanes[o].en.next = self.advance.val();
            self.lanes[o].take.next = self.take.val();
            self.lanes[o].load.next = self.take.val() && self.load.val().get_bit(o);
            self.lanes[o].score.next = self.scores[o].val();
            self.lanes[o].recip_sum.next = self.recip_sum.val();
            self.lanes[o].max.next = self.max.val();
            self.lanes[o].v.next = self.vd[18].q.val();
            self.lanes[o].head.next = self.heads[18].q.val();
            self.lanes[o].read_address.next = self.address[20].q.val();
            if self.advance.val() {
                self.lanes[o].read_address.next = self.address[19].q.val();
            }
            self.lanes[o].write.next = self.advance.val() && self.valid[20].q.val();
            self.lanes[o].write_address.next = self.address[20].q.val();
            self.lanes[o].start.next = self.starts[20].q.val().get_bit(o);
            self.pick[o].next = self.nothing.val();
            if self.emits[20].q.val().get_bit(o) {
                self.pick[o].next = self.lanes[o].y.val();
            }
        }
        self.chain[0].next = self.pick[0].val();
        for o in 1..P {
            self.chain[o].next = self.chain[o - 1].val() | self.pick[o].val();
        }
        self.picked.next = self.nothing.val();
        for o in (P - 1)..P {
            self.picked.next = self.chain[o].val();
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
            // The chain's last link (a one-iteration loop: indices may only use loop variables).
            for e in (BEAT - 1)..BEAT {
                self.vd[0].d.next = self.bus_v[e].val();
            }
            self.heads[0].d.next = self.one_hot.val() << self.head.q.val();
            self.valid[0].d.next = self.x_valid.val();
            self.address[0].d.next = self.beat.q.val();
            self.starts[0].d.next = self.start.val();
            self.emits[0].d.next = self.emit.val();
            for s in 1..19 {
                self.vd[s].d.next = self.vd[s - 1].q.val();
                self.heads[s].d.next = self.heads[s - 1].q.val();
            }
            for s in 1..21 {
                self.valid[s].d.next = self.valid[s - 1].q.val();
                self.address[s].d.next = self.address[s - 1].q.val();
                self.starts[s].d.next = self.starts[s - 1].q.val();
                self.emits[s].d.next = self.emits[s - 1].q.val();
            }
            self.out_valid.d.next = self.valid[20].q.val() && self.emits[20].q.val().any();
            for e in 0..BEAT {
                self.out[e].d.next = self.picked.val().get_bits::<32>(32 * e);
            }
        }
        if self.reset.val() {
            for s in 0..21 {
                self.valid[s].d.next = false;
            }
            self.out_valid.d.next = false;
            self.beat.d.next = 0.into();
            self.head_beat.d.next = 0.into();
            self.head.d.next = 0.into();
        }
        for e in 0..BEAT {
            self.y[e].next = self.out[e].q.val();
        }
        self.y_valid.next = self.out_valid.q.val();
    }
}

/// Bit offsets of the fields of [`AttnAvAxis`]'s `s_axis_tdata`, low bits first: `v[BEAT]` (32 bits
/// each, from bit 0), `scores[P]` (a 128-bit heads_t each, head h at +32h), `recip_sum` (heads_t),
/// `max` (heads_t), then the flags `load`, `start`, `emit`, P bits each (bit o for lane o), and
/// nothing after them: every bit of the beat is read, so the beat is 32·BEAT + 128·P + 256 + 3·P bits
/// (1,036 for P = 4, BEAT = 8; 1,560 for P = 8; 582 for P = 2, BEAT = 2). Every fm_t is a raw in the
/// low W bits of its 32-bit field (the bits above are ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BeatLayout {
    /// Where `scores[0]` starts.
    pub scores: usize,
    /// Where `recip_sum` starts.
    pub recip_sum: usize,
    /// Where `max` starts.
    pub max: usize,
    /// Where `load` starts.
    pub load: usize,
    /// Where `start` starts.
    pub start: usize,
    /// Where `emit` starts.
    pub emit: usize,
    /// The whole beat.
    pub bits: usize,
}

impl BeatLayout {
    /// The layout for `lanes` lanes of `beat` fm_t.
    pub const fn new(lanes: usize, beat: usize) -> BeatLayout {
        let scores = 32 * beat;
        let recip_sum = scores + 128 * lanes;
        let max = recip_sum + 128;
        let load = max + 128;
        BeatLayout {
            scores,
            recip_sum,
            max,
            load,
            start: load + lanes,
            emit: load + 2 * lanes,
            bits: load + 3 * lanes,
        }
    }
}

/// [`AttnAv`] behind AXI-Stream ports, padded to the configured depth (`arch.depth.attn_av`).
///
/// `s_axis_tdata` carries one beat of the loop nest (`TIN` = [`BeatLayout::bits`], built by
/// [`AvBeat::pack`]), `m_axis_tdata` one output beat (`TOUT` = 32·BEAT, element e in bits 32e ..,
/// sign-extended fm_t). Only beats that emit produce a transfer on `m_axis`.
#[derive(LogicBlock)]
pub struct AttnAvAxis<const P: usize, const BEAT: usize, const TIN: usize, const TOUT: usize> {
    /// Clock.
    pub aclk: Signal<In, Clock>,
    /// Synchronous reset, active low.
    pub aresetn: Signal<In, Bit>,
    /// One beat of the loop nest (layout: [`BeatLayout`]).
    pub s_axis_tdata: Signal<In, Bits<TIN>>,
    /// AXI-Stream TVALID of the beat.
    pub s_axis_tvalid: Signal<In, Bit>,
    /// AXI-Stream TREADY of the beat.
    pub s_axis_tready: Signal<Out, Bit>,
    /// One output beat: BEAT fm_t raws sign-extended to 32 bits each.
    pub m_axis_tdata: Signal<Out, Bits<TOUT>>,
    /// AXI-Stream TVALID of the output beat.
    pub m_axis_tvalid: Signal<Out, Bit>,
    /// AXI-Stream TREADY of the output beat.
    pub m_axis_tready: Signal<In, Bit>,
    unit: AttnAv<P, BEAT>,
    pack: [Place<TOUT>; BEAT],
    chain: [Signal<Local, Bits<TOUT>>; BEAT],
    pad: LatencyPad<TOUT>,
    scores_at: Constant<Bits<32>>,
    recip_sum_at: Constant<Bits<32>>,
    max_at: Constant<Bits<32>>,
    load_at: Constant<Bits<32>>,
    start_at: Constant<Bits<32>>,
    emit_at: Constant<Bits<32>>,
    nothing: Constant<Bits<TOUT>>,
}

impl<const P: usize, const BEAT: usize, const TIN: usize, const TOUT: usize>
    AttnAvAxis<P, BEAT, TIN, TOUT>
{
    /// `unit` followed by `pad` stages.
    pub fn new(unit: AttnAv<P, BEAT>, pad: usize) -> Result<Self, RtlError> {
        let layout = BeatLayout::new(P, BEAT);
        if layout.bits != TIN || 32 * BEAT != TOUT {
            return Err(RtlError::Bug {
                unit: MODULE,
                detail: format!(
                    "AttnAvAxis<{P}, {BEAT}>: beats of {TIN} and {TOUT} bits, the layout needs {} and {}",
                    layout.bits,
                    32 * BEAT
                ),
            });
        }
        let at = |bit: usize| Constant::new((bit as u64).into());
        let mut top = AttnAvAxis {
            aclk: Default::default(),
            aresetn: Default::default(),
            s_axis_tdata: Default::default(),
            s_axis_tvalid: Default::default(),
            s_axis_tready: Default::default(),
            m_axis_tdata: Default::default(),
            m_axis_tvalid: Default::default(),
            m_axis_tready: Default::default(),
            unit,
            pack: std::array::from_fn(Place::new),
            chain: std::array::from_fn(|_| Default::default()),
            pad: LatencyPad::new(pad, pad).map_err(|detail| RtlError::Bug {
                unit: MODULE,
                detail,
            })?,
            scores_at: at(layout.scores),
            recip_sum_at: at(layout.recip_sum),
            max_at: at(layout.max),
            load_at: at(layout.load),
            start_at: at(layout.start),
            emit_at: at(layout.emit),
            nothing: Constant::new(0u64.into()),
        };
        top.connect_all();
        Ok(top)
    }
}

impl<const P: usize, const BEAT: usize, const TIN: usize, const TOUT: usize> Logic
    for AttnAvAxis<P, BEAT, TIN, TOUT>
{
    #[hdl_gen]
    fn update(&mut self) {
        self.unit.clock.next = self.aclk.val();
        self.unit.reset.next = !self.aresetn.val();
        for e in 0..BEAT {
            self.unit.v[e].next = self.s_axis_tdata.val().get_bits::<32>(32 * e);
        }
        for o in 0..P {
            self.unit.scores[o].next = self
                .s_axis_tdata
                .val()
                .get_bits::<128>(self.scores_at.val().index() + 128 * o);
        }
        self.unit.recip_sum.next = self
            .s_axis_tdata
            .val()
            .get_bits::<128>(self.recip_sum_at.val().index());
        self.unit.max.next = self
            .s_axis_tdata
            .val()
            .get_bits::<128>(self.max_at.val().index());
        self.unit.load.next = self
            .s_axis_tdata
            .val()
            .get_bits::<P>(self.load_at.val().index());
        self.unit.start.next = self
            .s_axis_tdata
            .val()
            .get_bits::<P>(self.start_at.val().index());
        self.unit.emit.next = self
            .s_axis_tdata
            .val()
            .get_bits::<P>(self.emit_at.val().index());
        self.unit.x_valid.next = self.s_axis_tvalid.val();
        self.s_axis_tready.next = self.unit.x_ready.val();
        for e in 0..BEAT {
            self.pack[e].x.next = self.unit.y[e].val();
        }
        self.chain[0].next = self.pack[0].y.val();
        for e in 1..BEAT {
            self.chain[e].next = self.chain[e - 1].val() | self.pack[e].y.val();
        }
        self.pad.clock.next = self.aclk.val();
        self.pad.reset.next = !self.aresetn.val();
        self.pad.alt.next = false;
        self.pad.x.next = self.nothing.val();
        for e in (BEAT - 1)..BEAT {
            self.pad.x.next = self.chain[e].val();
        }
        self.pad.x_valid.next = self.unit.y_valid.val();
        self.unit.y_ready.next = self.pad.x_ready.val();
        self.m_axis_tdata.next = self.pad.y.val();
        self.m_axis_tvalid.next = self.pad.y_valid.val();
        self.pad.y_ready.next = self.m_axis_tready.val();
    }
}

/// The AXI-Stream top's Verilog for a design point: `module` as root, `heads` heads of an embedding of
/// `dim`, padded by `pad` stages (`arch.depth.attn_av` − [`LATENCY`], see
/// [`super::axis::pad_stages`]), for the [`SUPPORTED`] (P, BEAT) pairs.
pub fn axis_verilog(
    fm: Format,
    (lanes, beat): (usize, usize),
    (heads, dim): (usize, usize),
    pad: usize,
    module: &str,
) -> Result<String, RtlError> {
    let module = module.to_string();
    on_big_stack(move || {
        fn emit<const P: usize, const BEAT: usize, const TIN: usize, const TOUT: usize>(
            fm: Format,
            (heads, dim): (usize, usize),
            pad: usize,
            module: &str,
        ) -> Result<String, RtlError> {
            let unit = AttnAv::<P, BEAT>::new(fm, heads, dim)?;
            let top = AttnAvAxis::<P, BEAT, TIN, TOUT>::new(unit, pad)?;
            verilog_named(&top, MODULE, module)
        }
        const L22: usize = BeatLayout::new(2, 2).bits;
        const L48: usize = BeatLayout::new(4, 8).bits;
        const L88: usize = BeatLayout::new(8, 8).bits;
        let shape = (heads, dim);
        match (lanes, beat) {
            (2, 2) => emit::<2, 2, L22, 64>(fm, shape, pad, &module),
            (4, 8) => emit::<4, 8, L48, 256>(fm, shape, pad, &module),
            (8, 8) => emit::<8, 8, L88, 256>(fm, shape, pad, &module),
            _ => Err(unsupported_pair(lanes, beat)),
        }
    })
}

/// Query blocks of the loop nest: ⌈(N + P − 1) / P⌉ (the last lanes finish their rows in the block
/// after the one they start in).
pub fn blocks(tokens: usize, lanes: usize) -> usize {
    (tokens + lanes - 1).div_ceil(lanes)
}

/// Beats of the loop nest (sim's compute trips): nb·N·D/BEAT.
pub fn iterations(tokens: usize, lanes: usize, row_beats: usize) -> u64 {
    (blocks(tokens, lanes) * tokens * row_beats) as u64
}

/// The row lane `o` works on at key `key` of block `b` (the previous block's row for key < o); `None`
/// past the last row or before row 0. The same rule as sim's `skewed_row` in `qk_scores`.
pub fn skewed_row(b: usize, key: usize, o: usize, lanes: usize, tokens: usize) -> Option<usize> {
    let row = if key >= o {
        b * lanes + o
    } else {
        (b * lanes + o).checked_sub(lanes)?
    };
    (row < tokens).then_some(row)
}

/// The lane (and its row) that finishes at key `key` of block `b`, if any: lane 0 (row b·P) at the
/// last key, lane key + 1 (row (b − 1)·P + key + 1) at keys below P − 1 of blocks after the first.
/// The same rows as sim's `output_row` in `attn_av`.
pub fn output_lane(b: usize, key: usize, lanes: usize, tokens: usize) -> Option<(usize, usize)> {
    let base = b * lanes;
    let (lane, row) = if key == tokens - 1 {
        (0, base)
    } else if key + 1 < lanes && b > 0 {
        (key + 1, base - lanes + key + 1)
    } else {
        return None;
    };
    (row < tokens).then_some((lane, row))
}

/// Cycles the AXI-Stream top (padded to `depth`) takes from the cycle its first beat is accepted to the
/// cycle its last output beat is presented, both included, fed gap-free into an always-ready sink.
///
/// Beat i (in loop-nest order) is accepted in cycle i and, if it emits, its output beat is presented
/// in cycle i + depth: exactly sim's `PipelinedLoop` (`compute`, II 1, `depth`), which issues
/// iteration i at t₀ + i and pushes its `out_stream` entry at t₀ + i + depth. The last output is the
/// last beat of the key that finishes row N − 1: lane 0 at the last key of block (N − 1)/P when
/// P divides N − 1, else lane (N − 1) mod P at key (N − 1) mod P − 1 of the block after. In the latter
/// case the loop (and the top) still takes the beats of that block's remaining keys, which emit
/// nothing: sim's loop ends at [`iterations`] + depth, a few keys after the last output. Edge-MoE
/// (N = 129, P = 4, D/BEAT = 24, depth 29): row 128 is lane 0's, finished at the very last beat, so
/// both counts are 102,168 + 29 = 102,197 cycles.
pub fn cycles(tokens: usize, lanes: usize, row_beats: usize, depth: u32) -> u64 {
    let last = tokens - 1;
    let (b, key) = if last % lanes == 0 {
        (last / lanes, tokens - 1)
    } else {
        (last / lanes + 1, last % lanes - 1)
    };
    let last_beat = ((b * tokens + key) * row_beats + row_beats - 1) as u64;
    last_beat + u64::from(depth) + 1
}

/// One beat of the loop nest as the unit reads it (fm_t raws in 32-bit containers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvBeat {
    /// V[key][d·BEAT ..].
    pub v: Vec<u32>,
    /// Per lane, the scores of its row at this key, per head slot (junk off d = 0 and for heads ≥ H).
    pub scores: Vec<[u32; MAX_HEADS]>,
    /// The loading lane's row's recip_sum per head slot (junk without `load`).
    pub recip_sum: [u32; MAX_HEADS],
    /// Its maximum per head slot.
    pub max: [u32; MAX_HEADS],
    /// Bit o: lane o starts a row and loads the info (d = 0 only).
    pub load: u8,
    /// Bit o: lane o restarts its accumulator (key = o, every d).
    pub start: u8,
    /// Bit o: lane o finishes its row (every d of that key).
    pub emit: u8,
}

impl AvBeat {
    /// The beat as `s_axis_tdata` ([`BeatLayout`]), 64-bit words, least significant first.
    pub fn pack(&self, layout: &BeatLayout) -> Vec<u64> {
        let mut words = vec![0u64; layout.bits.div_ceil(64)];
        let mut put = |at: usize, value: u32| {
            let wide = u128::from(value) << (at % 64);
            words[at / 64] |= wide as u64;
            if wide >> 64 != 0 {
                words[at / 64 + 1] |= (wide >> 64) as u64;
            }
        };
        for (e, &x) in self.v.iter().enumerate() {
            put(32 * e, x);
        }
        for (o, lane) in self.scores.iter().enumerate() {
            for (h, &s) in lane.iter().enumerate() {
                put(layout.scores + 128 * o + 32 * h, s);
            }
        }
        for h in 0..MAX_HEADS {
            put(layout.recip_sum + 32 * h, self.recip_sum[h]);
            put(layout.max + 32 * h, self.max[h]);
        }
        let lanes = self.scores.len();
        put(
            layout.load,
            u32::from(self.load)
                | u32::from(self.start) << lanes
                | u32::from(self.emit) << (2 * lanes),
        );
        words
    }
}

/// The beats a harness streams for one call: `v` is V `[N][D]` row-major, `scores` `[row][key][head]`
/// (N·N·H), `info` `[row][head]` (N·H), all fm_t raws; `junk` fills every field the unit does not read.
///
/// The order is the loop nest `for b < nb, for key < N, for d < D/BEAT` (nb = [`blocks`]), one beat
/// each:
/// - `v` = `V[key][d·BEAT .. (d + 1)·BEAT]`;
/// - on d = 0 only: `scores[o][h]` = `scores[row][key][h]` for lane o's row = [`skewed_row`]`(b, key, o)`
///   and h < H (junk for lanes without a row, heads ≥ H, and on every d > 0);
/// - on d = 0 only, when key < P and b·P + key < N: `load` = 1 << key and `recip_sum[h]`, `max[h]` =
///   `info[b·P + key][h]` (else `load` = 0 and the info is junk);
/// - on every d: `start` = 1 << key when key < P (else 0), and `emit` = 1 << lane when
///   [`output_lane`]`(b, key)` is `Some((lane, _))` (else 0).
pub fn drive(
    (tokens, dim, heads): (usize, usize, usize),
    (lanes, beat): (usize, usize),
    v: &[i64],
    scores: &[i64],
    info: &[SoftmaxInfo],
    mut junk: impl FnMut() -> u32,
) -> Vec<AvBeat> {
    assert_eq!(v.len(), tokens * dim, "V is [N][D]");
    assert_eq!(
        scores.len(),
        tokens * tokens * heads,
        "scores are [N][N][H]"
    );
    assert_eq!(info.len(), tokens * heads, "info is [N][H]");
    let row_beats = dim / beat;
    let mut beats = Vec::with_capacity(iterations(tokens, lanes, row_beats) as usize);
    for b in 0..blocks(tokens, lanes) {
        for key in 0..tokens {
            for d in 0..row_beats {
                let first = d == 0;
                let mut lane_scores = Vec::with_capacity(lanes);
                for o in 0..lanes {
                    let row = skewed_row(b, key, o, lanes, tokens).filter(|_| first);
                    lane_scores.push(std::array::from_fn(|h| match row {
                        Some(r) if h < heads => scores[(r * tokens + key) * heads + h] as u32,
                        _ => junk(),
                    }));
                }
                let loads = first && key < lanes && b * lanes + key < tokens;
                let field = |pick: fn(&SoftmaxInfo) -> i64, junk: &mut dyn FnMut() -> u32| {
                    std::array::from_fn(|h| {
                        if loads && h < heads {
                            pick(&info[(b * lanes + key) * heads + h]) as u32
                        } else {
                            junk()
                        }
                    })
                };
                let recip_sum = field(|i| i.recip_sum, &mut junk);
                let max = field(|i| i.max, &mut junk);
                beats.push(AvBeat {
                    v: v[key * dim + d * beat..][..beat]
                        .iter()
                        .map(|&x| x as u32)
                        .collect(),
                    scores: lane_scores,
                    recip_sum,
                    max,
                    load: if loads { 1 << key } else { 0 },
                    start: if key < lanes { 1 << key } else { 0 },
                    emit: output_lane(b, key, lanes, tokens).map_or(0, |(o, _)| 1 << o),
                });
            }
        }
    }
    beats
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use golden::rng::SplitMix64;
    use golden::units::attn_av::attn_av;
    use ndarray::{Array2, Array3};

    use super::*;

    fn formats() -> [Format; 2] {
        ["ap_fixed<32,10>", "ap_fixed<24,8>"].map(|s| s.parse().expect("a valid format"))
    }

    /// One call's operands and golden's result, `[N][D]`.
    struct Case {
        fm: Format,
        tokens: usize,
        dim: usize,
        heads: usize,
        v: Array2<i64>,
        scores: Array3<i64>,
        info: Array2<SoftmaxInfo>,
        want: Array2<i64>,
    }

    /// A random fm_t raw: half small reals (|x| < 4), half anywhere in the format's range.
    fn value(fm: Format, rng: &mut SplitMix64) -> i64 {
        let span = (fm.max_raw() - fm.min_raw()) as u64 + 1;
        let small = 4i64 << fm.frac_bits();
        match rng.below(2) {
            0 => fm.min_raw() + rng.below(span) as i64,
            _ => rng.below(2 * small as u64) as i64 - small,
        }
    }

    impl Case {
        /// Random operands with corner rows: row 0's scores all equal its max (p = ⌊exp(0)·1/Σ⌋),
        /// row 1's recip_sum is 0, row 2's scores are huge against a tiny max (s − m wraps, exp
        /// saturates), row 3's max is the fm_t maximum (exp underflows to 0); V holds fm_t min and max.
        /// Other rows: realistic statistics (max of the row, recip_sum ≈ 1/N) or fully random ones.
        fn new(fm: Format, tokens: usize, dim: usize, heads: usize, seed: u64) -> Case {
            let mut rng = SplitMix64::new(seed);
            let mut v = Array2::from_shape_fn((tokens, dim), |_| value(fm, &mut rng));
            v[[0, 0]] = fm.min_raw();
            v[[tokens - 1, dim - 1]] = fm.max_raw();
            v[[1 % tokens, 1 % dim]] = fm.max_raw();
            let small = 8i64 << fm.frac_bits();
            let mut scores = Array3::from_shape_fn((tokens, tokens, heads), |_| {
                rng.below(2 * small as u64) as i64 - small
            });
            let mut info = Array2::from_elem((tokens, heads), SoftmaxInfo::default());
            for row in 0..tokens {
                for h in 0..heads {
                    let max = (0..tokens).map(|k| scores[[row, k, h]]).max().unwrap_or(0);
                    let recip_sum = fm.from_f64(1.0 / tokens as f64).expect("in range")
                        + rng.below(1 << 8) as i64;
                    info[[row, h]] = match (row, rng.below(4)) {
                        (0, _) => {
                            for k in 0..tokens {
                                scores[[row, k, h]] = max;
                            }
                            SoftmaxInfo { recip_sum, max }
                        }
                        (1, _) => SoftmaxInfo { recip_sum: 0, max },
                        (2, _) => {
                            for k in 0..tokens {
                                scores[[row, k, h]] = fm.max_raw() - rng.below(4) as i64;
                            }
                            SoftmaxInfo {
                                recip_sum,
                                max: fm.min_raw() + 1,
                            }
                        }
                        (3, _) => SoftmaxInfo {
                            recip_sum: fm.max_raw(),
                            max: fm.max_raw(),
                        },
                        (_, 0) => SoftmaxInfo {
                            recip_sum: value(fm, &mut rng),
                            max: value(fm, &mut rng),
                        },
                        _ => SoftmaxInfo { recip_sum, max },
                    };
                }
            }
            let want = attn_av(v.view(), scores.view(), info.view(), &fm).expect("golden's MAC");
            Case {
                fm,
                tokens,
                dim,
                heads,
                v,
                scores,
                info,
                want,
            }
        }

        /// The beats in drive order, with junk in every unread field and above W in every fm_t.
        fn beats(&self, lanes: usize, beat: usize, rng: &mut SplitMix64) -> Vec<AvBeat> {
            let mut beats = drive(
                (self.tokens, self.dim, self.heads),
                (lanes, beat),
                self.v.as_slice().expect("standard layout"),
                self.scores.as_slice().expect("standard layout"),
                self.info.as_slice().expect("standard layout"),
                || rng.next_u64() as u32,
            );
            let w = self.fm.width();
            if w < 32 {
                let high = !((1u32 << w) - 1);
                let mut dirty = |x: &mut u32| *x = (*x & !high) | (rng.next_u64() as u32 & high);
                for b in &mut beats {
                    b.v.iter_mut().for_each(&mut dirty);
                    b.scores.iter_mut().flatten().for_each(&mut dirty);
                    b.recip_sum.iter_mut().for_each(&mut dirty);
                    b.max.iter_mut().for_each(&mut dirty);
                }
            }
            beats
        }

        /// Checks the output beats (rows in order, D/BEAT beats each) against golden.
        fn check(&self, outs: &[Vec<u32>], beat: usize, what: &str) {
            let row_beats = self.dim / beat;
            assert_eq!(outs.len(), self.tokens * row_beats, "{what}: output beats");
            for (j, out) in outs.iter().enumerate() {
                let (row, d) = (j / row_beats, j % row_beats);
                for (e, &y) in out.iter().enumerate() {
                    let col = d * beat + e;
                    assert_eq!(
                        i64::from(y as i32),
                        self.want[[row, col]],
                        "{what}: row {row}, element {col}"
                    );
                }
            }
        }
    }

    /// The unit stepped directly (no testbench threads: the fast way to simulate in rust-hdl).
    struct Bench<const P: usize, const BEAT: usize> {
        uut: Box<AttnAv<P, BEAT>>,
    }

    impl<const P: usize, const BEAT: usize> Bench<P, BEAT> {
        fn new(fm: Format, heads: usize, dim: usize) -> Self {
            let uut = Box::new(AttnAv::new(fm, heads, dim).expect("a supported unit"));
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
            assert!(simulate(&mut *self.uut, 200), "settles");
            self.uut.clock.next = Clock { clk: true };
            assert!(simulate(&mut *self.uut, 200), "settles");
        }

        /// One clock cycle as a valid/ready neighbour drives it: offers `beat`, sets `y_ready`, and
        /// returns whether the beat was taken and the output beat delivered, both decided before the
        /// edge.
        fn cycle(&mut self, beat: Option<&AvBeat>, y_ready: bool) -> (bool, Option<Vec<u32>>) {
            let u = &mut *self.uut;
            let heads_t = |h: [u32; MAX_HEADS]| {
                let mut bits = Bits::<128>::default();
                for (i, x) in h.into_iter().enumerate() {
                    bits.set_bits::<32>(32 * i, u64::from(x).into());
                }
                bits
            };
            for e in 0..BEAT {
                u.v[e].next = u64::from(beat.map_or(0, |b| b.v[e])).into();
            }
            for o in 0..P {
                u.scores[o].next = heads_t(beat.map_or([0; MAX_HEADS], |b| b.scores[o]));
            }
            u.recip_sum.next = heads_t(beat.map_or([0; MAX_HEADS], |b| b.recip_sum));
            u.max.next = heads_t(beat.map_or([0; MAX_HEADS], |b| b.max));
            u.load.next = u64::from(beat.map_or(0, |b| b.load)).into();
            u.start.next = u64::from(beat.map_or(0, |b| b.start)).into();
            u.emit.next = u64::from(beat.map_or(0, |b| b.emit)).into();
            u.x_valid.next = beat.is_some();
            u.y_ready.next = y_ready;
            u.clock.next = Clock { clk: false };
            assert!(simulate(u, 200), "settles");
            let taken = beat.is_some() && u.x_ready.val();
            let y = (u.y_valid.val() && y_ready)
                .then(|| u.y.iter().map(|y| y.val().to_u64() as u32).collect());
            self.edge();
            (taken, y)
        }
    }

    /// Streams a case at II = 1 into an always-ready consumer: every beat is taken at once, each
    /// emitting beat's output comes LATENCY cycles later, and the rows equal golden's.
    fn stream<const P: usize, const BEAT: usize>(case: &Case, seed: u64) {
        let mut rng = SplitMix64::new(seed);
        let beats = case.beats(P, BEAT, &mut rng);
        let mut bench = Bench::<P, BEAT>::new(case.fm, case.heads, case.dim);
        let emitting: Vec<usize> = (0..beats.len()).filter(|&i| beats[i].emit != 0).collect();
        let mut outs = Vec::new();
        for cycle in 0..beats.len() + LATENCY as usize + 2 {
            let beat = beats.get(cycle);
            let (taken, y) = bench.cycle(beat, true);
            assert_eq!(taken, beat.is_some(), "beat of cycle {cycle} refused");
            if let Some(y) = y {
                assert_eq!(
                    cycle,
                    emitting[outs.len()] + LATENCY as usize,
                    "latency of output beat {}",
                    outs.len()
                );
                outs.push(y);
            }
        }
        let row_beats = case.dim / BEAT;
        assert_eq!(
            *emitting.last().expect("outputs") as u64 + 1,
            cycles(case.tokens, P, row_beats, 0),
            "the last output beat is where `cycles` puts it"
        );
        case.check(
            &outs,
            BEAT,
            &format!(
                "{}, P = {P}, BEAT = {BEAT}, N = {}, D = {}, H = {}",
                case.fm, case.tokens, case.dim, case.heads
            ),
        );
    }

    #[test]
    fn small_instance_streams_bit_exact_with_golden() {
        on_big_stack(|| {
            for fm in formats() {
                let start = Instant::now();
                // N = 7, P = 2: nb = 4 blocks, lane 1's last row ends in the last block; H = 2 heads
                // of two beats in D = 8.
                for seed in 1..4 {
                    stream::<2, 2>(&Case::new(fm, 7, 8, 2, seed), seed);
                }
                // N = 6 (P divides N: the last block only finishes lane 1's row); 4 heads of one beat
                // each; 1 head of 4 beats; D/BEAT = 2, the fewest beats per row.
                stream::<2, 2>(&Case::new(fm, 6, 8, 4, 7), 7);
                stream::<2, 2>(&Case::new(fm, 5, 8, 1, 8), 8);
                stream::<2, 2>(&Case::new(fm, 5, 4, 2, 9), 9);
                eprintln!("{fm}: {:?}", start.elapsed());
            }
        });
    }

    #[test]
    fn edge_moe_geometry_p4_beat8_d192_h3_bit_exact_with_golden() {
        on_big_stack(|| {
            for fm in formats() {
                let start = Instant::now();
                // N = 6: nb = 3 blocks, 432 beats of 8; rows 6 and 7 of the last block are garbage.
                stream::<4, 8>(&Case::new(fm, 6, 192, 3, 4), 4);
                // N = 5, 4 heads of 2 beats (D = 64): every head slot in use.
                stream::<4, 8>(&Case::new(fm, 5, 64, 4, 5), 5);
                eprintln!("{fm}: {:?}", start.elapsed());
            }
        });
    }

    #[test]
    fn p8_beat8_preset_bit_exact_with_golden() {
        on_big_stack(|| {
            for fm in formats() {
                let start = Instant::now();
                // N = 9: nb = 2 blocks, 432 beats; row 8 is lane 0's in block 1, finished at key 8.
                stream::<8, 8>(&Case::new(fm, 9, 192, 3, 6), 6);
                eprintln!("{fm}: {:?}", start.elapsed());
            }
        });
    }

    #[test]
    fn backpressure_and_bubbles_lose_and_duplicate_nothing() {
        on_big_stack(|| {
            for fm in formats() {
                let case = Case::new(fm, 7, 8, 2, 21);
                let mut rng = SplitMix64::new(22);
                let beats = case.beats(2, 2, &mut rng);
                let rows = case.tokens * case.dim / 2;
                let mut bench = Bench::<2, 2>::new(fm, case.heads, case.dim);
                let (mut next, mut outs, mut refused) = (0, Vec::new(), 0);
                for cycle in 0..20 * beats.len() {
                    if outs.len() == rows {
                        break;
                    }
                    // Held low long enough to fill the pipeline, then ready one cycle in three; the
                    // producer leaves a bubble one cycle in four.
                    let ready = !(10..60).contains(&cycle) && rng.below(3) == 0;
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
                case.check(&outs, 2, &format!("{fm} under backpressure"));
            }
        });
    }

    #[test]
    fn reset_empties_the_pipeline_and_restarts_the_loop() {
        on_big_stack(|| {
            let fm = formats()[1];
            let case = Case::new(fm, 7, 8, 2, 31);
            let mut rng = SplitMix64::new(32);
            let beats = case.beats(2, 2, &mut rng);
            let mut bench = Bench::<2, 2>::new(fm, case.heads, case.dim);
            // Up to an emitting key and a half into the next (d = 0, 1 of a key mid-row), then a reset.
            let cut = beats
                .iter()
                .position(|b| b.emit != 0)
                .expect("an emitting beat")
                + 6;
            for beat in &beats[..cut] {
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
            // The d counter restarted at 0: the whole loop nest from the start is exact again.
            let mut outs = Vec::new();
            for cycle in 0..beats.len() + LATENCY as usize + 2 {
                outs.extend(bench.cycle(beats.get(cycle), true).1);
            }
            case.check(&outs, 2, "after reset");
        });
    }

    /// Drives the AXI-Stream top with packed beats; returns (cycle, output beat) per transfer, cycles
    /// counted from the one that accepted the first beat.
    fn stream_axis<const P: usize, const BEAT: usize, const TIN: usize, const TOUT: usize>(
        case: &Case,
        pad: usize,
        ready: impl Fn(usize) -> bool,
        seed: u64,
    ) -> (Vec<(usize, Vec<u32>)>, usize) {
        let mut rng = SplitMix64::new(seed);
        let layout = BeatLayout::new(P, BEAT);
        let beats: Vec<Bits<TIN>> = case
            .beats(P, BEAT, &mut rng)
            .iter()
            .map(|b| {
                let mut bits = Bits::<TIN>::default();
                for (i, w) in b.pack(&layout).into_iter().enumerate() {
                    for j in (0..64).filter(|j| 64 * i + j < TIN) {
                        bits = bits.replace_bit(64 * i + j, w >> j & 1 == 1);
                    }
                }
                bits
            })
            .collect();
        let unit = AttnAv::<P, BEAT>::new(case.fm, case.heads, case.dim).expect("supported");
        let mut top = Box::new(AttnAvAxis::<P, BEAT, TIN, TOUT>::new(unit, pad).expect("a pad"));
        let edge = |top: &mut AttnAvAxis<P, BEAT, TIN, TOUT>| {
            for clk in [false, true] {
                top.aclk.next = Clock { clk };
                assert!(simulate(top, 200), "settles");
            }
        };
        top.aresetn.next = false;
        edge(&mut top);
        top.aresetn.next = true;
        let rows = case.tokens * case.dim / BEAT;
        let (mut next, mut out, mut first, mut refused) = (0, Vec::new(), None, 0);
        for cycle in 0..20 * beats.len() + 100 {
            if out.len() == rows {
                break;
            }
            top.s_axis_tdata.next = beats.get(next).copied().unwrap_or_default();
            top.s_axis_tvalid.next = next < beats.len();
            top.m_axis_tready.next = ready(cycle);
            top.aclk.next = Clock { clk: false };
            assert!(simulate(&mut *top, 200), "settles");
            let taken = next < beats.len() && top.s_axis_tready.val();
            let at = *first.get_or_insert(cycle);
            if top.m_axis_tvalid.val() && ready(cycle) {
                let data = top.m_axis_tdata.val();
                out.push((
                    cycle - at,
                    (0..BEAT)
                        .map(|e| data.get_bits::<32>(32 * e).to_u64() as u32)
                        .collect(),
                ));
            }
            next += usize::from(taken);
            refused += usize::from(next < beats.len() && !taken);
            edge(&mut top);
        }
        assert_eq!(next, beats.len(), "every beat taken");
        (out, refused)
    }

    #[test]
    fn axis_top_is_padded_to_the_depth_and_takes_cycles_beats() {
        on_big_stack(|| {
            let depth = crate::timing::LoopDepth::default().attn_av;
            let pad = super::super::axis::pad_stages(MODULE, LATENCY, depth).expect("a pad");
            for fm in formats() {
                let case = Case::new(fm, 7, 8, 2, 41);
                const T: usize = BeatLayout::new(2, 2).bits;
                let (out, refused) = stream_axis::<2, 2, T, 64>(&case, pad, |_| true, 42);
                assert_eq!(refused, 0, "{fm}: II = 1");
                // Output beat j leaves `depth` cycles after the j-th emitting beat was taken.
                let emitting = case
                    .beats(2, 2, &mut SplitMix64::new(42))
                    .iter()
                    .enumerate()
                    .filter_map(|(i, b)| (b.emit != 0).then_some(i + depth as usize))
                    .collect::<Vec<_>>();
                let at: Vec<usize> = out.iter().map(|&(cycle, _)| cycle).collect();
                assert_eq!(at, emitting, "{fm}: output cycles");
                let last = out.last().expect("outputs").0 as u64;
                assert_eq!(last + 1, cycles(7, 2, 4, depth), "{fm}: cycle count");
                let beats: Vec<Vec<u32>> = out.into_iter().map(|(_, y)| y).collect();
                case.check(&beats, 2, &format!("{fm} through the AXI-Stream top"));
            }
        });
    }

    #[test]
    fn axis_top_p4_beat8_under_backpressure() {
        on_big_stack(|| {
            let fm = formats()[0];
            let case = Case::new(fm, 5, 64, 2, 51);
            const T: usize = BeatLayout::new(4, 8).bits;
            let (out, refused) = stream_axis::<4, 8, T, 256>(
                &case,
                7,
                |c| !(30..110).contains(&c) && c % 3 == 0,
                52,
            );
            assert!(
                refused >= 20,
                "the stalls reached s_axis_tready ({refused})"
            );
            let beats: Vec<Vec<u32>> = out.into_iter().map(|(_, y)| y).collect();
            case.check(
                &beats,
                8,
                "P = 4, BEAT = 8 through the top under backpressure",
            );
        });
    }

    #[test]
    fn the_rows_leave_once_each_in_order_and_cycles_counts_to_the_last() {
        for (n, p, r) in [
            (129usize, 4usize, 24usize),
            (129, 8, 24),
            (8, 4, 2),
            (7, 2, 4),
            (6, 2, 4),
        ] {
            let nb = blocks(n, p);
            let mut rows = Vec::new();
            let mut last = 0;
            for b in 0..nb {
                for key in 0..n {
                    if let Some((_, row)) = output_lane(b, key, p, n) {
                        rows.push(row);
                        last = (b * n + key) * r + r - 1;
                    }
                }
            }
            assert_eq!(rows, (0..n).collect::<Vec<_>>(), "N {n}, P {p}");
            assert_eq!(cycles(n, p, r, 29), last as u64 + 30, "N {n}, P {p}");
            assert!((last as u64) < iterations(n, p, r));
        }
        // Edge-MoE: 33 blocks × 129 keys × 24 beats; row 128 is lane 0's, at the very last beat.
        assert_eq!(iterations(129, 4, 24), 102_168);
        assert_eq!(cycles(129, 4, 24, 29), 102_168 + 29);
    }

    #[test]
    fn latency_is_within_the_simulators_attn_av_depth() {
        let depth = crate::timing::LoopDepth::default().attn_av;
        assert!(LATENCY <= depth);
        assert_eq!(
            super::super::axis::pad_stages(MODULE, LATENCY, depth),
            Ok(7)
        );
    }

    #[test]
    fn unsupported_geometries_and_formats_are_refused() {
        on_big_stack(|| {
            let fm: Format = "ap_fixed<32,10>".parse().expect("a valid format");
            let refused = |r: Result<(), RtlError>, key: &str, what: &str| match r {
                Err(RtlError::Unsupported { key: k, .. }) => assert_eq!(k, key, "{what}"),
                other => panic!("{what}: {other:?}"),
            };
            for text in [
                "ap_fixed<40,10>",
                "ap_ufixed<16,6>",
                "ap_fixed<16,6,AP_RND,AP_SAT>",
                "ap_fixed<32,2>",
            ] {
                let f: Format = text.parse().expect("a valid format");
                refused(AttnAv::<2, 2>::new(f, 2, 8).map(drop), "numerics.fm", text);
            }
            refused(
                AttnAv::<2, 2>::new(fm, 0, 8).map(drop),
                "model.heads",
                "no heads",
            );
            refused(
                AttnAv::<2, 2>::new(fm, 5, 40).map(drop),
                "model.heads",
                "5 heads",
            );
            refused(
                AttnAv::<2, 2>::new(fm, 3, 8).map(drop),
                "model.embed_dim",
                "D not a multiple",
            );
            refused(
                AttnAv::<2, 2>::new(fm, 2, 128).map(drop),
                "model.embed_dim",
                "64 beats",
            );
            refused(
                AttnAv::<2, 2>::new(fm, 1, 2).map(drop),
                "model.embed_dim",
                "1 beat per row",
            );
            refused(
                verilog(fm, (3, 8), 3, 192).map(drop),
                "arch.attn_lanes",
                "P = 3",
            );
            refused(
                verilog(fm, (4, 16), 3, 192).map(drop),
                "arch.attn_lanes",
                "BEAT = 16",
            );
            refused(
                axis_verilog(fm, (4, 4), (3, 192), 7, "attn_av_axis").map(drop),
                "arch.attn_lanes",
                "BEAT = 4 top",
            );
            assert!(AttnAv::<2, 2>::new(fm, 2, 64).is_ok());
        });
    }

    #[test]
    fn verilog_is_emitted_with_the_named_roots() {
        let fm: Format = "ap_fixed<24,8>".parse().expect("a valid format");
        let v = verilog(fm, (2, 2), 2, 8).expect("a supported unit");
        assert!(v.contains("module attn_av("), "root module named");
        assert!(
            v.contains("module attn_av$lanes$1$exp("),
            "lane exps emitted"
        );
        let top = axis_verilog(fm, (2, 2), (2, 8), 7, "attn_av_axis").expect("a top");
        assert!(top.contains("module attn_av_axis("), "top named");
        assert!(top.contains("[581:0] s_axis_tdata"), "packed beat width");
    }

    /// Writes the tops' Verilog for linting and synthesis by hand:
    /// `cargo test -p hw attn_av::tests::write_verilog -- --ignored`, then Verilator and Yosys on
    /// `$TMPDIR/attn_av_axis_p{P}b{BEAT}.v` (root `attn_av_axis`, depth 29).
    #[test]
    #[ignore]
    fn write_verilog() {
        let fm: Format = "ap_fixed<32,10>".parse().expect("a valid format");
        for (pair, shape) in [((2, 2), (2, 8)), ((4, 8), (3, 192)), ((8, 8), (3, 192))] {
            let top = axis_verilog(fm, pair, shape, 7, "attn_av_axis").expect("a top");
            let path = std::env::temp_dir().join(format!("attn_av_axis_p{}b{}.v", pair.0, pair.1));
            std::fs::write(&path, top).expect("written");
            eprintln!("{}", path.display());
        }
    }

    /// Writes stimulus and expectations for replaying a top in Verilator by hand:
    /// `cargo test -p hw attn_av::tests::write_vectors -- --ignored` writes, per instance, the top
    /// (`attn_av_axis_<fm>_p<P>b<BEAT>.v`, depth 29), `.beats` (one packed beat per line, 32-bit hex
    /// words least significant first) and `.want` (one output beat per line, BEAT words) to `$TMPDIR`.
    #[test]
    #[ignore]
    fn write_vectors() {
        fn write<const P: usize, const BEAT: usize>(case: &Case, name: &str) {
            let layout = BeatLayout::new(P, BEAT);
            let mut rng = SplitMix64::new(77);
            let dir = std::env::temp_dir();
            let words = layout.bits.div_ceil(32);
            let beats: String = case
                .beats(P, BEAT, &mut rng)
                .iter()
                .map(|b| {
                    let packed = b.pack(&layout);
                    let line: Vec<String> = (0..words)
                        .map(|i| format!("{:08x}", (packed[i / 2] >> (32 * (i % 2))) as u32))
                        .collect();
                    line.join(" ") + "\n"
                })
                .collect();
            let row_beats = case.dim / BEAT;
            let want: String = (0..case.tokens * row_beats)
                .map(|j| {
                    let (row, d) = (j / row_beats, j % row_beats);
                    let line: Vec<String> = (0..BEAT)
                        .map(|e| format!("{:08x}", case.want[[row, d * BEAT + e]] as u32))
                        .collect();
                    line.join(" ") + "\n"
                })
                .collect();
            let top = axis_verilog(
                case.fm,
                (P, BEAT),
                (case.heads, case.dim),
                7,
                "attn_av_axis",
            )
            .expect("a top");
            std::fs::write(dir.join(format!("{name}.v")), top).expect("written");
            std::fs::write(dir.join(format!("{name}.beats")), beats).expect("written");
            std::fs::write(dir.join(format!("{name}.want")), want).expect("written");
            eprintln!(
                "{name}: cycles {}",
                cycles(case.tokens, P, row_beats, LATENCY + 7)
            );
        }
        on_big_stack(|| {
            let [fm32, fm24] = formats();
            write::<2, 2>(&Case::new(fm24, 7, 8, 2, 81), "attn_av_axis_fm24_p2b2");
            write::<4, 8>(&Case::new(fm32, 9, 192, 3, 82), "attn_av_axis_fm32_p4b8");
        });
    }
}
