//! Verilator co-simulation: lint every unit's top, build its harness with `verilator --build`, run it on
//! the unit's vectors and read its PASS/FAIL line (bits against golden, clock edges against the
//! simulator's model).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;

use super::{verilator_build_args, verilator_lint_args, UnitRtl};
use crate::cosim::{run_program, BenchResult, CosimError};

/// The Verilator to run (`$VERILATOR`, else `verilator`) and its version line.
#[derive(Clone, Debug)]
pub struct Verilator {
    /// The command.
    pub bin: PathBuf,
    /// `verilator --version`.
    pub version: String,
}

impl Verilator {
    /// Finds Verilator and checks that it runs.
    pub fn find() -> Result<Verilator, CosimError> {
        let bin =
            PathBuf::from(std::env::var_os("VERILATOR").unwrap_or_else(|| "verilator".into()));
        let version = tool_version(&bin)?;
        Ok(Verilator { bin, version })
    }
}

/// The first line of `tool --version`, or why the tool cannot run.
pub(crate) fn tool_version(tool: &Path) -> Result<String, CosimError> {
    let missing = |reason: String| CosimError::NoTool {
        tool: tool.display().to_string(),
        reason,
    };
    match Command::new(tool).arg("--version").output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string()),
        Ok(o) => Err(missing(format!("--version exited with {}", o.status))),
        Err(e) => Err(missing(e.to_string())),
    }
}

/// One unit's co-simulation.
#[derive(Clone, Debug)]
pub struct UnitCosim {
    /// The harness's result (bits and cycles).
    pub result: BenchResult,
    /// What `verilator --lint-only -Wall` said; empty when clean.
    pub lint: Vec<String>,
    /// Wall time of the lint run.
    pub lint_seconds: f64,
    /// Wall time of `verilator --build` (Verilog to C++, then the C++ compile).
    pub build_seconds: f64,
    /// Clock edges the harness simulated (both passes, resets included).
    pub edges: u64,
    /// The harness's own wall time for them (file reading excluded).
    pub sim_seconds: f64,
}

impl UnitCosim {
    /// Simulated clock edges per second of wall time.
    pub fn edges_per_second(&self) -> f64 {
        if self.sim_seconds > 0.0 {
            self.edges as f64 / self.sim_seconds
        } else {
            0.0
        }
    }

    /// Bits, cycles and lint all clean.
    pub fn passed(&self) -> bool {
        self.result.passed() && self.lint.is_empty()
    }
}

/// Lints, builds and runs the harness of every unit in the project at `dir` (written from `units`),
/// `jobs` units at a time.
pub fn run(
    dir: &Path,
    units: &[UnitRtl],
    verilator: &Verilator,
    jobs: usize,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<UnitCosim>, CosimError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let dir = dir.canonicalize()?;
    let root = dir.display().to_string();
    pool.install(|| {
        units
            .par_iter()
            .map(|u| {
                let r = one(&dir, u, verilator, &root);
                progress(&format!("ran tb_{}", u.unit.name()));
                r
            })
            .collect()
    })
}

fn one(
    dir: &Path,
    u: &UnitRtl,
    verilator: &Verilator,
    root: &str,
) -> Result<UnitCosim, CosimError> {
    let name = u.unit.name();
    let module = &u.top.module;
    let start = Instant::now();
    let lint = Command::new(&verilator.bin)
        .current_dir(dir)
        .args(verilator_lint_args(module))
        .output()?;
    let lint_seconds = start.elapsed().as_secs_f64();
    let lint = if lint.status.success() {
        Vec::new()
    } else {
        String::from_utf8_lossy(&lint.stderr)
            .lines()
            .filter(|l| l.starts_with("%Warning") || l.starts_with("%Error"))
            .map(str::to_string)
            .collect()
    };
    std::fs::create_dir_all(dir.join(format!("build/{name}")))?;
    let start = Instant::now();
    let build = Command::new(&verilator.bin)
        .current_dir(dir)
        .args(verilator_build_args(u.unit, module, root))
        .output()?;
    let build_seconds = start.elapsed().as_secs_f64();
    if !build.status.success() {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&build.stdout),
            String::from_utf8_lossy(&build.stderr)
        );
        return Err(CosimError::Tool {
            what: format!("verilator --build of rtl/{module}.v with harness/tb_{name}.cpp"),
            stderr: text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(40)
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    let exe = dir.join(format!("build/{name}/tb_{name}"));
    let args = [
        format!("vectors/{name}.vec"),
        format!("vectors/{name}.cycles"),
    ];
    let mut result = run_program(dir, &exe, &args, name)?;
    let (mut edges, mut sim_seconds) = (0, 0.0);
    result.other_output.retain(|line| match parse_speed(line) {
        Some((e, s)) => {
            edges = e;
            sim_seconds = s;
            false
        }
        None => true,
    });
    Ok(UnitCosim {
        result,
        lint,
        lint_seconds,
        build_seconds,
        edges,
        sim_seconds,
    })
}

/// `simulated E edges in S s`.
fn parse_speed(line: &str) -> Option<(u64, f64)> {
    let rest = line.strip_prefix("simulated ")?;
    let (edges, rest) = rest.split_once(" edges in ")?;
    let seconds = rest.strip_suffix(" s")?;
    Some((edges.parse().ok()?, seconds.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_speed_line_parses() {
        assert_eq!(
            parse_speed("simulated 20012 edges in 0.004500 s"),
            Some((20012, 0.0045))
        );
        assert_eq!(parse_speed("PASS gelu: 1 vectors, 0 mismatches"), None);
    }
}
