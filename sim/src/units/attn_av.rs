//! `attn_av` (`compute_attn_matmul_v`, 6 processes): softmax(S)·V with the 12 probabilities formed at
//! the first beat of each key (§4.4).
//!
//! ```text
//!   read_attn (inout1) ─► attn_stream ─► prepare_attn (4 heads_t → one entry) ─► par_stream ─┐
//!   read_attn_softmax_info (inout4) ─► info_stream ───────────────────────────────────────────┤
//!   read_kv (V, inout2): V re-streamed nb times ─► v_stream ──────────────────────────────────┴─► compute
//!   compute (II 1, depth 29) ─► out_stream ─► write (tmp1, inout1): rows come out in order 0..N−1
//! ```

use super::UnitCx;
use crate::engine::{PipelinedLoop, Region, RegionBuilder};
use crate::memory::axi::{ReadMaster, Segment, WriteMaster};
use crate::memory::layout::Buf;

/// The row (if any) whose accumulator is written at key `v` of block `b`.
pub fn output_row(b: usize, v: usize, lanes: usize, tokens: usize) -> Option<usize> {
    let base = b * lanes;
    let row = if v == tokens - 1 {
        base
    } else if v + 1 < lanes && b > 0 {
        base - lanes + v + 1
    } else {
        return None;
    };
    (row < tokens).then_some(row)
}

/// `dst = softmax(attn)·v`.
pub fn attn_av(cx: &UnitCx, v: Buf, attn: Buf, info: Buf, dst: Buf) -> Region {
    let mut bld = RegionBuilder::new("attn_av");
    let (n, p) = (cx.g.tokens, cx.g.lanes);
    let nb = cx.g.blocks();
    let per = cx.g.row_beats(cx.g.dim) as usize;
    let bb = cx.beat_bytes();
    let s = cx.stream();

    let (vt, vr) = bld.fifo("v_stream", s, 256);
    let (at, ar) = bld.fifo("attn_stream", s, 128);
    let (pt, pr) = bld.fifo("par_stream", s, 512);
    let (it, ir) = bld.fifo("info_stream", s, 256);
    let (ot, or) = bld.fifo("out_stream", s, 256);

    let v_all = cx.rows(v, 0..n, cx.g.dim);
    let v_segs: Vec<Segment> = (0..nb).flat_map(|_| v_all.iter().copied()).collect();
    bld.process(
        ReadMaster::new(
            "read_kv",
            v.port(),
            bb,
            v_segs,
            cx.read_limits(),
            vt,
            1,
            None,
        ),
        &[],
        &[vt],
    );
    let entries = (nb * n * p) as u64;
    let hb = cx.g.heads_bytes(cx.heads);
    let attn_seg = Segment {
        addr: cx.map.addr(attn, 0),
        beats: entries as u32,
    };
    bld.process(
        ReadMaster::new(
            "read_attn",
            attn.port(),
            hb,
            vec![attn_seg],
            cx.read_limits(),
            at,
            1,
            None,
        ),
        &[],
        &[at],
    );
    bld.process(
        PipelinedLoop::new("prepare_attn", entries, 1, cx.simple(), move |i, io| {
            io.pop(ar, 1);
            if i as usize % p == p - 1 {
                io.push(pt, 1);
            }
        }),
        &[ar],
        &[pt],
    );
    let info_seg = cx.span(info, 0, n as u64 * bb as u64);
    bld.process(
        ReadMaster::new(
            "read_attn_softmax_info",
            info.port(),
            bb,
            vec![info_seg],
            cx.read_limits(),
            it,
            1,
            None,
        ),
        &[],
        &[it],
    );
    let trips = (nb * n * per) as u64;
    bld.core(
        PipelinedLoop::new("compute", trips, 1, cx.arch.depth.attn_av, move |i, io| {
            let i = i as usize;
            let d = i % per;
            let key = (i / per) % n;
            let b = i / (per * n);
            if d == 0 {
                io.pop(pr, 1);
                if key < p && b * p + key < n {
                    io.pop(ir, 1);
                }
            }
            io.pop(vr, 1);
            if output_row(b, key, p, n).is_some() {
                io.push(ot, 1);
            }
        }),
        &[vr, pr, ir],
        &[ot],
    );
    bld.process(
        WriteMaster::new(
            "write_attn_matmul_v",
            dst.port(),
            bb,
            cx.rows(dst, 0..n, cx.g.dim),
            cx.write_limits(),
            or,
            1,
            None,
        ),
        &[or],
        &[],
    );
    bld.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_once_each_in_order() {
        for (n, p) in [(129usize, 4usize), (129, 1), (129, 16), (10, 3)] {
            let nb = (n + p - 1).div_ceil(p);
            let rows: Vec<usize> = (0..nb)
                .flat_map(|b| (0..n).filter_map(move |v| output_row(b, v, p, n)))
                .collect();
            assert_eq!(rows, (0..n).collect::<Vec<_>>(), "N {n}, P {p}");
        }
    }
}
