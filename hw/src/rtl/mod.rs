//! The units' RTL, written with rust-hdl 0.46: one pipelined valid/ready module per unit, simulated in
//! Rust by the unit tests and emitted as Verilog-2001 for Verilator and Yosys.
//!
//! rust-hdl widths are compile-time (`Bits<N>`) while a design point picks its fm_t at run time, so a
//! unit is written once for a 32-bit container and takes the format's W and F as rust-hdl `Constant`s
//! (Verilog `localparam`s): values travel sign-extended in the container and are re-wrapped to W bits
//! wherever golden wraps. Formats the container cannot hold are refused with [`RtlError::Unsupported`].

use golden::model::config::{ModelConfig, Numerics};
use rust_hdl::prelude::*;

use crate::arch::ArchConfig;

pub mod attn_av;
pub mod axis;
#[cfg(test)]
pub(crate) mod bench;
pub mod div;
pub mod divider;
pub mod exp;
pub mod gating;
pub mod gelu;
pub mod layernorm;
pub mod linear;
pub mod mul;
pub mod mul_wide;
pub mod qk_scores;
pub mod recip;
pub mod softmax;
pub mod sqrt;

/// Width of the fm_t container every unit computes in; fm_t up to this width is supported.
pub const CONTAINER_BITS: u32 = 32;

/// Why a unit's RTL could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RtlError {
    /// The design point asks for a format or a shape the unit's datapath cannot hold.
    #[error("the {unit} RTL cannot implement {reason}")]
    Unsupported {
        /// The unit.
        unit: &'static str,
        /// The config key at fault (`numerics.fm`, `arch.linear_tile_out`, …).
        key: &'static str,
        /// What was asked and which bound it breaks.
        reason: String,
    },
    /// The design point asks for a latency the unit cannot have.
    #[error(
        "the {unit} RTL cannot take {depth} cycles: its datapath needs {natural} and its pad adds at most \
         {} more (up to {most})", most - natural
    )]
    Latency {
        /// The unit.
        unit: &'static str,
        /// The depth asked for.
        depth: u32,
        /// The unit's own latency.
        natural: u32,
        /// The deepest it can be padded to.
        most: u32,
    },
    /// A broken invariant of this crate (not a user error), e.g. rust-hdl's design check failing.
    #[error("bug in the {unit} RTL: {detail}")]
    Bug {
        /// The unit.
        unit: &'static str,
        /// rust-hdl's report.
        detail: String,
    },
}

/// The units that have RTL, named as golden names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RtlUnit {
    /// [`exp`].
    Exp,
    /// [`recip`].
    Recip,
    /// [`sqrt`].
    Sqrt,
    /// [`div`].
    Div,
    /// [`gelu`].
    Gelu,
    /// [`linear`]: the tile of `arch.linear_tile_in` × `arch.linear_tile_out`.
    Linear,
    /// [`softmax`]: the online-softmax step over interleaved rows.
    Softmax,
    /// [`qk_scores`]: QKᵀ's P lanes (`arch.attn_lanes`) with the staggered Q load.
    QkScores,
    /// [`layernorm`]: both passes over a token, `arch.beat` elements a beat.
    Layernorm,
    /// [`attn_av`]: softmax(S)·V's P lanes, the probabilities formed from the raw scores.
    AttnAv,
    /// [`gating`]: the MoE gate's logits, softmax, top-2 and gate values, a token per D/BEAT beats.
    Gating,
}

/// A unit's AXI-Stream top for one design point.
#[derive(Clone, Debug)]
pub struct Top {
    /// The root module (`<unit>_axis`).
    pub module: String,
    /// Its Verilog, with every sub-module.
    pub verilog: String,
    /// Clock edges from an accepted operand to its result: the configured depth.
    pub latency: u32,
    /// The unit's own latency, before padding.
    pub natural: u32,
}

impl RtlUnit {
    /// Every unit with RTL, leaves first.
    pub const ALL: [RtlUnit; 11] = [
        RtlUnit::Exp,
        RtlUnit::Recip,
        RtlUnit::Sqrt,
        RtlUnit::Div,
        RtlUnit::Gelu,
        RtlUnit::Softmax,
        RtlUnit::Layernorm,
        RtlUnit::QkScores,
        RtlUnit::AttnAv,
        RtlUnit::Gating,
        RtlUnit::Linear,
    ];

    /// The name shared by golden, sim, hw and codegen.
    pub const fn name(self) -> &'static str {
        match self {
            RtlUnit::Exp => exp::MODULE,
            RtlUnit::Recip => recip::MODULE,
            RtlUnit::Sqrt => sqrt::MODULE,
            RtlUnit::Div => div::MODULE,
            RtlUnit::Gelu => gelu::MODULE,
            RtlUnit::Linear => linear::MODULE,
            RtlUnit::Softmax => softmax::MODULE,
            RtlUnit::QkScores => qk_scores::MODULE,
            RtlUnit::Layernorm => layernorm::MODULE,
            RtlUnit::AttnAv => attn_av::MODULE,
            RtlUnit::Gating => gating::MODULE,
        }
    }

    /// The unit by its name.
    pub fn from_name(name: &str) -> Option<RtlUnit> {
        RtlUnit::ALL.into_iter().find(|u| u.name() == name)
    }

    /// The unit's own latency.
    pub const fn natural_latency(self) -> u32 {
        match self {
            RtlUnit::Exp => exp::LATENCY,
            RtlUnit::Recip => recip::LATENCY,
            RtlUnit::Sqrt => sqrt::LATENCY,
            RtlUnit::Div => div::LATENCY,
            RtlUnit::Gelu => gelu::LATENCY,
            RtlUnit::Linear => linear::LATENCY,
            RtlUnit::Softmax => softmax::LATENCY,
            RtlUnit::QkScores => qk_scores::LATENCY,
            RtlUnit::Layernorm => layernorm::LATENCY,
            RtlUnit::AttnAv => attn_av::LATENCY,
            RtlUnit::Gating => gating::LATENCY,
        }
    }

    /// The `[arch]` key that sets the unit's depth, and its value in `arch` (for the linear unit,
    /// without GELU; with it, `depth.gelu` more).
    pub fn depth(self, arch: &ArchConfig) -> (&'static str, u32) {
        match self {
            RtlUnit::Linear => ("arch.depth.linear", arch.depth.linear),
            RtlUnit::Exp => ("arch.depth.exp", arch.depth.exp),
            RtlUnit::Recip => ("arch.depth.recip", arch.depth.recip),
            RtlUnit::Sqrt => ("arch.depth.sqrt", arch.depth.sqrt),
            RtlUnit::Div => ("arch.depth.div", arch.depth.div),
            RtlUnit::Gelu => ("arch.depth.gelu", arch.depth.gelu),
            RtlUnit::Softmax => ("arch.depth.softmax", arch.depth.softmax),
            RtlUnit::QkScores => ("arch.depth.qk_scores", arch.depth.qk_scores),
            RtlUnit::Layernorm => ("arch.depth.layernorm", arch.depth.layernorm),
            RtlUnit::AttnAv => ("arch.depth.attn_av", arch.depth.attn_av),
            RtlUnit::Gating => ("arch.depth.gating", arch.depth.gating),
        }
    }

    /// The AXI-Stream top of the unit for this design point, padded to the configured depth.
    pub fn top(
        self,
        model: &ModelConfig,
        numerics: &Numerics,
        arch: &ArchConfig,
    ) -> Result<Top, RtlError> {
        let (_, depth) = self.depth(arch);
        let natural = self.natural_latency();
        let pad = axis::pad_stages(self.name(), natural, depth)?;
        let module = format!("{}_axis", self.name());
        // Each scalar top wraps its unit the same way; only the types differ.
        fn named<T: Block>(
            unit: RtlUnit,
            top: Result<T, String>,
            module: &str,
        ) -> Result<String, RtlError> {
            let top = top.map_err(|detail| RtlError::Bug {
                unit: unit.name(),
                detail,
            })?;
            verilog_named(&top, unit.name(), module)
        }
        let fm = numerics.fm;
        // rust-hdl blocks are large values: build them where the stack has room.
        let verilog = on_big_stack(|| -> Result<String, RtlError> {
            Ok(match self {
                RtlUnit::Exp => named(self, exp::ExpAxis::new(exp::Exp::new(fm)?, pad), &module)?,
                RtlUnit::Recip => named(
                    self,
                    recip::RecipAxis::new(recip::Recip::new(fm)?, pad),
                    &module,
                )?,
                RtlUnit::Div => named(self, div::DivAxis::new(div::Div::new(fm)?, pad), &module)?,
                RtlUnit::Sqrt => named(
                    self,
                    sqrt::SqrtAxis::new(sqrt::Sqrt::new(fm)?, pad),
                    &module,
                )?,
                RtlUnit::Gelu => named(
                    self,
                    gelu::GeluAxis::new(gelu::Gelu::new(fm)?, pad),
                    &module,
                )?,
                RtlUnit::Linear => {
                    let with_gelu = depth + arch.depth.gelu;
                    let gelu_pad = axis::pad_stages(self.name(), natural, with_gelu)?;
                    let tile = (arch.linear_tile_in, arch.linear_tile_out);
                    let wt = numerics.wt_linear;
                    linear::axis_verilog(fm, wt, tile, (pad, gelu_pad), &module)?
                }
                RtlUnit::Softmax => softmax::axis_verilog(fm, pad, &module)?,
                RtlUnit::QkScores => {
                    // golden's scale: attn_scale truncated to fm_t (validated with the config).
                    let scale = fm.from_f64(model.attn_scale).unwrap_or(0);
                    let (lanes, beat) = (arch.attn_lanes, arch.beat);
                    let (heads, dim) = (model.heads, model.embed_dim);
                    qk_scores::axis_verilog(fm, (lanes, beat), heads, dim, scale, pad, &module)?
                }
                RtlUnit::Layernorm => {
                    let cfg = layernorm::LnConfig {
                        fm,
                        wt_norm: numerics.wt_norm,
                        wt_bias: numerics.wt_bias,
                        dim: model.embed_dim,
                        // golden's epsilon: layernorm_eps truncated to fm_t (validated with the config).
                        eps: fm.from_f64(model.layernorm_eps).unwrap_or(0),
                    };
                    layernorm::axis_verilog(cfg, arch.beat, pad, &module)?
                }
                RtlUnit::AttnAv => {
                    let shape = (model.heads, model.embed_dim);
                    attn_av::axis_verilog(fm, (arch.attn_lanes, arch.beat), shape, pad, &module)?
                }
                RtlUnit::Gating => {
                    let shape = (arch.beat, model.experts);
                    gating::axis_verilog(fm, numerics.wt_linear, shape, pad, &module)?
                }
            })
        })?;
        Ok(Top {
            module,
            verilog,
            latency: depth,
            natural,
        })
    }
}

/// Stack for building a large unit: rust-hdl signals and registers are fat structs, so a 16×32 linear
/// tile is a 2 MB value (a LayerNorm 0.4 MB), moved a few times while built, more than a default 2 MB
/// thread stack holds.
pub(crate) const BUILD_STACK: usize = 256 << 20;

/// `f` on a fresh thread with [`BUILD_STACK`] bytes of stack (the memory is reserved, not touched).
pub(crate) fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(BUILD_STACK)
            .spawn_scoped(s, f)
            .expect("spawn a build thread")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The Verilog of `uut` with its root module called `name`.
///
/// rust-hdl's `generate_verilog` always names the root `top`, which would collide as soon as two units
/// share a Verilator or Yosys run, so this repeats its two steps with the name we want.
pub(crate) fn verilog_named<U: Block>(
    uut: &U,
    unit: &'static str,
    name: &str,
) -> Result<String, RtlError> {
    check_all(uut).map_err(|e| RtlError::Bug {
        unit,
        detail: format!("rust-hdl's design check failed: {e:?}"),
    })?;
    let mut defines = ModuleDefines::default();
    uut.accept(name, &mut defines);
    Ok(defines.defines())
}

/// Verilator rules waived on generated files, each with the reason it cannot be fixed in the source.
///
/// rust-hdl cannot emit Verilator metacomments (its `comment!` output is mangled), so the waivers live in
/// a configuration file scoped to the generated file instead of next to the offending lines. They waive
/// width checks, so bit-exact co-simulation against golden is what guards the widths.
pub const LINT_WAIVERS: &[(&str, &str)] = &[
    (
        "WIDTH",
        "rust-hdl's bit_cast (its only way to widen, and the way to narrow without leaving bits unread, \
         which -Wall reports too) is emitted as `(x & N'h..)` and sized by Verilog's context",
    ),
    (
        "DECLFILENAME",
        "rust-hdl emits every sub-block as its own module (`gelu$lo_rom`, ...) in the one file, so no \
         module but the root can match the file name",
    ),
];

/// Signals whose assignments Verilator should take out of their `always` block into blocks of their
/// own (its `isolate_assignments`: an ordering hint, not a waiver), with the reason.
pub const ISOLATED: &[(&str, &str)] = &[
    (
        "out_valid",
        "a unit's `y_valid` comes from registers only, but rust-hdl puts the unit's whole update, which \
         also reads `y_ready`, in one `always @(*)`; behind a top that feeds `y_ready` back from the \
         output (layernorm's) Verilator sees a false combinational loop (UNOPTFLAT) unless the \
         valid's assignment stands alone",
    ),
    ("y_valid", "the same, for the port the valid drives"),
];

/// A Verilator configuration file (`.vlt`, pass it before the sources) applying [`LINT_WAIVERS`] to
/// files whose path ends in `file_name`, and the [`ISOLATED`] hints.
pub fn verilator_waivers(file_name: &str) -> String {
    let mut vlt = String::from("`verilator_config\n");
    for (rule, why) in LINT_WAIVERS {
        vlt.push_str(&format!("// {why}\n"));
        vlt.push_str(&format!("lint_off -rule {rule} -file \"*{file_name}\"\n"));
    }
    for (var, why) in ISOLATED {
        vlt.push_str(&format!("// {why}\n"));
        vlt.push_str(&format!(
            "isolate_assignments -module \"*\" -var \"{var}\"\n"
        ));
    }
    vlt
}
