//! `edgemoe simulate`: one frame through the cycle-level simulator, values checked against golden.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use golden::model::forward::forward_fixed;
use sim::{check_taps, simulate, Mode, Report, SimOptions, SimSpec, TraceWindow};

use crate::energy::{frame_energy, FrameEnergy};
use crate::exit;
use crate::frame::FrameArgs;
use crate::output::{write_atomic, write_atomic_with};
use crate::plots::{self, Bar, Series};
use crate::progress::FrameBar;

/// Options of `simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    #[command(flatten)]
    frame: FrameArgs,
    /// Write the report as JSON to this file (fields documented in the README).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write charts (PNG and SVG) here: where each layer's cycles go, and QKᵀ against its lanes.
    #[arg(long, value_name = "DIR")]
    plots: Option<PathBuf>,
    /// Write the timeline: a `.vcd` opens in GTKWave or Surfer, a `.json` is a Chrome trace for
    /// ui.perfetto.dev. Give it twice for both.
    #[arg(long, value_name = "FILE")]
    trace: Vec<PathBuf>,
    /// When the trace records every process's state and every FIFO's occupancy: `lN` for encoder
    /// layer N, `START..END` in cycles, or `all` (about 250 MB of VCD). Invocations are recorded
    /// over the whole frame whatever the window.
    #[arg(long, value_name = "lN|START..END|all", default_value = "l0", value_parser = parse_window)]
    trace_window: TraceWindow,
}

/// The trace formats, from the file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TraceFormat {
    Vcd,
    Chrome,
}

fn trace_format(path: &Path) -> anyhow::Result<TraceFormat> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("vcd") => Ok(TraceFormat::Vcd),
        Some("json") => Ok(TraceFormat::Chrome),
        _ => anyhow::bail!(
            "{}: --trace: unknown format; name the file *.vcd (waveform) or *.json (Chrome trace)",
            path.display()
        ),
    }
}

fn parse_window(s: &str) -> Result<TraceWindow, String> {
    if s == "all" {
        return Ok(TraceWindow::ALL);
    }
    if let Some(l) = s.strip_prefix('l') {
        return l
            .parse::<usize>()
            .map(TraceWindow::Layer)
            .map_err(|e| format!("{s:?}: layer number: {e}"));
    }
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("{s:?}: expected START..END in cycles, or all"))?;
    let num = |t: &str| {
        t.trim()
            .replace('_', "")
            .parse::<u64>()
            .map_err(|e| format!("{t:?}: {e}"))
    };
    let (start, end) = (num(a)?, num(b)?);
    if start >= end {
        return Err(format!(
            "{s:?}: the window is empty (START must be below END)"
        ));
    }
    Ok(TraceWindow::Cycles { start, end })
}

/// `--json`'s document: the simulator's report, then the frame's energy (its headline figures at
/// the top level, `null` when the board's device has no power figures).
#[derive(serde::Serialize)]
struct SimulateJson<'a> {
    #[serde(flatten)]
    report: &'a Report,
    energy_mj: Option<f64>,
    power_w: Option<f64>,
    gops_per_w: Option<f64>,
    frames_per_j: Option<f64>,
    energy: Option<&'a FrameEnergy>,
}

/// Runs the command; exit 1 if the simulator's values differ from golden's.
pub fn run(args: &SimulateArgs) -> anyhow::Result<i32> {
    let formats = args
        .trace
        .iter()
        .map(|p| trace_format(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let frame = args.frame.load()?;
    for n in &frame.loaded.notices {
        eprintln!("notice: {n}");
    }
    let c = &frame.config.raw;
    let spec = frame.sim_spec(args.frame.task);
    if let TraceWindow::Layer(l) = args.trace_window {
        if l >= c.model.depth {
            anyhow::bail!(
                "--trace-window: l{l}: the model has layers l0..l{}",
                c.model.depth - 1
            );
        }
    }
    let bar = FrameBar::new();
    let update = |p| bar.update(p);
    let opts = SimOptions {
        trace: (!args.trace.is_empty()).then_some(args.trace_window),
        progress: Some(&update),
        ..Default::default()
    };
    let t0 = Instant::now();
    let out = simulate(&spec, Mode::Values(&frame.fixed), opts);
    bar.finish();
    let mut out = out.context("simulating the frame")?;
    let sim_secs = t0.elapsed().as_secs_f64();
    let golden = forward_fixed(&frame.spec(args.frame.task), &frame.fixed)
        .context("running the golden frame")?;
    if let Some(taps) = &out.taps {
        check_taps(&mut out.report, taps, &golden.taps);
    }
    let r = &out.report;
    print!("{}", render(r, &frame.config.source));
    let energy = frame_energy(r, &frame.config, &frame.config.accelerator());
    match &energy {
        Ok(e) => print!("{}", e.render(r.latency_ms)),
        Err(e) => println!("energy: not estimated: {e}"),
    }
    println!(
        "simulated {} cycles in {:.2} s ({:.1} M cycles/s, values on)",
        r.total_cycles,
        sim_secs,
        r.total_cycles as f64 / sim_secs / 1e6
    );
    if let Some(path) = &args.json {
        let e = energy.as_ref().ok();
        let json = SimulateJson {
            report: r,
            energy_mj: e.map(|e| e.energy_mj),
            power_w: e.map(|e| e.power_w),
            gops_per_w: e.map(|e| e.gops_per_w),
            frames_per_j: e.map(|e| e.frames_per_j),
            energy: e,
        };
        let text = serde_json::to_string_pretty(&json)?;
        write_atomic(path, text.as_bytes())?;
    }
    if let Some(trace) = &out.trace {
        for (path, format) in args.trace.iter().zip(&formats) {
            write_atomic_with(path, |f| match format {
                TraceFormat::Vcd => sim::trace::vcd::write(trace, f),
                TraceFormat::Chrome => sim::trace::chrome::write(trace, f),
            })?;
            println!("wrote {}", path.display());
        }
    }
    if let Some(dir) = &args.plots {
        let mut written = plot(dir, r, &spec)?;
        if let Ok(e) = &energy {
            written.extend(plot_energy(dir, r, e)?);
        }
        for p in written {
            println!("wrote {}", p.display());
        }
    }
    Ok(match r.golden_match {
        Some(false) => {
            eprintln!(
                "FAIL: {} of {} taps differ from golden: {}",
                r.taps_mismatched.len(),
                r.taps_checked,
                r.taps_mismatched.join(", ")
            );
            exit::CHECK_FAILED
        }
        _ => exit::OK,
    })
}

/// Where a charged cycle goes in the chart: the unit, with its loads apart from its compute.
fn category(u: &sim::report::UnitReport) -> String {
    if u.op.ends_with(".load") || u.op.starts_with("load_") {
        format!("{} (load)", u.unit)
    } else {
        u.unit.clone()
    }
}

/// Where each layer's energy goes, by source (see `energy::LayerEnergy`), in µJ.
fn plot_energy(dir: &std::path::Path, r: &Report, e: &FrameEnergy) -> anyhow::Result<Vec<PathBuf>> {
    let bars: Vec<Bar> = e
        .layers
        .iter()
        .map(|l| Bar {
            label: l.name.clone(),
            parts: l
                .breakdown_mj
                .iter()
                .map(|(k, mj)| (k.clone(), (mj * 1e3).round() as u64))
                .collect(),
        })
        .collect();
    let title = format!(
        "Where the energy goes: {:.1} mJ a frame, {:.2} W average over {:.2} ms",
        e.energy_mj, e.power_w, r.latency_ms
    );
    Ok(plots::stacked_bars(dir, "energy", &title, "µJ", &bars)?)
}

/// The two charts.
fn plot(dir: &std::path::Path, r: &Report, spec: &SimSpec) -> anyhow::Result<Vec<PathBuf>> {
    let bars: Vec<Bar> = r
        .layers
        .iter()
        .map(|l| {
            let mut parts: Vec<(String, u64)> = Vec::new();
            for u in &l.units {
                let c = category(u);
                match parts.iter_mut().find(|(k, _)| *k == c) {
                    Some((_, v)) => *v += u.cycles,
                    None => parts.push((c, u.cycles)),
                }
            }
            Bar {
                label: l.name.clone(),
                parts,
            }
        })
        .collect();
    let title = format!(
        "Where the cycles go: {} cycles = {:.2} ms at {:.0} MHz",
        r.total_cycles, r.latency_ms, r.clock_mhz
    );
    let mut written = plots::stacked_bars(dir, "layers", &title, "cycles", &bars)?;
    let tokens = spec.model.tokens();
    let lanes: Vec<usize> = [1, 2, 4, 8, 16]
        .into_iter()
        .filter(|&p| p <= tokens)
        .collect();
    let sweep = sim::attention_lanes(spec, &lanes).context("sweeping the attention lanes")?;
    println!("QK^T of one layer against its query lanes P (timing only):");
    println!(
        "  {:>3} {:>10} {:>12} {:>14}",
        "P", "cycles", "bytes read", "bytes/cycle"
    );
    for p in &sweep {
        println!(
            "  {:>3} {:>10} {:>12} {:>14.2}",
            p.lanes,
            p.cycles,
            p.bytes_read,
            p.bytes_read as f64 / p.cycles.max(1) as f64
        );
    }
    let series = vec![
        Series {
            name: "QK^T cycles per layer".into(),
            y_label: "cycles".into(),
            points: sweep
                .iter()
                .map(|p| (p.lanes as f64, p.cycles as f64))
                .collect(),
        },
        Series {
            name: "read bytes per cycle (Q + K)".into(),
            y_label: "bytes/cycle".into(),
            points: sweep
                .iter()
                .map(|p| (p.lanes as f64, p.bytes_read as f64 / p.cycles.max(1) as f64))
                .collect(),
        },
    ];
    written.extend(plots::lines(
        dir,
        "attention_lanes",
        "Attention reordering: cycles fall with P, bandwidth per cycle does not",
        "query lanes P",
        &series,
    )?);
    Ok(written)
}

/// Per-unit totals of one layer: unit → (cycles, stalls by cause).
fn by_unit(units: &[sim::report::UnitReport]) -> BTreeMap<&str, (u64, u64, BTreeMap<&str, u64>)> {
    let mut m: BTreeMap<&str, (u64, u64, BTreeMap<&str, u64>)> = BTreeMap::new();
    for u in units {
        let e = m.entry(u.unit.as_str()).or_default();
        e.0 += u.cycles;
        e.1 += u.busy;
        for (k, v) in &u.stalls {
            *e.2.entry(k.as_str()).or_default() += v;
        }
    }
    m
}

fn top_stalls(stalls: &BTreeMap<&str, u64>, total: u64) -> String {
    let mut v: Vec<_> = stalls.iter().filter(|(_, &n)| n > 0).collect();
    v.sort_by(|a, b| b.1.cmp(a.1));
    v.iter()
        .take(3)
        .map(|(k, &n)| format!("{k} {:.0}%", 100.0 * n as f64 / total.max(1) as f64))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text report.
pub fn render(r: &Report, source: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "simulate: {source}; weight loads {}, layernorm {}, memory {}",
        r.weight_load, r.layernorm_tokens, r.memory
    );
    let _ = writeln!(
        s,
        "{:<12} {:<12} {:>11} {:>7} {:>6}  stalls (share of the unit's cycles)",
        "layer", "unit", "cycles", "frame", "busy"
    );
    let total = r.total_cycles.max(1) as f64;
    for l in &r.layers {
        let _ = writeln!(
            s,
            "{:<12} {:<12} {:>11} {:>6.2}%",
            l.name,
            "",
            l.cycles,
            100.0 * l.cycles as f64 / total
        );
        for (unit, (cycles, busy, stalls)) in by_unit(&l.units) {
            let _ = writeln!(
                s,
                "{:<12} {:<12} {:>11} {:>6.2}% {:>5.1}%  {}",
                "",
                unit,
                cycles,
                100.0 * cycles as f64 / total,
                100.0 * busy as f64 / cycles.max(1) as f64,
                top_stalls(&stalls, cycles)
            );
        }
    }
    let _ = writeln!(s, "AXI masters (average over the frame):");
    for p in &r.ports {
        let _ = writeln!(
            s,
            "  {:<8} read {:>12} B  written {:>11} B  {:>6.3} GB/s",
            p.name, p.bytes_read, p.bytes_written, p.gb_s
        );
    }
    if let Some(d) = &r.dram {
        let _ = writeln!(
            s,
            "DRAM {}: {:.3} of {:.3} GB/s; bus busy {:.1}%; row hits {:.1}% ({} misses, {} conflicts); \
             refresh {:.2}%; read latency in the controller p50 {:.1} ns, p99 {:.1} ns",
            d.preset,
            d.achieved_gbps,
            d.peak_gbps,
            100.0 * d.bus_utilization,
            100.0 * d.row_hit_rate,
            d.row_misses,
            d.row_conflicts,
            100.0 * d.refresh_share,
            d.read_latency_ns.p50,
            d.read_latency_ns.p99
        );
    }
    let stalls: BTreeMap<&str, u64> = r.stalls.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let _ = writeln!(
        s,
        "frame: {} cycles = {:.3} ms at {} MHz; busy {:.1}%; stalls: {}",
        r.total_cycles,
        r.latency_ms,
        r.clock_mhz,
        100.0 * r.busy as f64 / total,
        top_stalls(&stalls, r.total_cycles)
    );
    match r.golden_match {
        Some(true) => {
            let _ = writeln!(
                s,
                "golden_match: true ({} taps bit-identical)",
                r.taps_checked
            );
        }
        Some(false) => {
            let _ = writeln!(
                s,
                "golden_match: false ({} of {} taps differ)",
                r.taps_mismatched.len(),
                r.taps_checked
            );
        }
        None => {}
    }
    s
}
