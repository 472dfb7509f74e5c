//! `sim`: the cycle-level simulator. Each HLS dataflow process is a state machine advanced per cycle;
//! processes talk through bounded FIFOs and reach DRAM through AXI masters; every cycle of a frame is
//! charged to one unit invocation, busy or stalled for a named cause. Values come from the golden
//! kernels, run on the schedule's buffers, so they are golden's bits by construction.
#![warn(missing_docs)]

pub mod call;
pub mod engine;
pub mod frame;
pub mod memo;
pub mod memory;
pub mod report;
pub mod schedule;
pub mod trace;
pub mod units;
pub mod values;

/// A cycle of the accelerator clock.
pub type Cycle = u64;

pub use frame::{
    attention_lanes, check_taps, simulate, LanePoint, Mode, Progress, Routing, SimError,
    SimOptions, SimOutput, SimSpec, Stage,
};
pub use memo::{simulate_memoized, SegmentCache};
pub use report::Report;
pub use trace::{Trace, TraceWindow};
