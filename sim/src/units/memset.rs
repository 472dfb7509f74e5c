//! `memset`: `compute_moe` zeroes its output (tmp3) before the experts accumulate into it (§9).
//!
//! ```text
//!   zero (II 1) ─► write (inout3)
//! ```

use super::UnitCx;
use crate::engine::{PipelinedLoop, Region, RegionBuilder};
use crate::memory::axi::WriteMaster;
use crate::memory::layout::Buf;

/// Zeroes all token rows of `dst`.
pub fn memset(cx: &UnitCx, dst: Buf) -> Region {
    let mut b = RegionBuilder::new("memset");
    let n = cx.g.tokens;
    let beats = n as u64 * cx.g.row_beats(cx.g.dim) as u64;
    let (t, r) = b.fifo("zero_stream", cx.stream(), 256);
    b.core(
        PipelinedLoop::new("zero", beats, 1, cx.simple(), move |_, io| io.push(t, 1)),
        &[],
        &[t],
    );
    let segs = cx.rows(dst, 0..n, cx.g.dim);
    b.process(
        WriteMaster::new(
            "write",
            dst.port(),
            cx.beat_bytes(),
            segs,
            cx.write_limits(),
            r,
            1,
            None,
        ),
        &[r],
        &[],
    );
    b.build()
}
