//! The simulator's cycle count for one vector group of a unit, run gap-free in the unit's own input
//! schedule: what each Verilator harness is held to.

use hw::rtl::softmax::{self, Issue};
use hw::rtl::{attn_av, gating, layernorm, RtlUnit};
use sim::units::standalone::stream_cycles;

use crate::design::Design;
use crate::vectors::Group;

/// Clock edges from the first accepted beat of `group` to its last result, in the simulator's model of
/// `unit` at the design point's depths.
pub fn cycles(unit: RtlUnit, group: &Group, design: &Design) -> u64 {
    let arch = design.arch;
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
        // One score per clock in the input contract's schedule (RECURRENCE rows round-robin, bubbles
        // included), a result per row's last score.
        RtlUnit::Softmax => {
            let lengths = vec![group.inputs; group.len()];
            let emits: Vec<bool> = softmax::interleave(&lengths, softmax::RECURRENCE as usize)
                .iter()
                .map(|i| matches!(i, Issue::Score { last: true, .. }))
                .collect();
            let beats = emits.len() as u64;
            stream_cycles(unit.name(), beats, 1, depth, move |k| emits[k as usize])
        }
        // A token a case: its accumulate beats, the cycles the unit refuses beats while rstd is
        // computed, its output beats (each delivering one), at one slot per clock.
        RtlUnit::Layernorm => {
            let per = design.model.embed_dim / arch.beat;
            let slots = layernorm::token_slots(per);
            let beats = (group.len() * slots) as u64;
            stream_cycles(unit.name(), beats, 1, depth, move |k| {
                layernorm::slot_emits(k as usize % slots, per)
            })
        }
        // sim's compute loop (units::attn_av): nb·N·D/BEAT beats at II 1, a row's D/BEAT output beats
        // on the beats of the key that finishes it; counted to the last output beat (the loop's last
        // keys may emit nothing).
        RtlUnit::AttnAv => {
            let (n, p) = (design.tokens(), arch.attn_lanes);
            let per = design.model.embed_dim / arch.beat;
            let emits = move |k: u64| {
                let key = (k as usize / per) % n;
                let b = k as usize / (per * n);
                attn_av::output_lane(b, key, p, n).is_some()
            };
            let all = attn_av::iterations(n, p, per);
            let beats = (0..all).rev().find(|&k| emits(k)).map_or(0, |k| k + 1);
            stream_cycles(unit.name(), beats, 1, depth, emits)
        }
        // A token a case, its D/BEAT beats gap-free unless the gate's own spacing between tokens is
        // longer: one iteration per token at that II, the result `depth` after the token's last beat.
        RtlUnit::Gating => {
            let per = (design.model.embed_dim / arch.beat) as u32;
            let ii = gating::token_ii(per, design.model.experts);
            stream_cycles(unit.name(), group.len() as u64, ii, depth + per - 1, |_| {
                true
            })
        }
        // sim's compute loop (units::qk_scores): nb·N·D/BEAT beats at II 1, the lanes' scores at the
        // last beat of every key.
        RtlUnit::QkScores => {
            let per = (design.model.embed_dim / arch.beat) as u64;
            let beats = (design.query_blocks() * design.tokens()) as u64 * per;
            stream_cycles(unit.name(), beats, 1, depth, move |k| k % per == per - 1)
        }
    }
}
