//! The emitted HLS project, built with g++ and run against golden: the default design point, a second
//! one, and proof that an LSB off in one unit is reported.
//!
//! These need g++ and the ap_types headers (`./scripts/setup.sh`). Without them a test says so on
//! stderr and passes, except under `CI=true`, where it fails.

use std::path::{Path, PathBuf};

use golden::model::config::{ModelConfig, Numerics, NumericsConfig};
use golden::model::forward::{forward_fixed, FrameSpec};
use golden::model::weights::{self, Source};
use hw::arch::ArchConfig;
use hw::board::BoardConfig;

use crate::cosim::{self, Bench, CosimError, Report, Toolchain};
use crate::design::Design;
use crate::hls::{build, FrameInput};
use crate::unit::Unit;

/// The tool `found`, or `None` with a SKIPPED line; under `CI=true` a missing tool fails the test.
pub(crate) fn tool<T>(found: Result<T, CosimError>) -> Option<T> {
    match found {
        Ok(t) => Some(t),
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true and a co-simulation tool is missing: {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED (not in CI): {e}");
            None
        }
    }
}

fn toolchain() -> Option<Toolchain> {
    tool(Toolchain::find(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../.deps/ap_types"),
    ))
}

/// A fresh scratch folder path (removed if it exists).
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edgemoe-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Emits the project for `numerics`/`arch` (with a whole frame of seeded weights when `frame`), builds
/// `benches` and runs them.
fn cosim(
    name: &str,
    numerics: &Numerics,
    arch: &ArchConfig,
    units: &[Unit],
    vectors: usize,
    frame: bool,
    mutate: impl FnOnce(&Path),
) -> Option<Report> {
    let toolchain = toolchain()?;
    let model = ModelConfig::default();
    let board = BoardConfig::default();
    let design = Design {
        model: &model,
        numerics,
        arch,
        board: &board,
    };
    let fixed;
    let golden;
    let input = if frame {
        let loaded = weights::load(&model, &Source::Random, weights::DEFAULT_SEED).unwrap();
        fixed = loaded.weights.quantize(numerics);
        let spec = FrameSpec {
            model: &model,
            numerics,
            attn_lanes: arch.attn_lanes,
            beat: arch.beat,
            task: 0,
        };
        golden = forward_fixed(&spec, &fixed).unwrap();
        Some(FrameInput {
            weights: &fixed,
            golden: &golden,
            task: 0,
            notes: &[],
        })
    } else {
        None
    };
    let project = build(&design, name, units, vectors, input).unwrap();
    let dir = scratch(name);
    project.write(&dir).unwrap();
    mutate(&dir);
    let mut benches: Vec<Bench> = units.iter().map(|&u| Bench::Unit(u)).collect();
    if frame {
        benches.push(Bench::Frame);
    }
    let report = cosim::run(&dir, &benches, &toolchain, 2, &|_| {}).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Some(report)
}

fn assert_clean(report: &Report) {
    for b in &report.benches {
        assert_eq!(b.mismatches, 0, "{}", b.line);
        assert!(b.vectors > 0, "{}", b.line);
        assert!(
            b.other_output.is_empty(),
            "{}: {:?}",
            b.name,
            b.other_output
        );
    }
    let warnings: Vec<&String> = report
        .compiled
        .iter()
        .flat_map(|c| &c.own_warnings)
        .collect();
    assert!(
        warnings.is_empty(),
        "g++ -Wall -Wextra warned about our code: {warnings:#?}"
    );
}

#[test]
fn the_default_design_point_matches_golden_unit_by_unit_and_over_a_frame() {
    let Some(report) = cosim(
        "default",
        &Numerics::default(),
        &ArchConfig::default(),
        &Unit::ALL,
        300,
        true,
        |_| {},
    ) else {
        return;
    };
    assert_clean(&report);
    assert_eq!(report.benches.len(), Unit::ALL.len() + 1);
    let frame = report.benches.last().unwrap();
    assert!(frame.line.contains("127 taps"), "{}", frame.line);
}

#[test]
fn one_lane_a_narrow_tile_and_an_exp_bridged_format_match_over_a_frame() {
    // ap_fixed<34,10>: max(I - 1, W - I) = 24 is outside the native exp family, so the emitted exp is
    // the saturating bridge through ap_fixed<32,10>.
    let numerics = NumericsConfig {
        fm: "ap_fixed<34,10>".parse().unwrap(),
        ..NumericsConfig::default()
    }
    .validate()
    .unwrap();
    let arch = ArchConfig {
        attn_lanes: 1,
        linear_tile_in: 8,
        linear_tile_out: 4,
        ..ArchConfig::default()
    };
    let mut emitted = (String::new(), String::new());
    let Some(report) = cosim(
        "p1-fm34",
        &numerics,
        &arch,
        &[
            Unit::Exp,
            Unit::Softmax,
            Unit::Linear,
            Unit::QkScores,
            Unit::AttnAv,
        ],
        200,
        true,
        |dir| {
            let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
            emitted = (read("include/edgemoe_config.h"), read("src/exp.cpp"));
        },
    ) else {
        return;
    };
    let (config_h, exp_cpp) = emitted;
    assert!(config_h.contains("const int ATTN_LANES = 1;"), "{config_h}");
    assert!(
        config_h.contains("const int LINEAR_TILE_IN = 8;"),
        "{config_h}"
    );
    assert!(
        exp_cpp.contains("typedef ap_fixed<32, 10, AP_TRN, AP_SAT> native_t;"),
        "{exp_cpp}"
    );
    assert_clean(&report);
}

#[test]
fn one_lsb_off_in_a_gelu_table_entry_or_a_frame_tap_is_reported_where_it_is() {
    let Some(report) = cosim(
        "mutant",
        &Numerics::default(),
        &ArchConfig::default(),
        &[Unit::Gelu, Unit::Recip],
        2000,
        true,
        |dir| {
            // One value of golden's first tap one LSB off: the frame bench must name it (and then
            // every tap from the first GELU on differs, through the mutated table).
            let manifest = std::fs::read_to_string(dir.join("vectors/frame/manifest.txt")).unwrap();
            let line = manifest
                .lines()
                .find(|l| l.starts_with("tap patch_embed "))
                .unwrap();
            let offset: usize = line.rsplit(' ').next().unwrap().parse().unwrap();
            let taps = dir.join("vectors/frame/taps.bin");
            let mut bytes = std::fs::read(&taps).unwrap();
            bytes[offset] ^= 1;
            std::fs::write(&taps, bytes).unwrap();
            // Entry 1 of the correction table, delta(1/32) in fm_t LSBs, one LSB up.
            let path = dir.join("include/gelu_table.h");
            let text = std::fs::read_to_string(&path).unwrap();
            let entry = golden::units::gelu::lut(22)[1];
            let from = format!("0x0ULL, 0x{entry:x}ULL,");
            let to = format!("0x0ULL, 0x{:x}ULL,", entry + 1);
            assert!(text.contains(&from), "entry 1 not found as `{from}`");
            std::fs::write(&path, text.replacen(&from, &to, 1)).unwrap();
        },
    ) else {
        return;
    };
    let gelu = &report.benches[0];
    assert_eq!(gelu.name, "gelu");
    assert!(gelu.mismatches > 0, "the mutant passed: {}", gelu.line);
    let first = gelu.first.as_deref().unwrap();
    assert!(first.contains(" in [") && first.contains("expected [") && first.contains("got ["));
    assert_eq!(report.benches[1].mismatches, 0, "recip is untouched");
    let frame = &report.benches[2];
    assert!(frame.mismatches > 1, "{}", frame.line);
    let first = frame.first.as_deref().unwrap();
    assert!(
        first.starts_with("tap patch_embed [0][0]"),
        "{}",
        frame.line
    );
}
