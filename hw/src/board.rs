//! The `[board]` section: the device a design point must fit (§11).

use golden::model::config::ConfigIssue;
use serde::{Deserialize, Serialize};

/// A board's device and its resource capacities. Defaults are the ZCU102's XCZU9EG.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BoardConfig {
    /// Board name.
    pub name: String,
    /// Device part number.
    pub part: String,
    /// 6-input LUTs.
    pub lut: u64,
    /// Flip-flops.
    pub ff: u64,
    /// DSP48E2 slices.
    pub dsp: u64,
    /// 36 Kb block RAMs.
    pub bram36: u64,
    /// UltraRAM blocks.
    pub uram: u64,
}

impl Default for BoardConfig {
    fn default() -> Self {
        BoardConfig {
            name: "zcu102".into(),
            part: "xczu9eg-ffvb1156-2-e".into(),
            lut: 274_080,
            ff: 548_160,
            dsp: 2_520,
            bram36: 912,
            uram: 0,
        }
    }
}

impl BoardConfig {
    /// Every problem with these values.
    pub fn validate(&self) -> Vec<ConfigIssue> {
        let mut issues = Vec::new();
        if self.name.trim().is_empty() {
            issues.push(ConfigIssue::new("board.name", "must not be empty"));
        }
        for (key, v) in [("lut", self.lut), ("ff", self.ff)] {
            if v == 0 {
                issues.push(ConfigIssue::new(
                    format!("board.{key}"),
                    "a device has at least one",
                ));
            }
        }
        issues
    }
}
