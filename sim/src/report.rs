//! What a simulated frame reports: cycles per layer and per unit invocation, stalls by cause, bytes per
//! AXI master, and whether the values matched golden. The JSON field names are a stable interface
//! (documented in the README).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::{Attribution, Cause, OpTiming, StallKind};
use crate::schedule::Op;

/// One invocation.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UnitReport {
    /// The unit's golden name (`linear`, `qk_scores`, …).
    pub unit: String,
    /// The invocation (`q.load`, `q`, `e3.fc2`, …).
    pub op: String,
    /// First cycle.
    pub start: u64,
    /// One past its last cycle.
    pub end: u64,
    /// Cycles charged to it: `busy` plus every stall. Over all invocations these add up to the frame.
    pub cycles: u64,
    /// Cycles its core loop issued an iteration.
    pub busy: u64,
    /// Iterations its core loop issued.
    pub iterations: u64,
    /// Charged stall cycles by cause (`fill`, `drain`, `recurrence`, `fifo_empty`, `fifo_full`,
    /// `memory_latency`, `memory_busy`, `row_miss`, `row_conflict`, `refresh`, `interconnect`,
    /// `port_width`, `outstanding`).
    pub stalls: BTreeMap<String, u64>,
    /// The same, naming the stream or master (`fifo_empty:k_stream`, `port_width:inout3`).
    pub stall_detail: BTreeMap<String, u64>,
    /// Cycles it ran hidden behind an earlier invocation (overlapped weight loads).
    pub hidden: u64,
    /// Bytes per master: `{"inout3": {"read": …, "written": …}}`.
    pub bytes: BTreeMap<String, PortBytes>,
}

/// Bytes through one master.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct PortBytes {
    /// Read.
    pub read: u64,
    /// Written.
    pub written: u64,
}

/// One block (or patch embedding).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LayerReport {
    /// `patch_embed` or `l<L>`.
    pub name: String,
    /// Σ of its invocations' cycles.
    pub cycles: u64,
    /// Its invocations in program order.
    pub units: Vec<UnitReport>,
}

/// One master over the frame.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PortReport {
    /// Bundle name.
    pub name: String,
    /// Bytes read.
    pub bytes_read: u64,
    /// Bytes written.
    pub bytes_written: u64,
    /// Average over the frame, in GB/s.
    pub gb_s: f64,
}

/// The whole frame.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    /// Cycles from the first invocation's start to the last one's end.
    pub total_cycles: u64,
    /// At the configured clock.
    pub latency_ms: f64,
    /// The clock.
    pub clock_mhz: f64,
    /// `serial` or `overlapped`.
    pub weight_load: String,
    /// `per_token` or `streamed`.
    pub layernorm_tokens: String,
    /// The channel model.
    pub memory: String,
    /// Σ busy cycles.
    pub busy: u64,
    /// Σ stall cycles by cause over the frame.
    pub stalls: BTreeMap<String, u64>,
    /// Per block.
    pub layers: Vec<LayerReport>,
    /// Per master.
    pub ports: Vec<PortReport>,
    /// Expert queue lengths per MoE layer: `(layer, lengths by expert)`.
    pub routing: Vec<(usize, Vec<usize>)>,
    /// Every tap equal to golden's (`null` in timing-only runs).
    pub golden_match: Option<bool>,
    /// Taps compared.
    pub taps_checked: usize,
    /// Taps that differ.
    pub taps_mismatched: Vec<String>,
    /// The DRAM channel's counters, with the bank model (`memory.model = "dram"`).
    pub dram: Option<DramReport>,
}

/// What the DRAM channel did over the frame.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DramReport {
    /// The preset.
    pub preset: String,
    /// Channels of it, addresses interleaved over them.
    pub channels: usize,
    /// Their peak together, GB/s.
    pub peak_gbps: f64,
    /// Bytes moved over the frame's time, GB/s.
    pub achieved_gbps: f64,
    /// DRAM bursts read and written.
    pub reads: u64,
    /// See `reads`.
    pub writes: u64,
    /// Share of bursts that found their row open.
    pub row_hit_rate: f64,
    /// Bursts that opened a row in a precharged bank.
    pub row_misses: u64,
    /// Bursts that had to close another row first (bank conflicts).
    pub row_conflicts: u64,
    /// Share of DRAM clocks the rank was blocked by refresh.
    pub refresh_share: f64,
    /// Share of DRAM clocks the data bus carried data.
    pub bus_utilization: f64,
    /// Read latency in the controller (arrival to last data), ns.
    pub read_latency_ns: Percentiles,
    /// DRAM energy over the frame, all channels, mJ (`null` when the preset has no cited power
    /// table, as for HBM2): commands plus background, without I/O and termination.
    pub energy_mj: Option<f64>,
    /// `energy_mj` over the frame's time, W.
    pub power_w: Option<f64>,
    /// `energy_mj` by class: `act_pre`, `rd`, `wr`, `ref`, `background_active`,
    /// `background_precharged`, `io` (empty without a power table).
    pub energy_breakdown_mj: BTreeMap<String, f64>,
}

/// A latency distribution.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Mean.
    pub mean: f64,
}

impl DramReport {
    /// The report of channels `ctrls` (one preset) after `seconds` of frame: counters summed,
    /// shares over all channels' clocks.
    ///
    /// # Panics
    /// If `ctrls` is empty.
    pub fn new(preset: &str, ctrls: &[dram::Controller], seconds: f64) -> Self {
        let first = &ctrls[0];
        let mut st = dram::DramStats::default();
        for c in ctrls {
            st.merge(c.stats());
        }
        // Each channel's activity up to the end of the frame (or its last clock, if later).
        let frame_clocks = Self::clocks(first.timing(), seconds);
        let activity: Vec<dram::Activity> = ctrls
            .iter()
            .map(|c| c.activity(frame_clocks.max(c.now())))
            .collect();
        Self::from_counts(
            preset,
            first.timing(),
            first.organization(),
            first.burst_bytes(),
            &st,
            &activity,
            seconds,
        )
    }

    /// DRAM clocks in `seconds` of frame, rounded up: where a channel's activity is counted to.
    pub fn clocks(t: &dram::Timing, seconds: f64) -> u64 {
        (seconds * t.clock.hz() as f64).ceil() as u64
    }

    /// The report of `activity.len()` channels of one preset (timing `t`, organisation `org`,
    /// `burst_bytes` per burst) after `seconds` of frame, from their counters `st` summed over
    /// channels and each channel's `activity` (which may itself be a sum, over pieces of the
    /// frame: the energy is linear in its counts).
    ///
    /// # Panics
    /// If `activity` is empty.
    pub fn from_counts(
        preset: &str,
        t: &dram::Timing,
        org: &dram::Organization,
        burst_bytes: u32,
        st: &dram::DramStats,
        activity: &[dram::Activity],
        seconds: f64,
    ) -> Self {
        assert!(!activity.is_empty(), "a DRAM report needs a channel");
        let channels = activity.len();
        let tck_ns = t.clock.tck_ps() / 1e3;
        let bursts = st.reads + st.writes;
        let bytes = bursts * burst_bytes as u64;
        // Every channel ran to the end of the frame: shares are per channel-clock.
        let clocks = (seconds * t.clock.hz() as f64 * channels as f64).max(1.0);
        let h = &st.read_latency;
        let energy = dram::preset(preset).and_then(|p| p.power).map(|spec| {
            let mut e = dram::Energy::default();
            for a in activity {
                e.add(&dram::energy(spec, t, org, a));
            }
            e
        });
        let energy_mj = energy.map(|e| e.total_pj() * 1e-9);
        DramReport {
            preset: preset.to_string(),
            channels,
            peak_gbps: channels as f64 * dram::peak_bytes_per_s(t.clock, org.bus_bits) as f64 / 1e9,
            achieved_gbps: bytes as f64 / seconds.max(1e-12) / 1e9,
            reads: st.reads,
            writes: st.writes,
            row_hit_rate: st.row_hit_rate(),
            row_misses: st.row_misses,
            row_conflicts: st.row_conflicts,
            refresh_share: st.refresh_cycles as f64 / clocks,
            bus_utilization: st.data_bus_cycles as f64 / clocks,
            read_latency_ns: Percentiles {
                p50: h.percentile(0.5) as f64 * tck_ns,
                p99: h.percentile(0.99) as f64 * tck_ns,
                mean: h.mean() * tck_ns,
            },
            energy_mj,
            power_w: energy_mj.map(|mj| mj * 1e-3 / seconds.max(1e-12)),
            energy_breakdown_mj: energy.map(|e| e.breakdown_mj()).unwrap_or_default(),
        }
    }
}

fn cause_detail(c: Cause, t: &OpTiming, ports: &[&str]) -> String {
    let port = |p: crate::memory::PortId| ports.get(p.0 as usize).copied().unwrap_or("?");
    let fifo =
        |f: crate::engine::FifoId| t.fifo_names.get(f.0 as usize).map_or("?", |s| s.as_str());
    let k = c.kind().key();
    match c {
        Cause::FifoEmpty(f) | Cause::FifoFull(f) => format!("{k}:{}", fifo(f)),
        _ => match c.port() {
            Some(p) => format!("{k}:{}", port(p)),
            None => k.to_string(),
        },
    }
}

fn kinds(a: &Attribution) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for (c, n) in &a.stalls {
        *m.entry(c.kind().key().to_string()).or_insert(0) += n;
    }
    m
}

impl Report {
    /// Assembles the report of a run.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ops: &[Op],
        timing: &[OpTiming],
        total_cycles: u64,
        clock_mhz: f64,
        ports: &[&str],
        weight_load: &str,
        layernorm_tokens: &str,
        memory: &str,
    ) -> Report {
        let mut layers: Vec<LayerReport> = Vec::new();
        let mut frame_stalls: BTreeMap<String, u64> = StallKind::ALL
            .iter()
            .map(|k| (k.key().to_string(), 0))
            .collect();
        let mut busy = 0;
        let mut port_totals = vec![PortBytes::default(); ports.len()];
        for (op, t) in ops.iter().zip(timing) {
            let name = op
                .layer
                .map_or("patch_embed".to_string(), |l| format!("l{l}"));
            if layers.last().is_none_or(|l| l.name != name) {
                layers.push(LayerReport {
                    name,
                    cycles: 0,
                    units: Vec::new(),
                });
            }
            let mut detail = BTreeMap::new();
            for (c, n) in &t.charged.stalls {
                *detail.entry(cause_detail(*c, t, ports)).or_insert(0) += n;
            }
            let stalls = kinds(&t.charged);
            for (k, n) in &stalls {
                *frame_stalls.entry(k.clone()).or_insert(0) += n;
            }
            busy += t.charged.busy;
            let mut bytes = BTreeMap::new();
            for &(p, rd, wr) in &t.traffic {
                let name = ports.get(p.0 as usize).copied().unwrap_or("?").to_string();
                bytes.insert(
                    name,
                    PortBytes {
                        read: rd,
                        written: wr,
                    },
                );
                if let Some(tot) = port_totals.get_mut(p.0 as usize) {
                    tot.read += rd;
                    tot.written += wr;
                }
            }
            let u = UnitReport {
                unit: t.unit.to_string(),
                op: op.label.clone(),
                start: t.start,
                end: t.end,
                cycles: t.charged.total(),
                busy: t.charged.busy,
                iterations: t.iterations,
                stalls,
                stall_detail: detail,
                hidden: t.hidden,
                bytes,
            };
            let layer = layers.last_mut().expect("pushed above");
            layer.cycles += u.cycles;
            layer.units.push(u);
        }
        let secs = total_cycles as f64 / (clock_mhz * 1e6);
        Report {
            total_cycles,
            latency_ms: secs * 1e3,
            clock_mhz,
            weight_load: weight_load.into(),
            layernorm_tokens: layernorm_tokens.into(),
            memory: memory.into(),
            busy,
            stalls: frame_stalls,
            layers,
            ports: ports
                .iter()
                .zip(port_totals)
                .map(|(n, b)| PortReport {
                    name: n.to_string(),
                    bytes_read: b.read,
                    bytes_written: b.written,
                    gb_s: if secs > 0.0 {
                        (b.read + b.written) as f64 / secs / 1e9
                    } else {
                        0.0
                    },
                })
                .collect(),
            routing: Vec::new(),
            golden_match: None,
            taps_checked: 0,
            taps_mismatched: Vec::new(),
            dram: None,
        }
    }

    /// Σ of every invocation's charged cycles (equals `total_cycles`).
    pub fn charged_cycles(&self) -> u64 {
        self.layers.iter().map(|l| l.cycles).sum()
    }

    /// Every invocation, in program order.
    pub fn units(&self) -> impl Iterator<Item = &UnitReport> {
        self.layers.iter().flat_map(|l| l.units.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy_channel(preset: &str) -> dram::Controller {
        let cfg = dram::DramConfig::preset(preset).expect("preset");
        let mut c = dram::Controller::new(&cfg).expect("controller");
        let mut done = Vec::new();
        for i in 0..2000u64 {
            let write = i % 4 == 3;
            while !c.can_accept(write) {
                let t = c.next_event().expect("pending");
                c.advance(t + 1, &mut done);
            }
            c.enqueue(dram::Request {
                id: i,
                addr: i * c.burst_bytes() as u64,
                write,
                arrive: c.now(),
            });
        }
        while !c.is_idle() {
            let t = c.next_event().expect("pending");
            c.advance(t + 1, &mut done);
        }
        c
    }

    #[test]
    fn the_dram_report_adds_up_each_channels_energy_and_divides_by_the_frame_time() {
        let ctrls = [busy_channel("ddr4-2133"), busy_channel("ddr4-2133")];
        let hz = ctrls[0].timing().clock.hz() as f64;
        let clocks = ctrls[0].now().max(ctrls[1].now()) + 1000;
        let seconds = clocks as f64 / hz;
        let r = DramReport::new("ddr4-2133", &ctrls, seconds);
        let mj = r.energy_mj.expect("ddr4-2133 has an IDD table");
        let spec = dram::preset("ddr4-2133").unwrap().power.unwrap();
        let one = dram::energy(
            spec,
            ctrls[0].timing(),
            ctrls[0].organization(),
            &ctrls[0].activity(clocks),
        );
        assert!((mj - 2.0 * one.total_pj() * 1e-9).abs() < 1e-12, "{mj}");
        let sum: f64 = r.energy_breakdown_mj.values().sum();
        assert!((sum - mj).abs() < 1e-12);
        assert!(r.energy_breakdown_mj["rd"] > r.energy_breakdown_mj["wr"]);
        let w = r.power_w.unwrap();
        assert!((w - mj * 1e-3 / seconds).abs() < 1e-12 * w.max(1.0));
        // Two x64 channels of four x16 chips: between all-idle (IDD2N) and a few watts.
        assert!(w > 8.0 * 1.2 * 0.033 && w < 5.0, "{w} W");
    }

    #[test]
    fn an_hbm2_pseudo_channel_reports_its_energy_without_an_io_term() {
        let ctrls = [busy_channel("hbm2")];
        let r = DramReport::new("hbm2", &ctrls, 1e-4);
        let mj = r.energy_mj.expect("hbm2 has a table");
        assert!(mj > 0.0 && r.power_w.is_some());
        // No source separates the stack's I/O from the host PHY: the class is there, at 0.
        assert_eq!(r.energy_breakdown_mj["io"], 0.0);
        assert!(r.energy_breakdown_mj["rd"] > 0.0);
    }
}
