//! `patch_embed` (`compute_patch_embed`, §10): per patch row, read ‖ accumulate, then output.
//!
//! ```text
//!   read (images, inout1): C × 16 lines × W/32 beats ─► img_stream ─► accumulate (II 3, depth 33):
//!       per (channel, line, patch pair, dim block) 2 patches × 8 dims × 16 pixels of MAC
//!   then output (II 1, depth 5): x[1 + 16·row + px] = patches + pos_embed (weights port) ─► write x (inout2)
//!   token 0 = pos_embed[0]
//! ```
//! The patch-embed weights are assumed resident in BRAM (`reload_one_time_weights` was set on an
//! earlier frame), so a frame pays no weight load here.

use golden::model::config::ModelConfig;

use super::UnitCx;
use crate::engine::{PipelinedLoop, Region, RegionBuilder};
use crate::memory::axi::{ReadMaster, Segment, WriteMaster};
use crate::memory::layout::Buf;

/// Iterations of the accumulate loop per patch row.
pub fn row_iterations(cx: &UnitCx, m: &ModelConfig) -> u64 {
    let px_per_beat = cx.beat_bytes() as usize; // 8-bit pixels
    (m.image_channels
        * m.patch
        * m.image_width.div_ceil(px_per_beat)
        * cx.g.row_beats(cx.g.dim) as usize) as u64
}

/// The whole image into `x`.
pub fn patch_embed(cx: &UnitCx, m: &ModelConfig) -> Region {
    let mut b = RegionBuilder::new("patch_embed");
    let bb = cx.beat_bytes() as u64;
    let rows = m.image_height / m.patch;
    let per_row_patches = m.image_width / m.patch;
    let line_beats = (m.image_width as u64).div_ceil(bb) as u32;
    let tok_beats = cx.g.row_beats(cx.g.dim) as u64;
    let mut img_segs = Vec::new();
    for r in 0..rows {
        for c in 0..m.image_channels {
            for y in 0..m.patch {
                let line = (c * m.image_height + r * m.patch + y) as u64;
                img_segs.push(Segment {
                    addr: cx.map.addr(Buf::Images, line * m.image_width as u64),
                    beats: line_beats,
                });
            }
        }
    }
    let (it, ir) = b.fifo("img_stream", cx.stream(), 256);
    let (pt, pr) = b.fifo("pos_stream", cx.stream(), 256);
    let (xt, xr) = b.fifo("x_stream", cx.stream(), 256);
    b.process(
        ReadMaster::new(
            "read",
            Buf::Images.port(),
            bb as u32,
            img_segs,
            cx.read_limits(),
            it,
            1,
            None,
        ),
        &[],
        &[it],
    );
    let n = cx.g.tokens;
    b.process(
        ReadMaster::new(
            "read_pos_embed",
            Buf::PosEmbed.port(),
            bb as u32,
            cx.rows(Buf::PosEmbed, 0..n, cx.g.dim),
            cx.read_limits(),
            pt,
            1,
            None,
        ),
        &[],
        &[pt],
    );
    let acc = row_iterations(cx, m);
    let dim_blocks = tok_beats;
    let out = per_row_patches as u64 * tok_beats;
    let row_steps = acc + out;
    let cls = tok_beats;
    let (ii, depth, out_depth) = (
        cx.arch.ii.patch_embed,
        cx.arch.depth.patch_embed,
        cx.arch.depth.patch_embed_output,
    );
    b.core(
        PipelinedLoop::new(
            "compute_patch_embed",
            cls + rows as u64 * row_steps,
            1,
            depth,
            move |i, io| {
                if i < cls {
                    // Token 0: the class token is pos_embed[0].
                    io.pop(pr, 1);
                    io.push(xt, 1);
                    io.depth(out_depth);
                    return;
                }
                let s = (i - cls) % row_steps;
                if s < acc {
                    if s == 0 {
                        io.barrier();
                    }
                    if s % dim_blocks == 0 {
                        io.pop(ir, 1);
                    }
                    io.ii(ii);
                } else {
                    if s == acc {
                        io.barrier();
                    }
                    io.pop(pr, 1);
                    io.push(xt, 1);
                    io.depth(out_depth);
                }
            },
        ),
        &[ir, pr],
        &[xt],
    );
    b.process(
        WriteMaster::new(
            "write_x",
            Buf::X.port(),
            bb as u32,
            cx.rows(Buf::X, 0..n, cx.g.dim),
            cx.write_limits(),
            xr,
            1,
            None,
        ),
        &[xr],
        &[],
    );
    b.build()
}
