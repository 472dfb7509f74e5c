//! The cycle loop: launches invocations when their dependencies allow, ticks every live process, and
//! charges each cycle to exactly one invocation.
//!
//! Each cycle belongs to the foreground invocation: the earliest in program order among those running.
//! Work hidden behind it (an overlapped weight load) is counted as hidden, not charged, so the charged
//! cycles of all invocations add up to the frame's cycles. Within the foreground invocation a cycle is
//! charged to what its core process did, or to the root cause of its stall.
//!
//! When a whole cycle passes with nothing moving, the next cycles would repeat it until some timer
//! expires (a beat lands, an II elapses); the engine jumps there at once and charges the skipped cycles
//! as the repeated cycle was charged. Jumping never changes a count; a test runs both ways.

use super::process::{Cause, Cx, Step};
use super::region::{Attribution, ProcessStats, Region};
use crate::memory::Memory;
use crate::Cycle;

/// When an invocation may start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dep {
    /// After that invocation has finished.
    Ended(usize),
    /// Once that invocation has started (running beside it).
    Started(usize),
}

/// An invocation waiting to run.
pub struct Launch {
    /// Its processes.
    pub region: Region,
    /// What must happen first.
    pub deps: Vec<Dep>,
}

/// How one invocation went.
#[derive(Clone, Debug, Default)]
pub struct OpTiming {
    /// The unit's golden name.
    pub unit: &'static str,
    /// First cycle.
    pub start: Cycle,
    /// One past the last cycle.
    pub end: Cycle,
    /// Cycles charged to it (foreground).
    pub charged: Attribution,
    /// Cycles it ran behind another invocation.
    pub hidden: u64,
    /// Iterations its core issued.
    pub iterations: u64,
    /// Per-process counters.
    pub processes: Vec<ProcessStats>,
    /// Stream names, to name the FIFOs in causes.
    pub fifo_names: Vec<String>,
    /// Bytes per master: (port, read, written).
    pub traffic: Vec<(crate::memory::PortId, u64, u64)>,
}

/// The engine cannot go on: every live process waits for another (a bug in a unit model).
#[derive(Clone, Debug, thiserror::Error)]
#[error("deadlock at cycle {cycle}: {detail}")]
pub struct Deadlock {
    /// When.
    pub cycle: Cycle,
    /// Who waits for what.
    pub detail: String,
}

/// Engine options.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// Jump over cycles in which nothing moves.
    pub jump: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { jump: true }
    }
}

/// Receives what happens, for traces.
pub trait Observer {
    /// Invocation `op` starts at `now`.
    fn op_started(&mut self, op: usize, region: &Region, now: Cycle);
    /// Invocation `op` ends at `now` (exclusive).
    fn op_ended(&mut self, op: usize, region: &Region, now: Cycle);
    /// The steps of `op`'s processes from `now` for `n` cycles.
    fn steps(&mut self, op: usize, region: &Region, now: Cycle, n: u64);
}

/// Runs every invocation to completion; returns the cycle count and each invocation's timing.
pub fn run(
    mut launches: Vec<Launch>,
    mem: &mut dyn Memory,
    opts: RunOptions,
    mut observer: Option<&mut dyn Observer>,
) -> Result<(Cycle, Vec<OpTiming>), Deadlock> {
    let n = launches.len();
    let mut timing: Vec<OpTiming> = launches
        .iter()
        .map(|l| OpTiming {
            unit: l.region.unit,
            fifo_names: l
                .region
                .fifos
                .iter()
                .map(|f| f.name().to_string())
                .collect(),
            ..Default::default()
        })
        .collect();
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Waiting,
        Running,
        Ended,
    }
    let mut state = vec![State::Waiting; n];
    let mut active: Vec<usize> = Vec::new();
    let mut next_waiting = 0usize;
    let mut now: Cycle = 0;
    let mut ended = 0usize;
    // Dependencies can only become true when an invocation starts or ends.
    let mut dirty = true;
    while ended < n {
        // Launch, in program order, what may start.
        let mut launched = false;
        for i in (next_waiting..n).take_while(|_| dirty) {
            if state[i] != State::Waiting {
                continue;
            }
            let ready = launches[i].deps.iter().all(|d| match *d {
                Dep::Ended(j) => state[j] == State::Ended,
                Dep::Started(j) => state[j] != State::Waiting,
            });
            if ready {
                state[i] = State::Running;
                timing[i].start = now;
                active.push(i);
                launched = true;
                if let Some(o) = observer.as_deref_mut() {
                    o.op_started(i, &launches[i].region, now);
                }
            }
        }
        dirty = launched;
        while next_waiting < n && state[next_waiting] != State::Waiting {
            next_waiting += 1;
        }
        if launched {
            active.sort_unstable();
        }
        if active.is_empty() {
            return Err(Deadlock {
                cycle: now,
                detail: format!(
                    "invocation {next_waiting} waits for an invocation that never starts"
                ),
            });
        }

        // The memory system catches up, then the processes tick.
        mem.advance(now);
        let mut moved = false;
        for &i in &active {
            let r = &mut launches[i].region;
            r.prev.copy_from_slice(&r.last);
            let mut cx = Cx {
                fifos: &mut r.fifos,
                mem: &mut *mem,
                moved: false,
            };
            for (p, proc_) in r.procs.iter_mut().enumerate() {
                if r.last[p] == Step::Done {
                    continue;
                }
                let step = proc_.tick(now, &mut cx);
                match step {
                    Step::Busy => {
                        moved = true;
                        if p == r.core {
                            r.core_started = true;
                        }
                    }
                    Step::Done => {
                        moved = true;
                        r.live -= 1;
                    }
                    Step::Stall(_) => {}
                }
                r.last[p] = step;
            }
            moved |= cx.moved;
            for f in r.fifos.iter_mut() {
                moved |= f.commit();
            }
        }

        // How long this cycle's picture lasts.
        let mut span = 1u64;
        if opts.jump && !moved {
            let mut wake: Option<Cycle> = mem.wake_at();
            for &i in &active {
                let r = &launches[i].region;
                for (p, proc_) in r.procs.iter().enumerate() {
                    if r.last[p] != Step::Done {
                        if let Some(w) = proc_.wake_at() {
                            wake = Some(wake.map_or(w, |x: Cycle| x.min(w)));
                        }
                    }
                }
            }
            match wake {
                Some(w) if w > now + 1 => span = w - now,
                Some(_) => {}
                None => return Err(deadlock(now, &active, &launches)),
            }
        }

        // Charge.
        let fg = active[0];
        for &i in &active {
            let r = &mut launches[i].region;
            if i == fg {
                let cause = r.root_cause();
                timing[i].charged.add(cause, span);
            } else {
                timing[i].hidden += span;
            }
            for (p, st) in r.stats.iter_mut().enumerate() {
                match r.last[p] {
                    Step::Busy => st.busy += span,
                    Step::Stall(c) => st.stalls[c.kind().index()] += span,
                    Step::Done => st.done += span,
                }
            }
            if let Some(o) = observer.as_deref_mut() {
                o.steps(i, r, now, span);
            }
        }
        now += span;

        // Retire finished invocations.
        let mut k = 0;
        while k < active.len() {
            let i = active[k];
            if launches[i].region.live == 0 {
                let r = &mut launches[i].region;
                timing[i].end = now;
                timing[i].iterations = r.procs[r.core].issued();
                for (port, rd, wr) in r.procs.iter().filter_map(|p| p.traffic()) {
                    match timing[i].traffic.iter_mut().find(|t| t.0 == port) {
                        Some(t) => {
                            t.1 += rd;
                            t.2 += wr;
                        }
                        None => timing[i].traffic.push((port, rd, wr)),
                    }
                }
                timing[i].traffic.sort_unstable();
                timing[i].processes = std::mem::take(&mut r.stats);
                state[i] = State::Ended;
                ended += 1;
                dirty = true;
                if let Some(o) = observer.as_deref_mut() {
                    o.op_ended(i, &launches[i].region, now);
                }
                active.remove(k);
            } else {
                k += 1;
            }
        }
    }
    Ok((now, timing))
}

fn deadlock(now: Cycle, active: &[usize], launches: &[Launch]) -> Deadlock {
    let mut parts = Vec::new();
    for &i in active {
        let r = &launches[i].region;
        for (p, proc_) in r.procs.iter().enumerate() {
            if let Step::Stall(c) = r.last[p] {
                let what = match c {
                    Cause::FifoEmpty(f) => format!("empty {}", r.fifo_name(f)),
                    Cause::FifoFull(f) => format!("full {}", r.fifo_name(f)),
                    other => format!("{other:?}"),
                };
                parts.push(format!("{}/{}: {what}", r.unit, proc_.name()));
            }
        }
    }
    Deadlock {
        cycle: now,
        detail: parts.join("; "),
    }
}
