//! A unit invocation as its region builder sees it: exactly the arguments `units::*` take, so a
//! call and the design point are all a region is made of. [`memo`](crate::memo) keys its segments
//! by calls for that reason, and [`Call::canonical`] and [`Call::arch`] say what of a call and of
//! `[arch]` can be forgotten without changing the region.
//!
//! ```text
//!   schedule::Op ──Call::of──► Call ──canonical──► the same call on layer 0, expert 0, spread tokens
//!                               └──region(cx)──► Region (units::*)
//! ```

use golden::model::config::ModelConfig;
use hw::arch::ArchConfig;

use crate::engine::Region;
use crate::memory::layout::Buf;
use crate::schedule::{Op, OpKind};
use crate::units::linear::{LinearCall, Rows, WeightRef};
use crate::units::{self, UnitCx};

/// What a region builder is given.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Call {
    /// `patch_embed::patch_embed`.
    PatchEmbed,
    /// `layernorm::load_norms` of `layer`.
    LoadNorms {
        /// Whose γ and β.
        layer: usize,
    },
    /// `layernorm::layernorm`.
    LayerNorm {
        /// Input.
        src: Buf,
        /// Output.
        dst: Buf,
    },
    /// `linear::load`.
    LoadLinear {
        /// Where the weights are.
        at: WeightRef,
        /// Output features.
        out_dim: usize,
        /// Input features.
        in_dim: usize,
    },
    /// `linear::compute`.
    Linear(LinearCall),
    /// `qk_scores::qk_scores` into `attn` and its softmax info.
    QkScores {
        /// Q.
        q: Buf,
        /// K.
        k: Buf,
    },
    /// `attn_av::attn_av` from `attn` and its softmax info.
    AttnAv {
        /// V.
        v: Buf,
        /// Output.
        dst: Buf,
    },
    /// `add::add`.
    Add {
        /// Accumulated.
        x: Buf,
        /// Added.
        y: Buf,
    },
    /// `gating::load_gate` of MoE layer `moe`.
    LoadGate {
        /// Index among the MoE layers.
        moe: usize,
    },
    /// `gating::gating`.
    Gating {
        /// LN2's output.
        src: Buf,
    },
    /// `memset::memset`.
    Memset {
        /// Cleared.
        dst: Buf,
    },
}

impl Call {
    /// The call `op` makes; what only the values need (taps, which parameters, ping or pong) is
    /// left out.
    pub fn of(op: &Op) -> Call {
        match &op.kind {
            OpKind::PatchEmbed => Call::PatchEmbed,
            OpKind::LoadNorms => Call::LoadNorms {
                layer: op.layer.unwrap_or(0),
            },
            OpKind::LayerNorm { src, dst, .. } => Call::LayerNorm {
                src: *src,
                dst: *dst,
            },
            OpKind::LoadLinear {
                at,
                out_dim,
                in_dim,
                ..
            } => Call::LoadLinear {
                at: *at,
                out_dim: *out_dim,
                in_dim: *in_dim,
            },
            OpKind::Linear { call, .. } => Call::Linear(call.clone()),
            OpKind::QkScores { q, k } => Call::QkScores { q: *q, k: *k },
            OpKind::AttnAv { v, dst } => Call::AttnAv { v: *v, dst: *dst },
            OpKind::Add { x, y } => Call::Add { x: *x, y: *y },
            OpKind::LoadGate { moe } => Call::LoadGate { moe: *moe },
            OpKind::Gating { src } => Call::Gating { src: *src },
            OpKind::Memset { dst } => Call::Memset { dst: *dst },
        }
    }

    /// Its region.
    pub fn region(&self, cx: &UnitCx, m: &ModelConfig) -> Region {
        match self {
            Call::PatchEmbed => units::patch_embed::patch_embed(cx, m),
            Call::LoadNorms { layer } => units::layernorm::load_norms(cx, *layer),
            Call::LayerNorm { src, dst } => units::layernorm::layernorm(cx, *src, *dst),
            Call::LoadLinear {
                at,
                out_dim,
                in_dim,
            } => units::linear::load(cx, *at, *out_dim, *in_dim),
            Call::Linear(call) => units::linear::compute(cx, call),
            Call::QkScores { q, k } => {
                units::qk_scores::qk_scores(cx, *q, *k, Buf::Attn, Buf::AttnSoftmaxInfo)
            }
            Call::AttnAv { v, dst } => {
                units::attn_av::attn_av(cx, *v, Buf::Attn, Buf::AttnSoftmaxInfo, *dst)
            }
            Call::Add { x, y } => units::add::add(cx, *x, *y),
            Call::LoadGate { moe } => units::gating::load_gate(cx, *moe, m.experts),
            Call::Gating { src } => units::gating::gating(cx, *src, m.experts, m.top_k),
            Call::Memset { dst } => units::memset::memset(cx, *dst),
        }
    }

    /// The same call made on the first layer's parameters and, for an expert's queue, on a canonical
    /// token set of the same length, so that the twelve layers' calls (and experts with equally long
    /// queues) coincide. Only DRAM addresses move: the weights of layer 0 instead of layer l sit in
    /// the same buffer, the same bytes long.
    ///
    /// A queue is the tokens whose top-k picked the expert, ascending; which ones depends on the
    /// image, not on the design point. What the gather costs is the stride between consecutive
    /// 768-byte rows, so the canonical queue spreads its `len` tokens evenly over the `tokens` rows
    /// (token `⌊i·tokens/len⌋`): the mean stride of a real queue of that length, and `0..tokens`
    /// when every token is in it.
    pub fn canonical(&self, tokens: usize) -> Call {
        match self {
            Call::LoadNorms { .. } => Call::LoadNorms { layer: 0 },
            Call::LoadLinear {
                at,
                out_dim,
                in_dim,
            } => Call::LoadLinear {
                at: WeightRef {
                    offset: 0,
                    bias_offset: 0,
                    ..*at
                },
                out_dim: *out_dim,
                in_dim: *in_dim,
            },
            Call::Linear(call) => match &call.rows {
                Rows::Gather(queue) => {
                    let len = queue.len();
                    Call::Linear(LinearCall {
                        rows: Rows::Gather((0..len).map(|i| i * tokens / len).collect()),
                        ..call.clone()
                    })
                }
                Rows::All(_) => self.clone(),
            },
            Call::LoadGate { .. } => Call::LoadGate { moe: 0 },
            _ => self.clone(),
        }
    }

    /// `[arch]` as this call's builder can see it: the fields it reads (through `UnitCx`, its
    /// geometry and the DDR layout included) taken from `a`, Edge-MoE's defaults everywhere else.
    /// Design points that agree on these build the same region on the same addresses, so the memo
    /// keys a segment by this rather than the whole `[arch]`: a sweep of `attn_lanes` reuses every
    /// linear segment. `memo`'s tests change each other field and check that the cycles stay.
    ///
    /// The lanes size the `attn` buffer and so move every buffer laid out after it; a call that does
    /// not read the lanes runs on the layout of Edge-MoE's 4 lanes.
    pub fn arch(&self, a: &ArchConfig) -> ArchConfig {
        // Every call: the beat sizes rows and the layout, the clock paces the channel, and every
        // stream between two processes is `fifo.stream` deep.
        let mut p = ArchConfig {
            beat: a.beat,
            clock_mhz: a.clock_mhz,
            ..ArchConfig::default()
        };
        p.fifo.stream = a.fifo.stream;
        if !matches!(self, Call::Memset { .. }) {
            // Each has a read master (memset only writes).
            p.fifo.axi_read_buffer = a.fifo.axi_read_buffer;
        }
        let (d, ii) = (&a.depth, &a.ii);
        match self {
            Call::PatchEmbed => {
                p.ii.patch_embed = ii.patch_embed;
                p.depth.patch_embed = d.patch_embed;
                p.depth.patch_embed_output = d.patch_embed_output;
            }
            Call::LoadNorms { .. } | Call::Memset { .. } => p.depth.simple = d.simple,
            Call::LayerNorm { .. } => {
                p.layernorm_tokens = a.layernorm_tokens;
                p.depth.layernorm_accumulate = d.layernorm_accumulate;
                p.depth.layernorm_output = d.layernorm_output;
            }
            Call::LoadLinear { .. } => p.depth.load_linear_weights = d.load_linear_weights,
            Call::Linear(call) => {
                p.linear_tile_in = a.linear_tile_in;
                p.linear_tile_out = a.linear_tile_out;
                p.fifo.linear_in = a.fifo.linear_in;
                p.depth.linear = d.linear;
                if call.gelu {
                    p.depth.gelu = d.gelu;
                }
                if call.use_score {
                    p.depth.simple = d.simple;
                }
                if matches!(call.rows, Rows::Gather(_)) {
                    p.fifo.index_stream = a.fifo.index_stream;
                }
            }
            Call::QkScores { .. } => {
                p.attn_lanes = a.attn_lanes;
                p.depth.qk_scores = d.qk_scores;
                p.ii.finalize_attn = ii.finalize_attn;
                p.depth.finalize_attn = d.finalize_attn;
                p.depth.simple = d.simple;
            }
            Call::AttnAv { .. } => {
                p.attn_lanes = a.attn_lanes;
                p.depth.attn_av = d.attn_av;
                p.depth.simple = d.simple;
            }
            Call::Add { .. } => p.depth.add = d.add,
            Call::LoadGate { .. } => p.depth.load_w_gate = d.load_w_gate,
            Call::Gating { .. } => {
                p.ii.gate_softmax = ii.gate_softmax;
                p.ii.write_gate_results = ii.write_gate_results;
                p.depth.gate_logits = d.gate_logits;
                p.depth.gate_softmax = d.gate_softmax;
                p.depth.top_k = d.top_k;
                p.depth.exp = d.exp;
                p.depth.gate_div = d.gate_div;
                p.depth.write_gate_results = d.write_gate_results;
            }
        }
        p
    }
}
