//! The `[board]` section: the device a design point must fit (§11).

use golden::model::config::ConfigIssue;
use serde::{Deserialize, Serialize};

use crate::resources::Estimate;

/// A resource a design point needs more of than its board has.
#[derive(Clone, Debug, PartialEq)]
pub struct Overuse {
    /// `lut`, `ff`, `dsp` or `bram36`.
    pub resource: &'static str,
    /// What the estimate needs (LUTs: logic and LUT RAM; BRAM36: half the RAMB18s).
    pub needed: f64,
    /// What the board has.
    pub available: f64,
}

/// The share of each of the board's resources an estimate takes (1.0 = all of it; above 1 it does
/// not fit). A resource the board has none of reads 0 when unused and infinity when used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Utilization {
    /// LUTs, logic and LUT RAM together (both take LUT sites).
    pub lut: f64,
    /// Flip-flops.
    pub ff: f64,
    /// DSP slices.
    pub dsp: f64,
    /// 36 Kb block RAMs (two RAMB18s to one, as the placer pairs them).
    pub bram36: f64,
}

impl Utilization {
    /// The resources in a fixed order, named as [`Overuse::resource`].
    pub fn shares(&self) -> [(&'static str, f64); 4] {
        [
            ("lut", self.lut),
            ("ff", self.ff),
            ("dsp", self.dsp),
            ("bram36", self.bram36),
        ]
    }

    /// The resource that runs out first and its share: what limits the design point.
    pub fn limit(&self) -> (&'static str, f64) {
        self.shares().into_iter().fold(
            ("lut", f64::NEG_INFINITY),
            |a, b| if b.1 > a.1 { b } else { a },
        )
    }
}

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

    /// Needed against available, per resource, in [`Utilization::shares`]' order. UltraRAM is not
    /// among them: the resource model places no memory in it (the ZCU102 has none).
    fn demand(&self, e: &Estimate) -> [(&'static str, f64, f64); 4] {
        [
            ("lut", (e.lut + e.lutram) as f64, self.lut as f64),
            ("ff", e.ff as f64, self.ff as f64),
            ("dsp", e.dsp as f64, self.dsp as f64),
            ("bram36", e.bram36(), self.bram36 as f64),
        ]
    }

    /// The share of each resource `e` takes on this board.
    pub fn utilization(&self, e: &Estimate) -> Utilization {
        let share = |(_, needed, available): (&str, f64, f64)| {
            if available > 0.0 {
                needed / available
            } else if needed > 0.0 {
                f64::INFINITY
            } else {
                0.0
            }
        };
        let [lut, ff, dsp, bram36] = self.demand(e).map(share);
        Utilization {
            lut,
            ff,
            dsp,
            bram36,
        }
    }

    /// Every resource `e` needs more of than this board has; empty when it fits.
    pub fn overuse(&self, e: &Estimate) -> Vec<Overuse> {
        self.demand(e)
            .into_iter()
            .filter(|&(_, needed, available)| needed > available)
            .map(|(resource, needed, available)| Overuse {
                resource,
                needed,
                available,
            })
            .collect()
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

    fn total(tin: usize, tout: usize, lanes: usize) -> Estimate {
        crate::resources::accelerator::point(tin, tout, lanes).total
    }

    #[test]
    fn the_default_point_fits_the_zcu102_with_a_quarter_to_spare() {
        // At the time of writing: LUT 66%, FF 27%, DSP 69%, BRAM36 42%.
        let board = BoardConfig::default();
        let e = total(16, 16, 4);
        assert!(board.overuse(&e).is_empty(), "{:?}", board.overuse(&e));
        for (resource, share) in board.utilization(&e).shares() {
            assert!(share < 0.75, "{resource} at {share:.3}");
        }
    }

    #[test]
    fn a_64_by_64_tile_overuses_dsps_by_the_tile_count() {
        let board = BoardConfig::default();
        let e = total(64, 64, 4);
        let over = board.overuse(&e);
        let dsp = over
            .iter()
            .find(|o| o.resource == "dsp")
            .expect("DSPs overused");
        // The 16x16 default's DSPs, plus two per extra MAC and eight per extra output lane.
        let default = total(16, 16, 4).dsp;
        let expected = default + 2 * (64 * 64 - 16 * 16) + 8 * (64 - 16);
        assert_eq!(dsp.needed, expected as f64);
        assert_eq!(dsp.available, 2_520.0);
        assert!(board.utilization(&e).dsp > 1.0);
    }

    #[test]
    fn luts_count_lut_ram_and_bram36_is_half_the_bram18s() {
        let board = BoardConfig {
            lut: 100,
            ff: 100,
            dsp: 0,
            bram36: 2,
            ..BoardConfig::default()
        };
        let e = Estimate {
            lut: 60,
            lutram: 50,
            ff: 100,
            dsp: 0,
            bram18: 5,
        };
        let over = board.overuse(&e);
        let names: Vec<_> = over.iter().map(|o| (o.resource, o.needed)).collect();
        assert_eq!(names, [("lut", 110.0), ("bram36", 2.5)]);
        let u = board.utilization(&e);
        assert_eq!((u.ff, u.dsp), (1.0, 0.0));
        assert_eq!(u.limit(), ("bram36", 1.25));
    }

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
