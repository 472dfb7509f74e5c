//! `layernorm` (`compute_norm`): per token, accumulate (mean, mean of squares) then output (§7.1).
//!
//! ```text
//!   read x ─► accumulate (II 1, depth 80) ─► stats ─► output (II 1, depth 154) ─► write y
//!   load_norms: γ1 β1 γ2 β2 (4 × 24 beats, weights port) into BRAM, once per layer
//! ```
//! `layernorm_tokens` picks between §7.1's two readings: `per_token` restarts each stage per token (the
//! stage empties before the next token enters it), `streamed` lets tokens follow each other every 24
//! cycles.

use hw::arch::LayerNormTokens;

use super::UnitCx;
use crate::engine::{PipelinedLoop, Region, RegionBuilder};
use crate::memory::axi::{ReadMaster, WriteMaster};
use crate::memory::layout::Buf;

/// `load_norms`: the layer's two γ and two β.
pub fn load_norms(cx: &UnitCx, layer: usize) -> Region {
    let mut b = RegionBuilder::new("layernorm");
    let d = cx.g.dim;
    let beats = cx.g.row_beats(d);
    let bytes = beats as u64 * cx.beat_bytes() as u64;
    let segs: Vec<_> = [Buf::NormWeights, Buf::NormBias]
        .into_iter()
        .flat_map(|buf| (0..2).map(move |k| (buf, (layer * 2 + k) as u64)))
        .map(|(buf, row)| crate::memory::axi::Segment {
            addr: cx.map.addr(buf, row * bytes),
            beats,
        })
        .collect();
    let total: u64 = segs.iter().map(|s| s.beats as u64).sum();
    let (t, r) = b.fifo("norm_stream", cx.stream(), 256);
    b.process(
        ReadMaster::new(
            "read_norms",
            Buf::NormWeights.port(),
            cx.beat_bytes(),
            segs,
            cx.read_limits(),
            t,
            1,
            None,
        ),
        &[],
        &[t],
    );
    b.core(
        PipelinedLoop::new("load_norms", total, 1, cx.simple(), move |_, io| {
            io.pop(r, 1)
        }),
        &[r],
        &[],
    );
    b.build()
}

/// `y = LN(x)` over all tokens.
pub fn layernorm(cx: &UnitCx, src: Buf, dst: Buf) -> Region {
    let mut b = RegionBuilder::new("layernorm");
    let n = cx.g.tokens;
    let d = cx.g.dim;
    let per = cx.g.row_beats(d) as u64;
    let restart = cx.arch.layernorm_tokens == LayerNormTokens::PerToken;
    let (xt, xr) = b.fifo("x_stream", cx.stream(), 256);
    let (st, sr) = b.fifo("stats", 2, 64);
    let (yt, yr) = b.fifo("y_stream", cx.stream(), 256);
    let bb = cx.beat_bytes();
    b.process(
        ReadMaster::new(
            "read_x",
            src.port(),
            bb,
            cx.rows(src, 0..n, d),
            cx.read_limits(),
            xt,
            1,
            None,
        ),
        &[],
        &[xt],
    );
    let trips = n as u64 * per;
    b.process(
        PipelinedLoop::new(
            "layernorm_accumulate",
            trips,
            1,
            cx.arch.depth.layernorm_accumulate,
            move |i, io| {
                if restart && i % per == 0 {
                    io.barrier();
                }
                io.pop(xr, 1);
                if i % per == per - 1 {
                    io.push(st, 1);
                }
            },
        ),
        &[xr],
        &[st],
    );
    b.core(
        PipelinedLoop::new(
            "layernorm_output",
            trips,
            1,
            cx.arch.depth.layernorm_output,
            move |i, io| {
                if i % per == 0 {
                    if restart {
                        io.barrier();
                    }
                    io.pop(sr, 1);
                }
                io.push(yt, 1);
            },
        ),
        &[sr],
        &[yt],
    );
    b.process(
        WriteMaster::new(
            "write_y",
            dst.port(),
            bb,
            cx.rows(dst, 0..n, d),
            cx.write_limits(),
            yr,
            1,
            None,
        ),
        &[yr],
        &[],
    );
    b.build()
}
