//! `linear`: the unified linear unit shared by Q, K, V, proj, the dense MLP and every expert (§8).
//!
//! ```text
//!              ┌──────────── compute_linear (read ─► compute ─► write) ─────────────┐
//!   x[token] ──►  in-cache (48 × 16 fm_t) ──► 16×16 MAC tile ──► acc[16] ─► GELU? ───┼──► y[token]
//!   W ping/pong, bias (ap_fixed<18,7>) ────────────┘        └─ × gate, += dst (MoE) ─┘
//! ```
//! `acc[r] = bias[r]; acc[r] += ⌊x[k]·W[r][k]⌋` over the input, then an optional GELU. The 16×16 tile
//! and its loop order set the timing, not the bits: the accumulation is modular, so any tile gives the
//! same result. In the MoE, fc2 runs with `use_score`: `dst[t] = dst[t] + ⌊g·y[t]⌋` per element, with the
//! bias inside y, so it is scaled by the gate too.

use ndarray::{Array2, ArrayView2, ArrayViewMut1, Axis};
use rayon::prelude::*;

use super::gelu::Gelu;
use super::mac::{self, Mac, MacError};
use crate::fixed::Format;

/// A loaded layer: weights `[out][in]` and the bias already in fm_t.
#[derive(Clone, Debug)]
pub struct LinearWeights<'a> {
    /// Raw weights, `[out][in]`, in `format`.
    pub weights: ArrayView2<'a, i64>,
    /// The weight format (`wt_linear_t`).
    pub format: Format,
    /// The bias, converted exactly through the on-chip `wt_wbias_t` buffer into fm_t.
    pub bias_fm: &'a [i64],
}

/// `y = [GELU](x·Wᵀ + b)` for every row of `x` (`[token][in]`), in `fm`.
pub fn linear(
    x: ArrayView2<i64>,
    layer: &LinearWeights,
    gelu: Option<&Gelu>,
    fm: &Format,
) -> Result<Array2<i64>, MacError> {
    let tokens = x.nrows();
    let outs = layer.weights.nrows();
    let mac = Mac::new(*fm, *fm, layer.format)?;
    let mut y = Array2::<i64>::zeros((tokens, outs));
    y.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(t, y_row)| {
            linear_row(
                x.row(t).as_slice().expect("standard layout"),
                layer,
                gelu,
                &mac,
                y_row,
            )
        });
    Ok(y)
}

/// One token through the unit.
pub fn linear_row(
    x: &[i64],
    layer: &LinearWeights,
    gelu: Option<&Gelu>,
    mac: &Mac,
    mut y: ArrayViewMut1<i64>,
) {
    for (r, w) in layer.weights.axis_iter(Axis(0)).enumerate() {
        let acc = mac.dot(layer.bias_fm[r], x, w.as_slice().expect("standard layout"));
        y[r] = match gelu {
            Some(g) => g.apply(acc),
            None => acc,
        };
    }
}

/// `dst = dst + ⌊g·y⌋` element-wise: fc2's `use_score` write-back in the MoE (§9).
pub fn scaled_accumulate(dst: &mut [i64], y: &[i64], gate: i64, fm: &Format) {
    for (d, &v) in dst.iter_mut().zip(y) {
        *d = mac::add(fm, *d, fm.from_product(v, fm, gate, fm));
    }
}

/// The bias path: stored type → `wt_wbias_t` (the on-chip buffer) → fm_t.
pub fn bias_to_fm(raw: &[i64], stored: &Format, wbias: &Format, fm: &Format) -> Vec<i64> {
    raw.iter()
        .map(|&b| fm.convert(wbias.convert(b, stored), wbias))
        .collect()
}
