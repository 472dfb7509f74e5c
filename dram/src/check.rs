//! An independent JEDEC checker: replays a command trace and reports the first broken rule.
//!
//! It shares nothing with the controller's bookkeeping ([`crate::bank`]): instead of
//! "earliest next command" times it keeps the history the standard talks about (the ACT that
//! opened each bank, the last RD/WR per bank, group and rank, the last four ACTs, the last REF,
//! the data bursts on the bus) and measures each new command against it. Rules (JESD79-4 command
//! timing, JESD235A for HBM2; gaps in clocks):
//!
//! ```text
//!   ACT   bank closed; ≥ tRP after its precharge; ≥ tRC after its last ACT; ≥ tRRD_L after an
//!         ACT in the same group, ≥ tRRD_S after one in another group; ≥ tFAW after the 4th
//!         previous ACT of the rank
//!   PRE   (open bank) ≥ tRAS after ACT, ≥ tRTP after RD, ≥ tWR after write data ends
//!   PREA  the PRE rules for every open bank of the rank
//!   RD/WR the addressed row open; ≥ tRCD (tRCDWR) after ACT; same kind ≥ tCCD_L in the group,
//!         ≥ tCCD_S in the rank; RD ≥ tWTR_L / tWTR_S after write data ends; WR ≥ tRTW after RD;
//!         data bursts never overlap, and bursts of different ranks are tRTRS apart
//!   RDA/WRA  as RD/WR, then the bank precharges at max(RD + tRTP, ACT + tRAS) or
//!         max(write end + tWR, ACT + tRAS)
//!   REF   every bank closed for ≥ tRP; nothing to the rank for tRFC after; never more than
//!         9 × tREFI without a REF (8 postponed refreshes at most)
//!   PDE   rank not powered down; ≥ tCKE after its last PDX (and, as any command, not within
//!         tRFC of a REF: stricter than JESD79-4, which lets PDE follow REF by 1 nCK; the
//!         read/write-to-PDE gaps tRDPDEN/tWRPDEN are not checked)
//!   PDX   rank powered down; ≥ tCKE (tPD) after its PDE
//!   any   no command to a powered-down rank; ≥ tXP after the rank's last PDX
//!   bus   commands in clock order; one per clock (one row and one column command per clock
//!         on a split row/column bus); PDE/PDX are CKE transitions and take no bus slot
//! ```

use std::collections::VecDeque;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::command::{Command, CommandKind};
use crate::standard::{CommandBus, Organization, Timing};

/// The rule a trace breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rule {
    /// Commands are not in clock order.
    CommandOrder,
    /// Two commands in one clock on one command bus.
    CommandBus,
    /// A rank, bank group, bank, row or column beyond the organisation.
    OutOfRange,
    /// ACT to a bank that already has a row open.
    ActToOpenBank,
    /// RD/WR to a bank whose addressed row is not open.
    RowNotOpen,
    /// ACT to RD (tRCD) or ACT to WR (tRCDWR).
    Trcd,
    /// ACT to PRE, same bank.
    Tras,
    /// PRE (explicit, PREA or auto) to ACT or REF.
    Trp,
    /// ACT to ACT, same bank.
    Trc,
    /// ACT to ACT, different bank groups.
    TrrdS,
    /// ACT to ACT, same bank group.
    TrrdL,
    /// Fifth ACT within tFAW of the first.
    Tfaw,
    /// RD to RD or WR to WR, different bank groups.
    TccdS,
    /// RD to RD or WR to WR, same bank group.
    TccdL,
    /// End of write data to RD, different bank groups.
    TwtrS,
    /// End of write data to RD, same bank group.
    TwtrL,
    /// RD to PRE.
    Trtp,
    /// End of write data to PRE.
    Twr,
    /// RD to WR, same rank (bus turnaround).
    Trtw,
    /// Two data bursts overlap on the bus.
    DataBusOverlap,
    /// Bursts of different ranks closer than tRTRS.
    Trtrs,
    /// REF with a bank open.
    RefreshWithOpenBank,
    /// A command to a rank within tRFC of its REF.
    Trfc,
    /// More than 9 × tREFI without a REF.
    RefreshInterval,
    /// A command to a powered-down rank, PDE to one already down, or PDX to one that is up.
    PowerDownState,
    /// PDE to PDX (tPD = tCKE), or PDX to the next PDE.
    Tcke,
    /// PDX to the next command of the rank.
    Txp,
}

impl Rule {
    /// The name the standard uses.
    pub const fn name(self) -> &'static str {
        match self {
            Rule::CommandOrder => "command order",
            Rule::CommandBus => "one command per clock",
            Rule::OutOfRange => "address range",
            Rule::ActToOpenBank => "ACT to an open bank",
            Rule::RowNotOpen => "row not open",
            Rule::Trcd => "tRCD",
            Rule::Tras => "tRAS",
            Rule::Trp => "tRP",
            Rule::Trc => "tRC",
            Rule::TrrdS => "tRRD_S",
            Rule::TrrdL => "tRRD_L",
            Rule::Tfaw => "tFAW",
            Rule::TccdS => "tCCD_S",
            Rule::TccdL => "tCCD_L",
            Rule::TwtrS => "tWTR_S",
            Rule::TwtrL => "tWTR_L",
            Rule::Trtp => "tRTP",
            Rule::Twr => "tWR",
            Rule::Trtw => "tRTW (read to write)",
            Rule::DataBusOverlap => "data bus overlap",
            Rule::Trtrs => "tRTRS (rank switch)",
            Rule::RefreshWithOpenBank => "REF with a bank open",
            Rule::Trfc => "tRFC",
            Rule::RefreshInterval => "refresh interval (9 × tREFI)",
            Rule::PowerDownState => "power-down state",
            Rule::Tcke => "tCKE",
            Rule::Txp => "tXP",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A broken rule: the offending command, the earlier command it conflicts with, and the gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
pub struct Violation {
    /// Which rule.
    pub rule: Rule,
    /// The command the gap is measured from (None when the rule is about state alone, such as a
    /// RD to a never-opened bank, or a missing first refresh).
    pub earlier: Option<Command>,
    /// The offending command.
    pub command: Command,
    /// The least gap the rule needs, in clocks, from the rule's reference point (the earlier
    /// command, or the end of its write data for tWTR/tWR, or its precharge for tRP).
    pub needed: u64,
    /// The gap the trace has (0 for state rules).
    pub actual: u64,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} violated by {}", self.rule, self.command)?;
        if let Some(e) = &self.earlier {
            write!(f, " after {e}")?;
        }
        if self.needed > 0 {
            write!(f, ": gap {} clocks, needs {}", self.actual, self.needed)?;
        }
        Ok(())
    }
}

/// What a clean trace contained.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckStats {
    /// Commands checked.
    pub commands: u64,
    /// ACTs.
    pub acts: u64,
    /// RD and RDA.
    pub reads: u64,
    /// WR and WRA.
    pub writes: u64,
    /// PRE, PREA (per bank closed) and auto-precharges.
    pub precharges: u64,
    /// REFs.
    pub refreshes: u64,
    /// Longest stretch a rank went without REF (from clock 0 for the first).
    pub max_refresh_gap: u64,
    /// Clocks of data on the bus.
    pub data_cycles: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct BankHist {
    /// The ACT that opened the current row.
    open: Option<Command>,
    /// The last ACT ever (for tRC).
    last_act: Option<Command>,
    /// When the last precharge started, and the command that caused it.
    precharged: Option<(u64, Command)>,
    /// Last RD and WR since the current row opened.
    rd: Option<Command>,
    wr: Option<Command>,
}

#[derive(Clone, Copy, Debug, Default)]
struct GroupHist {
    act: Option<Command>,
    rd: Option<Command>,
    wr: Option<Command>,
}

#[derive(Clone, Debug, Default)]
struct RankHist {
    acts: VecDeque<Command>,
    rd: Option<Command>,
    wr: Option<Command>,
    refresh: Option<Command>,
    /// The PDE while the rank is powered down.
    pde: Option<Command>,
    /// The last PDX.
    pdx: Option<Command>,
}

#[derive(Clone, Copy, Debug)]
struct Burst {
    start: u64,
    end: u64,
    rank: u8,
    by: Command,
}

struct Checker<'a> {
    t: &'a Timing,
    org: &'a Organization,
    banks: Vec<BankHist>,
    groups: Vec<GroupHist>,
    ranks: Vec<RankHist>,
    last: Option<Command>,
    /// The last command that used the command bus (not PDE/PDX).
    last_bus_cmd: Option<Command>,
    last_row_cmd: Option<Command>,
    last_col_cmd: Option<Command>,
    bursts: VecDeque<Burst>,
    stats: CheckStats,
}

/// Replays `cmds` (in issue order) on a channel of `org` with timing `t`; the first broken rule
/// is the error.
pub fn check(cmds: &[Command], t: &Timing, org: &Organization) -> Result<CheckStats, Violation> {
    let mut c = Checker {
        t,
        org,
        banks: vec![BankHist::default(); org.banks() as usize],
        groups: vec![GroupHist::default(); (org.ranks * org.bank_groups) as usize],
        ranks: vec![RankHist::default(); org.ranks as usize],
        last: None,
        last_bus_cmd: None,
        last_row_cmd: None,
        last_col_cmd: None,
        bursts: VecDeque::new(),
        stats: CheckStats::default(),
    };
    for cmd in cmds {
        c.step(cmd)?;
    }
    Ok(c.stats)
}

/// `Err` unless `cmd` comes at least `needed` clocks after `from` (a clock, caused by `earlier`).
fn gap(
    rule: Rule,
    earlier: &Command,
    from: u64,
    needed: u64,
    cmd: &Command,
) -> Result<(), Violation> {
    let actual = cmd.cycle.saturating_sub(from);
    if cmd.cycle < from + needed {
        Err(Violation {
            rule,
            earlier: Some(*earlier),
            command: *cmd,
            needed,
            actual,
        })
    } else {
        Ok(())
    }
}

fn state(rule: Rule, earlier: Option<Command>, cmd: &Command) -> Violation {
    Violation {
        rule,
        earlier,
        command: *cmd,
        needed: 0,
        actual: 0,
    }
}

impl Checker<'_> {
    fn bank_idx(&self, c: &Command) -> usize {
        ((c.rank as u32 * self.org.bank_groups + c.bg as u32) * self.org.banks_per_group
            + c.bank as u32) as usize
    }

    fn group_idx(&self, c: &Command) -> usize {
        (c.rank as u32 * self.org.bank_groups + c.bg as u32) as usize
    }

    fn step(&mut self, cmd: &Command) -> Result<(), Violation> {
        self.check_order_and_bus(cmd)?;
        self.check_range(cmd)?;
        self.check_refresh_lock(cmd)?;
        self.check_power_down(cmd)?;
        match cmd.kind {
            CommandKind::Act => self.act(cmd)?,
            CommandKind::Pre => {
                let b = self.bank_idx(cmd);
                if self.banks[b].open.is_some() {
                    self.precharge(b, cmd)?;
                }
            }
            CommandKind::PreA => {
                let per_rank = self.org.banks_per_rank() as usize;
                let first = cmd.rank as usize * per_rank;
                for b in first..first + per_rank {
                    if self.banks[b].open.is_some() {
                        self.precharge(b, cmd)?;
                    }
                }
            }
            CommandKind::Rd | CommandKind::RdA => self.read(cmd)?,
            CommandKind::Wr | CommandKind::WrA => self.write(cmd)?,
            CommandKind::Ref => self.refresh(cmd)?,
            CommandKind::Pde => self.ranks[cmd.rank as usize].pde = Some(*cmd),
            CommandKind::Pdx => {
                let rank = &mut self.ranks[cmd.rank as usize];
                rank.pde = None;
                rank.pdx = Some(*cmd);
            }
        }
        self.stats.commands += 1;
        self.last = Some(*cmd);
        if cmd.kind.is_power_down() {
            return Ok(());
        }
        self.last_bus_cmd = Some(*cmd);
        if cmd.kind.is_column() {
            self.last_col_cmd = Some(*cmd);
        } else {
            self.last_row_cmd = Some(*cmd);
        }
        Ok(())
    }

    fn check_order_and_bus(&self, cmd: &Command) -> Result<(), Violation> {
        if let Some(l) = &self.last {
            if cmd.cycle < l.cycle {
                return Err(state(Rule::CommandOrder, Some(*l), cmd));
            }
        }
        if cmd.kind.is_power_down() {
            return Ok(()); // CKE has its own pin
        }
        let same_bus = match self.org.command_bus {
            CommandBus::Shared => self.last_bus_cmd,
            CommandBus::RowColumn if cmd.kind.is_column() => self.last_col_cmd,
            CommandBus::RowColumn => self.last_row_cmd,
        };
        match same_bus {
            Some(l) => gap(Rule::CommandBus, &l, l.cycle, 1, cmd),
            None => Ok(()),
        }
    }

    fn check_range(&self, cmd: &Command) -> Result<(), Violation> {
        let o = self.org;
        let bad = cmd.rank as u32 >= o.ranks
            || cmd.bg as u32 >= o.bank_groups
            || cmd.bank as u32 >= o.banks_per_group
            || cmd.row >= o.rows
            || cmd.col >= o.columns;
        if bad {
            Err(state(Rule::OutOfRange, None, cmd))
        } else {
            Ok(())
        }
    }

    /// Nothing to a rank during tRFC; no rank goes 9 × tREFI without a REF.
    fn check_refresh_lock(&mut self, cmd: &Command) -> Result<(), Violation> {
        let limit = 9 * self.t.refi as u64;
        for (r, hist) in self.ranks.iter().enumerate() {
            let since = hist.refresh.map_or(0, |c| c.cycle);
            let overdue = cmd.cycle - since > limit;
            // A REF to this rank is judged in `refresh`, with its gap.
            if overdue && !(cmd.kind == CommandKind::Ref && cmd.rank as usize == r) {
                return Err(Violation {
                    rule: Rule::RefreshInterval,
                    earlier: hist.refresh,
                    command: *cmd,
                    needed: limit,
                    actual: cmd.cycle - since,
                });
            }
        }
        if let Some(r) = &self.ranks[cmd.rank as usize].refresh {
            gap(Rule::Trfc, r, r.cycle, self.t.rfc as u64, cmd)?;
        }
        Ok(())
    }

    /// Power-down: nothing but PDX to a powered-down rank, PDX ≥ tCKE after PDE, PDE ≥ tCKE
    /// after PDX, any other command ≥ tXP after PDX.
    fn check_power_down(&self, cmd: &Command) -> Result<(), Violation> {
        let t = self.t;
        let rank = &self.ranks[cmd.rank as usize];
        match (cmd.kind, rank.pde) {
            (CommandKind::Pdx, Some(pde)) => gap(Rule::Tcke, &pde, pde.cycle, t.cke as u64, cmd),
            (CommandKind::Pdx, None) => Err(state(Rule::PowerDownState, rank.pdx, cmd)),
            (_, Some(pde)) => Err(state(Rule::PowerDownState, Some(pde), cmd)),
            (CommandKind::Pde, None) => match &rank.pdx {
                Some(x) => gap(Rule::Tcke, x, x.cycle, t.cke as u64, cmd),
                None => Ok(()),
            },
            (_, None) => match &rank.pdx {
                Some(x) => gap(Rule::Txp, x, x.cycle, t.xp as u64, cmd),
                None => Ok(()),
            },
        }
    }

    fn act(&mut self, cmd: &Command) -> Result<(), Violation> {
        let t = self.t;
        let b = self.bank_idx(cmd);
        let g = self.group_idx(cmd);
        let bank = self.banks[b];
        if let Some(open) = bank.open {
            return Err(state(Rule::ActToOpenBank, Some(open), cmd));
        }
        if let Some((at, by)) = bank.precharged {
            gap(Rule::Trp, &by, at, t.rp as u64, cmd)?;
        }
        if let Some(a) = &bank.last_act {
            gap(Rule::Trc, a, a.cycle, t.rc as u64, cmd)?;
        }
        if let Some(a) = &self.groups[g].act {
            gap(Rule::TrrdL, a, a.cycle, t.rrd_l as u64, cmd)?;
        }
        let rank = &self.ranks[cmd.rank as usize];
        if let Some(a) = rank.acts.back() {
            if a.bg != cmd.bg {
                gap(Rule::TrrdS, a, a.cycle, t.rrd_s as u64, cmd)?;
            }
        }
        if rank.acts.len() == 4 {
            let a = &rank.acts[0];
            gap(Rule::Tfaw, a, a.cycle, t.faw as u64, cmd)?;
        }
        let rank = &mut self.ranks[cmd.rank as usize];
        if rank.acts.len() == 4 {
            rank.acts.pop_front();
        }
        rank.acts.push_back(*cmd);
        self.groups[g].act = Some(*cmd);
        let bank = &mut self.banks[b];
        bank.open = Some(*cmd);
        bank.last_act = Some(*cmd);
        bank.rd = None;
        bank.wr = None;
        self.stats.acts += 1;
        Ok(())
    }

    /// Explicit precharge (PRE or PREA) of open bank `b` by `cmd`.
    fn precharge(&mut self, b: usize, cmd: &Command) -> Result<(), Violation> {
        let t = self.t;
        let bank = self.banks[b];
        if let Some(a) = &bank.open {
            gap(Rule::Tras, a, a.cycle, t.ras as u64, cmd)?;
        }
        if let Some(r) = &bank.rd {
            gap(Rule::Trtp, r, r.cycle, t.rtp as u64, cmd)?;
        }
        if let Some(w) = &bank.wr {
            gap(Rule::Twr, w, self.write_end(w), t.wr as u64, cmd)?;
        }
        self.close(b, cmd.cycle, cmd);
        Ok(())
    }

    fn close(&mut self, b: usize, at: u64, by: &Command) {
        let bank = &mut self.banks[b];
        bank.open = None;
        bank.precharged = Some((at, *by));
        self.stats.precharges += 1;
    }

    fn write_end(&self, w: &Command) -> u64 {
        w.cycle + (self.t.cwl + self.t.bl / 2) as u64
    }

    /// The open-row check and tRCD, shared by RD and WR; returns the ACT.
    fn open_row(&self, cmd: &Command, rcd: u32) -> Result<Command, Violation> {
        let bank = &self.banks[self.bank_idx(cmd)];
        let Some(act) = bank.open else {
            return Err(state(
                Rule::RowNotOpen,
                bank.precharged.map(|(_, c)| c),
                cmd,
            ));
        };
        if act.row != cmd.row {
            return Err(state(Rule::RowNotOpen, Some(act), cmd));
        }
        gap(Rule::Trcd, &act, act.cycle, rcd as u64, cmd)?;
        Ok(act)
    }

    fn read(&mut self, cmd: &Command) -> Result<(), Violation> {
        let t = self.t;
        let act = self.open_row(cmd, t.rcd)?;
        let g = self.group_idx(cmd);
        let r = cmd.rank as usize;
        if let Some(p) = &self.groups[g].rd {
            gap(Rule::TccdL, p, p.cycle, t.ccd_l as u64, cmd)?;
        }
        if let Some(p) = &self.ranks[r].rd {
            if p.bg != cmd.bg {
                gap(Rule::TccdS, p, p.cycle, t.ccd_s as u64, cmd)?;
            }
        }
        if let Some(w) = &self.groups[g].wr {
            gap(Rule::TwtrL, w, self.write_end(w), t.wtr_l as u64, cmd)?;
        }
        if let Some(w) = &self.ranks[r].wr {
            if w.bg != cmd.bg {
                gap(Rule::TwtrS, w, self.write_end(w), t.wtr_s as u64, cmd)?;
            }
        }
        self.burst(cmd, cmd.cycle + t.cl as u64)?;
        self.groups[g].rd = Some(*cmd);
        self.ranks[r].rd = Some(*cmd);
        self.stats.reads += 1;
        let b = self.bank_idx(cmd);
        self.banks[b].rd = Some(*cmd);
        if cmd.kind == CommandKind::RdA {
            let at = (cmd.cycle + t.rtp as u64).max(act.cycle + t.ras as u64);
            self.close(b, at, cmd);
        }
        Ok(())
    }

    fn write(&mut self, cmd: &Command) -> Result<(), Violation> {
        let t = self.t;
        let act = self.open_row(cmd, t.rcd_wr)?;
        let g = self.group_idx(cmd);
        let r = cmd.rank as usize;
        if let Some(p) = &self.groups[g].wr {
            gap(Rule::TccdL, p, p.cycle, t.ccd_l as u64, cmd)?;
        }
        if let Some(p) = &self.ranks[r].wr {
            if p.bg != cmd.bg {
                gap(Rule::TccdS, p, p.cycle, t.ccd_s as u64, cmd)?;
            }
        }
        if let Some(p) = &self.ranks[r].rd {
            gap(Rule::Trtw, p, p.cycle, t.rtw as u64, cmd)?;
        }
        self.burst(cmd, cmd.cycle + t.cwl as u64)?;
        self.groups[g].wr = Some(*cmd);
        self.ranks[r].wr = Some(*cmd);
        self.stats.writes += 1;
        let b = self.bank_idx(cmd);
        self.banks[b].wr = Some(*cmd);
        if cmd.kind == CommandKind::WrA {
            let at = (self.write_end(cmd) + t.wr as u64).max(act.cycle + t.ras as u64);
            self.close(b, at, cmd);
        }
        Ok(())
    }

    /// The burst driven by `cmd` from clock `start` must not overlap another, nor come within
    /// tRTRS of another rank's.
    fn burst(&mut self, cmd: &Command, start: u64) -> Result<(), Violation> {
        let len = (self.t.bl / 2) as u64;
        let end = start + len;
        let rtrs = self.t.rtrs as u64;
        let earliest_start = cmd.cycle + self.t.cl.min(self.t.cwl) as u64;
        while self
            .bursts
            .front()
            .is_some_and(|b| b.end + rtrs <= earliest_start)
        {
            self.bursts.pop_front();
        }
        for b in &self.bursts {
            if start < b.end && b.start < end {
                return Err(Violation {
                    rule: Rule::DataBusOverlap,
                    earlier: Some(b.by),
                    command: *cmd,
                    needed: 0,
                    actual: 0,
                });
            }
            if b.rank != cmd.rank {
                let apart = if start >= b.end {
                    start - b.end
                } else {
                    b.start - end
                };
                if apart < rtrs {
                    return Err(Violation {
                        rule: Rule::Trtrs,
                        earlier: Some(b.by),
                        command: *cmd,
                        needed: rtrs,
                        actual: apart,
                    });
                }
            }
        }
        let pos = self.bursts.partition_point(|b| b.end <= end);
        self.bursts.insert(
            pos,
            Burst {
                start,
                end,
                rank: cmd.rank,
                by: *cmd,
            },
        );
        self.stats.data_cycles += len;
        Ok(())
    }

    fn refresh(&mut self, cmd: &Command) -> Result<(), Violation> {
        let t = self.t;
        let per_rank = self.org.banks_per_rank() as usize;
        let first = cmd.rank as usize * per_rank;
        for bank in &self.banks[first..first + per_rank] {
            if let Some(a) = bank.open {
                return Err(state(Rule::RefreshWithOpenBank, Some(a), cmd));
            }
            if let Some((at, by)) = bank.precharged {
                gap(Rule::Trp, &by, at, t.rp as u64, cmd)?;
            }
        }
        let rank = &mut self.ranks[cmd.rank as usize];
        let since = rank.refresh.map_or(0, |c| c.cycle);
        let limit = 9 * t.refi as u64;
        if cmd.cycle - since > limit {
            return Err(Violation {
                rule: Rule::RefreshInterval,
                earlier: rank.refresh,
                command: *cmd,
                needed: limit,
                actual: cmd.cycle - since,
            });
        }
        self.stats.max_refresh_gap = self.stats.max_refresh_gap.max(cmd.cycle - since);
        rank.refresh = Some(*cmd);
        self.stats.refreshes += 1;
        Ok(())
    }
}
