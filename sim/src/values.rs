//! The values of a simulated frame: each invocation of the program runs its golden kernel on the named
//! DDR buffers it reads and writes, so the simulator's bits are golden's by construction. What this
//! checks is the schedule: every buffer read holds what the previous invocations left there, as on the
//! board. The taps it records are compared with `golden::model::forward::forward_fixed`.

use std::collections::HashMap;

use golden::fixed::Format;
use golden::model::config::{ModelConfig, Numerics};
use golden::model::taps::Taps;
use golden::model::weights::{Ffn, Layer, Weights as ModelWeights};
use golden::units::attn_av::attn_av;
use golden::units::gating::gating;
use golden::units::gelu::Gelu;
use golden::units::layernorm::{layernorm, LnEvents};
use golden::units::linear::{bias_to_fm, linear, scaled_accumulate, LinearWeights};
use golden::units::mac::{self, MacError};
use golden::units::patch_embed::patch_embed;
use golden::units::patch_reorder::{patch_reorder, ExpertQueues};
use golden::units::qk_scores::{qk_scores, AttnGeometry, QkOutput};
use ndarray::{s, Array1, Array2, ArrayView2, Axis};

use crate::memory::layout::Buf;
use crate::schedule::{Op, OpKind, Weights};
use crate::units::linear::Rows;

/// The buffers and what the frame has produced so far.
pub struct Values<'a> {
    model: &'a ModelConfig,
    numerics: &'a Numerics,
    weights: &'a ModelWeights<i64>,
    geometry: AttnGeometry,
    task: usize,
    gelu: Gelu,
    bufs: HashMap<Buf, Array2<i64>>,
    attn: Option<QkOutput>,
    /// The current MoE layer's queues.
    pub queues: Option<ExpertQueues>,
    /// Every tap, in program order.
    pub taps: Taps<i64>,
    /// LayerNorm events.
    pub ln_events: LnEvents,
}

impl<'a> Values<'a> {
    /// Empty buffers for a frame of `weights`.
    pub fn new(
        model: &'a ModelConfig,
        numerics: &'a Numerics,
        weights: &'a ModelWeights<i64>,
        geometry: AttnGeometry,
        task: usize,
    ) -> Self {
        Values {
            model,
            numerics,
            weights,
            geometry,
            task,
            gelu: Gelu::new(numerics.fm),
            bufs: HashMap::new(),
            attn: None,
            queues: None,
            taps: Taps::default(),
            ln_events: LnEvents::default(),
        }
    }

    fn buf(&self, b: Buf) -> ArrayView2<'_, i64> {
        self.bufs
            .get(&b)
            .map(|a| a.view())
            .unwrap_or_else(|| ArrayView2::from_shape((0, 0), &[]).expect("empty view"))
    }

    fn layer(&self, op: &Op) -> &'a Layer<i64> {
        &self.weights.layers[op.layer.expect("a layer op has a layer")]
    }

    /// Runs `op`'s kernel and records its tap.
    pub fn exec(&mut self, op: &Op) -> Result<(), MacError> {
        let fm = self.numerics.fm;
        let n = self.numerics;
        match &op.kind {
            OpKind::PatchEmbed => {
                let w = self.weights;
                let x = patch_embed(w.image.view(), &n.pixel, &w.patch_embed_operands(n), &fm)?;
                self.bufs.insert(Buf::X, x);
            }
            OpKind::LoadNorms | OpKind::LoadLinear { .. } | OpKind::LoadGate { .. } => {}
            OpKind::LayerNorm { second, src, dst } => {
                let layer = self.layer(op);
                let eps = fm.from_f64(self.model.layernorm_eps).unwrap_or(0);
                let params = layer.layernorm_params(*second, eps, n);
                let (y, e) = layernorm(self.buf(*src), &params, &fm)?;
                self.ln_events.merge(e);
                self.bufs.insert(*dst, y);
            }
            OpKind::Linear { call, weights, .. } => {
                let layer = self.layer(op);
                let (w, bias, bias_format) = self.params(layer, *weights);
                let bias_fm = bias_to_fm(&bias, &bias_format, &n.wt_wbias, &fm);
                let lw = LinearWeights {
                    weights: w,
                    format: n.wt_linear,
                    bias_fm: &bias_fm,
                };
                let gelu = call.gelu.then_some(&self.gelu);
                match &call.rows {
                    Rows::All(_) => {
                        let y = linear(self.buf(call.src), &lw, gelu, &fm)?;
                        self.bufs.insert(call.dst, y);
                    }
                    Rows::Gather(tokens) => {
                        let src = self.buf(call.src);
                        let x = Array2::from_shape_fn((tokens.len(), call.in_dim), |(i, j)| {
                            src[[tokens[i], j]]
                        });
                        let y = linear(x.view(), &lw, gelu, &fm)?;
                        let tokens_n = self.model.tokens();
                        let queue = self.queue_of(*weights);
                        let dst = self
                            .bufs
                            .entry(call.dst)
                            .or_insert_with(|| Array2::zeros((tokens_n, call.out_dim)));
                        if dst.ncols() != call.out_dim {
                            *dst = Array2::zeros((tokens_n, call.out_dim));
                        }
                        if call.use_score {
                            for (i, entry) in queue.iter().enumerate() {
                                let mut row = dst.row_mut(entry.token);
                                scaled_accumulate(
                                    row.as_slice_mut().expect("standard layout"),
                                    y.row(i).as_slice().expect("standard layout"),
                                    entry.score,
                                    &fm,
                                );
                            }
                        } else {
                            for (i, &t) in tokens.iter().enumerate() {
                                dst.row_mut(t).assign(&y.row(i));
                            }
                        }
                    }
                }
            }
            OpKind::QkScores { q, k } => {
                let scale = fm.from_f64(self.model.attn_scale).unwrap_or(0);
                self.attn = Some(qk_scores(
                    self.buf(*q),
                    self.buf(*k),
                    scale,
                    self.geometry,
                    &fm,
                )?);
            }
            OpKind::AttnAv { v, dst } => {
                let qk = self.attn.as_ref().expect("qk_scores ran before attn_av");
                let y = attn_av(self.buf(*v), qk.scores.view(), qk.info.view(), &fm)?;
                self.bufs.insert(*dst, y);
            }
            OpKind::Add { x, y } => {
                let yv = self.buf(*y).to_owned();
                if let Some(xv) = self.bufs.get_mut(x) {
                    xv.zip_mut_with(&yv, |a, &b| *a = mac::add(&fm, *a, b));
                }
            }
            OpKind::Gating { src } => {
                let Ffn::Moe { w_gate, .. } = &self.layer(op).ffn else {
                    unreachable!("gating is scheduled in MoE layers only")
                };
                let choices = gating(self.buf(*src), w_gate[self.task].view(), &n.wt_linear, &fm)?;
                self.queues = Some(patch_reorder(&choices, self.model.experts));
            }
            OpKind::Memset { dst } => {
                let (t, d) = (self.model.tokens(), self.model.embed_dim);
                self.bufs.insert(*dst, Array2::zeros((t, d)));
            }
        }
        if let Some((name, buf)) = &op.tap {
            let v = self.bufs.get(buf).cloned().unwrap_or_default();
            self.taps.push(name.clone(), &v);
        }
        Ok(())
    }

    fn queue_of(&self, w: Weights) -> Vec<golden::units::patch_reorder::QueueEntry> {
        match (w, &self.queues) {
            (Weights::ExpertFc1(e) | Weights::ExpertFc2(e), Some(q)) => q.queues[e].clone(),
            _ => Vec::new(),
        }
    }

    fn params(&self, layer: &'a Layer<i64>, w: Weights) -> (ArrayView2<'a, i64>, Vec<i64>, Format) {
        let n = self.numerics;
        let d = self.model.embed_dim;
        match (w, &layer.ffn) {
            (Weights::Qkv(i), _) => (
                layer.qkv_weight.slice(s![i * d..(i + 1) * d, ..]),
                slice(&layer.qkv_bias)[i * d..(i + 1) * d].to_vec(),
                n.wt_attn_bias,
            ),
            (Weights::Proj, _) => (
                layer.proj_weight.view(),
                slice(&layer.proj_bias).to_vec(),
                n.wt_attn_bias,
            ),
            (
                Weights::Fc1,
                Ffn::Dense {
                    fc1_weight,
                    fc1_bias,
                    ..
                },
            ) => (fc1_weight.view(), slice(fc1_bias).to_vec(), n.wt_bias),
            (
                Weights::Fc2,
                Ffn::Dense {
                    fc2_weight,
                    fc2_bias,
                    ..
                },
            ) => (fc2_weight.view(), slice(fc2_bias).to_vec(), n.wt_bias),
            (
                Weights::ExpertFc1(e),
                Ffn::Moe {
                    fc1_weight,
                    fc1_bias,
                    ..
                },
            ) => (
                fc1_weight.index_axis(Axis(0), e),
                fc1_bias.row(e).to_vec(),
                n.wt_bias,
            ),
            (
                Weights::ExpertFc2(e),
                Ffn::Moe {
                    fc2_weight,
                    fc2_bias,
                    ..
                },
            ) => (
                fc2_weight.index_axis(Axis(0), e),
                fc2_bias.row(e).to_vec(),
                n.wt_bias,
            ),
            _ => unreachable!(
                "the schedule pairs dense weights with dense layers and experts with MoE layers"
            ),
        }
    }
}

fn slice(a: &Array1<i64>) -> &[i64] {
    a.as_slice().expect("standard layout")
}
