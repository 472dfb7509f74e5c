//! `layernorm`: Edge-MoE's LayerNorm, a two-stage dataflow per token (§7.1).
//!
//! ```text
//!   x[token] ──► accumulate: t = ⌊x·c⌋ (c = fm_t(1/D)), mean += t, mean_sq += ⌊x·t⌋
//!            ──► output:     var = mean_sq − ⌊mean²⌋ + eps, rstd = fm_t(1) / sqrt(var)
//!                            y = ⌊⌊(x − mean)·rstd⌋·γ⌋ + β                              ──► y[token]
//! ```
//! The hardware has no guard for a variance that floors to ≤ 0 (sqrt returns 0 and the division traps
//! in C simulation; on silicon the result is undefined). Ours is defined: **rstd = 0, so the token's
//! output is exactly β**, which is also the true LayerNorm output of a constant token (x − mean = 0). A
//! positive variance below ≈2^-18 gives rstd ≥ 512, which wraps as the hardware does. Both events are
//! counted in [`LnEvents`] so `verify` can report them.

use ndarray::{Array2, ArrayView2, Axis};

use super::div::div;
use super::mac::{self, Mac, MacError};
use super::sqrt::sqrt;
use crate::fixed::{Format, Overflow, Quant};

/// The per-layer parameters: γ (`wt_norm_t`) and β (`wt_bias_t`).
#[derive(Clone, Debug)]
pub struct LayerNormParams<'a> {
    /// γ raws.
    pub gamma: &'a [i64],
    /// γ's format.
    pub gamma_format: Format,
    /// β raws.
    pub beta: &'a [i64],
    /// β's format.
    pub beta_format: Format,
    /// The raw fm_t epsilon (1e-6 truncated: 4 · 2^-22).
    pub eps: i64,
}

/// Numerical events the hardware does not guard against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LnEvents {
    /// Tokens whose variance floored to ≤ 0 (rstd defined as 0; output = β).
    pub var_nonpositive: usize,
    /// Tokens whose rstd exceeded the fm_t range and wrapped.
    pub rstd_wrapped: usize,
}

impl LnEvents {
    /// Adds another count.
    pub fn merge(&mut self, other: LnEvents) {
        self.var_nonpositive += other.var_nonpositive;
        self.rstd_wrapped += other.rstd_wrapped;
    }
}

/// LayerNorm of every token (row) of `x`.
pub fn layernorm(
    x: ArrayView2<i64>,
    params: &LayerNormParams,
    fm: &Format,
) -> Result<(Array2<i64>, LnEvents), MacError> {
    let mut y = Array2::<i64>::zeros(x.dim());
    let mut events = LnEvents::default();
    let unit = LayerNormUnit::new(x.ncols(), params, fm)?;
    for (xr, mut yr) in x.axis_iter(Axis(0)).zip(y.axis_iter_mut(Axis(0))) {
        let xs = xr.as_slice().expect("standard layout");
        let ys = yr.as_slice_mut().expect("standard layout");
        events.merge(unit.token(xs, ys));
    }
    Ok((y, events))
}

/// The unit specialised for one dimension and parameter set.
pub struct LayerNormUnit<'a> {
    params: &'a LayerNormParams<'a>,
    fm: Format,
    inv_dim: i64,
    mac: Mac,
    gamma_mac: Mac,
}

impl<'a> LayerNormUnit<'a> {
    /// `c = fm_t(1.0 / dim)`, a double constant truncated to fm_t (21845 · 2^-22 for D = 192).
    pub fn new(dim: usize, params: &'a LayerNormParams<'a>, fm: &Format) -> Result<Self, MacError> {
        let inv_dim = fm.from_f64(1.0 / dim as f64).unwrap_or(0);
        Ok(LayerNormUnit {
            params,
            fm: *fm,
            inv_dim,
            mac: Mac::new(*fm, *fm, *fm)?,
            gamma_mac: Mac::new(*fm, *fm, params.gamma_format)?,
        })
    }

    /// One token; returns the events it caused.
    pub fn token(&self, x: &[i64], y: &mut [i64]) -> LnEvents {
        let fm = &self.fm;
        let mut events = LnEvents::default();
        // Stage 1: accumulate.
        let mut mean = 0;
        let mut mean_sq = 0;
        for &v in x {
            let t = self.mac.product(v, self.inv_dim);
            mean = mac::add(fm, mean, t);
            mean_sq = self.mac.step(mean_sq, v, t);
        }
        // Stage 2: output. var = mean_sq − ⌊mean²⌋ + eps, one exact expression assigned once.
        let sq_mean = self.mac.product(mean, mean);
        let var = fm.quantize(
            mean_sq as i128 - sq_mean as i128 + self.params.eps as i128,
            fm.frac_bits(),
        );
        let root = sqrt(var, fm);
        let rstd = match div(fm.one_raw(), root, fm) {
            Some(r) => {
                let unwrapped = fm.with_modes(Quant::Trn, Overflow::Sat);
                if unwrapped.from_quotient(fm.one_raw(), fm, root, fm) != Some(r) {
                    events.rstd_wrapped += 1;
                }
                r
            }
            None => {
                events.var_nonpositive += 1;
                0
            }
        };
        for ((out, &v), (&g, &b)) in y
            .iter_mut()
            .zip(x)
            .zip(self.params.gamma.iter().zip(self.params.beta))
        {
            let centred = mac::sub(fm, v, mean);
            let normed = self.mac.product(centred, rstd);
            let scaled = self.gamma_mac.product(normed, g);
            *out = fm.from_sum(scaled, fm, b, &self.params.beta_format);
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm() -> Format {
        Format::signed(32, 10).unwrap()
    }

    fn params<'a>(gamma: &'a [i64], beta: &'a [i64]) -> LayerNormParams<'a> {
        let w = Format::signed(16, 5).unwrap();
        LayerNormParams {
            gamma,
            gamma_format: w,
            beta,
            beta_format: w,
            eps: 4,
        }
    }

    #[test]
    fn one_over_192_truncates_to_21845() {
        let g = vec![1 << 11; 192];
        let b = vec![0; 192];
        let p = params(&g, &b);
        let unit = LayerNormUnit::new(192, &p, &fm()).unwrap();
        assert_eq!(unit.inv_dim, 21845);
    }

    #[test]
    fn a_constant_token_outputs_beta_and_counts_the_event() {
        let g = vec![3 << 11; 192];
        let b: Vec<i64> = (0..192).map(|i| i - 96).collect();
        let p = params(&g, &b);
        // A constant token of −12345·2^-22: the 192 floorings in mean_sq undershoot ⌊mean²⌋ by more than
        // eps, so the variance floors to −33 raw (found by search; most constants give +eps).
        let x = Array2::from_elem((1, 192), -12345i64);
        let (y, events) = layernorm(x.view(), &p, &fm()).unwrap();
        assert_eq!(events.var_nonpositive, 1);
        for (i, &v) in y.row(0).iter().enumerate() {
            assert_eq!(v, (i as i64 - 96) << 11, "β converted to fm_t");
        }
    }

    #[test]
    fn a_unit_variance_token_normalises() {
        let g = vec![1 << 11; 192];
        let b = vec![0; 192];
        let p = params(&g, &b);
        let x = Array2::from_shape_fn(
            (1, 192),
            |(_, i)| if i % 2 == 0 { 1 << 22 } else { -(1 << 22) },
        );
        let (y, events) = layernorm(x.view(), &p, &fm()).unwrap();
        assert_eq!(events, LnEvents::default());
        for (i, &v) in y.row(0).iter().enumerate() {
            let expect = if i % 2 == 0 { 1.0 } else { -1.0 };
            assert!((v as f64 / 4194304.0 - expect).abs() < 1e-3, "{i}: {v}");
        }
    }
}
