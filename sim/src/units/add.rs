//! `add` (`compute_add`): the residual `x = x + y`, one beat of each per cycle.
//!
//! ```text
//!   read x (inout2) ──┐
//!   read y (inout3) ──┴─► add (II 1, depth 142) ─► write x (inout2)
//! ```

use super::UnitCx;
use crate::engine::{PipelinedLoop, Region, RegionBuilder};
use crate::memory::axi::{ReadMaster, WriteMaster};
use crate::memory::layout::Buf;

/// `x += y` over all tokens.
pub fn add(cx: &UnitCx, x: Buf, y: Buf) -> Region {
    let mut b = RegionBuilder::new("add");
    let n = cx.g.tokens;
    let d = cx.g.dim;
    let beats = n as u64 * cx.g.row_beats(d) as u64;
    let (xt, xr) = b.fifo("x_stream", cx.stream(), 256);
    let (yt, yr) = b.fifo("y_stream", cx.stream(), 256);
    let (ot, or) = b.fifo("out_stream", cx.stream(), 256);
    let bb = cx.beat_bytes();
    b.process(
        ReadMaster::new(
            "read_x",
            x.port(),
            bb,
            cx.rows(x, 0..n, d),
            cx.read_limits(),
            xt,
            1,
            None,
        ),
        &[],
        &[xt],
    );
    b.process(
        ReadMaster::new(
            "read_y",
            y.port(),
            bb,
            cx.rows(y, 0..n, d),
            cx.read_limits(),
            yt,
            1,
            None,
        ),
        &[],
        &[yt],
    );
    b.core(
        PipelinedLoop::new("compute_add", beats, 1, cx.arch.depth.add, move |_, io| {
            io.pop(xr, 1);
            io.pop(yr, 1);
            io.push(ot, 1);
        }),
        &[xr, yr],
        &[ot],
    );
    b.process(
        WriteMaster::new(
            "write_x",
            x.port(),
            bb,
            cx.rows(x, 0..n, d),
            cx.write_limits(),
            or,
            1,
            None,
        ),
        &[or],
        &[],
    );
    b.build()
}
