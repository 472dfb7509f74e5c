//! The units the emitted project has, named as golden names them, and what each one's code needs.

use std::fmt;
use std::str::FromStr;

/// One hardware unit: one header/source pair in the project, one bench, one vector file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// `hls::exp` on fm_t (§7.3).
    Exp,
    /// `hls::recip` on fm_t (§7.4).
    Recip,
    /// `hls::sqrt` on fm_t (§7.2).
    Sqrt,
    /// fm_t division (§7.4).
    Div,
    /// ReLU minus the interpolated correction (§6).
    Gelu,
    /// The online softmax statistics of one row (§5).
    Softmax,
    /// LayerNorm of a token (§7.1).
    Layernorm,
    /// The unified linear unit (§8).
    Linear,
    /// QKᵀ with P staggered lanes and the online softmax (§4.1).
    QkScores,
    /// softmax(S)·V (§4.4).
    AttnAv,
    /// The MoE gate: logits, softmax, top-2, gate values (§9).
    Gating,
    /// Expert queues and the metaqueue (§9).
    PatchReorder,
    /// The 16×16 patch convolution (§10).
    PatchEmbed,
}

impl Unit {
    /// Every unit, leaves first.
    pub const ALL: [Unit; 13] = [
        Unit::Exp,
        Unit::Recip,
        Unit::Sqrt,
        Unit::Div,
        Unit::Gelu,
        Unit::Softmax,
        Unit::Layernorm,
        Unit::Linear,
        Unit::QkScores,
        Unit::AttnAv,
        Unit::Gating,
        Unit::PatchReorder,
        Unit::PatchEmbed,
    ];

    /// The name shared by golden, sim, hw and the emitted files.
    pub const fn name(self) -> &'static str {
        match self {
            Unit::Exp => "exp",
            Unit::Recip => "recip",
            Unit::Sqrt => "sqrt",
            Unit::Div => "div",
            Unit::Gelu => "gelu",
            Unit::Softmax => "softmax",
            Unit::Layernorm => "layernorm",
            Unit::Linear => "linear",
            Unit::QkScores => "qk_scores",
            Unit::AttnAv => "attn_av",
            Unit::Gating => "gating",
            Unit::PatchReorder => "patch_reorder",
            Unit::PatchEmbed => "patch_embed",
        }
    }

    /// The units whose code this one calls (directly).
    pub const fn calls(self) -> &'static [Unit] {
        match self {
            Unit::Recip | Unit::Div | Unit::Exp | Unit::Sqrt | Unit::Gelu => &[],
            Unit::Softmax => &[Unit::Exp, Unit::Recip, Unit::Div],
            Unit::Layernorm => &[Unit::Sqrt, Unit::Div],
            Unit::Linear => &[Unit::Gelu],
            Unit::QkScores => &[Unit::Softmax],
            Unit::AttnAv => &[Unit::Softmax],
            Unit::Gating => &[Unit::Softmax],
            Unit::PatchReorder | Unit::PatchEmbed => &[],
        }
    }

    /// This unit and everything it calls, transitively, leaves first.
    pub fn closure(self) -> Vec<Unit> {
        let mut out = Vec::new();
        fn visit(u: Unit, out: &mut Vec<Unit>) {
            for &c in u.calls() {
                visit(c, out);
            }
            if !out.contains(&u) {
                out.push(u);
            }
        }
        visit(self, &mut out);
        out
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Unit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Unit::ALL
            .into_iter()
            .find(|u| u.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Unit::ALL.iter().map(|u| u.name()).collect();
                format!("unknown unit `{s}` (units: {})", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closures_list_callees_first_once() {
        assert_eq!(
            Unit::Gating.closure(),
            vec![
                Unit::Exp,
                Unit::Recip,
                Unit::Div,
                Unit::Softmax,
                Unit::Gating
            ]
        );
        assert_eq!("qk_scores".parse::<Unit>(), Ok(Unit::QkScores));
        assert!("nope".parse::<Unit>().unwrap_err().contains("attn_av"));
    }
}
