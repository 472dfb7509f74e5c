//! The PS ports between the masters and the channel: the SmartConnect in front of a port narrows its
//! masters' beats to the port's width (a 256-bit beat takes two cycles of a 128-bit HP port: the
//! `port_width` stall), holds what the controller cannot take yet, and returns each master's read
//! beats in order, as one AXI ID must.
//!
//! ```text
//!   master m ─► PS port m % ps_ports ─┬─ write data path ─┐
//!                                     ├─ held requests ───┼─► channel (ports offered round-robin)
//!   master m ◄─ its own beat order ◄──┴─ read data path ◄─┘
//! ```
//! Edge-MoE gives each master a port of its own. With fewer ports (`axi.ps_ports`), the masters of a
//! port share what one SmartConnect and one port have: a read and a write data path and one queue of
//! held requests, served in arrival order. Each master keeps its AXI ID (its read beats return in its
//! own order, whatever the others') and its own counters. Waiting for the other masters costs the
//! same causes as waiting for itself: a beat behind theirs on a data path is `port_width`, a request
//! behind theirs in the held queue is `interconnect`.
//!
//! Bursts are [`Ticket`]s into a slab that is reused as masters release them, so a frame of a million
//! bursts allocates a few hundred slots.

use std::collections::VecDeque;

use super::{
    BeatState, Channel, Landing, MemWait, Memory, PortId, PortStats, Request, Served, Ticket, SUB,
};
use crate::engine::Cause;
use crate::Cycle;

/// One burst's bookkeeping.
#[derive(Clone, Debug, Default)]
struct Slot {
    /// The master (AXI bundle) that issued it.
    master: u8,
    write: bool,
    beat_bytes: u32,
    /// Still held at its port: the channel has not taken it.
    held: bool,
    /// Per beat (a write has one: its response): when it crossed the channel, and what it waited for.
    crossed: Vec<Option<(u64, MemWait)>>,
    /// Per beat: when it reaches the master.
    landed: Vec<Option<Landing>>,
}

/// What stays a master's own behind a shared port: its AXI ID's order and its write bursts' timing.
#[derive(Clone, Debug, Default)]
struct Master {
    /// Its PS port.
    port: usize,
    /// Read beats not yet through the port, in issue order: (slot, beat).
    returning: VecDeque<(u32, u32)>,
    /// Sub-cycle at which its last write beat has crossed the port: its next burst's request leaves
    /// then, not when another master's later beat does.
    wr_sent: u64,
}

/// A PS port's data paths and its queue.
#[derive(Clone, Debug, Default)]
struct Port {
    /// Sub-cycle from which the read data path is free.
    rd_free: u64,
    /// Sub-cycle from which the write data path is free.
    wr_free: u64,
    /// A master told to wait for the write data path, and the cycle it was promised. Without the
    /// promise the master that ticks first would take every free cycle of a shared port; with it the
    /// masters take turns, as the SmartConnect's round-robin arbiter grants them.
    wr_promised: Option<(usize, Cycle)>,
    /// Requests the channel refused, oldest first, whichever master sent them.
    held: VecDeque<Request>,
    /// The masters it carries.
    masters: Vec<usize>,
}

/// The masters' PS ports in front of one channel.
pub struct PsPorts {
    masters: Vec<Master>,
    ports: Vec<Port>,
    stats: Vec<PortStats>,
    ps_bytes: u32,
    channel: Box<dyn Channel>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    served: Vec<Served>,
    /// The port offered first next time the channel has room (round-robin arbitration).
    next_port: usize,
}

impl PsPorts {
    /// Masters named `names` reaching `channel` through `ps_ports` PS ports, each `ps_port_bits`
    /// wide. Master `m` goes through port `m % ps_ports`: the masters are dealt out in bundle order,
    /// so no port carries more than one master more than another, and the ones dealt first keep a
    /// port of their own longest. At 4 ports this puts `weights` (26 MB read in the default frame)
    /// beside `inout1` (17 MB moved), not beside the K and V streams of `inout2` and `inout3`.
    pub fn new(
        names: &[&str],
        ps_port_bits: u32,
        ps_ports: usize,
        channel: Box<dyn Channel>,
    ) -> Self {
        let n = ps_ports.max(1);
        let mut ports = vec![Port::default(); n.min(names.len())];
        let masters = (0..names.len())
            .map(|m| {
                ports[m % n].masters.push(m);
                Master {
                    port: m % n,
                    ..Default::default()
                }
            })
            .collect();
        PsPorts {
            masters,
            ports,
            stats: names
                .iter()
                .map(|n| PortStats {
                    name: n.to_string(),
                    ..Default::default()
                })
                .collect(),
            ps_bytes: (ps_port_bits / 8).max(1),
            channel,
            slots: Vec::new(),
            free: Vec::new(),
            served: Vec::with_capacity(256),
            next_port: 0,
        }
    }

    /// The channel's name.
    pub fn channel_name(&self) -> String {
        self.channel.name()
    }

    /// The channel.
    pub fn channel(&self) -> &dyn Channel {
        self.channel.as_ref()
    }

    /// Sub-cycles a beat of `beat_bytes` occupies the port: a master moves at most one beat per cycle.
    fn beat_cost(ps_bytes: u32, beat_bytes: u32) -> u64 {
        SUB * beat_bytes.div_ceil(ps_bytes).max(1) as u64
    }

    fn slot(&mut self, master: PortId, write: bool, beats: u32, beat_bytes: u32) -> u32 {
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.slots.push(Slot::default());
                self.slots.len() as u32 - 1
            }
        };
        let s = &mut self.slots[id as usize];
        s.master = master.0;
        s.write = write;
        s.beat_bytes = beat_bytes;
        s.held = false;
        s.crossed.clear();
        s.crossed.resize(beats as usize, None);
        s.landed.clear();
        s.landed.resize(beats as usize, None);
        id
    }

    /// Hands `req` to the channel, or holds it behind what the port already holds.
    fn offer(&mut self, port: usize, req: Request) {
        if self.ports[port].held.is_empty() && self.channel.offer(req, &mut self.served) {
            self.take_served();
        } else {
            self.slots[req.id as usize].held = true;
            self.ports[port].held.push_back(req);
        }
    }

    /// Offers held requests, one port after another from the one after the last served.
    fn offer_held(&mut self) {
        let n = self.ports.len();
        for i in 0..n {
            let p = (self.next_port + i) % n;
            while let Some(&req) = self.ports[p].held.front() {
                if !self.channel.offer(req, &mut self.served) {
                    break;
                }
                self.ports[p].held.pop_front();
                self.slots[req.id as usize].held = false;
                self.next_port = (p + 1) % n;
            }
        }
    }

    /// Records what the channel served and moves read beats through their ports.
    fn take_served(&mut self) {
        let mut touched = 0u64;
        for s in self.served.drain(..) {
            let slot = &mut self.slots[s.id as usize];
            let k = if slot.write { 0 } else { s.beat as usize };
            slot.crossed[k] = Some((s.at, s.wait));
            touched |= 1 << self.masters[slot.master as usize].port.min(63);
            if slot.write {
                let master = PortId(slot.master);
                slot.landed[0] = Some(Landing {
                    at: s.at.div_ceil(SUB),
                    cause: s.wait.cause(master),
                });
            }
        }
        for p in 0..self.ports.len() {
            if touched & (1 << p.min(63)) != 0 {
                self.return_beats(p);
            }
        }
    }

    /// Moves the read beats that have crossed the channel through port `p`'s data path: each master's
    /// in its issue order, and between masters the one that crossed first.
    fn return_beats(&mut self, p: usize) {
        let ps_bytes = self.ps_bytes;
        loop {
            let mut next: Option<(u64, MemWait, usize)> = None;
            for &m in &self.ports[p].masters {
                let Some(&(id, k)) = self.masters[m].returning.front() else {
                    continue;
                };
                if let Some((at, wait)) = self.slots[id as usize].crossed[k as usize] {
                    if next.is_none_or(|(first, _, _)| at < first) {
                        next = Some((at, wait, m));
                    }
                }
            }
            let Some((crossed, wait, m)) = next else {
                break;
            };
            let Some((id, k)) = self.masters[m].returning.pop_front() else {
                break;
            };
            let master = PortId(m as u8);
            let slot = &mut self.slots[id as usize];
            let path = &mut self.ports[p];
            let by_port = path.rd_free + Self::beat_cost(ps_bytes, slot.beat_bytes);
            let t = crossed.max(by_port);
            let cause = if by_port > crossed {
                Cause::PortWidth(master)
            } else {
                wait.cause(master)
            };
            path.rd_free = t;
            slot.landed[k as usize] = Some(Landing {
                at: t.div_ceil(SUB),
                cause,
            });
        }
    }
}

impl Memory for PsPorts {
    fn advance(&mut self, now: Cycle) {
        let until = now * SUB + 1;
        if self.channel.next_event().is_some_and(|t| t < until) {
            self.channel.advance(until, &mut self.served);
            self.offer_held();
            self.take_served();
        }
    }

    fn wake_at(&self) -> Option<Cycle> {
        self.channel.next_event().map(|t| t.div_ceil(SUB))
    }

    fn read(
        &mut self,
        now: Cycle,
        master: PortId,
        addr: u64,
        beats: u32,
        beat_bytes: u32,
    ) -> Ticket {
        let id = self.slot(master, false, beats, beat_bytes);
        let m = master.0 as usize;
        self.masters[m]
            .returning
            .extend((0..beats).map(|k| (id, k)));
        self.offer(
            self.masters[m].port,
            Request {
                id,
                addr,
                beats,
                beat_bytes,
                write: false,
                at: now * SUB,
            },
        );
        let s = &mut self.stats[m];
        s.read += beats as u64 * beat_bytes as u64;
        s.read_bursts += 1;
        Ticket(id)
    }

    fn beat(&self, t: Ticket, k: u32) -> BeatState {
        let slot = &self.slots[t.0 as usize];
        let master = PortId(slot.master);
        match slot.landed[k as usize] {
            Some(l) => BeatState::Known(l),
            None if slot.held => BeatState::Pending(Cause::Interconnect(master)),
            None => BeatState::Pending(self.channel.waiting(t.0).cause(master)),
        }
    }

    fn release(&mut self, t: Ticket) {
        self.free.push(t.0);
    }

    fn write_ready(&mut self, now: Cycle, master: PortId) -> Cycle {
        let m = master.0 as usize;
        let port = &mut self.ports[self.masters[m].port];
        let free = port.wr_free.div_ceil(SUB);
        match port.wr_promised.filter(|&(_, at)| at >= now) {
            // Another master was promised the path: this one asks again after that beat has begun.
            Some((other, at)) if other != m => free.max(at + 1),
            promised => {
                if free > now && promised.is_none() {
                    port.wr_promised = Some((m, free));
                }
                free
            }
        }
    }

    fn write_beat(&mut self, now: Cycle, master: PortId, beat_bytes: u32) {
        let cost = Self::beat_cost(self.ps_bytes, beat_bytes);
        let m = master.0 as usize;
        let own = &mut self.masters[m];
        let port = &mut self.ports[own.port];
        port.wr_free = port.wr_free.max(now * SUB) + cost;
        own.wr_sent = port.wr_free;
        if port.wr_promised.is_some_and(|(w, _)| w == m) {
            port.wr_promised = None;
        }
    }

    fn write_burst(
        &mut self,
        _now: Cycle,
        master: PortId,
        addr: u64,
        beats: u32,
        beat_bytes: u32,
    ) -> Ticket {
        let id = self.slot(master, true, 1, beat_bytes);
        let m = master.0 as usize;
        self.offer(
            self.masters[m].port,
            Request {
                id,
                addr,
                beats,
                beat_bytes,
                write: true,
                at: self.masters[m].wr_sent,
            },
        );
        let s = &mut self.stats[m];
        s.written += beats as u64 * beat_bytes as u64;
        s.write_bursts += 1;
        Ticket(id)
    }

    fn port_stats(&self) -> &[PortStats] {
        &self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A controller with room for `room` requests that serves them newest first, all at once, `delay`
    /// sub-cycles after the last arrived: out of order, with back-pressure.
    struct Lifo {
        room: usize,
        delay: u64,
        queue: Vec<Request>,
        last_at: u64,
    }

    impl Channel for Lifo {
        fn offer(&mut self, req: Request, _served: &mut Vec<Served>) -> bool {
            if self.queue.len() == self.room {
                return false;
            }
            self.last_at = self.last_at.max(req.at);
            self.queue.push(req);
            true
        }
        fn advance(&mut self, until: u64, served: &mut Vec<Served>) {
            let at = self.last_at + self.delay;
            if self.queue.is_empty() || at >= until {
                return;
            }
            while let Some(r) = self.queue.pop() {
                for beat in 0..r.beats {
                    served.push(Served {
                        id: r.id,
                        beat,
                        at,
                        wait: MemWait::Busy,
                    });
                }
            }
        }
        fn next_event(&self) -> Option<u64> {
            (!self.queue.is_empty()).then_some(self.last_at + self.delay)
        }
        fn waiting(&self, _id: u32) -> MemWait {
            MemWait::Latency
        }
        fn name(&self) -> String {
            "lifo".into()
        }
    }

    /// A controller that takes every request and moves beat k of a read (a write's response)
    /// `delay + k` cycles after the request arrives: in order, never full.
    struct Pipe {
        delay: u64,
        pending: Vec<Served>,
    }

    impl Channel for Pipe {
        fn offer(&mut self, req: Request, _served: &mut Vec<Served>) -> bool {
            let beats = if req.write { 1 } else { req.beats };
            self.pending.extend((0..beats).map(|k| Served {
                id: req.id,
                beat: if req.write { req.beats - 1 } else { k },
                at: req.at + (self.delay + k as u64) * SUB,
                wait: MemWait::Latency,
            }));
            true
        }
        fn advance(&mut self, until: u64, served: &mut Vec<Served>) {
            self.pending.sort_by_key(|s| s.at);
            let n = self.pending.partition_point(|s| s.at < until);
            served.extend(self.pending.drain(..n));
        }
        fn next_event(&self) -> Option<u64> {
            self.pending.iter().map(|s| s.at).min()
        }
        fn waiting(&self, _id: u32) -> MemWait {
            MemWait::Latency
        }
        fn name(&self) -> String {
            "pipe".into()
        }
    }

    fn pipe(delay: u64) -> Box<Pipe> {
        Box::new(Pipe {
            delay,
            pending: Vec::new(),
        })
    }

    fn landed(m: &PsPorts, t: Ticket, k: u32) -> Option<Cycle> {
        match m.beat(t, k) {
            BeatState::Known(l) => Some(l.at),
            BeatState::Pending(_) => None,
        }
    }

    #[test]
    fn beats_served_out_of_order_return_through_their_port_in_order() {
        let ch = Lifo {
            room: 2,
            delay: 10 * SUB,
            queue: Vec::new(),
            last_at: 0,
        };
        // 128-bit port, 32-byte beats: two cycles per beat through the port.
        let mut m = PsPorts::new(&["a"], 128, 1, Box::new(ch));
        let a = m.read(0, PortId(0), 0, 2, 32);
        let b = m.read(0, PortId(0), 64, 2, 32);
        // The controller is full: the third burst waits in the port.
        let c = m.read(1, PortId(0), 128, 1, 32);
        assert_eq!(
            m.beat(a, 0),
            BeatState::Pending(Cause::MemoryLatency(PortId(0)))
        );
        assert_eq!(
            m.beat(c, 0),
            BeatState::Pending(Cause::Interconnect(PortId(0))),
            "held before the controller"
        );
        assert_eq!(m.wake_at(), Some(10));
        m.advance(9);
        assert_eq!(landed(&m, a, 0), None);
        m.advance(10);
        // b was served first, but a's beats go through the port first, each two cycles after the last.
        let got: Vec<_> = [(a, 0), (a, 1), (b, 0), (b, 1)]
            .iter()
            .map(|&(t, k)| landed(&m, t, k))
            .collect();
        assert_eq!(got, vec![Some(10), Some(12), Some(14), Some(16)]);
        // Room freed: the held burst went in at once; it is served 10 cycles after it arrived (cycle 1)
        // and waits for the port behind b.
        assert_eq!(landed(&m, c, 0), None);
        assert_eq!(m.wake_at(), Some(11));
        m.advance(11);
        assert_eq!(landed(&m, c, 0), Some(18));
        for t in [a, b, c] {
            m.release(t);
        }
        assert_eq!(m.port_stats()[0].read, 5 * 32);
    }

    /// `a` reads 4 beats at cycle 0, `b` one beat at cycle 1; the channel moves them 10 cycles later,
    /// one per cycle each: a's at 10..=13, b's at 11. Returns when each beat reaches its master.
    fn two_readers(ps_ports: usize) -> (PsPorts, Vec<Landing>, Vec<Landing>) {
        let mut m = PsPorts::new(&["a", "b"], 128, ps_ports, pipe(10));
        m.advance(0);
        let a = m.read(0, PortId(0), 0, 4, 32);
        m.advance(1);
        let b = m.read(1, PortId(1), 4096, 1, 32);
        for now in 2..=20 {
            m.advance(now);
        }
        let known = |m: &PsPorts, t: Ticket, k: u32| match m.beat(t, k) {
            BeatState::Known(l) => l,
            BeatState::Pending(c) => panic!("beat {k} pending: {c:?}"),
        };
        let got_a = (0..4).map(|k| known(&m, a, k)).collect();
        let got_b = vec![known(&m, b, 0)];
        (m, got_a, got_b)
    }

    #[test]
    fn two_masters_on_one_port_serialise_their_read_beats_in_the_order_they_crossed() {
        let at = |ls: &[Landing]| ls.iter().map(|l| l.at).collect::<Vec<_>>();
        // A port each: a's beats two cycles apart from 10 (the 128-bit port), b's as it crossed.
        let (_, a, b) = two_readers(2);
        assert_eq!((at(&a), at(&b)), (vec![10, 12, 14, 16], vec![11]));
        // One port: 5 beats x 2 cycles from cycle 10. a1 and b0 both crossed at 11: a1 goes first
        // (12), then b0 (14); a2 and a3 crossed at 12 and 13 but wait behind it (16, 18).
        let (m, a, b) = two_readers(1);
        assert_eq!((at(&a), at(&b)), (vec![10, 12, 16, 18], vec![14]));
        assert_eq!(a[0].cause, Cause::MemoryLatency(PortId(0)));
        assert_eq!(
            b[0].cause,
            Cause::PortWidth(PortId(1)),
            "b waited for the shared port's data path"
        );
        let read: Vec<u64> = m.port_stats().iter().map(|s| s.read).collect();
        assert_eq!(read, [4 * 32, 32], "bytes stay per master");
    }

    #[test]
    fn two_masters_on_one_port_take_turns_with_its_write_data_path() {
        let mut m = PsPorts::new(&["a", "b"], 128, 1, pipe(10));
        let (a, b) = (PortId(0), PortId(1));
        // Cycle 0: a sends a beat (2 cycles of the port); b must wait until 2 and is promised it.
        assert_eq!(m.write_ready(0, a), 0);
        m.write_beat(0, a, 32);
        assert_eq!(m.write_ready(0, b), 2);
        // Cycle 2: a asks first, but b was promised the cycle: a may ask again at 3.
        assert_eq!(m.write_ready(2, a), 3);
        assert_eq!(m.write_ready(2, b), 2);
        m.write_beat(2, b, 32);
        // a's one-beat burst leaves when its own beat was through (2), not when b's is (4); each
        // response comes 10 cycles after its burst left.
        let ta = m.write_burst(2, a, 0, 1, 32);
        let tb = m.write_burst(2, b, 4096, 1, 32);
        // Cycle 3: the path is b's until 4, promised to a. At 4 b asks first and is turned away.
        assert_eq!(m.write_ready(3, a), 4);
        assert_eq!(m.write_ready(4, b), 5);
        assert_eq!(m.write_ready(4, a), 4);
        m.write_beat(4, a, 32);
        m.advance(12);
        assert_eq!(landed(&m, ta, 0), Some(12));
        assert_eq!(landed(&m, tb, 0), None);
        m.advance(14);
        assert_eq!(landed(&m, tb, 0), Some(14));
        // Alone on its port, a master is never turned away from a free path.
        let mut own = PsPorts::new(&["a", "b"], 128, 2, pipe(10));
        own.write_beat(0, a, 32);
        assert_eq!(own.write_ready(0, b), 0);
        assert_eq!(own.write_ready(1, a), 2);
        assert_eq!(own.write_ready(2, b), 0);
        assert_eq!(own.write_ready(2, a), 2);
    }
}
