//! A pipelined HLS loop: one iteration issued per II cycles, its results `depth` cycles later.
//!
//! ```text
//!   pops (at issue) ─► [ depth stages ] ─► pushes (at issue + depth)
//! ```
//! The body says, per iteration index, what the iteration pops and pushes, and optionally that it must
//! wait for the pipeline to empty first (a loop restarted per token, or the next phase of a sequence of
//! loops), its own II, or its own depth. As in an HLS pipeline without flushing, an iteration that
//! reaches its write stage while the stream is full freezes every stage: nothing issues or completes
//! until the stream has room, and everything in flight completes that much later.

use std::collections::VecDeque;

use super::fifo::{Rx, Tx};
use super::process::{Cause, Cx, Process, Step};
use crate::Cycle;

const MAX_IO: usize = 4;

/// What one iteration does.
#[derive(Clone, Copy, Debug)]
pub struct Io {
    pops: [(Option<Rx>, u32); MAX_IO],
    pushes: [(Option<Tx>, u32); MAX_IO],
    barrier: bool,
    ii: Option<u32>,
    depth: Option<u32>,
}

impl Default for Io {
    fn default() -> Self {
        Io {
            pops: [(None, 0); MAX_IO],
            pushes: [(None, 0); MAX_IO],
            barrier: false,
            ii: None,
            depth: None,
        }
    }
}

impl Io {
    /// Takes `n` entries of `rx` at issue.
    pub fn pop(&mut self, rx: Rx, n: u32) {
        let slot = self.pops.iter_mut().find(|(r, _)| r.is_none());
        *slot.expect("at most 4 inputs per iteration") = (Some(rx), n);
    }
    /// Puts `n` entries into `tx` when the iteration completes.
    pub fn push(&mut self, tx: Tx, n: u32) {
        let slot = self.pushes.iter_mut().find(|(t, _)| t.is_none());
        *slot.expect("at most 4 outputs per iteration") = (Some(tx), n);
    }
    /// Waits until every earlier iteration has completed.
    pub fn barrier(&mut self) {
        self.barrier = true;
    }
    /// The interval to the next issue, if not the loop's.
    pub fn ii(&mut self, ii: u32) {
        self.ii = Some(ii);
    }
    /// This iteration's depth, if not the loop's.
    pub fn depth(&mut self, depth: u32) {
        self.depth = Some(depth);
    }
}

/// The loop.
pub struct PipelinedLoop<F> {
    name: &'static str,
    trips: u64,
    ii: u32,
    depth: u32,
    body: F,
    i: u64,
    next_issue: Cycle,
    last_done: Cycle,
    cur: Option<Io>,
    in_flight: VecDeque<(Cycle, Io)>,
    /// Cycles the pipeline has spent frozen so far: in-flight completion times are shifted by it.
    delay: Cycle,
    frozen_since: Option<Cycle>,
    wake: Option<Cycle>,
}

impl<F: FnMut(u64, &mut Io)> PipelinedLoop<F> {
    /// `trips` iterations at `ii` (≥ 1) with `depth`.
    pub fn new(name: &'static str, trips: u64, ii: u32, depth: u32, body: F) -> Self {
        PipelinedLoop {
            name,
            trips,
            ii: ii.max(1),
            depth,
            body,
            i: 0,
            next_issue: 0,
            last_done: 0,
            cur: None,
            in_flight: VecDeque::new(),
            delay: 0,
            frozen_since: None,
            wake: None,
        }
    }

    /// Stalls for `cause`; wakes at `at` or when the oldest iteration in flight completes, if sooner.
    fn stall(&mut self, cause: Cause, at: Option<Cycle>) -> Step {
        let retire = self.in_flight.front().map(|f| f.0 + self.delay);
        self.wake = match (at, retire) {
            (Some(a), Some(r)) => Some(a.min(r)),
            (a, r) => a.or(r),
        };
        Step::Stall(cause)
    }
}

impl<F: FnMut(u64, &mut Io)> Process for PipelinedLoop<F> {
    fn name(&self) -> &str {
        self.name
    }

    fn tick(&mut self, now: Cycle, cx: &mut Cx) -> Step {
        self.wake = None;
        while let Some(&(done, io)) = self.in_flight.front() {
            if done + self.delay > now {
                break;
            }
            let pushes = || io.pushes.iter().filter_map(|&(t, n)| t.map(|t| (t, n)));
            if let Some((tx, _)) = pushes().find(|&(t, n)| !cx.fifo(t.id()).can_push(n)) {
                self.frozen_since.get_or_insert(now);
                self.wake = None;
                return Step::Stall(Cause::FifoFull(tx.id()));
            }
            if let Some(since) = self.frozen_since.take() {
                self.delay += now - since;
            }
            for (tx, n) in pushes() {
                let _ = cx.fifo(tx.id()).try_push(n);
            }
            self.in_flight.pop_front();
        }
        if self.i == self.trips {
            if self.last_done + self.delay > now {
                return self.stall(Cause::Drain, Some(self.last_done + self.delay));
            }
            return Step::Done;
        }
        if now < self.next_issue {
            return self.stall(Cause::Recurrence, Some(self.next_issue));
        }
        let io = match self.cur {
            Some(io) => io,
            None => {
                let mut io = Io::default();
                (self.body)(self.i, &mut io);
                self.cur = Some(io);
                io
            }
        };
        if io.barrier && self.last_done + self.delay > now {
            return self.stall(Cause::Drain, Some(self.last_done + self.delay));
        }
        for (rx, n) in io.pops.iter().filter_map(|&(r, n)| r.map(|r| (r, n))) {
            if !cx.fifo(rx.id()).can_pop(n) {
                return self.stall(Cause::FifoEmpty(rx.id()), None);
            }
        }
        for (rx, n) in io.pops.iter().filter_map(|&(r, n)| r.map(|r| (r, n))) {
            let _ = cx.fifo(rx.id()).try_pop(n);
        }
        // Stored without the current delay: a later freeze shifts it like every other in flight.
        let done = now + io.depth.unwrap_or(self.depth).max(1) as u64 - self.delay;
        if io.pushes.iter().any(|(t, _)| t.is_some()) {
            self.in_flight.push_back((done, io));
        }
        self.last_done = self.last_done.max(done);
        self.next_issue = now + io.ii.unwrap_or(self.ii).max(1) as u64;
        self.i += 1;
        self.cur = None;
        Step::Busy
    }

    fn wake_at(&self) -> Option<Cycle> {
        self.wake
    }

    fn issued(&self) -> u64 {
        self.i
    }
}
