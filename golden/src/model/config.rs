//! The `[model]` and `[numerics]` sections of a config: M3ViT's shapes and the fixed-point formats.
//!
//! Raw structs mirror the TOML (`deny_unknown_fields`, so a misspelt key is an error, not a silent
//! default) and are validated once into [`ModelConfig`] and [`Numerics`]; a [`ConfigIssue`] names the
//! key path so the caller can point at its line and column.

use serde::{Deserialize, Serialize};

use crate::fixed::Format;
use crate::units::mac::Mac;

/// A semantic problem with one config value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct ConfigIssue {
    /// Dotted key path, e.g. `numerics.fm`.
    pub key: String,
    /// Why the value is rejected.
    pub reason: String,
}

impl ConfigIssue {
    /// An issue at `key`.
    pub fn new(key: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigIssue {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// M3ViT's shapes (§1). The defaults are Edge-MoE's: ViT-Tiny with 16 experts on a 128×256 image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelConfig {
    /// Input channels (3).
    pub image_channels: usize,
    /// Input height in pixels (128).
    pub image_height: usize,
    /// Input width in pixels (256).
    pub image_width: usize,
    /// Patch side and stride (16).
    pub patch: usize,
    /// Embedding dimension D (192).
    pub embed_dim: usize,
    /// Attention heads (3).
    pub heads: usize,
    /// Transformer blocks (12).
    pub depth: usize,
    /// Hidden width of the dense MLP (768).
    pub mlp_hidden: usize,
    /// Which blocks have an MoE FFN instead of the dense MLP (the odd ones).
    pub moe_layers: Vec<usize>,
    /// Experts per MoE layer (16).
    pub experts: usize,
    /// Hidden width of one expert (384).
    pub expert_hidden: usize,
    /// Experts per token (2; the gate unit implements top-2).
    pub top_k: usize,
    /// Tasks, each with its own gate (2: semantic segmentation and depth).
    pub tasks: usize,
    /// LayerNorm epsilon (1e-6), truncated to fm_t.
    pub layernorm_eps: f64,
    /// Attention scale (0.125 = 64^-½), truncated to fm_t.
    pub attn_scale: f64,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            image_channels: 3,
            image_height: 128,
            image_width: 256,
            patch: 16,
            embed_dim: 192,
            heads: 3,
            depth: 12,
            mlp_hidden: 768,
            moe_layers: vec![1, 3, 5, 7, 9, 11],
            experts: 16,
            expert_hidden: 384,
            top_k: 2,
            tasks: 2,
            layernorm_eps: 1e-6,
            attn_scale: 0.125,
        }
    }
}

impl ModelConfig {
    /// Patches per image.
    pub fn patches(&self) -> usize {
        (self.image_height / self.patch) * (self.image_width / self.patch)
    }
    /// Tokens N = patches + the class token (129).
    pub fn tokens(&self) -> usize {
        self.patches() + 1
    }
    /// Dimensions per head (64).
    pub fn head_dim(&self) -> usize {
        self.embed_dim / self.heads
    }
    /// True when block `layer` has an MoE FFN.
    pub fn is_moe(&self, layer: usize) -> bool {
        self.moe_layers.contains(&layer)
    }

    /// Every semantic problem, all at once.
    pub fn validate(&self) -> Vec<ConfigIssue> {
        let mut issues = Vec::new();
        let mut positive = |key: &str, v: usize| {
            if v == 0 {
                issues.push(ConfigIssue::new(
                    format!("model.{key}"),
                    "must be at least 1",
                ));
            }
        };
        positive("image_channels", self.image_channels);
        positive("image_height", self.image_height);
        positive("image_width", self.image_width);
        positive("patch", self.patch);
        positive("embed_dim", self.embed_dim);
        positive("heads", self.heads);
        positive("depth", self.depth);
        positive("mlp_hidden", self.mlp_hidden);
        positive("experts", self.experts);
        positive("expert_hidden", self.expert_hidden);
        positive("tasks", self.tasks);
        if self.patch > 0 {
            for (key, v) in [
                ("image_height", self.image_height),
                ("image_width", self.image_width),
            ] {
                if v % self.patch != 0 {
                    issues.push(ConfigIssue::new(
                        format!("model.{key}"),
                        format!("{v} is not a multiple of the patch size {}", self.patch),
                    ));
                }
            }
        }
        if self.heads > 0 && self.embed_dim % self.heads != 0 {
            issues.push(ConfigIssue::new(
                "model.heads",
                format!(
                    "embed_dim {} is not divisible by {} heads",
                    self.embed_dim, self.heads
                ),
            ));
        }
        if self.top_k != 2 {
            issues.push(ConfigIssue::new(
                "model.top_k",
                format!(
                    "{} is not supported: the gate unit implements top-2 insertion",
                    self.top_k
                ),
            ));
        }
        if self.experts > 0 && self.experts < 2 {
            issues.push(ConfigIssue::new(
                "model.experts",
                "top-2 routing needs at least 2 experts",
            ));
        }
        for &l in &self.moe_layers {
            if l >= self.depth {
                issues.push(ConfigIssue::new(
                    "model.moe_layers",
                    format!("layer {l} does not exist in a depth-{} model", self.depth),
                ));
            }
        }
        for (key, v) in [
            ("layernorm_eps", self.layernorm_eps),
            ("attn_scale", self.attn_scale),
        ] {
            if !(v.is_finite() && v > 0.0) {
                issues.push(ConfigIssue::new(
                    format!("model.{key}"),
                    format!("{v} must be a positive number"),
                ));
            }
        }
        issues
    }
}

/// The fixed-point formats as written in the config (§2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NumericsConfig {
    /// `fm_t`: activations, accumulators, softmax state.
    pub fm: Format,
    /// `wt_linear_t`: every linear weight and the gate.
    pub wt_linear: Format,
    /// `wt_attn_bias_t`: QKV and proj biases.
    pub wt_attn_bias: Format,
    /// `wt_bias_t`: MLP, expert, patch-embed and LayerNorm biases.
    pub wt_bias: Format,
    /// `wt_norm_t`: LayerNorm γ.
    pub wt_norm: Format,
    /// `wt_patch_embed_t`: conv weights.
    pub wt_patch_embed: Format,
    /// `pixel_t`: the image.
    pub pixel: Format,
}

impl Default for NumericsConfig {
    fn default() -> Self {
        let f = |s: &str| s.parse::<Format>().expect("built-in format strings parse");
        NumericsConfig {
            fm: f("ap_fixed<32,10>"),
            wt_linear: f("ap_fixed<16,2>"),
            wt_attn_bias: f("ap_fixed<16,7>"),
            wt_bias: f("ap_fixed<16,5>"),
            wt_norm: f("ap_fixed<16,5>"),
            wt_patch_embed: f("ap_fixed<16,0>"),
            pixel: f("ap_ufixed<8,0>"),
        }
    }
}

/// Validated formats, with the derived on-chip bias format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Numerics {
    /// `fm_t`.
    pub fm: Format,
    /// `wt_linear_t`.
    pub wt_linear: Format,
    /// `wt_attn_bias_t`.
    pub wt_attn_bias: Format,
    /// `wt_bias_t`.
    pub wt_bias: Format,
    /// `wt_norm_t`.
    pub wt_norm: Format,
    /// `wt_patch_embed_t`.
    pub wt_patch_embed: Format,
    /// `pixel_t`.
    pub pixel: Format,
    /// `wt_wbias_t`: the linear unit's bias buffer, wide enough to hold either bias type exactly
    /// (max fraction + max integer bits: ap_fixed<18,7> for Edge-MoE).
    pub wt_wbias: Format,
}

impl Default for Numerics {
    fn default() -> Self {
        NumericsConfig::default()
            .validate()
            .expect("the built-in formats are valid")
    }
}

impl NumericsConfig {
    /// Checks every format against what the units need and derives `wt_wbias_t`.
    pub fn validate(&self) -> Result<Numerics, Vec<ConfigIssue>> {
        let mut issues = Vec::new();
        let fm = self.fm;
        if !fm.is_signed() {
            issues.push(ConfigIssue::new(
                "numerics.fm",
                "fm_t must be signed (ap_fixed)",
            ));
        }
        if fm.int_bits() < 4 {
            issues.push(ConfigIssue::new(
                "numerics.fm",
                format!(
                    "{fm} has {} integer bits; GELU's 5.5 cutoff needs at least 4",
                    fm.int_bits()
                ),
            ));
        }
        if !(5..=62).contains(&fm.frac_bits()) {
            issues.push(ConfigIssue::new(
                "numerics.fm",
                format!(
                    "{fm} has {} fractional bits; 5..=62 are supported",
                    fm.frac_bits()
                ),
            ));
        }
        for (key, f) in self.weight_formats() {
            if !(0..=62).contains(&f.frac_bits()) {
                issues.push(ConfigIssue::new(
                    format!("numerics.{key}"),
                    format!(
                        "{f} has {} fractional bits; 0..=62 are supported",
                        f.frac_bits()
                    ),
                ));
            }
        }
        if self.pixel.is_signed() {
            issues.push(ConfigIssue::new(
                "numerics.pixel",
                "pixels are unsigned (ap_ufixed)",
            ));
        }
        let frac = self.wt_attn_bias.frac_bits().max(self.wt_bias.frac_bits());
        let int = self.wt_attn_bias.int_bits().max(self.wt_bias.int_bits());
        let wt_wbias = match Format::signed((frac + int).max(1) as u32, int) {
            Ok(f) => Some(f),
            Err(e) => {
                issues.push(ConfigIssue::new(
                    "numerics.wt_attn_bias",
                    format!("the linear unit's bias buffer (both bias types exactly) is not representable: {e}"),
                ));
                None
            }
        };
        for (key, f) in [
            ("wt_linear", self.wt_linear),
            ("wt_norm", self.wt_norm),
            ("wt_patch_embed", self.wt_patch_embed),
            ("fm", self.fm),
        ] {
            let a = if key == "wt_patch_embed" {
                self.pixel
            } else {
                fm
            };
            if let Err(e) = Mac::new(fm, a, f) {
                issues.push(ConfigIssue::new(format!("numerics.{key}"), e.to_string()));
            }
        }
        match (issues.is_empty(), wt_wbias) {
            (true, Some(wt_wbias)) => Ok(Numerics {
                fm,
                wt_linear: self.wt_linear,
                wt_attn_bias: self.wt_attn_bias,
                wt_bias: self.wt_bias,
                wt_norm: self.wt_norm,
                wt_patch_embed: self.wt_patch_embed,
                pixel: self.pixel,
                wt_wbias,
            }),
            _ => Err(issues),
        }
    }

    fn weight_formats(&self) -> [(&'static str, Format); 6] {
        [
            ("wt_linear", self.wt_linear),
            ("wt_attn_bias", self.wt_attn_bias),
            ("wt_bias", self.wt_bias),
            ("wt_norm", self.wt_norm),
            ("wt_patch_embed", self.wt_patch_embed),
            ("pixel", self.pixel),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_derives_the_18_7_bias_buffer() {
        let n = Numerics::default();
        assert_eq!(n.wt_wbias.to_string(), "ap_fixed<18,7>");
        assert_eq!(ModelConfig::default().tokens(), 129);
    }

    #[test]
    fn a_narrow_fm_is_rejected_with_its_key() {
        let cfg = NumericsConfig {
            fm: "ap_fixed<16,3>".parse().unwrap(),
            ..NumericsConfig::default()
        };
        let issues = cfg.validate().unwrap_err();
        assert!(issues
            .iter()
            .any(|i| i.key == "numerics.fm" && i.reason.contains("integer bits")));
    }
}
