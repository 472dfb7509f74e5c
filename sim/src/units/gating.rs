//! `gating` (`compute_gating`, 3 processes) with the patch reorder of `write_gate_results` (§9).
//!
//! ```text
//!   read_gate_inp (tmp1) ─► x_stream ─► compute_gating, per token in sequence:
//!       logits (24 beats, II 1, depth 8) → gate softmax (E, II 3, depth 24) → top_k (E, II 1, depth 2)
//!       → gate values exp ÷ s (k, depth 19 + divider)                ─► result_stream ─►
//!   write_gate_results (patch reorder: k queue appends per token, II 2, depth 4) → on-chip queues
//!   load_w_gate: the task's [E][D] gate (weights port), 16 × 8 weights per cycle
//! ```
//! The token loop is not pipelined: each step waits for the previous one to empty.

use super::UnitCx;
use crate::engine::{PipelinedLoop, Region, RegionBuilder};
use crate::memory::axi::ReadMaster;
use crate::memory::layout::Buf;

/// `load_w_gate` of MoE layer index `moe` (0-based among the MoE layers).
pub fn load_gate(cx: &UnitCx, moe: usize, experts: usize) -> Region {
    let mut b = RegionBuilder::new("gating");
    let d = cx.g.dim;
    let bytes = (experts * d * cx.g.weight_bytes) as u64;
    let seg = cx.span(Buf::MoeWGate, moe as u64 * bytes, bytes);
    let beats = seg.beats as u64;
    // One cycle reads 8 weights of each expert: D/8 cycles per expert row block, E rows.
    let trips = (d / cx.g.beat * experts) as u64;
    let (t, r) = b.fifo("w_gate_stream", cx.stream(), 256);
    b.process(
        ReadMaster::new(
            "read_w_gate",
            Buf::MoeWGate.port(),
            cx.beat_bytes(),
            vec![seg],
            cx.read_limits(),
            t,
            1,
            None,
        ),
        &[],
        &[t],
    );
    let every = trips.div_ceil(beats.max(1)).max(1);
    b.core(
        PipelinedLoop::new(
            "load_w_gate",
            trips,
            1,
            cx.arch.depth.load_w_gate,
            move |i, io| {
                if i % every == 0 && i / every < beats {
                    io.pop(r, 1);
                }
            },
        ),
        &[r],
        &[],
    );
    b.build()
}

/// Gating and patch reorder of all tokens of `src`.
pub fn gating(cx: &UnitCx, src: Buf, experts: usize, top_k: usize) -> Region {
    let mut b = RegionBuilder::new("gating");
    let n = cx.g.tokens;
    let per = cx.g.row_beats(cx.g.dim) as u64;
    let e = experts as u64;
    let k = top_k as u64;
    let (xt, xr) = b.fifo("x_stream", cx.stream(), 256);
    let (rt, rr) = b.fifo("result_stream", cx.stream(), 128);
    b.process(
        ReadMaster::new(
            "read_gate_inp",
            src.port(),
            cx.beat_bytes(),
            cx.rows(src, 0..n, cx.g.dim),
            cx.read_limits(),
            xt,
            1,
            None,
        ),
        &[],
        &[xt],
    );
    let dep = cx.arch.depth.clone();
    let ii = cx.arch.ii.clone();
    let steps = per + e + e + k;
    b.core(
        PipelinedLoop::new(
            "compute_gating",
            n as u64 * steps,
            1,
            dep.gate_logits,
            move |i, io| {
                let s = i % steps;
                if s < per {
                    if s == 0 {
                        io.barrier();
                    }
                    io.pop(xr, 1);
                    io.depth(dep.gate_logits);
                } else if s < per + e {
                    if s == per {
                        io.barrier();
                    }
                    io.ii(ii.gate_softmax);
                    io.depth(dep.gate_softmax);
                } else if s < per + 2 * e {
                    if s == per + e {
                        io.barrier();
                    }
                    io.depth(dep.top_k);
                } else {
                    if s == per + 2 * e {
                        io.barrier();
                    }
                    io.depth(dep.exp + dep.gate_div);
                    if s == steps - 1 {
                        io.push(rt, 1);
                    }
                }
            },
        ),
        &[xr],
        &[rt],
    );
    b.process(
        PipelinedLoop::new(
            "write_gate_results",
            n as u64 * k,
            cx.arch.ii.write_gate_results,
            cx.arch.depth.write_gate_results,
            move |i, io| {
                if i % k == 0 {
                    io.pop(rr, 1);
                }
            },
        ),
        &[rr],
        &[],
    );
    b.build()
}
