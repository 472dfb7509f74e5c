//! The dataflow engine: processes, bounded FIFOs, and the cycle loop that runs them.

pub mod fifo;
pub mod pipeline;
pub mod process;
pub mod region;
pub mod run;

pub use fifo::{Fifo, FifoId, Rx, Tx};
pub use pipeline::{Io, PipelinedLoop};
pub use process::{Cause, Cx, Process, StallKind, Step};
pub use region::{Attribution, ProcessStats, Region, RegionBuilder};
pub use run::{run, Deadlock, Dep, Launch, Observer, OpTiming, RunOptions};
