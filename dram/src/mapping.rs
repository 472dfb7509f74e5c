//! Address mapping: which bits of a byte address select rank, bank group, bank, row and column.
//!
//! A mapping is written most significant field first, fields separated by `-`:
//! `ro-ba-co-bg` means, from the top, row bits, bank bits, column bits, bank-group bits. The
//! lowest `log2(burst bytes)` bits are always the offset inside one burst and are not written
//! (64 B for a DDR4 x64 BL8 burst, 32 B for an HBM2 pseudo-channel BL4 burst), so `co` counts
//! bursts within a row, not bus words.
//!
//! Field names: `ro` row, `ra` rank, `bg` bank group, `ba` bank, `co` column. A field may be split
//! by giving widths, `name:bits`; at most one piece of a field may leave its width out and takes
//! what is left. `ro-ba-co:5-bg-co:2` puts the two lowest burst-column bits under the bank group,
//! so four consecutive bursts stay in one bank group. A field whose count is 1 (the rank of a
//! one-rank channel) may be left out; every other field must appear.
//!
//! Why `ro-ba-co-bg` is the preset default: with the bank group in the lowest bits, consecutive
//! bursts alternate bank groups, so back-to-back reads are spaced by tCCD_S = BL/2 and the data bus
//! stays full; with `co` lowest instead, they would hit one bank group and be spaced by tCCD_L (6
//! clocks instead of 4 on DDR4-2133, 3 instead of 2 on HBM2). Banks above columns keep a stream in
//! one row per bank for a whole page, and give the next bank time to be activated while the
//! current one streams. Addresses beyond the capacity wrap (high bits are ignored).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::standard::Organization;

/// One address field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    /// Rank (`ra`).
    Rank,
    /// Bank group (`bg`).
    BankGroup,
    /// Bank within its group (`ba`).
    Bank,
    /// Row (`ro`).
    Row,
    /// Column, counted in bursts (`co`).
    Column,
}

const FIELDS: [Field; 5] = [
    Field::Rank,
    Field::BankGroup,
    Field::Bank,
    Field::Row,
    Field::Column,
];

impl Field {
    /// The short name used in mapping strings.
    pub const fn token(self) -> &'static str {
        match self {
            Field::Rank => "ra",
            Field::BankGroup => "bg",
            Field::Bank => "ba",
            Field::Row => "ro",
            Field::Column => "co",
        }
    }

    fn from_token(s: &str) -> Option<Self> {
        FIELDS.into_iter().find(|f| f.token() == s)
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// A parsed mapping string, not yet checked against a channel: field order and optional widths.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mapping {
    /// Pieces, most significant first.
    pieces: Vec<(Field, Option<u8>)>,
}

/// Why a mapping string cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MappingError {
    /// Nothing to parse.
    #[error("address mapping is empty")]
    Empty,
    /// A piece is not one of `ro`, `ra`, `bg`, `ba`, `co` (optionally `:bits`).
    #[error("address mapping piece {0:?} is not one of ro, ra, bg, ba, co (optionally name:bits)")]
    UnknownField(String),
    /// The width after `:` is not a number from 1 to 63.
    #[error("address mapping piece {0:?} has a width that is not a number from 1 to 63")]
    BadWidth(String),
    /// Two pieces of one field both leave their width out.
    #[error("address mapping field {0} appears more than once without a width on all but one")]
    AmbiguousWidth(&'static str),
    /// A field with more than one value does not appear.
    #[error("address mapping lacks field {field}, which has {count} values")]
    Missing {
        /// The field's token.
        field: &'static str,
        /// How many values it has.
        count: u32,
    },
    /// The widths of a field's pieces do not add up to its bit count.
    #[error("address mapping gives field {field} {given} bits, the channel needs {needed}")]
    WidthMismatch {
        /// The field's token.
        field: &'static str,
        /// Bits the string gives it.
        given: u32,
        /// Bits the organization needs.
        needed: u32,
    },
}

impl FromStr for Mapping {
    type Err = MappingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(MappingError::Empty);
        }
        let mut pieces = Vec::new();
        for piece in s.split('-') {
            let piece = piece.trim();
            let (name, width) = match piece.split_once(':') {
                Some((n, w)) => {
                    let w: u8 = w
                        .trim()
                        .parse()
                        .ok()
                        .filter(|w| (1..64).contains(w))
                        .ok_or_else(|| MappingError::BadWidth(piece.to_string()))?;
                    (n.trim(), Some(w))
                }
                None => (piece, None),
            };
            let field = Field::from_token(&name.to_ascii_lowercase())
                .ok_or_else(|| MappingError::UnknownField(piece.to_string()))?;
            pieces.push((field, width));
        }
        for f in FIELDS {
            let open = pieces
                .iter()
                .filter(|(g, w)| *g == f && w.is_none())
                .count();
            if open > 1 {
                return Err(MappingError::AmbiguousWidth(f.token()));
            }
        }
        Ok(Mapping { pieces })
    }
}

impl TryFrom<String> for Mapping {
    type Error = MappingError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Mapping> for String {
    fn from(m: Mapping) -> String {
        m.to_string()
    }
}

impl fmt::Display for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, width)) in self.pieces.iter().enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            f.write_str(field.token())?;
            if let Some(w) = width {
                write!(f, ":{w}")?;
            }
        }
        Ok(())
    }
}

/// Where an address lands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Rank.
    pub rank: u32,
    /// Bank group.
    pub bank_group: u32,
    /// Bank within the group.
    pub bank: u32,
    /// Row.
    pub row: u32,
    /// Column in bus words, aligned to the burst (a multiple of BL), as a RD/WR command carries it.
    pub column: u32,
}

/// A mapping resolved against a channel: every piece has its width and bit position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressMap {
    /// (field, lowest bit, width), least significant first, positions above the burst offset.
    slices: Vec<(Field, u32, u32)>,
    offset_bits: u32,
    bl_bits: u32,
    total_bits: u32,
}

impl AddressMap {
    /// Gives every piece of `mapping` its width for a channel `org` with bursts of `bl` beats.
    /// `org` must already be valid ([`Organization::validate`]).
    pub fn new(mapping: &Mapping, org: &Organization, bl: u32) -> Result<Self, MappingError> {
        let counts = [
            org.ranks,
            org.bank_groups,
            org.banks_per_group,
            org.rows,
            org.columns / bl,
        ];
        let needed: Vec<u32> = counts.iter().map(|c| c.trailing_zeros()).collect();
        let mut given = [0u32; 5];
        let mut present = [false; 5];
        for (f, w) in &mapping.pieces {
            present[f.index()] = true;
            given[f.index()] += w.map_or(0, u32::from);
        }
        for f in FIELDS {
            let i = f.index();
            if !present[i] && needed[i] > 0 {
                return Err(MappingError::Missing {
                    field: f.token(),
                    count: counts[i],
                });
            }
            let open = mapping.pieces.iter().any(|(g, w)| *g == f && w.is_none());
            let fits = if open {
                given[i] <= needed[i]
            } else {
                given[i] == needed[i]
            };
            if !fits {
                return Err(MappingError::WidthMismatch {
                    field: f.token(),
                    given: given[i],
                    needed: needed[i],
                });
            }
        }
        let mut slices = Vec::new();
        let mut low = 0;
        // Least significant first; within one field, lower pieces hold lower bits of its value.
        for (f, w) in mapping.pieces.iter().rev() {
            let i = f.index();
            let width = w.map_or(needed[i] - given[i], u32::from);
            if width > 0 {
                slices.push((*f, low, width));
                low += width;
            }
        }
        let burst_bytes = org.burst_bytes(bl);
        Ok(AddressMap {
            slices,
            offset_bits: burst_bytes.trailing_zeros(),
            bl_bits: bl.trailing_zeros(),
            total_bits: low,
        })
    }

    /// Bytes per burst: the span of the unmapped low bits.
    pub const fn burst_bytes(&self) -> u32 {
        1 << self.offset_bits
    }

    /// Bits above the burst offset that select a location.
    pub const fn location_bits(&self) -> u32 {
        self.total_bits
    }

    /// The location of byte address `addr` (offset bits and bits above the capacity ignored).
    pub fn decode(&self, addr: u64) -> Location {
        let a = addr >> self.offset_bits;
        let mut v = [0u32; 5];
        let mut filled = [0u32; 5];
        for &(f, low, width) in &self.slices {
            let bits = ((a >> low) & ((1u64 << width) - 1)) as u32;
            let i = f.index();
            v[i] |= bits << filled[i];
            filled[i] += width;
        }
        Location {
            rank: v[0],
            bank_group: v[1],
            bank: v[2],
            row: v[3],
            column: v[4] << self.bl_bits,
        }
    }

    /// The lowest byte address of the burst at `loc` (inverse of [`AddressMap::decode`]).
    pub fn encode(&self, loc: &Location) -> u64 {
        let v = [
            loc.rank,
            loc.bank_group,
            loc.bank,
            loc.row,
            loc.column >> self.bl_bits,
        ];
        let mut used = [0u32; 5];
        let mut a = 0u64;
        for &(f, low, width) in &self.slices {
            let i = f.index();
            let bits = (v[i] as u64 >> used[i]) & ((1u64 << width) - 1);
            used[i] += width;
            a |= bits << low;
        }
        a << self.offset_bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standard::{DDR4_2133, DDR4_3200, HBM2};

    fn map(s: &str, org: &Organization, bl: u32) -> AddressMap {
        AddressMap::new(&s.parse().unwrap(), org, bl).unwrap()
    }

    #[test]
    fn consecutive_bursts_alternate_bank_groups_under_the_default() {
        let m = map(DDR4_2133.mapping, &DDR4_2133.org, 8);
        assert_eq!(m.burst_bytes(), 64);
        let l0 = m.decode(0);
        let l1 = m.decode(64);
        let l2 = m.decode(128);
        assert_eq!((l0.bank_group, l1.bank_group, l2.bank_group), (0, 1, 0));
        assert_eq!((l0.column, l1.column, l2.column), (0, 0, 8));
        // Offsets inside a burst do not move it.
        assert_eq!(m.decode(63), l0);
        // A row of both bank groups (2 × 8 KB) later the bank changes, the row does not.
        let l = m.decode(16 * 1024);
        assert_eq!((l.bank, l.row, l.bank_group, l.column), (1, 0, 0, 0));
        // Above all banks the row changes.
        assert_eq!(m.decode(8 * 8 * 1024).row, 1);
        assert_eq!(m.location_bits() + 6, 32); // 4 GB
    }

    #[test]
    fn decode_and_encode_round_trip() {
        for (s, org, bl) in [
            ("ro-ba-co-bg", DDR4_2133.org, 8),
            ("ro-ba-co:5-bg-co:2", DDR4_3200.org, 8),
            ("bg-ba-ro-co", DDR4_3200.org, 8),
            ("ro-ba-co-bg", HBM2.org, 4),
            ("co:2-ro-ba:1-bg-ba-co", HBM2.org, 4),
        ] {
            let m = map(s, &org, bl);
            let burst = m.burst_bytes() as u64;
            let mut x = 0x1234_5678_9abc_def1u64;
            for _ in 0..2000 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let addr = (x >> 7) & ((burst << m.location_bits()) - 1) & !(burst - 1);
                let loc = m.decode(addr);
                assert!(loc.row < org.rows && loc.bank < org.banks_per_group, "{s}");
                assert!(loc.bank_group < org.bank_groups && loc.column < org.columns);
                assert_eq!(loc.column % bl, 0);
                assert_eq!(m.encode(&loc), addr, "{s} {addr:#x}");
            }
        }
    }

    #[test]
    fn a_split_field_keeps_its_low_bits_low() {
        let m = map("ro-ba-co:5-bg-co:2", &DDR4_3200.org, 8);
        // Four bursts in bank group 0, then bank group 1.
        let bgs: Vec<u32> = (0..6).map(|i| m.decode(i * 64).bank_group).collect();
        assert_eq!(bgs, [0, 0, 0, 0, 1, 1]);
        let cols: Vec<u32> = (0..5).map(|i| m.decode(i * 64).column).collect();
        assert_eq!(cols, [0, 8, 16, 24, 0]);
        assert_eq!(m.decode(16 * 64).column, 32);
    }

    #[test]
    fn display_round_trips_the_string() {
        for s in ["ro-ba-co-bg", "ra-ro-ba-co:5-bg-co:2"] {
            let m: Mapping = s.parse().unwrap();
            assert_eq!(m.to_string(), s);
        }
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        let e = |s: &str| s.parse::<Mapping>().unwrap_err();
        assert_eq!(e(""), MappingError::Empty);
        assert_eq!(e("ro-xx-co"), MappingError::UnknownField("xx".into()));
        assert_eq!(e("ro-ba-"), MappingError::UnknownField("".into()));
        assert_eq!(e("ro-co:x-bg"), MappingError::BadWidth("co:x".into()));
        assert_eq!(e("ro-co:0-bg"), MappingError::BadWidth("co:0".into()));
        assert_eq!(e("ro-co-ba-co"), MappingError::AmbiguousWidth("co"));
        let resolve = |s: &str| AddressMap::new(&s.parse().unwrap(), &DDR4_2133.org, 8);
        assert_eq!(
            resolve("ro-ba-co"),
            Err(MappingError::Missing {
                field: "bg",
                count: 2
            })
        );
        assert_eq!(
            resolve("ro-ba-co:3-bg"),
            Err(MappingError::WidthMismatch {
                field: "co",
                given: 3,
                needed: 7
            })
        );
        assert_eq!(
            resolve("ro-ba-co:5-bg-co:5"),
            Err(MappingError::WidthMismatch {
                field: "co",
                given: 10,
                needed: 7
            })
        );
        // One-rank channels may leave `ra` out, or name it with no bits.
        assert!(resolve("ra-ro-ba-co-bg").is_ok());
        assert!(resolve("RO-BA-CO-BG").is_ok());
    }
}
