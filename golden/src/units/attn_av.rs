//! `attn_av`: softmax(S)·V, normalising the raw scores on the fly (§4.4, §5 step 7).
//!
//! ```text
//!   scores [row][key][head] ──► p = ⌊exp(fm_t(s − m)) · recip_sum⌋ (12 exp per key: 4 lanes × 3 heads)
//!   info   [row][head]      ──┘            │
//!   V beats ───────────────────────────────► acc[lane][d] += ⌊V[key][d] · p[head(d)]⌋ ──► out [row][d]
//! ```
//! The accumulation is modular (AP_WRAP), so the lane's staggered key order does not change the bits.

use ndarray::{Array2, ArrayView2, ArrayView3, Axis};
use rayon::prelude::*;

use super::mac::{Mac, MacError};
use super::softmax::{probability, SoftmaxInfo};
use crate::fixed::Format;

/// `out[row][d] = Σ_key ⌊V[key][d] · p(row, key, head(d))⌋`.
pub fn attn_av(
    v: ArrayView2<i64>,
    scores: ArrayView3<i64>,
    info: ArrayView2<SoftmaxInfo>,
    fm: &Format,
) -> Result<Array2<i64>, MacError> {
    let (tokens, dim) = v.dim();
    let heads = info.dim().1;
    let head_dim = dim / heads;
    let mac = Mac::new(*fm, *fm, *fm)?;
    let mut out = Array2::<i64>::zeros((tokens, dim));
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(row, mut out_row)| {
            let mut p = vec![0i64; tokens * heads];
            for key in 0..tokens {
                for h in 0..heads {
                    p[key * heads + h] = probability(scores[[row, key, h]], &info[[row, h]], fm);
                }
            }
            // Key-major, so V is read row by row; the sum is modular, so the order does not matter.
            let mut acc = vec![0i64; dim];
            for key in 0..tokens {
                let v_row = v.row(key);
                let v_row = v_row.as_slice().expect("activations are standard-layout");
                for h in 0..heads {
                    let span = h * head_dim..(h + 1) * head_dim;
                    mac.axpy(&mut acc[span.clone()], &v_row[span], p[key * heads + h]);
                }
            }
            mac.settle(&mut acc);
            for (o, a) in out_row.iter_mut().zip(acc) {
                *o = a;
            }
        });
    Ok(out)
}
