//! The simulator's cycle count for one vector group of a unit, run gap-free: what each Verilator
//! harness is held to.

use hw::arch::ArchConfig;
use hw::rtl::RtlUnit;
use sim::units::standalone::stream_cycles;

use crate::vectors::Group;

/// Clock edges from the first accepted beat of `group` to its last result, in the simulator's model of
/// `unit` at `arch`'s depths.
pub fn cycles(unit: RtlUnit, group: &Group, arch: &ArchConfig) -> u64 {
    let (_, depth) = unit.depth(arch);
    let cases = group.len() as u64;
    match unit {
        // One operand in, one result out, II 1.
        RtlUnit::Exp | RtlUnit::Recip | RtlUnit::Sqrt | RtlUnit::Div | RtlUnit::Gelu => {
            stream_cycles(unit.name(), cases, 1, depth, |_| true)
        }
        // §8's loop at II 1: one beat per (token, out block, in block), a result per out block; the
        // GELU adds its depth. Params: in, out, mode.
        RtlUnit::Linear => {
            let (din, dout, mode) = (group.params[0], group.params[1], group.params[2]);
            let in_blocks = (din / arch.linear_tile_in as u64).max(1);
            let out_blocks = dout / arch.linear_tile_out as u64;
            let depth = depth + if mode == 1 { arch.depth.gelu } else { 0 };
            let beats = cases * in_blocks * out_blocks;
            stream_cycles(unit.name(), beats, 1, depth, move |k| {
                k % in_blocks == in_blocks - 1
            })
        }
    }
}
