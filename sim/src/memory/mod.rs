//! The memory system as the processes see it: named DDR regions reached through AXI masters.
//!
//! ```text
//!   ReadMaster / WriteMaster ──► AxiPorts (width conversion, per-port data paths) ──► dyn Channel (DRAM)
//! ```
//! [`Memory`] is what a process calls; [`Channel`] is what a DRAM model implements. This issue brings
//! [`simple::SimpleChannel`]; the DDR4/HBM2 bank models plug in behind the same trait.

pub mod axi;
pub mod layout;
pub mod simple;

use std::collections::VecDeque;

use crate::engine::Cause;
use crate::Cycle;

/// Sub-cycle ticks per cycle: channels whose bandwidth is not a whole number of bytes per cycle keep
/// their time in these units, so rounding never accumulates.
pub const SUB: u64 = 1024;

/// One AXI master (bundle).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortId(pub u8);

/// When a read beat reaches its master, and what decided it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Landing {
    /// The cycle from which the master may hand it on.
    pub at: Cycle,
    /// The stall a master waiting for it is in.
    pub cause: Cause,
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
    /// A read burst of `beats` beats of `beat_bytes` at `addr`, requested at `now`; appends each beat's
    /// landing to `out`.
    fn read(
        &mut self,
        now: Cycle,
        port: PortId,
        addr: u64,
        beats: u32,
        beat_bytes: u32,
        out: &mut VecDeque<Landing>,
    );
    /// The first cycle at which `port` can take another write beat.
    fn write_ready(&self, port: PortId) -> Cycle;
    /// Sends one write beat at `now ≥ write_ready(port)`.
    fn write_beat(&mut self, now: Cycle, port: PortId, beat_bytes: u32);
    /// The burst of `beats` at `addr` has all its data sent; returns when its response arrives.
    fn write_burst(
        &mut self,
        now: Cycle,
        port: PortId,
        addr: u64,
        beats: u32,
        beat_bytes: u32,
    ) -> Cycle;
    /// Traffic so far.
    fn port_stats(&self) -> &[PortStats];
}

/// A DRAM channel behind the PS ports.
pub trait Channel {
    /// A burst of `beats` × `beat_bytes` at `addr` reaches the controller at sub-cycle `at`. Appends, per
    /// beat, the sub-cycle at which its data has crossed the channel (reads: arrived back; writes:
    /// written), and returns true if the burst had to wait behind others.
    fn serve(
        &mut self,
        at: u64,
        addr: u64,
        beats: u32,
        beat_bytes: u32,
        write: bool,
        times: &mut Vec<u64>,
    ) -> bool;
    /// Its name for reports.
    fn name(&self) -> String;
}
