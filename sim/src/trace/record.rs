//! Fills a [`Trace`] from the engine's observer calls.
//!
//! Tracks follow the hardware: one per unit (a region of that unit runs there; its spans are the
//! invocations, its state the root cause the cycle is charged to), and under it one per process (its
//! own step: busy, or the stall it is in). Loads get their own unit track (`linear_load`) because in
//! the overlapped schedule they run beside the compute of the same unit. Should two invocations of
//! one kind ever run at once, the second takes a numbered lane (`linear_2`) so spans never overlap.
//!
//! A whole frame at every cycle is millions of state changes, so per-cycle detail is kept only inside
//! a window; the invocation spans cover the whole frame, so the timeline is always complete.

use std::ops::Range;

use super::{Counter, Span, Trace, Track, IDLE};
use crate::engine::process::{Cause, StallKind, Step};
use crate::engine::{Observer, Region};
use crate::schedule::Op;
use crate::Cycle;

/// When per-process states and FIFO occupancy are recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceWindow {
    /// The cycles `start..end`.
    Cycles {
        /// First cycle recorded.
        start: Cycle,
        /// One past the last.
        end: Cycle,
    },
    /// From the start of the first invocation of this encoder layer to the end of its last.
    Layer(usize),
}

impl TraceWindow {
    /// Every cycle of the frame (files grow with the frame: tens of MB of VCD per million cycles).
    pub const ALL: TraceWindow = TraceWindow::Cycles {
        start: 0,
        end: Cycle::MAX,
    };
}

/// Code of a process that finished while its region still runs.
const DONE: u8 = 1;
/// Code of a busy cycle.
const BUSY: u8 = 2;
/// Codes of the stall kinds follow, in [`StallKind::ALL`] order.
const FIRST_STALL: u8 = 3;

/// The legend of the state codes.
fn state_names() -> Vec<String> {
    let mut names = vec!["idle".to_string(), "done".into(), "busy".into()];
    names.extend(StallKind::ALL.iter().map(|k| format!("stall: {}", k.key())));
    names
}

fn code_of_cause(cause: Option<Cause>) -> u8 {
    match cause {
        None => BUSY,
        Some(c) => FIRST_STALL + c.kind().index() as u8,
    }
}

fn code_of_step(step: Step) -> u8 {
    match step {
        Step::Busy => BUSY,
        Step::Done => DONE,
        Step::Stall(c) => code_of_cause(Some(c)),
    }
}

/// Bits for a counter that counts up to `max`.
fn bits_for(max: u64) -> u32 {
    (64 - max.leading_zeros()).max(1)
}

/// A place where one invocation at a time runs.
struct Lane {
    /// `linear`, `linear_load`, …
    kind: String,
    /// The invocation running here now.
    op: Option<usize>,
    /// Its region track.
    track: usize,
    /// Process tracks by name, found or created per invocation.
    procs: Vec<(String, usize)>,
    /// The current invocation's process tracks, by process index.
    proc_tracks: Vec<usize>,
    /// The current invocation's FIFO counters, by FIFO index: index into the region track's counters.
    fifo_counters: Vec<usize>,
}

/// The observer that records a frame.
pub(crate) struct Recorder<'p> {
    ops: &'p [Op],
    /// The detail window in cycles; for a layer window, empty until its first op starts, then open
    /// until its last op ends.
    window: Range<Cycle>,
    /// For a layer window: its first and last op.
    layer_ops: Option<(usize, usize)>,
    trace: Trace,
    lanes: Vec<Lane>,
    op_lane: Vec<Option<usize>>,
    /// Last code pushed per track, to store changes only.
    last_code: Vec<u8>,
}

impl<'p> Recorder<'p> {
    /// A recorder for `ops` at `clock_mhz`, with detail inside `window`.
    pub(crate) fn new(ops: &'p [Op], clock_mhz: f64, window: TraceWindow) -> Self {
        let (window, layer_ops) = match window {
            TraceWindow::Cycles { start, end } => (start..end, None),
            TraceWindow::Layer(l) => {
                let first = ops.iter().position(|o| o.layer == Some(l));
                let last = ops.iter().rposition(|o| o.layer == Some(l));
                (0..0, first.zip(last))
            }
        };
        Recorder {
            ops,
            window,
            layer_ops,
            trace: Trace {
                clock_mhz,
                end_cycle: 0,
                state_names: state_names(),
                tracks: Vec::new(),
            },
            lanes: Vec::new(),
            op_lane: vec![None; ops.len()],
            last_code: Vec::new(),
        }
    }

    /// The trace of a frame that ended at `end`.
    pub(crate) fn finish(mut self, end: Cycle) -> Trace {
        self.trace.end_cycle = end;
        // Detail stops at the window's end: say so rather than let the last state run on.
        if self.window.end < end {
            self.close_detail(self.window.end);
        }
        self.trace
    }

    /// Every track idle and every counter zero from `at`.
    fn close_detail(&mut self, at: Cycle) {
        for t in 0..self.trace.tracks.len() {
            self.set_state(t, at, IDLE);
            for c in &mut self.trace.tracks[t].counters {
                if c.changes.last().is_some_and(|&(_, v)| v != 0) {
                    c.changes.push((at, 0));
                }
            }
        }
    }

    fn track(&mut self, name: String) -> usize {
        self.trace.tracks.push(Track {
            name,
            ..Default::default()
        });
        self.last_code.push(IDLE);
        self.trace.tracks.len() - 1
    }

    fn set_state(&mut self, track: usize, at: Cycle, code: u8) {
        if self.last_code[track] != code {
            self.last_code[track] = code;
            self.trace.tracks[track].states.push((at, code));
        }
    }

    fn in_window(&self, from: Cycle, n: u64) -> Option<Cycle> {
        let at = from.max(self.window.start);
        (at < self.window.end && at < from + n).then_some(at)
    }

    fn lane_for(&mut self, op: usize, unit: &str) -> usize {
        let kind = if self.ops[op].is_load() {
            format!("{unit}_load")
        } else {
            unit.to_string()
        };
        if let Some(l) = self
            .lanes
            .iter()
            .position(|l| l.kind == kind && l.op.is_none())
        {
            return l;
        }
        let same = self.lanes.iter().filter(|l| l.kind == kind).count();
        let name = if same == 0 {
            kind.clone()
        } else {
            format!("{kind}_{}", same + 1)
        };
        let track = self.track(name);
        self.lanes.push(Lane {
            kind,
            op: None,
            track,
            procs: Vec::new(),
            proc_tracks: Vec::new(),
            fifo_counters: Vec::new(),
        });
        self.lanes.len() - 1
    }
}

impl Observer for Recorder<'_> {
    fn op_started(&mut self, op: usize, region: &Region, now: Cycle) {
        if self.layer_ops.is_some_and(|(first, _)| first == op) {
            self.window = now..Cycle::MAX;
        }
        let l = self.lane_for(op, region.unit());
        let lane_track = self.lanes[l].track;
        let mut proc_tracks = Vec::with_capacity(region.procs.len());
        for p in &region.procs {
            let name = p.name();
            let t = match self.lanes[l].procs.iter().find(|(n, _)| n == name) {
                Some(&(_, t)) => t,
                None => {
                    let t = self.track(format!("{}/{name}", self.trace.tracks[lane_track].name));
                    self.lanes[l].procs.push((name.to_string(), t));
                    t
                }
            };
            proc_tracks.push(t);
        }
        let counters = &mut self.trace.tracks[lane_track].counters;
        let fifo_counters = region
            .fifos
            .iter()
            .map(|f| match counters.iter().position(|c| c.name == f.name()) {
                Some(i) => {
                    let c = &mut counters[i];
                    c.width_bits = c.width_bits.max(bits_for(f.depth() as u64));
                    i
                }
                None => {
                    counters.push(Counter {
                        name: f.name().to_string(),
                        width_bits: bits_for(f.depth() as u64),
                        changes: Vec::new(),
                    });
                    counters.len() - 1
                }
            })
            .collect();
        let lane = &mut self.lanes[l];
        lane.op = Some(op);
        lane.proc_tracks = proc_tracks;
        lane.fifo_counters = fifo_counters;
        self.op_lane[op] = Some(l);
        let o = &self.ops[op];
        let label = match o.layer {
            Some(layer) => format!("l{layer}.{}", o.label),
            None => o.label.clone(),
        };
        self.trace.tracks[lane_track].spans.push(Span {
            start: now,
            end: now,
            label,
            args: vec![
                ("op".into(), op.to_string()),
                ("unit".into(), region.unit().to_string()),
            ],
        });
    }

    fn op_ended(&mut self, op: usize, _region: &Region, now: Cycle) {
        let Some(l) = self.op_lane[op] else { return };
        let lane_track = self.lanes[l].track;
        if let Some(s) = self.trace.tracks[lane_track].spans.last_mut() {
            s.end = now;
        }
        if self.window.contains(&now) {
            let tracks = std::mem::take(&mut self.lanes[l].proc_tracks);
            for &t in tracks.iter().chain([&lane_track]) {
                self.set_state(t, now, IDLE);
            }
            let counters = std::mem::take(&mut self.lanes[l].fifo_counters);
            for i in counters {
                let c = &mut self.trace.tracks[lane_track].counters[i];
                if c.changes.last().is_some_and(|&(_, v)| v != 0) {
                    c.changes.push((now, 0));
                }
            }
        }
        self.lanes[l].op = None;
        if self.layer_ops.is_some_and(|(_, last)| last == op) {
            self.window.end = now;
            // Whatever still runs (a load of the next layer) stops being detailed here.
            self.close_detail(now);
        }
    }

    fn steps(&mut self, op: usize, region: &Region, now: Cycle, n: u64) {
        let Some(at) = self.in_window(now, n) else {
            return;
        };
        let Some(l) = self.op_lane[op] else { return };
        let lane_track = self.lanes[l].track;
        self.set_state(lane_track, at, code_of_cause(region.root_cause()));
        for (p, &step) in region.last.iter().enumerate() {
            let t = self.lanes[l].proc_tracks[p];
            self.set_state(t, at, code_of_step(step));
        }
        for (f, fifo) in region.fifos.iter().enumerate() {
            let i = self.lanes[l].fifo_counters[f];
            let c = &mut self.trace.tracks[lane_track].counters[i];
            let len = fifo.len() as u64;
            if c.changes.last().map_or(len != 0, |&(_, v)| v != len) {
                c.changes.push((at, len));
            }
        }
    }
}
