//! The PS ports between the masters and the channel: each master's SmartConnect narrows its beats to
//! the port's width (a 256-bit beat takes two cycles of a 128-bit HP port: the `port_width` stall),
//! holds what the controller cannot take yet, and returns read beats in order, as one AXI ID must.
//!
//! Bursts are [`Ticket`]s into a slab that is reused as masters release them, so a frame of a million
//! bursts allocates a few hundred slots.

use std::collections::VecDeque;

use super::{BeatState, Channel, Landing, Memory, PortId, PortStats, Request, Served, Ticket, SUB};
use crate::engine::Cause;
use crate::Cycle;

/// One burst's bookkeeping.
#[derive(Clone, Debug, Default)]
struct Slot {
    port: u8,
    write: bool,
    beat_bytes: u32,
    /// Still held at its port: the channel has not taken it.
    held: bool,
    /// Per beat (a write has one: its response): when it crossed the channel, and what it waited for.
    crossed: Vec<Option<(u64, super::MemWait)>>,
    /// Per beat: when it reaches the master.
    landed: Vec<Option<Landing>>,
}

/// A port's data paths and its queues.
#[derive(Clone, Debug, Default)]
struct Port {
    /// Sub-cycle from which the read data path is free.
    rd_free: u64,
    /// Sub-cycle from which the write data path is free.
    wr_free: u64,
    /// Read beats not yet through the port, in issue order: (slot, beat).
    returning: VecDeque<(u32, u32)>,
    /// Requests the channel refused, oldest first.
    held: VecDeque<Request>,
}

/// The masters' PS ports in front of one channel.
pub struct PsPorts {
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
    /// Ports named `names`, each `ps_port_bits` wide, in front of `channel`.
    pub fn new(names: &[&str], ps_port_bits: u32, channel: Box<dyn Channel>) -> Self {
        PsPorts {
            ports: vec![Port::default(); names.len()],
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

    fn slot(&mut self, port: PortId, write: bool, beats: u32, beat_bytes: u32) -> u32 {
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.slots.push(Slot::default());
                self.slots.len() as u32 - 1
            }
        };
        let s = &mut self.slots[id as usize];
        s.port = port.0;
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

    /// Records what the channel served and moves read beats through their ports in order.
    fn take_served(&mut self) {
        let mut touched = 0u64;
        for s in self.served.drain(..) {
            let slot = &mut self.slots[s.id as usize];
            let k = if slot.write { 0 } else { s.beat as usize };
            slot.crossed[k] = Some((s.at, s.wait));
            touched |= 1 << slot.port.min(63);
            if slot.write {
                let port = PortId(slot.port);
                slot.landed[0] = Some(Landing {
                    at: s.at.div_ceil(SUB),
                    cause: s.wait.cause(port),
                });
            }
        }
        for p in 0..self.ports.len() {
            if touched & (1 << p.min(63)) != 0 {
                self.return_beats(p);
            }
        }
    }

    fn return_beats(&mut self, p: usize) {
        let port = PortId(p as u8);
        let ps_bytes = self.ps_bytes;
        let path = &mut self.ports[p];
        while let Some(&(id, k)) = path.returning.front() {
            let slot = &mut self.slots[id as usize];
            let Some((crossed, wait)) = slot.crossed[k as usize] else {
                break;
            };
            let cost = Self::beat_cost(ps_bytes, slot.beat_bytes);
            let by_port = path.rd_free + cost;
            let t = crossed.max(by_port);
            let cause = if by_port > crossed {
                Cause::PortWidth(port)
            } else {
                wait.cause(port)
            };
            path.rd_free = t;
            slot.landed[k as usize] = Some(Landing {
                at: t.div_ceil(SUB),
                cause,
            });
            path.returning.pop_front();
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

    fn read(&mut self, now: Cycle, port: PortId, addr: u64, beats: u32, beat_bytes: u32) -> Ticket {
        let id = self.slot(port, false, beats, beat_bytes);
        let p = port.0 as usize;
        self.ports[p].returning.extend((0..beats).map(|k| (id, k)));
        self.offer(
            p,
            Request {
                id,
                addr,
                beats,
                beat_bytes,
                write: false,
                at: now * SUB,
            },
        );
        let s = &mut self.stats[p];
        s.read += beats as u64 * beat_bytes as u64;
        s.read_bursts += 1;
        Ticket(id)
    }

    fn beat(&self, t: Ticket, k: u32) -> BeatState {
        let slot = &self.slots[t.0 as usize];
        let port = PortId(slot.port);
        match slot.landed[k as usize] {
            Some(l) => BeatState::Known(l),
            None if slot.held => BeatState::Pending(Cause::Interconnect(port)),
            None => BeatState::Pending(self.channel.waiting(t.0).cause(port)),
        }
    }

    fn release(&mut self, t: Ticket) {
        self.free.push(t.0);
    }

    fn write_ready(&self, port: PortId) -> Cycle {
        self.ports[port.0 as usize].wr_free.div_ceil(SUB)
    }

    fn write_beat(&mut self, now: Cycle, port: PortId, beat_bytes: u32) {
        let cost = Self::beat_cost(self.ps_bytes, beat_bytes);
        let path = &mut self.ports[port.0 as usize];
        path.wr_free = path.wr_free.max(now * SUB) + cost;
    }

    fn write_burst(
        &mut self,
        _now: Cycle,
        port: PortId,
        addr: u64,
        beats: u32,
        beat_bytes: u32,
    ) -> Ticket {
        let id = self.slot(port, true, 1, beat_bytes);
        let p = port.0 as usize;
        let sent = self.ports[p].wr_free;
        self.offer(
            p,
            Request {
                id,
                addr,
                beats,
                beat_bytes,
                write: true,
                at: sent,
            },
        );
        let s = &mut self.stats[p];
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
    use crate::memory::MemWait;

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
        let mut m = PsPorts::new(&["a"], 128, Box::new(ch));
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
}
