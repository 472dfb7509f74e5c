//! One design point of a sweep: its cycles (timing only, golden's routing replayed), its resources
//! against the board, its energy a frame, and its accuracy, as one result line.

use std::collections::BTreeMap;

use hw::resources::accelerator::AcceleratorEstimate;
use sim::{Mode, SegmentCache, SimOptions, SimSpec};

use super::golden::Reference;
use super::result::{Overuse, PointEnergy, PointResult, Resources, Status};
use super::space::Point;
use crate::config::Config;
use crate::energy::frame_energy;

/// How a point's cycles are counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Timing {
    /// Each distinct segment of the frame (an invocation, or a compute call with the weight load
    /// beside it) simulated once from a drained memory system and shared by every point and layer that
    /// has it (`sim::simulate_memoized`): within 0.1–0.2% of `frame`, 10–30× faster.
    #[default]
    Segments,
    /// The whole frame in one run of the cycle engine, DRAM state carried across invocations, as
    /// `simulate` does.
    Frame,
}

impl Timing {
    /// The name used in the space file.
    pub fn name(self) -> &'static str {
        match self {
            Timing::Segments => "segments",
            Timing::Frame => "frame",
        }
    }
}

/// Evaluates `p`; a point that cannot be simulated becomes a `failed` line, not an error.
pub fn evaluate(
    p: &Point,
    reference: &Result<Reference, String>,
    task: usize,
    timing: Timing,
    cache: &SegmentCache,
) -> PointResult {
    let c = &p.config;
    let est = c.accelerator();
    let (resources, utilization, over) = resources(c, &est);
    let mut r = PointResult {
        id: p.id,
        values: p.values.clone(),
        status: Status::Ok,
        reason: None,
        latency_cycles: 0,
        latency_ms: 0.0,
        clock_mhz: c.raw.arch.clock_mhz,
        unit_cycles: BTreeMap::new(),
        resources,
        utilization,
        over,
        accuracy: None,
        energy: None,
        config: c.text.clone(),
    };
    let reference = match reference {
        Ok(x) => x,
        Err(e) => {
            r.status = Status::Failed;
            r.reason = Some(format!("golden frame: {e}"));
            return r;
        }
    };
    r.accuracy = Some(reference.accuracy.clone());
    let spec = SimSpec {
        model: &c.raw.model,
        numerics: &c.numerics,
        arch: &c.raw.arch,
        axi: &c.raw.axi,
        memory: &c.raw.memory,
        task,
    };
    let report = match timing {
        Timing::Segments => sim::simulate_memoized(&spec, &reference.routing, cache),
        Timing::Frame => sim::simulate(
            &spec,
            Mode::Timing(&reference.routing),
            SimOptions::default(),
        )
        .map(|out| out.report),
    };
    match report {
        Ok(report) => {
            r.latency_cycles = report.total_cycles;
            r.latency_ms = report.latency_ms;
            for u in report.units() {
                *r.unit_cycles.entry(u.unit.clone()).or_default() += u.cycles;
            }
            // A device without power figures leaves the point without energy, not failed.
            r.energy = frame_energy(&report, c, &est).ok().map(|e| PointEnergy {
                energy_mj: e.energy_mj,
                power_w: e.power_w,
                gops_per_w: e.gops_per_w,
                frames_per_j: e.frames_per_j,
                fpga_mj: e.fpga_mj,
                dram_mj: e.dram_mj,
            });
            if !r.over.is_empty() {
                r.status = Status::Infeasible;
            }
        }
        Err(e) => {
            r.status = Status::Failed;
            r.reason = Some(format!("simulation: {e}"));
        }
    }
    r
}

/// The accelerator's resources, each as a share of the board, and what does not fit.
fn resources(
    c: &Config,
    est: &AcceleratorEstimate,
) -> (Resources, BTreeMap<String, f64>, Vec<Overuse>) {
    let board = &c.raw.board;
    let t = est.total;
    let resources = Resources {
        lut: t.lut + t.lutram,
        ff: t.ff,
        dsp: t.dsp,
        bram36: t.bram36(),
    };
    // A board without any of a resource gives an infinite share: JSON has no infinity, and the
    // overuse list already says it.
    let utilization = board
        .utilization(&t)
        .shares()
        .into_iter()
        .filter(|(_, v)| v.is_finite())
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let over = board
        .overuse(&t)
        .into_iter()
        .map(|o| Overuse {
            resource: o.resource.to_string(),
            needed: o.needed,
            available: o.available,
        })
        .collect();
    (resources, utilization, over)
}
