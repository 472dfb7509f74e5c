//! The units' RTL, written with rust-hdl 0.46: one pipelined valid/ready module per unit, simulated in
//! Rust by the unit tests and emitted as Verilog-2001 for Verilator and Yosys.
//!
//! rust-hdl widths are compile-time (`Bits<N>`) while a design point picks its fm_t at run time, so a
//! unit is written once for a 32-bit container and takes the format's W and F as rust-hdl `Constant`s
//! (Verilog `localparam`s): values travel sign-extended in the container and are re-wrapped to W bits
//! wherever golden wraps. Formats the container cannot hold are refused with [`RtlError::Unsupported`].

use golden::fixed::Format;
use rust_hdl::prelude::*;

pub mod div;
pub mod divider;
pub mod gelu;
pub mod mul;
pub mod recip;

/// Width of the fm_t container every unit computes in; fm_t up to this width is supported.
pub const CONTAINER_BITS: u32 = 32;

/// Why a unit's RTL could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RtlError {
    /// The design point asks for a format the unit's datapath cannot hold.
    #[error("the {unit} RTL cannot implement fm_t = {fm}: {reason}")]
    Unsupported {
        /// The unit.
        unit: &'static str,
        /// The format asked for.
        fm: Format,
        /// Which bound it breaks.
        reason: String,
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

/// A Verilator configuration file (`.vlt`, pass it before the sources) applying [`LINT_WAIVERS`] to
/// files whose path ends in `file_name`.
pub fn verilator_waivers(file_name: &str) -> String {
    let mut vlt = String::from("`verilator_config\n");
    for (rule, why) in LINT_WAIVERS {
        vlt.push_str(&format!("// {why}\n"));
        vlt.push_str(&format!("lint_off -rule {rule} -file \"*{file_name}\"\n"));
    }
    vlt
}

#[cfg(test)]
pub(crate) mod tools;
