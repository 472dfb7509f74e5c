//! Golden vector files: what every bench (C++ and Verilog) reads and compares against.
//!
//! # Format (version 1)
//! Plain text, whitespace-separated tokens; line breaks are only for the reader's eye, so a bench can
//! read it with `fscanf("%s")` / `$fscanf("%h")` alone:
//!
//! ```text
//! edgemoe-vectors 1
//! unit <name>
//! # comment lines, only here: what the words mean, the formats, the seed
//! shared <n>            then n words every group uses (e.g. patch_embed's weights)
//! groups <g>
//! group <p> <c> <i> <o> then p parameter words, then c cases of i input and o output words
//! ...                   (g groups)
//! end
//! ```
//! Every word is the raw bit pattern of one value in hexadecimal, masked to its type's width
//! (`fm_t` −1.0 with 22 fractional bits is `ffc00000`); indices and flags are 32-bit words. Which word
//! is which is fixed per unit and documented in [`units`] and in the emitted project's README.

pub mod frame;
pub mod units;

/// The C++ reader of this format and the PASS/FAIL report (`vectors.h`, `vectors.cpp`), plain C++ that
/// the HLS benches and the Verilator harnesses both compile, so both read and report alike.
pub const READER: [(&str, &str); 2] = [
    (
        "vectors.h",
        include_str!("../../templates/common/vectors.h"),
    ),
    (
        "vectors.cpp",
        include_str!("../../templates/common/vectors.cpp"),
    ),
];

use std::fmt::Write as _;

use golden::fixed::Format;

/// One group: parameters loaded once, then cases of inputs and expected outputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// Words the unit is configured with for this group (weights, a matrix, flags).
    pub params: Vec<u64>,
    /// Input words per case.
    pub inputs: usize,
    /// Output words per case.
    pub outputs: usize,
    /// `inputs + outputs` words per case, cases back to back.
    pub cases: Vec<u64>,
}

impl Group {
    /// An empty group with this case shape.
    pub fn new(inputs: usize, outputs: usize) -> Self {
        Group {
            inputs,
            outputs,
            ..Group::default()
        }
    }

    /// Appends one case.
    pub fn push(&mut self, inputs: &[u64], outputs: &[u64]) {
        debug_assert_eq!((inputs.len(), outputs.len()), (self.inputs, self.outputs));
        self.cases.extend_from_slice(inputs);
        self.cases.extend_from_slice(outputs);
    }

    /// Cases in this group.
    pub fn len(&self) -> usize {
        self.cases.len() / (self.inputs + self.outputs).max(1)
    }

    /// True when the group has no case.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }
}

/// One unit's vectors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VectorFile {
    /// The unit's name (as in golden, the simulator and the emitted code).
    pub unit: String,
    /// Comment lines (without the `# `).
    pub comments: Vec<String>,
    /// Words every group shares.
    pub shared: Vec<u64>,
    /// The groups.
    pub groups: Vec<Group>,
}

impl VectorFile {
    /// Cases over all groups: the "vectors" a cosim report counts.
    pub fn cases(&self) -> usize {
        self.groups.iter().map(Group::len).sum()
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let words = self.shared.len()
            + self
                .groups
                .iter()
                .map(|g| g.params.len() + g.cases.len())
                .sum::<usize>();
        let mut s = String::with_capacity(words * 9 + 1024);
        let _ = writeln!(s, "edgemoe-vectors 1");
        let _ = writeln!(s, "unit {}", self.unit);
        for c in &self.comments {
            let _ = writeln!(s, "# {c}");
        }
        let _ = writeln!(s, "shared {}", self.shared.len());
        write_words(&mut s, &self.shared, 16);
        let _ = writeln!(s, "groups {}", self.groups.len());
        for g in &self.groups {
            let _ = writeln!(
                s,
                "group {} {} {} {}",
                g.params.len(),
                g.len(),
                g.inputs,
                g.outputs
            );
            write_words(&mut s, &g.params, 16);
            let per = g.inputs + g.outputs;
            if per > 0 {
                for case in g.cases.chunks(per) {
                    write_words(&mut s, case, usize::MAX);
                }
            }
        }
        s.push_str("end\n");
        s
    }
}

/// Words in hex, `per_line` to a line.
fn write_words(s: &mut String, words: &[u64], per_line: usize) {
    for line in words.chunks(per_line.max(1)) {
        for (i, w) in line.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            let _ = write!(s, "{w:x}");
        }
        s.push('\n');
    }
}

/// The word for raw `raw` of format `f`: its bits, masked to the width. The raw must be a value of
/// `f`: masking an out-of-range raw would hand the bench a different number than golden computed on.
pub fn word(raw: i64, f: &Format) -> u64 {
    debug_assert!(
        (f.min_raw()..=f.max_raw()).contains(&raw),
        "raw {raw} is not a value of {f}"
    );
    mask(raw, f.width())
}

/// The low `bits` bits of `raw`.
pub fn mask(raw: i64, bits: u32) -> u64 {
    if bits >= 64 {
        raw as u64
    } else {
        raw as u64 & ((1u64 << bits) - 1)
    }
}

/// Words for raws of one format.
pub fn words(raws: impl IntoIterator<Item = i64>, f: &Format) -> Vec<u64> {
    raws.into_iter().map(|r| word(r, f)).collect()
}

/// A 32-bit index or flag word.
pub fn index(i: usize) -> u64 {
    i as u64 & 0xffff_ffff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_masked_hex_and_groups_count_their_cases() {
        let fm = Format::signed(32, 10).unwrap();
        assert_eq!(word(-(1 << 22), &fm), 0xffc0_0000);
        let mut g = Group::new(1, 1);
        g.push(&[word(-1, &fm)], &[1]);
        g.push(&[2], &[3]);
        let f = VectorFile {
            unit: "exp".into(),
            comments: vec!["in: x fm_t; out: y fm_t".into()],
            shared: vec![],
            groups: vec![g],
        };
        assert_eq!(f.cases(), 2);
        assert_eq!(
            f.to_text(),
            "edgemoe-vectors 1\nunit exp\n# in: x fm_t; out: y fm_t\nshared 0\ngroups 1\ngroup 0 2 1 1\nffffffff 1\n2 3\nend\n"
        );
    }
}
