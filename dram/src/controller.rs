//! The channel controller: read and write queues, an FR-FCFS scheduler, page policy, write
//! drain and all-bank refresh, run event by event.
//!
//! ```text
//!  enqueue(Request) ─► read queue ─┐            ┌─ per bank: oldest request, or the oldest
//!                   └► write queue ┴─ mode ───► │  row hit (capped) → its next command
//!                                  (drain by    └─ earliest legal clock of each (bank.rs)
//!                                   watermark)        │
//!                      refresh due? PREA, REF ◄─ pick the earliest; ties: refresh, then
//!                                                     column commands, then oldest ─► issue
//! ```
//!
//! Event-driven: instead of ticking, [`Controller::advance`] asks every bank with waiting requests
//! when its next command becomes legal and jumps to the earliest. At that clock FR-FCFS picks among
//! the commands legal then: refresh first, then row hits (column commands), then the oldest
//! request. That is the same choice a clock-by-clock controller makes, since no command becomes
//! legal in the skipped clocks.
//!
//! Simplifications, on purpose: no controller pipeline latency (a command can issue in the clock
//! its request arrives; add a front-end latency in the caller); refresh is never postponed (it
//! blocks the rank as soon as it is due, so the JEDEC 8-REF postponement is not needed); a queue
//! entry is freed when its RD/WR issues; HBM2's two-clock ACT on the row bus is not modelled.
//!
//! Power-down (`DramConfig::power_down_idle` = N > 0): a rank with nothing queued for it becomes
//! idle when its last command's work ends (RD: data out + 1; WR: data, tWR + 1; ACT/PRE: 1; REF:
//! tRFC) and takes PDE N clocks later unless a request or a due refresh comes first; the PDE is an
//! event [`Controller::next_event`] reports, so idle gaps are still jumped over. A request for a
//! powered-down rank (or a due refresh) calls for PDX when its command would otherwise be legal,
//! no earlier than tCKE after PDE; the rank then takes commands from tXP after PDX. A request that
//! is queued, even one that has not arrived yet, keeps its rank up.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::bank::{class, ChannelState};
use crate::command::{Command, CommandKind};
use crate::config::{ConfigError, DramConfig, PagePolicy};
use crate::mapping::{AddressMap, Location};
use crate::power::{Activity, ActivityCounter};
use crate::standard::{Organization, Timing};
use crate::stats::DramStats;

/// One burst-sized access: `burst_bytes()` bytes at `addr` (low bits inside the burst ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Request {
    /// Caller's tag, returned in the [`Completion`].
    pub id: u64,
    /// Byte address.
    pub addr: u64,
    /// Write (else read).
    pub write: bool,
    /// DRAM clock from which the request may be served; not before [`Controller::now`].
    pub arrive: u64,
}

/// A finished request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Completion {
    /// The request's tag.
    pub id: u64,
    /// Clock at which the last data beat left the bus: RD + CL + BL/2, or WR + CWL + BL/2.
    pub at: u64,
    /// Whether it was a write.
    pub write: bool,
}

/// Why a queued request has not had its RD/WR yet: what an upstream stall is charged to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Wait {
    /// Its row is open (or it is behind older requests of its bank): it waits for the data bus,
    /// column timing (tCCD, tWTR, turnaround) or its turn.
    Queued,
    /// Its bank is precharged: ACT and tRCD first.
    RowMiss,
    /// Its bank holds another row: PRE, tRP, ACT and tRCD first.
    RowConflict,
    /// Its rank is being refreshed, or a refresh is due and goes first.
    Refresh,
    /// Its rank is powered down: it waits for the exit (PDX no earlier than tCKE after PDE, then
    /// tXP).
    PowerDown,
}

/// Row-buffer outcome of a request, fixed by its first command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Unknown,
    Hit,
    Miss,
    Conflict,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    id: u64,
    arrive: u64,
    seq: u64,
    row: u32,
    col: u32,
    rank: u8,
    bg: u8,
    bank: u8,
    class: Class,
    /// A refresh of its rank ran while it waited, after any ACT it had (PREA undid it).
    refreshed: bool,
}

/// One request queue, indexed by bank so the scheduler looks at banks, not entries.
#[derive(Clone, Debug)]
struct Queue {
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Slot indices per bank, oldest (by arrival, then enqueue order) first.
    per_bank: Vec<Vec<u32>>,
    /// Banks with a non-empty list.
    nonempty: Vec<u64>,
    len: usize,
    cap: usize,
}

impl Queue {
    fn new(cap: usize, banks: usize) -> Self {
        Queue {
            slots: Vec::with_capacity(cap),
            free: Vec::new(),
            per_bank: vec![Vec::new(); banks],
            nonempty: vec![0; banks.div_ceil(64)],
            len: 0,
            cap,
        }
    }

    fn insert(&mut self, bank: usize, slot: Slot) {
        let idx = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = slot;
                i
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        let list = &mut self.per_bank[bank];
        let key = (slot.arrive, slot.seq);
        let slots = &self.slots;
        let pos = list
            .iter()
            .rposition(|&i| (slots[i as usize].arrive, slots[i as usize].seq) <= key)
            .map_or(0, |p| p + 1);
        list.insert(pos, idx);
        self.nonempty[bank / 64] |= 1 << (bank % 64);
        self.len += 1;
    }

    fn remove(&mut self, bank: usize, idx: u32) {
        let list = &mut self.per_bank[bank];
        if let Some(pos) = list.iter().position(|&i| i == idx) {
            list.remove(pos);
        }
        if list.is_empty() {
            self.nonempty[bank / 64] &= !(1 << (bank % 64));
        }
        self.free.push(idx);
        self.len -= 1;
    }
}

const READ: usize = 0;
const WRITE: usize = 1;

#[derive(Clone, Copy, Debug)]
enum Choice {
    Refresh {
        rank: usize,
        kind: CommandKind,
    },
    Bank {
        bank: usize,
        kind: CommandKind,
        slot: u32,
    },
    /// PDE: the rank has been idle for the threshold.
    PowerDown {
        rank: usize,
    },
    /// PDX: a request or a due refresh needs the powered-down rank.
    PowerUp {
        rank: usize,
    },
}

/// The FR-FCFS order, smallest first: (clock · 4 + priority, arrival, enqueue order). Priority 0
/// is refresh (and power-down exit), 1 a column command (row hit), 2 a row command, 3 power-down
/// entry.
type Key = (u64, u64, u64);

fn key(at: u64, prio: u64, arrive: u64, seq: u64) -> Key {
    (at << 2 | prio, arrive, seq)
}

#[derive(Clone, Copy, Debug)]
struct Pick {
    key: Key,
    choice: Choice,
}

impl Pick {
    fn at(&self) -> u64 {
        self.key.0 >> 2
    }
}

/// A bank's next command and the part of its legal clock that only this bank's own state and
/// its request decide; kept until the bank, its queue list or the mode changes.
#[derive(Clone, Copy, Debug)]
struct Cand {
    valid: bool,
    kind: CommandKind,
    /// [`class`] of `kind`.
    class: u8,
    /// 1 for a column command, 2 for a row command.
    prio: u8,
    slot: u32,
    /// max(bank-local ready clock, request arrival).
    ready: u64,
    arrive: u64,
    seq: u64,
    rank: u8,
}

impl Cand {
    const NONE: Cand = Cand {
        valid: false,
        kind: CommandKind::Act,
        class: 0,
        prio: 0,
        slot: 0,
        ready: 0,
        arrive: 0,
        seq: 0,
        rank: 0,
    };
}

/// A DRAM channel with its controller.
#[derive(Clone, Debug)]
pub struct Controller {
    t: Timing,
    org: Organization,
    map: AddressMap,
    policy: PagePolicy,
    write_high: usize,
    write_low: usize,
    row_hit_cap: u32,
    record: bool,
    state: ChannelState,
    queues: [Queue; 2],
    mode: usize,
    ref_due: Vec<u64>,
    /// Per rank, the clock its last REF's tRFC ends (0 before the first).
    ref_end: Vec<u64>,
    /// Younger hits served ahead of the bank's oldest request since its row opened.
    bypasses: Vec<u32>,
    now: u64,
    seq: u64,
    /// Completions not yet reported, reads and writes apart (each in time order).
    pending: [VecDeque<Completion>; 2],
    stats: DramStats,
    commands: Vec<Command>,
    /// Energy-relevant counts, kept whether or not commands are recorded.
    activity: ActivityCounter,
    /// Per bank, its candidate for the current mode.
    cand: RefCell<Vec<Cand>>,
    /// The last `pick` and the state version it was computed for.
    memo: Cell<(u64, Option<Pick>)>,
    version: u64,
    /// Idle clocks before a rank powers down; 0 never.
    pd_idle: u64,
    /// Per rank: requests queued for it (both queues).
    rank_queued: Vec<u32>,
    /// Per rank: the clock its last command's work ends (data out, write recovery, tRFC), from
    /// which it counts as idle when nothing is queued for it.
    busy_until: Vec<u64>,
    /// Per rank: its PDE clock while powered down.
    pd_since: Vec<Option<u64>>,
    /// Per rank: no command before this clock (its last PDX + tXP; 0 before any).
    wake: Vec<u64>,
    /// Per rank: no PDE before this clock (its last PDX + max(tXP, tCKE)).
    next_pde: Vec<u64>,
}

impl Controller {
    /// A controller with empty queues, all banks precharged, at clock 0.
    pub fn new(cfg: &DramConfig) -> Result<Self, ConfigError> {
        let map = cfg.validate()?;
        let banks = cfg.org.banks() as usize;
        let ranks = cfg.org.ranks as u64;
        let refi = cfg.timing.refi as u64;
        Ok(Controller {
            t: cfg.timing,
            org: cfg.org,
            map,
            policy: cfg.policy,
            write_high: cfg.write_high,
            write_low: cfg.write_low,
            row_hit_cap: cfg.row_hit_cap,
            record: cfg.record_commands,
            state: ChannelState::new(&cfg.timing, &cfg.org),
            queues: [
                Queue::new(cfg.read_queue, banks),
                Queue::new(cfg.write_queue, banks),
            ],
            mode: READ,
            // Ranks refresh staggered across one interval.
            ref_due: (0..ranks).map(|r| refi * (r + 1) / ranks).collect(),
            ref_end: vec![0; ranks as usize],
            bypasses: vec![0; banks],
            now: 0,
            seq: 0,
            pending: [VecDeque::new(), VecDeque::new()],
            stats: DramStats::default(),
            commands: Vec::new(),
            activity: ActivityCounter::new(&cfg.timing, &cfg.org),
            cand: RefCell::new(vec![Cand::NONE; banks]),
            memo: Cell::new((u64::MAX, None)),
            version: 0,
            pd_idle: cfg.power_down_idle,
            rank_queued: vec![0; ranks as usize],
            busy_until: vec![0; ranks as usize],
            pd_since: vec![None; ranks as usize],
            wake: vec![0; ranks as usize],
            next_pde: vec![0; ranks as usize],
        })
    }

    /// Bytes one request moves: BL × bus width (64 B for DDR4 x64 BL8, 32 B for an HBM2
    /// pseudo-channel).
    pub fn burst_bytes(&self) -> u32 {
        self.map.burst_bytes()
    }

    /// The timing in use.
    pub fn timing(&self) -> &Timing {
        &self.t
    }

    /// The organisation in use.
    pub fn organization(&self) -> &Organization {
        &self.org
    }

    /// Where `addr` lands.
    pub fn decode(&self, addr: u64) -> Location {
        self.map.decode(addr)
    }

    /// Whether the queue for this direction has room.
    pub fn can_accept(&self, write: bool) -> bool {
        let q = &self.queues[write as usize];
        q.len < q.cap
    }

    /// Requests waiting in the queues (not yet issued as RD/WR).
    pub fn queued(&self) -> usize {
        self.queues[READ].len + self.queues[WRITE].len
    }

    /// Nothing queued and nothing in flight (refresh still goes on).
    pub fn is_idle(&self) -> bool {
        self.queued() == 0 && self.pending.iter().all(VecDeque::is_empty)
    }

    /// Queues a request.
    ///
    /// # Panics
    /// If the queue is full (check [`Controller::can_accept`]); in debug builds also if
    /// `req.arrive` is before [`Controller::now`].
    pub fn enqueue(&mut self, req: Request) {
        assert!(
            self.can_accept(req.write),
            "DRAM {} queue full: check can_accept before enqueue",
            if req.write { "write" } else { "read" }
        );
        debug_assert!(
            req.arrive >= self.now,
            "request {} arrives at {} before now {}",
            req.id,
            req.arrive,
            self.now
        );
        let loc = self.map.decode(req.addr);
        let bank = self.state.bank_index(
            loc.rank as usize,
            loc.bank_group as usize,
            loc.bank as usize,
        );
        let slot = Slot {
            id: req.id,
            arrive: req.arrive,
            seq: self.seq,
            row: loc.row,
            col: loc.column,
            rank: loc.rank as u8,
            bg: loc.bank_group as u8,
            bank: loc.bank as u8,
            class: Class::Unknown,
            refreshed: false,
        };
        self.seq += 1;
        self.queues[req.write as usize].insert(bank, slot);
        self.rank_queued[loc.rank as usize] += 1;
        let mode = self.mode;
        self.update_mode();
        if self.mode != mode || self.pd_idle > 0 {
            // With power-down, a request can cancel a pending PDE or call for a PDX: re-pick.
            self.cand.get_mut()[bank].valid = false;
            self.version += 1;
            return;
        }
        if req.write as usize != mode {
            return; // the other queue does not take part in picking
        }
        self.cand.get_mut()[bank].valid = false;
        // Only this bank's candidate changed: fold it into the last pick unless that pick was
        // this bank's old candidate.
        let (v, memo) = self.memo.get();
        let fresh = v == self.version;
        self.version += 1;
        if !fresh {
            return;
        }
        let Some(best) = memo else { return };
        if matches!(best.choice, Choice::Bank { bank: b, .. } if b == bank) {
            return;
        }
        let q = &self.queues[mode];
        let best = match self.bank_pick(q, bank) {
            Some(p) if p.key < best.key => p,
            _ => best,
        };
        self.memo.set((self.version, Some(best)));
    }

    /// Simulates clocks `[now, until)`: issues every command due before `until` and appends, in
    /// time order, the requests whose data finishes before `until`. Afterwards `now() == until`.
    pub fn advance(&mut self, until: u64, done: &mut Vec<Completion>) {
        debug_assert!(
            until >= self.now,
            "advance to {until} before now {}",
            self.now
        );
        while let Some(p) = self.pick() {
            if p.at() >= until {
                break;
            }
            self.issue(p);
        }
        self.now = self.now.max(until);
        loop {
            let r = self.pending[READ].front().map(|c| c.at);
            let w = self.pending[WRITE].front().map(|c| c.at);
            let side = match (r, w) {
                (Some(r), Some(w)) => {
                    if r <= w {
                        READ
                    } else {
                        WRITE
                    }
                }
                (Some(_), None) => READ,
                (None, Some(_)) => WRITE,
                (None, None) => break,
            };
            match self.pending[side].front() {
                Some(c) if c.at < until => {
                    done.push(*c);
                    self.pending[side].pop_front();
                }
                _ => break,
            }
        }
    }

    /// The earliest clock at which [`Controller::advance`] would do something: issue a command
    /// (refresh included, so this is never `None` in practice) or complete a request.
    pub fn next_event(&self) -> Option<u64> {
        let cmd = self.pick().map(|p| p.at());
        let done = self.pending.iter().filter_map(|q| q.front().map(|c| c.at));
        cmd.into_iter().chain(done).min()
    }

    /// Why the read (or write) `id` is still queued; `None` once its RD/WR has issued (its data is
    /// on the way) or if no such request is queued. The answer depends on the controller's state
    /// only, which moves when [`Controller::advance`] runs, so a caller that sleeps until
    /// [`Controller::next_event`] sees the same answers as one that asks every clock. Ids are
    /// looked up in one direction's queue: a posted write may outlive its id's reuse by a read.
    pub fn waiting(&self, id: u64, write: bool) -> Option<Wait> {
        {
            let q = &self.queues[write as usize];
            for (b, list) in q.per_bank.iter().enumerate() {
                let Some(pos) = list.iter().position(|&i| q.slots[i as usize].id == id) else {
                    continue;
                };
                let s = &q.slots[list[pos] as usize];
                let r = s.rank as usize;
                // A refresh that was due, or that ran after it arrived, delays it until its own
                // first command: the tRFC and the row reopening it forces are the refresh's.
                let refreshed =
                    s.refreshed || (self.ref_end[r] > s.arrive && s.class == Class::Unknown);
                if refreshed || self.now >= self.ref_due[r] {
                    return Some(Wait::Refresh);
                }
                if self.pd_since[r].is_some() || self.wake[r] > self.now {
                    return Some(Wait::PowerDown);
                }
                return Some(match s.class {
                    // Its own PRE or ACT has issued: it waits out tRP/tRCD.
                    Class::Conflict => Wait::RowConflict,
                    Class::Miss => Wait::RowMiss,
                    Class::Hit | Class::Unknown => match self.state.bank(b).row() {
                        Some(row) if row == s.row => Wait::Queued,
                        // Older requests of its bank go first; their row switches are theirs.
                        _ if pos > 0 => Wait::Queued,
                        Some(_) => Wait::RowConflict,
                        None => Wait::RowMiss,
                    },
                });
            }
        }
        None
    }

    /// The current clock.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Counters so far.
    pub fn stats(&self) -> &DramStats {
        &self.stats
    }

    /// Fraction of clocks so far in which the data bus carried data.
    pub fn utilization(&self) -> f64 {
        if self.now == 0 {
            0.0
        } else {
            self.stats.data_bus_cycles as f64 / self.now as f64
        }
    }

    /// Every command issued, when the configuration asked to record them.
    pub fn commands(&self) -> &[Command] {
        &self.commands
    }

    /// What the channel did that costs energy over clocks `[0, end)` (`end` at least the last
    /// command's clock), counted as commands issue: see [`crate::power`].
    pub fn activity(&self, end: u64) -> Activity {
        self.activity.activity(end)
    }

    fn update_mode(&mut self) {
        let mode = self.mode;
        let reads = self.queues[READ].len;
        let writes = self.queues[WRITE].len;
        if self.mode == READ {
            if writes > 0 && (writes >= self.write_high || reads == 0) {
                self.mode = WRITE;
                self.stats.write_drains += 1;
            }
        } else if writes == 0 || (reads > 0 && writes <= self.write_low) {
            self.mode = READ;
        }
        if self.mode != mode {
            for c in self.cand.get_mut() {
                c.valid = false;
            }
        }
    }

    /// The next command for bank `b` from the current queue, and the slot it serves.
    fn bank_candidate(&self, q: &Queue, b: usize) -> (CommandKind, u32) {
        let list = &q.per_bank[b];
        let first = list[0];
        let Some(row) = self.state.bank(b).row() else {
            return (CommandKind::Act, first);
        };
        let column = match (self.mode == WRITE, self.policy) {
            (false, PagePolicy::Open) => CommandKind::Rd,
            (true, PagePolicy::Open) => CommandKind::Wr,
            (false, PagePolicy::Closed) => CommandKind::RdA,
            (true, PagePolicy::Closed) => CommandKind::WrA,
        };
        if q.slots[first as usize].row == row {
            return (column, first);
        }
        if self.bypasses[b] < self.row_hit_cap {
            if let Some(&hit) = list[1..].iter().find(|&&i| q.slots[i as usize].row == row) {
                return (column, hit);
            }
        }
        (CommandKind::Pre, first)
    }

    fn pick(&self) -> Option<Pick> {
        let (v, memo) = self.memo.get();
        if v == self.version {
            return memo;
        }
        let p = self.pick_uncached();
        self.memo.set((self.version, p));
        p
    }

    /// Bank `b`'s candidate, computed afresh.
    #[inline(never)]
    fn fill_candidate(&self, q: &Queue, b: usize) -> Cand {
        let (kind, slot) = self.bank_candidate(q, b);
        let s = &q.slots[slot as usize];
        let class = class(kind);
        Cand {
            valid: true,
            kind,
            class: class as u8,
            prio: if kind.is_column() { 1 } else { 2 },
            slot,
            ready: self.state.bank_ready(class, b).max(s.arrive),
            arrive: s.arrive,
            seq: s.seq,
            rank: s.rank,
        }
    }

    /// Bank `b`'s next command and its FR-FCFS key, unless refresh owns the rank by then.
    fn bank_pick(&self, q: &Queue, b: usize) -> Option<Pick> {
        let mut cache = self.cand.borrow_mut();
        if !cache[b].valid {
            cache[b] = self.fill_candidate(q, b);
        }
        let c = cache[b];
        let at = c
            .ready
            .max(self.state.shared_ready(c.class as usize, b))
            .max(self.now)
            .max(self.wake[c.rank as usize]);
        (at < self.ref_due[c.rank as usize]).then_some(Pick {
            key: key(at, c.prio as u64, c.arrive, c.seq),
            choice: Choice::Bank {
                bank: b,
                kind: c.kind,
                slot: c.slot,
            },
        })
    }

    fn pick_uncached(&self) -> Option<Pick> {
        let q = &self.queues[self.mode];
        let mut best_key: Key = (u64::MAX, 0, 0);
        let mut best_bank = usize::MAX;
        let pd = self.pd_idle > 0;
        let cke = self.t.cke as u64;
        // The earliest PDX a request calls for: (key, rank).
        let mut best_wake: (Key, usize) = ((u64::MAX, 0, 0), 0);
        {
            let mut cache = self.cand.borrow_mut();
            let shared = self.state.shared();
            let now = self.now;
            let ref_due = &self.ref_due[..];
            for (w, &word) in q.nonempty.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let b = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if !cache[b].valid {
                        cache[b] = self.fill_candidate(q, b);
                    }
                    let c = &cache[b];
                    let mut at = c.ready.max(shared.ready(c.class as usize, b)).max(now);
                    if at >= ref_due[c.rank as usize] {
                        continue; // refresh owns the rank from then on
                    }
                    if pd {
                        let r = c.rank as usize;
                        if let Some(since) = self.pd_since[r] {
                            // Its rank sleeps: PDX first, tCKE after PDE at the earliest.
                            let k = key(at.max(since + cke), 0, c.arrive, c.seq);
                            if k < best_wake.0 {
                                best_wake = (k, r);
                            }
                            continue;
                        }
                        at = at.max(self.wake[r]);
                        if at >= ref_due[r] {
                            continue;
                        }
                    }
                    let k = key(at, c.prio as u64, c.arrive, c.seq);
                    if k < best_key {
                        best_key = k;
                        best_bank = b;
                    }
                }
            }
        }
        let mut best = (best_bank != usize::MAX)
            .then(|| self.bank_pick(q, best_bank))
            .flatten();
        if best_wake.0 .0 != u64::MAX && best.is_none_or(|x| best_wake.0 < x.key) {
            best = Some(Pick {
                key: best_wake.0,
                choice: Choice::PowerUp { rank: best_wake.1 },
            });
        }
        let banks_per_rank = self.org.banks_per_rank() as usize;
        for (rank, &due) in self.ref_due.iter().enumerate() {
            if best.is_some_and(|x| x.at() < due) {
                continue; // a refresh cannot start before it is due
            }
            if let Some(since) = self.pd_since[rank] {
                // A due refresh wakes the rank: PDX, then PREA/REF tXP later.
                let key = key(due.max(since + cke).max(self.now), 0, 0, 0);
                if best.is_none_or(|x| key < x.key) {
                    best = Some(Pick {
                        key,
                        choice: Choice::PowerUp { rank },
                    });
                }
                continue;
            }
            let kind = if self.state.rank_has_open_bank(rank) {
                CommandKind::PreA
            } else {
                CommandKind::Ref
            };
            let at = self
                .state
                .earliest(kind, rank * banks_per_rank)
                .max(self.now)
                .max(due)
                .max(self.wake[rank]);
            let key = key(at, 0, 0, 0);
            if best.is_none_or(|x| key < x.key) {
                best = Some(Pick {
                    key,
                    choice: Choice::Refresh { rank, kind },
                });
            }
        }
        if pd {
            for rank in 0..self.ref_due.len() {
                if self.pd_since[rank].is_some() || self.rank_queued[rank] > 0 {
                    continue;
                }
                let at = (self.busy_until[rank] + self.pd_idle)
                    .max(self.next_pde[rank])
                    .max(self.now);
                if at >= self.ref_due[rank] {
                    continue; // the refresh comes first and restarts the idle count
                }
                let key = key(at, 3, 0, 0);
                if best.is_none_or(|x| key < x.key) {
                    best = Some(Pick {
                        key,
                        choice: Choice::PowerDown { rank },
                    });
                }
            }
        }
        best
    }

    fn issue(&mut self, p: Pick) {
        self.version += 1;
        let at = p.at();
        self.now = at;
        match p.choice {
            Choice::Refresh { rank, kind } => {
                let b = rank * self.org.banks_per_rank() as usize;
                self.state.issue(kind, b, 0, at);
                let busy = if kind == CommandKind::Ref {
                    self.t.rfc as u64
                } else {
                    1 // JESD79-4 tPRPDEN: PDE may follow a precharge by 1 nCK
                };
                self.busy_until[rank] = self.busy_until[rank].max(at + busy);
                if kind == CommandKind::Ref {
                    for q in &mut self.queues {
                        for list in &q.per_bank[b..b + self.org.banks_per_rank() as usize] {
                            for &i in list {
                                q.slots[i as usize].refreshed = true;
                            }
                        }
                    }
                    self.stats.refreshes += 1;
                    self.stats.refresh_cycles += self.t.rfc as u64;
                    self.ref_due[rank] += self.t.refi as u64;
                    self.ref_end[rank] = at + self.t.rfc as u64;
                } else {
                    self.stats.precharge_alls += 1;
                }
                let per_rank = self.org.banks_per_rank() as usize;
                for c in &mut self.cand.get_mut()[b..b + per_rank] {
                    c.valid = false;
                }
                self.log(Command {
                    cycle: at,
                    kind,
                    rank: rank as u8,
                    bg: 0,
                    bank: 0,
                    row: 0,
                    col: 0,
                });
            }
            Choice::Bank { bank, kind, slot } => self.issue_bank(at, bank, kind, slot),
            Choice::PowerDown { rank } => {
                self.pd_since[rank] = Some(at);
                self.log(Command {
                    cycle: at,
                    kind: CommandKind::Pde,
                    rank: rank as u8,
                    bg: 0,
                    bank: 0,
                    row: 0,
                    col: 0,
                });
            }
            Choice::PowerUp { rank } => {
                self.pd_since[rank] = None;
                let (xp, cke) = (self.t.xp as u64, self.t.cke as u64);
                self.wake[rank] = at + xp;
                self.next_pde[rank] = at + xp.max(cke);
                self.log(Command {
                    cycle: at,
                    kind: CommandKind::Pdx,
                    rank: rank as u8,
                    bg: 0,
                    bank: 0,
                    row: 0,
                    col: 0,
                });
            }
        }
    }

    fn issue_bank(&mut self, at: u64, bank: usize, kind: CommandKind, slot: u32) {
        let mode = self.mode;
        let s = self.queues[mode].slots[slot as usize];
        self.state.issue(kind, bank, s.row, at);
        // When the rank may power down after this command (JESD79-4 power-down entry: tACTPDEN
        // and tPRPDEN 1 nCK, tRDPDEN RL + BL/2 + 1, tWRPDEN/tWRAPDEN WL + BL/2 + tWR (+ 1)).
        let t = &self.t;
        let burst = t.burst_cycles() as u64;
        let busy = match kind {
            CommandKind::Rd | CommandKind::RdA => t.cl as u64 + burst + 1,
            CommandKind::Wr | CommandKind::WrA => (t.cwl + t.wr) as u64 + burst + 1,
            _ => 1,
        };
        let r = s.rank as usize;
        self.busy_until[r] = self.busy_until[r].max(at + busy);
        self.cand.get_mut()[bank].valid = false;
        let class = match kind {
            CommandKind::Act => {
                self.stats.acts += 1;
                self.bypasses[bank] = 0;
                self.queues[mode].slots[slot as usize].refreshed = false;
                Class::Miss
            }
            CommandKind::Pre => {
                self.stats.pres += 1;
                Class::Conflict
            }
            _ => Class::Hit,
        };
        if s.class == Class::Unknown {
            match class {
                Class::Hit => self.stats.row_hits += 1,
                Class::Miss => self.stats.row_misses += 1,
                Class::Conflict => self.stats.row_conflicts += 1,
                Class::Unknown => {}
            }
            self.queues[mode].slots[slot as usize].class = class;
        }
        self.log(Command {
            cycle: at,
            kind,
            rank: s.rank,
            bg: s.bg,
            bank: s.bank,
            row: s.row,
            col: if kind.is_column() { s.col } else { 0 },
        });
        if !kind.is_column() {
            return;
        }
        let burst = self.t.burst_cycles() as u64;
        let write = kind.is_write();
        let latency = if write { self.t.cwl } else { self.t.cl } as u64;
        let done = at + latency + burst;
        self.stats.data_bus_cycles += burst;
        if kind.auto_precharge() {
            self.stats.auto_precharges += 1;
        }
        if write {
            self.stats.writes += 1;
            self.stats.write_latency.record(done - s.arrive);
        } else {
            self.stats.reads += 1;
            self.stats.read_latency.record(done - s.arrive);
        }
        self.pending[mode].push_back(Completion {
            id: s.id,
            at: done,
            write,
        });
        let q = &mut self.queues[mode];
        if q.per_bank[bank].first() != Some(&slot) {
            self.bypasses[bank] += 1;
        }
        q.remove(bank, slot);
        self.rank_queued[r] -= 1;
        self.update_mode();
    }

    fn log(&mut self, c: Command) {
        self.activity.observe(&c);
        if self.record {
            self.commands.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctrl(name: &str) -> Controller {
        let mut c = DramConfig::preset(name).unwrap();
        c.record_commands = true;
        Controller::new(&c).unwrap()
    }

    #[test]
    fn an_idle_read_to_a_closed_bank_takes_trcd_cl_and_the_burst() {
        let mut c = ctrl("ddr4-2133");
        c.enqueue(Request {
            id: 1,
            addr: 0,
            write: false,
            arrive: 10,
        });
        assert_eq!(c.next_event(), Some(10));
        let mut done = Vec::new();
        c.advance(100, &mut done);
        // ACT at 10, RD at 25, last beat at 25 + 15 + 4.
        assert_eq!(
            done,
            [Completion {
                id: 1,
                at: 44,
                write: false
            }]
        );
        let kinds: Vec<_> = c.commands().iter().map(|c| (c.kind, c.cycle)).collect();
        assert_eq!(kinds, [(CommandKind::Act, 10), (CommandKind::Rd, 25)]);
        assert_eq!(c.now(), 100);
        assert!(c.is_idle());
    }

    #[test]
    fn completions_wait_for_the_clock_they_happen_in() {
        let mut c = ctrl("ddr4-2133");
        c.enqueue(Request {
            id: 7,
            addr: 0,
            write: true,
            arrive: 0,
        });
        let mut done = Vec::new();
        // WR at 15 (tRCD), data ends at 15 + 11 + 4 = 30.
        c.advance(30, &mut done);
        assert!(done.is_empty());
        assert_eq!(c.next_event(), Some(30));
        c.advance(31, &mut done);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].at, 30);
    }

    #[test]
    fn next_event_skips_to_the_refresh_when_idle() {
        let c = ctrl("ddr4-2133");
        assert_eq!(c.next_event(), Some(8318));
    }

    #[test]
    fn waiting_names_the_row_switch_then_nothing_once_the_read_issued() {
        let mut c = ctrl("ddr4-2133");
        let mut done = Vec::new();
        c.enqueue(Request {
            id: 1,
            addr: 0,
            write: false,
            arrive: 0,
        });
        assert_eq!(c.waiting(1, false), Some(Wait::RowMiss));
        // Another row of the same bank: row bits are the top bits of the preset's mapping.
        let loc0 = c.decode(0);
        let other = (1..4096u64)
            .map(|k| k << 20)
            .find(|&a| {
                let l = c.decode(a);
                (l.bank, l.bank_group, l.rank) == (loc0.bank, loc0.bank_group, loc0.rank)
                    && l.row != loc0.row
            })
            .expect("an address in another row of the same bank");
        c.enqueue(Request {
            id: 2,
            addr: other,
            write: false,
            arrive: 0,
        });
        assert_eq!(
            c.waiting(2, false),
            Some(Wait::Queued),
            "behind the older request of its bank"
        );
        while c.waiting(1, false).is_some() {
            let t = c.next_event().unwrap();
            c.advance(t + 1, &mut done);
        }
        assert_eq!(c.waiting(2, false), Some(Wait::RowConflict));
        assert_eq!(c.waiting(99, false), None);
    }

    #[test]
    fn a_read_is_not_confused_with_a_queued_write_of_the_same_id() {
        let mut c = ctrl("ddr4-2133");
        c.enqueue(Request {
            id: 5,
            addr: 1 << 30,
            write: true,
            arrive: 0,
        });
        assert_eq!(c.waiting(5, false), None, "no read 5 is queued");
        assert!(c.waiting(5, true).is_some());
    }

    #[test]
    fn a_request_whose_act_a_refresh_undid_waits_for_the_refresh() {
        let mut c = ctrl("ddr4-2133");
        let mut done = Vec::new();
        let refi = c.timing().refi as u64;
        // Arrives just before the refresh is due: its ACT issues, then PREA and REF take the rank.
        c.advance(refi - 3, &mut done);
        c.enqueue(Request {
            id: 7,
            addr: 0,
            write: false,
            arrive: c.now(),
        });
        let mut seen = Vec::new();
        while let Some(w) = c.waiting(7, false) {
            if seen.last() != Some(&w) {
                seen.push(w);
            }
            let t = c.next_event().unwrap();
            c.advance(t + 1, &mut done);
        }
        assert!(seen.contains(&Wait::Refresh), "{seen:?}");
        assert_eq!(c.stats().refreshes, 1);
    }

    fn read_at(c: &mut Controller, at: u64) -> Completion {
        let mut done = Vec::new();
        c.advance(at, &mut done);
        c.enqueue(Request {
            id: 1,
            addr: 0,
            write: false,
            arrive: at,
        });
        if c.pd_idle > 0 {
            assert_eq!(c.waiting(1, false), Some(Wait::PowerDown));
        }
        while !c.is_idle() {
            let t = c.next_event().unwrap();
            c.advance(t + 1, &mut done);
        }
        done[0]
    }

    #[test]
    fn a_read_to_a_powered_down_rank_completes_txp_later() {
        let mut cfg = DramConfig::preset("ddr4-2133").unwrap();
        cfg.record_commands = true;
        let mut plain = Controller::new(&cfg).unwrap();
        cfg.power_down_idle = 16;
        let mut pd = Controller::new(&cfg).unwrap();
        assert_eq!(pd.next_event(), Some(16), "the PDE is the next event");
        let xp = pd.timing().xp as u64;
        assert_eq!(
            (xp, pd.timing().cke),
            (7, 6),
            "max(4 nCK, 6 ns), max(3 nCK, 5 ns)"
        );
        let a = read_at(&mut plain, 1000);
        let b = read_at(&mut pd, 1000);
        assert_eq!(b.at, a.at + xp);
        let mut done = Vec::new();
        let kinds: Vec<_> = pd.commands().iter().map(|c| (c.kind, c.cycle)).collect();
        use CommandKind::*;
        assert_eq!(kinds, [(Pde, 16), (Pdx, 1000), (Act, 1007), (Rd, 1022)]);
        // Idle again after the read's data: down again N clocks later (RD + CL + BL/2 + 1 + N).
        pd.advance(2000, &mut done);
        assert_eq!(
            pd.commands().last().map(|c| (c.kind, c.cycle)),
            Some((Pde, 1022 + 15 + 4 + 1 + 16))
        );
        crate::check(pd.commands(), pd.timing(), pd.organization()).unwrap();
    }

    #[test]
    fn a_read_inside_tcke_after_entry_waits_for_tcke_then_txp() {
        let mut cfg = DramConfig::preset("ddr4-2133").unwrap();
        cfg.record_commands = true;
        cfg.power_down_idle = 16;
        let mut pd = Controller::new(&cfg).unwrap();
        let mut plain = Controller::new(&DramConfig::preset("ddr4-2133").unwrap()).unwrap();
        // Arrives 2 clocks after PDE: PDX waits to 16 + tCKE.
        let (a, b) = (read_at(&mut plain, 18), read_at(&mut pd, 18));
        assert_eq!(b.at, a.at + (16 + 6 - 18) + 7);
    }

    #[test]
    #[should_panic(expected = "queue full")]
    fn enqueue_into_a_full_queue_panics() {
        let mut cfg = DramConfig::preset("hbm2").unwrap();
        cfg.read_queue = 1;
        let mut c = Controller::new(&cfg).unwrap();
        for id in 0..2 {
            c.enqueue(Request {
                id,
                addr: 0,
                write: false,
                arrive: 0,
            });
        }
    }
}
