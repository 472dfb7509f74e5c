//! `patch_embed`: the 16×16 stride-16 convolution that turns the image into tokens (§10).
//!
//! ```text
//!   image (3 × H × W, ap_ufixed<8,0>) ──► per patch p, dim d:
//!        acc = bias[d];  acc += ⌊pixel · w[d][c][y][x]⌋ over c, y, x          (256 MAC / cycle)
//!   x[1 + p][d] = acc + pos_embed[1 + p][d];   x[0] = pos_embed[0]  (class token folded in)
//! ```
//! Each 24-fractional-bit product is floored to fm_t individually; the sums wrap, so the hardware's
//! channel → line → patch-pair → dim-block loop order does not change the bits.

use ndarray::{Array2, ArrayView2, ArrayView3, ArrayView4, Axis};
use rayon::prelude::*;

use super::mac::{self, Mac, MacError};
use crate::fixed::Format;

/// The patch-embedding parameters.
#[derive(Clone, Debug)]
pub struct PatchEmbedWeights<'a> {
    /// Conv weights `[dim][channel][16][16]` (`wt_patch_embed_t`).
    pub weights: ArrayView4<'a, i64>,
    /// Their format.
    pub weight_format: Format,
    /// Bias `[dim]` (`wt_bias_t`).
    pub bias: &'a [i64],
    /// Its format.
    pub bias_format: Format,
    /// Position embedding `[tokens][dim]`, already in fm_t (token 0 holds the class token).
    pub pos_embed: ArrayView2<'a, i64>,
}

/// Tokens `[1 + patches][dim]` from an image `[channel][height][width]` in `pixel` format.
pub fn patch_embed(
    image: ArrayView3<i64>,
    pixel: &Format,
    params: &PatchEmbedWeights,
    fm: &Format,
) -> Result<Array2<i64>, MacError> {
    let (channels, height, width) = image.dim();
    let (dims, _, patch, _) = params.weights.dim();
    let cols = width / patch;
    let patches = (height / patch) * cols;
    let mac = Mac::new(*fm, *pixel, params.weight_format)?;
    let mut x = Array2::<i64>::zeros((patches + 1, dims));
    x.row_mut(0).assign(&params.pos_embed.row(0));
    x.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .skip(1)
        .for_each(|(token, mut row)| {
            let p = token - 1;
            let (py, px) = (p / cols, p % cols);
            for d in 0..dims {
                let mut acc = fm.convert(params.bias[d], &params.bias_format);
                for c in 0..channels {
                    for y in 0..patch {
                        for xx in 0..patch {
                            let pix = image[[c, py * patch + y, px * patch + xx]];
                            acc = mac.step(acc, pix, params.weights[[d, c, y, xx]]);
                        }
                    }
                }
                row[d] = mac::add(fm, acc, params.pos_embed[[token, d]]);
            }
        });
    Ok(x)
}
