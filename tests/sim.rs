//! golden against sim: the simulator's values at every tap, and its cycle counts against the spec.

use golden::model::config::{ModelConfig, Numerics};
use golden::model::forward::{forward_fixed, FrameSpec};
use golden::model::weights::{load, Source, Weights};
use hw::arch::{ArchConfig, WeightLoad};
use hw::memory::{AxiConfig, MemoryConfig};
use sim::{check_taps, simulate, Mode, Report, SimOptions, SimSpec};

struct Point {
    model: ModelConfig,
    numerics: Numerics,
    arch: ArchConfig,
    axi: AxiConfig,
    memory: MemoryConfig,
}

impl Point {
    fn edge_moe() -> Self {
        Point {
            model: ModelConfig::default(),
            numerics: Numerics::default(),
            arch: ArchConfig::default(),
            axi: AxiConfig::default(),
            memory: MemoryConfig::default(),
        }
    }

    /// PS ports as wide as the masters and a channel that never binds: the first-order model's memory.
    fn ideal_memory() -> Self {
        let mut p = Point::edge_moe();
        p.axi.ps_port_bits = 256;
        p.memory.model = hw::memory::MemoryModel::Simple;
        p.memory.bandwidth_gb_s = 1000.0;
        p
    }

    fn spec(&self) -> SimSpec<'_> {
        SimSpec {
            model: &self.model,
            numerics: &self.numerics,
            arch: &self.arch,
            axi: &self.axi,
            memory: &self.memory,
            task: 0,
        }
    }

    fn weights(&self, seed: u64) -> Weights<i64> {
        load(&self.model, &Source::Random, seed)
            .expect("random weights")
            .weights
            .quantize(&self.numerics)
    }

    /// A frame with values, checked against golden.
    fn run(&self, w: &Weights<i64>) -> sim::SimOutput {
        let mut out =
            simulate(&self.spec(), Mode::Values(w), SimOptions::default()).expect("simulates");
        let golden = forward_fixed(
            &FrameSpec {
                model: &self.model,
                numerics: &self.numerics,
                attn_lanes: self.arch.attn_lanes,
                beat: self.arch.beat,
                task: 0,
            },
            w,
        )
        .expect("golden frame");
        check_taps(
            &mut out.report,
            out.taps.as_ref().expect("values on"),
            &golden.taps,
        );
        out
    }
}

fn unit<'a>(r: &'a Report, layer: &str, op: &str) -> &'a sim::report::UnitReport {
    r.layers
        .iter()
        .find(|l| l.name == layer)
        .and_then(|l| l.units.iter().find(|u| u.op == op))
        .unwrap_or_else(|| panic!("{layer} has no {op}"))
}

#[test]
fn the_default_design_point_runs_the_spec_iteration_counts_with_golden_bits() {
    let p = Point::edge_moe();
    let out = p.run(&p.weights(1));
    let r = &out.report;
    assert_eq!(
        r.golden_match,
        Some(true),
        "mismatched taps: {:?}",
        r.taps_mismatched
    );
    assert_eq!(r.taps_checked, 1 + 6 * 11 + 6 * 10);
    for l in 0..12 {
        let name = format!("l{l}");
        assert_eq!(unit(r, &name, "qk_scores").iterations, 102_168);
        assert_eq!(unit(r, &name, "attn_av").iterations, 102_168);
        for op in ["q", "k", "v", "proj"] {
            assert_eq!(unit(r, &name, op).iterations, 18_576, "{name}.{op}");
            // Weight load: out·in/16 weight beats, then out/16 bias beats.
            assert_eq!(unit(r, &name, &format!("{op}.load")).iterations, 2_304 + 12);
        }
        if l % 2 == 0 {
            assert_eq!(unit(r, &name, "fc1").iterations, 74_304);
            assert_eq!(unit(r, &name, "fc2").iterations, 74_304);
            assert_eq!(unit(r, &name, "fc1.load").iterations, 9_216 + 48);
            assert_eq!(unit(r, &name, "fc2.load").iterations, 9_216 + 12);
        }
    }
    for (layer, lens) in &r.routing {
        assert_eq!(lens.iter().sum::<usize>(), 258, "layer {layer}");
        let name = format!("l{layer}");
        for (e, &len) in lens.iter().enumerate().filter(|(_, &n)| n > 0) {
            assert_eq!(
                unit(r, &name, &format!("e{e}.fc1")).iterations,
                288 * len as u64
            );
            assert_eq!(
                unit(r, &name, &format!("e{e}.fc2")).iterations,
                288 * len as u64
            );
            assert_eq!(
                unit(r, &name, &format!("e{e}.fc1.load")).iterations,
                4_608 + 24
            );
        }
    }
}

#[test]
fn with_ideal_memory_a_unit_takes_its_iterations_plus_depth_plus_the_first_beat() {
    let p = Point::ideal_memory();
    let routing = p.run(&p.weights(2)).routing;
    let r = simulate(&p.spec(), Mode::Timing(&routing), SimOptions::default())
        .expect("simulates")
        .report;
    let latency = p.memory.latency_cycles as u64;
    // Beyond the iterations: the first beat's latency and the core's depth; after the core, what follows
    // it in the region (finalize_attn's last lanes at II 3 and its depth of 78) and the last write's
    // response; 32 cycles of slack for the hand-offs between processes (a FIFO passes an entry per cycle).
    for (op, iterations, head, tail) in [
        ("qk_scores", 102_168, latency + 15, 3 * 4 + 78 + latency),
        ("attn_av", 102_168, latency + 29, latency),
        ("q", 18_576, latency + 16, latency),
    ] {
        let u = unit(&r, "l0", op);
        assert_eq!(
            u.busy, iterations,
            "{op}: the core issues on every busy cycle"
        );
        let extra = u.cycles - iterations;
        assert!(
            (head..=head + tail + 32).contains(&extra),
            "{op}: {} cycles = {iterations} + {extra}, expected {head}..={}",
            u.cycles,
            head + tail + 32
        );
    }
}

#[test]
fn every_cycle_is_charged_to_exactly_one_invocation() {
    for mode in [WeightLoad::Serial, WeightLoad::Overlapped] {
        let mut p = Point::edge_moe();
        p.arch.weight_load = mode;
        let w = p.weights(3);
        let r = p.run(&w).report;
        assert_eq!(r.golden_match, Some(true));
        assert_eq!(r.charged_cycles(), r.total_cycles, "{mode:?}");
        let stalls: u64 = r.stalls.values().sum();
        assert_eq!(r.busy + stalls, r.total_cycles, "{mode:?}");
        for u in r.units() {
            assert_eq!(
                u.busy + u.stalls.values().sum::<u64>(),
                u.cycles,
                "{}",
                u.op
            );
            assert_eq!(u.cycles + u.hidden, u.end - u.start, "{}", u.op);
        }
        let hidden: u64 = r.units().map(|u| u.hidden).sum();
        match mode {
            WeightLoad::Serial => assert_eq!(hidden, 0),
            WeightLoad::Overlapped => assert!(hidden > 0),
        }
    }
}

#[test]
fn jumping_ahead_and_timing_only_change_no_count() {
    let mut p = Point::edge_moe();
    p.arch.weight_load = WeightLoad::Overlapped;
    let full = p.run(&p.weights(4));
    let timed = |no_jump| {
        simulate(
            &p.spec(),
            Mode::Timing(&full.routing),
            SimOptions {
                no_jump,
                ..Default::default()
            },
        )
        .expect("simulates")
        .report
    };
    let (jumped, stepped) = (timed(false), timed(true));
    if jumped != stepped {
        for (a, b) in jumped.units().zip(stepped.units()) {
            if a != b {
                panic!("{a:?}\n{b:?}");
            }
        }
    }
    assert_eq!(jumped, stepped);
    assert_eq!(jumped.total_cycles, full.report.total_cycles);
    assert_eq!(jumped.layers, full.report.layers);
}

#[test]
fn qk_cycles_fall_as_one_over_p_while_read_bandwidth_per_cycle_stays_flat() {
    // The paper's claim needs a port as wide as the K stream (the 128-bit PS port halves every P alike)
    // and finalize_attn at II 1 (at II 3 its P lanes per key outrun the 24-beat key for P > 8).
    let mut p = Point::ideal_memory();
    p.arch.ii.finalize_attn = 1;
    let w = p.weights(5);
    let n = 129f64;
    let mut base = None;
    for lanes in [1usize, 2, 4, 8, 16] {
        p.arch.attn_lanes = lanes;
        let r = p.run(&w).report;
        assert_eq!(r.golden_match, Some(true), "P = {lanes}");
        let qk = unit(&r, "l0", "qk_scores");
        let read: u64 = qk.bytes.values().map(|b| b.read).sum();
        let per_cycle = read as f64 / qk.cycles as f64;
        let claim = 32.0 * (1.0 + lanes as f64 / n);
        assert!(
            (per_cycle / claim - 1.0).abs() < 0.02,
            "P {lanes}: {per_cycle:.2} B/cycle vs {claim:.2}"
        );
        let speedup = *base.get_or_insert(qk.cycles as f64) / qk.cycles as f64;
        // Cycles follow the query blocks ⌈(N + P − 1) / P⌉.
        let ideal = n / ((n + lanes as f64 - 1.0) / lanes as f64).ceil();
        assert!(
            (speedup / ideal - 1.0).abs() < 0.02,
            "P {lanes}: speedup {speedup:.2}, ideal {ideal:.2}"
        );
    }
}

#[test]
fn at_ii_3_finalize_attn_bounds_qk_scores_beyond_8_lanes() {
    let mut p = Point::ideal_memory();
    p.arch.attn_lanes = 16;
    let w = p.weights(7);
    let r = p.run(&w).report;
    let qk = unit(&r, "l0", "qk_scores");
    // 16 lanes × II 3 = 48 cycles of finalize per 24-cycle key: the region takes about twice its loop.
    assert!(
        qk.cycles > 2 * qk.iterations - qk.iterations / 20,
        "{}",
        qk.cycles
    );
    let finalize: u64 = qk
        .stall_detail
        .iter()
        .filter(|(k, _)| *k == "fifo_full:fin_stream" || *k == "recurrence")
        .map(|(_, v)| v)
        .sum();
    assert!(finalize > qk.iterations * 9 / 10, "{:?}", qk.stall_detail);
}

#[test]
fn the_same_design_point_and_seed_give_the_same_cycles() {
    let p = Point::edge_moe();
    let w = p.weights(6);
    assert_eq!(p.run(&w).report, p.run(&w).report);
}

/// The trace tells the same story as the report: one span per invocation at the report's cycles, and
/// inside the detail window (a layer, serial loads: one invocation at a time) the unit tracks spend
/// exactly the report's busy and stall cycles in each state.
#[test]
fn the_trace_of_a_layer_matches_the_report_cycle_for_cycle() {
    let p = Point::edge_moe();
    let full = p.run(&p.weights(6));
    let out = simulate(
        &p.spec(),
        Mode::Timing(&full.routing),
        SimOptions {
            trace: Some(sim::TraceWindow::Layer(1)),
            ..Default::default()
        },
    )
    .expect("simulates");
    let (r, trace) = (&out.report, out.trace.as_ref().expect("trace on"));
    trace.validate().expect("a well-formed trace");
    assert_eq!(trace.end_cycle, r.total_cycles);

    let units: Vec<&sim::report::UnitReport> = r.layers.iter().flat_map(|l| &l.units).collect();
    let mut spans: Vec<(u64, u64)> = trace
        .tracks
        .iter()
        .flat_map(|t| &t.spans)
        .map(|s| (s.start, s.end))
        .collect();
    spans.sort_unstable();
    let mut want: Vec<(u64, u64)> = units.iter().map(|u| (u.start, u.end)).collect();
    want.sort_unstable();
    assert_eq!(spans, want);

    let layer = r.layers.iter().find(|l| l.name == "l1").expect("layer 1");
    let mut expected: std::collections::BTreeMap<String, u64> = Default::default();
    for u in &layer.units {
        *expected.entry("busy".into()).or_default() += u.busy;
        for (k, v) in &u.stalls {
            *expected.entry(format!("stall: {k}")).or_default() += v;
        }
    }
    expected.retain(|_, v| *v > 0);
    let mut seen: std::collections::BTreeMap<String, u64> = Default::default();
    for t in trace.tracks.iter().filter(|t| !t.name.contains('/')) {
        for (i, &(at, code)) in t.states.iter().enumerate() {
            let until = t.states.get(i + 1).map_or(trace.end_cycle, |s| s.0);
            let name = &trace.state_names[code as usize];
            if name != "idle" && until > at {
                *seen.entry(name.clone()).or_default() += until - at;
            }
        }
    }
    assert_eq!(seen, expected);
    assert_eq!(seen.values().sum::<u64>(), layer.cycles);

    // The exporters' own tests parse their output; here, that every invocation reaches the file.
    let mut json = Vec::new();
    sim::trace::chrome::write(trace, &mut json).expect("writes");
    let text = String::from_utf8(json).expect("UTF-8");
    assert_eq!(text.matches("\"cat\":\"span\"").count(), units.len());
    let mut vcd = Vec::new();
    sim::trace::vcd::write(trace, &mut vcd).expect("writes");
    assert!(vcd.starts_with(b"$date"));
}

/// The bank model serves the whole frame: the values stay golden's, and every DRAM command the
/// controller issued for the frame's traffic passes the independent JEDEC checker.
#[test]
fn a_frame_on_the_ddr4_bank_model_keeps_golden_bits_and_every_jedec_constraint() {
    let mut p = Point::edge_moe();
    p.memory.model = hw::memory::MemoryModel::Dram;
    let w = p.weights(8);
    let out = simulate(
        &p.spec(),
        Mode::Values(&w),
        SimOptions {
            dram_commands: true,
            ..Default::default()
        },
    )
    .expect("simulates");
    let golden = forward_fixed(
        &FrameSpec {
            model: &p.model,
            numerics: &p.numerics,
            attn_lanes: p.arch.attn_lanes,
            beat: p.arch.beat,
            task: 0,
        },
        &w,
    )
    .expect("golden frame");
    let mut report = out.report.clone();
    check_taps(
        &mut report,
        out.taps.as_ref().expect("values"),
        &golden.taps,
    );
    assert_eq!(
        report.golden_match,
        Some(true),
        "{:?}",
        report.taps_mismatched
    );

    let d = report.dram.as_ref().expect("DRAM counters");
    let bytes: u64 = report
        .ports
        .iter()
        .map(|p| p.bytes_read + p.bytes_written)
        .sum();
    // Every byte the masters moved went through the controller in 64-byte bursts (a burst straddling
    // a 64-byte boundary costs two).
    assert!((d.reads + d.writes) * 64 >= bytes);
    assert!(
        d.refresh_share > 0.04 && d.refresh_share < 0.05,
        "{}",
        d.refresh_share
    );

    let cfg = p.memory.dram().expect("valid preset");
    let cmds = &out.dram_commands.as_ref().expect("recorded")[0];
    assert!(cmds.len() as u64 > d.reads + d.writes);
    dram::check(cmds, &cfg.timing, &cfg.org).expect("no JEDEC constraint violated");
}

/// The same accelerator on three memories. A faster DDR4 buys nothing: the 128-bit PS ports, not
/// the DRAM, bound the streams. An HBM2 board (32 pseudo-channels behind 256-bit ports) halves
/// the attention units and the residual adds, which stream K/V and activations; units bound by
/// their own recurrence (gating, patch embedding) do not move.
#[test]
fn faster_ddr4_changes_nothing_and_hbm2_speeds_up_the_streaming_units_only() {
    let p = Point::edge_moe();
    let w = p.weights(9);
    let base = p.run(&w);
    assert_eq!(base.report.golden_match, Some(true));
    let timed = |q: &Point, record: bool| {
        simulate(
            &q.spec(),
            Mode::Timing(&base.routing),
            SimOptions {
                dram_commands: record,
                ..Default::default()
            },
        )
        .expect("simulates")
    };
    let mut ddr3200 = Point::edge_moe();
    ddr3200.memory.preset = "ddr4-3200".into();
    let fast = timed(&ddr3200, false).report;
    let ratio = fast.total_cycles as f64 / base.report.total_cycles as f64;
    assert!(
        (ratio - 1.0).abs() < 0.005,
        "ddr4-3200 / ddr4-2133 = {ratio}"
    );

    let mut hbm = Point::edge_moe();
    hbm.axi.ps_port_bits = 256;
    hbm.memory.preset = "hbm2-900".into();
    hbm.memory.channels = 32;
    let out = timed(&hbm, true);
    let r = &out.report;
    let d = r.dram.as_ref().expect("DRAM counters");
    assert_eq!(d.channels, 32);
    assert!((d.peak_gbps - 460.8).abs() < 1e-6, "{}", d.peak_gbps);
    let speedup = |layer: &str, op: &str| {
        unit(&base.report, layer, op).cycles as f64 / unit(r, layer, op).cycles as f64
    };
    for op in ["qk_scores", "attn_av"] {
        let s = speedup("l0", op);
        assert!((1.9..2.1).contains(&s), "{op}: {s}");
    }
    for (layer, op) in [("l1", "gating"), ("patch_embed", "patch_embed")] {
        let s = speedup(layer, op);
        assert!((0.97..1.03).contains(&s), "{layer} {op}: {s}");
    }
    assert!(r.total_cycles * 10 < base.report.total_cycles * 7);
    let cfg = hbm.memory.dram().expect("valid preset");
    for (i, cmds) in out
        .dram_commands
        .as_ref()
        .expect("recorded")
        .iter()
        .enumerate()
    {
        assert!(!cmds.is_empty(), "pseudo-channel {i} saw no traffic");
        dram::check(cmds, &cfg.timing, &cfg.org)
            .unwrap_or_else(|v| panic!("pseudo-channel {i}: {v}"));
    }
}

/// Fewer PS ports (`axi.ps_ports`): masters that share a port share its data paths. The traffic of
/// each master is the same, only later; the frame never gets faster for losing ports.
#[test]
fn fewer_ps_ports_never_speed_a_frame_up_and_each_master_keeps_its_bytes() {
    let p = Point::edge_moe();
    let w = p.weights(11);
    let out = p.run(&w);
    assert_eq!(out.report.golden_match, Some(true));
    let base = out.report;
    let bytes = |r: &Report| {
        r.ports
            .iter()
            .map(|m| (m.name.clone(), m.bytes_read, m.bytes_written))
            .collect::<Vec<_>>()
    };
    let mut last = base.total_cycles;
    for n in [4, 3, 2, 1] {
        let mut q = Point::edge_moe();
        q.axi.ps_ports = n;
        let r = simulate(&q.spec(), Mode::Timing(&out.routing), SimOptions::default())
            .expect("simulates")
            .report;
        assert!(
            r.total_cycles >= last,
            "{n} ports: {} < {last}",
            r.total_cycles
        );
        assert_eq!(bytes(&r), bytes(&base), "{n} ports");
        last = r.total_cycles;
    }
    assert!(
        last > base.total_cycles,
        "one port for five masters costs nothing?"
    );
}

/// QKᵀ alone streams K at the width of its PS port; on one port it shares that port's read path
/// with the Q reads, so it takes longer.
#[test]
fn qk_scores_alone_is_slower_on_one_ps_port_than_on_five() {
    let five = Point::edge_moe();
    let mut one = Point::edge_moe();
    one.axi.ps_ports = 1;
    let lanes = [five.arch.attn_lanes];
    let cycles = |p: &Point| sim::attention_lanes(&p.spec(), &lanes).expect("simulates")[0].cycles;
    let (c5, c1) = (cycles(&five), cycles(&one));
    assert!(c1 > c5, "1 port {c1}, 5 ports {c5}");
}
