//! The resource model: LUT, FF, DSP and BRAM of each unit with RTL, counted from the structure of its
//! datapath at a design point, so an architect can price a design point without running synthesis.
//!
//! Each unit's figure is a sum over its parts (registers, carry-chain arithmetic, LUT ROMs, shift
//! registers, 16×16 partial products) at the widths the format gives them, then scaled per resource
//! class by [`CALIBRATION`], fitted to Yosys 0.23 `synth_xilinx -family xcup` on the units' RTL at the
//! default design point. `edgemoe synth` prints model and Yosys side by side with the gap; a design
//! point the fit did not see (another fm_t, another depth) shows how well the structure carries. These
//! are Yosys's figures, not Vivado's, which packs LUTs more tightly.
//!
//! [`accelerator`] adds up what the whole accelerator instantiates (the units, once each, with the
//! memories and streams around them); [`storage`] decides where a memory goes (block RAM, LUT RAM,
//! shift registers).

use golden::fixed::Format;
use golden::model::config::Numerics;
use golden::units::gelu::lut as gelu_table;

use crate::arch::ArchConfig;
use crate::rtl::axis::pad_stages;
use crate::rtl::RtlUnit;

pub mod accelerator;
pub mod storage;

/// A unit's resources.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Estimate {
    /// LUTs as logic.
    pub lut: u64,
    /// LUTs as memory (here: shift registers).
    pub lutram: u64,
    /// Flip-flops.
    pub ff: u64,
    /// DSP slices.
    pub dsp: u64,
    /// 18 Kb block RAMs.
    pub bram18: u64,
}

impl Estimate {
    /// 36 Kb block RAMs.
    pub fn bram36(&self) -> f64 {
        self.bram18 as f64 / 2.0
    }

    /// `n` copies side by side.
    pub fn times(self, n: u64) -> Estimate {
        Estimate {
            lut: self.lut * n,
            lutram: self.lutram * n,
            ff: self.ff * n,
            dsp: self.dsp * n,
            bram18: self.bram18 * n,
        }
    }
}

impl std::ops::Add for Estimate {
    type Output = Estimate;

    fn add(self, o: Estimate) -> Estimate {
        Estimate {
            lut: self.lut + o.lut,
            lutram: self.lutram + o.lutram,
            ff: self.ff + o.ff,
            dsp: self.dsp + o.dsp,
            bram18: self.bram18 + o.bram18,
        }
    }
}

impl std::iter::Sum for Estimate {
    fn sum<I: Iterator<Item = Estimate>>(iter: I) -> Estimate {
        iter.fold(Estimate::default(), |a, b| a + b)
    }
}

/// Factors from the structural counts to Yosys's, per resource class.
#[derive(Clone, Copy, Debug)]
pub struct Calibration {
    /// Logic LUTs: the structure counts one LUT per arithmetic bit and four per ROM bit; Yosys also
    /// spends LUTs on the muxes of the valid/ready stall and on the wrap logic.
    pub lut: f64,
    /// Flip-flops: the structure counts the significant bits; Yosys keeps some constant and
    /// sign-extension bits of the 32-bit containers.
    pub ff: f64,
    /// Shift-register LUTs: Yosys packs some short chains into FFs instead.
    pub srl: f64,
}

/// The fit ([`Calibration::fit`]) of the units' structural counts to Yosys 0.23 at the default design
/// point (fm_t ap_fixed<32,10>, P = 4, the 16×16 linear tile), over all eleven units. Yosys's LUT, FF
/// and LUTRAM there: exp 2401, 2577, 254; recip 4258, 4138, 32; sqrt 1068, 939, 30; div 4322, 4140, 72;
/// gelu 431, 337, 42; softmax 8048, 9100, 436; layernorm 10606, 9215, 359; qk_scores 9700, 7852, 1398;
/// attn_av 20736, 20258, 2313; gating 37319, 24826, 373; linear 80514, 40040, 3252. The linear tile's
/// LUTs are where the model is furthest off (−27%); LUTRAM, small everywhere but in the RAM-holding
/// units, is the least predictable class.
pub const CALIBRATION: Calibration = Calibration {
    lut: 1.213,
    ff: 1.033,
    srl: 0.667,
};

impl Calibration {
    /// The factors that best map `structure` counts to `synthesised` ones, per class: least squares
    /// of the relative errors, so a small unit counts as much as the linear tile; units where either
    /// side is 0 are left out, and a class no unit uses keeps factor 1.
    pub fn fit(pairs: &[(Estimate, Estimate)]) -> Calibration {
        let factor = |get: fn(&Estimate) -> u64| {
            let (mut num, mut den) = (0.0, 0.0);
            for (m, y) in pairs {
                if get(m) == 0 || get(y) == 0 {
                    continue;
                }
                let r = get(m) as f64 / get(y) as f64;
                num += r;
                den += r * r;
            }
            if den > 0.0 {
                num / den
            } else {
                1.0
            }
        };
        Calibration {
            lut: factor(|e| e.lut),
            ff: factor(|e| e.ff),
            srl: factor(|e| e.lutram),
        }
    }
}

/// LUTs per bit of an adder, subtractor or comparator (one LUT feeding the carry chain per bit).
const LUT_PER_ARITH_BIT: f64 = 1.0;
/// LUTs per output bit of a 256-entry asynchronous ROM: four LUT6 behind a MUXF7/MUXF8 tree.
const LUT_PER_ROM256_BIT: f64 = 4.0;
/// Delay chains at least this deep become SRL16E shift registers (one LUT per 16 stages per bit).
const SRL_MIN_DEPTH: u64 = 3;

/// DSPs of the RTL's 32×32 multiplier (`rtl::mul::MulU32`): four 16×16 partial products.
const MUL_U32_DSP: u64 = 4;

/// Bits needed for the magnitude `v`.
fn bits(v: u64) -> u64 {
    u64::from(64 - v.leading_zeros())
}

/// Registers of `width` bits delayed `depth` stages: flip-flops and shift-register LUTs.
fn delay(width: u64, depth: u64) -> (u64, u64) {
    if depth >= SRL_MIN_DEPTH {
        // One SRL per 16 stages per bit, plus an output register.
        (width, width * depth.div_ceil(16))
    } else {
        (width * depth, 0)
    }
}

/// The model's figures for `unit` at this design point (its configured depth included).
pub fn estimate(unit: RtlUnit, numerics: &Numerics, arch: &ArchConfig) -> Estimate {
    parts(unit, numerics, arch).calibrated(&CALIBRATION)
}

/// The structural counts behind [`estimate`], before calibration (what [`Calibration::fit`] fits).
pub fn structure(unit: RtlUnit, numerics: &Numerics, arch: &ArchConfig) -> Estimate {
    let unit_scale = Calibration {
        lut: 1.0,
        ff: 1.0,
        srl: 1.0,
    };
    parts(unit, numerics, arch).calibrated(&unit_scale)
}

fn parts(unit: RtlUnit, numerics: &Numerics, arch: &ArchConfig) -> Parts {
    let (_, depth) = unit.depth(arch);
    // The line is as long as its deepest tap (the linear unit's with GELU).
    let depth = match unit {
        RtlUnit::Linear => depth + arch.depth.gelu,
        _ => depth,
    };
    // A depth the unit cannot meet has no RTL; price the unpadded unit then.
    let pad = pad_stages(unit.name(), unit.natural_latency(), depth).unwrap_or(0) as u64;
    let parts = match unit {
        RtlUnit::Sqrt => sqrt(numerics.fm),
        RtlUnit::Exp => exp(numerics.fm),
        RtlUnit::Recip | RtlUnit::Div => divider(numerics.fm),
        RtlUnit::Gelu => gelu(numerics.fm),
        RtlUnit::Linear => linear(numerics, arch),
        RtlUnit::Softmax => softmax(numerics.fm),
        RtlUnit::QkScores => qk_scores(arch),
        RtlUnit::Layernorm => layernorm(numerics.fm, arch),
        RtlUnit::AttnAv => attn_av(numerics.fm, arch),
        RtlUnit::Gating => gating(numerics, arch),
    };
    parts.with_pad(pad)
}

/// A datapath's structural counts before calibration.
#[derive(Clone, Copy, Debug, Default)]
struct Parts {
    /// Register bits.
    ff: u64,
    /// Bits of adders, subtractors, comparators and muxes in front of a register.
    arith: u64,
    /// Output bits of 256-entry asynchronous ROMs.
    rom256: u64,
    /// Shift-register LUTs.
    srl: u64,
    /// 16×16 partial products.
    dsp: u64,
    /// The container width the top pads (the data of a pad stage, its valid bit aside).
    width: u64,
}

impl Parts {
    /// The AXI-Stream top's padding: `pad` stages of the output and its valid bit.
    fn with_pad(mut self, pad: u64) -> Parts {
        let (ff, srl) = delay(self.width + 1, pad);
        self.ff += ff;
        self.srl += srl;
        self
    }

    /// Two datapaths side by side (a unit and a sub-unit it embeds).
    fn plus(self, o: Parts) -> Parts {
        Parts {
            ff: self.ff + o.ff,
            arith: self.arith + o.arith,
            rom256: self.rom256 + o.rom256,
            srl: self.srl + o.srl,
            dsp: self.dsp + o.dsp,
            width: self.width.max(o.width),
        }
    }

    fn calibrated(self, c: &Calibration) -> Estimate {
        let lut = self.arith as f64 * LUT_PER_ARITH_BIT + self.rom256 as f64 * LUT_PER_ROM256_BIT;
        Estimate {
            lut: (c.lut * lut).round() as u64,
            lutram: (c.srl * self.srl as f64).round() as u64,
            ff: (c.ff * self.ff as f64).round() as u64,
            dsp: self.dsp,
            bram18: 0,
        }
    }
}

/// `exp`: the field split, four tables (two 256-entry ROMs, two small ones), three truncated wide
/// products (`MulU64` with 9, 12 and 16 partial products), their sums and the output saturation.
fn exp(fm: Format) -> Parts {
    let w = u64::from(fm.width());
    // Partial products of E3·E4, E2·E34 and e^h·E234.
    let products = [(9u64, 96u64), (12, 112), (16, 128)];
    let dsp: u64 = products.iter().map(|p| p.0).sum();
    // Each product: its partial products summed in rows, then the rows summed (MulU64's stages 2, 3).
    let sums: u64 = products
        .iter()
        .map(|&(pp, bits)| (pp.isqrt() + 1) * bits)
        .sum();
    let (field_ff, field_srl) = delay(w + 8, 13);
    Parts {
        // Product registers (half of each partial product lands in the DSP's own register), the row
        // and total sums, E34, E234, Y, the output.
        ff: 16 * dsp + sums + 2 * 58 + 50 + w + field_ff + 15,
        // The sums, the three additions after the products, the decode and the saturation, and the
        // small tables (E3: 32 entries, one LUT per bit; E4: 128 entries, two).
        arith: sums + 3 * 58 + 50 + 2 * w + 44 + 2 * 42,
        // E2 and e^h, 50 bits each.
        rom256: 100,
        srl: field_srl,
        dsp,
        width: w,
    }
}

/// `recip` and `div`: the restoring divider. Of its 64 stages the W + F that see dividend bits do work
/// (synthesis removes the leading ones): a 33-bit remainder, the divisor, the quotient bits so far,
/// a 33-bit subtraction and the remainder's restoring mux each.
fn divider(fm: Format) -> Parts {
    let w = u64::from(fm.width());
    let stages = w + fm.frac_bits().max(0) as u64;
    Parts {
        ff: stages * (33 + w + 12) + 2 * w + 2,
        arith: stages * (33 + 33) + 3 * w,
        rom256: 0,
        srl: 0,
        dsp: 0,
        width: w,
    }
}

/// `sqrt`: one restoring stage per root bit over the radicand `x·2^F` (W − 1 + F bits; the pipeline's
/// leading stages see only zeros and synthesis removes them), then the round-up and the wrap.
fn sqrt(fm: Format) -> Parts {
    let w = u64::from(fm.width());
    let radicand = w - 1 + fm.frac_bits().max(0) as u64;
    let stages = radicand.div_ceil(2);
    let mut p = Parts {
        width: w,
        ..Parts::default()
    };
    for j in 0..stages {
        // Root j + 1 bits, remainder j + 2 bits, valid; the radicand's next two bits waited j stages.
        let (ff, srl) = delay(2, j);
        p.ff += (j + 1) + (j + 2) + 1 + ff;
        p.srl += srl;
        // A (j + 3)-bit subtraction and the restoring mux of the remainder.
        p.arith += (j + 3) + (j + 2);
    }
    // Round-up compare and increment, the wrap, the output register.
    p.arith += 3 * w;
    p.ff += w + 1;
    p
}

/// `linear`: IN·OUT MACs (|x|·|w| as two 16×16 products, sign, floor), an adder tree and an
/// accumulator per output lane, then per lane a GELU beside a bypass, mode 2's 32×32 product and the
/// final add; the flags, the gate and `dst` ride in shift registers beside the beat.
fn linear(numerics: &Numerics, arch: &ArchConfig) -> Parts {
    let fm = numerics.fm;
    let w = u64::from(fm.width());
    let wt = u64::from(numerics.wt_linear.width());
    let (tin, tout) = (arch.linear_tile_in as u64, arch.linear_tile_out as u64);
    let macs = tin * tout;
    let lane_gelu = gelu(fm);
    let (dst_ff, dst_srl) = delay(w, 14);
    let (bypass_ff, bypass_srl) = delay(w, 6);
    let (ctl_ff, ctl_srl) = delay(w + 4, 11);
    // Per MAC: |w| and its sign, two partial products, the floored signed product.
    let mac_ff = (wt + 1) + 2 * 32 + 32;
    let mac_arith = wt + 48 + 64;
    // Per lane: the tree's sum, the accumulator, |v|, mode 2's product (as in MulU32), the output.
    let lane_ff = 32 + 32 + w + 4 * 32 + 64 + w + bypass_ff + dst_ff + lane_gelu.ff;
    let lane_arith = (tin - 1) * 32 + 32 + w + 64 + 2 * w + lane_gelu.arith;
    Parts {
        ff: tin * (w + 1) + macs * mac_ff + tout * lane_ff + ctl_ff + 16,
        arith: tin * w + macs * mac_arith + tout * lane_arith,
        rom256: tout * lane_gelu.rom256,
        srl: tout * (bypass_srl + dst_srl + lane_gelu.srl) + ctl_srl,
        dsp: 2 * macs + tout * (MUL_U32_DSP + lane_gelu.dsp),
        width: 32 * tout,
    }
}

/// `softmax`: an exp and recip's divider, a [`MulFm`](crate::rtl::mul::MulFm) for ⌊s·e⌋, the state
/// of [`SLOTS`](crate::rtl::softmax::SLOTS) rows (s and m) in registers behind a read mux, the fields
/// riding beside exp and the product, and m and the slot riding beside the divider.
fn softmax(fm: Format) -> Parts {
    let w = u64::from(fm.width());
    let slots = crate::rtl::softmax::SLOTS as u64;
    let head = u64::from(crate::rtl::softmax::RECURRENCE) - 1;
    // valid, s, m, new max, last, slot beside exp and the product; m and the slot beside recip.
    let (head_ff, head_srl) = delay(1 + 2 * 32 + 1 + 1 + 5, head);
    let (tail_ff, tail_srl) = delay(32 + 5, u64::from(crate::rtl::recip::LATENCY));
    let own = Parts {
        // The state, e at two levels, the product's partial products and sum.
        ff: 2 * 32 * slots + head_ff + 2 * 32 + tail_ff + 4 * 32 + 64,
        // The 64-bit read mux (a 32:1 mux is about ten LUTs a bit), the compare, exp's argument, the
        // two updates, the wraps, the product's sum and sign correction.
        arith: 64 * 10 + 33 + 32 + 2 * 32 + 2 * w + 64 + 2 * 32,
        rom256: 0,
        srl: head_srl + tail_srl,
        dsp: MUL_U32_DSP,
        width: 96,
    };
    own.plus(exp(fm)).plus(divider(fm))
}

/// `qk_scores`: P lanes, each with BEAT q_blocks RAMs (32 × 32 bits, LUTRAM), BEAT fm_t products
/// ([`MulFm`](crate::rtl::mul::MulFm): four 16×16 partial products and the sign correction), the
/// carry-save sum, the scale product and four head accumulators; the K and Q beats' input registers
/// and the loop counters are shared.
fn qk_scores(arch: &ArchConfig) -> Parts {
    let (p, beat) = (arch.attn_lanes as u64, arch.beat as u64);
    // A MulFm: partial products, their sum and correction.
    let (mul_ff, mul_arith) = (4 * 32 + 32, 64 + 2 * 32);
    let lane_ff = (beat + 1) * mul_ff + 3 * 32 + 4 * 32;
    // The 3:2 chain (two LUTs a bit per level), the carry-propagate add and wrap, the accumulators'
    // add, wrap and head mux.
    let lane_arith = (beat + 1) * mul_arith + 2 * 32 * beat + 2 * 32 + 3 * 32;
    Parts {
        ff: p * lane_ff + 2 * beat * 32 + 7 * 8 + 32,
        arith: p * lane_arith,
        rom256: 0,
        // A 32 × 32-bit RAM (synchronous read, one write port): Yosys 0.23 spends 44 LUTRAM on each.
        srl: p * beat * 70,
        // The scale product is by a constant: at Edge-MoE's 0.125 (a power of two) Yosys turns it into
        // wiring, so only the BEAT products of each lane take DSPs. Another scale would add 4 a lane.
        dsp: 4 * p * beat,
        width: 128 * p,
    }
}

/// `attn_av`: per lane an exp (fed one head a cycle), the probability product ⌊e·recip_sum⌋, BEAT
/// products ⌊V·p⌋, the head slots and p registers, and BEAT accumulator RAMs (32 × 32 bits, LUTRAM);
/// the V beat's delay line beside exp is shared by the lanes.
fn attn_av(fm: Format, arch: &ArchConfig) -> Parts {
    let w = u64::from(fm.width());
    let (p, beat) = (arch.attn_lanes as u64, arch.beat as u64);
    let (mul_ff, mul_arith) = (4 * 32 + 32, 64 + 2 * 32);
    let (tag_ff, tag_srl) = delay(32 + 4, u64::from(crate::rtl::exp::LATENCY));
    let lane = Parts {
        // The products, four head slots (s − m, recip_sum), four p registers, the output slice.
        ff: (beat + 1) * mul_ff + 4 * 64 + 4 * 32 + beat * 32 + tag_ff,
        // s − m per head, the accumulators' adds and wraps, p's wrap, the output mux.
        arith: (beat + 1) * mul_arith + 32 + beat * (32 + w) + w + beat * 32,
        rom256: 0,
        // A 32 × 32-bit accumulator RAM: Yosys 0.23 spends three RAM32M16 (24 LUTs) on each.
        srl: tag_srl + beat * 39,
        dsp: 4 * (beat + 1),
        width: 32 * beat,
    }
    .plus(exp(fm));
    let (v_ff, v_srl) = delay(32 * beat, 18);
    Parts {
        ff: p * lane.ff + v_ff + 32 * beat,
        arith: p * lane.arith,
        rom256: p * lane.rom256,
        srl: p * lane.srl + v_srl,
        dsp: p * lane.dsp,
        width: 32 * beat,
    }
}

/// `gating`: E·BEAT MACs (linear's: |x|·|w| as two 16×16 products, sign, floor) with an adder tree
/// and accumulator per expert, the scan (running max, exp's argument, top-2 insertion), one exp, two
/// sum engines (a bank of E exps and a [`MulFm`](crate::rtl::mul::MulFm) each) and recip's divider.
fn gating(numerics: &Numerics, arch: &ArchConfig) -> Parts {
    let w = u64::from(numerics.fm.width());
    let wt = u64::from(numerics.wt_linear.width());
    let (beat, e) = (arch.beat as u64, crate::rtl::gating::EXPERTS as u64);
    let macs = e * beat;
    let mac_ff = (wt + 1) + 2 * 32 + 32;
    let mac_arith = wt + 48 + 64;
    let (mul_ff, mul_arith) = (4 * 32 + 32, 64 + 2 * 32);
    let own = Parts {
        // MACs, per expert its tree sum, accumulator and captured logit; the scan's registers; two
        // engines' banks and products; the outputs.
        ff: macs * mac_ff + e * 3 * 32 + 8 * 32 + 2 * (e * 32 + mul_ff + 2 * 32) + 4 * 32,
        arith: macs * mac_arith
            + e * (beat * 32 + w)
            + 4 * 33
            + 2 * (mul_arith + 3 * 32)
            + 2 * e * 32,
        rom256: 0,
        srl: 0,
        dsp: 2 * macs + 2 * MUL_U32_DSP,
        width: 128,
    };
    own.plus(exp(numerics.fm)).plus(divider(numerics.fm))
}

/// `layernorm`: BEAT lanes of two [`MulFm`](crate::rtl::mul::MulFm)s with their operand and result
/// registers, the two sums' adder chains, ⌊mean²⌋, and the [`sqrt`] and [`divider`] between the passes.
fn layernorm(fm: Format, arch: &ArchConfig) -> Parts {
    let w = u64::from(fm.width());
    let beat = arch.beat as u64;
    let (mul_ff, mul_arith) = (4 * 32 + 32, 64 + 2 * 32);
    // Per lane: x − sub, the aligned γ and β, the products' operands and results, y.
    let lane_ff = 2 * mul_ff + 6 * 32;
    let lane_arith = 2 * mul_arith + 32 + 2 * w + 32 + 32;
    let own = Parts {
        ff: beat * lane_ff + 2 * 32 + mul_ff + 4 * 32 + 32,
        // Both sums' chains, var, the wraps.
        arith: beat * lane_arith + 2 * beat * 32 + mul_arith + 3 * 32,
        rom256: 0,
        srl: 0,
        dsp: 4 * (2 * beat + 1),
        width: 32 * beat,
    };
    own.plus(sqrt(fm)).plus(divider(fm))
}

/// `gelu`: decode, three 176-row ROMs, a t·|ΔT| product, the interpolation and the subtraction.
fn gelu(fm: Format) -> Parts {
    let w = u64::from(fm.width());
    let f = fm.frac_bits().max(0) as u64;
    let table = gelu_table(f as u32);
    let lo_bits = bits(table.iter().map(|&t| t.unsigned_abs()).max().unwrap_or(0));
    let step_bits = bits(
        table
            .windows(2)
            .map(|k| (k[1] - k[0]).unsigned_abs())
            .max()
            .unwrap_or(0),
    );
    // t·|ΔT|: F + step bits wide.
    let product = f + step_bits;
    // relu waits five stages for δ, T[i] and the step's sign three.
    let (relu_ff, relu_srl) = delay(w, 5);
    let (lo_ff, lo_srl) = delay(lo_bits + 1, 3);
    let ff = 6 // valid bits
        + relu_ff
        + 8 // ROM index
        + 2 * f // t
        + step_bits
        + lo_ff
        + 2 * product // partial products and their sum
        + f // δ
        + w; // y
    let arith = 3 * w // wrap, |x|, cutoff compare
        + 2 * product // partial-product sum, interpolation
        + w; // relu − δ
    Parts {
        ff,
        arith,
        rom256: lo_bits + step_bits + 1,
        srl: relu_srl + lo_srl,
        // The RTL's MulU32 forms all four 16×16 products of its 32-bit container operands; Yosys
        // drops one of them at F ≤ 16 (fm<24,8>: 3 DSPs), the model does not.
        dsp: MUL_U32_DSP,
        width: w,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_recovers_a_known_scale() {
        let m = |lut, ff, lutram| Estimate {
            lut,
            ff,
            lutram,
            ..Estimate::default()
        };
        let pairs = [
            (m(100, 200, 0), m(150, 100, 0)),
            (m(300, 50, 0), m(450, 25, 0)),
        ];
        let c = Calibration::fit(&pairs);
        assert!((c.lut - 1.5).abs() < 1e-12 && (c.ff - 0.5).abs() < 1e-12);
        assert_eq!(c.srl, 1.0);
    }

    #[test]
    fn bits_count_magnitudes() {
        assert_eq!(bits(255), 8);
    }

    #[test]
    fn deep_delays_become_shift_registers() {
        assert_eq!(delay(32, 2), (64, 0));
        assert_eq!(delay(32, 5), (32, 32));
        assert_eq!(delay(33, 40), (33, 99));
        assert_eq!(delay(8, 0), (0, 0));
    }

    #[test]
    fn padding_the_gelu_adds_shift_registers_not_logic() {
        let numerics = Numerics::default();
        let mut arch = ArchConfig::default();
        let base = estimate(RtlUnit::Gelu, &numerics, &arch);
        arch.depth.gelu += 10;
        let padded = estimate(RtlUnit::Gelu, &numerics, &arch);
        assert_eq!((padded.lut, padded.dsp), (base.lut, base.dsp));
        assert!(padded.lutram > base.lutram && padded.ff > base.ff);
    }
}
