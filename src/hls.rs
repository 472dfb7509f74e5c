//! `edgemoe codegen hls` and `edgemoe cosim hls`: the design point's Vitis-HLS project, and its proof
//! by g++ C simulation against golden, unit by unit and for a whole frame.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use codegen::cosim::{self, Bench, Toolchain};
use codegen::design::Design;
use codegen::hls::{BuildError, FrameInput};
use codegen::unit::Unit;
use codegen::Project;
use golden::model::forward::forward_fixed;
use serde::Serialize;

use crate::batch;
use crate::exit;
use crate::frame::{FrameArgs, LoadedFrame};
use crate::output::write_atomic;

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The Vitis-HLS C++ project (C simulation with g++ and the open ap_types headers).
    Hls,
    /// The units' RTL behind AXI-Stream tops (co-simulation with Verilator).
    Verilog,
}

/// Options of `codegen`.
#[derive(Args, Debug)]
pub struct CodegenArgs {
    /// What to emit.
    #[arg(value_enum)]
    pub(crate) target: Target,
    /// The project folder (replaced if codegen wrote it before; refused if it holds anything else).
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Golden vectors per unit in `vectors/` (1 to 1,000,000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub(crate) vectors: u64,
    #[command(flatten)]
    pub(crate) frame: FrameArgs,
}

/// Options of `cosim`.
#[derive(Args, Debug)]
pub struct CosimArgs {
    /// What to build and compare.
    #[arg(value_enum)]
    pub(crate) target: Target,
    /// Vectors per unit (1 to 1,000,000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub(crate) vectors: u64,
    /// Only these units (repeatable); every unit when absent.
    #[arg(long = "unit", value_parser = parse_unit)]
    pub(crate) units: Vec<Unit>,
    /// Skip the whole-frame bench (HLS only; the RTL has no frame yet).
    #[arg(long)]
    pub(crate) no_frame: bool,
    /// Keep the generated project here instead of in a temporary folder.
    #[arg(long)]
    pub(crate) keep: Option<PathBuf>,
    /// Parallel g++ and bench processes; the machine's cores when absent.
    #[arg(long)]
    pub(crate) jobs: Option<usize>,
    /// Write the results as JSON here.
    #[arg(long)]
    pub(crate) json: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) frame: FrameArgs,
}

fn parse_unit(s: &str) -> Result<Unit, String> {
    s.parse()
}

/// Where `scripts/setup.sh` puts the ap_types headers.
pub fn default_ap_types() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".deps/ap_types")
}

/// A project in memory and how long it took.
struct Built {
    project: Project,
    seconds: f64,
}

fn build(
    loaded: &LoadedFrame,
    args: &FrameArgs,
    units: &[Unit],
    n: usize,
    frame: bool,
) -> anyhow::Result<Built> {
    let start = Instant::now();
    let c = &loaded.config;
    let design = Design {
        model: &c.raw.model,
        numerics: &c.numerics,
        arch: &c.raw.arch,
        board: &c.raw.board,
    };
    let golden = if frame {
        Some(forward_fixed(&loaded.spec(args.task), &loaded.fixed)?)
    } else {
        None
    };
    let input = golden.as_ref().map(|g| FrameInput {
        weights: &loaded.fixed,
        golden: g,
        task: args.task,
        notes: &loaded.loaded.notices,
    });
    let project = match codegen::hls::build(&design, &c.source, units, n, input) {
        Ok(p) => p,
        Err(BuildError::Design(e)) => {
            let located = c.error_at(&e.key, &format!("cannot emit HLS: {}", e.reason));
            anyhow::bail!("{located}")
        }
        Err(e) => return Err(e).context(format!("{}: cannot emit HLS", c.source)),
    };
    Ok(Built {
        project,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Runs `codegen`.
pub fn codegen(args: &CodegenArgs) -> anyhow::Result<i32> {
    if args.target == Target::Verilog {
        return crate::rtl::codegen(args);
    }
    let loaded = args.frame.load()?;
    let built = build(
        &loaded,
        &args.frame,
        &Unit::ALL,
        args.vectors as usize,
        true,
    )?;
    built.project.write(&args.out)?;
    let bytes: usize = built.project.files.iter().map(|(_, c)| c.len()).sum();
    println!(
        "{}: HLS project for {} ({} files, {:.1} MB; {} vectors per unit and one frame, task {}) in {:.1} s",
        args.out.display(),
        loaded.config.source,
        built.project.files.len() + 1,
        bytes as f64 / 1e6,
        args.vectors,
        args.frame.task,
        built.seconds
    );
    Ok(exit::OK)
}

/// One unit in `cosim --json` (both targets; the RTL adds its cycle check, lint and speed).
#[derive(Serialize)]
pub(crate) struct UnitJson {
    pub(crate) name: String,
    pub(crate) vectors: u64,
    pub(crate) mismatches: u64,
    pub(crate) first_mismatch: Option<String>,
    pub(crate) compile_seconds: f64,
    pub(crate) run_seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cycles: Option<CyclesJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lint_warnings: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) edges_per_second: Option<f64>,
}

/// An RTL harness's clock edges against the simulator's.
#[derive(Serialize)]
pub(crate) struct CyclesJson {
    pub(crate) mismatches: u64,
    pub(crate) measured: u64,
    pub(crate) model: u64,
}

/// One compiled source (g++) or built harness (Verilator).
#[derive(Serialize)]
pub(crate) struct SourceJson {
    pub(crate) source: String,
    pub(crate) seconds: f64,
    pub(crate) warnings: Vec<String>,
}

/// The whole `cosim --json` file.
#[derive(Serialize)]
pub(crate) struct CosimJson {
    pub(crate) config: String,
    pub(crate) target: &'static str,
    pub(crate) vectors_per_unit: usize,
    pub(crate) units: Vec<UnitJson>,
    pub(crate) mismatches: u64,
    pub(crate) compile: Vec<SourceJson>,
    pub(crate) header_warnings: usize,
    pub(crate) seconds: Seconds,
}

/// Wall times of the phases.
#[derive(Serialize)]
pub(crate) struct Seconds {
    pub(crate) generate: f64,
    pub(crate) compile: f64,
    pub(crate) run: f64,
    pub(crate) total: f64,
}

/// Runs `cosim`.
pub fn cosim(args: &CosimArgs) -> anyhow::Result<i32> {
    if args.target == Target::Verilog {
        return crate::rtl::cosim(args);
    }
    let start = Instant::now();
    let toolchain = Toolchain::find(&default_ap_types())?;
    let loaded = args.frame.load()?;
    let units: Vec<Unit> = if args.units.is_empty() {
        Unit::ALL.to_vec()
    } else {
        let mut u = args.units.clone();
        u.sort();
        u.dedup();
        u
    };
    let frame = !args.no_frame;
    let built = build(&loaded, &args.frame, &units, args.vectors as usize, frame)?;
    let mut benches: Vec<Bench> = units.iter().map(|&u| Bench::Unit(u)).collect();
    if frame {
        benches.push(Bench::Frame);
    }
    let jobs = batch::jobs(args.jobs);
    let report = batch::in_project(
        &built.project,
        args.keep.as_deref(),
        "cosim",
        |dir, step| cosim::run(dir, &benches, &toolchain, jobs, step),
    )?;
    let total = start.elapsed().as_secs_f64();

    let c = &loaded.config;
    let a = &c.raw.arch;
    println!(
        "cosim hls: {} (fm_t {}, P = {}, {}x{} linear tile), {} vectors per unit, g++ -O2 with {}",
        c.source,
        c.numerics.fm,
        a.attn_lanes,
        a.linear_tile_out,
        a.linear_tile_in,
        args.vectors,
        toolchain.ap_types.display()
    );
    println!(
        "{:<14} {:>8} {:>11} {:>10} {:>7}  first mismatch",
        "unit", "vectors", "mismatches", "compile s", "run s"
    );
    let compile_time = |b: &Bench| -> f64 {
        let own: Vec<String> = match b {
            Bench::Unit(u) => vec![
                format!("src/{}.cpp", u.name()),
                format!("tb/tb_{}.cpp", u.name()),
            ],
            Bench::Frame => vec!["src/edgemoe_top.cpp".into(), "tb/tb_frame.cpp".into()],
        };
        report
            .compiled
            .iter()
            .filter(|s| own.contains(&s.source))
            .map(|s| s.seconds)
            .sum()
    };
    let mut units_json = Vec::new();
    for (b, r) in benches.iter().zip(&report.benches) {
        let ct = compile_time(b);
        println!(
            "{:<14} {:>8} {:>11} {:>10.1} {:>7.2}  {}",
            r.name,
            r.vectors,
            r.mismatches,
            ct,
            r.seconds,
            r.first.as_deref().unwrap_or("-")
        );
        units_json.push(UnitJson {
            name: r.name.clone(),
            vectors: r.vectors,
            mismatches: r.mismatches,
            first_mismatch: r.first.clone(),
            compile_seconds: ct,
            run_seconds: r.seconds,
            cycles: None,
            lint_warnings: None,
            edges_per_second: None,
        });
    }
    if let Some(frame) = report.benches.iter().find(|r| r.name == "frame") {
        if let Some(detail) = frame.line.rsplit_once('(') {
            println!("frame: {}", detail.1.trim_end_matches(')'));
        }
    }
    let own_warnings: Vec<&String> = report
        .compiled
        .iter()
        .flat_map(|s| &s.own_warnings)
        .collect();
    let header_warnings: usize = report.compiled.iter().map(|s| s.header_warnings).sum();
    println!(
        "g++ per source (s): {}",
        report
            .compiled
            .iter()
            .map(|s| format!("{} {:.1}", s.source, s.seconds))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "warnings (-Wall -Wextra): {} in the project's files, {} inside the ap_types headers",
        own_warnings.len(),
        header_warnings
    );
    for w in &own_warnings {
        println!("  {w}");
    }
    let noisy: Vec<&cosim::BenchResult> = report
        .benches
        .iter()
        .filter(|b| !b.other_output.is_empty())
        .collect();
    for b in &noisy {
        println!(
            "tb_{} printed {} lines besides its result, first: {}",
            b.name,
            b.other_output.len(),
            b.other_output[0]
        );
    }
    println!(
        "time: generate {:.1} s, compile+link {:.1} s ({jobs} jobs), benches {:.1} s, total {:.1} s",
        built.seconds, report.compile_seconds, report.run_seconds, total
    );
    let mismatches = report.mismatches();
    println!("total mismatches: {mismatches}");

    if let Some(path) = &args.json {
        let json = CosimJson {
            config: c.source.clone(),
            target: "hls",
            vectors_per_unit: args.vectors as usize,
            units: units_json,
            mismatches,
            compile: report
                .compiled
                .iter()
                .map(|s| SourceJson {
                    source: s.source.clone(),
                    seconds: s.seconds,
                    warnings: s.own_warnings.clone(),
                })
                .collect(),
            header_warnings,
            seconds: Seconds {
                generate: built.seconds,
                compile: report.compile_seconds,
                run: report.run_seconds,
                total,
            },
        };
        write_atomic(path, serde_json::to_string_pretty(&json)?.as_bytes())?;
    }
    Ok(
        if mismatches == 0 && own_warnings.is_empty() && noisy.is_empty() {
            exit::OK
        } else {
            exit::CHECK_FAILED
        },
    )
}
