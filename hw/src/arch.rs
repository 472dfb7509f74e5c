//! The `[arch]` section: how many lanes, how wide a tile, how fast a clock (§4, §8, §11).
//!
//! Only `attn_lanes` and `beat` reach the numerics (the lanes' staggered key order shapes the online
//! softmax bits; the beat is the partial sum QKᵀ scales as one); the rest sets timing and resources.

use golden::model::config::{ConfigIssue, ModelConfig};
use serde::{Deserialize, Serialize};

use crate::timing::{FifoDepth, LoopDepth, LoopIi};

/// When a linear layer's weights are fetched relative to the compute before it (§8: UNCONFIRMED).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightLoad {
    /// Each load starts when the previous call has finished: the sequential top function as written.
    Serial,
    /// A load into the idle ping/pong buffer runs beside the compute on the other one.
    Overlapped,
}

/// How LayerNorm's per-token two-stage dataflow follows one token with the next (§7.1: UNCONFIRMED).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerNormTokens {
    /// Reading (a): a token starts when the previous one has left both stages (≈ 23k cycles).
    PerToken,
    /// Reading (b): a new token every 24 cycles, the stages overlapping (≈ 3.4k cycles).
    Streamed,
}

/// The accelerator's architecture parameters. Defaults are Edge-MoE's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchConfig {
    /// P: query rows in flight in the QKᵀ and AV units (`ATTN_MATMUL_PARALLEL`, 4).
    pub attn_lanes: usize,
    /// fm_t elements per 256-bit AXI beat (`FEATURE_BLOCK_SIZE`, 8).
    pub beat: usize,
    /// Linear tile inputs per cycle (`LINEAR_IN_SIZE`, 16).
    pub linear_tile_in: usize,
    /// Linear tile outputs per cycle (`LINEAR_OUT_SIZE`, 16).
    pub linear_tile_out: usize,
    /// The PL clock in MHz (pl_clk0 of the Edge-MoE bitstream: 299.970032).
    pub clock_mhz: f64,
    /// Weights per linear ping/pong buffer: 576 blocks of 16×16 = 147,456 (768·192, the largest layer).
    pub linear_weight_buffer: usize,
    /// Bias entries per linear bias buffer: 48 blocks of 16 = 768.
    pub linear_bias_buffer: usize,
    /// Serial or overlapped weight loads.
    pub weight_load: WeightLoad,
    /// LayerNorm token overlap.
    pub layernorm_tokens: LayerNormTokens,
    /// Initiation intervals.
    pub ii: LoopIi,
    /// Pipeline depths.
    pub depth: LoopDepth,
    /// Stream depths.
    pub fifo: FifoDepth,
}

impl Default for ArchConfig {
    fn default() -> Self {
        ArchConfig {
            attn_lanes: 4,
            beat: 8,
            linear_tile_in: 16,
            linear_tile_out: 16,
            clock_mhz: 299.970032,
            linear_weight_buffer: 576 * 256,
            linear_bias_buffer: 48 * 16,
            weight_load: WeightLoad::Serial,
            layernorm_tokens: LayerNormTokens::PerToken,
            ii: LoopIi::default(),
            depth: LoopDepth::default(),
            fifo: FifoDepth::default(),
        }
    }
}

impl ArchConfig {
    /// Every problem with these values for `model`.
    pub fn validate(&self, model: &ModelConfig) -> Vec<ConfigIssue> {
        let mut issues = Vec::new();
        let tokens = model.tokens();
        if self.attn_lanes == 0 || self.attn_lanes > tokens {
            issues.push(ConfigIssue::new(
                "arch.attn_lanes",
                format!(
                    "{} query lanes: must be between 1 and the token count {tokens}",
                    self.attn_lanes
                ),
            ));
        }
        if self.beat == 0 || model.heads == 0 || model.head_dim() % self.beat != 0 {
            issues.push(ConfigIssue::new(
                "arch.beat",
                format!(
                    "{} elements per beat must divide the head dimension {}",
                    self.beat,
                    model.head_dim()
                ),
            ));
        }
        for (key, tile) in [
            ("linear_tile_in", self.linear_tile_in),
            ("linear_tile_out", self.linear_tile_out),
        ] {
            if tile == 0 {
                issues.push(ConfigIssue::new(
                    format!("arch.{key}"),
                    "a tile needs at least 1 lane",
                ));
            } else {
                for (what, dim) in [
                    ("embed_dim", model.embed_dim),
                    ("mlp_hidden", model.mlp_hidden),
                    ("expert_hidden", model.expert_hidden),
                ] {
                    if dim % tile != 0 {
                        issues.push(ConfigIssue::new(
                            format!("arch.{key}"),
                            format!("{tile} does not divide model.{what} = {dim}"),
                        ));
                    }
                }
            }
        }
        if !(self.clock_mhz.is_finite() && self.clock_mhz > 0.0) {
            issues.push(ConfigIssue::new(
                "arch.clock_mhz",
                format!(
                    "{} MHz: a clock must be a positive frequency",
                    self.clock_mhz
                ),
            ));
        } else if !(1.0..=5_000.0).contains(&self.clock_mhz) {
            issues.push(ConfigIssue::new(
                "arch.clock_mhz",
                format!(
                    "{} MHz: an accelerator clock from 1 to 5000 MHz",
                    self.clock_mhz
                ),
            ));
        }
        let d = model.embed_dim;
        let largest = [d * d, model.mlp_hidden * d, model.expert_hidden * d]
            .into_iter()
            .max()
            .unwrap_or(0);
        if self.linear_weight_buffer < largest {
            issues.push(ConfigIssue::new(
                "arch.linear_weight_buffer",
                format!(
                    "{} weights cannot hold the largest linear layer ({largest} = {} x {d})",
                    self.linear_weight_buffer,
                    largest / d.max(1)
                ),
            ));
        }
        let widest = d.max(model.mlp_hidden).max(model.expert_hidden);
        if self.linear_bias_buffer < widest {
            issues.push(ConfigIssue::new(
                "arch.linear_bias_buffer",
                format!(
                    "{} entries cannot hold the widest layer's {widest} biases",
                    self.linear_bias_buffer
                ),
            ));
        }
        issues.extend(self.ii.validate());
        issues.extend(self.fifo.validate());
        issues
    }

    /// Cycles per second.
    pub fn clock_hz(&self) -> f64 {
        self.clock_mhz * 1e6
    }
}
