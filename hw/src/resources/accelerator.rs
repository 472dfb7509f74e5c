//! The whole accelerator's resources: every unit Edge-MoE instantiates (§3, §4, §8, §9, §10), its
//! on-chip memories and its streams, each priced once, so a design point can be checked against its
//! board before anything is synthesised.
//!
//! ```text
//!   model, numerics, arch, axi ──► accelerator() ──► parts: datapaths ─ RTL units' estimate() × count
//!                                                          │            patch embedding, add, movers,
//!                                                          │            AXI adapters, control (structural)
//!                                                          ├─ buffers ── storage::place(Ram)
//!                                                          └─ FIFOs ──── storage::place(Fifo)
//!                                                   total = Σ parts
//! ```
//!
//! What each RTL unit's [`estimate`] already holds, so that nothing is counted twice:
//! - `linear` holds its `OUT` GELUs (each with its 177-row table as LUT ROM) and the gate product of
//!   the scaled accumulate (`use_score`), so neither the GELU ROMs nor the indirect writer's
//!   multiply appear again; its weight, bias and input memories are outside it (its beat carries them).
//! - `softmax` (Edge-MoE's `finalize_attn`) holds its exp and recip's divider; `attn_av` one exp per
//!   lane and its acc_blocks (LUT RAM); `qk_scores` its q_blocks (LUT RAM); `gating` its exp, its
//!   divider and both sum engines; `layernorm` its sqrt and divider. The exp, recip, sqrt, div and gelu
//!   units are never listed on their own.
//! - `gating` takes w_gate in its beat and `layernorm` takes γ, β and the re-read token in its beats,
//!   so those memories are parts here.
//!
//! Instances: one of each unit, as Edge-MoE's `allocation … limit=1` makes the linear unit and its
//! sequential top-level schedule allows for the rest (LayerNorm 1 and 2 and the two residual adds
//! never run at once), except the online softmax: one RTL softmax takes a score a cycle over at most
//! [`SLOTS`] interleaved rows, and QKᵀ produces P·H scores every D/BEAT cycles, so it takes
//! ⌈P·H / min(SLOTS, D/BEAT)⌉ of them (1 at P ≤ 8, 2 at P = 16). Edge-MoE's HLS has no allocation
//! pragma for `compute_norm` or `compute_add`, so its build may hold one of each per call site (two
//! LayerNorms, two adds); that is not modelled.
//!
//! The datapaths without RTL (patch embedding, residual add, the processes moving beats between the
//! AXI masters and the units, the masters' adapters and the control registers) are counted from
//! their structure like the RTL units in [`super`] (register bits, arithmetic bits, 16×16 partial
//! products) and scaled by the same [`CALIBRATION`]: they are Yosys-style figures at a structure
//! guessed from the HLS source, rougher than the RTL units'. Memories are placed by [`storage`],
//! uncalibrated. Not counted: the SmartConnects and PS ports of the block design (outside the kernel).

use golden::model::config::{ModelConfig, Numerics};

use super::storage::{self, Access};
use super::{estimate, Estimate, Parts, CALIBRATION};
use crate::arch::ArchConfig;
use crate::memory::{AxiConfig, PORT_NAMES};
use crate::rtl::softmax::SLOTS;
use crate::rtl::RtlUnit;

/// What a part is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartKind {
    /// Logic: a unit's datapath or the control around it.
    Datapath,
    /// Addressed on-chip storage.
    Buffer,
    /// Streams between processes and the AXI masters' data buffers.
    Fifo,
}

/// One line of the accelerator's bill of resources.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// The part's name (the RTL unit's or the HLS array's where there is one).
    pub name: &'static str,
    /// What it is.
    pub kind: PartKind,
    /// Its resources, all copies together.
    pub estimate: Estimate,
    /// Bits of storage it holds (0 for a datapath).
    pub bits: u64,
    /// How it was sized: copies, shape and primitive.
    pub why: String,
}

/// The accelerator's parts and their sum.
#[derive(Clone, Debug, PartialEq)]
pub struct AcceleratorEstimate {
    /// Every part, datapaths first.
    pub parts: Vec<Part>,
    /// Their sum.
    pub total: Estimate,
}

impl AcceleratorEstimate {
    /// The part called `name`.
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// Bits of on-chip storage in buffers and FIFOs (not the units' internal RAMs and ROMs).
    pub fn storage_bits(&self) -> u64 {
        self.parts.iter().map(|p| p.bits).sum()
    }
}

impl std::fmt::Display for AcceleratorEstimate {
    /// One row per part and the total: LUT, LUTRAM, FF, DSP, RAMB18, stored bits, then how it was sized.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<22} {:>8} {:>7} {:>8} {:>5} {:>6} {:>9}  why",
            "part", "lut", "lutram", "ff", "dsp", "bram18", "bits"
        )?;
        let row =
            |f: &mut std::fmt::Formatter<'_>, name: &str, e: &Estimate, bits: u64, why: &str| {
                writeln!(
                    f,
                    "{name:<22} {:>8} {:>7} {:>8} {:>5} {:>6} {bits:>9}  {why}",
                    e.lut, e.lutram, e.ff, e.dsp, e.bram18
                )
            };
        for p in &self.parts {
            row(f, p.name, &p.estimate, p.bits, &p.why)?;
        }
        row(f, "total", &self.total, self.storage_bits(), "")
    }
}

/// The processes that move beats between the AXI masters and the units or on-chip memories, by
/// their HLS names (§4.1, §4.4, §7.1, §8, §9, §10): each holds an address, two loop counters and a
/// beat register.
const MOVERS: [&str; 23] = [
    "read_x",
    "read_kv (QK)",
    "write_attn",
    "write_attn_softmax_info",
    "read_kv (AV)",
    "read_attn",
    "read_attn_softmax_info",
    "prepare_attn",
    "write_attn_matmul_v",
    "read_in_stream",
    "write_out_stream",
    "load_linear_weights",
    "load_linear_bias",
    "load_norms",
    "layernorm read",
    "layernorm write",
    "compute_add",
    "read_gate_inp",
    "load_w_gate",
    "zero_output",
    "patch_embed_accumulate_read",
    "patch_embed_output",
    "patch embedding weight load",
];

/// The AXI masters that write (all but `weights`, §11).
const WRITE_MASTERS: u64 = 4;

/// 64-bit pointer registers of `s_axi_control` (§11's register map, `images` to `norm_bias`).
const POINTER_ARGS: u64 = 25;

/// The resources of the whole accelerator at this design point. Expects a validated point (tiles
/// dividing the model's dimensions, at least one lane).
pub fn accelerator(
    model: &ModelConfig,
    numerics: &Numerics,
    arch: &ArchConfig,
    axi: &AxiConfig,
) -> AcceleratorEstimate {
    let mut parts = datapaths(model, numerics, arch, axi);
    parts.extend(buffers(model, numerics, arch, axi));
    parts.extend(fifos(model, numerics, arch, axi));
    let total = parts.iter().map(|p| p.estimate).sum();
    AcceleratorEstimate { parts, total }
}

/// Heads as the hardware packs them (`heads_t`: 4 slots for 3 heads).
fn head_slots(model: &ModelConfig) -> u64 {
    (model.heads as u64).next_power_of_two()
}

/// Online-softmax units for P lanes of H heads (see the module doc).
pub fn softmax_units(model: &ModelConfig, arch: &ArchConfig) -> u64 {
    let rows = (arch.attn_lanes * model.heads) as u64;
    let key_cycles = (model.embed_dim / arch.beat.max(1)) as u64;
    rows.div_ceil(key_cycles.min(SLOTS as u64).max(1))
}

fn unit(unit: RtlUnit, count: u64, numerics: &Numerics, arch: &ArchConfig, why: String) -> Part {
    Part {
        name: unit.name(),
        kind: PartKind::Datapath,
        estimate: estimate(unit, numerics, arch).times(count),
        bits: 0,
        why,
    }
}

fn structural(name: &'static str, parts: Parts, why: String) -> Part {
    Part {
        name,
        kind: PartKind::Datapath,
        estimate: parts.calibrated(&CALIBRATION),
        bits: 0,
        why,
    }
}

fn datapaths(
    model: &ModelConfig,
    numerics: &Numerics,
    arch: &ArchConfig,
    axi: &AxiConfig,
) -> Vec<Part> {
    let (p, beat) = (arch.attn_lanes, arch.beat);
    let (tin, tout) = (arch.linear_tile_in, arch.linear_tile_out);
    let q_rows = model.embed_dim / beat.max(1);
    let sm = softmax_units(model, arch);
    let data = u64::from(axi.data_bits);
    vec![
        unit(
            RtlUnit::Linear,
            1,
            numerics,
            arch,
            format!(
                "{tin} x {tout} tile: {} MACs, {tout} GELU lanes (tables as LUT ROM), the gate product",
                tin * tout
            ),
        ),
        unit(
            RtlUnit::QkScores,
            1,
            numerics,
            arch,
            format!(
                "{p} lanes x {beat} MACs; q_blocks ({p} x {q_rows} x {} bit) in its LUT RAM",
                beat * 32
            ),
        ),
        unit(
            RtlUnit::Softmax,
            sm,
            numerics,
            arch,
            format!(
                "finalize_attn: {} rows (P x H) a key of {} cycles, {} rows a unit at most: {sm} unit(s), each an exp and a divider",
                p * model.heads,
                model.embed_dim / beat.max(1),
                SLOTS.min(model.embed_dim / beat.max(1))
            ),
        ),
        unit(
            RtlUnit::AttnAv,
            1,
            numerics,
            arch,
            format!(
                "{p} lanes x {beat} MACs, an exp a lane; acc_blocks ({p} x {q_rows} x {} bit) in its LUT RAM",
                beat * 32
            ),
        ),
        unit(
            RtlUnit::Layernorm,
            1,
            numerics,
            arch,
            format!("{beat} lanes, its sqrt and divider; LN1 and LN2 share it"),
        ),
        unit(
            RtlUnit::Gating,
            1,
            numerics,
            arch,
            format!(
                "{} x {beat} MACs, an exp, two sum engines, a divider",
                crate::rtl::gating::EXPERTS
            ),
        ),
        patch_embed(model, numerics, arch, axi),
        structural(
            "add",
            add(numerics, arch),
            format!("compute_add: {beat} fm_t adders a beat; both residual adds share it"),
        ),
        structural(
            "expert_bookkeeping",
            expert_bookkeeping(model),
            format!(
                "write_gate_results: {} queue lengths and the metaqueue in registers, top-{} insertion",
                model.experts, model.top_k
            ),
        ),
        structural(
            "movers",
            movers(data),
            format!(
                "{} reader/writer/loader processes: a 64-bit address, two counters and a {data}-bit beat each",
                MOVERS.len()
            ),
        ),
        structural(
            "axi_adapters",
            axi_adapters(data),
            format!(
                "{} m_axi adapters ({data} bit, {WRITE_MASTERS} of them writing): request and data registers",
                PORT_NAMES.len()
            ),
        ),
        structural(
            "control",
            control(),
            format!("s_axi_control: {POINTER_ARGS} pointers, 3 scalars, the status registers and read mux"),
        ),
    ]
}

/// The patch-embedding unit (§10), from its structure: no RTL exists for it. Per cycle one image beat
/// of `data_bits / pixel` pixels (2 patches of 16 at Edge-MoE's 256-bit beat) meets the weights of
/// `beat` output dims for every pixel column of a patch: pixels × beat MACs (256), each an 8-bit
/// pixel times a 16-bit weight. Unlike the fm_t × weight MACs of the other units this product needs
/// no magnitude trick: the unsigned pixel fits a signed 16-bit operand, so it is one signed 16×16
/// partial product (one DSP), and its floor to fm_t's F is a bit slice. Each of the patches × beat
/// sums adds its `patch` products in a tree and accumulates into its fm_t partial sum (initialised
/// with the bias); the output process adds pos_embed a beat at a time. The partial sums and the
/// weights are memories, priced as buffers.
fn patch_embed(
    model: &ModelConfig,
    numerics: &Numerics,
    arch: &ArchConfig,
    axi: &AxiConfig,
) -> Part {
    let pixel = u64::from(numerics.pixel.width());
    let wt = u64::from(numerics.wt_patch_embed.width());
    let w = u64::from(numerics.fm.width());
    let data = u64::from(axi.data_bits);
    let beat = arch.beat as u64;
    let patch = model.patch.max(1) as u64;
    let pixels = data / pixel.max(1);
    let patches = (pixels / patch).max(1);
    let lanes = patches * beat;
    let macs = pixels * beat;
    // Signed 16×16 partial products a MAC needs (the pixel takes a sign bit).
    let pp = (pixel + 1).div_ceil(16) * wt.div_ceil(16);
    // The registered product; wider operands also sum their partial products.
    let mac_ff = 32;
    let mac_arith = (pp - 1) * 32;
    // Per (patch, dim): the tree's sum, the accumulation (a bias mux in front) and its register.
    let lane_ff = 32 + 32;
    let lane_arith = (patch - 1) * 32 + 32 + w + 32;
    let parts = Parts {
        // The pixel beat, the MACs, the lanes, pos_embed's add a beat (operands and result).
        ff: data + macs * mac_ff + lanes * lane_ff + 3 * beat * 32,
        arith: macs * mac_arith + lanes * lane_arith + beat * (32 + w),
        rom256: 0,
        srl: 0,
        dsp: macs * pp,
        width: 0,
    };
    structural(
        "patch_embed",
        parts,
        format!(
            "{macs} MACs ({pixels} pixels of {pixel} bit x {beat} dims, {wt}-bit weights, {pp} DSP each), {lanes} fm_t sums of {patch}; structural, no RTL"
        ),
    )
}

/// `compute_add`: BEAT fm_t adds a beat, wrapped to W, between input and output registers.
fn add(numerics: &Numerics, arch: &ArchConfig) -> Parts {
    let w = u64::from(numerics.fm.width());
    let beat = arch.beat as u64;
    Parts {
        ff: 3 * beat * 32,
        arith: beat * (32 + w),
        ..Parts::default()
    }
}

/// `write_gate_results`' registers (queue lengths and metaqueue completely partitioned) and the
/// increment and select per expert for each of the top-k entries.
fn expert_bookkeeping(model: &ModelConfig) -> Parts {
    let (e, k) = (model.experts as u64, model.top_k as u64);
    Parts {
        ff: 2 * e * 32 + 32,
        arith: k * e * (32 + 8) + e * 32,
        ..Parts::default()
    }
}

fn movers(data: u64) -> Parts {
    let n = MOVERS.len() as u64;
    Parts {
        ff: n * (64 + 2 * 32 + data),
        arith: n * (64 + 2 * 32),
        ..Parts::default()
    }
}

/// Each m_axi adapter: per direction a 64-bit address and 8-bit length request register with its
/// burst split (an address add, a length compare) and a data register of the beat; writes add the
/// strobes and the outstanding-response counter.
fn axi_adapters(data: u64) -> Parts {
    let masters = PORT_NAMES.len() as u64;
    let channel_ff = 64 + 8 + data;
    let channel_arith = 64 + 8 + 2 * 8;
    Parts {
        ff: masters * channel_ff + WRITE_MASTERS * (channel_ff + data / 8 + 8),
        arith: masters * channel_arith + WRITE_MASTERS * (channel_arith + 8),
        ..Parts::default()
    }
}

/// `s_axi_control`: the argument registers, the CTRL/interrupt bits, and the read mux over the
/// 32-bit words (a 4:1 mux a LUT, so about words/4 LUTs a bit, counted as arithmetic bits).
fn control() -> Parts {
    let words = 2 * POINTER_ARGS + 3 + 4;
    Parts {
        ff: POINTER_ARGS * 64 + 3 * 32 + 8 + 32,
        arith: 32 * words.div_ceil(4) + 64,
        ..Parts::default()
    }
}

/// A memory part: `copies` of `depth × width` placed by [`storage::place`].
fn memory(
    name: &'static str,
    access: Access,
    copies: u64,
    depth: u64,
    width: u64,
    why: &str,
) -> Part {
    let placed = storage::place(access, depth, width);
    Part {
        name,
        kind: match access {
            Access::Ram => PartKind::Buffer,
            Access::Fifo => PartKind::Fifo,
        },
        estimate: placed.estimate.times(copies),
        bits: copies * depth * width,
        why: format!(
            "{copies} x {depth} x {width} bit, {} each: {why}",
            placed.primitive.describe()
        ),
    }
}

fn buffers(
    model: &ModelConfig,
    numerics: &Numerics,
    arch: &ArchConfig,
    axi: &AxiConfig,
) -> Vec<Part> {
    let fm = u64::from(numerics.fm.width());
    let wt = u64::from(numerics.wt_linear.width());
    let beat = arch.beat.max(1) as u64;
    let (tin, tout) = (
        arch.linear_tile_in.max(1) as u64,
        arch.linear_tile_out.max(1) as u64,
    );
    let d = model.embed_dim as u64;
    let beats = d.div_ceil(beat);
    let max_in = d
        .max(model.mlp_hidden as u64)
        .max(model.expert_hidden as u64);
    let tokens = model.tokens() as u64;
    let experts = model.experts as u64;
    let patch = model.patch as u64;
    let channels = model.image_channels as u64;
    let patches_wide = (model.image_width / model.patch.max(1)) as u64;
    // A patch-embedding beat spans this many patches (2 at Edge-MoE's 32 pixels a beat).
    let beat_patches =
        (u64::from(axi.data_bits) / u64::from(numerics.pixel.width()).max(1) / patch.max(1)).max(1);
    let pe = u64::from(numerics.wt_patch_embed.width());
    let bias = u64::from(numerics.wt_bias.width());
    let norm = u64::from(numerics.wt_norm.width());
    vec![
        memory(
            "linear_weights",
            Access::Ram,
            2,
            (arch.linear_weight_buffer as u64).div_ceil(tin * tout),
            tin * tout * wt,
            "ping and pong, one tile of weights a word (aggregated)",
        ),
        memory(
            "linear_bias",
            Access::Ram,
            2,
            (arch.linear_bias_buffer as u64).div_ceil(tout),
            tout * u64::from(numerics.wt_wbias.width()),
            "ping and pong, wt_wbias_t, one output block a word",
        ),
        memory(
            "linear_weight_cache",
            Access::Ram,
            tout,
            max_in.div_ceil(tin),
            tin * wt,
            "load_linear_weights' row cache, one memory per tile row (partitioned)",
        ),
        memory(
            "linear_in_cache",
            Access::Ram,
            1,
            max_in.div_ceil(tin),
            tin * fm,
            "compute_linear_on_stream's in_blocks: a token's input chunks, reused per output block",
        ),
        memory(
            "patch_embed_weights",
            Access::Ram,
            1,
            d * channels * patch * patch / (beat * patch).max(1),
            beat * patch * pe,
            "loaded once, reshaped BEAT dims x a patch row wide (§10)",
        ),
        memory(
            "patch_embed_bias",
            Access::Ram,
            1,
            beats,
            beat * bias,
            "reshaped BEAT wide",
        ),
        memory(
            "patch_sums",
            Access::Ram,
            2,
            patches_wide.div_ceil(beat_patches) * beats,
            beat_patches * beat * fm,
            "the row's partial sums, ping-pong between accumulate and output (dataflow)",
        ),
        memory(
            "layernorm_params",
            Access::Ram,
            4,
            beats,
            beat * norm.max(bias),
            "γ and β of LN1 and LN2, reshaped BEAT wide",
        ),
        memory(
            "layernorm_token",
            Access::Ram,
            2,
            beats,
            beat * fm,
            "the token the output pass re-reads, ping-pong between the passes",
        ),
        memory(
            "w_gate",
            Access::Ram,
            1,
            beats,
            experts * beat * wt,
            "the task's gate, reshaped to E x BEAT weights a word",
        ),
        memory(
            "expert_queues",
            Access::Ram,
            experts,
            tokens,
            32,
            "token indices (unsigned int), one memory per expert (partitioned)",
        ),
        memory(
            "expert_scores",
            Access::Ram,
            experts,
            tokens,
            fm,
            "gate values, one memory per expert (partitioned)",
        ),
    ]
}

fn fifos(
    model: &ModelConfig,
    numerics: &Numerics,
    arch: &ArchConfig,
    axi: &AxiConfig,
) -> Vec<Part> {
    let fm = u64::from(numerics.fm.width());
    let data = u64::from(axi.data_bits);
    let beat_bits = arch.beat as u64 * fm;
    let heads = head_slots(model) * fm;
    let lanes = arch.attn_lanes as u64 * heads;
    let stream = u64::from(arch.fifo.stream);
    let k = model.top_k as u64;
    // (name, depth, width) of every stream between dataflow processes (§4.1, §4.4, §8, §9, §10),
    // except the linear unit's input FIFO, listed on its own.
    let streams: [(&str, u64, u64); 15] = [
        ("q_stream", stream, beat_bits),
        ("k_stream", stream, beat_bits),
        ("qxk_stream", stream, lanes),
        ("attn_stream (QK)", stream, heads),
        ("attn_softmax_info_stream (QK)", stream, 2 * heads),
        ("v_stream", stream, beat_bits),
        ("attn_stream (AV)", stream, heads),
        ("qxk_out_stream", stream, lanes),
        ("attn_softmax_info_stream (AV)", stream, 2 * heads),
        ("attn_matmul_v_stream", stream, beat_bits),
        ("out_stream", stream, arch.linear_tile_out as u64 * fm),
        ("index_stream", u64::from(arch.fifo.index_stream), 32),
        ("gate_inp_stream", stream, beat_bits),
        ("topk_streams", stream, k * (32 + fm)),
        ("image_stream", stream, data),
    ];
    let (mut est, mut bits) = (Estimate::default(), 0);
    for &(_, depth, width) in &streams {
        est = est + storage::place(Access::Fifo, depth, width).estimate;
        bits += depth * width;
    }
    let read_depth = u64::from(arch.fifo.axi_read_buffer);
    let write_depth = u64::from(axi.max_outstanding_writes) * u64::from(axi.max_burst_beats);
    vec![
        memory(
            "linear_in_fifo",
            Access::Fifo,
            1,
            u64::from(arch.fifo.linear_in),
            arch.linear_tile_in as u64 * fm,
            "in_stream, TILE_IN fm_t an entry",
        ),
        Part {
            name: "streams",
            kind: PartKind::Fifo,
            estimate: est,
            bits,
            why: format!(
                "{} streams between processes ({bits} bit), SRLs where 2 deep and at most 1 Kbit",
                streams.len()
            ),
        },
        memory(
            "axi_read_buffers",
            Access::Fifo,
            PORT_NAMES.len() as u64,
            read_depth,
            data,
            "m_axi read data buffers (outstanding reads x burst beats)",
        ),
        memory(
            "axi_write_buffers",
            Access::Fifo,
            WRITE_MASTERS,
            write_depth,
            data,
            "m_axi write data buffers (outstanding writes x burst beats)",
        ),
    ]
}

/// The accelerator of the default model and formats with a `tin` × `tout` linear tile and `lanes`
/// attention lanes: the fixture the resource, board and power tests share.
#[cfg(test)]
pub(crate) fn point(tin: usize, tout: usize, lanes: usize) -> AcceleratorEstimate {
    let numerics = golden::model::config::NumericsConfig::default()
        .validate()
        .expect("default formats");
    let arch = ArchConfig {
        linear_tile_in: tin,
        linear_tile_out: tout,
        attn_lanes: lanes,
        ..ArchConfig::default()
    };
    assert!(arch.validate(&ModelConfig::default()).is_empty());
    accelerator(
        &ModelConfig::default(),
        &numerics,
        &arch,
        &AxiConfig::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_is_the_sum_of_the_parts_and_no_part_is_listed_twice() {
        let a = point(16, 16, 4);
        let sum: Estimate = a.parts.iter().map(|p| p.estimate).sum();
        assert_eq!(a.total, sum);
        let mut names: Vec<_> = a.parts.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), a.parts.len());
    }

    #[test]
    fn sub_units_are_inside_their_hosts_not_beside_them() {
        let a = point(16, 16, 4);
        for inner in [
            RtlUnit::Exp,
            RtlUnit::Recip,
            RtlUnit::Sqrt,
            RtlUnit::Div,
            RtlUnit::Gelu,
        ] {
            assert!(a.part(inner.name()).is_none(), "{} listed", inner.name());
        }
        // The datapaths' DSPs are exactly the hosts' own figures plus the patch embedding's.
        let numerics = Numerics::default();
        let arch = ArchConfig::default();
        let hosts: u64 = [
            RtlUnit::Linear,
            RtlUnit::QkScores,
            RtlUnit::Softmax,
            RtlUnit::AttnAv,
            RtlUnit::Layernorm,
            RtlUnit::Gating,
        ]
        .into_iter()
        .map(|u| estimate(u, &numerics, &arch).dsp)
        .sum();
        assert_eq!(a.total.dsp, hosts + 256);
    }

    #[test]
    fn the_linear_buffers_are_two_of_228_bram18() {
        let a = point(16, 16, 4);
        let w = a.part("linear_weights").expect("listed");
        assert_eq!(w.bits, 2 * 147_456 * 16);
        assert_eq!(w.estimate.bram18, 2 * 228);
        let pe = a.part("patch_embed_weights").expect("listed");
        assert_eq!((pe.bits, pe.estimate.bram18), (2_359_296, 171));
    }

    #[test]
    fn on_chip_storage_is_about_the_reference_7_5_mbit() {
        // §11: ≈ 7.5 Mbit of buffers from the HLS declarations, ≥ ~230 BRAM36 (§16 item 9). The
        // m_axi adapters' buffers are not declared in the source, so they are left out here.
        let a = point(16, 16, 4);
        let axi: u64 = ["axi_read_buffers", "axi_write_buffers"]
            .iter()
            .map(|n| a.part(n).expect("listed").bits)
            .sum();
        let mbit = (a.storage_bits() - axi) as f64 / 1e6;
        assert!((7.3..8.0).contains(&mbit), "{mbit} Mbit");
        assert!(a.total.bram36() >= 230.0, "{} BRAM36", a.total.bram36());
    }

    #[test]
    fn the_patch_embedding_is_256_macs_of_one_dsp() {
        let a = point(16, 16, 4);
        assert_eq!(a.part("patch_embed").expect("listed").estimate.dsp, 256);
    }

    #[test]
    fn dsps_grow_with_the_tile_by_two_a_mac_and_eight_an_output_lane() {
        // A MAC is two 16×16 products; an output lane a GELU's MulU32 and the gate's MulU32.
        let dsp = |tin, tout| point(tin, tout, 4).total.dsp;
        assert_eq!(dsp(16, 32) - dsp(16, 16), 2 * 16 * 16 + 8 * 16);
        assert_eq!(dsp(32, 32) - dsp(16, 32), 2 * 16 * 32);
        assert_eq!(dsp(16, 16) - dsp(8, 8), 2 * (256 - 64) + 8 * 8);
    }

    #[test]
    fn sixteen_lanes_need_a_second_softmax() {
        let model = ModelConfig::default();
        let units = |lanes| {
            softmax_units(
                &model,
                &ArchConfig {
                    attn_lanes: lanes,
                    ..ArchConfig::default()
                },
            )
        };
        assert_eq!((units(2), units(4), units(8), units(16)), (1, 1, 1, 2));
        let a = point(16, 16, 16);
        let one = estimate(
            RtlUnit::Softmax,
            &Numerics::default(),
            &ArchConfig::default(),
        );
        assert_eq!(a.part("softmax").expect("listed").estimate, one.times(2));
    }
}
