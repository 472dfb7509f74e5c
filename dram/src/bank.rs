//! Timing state of a channel: for each bank, bank group and rank, the earliest clock at which
//! each command kind may next issue.
//!
//! Every issued command pushes these "not before" times forward (Ramulator-style bookkeeping), so
//! asking when a command becomes legal is a handful of `max`es and never a search through
//! history. This is what lets the controller jump over idle clocks. The rules are JESD79-4 /
//! JESD235 command-to-command minimums:
//!
//! ```text
//!   bank   ACT→RD tRCD, ACT→WR tRCDWR, ACT→PRE tRAS, ACT→ACT tRC, PRE→ACT tRP,
//!          RD→PRE tRTP, end of write data→PRE tWR, RDA/WRA: precharge at the later of those
//!          and tRAS (tRAS lockout)
//!   group  ACT→ACT tRRD_L, RD→RD / WR→WR tCCD_L, end of write data→RD tWTR_L
//!   rank   ACT→ACT tRRD_S, 5th ACT ≥ 1st + tFAW, RD→RD / WR→WR tCCD_S,
//!          end of write data→RD tWTR_S, RD→WR tRTW, REF→any tRFC
//!   channel  data bursts of different ranks tRTRS apart; one command per clock per bus
//! ```

use crate::command::CommandKind;
use crate::standard::{CommandBus, Organization, Timing};

/// No row open.
const CLOSED: u32 = u32::MAX;

/// Index of a command kind's "not before" time: ACT, PRE, RD (and RDA), WR (and WRA). Keeping
/// the four in arrays makes the scheduler's hot question a few indexed loads, no branches.
#[inline]
pub const fn class(kind: CommandKind) -> usize {
    match kind {
        CommandKind::Act => ACT,
        // PDE/PDX never reach the bank state (the controller keeps power-down per rank).
        CommandKind::Pre
        | CommandKind::PreA
        | CommandKind::Ref
        | CommandKind::Pde
        | CommandKind::Pdx => PRE,
        CommandKind::Rd | CommandKind::RdA => RD,
        CommandKind::Wr | CommandKind::WrA => WR,
    }
}

const ACT: usize = 0;
const PRE: usize = 1;
const RD: usize = 2;
const WR: usize = 3;

/// One bank.
#[derive(Clone, Copy, Debug)]
pub struct BankState {
    /// Open row, or `u32::MAX` when precharged.
    pub open_row: u32,
    /// Clock of the last ACT.
    pub act_at: u64,
    /// Earliest ACT (tRC, tRP, tRFC), PRE (tRAS, tRTP, tWR), RD (tRCD), WR (tRCDWR).
    pub next: [u64; 4],
}

impl BankState {
    const IDLE: BankState = BankState {
        open_row: CLOSED,
        act_at: 0,
        next: [0; 4],
    };

    /// The open row.
    pub fn row(&self) -> Option<u32> {
        (self.open_row != CLOSED).then_some(self.open_row)
    }
}

/// One bank group of one rank: ACT (tRRD_L), RD (tCCD_L, tWTR_L), WR (tCCD_L).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct GroupState {
    next: [u64; 4],
}

/// One rank.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RankState {
    /// ACT (tRRD_S and tFAW), RD (tCCD_S, tWTR_S, rank switch), WR (tCCD_S, tRTW, rank switch).
    next: [u64; 4],
    /// `ACT time + tFAW` of the last four ACTs; the oldest is at `faw_head`.
    faw: [u64; 4],
    faw_head: usize,
    open_banks: u32,
}

/// Borrowed group/rank/bus state: [`ChannelState::shared_ready`] without re-reading the
/// channel's fields for every bank of a scan.
pub(crate) struct Shared<'a> {
    groups: &'a [GroupState],
    ranks: &'a [RankState],
    bus: [u64; 4],
    group_shift: u32,
    rank_shift: u32,
}

impl Shared<'_> {
    /// [`ChannelState::shared_ready`].
    #[inline(always)]
    pub(crate) fn ready(&self, c: usize, b: usize) -> u64 {
        let g = self.groups[b >> self.group_shift].next[c];
        let r = self.ranks[b >> self.rank_shift].next[c];
        g.max(r).max(self.bus[c])
    }
}

/// The timing state of a whole channel.
#[derive(Clone, Debug)]
pub struct ChannelState {
    t: Timing,
    banks: Vec<BankState>,
    groups: Vec<GroupState>,
    ranks: Vec<RankState>,
    banks_per_group: usize,
    banks_per_rank: usize,
    groups_per_rank: usize,
    /// log2 of banks per group and per rank: every count is a power of two.
    group_shift: u32,
    rank_shift: u32,
    /// Earliest clock on the command bus per class (row commands share one entry value, column
    /// commands another; on a shared bus all four move together).
    bus: [u64; 4],
    split_bus: bool,
}

impl ChannelState {
    /// All banks precharged and nothing pending, at clock 0. `org` must be valid (powers of two).
    pub fn new(t: &Timing, org: &Organization) -> Self {
        let banks = org.banks() as usize;
        let groups = (org.ranks * org.bank_groups) as usize;
        ChannelState {
            t: *t,
            banks: vec![BankState::IDLE; banks],
            groups: vec![GroupState::default(); groups],
            ranks: vec![RankState::default(); org.ranks as usize],
            banks_per_group: org.banks_per_group as usize,
            banks_per_rank: org.banks_per_rank() as usize,
            groups_per_rank: org.bank_groups as usize,
            group_shift: org.banks_per_group.trailing_zeros(),
            rank_shift: org.banks_per_rank().trailing_zeros(),
            bus: [0; 4],
            split_bus: org.command_bus == CommandBus::RowColumn,
        }
    }

    /// Flat bank index of (rank, group, bank).
    pub fn bank_index(&self, rank: usize, bg: usize, bank: usize) -> usize {
        (rank * self.groups_per_rank + bg) * self.banks_per_group + bank
    }

    /// The rank of a flat bank index.
    #[inline]
    pub fn rank_of(&self, b: usize) -> usize {
        b >> self.rank_shift
    }

    #[inline]
    fn group_of(&self, b: usize) -> usize {
        b >> self.group_shift
    }

    /// One bank's state.
    pub fn bank(&self, b: usize) -> &BankState {
        &self.banks[b]
    }

    /// Earliest clock at which `kind` may issue to bank `b` (for PREA and REF, to the rank of
    /// `b`), counting only DRAM rules, not request arrival.
    pub fn earliest(&self, kind: CommandKind, b: usize) -> u64 {
        match kind {
            CommandKind::PreA => self
                .rank_banks(self.rank_of(b))
                .iter()
                .filter(|s| s.open_row != CLOSED)
                .map(|s| s.next[PRE])
                .fold(self.bus[PRE], u64::max),
            CommandKind::Ref => self
                .rank_banks(self.rank_of(b))
                .iter()
                .map(|s| s.next[ACT])
                .fold(self.bus[PRE], u64::max),
            _ => {
                let c = class(kind);
                self.bank_ready(c, b).max(self.shared_ready(c, b))
            }
        }
    }

    /// The part of [`ChannelState::earliest`] owned by bank `b` alone, for command class `c`
    /// ([`class`]). It changes only when a command goes to this bank or a PREA/REF to its rank,
    /// so a scheduler may keep it between commands.
    #[inline]
    pub fn bank_ready(&self, c: usize, b: usize) -> u64 {
        self.banks[b].next[c]
    }

    /// The part of [`ChannelState::earliest`] shared with other banks (group, rank, data bus,
    /// command bus), for command class `c` to bank `b`.
    #[inline]
    pub fn shared_ready(&self, c: usize, b: usize) -> u64 {
        let g = self.groups[self.group_of(b)].next[c];
        let r = self.ranks[self.rank_of(b)].next[c];
        g.max(r).max(self.bus[c])
    }

    /// A read-only view of the group, rank and bus parts, for scanning many banks quickly.
    #[inline]
    pub(crate) fn shared(&self) -> Shared<'_> {
        Shared {
            groups: &self.groups,
            ranks: &self.ranks,
            bus: self.bus,
            group_shift: self.group_shift,
            rank_shift: self.rank_shift,
        }
    }

    /// Whether any bank of rank `r` has a row open.
    pub fn rank_has_open_bank(&self, r: usize) -> bool {
        self.ranks[r].open_banks > 0
    }

    fn rank_banks(&self, r: usize) -> &[BankState] {
        &self.banks[r * self.banks_per_rank..(r + 1) * self.banks_per_rank]
    }

    /// Records `kind` issued at clock `at` to bank `b` (opening `row` for an ACT). The caller has
    /// checked `at >= earliest(kind, b)`.
    pub fn issue(&mut self, kind: CommandKind, b: usize, row: u32, at: u64) {
        if kind.is_power_down() {
            return; // a CKE transition: no bank or bus timing of its own (the controller's)
        }
        debug_assert!(at >= self.earliest(kind, b), "{kind:?} to bank {b} at {at}");
        let t = self.t;
        let burst = t.burst_cycles() as u64;
        let gi = self.group_of(b);
        let ri = self.rank_of(b);
        let (mine, other) = if kind.is_column() {
            ([RD, WR], [ACT, PRE])
        } else {
            ([ACT, PRE], [RD, WR])
        };
        for c in mine {
            self.bus[c] = at + 1;
        }
        if !self.split_bus {
            for c in other {
                self.bus[c] = at + 1;
            }
        }
        let up = |x: &mut u64, v: u64| *x = (*x).max(v);
        match kind {
            CommandKind::Act => {
                let bank = &mut self.banks[b];
                bank.open_row = row;
                bank.act_at = at;
                bank.next[RD] = at + t.rcd as u64;
                bank.next[WR] = at + t.rcd_wr as u64;
                up(&mut bank.next[PRE], at + t.ras as u64);
                up(&mut bank.next[ACT], at + t.rc as u64);
                up(&mut self.groups[gi].next[ACT], at + t.rrd_l as u64);
                let r = &mut self.ranks[ri];
                r.faw[r.faw_head] = at + t.faw as u64;
                r.faw_head = (r.faw_head + 1) % 4;
                // The next ACT waits for tRRD_S and for the oldest of the last four + tFAW.
                up(
                    &mut r.next[ACT],
                    (at + t.rrd_s as u64).max(r.faw[r.faw_head]),
                );
                r.open_banks += 1;
            }
            CommandKind::Pre => self.close(b, at),
            CommandKind::PreA => {
                let first = ri * self.banks_per_rank;
                for i in first..first + self.banks_per_rank {
                    if self.banks[i].open_row != CLOSED {
                        self.close(i, at);
                    }
                }
            }
            CommandKind::Ref => {
                let first = ri * self.banks_per_rank;
                for bank in &mut self.banks[first..first + self.banks_per_rank] {
                    up(&mut bank.next[ACT], at + t.rfc as u64);
                }
            }
            CommandKind::Rd | CommandKind::RdA => {
                let data_end = at + (t.cl as u64) + burst;
                up(&mut self.groups[gi].next[RD], at + t.ccd_l as u64);
                let r = &mut self.ranks[ri];
                up(&mut r.next[RD], at + t.ccd_s as u64);
                up(&mut r.next[WR], at + t.rtw as u64);
                self.rank_switch(ri, data_end);
                let bank = &mut self.banks[b];
                up(&mut bank.next[PRE], at + t.rtp as u64);
                if kind == CommandKind::RdA {
                    let pre = bank.next[PRE].max(bank.act_at + t.ras as u64);
                    self.close(b, pre);
                }
            }
            CommandKind::Wr | CommandKind::WrA => {
                let data_end = at + (t.cwl as u64) + burst;
                let g = &mut self.groups[gi];
                up(&mut g.next[WR], at + t.ccd_l as u64);
                up(&mut g.next[RD], data_end + t.wtr_l as u64);
                let r = &mut self.ranks[ri];
                up(&mut r.next[WR], at + t.ccd_s as u64);
                up(&mut r.next[RD], data_end + t.wtr_s as u64);
                self.rank_switch(ri, data_end);
                let bank = &mut self.banks[b];
                up(&mut bank.next[PRE], data_end + t.wr as u64);
                if kind == CommandKind::WrA {
                    let pre = bank.next[PRE].max(bank.act_at + t.ras as u64);
                    self.close(b, pre);
                }
            }
            CommandKind::Pde | CommandKind::Pdx => {}
        }
    }

    /// Other ranks' bursts must start tRTRS after this one's data ends at `data_end`.
    fn rank_switch(&mut self, from: usize, data_end: u64) {
        if self.ranks.len() == 1 {
            return;
        }
        let free = data_end + self.t.rtrs as u64;
        let (cl, cwl) = (self.t.cl as u64, self.t.cwl as u64);
        for (i, r) in self.ranks.iter_mut().enumerate() {
            if i != from {
                r.next[RD] = r.next[RD].max(free.saturating_sub(cl));
                r.next[WR] = r.next[WR].max(free.saturating_sub(cwl));
            }
        }
    }

    /// Precharge of bank `b` starting at `at` (explicit, or the internal one of RDA/WRA).
    fn close(&mut self, b: usize, at: u64) {
        let rp = self.t.rp as u64;
        let bank = &mut self.banks[b];
        debug_assert!(bank.open_row != CLOSED);
        bank.open_row = CLOSED;
        bank.next[ACT] = bank.next[ACT].max(at + rp);
        let r = self.rank_of(b);
        self.ranks[r].open_banks -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standard::{DDR4_2133, HBM2};

    fn ddr4() -> ChannelState {
        ChannelState::new(&DDR4_2133.timing, &DDR4_2133.org)
    }

    #[test]
    fn rd_is_blocked_until_trcd_after_act() {
        let mut s = ddr4();
        s.issue(CommandKind::Act, 0, 7, 100);
        assert_eq!(s.earliest(CommandKind::Rd, 0), 115);
        assert_eq!(s.bank(0).row(), Some(7));
    }

    #[test]
    fn a_fifth_act_inside_tfaw_is_blocked() {
        let mut s = ddr4();
        let t = DDR4_2133.timing; // tRRD_S 6, tRRD_L 7, tFAW 32
        let mut at = 0;
        for i in 0..4 {
            let b = s.bank_index(0, i % 2, i / 2);
            at = at.max(s.earliest(CommandKind::Act, b));
            s.issue(CommandKind::Act, b, 0, at);
        }
        // ACTs at 0, 6, 12, 18: the fifth waits for 0 + tFAW, not 18 + tRRD_S.
        assert_eq!(at, 18);
        let b = s.bank_index(0, 0, 2);
        assert_eq!(s.earliest(CommandKind::Act, b), t.faw as u64);
    }

    #[test]
    fn rda_closes_the_bank_after_tras_lockout() {
        let mut s = ddr4();
        s.issue(CommandKind::Act, 0, 1, 0);
        s.issue(CommandKind::RdA, 0, 1, 15);
        // RD + tRTP = 23 < ACT + tRAS = 36: precharge at 36, next ACT at max(tRC 51, 36 + 15).
        assert_eq!(s.bank(0).row(), None);
        assert_eq!(s.earliest(CommandKind::Act, 0), 51);
        assert!(!s.rank_has_open_bank(0));
    }

    #[test]
    fn a_split_bus_takes_a_row_and_a_column_command_in_one_clock() {
        let mut s = ChannelState::new(&HBM2.timing, &HBM2.org);
        s.issue(CommandKind::Act, 0, 0, 0);
        s.issue(CommandKind::Rd, 0, 0, 12);
        // The RD did not take the row bus: bank 5 (another group) waits only for tRRD_S.
        assert_eq!(s.earliest(CommandKind::Act, 5), 4);
        s.issue(CommandKind::Act, 5, 0, 12);
        let mut d = ddr4();
        d.issue(CommandKind::Act, 0, 0, 0);
        d.issue(CommandKind::Rd, 0, 0, 15);
        assert_eq!(d.earliest(CommandKind::Pre, 1), 16);
    }
}
