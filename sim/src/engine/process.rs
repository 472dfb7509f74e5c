//! A dataflow process: a state machine advanced once per cycle, which either works or names why not.

use super::fifo::{Fifo, FifoId};
use crate::memory::{Memory, PortId};
use crate::Cycle;

/// What a process did this cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// It issued an iteration or moved a beat.
    Busy,
    /// It could not, and this is why.
    Stall(Cause),
    /// It has nothing left to do.
    Done,
}

/// Why a process could not work this cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    /// An input stream had nothing committed.
    FifoEmpty(FifoId),
    /// An output stream had no room.
    FifoFull(FifoId),
    /// The next beat is on its way: the channel's latency.
    MemoryLatency(PortId),
    /// The next beat waits for the channel, busy with other bursts or limited by its bandwidth.
    MemoryBusy(PortId),
    /// The next beat's DRAM burst waits for its bank to open the row (ACT, tRCD).
    RowMiss(PortId),
    /// The next beat's DRAM burst waits for its bank to close another row and open its own (PRE,
    /// tRP, ACT, tRCD).
    RowConflict(PortId),
    /// The next beat's DRAM burst waits for a refresh of its rank (tRFC).
    Refresh(PortId),
    /// The burst waits before the controller: its port queue is full and the interconnect serves
    /// the masters in turn.
    Interconnect(PortId),
    /// The PS port's data path is busy: the master's beat is wider than the port, or the other
    /// masters sharing the port are using it.
    PortWidth(PortId),
    /// The master has its limit of bursts in flight.
    Outstanding(PortId),
    /// The loop's initiation interval has not elapsed (a recurrence, or a port limit HLS reported as II).
    Recurrence,
    /// The pipeline must empty first: the end of a loop, or a loop that is restarted per token.
    Drain,
    /// The unit's core loop has not issued its first iteration yet.
    Fill,
}

/// The coarse kind of a cause: the keys of a report's `stalls`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StallKind {
    /// See [`Cause::FifoEmpty`].
    FifoEmpty,
    /// See [`Cause::FifoFull`].
    FifoFull,
    /// See [`Cause::MemoryLatency`].
    MemoryLatency,
    /// See [`Cause::MemoryBusy`].
    MemoryBusy,
    /// See [`Cause::RowMiss`].
    RowMiss,
    /// See [`Cause::RowConflict`].
    RowConflict,
    /// See [`Cause::Refresh`].
    Refresh,
    /// See [`Cause::Interconnect`].
    Interconnect,
    /// See [`Cause::PortWidth`].
    PortWidth,
    /// See [`Cause::Outstanding`].
    Outstanding,
    /// See [`Cause::Recurrence`].
    Recurrence,
    /// See [`Cause::Drain`].
    Drain,
    /// See [`Cause::Fill`].
    Fill,
}

impl StallKind {
    /// Every kind, in report order.
    pub const ALL: [StallKind; 13] = [
        StallKind::Fill,
        StallKind::Drain,
        StallKind::Recurrence,
        StallKind::FifoEmpty,
        StallKind::FifoFull,
        StallKind::MemoryLatency,
        StallKind::MemoryBusy,
        StallKind::RowMiss,
        StallKind::RowConflict,
        StallKind::Refresh,
        StallKind::Interconnect,
        StallKind::PortWidth,
        StallKind::Outstanding,
    ];

    /// The JSON key.
    pub fn key(self) -> &'static str {
        match self {
            StallKind::FifoEmpty => "fifo_empty",
            StallKind::FifoFull => "fifo_full",
            StallKind::MemoryLatency => "memory_latency",
            StallKind::MemoryBusy => "memory_busy",
            StallKind::RowMiss => "row_miss",
            StallKind::RowConflict => "row_conflict",
            StallKind::Refresh => "refresh",
            StallKind::Interconnect => "interconnect",
            StallKind::PortWidth => "port_width",
            StallKind::Outstanding => "outstanding",
            StallKind::Recurrence => "recurrence",
            StallKind::Drain => "drain",
            StallKind::Fill => "fill",
        }
    }
}

impl StallKind {
    /// Its index in [`StallKind::ALL`].
    pub fn index(self) -> usize {
        match self {
            StallKind::Fill => 0,
            StallKind::Drain => 1,
            StallKind::Recurrence => 2,
            StallKind::FifoEmpty => 3,
            StallKind::FifoFull => 4,
            StallKind::MemoryLatency => 5,
            StallKind::MemoryBusy => 6,
            StallKind::RowMiss => 7,
            StallKind::RowConflict => 8,
            StallKind::Refresh => 9,
            StallKind::Interconnect => 10,
            StallKind::PortWidth => 11,
            StallKind::Outstanding => 12,
        }
    }
}

impl Cause {
    /// The master it stalls, for a memory cause.
    pub fn port(self) -> Option<PortId> {
        match self {
            Cause::MemoryLatency(p)
            | Cause::MemoryBusy(p)
            | Cause::RowMiss(p)
            | Cause::RowConflict(p)
            | Cause::Refresh(p)
            | Cause::Interconnect(p)
            | Cause::PortWidth(p)
            | Cause::Outstanding(p) => Some(p),
            _ => None,
        }
    }

    /// Its kind.
    pub fn kind(self) -> StallKind {
        match self {
            Cause::FifoEmpty(_) => StallKind::FifoEmpty,
            Cause::FifoFull(_) => StallKind::FifoFull,
            Cause::MemoryLatency(_) => StallKind::MemoryLatency,
            Cause::MemoryBusy(_) => StallKind::MemoryBusy,
            Cause::RowMiss(_) => StallKind::RowMiss,
            Cause::RowConflict(_) => StallKind::RowConflict,
            Cause::Refresh(_) => StallKind::Refresh,
            Cause::Interconnect(_) => StallKind::Interconnect,
            Cause::PortWidth(_) => StallKind::PortWidth,
            Cause::Outstanding(_) => StallKind::Outstanding,
            Cause::Recurrence => StallKind::Recurrence,
            Cause::Drain => StallKind::Drain,
            Cause::Fill => StallKind::Fill,
        }
    }
}

/// What a process may touch while it ticks.
pub struct Cx<'a> {
    /// The region's streams.
    pub fifos: &'a mut [Fifo],
    /// The memory system.
    pub mem: &'a mut dyn Memory,
    /// Set by a process that changed its state without pushing or popping (e.g. it issued a burst), so
    /// the engine does not jump over the next cycle.
    pub moved: bool,
}

impl Cx<'_> {
    /// The FIFO behind an id.
    #[inline]
    pub fn fifo(&mut self, id: FifoId) -> &mut Fifo {
        &mut self.fifos[id.0 as usize]
    }
}

/// A dataflow process.
///
/// `tick` must be a function of the process's state, `now` and what it sees: a stalled process that is
/// ticked again with nothing changed must stall again for the same cause. That is what lets the engine
/// jump over cycles in which nothing moves.
pub trait Process {
    /// The HLS process name (`read_kv`, `compute`, …).
    fn name(&self) -> &str;
    /// Advances one cycle.
    fn tick(&mut self, now: Cycle, cx: &mut Cx) -> Step;
    /// While stalled: the first cycle at which it could proceed without any FIFO changing (a beat
    /// landing, an II elapsing, a pipeline emptying). `None` if only another process can release it.
    fn wake_at(&self) -> Option<Cycle>;
    /// Iterations issued so far (loops), or beats moved (masters).
    fn issued(&self) -> u64 {
        0
    }
    /// Bytes this process moved through a master: (port, read, written). Masters only.
    fn traffic(&self) -> Option<(PortId, u64, u64)> {
        None
    }
}
