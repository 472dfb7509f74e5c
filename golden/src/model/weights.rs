//! M3ViT's parameters and input image: loading (Edge-MoE's float32 `.bin` folder, `safetensors`),
//! seeded random generation, and quantisation to the config's formats.
//!
//! Tensor names are Edge-MoE's file stems (`l3_qkv_weight`, `patch_embed_bias`, …), shapes PyTorch's
//! (`[out][in]` for linear weights). The public weight snapshot lacks the expert matrices
//! (`l{odd}_htoh4_weight`, `l{odd}_h4toh_weight`): a source without them gets them from a stated seed,
//! drawn like the dense fc weights (N(0, 0.05²) clipped to ±0.9), and the loader says so in
//! [`Loaded::notices`].

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use ndarray::{Array, Array1, Array2, Array3, Array4, ArrayD, Dimension, IxDyn};

use super::config::{ModelConfig, Numerics};
use crate::fixed::Format;
use crate::rng::SplitMix64;
use crate::units::layernorm::LayerNormParams;
use crate::units::patch_embed::PatchEmbedWeights;

/// The default seed for missing or random tensors (the year of Edge-MoE).
pub const DEFAULT_SEED: u64 = 2023;

/// What a tensor is, which fixes its fixed-point format and its random distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The image (`pixel_t`).
    Image,
    /// Conv weights (`wt_patch_embed_t`).
    PatchWeight,
    /// MLP, expert and patch-embed biases (`wt_bias_t`).
    Bias,
    /// QKV and proj biases (`wt_attn_bias_t`).
    AttnBias,
    /// Position embedding (fm_t).
    PosEmbed,
    /// Linear weights and gates (`wt_linear_t`).
    Linear,
    /// LayerNorm γ (`wt_norm_t`).
    NormWeight,
    /// LayerNorm β (`wt_bias_t`).
    NormBias,
}

impl Kind {
    /// The format this kind is stored in.
    pub fn format(self, n: &Numerics) -> Format {
        match self {
            Kind::Image => n.pixel,
            Kind::PatchWeight => n.wt_patch_embed,
            Kind::Bias | Kind::NormBias => n.wt_bias,
            Kind::AttnBias => n.wt_attn_bias,
            Kind::PosEmbed => n.fm,
            Kind::Linear => n.wt_linear,
            Kind::NormWeight => n.wt_norm,
        }
    }

    /// A value drawn for a random model, in the range the real data have (README of the weights).
    fn draw(self, g: &mut SplitMix64) -> f32 {
        let clipped =
            |g: &mut SplitMix64, sd: f64, lim: f64| (sd * g.normal()).clamp(-lim, lim) as f32;
        match self {
            Kind::Image => g.below(256) as f32 / 256.0,
            Kind::PatchWeight => clipped(g, 0.03, 0.3),
            Kind::Bias | Kind::AttnBias | Kind::NormBias => clipped(g, 0.1, 1.0),
            Kind::PosEmbed => clipped(g, 0.5, 4.0),
            Kind::Linear => clipped(g, 0.05, 0.9),
            Kind::NormWeight => (1.0 + clipped(g, 0.1, 0.5) as f64) as f32,
        }
    }
}

/// One named tensor the model needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorSpec {
    /// Edge-MoE's name (file stem).
    pub name: String,
    /// PyTorch shape.
    pub shape: Vec<usize>,
    /// What it is.
    pub kind: Kind,
}

impl TensorSpec {
    fn new(name: impl Into<String>, shape: &[usize], kind: Kind) -> Self {
        TensorSpec {
            name: name.into(),
            shape: shape.to_vec(),
            kind,
        }
    }
    /// Elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// True for a zero-sized tensor.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// True for the expert matrices missing from the public snapshot.
    pub fn is_expert_matrix(&self) -> bool {
        self.name.ends_with("_htoh4_weight") || self.name.ends_with("_h4toh_weight")
    }
}

/// Every tensor of the model, in a fixed order.
pub fn tensor_specs(m: &ModelConfig) -> Vec<TensorSpec> {
    let (d, n) = (m.embed_dim, m.tokens());
    let mut v = vec![
        TensorSpec::new(
            "image",
            &[m.image_channels, m.image_height, m.image_width],
            Kind::Image,
        ),
        TensorSpec::new(
            "patch_embed_weight",
            &[d, m.image_channels, m.patch, m.patch],
            Kind::PatchWeight,
        ),
        TensorSpec::new("patch_embed_bias", &[d], Kind::Bias),
        TensorSpec::new("pos_embed", &[n, d], Kind::PosEmbed),
    ];
    for l in 0..m.depth {
        let p = |s: &str| format!("l{l}_{s}");
        v.push(TensorSpec::new(p("qkv_weight"), &[3 * d, d], Kind::Linear));
        v.push(TensorSpec::new(p("qkv_bias"), &[3 * d], Kind::AttnBias));
        v.push(TensorSpec::new(
            p("attn_proj_weight"),
            &[d, d],
            Kind::Linear,
        ));
        v.push(TensorSpec::new(p("attn_proj_bias"), &[d], Kind::AttnBias));
        for k in 1..=2 {
            v.push(TensorSpec::new(
                p(&format!("norm{k}_weight")),
                &[d],
                Kind::NormWeight,
            ));
            v.push(TensorSpec::new(
                p(&format!("norm{k}_bias")),
                &[d],
                Kind::NormBias,
            ));
        }
        if m.is_moe(l) {
            let (e, h) = (m.experts, m.expert_hidden);
            for t in 0..m.tasks {
                v.push(TensorSpec::new(
                    p(&format!("w_gate_T_task{t}")),
                    &[e, d],
                    Kind::Linear,
                ));
            }
            v.push(TensorSpec::new(p("htoh4_weight"), &[e, h, d], Kind::Linear));
            v.push(TensorSpec::new(p("htoh4_bias"), &[e, h], Kind::Bias));
            v.push(TensorSpec::new(p("h4toh_weight"), &[e, d, h], Kind::Linear));
            v.push(TensorSpec::new(p("h4toh_bias"), &[e, d], Kind::Bias));
        } else {
            let h = m.mlp_hidden;
            v.push(TensorSpec::new(p("fc1_weight"), &[h, d], Kind::Linear));
            v.push(TensorSpec::new(p("fc1_bias"), &[h], Kind::Bias));
            v.push(TensorSpec::new(p("fc2_weight"), &[d, h], Kind::Linear));
            v.push(TensorSpec::new(p("fc2_bias"), &[d], Kind::Bias));
        }
    }
    v
}

/// Why weights could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum WeightError {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A required tensor has no file.
    #[error("{}: missing (tensor `{name}`, shape {shape:?}, float32)", path.display())]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
        /// Tensor name.
        name: String,
        /// Expected shape.
        shape: Vec<usize>,
    },
    /// A raw file holds the wrong number of bytes.
    #[error("{}: {found} bytes, expected {expected} (tensor `{name}`, shape {shape:?}, float32)", path.display())]
    WrongSize {
        /// The file.
        path: PathBuf,
        /// Tensor name.
        name: String,
        /// Expected shape.
        shape: Vec<usize>,
        /// Expected bytes.
        expected: u64,
        /// Bytes found.
        found: u64,
    },
    /// A safetensors entry has the wrong shape or type.
    #[error("{}: tensor `{name}`: {reason}", path.display())]
    BadTensor {
        /// The file.
        path: PathBuf,
        /// Tensor name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// NaN or infinity where a number is needed.
    #[error("{}: tensor `{name}` element {index} is {value}, not a finite number", path.display())]
    NotFinite {
        /// The file.
        path: PathBuf,
        /// Tensor name.
        name: String,
        /// Flat element index.
        index: usize,
        /// The value.
        value: f32,
    },
}

/// The parameters and image of one frame, with element type `T` (`f32` as loaded, `i64` raws).
#[derive(Clone, Debug)]
pub struct Weights<T> {
    /// `[channel][height][width]`.
    pub image: Array3<T>,
    /// `[dim][channel][patch][patch]`.
    pub patch_weight: Array4<T>,
    /// `[dim]`.
    pub patch_bias: Array1<T>,
    /// `[token][dim]`.
    pub pos_embed: Array2<T>,
    /// One per block.
    pub layers: Vec<Layer<T>>,
}

/// One transformer block's parameters.
#[derive(Clone, Debug)]
pub struct Layer<T> {
    /// `[3·dim][dim]`: rows Q, then K, then V.
    pub qkv_weight: Array2<T>,
    /// `[3·dim]`.
    pub qkv_bias: Array1<T>,
    /// `[dim][dim]`.
    pub proj_weight: Array2<T>,
    /// `[dim]`.
    pub proj_bias: Array1<T>,
    /// LN1 γ, β and LN2 γ, β, each `[dim]`.
    pub norm: [Array1<T>; 4],
    /// The FFN.
    pub ffn: Ffn<T>,
}

/// A block's feed-forward network.
#[derive(Clone, Debug)]
pub enum Ffn<T> {
    /// The dense MLP (even blocks).
    Dense {
        /// `[hidden][dim]`.
        fc1_weight: Array2<T>,
        /// `[hidden]`.
        fc1_bias: Array1<T>,
        /// `[dim][hidden]`.
        fc2_weight: Array2<T>,
        /// `[dim]`.
        fc2_bias: Array1<T>,
    },
    /// The mixture of experts (odd blocks).
    Moe {
        /// One gate per task, `[expert][dim]`.
        w_gate: Vec<Array2<T>>,
        /// `[expert][hidden][dim]`.
        fc1_weight: Array3<T>,
        /// `[expert][hidden]`.
        fc1_bias: Array2<T>,
        /// `[expert][dim][hidden]`.
        fc2_weight: Array3<T>,
        /// `[expert][dim]`.
        fc2_bias: Array2<T>,
    },
}

/// Loaded float weights and what the loader had to make up.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The tensors.
    pub weights: Weights<f32>,
    /// One line per tensor that was generated instead of read, stating the seed and distribution.
    pub notices: Vec<String>,
}

/// Where tensors come from.
#[derive(Clone, Debug)]
pub enum Source {
    /// Every tensor drawn from the seed.
    Random,
    /// Edge-MoE's folder of `<name>.float32.bin` files.
    BinDir(PathBuf),
    /// One `.safetensors` file with the same tensor names.
    Safetensors(PathBuf),
}

impl Source {
    /// A folder is read as `.bin` files, a file as safetensors.
    pub fn from_path(path: &Path) -> Self {
        if path.is_dir() {
            Source::BinDir(path.to_path_buf())
        } else {
            Source::Safetensors(path.to_path_buf())
        }
    }
}

/// Loads every tensor of `model` from `source`; missing expert matrices (and, for `Random`, everything)
/// come from `seed`.
pub fn load(model: &ModelConfig, source: &Source, seed: u64) -> Result<Loaded, WeightError> {
    let specs = tensor_specs(model);
    let mut tensors = BTreeMap::new();
    let mut notices = Vec::new();
    let safetensors_bytes = match source {
        Source::Safetensors(path) => Some(fs::read(path).map_err(|e| WeightError::Io {
            path: path.clone(),
            source: e,
        })?),
        _ => None,
    };
    let parsed = match (&safetensors_bytes, source) {
        (Some(bytes), Source::Safetensors(path)) => {
            Some(safetensors::SafeTensors::deserialize(bytes).map_err(|e| {
                WeightError::BadTensor {
                    path: path.clone(),
                    name: "(header)".into(),
                    reason: e.to_string(),
                }
            })?)
        }
        _ => None,
    };
    for spec in &specs {
        let data = match source {
            Source::Random => None,
            Source::BinDir(dir) => read_bin(dir, spec)?,
            Source::Safetensors(path) => read_safetensor(path, parsed.as_ref(), spec)?,
        };
        let data = match data {
            Some(d) => d,
            None if matches!(source, Source::Random) => draw(spec, seed),
            None if spec.is_expert_matrix() => {
                notices.push(format!(
                    "{}: not in the weights, filled from seed {seed} (N(0, 0.05^2) clipped to ±0.9, like the dense fc weights)",
                    spec.name
                ));
                draw(spec, seed)
            }
            None => {
                let path = match source {
                    Source::BinDir(dir) => dir.join(format!("{}.float32.bin", spec.name)),
                    Source::Safetensors(p) => p.clone(),
                    Source::Random => PathBuf::new(),
                };
                return Err(WeightError::Missing {
                    path,
                    name: spec.name.clone(),
                    shape: spec.shape.clone(),
                });
            }
        };
        tensors.insert(spec.name.clone(), data);
    }
    if matches!(source, Source::Random) {
        notices.push(format!(
            "all tensors drawn from seed {seed} (no --weights given)"
        ));
    }
    Ok(Loaded {
        weights: assemble(model, &mut tensors),
        notices,
    })
}

fn draw(spec: &TensorSpec, seed: u64) -> Vec<f32> {
    let mut g = SplitMix64::for_stream(seed, &spec.name);
    (0..spec.len()).map(|_| spec.kind.draw(&mut g)).collect()
}

fn read_bin(dir: &Path, spec: &TensorSpec) -> Result<Option<Vec<f32>>, WeightError> {
    let path = dir.join(format!("{}.float32.bin", spec.name));
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(WeightError::Io { path, source: e }),
    };
    let expected = 4 * spec.len() as u64;
    if bytes.len() as u64 != expected {
        return Err(WeightError::WrongSize {
            path,
            name: spec.name.clone(),
            shape: spec.shape.clone(),
            expected,
            found: bytes.len() as u64,
        });
    }
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    check_finite(&path, spec, &values)?;
    Ok(Some(values))
}

fn read_safetensor(
    path: &Path,
    parsed: Option<&safetensors::SafeTensors>,
    spec: &TensorSpec,
) -> Result<Option<Vec<f32>>, WeightError> {
    let Some(st) = parsed else { return Ok(None) };
    let view = match st.tensor(&spec.name) {
        Ok(v) => v,
        Err(_) => return Ok(None),
    };
    let bad = |reason: String| WeightError::BadTensor {
        path: path.to_path_buf(),
        name: spec.name.clone(),
        reason,
    };
    if view.shape() != spec.shape.as_slice() {
        return Err(bad(format!(
            "shape {:?}, expected {:?}",
            view.shape(),
            spec.shape
        )));
    }
    let values: Vec<f32> = match view.dtype() {
        safetensors::Dtype::F32 => view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        other => return Err(bad(format!("dtype {other:?}, expected F32"))),
    };
    check_finite(path, spec, &values)?;
    Ok(Some(values))
}

fn check_finite(path: &Path, spec: &TensorSpec, values: &[f32]) -> Result<(), WeightError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => Err(WeightError::NotFinite {
            path: path.to_path_buf(),
            name: spec.name.clone(),
            index,
            value: values[index],
        }),
    }
}

/// Builds the typed structure from flat tensors whose lengths were already checked against the specs.
fn assemble(m: &ModelConfig, t: &mut BTreeMap<String, Vec<f32>>) -> Weights<f32> {
    let mut take = |name: &str, shape: &[usize]| -> ArrayD<f32> {
        let data = t.remove(name).expect("every spec was loaded");
        ArrayD::from_shape_vec(IxDyn(shape), data).expect("lengths checked on load")
    };
    let (d, n) = (m.embed_dim, m.tokens());
    let image = fix(take(
        "image",
        &[m.image_channels, m.image_height, m.image_width],
    ));
    let patch_weight = fix(take(
        "patch_embed_weight",
        &[d, m.image_channels, m.patch, m.patch],
    ));
    let patch_bias = fix(take("patch_embed_bias", &[d]));
    let pos_embed = fix(take("pos_embed", &[n, d]));
    let layers = (0..m.depth)
        .map(|l| {
            let mut g = |s: &str, shape: &[usize]| take(&format!("l{l}_{s}"), shape);
            let ffn = if m.is_moe(l) {
                let (e, h) = (m.experts, m.expert_hidden);
                Ffn::Moe {
                    w_gate: (0..m.tasks)
                        .map(|task| fix(g(&format!("w_gate_T_task{task}"), &[e, d])))
                        .collect(),
                    fc1_weight: fix(g("htoh4_weight", &[e, h, d])),
                    fc1_bias: fix(g("htoh4_bias", &[e, h])),
                    fc2_weight: fix(g("h4toh_weight", &[e, d, h])),
                    fc2_bias: fix(g("h4toh_bias", &[e, d])),
                }
            } else {
                let h = m.mlp_hidden;
                Ffn::Dense {
                    fc1_weight: fix(g("fc1_weight", &[h, d])),
                    fc1_bias: fix(g("fc1_bias", &[h])),
                    fc2_weight: fix(g("fc2_weight", &[d, h])),
                    fc2_bias: fix(g("fc2_bias", &[d])),
                }
            };
            Layer {
                qkv_weight: fix(g("qkv_weight", &[3 * d, d])),
                qkv_bias: fix(g("qkv_bias", &[3 * d])),
                proj_weight: fix(g("attn_proj_weight", &[d, d])),
                proj_bias: fix(g("attn_proj_bias", &[d])),
                norm: [
                    fix(g("norm1_weight", &[d])),
                    fix(g("norm1_bias", &[d])),
                    fix(g("norm2_weight", &[d])),
                    fix(g("norm2_bias", &[d])),
                ],
                ffn,
            }
        })
        .collect();
    Weights {
        image,
        patch_weight,
        patch_bias,
        pos_embed,
        layers,
    }
}

fn fix<D: Dimension>(a: ArrayD<f32>) -> Array<f32, D> {
    a.into_dimensionality::<D>()
        .expect("rank fixed by the spec")
}

impl<T: Copy> Weights<T> {
    /// The same structure with every element mapped by `f(kind, value)`.
    pub fn map<U>(&self, f: impl Fn(Kind, T) -> U + Sync) -> Weights<U>
    where
        T: Sync,
        U: Send,
    {
        let f = &f;
        let m = |k: Kind| move |v: &T| f(k, *v);
        Weights {
            image: self.image.map(m(Kind::Image)),
            patch_weight: self.patch_weight.map(m(Kind::PatchWeight)),
            patch_bias: self.patch_bias.map(m(Kind::Bias)),
            pos_embed: self.pos_embed.map(m(Kind::PosEmbed)),
            layers: self
                .layers
                .iter()
                .map(|l| Layer {
                    qkv_weight: l.qkv_weight.map(m(Kind::Linear)),
                    qkv_bias: l.qkv_bias.map(m(Kind::AttnBias)),
                    proj_weight: l.proj_weight.map(m(Kind::Linear)),
                    proj_bias: l.proj_bias.map(m(Kind::AttnBias)),
                    norm: [
                        l.norm[0].map(m(Kind::NormWeight)),
                        l.norm[1].map(m(Kind::NormBias)),
                        l.norm[2].map(m(Kind::NormWeight)),
                        l.norm[3].map(m(Kind::NormBias)),
                    ],
                    ffn: match &l.ffn {
                        Ffn::Dense {
                            fc1_weight,
                            fc1_bias,
                            fc2_weight,
                            fc2_bias,
                        } => Ffn::Dense {
                            fc1_weight: fc1_weight.map(m(Kind::Linear)),
                            fc1_bias: fc1_bias.map(m(Kind::Bias)),
                            fc2_weight: fc2_weight.map(m(Kind::Linear)),
                            fc2_bias: fc2_bias.map(m(Kind::Bias)),
                        },
                        Ffn::Moe {
                            w_gate,
                            fc1_weight,
                            fc1_bias,
                            fc2_weight,
                            fc2_bias,
                        } => Ffn::Moe {
                            w_gate: w_gate.iter().map(|g| g.map(m(Kind::Linear))).collect(),
                            fc1_weight: fc1_weight.map(m(Kind::Linear)),
                            fc1_bias: fc1_bias.map(m(Kind::Bias)),
                            fc2_weight: fc2_weight.map(m(Kind::Linear)),
                            fc2_bias: fc2_bias.map(m(Kind::Bias)),
                        },
                    },
                })
                .collect(),
        }
    }
}

impl Weights<f32> {
    /// Each value truncated to its type, as Edge-MoE's test bench does (`ap_fixed(float)`: floor, wrap).
    /// Values were checked finite on load.
    pub fn quantize(&self, n: &Numerics) -> Weights<i64> {
        self.map(|kind, v| kind.format(n).from_f64(v as f64).unwrap_or(0))
    }

    /// The same values in f64, for the float twin.
    pub fn to_f64(&self) -> Weights<f64> {
        self.map(|_, v| v as f64)
    }
}

/// Each parameter paired with its format, as the unit kernels take them: one place for golden's frame,
/// the simulator's values and the benches.
impl Weights<i64> {
    /// The patch-embedding unit's operands.
    pub fn patch_embed_operands(&self, n: &Numerics) -> PatchEmbedWeights<'_> {
        PatchEmbedWeights {
            weights: self.patch_weight.view(),
            weight_format: n.wt_patch_embed,
            bias: standard(&self.patch_bias),
            bias_format: n.wt_bias,
            pos_embed: self.pos_embed.view(),
        }
    }
}

impl Layer<i64> {
    /// LN1's parameters, or LN2's if `second`; `eps` is the raw fm_t epsilon.
    pub fn layernorm_params(&self, second: bool, eps: i64, n: &Numerics) -> LayerNormParams<'_> {
        let k = if second { 2 } else { 0 };
        LayerNormParams {
            gamma: standard(&self.norm[k]),
            gamma_format: n.wt_norm,
            beta: standard(&self.norm[k + 1]),
            beta_format: n.wt_bias,
            eps,
        }
    }
}

/// The loader builds every tensor in standard layout.
fn standard(a: &Array1<i64>) -> &[i64] {
    a.as_slice().expect("weights are built in standard layout")
}
