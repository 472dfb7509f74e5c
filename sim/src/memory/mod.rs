//! The memory system as the processes see it: named DDR regions reached through AXI masters.
//!
//! ```text
//!   ReadMaster / WriteMaster ──► PsPorts (width conversion, shared data paths, arbitration) ──► dyn Channel (DRAM)
//! ```
//! [`Memory`] is what a process calls; [`Channel`] is what a DRAM model implements. A master starts a
//! burst and gets a [`Ticket`]; the memory system runs beside the processes ([`Memory::advance`] each
//! cycle) and fills in when each beat lands, so a channel may reorder, queue and refuse requests as a
//! real controller does. A channel that knows its answer at once (the simple one) gives it at once.

pub mod axi;
pub mod dram;
pub mod layout;
pub mod ports;
pub mod simple;
pub mod traffic;

use golden::model::config::ConfigIssue;
use hw::memory::{MemoryConfig, MemoryModel};

use crate::engine::Cause;
use crate::Cycle;

/// Sub-cycle ticks per cycle: channels whose bandwidth is not a whole number of bytes per cycle keep
/// their time in these units, so rounding never accumulates.
pub const SUB: u64 = 1024;

/// One AXI master (bundle).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortId(pub u8);

/// A burst in flight: a read's beats or a write's response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket(pub(crate) u32);

/// When a read beat reaches its master (or a write's response), and what decided it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Landing {
    /// The cycle from which the master may use it.
    pub at: Cycle,
    /// The stall a master waiting for it is in.
    pub cause: Cause,
}

/// Where a beat is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeatState {
    /// Its landing cycle is known (it may be in the future).
    Known(Landing),
    /// The memory system has not served it yet; the master waits for this reason.
    Pending(Cause),
}

/// Bytes moved per master.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortStats {
    /// The bundle's name.
    pub name: String,
    /// Bytes read.
    pub read: u64,
    /// Bytes written.
    pub written: u64,
    /// Read bursts.
    pub read_bursts: u64,
    /// Write bursts.
    pub write_bursts: u64,
}

/// What processes call.
pub trait Memory {
    /// Runs the memory system up to the start of cycle `now`; called before the processes tick.
    fn advance(&mut self, now: Cycle);
    /// The next cycle at which [`advance`](Memory::advance) will change something a master can see;
    /// `None` when nothing is pending.
    fn wake_at(&self) -> Option<Cycle>;
    /// Starts a read burst of `beats` beats of `beat_bytes` at `addr`.
    fn read(&mut self, now: Cycle, port: PortId, addr: u64, beats: u32, beat_bytes: u32) -> Ticket;
    /// Beat `k` of read burst `t`.
    fn beat(&self, t: Ticket, k: u32) -> BeatState;
    /// The master is done with burst `t` (every beat taken, or the write response seen).
    fn release(&mut self, t: Ticket);
    /// The first cycle at which `port` can take another write beat, asked at `now` by a master with a
    /// beat to send. A master told to wait is served before the others sharing its PS port, so the
    /// answer depends on who asked before.
    fn write_ready(&mut self, now: Cycle, port: PortId) -> Cycle;
    /// Sends one write beat at `now ≥ write_ready(now, port)`.
    fn write_beat(&mut self, now: Cycle, port: PortId, beat_bytes: u32);
    /// The burst of `beats` at `addr` has all its data sent; its response is [`beat`](Memory::beat)
    /// 0 of the returned ticket.
    fn write_burst(
        &mut self,
        now: Cycle,
        port: PortId,
        addr: u64,
        beats: u32,
        beat_bytes: u32,
    ) -> Ticket;
    /// Traffic so far.
    fn port_stats(&self) -> &[PortStats];
}

/// A request as a channel sees it: one AXI burst after the PS port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// Chosen by the caller, echoed in [`Served`].
    pub id: u32,
    /// Byte address.
    pub addr: u64,
    /// Beats of `beat_bytes`.
    pub beats: u32,
    /// Bytes per beat.
    pub beat_bytes: u32,
    /// A write (data already sent).
    pub write: bool,
    /// Sub-cycle at which it reaches the channel.
    pub at: u64,
}

/// What a request waits for inside the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemWait {
    /// Its data is on its way: the channel's latency.
    Latency,
    /// The channel is busy with other requests, or limited by its bandwidth.
    Busy,
    /// Its bank must open its row.
    RowMiss,
    /// Its bank must close another row first.
    RowConflict,
    /// Its rank is refreshing.
    Refresh,
}

impl From<::dram::Wait> for MemWait {
    fn from(w: ::dram::Wait) -> Self {
        match w {
            ::dram::Wait::Queued => MemWait::Busy,
            ::dram::Wait::RowMiss => MemWait::RowMiss,
            ::dram::Wait::RowConflict => MemWait::RowConflict,
            ::dram::Wait::Refresh => MemWait::Refresh,
            // A power-down exit (tXP, after tCKE in power-down) is access latency an idle
            // channel adds: charged as latency rather than a new stall kind.
            ::dram::Wait::PowerDown => MemWait::Latency,
        }
    }
}

impl MemWait {
    /// The stall of a master on `port` waiting for it.
    pub fn cause(self, port: PortId) -> Cause {
        match self {
            MemWait::Latency => Cause::MemoryLatency(port),
            MemWait::Busy => Cause::MemoryBusy(port),
            MemWait::RowMiss => Cause::RowMiss(port),
            MemWait::RowConflict => Cause::RowConflict(port),
            MemWait::Refresh => Cause::Refresh(port),
        }
    }
}

/// A beat that has crossed the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Served {
    /// The request.
    pub id: u32,
    /// Which beat (a write reports only its last, as its response).
    pub beat: u32,
    /// Sub-cycle at which its data is back at the port (read) or the write is accepted (write).
    pub at: u64,
    /// What it waited for, for the master's stall.
    pub wait: MemWait,
}

/// A DRAM channel behind the PS ports.
pub trait Channel {
    /// Offers `req`; false if the controller has no room (the port holds it and offers it again).
    /// A channel that can tell at once when the beats cross pushes them to `served` now.
    fn offer(&mut self, req: Request, served: &mut Vec<Served>) -> bool;
    /// Runs to sub-cycle `until` (exclusive), pushing what was served.
    fn advance(&mut self, until: u64, served: &mut Vec<Served>);
    /// The next sub-cycle at which `advance` would serve or accept something; `None` when idle.
    fn next_event(&self) -> Option<u64>;
    /// Why request `id` is not served yet, for the master waiting on it. The answer may change
    /// only when the channel handles an event, so a master that sleeps until the next one keeps
    /// the right cause.
    fn waiting(&self, id: u32) -> MemWait;
    /// Its name for reports.
    fn name(&self) -> String;
    /// The bank-level controllers behind it (one per channel), for their counters and command
    /// traces; none for a channel without banks.
    fn controllers(&self) -> &[::dram::Controller] {
        &[]
    }
}

/// The channel model `m` describes, seen from an accelerator clocked at `pl_mhz`; `record` keeps
/// the DRAM command trace.
pub fn channel(
    m: &MemoryConfig,
    pl_mhz: f64,
    record: bool,
) -> Result<Box<dyn Channel>, ConfigIssue> {
    Ok(match m.model {
        MemoryModel::Simple => Box::new(simple::SimpleChannel::new(
            m.bandwidth_gb_s * 1e9 / (pl_mhz * 1e6),
            m.latency_cycles,
        )),
        MemoryModel::Dram => {
            let mut cfg = m.dram()?;
            cfg.record_commands = record;
            let ctrls = (0..m.channels.max(1))
                .map(|_| ::dram::Controller::new(&cfg))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ConfigIssue::new("memory", e.to_string()))?;
            let name = match m.channels {
                0 | 1 => m.preset.clone(),
                n => format!("{n} x {}", m.preset),
            };
            Box::new(dram::DramChannel::interleaved(
                ctrls,
                m.interleave_bytes,
                name,
                pl_mhz,
                m.request_latency_ns,
                m.return_latency_ns,
                m.port_queue,
            )?)
        }
    })
}
