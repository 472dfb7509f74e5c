//! `exp` in RTL: golden's model of Vitis `hls::exp` ([`golden::units::exp`], §7.3), five bit fields, four
//! tables and three truncated products, as a 15-stage valid/ready pipeline that is bit-exact with
//! [`golden::units::exp::exp`] for every format that shares the `ap_fixed<32,10>` datapath.
//!
//! ```text
//!           ┌──────────────────────────────────── Exp ─────────────────────────────────────────┐
//!  x ──────►│ 1 decode        2 LUT ROMs   3–5 MulU64   6 E34        7–9 MulU64   10 E234      │
//!  x_valid ►│ X = x·2^(23−F)  E3[i3],      E3·E4        E3 + E4 +    E2·E34       E2 + E34 +   │
//!  x_ready ◄│ i1 i2 i3 z,     E4[z]                     ⌊E3·E4⌋                   ⌊E2·E34⌋     │
//!  reset ──►│ range flags                               at 2^-58;                 at 2^-52;    │
//!           │                                           SyncROM E2                SyncROM e^h  │
//!           │ 11–13 MulU64    14 Y                        15 output                            │
//!  y ◄──────│ e^h·E234        e^h + ⌊e^h·E234⌋ at 2^-23,  saturate to fm_t, drop 23 − F bits   │
//!  y_valid ◄│                 range flags applied                                              │
//!  y_ready ►└──────────────────────────────────────────────────────────────────────────────────┘
//! ```
//! `x` and `y` are fm_t raws in the 32-bit container; only the low W bits of `x` are read and `y` comes
//! out sign-extended (it is never negative). The algorithm and its names are golden's
//! (`golden/src/units/exp/table.rs`): X is x widened to 23 fraction bits, split into `i1` (sign and
//! `X[26:20]`), `i2` (`X[19:12]`), `i3` (`X[11:7]`) and `z` (`X[6:0]`);
//! `e^x = e^h·(1 + E2)·(1 + E3)·(1 + E4)`, merged bottom-up with one truncated product per merge.
//!
//! Why the datapath looks the way it does:
//! - The ROMs hold golden's table terms already summed with their exact polynomial part, each a
//!   function of one field: `E4[z] = z·2^35 + z²·2^11 + cube4[z >> 4]` (128 × 42 bits),
//!   `E3[i3] = i3·2^39 + expm1_lo[i3]` (32 × 44), `E2[i2] = i2·2^41 + expm1_mid[i2]` (256 × 50) and
//!   `e^h[i1] = exp_hi[i1]` (256 × 50), all filled from golden's [`tables`]. That removes golden's z²
//!   product and its table additions from the datapath and leaves exactly its three truncated products.
//! - The two small tables are asynchronous `ROM`s (LUTs, registered in stage 2): 32 and 128 entries
//!   are a handful of LUT6 per bit and need no delay line. The two 256 × 50 tables are `SyncROM`s
//!   (`data <= mem[address]`, the block-RAM read template) read just in time, in the stage
//!   before their product, so only the 8-bit index travels down the pipeline, not 50-bit values; their
//!   output register *is* that stage's register. A SyncROM has no enable, so its address is the index
//!   the stage would hold after the edge: the next index when the pipeline advances, its own copy
//!   (`i2[5]`, `i1[9]`) when it stalls, so a stall re-reads the same word. Whether they land in block
//!   RAM is the synthesis tool's call, and rust-hdl cannot emit a `rom_style` attribute: Yosys 0.23's
//!   cost model builds them from LUTs (≈1,460 more LUTs than with block RAM), and maps
//!   each to one RAMB36E2 (72-bit SDP) once `rom_style = "block"` is set on the memories
//!   (`setattr -set rom_style "block" m:*` before `synth_xilinx`).
//! - Products are full (MulU64 forms every non-zero 16×16 partial product: 9 + 12 + 16 = 37 DSPs); the
//!   truncations are slices of the full product, so no partial product is dropped and no carry
//!   argument is needed.
//! - golden's range tests (`X ≥ 0x7F8_A014` → all ones, `X < −2^27` → 0) are done on x itself in stage
//!   1 (`x ≥ ⌈0x7F8_A014 / 2^(23−F)⌉`, `x < −2^(F+4)`), as signed compares made unsigned by flipping the
//!   sign bit, and the two flags ride down the pipeline to stage 14.
//! - Output: golden saturates when the internal result needs more than I − 1 integer bits
//!   (`y23 ≥ 2^(I+22)`), to `(2^(I+22) − 1) >> (23 − F)`, else drops 23 − F fraction bits. For I = 24
//!   the bound 2^46 is above every 46-bit result, so the same compare serves without a special case.

use golden::fixed::Format;
use golden::units::exp::{shares_the_native_datapath, tables};
use rust_hdl::prelude::*;

use super::axis::scalar_axis;
use super::mul_wide::{MulU64, MUL_U64_LATENCY};
use super::{verilog_named, RtlError, CONTAINER_BITS};

/// Clock edges from the edge that accepts `x` to the edge after which `y_valid` presents its result:
/// decode (1), the small ROMs (1), E3·E4 (3), E34 (1), E2·E34 (3), E234 (1), e^h·E234 (3), Y (1) and
/// the output format (1). The large ROMs add nothing: each is read in the cycle of the adder stage
/// before its product. Independent of the format; below hw's default `arch.depth.exp` (19, HLS's
/// depth for this unit), so a design point keeping 19 over-counts 4 cycles per exp chain.
pub const LATENCY: u32 = 6 + 3 * MUL_U64_LATENCY;

/// The root module's name in the emitted Verilog.
pub const MODULE: &str = "exp";

/// Number of pipeline stages.
const STAGES: usize = LATENCY as usize;
// `#[hdl_gen]` loops need literal bounds: the valid chain below is written for 15 stages.
const _: () = assert!(STAGES == 15);

/// golden's "all ones" internal result (46 bits), for `X ≥ 0x7F8_A014`.
const ALL_ONES_46: u64 = (1 << 46) - 1;

/// golden's explicit overflow bound on the internal input X (≈ 15.9424 at 23 fraction bits).
const X_OVERFLOW: i64 = 0x7F8_A014;

/// exp's datapath for one fm_t format, advancing on an enable: `y` is e^x of the `x` it took
/// [`LATENCY`] enabled edges earlier. It has no valid bits; [`Exp`] wraps it in the contract's
/// valid/ready ports, and a unit that runs exp as a stage of its own pipeline (`attn_av`) drives `en`
/// with its advance and tracks validity itself, with no port left unread.
#[derive(LogicBlock)]
pub struct ExpCore {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Every register takes its next value this edge (holds while low).
    pub en: Signal<In, Bit>,
    /// fm_t raw (low W bits read).
    pub x: Signal<In, Bits<32>>,
    /// e^x, fm_t raw sign-extended to 32 bits.
    pub y: Signal<Out, Bits<32>>,
    sign_w: Constant<Bits<32>>,
    mask_w: Constant<Bits<32>>,
    /// 2^31: flips the sign bit so that unsigned compares order signed values.
    bias: Constant<Bits<32>>,
    /// 23 − F: the widening of x to X, and the output's truncation.
    widen: Constant<Bits<32>>,
    /// Biased `−2^(F+4)`: x below it is X < −2^27, result 0.
    zero_below: Constant<Bits<32>>,
    /// Biased `⌈0x7F8_A014 / 2^(23−F)⌉`: x from it is X ≥ 0x7F8_A014, result all ones.
    ones_from: Constant<Bits<32>>,
    all_ones: Constant<Bits<64>>,
    /// `2^(I+22)`: internal results from it saturate the output.
    sat_from: Constant<Bits<64>>,
    /// `(2^(I+22) − 1) >> (23 − F)`: the saturated output.
    sat_value: Constant<Bits<32>>,
    e3_rom: ROM<Bits<48>, 5>,
    e4_rom: ROM<Bits<48>, 7>,
    e2_rom: SyncROM<Bits<50>, 8>,
    eh_rom: SyncROM<Bits<50>, 8>,
    /// 44 × 42 bits: 3 × 3 limbs.
    m34: MulU64<3, 3>,
    /// 50 × 48 bits.
    m234: MulU64<4, 3>,
    /// 50 × 50 bits.
    mh: MulU64<4, 4>,
    /// Range flags, stages 1–13.
    ones: [DFF<Bit>; 13],
    zero: [DFF<Bit>; 13],
    /// `i1`, stages 1–10 (the last is the e^h ROM's stall copy).
    i1: [DFF<Bits<8>>; 10],
    /// `i2`, stages 1–6 (the last is the E2 ROM's stall copy).
    i2: [DFF<Bits<8>>; 6],
    i3: DFF<Bits<5>>,
    z: DFF<Bits<7>>,
    /// E3 and E4 (units 2^-55, 2^-58), stages 2–5.
    e3: [DFF<Bits<48>>; 4],
    e4: [DFF<Bits<48>>; 4],
    /// E34 (2^-58), stages 6–9.
    e34: [DFF<Bits<48>>; 4],
    /// E2 (2^-52), stages 7–9.
    e2: [DFF<Bits<50>>; 3],
    /// E234 (2^-52), stage 10.
    e234: DFF<Bits<64>>,
    /// e^h (2^-27), stages 11–13.
    eh: [DFF<Bits<50>>; 3],
    /// The internal result at 2^-23 (46 bits), stage 14.
    y23: DFF<Bits<64>>,
    out: DFF<Bits<32>>,
    advance: Signal<Local, Bit>,
    wrapped: Signal<Local, Bits<32>>,
    biased: Signal<Local, Bits<32>>,
    xi: Signal<Local, Bits<28>>,
    e34_sum: Signal<Local, Bits<48>>,
    e234_sum: Signal<Local, Bits<64>>,
    y27: Signal<Local, Bits<64>>,
}

scalar_axis!(
    /// [`Exp`] behind AXI-Stream ports, padded to the configured depth.
    ExpAxis,
    Exp,
    32
);

impl ExpCore {
    /// The datapath for `fm`, its ROMs filled from golden's tables; formats outside it are refused.
    pub fn new(fm: Format) -> Result<ExpCore, RtlError> {
        check_format(fm)?;
        let w = fm.width();
        let i = fm.int_bits() as u32;
        let f = fm.frac_bits() as u32;
        let widen = 23 - f;
        let t = tables();
        let fits = |bits: u32| {
            move |v: u64| {
                if v >> bits == 0 {
                    Ok(v)
                } else {
                    Err(RtlError::Bug {
                        unit: MODULE,
                        detail: format!("table value {v:#x} does not fit {bits} bits"),
                    })
                }
            }
        };
        let e4 = (0..128u64)
            .map(|z| fits(42)((z << 35) + ((z * z) << 11) + t.cube4[(z >> 4) as usize]))
            .collect::<Result<Vec<_>, _>>()?;
        let e3 = (0..32u64)
            .map(|i3| fits(44)((i3 << 39) + t.expm1_lo[i3 as usize]))
            .collect::<Result<Vec<_>, _>>()?;
        let e2 = (0..256u64)
            .map(|i2| fits(50)((i2 << 41) + t.expm1_mid[i2 as usize]))
            .collect::<Result<Vec<_>, _>>()?;
        let eh = t
            .exp_hi
            .iter()
            .map(|&v| fits(50)(v))
            .collect::<Result<Vec<_>, _>>()?;
        let biased = |v: i64| Bits::<32>::from(u64::from(v as u32 ^ (1 << 31)));
        let ones_from = (X_OVERFLOW + (1 << widen) - 1) >> widen;
        let sat_from = 1u64 << (i + 22);
        let mut exp = ExpCore {
            clock: Default::default(),
            en: Default::default(),
            x: Default::default(),
            y: Default::default(),
            sign_w: Constant::new((1u64 << (w - 1)).into()),
            mask_w: Constant::new(((1u64 << w) - 1).into()),
            bias: Constant::new((1u64 << 31).into()),
            widen: Constant::new(u64::from(widen).into()),
            zero_below: Constant::new(biased(-(1i64 << (f + 4)))),
            ones_from: Constant::new(biased(ones_from)),
            all_ones: Constant::new(ALL_ONES_46.into()),
            sat_from: Constant::new(sat_from.into()),
            sat_value: Constant::new(((sat_from - 1) >> widen).into()),
            e3_rom: ROM::from(e3.into_iter().map(Bits::<48>::from)),
            e4_rom: ROM::from(e4.into_iter().map(Bits::<48>::from)),
            e2_rom: SyncROM::from(e2.into_iter().map(Bits::<50>::from)),
            eh_rom: SyncROM::from(eh.into_iter().map(Bits::<50>::from)),
            m34: Default::default(),
            m234: Default::default(),
            mh: Default::default(),
            ones: Default::default(),
            zero: Default::default(),
            i1: Default::default(),
            i2: Default::default(),
            i3: Default::default(),
            z: Default::default(),
            e3: Default::default(),
            e4: Default::default(),
            e34: Default::default(),
            e2: Default::default(),
            e234: Default::default(),
            eh: Default::default(),
            y23: Default::default(),
            out: Default::default(),
            advance: Default::default(),
            wrapped: Default::default(),
            biased: Default::default(),
            xi: Default::default(),
            e34_sum: Default::default(),
            e234_sum: Default::default(),
            y27: Default::default(),
        };
        exp.connect_all();
        Ok(exp)
    }
}

/// The formats whose `hls::exp` is golden's table datapath (signed, AP_TRN/AP_WRAP, I ≥ 1,
/// max(I − 1, F) in 12..=23), within the container.
fn check_format(fm: Format) -> Result<(), RtlError> {
    let reason = if fm.width() > CONTAINER_BITS {
        format!(
            "W = {} exceeds the {CONTAINER_BITS}-bit container",
            fm.width()
        )
    } else if !shares_the_native_datapath(&fm) {
        "HLS computes exp for it with another datapath than ap_fixed<32,10>'s (it needs a signed \
         AP_TRN/AP_WRAP format with I >= 1 and max(I - 1, W - I) in 12..=23); golden converts such \
         formats to ap_fixed<32,10> and back, which this unit does not"
            .to_string()
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
    verilog_named(&Exp::new(fm)?, MODULE, MODULE)
}

impl Logic for ExpCore {
    #[hdl_gen]
    fn update(&mut self) {
        // Every register holds unless enabled.
        for k in 0..13 {
            self.ones[k].clock.next = self.clock.val();
            self.ones[k].d.next = self.ones[k].q.val();
            self.zero[k].clock.next = self.clock.val();
            self.zero[k].d.next = self.zero[k].q.val();
        }
        for k in 0..10 {
            self.i1[k].clock.next = self.clock.val();
            self.i1[k].d.next = self.i1[k].q.val();
        }
        for k in 0..6 {
            self.i2[k].clock.next = self.clock.val();
            self.i2[k].d.next = self.i2[k].q.val();
        }
        for k in 0..4 {
            self.e3[k].clock.next = self.clock.val();
            self.e3[k].d.next = self.e3[k].q.val();
            self.e4[k].clock.next = self.clock.val();
            self.e4[k].d.next = self.e4[k].q.val();
            self.e34[k].clock.next = self.clock.val();
            self.e34[k].d.next = self.e34[k].q.val();
        }
        for k in 0..3 {
            self.e2[k].clock.next = self.clock.val();
            self.e2[k].d.next = self.e2[k].q.val();
            self.eh[k].clock.next = self.clock.val();
            self.eh[k].d.next = self.eh[k].q.val();
        }
        dff_setup!(self, clock, i3, z, e234, y23, out);
        self.advance.next = self.en.val();

        // Stage 1: wrap x to W bits (sign-extend bit W−1), range flags, X = x·2^(23−F) and its fields.
        self.wrapped.next =
            ((self.x.val() & self.mask_w.val()) ^ self.sign_w.val()) - self.sign_w.val();
        self.biased.next = self.wrapped.val() ^ self.bias.val();
        // X[27:0]: in range, X is a 28-bit two's-complement number, bit 27 its sign.
        self.xi.next = bit_cast::<28, 32>(self.wrapped.val() << self.widen.val());
        // Stage 2: the small tables (asynchronous ROMs, registered here).
        self.e3_rom.address.next = self.i3.q.val();
        self.e4_rom.address.next = self.z.q.val();
        // Stages 3–5: E3·E4 at 2^-113.
        self.m34.clock.next = self.clock.val();
        self.m34.en.next = self.advance.val();
        self.m34.a.next = bit_cast::<64, 48>(self.e3[0].q.val());
        self.m34.b.next = bit_cast::<64, 48>(self.e4[0].q.val());
        // Stage 6: E34 = ⌊E3·E4⌋ + E3 + E4 at 2^-58 (below 2^48), and E2 read from its block RAM.
        self.e34_sum.next = bit_cast::<48, 128>(self.m34.p.val() >> 55)
            + (self.e3[3].q.val() << 3)
            + self.e4[3].q.val();
        self.e2_rom.clock.next = self.clock.val();
        self.e2_rom.address.next = self.i2[5].q.val();
        if self.advance.val() {
            self.e2_rom.address.next = self.i2[4].q.val();
        }
        // Stages 7–9: E2·E34 at 2^-110.
        self.m234.clock.next = self.clock.val();
        self.m234.en.next = self.advance.val();
        self.m234.a.next = bit_cast::<64, 50>(self.e2_rom.data.val());
        self.m234.b.next = bit_cast::<64, 48>(self.e34[0].q.val());
        // Stage 10: E234 = ⌊(⌊E2·E34⌋ + E2 + E34 at 2^-58) / 2^6⌋ at 2^-52, and e^h from its block RAM.
        self.e234_sum.next = bit_cast::<64, 128>(self.m234.p.val() >> 52)
            + (bit_cast::<64, 50>(self.e2[2].q.val()) << 6)
            + bit_cast::<64, 48>(self.e34[3].q.val());
        self.eh_rom.clock.next = self.clock.val();
        self.eh_rom.address.next = self.i1[9].q.val();
        if self.advance.val() {
            self.eh_rom.address.next = self.i1[8].q.val();
        }
        // Stages 11–13: e^h·E234 at 2^-79.
        self.mh.clock.next = self.clock.val();
        self.mh.en.next = self.advance.val();
        self.mh.a.next = bit_cast::<64, 50>(self.eh_rom.data.val());
        self.mh.b.next = self.e234.q.val();
        // Stage 14: Y = e^h + ⌊e^h·E234⌋ at 2^-27 (below 2^50 in range).
        self.y27.next =
            bit_cast::<64, 50>(self.eh[2].q.val()) + bit_cast::<64, 128>(self.mh.p.val() >> 52);

        if self.advance.val() {
            self.zero[0].d.next = self.biased.val() < self.zero_below.val();
            self.ones[0].d.next = self.biased.val() >= self.ones_from.val();
            for k in 1..13 {
                self.zero[k].d.next = self.zero[k - 1].q.val();
                self.ones[k].d.next = self.ones[k - 1].q.val();
            }
            self.i1[0].d.next = self.xi.val().get_bits::<8>(20);
            for k in 1..10 {
                self.i1[k].d.next = self.i1[k - 1].q.val();
            }
            self.i2[0].d.next = self.xi.val().get_bits::<8>(12);
            for k in 1..6 {
                self.i2[k].d.next = self.i2[k - 1].q.val();
            }
            self.i3.d.next = self.xi.val().get_bits::<5>(7);
            self.z.d.next = self.xi.val().get_bits::<7>(0);
            self.e3[0].d.next = self.e3_rom.data.val();
            self.e4[0].d.next = self.e4_rom.data.val();
            for k in 1..4 {
                self.e3[k].d.next = self.e3[k - 1].q.val();
                self.e4[k].d.next = self.e4[k - 1].q.val();
            }
            self.e34[0].d.next = self.e34_sum.val();
            for k in 1..4 {
                self.e34[k].d.next = self.e34[k - 1].q.val();
            }
            self.e2[0].d.next = self.e2_rom.data.val();
            self.e234.d.next = self.e234_sum.val() >> 6;
            self.eh[0].d.next = self.eh_rom.data.val();
            for k in 1..3 {
                self.e2[k].d.next = self.e2[k - 1].q.val();
                self.eh[k].d.next = self.eh[k - 1].q.val();
            }
            // Stage 14: the internal result at 2^-23, or golden's out-of-range values.
            self.y23.d.next = self.y27.val() >> 4;
            if self.ones[12].q.val() {
                self.y23.d.next = self.all_ones.val();
            }
            if self.zero[12].q.val() {
                self.y23.d.next = 0.into();
            }
            // Stage 15: saturate to fm_t or drop 23 − F fraction bits (never negative: no sign to extend).
            self.out.d.next = bit_cast::<32, 64>(self.y23.q.val() >> self.widen.val());
            if self.y23.q.val() >= self.sat_from.val() {
                self.out.d.next = self.sat_value.val();
            }
        }
        self.y.next = self.out.q.val();
    }
}

/// The unit for one fm_t format: [`ExpCore`] with the contract's ports and a valid bit per stage.
///
/// Flow control: every stage advances together when the output register is empty or being read
/// (`x_ready = (!y_valid || y_ready) && !reset`), as in [`super::gelu`].
#[derive(LogicBlock)]
pub struct Exp {
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
    /// e^x, fm_t raw sign-extended to 32 bits.
    pub y: Signal<Out, Bits<32>>,
    /// `y` holds a result.
    pub y_valid: Signal<Out, Bit>,
    /// The consumer takes `y` this edge if `y_valid`.
    pub y_ready: Signal<In, Bit>,
    core: ExpCore,
    valid: [DFF<Bit>; STAGES],
    advance: Signal<Local, Bit>,
}

impl Exp {
    /// The unit for `fm`, its ROMs filled from golden's tables; formats outside the datapath are
    /// refused.
    pub fn new(fm: Format) -> Result<Exp, RtlError> {
        let mut exp = Exp {
            clock: Default::default(),
            reset: Default::default(),
            x: Default::default(),
            x_valid: Default::default(),
            x_ready: Default::default(),
            y: Default::default(),
            y_valid: Default::default(),
            y_ready: Default::default(),
            core: ExpCore::new(fm)?,
            valid: Default::default(),
            advance: Default::default(),
        };
        exp.connect_all();
        Ok(exp)
    }
}

impl Logic for Exp {
    #[hdl_gen]
    fn update(&mut self) {
        for k in 0..15 {
            self.valid[k].clock.next = self.clock.val();
            self.valid[k].d.next = self.valid[k].q.val();
        }
        self.advance.next = !self.valid[14].q.val() || self.y_ready.val();
        self.x_ready.next = self.advance.val() && !self.reset.val();
        self.core.clock.next = self.clock.val();
        self.core.en.next = self.advance.val();
        self.core.x.next = self.x.val();
        if self.advance.val() {
            self.valid[0].d.next = self.x_valid.val();
            for k in 1..15 {
                self.valid[k].d.next = self.valid[k - 1].q.val();
            }
        }
        if self.reset.val() {
            for k in 0..15 {
                self.valid[k].d.next = false;
            }
        }
        self.y.next = self.core.y.val();
        self.y_valid.next = self.valid[14].q.val();
    }
}

#[cfg(test)]
mod tests {

    use golden::rng::SplitMix64;
    use golden::units::exp::exp as golden_exp;

    use super::*;
    use crate::rtl::bench;

    fn format(text: &str) -> Format {
        text.parse().expect("a valid format")
    }

    fn formats() -> [Format; 2] {
        ["ap_fixed<32,10>", "ap_fixed<24,8>"].map(format)
    }

    bench::scalar_ports!(Exp);

    /// What the unit must deliver for container `x`: golden on its low W bits, sign-extended.
    fn expected(fm: Format, x: u32) -> u32 {
        golden_exp(fm.wrap_raw(i128::from(x)), &fm) as u32
    }

    /// golden on a raw of `fm`.
    fn gold(fm: Format, raw: i64) -> i64 {
        golden_exp(raw, &fm)
    }

    /// The first raw whose result is the saturated maximum, and the last whose result is 0, by
    /// bisection (golden is monotone).
    fn thresholds(fm: Format) -> (i64, i64) {
        let top = gold(fm, fm.max_raw());
        let (mut lo, mut hi) = (0, fm.max_raw()); // gold(lo) < top <= gold(hi)
        if gold(fm, lo) == top {
            hi = lo;
        }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if gold(fm, mid) == top {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let (mut lo2, mut hi2) = (fm.min_raw(), 0); // gold(lo2) == 0 < gold(hi2)
        while hi2 - lo2 > 1 {
            let mid = (lo2 + hi2) / 2;
            if gold(fm, mid) == 0 {
                lo2 = mid;
            } else {
                hi2 = mid;
            }
        }
        (hi, lo2)
    }

    /// 0, ±1 LSB, the extremes, the saturation and zero thresholds of the output and golden's internal
    /// range bounds (each with neighbours), and the boundaries of every table field: each of the 256
    /// e^h segments with the lower fields at zero, at all ones, and at each field's carry, plus every
    /// value of i2, i3 and z alone. Raws are sign-extended into the container; out-of-range ones are
    /// dropped.
    fn corners(fm: Format) -> Vec<u32> {
        let f = fm.frac_bits();
        let widen = 23 - f;
        let (sat, zero) = thresholds(fm);
        let mut raws = vec![
            0,
            1,
            -1,
            fm.min_raw(),
            fm.min_raw() + 1,
            fm.max_raw(),
            fm.max_raw() - 1,
        ];
        let ones = (X_OVERFLOW + (1 << widen) - 1) >> widen;
        for edge in [sat, zero, ones, 1 << (f + 4), -(1 << (f + 4))] {
            raws.extend((-2..=2).map(|d| edge + d));
        }
        // X values at the field boundaries, converted to raws (⌊X / 2^(23−F)⌋ and the raw above).
        let mut xs = Vec::new();
        for i1 in 0..256i64 {
            let base = (i1 as u8 as i8 as i64) << 20;
            for off in [
                0,
                -1,
                1,
                (1 << 4) - 1,
                1 << 4,
                (1 << 7) - 1,
                1 << 7,
                (1 << 12) - 1,
                1 << 12,
                (1 << 20) - 1,
                0x5_5555,
                0xA_AAAA,
            ] {
                xs.push(base + off);
            }
        }
        for v in 0..256i64 {
            for base in [0, -(1 << 20), 3 << 20, -(9 << 20)] {
                xs.extend([base + (v << 12), base + ((v % 32) << 7), base + (v % 128)]);
            }
        }
        for x in xs {
            raws.extend([x >> widen, (x >> widen) + 1]);
        }
        raws.retain(|&r| (fm.min_raw()..=fm.max_raw()).contains(&r));
        raws.sort_unstable();
        raws.dedup();
        raws.into_iter().map(|r| r as u32).collect()
    }

    /// Random containers: half any 32 bits (so junk above W for narrow formats), half in [−16, 7].
    fn random(fm: Format, seed: u64, n: usize) -> Vec<u32> {
        let mut rng = SplitMix64::new(seed);
        let one = 1i64 << fm.frac_bits();
        (0..n)
            .map(|k| match k % 2 {
                0 => rng.next_u64() as u32,
                _ => (rng.below((23 * one + 1) as u64) as i64 - 16 * one) as u32,
            })
            .collect()
    }

    /// `xs` at II = 1 against golden, `LATENCY` cycles each.
    fn stream(fm: Format, xs: &[u32]) {
        let uut = Exp::new(fm).expect("a supported format");
        bench::stream(uut, LATENCY, xs, |x| expected(fm, x), &fm.to_string());
    }

    #[test]
    fn thresholds_are_goldens_documented_ones() {
        assert_eq!(
            thresholds(formats()[0]),
            (26_165_430, -63_829_973),
            "ap_fixed<32,10>"
        );
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

    /// The other formats of the family with W ≤ 32: the widening, the range bounds and the output
    /// saturation differ (I = 24 never saturates, I = 1 never leaves the tables' range).
    #[test]
    fn other_formats_of_the_datapath_equal_golden() {
        for text in [
            "ap_fixed<16,4>",
            "ap_fixed<32,16>",
            "ap_fixed<32,24>",
            "ap_fixed<13,1>",
        ] {
            let fm = format(text);
            let mut xs = random(fm, 13, 400);
            let (sat, zero) = thresholds(fm);
            for edge in [sat, zero, 0, fm.min_raw(), fm.max_raw()] {
                xs.extend([edge - 1, edge, edge + 1].map(|r| r as u32));
            }
            stream(fm, &xs);
        }
    }

    #[test]
    fn backpressure_loses_and_duplicates_nothing() {
        for fm in formats() {
            let mut xs = random(fm, 11, 600);
            xs.extend(corners(fm).into_iter().step_by(23));
            let uut = Exp::new(fm).expect("a supported format");
            bench::backpressure(uut, LATENCY, &xs, |x| expected(fm, x), &fm.to_string());
        }
    }

    #[test]
    fn reset_empties_the_pipeline() {
        let fm = formats()[0];
        let uut = Exp::new(fm).expect("a supported format");
        bench::reset_empties(uut, LATENCY, 3u32 << 22, expected(fm, 3 << 22));
    }

    #[test]
    fn latency_is_within_the_simulators_default_exp_depth() {
        assert!(LATENCY <= crate::timing::LoopDepth::default().exp);
    }

    #[test]
    fn formats_outside_the_datapath_are_refused() {
        for text in [
            "ap_fixed<47,24>",
            "ap_fixed<40,10>",
            "ap_ufixed<32,10>",
            "ap_fixed<16,6>",
            "ap_fixed<32,10,AP_RND,AP_WRAP>",
            "ap_fixed<32,10,AP_TRN,AP_SAT>",
            "ap_fixed<32,4>",
        ] {
            let fm = format(text);
            let err = Exp::new(fm).err();
            assert!(
                matches!(err, Some(RtlError::Unsupported { .. })),
                "{text}: {err:?}"
            );
        }
        assert!(Exp::new(format("ap_fixed<16,4>")).is_ok());
    }
}
