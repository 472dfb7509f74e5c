//! `[arch.ii]`, `[arch.depth]`, `[arch.fifo]`: the pipelined loops of Edge-MoE's HLS, each with its
//! initiation interval and depth, and the streams between them (§12, from the 3P synthesis log).
//!
//! A pipelined loop of `trips` iterations costs `ii · (trips − 1) + depth + 1` cycles when nothing stalls.
//! The names are the HLS loop or function names, so a reader can find each number in the log.

use golden::model::config::ConfigIssue;
use serde::{Deserialize, Serialize};

/// Initiation intervals. All 1 where HLS met the target; the 3P exceptions are the defaults here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoopIi {
    /// `finalize_attn`: 3, a recurrence through `s·exp` whose dependence distance HLS lost.
    pub finalize_attn: u32,
    /// `update_softmax_info`, the gate softmax: 3 (explicit pragma).
    pub gate_softmax: u32,
    /// `write_gate_results` (the patch reorder): 2.
    pub write_gate_results: u32,
    /// `patch_embed` compute: 3, limited by the ports of the `patches` partial-sum buffer.
    pub patch_embed: u32,
}

impl Default for LoopIi {
    fn default() -> Self {
        LoopIi {
            finalize_attn: 3,
            gate_softmax: 3,
            write_gate_results: 2,
            patch_embed: 3,
        }
    }
}

/// Pipeline depths (cycles from an iteration's issue to its result).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoopDepth {
    /// `compute_q_matmul_k` core: 15.
    pub qk_scores: u32,
    /// `finalize_attn`: 78.
    pub finalize_attn: u32,
    /// `compute_attn_matmul_v` core: 29.
    pub attn_av: u32,
    /// `compute_linear_on_stream`: 16.
    pub linear: u32,
    /// `load_linear_weights`: 5.
    pub load_linear_weights: u32,
    /// `gelu`: 6 (added to the linear depth when the GELU is on).
    pub gelu: u32,
    /// `layernorm_accumulate`: 80.
    pub layernorm_accumulate: u32,
    /// `layernorm_output`: 154.
    pub layernorm_output: u32,
    /// `compute_add`: 142.
    pub add: u32,
    /// `load_w_gate`: 75.
    pub load_w_gate: u32,
    /// `compute_gating_for_patch` (the 24-beat logit loop): 8.
    pub gate_logits: u32,
    /// `update_softmax_info`: 24.
    pub gate_softmax: u32,
    /// `top_k`: 2.
    pub top_k: u32,
    /// `exp<32,10>`: 19 (the gate values).
    pub exp: u32,
    /// The standalone `sqrt` unit (inside `layernorm_output`, whose depth already counts it): 31, the
    /// RTL's one root bit per stage plus the rounding. Vitis reports 23 for `sqrt_fixed<32,10>` (§7.2).
    pub sqrt: u32,
    /// The standalone `recip` unit (inside `finalize_attn`, whose depth already counts it): 66, the
    /// RTL's restoring divider (one quotient bit per stage over W + F ≤ 64 bits). Vitis: 50 (§7.4).
    pub recip: u32,
    /// The standalone fm_t division (`div`): 66, the same divider. The gate's division keeps its own
    /// figure, `gate_div`, in the frame's timing.
    pub div: u32,
    /// The standalone online-softmax step (`softmax`, the RTL top fed interleaved rows): 83, its exp
    /// (15), the product ⌊s·e⌋ (2) and recip's divider (66). The frame's `finalize_attn` keeps Vitis's
    /// 78 (its recip is 50 deep).
    pub softmax: u32,
    /// The standalone LayerNorm's output beats (`layernorm`, the RTL top): 6, its two fm_t products
    /// and the β add. Its per-token pause between the passes (the sqrt and division) is its own; the
    /// frame keeps HLS's `layernorm_accumulate` and `layernorm_output` loop depths.
    pub layernorm: u32,
    /// The standalone gate (`gating`, the RTL top): 138 from a token's last beat to its experts and
    /// gate values (the MACs, exp, the 16-step sum recurrence, the divider). The frame keeps HLS's
    /// per-step figures (`gate_logits`, `gate_softmax`, `top_k`, `exp`, `gate_div`).
    pub gating: u32,
    /// The gate value's ap_fixed division. The log gives no figure: 36 cycles is an assumption (a
    /// radix-2 divider over the 32 quotient bits plus a few cycles of I/O); the gating time is within
    /// the 150–250 cycles per token §9 estimates either way.
    pub gate_div: u32,
    /// `write_gate_results`: 4.
    pub write_gate_results: u32,
    /// `patch_embed` compute: 33.
    pub patch_embed: u32,
    /// `patch_embed_output`: 5.
    pub patch_embed_output: u32,
    /// Simple loops (readers, writers, loads, repacking): 3.
    pub simple: u32,
}

impl Default for LoopDepth {
    fn default() -> Self {
        LoopDepth {
            qk_scores: 15,
            finalize_attn: 78,
            attn_av: 29,
            linear: 16,
            load_linear_weights: 5,
            gelu: 6,
            layernorm_accumulate: 80,
            layernorm_output: 154,
            add: 142,
            load_w_gate: 75,
            gate_logits: 8,
            gate_softmax: 24,
            top_k: 2,
            exp: 19,
            sqrt: 31,
            recip: 66,
            div: 66,
            softmax: 83,
            layernorm: 6,
            gating: 138,
            gate_div: 36,
            write_gate_results: 4,
            patch_embed: 33,
            patch_embed_output: 5,
            simple: 3,
        }
    }
}

/// Stream depths, in entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FifoDepth {
    /// The linear unit's input stream (512-bit entries): `in_dim_max / 16` = 48.
    pub linear_in: u32,
    /// The token indices from the gathering reader to the scattering writer: 8.
    pub index_stream: u32,
    /// Every other stream (HLS default): 2.
    pub stream: u32,
    /// Beats an AXI read master can hold that its loop has not taken yet (the m_axi read buffer).
    pub axi_read_buffer: u32,
}

impl Default for FifoDepth {
    fn default() -> Self {
        FifoDepth {
            linear_in: 48,
            index_stream: 8,
            stream: 2,
            axi_read_buffer: 256,
        }
    }
}

fn positive(issues: &mut Vec<ConfigIssue>, key: String, v: u32, what: &str) {
    if v == 0 {
        issues.push(ConfigIssue::new(key, format!("0: {what}")));
    }
}

impl LoopIi {
    /// II 0 would issue infinitely many iterations per cycle.
    pub fn validate(&self) -> Vec<ConfigIssue> {
        let mut issues = Vec::new();
        for (k, v) in [
            ("finalize_attn", self.finalize_attn),
            ("gate_softmax", self.gate_softmax),
            ("write_gate_results", self.write_gate_results),
            ("patch_embed", self.patch_embed),
        ] {
            positive(
                &mut issues,
                format!("arch.ii.{k}"),
                v,
                "an initiation interval is at least 1 cycle",
            );
        }
        issues
    }
}

impl FifoDepth {
    /// A stream of depth 0 can never pass a beat.
    pub fn validate(&self) -> Vec<ConfigIssue> {
        let mut issues = Vec::new();
        for (k, v) in [
            ("linear_in", self.linear_in),
            ("index_stream", self.index_stream),
            ("stream", self.stream),
            ("axi_read_buffer", self.axi_read_buffer),
        ] {
            positive(
                &mut issues,
                format!("arch.fifo.{k}"),
                v,
                "a FIFO needs at least 1 entry",
            );
        }
        issues
    }
}
