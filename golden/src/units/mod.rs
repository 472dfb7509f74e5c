//! The Edge-MoE units, one module each, named as the Edge-MoE sources name them. Each works on raw
//! two's-complement integers in formats chosen at run time ([`crate::fixed::Format`]).

pub mod attn_av;
pub mod div;
pub mod exp;
pub mod gating;
pub mod gelu;
pub mod layernorm;
pub mod linear;
pub mod mac;
pub mod patch_embed;
pub mod patch_reorder;
pub mod qk_scores;
pub mod recip;
pub mod softmax;
pub mod sqrt;
