//! `edgemoe bench`: wall time of the fixed-point frame and of its hottest units on this machine.
//! Figures, not pass/fail: speed targets live here, never in timed tests.

use std::hint::black_box;
use std::time::{Duration, Instant};

use clap::Args;
use golden::model::forward::forward_fixed;
use golden::model::weights::Ffn;
use golden::units::{
    attn_av::attn_av, exp::exp, gelu::Gelu, layernorm::layernorm, linear::bias_to_fm,
    linear::linear, linear::LinearWeights, qk_scores::qk_scores, qk_scores::AttnGeometry,
};
use hw::arch::{ArchConfig, LayerNormTokens, WeightLoad};
use ndarray::{s, Array2};
use sim::{simulate, simulate_memoized, Mode, Routing, SegmentCache, SimOptions, SimSpec};

use crate::frame::FrameArgs;

/// Options of `bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    frame: FrameArgs,
    /// Timed repetitions of each item (the minimum and median are reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[times.len() / 2])
}

/// Runs the benchmark and prints its figures.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let frame = args.frame.load()?;
    let spec = frame.spec(args.frame.task);
    let m = &frame.config.raw.model;
    let fm = frame.config.numerics.fm;
    let n = &frame.config.numerics;
    println!(
        "bench: {} thread(s), fm_t {}, {} run(s) each (min / median)",
        rayon::current_num_threads(),
        fm,
        args.runs
    );
    let out = forward_fixed(&spec, &frame.fixed)?;
    let macs = frame_macs(m, out.routing.iter().map(|(_, q)| q.total_len()).sum());
    let (min, med) = time(args.runs, || forward_fixed(&spec, &frame.fixed));
    println!(
        "frame (fixed point, all taps): {:>8.1} ms / {:>8.1} ms   {:.2} frames/s   {:.3} GMAC/frame   {:.2} GMAC/s",
        ms(min),
        ms(med),
        1.0 / min.as_secs_f64(),
        macs as f64 / 1e9,
        macs as f64 / 1e9 / min.as_secs_f64()
    );

    let taps = &out.taps;
    let get = |name: &str| {
        taps.get(name)
            .map(|t| t.values.clone())
            .unwrap_or_else(|| Array2::zeros((0, 0)))
    };
    let (ln1, q, k, v) = (get("l0.ln1"), get("l0.q"), get("l0.k"), get("l0.v"));
    let layer = &frame.fixed.layers[0];
    let unit = |name: &str, (min, med): (Duration, Duration), work: f64, unit: &str| {
        println!(
            "{name:<34} {:>8.2} ms / {:>8.2} ms   {:>8.1} {unit}",
            ms(min),
            ms(med),
            work / min.as_secs_f64()
        );
    };
    if let Ffn::Dense {
        fc1_weight,
        fc1_bias,
        ..
    } = &layer.ffn
    {
        let bias = bias_to_fm(
            fc1_bias.as_slice().unwrap_or(&[]),
            &n.wt_bias,
            &n.wt_wbias,
            &fm,
        );
        let lw = LinearWeights {
            weights: fc1_weight.view(),
            format: n.wt_linear,
            bias_fm: &bias,
        };
        let gelu = Gelu::new(fm);
        let work = (m.tokens() * m.mlp_hidden * m.embed_dim) as f64 / 1e6;
        unit(
            "linear 192->768 + GELU, 129 tokens",
            time(args.runs, || linear(ln1.view(), &lw, Some(&gelu), &fm)),
            work,
            "MMAC/s",
        );
    }
    let geometry = AttnGeometry {
        heads: m.heads,
        beat: spec.beat,
        lanes: spec.attn_lanes,
    };
    let scale = fm.from_f64(m.attn_scale).unwrap_or(0);
    let attn_work = (m.tokens() * m.tokens() * m.embed_dim) as f64 / 1e6;
    unit(
        "qk_scores + finalize_attn, 1 layer",
        time(args.runs, || {
            qk_scores(q.view(), k.view(), scale, geometry, &fm)
        }),
        attn_work,
        "MMAC/s",
    );
    let qk = qk_scores(q.view(), k.view(), scale, geometry, &fm)?;
    unit(
        "attn_av, 1 layer",
        time(args.runs, || {
            attn_av(v.view(), qk.scores.view(), qk.info.view(), &fm)
        }),
        attn_work,
        "MMAC/s",
    );
    let x = get("patch_embed");
    let eps = fm.from_f64(m.layernorm_eps).unwrap_or(0);
    let params = layer.layernorm_params(false, eps, n);
    unit(
        "layernorm, 129 tokens",
        time(args.runs, || layernorm(x.view(), &params, &fm)),
        m.tokens() as f64 / 1e3,
        "ktokens/s",
    );
    let inputs: Vec<i64> = x.slice(s![.., ..]).iter().copied().collect();
    let calls = inputs.len() as f64 / 1e6;
    unit(
        "exp, 24768 calls",
        time(args.runs, || {
            inputs
                .iter()
                .map(|&v| exp(v >> 3, &fm))
                .fold(0i64, i64::wrapping_add)
        }),
        calls,
        "Mcalls/s",
    );
    let gelu = Gelu::new(fm);
    unit(
        "gelu, 24768 calls",
        time(args.runs, || {
            inputs
                .iter()
                .map(|&v| gelu.apply(v))
                .fold(0i64, i64::wrapping_add)
        }),
        calls,
        "Mcalls/s",
    );
    simulator(&frame, args)?;
    println!("peak resident memory: {}", peak_rss());
    Ok(())
}

/// The cycle-level simulator: a whole frame with values and timing, and its two halves apart.
fn simulator(frame: &crate::frame::LoadedFrame, args: &BenchArgs) -> anyhow::Result<()> {
    let spec = frame.sim_spec(args.frame.task);
    let full = simulate(&spec, Mode::Values(&frame.fixed), SimOptions::default())?;
    let cycles = full.report.total_cycles as f64;
    let line = |name: &str, (min, med): (Duration, Duration)| {
        println!(
            "{name:<34} {:>8.1} ms / {:>8.1} ms   {:>8.1} M simulated cycles/s",
            ms(min),
            ms(med),
            cycles / min.as_secs_f64() / 1e6
        );
    };
    let untimed = |name: &str, (min, med): (Duration, Duration)| {
        println!("{name:<34} {:>8.1} ms / {:>8.1} ms", ms(min), ms(med));
    };
    println!(
        "simulator: {} cycles a frame ({:.3} ms at {} MHz), {} invocations",
        full.report.total_cycles,
        full.report.latency_ms,
        full.report.clock_mhz,
        full.report
            .layers
            .iter()
            .map(|l| l.units.len())
            .sum::<usize>()
    );
    line(
        "simulate frame, values + timing",
        time(args.runs, || {
            simulate(&spec, Mode::Values(&frame.fixed), SimOptions::default())
        }),
    );
    untimed(
        "  values only (golden kernels)",
        time(args.runs, || {
            sim::frame::program(&spec, &Mode::Values(&frame.fixed), None)
        }),
    );
    let timing_only = time(args.runs, || {
        simulate(&spec, Mode::Timing(&full.routing), SimOptions::default())
    });
    line("  timing only (cycle engine)", timing_only);
    line(
        "  timing only, no jumping",
        time(args.runs.min(2), || {
            simulate(
                &spec,
                Mode::Timing(&full.routing),
                SimOptions {
                    no_jump: true,
                    ..Default::default()
                },
            )
        }),
    );
    // What the bank-level DRAM costs: the same frame on the first-order memory, and the DRAM's
    // requests per second of wall time.
    let mut simple = spec.memory.clone();
    simple.model = hw::memory::MemoryModel::Simple;
    let simple_spec = sim::SimSpec {
        memory: &simple,
        ..spec
    };
    let (simple_min, simple_med) = time(args.runs, || {
        simulate(
            &simple_spec,
            Mode::Timing(&full.routing),
            SimOptions::default(),
        )
    });
    untimed("  timing only, simple memory", (simple_min, simple_med));
    if let Some(d) = &full.report.dram {
        let requests = (d.reads + d.writes) as f64;
        println!(
            "  {} DRAM bursts a frame on {}: {:.2} M requests/s of wall time; \
             the frame with the DRAM model takes {:.2}x the simple model's wall time",
            d.reads + d.writes,
            full.report.memory,
            requests / timing_only.0.as_secs_f64() / 1e6,
            timing_only.0.as_secs_f64() / simple_min.as_secs_f64()
        );
    }
    memoized(&spec, &full.routing, full.report.total_cycles, args.runs)
}

/// The sweep's path (`sim::memo`): the timing-only frame from segments simulated alone and cached.
fn memoized(spec: &SimSpec, routing: &Routing, cycles: u64, runs: usize) -> anyhow::Result<()> {
    let untimed = |name: &str, (min, med): (Duration, Duration)| {
        println!("{name:<34} {:>8.1} ms / {:>8.1} ms", ms(min), ms(med));
    };
    let cache = SegmentCache::new();
    let memo = simulate_memoized(spec, routing, &cache)?;
    println!(
        "memoized frame: {} cycles ({:+.3}% of the engine's), {} segments simulated for {} invocations",
        memo.total_cycles,
        (memo.total_cycles as f64 / cycles as f64 - 1.0) * 100.0,
        cache.len(),
        memo.units().count()
    );
    untimed(
        "  cold (empty cache)",
        time(runs, || {
            simulate_memoized(spec, routing, &SegmentCache::new())
        }),
    );
    let mut lanes = spec.arch.clone();
    lanes.attn_lanes = if lanes.attn_lanes == 8 { 4 } else { 8 };
    let other = SimSpec {
        arch: &lanes,
        ..*spec
    };
    // Each run warms a new cache with this point, untimed, then times the other one.
    let mut warm = Vec::new();
    for _ in 0..runs.max(1) {
        let c = SegmentCache::new();
        simulate_memoized(spec, routing, &c)?;
        let t = Instant::now();
        black_box(simulate_memoized(&other, routing, &c)?);
        warm.push(t.elapsed());
    }
    warm.sort();
    untimed(
        &format!("  warm (then attn_lanes = {})", lanes.attn_lanes),
        (warm[0], warm[warm.len() / 2]),
    );
    untimed(
        "  hot (every segment cached)",
        time(runs, || simulate_memoized(spec, routing, &cache)),
    );
    sweep(spec, routing)
}

/// A sweep on one thread and one cache, as a design-space search runs it: attn_lanes 2, 4, 8 ×
/// linear_tile_out 16, 32 × both weight loads × both LayerNorm readings × DDR4-2133, DDR4-3200 ×
/// 250, 300 MHz.
fn sweep(spec: &SimSpec, routing: &Routing) -> anyhow::Result<()> {
    let cache = SegmentCache::new();
    let t = Instant::now();
    let mut points = 0;
    for preset in ["ddr4-2133", "ddr4-3200"] {
        let mut memory = spec.memory.clone();
        memory.preset = preset.into();
        for clock_mhz in [250.0, 300.0] {
            for attn_lanes in [2, 4, 8] {
                for linear_tile_out in [16, 32] {
                    for weight_load in [WeightLoad::Serial, WeightLoad::Overlapped] {
                        for layernorm_tokens in
                            [LayerNormTokens::PerToken, LayerNormTokens::Streamed]
                        {
                            let arch = ArchConfig {
                                clock_mhz,
                                attn_lanes,
                                linear_tile_out,
                                weight_load,
                                layernorm_tokens,
                                ..spec.arch.clone()
                            };
                            let point = SimSpec {
                                arch: &arch,
                                memory: &memory,
                                ..*spec
                            };
                            black_box(simulate_memoized(&point, routing, &cache)?);
                            points += 1;
                        }
                    }
                }
            }
        }
    }
    let took = t.elapsed();
    println!(
        "  sweep of {points} points, 1 thread  {:>8.1} ms a point   {} segments simulated",
        ms(took) / points as f64,
        cache.len()
    );
    Ok(())
}

/// The process's peak resident set (Linux `VmHWM`), or why it is unknown.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".into())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Multiply-accumulates of one frame (§1): patch embed, QKV + proj, QKᵀ and AV, FFNs, gates, and the
/// expert FFNs of `expert_rows` routed tokens summed over all MoE layers.
pub fn frame_macs(m: &golden::model::config::ModelConfig, expert_rows: usize) -> u64 {
    let (n, d) = (m.tokens() as u64, m.embed_dim as u64);
    let patch = m.patches() as u64 * d * (m.image_channels * m.patch * m.patch) as u64;
    let mut total = patch;
    for l in 0..m.depth {
        total += 4 * n * d * d + 2 * n * n * d;
        total += if m.is_moe(l) {
            n * m.experts as u64 * d
        } else {
            2 * n * m.mlp_hidden as u64 * d
        };
    }
    total + expert_rows as u64 * 2 * m.expert_hidden as u64 * d
}
