//! The simulator's cycle count for one vector group of a unit, run gap-free: what each Verilator
//! harness is held to.

use hw::rtl::{RtlUnit, Top};
use sim::units::standalone::stream_cycles;

use crate::vectors::Group;

/// Clock edges from the first accepted beat of `group` to its last result, in the simulator's model of
/// `unit` at the top's configured depth.
pub fn cycles(unit: RtlUnit, group: &Group, top: &Top) -> u64 {
    match unit {
        // One operand in, one result out, II 1.
        RtlUnit::Sqrt | RtlUnit::Gelu => {
            stream_cycles(unit.name(), group.len() as u64, 1, top.latency, |_| true)
        }
    }
}
