//! A DRAM channel model for the cycle-level simulator: DDR4 and HBM2 bank timing, refresh, an
//! FR-FCFS controller with read/write queues, and an independent JEDEC rule checker.
//!
//! ```text
//!   Request{addr, write, arrive} ──► Controller ──► Completion{id, at}
//!                                     │  mapping: addr → rank/bg/bank/row/col
//!                                     │  queues:  read + write, FR-FCFS, write drain
//!                                     │  bank:    per-bank / group / rank timing state
//!                                     ├► Command trace ──► check::check (JEDEC replay)
//!                                     └► ActivityCounter ──► power::energy (IDD tables)
//! ```
//!
//! Everything runs in DRAM clocks (nCK). The controller is event-driven: [`Controller::advance`]
//! jumps straight to the next cycle at which a command can legally issue, so idle and waiting
//! time costs nothing to simulate.
//!
//! Sources: JESD79-4 (DDR4) speed-bin and refresh tables, JESD235A (HBM2) pseudo-channel mode;
//! preset values and where public simulators disagree are documented in [`standard`]. Energy per
//! command and background state from datasheet IDD tables: [`power`].
//!
//! Driving it: enqueue while the queue has room, otherwise jump to the next event.
//!
//! ```
//! use dram::{Controller, DramConfig, Request};
//!
//! let cfg = DramConfig::preset("ddr4-2133")?;
//! let mut dram = Controller::new(&cfg)?;
//! let mut done = Vec::new();
//! for i in 0..1000u64 {
//!     while !dram.can_accept(false) {
//!         let t = dram.next_event().expect("refresh keeps an event pending");
//!         dram.advance(t + 1, &mut done);
//!     }
//!     let addr = i * dram.burst_bytes() as u64;
//!     dram.enqueue(Request { id: i, addr, write: false, arrive: dram.now() });
//! }
//! while !dram.is_idle() {
//!     let t = dram.next_event().expect("requests pending");
//!     dram.advance(t + 1, &mut done);
//! }
//! assert_eq!(done.len(), 1000);
//! // 64 KB in about 4 clocks per 64 B burst, plus the first access's latency.
//! assert!(done[999].at < 1000 * 4 + 100);
//! # Ok::<(), dram::ConfigError>(())
//! ```
#![warn(missing_docs)]

pub mod bank;
pub mod check;
pub mod command;
pub mod config;
pub mod controller;
pub mod mapping;
pub mod power;
pub mod standard;
pub mod stats;
pub mod time;

pub use check::{check, CheckStats, Rule, Violation};
pub use command::{Command, CommandKind};
pub use config::{ConfigError, DramConfig, PagePolicy};
pub use controller::{Completion, Controller, Request, Wait};
pub use mapping::{AddressMap, Field, Location, Mapping, MappingError};
pub use power::{
    energy, trace_energy, Activity, ActivityCounter, Energy, IoPower, PowerSpec, Pump, DDR4_IO,
};
pub use standard::{
    peak_bytes_per_s, preset, CommandBus, OrgError, Organization, Preset, Timing, TimingError,
    TimingIssue, PRESETS,
};
pub use stats::{DramStats, Histogram};
pub use time::{Clock, DramCycles, Picos};
