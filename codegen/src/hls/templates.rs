//! The HLS project's template files, compiled in. Paths are where each file lands in the project.

/// A template and where its rendering goes.
pub struct TemplateFile {
    /// Path in the emitted project (and under `templates/hls/`).
    pub path: &'static str,
    /// The template text.
    pub text: &'static str,
}

macro_rules! files {
    ($($path:literal),* $(,)?) => {
        &[$(TemplateFile { path: $path, text: include_str!(concat!("../../templates/hls/", $path)) }),*]
    };
}

/// Files rendered once each with the design's variables.
pub const PROJECT: &[TemplateFile] = files![
    "include/edgemoe_types.h",
    "include/edgemoe_config.h",
    "include/attention.h",
    "include/exp_tables.h",
    "include/gelu_table.h",
    "include/exp.h",
    "include/recip.h",
    "include/sqrt.h",
    "include/div.h",
    "include/gelu.h",
    "include/softmax.h",
    "include/layernorm.h",
    "include/linear.h",
    "include/qk_scores.h",
    "include/attn_av.h",
    "include/gating.h",
    "include/patch_reorder.h",
    "include/patch_embed.h",
    "include/edgemoe_top.h",
    "src/exp.cpp",
    "src/recip.cpp",
    "src/sqrt.cpp",
    "src/div.cpp",
    "src/gelu.cpp",
    "src/softmax.cpp",
    "src/layernorm.cpp",
    "src/linear.cpp",
    "src/qk_scores.cpp",
    "src/attn_av.cpp",
    "src/gating.cpp",
    "src/patch_reorder.cpp",
    "src/patch_embed.cpp",
    "src/edgemoe_top.cpp",
    "tb/bench.h",
    "tb/tb_div.cpp",
    "tb/tb_softmax.cpp",
    "tb/tb_layernorm.cpp",
    "tb/tb_linear.cpp",
    "tb/tb_qk_scores.cpp",
    "tb/tb_attn_av.cpp",
    "tb/tb_gating.cpp",
    "tb/tb_patch_reorder.cpp",
    "tb/tb_patch_embed.cpp",
    "tb/tb_frame.cpp",
    "run_hls.tcl",
    "Makefile",
    "README.md",
];

/// The bench of a unit computing `fm_t f(fm_t)`, rendered once per such unit with `unit` bound.
pub const SCALAR_BENCH: TemplateFile = TemplateFile {
    path: "tb/tb_scalar.cpp.in",
    text: include_str!("../../templates/hls/tb/tb_scalar.cpp.in"),
};

/// exp's entry point for formats that share the ap_fixed<32,10> datapath.
pub const EXP_FAMILY: TemplateFile = TemplateFile {
    path: "src/exp_family.cpp.in",
    text: include_str!("../../templates/hls/src/exp_family.cpp.in"),
};

/// exp's entry point for other formats: through one ap_fixed<32,10> exp with saturating conversions.
pub const EXP_BRIDGE: TemplateFile = TemplateFile {
    path: "src/exp_bridge.cpp.in",
    text: include_str!("../../templates/hls/src/exp_bridge.cpp.in"),
};
