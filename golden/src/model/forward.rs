//! The whole M3ViT frame in Edge-MoE's fixed point, in the exact op order of `ViT_compute` (§3).
//!
//! ```text
//!   image ─► patch_embed ─► x ─┬─► LN1 ─► Q, K, V (linear) ─► qk_scores ─► attn_av ─► proj ─► x += ·
//!                              └─► LN2 ─► dense: fc1+GELU ─► fc2          ─────────────────► x += ·
//!                                         MoE:   gating ─► patch_reorder ─► per active expert:
//!                                                fc1+GELU ─► fc2 ─► out[t] += ⌊g·y⌋
//! ```
//! Every step records a tap; the simulator, HLS and Verilog are compared against these bits.

use ndarray::{s, Array2, Axis};

use super::config::{ModelConfig, Numerics};
use super::taps::Taps;
use super::weights::{Ffn, Layer, Weights};
use crate::units::attn_av::attn_av;
use crate::units::gating::gating;
use crate::units::gelu::Gelu;
use crate::units::layernorm::{layernorm, LnEvents};
use crate::units::linear::{bias_to_fm, linear, scaled_accumulate, LinearWeights};
use crate::units::mac::{self, MacError};
use crate::units::patch_embed::patch_embed;
use crate::units::patch_reorder::{patch_reorder, ExpertQueues};
use crate::units::qk_scores::{qk_scores, AttnGeometry};

/// What a frame needs besides the weights.
#[derive(Clone, Copy, Debug)]
pub struct FrameSpec<'a> {
    /// Shapes.
    pub model: &'a ModelConfig,
    /// Formats.
    pub numerics: &'a Numerics,
    /// P: query lanes of the QKᵀ unit (their staggered key order shapes the softmax bits).
    pub attn_lanes: usize,
    /// fm_t elements per beat: the partial sum scaled as one in QKᵀ.
    pub beat: usize,
    /// Which task's gate routes the MoE layers.
    pub task: usize,
}

/// Why a frame cannot run.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A format combination the MAC cannot hold.
    #[error(transparent)]
    Mac(#[from] MacError),
    /// A spec value out of range.
    #[error("{0}")]
    Spec(String),
}

/// The fixed-point result of a frame.
#[derive(Clone, Debug)]
pub struct FixedFrame {
    /// Every tap, raw fm_t.
    pub taps: Taps<i64>,
    /// LayerNorm events over the frame.
    pub ln_events: LnEvents,
    /// The expert queues of each MoE layer, `(layer, queues)`.
    pub routing: Vec<(usize, ExpertQueues)>,
}

impl FrameSpec<'_> {
    /// Checks the parts a config validator would also check, so a library caller gets an error too.
    pub fn check(&self) -> Result<(), FrameError> {
        let m = self.model;
        if self.task >= m.tasks {
            return Err(FrameError::Spec(format!(
                "task {} does not exist: the model has {} tasks (0..{})",
                self.task, m.tasks, m.tasks
            )));
        }
        if self.attn_lanes == 0 || self.attn_lanes > m.tokens() {
            return Err(FrameError::Spec(format!(
                "attn_lanes {} must be in 1..={}",
                self.attn_lanes,
                m.tokens()
            )));
        }
        if self.beat == 0 || m.head_dim() % self.beat != 0 {
            return Err(FrameError::Spec(format!(
                "beat {} must divide the head dimension {}",
                self.beat,
                m.head_dim()
            )));
        }
        Ok(())
    }
}

/// Runs one frame in fixed point.
pub fn forward_fixed(spec: &FrameSpec, w: &Weights<i64>) -> Result<FixedFrame, FrameError> {
    spec.check()?;
    let (m, n) = (spec.model, spec.numerics);
    let fm = &n.fm;
    let mut taps = Taps::default();
    let mut ln_events = LnEvents::default();
    let mut routing = Vec::new();
    let gelu = Gelu::new(*fm);

    let mut x = patch_embed(w.image.view(), &n.pixel, &w.patch_embed_operands(n), fm)?;
    taps.push("patch_embed", &x);

    let eps = fm.from_f64(m.layernorm_eps).unwrap_or(0);
    let scale = fm.from_f64(m.attn_scale).unwrap_or(0);
    let geometry = AttnGeometry {
        heads: m.heads,
        beat: spec.beat,
        lanes: spec.attn_lanes,
    };
    for (l, layer) in w.layers.iter().enumerate() {
        let t = |s: &str| format!("l{l}.{s}");
        let ln1 = norm(&x, layer, false, eps, n, &mut ln_events)?;
        taps.push(t("ln1"), &ln1);
        let d = m.embed_dim;
        let qkv_bias = bias_to_fm(slice(&layer.qkv_bias), &n.wt_attn_bias, &n.wt_wbias, fm);
        let mut qkv = Vec::with_capacity(3);
        for (i, name) in ["q", "k", "v"].into_iter().enumerate() {
            let lw = LinearWeights {
                weights: layer.qkv_weight.slice(s![i * d..(i + 1) * d, ..]),
                format: n.wt_linear,
                bias_fm: &qkv_bias[i * d..(i + 1) * d],
            };
            let y = linear(ln1.view(), &lw, None, fm)?;
            taps.push(t(name), &y);
            qkv.push(y);
        }
        let qk = qk_scores(qkv[0].view(), qkv[1].view(), scale, geometry, fm)?;
        let attn_v = attn_av(qkv[2].view(), qk.scores.view(), qk.info.view(), fm)?;
        taps.push(t("attn_v"), &attn_v);
        let proj_bias = bias_to_fm(slice(&layer.proj_bias), &n.wt_attn_bias, &n.wt_wbias, fm);
        let proj = linear(
            attn_v.view(),
            &LinearWeights {
                weights: layer.proj_weight.view(),
                format: n.wt_linear,
                bias_fm: &proj_bias,
            },
            None,
            fm,
        )?;
        taps.push(t("proj"), &proj);
        residual(&mut x, &proj, fm);
        taps.push(t("x_attn"), &x);

        let ln2 = norm(&x, layer, true, eps, n, &mut ln_events)?;
        taps.push(t("ln2"), &ln2);
        let ffn_out = match &layer.ffn {
            Ffn::Dense {
                fc1_weight,
                fc1_bias,
                fc2_weight,
                fc2_bias,
            } => {
                let b1 = bias_to_fm(slice(fc1_bias), &n.wt_bias, &n.wt_wbias, fm);
                let b2 = bias_to_fm(slice(fc2_bias), &n.wt_bias, &n.wt_wbias, fm);
                let hidden = linear(
                    ln2.view(),
                    &LinearWeights {
                        weights: fc1_weight.view(),
                        format: n.wt_linear,
                        bias_fm: &b1,
                    },
                    Some(&gelu),
                    fm,
                )?;
                taps.push(t("mlp_hidden"), &hidden);
                let out = linear(
                    hidden.view(),
                    &LinearWeights {
                        weights: fc2_weight.view(),
                        format: n.wt_linear,
                        bias_fm: &b2,
                    },
                    None,
                    fm,
                )?;
                taps.push(t("mlp_out"), &out);
                out
            }
            Ffn::Moe {
                w_gate,
                fc1_weight,
                fc1_bias,
                fc2_weight,
                fc2_bias,
            } => {
                let choices = gating(ln2.view(), w_gate[spec.task].view(), &n.wt_linear, fm)?;
                let queues = patch_reorder(&choices, m.experts);
                let mut out = Array2::<i64>::zeros(ln2.dim());
                for &e in &queues.metaqueue {
                    let queue = &queues.queues[e];
                    let rows =
                        Array2::from_shape_fn((queue.len(), d), |(i, j)| ln2[[queue[i].token, j]]);
                    let b1 = bias_to_fm(
                        fc1_bias.row(e).as_slice().expect("standard layout"),
                        &n.wt_bias,
                        &n.wt_wbias,
                        fm,
                    );
                    let b2 = bias_to_fm(
                        fc2_bias.row(e).as_slice().expect("standard layout"),
                        &n.wt_bias,
                        &n.wt_wbias,
                        fm,
                    );
                    let hidden = linear(
                        rows.view(),
                        &LinearWeights {
                            weights: fc1_weight.index_axis(Axis(0), e),
                            format: n.wt_linear,
                            bias_fm: &b1,
                        },
                        Some(&gelu),
                        fm,
                    )?;
                    let y = linear(
                        hidden.view(),
                        &LinearWeights {
                            weights: fc2_weight.index_axis(Axis(0), e),
                            format: n.wt_linear,
                            bias_fm: &b2,
                        },
                        None,
                        fm,
                    )?;
                    for (i, entry) in queue.iter().enumerate() {
                        let mut dst = out.row_mut(entry.token);
                        scaled_accumulate(
                            dst.as_slice_mut().expect("standard layout"),
                            y.row(i).as_slice().expect("standard layout"),
                            entry.score,
                            fm,
                        );
                    }
                }
                routing.push((l, queues));
                taps.push(t("moe_out"), &out);
                out
            }
        };
        residual(&mut x, &ffn_out, fm);
        taps.push(t("x"), &x);
    }
    Ok(FixedFrame {
        taps,
        ln_events,
        routing,
    })
}

fn slice(a: &ndarray::Array1<i64>) -> &[i64] {
    a.as_slice().expect("standard layout")
}

fn norm(
    x: &Array2<i64>,
    layer: &Layer<i64>,
    second: bool,
    eps: i64,
    n: &Numerics,
    events: &mut LnEvents,
) -> Result<Array2<i64>, MacError> {
    let (y, e) = layernorm(x.view(), &layer.layernorm_params(second, eps, n), &n.fm)?;
    events.merge(e);
    Ok(y)
}

/// `x = x + y` element-wise in fm_t (`compute_add`).
fn residual(x: &mut Array2<i64>, y: &Array2<i64>, fm: &crate::fixed::Format) {
    x.zip_mut_with(y, |a, &b| *a = mac::add(fm, *a, b));
}
