//! The Vitis-HLS C++ project of a design point: sources, benches, vectors, TCL, Makefile, README.

mod templates;

use std::fmt::Write as _;

use golden::units::exp::{shares_the_native_datapath, tables};
use golden::units::gelu::Gelu;

use golden::model::forward::FixedFrame;
use golden::model::weights::Weights;
use golden::units::mac::MacError;
use rayon::prelude::*;

use crate::design::{Design, DesignError};
use crate::template::{render, TemplateError, Vars};
use crate::unit::Unit;
use crate::vectors::frame::{frame_files, FrameFiles};
use crate::vectors::{units, VectorFile};
use crate::Project;

pub use templates::TemplateFile;

/// Units whose bench is the shared `fm_t f(fm_t)` one.
const SCALAR_UNITS: [Unit; 4] = [Unit::Exp, Unit::Recip, Unit::Sqrt, Unit::Gelu];

/// The frame whose kernel inputs and golden taps go into `vectors/frame/`.
#[derive(Clone, Copy, Debug)]
pub struct FrameInput<'a> {
    /// Raw weights and image.
    pub weights: &'a Weights<i64>,
    /// Golden's run of them.
    pub golden: &'a FixedFrame,
    /// The task whose gate the MoE blocks use.
    pub task: usize,
    /// Notes for the manifest (e.g. which tensors the loader generated).
    pub notes: &'a [String],
}

/// Why a project could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The design point cannot be emitted.
    #[error(transparent)]
    Design(#[from] DesignError),
    /// Golden refused a format combination.
    #[error(transparent)]
    Mac(#[from] MacError),
    /// A template is broken (a bug in edgemoe).
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The RTL generator failed (a bug in edgemoe's hw crate).
    #[error("{0}")]
    Rtl(String),
}

/// The whole project for `design`: sources, `vectors` golden cases for each of `units`, and the
/// frame's files when `frame` is given.
pub fn build(
    design: &Design,
    config_name: &str,
    units: &[Unit],
    vectors: usize,
    frame: Option<FrameInput>,
) -> Result<Project, BuildError> {
    design.check()?;
    let files: Vec<VectorFile> = units
        .par_iter()
        .map(|&u| units::generate(u, design, vectors))
        .collect::<Result<_, _>>()?;
    let frame = frame.map(|f| frame_files(design, f.weights, f.golden, f.task, f.notes));
    Ok(project(design, config_name, &files, frame.as_ref())?)
}

/// The project's files: `vectors` per unit (already generated), and the frame's if given.
pub fn project(
    design: &Design,
    config_name: &str,
    vectors: &[VectorFile],
    frame: Option<&FrameFiles>,
) -> Result<Project, TemplateError> {
    let vars = variables(design, config_name)?;
    let mut p = Project::default();
    for t in templates::PROJECT {
        p.add(t.path, render(t.path, t.text, &vars)?.into_bytes());
    }
    for (name, text) in crate::vectors::READER {
        p.add(&format!("tb/{name}"), text.as_bytes().to_vec());
    }
    for unit in SCALAR_UNITS {
        let mut v = vars.clone();
        v.set("unit", unit.name());
        let t = &templates::SCALAR_BENCH;
        p.add(
            &format!("tb/tb_{}.cpp", unit.name()),
            render(t.path, t.text, &v)?.into_bytes(),
        );
    }
    for file in vectors {
        p.add(
            &format!("vectors/{}.vec", file.unit),
            file.to_text().into_bytes(),
        );
    }
    if let Some(f) = frame {
        p.add(
            "vectors/frame/manifest.txt",
            f.manifest.clone().into_bytes(),
        );
        p.add("vectors/frame/params.bin", f.params.clone());
        p.add("vectors/frame/taps.bin", f.taps.clone());
    }
    Ok(p)
}

/// The sources a unit's bench links: its own, those of the units it calls, and the bench support.
pub fn bench_sources(unit: Unit) -> Vec<String> {
    let mut s: Vec<String> = unit
        .closure()
        .iter()
        .map(|u| format!("src/{}.cpp", u.name()))
        .collect();
    s.push("tb/vectors.cpp".into());
    s.push(format!("tb/tb_{}.cpp", unit.name()));
    s
}

/// The sources of the whole-frame bench.
pub fn frame_sources() -> Vec<String> {
    let mut s: Vec<String> = Unit::ALL
        .iter()
        .map(|u| format!("src/{}.cpp", u.name()))
        .collect();
    s.push("src/edgemoe_top.cpp".into());
    s.push("tb/vectors.cpp".into());
    s.push("tb/tb_frame.cpp".into());
    s
}

fn variables(design: &Design, config_name: &str) -> Result<Vars, TemplateError> {
    let m = design.model;
    let n = design.numerics;
    let a = design.arch;
    let fm = n.fm;
    let mut v = Vars::new();
    v.set("config_name", config_name);
    // [numerics]
    v.set("fm_type", fm)
        .set("wt_linear_type", n.wt_linear)
        .set("wt_attn_bias_type", n.wt_attn_bias)
        .set("wt_bias_type", n.wt_bias)
        .set("wt_norm_type", n.wt_norm)
        .set("wt_patch_embed_type", n.wt_patch_embed)
        .set("pixel_type", n.pixel)
        .set("wt_wbias_type", n.wt_wbias)
        .set("fm_frac", fm.frac_bits())
        .set("fm_width_plus_one", fm.width() + 1)
        .set("fm_int_plus_one", fm.int_bits() + 1);
    // [model]
    let moe: Vec<bool> = (0..m.depth).map(|l| m.is_moe(l)).collect();
    let mut slots = Vec::new();
    let (mut dense_seen, mut moe_seen) = (0, 0);
    for &is_moe in &moe {
        let counter = if is_moe {
            &mut moe_seen
        } else {
            &mut dense_seen
        };
        slots.push(*counter);
        *counter += 1;
    }
    v.set("image_channels", m.image_channels)
        .set("image_height", m.image_height)
        .set("image_width", m.image_width)
        .set("patch", m.patch)
        .set("embed_dim", m.embed_dim)
        .set("heads", m.heads)
        .set("depth", m.depth)
        .set("mlp_hidden", m.mlp_hidden)
        .set("experts", m.experts)
        .set("expert_hidden", m.expert_hidden)
        .set("moe_blocks", moe_seen)
        .set("block_is_moe", join(moe.iter().map(|b| b.to_string())))
        .set("block_ffn_slot", join(slots.iter().map(|s| s.to_string())))
        .set("attn_scale", format!("{:?}", m.attn_scale))
        .set("layernorm_eps", format!("{:?}", m.layernorm_eps));
    // [arch]
    let tile = a.linear_tile_in * a.linear_tile_out;
    v.set("attn_lanes", a.attn_lanes)
        .set("beat", a.beat)
        .set("linear_tile_in", a.linear_tile_in)
        .set("linear_tile_out", a.linear_tile_out)
        .set("linear_max_dim", design.linear_max_dim())
        .set(
            "linear_weight_blocks",
            a.linear_weight_buffer.div_ceil(tile),
        )
        .set("linear_bias_entries", a.linear_bias_buffer)
        .set("ii_finalize_attn", a.ii.finalize_attn)
        .set("ii_gate_softmax", a.ii.gate_softmax)
        .set("ii_write_gate_results", a.ii.write_gate_results)
        .set("ii_patch_embed", a.ii.patch_embed)
        .set("fifo_linear_in", a.fifo.linear_in)
        .set("fifo_index_stream", a.fifo.index_stream)
        .set("fifo_stream", a.fifo.stream)
        .set("layernorm_x_depth", m.embed_dim)
        .set("clock_period_ns", format!("{:.3}", 1000.0 / a.clock_mhz))
        .set("clock_mhz", a.clock_mhz)
        .set("part", &design.board.part)
        .set("board", &design.board.name);
    // m_axi depths (elements, or beats for the activation buffers, behind each pointer): what C/RTL
    // co-simulation sizes its memories by.
    let (c, h, w, p, d) = (
        m.image_channels,
        m.image_height,
        m.image_width,
        m.patch,
        m.embed_dim,
    );
    let (t, e) = (design.tokens(), m.experts);
    let (dense, moe) = (dense_seen, moe_seen);
    for (port, depth) in [
        ("image", c * h * w),
        ("patch_weight", d * c * p * p),
        ("patch_bias", d),
        ("pos_embed", t * d / a.beat),
        ("attn_weight", m.depth * 4 * d * d),
        ("attn_bias", m.depth * 4 * d),
        ("norm_weight", m.depth * 2 * d),
        ("norm_bias", m.depth * 2 * d),
        ("mlp_fc1_weight", dense * m.mlp_hidden * d),
        ("mlp_fc1_bias", dense * m.mlp_hidden),
        ("mlp_fc2_weight", dense * d * m.mlp_hidden),
        ("mlp_fc2_bias", dense * d),
        ("moe_w_gate", moe * e * d),
        ("moe_fc1_weight", moe * e * m.expert_hidden * d),
        ("moe_fc1_bias", moe * e * m.expert_hidden),
        ("moe_fc2_weight", moe * e * d * m.expert_hidden),
        ("moe_fc2_bias", moe * e * d),
        ("x", t * d / a.beat),
        ("tmp1", t * d / a.beat),
        ("tmp2", t * d / a.beat),
        ("tmp3", t * d / a.beat),
        ("hidden", t * design.linear_max_dim() / a.beat),
        ("attn", design.query_blocks() * t * a.attn_lanes),
        ("attn_info", t),
    ] {
        v.set(&format!("depth_{port}"), depth.max(1));
    }
    // ROM contents
    let t = tables();
    v.set("exp_hi", rom(&t.exp_hi, 4))
        .set("exp_expm1_mid", rom(&t.expm1_mid, 4))
        .set("exp_expm1_lo", rom(&t.expm1_lo, 4))
        .set("exp_cube4", rom(&t.cube4, 4));
    let gelu: Vec<u64> = Gelu::new(fm).table().iter().map(|&r| r as u64).collect();
    v.set("gelu_table", rom(&gelu, 6));
    // exp's entry point: the native datapath when the format shares it, the bridge otherwise.
    let exp_m = (fm.int_bits() - 1).max(fm.frac_bits());
    v.set("exp_m", exp_m);
    let entry = if shares_the_native_datapath(&fm) {
        &templates::EXP_FAMILY
    } else {
        &templates::EXP_BRIDGE
    };
    let rendered = render(entry.path, entry.text, &v)?;
    v.set("exp_entry", rendered.trim_end());
    // Build rules for the Makefile.
    v.set("make_rules", make_rules());
    Ok(v)
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// A ROM initialiser: hex literals, `per_line` to a line, each line indented and commented with its
/// first index.
fn rom(values: &[u64], per_line: usize) -> String {
    let mut s = String::new();
    for (i, chunk) in values.chunks(per_line).enumerate() {
        s.push_str("    ");
        for v in chunk {
            let _ = write!(s, "0x{v:x}ULL, ");
        }
        let _ = writeln!(s, "// [{}]", i * per_line);
    }
    s.trim_end().to_string()
}

/// One Makefile rule per bench.
fn make_rules() -> String {
    let mut s = String::new();
    for unit in Unit::ALL {
        let objs: Vec<String> = bench_sources(unit)
            .iter()
            .map(|src| format!("build/{}.o", src.trim_end_matches(".cpp")))
            .collect();
        let _ = writeln!(
            s,
            "build/tb_{u}: {objs}\n\t$(CXX) $(CXXFLAGS) -o $@ $^\n",
            u = unit.name(),
            objs = objs.join(" ")
        );
    }
    let objs: Vec<String> = frame_sources()
        .iter()
        .map(|src| format!("build/{}.o", src.trim_end_matches(".cpp")))
        .collect();
    let _ = writeln!(
        s,
        "build/tb_frame: {}\n\t$(CXX) $(CXXFLAGS) -o $@ $^",
        objs.join(" ")
    );
    s
}
