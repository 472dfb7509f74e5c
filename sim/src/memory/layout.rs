//! Where every kernel argument of `ViT_compute` lives in DDR, and through which master it is reached
//! (§3 for the arguments and their shapes, §11 for the bundles).
//!
//! Regions are laid out one after another, each aligned to 4 KiB as the host's buffers would be; the
//! simple channel ignores addresses, the DRAM models map them to banks and rows.

use golden::model::config::ModelConfig;

use super::PortId;

/// The masters, in bundle order (`hw::memory::PORT_NAMES`).
pub mod port {
    use super::PortId;
    /// `m_axi_inout1`: tmp1, attn, images.
    pub const INOUT1: PortId = PortId(0);
    /// `m_axi_inout2`: tmp2, x.
    pub const INOUT2: PortId = PortId(1);
    /// `m_axi_inout3`: tmp3.
    pub const INOUT3: PortId = PortId(2);
    /// `m_axi_inout4`: tmp4, tmp_hidden, attn_softmax_info.
    pub const INOUT4: PortId = PortId(3);
    /// `m_axi_weights`: every weight, bias, norm and pos_embed.
    pub const WEIGHTS: PortId = PortId(4);
}

/// A kernel argument held in DDR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Buf {
    Images,
    X,
    Tmp1,
    Tmp2,
    Tmp3,
    TmpHidden,
    Attn,
    AttnSoftmaxInfo,
    PosEmbed,
    AttnWeights,
    AttnBias,
    MoeWGate,
    MoeWeightsL1,
    MoeBiasL1,
    MoeWeightsL2,
    MoeBiasL2,
    VitWeightsL1,
    VitBiasL1,
    VitWeightsL2,
    VitBiasL2,
    NormWeights,
    NormBias,
}

impl Buf {
    /// The C argument's name.
    pub fn name(self) -> &'static str {
        match self {
            Buf::Images => "images",
            Buf::X => "x",
            Buf::Tmp1 => "tmp1",
            Buf::Tmp2 => "tmp2",
            Buf::Tmp3 => "tmp3",
            Buf::TmpHidden => "tmp_hidden",
            Buf::Attn => "attn",
            Buf::AttnSoftmaxInfo => "attn_softmax_info",
            Buf::PosEmbed => "pos_embed",
            Buf::AttnWeights => "attn_weights",
            Buf::AttnBias => "attn_bias",
            Buf::MoeWGate => "moe_w_gate",
            Buf::MoeWeightsL1 => "moe_weights_l1",
            Buf::MoeBiasL1 => "moe_bias_l1",
            Buf::MoeWeightsL2 => "moe_weights_l2",
            Buf::MoeBiasL2 => "moe_bias_l2",
            Buf::VitWeightsL1 => "vit_weights_l1",
            Buf::VitBiasL1 => "vit_bias_l1",
            Buf::VitWeightsL2 => "vit_weights_l2",
            Buf::VitBiasL2 => "vit_bias_l2",
            Buf::NormWeights => "norm_weights",
            Buf::NormBias => "norm_bias",
        }
    }

    /// The bundle it is reached through (§11).
    pub fn port(self) -> PortId {
        match self {
            Buf::Images | Buf::Tmp1 | Buf::Attn => port::INOUT1,
            Buf::X | Buf::Tmp2 => port::INOUT2,
            Buf::Tmp3 => port::INOUT3,
            Buf::TmpHidden | Buf::AttnSoftmaxInfo => port::INOUT4,
            _ => port::WEIGHTS,
        }
    }
}

/// The sizes that fix the layout.
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    /// Tokens N.
    pub tokens: usize,
    /// Embedding D.
    pub dim: usize,
    /// Bytes per AXI beat (32).
    pub beat_bytes: u32,
    /// fm_t elements per beat (8).
    pub beat: usize,
    /// Query lanes P.
    pub lanes: usize,
    /// Bytes of one stored weight (2).
    pub weight_bytes: usize,
}

impl Geometry {
    /// Beats of one activation row.
    pub fn row_beats(&self, width: usize) -> u32 {
        width.div_ceil(self.beat) as u32
    }
    /// Query blocks ⌈(N + P − 1) / P⌉.
    pub fn blocks(&self) -> usize {
        (self.tokens + self.lanes - 1).div_ceil(self.lanes)
    }
    /// Bytes of one `heads_t` score entry: the heads padded to a 128-bit word per 4.
    pub fn heads_bytes(&self, heads: usize) -> u32 {
        16 * heads.div_ceil(4) as u32
    }
}

/// Base addresses.
#[derive(Clone, Debug)]
pub struct DdrMap {
    bases: Vec<(Buf, u64, u64)>,
}

impl DdrMap {
    /// Lays out every argument for `model`.
    pub fn new(model: &ModelConfig, g: &Geometry) -> Self {
        let (n, d) = (model.tokens(), model.embed_dim);
        let b = g.beat_bytes as u64;
        let act = n as u64 * g.row_beats(d) as u64 * b;
        let w = g.weight_bytes as u64;
        let moe = model.moe_layers.len() as u64;
        let dense = model.depth as u64 - moe;
        let e = model.experts as u64;
        let (dd, h, eh) = (
            d as u64,
            model.mlp_hidden as u64,
            model.expert_hidden as u64,
        );
        let sizes = [
            (
                Buf::Images,
                (model.image_channels * model.image_height * model.image_width) as u64,
            ),
            (Buf::X, act),
            (Buf::Tmp1, act),
            (Buf::Tmp2, act),
            (Buf::Tmp3, act),
            (
                Buf::TmpHidden,
                n as u64 * g.row_beats(model.mlp_hidden.max(model.expert_hidden)) as u64 * b,
            ),
            (
                Buf::Attn,
                (g.blocks() * n * g.lanes) as u64 * g.heads_bytes(model.heads) as u64,
            ),
            (Buf::AttnSoftmaxInfo, n as u64 * b),
            (Buf::PosEmbed, act),
            (Buf::AttnWeights, model.depth as u64 * 4 * dd * dd * w),
            (Buf::AttnBias, model.depth as u64 * 4 * dd * w),
            (Buf::MoeWGate, moe * e * dd * w),
            (Buf::MoeWeightsL1, moe * e * eh * dd * w),
            (Buf::MoeBiasL1, moe * e * eh * w),
            (Buf::MoeWeightsL2, moe * e * dd * eh * w),
            (Buf::MoeBiasL2, moe * e * dd * w),
            (Buf::VitWeightsL1, dense * h * dd * w),
            (Buf::VitBiasL1, dense * h * w),
            (Buf::VitWeightsL2, dense * dd * h * w),
            (Buf::VitBiasL2, dense * dd * w),
            (Buf::NormWeights, model.depth as u64 * 2 * dd * w),
            (Buf::NormBias, model.depth as u64 * 2 * dd * w),
        ];
        let mut at = 0u64;
        let mut bases = Vec::new();
        for (buf, bytes) in sizes {
            bases.push((buf, at, bytes));
            at += bytes.div_ceil(4096) * 4096;
        }
        DdrMap { bases }
    }

    /// The byte address of `offset` into `buf`.
    pub fn addr(&self, buf: Buf, offset: u64) -> u64 {
        self.bases
            .iter()
            .find(|(b, _, _)| *b == buf)
            .map_or(0, |(_, base, _)| base + offset)
    }

    /// Every region: name, base, bytes.
    pub fn regions(&self) -> impl Iterator<Item = (Buf, u64, u64)> + '_ {
        self.bases.iter().copied()
    }
}
