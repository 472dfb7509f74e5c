//! The `[arch]` section: how many lanes, how wide a tile, how fast a clock (§4, §8, §11).
//!
//! Only `attn_lanes` and `beat` reach the numerics (the lanes' staggered key order shapes the online
//! softmax bits; the beat is the partial sum QKᵀ scales as one); the rest sets timing and resources.

use golden::model::config::{ConfigIssue, ModelConfig};
use serde::{Deserialize, Serialize};

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
}

impl Default for ArchConfig {
    fn default() -> Self {
        ArchConfig {
            attn_lanes: 4,
            beat: 8,
            linear_tile_in: 16,
            linear_tile_out: 16,
            clock_mhz: 299.970032,
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
        }
        issues
    }
}
