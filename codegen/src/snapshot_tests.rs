//! Snapshots of emitted files for the default design point, kept in `codegen/snapshots/` so a change to
//! a template or to the values rendered into it shows up as a reviewable diff. After an intended change:
//! `EDGEMOE_UPDATE_SNAPSHOTS=1 cargo test -p codegen snapshot` and review `git diff`.

use std::path::Path;

use golden::model::config::{ModelConfig, Numerics};
use hw::arch::ArchConfig;
use hw::board::BoardConfig;

use crate::design::Design;
use crate::hls::project;

const FILES: [&str; 6] = [
    "include/edgemoe_types.h",
    "include/edgemoe_config.h",
    "src/exp.cpp",
    "src/qk_scores.cpp",
    "src/edgemoe_top.cpp",
    "run_hls.tcl",
];

#[test]
fn the_default_design_points_emitted_sources_match_their_snapshots() {
    let (model, numerics, arch, board) = (
        ModelConfig::default(),
        Numerics::default(),
        ArchConfig::default(),
        BoardConfig::default(),
    );
    let design = Design {
        model: &model,
        numerics: &numerics,
        arch: &arch,
        board: &board,
    };
    let p = project(&design, "edge-moe-zcu102", &[], None).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/edge-moe-zcu102");
    let update = std::env::var_os("EDGEMOE_UPDATE_SNAPSHOTS").is_some();
    for file in FILES {
        let emitted = String::from_utf8(p.get(file).unwrap().to_vec()).unwrap();
        let path = dir.join(file);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &emitted).unwrap();
            continue;
        }
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        if kept != emitted {
            let line = kept
                .lines()
                .zip(emitted.lines())
                .position(|(a, b)| a != b)
                .map_or(kept.lines().count().min(emitted.lines().count()) + 1, |i| {
                    i + 1
                });
            panic!(
                "{file} differs from {} from line {line}; if intended, rerun with EDGEMOE_UPDATE_SNAPSHOTS=1",
                path.display()
            );
        }
    }
}
