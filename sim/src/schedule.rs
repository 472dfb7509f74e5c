//! The layer schedule of `ViT_compute` (§3) as data: a program of unit invocations on named DDR
//! buffers, with the dependencies that serial or overlapped weight loads allow.
//!
//! ```text
//!   patch_embed
//!   per layer: load_norms, LN1, [load Wq] q, [load Wk] k, qk_scores, [load Wv] v, attn_av, [load Wproj] proj,
//!              add, LN2, dense: [load fc1] fc1+GELU, [load fc2] fc2 | MoE: load_w_gate, gating, memset,
//!              [load e.fc1] then per active expert e: e.fc1+GELU, [load e.fc2], e.fc2 (use_score), [load next fc1]
//!              add
//! ```
//! Linear weights alternate between the ping and pong buffers in program order (§8). With
//! `weight_load = "overlapped"` a load starts beside the call before it, once its buffer's last reader
//! has finished and the single loader is free.

use std::ops::Range;

use golden::model::config::ModelConfig;
use hw::arch::WeightLoad;

use crate::engine::Dep;
use crate::memory::layout::Buf;
use crate::units::linear::{LinearCall, Rows, WeightRef};

/// Which parameters a linear call uses, for the values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weights {
    /// Q, K or V: rows `i·D..(i+1)·D` of the fused qkv weight.
    Qkv(usize),
    /// The attention projection.
    Proj,
    /// Dense fc1.
    Fc1,
    /// Dense fc2.
    Fc2,
    /// Expert e's fc1.
    ExpertFc1(usize),
    /// Expert e's fc2.
    ExpertFc2(usize),
}

/// What an invocation does.
#[derive(Clone, Debug, PartialEq)]
pub enum OpKind {
    /// The image into `x`.
    PatchEmbed,
    /// γ, β of both LayerNorms of the layer into BRAM.
    LoadNorms,
    /// LN1 (`second` false) or LN2 of `src` into `dst`.
    LayerNorm {
        /// LN2.
        second: bool,
        /// Input.
        src: Buf,
        /// Output.
        dst: Buf,
    },
    /// A linear layer's weights and bias into ping (`buffer` 0) or pong (1).
    LoadLinear {
        /// Where they are.
        at: WeightRef,
        /// Output features.
        out_dim: usize,
        /// Input features.
        in_dim: usize,
        /// 0 ping, 1 pong.
        buffer: u8,
    },
    /// A linear call on the weights in `buffer`.
    Linear {
        /// The call.
        call: LinearCall,
        /// Its parameters.
        weights: Weights,
        /// 0 ping, 1 pong.
        buffer: u8,
    },
    /// QKᵀ and the softmax statistics.
    QkScores {
        /// Q.
        q: Buf,
        /// K.
        k: Buf,
    },
    /// softmax(S)·V.
    AttnAv {
        /// V.
        v: Buf,
        /// Output.
        dst: Buf,
    },
    /// `x += y`.
    Add {
        /// Accumulated.
        x: Buf,
        /// Added.
        y: Buf,
    },
    /// The task's gate of MoE layer `moe` (0-based among MoE layers).
    LoadGate {
        /// Index among the MoE layers.
        moe: usize,
    },
    /// Gating and patch reorder of `src`.
    Gating {
        /// LN2's output.
        src: Buf,
    },
    /// Zero `dst`.
    Memset {
        /// Cleared.
        dst: Buf,
    },
}

/// One invocation.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    /// The block, or `None` for patch embedding.
    pub layer: Option<usize>,
    /// A short label: `q.load`, `qk_scores`, `e3.fc1`, …
    pub label: String,
    /// What it does.
    pub kind: OpKind,
    /// What must happen first.
    pub deps: Vec<Dep>,
    /// The golden tap recorded after it, and from which buffer.
    pub tap: Option<(String, Buf)>,
}

impl Op {
    /// True for weight, bias, norm and gate loads.
    pub fn is_load(&self) -> bool {
        matches!(
            self.kind,
            OpKind::LoadLinear { .. } | OpKind::LoadNorms | OpKind::LoadGate { .. }
        )
    }
}

/// Builds the program in order, wiring dependencies as ops are added.
pub struct Program {
    /// The invocations in program order.
    pub ops: Vec<Op>,
    mode: WeightLoad,
    next_buffer: u8,
    last_load: Option<usize>,
    last_compute: Option<usize>,
    buffer_user: [Option<usize>; 2],
    pending_load: Option<usize>,
}

impl Program {
    /// An empty program.
    pub fn new(mode: WeightLoad) -> Self {
        Program {
            ops: Vec::new(),
            mode,
            next_buffer: 0,
            last_load: None,
            last_compute: None,
            buffer_user: [None; 2],
            pending_load: None,
        }
    }

    fn push(&mut self, layer: Option<usize>, label: impl Into<String>, kind: OpKind) -> usize {
        let i = self.ops.len();
        let mut deps = Vec::new();
        let serial = self.mode == WeightLoad::Serial;
        let linear_load = matches!(kind, OpKind::LoadLinear { .. });
        if serial || i == 0 {
            if i > 0 {
                deps.push(Dep::Ended(i - 1));
            }
        } else if linear_load {
            deps.push(Dep::Started(i - 1));
            deps.extend(self.last_load.map(Dep::Ended));
            if let OpKind::LoadLinear { buffer, .. } = kind {
                deps.extend(self.buffer_user[buffer as usize].map(Dep::Ended));
            }
        } else {
            deps.extend(self.last_compute.map(Dep::Ended));
            deps.extend(
                self.last_load
                    .filter(|_| !matches!(kind, OpKind::Linear { .. }))
                    .map(Dep::Ended),
            );
            if let OpKind::Linear { .. } = kind {
                deps.extend(self.pending_load.take().map(Dep::Ended));
            }
        }
        if linear_load {
            self.last_load = Some(i);
            self.pending_load = Some(i);
        } else {
            if let OpKind::Linear { buffer, .. } = kind {
                self.buffer_user[buffer as usize] = Some(i);
            }
            self.last_compute = Some(i);
        }
        self.ops.push(Op {
            layer,
            label: label.into(),
            kind,
            deps,
            tap: None,
        });
        i
    }

    fn tap(&mut self, op: usize, name: String, buf: Buf) {
        self.ops[op].tap = Some((name, buf));
    }

    /// A load then its linear call, on the next ping/pong buffer.
    fn linear(
        &mut self,
        layer: usize,
        label: &str,
        at: WeightRef,
        call: LinearCall,
        weights: Weights,
    ) -> usize {
        let buffer = self.next_buffer;
        self.next_buffer ^= 1;
        let (out_dim, in_dim) = (call.out_dim, call.in_dim);
        self.push(
            Some(layer),
            format!("{label}.load"),
            OpKind::LoadLinear {
                at,
                out_dim,
                in_dim,
                buffer,
            },
        );
        self.push(
            Some(layer),
            label,
            OpKind::Linear {
                call,
                weights,
                buffer,
            },
        )
    }

    /// Patch embedding.
    pub fn patch_embed(&mut self) {
        let i = self.push(None, "patch_embed", OpKind::PatchEmbed);
        self.tap(i, "patch_embed".into(), Buf::X);
    }

    /// A layer up to LN2 (and, for an MoE layer, the gating).
    pub fn layer_head(&mut self, m: &ModelConfig, l: usize, moe_index: Option<usize>, wb: u64) {
        let (n, d) = (m.tokens(), m.embed_dim);
        let t = |s: &str| format!("l{l}.{s}");
        self.push(Some(l), "load_norms", OpKind::LoadNorms);
        let i = self.push(
            Some(l),
            "ln1",
            OpKind::LayerNorm {
                second: false,
                src: Buf::X,
                dst: Buf::Tmp1,
            },
        );
        self.tap(i, t("ln1"), Buf::Tmp1);
        let attn_w =
            |k: u64| WeightRef::nth(Buf::AttnWeights, Buf::AttnBias, l as u64 * 4 + k, d, d, wb);
        let direct = |src, dst| LinearCall {
            src,
            dst,
            out_dim: d,
            in_dim: d,
            rows: Rows::All(n),
            gelu: false,
            use_score: false,
        };
        let q = self.linear(
            l,
            "q",
            attn_w(0),
            direct(Buf::Tmp1, Buf::Tmp2),
            Weights::Qkv(0),
        );
        self.tap(q, t("q"), Buf::Tmp2);
        let k = self.linear(
            l,
            "k",
            attn_w(1),
            direct(Buf::Tmp1, Buf::Tmp3),
            Weights::Qkv(1),
        );
        self.tap(k, t("k"), Buf::Tmp3);
        self.push(
            Some(l),
            "qk_scores",
            OpKind::QkScores {
                q: Buf::Tmp2,
                k: Buf::Tmp3,
            },
        );
        let v = self.linear(
            l,
            "v",
            attn_w(2),
            direct(Buf::Tmp1, Buf::Tmp2),
            Weights::Qkv(2),
        );
        self.tap(v, t("v"), Buf::Tmp2);
        let av = self.push(
            Some(l),
            "attn_av",
            OpKind::AttnAv {
                v: Buf::Tmp2,
                dst: Buf::Tmp1,
            },
        );
        self.tap(av, t("attn_v"), Buf::Tmp1);
        let p = self.linear(
            l,
            "proj",
            attn_w(3),
            direct(Buf::Tmp1, Buf::Tmp3),
            Weights::Proj,
        );
        self.tap(p, t("proj"), Buf::Tmp3);
        let a = self.push(
            Some(l),
            "add",
            OpKind::Add {
                x: Buf::X,
                y: Buf::Tmp3,
            },
        );
        self.tap(a, t("x_attn"), Buf::X);
        let ln2 = self.push(
            Some(l),
            "ln2",
            OpKind::LayerNorm {
                second: true,
                src: Buf::X,
                dst: Buf::Tmp1,
            },
        );
        self.tap(ln2, t("ln2"), Buf::Tmp1);
        if let Some(moe) = moe_index {
            self.push(Some(l), "load_w_gate", OpKind::LoadGate { moe });
            self.push(Some(l), "gating", OpKind::Gating { src: Buf::Tmp1 });
        }
    }

    /// A dense layer's MLP and the second residual.
    pub fn dense_tail(&mut self, m: &ModelConfig, l: usize, dense_index: usize, wb: u64) {
        let (n, d, h) = (m.tokens(), m.embed_dim, m.mlp_hidden);
        let t = |s: &str| format!("l{l}.{s}");
        let di = dense_index as u64;
        let fc1 = WeightRef::nth(Buf::VitWeightsL1, Buf::VitBiasL1, di, h, d, wb);
        let fc2 = WeightRef::nth(Buf::VitWeightsL2, Buf::VitBiasL2, di, d, h, wb);
        let call = |src, dst, out_dim, in_dim, gelu| LinearCall {
            src,
            dst,
            out_dim,
            in_dim,
            rows: Rows::All(n),
            gelu,
            use_score: false,
        };
        let a = self.linear(
            l,
            "fc1",
            fc1,
            call(Buf::Tmp1, Buf::TmpHidden, h, d, true),
            Weights::Fc1,
        );
        self.tap(a, t("mlp_hidden"), Buf::TmpHidden);
        let b = self.linear(
            l,
            "fc2",
            fc2,
            call(Buf::TmpHidden, Buf::Tmp3, d, h, false),
            Weights::Fc2,
        );
        self.tap(b, t("mlp_out"), Buf::Tmp3);
        self.residual(l);
    }

    /// An MoE layer's experts (in metaqueue order, each with its queue of tokens) and the residual.
    pub fn moe_tail(
        &mut self,
        m: &ModelConfig,
        l: usize,
        moe_index: usize,
        queues: &[(usize, Vec<usize>)],
        wb: u64,
    ) {
        let (d, eh, e_n) = (m.embed_dim, m.expert_hidden, m.experts);
        let mi = moe_index as u64;
        let t = |s: &str| format!("l{l}.{s}");
        let mut last = self.push(Some(l), "memset", OpKind::Memset { dst: Buf::Tmp3 });
        let nth = mi * e_n as u64;
        let w1 =
            |e: usize| WeightRef::nth(Buf::MoeWeightsL1, Buf::MoeBiasL1, nth + e as u64, eh, d, wb);
        let w2 =
            |e: usize| WeightRef::nth(Buf::MoeWeightsL2, Buf::MoeBiasL2, nth + e as u64, d, eh, wb);
        for &(e, ref tokens) in queues {
            let rows = Rows::Gather(tokens.clone());
            let c1 = LinearCall {
                src: Buf::Tmp1,
                dst: Buf::TmpHidden,
                out_dim: eh,
                in_dim: d,
                rows: rows.clone(),
                gelu: true,
                use_score: false,
            };
            self.linear(l, &format!("e{e}.fc1"), w1(e), c1, Weights::ExpertFc1(e));
            let c2 = LinearCall {
                src: Buf::TmpHidden,
                dst: Buf::Tmp3,
                out_dim: d,
                in_dim: eh,
                rows,
                gelu: false,
                use_score: true,
            };
            last = self.linear(l, &format!("e{e}.fc2"), w2(e), c2, Weights::ExpertFc2(e));
        }
        self.tap(last, t("moe_out"), Buf::Tmp3);
        self.residual(l);
    }

    fn residual(&mut self, l: usize) {
        let a = self.push(
            Some(l),
            "add",
            OpKind::Add {
                x: Buf::X,
                y: Buf::Tmp3,
            },
        );
        self.tap(a, format!("l{l}.x"), Buf::X);
    }
}

/// Cuts `ops` at every barrier: a point such that, whatever the timing, every invocation before it
/// has ended before any invocation after it starts. A part never shares a cycle with another, so it
/// can be simulated alone (`memo`). The cut follows the dependencies, not the labels: with serial
/// loads every invocation is a part; with overlapped ones a linear load joins the call it starts
/// beside.
///
/// An invocation j surely finds over when it starts: for each `Ended(i)`, i and whatever i found
/// over; for each `Started(i)`, whatever i found over. A barrier stands before k when every j ≥ k
/// finds all of `0..k` over. Dependencies point backwards, as [`Program`] makes them; one that
/// does not is ignored, which can only hide a barrier, never invent one.
pub fn segments(ops: &[Op]) -> Vec<Range<usize>> {
    let n = ops.len();
    let words = n.div_ceil(64);
    // Row j: the invocations j finds over, one bit each.
    let mut over = vec![0u64; n * words];
    // covered[j]: the longest prefix 0..p that j finds over.
    let mut covered = vec![0usize; n];
    for j in 0..n {
        let (before, rest) = over.split_at_mut(j * words);
        let row = &mut rest[..words];
        for &dep in &ops[j].deps {
            let (Dep::Ended(i) | Dep::Started(i)) = dep;
            if i >= j {
                continue;
            }
            for (w, &v) in row.iter_mut().zip(&before[i * words..(i + 1) * words]) {
                *w |= v;
            }
            if let Dep::Ended(i) = dep {
                row[i / 64] |= 1 << (i % 64);
            }
        }
        covered[j] = row
            .iter()
            .position(|&w| w != u64::MAX)
            .map_or(words * 64, |w| w * 64 + row[w].trailing_ones() as usize);
    }
    let mut starts = vec![0];
    let mut lowest = usize::MAX;
    for k in (1..n).rev() {
        lowest = lowest.min(covered[k]);
        if lowest >= k {
            starts.push(k);
        }
    }
    starts.sort_unstable();
    starts
        .iter()
        .zip(starts.iter().skip(1).chain([&n]))
        .map(|(&a, &b)| a..b)
        .filter(|r| !r.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(deps: Vec<Dep>) -> Op {
        Op {
            layer: None,
            label: String::new(),
            kind: OpKind::PatchEmbed,
            deps,
            tap: None,
        }
    }

    #[test]
    fn a_call_that_ended_vouches_for_nothing_that_ran_beside_it() {
        // 2 starts beside 1, so 3 (after 2 only) may start while 1 still runs: no barrier before 2
        // or 3. 4 waits for 1 and 3, hence for everything.
        let ops = vec![
            op(vec![]),
            op(vec![Dep::Ended(0)]),
            op(vec![Dep::Started(1)]),
            op(vec![Dep::Ended(2)]),
            op(vec![Dep::Ended(1), Dep::Ended(3)]),
        ];
        assert_eq!(segments(&ops), vec![0..1, 1..4, 4..5]);
    }

    #[test]
    fn serial_invocations_are_each_a_segment() {
        let ops: Vec<Op> = (0..130)
            .map(|i| {
                op(if i == 0 {
                    vec![]
                } else {
                    vec![Dep::Ended(i - 1)]
                })
            })
            .collect();
        assert_eq!(
            segments(&ops),
            (0..130).map(|i| i..i + 1).collect::<Vec<_>>()
        );
        assert!(segments(&[]).is_empty());
    }
}
