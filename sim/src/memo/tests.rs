//! The memo against the engine it stands for: the barriers, the `[arch]` projection, the frame's
//! cycles at several design points, and a cache shared by threads.

use std::collections::BTreeSet;

use golden::model::config::{ModelConfig, Numerics};
use golden::rng::SplitMix64;
use hw::arch::{ArchConfig, LayerNormTokens, WeightLoad};
use hw::memory::{AxiConfig, MemoryConfig, MemoryModel};
use serde_json::Value;

use super::*;
use crate::schedule::{Op, OpKind};
use crate::units::linear::Rows;
use crate::{simulate, SimOptions};

/// A design point, owned.
#[derive(Clone)]
struct Point {
    name: &'static str,
    model: ModelConfig,
    numerics: Numerics,
    arch: ArchConfig,
    axi: AxiConfig,
    memory: MemoryConfig,
}

impl Point {
    fn edge_moe() -> Self {
        Point {
            name: "default",
            model: ModelConfig::default(),
            numerics: Numerics::default(),
            arch: ArchConfig::default(),
            axi: AxiConfig::default(),
            memory: MemoryConfig::default(),
        }
    }

    fn with(&self, name: &'static str, change: impl FnOnce(&mut Point)) -> Point {
        let mut p = self.clone();
        p.name = name;
        change(&mut p);
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
}

/// The points of `configs/` and one step along each axis a sweep varies.
fn points() -> Vec<Point> {
    let base = Point::edge_moe();
    vec![
        base.clone(),
        base.with("weight_load = overlapped", |p| {
            p.arch.weight_load = WeightLoad::Overlapped
        }),
        base.with("layernorm_tokens = streamed", |p| {
            p.arch.layernorm_tokens = LayerNormTokens::Streamed
        }),
        base.with("attn_lanes = 8", |p| p.arch.attn_lanes = 8),
        // configs/edge-moe-p8-fm24.toml; its 24-bit fm_t changes no cycle.
        base.with("edge-moe-p8-fm24", |p| {
            p.arch.attn_lanes = 8;
            p.arch.linear_tile_out = 32;
        }),
        // configs/edge-moe-u280-hbm2.toml.
        base.with("edge-moe-u280-hbm2", |p| {
            p.axi.ps_port_bits = 256;
            p.memory.preset = "hbm2-900".into();
            p.memory.channels = 32;
            p.memory.interleave_bytes = 256;
        }),
        base.with("memory.model = simple", |p| {
            p.memory.model = MemoryModel::Simple
        }),
    ]
}

/// Top-k experts per token as a trained gate skews them: each pick is the lower of two uniform
/// draws, so expert 0 gets ~12% of the picks and expert 15 ~0.4% (queues of ~30 down to ~1
/// tokens, 258 in all per layer), tokens ascending in each queue.
fn routing(m: &ModelConfig) -> Routing {
    let mut rng = SplitMix64::new(7);
    let e = m.experts as u64;
    m.moe_layers
        .iter()
        .map(|_| {
            let mut queues = vec![Vec::new(); m.experts];
            for t in 0..m.tokens() {
                let mut picked = Vec::new();
                while picked.len() < m.top_k {
                    let x = rng.below(e).min(rng.below(e)) as usize;
                    if !picked.contains(&x) {
                        picked.push(x);
                        queues[x].push(t);
                    }
                }
            }
            queues
                .into_iter()
                .enumerate()
                .filter(|(_, q)| !q.is_empty())
                .collect()
        })
        .collect()
}

#[test]
fn in_a_full_run_no_invocation_shares_a_cycle_with_another_segment() {
    for mode in [WeightLoad::Serial, WeightLoad::Overlapped] {
        // The barriers come from the schedule, not the memory: the fast channel will do.
        let p = Point::edge_moe().with("", |p| {
            p.arch.weight_load = mode;
            p.memory.model = MemoryModel::Simple;
        });
        let r = routing(&p.model);
        let (prog, ..) = program(&p.spec(), &Mode::Timing(&r), None).unwrap();
        let segs = segments(&prog.ops);
        let report = simulate(&p.spec(), Mode::Timing(&r), SimOptions::default())
            .unwrap()
            .report;
        let units: Vec<_> = report.units().collect();
        for s in &segs[1..] {
            let ended = units[..s.start].iter().map(|u| u.end).max().unwrap();
            let started = units[s.start..].iter().map(|u| u.start).min().unwrap();
            assert!(ended <= started, "{mode:?}: {}", units[s.start].op);
        }
        let linear_load = |o: &Op| matches!(o.kind, OpKind::LoadLinear { .. });
        match mode {
            WeightLoad::Serial => assert_eq!(segs.len(), prog.ops.len()),
            // Every linear load runs beside the call before it, and nothing else overlaps.
            WeightLoad::Overlapped => {
                for s in &segs {
                    let ops = &prog.ops[s.clone()];
                    match ops {
                        [one] => assert!(!linear_load(one), "{} alone", one.label),
                        [call, load] => assert!(
                            !linear_load(call) && linear_load(load),
                            "{} beside {}",
                            load.label,
                            call.label
                        ),
                        _ => panic!("{} invocations in one segment", ops.len()),
                    }
                }
            }
        }
    }
}

/// Every leaf of `a`, set to another valid value (numbers doubled, choices flipped) one at a time,
/// with its path.
fn each_field_changed(a: &ArchConfig, m: &ModelConfig) -> Vec<(String, ArchConfig)> {
    fn leaves(v: &Value, path: String, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    leaves(x, format!("{path}/{k}"), out);
                }
            }
            _ => out.push(path),
        }
    }
    let base = serde_json::to_value(a).unwrap();
    let mut paths = Vec::new();
    leaves(&base, String::new(), &mut paths);
    paths
        .into_iter()
        .map(|path| {
            let mut v = base.clone();
            let leaf = v.pointer_mut(&path).unwrap();
            *leaf = match &*leaf {
                Value::Number(n) => match n.as_u64() {
                    Some(u) => Value::from((u * 2).max(1)),
                    None => Value::from(n.as_f64().unwrap() * 2.0),
                },
                Value::String(s) => Value::from(match s.as_str() {
                    "serial" => "overlapped",
                    "per_token" => "streamed",
                    other => panic!("{path} = {other}: give the test its alternative"),
                }),
                other => panic!("{path} = {other}: give the test a way to change it"),
            };
            let changed: ArchConfig = serde_json::from_value(v).unwrap();
            assert!(changed.validate(m).is_empty(), "{path}");
            assert_ne!(&changed, a, "{path}");
            (path, changed)
        })
        .collect()
}

#[test]
fn a_call_reads_no_arch_field_outside_its_projection() {
    let p = Point::edge_moe();
    let spec = p.spec();
    let r = routing(&p.model);
    let (prog, ..) = program(&spec, &Mode::Timing(&r), None).unwrap();
    // A call of each kind the frame makes, a linear call per set of flags, the longest queue.
    let kind = |c: &Call| match c {
        Call::Linear(l) => (
            std::mem::discriminant(c),
            l.gelu,
            l.use_score,
            matches!(l.rows, Rows::Gather(_)),
        ),
        _ => (std::mem::discriminant(c), false, false, false),
    };
    let rows = |c: &Call| match c {
        Call::Linear(l) => l.rows.len(),
        _ => 0,
    };
    let mut calls: Vec<Call> = Vec::new();
    for op in &prog.ops {
        let c = Call::of(op).canonical(p.model.tokens());
        match calls.iter_mut().find(|k| kind(k) == kind(&c)) {
            Some(k) if rows(&c) > rows(k) => *k = c,
            Some(_) => {}
            None => calls.push(c),
        }
    }
    assert_eq!(calls.len(), 14, "{calls:?}");
    let changes = each_field_changed(&p.arch, &p.model);
    let cache = SegmentCache::new();
    let alone = |region, spec: &SimSpec| {
        let launch = Launch {
            region,
            deps: Vec::new(),
        };
        format!("{:?}", run_alone(spec, vec![launch]).unwrap())
    };
    let mut unread: BTreeSet<&str> = changes.iter().map(|(p, _)| p.as_str()).collect();
    for call in &calls {
        // As the memo builds it: the projected [arch] and its layout.
        let memo = |a: &ArchConfig| {
            let projected = call.arch(a);
            let s = SimSpec {
                arch: &projected,
                ..spec
            };
            alone(build(call, &s, &s), &s)
        };
        // As the frame builds it, on the memo's layout.
        let whole = |a: &ArchConfig| {
            let projected = call.arch(a);
            let full = SimSpec { arch: a, ..spec };
            let layout = SimSpec {
                arch: &projected,
                ..spec
            };
            alone(build(call, &full, &layout), &full)
        };
        let base = memo(&p.arch);
        assert_eq!(whole(&p.arch), base, "{call:?}");
        let key = cache.intern(format!("{:?}", call.arch(&p.arch)));
        for (path, changed) in &changes {
            if call.arch(changed) == call.arch(&p.arch) {
                assert_eq!(
                    whole(changed),
                    base,
                    "{call:?} reads {path}, which its projection leaves out"
                );
            } else {
                unread.remove(path.as_str());
                let changed_key = cache.intern(format!("{:?}", call.arch(changed)));
                assert_ne!(changed_key, key, "{call:?}: {path}");
                assert_eq!(whole(changed), memo(changed), "{call:?}: {path}");
            }
        }
    }
    println!("[arch] fields no call of a frame reads: {unread:?}");
    let expected: BTreeSet<&str> = [
        "/linear_weight_buffer",
        "/linear_bias_buffer",
        "/weight_load",
        "/depth/sqrt",
        "/depth/recip",
        "/depth/div",
        "/depth/softmax",
        "/depth/layernorm",
        "/depth/gating",
    ]
    .into();
    assert_eq!(unread, expected);
}

#[test]
fn memoized_frames_stay_within_a_fifth_of_a_percent_of_the_full_simulation() {
    let cache = SegmentCache::new();
    for p in points() {
        let spec = p.spec();
        let r = routing(&p.model);
        let full = simulate(&spec, Mode::Timing(&r), SimOptions::default())
            .unwrap()
            .report;
        let memo = simulate_memoized(&spec, &r, &cache).unwrap();
        let dev = |m: u64, f: u64| (m as f64 / f as f64 - 1.0) * 100.0;
        let total = dev(memo.total_cycles, full.total_cycles);
        let worst_layer = memo
            .layers
            .iter()
            .zip(&full.layers)
            .map(|(m, f)| dev(m.cycles, f.cycles))
            .fold(0.0f64, |a, d| if d.abs() > a.abs() { d } else { a });
        println!(
            "{:<28} simulate {:>9} memoized {:>9} cycles: {total:+.3}% (worst layer {worst_layer:+.3}%), {} segments cached",
            p.name,
            full.total_cycles,
            memo.total_cycles,
            cache.len()
        );
        assert_eq!(memo.charged_cycles(), memo.total_cycles, "{}", p.name);
        assert_eq!(memo.routing, full.routing);
        assert_eq!(memo.dram.is_some(), full.dram.is_some(), "{}", p.name);
        // The DRAM section sums the segments' counters: the same bursts to 0.1%, and the energy
        // within 2% (a segment shorter than tREFI never refreshes, so it runs ~1% low).
        if let Some((f, m)) = full.dram.as_ref().zip(memo.dram.as_ref()) {
            assert_eq!((&m.preset, m.channels), (&f.preset, f.channels));
            let bursts = dev(m.reads + m.writes, f.reads + f.writes);
            let (fe, me) = (
                f.energy_mj.expect("every preset has a power table"),
                m.energy_mj.expect("the memoized frame counts it too"),
            );
            let energy = (me / fe - 1.0) * 100.0;
            println!(
                "{:<28} DRAM bursts {bursts:+.4}%, energy simulate {fe:.4} mJ memoized {me:.4} mJ: \
                 {energy:+.3}%",
                ""
            );
            assert!(bursts.abs() <= 0.1, "{}: bursts {bursts:+.4}%", p.name);
            assert!(energy.abs() < 2.0, "{}: energy {energy:+.3}%", p.name);
        }
        for (m, f) in memo.units().zip(full.units()) {
            assert_eq!(
                (&m.op, m.iterations, &m.bytes),
                (&f.op, f.iterations, &f.bytes),
                "{}",
                p.name
            );
        }
        assert_eq!(memo.units().count(), full.units().count());
        assert!(total.abs() < 0.2, "{}: {total:+.3}%", p.name);
    }
}

#[test]
fn a_point_that_changes_only_the_lanes_adds_only_the_attention_segments() {
    let p = Point::edge_moe();
    let r = routing(&p.model);
    let cache = SegmentCache::new();
    simulate_memoized(&p.spec(), &r, &cache).unwrap();
    let one = cache.len();
    let invocations = program(&p.spec(), &Mode::Timing(&r), None)
        .unwrap()
        .0
        .ops
        .len();
    println!("{invocations} invocations, {one} segments");
    assert!(one < invocations / 4);
    simulate_memoized(&p.with("", |p| p.arch.attn_lanes = 8).spec(), &r, &cache).unwrap();
    assert_eq!(cache.len(), one + 2, "qk_scores and attn_av");
}

#[test]
fn a_cache_shared_by_two_threads_gives_what_a_fresh_cache_gives() {
    fn assert_shareable<T: Send + Sync>() {}
    assert_shareable::<SegmentCache>();
    let base = Point::edge_moe();
    let lanes = base.with("attn_lanes = 8", |p| p.arch.attn_lanes = 8);
    let streamed = base.with("streamed", |p| {
        p.arch.layernorm_tokens = LayerNormTokens::Streamed
    });
    let r = routing(&base.model);
    let shared = SegmentCache::new();
    // In opposite orders, so each thread meets segments the other is simulating or has done.
    let orders = [[&base, &lanes, &streamed], [&streamed, &lanes, &base]];
    let results: Vec<Vec<Report>> = std::thread::scope(|s| {
        let handles: Vec<_> = orders
            .iter()
            .map(|order| {
                s.spawn(|| {
                    order
                        .iter()
                        .map(|p| simulate_memoized(&p.spec(), &r, &shared).unwrap())
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (order, reports) in orders.iter().zip(&results) {
        for (p, got) in order.iter().zip(reports) {
            let alone = simulate_memoized(&p.spec(), &r, &SegmentCache::new()).unwrap();
            assert_eq!(got, &alone, "{}", p.name);
        }
    }
}
