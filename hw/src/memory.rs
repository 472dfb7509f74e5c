//! `[axi]` and `[memory]`: how the accelerator reaches DRAM (§11).
//!
//! ```text
//!   m_axi_inout1..4, m_axi_weights (256 bit) ─► SmartConnect ─► S_AXI_HP*/HPC* (128 bit) ─► DDR4 controller
//! ```
//! In Edge-MoE every master has its own PS port, so the 256→128-bit conversion halves each master's
//! peak; the DRAM channels behind them (one on the ZCU102, 32 pseudo-channels on an HBM2 board) are
//! shared. `ps_ports` asks what fewer ports cost: a block design whose other IP needs some of the
//! PS's four HP and two HPC ports leaves masters to share one through a SmartConnect.

use golden::model::config::ConfigIssue;
use serde::{Deserialize, Serialize};

/// The five AXI masters of Edge-MoE, in the order of their bundles.
pub const PORT_NAMES: [&str; 5] = ["inout1", "inout2", "inout3", "inout4", "weights"];

/// The AXI masters, all alike.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AxiConfig {
    /// Master data width (256: `max_widen_bitwidth`).
    pub data_bits: u32,
    /// Width of the PS slave port each master reaches through its SmartConnect (128 on HP/HPC ports).
    pub ps_port_bits: u32,
    /// PS slave ports the masters reach, 1 to [`PORT_NAMES`]`.len()`; master `m` goes through port
    /// `m % ps_ports` and shares its data paths with the other masters there (5: one each, as §11).
    pub ps_ports: u32,
    /// Longest burst in beats (Vitis default 16; Edge-MoE sets none, §11 UNCONFIRMED).
    pub max_burst_beats: u32,
    /// Read bursts in flight per master (Vitis default 16).
    pub max_outstanding_reads: u32,
    /// Write bursts awaiting their response per master (Vitis default 16).
    pub max_outstanding_writes: u32,
}

impl Default for AxiConfig {
    fn default() -> Self {
        AxiConfig {
            data_bits: 256,
            ps_port_bits: 128,
            ps_ports: PORT_NAMES.len() as u32,
            max_burst_beats: 16,
            max_outstanding_reads: 16,
            max_outstanding_writes: 16,
        }
    }
}

/// Which channel model serves the masters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryModel {
    /// A fixed latency and a fixed bandwidth shared by every master: the first-order DRAM.
    Simple,
    /// The bank-level DRAM model of `preset`: JEDEC timing, refresh, FR-FCFS.
    Dram,
}

/// When the DRAM controller closes a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PagePolicy {
    /// Rows stay open until another row of the bank is needed: streams hit.
    Open,
    /// Every access auto-precharges.
    Closed,
}

/// The DRAM behind the PS ports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryConfig {
    /// The channel model.
    pub model: MemoryModel,
    /// `simple`: cycles (of the accelerator clock) from a burst's turn at the channel to its first beat,
    /// 64 = the `m_axi_latency` Edge-MoE told HLS to expect.
    pub latency_cycles: u32,
    /// `simple`: bytes per second the channel moves for all masters together, in GB/s (10^9 B/s).
    /// 17.064 = DDR4-2133 × 64 bit, the ZCU102 PS DDR's theoretical peak.
    pub bandwidth_gb_s: f64,
    /// `dram`: the timing preset (`dram::PRESETS`: `ddr4-2133` (x16 devices), `ddr4-2133-x8`,
    /// `ddr4-2400` (x8), `ddr4-2400-x16`, `ddr4-3200` (x8), `ddr4-3200-x16`, `hbm2`, `hbm2-900`).
    pub preset: String,
    /// `dram`: independent channels of `preset` (32 for the pseudo-channels of an HBM2 stack).
    pub channels: u32,
    /// `dram`: bytes of one channel before the next channel takes over.
    pub interleave_bytes: u64,
    /// `dram`: explicit timing values replacing the preset's (`[memory.timing]`).
    pub timing: TimingOverrides,
    /// `dram`: address mapping, most significant field first (`ro-ba-co-bg`); the preset's if empty.
    pub mapping: String,
    /// `dram`: page policy.
    pub page_policy: PagePolicy,
    /// `dram`: read and write queue entries of the controller (DRAM bursts).
    pub queue: usize,
    /// `dram`: AXI bursts the controller's port takes before it back-pressures the PS ports.
    pub port_queue: usize,
    /// `dram`: nanoseconds from a burst leaving the PS port to the controller's queue.
    pub request_latency_ns: f64,
    /// `dram`: nanoseconds from data leaving the DRAM to the PS port.
    pub return_latency_ns: f64,
    /// `dram`: DRAM clocks a rank must sit idle (nothing queued for it, no command in flight)
    /// before the controller powers it down (CKE low: precharge power-down if every bank is
    /// closed, active power-down if a row is open); a request or a due refresh then waits for the
    /// exit (tXP, after at least tCKE down). 0 (the default) never powers down. At most
    /// tREFI − tRFC − 1 (7943 for `ddr4-2133`): every refresh restarts the idle count, so a
    /// longer threshold could never be reached.
    pub power_down_idle: u64,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        MemoryConfig {
            model: MemoryModel::Dram,
            latency_cycles: 64,
            bandwidth_gb_s: 17.064,
            preset: "ddr4-2133".into(),
            channels: 1,
            interleave_bytes: 256,
            timing: TimingOverrides::default(),
            mapping: String::new(),
            page_policy: PagePolicy::Open,
            queue: 32,
            port_queue: 32,
            request_latency_ns: 40.0,
            return_latency_ns: 40.0,
            power_down_idle: 0,
        }
    }
}

/// `[memory.timing]`: JEDEC values that replace the preset's, in DRAM clocks (nCK) except the
/// clock. A new `clock_mhz` keeps the preset's clock counts (so every time in ns scales with it):
/// give the counts of the new speed bin too. Named as in JESD79-4 without the leading t (`rcd` is tRCD); a key not listed is an error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingOverrides {
    /// DRAM clock in MHz (the data rate is twice this).
    pub clock_mhz: Option<f64>,
    /// Burst length in beats.
    pub bl: Option<u32>,
    /// CAS (read) latency.
    pub cl: Option<u32>,
    /// CAS write latency.
    pub cwl: Option<u32>,
    /// ACT to RD.
    pub rcd: Option<u32>,
    /// ACT to WR.
    pub rcd_wr: Option<u32>,
    /// PRE to ACT.
    pub rp: Option<u32>,
    /// ACT to PRE.
    pub ras: Option<u32>,
    /// ACT to ACT, same bank.
    pub rc: Option<u32>,
    /// Column to column, other bank group.
    pub ccd_s: Option<u32>,
    /// Column to column, same bank group.
    pub ccd_l: Option<u32>,
    /// ACT to ACT, other bank group.
    pub rrd_s: Option<u32>,
    /// ACT to ACT, same bank group.
    pub rrd_l: Option<u32>,
    /// Four-activate window.
    pub faw: Option<u32>,
    /// Write to read, other bank group.
    pub wtr_s: Option<u32>,
    /// Write to read, same bank group.
    pub wtr_l: Option<u32>,
    /// RD to PRE.
    pub rtp: Option<u32>,
    /// Write recovery.
    pub wr: Option<u32>,
    /// RD to WR turnaround.
    pub rtw: Option<u32>,
    /// Rank to rank switch.
    pub rtrs: Option<u32>,
    /// Refresh cycle time.
    pub rfc: Option<u32>,
    /// Refresh interval.
    pub refi: Option<u32>,
    /// Power-down exit to the next command.
    pub xp: Option<u32>,
    /// Least time in (and out of) power-down.
    pub cke: Option<u32>,
}

impl TimingOverrides {
    /// The values in clocks, by their [`dram::Timing`] field names.
    fn clocks(&self) -> [(&'static str, Option<u32>); 23] {
        [
            ("bl", self.bl),
            ("cl", self.cl),
            ("cwl", self.cwl),
            ("rcd", self.rcd),
            ("rcd_wr", self.rcd_wr),
            ("rp", self.rp),
            ("ras", self.ras),
            ("rc", self.rc),
            ("ccd_s", self.ccd_s),
            ("ccd_l", self.ccd_l),
            ("rrd_s", self.rrd_s),
            ("rrd_l", self.rrd_l),
            ("faw", self.faw),
            ("wtr_s", self.wtr_s),
            ("wtr_l", self.wtr_l),
            ("rtp", self.rtp),
            ("wr", self.wr),
            ("rtw", self.rtw),
            ("rtrs", self.rtrs),
            ("rfc", self.rfc),
            ("refi", self.refi),
            ("xp", self.xp),
            ("cke", self.cke),
        ]
    }

    /// Whether the file set `field` (named as in [`dram::Timing`]).
    fn names(&self, field: &str) -> bool {
        (field == "clock" && self.clock_mhz.is_some())
            || self
                .clocks()
                .iter()
                .any(|&(name, v)| name == field && v.is_some())
    }

    /// `t` with every value given here replaced.
    pub fn apply(&self, t: &mut dram::Timing) -> Result<(), ConfigIssue> {
        if let Some(mhz) = self.clock_mhz {
            if !(mhz.is_finite() && (1.0..=4_000.0).contains(&mhz)) {
                return Err(ConfigIssue::new(
                    "memory.timing.clock_mhz",
                    format!("{mhz}: a DRAM clock from 1 to 4000 MHz"),
                ));
            }
            t.clock = dram::Clock::from_khz((mhz * 1e3).round() as u32);
        }
        for (name, v) in self.clocks() {
            if let (Some(v), Some(slot)) = (v, t.field_mut(name)) {
                *slot = v;
            }
        }
        Ok(())
    }
}

impl AxiConfig {
    /// Every problem with these values.
    pub fn validate(&self) -> Vec<ConfigIssue> {
        let mut issues = Vec::new();
        for (key, bits) in [
            ("data_bits", self.data_bits),
            ("ps_port_bits", self.ps_port_bits),
        ] {
            if bits == 0 || bits % 8 != 0 || !bits.is_power_of_two() || bits > 1024 {
                issues.push(ConfigIssue::new(
                    format!("axi.{key}"),
                    format!("{bits} bits: an AXI data width is a power of two from 8 to 1024"),
                ));
            }
        }
        if self.ps_ports == 0 || self.ps_ports as usize > PORT_NAMES.len() {
            issues.push(ConfigIssue::new(
                "axi.ps_ports",
                format!(
                    "{}: from 1 (all masters share one PS port) to {} (one per master)",
                    self.ps_ports,
                    PORT_NAMES.len()
                ),
            ));
        }
        if self.max_burst_beats == 0 || self.max_burst_beats > 256 {
            issues.push(ConfigIssue::new(
                "axi.max_burst_beats",
                format!("{}: an AXI4 burst has 1 to 256 beats", self.max_burst_beats),
            ));
        }
        for (key, v) in [
            ("max_outstanding_reads", self.max_outstanding_reads),
            ("max_outstanding_writes", self.max_outstanding_writes),
        ] {
            if v == 0 {
                issues.push(ConfigIssue::new(
                    format!("axi.{key}"),
                    "0: a master needs at least one transaction in flight",
                ));
            }
        }
        issues
    }
}

impl MemoryConfig {
    /// The DRAM controller's configuration, or what is wrong with it.
    pub fn dram(&self) -> Result<dram::DramConfig, ConfigIssue> {
        let preset = dram::preset(&self.preset).ok_or_else(|| {
            let known: Vec<&str> = dram::PRESETS.iter().map(|p| p.name).collect();
            ConfigIssue::new(
                "memory.preset",
                format!(
                    "{:?}: no such preset (known: {})",
                    self.preset,
                    known.join(", ")
                ),
            )
        })?;
        let mut c = dram::DramConfig::from_preset(preset)
            .map_err(|e| ConfigIssue::new("memory.preset", e.to_string()))?;
        self.timing.apply(&mut c.timing)?;
        if !self.mapping.is_empty() {
            c.mapping = self.mapping.parse().map_err(|e: dram::MappingError| {
                ConfigIssue::new("memory.mapping", e.to_string())
            })?;
        }
        c.policy = match self.page_policy {
            PagePolicy::Open => dram::PagePolicy::Open,
            PagePolicy::Closed => dram::PagePolicy::Closed,
        };
        c.read_queue = self.queue;
        c.write_queue = self.queue;
        // Drain writes from three quarters full down to a quarter, as the preset's defaults do.
        c.write_high = (self.queue * 3 / 4).max(1);
        c.write_low = self.queue / 4;
        c.power_down_idle = self.power_down_idle;
        c.validate().map_err(|e| {
            let field = match &e {
                dram::ConfigError::Mapping(_) => "memory.mapping".to_string(),
                dram::ConfigError::Queue { .. } => "memory.queue".to_string(),
                dram::ConfigError::PowerDownIdle { .. } => "memory.power_down_idle".to_string(),
                // An explicit value broke a rule: point at it; else the preset's own value did.
                dram::ConfigError::Timing(t) if self.timing.names(t.field) => {
                    if t.field == "clock" {
                        "memory.timing.clock_mhz".to_string()
                    } else {
                        format!("memory.timing.{}", t.field)
                    }
                }
                _ => "memory.preset".to_string(),
            };
            ConfigIssue::new(field, e.to_string())
        })?;
        Ok(c)
    }

    /// Every problem with these values.
    pub fn validate(&self) -> Vec<ConfigIssue> {
        let mut issues = Vec::new();
        if self.model == MemoryModel::Dram {
            match self.dram() {
                Err(e) => issues.push(e),
                Ok(c) => {
                    let burst = c.timing.bl as u64 * c.org.bus_bits as u64 / 8;
                    if !self.interleave_bytes.is_power_of_two()
                        || self.interleave_bytes < burst
                        || self.interleave_bytes > 1 << 20
                    {
                        issues.push(ConfigIssue::new(
                            "memory.interleave_bytes",
                            format!(
                                "{}: a power of two from one DRAM burst ({burst} B) to 1 MiB",
                                self.interleave_bytes
                            ),
                        ));
                    }
                }
            }
            if !self.channels.is_power_of_two() || self.channels > 64 {
                issues.push(ConfigIssue::new(
                    "memory.channels",
                    format!(
                        "{}: a power of two from 1 to 64, so channel bits slice the address",
                        self.channels
                    ),
                ));
            }
            if self.port_queue == 0 {
                issues.push(ConfigIssue::new(
                    "memory.port_queue",
                    "0: the controller's port must hold at least one burst",
                ));
            }
            for (key, v) in [
                ("request_latency_ns", self.request_latency_ns),
                ("return_latency_ns", self.return_latency_ns),
            ] {
                if !(v.is_finite() && v >= 0.0) {
                    issues.push(ConfigIssue::new(
                        format!("memory.{key}"),
                        format!("{v}: a latency is a finite number of ns, 0 or more"),
                    ));
                }
            }
        }
        if !(self.bandwidth_gb_s.is_finite() && self.bandwidth_gb_s > 0.0) {
            issues.push(ConfigIssue::new(
                "memory.bandwidth_gb_s",
                format!(
                    "{}: a channel moves a positive number of bytes per second",
                    self.bandwidth_gb_s
                ),
            ));
        }
        issues
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_power_down_idle_beyond_the_refresh_gap_is_a_located_error() {
        let ok = MemoryConfig {
            power_down_idle: 64,
            ..MemoryConfig::default()
        };
        assert!(ok.validate().is_empty(), "{:?}", ok.validate());
        assert_eq!(ok.dram().unwrap().power_down_idle, 64);
        // ddr4-2133: tREFI 8318, tRFC 374 clocks.
        let bad = MemoryConfig {
            power_down_idle: 8318 - 374,
            ..MemoryConfig::default()
        };
        let issues = bad.validate();
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].key, "memory.power_down_idle");
        assert!(issues[0].reason.contains("7944"), "{}", issues[0].reason);
        let last = MemoryConfig {
            power_down_idle: 8318 - 374 - 1,
            ..MemoryConfig::default()
        };
        assert!(last.validate().is_empty());
    }

    #[test]
    fn ps_ports_outside_one_to_the_number_of_masters_is_rejected() {
        for (n, ok) in [(0, false), (1, true), (5, true), (6, false)] {
            let axi = AxiConfig {
                ps_ports: n,
                ..AxiConfig::default()
            };
            let keys: Vec<String> = axi.validate().into_iter().map(|i| i.key).collect();
            if ok {
                assert!(keys.is_empty(), "{n}: {keys:?}");
            } else {
                assert_eq!(keys, ["axi.ps_ports"], "{n}");
            }
        }
    }
}
