//! The design point the emitters work from: the model's shapes, the numeric formats, the architecture.

use golden::fixed::Format;
use golden::model::config::{ModelConfig, Numerics};
use hw::arch::ArchConfig;
use hw::board::BoardConfig;

/// Everything codegen reads from a config, borrowed from the caller's validated sections.
#[derive(Clone, Copy, Debug)]
pub struct Design<'a> {
    /// `[model]`.
    pub model: &'a ModelConfig,
    /// `[numerics]`, validated.
    pub numerics: &'a Numerics,
    /// `[arch]`.
    pub arch: &'a ArchConfig,
    /// `[board]`: the part the TCL script targets.
    pub board: &'a BoardConfig,
}

/// A design point the emitted code cannot implement bit for bit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct DesignError {
    /// The config key at fault.
    pub key: String,
    /// Why.
    pub reason: String,
}

impl Design<'_> {
    /// Checks what the emitted project needs beyond what config validation already checked.
    ///
    /// fm_t must use AP_TRN/AP_WRAP: golden's `attn_av` adds keys in index order while the hardware's
    /// lanes add them in their staggered order, which gives the same bits only under modular addition.
    /// The beat must divide every hidden width, since activations sit in DDR as whole beats, and fm_t
    /// must fit the benches' 64-bit words with room for the softmax's one-bit-wider difference.
    pub fn check(&self) -> Result<(), DesignError> {
        let fm = self.numerics.fm;
        if !fm.is_trn_wrap() {
            return Err(DesignError {
                key: "numerics.fm".into(),
                reason: format!(
                    "{fm}: the HLS project needs AP_TRN/AP_WRAP for fm_t (the lanes of attn_av sum keys in a \
                     staggered order, equal to golden's order only under modular addition)"
                ),
            });
        }
        let m = self.model;
        for (key, dim) in [
            ("mlp_hidden", m.mlp_hidden),
            ("expert_hidden", m.expert_hidden),
        ] {
            if dim % self.arch.beat != 0 {
                return Err(DesignError {
                    key: "arch.beat".into(),
                    reason: format!(
                        "{} elements per beat do not divide model.{key} = {dim}: the DDR buffers hold whole beats",
                        self.arch.beat
                    ),
                });
            }
        }
        if fm.width() > 64 - 2 {
            return Err(DesignError {
                key: "numerics.fm".into(),
                reason: format!("{fm}: the benches carry fm_t words in 62 bits at most"),
            });
        }
        Ok(())
    }

    /// N: tokens per frame.
    pub fn tokens(&self) -> usize {
        self.model.tokens()
    }

    /// fm_t.
    pub fn fm(&self) -> &Format {
        &self.numerics.fm
    }

    /// The raw fm_t attention scale (golden: `fm.from_f64(model.attn_scale)`).
    pub fn attn_scale(&self) -> i64 {
        self.fm().from_f64(self.model.attn_scale).unwrap_or(0)
    }

    /// The raw fm_t LayerNorm epsilon.
    pub fn layernorm_eps(&self) -> i64 {
        self.fm().from_f64(self.model.layernorm_eps).unwrap_or(0)
    }

    /// Query blocks the QKᵀ and AV units step through: ⌈(N + P − 1) / P⌉ (33 for Edge-MoE).
    pub fn query_blocks(&self) -> usize {
        let p = self.arch.attn_lanes;
        (self.tokens() + p - 1).div_ceil(p)
    }

    /// The widest linear input or output (`LINEAR_IN_SIZE_MAX`): 768 for Edge-MoE.
    pub fn linear_max_dim(&self) -> usize {
        let m = self.model;
        m.embed_dim.max(m.mlp_hidden).max(m.expert_hidden)
    }
}
