//! Energy of a simulated frame: the FPGA's power ([`hw::power`]) with each part at the busy
//! fraction the simulator measured, times the frame's latency, plus the DRAM energy the channel
//! model counted command by command ([`sim::report::DramReport`]).
//!
//! ```text
//!   Report ──► activity(): busy cycles / frame cycles per unit, beats / cycles per AXI path
//!      │                        │
//!      │      AcceleratorEstimate ──► hw::power::fpga_power ──► W per source × latency ──┐
//!      └─► dram.energy_mj (commands + background, per class) ─────────────────────────────┴─► FrameEnergy
//! ```
//!
//! Why busy cycles and not charged cycles: a unit stalled on a FIFO or on memory holds its inputs
//! (HLS pipelines stall with enables), so its data nets do not toggle; only its clock tree runs.

use std::collections::BTreeMap;

use hw::power::{fpga_power, Activity, PowerError, OWNERS};
use hw::resources::accelerator::AcceleratorEstimate;
use serde::Serialize;
use sim::report::Report;

use crate::bench::frame_macs;
use crate::config::Config;

/// Parts with no invocation of their own in the simulator, and the unit whose busy cycles are
/// theirs: the online softmax updates run inside the QKᵀ pipeline and finalise as its rows end;
/// the expert bookkeeping (queues, top-k) runs as the gate's scores arrive.
const FOLLOWS: [(&str, &str); 2] = [("softmax", "qk_scores"), ("expert_bookkeeping", "gating")];

/// Energy of one frame, in mJ unless named otherwise.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FrameEnergy {
    /// FPGA and DRAM together (the DRAM only when the memory model counts it: see `dram_mj`).
    pub energy_mj: f64,
    /// `energy_mj` over the frame's latency, W.
    pub power_w: f64,
    /// Operations a frame (2 per multiply-accumulate, routed experts only) over the latency.
    pub gops: f64,
    /// `gops` per W of `power_w`.
    pub gops_per_w: f64,
    /// Frames per joule: 1000 / `energy_mj`.
    pub frames_per_j: f64,
    /// The FPGA's share: static, memory-side hard blocks and every unit.
    pub fpga_mj: f64,
    /// The DRAM devices' share; `null` with the simple channel (no banks, no commands to count),
    /// and then not in `energy_mj`.
    pub dram_mj: Option<f64>,
    /// The FPGA's energy by source: `static`, each hard block the accelerator keeps running
    /// (`ps_ddr` on a Zynq), and each unit with its buffers and FIFOs.
    pub fpga_breakdown_mj: BTreeMap<String, f64>,
    /// The DRAM's by command class (`act_pre`, `rd`, `wr`, `ref`, `background_active`,
    /// `background_precharged`, `io`).
    pub dram_breakdown_mj: BTreeMap<String, f64>,
    /// The busy fraction each unit ran at (0..1).
    pub activity: BTreeMap<String, f64>,
    /// The frame's energy by layer, in the report's layer order; they add up to `energy_mj`.
    pub layers: Vec<LayerEnergy>,
}

/// One layer's share of a frame's energy, attributed as its cycles are.
///
/// - `always_on`: static power, the hard blocks and every part's clock tree, over the layer's charged
///   cycles.
/// - each unit (with its buffers, FIFOs and the parts that follow it): its data power over its busy
///   cycles in the layer;
/// - `movers` and `axi_adapters`: their data energy by the layer's share of the bytes moved;
/// - `dram`: the command classes (ACT/PRE, RD, WR, I/O) by the layer's share of the bytes moved,
///   the background and refresh by its share of the cycles.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LayerEnergy {
    /// `patch_embed` or `l<L>`.
    pub name: String,
    /// Its energy, mJ.
    pub energy_mj: f64,
    /// By source (above), mJ.
    pub breakdown_mj: BTreeMap<String, f64>,
}

/// The simulated unit whose busy cycles drive part `part`'s data power: a buffer's owner, a
/// follower's leader, else the part itself.
fn driver(part: &str) -> &str {
    let unit = OWNERS
        .iter()
        .find(|(p, _)| *p == part)
        .map_or(part, |(_, owner)| owner);
    FOLLOWS
        .iter()
        .find(|(p, _)| *p == unit)
        .map_or(unit, |(_, leader)| leader)
}

/// Parts whose data power follows the beats moved rather than a unit's busy cycles.
const BEAT_DRIVEN: [&str; 2] = ["movers", "axi_adapters"];

/// The DRAM classes that scale with the traffic; the others (background, refresh) with time.
const DRAM_TRAFFIC: [&str; 4] = ["act_pre", "rd", "wr", "io"];

/// The frame's energy split over its layers (see [`LayerEnergy`]). `idle` and `full` are the FPGA's
/// power with every part idle and every part busy: a part's clock tree is its idle line, its data
/// power at full activity the difference.
fn layers(
    r: &Report,
    idle: &hw::power::PowerReport,
    full: &hw::power::PowerReport,
    act: &Activity,
    dram: &BTreeMap<String, f64>,
) -> Vec<LayerEnergy> {
    let hz = r.clock_mhz * 1e6;
    let total = r.total_cycles.max(1) as f64;
    let frame_s = r.latency_ms * 1e-3;
    let always_on_w = idle.total_w;
    // Data power (W at activity 1) per driving unit.
    let mut data_w: BTreeMap<&str, f64> = BTreeMap::new();
    let mut beat_mj = 0.0;
    for ((part, i), (_, f)) in idle.dynamic_w.iter().zip(&full.dynamic_w) {
        let d = driver(part);
        if BEAT_DRIVEN.contains(&d) {
            beat_mj += (f - i) * act.of(part) * frame_s * 1e3;
        } else {
            *data_w.entry(d).or_default() += f - i;
        }
    }
    let layer_bytes = |l: &sim::report::LayerReport| -> u64 {
        l.units
            .iter()
            .flat_map(|u| u.bytes.values())
            .map(|b| b.read + b.written)
            .sum()
    };
    let bytes = r.layers.iter().map(layer_bytes).sum::<u64>().max(1) as f64;
    let (traffic_mj, time_mj) = dram.iter().fold((0.0, 0.0), |(t, b), (k, v)| {
        if DRAM_TRAFFIC.contains(&k.as_str()) {
            (t + v, b)
        } else {
            (t, b + v)
        }
    });
    r.layers
        .iter()
        .map(|l| {
            let mut by: BTreeMap<String, f64> = BTreeMap::new();
            by.insert("always_on".into(), always_on_w * l.cycles as f64 / hz * 1e3);
            for u in &l.units {
                if let Some(w) = data_w.get(u.unit.as_str()) {
                    *by.entry(u.unit.clone()).or_default() += w * u.busy as f64 / hz * 1e3;
                }
            }
            let share = layer_bytes(l) as f64 / bytes;
            by.insert("movers".into(), beat_mj * share);
            if !dram.is_empty() {
                by.insert(
                    "dram".into(),
                    traffic_mj * share + time_mj * l.cycles as f64 / total,
                );
            }
            LayerEnergy {
                name: l.name.clone(),
                energy_mj: by.values().sum(),
                breakdown_mj: by,
            }
        })
        .collect()
}

/// Each unit's busy fraction over the frame `r`, and the AXI paths' beat rate, for the parts of
/// `est`.
///
/// - A simulated unit: its invocations' busy cycles over the frame's cycles.
/// - [`FOLLOWS`]: the unit it runs inside of.
/// - `movers` and `axi_adapters`: the beats the masters moved over the beats they could have
///   (`data_bits` a cycle each): every beat passes one mover and one adapter.
/// - Anything else (control): 0, clock tree only.
pub fn activity(r: &Report, est: &AcceleratorEstimate, c: &Config) -> Activity {
    let cycles = r.total_cycles.max(1) as f64;
    let share = |x: f64| (x / cycles).clamp(0.0, 1.0);
    let mut busy: BTreeMap<&str, u64> = BTreeMap::new();
    for u in r.units() {
        *busy.entry(u.unit.as_str()).or_default() += u.busy;
    }
    let bytes: u64 = r.ports.iter().map(|p| p.bytes_read + p.bytes_written).sum();
    let axi = &c.raw.axi;
    let beats = |bits: u32, lanes: usize| {
        let beat = (bits / 8).max(1) as f64;
        share(bytes as f64 / beat / lanes.max(1) as f64)
    };
    let master_rate = beats(axi.data_bits, r.ports.len());
    let mut a = Activity::new();
    for p in &est.parts {
        if OWNERS.iter().any(|(part, _)| *part == p.name) {
            continue; // a buffer takes its unit's
        }
        let from = driver(p.name);
        let v = if BEAT_DRIVEN.contains(&from) {
            master_rate
        } else {
            busy.get(from).map_or(0.0, |&b| share(b as f64))
        };
        a.set(p.name, v);
    }
    a
}

/// The energy of frame `r` of design point `c`, whose accelerator is `est` (`c.accelerator()`).
pub fn frame_energy(
    r: &Report,
    c: &Config,
    est: &AcceleratorEstimate,
) -> Result<FrameEnergy, PowerError> {
    let raw = &c.raw;
    let act = activity(r, est, c);
    let power = fpga_power(est, &act, r.clock_mhz, &raw.board)?;
    let idle = fpga_power(est, &Activity::new(), r.clock_mhz, &raw.board)?;
    let full = fpga_power(est, &Activity::uniform(est, 1.0), r.clock_mhz, &raw.board)?;
    let secs = r.latency_ms * 1e-3;
    let mj = |w: f64| w * secs * 1e3;
    let mut fpga = BTreeMap::new();
    fpga.insert("static".to_string(), mj(power.static_w));
    for (name, w) in &power.hard {
        fpga.insert(name.to_string(), mj(*w));
    }
    for (part, w) in &power.dynamic_w {
        let unit = OWNERS
            .iter()
            .find(|(p, _)| p == part)
            .map_or(*part, |(_, owner)| owner);
        *fpga.entry(unit.to_string()).or_insert(0.0) += mj(*w);
    }
    let fpga_mj = mj(power.total_w);
    let dram_mj = r.dram.as_ref().and_then(|d| d.energy_mj);
    let dram_breakdown_mj = r
        .dram
        .as_ref()
        .map(|d| d.energy_breakdown_mj.clone())
        .unwrap_or_default();
    let energy_mj = fpga_mj + dram_mj.unwrap_or(0.0);
    let power_w = if secs > 0.0 {
        energy_mj * 1e-3 / secs
    } else {
        0.0
    };
    let expert_rows = r.routing.iter().flat_map(|(_, q)| q.iter()).sum::<usize>();
    let ops = 2.0 * frame_macs(&raw.model, expert_rows) as f64;
    let gops = if secs > 0.0 { ops / secs / 1e9 } else { 0.0 };
    let activity = est
        .parts
        .iter()
        .filter(|p| !OWNERS.iter().any(|(part, _)| *part == p.name))
        .map(|p| p.name)
        .map(|n| (n.to_string(), act.of(n)))
        .collect();
    let layers = layers(r, &idle, &full, &act, &dram_breakdown_mj);
    Ok(FrameEnergy {
        energy_mj,
        power_w,
        gops,
        gops_per_w: if power_w > 0.0 { gops / power_w } else { 0.0 },
        frames_per_j: if energy_mj > 0.0 {
            1e3 / energy_mj
        } else {
            0.0
        },
        fpga_mj,
        dram_mj,
        fpga_breakdown_mj: fpga,
        dram_breakdown_mj,
        activity,
        layers,
    })
}

impl FrameEnergy {
    /// The printed summary: the headline line, then the FPGA's and the DRAM's sources, largest
    /// first, each in mJ, its share of the frame's energy and its average W.
    pub fn render(&self, latency_ms: f64) -> String {
        let mut s = String::new();
        let secs = latency_ms * 1e-3;
        let dram = match self.dram_mj {
            Some(mj) => format!("DRAM {:.3} W", mj * 1e-3 / secs.max(1e-12)),
            None => "DRAM not counted".to_string(),
        };
        s += &format!(
            "energy: {:.2} mJ a frame, {:.3} W average (FPGA {:.3} W, {dram}); {:.1} GOPS = {:.2} GOPS/W; {:.2} frames/J\n",
            self.energy_mj,
            self.power_w,
            self.fpga_mj * 1e-3 / secs.max(1e-12),
            self.gops,
            self.gops_per_w,
            self.frames_per_j
        );
        let mut section = |title: &str, lines: &BTreeMap<String, f64>, with_activity: bool| {
            let mut v: Vec<(&String, &f64)> = lines.iter().collect();
            v.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
            for (i, (name, mj)) in v.into_iter().enumerate() {
                let head = if i == 0 { title } else { "" };
                let busy = match (with_activity, self.activity.get(name.as_str())) {
                    (true, Some(a)) => format!("  busy {:>5.1}%", a * 100.0),
                    _ => String::new(),
                };
                s += &format!(
                    "  {head:<5} {name:<22} {mj:>9.3} mJ {:>6.1}% {:>8.3} W{busy}\n",
                    100.0 * mj / self.energy_mj.max(1e-12),
                    mj * 1e-3 / secs.max(1e-12)
                );
            }
        };
        section("FPGA", &self.fpga_breakdown_mj, true);
        section("DRAM", &self.dram_breakdown_mj, false);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::{SegmentCache, SimSpec};

    /// Each token to experts t, t + 1, … (mod E): every queue about as long.
    fn round_robin(m: &golden::model::config::ModelConfig) -> sim::Routing {
        m.moe_layers
            .iter()
            .map(|_| {
                let mut queues = vec![Vec::new(); m.experts];
                for t in 0..m.tokens() {
                    for k in 0..m.top_k {
                        queues[(t + k) % m.experts].push(t);
                    }
                }
                queues.into_iter().enumerate().collect()
            })
            .collect()
    }

    fn frame(c: &Config) -> Report {
        let raw = &c.raw;
        let spec = SimSpec {
            model: &raw.model,
            numerics: &c.numerics,
            arch: &raw.arch,
            axi: &raw.axi,
            memory: &raw.memory,
            task: 0,
        };
        sim::simulate_memoized(&spec, &round_robin(&raw.model), &SegmentCache::new())
            .expect("the default point simulates")
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn each_unit_runs_at_its_busy_cycles_over_the_frames() {
        let c = Config::load(None).expect("embedded default");
        let r = frame(&c);
        let est = c.accelerator();
        let a = activity(&r, &est, &c);
        let busy = |unit: &str| {
            r.units()
                .filter(|u| u.unit == unit)
                .map(|u| u.busy)
                .sum::<u64>()
        };
        let linear = busy("linear") as f64 / r.total_cycles as f64;
        assert!(linear > 0.2 && close(a.of("linear"), linear), "{linear}");
        assert_eq!(a.of("softmax"), a.of("qk_scores"));
        assert_eq!(a.of("expert_bookkeeping"), a.of("gating"));
        assert_eq!(a.of("linear_weights"), a.of("linear"));
        assert_eq!(a.of("control"), 0.0);
        // Every beat the masters moved, over what they could have moved at 256 bits a cycle.
        let bytes: u64 = r.ports.iter().map(|p| p.bytes_read + p.bytes_written).sum();
        let rate = bytes as f64 / 32.0 / 5.0 / r.total_cycles as f64;
        assert!(close(a.of("movers"), rate) && close(a.of("axi_adapters"), rate));
        for p in &est.parts {
            assert!((0.0..=1.0).contains(&a.of(p.name)), "{}", p.name);
        }
    }

    #[test]
    fn a_frames_energy_adds_up_and_its_rates_follow_from_it() {
        let c = Config::load(None).expect("embedded default");
        let r = frame(&c);
        let est = c.accelerator();
        let e = frame_energy(&r, &c, &est).expect("the ZCU102 has power figures");
        let fpga: f64 = e.fpga_breakdown_mj.values().sum();
        assert!(close(fpga, e.fpga_mj), "{fpga} {}", e.fpga_mj);
        let dram = e.dram_mj.expect("ddr4-2133 has a power table");
        let by_class: f64 = e.dram_breakdown_mj.values().sum();
        assert!(close(by_class, dram));
        assert!(close(e.energy_mj, e.fpga_mj + dram));
        assert!(close(e.power_w, e.energy_mj / r.latency_ms));
        assert!(close(e.gops_per_w * e.power_w, e.gops));
        assert!(close(e.frames_per_j * e.energy_mj, 1e3));
        // The layers take the whole frame: 13 of them, adding up to the frame's energy.
        assert_eq!(e.layers.len(), r.layers.len());
        let by_layer: f64 = e.layers.iter().map(|l| l.energy_mj).sum();
        assert!((by_layer / e.energy_mj - 1.0).abs() < 1e-9, "{by_layer}");
        let linear: f64 = e
            .layers
            .iter()
            .filter_map(|l| l.breakdown_mj.get("linear"))
            .sum();
        let linear_clock = {
            let idle = fpga_power(&est, &Activity::new(), r.clock_mhz, &c.raw.board).unwrap();
            idle.dynamic_w
                .iter()
                .filter(|(p, _)| driver(p) == "linear")
                .map(|(_, w)| w * r.latency_ms)
                .sum::<f64>()
        };
        // The linear unit's data energy by layer plus its clock tree is its frame line.
        assert!(close(linear + linear_clock, e.fpga_breakdown_mj["linear"]));
        // Static and the PS DDR rails run the whole frame.
        assert!(close(e.fpga_breakdown_mj["static"], 0.659 * r.latency_ms));
        assert!(close(
            e.fpga_breakdown_mj["ps_ddr"],
            hw::power::PS_DDR.w * r.latency_ms
        ));
        // Two operations a MAC: 258 routed rows a MoE layer here (top-2 of 129 tokens).
        let rows = 2 * r.routing.len() * c.raw.model.tokens();
        let ops = 2.0 * frame_macs(&c.raw.model, rows) as f64;
        assert!(close(e.gops, ops / (r.latency_ms * 1e-3) / 1e9));
        // At half the clock the same cycles take twice as long: the units' energy a frame stays,
        // static and the hard blocks run twice as long. More energy, less power.
        let mut slow = c.clone();
        slow.raw.arch.clock_mhz /= 2.0;
        let es = frame_energy(&frame(&slow), &slow, &est).unwrap();
        assert!(es.energy_mj > e.energy_mj && es.power_w < e.power_w);
    }

    #[test]
    fn a_device_without_power_figures_is_an_error_not_a_guess() {
        let c = Config::load(None).expect("embedded default");
        let r = frame(&c);
        let mut other = c.clone();
        other.raw.board.part = "xc7z020clg400-1".into();
        let err = frame_energy(&r, &other, &c.accelerator()).unwrap_err();
        assert!(err.to_string().contains("xc7z020clg400-1"), "{err}");
    }
}
