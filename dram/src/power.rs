//! DRAM energy from commands, the way DRAMPower counts it: a fixed energy per command (ACT/PRE
//! pair, RD burst, WR burst, REF) on top of a background power that depends on whether any bank
//! of the rank is open, all from a datasheet's IDD currents.
//!
//! ```text
//!   Command ──► ActivityCounter ──► Activity {acts, reads, writes, refs,
//!               (open banks per rank,           active / precharged clocks}
//!                auto-precharge, tRFC)                   │
//!                               PowerSpec (IDD table) ──► energy() ──► Energy (pJ per class)
//! ```
//!
//! Background states: *active standby* (IDD3N) while any bank of a rank is open or the rank is
//! refreshing, *precharged standby* (IDD2N) while all banks are closed, and, when the controller
//! powers an idle rank down (`DramConfig::power_down_idle`), *precharge power-down* (IDD2P,
//! every bank closed) or *active power-down* (IDD3P, a bank open) from its PDE to its PDX.
//! Self-refresh (IDD6) is never used, so it is not modelled.
//!
//! The per-command energies are the currents *above* the background the command runs on, over
//! the time the datasheet measures them (JESD79-4 IDD measurement conditions; Micron TN-40-07
//! "Calculating Memory Power for DDR4 SDRAM" uses the same decomposition):
//!
//! * IDD0 is measured while one bank cycles ACT–PRE every tRC; of that cycle the bank is open
//!   for tRAS (the rank would draw IDD3N) and closed for tRC − tRAS (IDD2N). The surplus is the
//!   ACT/PRE pair: `E_act = VDD·(IDD0·tRC − IDD3N·tRAS − IDD2N·(tRC − tRAS))`.
//! * IDD4R/IDD4W are measured with a bank open and back-to-back bursts, on top of IDD3N:
//!   `E_rd = VDD·(IDD4R − IDD3N)·tBURST`, `E_wr = VDD·(IDD4W − IDD3N)·tBURST`, tBURST = BL/2 nCK.
//! * IDD5B is measured with REF every tRFC; the refreshing rank otherwise counts as active
//!   standby (so we count tRFC as active time): `E_ref = VDD·(IDD5B − IDD3N)·tRFC`.
//! * Background: `VDD·IDD3N·t_active + VDD·IDD2N·t_precharged`, and in power-down
//!   `VDD·IDD2P·t_precharge_pd + VDD·IDD3P·t_active_pd` (the standby times exclude power-down).
//! * DDR4's word-line pump supply VPP adds the same terms with IPP0, IPP3N and IPP5B where the
//!   table gives them (IPP2N, IPP2P and IPP3P, which the tables here omit, are taken equal to
//!   IPP3N).
//!
//! Each term is per device; a rank of `bus_bits / device_bits` devices draws it that many times
//! (a fraction where the table is for a wider unit than the channel: an HBM2 pseudo-channel is
//! half of the 128-bit channel its table describes, with half the page and half the burst).
//! Units: mA · V · ns = pJ.
//!
//! I/O and termination (the DRAM side only: output drivers on reads, on-die termination on
//! writes), DRAMPower's per-pin model: a power per pin while a burst is on the bus, over the
//! burst's time; reads drive the DQ and DQS pins, writes also terminate the DM pins:
//! `E_io,rd = P_rd·(DQ + DQS)·tBURST`, `E_io,wr = P_wr·(DQ + DQS + DM)·tBURST`, with one DQS pair
//! and one DM pin per byte lane. Single rank: no termination in other ranks. The controller's
//! PHY on the other end of the bus is the FPGA's (`hw::power`), not counted here.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use serde::{Deserialize, Serialize};

use crate::command::{Command, CommandKind};
use crate::standard::{Organization, Timing};

/// The VPP (word-line pump) supply of a DDR4 device and its currents, in mV and mA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pump {
    /// VPP in mV (2500).
    pub vpp_mv: u32,
    /// IPP0: during the IDD0 ACT–PRE loop.
    pub ipp0_ma: u32,
    /// IPP3N: active standby (also used for precharged standby).
    pub ipp3n_ma: u32,
    /// IPP5B: during burst refresh.
    pub ipp5b_ma: u32,
}

/// The DRAM's I/O and termination power per data-bus pin while a burst is on the bus, in µW.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoPower {
    /// Output drivers, per DQ/DQS pin, during a read burst.
    pub read_uw_per_pin: u32,
    /// On-die termination, per DQ/DQS/DM pin, during a write burst.
    pub write_uw_per_pin: u32,
}

/// DDR4's per-pin I/O and termination power as DRAMPower gives it (`src/MemorySpecification.h`,
/// `MemoryPowerModel`'s I/O terms: "conservative" values from Micron's DDR4 power calculator):
/// 3.7 mW a pin driving a read, 17.0 mW a pin terminating a write, one rank.
pub const DDR4_IO: IoPower = IoPower {
    read_uw_per_pin: 3_700,
    write_uw_per_pin: 17_000,
};

/// One device's supply currents from a datasheet IDD table, in mV and mA, with its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PowerSpec {
    /// Data width of one device (8 for x8): a rank of a `bus_bits` channel holds
    /// `bus_bits / device_bits` of them.
    pub device_bits: u32,
    /// VDD in mV.
    pub vdd_mv: u32,
    /// IDD0: one bank ACT–PRE every tRC.
    pub idd0_ma: u32,
    /// IDD2N: precharged standby.
    pub idd2n_ma: u32,
    /// IDD3N: active standby.
    pub idd3n_ma: u32,
    /// IDD2P: precharge power-down (CKE low, every bank closed).
    pub idd2p_ma: u32,
    /// IDD3P: active power-down (CKE low, a bank open).
    pub idd3p_ma: u32,
    /// IDD4R: burst reads.
    pub idd4r_ma: u32,
    /// IDD4W: burst writes.
    pub idd4w_ma: u32,
    /// IDD5B: burst refresh (REF every tRFC).
    pub idd5b_ma: u32,
    /// VPP currents, when the source gives them.
    pub pump: Option<Pump>,
    /// I/O and termination power per pin, when a source gives it.
    pub io: Option<IoPower>,
    /// Datasheet and table the numbers come from.
    pub source: &'static str,
}

/// What a channel did that costs energy: commands, and clocks in each background state summed
/// over ranks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// ACT commands (each followed by a PRE, PREA or auto-precharge).
    pub acts: u64,
    /// Read bursts (RD, RDA).
    pub reads: u64,
    /// Write bursts (WR, WRA).
    pub writes: u64,
    /// REF commands.
    pub refreshes: u64,
    /// Rank-clocks in active standby: at least one bank open or a refresh running, CKE high.
    pub active_cycles: u64,
    /// Rank-clocks in precharged standby: every bank closed, CKE high. With the two power-down
    /// counts, the four sum to ranks × span.
    pub precharged_cycles: u64,
    /// Rank-clocks in active power-down (PDE with a bank open, until PDX).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub active_power_down_cycles: u64,
    /// Rank-clocks in precharge power-down (PDE with every bank closed, until PDX).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub precharge_power_down_cycles: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Activity {
    /// Adds `o`'s counts: [`energy`] is linear in every one of them, so the energy of a sum of
    /// activities (of one timing and organisation) is the sum of their energies.
    pub fn add(&mut self, o: &Activity) {
        self.acts += o.acts;
        self.reads += o.reads;
        self.writes += o.writes;
        self.refreshes += o.refreshes;
        self.active_cycles += o.active_cycles;
        self.precharged_cycles += o.precharged_cycles;
        self.active_power_down_cycles += o.active_power_down_cycles;
        self.precharge_power_down_cycles += o.precharge_power_down_cycles;
    }
}

/// Energy by class, in picojoules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Energy {
    /// ACT/PRE pairs.
    pub act_pre_pj: f64,
    /// Read bursts (array and on-die path; not I/O).
    pub rd_pj: f64,
    /// Write bursts.
    pub wr_pj: f64,
    /// Refreshes.
    pub ref_pj: f64,
    /// Active standby.
    pub background_active_pj: f64,
    /// Precharged standby.
    pub background_precharged_pj: f64,
    /// Power-down, active and precharge (0 unless the controller powers ranks down).
    #[serde(default)]
    pub background_power_down_pj: f64,
    /// I/O and termination (0 where no figure is cited).
    pub io_pj: f64,
}

impl Energy {
    /// Sum of every class.
    pub fn total_pj(&self) -> f64 {
        self.classes().iter().map(|(_, e)| e).sum()
    }

    /// `(name, pJ)` per class, in a fixed order; the names are the report's keys.
    pub fn classes(&self) -> [(&'static str, f64); 8] {
        [
            ("act_pre", self.act_pre_pj),
            ("rd", self.rd_pj),
            ("wr", self.wr_pj),
            ("ref", self.ref_pj),
            ("background_active", self.background_active_pj),
            ("background_precharged", self.background_precharged_pj),
            ("background_power_down", self.background_power_down_pj),
            ("io", self.io_pj),
        ]
    }

    /// Class by class sum: the energy of several channels.
    pub fn add(&mut self, o: &Energy) {
        self.act_pre_pj += o.act_pre_pj;
        self.rd_pj += o.rd_pj;
        self.wr_pj += o.wr_pj;
        self.ref_pj += o.ref_pj;
        self.background_active_pj += o.background_active_pj;
        self.background_precharged_pj += o.background_precharged_pj;
        self.background_power_down_pj += o.background_power_down_pj;
        self.io_pj += o.io_pj;
    }

    /// [`Energy::classes`] in millijoules, as a map. `background_power_down` is left out when
    /// it is 0 (no rank ever powered down), so reports of runs without power-down keep exactly
    /// the keys they had before power-down was modelled.
    pub fn breakdown_mj(&self) -> BTreeMap<String, f64> {
        self.classes()
            .iter()
            .filter(|&&(k, e)| k != "background_power_down" || e != 0.0)
            .map(|&(k, e)| (k.to_string(), e * 1e-9))
            .collect()
    }
}

/// The energy of `activity` on a channel of `org` with timing `t`, from the device table `spec`
/// (formulas in the module doc).
pub fn energy(spec: &PowerSpec, t: &Timing, org: &Organization, a: &Activity) -> Energy {
    let tck = t.tck_ps() / 1e3; // ns
    let ns = |cycles: u64| cycles as f64 * tck;
    let devices = org.bus_bits as f64 / spec.device_bits.max(1) as f64;
    let vdd = spec.vdd_mv as f64 / 1e3;
    let i = |ma: u32| ma as f64;
    let (t_rc, t_ras) = (ns(t.rc as u64), ns(t.ras as u64));
    let t_burst = ns(t.burst_cycles() as u64);
    let t_rfc = ns(t.rfc as u64);
    // VPP terms: (vpp, ipp0, ipp3n, ipp5b); absent pump → no VPP energy.
    let (vpp, ipp0, ipp3n, ipp5b) = spec.pump.map_or((0.0, 0.0, 0.0, 0.0), |p| {
        (
            p.vpp_mv as f64 / 1e3,
            i(p.ipp0_ma),
            i(p.ipp3n_ma),
            i(p.ipp5b_ma),
        )
    });
    let act = vdd
        * (i(spec.idd0_ma) * t_rc - i(spec.idd3n_ma) * t_ras - i(spec.idd2n_ma) * (t_rc - t_ras))
        + vpp * (ipp0 - ipp3n) * t_rc;
    let rd = vdd * (i(spec.idd4r_ma) - i(spec.idd3n_ma)) * t_burst;
    let wr = vdd * (i(spec.idd4w_ma) - i(spec.idd3n_ma)) * t_burst;
    let refresh = (vdd * (i(spec.idd5b_ma) - i(spec.idd3n_ma)) + vpp * (ipp5b - ipp3n)) * t_rfc;
    let p_active = vdd * i(spec.idd3n_ma) + vpp * ipp3n;
    let p_precharged = vdd * i(spec.idd2n_ma) + vpp * ipp3n;
    let p_active_pd = vdd * i(spec.idd3p_ma) + vpp * ipp3n;
    let p_precharge_pd = vdd * i(spec.idd2p_ma) + vpp * ipp3n;
    // Pins a burst drives: DQ, a DQS pair per byte lane, and (writes) a DM pin per byte lane.
    let lanes = (org.bus_bits / 8) as f64;
    let (rd_pins, wr_pins) = (
        org.bus_bits as f64 + 2.0 * lanes,
        org.bus_bits as f64 + 3.0 * lanes,
    );
    let io = |uw: u32, pins: f64, bursts: u64| uw as f64 * 1e-3 * pins * t_burst * bursts as f64;
    Energy {
        act_pre_pj: devices * act * a.acts as f64,
        rd_pj: devices * rd * a.reads as f64,
        wr_pj: devices * wr * a.writes as f64,
        ref_pj: devices * refresh * a.refreshes as f64,
        background_active_pj: devices * p_active * ns(a.active_cycles),
        background_precharged_pj: devices * p_precharged * ns(a.precharged_cycles),
        background_power_down_pj: devices
            * (p_active_pd * ns(a.active_power_down_cycles)
                + p_precharge_pd * ns(a.precharge_power_down_cycles)),
        io_pj: spec.io.map_or(0.0, |p| {
            io(p.read_uw_per_pin, rd_pins, a.reads) + io(p.write_uw_per_pin, wr_pins, a.writes)
        }),
    }
}

/// The energy of a recorded command trace over `[0, span_cycles)` (see [`ActivityCounter`]).
pub fn trace_energy(
    commands: &[Command],
    spec: &PowerSpec,
    t: &Timing,
    org: &Organization,
    span_cycles: u64,
) -> Energy {
    let mut c = ActivityCounter::new(t, org);
    for cmd in commands {
        c.observe(cmd);
    }
    energy(spec, t, org, &c.activity(span_cycles))
}

#[derive(Clone, Copy, Debug, Default)]
struct RankState {
    /// Open banks, plus one while a refresh runs.
    busy: u32,
    /// When `busy` last went from 0 to 1.
    since: u64,
    /// Clocks with `busy > 0`, up to the last time it fell to 0.
    active: u64,
    /// The open power-down: its PDE clock, and whether a bank was open (active power-down).
    pd: Option<(u64, bool)>,
    /// Closed power-down periods: active, precharge.
    apd: u64,
    ppd: u64,
}

/// Counts [`Activity`] from commands as they issue, in time order: DRAMPower's incremental
/// command analysis, cheap enough to run inside the controller on every command.
///
/// An auto-precharge (RDA/WRA) closes its bank when the internal precharge starts: tRTP after a
/// RDA, write data plus tWR after a WRA (JESD79-4 auto-precharge timing). A REF keeps its rank
/// active for tRFC.
#[derive(Clone, Debug)]
pub struct ActivityCounter {
    banks_per_rank: usize,
    banks_per_group: usize,
    rtp: u64,
    wra_close: u64,
    rfc: u64,
    open: Vec<bool>,
    ranks: Vec<RankState>,
    /// Pending closes: (clock, rank, bank index or `usize::MAX` for the end of a refresh).
    closes: BinaryHeap<Reverse<(u64, usize, usize)>>,
    counts: Activity,
}

const REFRESH: usize = usize::MAX;

impl ActivityCounter {
    /// Every bank closed, nothing counted.
    pub fn new(t: &Timing, org: &Organization) -> Self {
        let ranks = org.ranks as usize;
        ActivityCounter {
            banks_per_rank: org.banks_per_rank() as usize,
            banks_per_group: org.banks_per_group as usize,
            rtp: t.rtp as u64,
            wra_close: (t.cwl + t.burst_cycles() + t.wr) as u64,
            rfc: t.rfc as u64,
            open: vec![false; org.banks() as usize],
            ranks: vec![RankState::default(); ranks],
            closes: BinaryHeap::new(),
            counts: Activity::default(),
        }
    }

    fn rise(&mut self, rank: usize, at: u64) {
        let r = &mut self.ranks[rank];
        if r.busy == 0 {
            r.since = at;
        }
        r.busy += 1;
    }

    fn fall(&mut self, rank: usize, at: u64) {
        let r = &mut self.ranks[rank];
        r.busy -= 1;
        if r.busy == 0 {
            r.active += at - r.since;
        }
    }

    fn close(&mut self, bank: usize, rank: usize, at: u64) {
        if std::mem::replace(&mut self.open[bank], false) {
            self.fall(rank, at);
        }
    }

    /// Applies every pending close up to and including `at`.
    fn settle(&mut self, at: u64) {
        while let Some(&Reverse((when, rank, bank))) = self.closes.peek() {
            if when > at {
                break;
            }
            self.closes.pop();
            if bank == REFRESH {
                self.fall(rank, when);
            } else {
                self.close(bank, rank, when);
            }
        }
    }

    /// Counts one command; commands must come in time order.
    pub fn observe(&mut self, c: &Command) {
        let at = c.cycle;
        self.settle(at);
        let rank = c.rank as usize;
        let base = rank * self.banks_per_rank;
        let bank = base + c.bg as usize * self.banks_per_group + c.bank as usize;
        match c.kind {
            CommandKind::Act => {
                self.counts.acts += 1;
                if !std::mem::replace(&mut self.open[bank], true) {
                    self.rise(rank, at);
                }
            }
            CommandKind::Pre => self.close(bank, rank, at),
            CommandKind::PreA => {
                for b in base..base + self.banks_per_rank {
                    self.close(b, rank, at);
                }
            }
            CommandKind::Rd => self.counts.reads += 1,
            CommandKind::Wr => self.counts.writes += 1,
            CommandKind::RdA => {
                self.counts.reads += 1;
                self.closes.push(Reverse((at + self.rtp, rank, bank)));
            }
            CommandKind::WrA => {
                self.counts.writes += 1;
                self.closes.push(Reverse((at + self.wra_close, rank, bank)));
            }
            CommandKind::Ref => {
                self.counts.refreshes += 1;
                self.rise(rank, at);
                self.closes.push(Reverse((at + self.rfc, rank, REFRESH)));
            }
            CommandKind::Pde => {
                let r = &mut self.ranks[rank];
                r.pd = Some((at, r.busy > 0));
            }
            CommandKind::Pdx => {
                let r = &mut self.ranks[rank];
                if let Some((since, active)) = r.pd.take() {
                    if active {
                        r.apd += at - since;
                    } else {
                        r.ppd += at - since;
                    }
                }
            }
        }
    }

    /// The activity over `[0, end)`: commands so far, and every rank's clocks split into active
    /// and precharged standby and the two power-downs up to `end` (banks still open count as
    /// active until `end`, a rank still powered down as powered down).
    pub fn activity(&self, end: u64) -> Activity {
        let mut s = self.clone();
        s.settle(end);
        let mut a = s.counts;
        let (mut active, mut apd, mut ppd) = (0, 0, 0);
        for r in &s.ranks {
            active += r.active;
            if r.busy > 0 {
                active += end.saturating_sub(r.since);
            }
            apd += r.apd;
            ppd += r.ppd;
            match r.pd {
                Some((since, true)) => apd += end.saturating_sub(since),
                Some((since, false)) => ppd += end.saturating_sub(since),
                None => {}
            }
        }
        // Active power-down is counted in `active` too (its banks stay open): take it out.
        a.active_cycles = active.saturating_sub(apd);
        a.active_power_down_cycles = apd;
        a.precharge_power_down_cycles = ppd;
        a.precharged_cycles = (s.ranks.len() as u64 * end).saturating_sub(active + ppd);
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DramConfig;
    use crate::controller::{Controller, Request};
    use crate::standard::{DDR4_2133, DDR4_3200, DDR4_3200_X16};

    /// DDR4-2133 tCK in ns: 1 / 1066.5 MHz.
    const TCK_2133: f64 = 1e3 / 1066.5;

    fn close(a: f64, b: f64) {
        assert!(
            (a - b).abs() <= 1e-9 * b.abs().max(1.0),
            "{a} != {b} (differ by {})",
            a - b
        );
    }

    fn cmd(cycle: u64, kind: CommandKind, bg: u8, bank: u8) -> Command {
        Command {
            cycle,
            kind,
            rank: 0,
            bg,
            bank,
            row: 0,
            col: 0,
        }
    }

    fn ddr4_2133(commands: &[Command], span: u64) -> Energy {
        let p = &DDR4_2133;
        trace_energy(commands, p.power.unwrap(), &p.timing, &p.org, span)
    }

    #[test]
    fn idle_time_costs_precharged_standby_only() {
        let span = 100_000;
        let e = ddr4_2133(&[], span);
        // Four x16 devices, 1.2 V × IDD2N 33 mA over the span.
        close(
            e.background_precharged_pj,
            4.0 * 1.2 * 33.0 * span as f64 * TCK_2133,
        );
        close(e.total_pj(), e.background_precharged_pj);
    }

    #[test]
    fn refreshes_alone_cost_idd5b_over_trfc_on_an_active_rank() {
        // An idle controller issues nothing but REF, every tREFI (8318 clocks).
        let span = 8318 * 5 + 400; // the fifth tRFC ends inside the span
        let mut c = Controller::new(&DramConfig::preset("ddr4-2133").unwrap()).unwrap();
        c.advance(span, &mut Vec::new());
        let a = c.activity(span);
        assert_eq!((a.refreshes, a.acts, a.reads, a.writes), (5, 0, 0, 0));
        assert_eq!(a.active_cycles, 5 * 374);
        let p = &DDR4_2133;
        let e = energy(p.power.unwrap(), &p.timing, &p.org, &a);
        let t_rfc = 374.0 * TCK_2133;
        close(e.ref_pj, 5.0 * 4.0 * 1.2 * (280.0 - 44.0) * t_rfc);
        close(e.background_active_pj, 4.0 * 1.2 * 44.0 * 5.0 * t_rfc);
        close(
            e.background_precharged_pj,
            4.0 * 1.2 * 33.0 * (span - 5 * 374) as f64 * TCK_2133,
        );
        close(
            e.total_pj(),
            e.ref_pj + e.background_active_pj + e.background_precharged_pj,
        );
    }

    #[test]
    fn one_act_n_reads_and_a_pre_cost_the_datasheet_sum() {
        let n = 64u64;
        let mut trace = vec![cmd(10, CommandKind::Act, 0, 0)];
        for i in 0..n {
            trace.push(cmd(25 + 4 * i, CommandKind::Rd, (i % 2) as u8, 0));
        }
        let pre = 25 + 4 * n + 8;
        trace.push(cmd(pre, CommandKind::Pre, 0, 0));
        let span = 2000;
        let e = ddr4_2133(&trace, span);
        let ns = |c: f64| c * TCK_2133;
        // tRC 51, tRAS 36, tBURST 4 clocks; IDD0 75, IDD3N 44, IDD2N 33, IDD4R 225 mA.
        let act = 1.2 * (75.0 * ns(51.0) - 44.0 * ns(36.0) - 33.0 * ns(15.0));
        close(e.act_pre_pj, 4.0 * act);
        close(e.rd_pj, 4.0 * n as f64 * 1.2 * (225.0 - 44.0) * ns(4.0));
        close(e.wr_pj, 0.0);
        close(
            e.background_active_pj,
            4.0 * 1.2 * 44.0 * ns((pre - 10) as f64),
        );
        close(
            e.background_precharged_pj,
            4.0 * 1.2 * 33.0 * ns((span - (pre - 10)) as f64),
        );
        close(e.ref_pj, 0.0);
        // I/O: 3.7 mW on each of 64 DQ + 16 DQS pins for each burst's 4 clocks.
        close(e.io_pj, n as f64 * 3.7 * 80.0 * ns(4.0));
    }

    #[test]
    fn a_write_burst_terminates_dq_dqs_and_dm_pins() {
        let trace = [
            cmd(0, CommandKind::Act, 0, 0),
            cmd(15, CommandKind::Wr, 0, 0),
            cmd(19, CommandKind::Wr, 1, 0),
        ];
        let e = ddr4_2133(&trace, 100);
        // 17 mW on 64 DQ + 16 DQS + 8 DM pins, two bursts of 4 clocks.
        close(e.io_pj, 2.0 * 17.0 * 88.0 * 4.0 * TCK_2133);
    }

    #[test]
    fn an_hbm2_pseudo_channel_draws_half_its_channels_table() {
        let p = &crate::standard::HBM2;
        let spec = p.power.expect("hbm2 has a table");
        let trace = [
            cmd(0, CommandKind::Act, 0, 0),
            cmd(20, CommandKind::Rd, 0, 0),
            cmd(22, CommandKind::Wr, 0, 0),
        ];
        let span = 500;
        let e = trace_energy(&trace, spec, &p.timing, &p.org, span);
        let tck = p.timing.tck_ps() / 1e3;
        let t_burst = p.timing.burst_cycles() as f64 * tck;
        // BL4 on a DDR bus: two clocks a burst. Half of a 128-bit channel's IDD4R/IDD4W surplus.
        assert_eq!(p.timing.burst_cycles(), 2);
        close(e.rd_pj, 0.5 * 1.2 * (390.0 - 55.0) * t_burst);
        close(e.wr_pj, 0.5 * 1.2 * (500.0 - 55.0) * t_burst);
        close(e.background_active_pj, 0.5 * 1.2 * 55.0 * span as f64 * tck);
        close(e.io_pj, 0.0);
    }

    #[test]
    fn ddr4_3200_adds_the_vpp_terms() {
        let p = &DDR4_3200;
        let trace = [cmd(0, CommandKind::Ref, 0, 0)];
        let span = 1000;
        let e = trace_energy(&trace, p.power.unwrap(), &p.timing, &p.org, span);
        let tck = 1e3 / 1600.0;
        let t_rfc = 560.0 * tck;
        // Eight x8 devices; IDD5B 66, IDD3N 56, IDD2N 37 mA at 1.2 V; IPP5B 5, IPP3N 3 mA at 2.5 V.
        close(
            e.ref_pj,
            8.0 * (1.2 * (66.0 - 56.0) + 2.5 * (5.0 - 3.0)) * t_rfc,
        );
        close(
            e.background_active_pj,
            8.0 * (1.2 * 56.0 + 2.5 * 3.0) * t_rfc,
        );
        close(
            e.background_precharged_pj,
            8.0 * (1.2 * 37.0 + 2.5 * 3.0) * 440.0 * tck,
        );
    }

    #[test]
    fn an_idle_ddr4_3200_x16_rank_costs_four_devices_precharged_standby_with_vpp() {
        let p = &DDR4_3200_X16;
        let span = 10_000; // below tREFI: the trace holds no REF
        let e = trace_energy(&[], p.power.unwrap(), &p.timing, &p.org, span);
        let tck = 1e3 / 1600.0;
        // Four x16 devices; IDD2N 37 mA at 1.2 V, IPP2N = IPP3N 3 mA at 2.5 V, over the span.
        close(
            e.background_precharged_pj,
            4.0 * (1.2 * 37.0 + 2.5 * 3.0) * span as f64 * tck,
        );
        close(e.total_pj(), e.background_precharged_pj);
    }

    #[test]
    fn auto_precharge_closes_the_bank_after_trtp_or_write_recovery() {
        let p = &DDR4_2133;
        let t = p.timing;
        let mut c = ActivityCounter::new(&t, &p.org);
        c.observe(&cmd(0, CommandKind::Act, 0, 0));
        c.observe(&cmd(15, CommandKind::RdA, 0, 0));
        let a = c.activity(1000);
        assert_eq!(a.active_cycles, 15 + t.rtp as u64);
        let mut c = ActivityCounter::new(&t, &p.org);
        c.observe(&cmd(0, CommandKind::Act, 1, 2));
        c.observe(&cmd(15, CommandKind::WrA, 1, 2));
        // WR + CWL + BL/2 + tWR = 15 + 11 + 4 + 16.
        assert_eq!(c.activity(1000).active_cycles, 46);
        // Two banks open at once count once; PREA closes both.
        let mut c = ActivityCounter::new(&t, &p.org);
        c.observe(&cmd(0, CommandKind::Act, 0, 0));
        c.observe(&cmd(6, CommandKind::Act, 1, 0));
        c.observe(&cmd(100, CommandKind::Pre, 0, 0));
        c.observe(&cmd(200, CommandKind::PreA, 0, 0));
        let a = c.activity(300);
        assert_eq!(
            (a.acts, a.active_cycles, a.precharged_cycles),
            (2, 200, 100)
        );
    }

    #[test]
    fn an_idle_rank_spends_the_threshold_in_standby_then_the_rest_in_precharge_power_down() {
        let p = &DDR4_2133;
        let (n, span) = (16u64, 5_000u64); // span below tREFI: no refresh
        let mut cfg = DramConfig::preset("ddr4-2133").unwrap();
        cfg.power_down_idle = n;
        cfg.record_commands = true;
        let mut c = Controller::new(&cfg).unwrap();
        c.advance(span, &mut Vec::new());
        assert_eq!(c.commands(), [cmd(n, CommandKind::Pde, 0, 0)]);
        let a = c.activity(span);
        assert_eq!(
            (
                a.precharged_cycles,
                a.precharge_power_down_cycles,
                a.active_cycles,
                a.active_power_down_cycles
            ),
            (n, span - n, 0, 0)
        );
        let e = energy(p.power.unwrap(), &p.timing, &p.org, &a);
        // Four x16 devices at 1.2 V: IDD2N 33 mA for N clocks, IDD2P 25 mA for S − N.
        close(
            e.background_precharged_pj,
            4.0 * 1.2 * 33.0 * n as f64 * TCK_2133,
        );
        close(
            e.background_power_down_pj,
            4.0 * 1.2 * 25.0 * (span - n) as f64 * TCK_2133,
        );
        close(
            e.total_pj(),
            e.background_precharged_pj + e.background_power_down_pj,
        );
        assert_eq!(
            e.breakdown_mj()["background_power_down"],
            e.background_power_down_pj * 1e-9
        );
        assert_eq!(
            trace_energy(c.commands(), p.power.unwrap(), &p.timing, &p.org, span),
            e
        );
        // Without power-down the breakdown keeps its old keys only.
        let idle = ddr4_2133(&[], span);
        assert!(!idle.breakdown_mj().contains_key("background_power_down"));
    }

    #[test]
    fn active_power_down_costs_idd3p_and_leaves_active_standby() {
        let trace = [
            cmd(0, CommandKind::Act, 0, 0),
            cmd(40, CommandKind::Pde, 0, 0),
            cmd(140, CommandKind::Pdx, 0, 0),
            cmd(150, CommandKind::Pre, 0, 0),
            cmd(300, CommandKind::Pde, 0, 0),
        ];
        let p = &DDR4_2133;
        let span = 1000;
        let mut c = ActivityCounter::new(&p.timing, &p.org);
        for t in &trace {
            c.observe(t);
        }
        let a = c.activity(span);
        // Open 0..150 of which 40..140 powered down; closed 150..300 standby, 300.. powered down.
        assert_eq!(
            (
                a.active_cycles,
                a.active_power_down_cycles,
                a.precharged_cycles,
                a.precharge_power_down_cycles
            ),
            (50, 100, 150, 700)
        );
        let e = ddr4_2133(&trace, span);
        let ns = |c: f64| c * TCK_2133;
        close(e.background_active_pj, 4.0 * 1.2 * 44.0 * ns(50.0));
        close(e.background_precharged_pj, 4.0 * 1.2 * 33.0 * ns(150.0));
        close(
            e.background_power_down_pj,
            4.0 * 1.2 * (39.0 * ns(100.0) + 25.0 * ns(700.0)),
        );
    }

    #[test]
    fn ddr4_3200_power_down_adds_the_vpp_standby_current() {
        let p = &DDR4_3200;
        let trace = [cmd(100, CommandKind::Pde, 0, 0)];
        let span = 1000;
        let e = trace_energy(&trace, p.power.unwrap(), &p.timing, &p.org, span);
        let tck = 1e3 / 1600.0;
        // Eight x8 devices: IDD2P 25 mA at 1.2 V, IPP2P taken as IPP3N 3 mA at 2.5 V.
        close(
            e.background_power_down_pj,
            8.0 * (1.2 * 25.0 + 2.5 * 3.0) * 900.0 * tck,
        );
    }

    fn run(record: bool) -> Controller {
        let mut cfg = DramConfig::preset("ddr4-2133").unwrap();
        cfg.record_commands = record;
        let mut c = Controller::new(&cfg).unwrap();
        let mut done = Vec::new();
        let mut x = 12345u64;
        for i in 0..4000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let write = x >> 63 == 1;
            let addr = if i % 3 == 0 { x >> 34 } else { i * 64 };
            while !c.can_accept(write) {
                let t = c.next_event().unwrap();
                c.advance(t + 1, &mut done);
            }
            c.enqueue(Request {
                id: i,
                addr,
                write,
                arrive: c.now(),
            });
        }
        while !c.is_idle() {
            let t = c.next_event().unwrap();
            c.advance(t + 1, &mut done);
        }
        c.advance(c.now() + 20_000, &mut done);
        c
    }

    #[test]
    fn counting_in_the_controller_equals_replaying_its_trace_and_repeats_exactly() {
        let p = &DDR4_2133;
        let spec = p.power.unwrap();
        let c = run(true);
        let end = c.now();
        let live = energy(spec, c.timing(), c.organization(), &c.activity(end));
        let replay = trace_energy(c.commands(), spec, c.timing(), c.organization(), end);
        assert_eq!(live, replay);
        let a = c.activity(end);
        assert_eq!(a.acts, c.stats().acts);
        assert_eq!(a.reads + a.writes, c.stats().reads + c.stats().writes);
        assert_eq!(a.refreshes, c.stats().refreshes);
        assert!(live.act_pre_pj > 0.0 && live.wr_pj > 0.0 && live.ref_pj > 0.0);
        let again = run(false);
        assert_eq!(again.activity(end), a);
    }
}
