//! `edgemoe codegen verilog`, `edgemoe cosim verilog` and `edgemoe synth`: the units' RTL for a design
//! point, its proof under Verilator (bits against golden, clock edges against the simulator), and its
//! resources from Yosys beside hw's resource model.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use codegen::design::Design;
use codegen::hls::BuildError;
use codegen::verilog::{self, cosim::Verilator, synth::Yosys, UnitRtl};
use hw::resources::{estimate, structure, Calibration, Estimate, CALIBRATION};
use hw::rtl::RtlUnit;
use serde::Serialize;

use crate::batch;
use crate::config::Config;
use crate::exit;
use crate::hls::{CodegenArgs, CosimArgs, CosimJson, CyclesJson, Seconds, SourceJson, UnitJson};
use crate::output::write_atomic;

fn design(c: &Config) -> Design<'_> {
    Design {
        model: &c.raw.model,
        numerics: &c.numerics,
        arch: &c.raw.arch,
        board: &c.raw.board,
    }
}

/// The units' tops and vectors, with config errors located in the file.
fn build_units(c: &Config, units: &[RtlUnit], vectors: usize) -> anyhow::Result<Vec<UnitRtl>> {
    match verilog::units(&design(c), units, vectors) {
        Ok(u) => Ok(u),
        Err(BuildError::Design(e)) => {
            let located = c.error_at(&e.key, &format!("cannot emit the RTL: {}", e.reason));
            anyhow::bail!("{located}")
        }
        Err(e) => Err(e).context(format!("{}: cannot emit the RTL", c.source)),
    }
}

/// The RTL units `--unit` names (all when none); a unit without RTL is an error naming those with.
fn selected(names: &[codegen::unit::Unit]) -> anyhow::Result<Vec<RtlUnit>> {
    if names.is_empty() {
        return Ok(RtlUnit::ALL.to_vec());
    }
    let mut out = Vec::new();
    for u in names {
        let Some(r) = RtlUnit::from_name(u.name()) else {
            let with: Vec<&str> = RtlUnit::ALL.iter().map(|u| u.name()).collect();
            anyhow::bail!(
                "--unit {u}: no RTL for this unit yet (units with RTL: {})",
                with.join(", ")
            );
        };
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out.sort();
    Ok(out)
}

/// `codegen verilog`.
pub fn codegen(args: &CodegenArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let c = Config::load(args.frame.config.as_deref())?;
    let units = build_units(&c, &RtlUnit::ALL, args.vectors as usize)?;
    let project = verilog::project(&design(&c), &c.source, &units)?;
    project.write(&args.out)?;
    let bytes: usize = project.files.iter().map(|(_, b)| b.len()).sum();
    let names: Vec<String> = units
        .iter()
        .map(|u| format!("{} ({} cycles)", u.top.module, u.top.latency))
        .collect();
    println!(
        "{}: RTL project for {} ({} files, {:.1} MB; {} vectors per unit) in {:.1} s: {}",
        args.out.display(),
        c.source,
        project.files.len() + 1,
        bytes as f64 / 1e6,
        args.vectors,
        start.elapsed().as_secs_f64(),
        names.join(", ")
    );
    Ok(exit::OK)
}

/// `cosim verilog`.
pub fn cosim(args: &CosimArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let verilator = Verilator::find()?;
    let c = Config::load(args.frame.config.as_deref())?;
    let chosen = selected(&args.units)?;
    let units = build_units(&c, &chosen, args.vectors as usize)?;
    let project = verilog::project(&design(&c), &c.source, &units)?;
    let generate = start.elapsed().as_secs_f64();
    let jobs = batch::jobs(args.jobs);
    let run_start = Instant::now();
    let results = batch::in_project(
        &project,
        args.keep.as_deref(),
        "cosim-verilog",
        |dir, step| verilog::cosim::run(dir, &units, &verilator, jobs, step),
    )?;
    let run_seconds = run_start.elapsed().as_secs_f64();
    let total = start.elapsed().as_secs_f64();

    let a = &c.raw.arch;
    println!(
        "cosim verilog: {} (fm_t {}, P = {}, {}x{} linear tile), {} vectors per unit, {}",
        c.source,
        c.numerics.fm,
        a.attn_lanes,
        a.linear_tile_out,
        a.linear_tile_in,
        args.vectors,
        verilator.version
    );
    println!(
        "{:<10} {:>8} {:>10} {:>9} {:>9} {:>6} {:>6} {:>7} {:>6} {:>9}  first mismatch",
        "unit",
        "vectors",
        "mismatches",
        "cycles",
        "model",
        "cyc-mm",
        "lint",
        "build s",
        "run s",
        "edges/s"
    );
    let mut units_json = Vec::new();
    for (u, r) in units.iter().zip(&results) {
        let cyc = r.result.cycles;
        println!(
            "{:<10} {:>8} {:>10} {:>9} {:>9} {:>6} {:>6} {:>7.1} {:>6.2} {:>9.3e}  {}",
            u.unit.name(),
            r.result.vectors,
            r.result.mismatches,
            cyc.map_or("-".into(), |c| c.measured.to_string()),
            cyc.map_or("-".into(), |c| c.model.to_string()),
            cyc.map_or("-".into(), |c| c.mismatches.to_string()),
            if r.lint.is_empty() { "clean" } else { "WARN" },
            r.build_seconds,
            r.result.seconds,
            r.edges_per_second(),
            r.result.first.as_deref().unwrap_or("-")
        );
        for w in &r.lint {
            println!("  lint: {w}");
        }
        for line in &r.result.other_output {
            println!("  tb_{} said: {line}", u.unit.name());
        }
        units_json.push(UnitJson {
            name: u.unit.name().to_string(),
            vectors: r.result.vectors,
            mismatches: r.result.mismatches,
            first_mismatch: r.result.first.clone(),
            compile_seconds: r.build_seconds,
            run_seconds: r.result.seconds,
            cycles: cyc.map(|c| CyclesJson {
                mismatches: c.mismatches,
                measured: c.measured,
                model: c.model,
            }),
            lint_warnings: Some(r.lint.clone()),
            edges_per_second: Some(r.edges_per_second()),
        });
    }
    // The speed figure: the largest unit (by its Verilog) against the simulator's model of the same
    // groups.
    if let Some((u, r)) = units
        .iter()
        .zip(&results)
        .max_by_key(|(u, _)| u.top.verilog.len())
    {
        let t = Instant::now();
        let mut model_cycles = 0u64;
        for g in &u.vectors.groups {
            model_cycles += verilog::model::cycles(u.unit, g, &design(&c));
        }
        let sim_rate = model_cycles as f64 / t.elapsed().as_secs_f64().max(1e-9);
        println!(
            "speed ({}, the largest harness): Verilator {:.3e} edges/s ({} edges in {:.3} s); the simulator's \
             model of the same groups {:.3e} cycles/s ({model_cycles} cycles); Verilator / simulator = {:.3}",
            u.unit.name(),
            r.edges_per_second(),
            r.edges,
            r.sim_seconds,
            sim_rate,
            r.edges_per_second() / sim_rate
        );
    }
    let mismatches: u64 = results.iter().map(|r| r.result.mismatches).sum();
    let cycle_mismatches: u64 = results
        .iter()
        .filter_map(|r| r.result.cycles)
        .map(|c| c.mismatches)
        .sum();
    let lint: usize = results.iter().map(|r| r.lint.len()).sum();
    println!(
        "time: generate {generate:.1} s, verilator build+run {run_seconds:.1} s ({jobs} jobs), total {total:.1} s"
    );
    println!(
        "total mismatches: {mismatches}, cycle mismatches: {cycle_mismatches}, lint warnings: {lint}"
    );
    if let Some(path) = &args.json {
        let json = CosimJson {
            config: c.source.clone(),
            target: "verilog",
            vectors_per_unit: args.vectors as usize,
            units: units_json,
            mismatches,
            compile: units
                .iter()
                .zip(&results)
                .map(|(u, r)| SourceJson {
                    source: format!("rtl/{}.v", u.top.module),
                    seconds: r.build_seconds,
                    warnings: r.lint.clone(),
                })
                .collect(),
            header_warnings: 0,
            seconds: Seconds {
                generate,
                compile: results.iter().map(|r| r.build_seconds).sum(),
                run: run_seconds,
                total,
            },
        };
        write_atomic(path, serde_json::to_string_pretty(&json)?.as_bytes())?;
    }
    Ok(if results.iter().all(|r| r.passed()) {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}

/// Options of `synth`.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Design point (TOML); the embedded Edge-MoE ZCU102 default when absent.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Only these units (repeatable); every unit with RTL when absent.
    #[arg(long = "unit", value_parser = |s: &str| s.parse::<codegen::unit::Unit>())]
    units: Vec<codegen::unit::Unit>,
    /// Keep the generated project (with build/<unit>/stat.json) here.
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Parallel Yosys runs; the machine's cores when absent.
    #[arg(long)]
    jobs: Option<usize>,
    /// Write the table as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Serialize)]
struct SynthUnitJson {
    unit: String,
    module: String,
    yosys: ResourcesJson,
    model: ResourcesJson,
    other_cells: Vec<String>,
    seconds: f64,
}

#[derive(Serialize, Clone, Copy)]
struct ResourcesJson {
    lut: u64,
    lutram: u64,
    ff: u64,
    dsp: u64,
    bram36: f64,
}

#[derive(Serialize)]
struct SynthJson {
    config: String,
    part: String,
    family: String,
    yosys: String,
    units: Vec<SynthUnitJson>,
    total: ResourcesJson,
    board: ResourcesJson,
}

/// `synth`.
pub fn synth(args: &SynthArgs) -> anyhow::Result<i32> {
    let start = Instant::now();
    let yosys = Yosys::find()?;
    let c = Config::load(args.config.as_deref())?;
    let chosen = selected(&args.units)?;
    // Synthesis needs no vectors; one case keeps the project complete.
    let units = build_units(&c, &chosen, 1)?;
    let project = verilog::project(&design(&c), &c.source, &units)?;
    let jobs = batch::jobs(args.jobs);
    let results = batch::in_project(&project, args.keep.as_deref(), "synth", |dir, step| {
        verilog::synth::run(dir, &units, &yosys, jobs, step)
    })?;
    let board = &c.raw.board;
    let family = board.yosys_family().unwrap_or("?");
    println!(
        "synth: {} on {} ({}, synth_xilinx -family {family}, out of context), {}",
        c.source, board.name, board.part, yosys.version
    );
    println!(
        "{:<10} {:>16} {:>16} {:>16} {:>12} {:>12} {:>8}",
        "unit", "LUT y/m", "LUTRAM y/m", "FF y/m", "DSP y/m", "BRAM36 y/m", "yosys s"
    );
    let mut json_units = Vec::new();
    let mut total = ResourcesJson {
        lut: 0,
        lutram: 0,
        ff: 0,
        dsp: 0,
        bram36: 0.0,
    };
    for (u, s) in units.iter().zip(&results) {
        let m = estimate(u.unit, &c.numerics, &c.raw.arch);
        let y = s.resources;
        let pair = |a: u64, b: u64| format!("{a}/{b} {}", gap(a, b));
        println!(
            "{:<10} {:>16} {:>16} {:>16} {:>12} {:>12} {:>8.1}",
            u.unit.name(),
            pair(y.lut, m.lut),
            pair(y.lutram, m.lutram),
            pair(y.ff, m.ff),
            format!("{}/{}", y.dsp, m.dsp),
            format!("{}/{}", y.bram36(), m.bram36()),
            s.seconds
        );
        if !s.other_cells.is_empty() {
            println!("  other cells: {}", s.other_cells.join(", "));
        }
        total.lut += y.lut;
        total.lutram += y.lutram;
        total.ff += y.ff;
        total.dsp += y.dsp;
        total.bram36 += y.bram36();
        json_units.push(SynthUnitJson {
            unit: u.unit.name().into(),
            module: s.module.clone(),
            yosys: ResourcesJson {
                lut: y.lut,
                lutram: y.lutram,
                ff: y.ff,
                dsp: y.dsp,
                bram36: y.bram36(),
            },
            model: model_json(&m),
            other_cells: s.other_cells.clone(),
            seconds: s.seconds,
        });
    }
    let pct = |a: f64, b: u64| {
        if b == 0 {
            "-".to_string()
        } else {
            format!("{:.2}%", 100.0 * a / b as f64)
        }
    };
    println!(
        "total of these units: {} LUT as logic and memory ({} of {}), {} of them LUTRAM, {} FF ({} of {}), {} DSP ({} of {}), {} BRAM36 ({} of {})",
        total.lut + total.lutram,
        pct((total.lut + total.lutram) as f64, board.lut),
        board.lut,
        total.lutram,
        total.ff,
        pct(total.ff as f64, board.ff),
        board.ff,
        total.dsp,
        pct(total.dsp as f64, board.dsp),
        board.dsp,
        total.bram36,
        pct(total.bram36, board.bram36),
        board.bram36
    );
    let pairs: Vec<(Estimate, Estimate)> = units
        .iter()
        .zip(&results)
        .map(|(u, s)| {
            let synthesised = Estimate::from(&s.resources);
            (structure(u.unit, &c.numerics, &c.raw.arch), synthesised)
        })
        .collect();
    let refit = Calibration::fit(&pairs);
    println!(
        "model calibration (LUT, FF, SRL factors): x{:.3} x{:.3} x{:.3}; refit to these {} units: x{:.3} x{:.3} x{:.3}",
        CALIBRATION.lut,
        CALIBRATION.ff,
        CALIBRATION.srl,
        pairs.len(),
        refit.lut,
        refit.ff,
        refit.srl
    );
    println!("time: {:.1} s", start.elapsed().as_secs_f64());
    if let Some(path) = &args.json {
        let json = SynthJson {
            config: c.source.clone(),
            part: board.part.clone(),
            family: family.into(),
            yosys: yosys.version.clone(),
            units: json_units,
            total,
            board: ResourcesJson {
                lut: board.lut,
                lutram: 0,
                ff: board.ff,
                dsp: board.dsp,
                bram36: board.bram36 as f64,
            },
        };
        write_atomic(path, serde_json::to_string_pretty(&json)?.as_bytes())?;
    }
    Ok(exit::OK)
}

fn model_json(m: &Estimate) -> ResourcesJson {
    ResourcesJson {
        lut: m.lut,
        lutram: m.lutram,
        ff: m.ff,
        dsp: m.dsp,
        bram36: m.bram36(),
    }
}

/// The model's error relative to Yosys, e.g. `(+4%)`.
fn gap(yosys: u64, model: u64) -> String {
    if yosys == 0 {
        return if model == 0 {
            String::new()
        } else {
            "(+inf)".into()
        };
    }
    format!(
        "({:+.0}%)",
        100.0 * (model as f64 - yosys as f64) / yosys as f64
    )
}
