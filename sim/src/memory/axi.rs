//! AXI masters: the `m_axi` read and write adapters HLS puts in front of every pointer argument (§11).
//!
//! ```text
//!   ReadMaster:  segments ─► bursts (≤ max_burst beats, never across 4 KiB, ≤ outstanding) ─► beats ─► Tx
//!   WriteMaster: Rx ─► beats ─► PS port data path (beat / port width cycles each) ─► bursts ─► responses
//! ```
//! The PS ports and the channel behind them are [`super::ports`].

use std::collections::VecDeque;

use super::{BeatState, Memory, PortId, Ticket};
use crate::engine::{Cause, Cx, Process, Rx, Step, Tx};
use crate::Cycle;

/// AXI never lets a burst cross a 4 KiB boundary.
const AXI_BOUNDARY: u64 = 4096;

/// A run of consecutive beats at one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Byte address of the first beat.
    pub addr: u64,
    /// Beats.
    pub beats: u32,
}

/// The master's limits.
#[derive(Clone, Copy, Debug)]
pub struct MasterLimits {
    /// Longest burst in beats.
    pub max_burst: u32,
    /// Bursts in flight.
    pub max_outstanding: u32,
    /// Landed beats a read master may hold before its loop takes them.
    pub buffer: u32,
}

/// Where a master is in its list of segments.
#[derive(Clone, Copy, Debug, Default)]
struct Cursor {
    seg: usize,
    off: u32,
}

impl Cursor {
    fn at_start(&self) -> bool {
        self.off == 0
    }
    fn advance(&mut self, segs: &[Segment], n: u32) {
        self.off += n;
        if self.off >= segs[self.seg].beats {
            self.seg += 1;
            self.off = 0;
        }
    }
    fn done(&self, segs: &[Segment]) -> bool {
        self.seg >= segs.len()
    }
    /// Beats in the next burst from here.
    fn burst(&self, segs: &[Segment], beat_bytes: u32, max_burst: u32) -> (u64, u32) {
        let s = segs[self.seg];
        let addr = s.addr + self.off as u64 * beat_bytes as u64;
        let to_boundary = ((AXI_BOUNDARY - addr % AXI_BOUNDARY) / beat_bytes as u64).max(1);
        let n = (s.beats - self.off)
            .min(max_burst)
            .min(to_boundary.min(u32::MAX as u64) as u32);
        (addr, n)
    }
}

/// Pops the bursts at the front of `queue` whose watched beat (a read's last, a write's response) has
/// landed by `now`, passing each ticket to `done`; returns when the next one lands, if known yet.
/// Bursts complete in order per port, so the front is the only one to look at.
fn retire(
    queue: &mut VecDeque<(Ticket, u32)>,
    now: Cycle,
    mem: &mut dyn Memory,
    mut done: impl FnMut(&mut dyn Memory, Ticket),
) -> Option<Cycle> {
    while let Some(&(t, beat)) = queue.front() {
        match mem.beat(t, beat) {
            BeatState::Known(l) if l.at <= now => {
                queue.pop_front();
                done(mem, t);
            }
            BeatState::Known(l) => return Some(l.at),
            BeatState::Pending(_) => return None,
        }
    }
    None
}

fn drop_empty(segs: Vec<Segment>) -> Vec<Segment> {
    segs.into_iter().filter(|s| s.beats > 0).collect()
}

/// An `m_axi` read adapter plus the loop that takes its beats: one beat per cycle into `out`, one entry
/// per `beats_per_item` beats (two 256-bit beats make the linear unit's 512-bit input).
pub struct ReadMaster {
    name: &'static str,
    port: PortId,
    beat_bytes: u32,
    segs: Vec<Segment>,
    issue: Cursor,
    hand: Cursor,
    limits: MasterLimits,
    out: Tx,
    beats_per_item: u32,
    part: u32,
    /// One entry per segment, pushed with its first beat (the token index of a gathering reader).
    side: Option<Tx>,
    /// Bursts with beats not yet handed on, oldest first, with their beat counts.
    bursts: VecDeque<(Ticket, u32)>,
    /// The next beat to hand on, in the front burst.
    next_beat: u32,
    /// Beats asked for and not yet handed on (bounded by the adapter's buffer).
    held: u32,
    /// Bursts whose last beat (the index kept beside it) has not landed: what AXI counts as outstanding.
    in_flight: VecDeque<(Ticket, u32)>,
    handed: u64,
    wake: Option<Cycle>,
}

impl ReadMaster {
    /// A reader of `segs` on `port`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: &'static str,
        port: PortId,
        beat_bytes: u32,
        segs: Vec<Segment>,
        limits: MasterLimits,
        out: Tx,
        beats_per_item: u32,
        side: Option<Tx>,
    ) -> Self {
        ReadMaster {
            name,
            port,
            beat_bytes,
            segs: drop_empty(segs),
            issue: Cursor::default(),
            hand: Cursor::default(),
            limits,
            out,
            beats_per_item: beats_per_item.max(1),
            part: 0,
            side,
            bursts: VecDeque::new(),
            next_beat: 0,
            held: 0,
            in_flight: VecDeque::new(),
            handed: 0,
            wake: None,
        }
    }
}

impl Process for ReadMaster {
    fn name(&self) -> &str {
        self.name
    }

    fn tick(&mut self, now: Cycle, cx: &mut Cx) -> Step {
        self.wake = None;
        let in_flight_until = retire(&mut self.in_flight, now, cx.mem, |_, _| {});
        if !self.issue.done(&self.segs) {
            let (addr, n) = self
                .issue
                .burst(&self.segs, self.beat_bytes, self.limits.max_burst);
            let room = self.held + n <= self.limits.buffer.max(n);
            if (self.in_flight.len() as u32) < self.limits.max_outstanding && room {
                let t = cx.mem.read(now, self.port, addr, n, self.beat_bytes);
                self.bursts.push_back((t, n));
                self.in_flight.push_back((t, n - 1));
                self.held += n;
                self.issue.advance(&self.segs, n);
                cx.moved = true;
            } else if room {
                self.wake = in_flight_until;
            }
        }
        let Some(&(front, front_beats)) = self.bursts.front() else {
            return if self.issue.done(&self.segs) {
                Step::Done
            } else {
                Step::Stall(Cause::Outstanding(self.port))
            };
        };
        match cx.mem.beat(front, self.next_beat) {
            BeatState::Known(l) if l.at <= now => {}
            BeatState::Known(l) => {
                self.wake = Some(self.wake.map_or(l.at, |w| w.min(l.at)));
                return Step::Stall(l.cause);
            }
            BeatState::Pending(cause) => return Step::Stall(cause),
        }
        let completes = self.part + 1 == self.beats_per_item;
        if completes && !cx.fifo(self.out.id()).can_push(1) {
            return Step::Stall(Cause::FifoFull(self.out.id()));
        }
        let first = self.hand.at_start();
        if let (true, Some(side)) = (first, self.side) {
            if cx.fifo(side.id()).try_push(1).is_err() {
                return Step::Stall(Cause::FifoFull(side.id()));
            }
        }
        if completes {
            let _ = cx.fifo(self.out.id()).try_push(1);
            self.part = 0;
        } else {
            self.part += 1;
        }
        self.next_beat += 1;
        self.held -= 1;
        if self.next_beat == front_beats {
            self.bursts.pop_front();
            self.next_beat = 0;
            // Its last beat has landed, so it has left `in_flight` already.
            cx.mem.release(front);
        }
        self.hand.advance(&self.segs, 1);
        self.handed += 1;
        Step::Busy
    }

    fn wake_at(&self) -> Option<Cycle> {
        self.wake
    }

    fn issued(&self) -> u64 {
        self.handed
    }

    fn traffic(&self) -> Option<(PortId, u64, u64)> {
        Some((self.port, self.handed * self.beat_bytes as u64, 0))
    }
}

/// An `m_axi` write adapter plus the loop that feeds it: one beat per cycle from `input` (one entry per
/// `beats_per_item` beats), as the PS port allows.
pub struct WriteMaster {
    name: &'static str,
    port: PortId,
    beat_bytes: u32,
    segs: Vec<Segment>,
    cur: Cursor,
    limits: MasterLimits,
    input: Rx,
    beats_per_item: u32,
    part: u32,
    /// One entry per segment, taken with its first beat (the token index of a scattering writer).
    side: Option<Rx>,
    burst_left: u32,
    burst_addr: u64,
    burst_beats: u32,
    /// Bursts awaiting their response (beat 0 of the ticket).
    responses: VecDeque<(Ticket, u32)>,
    sent: u64,
    wake: Option<Cycle>,
}

impl WriteMaster {
    /// A writer of `segs` on `port`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: &'static str,
        port: PortId,
        beat_bytes: u32,
        segs: Vec<Segment>,
        limits: MasterLimits,
        input: Rx,
        beats_per_item: u32,
        side: Option<Rx>,
    ) -> Self {
        WriteMaster {
            name,
            port,
            beat_bytes,
            segs: drop_empty(segs),
            cur: Cursor::default(),
            limits,
            input,
            beats_per_item: beats_per_item.max(1),
            part: 0,
            side,
            burst_left: 0,
            burst_addr: 0,
            burst_beats: 0,
            responses: VecDeque::new(),
            sent: 0,
            wake: None,
        }
    }
}

impl Process for WriteMaster {
    fn name(&self) -> &str {
        self.name
    }

    fn tick(&mut self, now: Cycle, cx: &mut Cx) -> Step {
        self.wake = None;
        let response_at = retire(&mut self.responses, now, cx.mem, |mem, t| mem.release(t));
        if self.cur.done(&self.segs) {
            return if self.responses.is_empty() {
                Step::Done
            } else {
                self.wake = response_at;
                Step::Stall(Cause::Drain)
            };
        }
        if self.part == 0 && !cx.fifo(self.input.id()).can_pop(1) {
            return Step::Stall(Cause::FifoEmpty(self.input.id()));
        }
        let first = self.cur.at_start();
        if let (true, Some(side)) = (first, self.side) {
            if !cx.fifo(side.id()).can_pop(1) {
                return Step::Stall(Cause::FifoEmpty(side.id()));
            }
        }
        let ready = cx.mem.write_ready(now, self.port);
        if ready > now {
            self.wake = Some(ready);
            return Step::Stall(Cause::PortWidth(self.port));
        }
        if self.burst_left == 0 {
            if self.responses.len() as u32 >= self.limits.max_outstanding {
                self.wake = response_at;
                return Step::Stall(Cause::Outstanding(self.port));
            }
            let (addr, n) = self
                .cur
                .burst(&self.segs, self.beat_bytes, self.limits.max_burst);
            self.burst_addr = addr;
            self.burst_beats = n;
            self.burst_left = n;
        }
        if self.part == 0 {
            let _ = cx.fifo(self.input.id()).try_pop(1);
        }
        self.part = (self.part + 1) % self.beats_per_item;
        if let (true, Some(side)) = (first, self.side) {
            let _ = cx.fifo(side.id()).try_pop(1);
        }
        cx.mem.write_beat(now, self.port, self.beat_bytes);
        self.cur.advance(&self.segs, 1);
        self.sent += 1;
        self.burst_left -= 1;
        if self.burst_left == 0 {
            let t = cx.mem.write_burst(
                now,
                self.port,
                self.burst_addr,
                self.burst_beats,
                self.beat_bytes,
            );
            self.responses.push_back((t, 0));
        }
        Step::Busy
    }

    fn wake_at(&self) -> Option<Cycle> {
        self.wake
    }

    fn issued(&self) -> u64 {
        self.sent
    }

    fn traffic(&self) -> Option<(PortId, u64, u64)> {
        Some((self.port, 0, self.sent * self.beat_bytes as u64))
    }
}
