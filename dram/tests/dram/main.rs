//! The DRAM model against the JEDEC arithmetic and its own checker: one test binary, one module per
//! concern.

mod bandwidth;
mod checker_accepts;
mod checker_rejects;
mod common;
mod mutation;
mod power_down;
mod refresh;
