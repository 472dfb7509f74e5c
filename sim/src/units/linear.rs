//! `linear`: the unified linear unit (§8): its weight load and its compute call.
//!
//! ```text
//!   load_linear_weights: weights port ─► W beats (16 weights) ─► ping|pong ; bias beats ─► bias buffer
//!   compute_linear:  read_in (gather) ─► in_stream (48 × 512 bit) ─► 16×16 MAC tile ─► out_stream ─►
//!                    write_out (scatter; with use_score: read dst, dst + g·y, write)
//!                    read_in ── index_stream (8) ──► write_out            (indirect mode only)
//! ```
//! The tile loop is `for token, for out block ob, for in block ib` at II 1: one input chunk is popped per
//! `ib` while `ob = 0`, one 16-output result is pushed per last `ib`.

use super::UnitCx;
use crate::engine::{PipelinedLoop, Region, RegionBuilder};
use crate::memory::axi::{ReadMaster, Segment, WriteMaster};
use crate::memory::layout::Buf;

/// Where a layer's weights and bias live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WeightRef {
    /// The weight argument.
    pub buf: Buf,
    /// Byte offset of this layer's `[out][in]` matrix.
    pub offset: u64,
    /// The bias argument.
    pub bias_buf: Buf,
    /// Byte offset of this layer's bias.
    pub bias_offset: u64,
}

impl WeightRef {
    /// The `index`-th of a stack of `[out][in]` matrices (and their biases) stored back to back with
    /// `weight_bytes` per value, as `ViT_compute`'s weight arguments are.
    pub fn nth(
        buf: Buf,
        bias_buf: Buf,
        index: u64,
        out_dim: usize,
        in_dim: usize,
        weight_bytes: u64,
    ) -> Self {
        WeightRef {
            buf,
            offset: index * (out_dim * in_dim) as u64 * weight_bytes,
            bias_buf,
            bias_offset: index * out_dim as u64 * weight_bytes,
        }
    }
}

/// Which tokens a call reads and writes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Rows {
    /// Every token, in order (direct mode).
    All(usize),
    /// An expert's queue (indirect mode: gathered on read, scattered on write by token index).
    Gather(Vec<usize>),
}

impl Rows {
    /// Tokens processed.
    pub fn len(&self) -> usize {
        match self {
            Rows::All(n) => *n,
            Rows::Gather(v) => v.len(),
        }
    }
    /// True for an empty queue.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn list(&self) -> Vec<usize> {
        match self {
            Rows::All(n) => (0..*n).collect(),
            Rows::Gather(v) => v.clone(),
        }
    }
}

/// One compute call.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LinearCall {
    /// Input activations.
    pub src: Buf,
    /// Output activations.
    pub dst: Buf,
    /// Output features.
    pub out_dim: usize,
    /// Input features.
    pub in_dim: usize,
    /// Tokens.
    pub rows: Rows,
    /// GELU on the outputs.
    pub gelu: bool,
    /// `use_score`: `dst = dst + g·y` (MoE fc2).
    pub use_score: bool,
}

/// `load_linear_weights` + bias: `out·in/16` weight beats then `out/16` bias beats.
pub fn load(cx: &UnitCx, w: WeightRef, out_dim: usize, in_dim: usize) -> Region {
    let mut b = RegionBuilder::new("linear");
    let wb = cx.g.weight_bytes as u64;
    let segs = vec![
        cx.span(w.buf, w.offset, (out_dim * in_dim) as u64 * wb),
        cx.span(w.bias_buf, w.bias_offset, out_dim as u64 * wb),
    ];
    let beats: u64 = segs.iter().map(|s: &Segment| s.beats as u64).sum();
    let (t, r) = b.fifo("weight_stream", cx.stream(), cx.axi.data_bits);
    b.process(
        ReadMaster::new(
            "read_weights",
            w.buf.port(),
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
        PipelinedLoop::new(
            "load_linear_weights",
            beats,
            1,
            cx.arch.depth.load_linear_weights,
            move |_, io| io.pop(r, 1),
        ),
        &[r],
        &[],
    );
    b.build()
}

/// `compute_linear` on `call`.
pub fn compute(cx: &UnitCx, call: &LinearCall) -> Region {
    let mut b = RegionBuilder::new("linear");
    let (ti, to) = (cx.arch.linear_tile_in, cx.arch.linear_tile_out);
    let nib = (call.in_dim / ti) as u64;
    let nob = (call.out_dim / to) as u64;
    let len = call.rows.len() as u64;
    let rows = call.rows.list();
    let gather = matches!(call.rows, Rows::Gather(_));
    let beat = cx.g.beat;
    let bb = cx.beat_bytes();
    let in_per_chunk = (ti / beat).max(1) as u32;
    let out_per_chunk = (to / beat).max(1) as u32;

    let (it, ir) = b.fifo("in_stream", cx.arch.fifo.linear_in, (ti * 32) as u32);
    let (ot, or) = b.fifo("out_stream", cx.stream(), (to * 32) as u32);
    let (side_t, side_r) = if gather {
        let (t, r) = b.fifo("index_stream", cx.arch.fifo.index_stream, 32);
        (Some(t), Some(r))
    } else {
        (None, None)
    };
    let read_segs = cx.rows(call.src, rows.iter().copied(), call.in_dim);
    let mut outputs = vec![it];
    outputs.extend(side_t);
    b.process(
        ReadMaster::new(
            "read_in_stream",
            call.src.port(),
            bb,
            read_segs,
            cx.read_limits(),
            it,
            in_per_chunk,
            side_t,
        ),
        &[],
        &outputs,
    );
    let depth = cx.arch.depth.linear + if call.gelu { cx.arch.depth.gelu } else { 0 };
    b.core(
        PipelinedLoop::new(
            "compute_linear_on_stream",
            len * nob * nib,
            1,
            depth,
            move |i, io| {
                let ib = i % nib;
                let ob = (i / nib) % nob;
                if ob == 0 {
                    io.pop(ir, 1);
                }
                if ib == nib - 1 {
                    io.push(ot, 1);
                }
            },
        ),
        &[ir],
        &[ot],
    );
    let write_segs = cx.rows(call.dst, rows.iter().copied(), call.out_dim);
    let mut inputs = vec![];
    inputs.extend(side_r);
    if call.use_score {
        // write_out_stream_indirect with use_score: read dst[t], add the scaled result, write it back.
        let (dt, dr) = b.fifo("dst_stream", cx.stream(), 256);
        let (st, sr) = b.fifo("sum_stream", cx.stream(), 256);
        b.process(
            ReadMaster::new(
                "read_dst",
                call.dst.port(),
                bb,
                write_segs.clone(),
                cx.read_limits(),
                dt,
                1,
                None,
            ),
            &[],
            &[dt],
        );
        let opc = out_per_chunk as u64;
        let beats = len * cx.g.row_beats(call.out_dim) as u64;
        b.process(
            PipelinedLoop::new("scale_add", beats, 1, cx.simple(), move |i, io| {
                if i % opc == 0 {
                    io.pop(or, 1);
                }
                io.pop(dr, 1);
                io.push(st, 1);
            }),
            &[or, dr],
            &[st],
        );
        inputs.push(sr);
        b.process(
            WriteMaster::new(
                "write_out_stream",
                call.dst.port(),
                bb,
                write_segs,
                cx.write_limits(),
                sr,
                1,
                side_r,
            ),
            &inputs,
            &[],
        );
    } else {
        inputs.push(or);
        b.process(
            WriteMaster::new(
                "write_out_stream",
                call.dst.port(),
                bb,
                write_segs,
                cx.write_limits(),
                or,
                out_per_chunk,
                side_r,
            ),
            &inputs,
            &[],
        );
    }
    b.build()
}
