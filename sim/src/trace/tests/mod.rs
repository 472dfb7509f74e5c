//! Exporter tests: the exact VCD text of a tiny trace, structural checks on random traces, and the
//! Chrome events a viewer relies on.

mod chrome;
mod common;
mod vcd;
