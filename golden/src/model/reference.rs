//! The same M3ViT graph in `f64` with exact nonlinearities: the float twin that `verify` measures the
//! fixed-point frame against. It reads the unquantised float weights, as PyTorch would.
//!
//! Exact here means: LayerNorm with the true mean and (biased) variance, softmax with `exp` and a true
//! division, GELU with `erf`, the gate's probabilities over all experts without renormalisation of the
//! top-2 (as M3ViT's `NoisyGate_VMoE` at inference). Routing ties keep the lower expert index.

use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use rayon::prelude::*;

use super::config::ModelConfig;
use super::taps::Taps;
use super::weights::{Ffn, Weights};

/// Runs one frame in f64 for `task`.
pub fn forward_f64(m: &ModelConfig, w: &Weights<f64>, task: usize) -> Taps<f64> {
    let mut taps = Taps::default();
    let d = m.embed_dim;
    let mut x = patch_embed(m, w);
    taps.push("patch_embed", &x);
    for (l, layer) in w.layers.iter().enumerate() {
        let t = |s: &str| format!("l{l}.{s}");
        let ln1 = layernorm(&x, &layer.norm[0], &layer.norm[1], m.layernorm_eps);
        taps.push(t("ln1"), &ln1);
        let mut qkv = Vec::new();
        for (i, name) in ["q", "k", "v"].into_iter().enumerate() {
            let y = linear(
                ln1.view(),
                layer.qkv_weight.slice(s![i * d..(i + 1) * d, ..]),
                layer.qkv_bias.slice(s![i * d..(i + 1) * d]).to_owned(),
            );
            taps.push(t(name), &y);
            qkv.push(y);
        }
        let attn_v = attention(&qkv[0], &qkv[1], &qkv[2], m.heads, m.attn_scale);
        taps.push(t("attn_v"), &attn_v);
        let proj = linear(
            attn_v.view(),
            layer.proj_weight.view(),
            layer.proj_bias.clone(),
        );
        taps.push(t("proj"), &proj);
        x += &proj;
        taps.push(t("x_attn"), &x);
        let ln2 = layernorm(&x, &layer.norm[2], &layer.norm[3], m.layernorm_eps);
        taps.push(t("ln2"), &ln2);
        let out = match &layer.ffn {
            Ffn::Dense {
                fc1_weight,
                fc1_bias,
                fc2_weight,
                fc2_bias,
            } => {
                let mut hidden = linear(ln2.view(), fc1_weight.view(), fc1_bias.clone());
                hidden.mapv_inplace(gelu);
                taps.push(t("mlp_hidden"), &hidden);
                let out = linear(hidden.view(), fc2_weight.view(), fc2_bias.clone());
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
                let mut out = Array2::<f64>::zeros(ln2.dim());
                let logits = ln2.dot(&w_gate[task].t());
                for (tok, row) in logits.axis_iter(Axis(0)).enumerate() {
                    let max = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
                    let z: f64 = row.iter().map(|&v| (v - max).exp()).sum();
                    for e in top2(row.as_slice().expect("standard layout")) {
                        let g = (row[e] - max).exp() / z;
                        let xin = ln2.slice(s![tok..tok + 1, ..]);
                        let mut h = linear(
                            xin,
                            fc1_weight.index_axis(Axis(0), e),
                            fc1_bias.row(e).to_owned(),
                        );
                        h.mapv_inplace(gelu);
                        let y = linear(
                            h.view(),
                            fc2_weight.index_axis(Axis(0), e),
                            fc2_bias.row(e).to_owned(),
                        );
                        out.row_mut(tok).scaled_add(g, &y.row(0));
                    }
                }
                taps.push(t("moe_out"), &out);
                out
            }
        };
        x += &out;
        taps.push(t("x"), &x);
    }
    taps
}

/// Exact GELU: x·Φ(x).
pub fn gelu(x: f64) -> f64 {
    0.5 * x * (1.0 + libm::erf(x / std::f64::consts::SQRT_2))
}

fn top2(logits: &[f64]) -> [usize; 2] {
    let mut best = [(0usize, f64::NEG_INFINITY); 2];
    for (e, &l) in logits.iter().enumerate() {
        if l > best[0].1 {
            best[1] = best[0];
            best[0] = (e, l);
        } else if l > best[1].1 {
            best[1] = (e, l);
        }
    }
    [best[0].0, best[1].0]
}

fn patch_embed(m: &ModelConfig, w: &Weights<f64>) -> Array2<f64> {
    let p = m.patch;
    let cols = m.image_width / p;
    let mut x = w.pos_embed.clone();
    x.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .skip(1)
        .for_each(|(token, mut row)| {
            let (py, px) = ((token - 1) / cols, (token - 1) % cols);
            let patch = w
                .image
                .slice(s![.., py * p..(py + 1) * p, px * p..(px + 1) * p]);
            for (dd, v) in row.iter_mut().enumerate() {
                let k = w.patch_weight.index_axis(Axis(0), dd);
                *v += w.patch_bias[dd] + (&patch * &k).sum();
            }
        });
    x
}

fn layernorm(x: &Array2<f64>, gamma: &Array1<f64>, beta: &Array1<f64>, eps: f64) -> Array2<f64> {
    let mut y = x.clone();
    for mut row in y.axis_iter_mut(Axis(0)) {
        let n = row.len() as f64;
        let mean = row.sum() / n;
        let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let rstd = 1.0 / (var + eps).sqrt();
        for ((v, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *v = (*v - mean) * rstd * g + b;
        }
    }
    y
}

fn linear(x: ArrayView2<f64>, w: ArrayView2<f64>, b: Array1<f64>) -> Array2<f64> {
    x.dot(&w.t()) + &b
}

fn attention(
    q: &Array2<f64>,
    k: &Array2<f64>,
    v: &Array2<f64>,
    heads: usize,
    scale: f64,
) -> Array2<f64> {
    let (n, d) = q.dim();
    let hd = d / heads;
    let mut out = Array2::<f64>::zeros((n, d));
    for h in 0..heads {
        let cols = s![.., h * hd..(h + 1) * hd];
        let scores = q.slice(cols).dot(&k.slice(cols).t()) * scale;
        let mut probs = scores;
        for mut row in probs.axis_iter_mut(Axis(0)) {
            let max = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            row.mapv_inplace(|s| (s - max).exp());
            let z = row.sum();
            row /= z;
        }
        out.slice_mut(cols).assign(&probs.dot(&v.slice(cols)));
    }
    out
}
