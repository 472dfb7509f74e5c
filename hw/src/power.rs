//! FPGA power of a design point: the device's static power, the hard memory-side blocks the
//! accelerator keeps running (the PS DDR controller on a Zynq), and each part's dynamic power from
//! its resources, its activity and the clock.
//!
//! ```text
//!   AcceleratorEstimate ─┐                      ┌─► static_w   (device → DEVICES table)
//!   Activity (busy 0..1) ├─► fpga_power(f MHz) ─┼─► hard_w     (the device's memory-side blocks)
//!   BoardConfig ─────────┘                      └─► dynamic_w  per part:
//!                 Σ_r n_r · c_r · f · a   (data: LUT and its nets, LUTRAM, FF, DSP, RAMB18)
//!               + Σ_r n_r · k_r · f       (clock tree, at full rate: no clock gating)
//! ```
//!
//! Where the figures come from: Vivado's own power model, read off `report_power` of routed
//! designs on Zynq UltraScale+ parts that their authors published (the coefficients are its
//! per-resource lines divided by the count used and the clock). Vivado's figures are estimates
//! at vectorless default activity (12.5% toggle at static probability 0.5: UG907 "Default
//! Activity Settings"), not measurements; the board measurement found (PowerGear, below) is a
//! cross-check of the static line. So a part busy every cycle is taken to toggle as Vivado's
//! vectorless default assumes, and a part busy a fraction `a` of the cycles at `a` times that:
//! stalled, its inputs hold (XPE scales a DSP's toggle rate by its clock-enable rate the same way:
//! UG440, "Using the DSP Sheet").
//!
//! The reports (repository @ commit, file; all `report_power` of routed designs, Vivado's default
//! environment, typical process, VCCINT 0.85 V):
//! - **R1**: I-am-VarunM/ZCU102_src @ 3ca8b5e, `project_2/project_2.runs/impl_1/
//!   Base_Zynq_MPSoC_wrapper_power_routed.rpt`: xczu9eg-ffvb1156-2-e (the ZCU102's part),
//!   Vivado 2019.1, one PL clock of 100 MHz, Tj 29.6 °C; 101,014 logic LUTs (0.378 W), 79,687
//!   registers (0.030 W), signals 0.338 W, clocks 0.222 W, 192 RAMB36 (0.132 W), 513 DSPs
//!   (0.163 W), PL static 0.659 W, PS DDR rails VCC_PSINTFP_DDR 0.690 A at 0.85 V and
//!   VCCO_PSDDR_504 0.620 A at 1.2 V. Its PL lines add up to its PL dynamic power.
//! - **R3-R5, R7** (LUT RAM only): johnmeisner01/ultra96_bex1 @ c29ce7d (xczu3eg, 250 MHz, 1,192
//!   LUTRAM 0.103 W), CG4002-2021-B03-Audition/Ultra96 @ 404f469 (xczu3eg, 100 MHz, 644 LUTRAM
//!   0.020 W) and @ 0bd34f5 (354 LUTRAM 0.012 W), samuelkravitz/RFSOC @ 3f59361 (xczu48dr,
//!   147 MHz, 232 LUTRAM 0.005 W): 0.35, 0.31, 0.34 and 0.15 µW/MHz; R1 uses almost none.
//! - **R8** (static of an HBM part): cyansemi/csre-demo-v1 @ f92ad3f, `README.md`: the
//!   On-Chip table of an Alveo U50 (xcu50) design, Vivado 2019.2: Device Static 2.335 W at
//!   Tj 34.8 °C, HBM static 0.264 W (the stacks).
//!
//! How far to trust them: the same resource costs 2-4× more or less between designs in these
//! reports (logic depth, fan-out, toggle propagation), and real activity (SAIF) often differs from
//! vectorless by 2-5×; take each coefficient as ±2× and the total as ±50%. The resource counts are
//! Yosys-style ([`crate::resources`]), which spends more LUTs than Vivado, so LUT power leans high.
//! Not modelled: PL I/O (the accelerator has no pins), the SmartConnects between the masters and
//! the PS (R1's AXI interconnect, 0.044 W, is of that order), the rest of the PS (APU, FPD
//! interconnect and HP ports share rails that no source separates), temperature above the
//! reports' 30-35 °C (static power grows roughly exponentially with junction temperature), and
//! glitches.

use std::collections::BTreeMap;

use crate::board::BoardConfig;
use crate::resources::accelerator::AcceleratorEstimate;
use crate::resources::Estimate;

/// Dynamic power of one resource class, in µW per MHz per unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coefficient {
    /// Data switching at Vivado's vectorless default activity, at activity 1. Scales with
    /// activity.
    pub data: f64,
    /// The unit's share of the clock tree (its clock pins and the leaf buffers driving them), at
    /// full rate regardless of activity.
    pub clock: f64,
}

/// The dynamic-power coefficients of a device family at a stated voltage and toggle rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coefficients {
    /// Which family, voltage and toggle rate these are for.
    pub basis: &'static str,
    /// A LUT as logic, with the routed net it drives.
    pub lut: Coefficient,
    /// A LUT as memory or shift register (SRL), with its write clock.
    pub lutram: Coefficient,
    /// A flip-flop, and the clock tree of the design (see [`ULTRASCALE_PLUS`]).
    pub ff: Coefficient,
    /// A DSP48E2 slice.
    pub dsp: Coefficient,
    /// A RAMB18.
    pub bram18: Coefficient,
}

/// Zynq UltraScale+ (16 nm), VCCINT 0.85 V, Vivado vectorless defaults, from the reports above:
/// - `lut.data` 0.0709 = R1's LUT as Logic (0.378 W / 101,014 / 100 MHz = 0.0374) plus its
///   Signals line per logic LUT (0.338 W / 101,014 / 100 MHz = 0.0335): routing is charged to
///   the LUTs, which drive most nets.
/// - `lutram.data` 0.325: the median of R3, R4, R5 and R7's LUT as Distributed RAM lines (R1 has
///   224 such LUTs under 1 mW, too few to read). Shift registers cost less (R1: 0.097), so a
///   design with many SRL streams leans high.
/// - `ff.data` 0.0038 = R1's Register line (0.030 W / 79,687 / 100 MHz).
/// - `ff.clock` 0.0279 = R1's Clocks line over its registers (0.222 W / 79,687 / 100 MHz). It
///   covers the whole clock tree, block RAM and DSP clock pins included, so their `clock` is 0.
/// - `dsp.data` 3.18 = R1's DSPs line (0.163 W / 513 / 100 MHz).
/// - `bram18.data` 3.44 = R1's Block RAM line per RAMB18 (0.132 W / 384 / 100 MHz).
pub const ULTRASCALE_PLUS: Coefficients = Coefficients {
    basis: "Zynq UltraScale+ -2, VCCINT 0.85 V, Vivado vectorless defaults (R1 xczu9eg; LUT RAM R3-R5, R7)",
    lut: Coefficient {
        data: 0.0709,
        clock: 0.0,
    },
    lutram: Coefficient {
        data: 0.325,
        clock: 0.0,
    },
    ff: Coefficient {
        data: 0.0038,
        clock: 0.0279,
    },
    dsp: Coefficient {
        data: 3.18,
        clock: 0.0,
    },
    bram18: Coefficient {
        data: 3.44,
        clock: 0.0,
    },
};

/// A hard block outside the programmable logic that the accelerator keeps running, drawing a
/// fixed power while the frame runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HardBlock {
    /// The line's name in the report.
    pub name: &'static str,
    /// Its power, in W.
    pub w: f64,
    /// Where the figure comes from.
    pub source: &'static str,
}

/// The PS DDR controller, PHY and I/O of the ZCU102's x64 DDR4 as Vivado estimates them in R1:
/// VCC_PSINTFP_DDR 0.690 A × 0.85 V + VCCO_PSDDR_504 0.620 A × 1.2 V = 1.331 W. The report gives
/// no traffic dependence (the PS8 model's DDR activity is not shown), so it is taken flat:
/// it stands for a controller kept busy, and over-counts a mostly idle one.
pub const PS_DDR: HardBlock = HardBlock {
    name: "ps_ddr",
    w: 0.690 * 0.85 + 0.620 * 1.2,
    source: "R1: Vivado 2019.1 report_power, xczu9eg, PS DDR rails (controller, PHY, I/O)",
};

/// The static power and memory-side hard blocks of a device.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Device {
    /// The device, as the part number starts (`xczu9eg`).
    pub device: &'static str,
    /// PL static power, in W.
    pub static_w: f64,
    /// Where the static figure comes from.
    pub static_source: &'static str,
    /// The hard blocks the accelerator's memory traffic keeps running.
    pub hard: &'static [HardBlock],
    /// Its fabric's dynamic-power coefficients.
    pub coefficients: &'static Coefficients,
}

/// Devices with power figures.
///
/// XCZU9EG: 0.659 W, R1's PL Static (Vivado, typical process, Tj 29.6 °C). A board measurement
/// brackets it from below: PowerGear (Lin et al., DATE 2022; github.com/zlinaf/PowerGear @ e36f116,
/// `dataset/benchmark/target/atax/power_measurement.csv`, column `static_pwr(uW)`) measured
/// ZCU102s holding programmed designs idle at 306-460 mW, with typical silicon at room
/// temperature where Vivado's typical model is a design margin.
///
/// XCU280 (Alveo U280): 3.50 W, DERIVED: R8's Device Static of the U50's xcu50 (2.335 W, at
/// Tj 34.8 °C) per LUT site (870,016) times the XCU280's 1,303,680, static power being close to
/// proportional to device capacity in one family. Its HBM controllers and PHYs have no figure of
/// their own (R8's HBM line mixes them with the stacks, which the DRAM model counts): none listed.
/// Its fabric takes the Zynq UltraScale+ coefficients: the same 16 nm fabric, at the same 0.85 V
/// when a -2L part runs at its nominal voltage.
pub const DEVICES: [Device; 2] = [
    Device {
        device: "xczu9eg",
        static_w: 0.659,
        static_source: "R1: Vivado 2019.1 report_power, xczu9eg-2, PL Static at Tj 29.6 °C",
        hard: &[PS_DDR],
        coefficients: &ULTRASCALE_PLUS,
    },
    Device {
        device: "xcu280",
        static_w: 2.335 * 1_303_680.0 / 870_016.0,
        static_source: "DERIVED: R8's xcu50 Device Static (2.335 W) per LUT site x 1,303,680",
        hard: &[],
        coefficients: &ULTRASCALE_PLUS,
    },
];

/// Which unit a buffer or FIFO serves: with no activity of its own it takes its unit's.
pub const OWNERS: [(&str, &str); 16] = [
    ("linear_weights", "linear"),
    ("linear_bias", "linear"),
    ("linear_weight_cache", "linear"),
    ("linear_in_cache", "linear"),
    ("linear_in_fifo", "linear"),
    ("patch_embed_weights", "patch_embed"),
    ("patch_embed_bias", "patch_embed"),
    ("patch_sums", "patch_embed"),
    ("layernorm_params", "layernorm"),
    ("layernorm_token", "layernorm"),
    ("w_gate", "gating"),
    ("expert_queues", "gating"),
    ("expert_scores", "gating"),
    ("streams", "movers"),
    ("axi_read_buffers", "axi_adapters"),
    ("axi_write_buffers", "axi_adapters"),
];

/// Each part's busy fraction (0..=1), by part name.
///
/// Lookup: the name's own entry; else, for a buffer or FIFO, its unit's ([`OWNERS`]); else 0: the
/// part is clocked but idle, so it draws its clock-tree power only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Activity {
    busy: BTreeMap<String, f64>,
}

impl Activity {
    /// No entries: every part idle.
    pub fn new() -> Activity {
        Activity::default()
    }

    /// Every part of `est` at the same busy fraction.
    pub fn uniform(est: &AcceleratorEstimate, busy: f64) -> Activity {
        let mut a = Activity::new();
        for p in &est.parts {
            a.set(p.name, busy);
        }
        a
    }

    /// Sets `name`'s busy fraction.
    pub fn set(&mut self, name: &str, busy: f64) -> &mut Activity {
        self.busy.insert(name.to_string(), busy);
        self
    }

    /// `name`'s busy fraction by the lookup above.
    pub fn of(&self, name: &str) -> f64 {
        if let Some(&a) = self.busy.get(name) {
            return a;
        }
        OWNERS
            .iter()
            .find(|(part, _)| *part == name)
            .and_then(|(_, owner)| self.busy.get(*owner).copied())
            .unwrap_or(0.0)
    }
}

/// Power of a design point, in W.
#[derive(Clone, Debug, PartialEq)]
pub struct PowerReport {
    /// The device's PL static power.
    pub static_w: f64,
    /// The device's memory-side hard blocks, one line each.
    pub hard: Vec<(&'static str, f64)>,
    /// Their sum.
    pub hard_w: f64,
    /// Each part's dynamic power (data and clock tree), in the estimate's order.
    pub dynamic_w: Vec<(&'static str, f64)>,
    /// Static, hard blocks and dynamic together.
    pub total_w: f64,
}

impl PowerReport {
    /// The parts' dynamic power together.
    pub fn dynamic_total(&self) -> f64 {
        self.dynamic_w.iter().map(|(_, w)| w).sum()
    }
}

impl std::fmt::Display for PowerReport {
    /// One line per source of power and the total, in W.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{:<24} {:>8.3}", "static (PL)", self.static_w)?;
        for (name, w) in &self.hard {
            writeln!(f, "{name:<24} {w:>8.3}")?;
        }
        for (name, w) in &self.dynamic_w {
            writeln!(f, "{name:<24} {w:>8.3}")?;
        }
        writeln!(f, "{:<24} {:>8.3}", "total", self.total_w)
    }
}

/// Why power could not be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PowerError {
    /// The board's part has no static-power figure.
    #[error("no static power figure for part `{part}` (known devices: {known})")]
    UnknownPart {
        /// The board's part number.
        part: String,
        /// The devices [`DEVICES`] has.
        known: String,
    },
    /// A busy fraction outside 0..=1 (or not a number).
    #[error("activity of `{name}` is {value}; a busy fraction lies in 0..=1")]
    Activity {
        /// The part.
        name: String,
        /// The value given.
        value: f64,
    },
    /// A clock that is not a positive, finite frequency.
    #[error("clock of {0} MHz; it must be positive and finite")]
    Clock(f64),
}

/// `board`'s device: the [`DEVICES`] entry its part number starts with.
pub fn device(board: &BoardConfig) -> Result<&'static Device, PowerError> {
    let part = board.part.to_ascii_lowercase();
    DEVICES
        .iter()
        .find(|s| part.starts_with(s.device))
        .ok_or_else(|| PowerError::UnknownPart {
            part: board.part.clone(),
            known: DEVICES.map(|s| s.device).join(", "),
        })
}

/// Dynamic power in W of resources `e` busy a fraction `busy` of the cycles at `clock_mhz`, with
/// coefficients `c`: data power scales with activity, the clock tree runs at full rate (no clock
/// gating is assumed: HLS-generated logic keeps its clock and stalls with enables).
pub fn dynamic_power(e: &Estimate, busy: f64, clock_mhz: f64, c: &Coefficients) -> f64 {
    let lines = [
        (e.lut, c.lut),
        (e.lutram, c.lutram),
        (e.ff, c.ff),
        (e.dsp, c.dsp),
        (e.bram18, c.bram18),
    ];
    let uw: f64 = lines
        .iter()
        .map(|&(n, k)| n as f64 * (k.data * busy + k.clock) * clock_mhz)
        .sum();
    uw * 1e-6
}

/// The FPGA power of the accelerator `est` at `clock_mhz` on `board`, each part at its
/// [`Activity`], with its device's coefficients.
pub fn fpga_power(
    est: &AcceleratorEstimate,
    activity: &Activity,
    clock_mhz: f64,
    board: &BoardConfig,
) -> Result<PowerReport, PowerError> {
    if !(clock_mhz.is_finite() && clock_mhz > 0.0) {
        return Err(PowerError::Clock(clock_mhz));
    }
    let dev = device(board)?;
    let checked = |name: &str| {
        let a = activity.of(name);
        if (0.0..=1.0).contains(&a) {
            Ok(a)
        } else {
            Err(PowerError::Activity {
                name: name.to_string(),
                value: a,
            })
        }
    };
    let hard: Vec<(&'static str, f64)> = dev.hard.iter().map(|b| (b.name, b.w)).collect();
    let mut dynamic_w = Vec::with_capacity(est.parts.len());
    for p in &est.parts {
        let a = checked(p.name)?;
        dynamic_w.push((
            p.name,
            dynamic_power(&p.estimate, a, clock_mhz, dev.coefficients),
        ));
    }
    let hard_w = hard.iter().map(|(_, w)| w).sum::<f64>();
    let static_w = dev.static_w;
    let total_w = static_w + hard_w + dynamic_w.iter().map(|(_, w)| w).sum::<f64>();
    Ok(PowerReport {
        static_w,
        hard,
        hard_w,
        dynamic_w,
        total_w,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::ArchConfig;
    use crate::resources::accelerator::point;

    fn default_point() -> AcceleratorEstimate {
        let d = ArchConfig::default();
        point(d.linear_tile_in, d.linear_tile_out, d.attn_lanes)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    /// Busy fractions over a frame, DERIVED from §15's cycle counts (7.1 M cycles a frame):
    /// the linear unit computes 12 x 4 x 18,576 + 6 x 148,608 (MLP) + 6 x 148,608 (experts) ≈ 2.67 M
    /// cycles plus its weight loads; QKᵀ and AV 12 x 102,168 each; LayerNorm 24 x ≈ 23k; gating
    /// 6 x ≈ 25k; patch embedding ≤ 221k; the movers and AXI adapters busy while any unit streams.
    fn frame_mix() -> Activity {
        let mut a = Activity::new();
        for (name, busy) in [
            ("linear", 0.45),
            ("qk_scores", 0.17),
            ("softmax", 0.17),
            ("attn_av", 0.17),
            ("layernorm", 0.08),
            ("gating", 0.02),
            ("patch_embed", 0.03),
            ("add", 0.01),
            ("expert_bookkeeping", 0.02),
            ("movers", 0.6),
            ("axi_adapters", 0.6),
            ("control", 0.0),
        ] {
            a.set(name, busy);
        }
        // Buffers and FIFOs take their unit's activity.
        a
    }

    #[test]
    fn one_dsp_and_100_luts_at_300_mhz_half_busy_is_the_coefficients_arithmetic() {
        let e = Estimate {
            lut: 100,
            dsp: 1,
            ..Estimate::default()
        };
        let c = ULTRASCALE_PLUS;
        let expected =
            (100.0 * c.lut.data * 0.5 + c.dsp.data * 0.5 + 100.0 * c.lut.clock + c.dsp.clock)
                * 300.0
                * 1e-6;
        assert!(close(dynamic_power(&e, 0.5, 300.0, &c), expected));
        // With today's figures: (100 x 0.0709 + 3.18) / 2 µW/MHz x 300 MHz = 1.5405 mW.
        assert!(close(expected, 1.5405e-3), "{expected}");
    }

    #[test]
    fn the_coefficients_give_back_the_zcu102_report_they_came_from() {
        // R1: 101,014 logic LUTs, 79,687 registers, 192 RAMB36, 513 DSPs at 100 MHz, vectorless.
        // Its lines: logic 0.378 + signals 0.338 + register 0.030 + clocks 0.222 + block RAM 0.132
        // + DSPs 0.163 = 1.263 W (CARRY8, SRL and LUT RAM, 0.019 W together, are not modelled
        // apart).
        let e = Estimate {
            lut: 101_014,
            ff: 79_687,
            bram18: 384,
            dsp: 513,
            ..Estimate::default()
        };
        let w = dynamic_power(&e, 1.0, 100.0, &ULTRASCALE_PLUS);
        assert!((w - 1.263).abs() < 0.005, "{w}");
        // Static and the PS DDR rails as the report gives them.
        assert_eq!(DEVICES[0].static_w, 0.659);
        assert!((PS_DDR.w - (0.5865 + 0.744)).abs() < 1e-12);
    }

    #[test]
    fn dynamic_power_is_linear_in_clock_and_in_activity() {
        let est = default_point();
        let board = BoardConfig::default();
        let power = |busy: f64, mhz: f64| {
            let r = fpga_power(&est, &Activity::uniform(&est, busy), mhz, &board).unwrap();
            r.dynamic_total()
        };
        // Proportional to the clock.
        assert!(close(power(0.7, 300.0), 2.0 * power(0.7, 150.0)));
        // Affine in activity: clock tree at a = 0 plus data power times a.
        let (idle, full) = (power(0.0, 300.0), power(1.0, 300.0));
        for a in [0.25, 0.5, 0.9] {
            assert!(close(power(a, 300.0), idle + a * (full - idle)));
        }
        assert!(full > idle && idle > 0.0);
    }

    #[test]
    fn an_idle_design_draws_static_its_hard_blocks_and_its_clock_tree_only() {
        let est = default_point();
        let board = BoardConfig::default();
        let r = fpga_power(&est, &Activity::new(), 300.0, &board).unwrap();
        let c = ULTRASCALE_PLUS;
        let t = est.total;
        let clock = (t.lut as f64 * c.lut.clock
            + t.lutram as f64 * c.lutram.clock
            + t.ff as f64 * c.ff.clock
            + t.dsp as f64 * c.dsp.clock
            + t.bram18 as f64 * c.bram18.clock)
            * 300.0
            * 1e-6;
        let hard: f64 = DEVICES[0].hard.iter().map(|b| b.w).sum();
        assert!(close(r.dynamic_total(), clock));
        assert!(close(r.hard_w, hard));
        assert!(close(r.total_w, DEVICES[0].static_w + hard + clock));
    }

    #[test]
    fn an_unknown_part_is_an_error_naming_it() {
        let est = default_point();
        let board = BoardConfig {
            part: "xc7z020clg400-1".into(),
            ..BoardConfig::default()
        };
        let err = fpga_power(&est, &Activity::new(), 300.0, &board).unwrap_err();
        assert!(
            matches!(err, PowerError::UnknownPart { ref part, .. } if part == "xc7z020clg400-1")
        );
        assert!(err.to_string().contains("xczu9eg"), "{err}");
    }

    #[test]
    fn busy_fractions_outside_0_to_1_and_bad_clocks_are_errors() {
        let est = default_point();
        let board = BoardConfig::default();
        let mut a = Activity::new();
        a.set("linear", 1.5);
        assert!(matches!(
            fpga_power(&est, &a, 300.0, &board),
            Err(PowerError::Activity { ref name, .. }) if name == "linear"
        ));
        a.set("linear", f64::NAN);
        assert!(fpga_power(&est, &a, 300.0, &board).is_err());
        for mhz in [0.0, -1.0, f64::INFINITY] {
            assert_eq!(
                fpga_power(&est, &Activity::new(), mhz, &board),
                Err(PowerError::Clock(mhz))
            );
        }
    }

    #[test]
    fn buffers_take_their_units_activity_unless_given_their_own() {
        let mut a = Activity::new();
        a.set("linear", 0.4);
        assert_eq!(a.of("linear_weights"), 0.4);
        assert_eq!(a.of("patch_sums"), 0.0);
        a.set("linear_weights", 0.9);
        assert_eq!(a.of("linear_weights"), 0.9);
        // Every owner is a part of the default point, and so is every owned buffer.
        let est = default_point();
        for (part, owner) in OWNERS {
            assert!(est.part(part).is_some(), "{part}");
            assert!(est.part(owner).is_some(), "{owner}");
        }
    }

    #[test]
    fn the_default_point_draws_a_plausible_zcu102_power() {
        // Published ZCU102 accelerators report about 5-25 W of board or PL power. At full activity
        // the default point (LUT 66%, DSP 69%, BRAM 42% of the XCZU9EG) should land inside that
        // range; over a frame's mix it must lie between idle and full.
        let est = default_point();
        let board = BoardConfig::default();
        let full = fpga_power(&est, &Activity::uniform(&est, 1.0), 300.0, &board).unwrap();
        let mix = fpga_power(&est, &frame_mix(), 300.0, &board).unwrap();
        let idle = fpga_power(&est, &Activity::new(), 300.0, &board).unwrap();
        println!("full activity:\n{full}\nframe mix:\n{mix}\nidle:\n{idle}");
        assert!((5.0..25.0).contains(&full.total_w), "{}", full.total_w);
        assert!(idle.total_w < mix.total_w && mix.total_w < full.total_w);
        assert_eq!(full.static_w, 0.659);
        assert_eq!(full.hard, vec![("ps_ddr", PS_DDR.w)]);
    }

    #[test]
    fn the_u280_has_a_derived_static_power_and_no_ps() {
        let board = BoardConfig {
            part: "xcu280-fsvh2892-2L-e".into(),
            ..BoardConfig::default()
        };
        let d = device(&board).unwrap();
        // 2.335 W x 1,303,680 / 870,016 LUT sites.
        assert!((d.static_w - 3.4989).abs() < 1e-3, "{}", d.static_w);
        let r = fpga_power(&default_point(), &Activity::new(), 300.0, &board).unwrap();
        assert!(r.hard.is_empty() && r.hard_w == 0.0);
    }
}
