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
    /// The device family Yosys's `synth_xilinx -family` maps to, from the part number: `xcup` for
    /// UltraScale+ (Zynq MPSoC `xczu…`, Alveo/Virtex `xcu2…`, `xcvu…p`, `xcku…p`), `xcu` for
    /// UltraScale, `xc7` for 7-series; `None` for parts Yosys has no Xilinx mapping for.
    pub fn yosys_family(&self) -> Option<&'static str> {
        let part = self.part.to_ascii_lowercase();
        let series = part.split('-').next().unwrap_or("");
        if series.starts_with("xczu") || series.starts_with("xcu2") || series.starts_with("xcu5") {
            Some("xcup")
        } else if series.starts_with("xcvu") || series.starts_with("xcku") {
            // Virtex/Kintex UltraScale+ devices end their series name in `p` (xcvu9p, xcku5p).
            Some(if series.ends_with('p') { "xcup" } else { "xcu" })
        } else if series.starts_with("xc7") {
            Some("xc7")
        } else {
            None
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yosys_families_follow_the_part_number() {
        let family = |part: &str| {
            BoardConfig {
                part: part.into(),
                ..BoardConfig::default()
            }
            .yosys_family()
        };
        assert_eq!(family("xczu9eg-ffvb1156-2-e"), Some("xcup"));
        assert_eq!(family("xcu280-fsvh2892-2L-e"), Some("xcup"));
        assert_eq!(family("xcvu9p-flga2104-2L-e"), Some("xcup"));
        assert_eq!(family("xcku040-ffva1156-2-e"), Some("xcu"));
        assert_eq!(family("xc7z020clg400-1"), Some("xc7"));
        assert_eq!(family("10AX115S2F45I1SG"), None);
    }
}
