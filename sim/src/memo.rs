//! Memoized timing-only frames, for design-space sweeps. A frame is cut at its barriers
//! ([`segments`]); each segment is simulated alone, from a drained memory system, on canonical
//! calls ([`Call::canonical`]) and on the `[arch]` fields its calls read ([`Call::arch`]). Its
//! cycles are then a pure function of that key, kept in a [`SegmentCache`] and reused wherever the
//! key recurs: in the frame's other layers, at other design points, on other threads, in any order.
//!
//! ```text
//!   Program ─► segments ─► key: the point (model, AXI, memory, weight width)
//!                               + per call: canonical call, projected [arch], deps inside the segment
//!   SegmentCache: key ─► cycles, each call's timing, DRAM counters and activity per channel
//!                         (simulated once, on a new PsPorts + channel)
//!   segments back to back, each call's timing offset by its segment's start,
//!   DRAM counters and activity summed ─► Report (with its DramReport)
//! ```
//!
//! What it gives up: `simulate` runs one memory system through the whole frame, so a segment meets
//! the open rows, the queued writes and the refresh phase its predecessor left (the same call in two
//! layers differs by ~0.02% for that); here every segment meets a channel just out of reset, its
//! weights at layer 0's addresses and its expert queue spread evenly. At the design points the
//! tests print (the default, overlapped loads, streamed LayerNorm, 8 lanes, the P=8 and U280 HBM2
//! configs, the simple memory) the frame's total comes out 0.00–0.08% below `simulate`'s, no layer
//! more than 0.23% off; the tests hold it to 0.2%.
//!
//! With the bank model the report has a `dram` section too, from each segment's DRAM counters and
//! per-channel activity (counted to the segment's end), summed over the frame's segments, a segment
//! made N times counting N times; the energy is linear in those counts, so their sum's energy is
//! the segments' energies summed. It is approximate in the same way: each segment starts from a
//! drained, precharged channel whose refresh timer just reset, so row hits and background states
//! differ slightly from the full frame's, a segment shorter than tREFI refreshes not at all (the
//! refresh energy comes out ~9% low on the default point), and writes still queued when a segment
//! ends go uncounted. At the points above the bursts come out 0.0003–0.04% below `simulate`'s and
//! the DRAM energy 0.5–1.1% below (the default 0.8%, U280 HBM2 1.1%); the tests hold every point
//! with the bank model to 0.1% in bursts and 2% in energy.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use hw::arch::ArchConfig;
use hw::memory::PORT_NAMES;

use crate::call::Call;
use crate::engine::{run, Dep, Launch, OpTiming, Region, RunOptions};
use crate::frame::{channel, frame_report, geometry, program, Mode, Routing, SimError, SimSpec};
use crate::memory::layout::DdrMap;
use crate::memory::ports::PsPorts;
use crate::report::{DramReport, Report};
use crate::schedule::segments;
use crate::units::UnitCx;

#[cfg(test)]
mod tests;

/// What a segment's cycles are a function of.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct SegmentKey {
    /// The model, AXI, memory and weight width, interned.
    point: u32,
    /// Per call in program order: the canonical call, its projected `[arch]` (interned) and its
    /// dependencies on calls of the segment (numbered from the segment's first).
    ops: Vec<(Call, u32, Vec<Dep>)>,
}

/// A segment simulated alone.
#[derive(Debug)]
struct SegmentRun {
    /// From its first call's start to its last call's end.
    cycles: u64,
    /// Per call, from cycle 0.
    ops: Vec<OpTiming>,
    /// What its DRAM channels did, with the bank model.
    dram: Option<SegmentDram>,
}

/// A segment's DRAM counters, for the frame's [`DramReport`].
#[derive(Debug)]
struct SegmentDram {
    /// Summed over channels.
    stats: dram::DramStats,
    /// Per channel, up to the segment's end (or the channel's last clock, if later).
    activity: Vec<dram::Activity>,
}

/// A call of a segment, ready to build.
struct Planned {
    call: Call,
    arch: ArchConfig,
    deps: Vec<Dep>,
}

type Cell = Arc<OnceLock<Result<Arc<SegmentRun>, SimError>>>;

/// Segments already simulated, for any number of design points and threads.
///
/// A segment is simulated once even when two threads want it at the same time: the second waits
/// for the first's result instead of repeating it. A deadlock (a unit model's bug) is kept as the
/// segment's result, as it would recur.
#[derive(Default)]
pub struct SegmentCache {
    /// Design points and projected `[arch]`s, by their `Debug` text: it names every field, and
    /// prints each `f64` so that it reads back exactly, so equal texts mean equal values.
    names: Mutex<HashMap<String, u32>>,
    runs: Mutex<HashMap<SegmentKey, Cell>>,
}

/// The maps are only inserted into under their locks, so a thread that panicked while holding one
/// left it whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SegmentCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Segments simulated (or being simulated) so far.
    pub fn len(&self) -> usize {
        lock(&self.runs).len()
    }

    /// No segment yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn intern(&self, name: String) -> u32 {
        let mut names = lock(&self.names);
        let next = names.len() as u32;
        *names.entry(name).or_insert(next)
    }

    fn run(
        &self,
        key: SegmentKey,
        simulate: impl FnOnce() -> Result<SegmentRun, SimError>,
    ) -> Result<Arc<SegmentRun>, SimError> {
        let cell = lock(&self.runs).entry(key).or_default().clone();
        cell.get_or_init(|| simulate().map(Arc::new)).clone()
    }
}

/// One frame, timing only, from segments simulated alone and shared through `cache`: the frame
/// [`simulate`](crate::simulate) gives with `Mode::Timing(routing)`, approximately (see the module
/// doc), at a fraction of the cost once the cache holds the point's segments. The report's per-layer
/// and per-invocation cycles, stalls and bytes are stitched from the segments; its `dram` section
/// (with the bank model), energy included, sums the segments' DRAM counters and activity over the
/// frame's time: approximate too, since each segment starts from a drained, precharged channel, so
/// row hits, refreshes and background states differ slightly from the full frame's.
pub fn simulate_memoized(
    spec: &SimSpec,
    routing: &Routing,
    cache: &SegmentCache,
) -> Result<Report, SimError> {
    let (prog, _, routing) = program(spec, &Mode::Timing(routing), None)?;
    // Built once up front: a bad `[memory]` fails here, the report names the channel, and its
    // controllers give the DRAM report its timing and organisation.
    let blank = channel(spec, false)?;
    let memory = blank.name();
    let ctrls = blank.controllers();
    let mut dram_stats = dram::DramStats::default();
    let mut activity = vec![dram::Activity::default(); ctrls.len()];
    let point = cache.intern(format!(
        "{:?}\n{:?}\n{:?}\n{}",
        spec.model,
        spec.axi,
        spec.memory,
        geometry(spec).weight_bytes
    ));
    let tokens = spec.model.tokens();
    // A frame's calls project `[arch]` a dozen ways: name each once.
    let mut archs: Vec<(ArchConfig, u32)> = Vec::new();
    let mut arch_id = |a: &ArchConfig| match archs.iter().find(|(b, _)| b == a) {
        Some(&(_, id)) => id,
        None => {
            let id = cache.intern(format!("{a:?}"));
            archs.push((a.clone(), id));
            id
        }
    };
    let mut timing = Vec::with_capacity(prog.ops.len());
    let mut now = 0;
    for seg in segments(&prog.ops) {
        let plan: Vec<Planned> = prog.ops[seg.clone()]
            .iter()
            .map(|op| {
                let call = Call::of(op).canonical(tokens);
                let arch = call.arch(spec.arch);
                // The barrier before the segment has met every dependency outside it.
                let deps = op
                    .deps
                    .iter()
                    .filter_map(|d| match *d {
                        Dep::Ended(i) if i >= seg.start => Some(Dep::Ended(i - seg.start)),
                        Dep::Started(i) if i >= seg.start => Some(Dep::Started(i - seg.start)),
                        _ => None,
                    })
                    .collect();
                Planned { call, arch, deps }
            })
            .collect();
        let key = SegmentKey {
            point,
            ops: plan
                .iter()
                .map(|p| (p.call.clone(), arch_id(&p.arch), p.deps.clone()))
                .collect(),
        };
        let done = cache.run(key, || run_segment(spec, &plan))?;
        timing.extend(done.ops.iter().map(|t| OpTiming {
            start: t.start + now,
            end: t.end + now,
            ..t.clone()
        }));
        now += done.cycles;
        // A segment the frame makes N times counts N times.
        if let Some(d) = &done.dram {
            dram_stats.merge(&d.stats);
            for (a, s) in activity.iter_mut().zip(&d.activity) {
                a.add(s);
            }
        }
    }
    let mut report = frame_report(spec, &prog.ops, &timing, now, &memory, &routing);
    report.dram = ctrls.first().map(|c| {
        DramReport::from_counts(
            &spec.memory.preset,
            c.timing(),
            c.organization(),
            c.burst_bytes(),
            &dram_stats,
            &activity,
            now as f64 / spec.arch.clock_hz(),
        )
    });
    Ok(report)
}

/// A segment's calls, each on its projected `[arch]` and layout, alone on a new memory system.
fn run_segment(spec: &SimSpec, plan: &[Planned]) -> Result<SegmentRun, SimError> {
    let launches = plan
        .iter()
        .map(|p| {
            let s = SimSpec {
                arch: &p.arch,
                ..*spec
            };
            Launch {
                region: build(&p.call, &s, &s),
                deps: p.deps.clone(),
            }
        })
        .collect();
    run_alone(spec, launches)
}

/// `call`'s region as built for `spec`, on the DDR laid out for `layout` (the memo builds both from
/// the projected `[arch]`; the tests build from the whole one on the projected layout).
fn build(call: &Call, spec: &SimSpec, layout: &SimSpec) -> Region {
    let map = DdrMap::new(layout.model, &geometry(layout));
    let cx = UnitCx {
        arch: spec.arch,
        axi: spec.axi,
        g: geometry(spec),
        heads: spec.model.heads,
        map: &map,
    };
    call.region(&cx, spec.model)
}

/// Runs `launches` from cycle 0 on a new channel of `spec`'s memory.
fn run_alone(spec: &SimSpec, launches: Vec<Launch>) -> Result<SegmentRun, SimError> {
    let mut mem = PsPorts::new(
        &PORT_NAMES,
        spec.axi.ps_port_bits,
        spec.axi.ps_ports as usize,
        channel(spec, false)?,
    );
    let (cycles, ops) = run(launches, &mut mem, RunOptions::default(), None)?;
    let ctrls = mem.channel().controllers();
    let dram = ctrls.first().map(|first| {
        let mut stats = dram::DramStats::default();
        for c in ctrls {
            stats.merge(c.stats());
        }
        // As `DramReport::new` counts a frame: to the segment's end, in whole DRAM clocks.
        let end = DramReport::clocks(first.timing(), cycles as f64 / spec.arch.clock_hz());
        let activity = ctrls.iter().map(|c| c.activity(end.max(c.now()))).collect();
        SegmentDram { stats, activity }
    });
    Ok(SegmentRun { cycles, ops, dram })
}
