//! `edgemoe eval UNIT`: raw test vectors on stdin, results on stdout, one case per line, every value a
//! signed decimal integer of the raw two's-complement bits. Any bench in any language can drive it.
//!
//! All of stdin is parsed and checked before anything is computed, so a bad line gives an error naming
//! it and no partial output.

use std::io::{Read, Write};

use anyhow::bail;
use clap::{Args, ValueEnum};
use golden::fixed::Format;
use golden::units::{
    div::div, exp::exp, gating::route, gelu::Gelu, layernorm::LayerNormParams,
    layernorm::LayerNormUnit, linear::linear_row, linear::LinearWeights, mac::Mac, recip::recip,
    softmax::finalize_attn, sqrt::sqrt,
};
use ndarray::{Array1, Array2};

use crate::config::Config;

/// The units `eval` can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Unit {
    /// `x` → GELU(x).
    Gelu,
    /// `x` → hls::exp(x).
    Exp,
    /// `x` → hls::recip(x).
    Recip,
    /// `x` → hls::sqrt(x).
    Sqrt,
    /// `a b` → fm_t(a) / fm_t(b).
    Div,
    /// `x[D] γ[D] β[D]` → y[D].
    Layernorm,
    /// `s[0] … s[k−1]` (in the order the unit sees them) → `recip_sum max`.
    Softmax,
    /// `logit[0] … logit[E−1]` → `e1 e2 g1 g2`.
    Gating,
    /// `IN OUT GELU x[IN] W[OUT·IN] b[OUT]` → y[OUT].
    Linear,
}

/// Options of `eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The unit.
    #[arg(value_enum)]
    unit: Unit,
    /// Design point (its formats and dimensions); the embedded default when absent.
    #[arg(long)]
    config: Option<std::path::PathBuf>,
}

/// Runs `eval` on stdin.
pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let config = Config::load(args.config.as_deref())?;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| anyhow::anyhow!("stdin: {e}"))?;
    let cases = parse(&input)?;
    let out = evaluate(args.unit, &config, &cases)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// One parsed line: its 1-based number and its integers.
struct Case {
    line: usize,
    values: Vec<i64>,
}

fn parse(input: &str) -> anyhow::Result<Vec<Case>> {
    let mut cases = Vec::new();
    for (i, text) in input.lines().enumerate() {
        let line = i + 1;
        if text.trim().is_empty() {
            continue;
        }
        let mut values = Vec::new();
        for (col, token) in tokens(text) {
            match token.parse::<i64>() {
                Ok(v) => values.push(v),
                Err(_) => bail!("stdin:{line}:{col}: `{token}` is not a decimal integer (raw two's-complement bits expected)"),
            }
        }
        cases.push(Case { line, values });
    }
    Ok(cases)
}

/// Whitespace-separated tokens with their 1-based columns.
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = None;
    let mut out = Vec::new();
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                out.push((text[..s].chars().count() + 1, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    out.into_iter()
}

/// Checks that `v` is a raw of `fmt`.
fn in_range(case: &Case, v: i64, fmt: &Format, what: &str) -> anyhow::Result<i64> {
    if v < fmt.min_raw() || v > fmt.max_raw() {
        bail!(
            "stdin:{}: {what} = {v} is not a raw {fmt} (range {}..={})",
            case.line,
            fmt.min_raw(),
            fmt.max_raw()
        );
    }
    Ok(v)
}

fn arity(case: &Case, expected: usize, format: &str) -> anyhow::Result<()> {
    if case.values.len() != expected {
        bail!(
            "stdin:{}: {} values, expected {expected} ({format})",
            case.line,
            case.values.len()
        );
    }
    Ok(())
}

fn evaluate(unit: Unit, config: &Config, cases: &[Case]) -> anyhow::Result<String> {
    let n = &config.numerics;
    let fm = n.fm;
    let m = &config.raw.model;
    let mut out = String::new();
    let mut emit = |vals: &[i64]| {
        let line: Vec<String> = vals.iter().map(i64::to_string).collect();
        out.push_str(&line.join(" "));
        out.push('\n');
    };
    match unit {
        Unit::Gelu | Unit::Exp | Unit::Recip | Unit::Sqrt => {
            let gelu = Gelu::new(fm);
            let xs = cases
                .iter()
                .map(|c| {
                    arity(c, 1, "one raw fm_t")?;
                    in_range(c, c.values[0], &fm, "x")
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            for x in xs {
                emit(&[match unit {
                    Unit::Gelu => gelu.apply(x),
                    Unit::Exp => exp(x, &fm),
                    Unit::Recip => recip(x, &fm),
                    _ => sqrt(x, &fm),
                }]);
            }
        }
        Unit::Div => {
            let mut pairs = Vec::new();
            for c in cases {
                arity(c, 2, "`a b`, two raw fm_t")?;
                let a = in_range(c, c.values[0], &fm, "a")?;
                let b = in_range(c, c.values[1], &fm, "b")?;
                if b == 0 {
                    bail!(
                        "stdin:{}: division by zero (b = 0 traps in Edge-MoE's C simulation)",
                        c.line
                    );
                }
                pairs.push((a, b));
            }
            for (a, b) in pairs {
                emit(&[div(a, b, &fm).unwrap_or(0)]);
            }
        }
        Unit::Layernorm => {
            let d = m.embed_dim;
            for c in cases {
                arity(c, 3 * d, "x[D] gamma[D] beta[D] with D = model.embed_dim")?;
                for (i, &v) in c.values.iter().enumerate() {
                    let (f, what) = match i / d {
                        0 => (&fm, "x"),
                        1 => (&n.wt_norm, "gamma"),
                        _ => (&n.wt_bias, "beta"),
                    };
                    in_range(c, v, f, what)?;
                }
            }
            let eps = fm.from_f64(m.layernorm_eps).unwrap_or(0);
            for c in cases {
                let params = LayerNormParams {
                    gamma: &c.values[d..2 * d],
                    gamma_format: n.wt_norm,
                    beta: &c.values[2 * d..],
                    beta_format: n.wt_bias,
                    eps,
                };
                let unit = LayerNormUnit::new(d, &params, &fm)?;
                let mut y = vec![0; d];
                unit.token(&c.values[..d], &mut y);
                emit(&y);
            }
        }
        Unit::Softmax => {
            for c in cases {
                if c.values.is_empty() {
                    bail!("stdin:{}: a softmax row needs at least one score", c.line);
                }
                for &v in &c.values {
                    in_range(c, v, &fm, "score")?;
                }
            }
            for c in cases {
                let info = finalize_attn(c.values.iter().copied(), &fm);
                emit(&[info.recip_sum, info.max]);
            }
        }
        Unit::Gating => {
            for c in cases {
                arity(
                    c,
                    m.experts,
                    "one raw fm_t logit per expert (model.experts)",
                )?;
                for &v in &c.values {
                    in_range(c, v, &fm, "logit")?;
                }
            }
            for c in cases {
                let r = route(&c.values, &fm);
                emit(&[
                    r.experts[0] as i64,
                    r.experts[1] as i64,
                    r.scores[0],
                    r.scores[1],
                ]);
            }
        }
        Unit::Linear => {
            let mac = Mac::new(fm, fm, n.wt_linear)?;
            let gelu = Gelu::new(fm);
            for c in cases {
                if c.values.len() < 3 {
                    bail!(
                        "stdin:{}: expected `IN OUT GELU x[IN] W[OUT*IN] b[OUT]`",
                        c.line
                    );
                }
                let (inp, outp, g) = (c.values[0], c.values[1], c.values[2]);
                if inp <= 0 || outp <= 0 || !(0..=1).contains(&g) {
                    bail!(
                        "stdin:{}: IN and OUT must be positive and GELU 0 or 1",
                        c.line
                    );
                }
                let (inp, outp) = (inp as usize, outp as usize);
                arity(
                    c,
                    3 + inp + outp * inp + outp,
                    "`IN OUT GELU x[IN] W[OUT*IN] b[OUT]`",
                )?;
                let body = &c.values[3..];
                for (i, &v) in body.iter().enumerate() {
                    let (f, what) = if i < inp || i >= inp + outp * inp {
                        (&fm, "x or b")
                    } else {
                        (&n.wt_linear, "W")
                    };
                    in_range(c, v, f, what)?;
                }
                let x = &body[..inp];
                let w = Array2::from_shape_vec((outp, inp), body[inp..inp + outp * inp].to_vec())?;
                let b = &body[inp + outp * inp..];
                let layer = LinearWeights {
                    weights: w.view(),
                    format: n.wt_linear,
                    bias_fm: b,
                };
                let mut y = Array1::<i64>::zeros(outp);
                linear_row(x, &layer, (g == 1).then_some(&gelu), &mac, y.view_mut());
                emit(y.as_slice().unwrap_or(&[]));
            }
        }
    }
    Ok(out)
}
