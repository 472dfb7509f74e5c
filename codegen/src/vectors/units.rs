//! Per-unit golden vectors: corner cases first, then seeded random cases, every output from golden.
//!
//! | unit | shared | group params | case inputs | case outputs |
//! |---|---|---|---|---|
//! | exp, recip, sqrt, gelu | – | – | x | y |
//! | div | – | – | a, b | a / b (0 when b = 0) |
//! | softmax | – | – | s[N] in arrival order | recip_sum, max |
//! | layernorm | – | γ[D] (wt_norm_t), β[D] (wt_bias_t) | x[D] | y[D] |
//! | linear | – | in, out, mode, bias_kind, W[out][in] (wt_linear_t), b[out] | x[in] (mode 2: + g, dst[out]) | y[out] |
//! | qk_scores | – | Q[N][D], K[N][D] | row r | scores[r][key][head], then (recip_sum, max) per head |
//! | attn_av | – | V[N][D], S[N][N][H], (recip_sum, max)[N][H] | row r | out[r][D] |
//! | gating | – | w_gate[E][D] (wt_linear_t) | x[D] | e1, e2, g1, g2 |
//! | patch_reorder | – | – | (e1, e2, g1, g2)[N] | len[E], (token, g) per queue entry in expert order, metaqueue length, metaqueue[E] |
//! | patch_embed | W[D][C][p][p], bias[D], pos[N][D] | image[C][H][W] (pixel_t) | token t | x[t][D] |
//!
//! Linear modes: 0 plain, 1 with GELU, 2 `use_score` (dst + ⌊g·y⌋); bias_kind 0 = wt_attn_bias_t,
//! 1 = wt_bias_t (the bias goes through wt_wbias_t into fm_t as in golden).

use golden::fixed::Format;
use golden::model::config::Numerics;
use golden::rng::SplitMix64;
use golden::units::gating::{logits, route, GateChoice};
use golden::units::gelu::Gelu;
use golden::units::layernorm::{LayerNormParams, LayerNormUnit};
use golden::units::linear::{bias_to_fm, linear_row, scaled_accumulate, LinearWeights};
use golden::units::mac::{Mac, MacError};
use golden::units::patch_embed::{patch_embed, PatchEmbedWeights};
use golden::units::patch_reorder::patch_reorder;
use golden::units::qk_scores::{qk_scores, AttnGeometry};
use golden::units::{attn_av::attn_av, div::div, exp::exp, recip::recip, softmax, sqrt::sqrt};
use ndarray::{Array1, Array2, Array3, Array4};

use super::{index, word, words, Group, VectorFile};
use crate::design::Design;
use crate::unit::Unit;

/// The seed every unit's random stream derives from (with the unit's name).
pub const SEED: u64 = 0x5eed_ed9e_30e0;

/// `n` cases of `unit` for `design` (at least one).
pub fn generate(unit: Unit, design: &Design, n: usize) -> Result<VectorFile, MacError> {
    let n = n.max(1);
    let mut rng = SplitMix64::for_stream(SEED, unit.name());
    let g = Gen {
        d: design,
        n: design.numerics,
    };
    let (comments, shared, groups) = match unit {
        Unit::Exp => g.scalar(n, &mut rng, exp),
        Unit::Recip => g.scalar(n, &mut rng, recip),
        Unit::Sqrt => g.scalar(n, &mut rng, sqrt),
        Unit::Gelu => {
            let gelu = Gelu::new(*design.fm());
            g.scalar(n, &mut rng, move |x, _| gelu.apply(x))
        }
        Unit::Div => g.div(n, &mut rng),
        Unit::Softmax => g.softmax(n, &mut rng),
        Unit::Layernorm => g.layernorm(n, &mut rng)?,
        Unit::Linear => g.linear(n, &mut rng)?,
        Unit::QkScores => g.qk_scores(n, &mut rng)?,
        Unit::AttnAv => g.attn_av(n, &mut rng)?,
        Unit::Gating => g.gating(n, &mut rng)?,
        Unit::PatchReorder => g.patch_reorder(n, &mut rng),
        Unit::PatchEmbed => g.patch_embed(n, &mut rng)?,
    };
    let mut all_comments = vec![
        format!("{n} cases; seed {SEED:#x} with stream `{}`", unit.name()),
        format!(
            "fm_t = {}, wt_linear_t = {}; words are raw bits in hex",
            design.fm(),
            design.numerics.wt_linear
        ),
    ];
    all_comments.extend(comments);
    Ok(VectorFile {
        unit: unit.name().to_string(),
        comments: all_comments,
        shared,
        groups,
    })
}

type Parts = (Vec<String>, Vec<u64>, Vec<Group>);

struct Gen<'a> {
    d: &'a Design<'a>,
    n: &'a Numerics,
}

/// A uniformly random raw of `f`.
fn any(rng: &mut SplitMix64, f: &Format) -> i64 {
    let span = (f.max_raw() as i128 - f.min_raw() as i128 + 1) as u128;
    let r = ((rng.next_u64() as u128) << 64 | rng.next_u64() as u128) % span;
    (f.min_raw() as i128 + r as i128) as i64
}

/// A random value in [lo, hi) quantised to `f` (saturated at its range).
fn real(rng: &mut SplitMix64, f: &Format, lo: f64, hi: f64) -> i64 {
    let x = rng.uniform_in(lo, hi);
    let x = x.clamp(f.to_f64(f.min_raw()), f.to_f64(f.max_raw()));
    f.from_f64(x).unwrap_or(0)
}

/// Values every scalar unit meets at its edges.
fn corners(f: &Format) -> Vec<i64> {
    let one = f.one_raw();
    let mut v = vec![
        0,
        1,
        -1,
        2,
        -2,
        one,
        -one,
        one - 1,
        one + 1,
        f.min_raw(),
        f.min_raw() + 1,
        f.max_raw(),
        f.max_raw() - 1,
    ];
    // exp's saturation and underflow knees, GELU's cutoff and table knots, sqrt's perfect squares.
    for x in [
        6.2383f64, -15.2183, 15.9424, 16.0, -16.0, 5.5, -5.5, 5.46875, 0.75, -0.75, 4.0, 0.25,
    ] {
        if x.abs() < 2f64.powi(f.int_bits() - 1) {
            if let Some(r) = f.from_f64(x) {
                v.extend([r - 1, r, r + 1]);
            }
        }
    }
    v.retain(|&r| r >= f.min_raw() && r <= f.max_raw());
    v.dedup();
    v
}

impl Gen<'_> {
    fn fm(&self) -> &Format {
        &self.n.fm
    }

    /// A raw fm_t: half realistic (|x| < 16), a quarter small (|x| < 1/16), a quarter anywhere.
    fn fm_value(&self, rng: &mut SplitMix64) -> i64 {
        let fm = self.fm();
        match rng.below(4) {
            0 | 1 => real(rng, fm, -16.0, 16.0),
            2 => real(rng, fm, -0.0625, 0.0625),
            _ => any(rng, fm),
        }
    }

    fn scalar(&self, n: usize, rng: &mut SplitMix64, f: impl Fn(i64, &Format) -> i64) -> Parts {
        let fm = *self.fm();
        let mut g = Group::new(1, 1);
        let mut xs = corners(&fm);
        xs.truncate(n);
        while xs.len() < n {
            xs.push(self.fm_value(rng));
        }
        for x in xs {
            g.push(&[word(x, &fm)], &[word(f(x, &fm), &fm)]);
        }
        (vec!["in: x; out: y (fm_t)".into()], vec![], vec![g])
    }

    fn div(&self, n: usize, rng: &mut SplitMix64) -> Parts {
        let fm = *self.fm();
        let c = corners(&fm);
        let mut pairs: Vec<(i64, i64)> = Vec::new();
        for &a in &c {
            for &b in [0, 1, -1, fm.one_raw(), -fm.one_raw(), fm.min_raw()].iter() {
                pairs.push((a, b));
            }
        }
        pairs.truncate(n);
        while pairs.len() < n {
            pairs.push((self.fm_value(rng), self.fm_value(rng)));
        }
        let mut g = Group::new(2, 1);
        for (a, b) in pairs {
            let q = div(a, b, &fm).unwrap_or(0);
            g.push(&[word(a, &fm), word(b, &fm)], &[word(q, &fm)]);
        }
        (
            vec!["in: a, b; out: a / b, 0 when b = 0 (fm_t)".into()],
            vec![],
            vec![g],
        )
    }

    fn softmax(&self, n: usize, rng: &mut SplitMix64) -> Parts {
        let fm = *self.fm();
        let len = self.d.tokens();
        let mut g = Group::new(len, 2);
        for case in 0..n {
            let row: Vec<i64> = match case {
                0 => vec![0; len],
                1 => vec![fm.min_raw(); len],
                // Rising and falling ramps (every score a new maximum, or none), wrapped into fm_t as
                // the unit would see them.
                2 => (0..len as i64)
                    .map(|i| fm.wrap_raw((i * fm.one_raw() / 8) as i128))
                    .collect(),
                3 => (0..len as i64)
                    .map(|i| fm.wrap_raw((-i * fm.one_raw() / 8) as i128))
                    .collect(),
                _ => {
                    let wide = rng.below(8) == 0;
                    (0..len)
                        .map(|_| {
                            if wide {
                                any(rng, &fm)
                            } else {
                                real(rng, &fm, -8.0, 8.0)
                            }
                        })
                        .collect()
                }
            };
            let info = softmax::finalize_attn(row.iter().copied(), &fm);
            g.push(
                &words(row, &fm),
                &[word(info.recip_sum, &fm), word(info.max, &fm)],
            );
        }
        (
            vec![format!(
                "in: s[{len}] in the order the unit sees them; out: recip_sum, max (fm_t)"
            )],
            vec![],
            vec![g],
        )
    }

    fn layernorm(&self, n: usize, rng: &mut SplitMix64) -> Result<Parts, MacError> {
        let fm = *self.fm();
        let d = self.d.model.embed_dim;
        let eps = self.d.layernorm_eps();
        let mut groups = Vec::new();
        let mut left = n;
        let mut case = 0usize;
        while left > 0 {
            let count = left.min(500);
            left -= count;
            let gamma: Vec<i64> = (0..d)
                .map(|_| real(rng, &self.n.wt_norm, -4.0, 4.0))
                .collect();
            let beta: Vec<i64> = (0..d)
                .map(|_| real(rng, &self.n.wt_bias, -2.0, 2.0))
                .collect();
            let params = LayerNormParams {
                gamma: &gamma,
                gamma_format: self.n.wt_norm,
                beta: &beta,
                beta_format: self.n.wt_bias,
                eps,
            };
            let unit = LayerNormUnit::new(d, &params, &fm)?;
            let mut g = Group::new(d, d);
            g.params = words(gamma.iter().copied(), &self.n.wt_norm);
            g.params
                .extend(words(beta.iter().copied(), &self.n.wt_bias));
            let mut y = vec![0i64; d];
            for _ in 0..count {
                let x: Vec<i64> = match case {
                    // A constant token (variance floors to ≤ 0), a tiny alternating one (rstd wraps).
                    0 => vec![fm.wrap_raw(-12345); d],
                    1 => (0..d).map(|i| if i % 2 == 0 { 3 } else { -3 }).collect(),
                    2 => vec![0; d],
                    _ => {
                        let scale = [0.01, 1.0, 8.0][rng.below(3) as usize];
                        let offset = real(rng, &fm, -2.0, 2.0);
                        (0..d)
                            .map(|_| {
                                let v = fm.from_f64(rng.normal() * scale).unwrap_or(0);
                                fm.wrap_raw(v as i128 + offset as i128)
                            })
                            .collect()
                    }
                };
                case += 1;
                unit.token(&x, &mut y);
                g.push(&words(x, &fm), &words(y.iter().copied(), &fm));
            }
            groups.push(g);
        }
        Ok((
            vec![format!(
                "params: gamma[{d}] ({}), beta[{d}] ({}); in: x[{d}]; out: y[{d}] (fm_t)",
                self.n.wt_norm, self.n.wt_bias
            )],
            vec![],
            groups,
        ))
    }

    fn linear(&self, n: usize, rng: &mut SplitMix64) -> Result<Parts, MacError> {
        let fm = *self.fm();
        let m = self.d.model;
        let (d, h, eh) = (m.embed_dim, m.mlp_hidden, m.expert_hidden);
        // (in, out, mode, bias_kind): Q/K/V/proj, dense fc1 (+GELU), dense fc2, expert fc1, expert fc2.
        let shapes = [
            (d, d, 0u64, 0u64),
            (d, h, 1, 1),
            (h, d, 0, 1),
            (d, eh, 1, 1),
            (eh, d, 2, 1),
        ];
        let mac = Mac::new(fm, fm, self.n.wt_linear)?;
        let gelu = Gelu::new(fm);
        let mut groups = Vec::new();
        for (i, &(din, dout, mode, bias_kind)) in shapes.iter().enumerate() {
            let count = n / shapes.len() + usize::from(i < n % shapes.len());
            if count == 0 {
                continue;
            }
            let wt = self.n.wt_linear;
            let w = Array2::from_shape_fn((dout, din), |_| real(rng, &wt, -0.25, 0.25));
            let stored = if bias_kind == 0 {
                self.n.wt_attn_bias
            } else {
                self.n.wt_bias
            };
            let b: Vec<i64> = (0..dout).map(|_| real(rng, &stored, -2.0, 2.0)).collect();
            let bias_fm = bias_to_fm(&b, &stored, &self.n.wt_wbias, &fm);
            let layer = LinearWeights {
                weights: w.view(),
                format: wt,
                bias_fm: &bias_fm,
            };
            let inputs = din + if mode == 2 { 1 + dout } else { 0 };
            let mut g = Group::new(inputs, dout);
            g.params = vec![index(din), index(dout), mode, bias_kind];
            g.params.extend(words(w.iter().copied(), &wt));
            g.params.extend(words(b.iter().copied(), &stored));
            let mut y = Array1::<i64>::zeros(dout);
            for _ in 0..count {
                let x: Vec<i64> = (0..din).map(|_| real(rng, &fm, -4.0, 4.0)).collect();
                linear_row(&x, &layer, (mode == 1).then_some(&gelu), &mac, y.view_mut());
                let mut input = words(x.iter().copied(), &fm);
                let out = if mode == 2 {
                    let gate = real(rng, &fm, 0.0, 1.0);
                    let mut dst: Vec<i64> = (0..dout).map(|_| real(rng, &fm, -4.0, 4.0)).collect();
                    input.push(word(gate, &fm));
                    input.extend(words(dst.iter().copied(), &fm));
                    scaled_accumulate(&mut dst, y.as_slice().expect("contiguous"), gate, &fm);
                    dst
                } else {
                    y.to_vec()
                };
                g.push(&input, &words(out, &fm));
            }
            groups.push(g);
        }
        Ok((
            vec![
                "params: in, out, mode (0 plain, 1 GELU, 2 use_score), bias_kind (0 wt_attn_bias_t, 1 wt_bias_t), W[out][in], b[out]".into(),
                "in: x[in] (mode 2: then g, dst[out]); out: y[out] (mode 2: dst + g*y)".into(),
            ],
            vec![],
            groups,
        ))
    }

    /// Random Q or K: realistic activations (|x| < 3) or, in every fourth group, anything.
    fn activations(&self, rng: &mut SplitMix64, wide: bool) -> Array2<i64> {
        let fm = *self.fm();
        let (t, d) = (self.d.tokens(), self.d.model.embed_dim);
        Array2::from_shape_fn((t, d), |_| {
            if wide {
                any(rng, &fm)
            } else {
                real(rng, &fm, -3.0, 3.0)
            }
        })
    }

    fn geometry(&self) -> AttnGeometry {
        AttnGeometry {
            heads: self.d.model.heads,
            beat: self.d.arch.beat,
            lanes: self.d.arch.attn_lanes,
        }
    }

    /// Rows r of `n` cases over groups of N rows each.
    fn row_groups(&self, n: usize) -> Vec<std::ops::Range<usize>> {
        let t = self.d.tokens();
        (0..n.div_ceil(t)).map(|g| 0..(n - g * t).min(t)).collect()
    }

    fn qk_scores(&self, n: usize, rng: &mut SplitMix64) -> Result<Parts, MacError> {
        let fm = *self.fm();
        let heads = self.d.model.heads;
        let t = self.d.tokens();
        let mut groups = Vec::new();
        for (gi, rows) in self.row_groups(n).into_iter().enumerate() {
            let q = self.activations(rng, gi % 4 == 3);
            let k = self.activations(rng, gi % 4 == 3);
            let out = qk_scores(
                q.view(),
                k.view(),
                self.d.attn_scale(),
                self.geometry(),
                &fm,
            )?;
            let mut g = Group::new(1, t * heads + 2 * heads);
            g.params = words(q.iter().copied(), &fm);
            g.params.extend(words(k.iter().copied(), &fm));
            for r in rows {
                let mut o = words(
                    out.scores.slice(ndarray::s![r, .., ..]).iter().copied(),
                    &fm,
                );
                for h in 0..heads {
                    let info = out.info[[r, h]];
                    o.extend([word(info.recip_sum, &fm), word(info.max, &fm)]);
                }
                g.push(&[index(r)], &o);
            }
            groups.push(g);
        }
        Ok((
            vec![
                "params: Q[N][D], K[N][D]; in: row r".into(),
                "out: scores[r][key][head] (unnormalised), then recip_sum, max per head".into(),
            ],
            vec![],
            groups,
        ))
    }

    fn attn_av(&self, n: usize, rng: &mut SplitMix64) -> Result<Parts, MacError> {
        let fm = *self.fm();
        let d = self.d.model.embed_dim;
        let mut groups = Vec::new();
        for (gi, rows) in self.row_groups(n).into_iter().enumerate() {
            let wide = gi % 4 == 3;
            let q = self.activations(rng, wide);
            let k = self.activations(rng, wide);
            let v = self.activations(rng, wide);
            let qk = qk_scores(
                q.view(),
                k.view(),
                self.d.attn_scale(),
                self.geometry(),
                &fm,
            )?;
            let out = attn_av(v.view(), qk.scores.view(), qk.info.view(), &fm)?;
            let mut g = Group::new(1, d);
            g.params = words(v.iter().copied(), &fm);
            g.params.extend(words(qk.scores.iter().copied(), &fm));
            for info in qk.info.iter() {
                g.params
                    .extend([word(info.recip_sum, &fm), word(info.max, &fm)]);
            }
            for r in rows {
                g.push(&[index(r)], &words(out.row(r).iter().copied(), &fm));
            }
            groups.push(g);
        }
        Ok((
            vec![
                "params: V[N][D], S[row][key][head], then recip_sum, max per (row, head); in: row r".into(),
                "out: out[r][D]".into(),
            ],
            vec![],
            groups,
        ))
    }

    fn gating(&self, n: usize, rng: &mut SplitMix64) -> Result<Parts, MacError> {
        let fm = *self.fm();
        let m = self.d.model;
        let wt = self.n.wt_linear;
        let mac = Mac::new(fm, fm, wt)?;
        let mut groups = Vec::new();
        let mut left = n;
        let mut case = 0usize;
        while left > 0 {
            let count = left.min(1000);
            left -= count;
            let w = Array2::from_shape_fn((m.experts, m.embed_dim), |_| real(rng, &wt, -0.5, 0.5));
            let mut g = Group::new(m.embed_dim, 4);
            g.params = words(w.iter().copied(), &wt);
            for _ in 0..count {
                let x: Vec<i64> = match case {
                    0 => vec![0; m.embed_dim], // every logit 0: ties keep the lower experts
                    1 => vec![fm.min_raw(); m.embed_dim],
                    _ if case % 16 == 2 => (0..m.embed_dim).map(|_| any(rng, &fm)).collect(),
                    _ => (0..m.embed_dim)
                        .map(|_| real(rng, &fm, -3.0, 3.0))
                        .collect(),
                };
                case += 1;
                let c = route(&logits(&x, w.view(), &mac), &fm);
                g.push(&words(x, &fm), &choice_words(&c, &fm));
            }
            groups.push(g);
        }
        Ok((
            vec![format!(
                "params: w_gate[{}][{}] (wt_linear_t); in: x[D]; out: e1, e2, g1, g2",
                m.experts, m.embed_dim
            )],
            vec![],
            groups,
        ))
    }

    fn patch_reorder(&self, n: usize, rng: &mut SplitMix64) -> Parts {
        let fm = *self.fm();
        let (t, e) = (self.d.tokens(), self.d.model.experts);
        let mut g = Group::new(4 * t, e + 4 * t + 1 + e);
        for case in 0..n {
            // Skewed routings too: a few hot experts, or a token sent twice to one expert.
            let hot = 1 + rng.below(e as u64) as usize;
            let choices: Vec<GateChoice> = (0..t)
                .map(|_| {
                    let e1 = rng.below(hot as u64) as usize;
                    let e2 = if case % 7 == 0 && rng.below(4) == 0 {
                        e1
                    } else {
                        rng.below(e as u64) as usize
                    };
                    GateChoice {
                        experts: [e1, e2],
                        scores: [real(rng, &fm, 0.0, 1.0), real(rng, &fm, 0.0, 1.0)],
                    }
                })
                .collect();
            let q = patch_reorder(&choices, e);
            let input: Vec<u64> = choices.iter().flat_map(|c| choice_words(c, &fm)).collect();
            let mut out: Vec<u64> = q.queues.iter().map(|v| index(v.len())).collect();
            for queue in &q.queues {
                for entry in queue {
                    out.extend([index(entry.token), word(entry.score, &fm)]);
                }
            }
            out.push(index(q.metaqueue.len()));
            out.extend((0..e).map(|i| index(q.metaqueue.get(i).copied().unwrap_or(0))));
            g.push(&input, &out);
        }
        (
            vec![
                format!("in: (e1, e2, g1, g2) for each of {t} tokens"),
                format!("out: len[{e}], then (token, g) of every queue entry, expert by expert, then the metaqueue length and metaqueue[{e}] (0-padded)"),
            ],
            vec![],
            vec![g],
        )
    }

    fn patch_embed(&self, n: usize, rng: &mut SplitMix64) -> Result<Parts, MacError> {
        let fm = *self.fm();
        let m = self.d.model;
        let nm = self.n;
        let (c, p, dim) = (m.image_channels, m.patch, m.embed_dim);
        let w = Array4::from_shape_fn((dim, c, p, p), |_| real(rng, &nm.wt_patch_embed, -0.3, 0.3));
        let bias: Vec<i64> = (0..dim)
            .map(|_| real(rng, &nm.wt_bias, -1.0, 1.0))
            .collect();
        let pos = Array2::from_shape_fn((self.d.tokens(), dim), |_| real(rng, &fm, -1.0, 1.0));
        let params = PatchEmbedWeights {
            weights: w.view(),
            weight_format: nm.wt_patch_embed,
            bias: &bias,
            bias_format: nm.wt_bias,
            pos_embed: pos.view(),
        };
        let mut shared = words(w.iter().copied(), &nm.wt_patch_embed);
        shared.extend(words(bias.iter().copied(), &nm.wt_bias));
        shared.extend(words(pos.iter().copied(), &fm));
        let mut groups = Vec::new();
        for (gi, rows) in self.row_groups(n).into_iter().enumerate() {
            let image = Array3::from_shape_fn((c, m.image_height, m.image_width), |_| {
                if gi == 0 {
                    nm.pixel.max_raw() // a white image: every product at its largest
                } else {
                    any(rng, &nm.pixel)
                }
            });
            let x = patch_embed(image.view(), &nm.pixel, &params, &fm)?;
            let mut g = Group::new(1, dim);
            g.params = words(image.iter().copied(), &nm.pixel);
            for t in rows {
                g.push(&[index(t)], &words(x.row(t).iter().copied(), &fm));
            }
            groups.push(g);
        }
        Ok((
            vec![
                "shared: W[D][C][p][p] (wt_patch_embed_t), bias[D] (wt_bias_t), pos_embed[N][D] (fm_t)".into(),
                "params: image[C][H][W] (pixel_t); in: token t; out: x[t][D]".into(),
            ],
            shared,
            groups,
        ))
    }
}

/// `e1, e2, g1, g2` of one routing.
fn choice_words(c: &GateChoice, fm: &Format) -> [u64; 4] {
    [
        index(c.experts[0]),
        index(c.experts[1]),
        word(c.scores[0], fm),
        word(c.scores[1], fm),
    ]
}
