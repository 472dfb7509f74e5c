//! Yosys synthesis of every unit's top (`synth_xilinx`, out of context) and its cell counts in the
//! resource classes a Xilinx utilisation report uses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;

use super::cosim::tool_version;
use super::UnitRtl;
use crate::cosim::CosimError;

/// The Yosys to run (`$YOSYS`, else `yosys`) and its version line.
#[derive(Clone, Debug)]
pub struct Yosys {
    /// The command.
    pub bin: PathBuf,
    /// `yosys --version`.
    pub version: String,
}

impl Yosys {
    /// Finds Yosys and checks that it runs.
    pub fn find() -> Result<Yosys, CosimError> {
        let bin = PathBuf::from(std::env::var_os("YOSYS").unwrap_or_else(|| "yosys".into()));
        let version = tool_version(&bin)?;
        Ok(Yosys { bin, version })
    }
}

/// A netlist's resources, by class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// LUTs used as logic (LUT1 … LUT6).
    pub lut: u64,
    /// LUTs used as memory (distributed RAM/ROM and shift registers), in LUTs.
    pub lutram: u64,
    /// Flip-flops.
    pub ff: u64,
    /// DSP slices (DSP48E2, or DSP48E1 on 7-series).
    pub dsp: u64,
    /// Block RAM in 36 Kb units (a RAMB18 is half of one), times two to stay integral.
    pub bram18: u64,
    /// Carry chains (CARRY8 on UltraScale+, CARRY4 otherwise; Yosys 0.23 maps CARRY4 for both).
    pub carry: u64,
    /// Wide-function muxes (MUXF7, MUXF8, MUXF9).
    pub muxf: u64,
}

impl From<&Resources> for hw::resources::Estimate {
    /// The classes hw's resource model predicts.
    fn from(r: &Resources) -> Self {
        hw::resources::Estimate {
            lut: r.lut,
            lutram: r.lutram,
            ff: r.ff,
            dsp: r.dsp,
            bram18: r.bram18,
        }
    }
}

impl Resources {
    /// 36 Kb block RAMs (RAMB18s count one half).
    pub fn bram36(&self) -> f64 {
        self.bram18 as f64 / 2.0
    }

    /// The classes of a `stat` cell histogram; cells of no class (buffers, constants) are listed.
    pub fn from_cells(cells: &BTreeMap<String, u64>) -> (Resources, Vec<String>) {
        let mut r = Resources::default();
        let mut other = Vec::new();
        for (cell, &n) in cells {
            let c = cell.as_str();
            match c {
                // Yosys leaves inverters as INV cells; each takes a LUT1.
                "LUT1" | "LUT2" | "LUT3" | "LUT4" | "LUT5" | "LUT6" | "INV" => r.lut += n,
                "FDRE" | "FDSE" | "FDCE" | "FDPE" | "FDRE_1" | "FDSE_1" => r.ff += n,
                "DSP48E2" | "DSP48E1" => r.dsp += n,
                "RAMB36E2" | "RAMB36E1" => r.bram18 += 2 * n,
                "RAMB18E2" | "RAMB18E1" => r.bram18 += n,
                "CARRY4" | "CARRY8" => r.carry += n,
                "MUXF7" | "MUXF8" | "MUXF9" => r.muxf += n,
                // Distributed RAM primitives occupy 1, 2, 4 or 8 LUTs of a slice.
                "RAM32X1D" | "RAM64X1D" => r.lutram += 2 * n,
                "RAM32M" | "RAM64M" => r.lutram += 4 * n,
                "RAM32M16" | "RAM64M8" => r.lutram += 8 * n,
                "RAM32X1S" | "RAM64X1S" | "RAM128X1S" | "SRL16E" | "SRLC32E" => r.lutram += n,
                "RAM128X1D" | "RAM256X1S" => r.lutram += 4 * n,
                "GND" | "VCC" | "BUFG" | "IBUF" | "OBUF" => {}
                _ => other.push(format!("{c} x{n}")),
            }
        }
        (r, other)
    }
}

/// One unit's synthesis.
#[derive(Clone, Debug)]
pub struct UnitSynth {
    /// The unit's golden name.
    pub unit: String,
    /// The root module synthesised.
    pub module: String,
    /// Resources by class.
    pub resources: Resources,
    /// Cells of no class, as `TYPE xN`.
    pub other_cells: Vec<String>,
    /// Yosys's wall time.
    pub seconds: f64,
}

/// Runs `synth/<unit>.ys` for every unit of the project at `dir`, `jobs` at a time.
pub fn run(
    dir: &Path,
    units: &[UnitRtl],
    yosys: &Yosys,
    jobs: usize,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<UnitSynth>, CosimError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    pool.install(|| {
        units
            .par_iter()
            .map(|u| {
                let r = one(dir, u, yosys);
                progress(&format!("synthesised {}", u.top.module));
                r
            })
            .collect()
    })
}

fn one(dir: &Path, u: &UnitRtl, yosys: &Yosys) -> Result<UnitSynth, CosimError> {
    let name = u.unit.name();
    std::fs::create_dir_all(dir.join(format!("build/{name}")))?;
    let start = Instant::now();
    let out = Command::new(&yosys.bin)
        .current_dir(dir)
        .args(["-q", "-s", &format!("synth/{name}.ys")])
        .output()?;
    let seconds = start.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(CosimError::Tool {
            what: format!("yosys -s synth/{name}.ys"),
            stderr: String::from_utf8_lossy(&out.stderr)
                .lines()
                .chain(String::from_utf8_lossy(&out.stdout).lines())
                .take(40)
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    let stat_path = dir.join(format!("build/{name}/stat.json"));
    let text = std::fs::read_to_string(&stat_path)?;
    let cells = parse_stat(&text).map_err(|reason| CosimError::Tool {
        what: format!("reading {}", stat_path.display()),
        stderr: reason,
    })?;
    let (resources, other_cells) = Resources::from_cells(&cells);
    Ok(UnitSynth {
        unit: name.to_string(),
        module: u.top.module.clone(),
        resources,
        other_cells,
        seconds,
    })
}

/// The design's cell histogram from `stat -json`.
pub fn parse_stat(text: &str) -> Result<BTreeMap<String, u64>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let cells = v
        .get("design")
        .and_then(|d| d.get("num_cells_by_type"))
        .and_then(|c| c.as_object())
        .ok_or("no design.num_cells_by_type")?;
    cells
        .iter()
        .map(|(k, n)| {
            n.as_u64()
                .map(|n| (k.clone(), n))
                .ok_or_else(|| format!("{k}: not a count"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_fall_into_their_classes() {
        let text = r#"{"design": {"num_cells": 9, "num_cells_by_type": {
            "CARRY4": 8, "DSP48E2": 4, "FDRE": 30, "FDSE": 2, "LUT2": 33, "LUT6": 7, "RAM64M": 2,
            "RAMB18E2": 1, "RAMB36E2": 2, "MUXF7": 3, "GND": 1, "XORCY": 5}}}"#;
        let cells = parse_stat(text).expect("a stat");
        let (r, other) = Resources::from_cells(&cells);
        assert_eq!(
            r,
            Resources {
                lut: 40,
                lutram: 8,
                ff: 32,
                dsp: 4,
                bram18: 5,
                carry: 8,
                muxf: 3
            }
        );
        assert_eq!(r.bram36(), 2.5);
        assert_eq!(other, vec!["XORCY x5".to_string()]);
        assert!(parse_stat("{}").is_err());
    }
}
