//! `edgemoe memory`: synthetic read traffic through the design point's memory system (AXI masters,
//! PS ports, DRAM controller), so an architect can judge the memory on its own: achieved bandwidth
//! against the peak, latency, row-buffer hits and refresh, and a JEDEC replay of every command.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use hw::memory::{MemoryModel, PORT_NAMES};
use serde::Serialize;
use sim::memory::ports::PsPorts;
use sim::memory::traffic::{self, Pattern, TrafficSpec};
use sim::report::{DramReport, Percentiles};

use crate::config::Config;
use crate::output::write_atomic;

/// The largest run: a 1 GiB random run keeps about 50 M DRAM commands (1.2 GB) for the replay.
const MAX_BYTES: u64 = 1 << 30;

/// Address patterns on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PatternArg {
    /// Each master streams through its own region.
    Seq,
    /// Uniform burst-aligned addresses over `--span`.
    Random,
    /// Each master steps `--stride` bytes per burst.
    Strided,
}

/// Options of `memory`.
#[derive(Args, Debug)]
pub struct MemoryArgs {
    /// Design point (TOML) whose `[axi]` and `[memory]` are measured; the embedded default when absent.
    #[arg(long)]
    config: Option<PathBuf>,
    /// DRAM preset to use instead of the config's (implies the bank model): ddr4-2133,
    /// ddr4-2133-x8, ddr4-2400, ddr4-2400-x16, ddr4-3200, ddr4-3200-x16, hbm2, hbm2-900.
    #[arg(long)]
    preset: Option<String>,
    /// Address pattern.
    #[arg(long, value_enum)]
    pattern: PatternArg,
    /// Bytes to read over all masters.
    #[arg(long, default_value_t = 64 << 20)]
    bytes: u64,
    /// Masters reading at once, master m through PS port m % `axi.ps_ports` of the config; the
    /// config's five when absent.
    #[arg(long)]
    ports: Option<usize>,
    /// Bytes per AXI burst: the config's longest burst for seq and strided, 64 for random.
    #[arg(long)]
    burst: Option<u64>,
    /// Read bursts in flight per master; the config's `axi.max_outstanding_reads` when absent (1
    /// with one port measures the unloaded latency).
    #[arg(long)]
    outstanding: Option<u32>,
    /// strided: bytes from one burst to the next of the same master.
    #[arg(long, default_value_t = 8192)]
    stride: u64,
    /// random and strided: the address range, bytes.
    #[arg(long, default_value_t = 1 << 30)]
    span: u64,
    /// Seed of the random addresses.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the result as JSON (fields documented in the README).
    #[arg(long)]
    json: Option<PathBuf>,
}

/// What `memory --json` writes.
#[derive(Debug, Serialize)]
pub struct MemoryReport {
    /// The channel model (`ddr4-2133`, `32 x hbm2-900`, `simple`).
    pub memory: String,
    /// `seq`, `random` or `strided`.
    pub pattern: String,
    /// Bytes read.
    pub bytes: u64,
    /// Masters.
    pub ports: usize,
    /// Bytes per AXI burst.
    pub burst_bytes: u64,
    /// The accelerator clock, MHz.
    pub clock_mhz: f64,
    /// Accelerator cycles from the first request to the last beat.
    pub cycles: u64,
    /// Peak of the DRAM channels together, GB/s (the simple model's bandwidth for it).
    pub peak_gbps: f64,
    /// Bytes over the run's time, GB/s.
    pub achieved_gbps: f64,
    /// `achieved_gbps / peak_gbps`.
    pub efficiency: f64,
    /// Read latency inside the DRAM controller (arrival to last data), ns: the JEDEC part; with the
    /// simple model, the burst latency at the master.
    pub latency_ns: Percentiles,
    /// Latency a master sees, from issuing a burst to its first beat, ns.
    pub burst_latency_ns: Percentiles,
    /// Share of DRAM bursts that found their row open.
    pub row_hit_rate: f64,
    /// Share of DRAM clocks a rank was locked by refresh.
    pub refresh_share: f64,
    /// Share of DRAM clocks the data bus carried data.
    pub bus_utilization: f64,
    /// DRAM bursts that opened a row in a precharged bank.
    pub row_misses: u64,
    /// DRAM bursts that closed another row first.
    pub row_conflicts: u64,
    /// DRAM commands replayed through the JEDEC checker (all passed, or the command fails).
    pub commands_checked: u64,
}

/// Runs the command.
pub fn run(args: &MemoryArgs) -> anyhow::Result<i32> {
    let mut config = Config::load(args.config.as_deref())?;
    let m = &mut config.raw.memory;
    if let Some(p) = &args.preset {
        m.model = MemoryModel::Dram;
        m.preset = p.clone();
        if let Some(issue) = m.validate().into_iter().next() {
            anyhow::bail!("--preset {p:?}: {}: {}", issue.key, issue.reason);
        }
    }
    let c = &config.raw;
    if args.bytes > MAX_BYTES {
        anyhow::bail!(
            "--bytes {}: at most {MAX_BYTES} (1 GiB): every DRAM command is kept for the JEDEC replay",
            args.bytes
        );
    }
    let ports = args.ports.unwrap_or(PORT_NAMES.len());
    let beat_bytes = c.axi.data_bits / 8;
    let burst = args.burst.unwrap_or(match args.pattern {
        PatternArg::Random => 64,
        _ => c.axi.max_burst_beats as u64 * beat_bytes as u64,
    });
    if burst == 0 || burst % beat_bytes as u64 != 0 || burst / beat_bytes as u64 > u32::MAX as u64 {
        anyhow::bail!(
            "--burst {burst}: a whole number of {beat_bytes}-byte beats (axi.data_bits = {})",
            c.axi.data_bits
        );
    }
    let spec = TrafficSpec {
        pattern: match args.pattern {
            PatternArg::Seq => Pattern::Sequential,
            PatternArg::Random => Pattern::Random,
            PatternArg::Strided => Pattern::Strided {
                stride: args.stride,
            },
        },
        bytes: args.bytes,
        ports,
        burst_beats: (burst / beat_bytes as u64) as u32,
        beat_bytes,
        outstanding: args.outstanding.unwrap_or(c.axi.max_outstanding_reads),
        span: args.span,
        seed: args.seed,
    };
    spec.validate().map_err(|e| {
        let flag = match e.field() {
            Some("bytes") => "--bytes",
            Some("ports") => "--ports",
            Some("burst_beats") | Some("beat_bytes") => "--burst",
            Some("span") => "--span",
            Some("stride") => "--stride",
            Some("outstanding") => "--outstanding",
            _ => "[axi]",
        };
        anyhow::anyhow!("{flag}: {e}")
    })?;
    let record = c.memory.model == MemoryModel::Dram;
    let channel = sim::memory::channel(&c.memory, c.arch.clock_mhz, record)
        .map_err(|e| anyhow::anyhow!("{}: {}: {}", config.source, e.key, e.reason))?;
    let names: Vec<String> = (0..ports)
        .map(|p| {
            PORT_NAMES
                .get(p)
                .map_or_else(|| format!("m{p}"), |n| n.to_string())
        })
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut mem = PsPorts::new(&names, c.axi.ps_port_bits, c.axi.ps_ports as usize, channel);
    let started = Instant::now();
    let result = traffic::run(&mut mem, &spec).context("traffic")?;
    let wall = started.elapsed();
    let clock_hz = c.arch.clock_mhz * 1e6;
    let seconds = result.cycles as f64 / clock_hz;
    let ns = |cycles: f64| cycles / clock_hz * 1e9;
    let burst_latency = Percentiles {
        p50: ns(result.percentile(50.0).unwrap_or(0) as f64),
        p99: ns(result.percentile(99.0).unwrap_or(0) as f64),
        mean: ns(result.mean_latency()),
    };
    let ctrls = mem.channel().controllers();
    let (dram, commands_checked) = if ctrls.is_empty() {
        (None, 0)
    } else {
        let cfg = c
            .memory
            .dram()
            .map_err(|e| anyhow::anyhow!("{}", e.reason))?;
        let mut n = 0;
        for (i, ctrl) in ctrls.iter().enumerate() {
            dram::check(ctrl.commands(), &cfg.timing, &cfg.org)
                .map_err(|v| anyhow::anyhow!("channel {i}: JEDEC checker: {v}"))?;
            n += ctrl.commands().len() as u64;
        }
        (Some(DramReport::new(&c.memory.preset, ctrls, seconds)), n)
    };
    let achieved = result.bytes as f64 / seconds.max(1e-15) / 1e9;
    let peak = dram
        .as_ref()
        .map_or(c.memory.bandwidth_gb_s, |d| d.peak_gbps);
    let report = MemoryReport {
        memory: mem.channel_name(),
        pattern: match args.pattern {
            PatternArg::Seq => "seq",
            PatternArg::Random => "random",
            PatternArg::Strided => "strided",
        }
        .into(),
        bytes: result.bytes,
        ports,
        burst_bytes: burst,
        clock_mhz: c.arch.clock_mhz,
        cycles: result.cycles,
        peak_gbps: peak,
        achieved_gbps: achieved,
        efficiency: achieved / peak,
        latency_ns: dram.as_ref().map_or(burst_latency, |d| d.read_latency_ns),
        burst_latency_ns: burst_latency,
        row_hit_rate: dram.as_ref().map_or(0.0, |d| d.row_hit_rate),
        refresh_share: dram.as_ref().map_or(0.0, |d| d.refresh_share),
        bus_utilization: dram.as_ref().map_or(achieved / peak, |d| d.bus_utilization),
        row_misses: dram.as_ref().map_or(0, |d| d.row_misses),
        row_conflicts: dram.as_ref().map_or(0, |d| d.row_conflicts),
        commands_checked,
    };
    let ps_ports = ports.min(c.axi.ps_ports as usize);
    print!(
        "{}",
        render(&report, &config.source, ps_ports, c.axi.ps_port_bits)
    );
    println!(
        "simulated {} cycles in {:.2} s",
        result.cycles,
        wall.as_secs_f64()
    );
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report)?;
        write_atomic(path, text.as_bytes())?;
        println!("wrote {}", path.display());
    }
    Ok(crate::exit::OK)
}

fn render(r: &MemoryReport, source: &str, ps_ports: usize, ps_port_bits: u32) -> String {
    let mut s = String::new();
    let mib = r.bytes as f64 / (1 << 20) as f64;
    let _ = writeln!(
        s,
        "memory: {source}; {} master{}, {} behind {ps_ports} x {ps_port_bits}-bit PS ports at {:.2} MHz",
        r.ports,
        if r.ports == 1 { "" } else { "s" },
        r.memory,
        r.clock_mhz
    );
    let _ = writeln!(
        s,
        "pattern {}: {mib:.1} MiB in {}-byte bursts",
        r.pattern, r.burst_bytes
    );
    let _ = writeln!(
        s,
        "achieved {:.3} GB/s of {:.3} GB/s peak = {:.1}%",
        r.achieved_gbps,
        r.peak_gbps,
        100.0 * r.efficiency
    );
    if r.commands_checked > 0 {
        let idle = 1.0 - r.bus_utilization - r.refresh_share;
        let _ = writeln!(
            s,
            "DRAM data bus: busy {:.2}%, refresh {:.2}%, other idle {:.2}% (row hits {:.2}%: {} misses, {} conflicts)",
            100.0 * r.bus_utilization,
            100.0 * r.refresh_share,
            100.0 * idle.max(0.0),
            100.0 * r.row_hit_rate,
            r.row_misses,
            r.row_conflicts
        );
        let _ = writeln!(
            s,
            "read latency in the controller: p50 {:.1} ns, p99 {:.1} ns, mean {:.1} ns",
            r.latency_ns.p50, r.latency_ns.p99, r.latency_ns.mean
        );
        let _ = writeln!(
            s,
            "JEDEC checker: {} commands replayed, no constraint violated",
            r.commands_checked
        );
    }
    let _ = writeln!(
        s,
        "burst latency at the master (issue to first beat): p50 {:.1} ns, p99 {:.1} ns, mean {:.1} ns",
        r.burst_latency_ns.p50, r.burst_latency_ns.p99, r.burst_latency_ns.mean
    );
    s
}
