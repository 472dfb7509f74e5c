//! `qk_scores`: the QKᵀ unit with the P-lane staggered reordering and the online softmax (§4.1, §5).
//!
//! ```text
//!            ┌──────────── compute_q_matmul_k (6 processes) ─────────────┐
//!   Q rows ──►  q_blocks[P]  ──► P lanes × 8 MAC ──► acc[lane][head] ────┼─► scores [row][key][head]
//!   K beats ─►  (one beat per cycle, re-streamed ⌈(N+P−1)/P⌉ times)      │
//!            │                 └─► finalize_attn (II 3) ─────────────────┼─► info [row][head]
//!            └───────────────────────────────────────────────────────────┘
//! ```
//! A score is `Σ_chunks ⌊(Σ_{8 elements} ⌊q·k⌋) · attn_scale⌋`: the 8 products of one 256-bit beat are
//! summed in fm_t, then scaled by 0.125, then added to the head's accumulator, so there are 8 floorings of
//! the scale per 64-dim head. The lane that owns row r is `o = r mod P`; the new query row only reaches
//! its lane when the key index equals `o`, so row r sees keys `o, o+1, …, N−1, 0, …, o−1`. Every row
//! still sees every key (the scores do not depend on P), but the softmax state is updated in that order,
//! so its bits do.

use ndarray::{Array2, Array3, ArrayView2, Axis};
use rayon::prelude::*;

use super::mac::{self, Mac, MacError};
use super::softmax::{OnlineSoftmax, SoftmaxInfo};
use crate::fixed::Format;

/// How the attention units cut the embedding: heads, the beat (products summed before scaling), lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttnGeometry {
    /// Attention heads (3 in M3ViT-Tiny).
    pub heads: usize,
    /// fm_t elements per beat: the partial sum that is scaled as one (8 = 256 bit / 32 bit).
    pub beat: usize,
    /// P, the query rows in flight (4 in Edge-MoE).
    pub lanes: usize,
}

/// The scores and softmax statistics of one layer's attention.
#[derive(Clone, Debug, PartialEq)]
pub struct QkOutput {
    /// Raw (unnormalised, scaled) scores, `[row][key][head]`.
    pub scores: Array3<i64>,
    /// Per row and head: recip of the softmax sum and the maximum, `[row][head]`.
    pub info: Array2<SoftmaxInfo>,
}

/// The order in which lane `row mod P` meets the keys of `row`.
pub fn key_order(row: usize, tokens: usize, lanes: usize) -> impl Iterator<Item = usize> {
    let first = row % lanes;
    (first..tokens).chain(0..first)
}

/// One score: `q`·`k` over one head, beat by beat, each beat's sum scaled by `scale` (§4.1).
#[inline]
pub fn head_score(
    q: &[i64],
    k: &[i64],
    scale: i64,
    beat: usize,
    dot: &Mac,
    scale_mac: &Mac,
) -> i64 {
    let fm = dot.acc_format();
    q.chunks(beat).zip(k.chunks(beat)).fold(0, |acc, (qb, kb)| {
        let partial = dot.dot(0, qb, kb);
        mac::add(fm, acc, scale_mac.product(partial, scale))
    })
}

/// QKᵀ with the online softmax for all rows. `q` and `k` are `[token][dim]` in `fm`; `scale` is the raw
/// fm_t attention scale (0.125).
pub fn qk_scores(
    q: ArrayView2<i64>,
    k: ArrayView2<i64>,
    scale: i64,
    geometry: AttnGeometry,
    fm: &Format,
) -> Result<QkOutput, MacError> {
    let (tokens, dim) = q.dim();
    let head_dim = dim / geometry.heads;
    let dot = Mac::new(*fm, *fm, *fm)?;
    let scale_mac = Mac::new(*fm, *fm, *fm)?;
    let mut scores = Array3::<i64>::zeros((tokens, tokens, geometry.heads));
    let mut info = Array2::<SoftmaxInfo>::default((tokens, geometry.heads));
    scores
        .axis_iter_mut(Axis(0))
        .into_par_iter()
        .zip(info.axis_iter_mut(Axis(0)))
        .enumerate()
        .for_each(|(row, (mut row_scores, mut row_info))| {
            let qr = q.row(row);
            let qr = qr.as_slice().expect("activations are standard-layout");
            for key in 0..tokens {
                let kr = k.row(key);
                let kr = kr.as_slice().expect("activations are standard-layout");
                for h in 0..geometry.heads {
                    let span = h * head_dim..(h + 1) * head_dim;
                    row_scores[[key, h]] = head_score(
                        &qr[span.clone()],
                        &kr[span],
                        scale,
                        geometry.beat,
                        &dot,
                        &scale_mac,
                    );
                }
            }
            for h in 0..geometry.heads {
                let mut state = OnlineSoftmax::new(fm);
                for key in key_order(row, tokens, geometry.lanes) {
                    state.update(row_scores[[key, h]], fm);
                }
                row_info[h] = state.info(fm);
            }
        });
    Ok(QkOutput { scores, info })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_o_starts_at_key_o_and_wraps_around() {
        let order: Vec<usize> = key_order(6, 9, 4).collect();
        assert_eq!(order, vec![2, 3, 4, 5, 6, 7, 8, 0, 1]);
        let order: Vec<usize> = key_order(8, 9, 4).collect();
        assert_eq!(order, (0..9).collect::<Vec<_>>());
    }

    #[test]
    fn the_scale_is_floored_once_per_beat() {
        let fm = Format::signed(32, 10).unwrap();
        let mac = Mac::new(fm, fm, fm).unwrap();
        // Each beat sums to 1 raw (q = 1.0, k = 2^-22 once); ⌊1 · 0.125⌋ = 0 per beat, so 16 beats give 0
        // where scaling the full sum once would give ⌊16/8⌋ = 2.
        let mut q = vec![0i64; 128];
        let mut k = vec![0i64; 128];
        for b in 0..16 {
            q[b * 8] = 1 << 22;
            k[b * 8] = 1;
        }
        assert_eq!(head_score(&q, &k, 1 << 19, 8, &mac, &mac), 0);
    }
}
