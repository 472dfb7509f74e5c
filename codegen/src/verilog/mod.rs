//! The Verilog project of a design point: every unit's RTL (from `hw::rtl`) behind an AXI-Stream top,
//! a Verilator harness per unit replaying golden vectors, the simulator's cycle counts for them, Yosys
//! scripts, a Makefile and a README.

pub mod cosim;
pub mod model;
pub mod synth;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use hw::rtl::linear::BeatLayout;
use hw::rtl::{verilator_waivers, RtlError, RtlUnit, Top};
use rayon::prelude::*;

use crate::design::{Design, DesignError};
use crate::hls::BuildError;
use crate::template::{render, TemplateError, Vars};
use crate::unit::Unit;
use crate::vectors::{units, VectorFile};
use crate::Project;

/// The harness of a unit reading one fm_t per case.
const SCALAR_HARNESS: (&str, &str) = (
    "harness/tb_scalar.cpp.in",
    include_str!("../../templates/verilog/harness/tb_scalar.cpp.in"),
);

/// The linear tile's harness.
const LINEAR_HARNESS: (&str, &str) = (
    "harness/tb_linear.cpp.in",
    include_str!("../../templates/verilog/harness/tb_linear.cpp.in"),
);

/// The softmax step's harness (rows interleaved as its input contract asks).
const SOFTMAX_HARNESS: (&str, &str) = (
    "harness/tb_softmax.cpp.in",
    include_str!("../../templates/verilog/harness/tb_softmax.cpp.in"),
);

/// QKᵀ's harness (the staggered lanes read back into rows).
const QK_SCORES_HARNESS: (&str, &str) = (
    "harness/tb_qk_scores.cpp.in",
    include_str!("../../templates/verilog/harness/tb_qk_scores.cpp.in"),
);

/// LayerNorm's harness (two passes a token).
const LAYERNORM_HARNESS: (&str, &str) = (
    "harness/tb_layernorm.cpp.in",
    include_str!("../../templates/verilog/harness/tb_layernorm.cpp.in"),
);

/// softmax(S)·V's harness (the loop's flags rebuilt from the staggered rows).
const ATTN_AV_HARNESS: (&str, &str) = (
    "harness/tb_attn_av.cpp.in",
    include_str!("../../templates/verilog/harness/tb_attn_av.cpp.in"),
);

/// The gate's harness (w_gate streamed beside every token's beats).
const GATING_HARNESS: (&str, &str) = (
    "harness/tb_gating.cpp.in",
    include_str!("../../templates/verilog/harness/tb_gating.cpp.in"),
);

/// Files rendered once each with the design's variables.
const PROJECT: [(&str, &str); 4] = [
    (
        "harness/axis.h",
        include_str!("../../templates/verilog/harness/axis.h"),
    ),
    ("Makefile", include_str!("../../templates/verilog/Makefile")),
    (
        "README.md",
        include_str!("../../templates/verilog/README.md"),
    ),
    (
        "synth.ys.in",
        include_str!("../../templates/verilog/synth.ys.in"),
    ),
];

/// One unit in the project: its top and its vectors.
#[derive(Clone, Debug)]
pub struct UnitRtl {
    /// The unit.
    pub unit: RtlUnit,
    /// Its AXI-Stream top for the design point.
    pub top: Top,
    /// Golden vectors.
    pub vectors: VectorFile,
    /// The simulator's clock edges per vector group, gap-free.
    pub model_cycles: Vec<u64>,
}

/// The design point's tops, vectors and model cycle counts for `units`, `vectors` cases each.
pub fn units(
    design: &Design,
    units: &[RtlUnit],
    vectors: usize,
) -> Result<Vec<UnitRtl>, BuildError> {
    let family = design.board.yosys_family();
    if family.is_none() {
        return Err(DesignError {
            key: "board.part".into(),
            reason: format!(
                "{}: Yosys has no Xilinx family for this part (UltraScale+, UltraScale and 7-series have one)",
                design.board.part
            ),
        }
        .into());
    }
    units
        .par_iter()
        .map(|&unit| {
            let top = unit
                .top(design.model, design.numerics, design.arch)
                .map_err(|e| located(unit, design, e))?;
            let golden: Unit = unit
                .name()
                .parse()
                .map_err(|e: String| BuildError::Rtl(e))?;
            let vectors = units::generate(golden, design, vectors)?;
            let model_cycles = vectors
                .groups
                .iter()
                .map(|g| model::cycles(unit, g, design))
                .collect();
            Ok(UnitRtl {
                unit,
                top,
                vectors,
                model_cycles,
            })
        })
        .collect()
}

/// A unit the design point cannot have, as an error on the config key at fault.
fn located(unit: RtlUnit, design: &Design, e: RtlError) -> BuildError {
    let key = match &e {
        RtlError::Unsupported { key, .. } => key,
        RtlError::Latency { .. } => unit.depth(design.arch).0,
        RtlError::Bug { .. } => return BuildError::Rtl(e.to_string()),
    };
    DesignError {
        key: key.into(),
        reason: e.to_string(),
    }
    .into()
}

/// The project for `design` from already built units.
pub fn project(
    design: &Design,
    config_name: &str,
    units: &[UnitRtl],
) -> Result<Project, TemplateError> {
    let family = design.board.yosys_family().unwrap_or("xcup");
    let mut vars = Vars::new();
    let names: Vec<&str> = units.iter().map(|u| u.unit.name()).collect();
    vars.set("config_name", config_name)
        .set("units", names.join(" "))
        .set("fm_type", design.numerics.fm)
        .set("board", &design.board.name)
        .set("part", &design.board.part)
        .set("family", family)
        .set("make_rules", make_rules(units));
    let mut p = Project::default();
    for (path, text) in PROJECT {
        if path != "synth.ys.in" {
            p.add(path, render(path, text, &vars)?.into_bytes());
        }
    }
    for (name, text) in crate::vectors::READER {
        p.add(&format!("harness/{name}"), text.as_bytes().to_vec());
    }
    let fm = design.numerics.fm;
    for u in units {
        let name = u.unit.name();
        let module = &u.top.module;
        let mut v = vars.clone();
        v.set("unit", name)
            .set("module", module)
            .set("fm_width", fm.width())
            .set("fm_mask", format!("0x{:x}", (1u64 << fm.width()) - 1))
            .set("inputs", if u.unit == RtlUnit::Div { 2 } else { 1 });
        p.add(
            &format!("rtl/{module}.v"),
            u.top.verilog.clone().into_bytes(),
        );
        p.add(
            &format!("rtl/{module}.vlt"),
            verilator_waivers(&format!("{module}.v")).into_bytes(),
        );
        let (path, text) = match u.unit {
            RtlUnit::Exp | RtlUnit::Recip | RtlUnit::Sqrt | RtlUnit::Div | RtlUnit::Gelu => {
                SCALAR_HARNESS
            }
            RtlUnit::Linear => {
                linear_variables(design, &mut v);
                LINEAR_HARNESS
            }
            RtlUnit::Softmax => {
                v.set("lanes", hw::rtl::softmax::RECURRENCE);
                SOFTMAX_HARNESS
            }
            RtlUnit::QkScores => {
                v.set("tokens", design.tokens())
                    .set("dim", design.model.embed_dim)
                    .set("heads", design.model.heads)
                    .set("lanes", design.arch.attn_lanes)
                    .set("beat", design.arch.beat);
                QK_SCORES_HARNESS
            }
            RtlUnit::AttnAv => {
                let layout =
                    hw::rtl::attn_av::BeatLayout::new(design.arch.attn_lanes, design.arch.beat);
                v.set("tokens", design.tokens())
                    .set("dim", design.model.embed_dim)
                    .set("heads", design.model.heads)
                    .set("lanes", design.arch.attn_lanes)
                    .set("beat", design.arch.beat)
                    .set("beat_words", layout.bits.div_ceil(32))
                    .set("scores_at", layout.scores / 32)
                    .set("recip_at", layout.recip_sum / 32)
                    .set("max_at", layout.max / 32)
                    .set("flags_at", layout.load / 32);
                ATTN_AV_HARNESS
            }
            RtlUnit::Gating => {
                let layout =
                    hw::rtl::gating::BeatLayout::new(design.arch.beat, design.model.experts);
                v.set("dim", design.model.embed_dim)
                    .set("experts", design.model.experts)
                    .set("beat", design.arch.beat)
                    .set("beat_words", layout.bits.div_ceil(32))
                    .set("w_at", layout.w)
                    .set("flags_at", layout.flags);
                GATING_HARNESS
            }
            RtlUnit::Layernorm => {
                v.set("dim", design.model.embed_dim)
                    .set("beat", design.arch.beat);
                LAYERNORM_HARNESS
            }
        };
        p.add(
            &format!("harness/tb_{name}.cpp"),
            render(path, text, &v)?.into_bytes(),
        );
        p.add(
            &format!("vectors/{name}.vec"),
            u.vectors.to_text().into_bytes(),
        );
        p.add(
            &format!("vectors/{name}.cycles"),
            cycles_file(name, &u.model_cycles).into_bytes(),
        );
        let (path, text) = PROJECT[3];
        p.add(
            &format!("synth/{name}.ys"),
            render(path, text, &v)?.into_bytes(),
        );
    }
    Ok(p)
}

/// The linear harness's beat layout and bias conversion.
fn linear_variables(design: &Design, v: &mut Vars) {
    let (tin, tout) = (design.arch.linear_tile_in, design.arch.linear_tile_out);
    let layout = BeatLayout::new(tin, tout);
    let n = design.numerics;
    let shift = |stored: &golden::fixed::Format| n.fm.frac_bits() - stored.frac_bits();
    v.set("tile_in", tin)
        .set("tile_out", tout)
        .set("beat_words", layout.bits / 32)
        .set("w_at", layout.w)
        .set("bias_at", layout.bias)
        .set("dst_at", layout.dst)
        .set("gate_at", layout.gate)
        .set("flags_at", layout.flags)
        .set("attn_bias_type", n.wt_attn_bias)
        .set("bias_type", n.wt_bias)
        .set("attn_bias_width", n.wt_attn_bias.width())
        .set("bias_width", n.wt_bias.width())
        .set("attn_bias_shift", shift(&n.wt_attn_bias))
        .set("bias_shift", shift(&n.wt_bias));
}

/// The whole project: [`units`] then [`project`].
pub fn build(
    design: &Design,
    config_name: &str,
    rtl_units: &[RtlUnit],
    vectors: usize,
) -> Result<Project, BuildError> {
    let built = units(design, rtl_units, vectors)?;
    Ok(project(design, config_name, &built)?)
}

/// `vectors/<unit>.cycles`: the simulator's edges per group.
fn cycles_file(unit: &str, cycles: &[u64]) -> String {
    let mut s = format!("edgemoe-cycles 1\nunit {unit}\ngroups {}\n", cycles.len());
    for c in cycles {
        let _ = writeln!(s, "{c}");
    }
    s
}

/// Verilator's arguments to build `unit`'s harness from the project root, with `root` the absolute path
/// of that root: Verilator compiles the C++ from inside `build/<unit>/`, so the C++ sources and the
/// include folder are named absolutely.
pub fn verilator_build_args(unit: RtlUnit, module: &str, root: &str) -> Vec<String> {
    let name = unit.name();
    let mut args: Vec<String> = [
        "--cc",
        "--exe",
        "--build",
        "-j",
        "2",
        "-O3",
        "-Wall",
        "--x-assign",
        "fast",
        "--x-initial",
        "fast",
    ]
    .map(String::from)
    .to_vec();
    args.extend([
        "--top-module".into(),
        module.into(),
        "--Mdir".into(),
        format!("build/{name}"),
        "-o".into(),
        format!("tb_{name}"),
        "-CFLAGS".into(),
        format!("-O2 -I{root}/harness"),
        format!("rtl/{module}.vlt"),
        format!("rtl/{module}.v"),
        format!("{root}/harness/tb_{name}.cpp"),
        format!("{root}/harness/vectors.cpp"),
    ]);
    args
}

/// Verilator's lint arguments for `module`.
pub fn verilator_lint_args(module: &str) -> Vec<String> {
    vec![
        "--lint-only".into(),
        "-Wall".into(),
        "--top-module".into(),
        module.into(),
        format!("rtl/{module}.vlt"),
        format!("rtl/{module}.v"),
    ]
}

/// Quotes a word for make's shell if it needs it.
fn shell_word(w: &str) -> String {
    if w.contains([' ', '$']) {
        format!("\"{w}\"")
    } else {
        w.to_string()
    }
}

/// The Makefile's per-unit rules: harness, lint, synthesis.
fn make_rules(units: &[UnitRtl]) -> String {
    let mut s = String::new();
    for u in units {
        let name = u.unit.name();
        let module = &u.top.module;
        let build: Vec<String> = verilator_build_args(u.unit, module, "$(CURDIR)")
            .iter()
            .map(|a| shell_word(a))
            .collect();
        let lint: Vec<String> = verilator_lint_args(module);
        let _ = writeln!(
            s,
            "build/{name}/tb_{name}: rtl/{module}.v rtl/{module}.vlt harness/tb_{name}.cpp harness/vectors.cpp \
             harness/vectors.h harness/axis.h\n\t@mkdir -p build/{name}\n\t$(VERILATOR) {}\n",
            build.join(" ")
        );
        let _ = writeln!(s, "lint-{name}:\n\t$(VERILATOR) {}\n", lint.join(" "));
        let _ = writeln!(
            s,
            "synth-{name}:\n\t@mkdir -p build/{name}\n\t$(YOSYS) -q -s synth/{name}.ys\n"
        );
    }
    s.trim_end().to_string() + "\n"
}
