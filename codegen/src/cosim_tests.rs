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

use crate::cosim::{self, Bench, Report, Toolchain};
use crate::design::Design;
use crate::hls::{build, FrameInput};
use crate::unit::Unit;

fn toolchain() -> Option<Toolchain> {
    let headers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.deps/ap_types");
    match Toolchain::find(&headers) {
        Ok(t) => Some(t),
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true and the HLS C-simulation toolchain is missing: {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED (not in CI): {e}");
            None
        }
    }
}

fn scratch(name: &str) -> PathBuf {
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
fn a_second_design_point_changes_the_code_and_still_matches() {
    let numerics = NumericsConfig {
        fm: "ap_fixed<24,8>".parse().unwrap(),
        ..NumericsConfig::default()
    }
    .validate()
    .unwrap();
    let arch = ArchConfig {
        attn_lanes: 8,
        linear_tile_out: 32,
        ..ArchConfig::default()
    };
    let mut config_h = String::new();
    let Some(report) = cosim(
        "p8-fm24",
        &numerics,
        &arch,
        &[Unit::Exp, Unit::Linear, Unit::QkScores, Unit::AttnAv],
        200,
        false,
        |dir| {
            config_h = std::fs::read_to_string(dir.join("include/edgemoe_config.h")).unwrap();
            let types = std::fs::read_to_string(dir.join("include/edgemoe_types.h")).unwrap();
            assert!(types.contains("typedef ap_fixed<24,8> fm_t;"), "{types}");
        },
    ) else {
        return;
    };
    assert!(config_h.contains("const int ATTN_LANES = 8;"), "{config_h}");
    assert!(
        config_h.contains("const int LINEAR_TILE_OUT = 32;"),
        "{config_h}"
    );
    assert_clean(&report);
}

#[test]
fn one_gelu_table_entry_one_lsb_off_is_reported_with_its_inputs() {
    let Some(report) = cosim(
        "mutant",
        &Numerics::default(),
        &ArchConfig::default(),
        &[Unit::Gelu, Unit::Recip],
        2000,
        false,
        |dir| {
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
}
