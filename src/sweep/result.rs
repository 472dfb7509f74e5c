//! One line of `DIR/results.jsonl` and the sweep's manifest (`DIR/sweep.json`): the stable interface
//! between running a sweep, merging its shards and reporting on it (field names documented in the
//! README).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What became of a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Simulated, and fits the board.
    Ok,
    /// Simulated, but needs more of some resource than the board has (see `over`).
    Infeasible,
    /// Could not be simulated (see `reason`): kept so a resumed sweep does not retry it forever.
    Failed,
}

/// A resource the design point needs more of than the board has.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overuse {
    /// `lut`, `ff`, `dsp` or `bram36`.
    pub resource: String,
    /// What the resource model says the design needs.
    pub needed: f64,
    /// What the board has.
    pub available: f64,
}

/// The resource model's figures for the whole accelerator (`hw::resources::accelerator`; nothing is
/// mapped to UltraRAM).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    /// LUTs (logic and memory).
    pub lut: u64,
    /// Flip-flops.
    pub ff: u64,
    /// DSP slices.
    pub dsp: u64,
    /// 36 Kb block RAMs (halves count: two 18 Kb halves make one).
    pub bram36: f64,
}

/// Golden (fixed point) against its f64 twin at the frame's last block output, as `verify` reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    /// The tap compared (`l11.x` for Edge-MoE).
    pub tap: String,
    /// mean (fixed − f64)².
    pub mse: f64,
    /// mean |fixed − f64|.
    pub mae: f64,
    /// max |fixed − f64|.
    pub max_abs_err: f64,
}

/// A point's energy per frame (`crate::energy`): the FPGA at each unit's measured busy fraction,
/// and the DRAM's commands and background.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointEnergy {
    /// FPGA and DRAM, mJ a frame.
    pub energy_mj: f64,
    /// Over the frame's latency, W.
    pub power_w: f64,
    /// Operations a second (2 a MAC) per W.
    pub gops_per_w: f64,
    /// 1000 / `energy_mj`.
    pub frames_per_j: f64,
    /// The FPGA's share, mJ.
    pub fpga_mj: f64,
    /// The DRAM's share, mJ (`null`: the memory model counts none, and `energy_mj` leaves it out).
    pub dram_mj: Option<f64>,
}

/// One simulated design point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    /// The point's index in the space (grid order, or the sample's order): stable across runs, shards
    /// and `--jobs`, and what every consumer sorts by.
    pub id: usize,
    /// The axis values of this point, by dotted field (`arch.attn_lanes` → 8).
    pub values: BTreeMap<String, toml::Value>,
    /// Ok, infeasible or failed.
    pub status: Status,
    /// Why it failed (status `failed` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Frame latency in cycles of the accelerator clock.
    pub latency_cycles: u64,
    /// Frame latency in ms at `clock_mhz`.
    pub latency_ms: f64,
    /// The accelerator clock.
    pub clock_mhz: f64,
    /// Cycles charged to each unit over the frame (`linear`, `qk_scores`, …): they add up to
    /// `latency_cycles`.
    pub unit_cycles: BTreeMap<String, u64>,
    /// The whole accelerator's resources.
    pub resources: Resources,
    /// Each resource as a fraction of the board's.
    pub utilization: BTreeMap<String, f64>,
    /// What does not fit (empty when the point fits).
    pub over: Vec<Overuse>,
    /// Golden against f64 with this point's formats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<Accuracy>,
    /// Energy a frame (simulated points whose device has power figures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy: Option<PointEnergy>,
    /// The point's full effective config as TOML: `edgemoe simulate --config` on it reproduces the point.
    pub config: String,
}

/// What a sweep was asked to do, written once as `DIR/sweep.json`, so a resumed run or a shard can
/// check that it continues the same sweep, and the report can say what was explored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The space file's path as given.
    pub space_file: String,
    /// The space file's text.
    pub space: String,
    /// Points in the space (after sampling).
    pub points: usize,
    /// The axes, by dotted field, with their values in order.
    pub axes: Vec<(String, Vec<toml::Value>)>,
    /// `grid`, `random` or `lhs`.
    pub sample: String,
    /// The sample's seed (random and lhs).
    pub seed: Option<u64>,
    /// The board of the base config (each point may override it).
    pub board: String,
    /// The point equal to the base config (every axis at the base's value), if the space holds it: the
    /// report measures the sweep's gain against it.
    #[serde(default)]
    pub default_point: Option<usize>,
}
