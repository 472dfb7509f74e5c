//! Single-pass ("online") softmax statistics (§5): `finalize_attn` for attention rows and the gating
//! variant (`update_softmax_info`) for the 16 expert logits.
//!
//! ```text
//!            ┌───────────── state per (row, head): sum s, max m (fm_t) ─────────────┐
//!   x : fm_t ─►  d = m − x (exact) ─► d < 0 ? s = ⌊s·exp(d)⌋ + 1, m = x             ├─► recip(s), m
//!            │                       : s = s + exp(−d)                              │
//!            └──────────────────────────────────────────────────────────────────────┘
//! ```
//! No base-2 trick and no custom exp: Vitis `hls::exp` and `hls::recip` on fm_t, with normalisation
//! deferred to the consumer (AV for attention, a division for the gate). Bits depend on the order of the
//! scores: attention rows see their keys in the staggered order of [`super::qk_scores`].

use super::exp::exp;
use super::mac;
use super::recip::recip;
use crate::fixed::Format;

/// The running (sum, max) of one softmax row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnlineSoftmax {
    /// Σ exp(x − m) so far, rescaled whenever the maximum moved.
    pub sum: i64,
    /// The largest score so far (starts at the fm_t minimum, −512 for ap_fixed<32,10>).
    pub max: i64,
}

/// What AV needs of a finished attention row, per head: the reciprocal of the sum and the maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SoftmaxInfo {
    /// `hls::recip(sum)`.
    pub recip_sum: i64,
    /// The row maximum.
    pub max: i64,
}

impl OnlineSoftmax {
    /// The reset state: s = 0, m = fm_t minimum.
    pub fn new(fm: &Format) -> Self {
        OnlineSoftmax {
            sum: 0,
            max: fm.min_raw(),
        }
    }

    /// Folds in one score.
    ///
    /// `d = m − x` is formed exactly (one bit wider than fm_t) so the branch is right even where the
    /// difference itself would wrap; only the argument of `exp` is wrapped back to fm_t. On the very first
    /// score (s = 0) a wrapped argument is harmless: it only multiplies zero.
    pub fn update(&mut self, x: i64, fm: &Format) {
        let d = self.max as i128 - x as i128;
        if d < 0 {
            let e = exp(fm.quantize(d, fm.frac_bits()), fm);
            let scaled = fm.from_product(self.sum, fm, e, fm);
            self.sum = mac::add(fm, scaled, fm.one_raw());
            self.max = x;
        } else {
            let e = exp(fm.quantize(-d, fm.frac_bits()), fm);
            self.sum = mac::add(fm, self.sum, e);
        }
    }

    /// `finalize_attn`'s output for this row: `recip(sum)` and the maximum.
    pub fn info(&self, fm: &Format) -> SoftmaxInfo {
        SoftmaxInfo {
            recip_sum: recip(self.sum, fm),
            max: self.max,
        }
    }
}

/// The statistics of one attention row whose scores arrive in `scores` order (§5 steps 1–6).
pub fn finalize_attn(scores: impl IntoIterator<Item = i64>, fm: &Format) -> SoftmaxInfo {
    let mut state = OnlineSoftmax::new(fm);
    for x in scores {
        state.update(x, fm);
    }
    state.info(fm)
}

/// The probability of score `x` in a finished row: `⌊exp(fm_t(x − m)) · recip_sum⌋` (§5 step 7, in AV).
#[inline]
pub fn probability(x: i64, info: &SoftmaxInfo, fm: &Format) -> i64 {
    let e = exp(mac::sub(fm, x, info.max), fm);
    fm.from_product(e, fm, info.recip_sum, fm)
}

/// The gate's softmax over the expert logits, in expert order (the gating variant, §5 and §9).
pub fn gate_softmax(logits: &[i64], fm: &Format) -> OnlineSoftmax {
    let mut state = OnlineSoftmax::new(fm);
    for &x in logits {
        state.update(x, fm);
    }
    state
}

/// A gate value: `exp(fm_t(logit − m)) / s` as an ap_fixed division (truncated toward zero), not a
/// reciprocal. The sum always includes exp(0) ≈ 1 of the maximum, so it is never zero for real logits;
/// should wrapping ever make it zero the gate is defined as 0 (the C simulation would trap).
pub fn gate_value(logit: i64, state: &OnlineSoftmax, fm: &Format) -> i64 {
    let e = exp(mac::sub(fm, logit, state.max), fm);
    super::div::div(e, state.sum, fm).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm() -> Format {
        Format::signed(32, 10).unwrap()
    }

    #[test]
    fn all_equal_row_gives_uniform_probabilities() {
        let fm = fm();
        let x = 3 << 22;
        let info = finalize_attn(std::iter::repeat_n(x, 129), &fm);
        assert_eq!(info.max, x);
        // First key: s = ⌊0·e⌋ + 1 = 1.0; each later key adds exp(0).
        let e0 = exp(0, &fm);
        let expected_sum = (1 << 22) + 128 * e0;
        assert_eq!(info.recip_sum, recip(expected_sum, &fm));
        let p = probability(x, &info, &fm);
        let p_real = fm.to_f64(p);
        assert!((p_real - 1.0 / 129.0).abs() < 1e-5, "p = {p_real}");
    }

    #[test]
    fn a_new_maximum_rescales_the_sum() {
        let fm = fm();
        let mut s = OnlineSoftmax::new(&fm);
        s.update(0, &fm);
        s.update(1 << 22, &fm); // new max 1.0: s = ⌊1·e^-1⌋ + 1
        let e_m1 = exp(-(1 << 22), &fm);
        assert_eq!(s.max, 1 << 22);
        assert_eq!(s.sum, e_m1 + (1 << 22));
    }

    #[test]
    fn ties_take_the_not_new_max_branch() {
        let fm = fm();
        let mut a = OnlineSoftmax::new(&fm);
        a.update(5, &fm);
        a.update(5, &fm);
        assert_eq!(a.sum, (1 << 22) + exp(0, &fm));
    }
}
