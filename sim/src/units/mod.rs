//! Unit models: each builds the dataflow region of one HLS call, named as golden names the unit.
//!
//! A model moves timing tokens only; the values of the same call come from the golden kernel (see
//! `values`), so they are identical by construction and the model is free to be about time alone.

pub mod add;
pub mod attn_av;
pub mod gating;
pub mod layernorm;
pub mod linear;
pub mod memset;
pub mod patch_embed;
pub mod qk_scores;
pub mod standalone;

use hw::arch::ArchConfig;
use hw::memory::AxiConfig;

use crate::memory::axi::{MasterLimits, Segment};
use crate::memory::layout::{Buf, DdrMap, Geometry};

/// What every unit model needs to know about the design point.
pub struct UnitCx<'a> {
    /// The architecture (II, depths, FIFO depths, lanes, tiles).
    pub arch: &'a ArchConfig,
    /// The AXI masters.
    pub axi: &'a AxiConfig,
    /// Shapes that fix beats and blocks.
    pub g: Geometry,
    /// Attention heads.
    pub heads: usize,
    /// Where each argument lives.
    pub map: &'a DdrMap,
}

impl UnitCx<'_> {
    /// A read master's limits.
    pub fn read_limits(&self) -> MasterLimits {
        MasterLimits {
            max_burst: self.axi.max_burst_beats,
            max_outstanding: self.axi.max_outstanding_reads,
            buffer: self.arch.fifo.axi_read_buffer,
        }
    }

    /// A write master's limits.
    pub fn write_limits(&self) -> MasterLimits {
        MasterLimits {
            max_burst: self.axi.max_burst_beats,
            max_outstanding: self.axi.max_outstanding_writes,
            buffer: 0,
        }
    }

    /// Bytes of a full-width beat.
    pub fn beat_bytes(&self) -> u32 {
        self.axi.data_bits / 8
    }

    /// Activation rows `rows` of `buf`, `width` elements each.
    pub fn rows(
        &self,
        buf: Buf,
        rows: impl IntoIterator<Item = usize>,
        width: usize,
    ) -> Vec<Segment> {
        let beats = self.g.row_beats(width);
        let row_bytes = beats as u64 * self.beat_bytes() as u64;
        rows.into_iter()
            .map(|r| Segment {
                addr: self.map.addr(buf, r as u64 * row_bytes),
                beats,
            })
            .collect()
    }

    /// `bytes` of `buf` from `offset`, as full beats.
    pub fn span(&self, buf: Buf, offset: u64, bytes: u64) -> Segment {
        Segment {
            addr: self.map.addr(buf, offset),
            beats: bytes.div_ceil(self.beat_bytes() as u64) as u32,
        }
    }

    /// The depth of a stream between processes.
    pub fn stream(&self) -> u32 {
        self.arch.fifo.stream
    }

    /// The depth of readers, writers and loads.
    pub fn simple(&self) -> u32 {
        self.arch.depth.simple
    }
}
