//! `qk_scores` (`compute_q_matmul_k`, 6 processes): QKᵀ with the P-lane staggered Q load and the online
//! softmax statistics (§4.1, §5).
//!
//! ```text
//!   read_x (Q, inout2): beat Q[base+k][d] only while k < P ─► q_stream ─┐
//!   read_kv (K, inout3): K re-streamed nb times, one beat per cycle ──► k_stream ─┴─► compute (II 1, depth 15)
//!   compute ─► fin_stream ─► finalize_attn (II 3, depth 78) ─► info_stream ─► write_attn_softmax_info (inout4)
//!           └► wr_stream ──► write_attn: 4 lanes × heads_t per (b, k) ─────────────────────► attn (inout1)
//! ```
//! The loop is `for b < nb, for k < N, for d < D/8`: nb·N·D/8 iterations (102,168 for Edge-MoE). The
//! read bandwidth is one K beat per cycle plus a Q beat on P·24 of every N·24 cycles, whatever P is.

use super::UnitCx;
use crate::engine::{PipelinedLoop, Region, RegionBuilder};
use crate::memory::axi::{ReadMaster, Segment, WriteMaster};
use crate::memory::layout::Buf;

/// Iterations of the compute loop: nb·N·(D/beat).
pub fn iterations(cx: &UnitCx) -> u64 {
    (cx.g.blocks() * cx.g.tokens) as u64 * cx.g.row_beats(cx.g.dim) as u64
}

/// The row a (block, key, lane) score belongs to, in the skewed order; `None` past the last row.
pub fn skewed_row(b: usize, k: usize, o: usize, lanes: usize, tokens: usize) -> Option<usize> {
    let base = b * lanes;
    let row = if k >= o {
        base + o
    } else {
        (base + o).checked_sub(lanes)?
    };
    (row < tokens).then_some(row)
}

/// Whether (block, key, lane) is the last key of its row: the softmax info is emitted there.
fn is_last_key(b: usize, k: usize, o: usize, lanes: usize, tokens: usize) -> bool {
    let last = if o == 0 { tokens - 1 } else { o - 1 };
    k == last && skewed_row(b, k, o, lanes, tokens).is_some()
}

/// QKᵀ of `q` against `k` into `attn` and `info`.
pub fn qk_scores(cx: &UnitCx, q: Buf, k: Buf, attn: Buf, info: Buf) -> Region {
    let mut bld = RegionBuilder::new("qk_scores");
    let (n, p) = (cx.g.tokens, cx.g.lanes);
    let nb = cx.g.blocks();
    let per = cx.g.row_beats(cx.g.dim) as usize;
    let bb = cx.beat_bytes();
    let s = cx.stream();

    let (qt, qr) = bld.fifo("q_stream", s, 256);
    let (kt, kr) = bld.fifo("k_stream", s, 256);
    let (ft, fr) = bld.fifo("fin_stream", s, 512);
    let (wt, wr) = bld.fifo("wr_stream", s, 512);
    let (it, ir) = bld.fifo("info_stream", s, 256);
    let (at, ar) = bld.fifo("attn_stream", s, 128);

    let q_rows = (0..nb)
        .flat_map(|b| (0..p).map(move |o| b * p + o))
        .filter(|&r| r < n);
    bld.process(
        ReadMaster::new(
            "read_x",
            q.port(),
            bb,
            cx.rows(q, q_rows, cx.g.dim),
            cx.read_limits(),
            qt,
            1,
            None,
        ),
        &[],
        &[qt],
    );
    let k_all = cx.rows(k, 0..n, cx.g.dim);
    let k_segs: Vec<Segment> = (0..nb).flat_map(|_| k_all.iter().copied()).collect();
    bld.process(
        ReadMaster::new(
            "read_kv",
            k.port(),
            bb,
            k_segs,
            cx.read_limits(),
            kt,
            1,
            None,
        ),
        &[],
        &[kt],
    );
    let trips = iterations(cx);
    bld.core(
        PipelinedLoop::new(
            "compute",
            trips,
            1,
            cx.arch.depth.qk_scores,
            move |i, io| {
                let i = i as usize;
                let d = i % per;
                let key = (i / per) % n;
                let b = i / (per * n);
                io.pop(kr, 1);
                if key < p && b * p + key < n {
                    io.pop(qr, 1);
                }
                if d == per - 1 {
                    io.push(ft, 1);
                    io.push(wt, 1);
                }
            },
        ),
        &[kr, qr],
        &[ft, wt],
    );
    let fin_trips = (nb * n * p) as u64;
    bld.process(
        PipelinedLoop::new(
            "finalize_attn",
            fin_trips,
            cx.arch.ii.finalize_attn,
            cx.arch.depth.finalize_attn,
            move |i, io| {
                let i = i as usize;
                let o = i % p;
                let key = (i / p) % n;
                let b = i / (p * n);
                if o == 0 {
                    io.pop(fr, 1);
                }
                if is_last_key(b, key, o, p, n) {
                    io.push(it, 1);
                }
            },
        ),
        &[fr],
        &[it],
    );
    bld.process(
        PipelinedLoop::new("write_attn", fin_trips, 1, cx.simple(), move |i, io| {
            if i as usize % p == 0 {
                io.pop(wr, 1);
            }
            io.push(at, 1);
        }),
        &[wr],
        &[at],
    );
    let hb = cx.g.heads_bytes(cx.heads);
    let attn_seg = Segment {
        addr: cx.map.addr(attn, 0),
        beats: fin_trips as u32,
    };
    bld.process(
        WriteMaster::new(
            "write_attn_m_axi",
            attn.port(),
            hb,
            vec![attn_seg],
            cx.write_limits(),
            ar,
            1,
            None,
        ),
        &[ar],
        &[],
    );
    let info_seg = cx.span(info, 0, n as u64 * bb as u64);
    bld.process(
        WriteMaster::new(
            "write_attn_softmax_info",
            info.port(),
            bb,
            vec![info_seg],
            cx.write_limits(),
            ir,
            1,
            None,
        ),
        &[ir],
        &[],
    );
    bld.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_gets_exactly_one_softmax_info_row() {
        let (n, p): (usize, usize) = (129, 4);
        let nb = (n + p - 1).div_ceil(p);
        let mut rows = Vec::new();
        for b in 0..nb {
            for k in 0..n {
                for o in 0..p {
                    if is_last_key(b, k, o, p, n) {
                        rows.push(skewed_row(b, k, o, p, n).unwrap());
                    }
                }
            }
        }
        assert_eq!(rows, (0..n).collect::<Vec<_>>());
    }
}
