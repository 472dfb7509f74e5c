//! `gating`: the MoE gate: logits, the online softmax, top-2 and the gate values (§9).
//!
//! ```text
//!            ┌── compute_gating (read_gate_inp ─► compute ─► write_gate_results) ──┐
//!   x[token] ─►  logits[e] = Σ ⌊x·w_gate[e]⌋  (16×8 MACs per cycle, no bias)        │
//!            │   online softmax over e = 0..15 (II 3)                              │
//!            │   top-2 by insertion on the raw logits, strict >                     ├─► (e1, g1), (e2, g2)
//!            │   g = exp(fm_t(logit − m)) / s   (division, not renormalised)        │
//!            └─────────────────────────────────────────────────────────────────────┘
//! ```
//! Top-k starts from two placeholders (expert 0, fm_t minimum) and walks the experts in index order,
//! replacing on strictly greater logits, so ties keep the lower index. Only logits equal to the fm_t
//! minimum can leave a placeholder in place, in which case top-1 and top-2 can both be expert 0 and the
//! token is queued twice for it, as in the hardware (needs ≥ 15 logits at exactly −512).

use ndarray::ArrayView2;

use super::mac::{Mac, MacError};
use super::softmax::{gate_softmax, gate_value};
use crate::fixed::Format;

/// One token's routing: the two chosen experts (top-1 first) and their gate values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GateChoice {
    /// Expert indices, top-1 first.
    pub experts: [usize; 2],
    /// Gate values in fm_t, same order.
    pub scores: [i64; 2],
}

/// The two largest logits by sequential insertion (strict `>`; ties keep the lower index).
pub fn top2(logits: &[i64], fm: &Format) -> [(usize, i64); 2] {
    let mut best = [(0usize, fm.min_raw()); 2];
    for (e, &l) in logits.iter().enumerate() {
        if l > best[0].1 {
            best[1] = best[0];
            best[0] = (e, l);
        } else if l > best[1].1 {
            best[1] = (e, l);
        }
    }
    best
}

/// The expert logits of one token: `Σ_d ⌊x[d]·w_gate[e][d]⌋` in fm_t.
pub fn logits(x: &[i64], w_gate: ArrayView2<i64>, mac: &Mac) -> Vec<i64> {
    w_gate
        .rows()
        .into_iter()
        .map(|w| mac.dot(0, x, w.as_slice().expect("standard layout")))
        .collect()
}

/// Routes every token (row of `x`) through the gate `w_gate` (`[expert][dim]` in `wt_format`).
pub fn gating(
    x: ArrayView2<i64>,
    w_gate: ArrayView2<i64>,
    wt_format: &Format,
    fm: &Format,
) -> Result<Vec<GateChoice>, MacError> {
    let mac = Mac::new(*fm, *fm, *wt_format)?;
    Ok(x.rows()
        .into_iter()
        .map(|row| {
            let l = logits(row.as_slice().expect("standard layout"), w_gate, &mac);
            route(&l, fm)
        })
        .collect())
}

/// Top-2 and gate values from one token's logits.
pub fn route(logits: &[i64], fm: &Format) -> GateChoice {
    let state = gate_softmax(logits, fm);
    let [(e1, l1), (e2, l2)] = top2(logits, fm);
    GateChoice {
        experts: [e1, e2],
        scores: [gate_value(l1, &state, fm), gate_value(l2, &state, fm)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm() -> Format {
        Format::signed(32, 10).unwrap()
    }

    #[test]
    fn ties_in_top2_keep_the_lower_expert_index() {
        let mut l = vec![0i64; 16];
        l[3] = 5;
        l[9] = 5;
        l[12] = 5;
        assert_eq!(top2(&l, &fm()), [(3, 5), (9, 5)]);
    }

    #[test]
    fn second_place_is_filled_by_a_later_smaller_logit() {
        let l = [10i64, 1, 2, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15];
        assert_eq!(top2(&l, &fm()), [(4, 20), (15, 15)]);
    }

    #[test]
    fn all_logits_at_the_minimum_leave_both_placeholders_on_expert_zero() {
        let min = fm().min_raw();
        let l = vec![min; 16];
        assert_eq!(top2(&l, &fm()), [(0, min), (0, min)]);
    }

    #[test]
    fn gate_values_are_softmax_probabilities_without_renormalisation() {
        let fm = fm();
        let mut l = vec![0i64; 16];
        l[2] = 2 << 22;
        l[7] = 1 << 22;
        let c = route(&l, &fm);
        assert_eq!(c.experts, [2, 7]);
        let z: f64 = 14.0 + 2f64.exp() + 1f64.exp();
        let g1 = fm.to_f64(c.scores[0]);
        let g2 = fm.to_f64(c.scores[1]);
        assert!((g1 - 2f64.exp() / z).abs() < 1e-5, "{g1}");
        assert!((g2 - 1f64.exp() / z).abs() < 1e-5, "{g2}");
    }
}
