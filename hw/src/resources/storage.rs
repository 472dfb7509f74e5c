//! Where an on-chip memory lands on an UltraScale+ device: block RAM, distributed (LUT) RAM, shift
//! registers or flip-flops, and how many of each it takes.
//!
//! ```text
//!   depth × width, RAM or FIFO ──► FIFO, depth ≤ 2, ≤ 1 Kbit ─► SRLC32E, one per bit
//!                                  depth ≤ 64 ───────────────► RAM32M16 (≤ 32 deep) / RAM64M8
//!                                  otherwise ────────────────► RAMB18E2 at its cheapest aspect ratio
//! ```
//! The counts are primitives as Vivado places them (UG573 for block RAM, UG574 for LUT RAM), not
//! Yosys figures: no calibration applies here.
//!
//! Why these thresholds:
//! - **SRL FIFOs**: Vitis HLS implements a stream as a shift register when it is at most
//!   `auto_srl_max_depth` = 2 deep and `auto_srl_max_bits` = 1024 bits (UG1399 `config_storage`
//!   defaults); Edge-MoE's depth-2 attention streams are SRLs in the 3P log (§12).
//! - **LUT RAM up to depth 64**: the widest-purpose LUT RAM primitive is 64 deep, so a memory no
//!   deeper than that uses every LUT to its full depth, while a RAMB18E2 is at least 512 deep at its
//!   widest (36 bits) and would stay ≥ 7/8 empty; UG906 (UTIL-203) likewise calls memories "significantly
//!   over 64" deep better placed in block RAM. One deviation from Edge-MoE's build: the 3P log puts the
//!   linear unit's 48-deep, 512-bit input stream in block RAM (15 RAMB18 here), which this rule puts in
//!   LUT RAM (592 LUTs).
//! - **Cheapest aspect ratio**: a memory of `depth × width` built from `d × w` blocks takes
//!   `⌈width/w⌉·⌈depth/d⌉` of them (no cascading tricks), and the shape that needs fewest blocks wins;
//!   512 × 36 assumes the simple-dual-port mode HLS's one-read-one-write RAMs use.

use super::Estimate;

/// RAMB18E2 shapes (depth, width) in simple dual port mode, deepest first (UG573, table 1-6).
pub const BRAM18_SHAPES: [(u64, u64); 6] = [
    (16_384, 1),
    (8_192, 2),
    (4_096, 4),
    (2_048, 9),
    (1_024, 18),
    (512, 36),
];

/// The deepest memory placed in LUT RAM (a RAM64M8's depth).
pub const LUTRAM_MAX_DEPTH: u64 = 64;

/// The deepest FIFO Vitis HLS builds from shift registers (`auto_srl_max_depth`).
pub const SRL_FIFO_MAX_DEPTH: u64 = 2;

/// The largest FIFO, in bits, Vitis HLS builds from shift registers (`auto_srl_max_bits`).
pub const SRL_FIFO_MAX_BITS: u64 = 1_024;

/// How a memory is accessed: a RAM (addressed) or a FIFO (a stream between processes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Addressed storage: one write and one read port.
    Ram,
    /// A stream: written at the tail, read at the head.
    Fifo,
}

/// The primitive a memory is built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Primitive {
    /// RAMB18E2 blocks of the given (depth, width) shape.
    Bram18 {
        /// Blocks.
        blocks: u64,
        /// The shape each block is used in.
        shape: (u64, u64),
    },
    /// LUT RAM (RAM32M16 or RAM64M8, 8 LUTs each).
    Lutram {
        /// LUTs.
        luts: u64,
    },
    /// Shift-register LUTs (SRLC32E), one per bit per 32 entries.
    Srl {
        /// LUTs.
        luts: u64,
    },
}

/// A memory's placement and its resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The primitive chosen.
    pub primitive: Primitive,
    /// Its resources, with the read register of a LUT RAM and the pointers of a FIFO.
    pub estimate: Estimate,
}

/// RAMB18E2 blocks for `depth × width` at the cheapest shape, and that shape.
pub fn bram18(depth: u64, width: u64) -> (u64, (u64, u64)) {
    if depth == 0 || width == 0 {
        return (0, BRAM18_SHAPES[BRAM18_SHAPES.len() - 1]);
    }
    BRAM18_SHAPES
        .iter()
        .map(|&(d, w)| (width.div_ceil(w) * depth.div_ceil(d), (d, w)))
        // Ties go to the deeper shape (earlier in the table): fewer rows of blocks, so no read mux
        // between them.
        .fold(None, |best: Option<(u64, (u64, u64))>, c| match best {
            Some(b) if b.0 <= c.0 => Some(b),
            _ => Some(c),
        })
        .expect("the shape table is not empty")
}

/// LUTs of a LUT RAM of `depth × width` (depth ≤ 64): a RAM32M16 holds 14 bits of 32 entries, a
/// RAM64M8 7 bits of 64, each in 8 LUTs (one of them the write port).
pub fn lutram_luts(depth: u64, width: u64) -> u64 {
    if depth == 0 || width == 0 {
        return 0;
    }
    let bits_per_primitive = if depth <= 32 { 14 } else { 7 };
    8 * width.div_ceil(bits_per_primitive) * depth.div_ceil(LUTRAM_MAX_DEPTH)
}

/// Bits to count to `n`.
fn counter_bits(n: u64) -> u64 {
    u64::from(64 - n.max(1).leading_zeros())
}

/// Where a `depth × width` memory of this `access` goes, and what it costs.
pub fn place(access: Access, depth: u64, width: u64) -> Placement {
    let bits = depth * width;
    // A FIFO's read and write pointers and its count: an adder and a register each.
    let pointers = match access {
        Access::Fifo => 3 * counter_bits(depth),
        Access::Ram => 0,
    };
    let (primitive, mut estimate) =
        if access == Access::Fifo && depth <= SRL_FIFO_MAX_DEPTH && bits <= SRL_FIFO_MAX_BITS {
            let luts = width * depth.div_ceil(32);
            (
                Primitive::Srl { luts },
                Estimate {
                    lutram: luts,
                    ..Estimate::default()
                },
            )
        } else if depth <= LUTRAM_MAX_DEPTH {
            let luts = lutram_luts(depth, width);
            (
                Primitive::Lutram { luts },
                Estimate {
                    lutram: luts,
                    // The read is registered (HLS RAMs answer one cycle after the address).
                    ff: width,
                    ..Estimate::default()
                },
            )
        } else {
            let (blocks, shape) = bram18(depth, width);
            (
                Primitive::Bram18 { blocks, shape },
                Estimate {
                    bram18: blocks,
                    ..Estimate::default()
                },
            )
        };
    estimate.lut += pointers;
    estimate.ff += pointers;
    Placement {
        primitive,
        estimate,
    }
}

impl Primitive {
    /// A short account: `228 RAMB18 as 1Kx18`, `592 LUTRAM`, `512 SRL`.
    pub fn describe(&self) -> String {
        match *self {
            Primitive::Bram18 {
                blocks,
                shape: (d, w),
            } => {
                let depth = if d >= 1024 {
                    format!("{}K", d / 1024)
                } else {
                    d.to_string()
                };
                format!("{blocks} RAMB18 as {depth}x{w}")
            }
            Primitive::Lutram { luts } => format!("{luts} LUTRAM"),
            Primitive::Srl { luts } => format!("{luts} SRL"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linear_weight_buffer_of_4096_bit_words_takes_228_bram18() {
        // 147,456 weights of 16 bits as 576 words of a 16 x 16 tile: 1Kx18 and 512x36 both need 228
        // (⌈4096/18⌉ = 228 x 1; ⌈4096/36⌉ = 114 x ⌈576/512⌉ = 2), 2Kx9 456, 16Kx1 4096.
        assert_eq!(bram18(576, 4096), (228, (1_024, 18)));
    }

    #[test]
    fn patch_embedding_weights_in_2048_bit_words_take_171_bram18() {
        // 1152 x 2048: 512x36 gives 57 x 3 = 171, 1Kx18 gives 114 x 2 = 228, 2Kx9 228 x 1.
        assert_eq!(bram18(1152, 2048), (171, (512, 36)));
    }

    #[test]
    fn narrow_deep_memories_take_the_deep_shapes() {
        assert_eq!(bram18(16_384, 1), (1, (16_384, 1)));
        assert_eq!(bram18(16_385, 1), (2, (16_384, 1)));
        assert_eq!(bram18(4_096, 8), (2, (4_096, 4)));
        assert_eq!(bram18(2_048, 9), (1, (2_048, 9)));
        assert_eq!(bram18(129, 32), (1, (512, 36)));
    }

    #[test]
    fn shallow_memories_go_to_lutram_by_the_primitive_depth() {
        // 32 deep: RAM32M16, 14 bits per 8 LUTs; 48 deep: RAM64M8, 7 bits per 8 LUTs.
        assert_eq!(lutram_luts(32, 32), 24);
        assert_eq!(lutram_luts(48, 512), 8 * 74);
        let p = place(Access::Ram, 48, 288);
        assert_eq!(p.primitive, Primitive::Lutram { luts: 8 * 42 });
        assert_eq!((p.estimate.ff, p.estimate.bram18), (288, 0));
        let deep = place(Access::Ram, 65, 16);
        assert_eq!(
            deep.primitive,
            Primitive::Bram18 {
                blocks: 1,
                shape: (1_024, 18)
            }
        );
    }

    #[test]
    fn only_two_deep_kilobit_fifos_are_shift_registers() {
        assert_eq!(
            place(Access::Fifo, 2, 512).primitive,
            Primitive::Srl { luts: 512 }
        );
        // Past 1 Kbit or 2 entries a FIFO is a memory like any other.
        assert_eq!(
            place(Access::Fifo, 2, 1024).primitive,
            Primitive::Lutram { luts: 8 * 74 }
        );
        assert_eq!(
            place(Access::Fifo, 256, 256).primitive,
            Primitive::Bram18 {
                blocks: 8,
                shape: (512, 36)
            }
        );
        // RAMs never become shift registers.
        assert!(matches!(
            place(Access::Ram, 2, 8).primitive,
            Primitive::Lutram { .. }
        ));
    }

    #[test]
    fn descriptions_name_the_shape() {
        assert_eq!(
            Primitive::Bram18 {
                blocks: 228,
                shape: (1024, 18)
            }
            .describe(),
            "228 RAMB18 as 1Kx18"
        );
        assert_eq!(Primitive::Lutram { luts: 8 }.describe(), "8 LUTRAM");
    }
}
