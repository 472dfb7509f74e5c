//! `edgemoe sweep`: design-space exploration over a space file, its result files and its report.

// Nothing outside the tests calls into the sweep until the `sweep` command wires it; remove this then.
#![cfg_attr(not(test), allow(dead_code))]

pub mod report;
pub mod result;
