//! One whole frame as the frame bench reads it: the kernel's DDR contents and golden's taps.
//!
//! # Format (version 1)
//! `frame/manifest.txt`, whitespace-separated:
//! ```text
//! edgemoe-frame 1
//! # comments
//! tensor <name> <bytes> <count> <offset>       a tensor in params.bin
//! tap <name> <bytes> <rows> <cols> <offset>    a tap in taps.bin, [rows][cols]
//! end
//! ```
//! Values are raw bit patterns, little-endian, `bytes` (1, 2, 4 or 8: the smallest that holds the type)
//! each, two's complement sign-extended. Tensors are in the top kernel's argument layouts
//! (`edgemoe_top.h`); taps are in execution order with golden's names.

use std::fmt::Write as _;

use golden::fixed::Format;
use golden::model::forward::FixedFrame;
use golden::model::weights::{Ffn, Weights};

use crate::design::Design;

/// The three files of a frame, in memory.
#[derive(Clone, Debug, Default)]
pub struct FrameFiles {
    /// `manifest.txt`.
    pub manifest: String,
    /// `params.bin`.
    pub params: Vec<u8>,
    /// `taps.bin`.
    pub taps: Vec<u8>,
}

/// Bytes per value of `f`.
fn container(f: &Format) -> usize {
    match f.width() {
        0..=8 => 1,
        9..=16 => 2,
        17..=32 => 4,
        _ => 8,
    }
}

fn put(bin: &mut Vec<u8>, raws: impl IntoIterator<Item = i64>, bytes: usize) {
    for r in raws {
        bin.extend_from_slice(&r.to_le_bytes()[..bytes]);
    }
}

struct Writer {
    files: FrameFiles,
}

impl Writer {
    fn tensor(&mut self, name: &str, f: &Format, raws: Vec<i64>) {
        let bytes = container(f);
        let offset = self.files.params.len();
        let _ = writeln!(
            self.files.manifest,
            "tensor {name} {bytes} {} {offset}",
            raws.len()
        );
        put(&mut self.files.params, raws, bytes);
    }
}

/// The frame files for `weights` run on `design` with `task`'s gate, whose golden result is `frame`.
pub fn frame_files(
    design: &Design,
    weights: &Weights<i64>,
    frame: &FixedFrame,
    task: usize,
    notes: &[String],
) -> FrameFiles {
    let n = design.numerics;
    let mut w = Writer {
        files: FrameFiles::default(),
    };
    w.files.manifest.push_str("edgemoe-frame 1\n");
    let _ = writeln!(
        w.files.manifest,
        "# task {task}; fm_t = {}; values little-endian raw bits",
        n.fm
    );
    for note in notes {
        let _ = writeln!(w.files.manifest, "# {note}");
    }
    let all = |a: &dyn Fn(&mut Vec<i64>)| {
        let mut v = Vec::new();
        a(&mut v);
        v
    };
    w.tensor("image", &n.pixel, weights.image.iter().copied().collect());
    w.tensor(
        "patch_weight",
        &n.wt_patch_embed,
        weights.patch_weight.iter().copied().collect(),
    );
    w.tensor(
        "patch_bias",
        &n.wt_bias,
        weights.patch_bias.iter().copied().collect(),
    );
    w.tensor(
        "pos_embed",
        &n.fm,
        weights.pos_embed.iter().copied().collect(),
    );
    let layers = &weights.layers;
    w.tensor(
        "attn_weight",
        &n.wt_linear,
        all(&|v| {
            for l in layers {
                v.extend(l.qkv_weight.iter().copied());
                v.extend(l.proj_weight.iter().copied());
            }
        }),
    );
    w.tensor(
        "attn_bias",
        &n.wt_attn_bias,
        all(&|v| {
            for l in layers {
                v.extend(l.qkv_bias.iter().copied());
                v.extend(l.proj_bias.iter().copied());
            }
        }),
    );
    w.tensor(
        "norm_weight",
        &n.wt_norm,
        all(&|v| {
            for l in layers {
                v.extend(l.norm[0].iter().chain(l.norm[2].iter()).copied());
            }
        }),
    );
    w.tensor(
        "norm_bias",
        &n.wt_bias,
        all(&|v| {
            for l in layers {
                v.extend(l.norm[1].iter().chain(l.norm[3].iter()).copied());
            }
        }),
    );
    let dense = |pick: &dyn Fn(&Ffn<i64>, &mut Vec<i64>)| {
        all(&|v| {
            for l in layers {
                if matches!(l.ffn, Ffn::Dense { .. }) {
                    pick(&l.ffn, v);
                }
            }
        })
    };
    let moe = |pick: &dyn Fn(&Ffn<i64>, &mut Vec<i64>)| {
        all(&|v| {
            for l in layers {
                if matches!(l.ffn, Ffn::Moe { .. }) {
                    pick(&l.ffn, v);
                }
            }
        })
    };
    macro_rules! field {
        ($variant:ident, $field:ident) => {
            |f: &Ffn<i64>, v: &mut Vec<i64>| {
                if let Ffn::$variant { $field, .. } = f {
                    v.extend($field.iter().copied());
                }
            }
        };
    }
    w.tensor(
        "mlp_fc1_weight",
        &n.wt_linear,
        dense(&field!(Dense, fc1_weight)),
    );
    w.tensor("mlp_fc1_bias", &n.wt_bias, dense(&field!(Dense, fc1_bias)));
    w.tensor(
        "mlp_fc2_weight",
        &n.wt_linear,
        dense(&field!(Dense, fc2_weight)),
    );
    w.tensor("mlp_fc2_bias", &n.wt_bias, dense(&field!(Dense, fc2_bias)));
    w.tensor(
        "moe_w_gate",
        &n.wt_linear,
        moe(&|f, v| {
            if let Ffn::Moe { w_gate, .. } = f {
                v.extend(w_gate[task].iter().copied());
            }
        }),
    );
    w.tensor(
        "moe_fc1_weight",
        &n.wt_linear,
        moe(&field!(Moe, fc1_weight)),
    );
    w.tensor("moe_fc1_bias", &n.wt_bias, moe(&field!(Moe, fc1_bias)));
    w.tensor(
        "moe_fc2_weight",
        &n.wt_linear,
        moe(&field!(Moe, fc2_weight)),
    );
    w.tensor("moe_fc2_bias", &n.wt_bias, moe(&field!(Moe, fc2_bias)));

    let bytes = container(&n.fm);
    for tap in &frame.taps.entries {
        let (rows, cols) = tap.values.dim();
        let offset = w.files.taps.len();
        let _ = writeln!(
            w.files.manifest,
            "tap {} {bytes} {rows} {cols} {offset}",
            tap.name
        );
        put(&mut w.files.taps, tap.values.iter().copied(), bytes);
    }
    w.files.manifest.push_str("end\n");
    w.files
}
