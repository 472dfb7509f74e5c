//! One unit's core loop on its own, fed without gaps and drained without stalls: the figure RTL
//! co-simulation compares a unit's Verilator cycle count with.
//!
//! ```text
//!   (operands always valid) ─► core loop (II, depth) ─► out ─► sink (always ready)
//! ```
//! The frame's regions put readers and writers around a core; here the core runs in the same engine
//! with nothing around it, so the count is the unit's own: issue, II, depth and drain, as in the frame.
//! A Verilator harness that offers a beat every cycle and holds `tready` high must see the same number
//! of clock edges from the first accepted beat to the last delivered result, inclusive.

use crate::engine::{run, Cx, Launch, PipelinedLoop, Process, RegionBuilder, RunOptions, Step};
use crate::memory::ports::PsPorts;
use crate::memory::simple::SimpleChannel;
use crate::Cycle;

/// The output stream's sink: takes every result the cycle it is committed.
struct Sink {
    rx: crate::engine::Rx,
    left: u64,
}

impl Process for Sink {
    fn name(&self) -> &str {
        "sink"
    }

    fn tick(&mut self, _now: Cycle, cx: &mut Cx) -> Step {
        if self.left == 0 {
            return Step::Done;
        }
        match cx.fifo(self.rx.id()).try_pop(1) {
            Ok(()) => {
                self.left -= 1;
                Step::Busy
            }
            Err(_) => Step::Stall(crate::engine::Cause::FifoEmpty(self.rx.id())),
        }
    }

    fn wake_at(&self) -> Option<Cycle> {
        None
    }
}

/// Clock edges from the first issue of `beats` iterations at `ii` and `depth` to the delivery of the
/// last result, inclusive; iteration `i` delivers a result when `emits(i)` (e.g. the last input beat of
/// an output block of the linear tile).
pub fn stream_cycles(
    unit: &'static str,
    beats: u64,
    ii: u32,
    depth: u32,
    emits: impl Fn(u64) -> bool + 'static,
) -> Cycle {
    let results = (0..beats).filter(|&i| emits(i)).count() as u64;
    if beats == 0 {
        return 0;
    }
    let mut b = RegionBuilder::new(unit);
    // Deep enough never to fill: the sink is always ready.
    let (tx, rx) = b.fifo("out", results.clamp(1, u64::from(u32::MAX)) as u32, 32);
    b.core(
        PipelinedLoop::new(unit, beats, ii, depth, move |i, io| {
            if emits(i) {
                io.push(tx, 1);
            }
        }),
        &[],
        &[tx],
    );
    b.process(Sink { rx, left: results }, &[rx], &[]);
    // The core never touches memory; the engine still wants a memory system to hand it.
    let mut mem = PsPorts::new(&[], 128, 1, Box::new(SimpleChannel::new(1.0, 1)));
    let launch = Launch {
        region: b.build(),
        deps: Vec::new(),
    };
    let (cycles, _) = run(vec![launch], &mut mem, RunOptions::default(), None)
        .expect("a core feeding an always-ready sink cannot deadlock");
    // The core completes its last result at cycle c, the stream commits it for the sink at c + 1 and
    // the engine counts to one past that: c + 1 edges from the first issue (cycle 0) inclusive.
    cycles - 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_at_ii_1_takes_its_length_plus_the_depth() {
        assert_eq!(stream_cycles("gelu", 10_000, 1, 6, |_| true), 10_006);
        assert_eq!(stream_cycles("gelu", 1, 1, 6, |_| true), 7);
    }

    #[test]
    fn the_ii_spaces_issues_and_only_the_last_result_counts() {
        // Issues at 0, 3, ..., 3·99; the last result 78 after its issue.
        assert_eq!(
            stream_cycles("finalize_attn", 100, 3, 78, |_| true),
            297 + 78 + 1
        );
        // Results only on every 4th beat (an output block of 4 input beats).
        assert_eq!(stream_cycles("linear", 64, 1, 16, |i| i % 4 == 3), 64 + 16);
    }
}
