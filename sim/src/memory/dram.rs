//! DRAM controllers behind the PS ports: each AXI burst is split into DRAM bursts (64 B on a DDR4
//! x64 channel, 32 B on an HBM2 pseudo-channel), fed to the controllers' queues as they have room,
//! and its beats are reported as the DRAM bursts that hold them finish.
//!
//! With several channels (the 32 pseudo-channels of an HBM2 stack), consecutive `interleave`-byte
//! blocks of the address space go to consecutive channels, so a stream spreads over all of them;
//! each channel sees a dense address space of its own (the channel bits are removed).
//!
//! Two clocks meet here: the accelerator's (sub-cycles of the PL clock, [`SUB`] per cycle) and the
//! DRAM's (tCK). Times cross as integer femtoseconds, so no rounding accumulates over a frame.
//!
//! Writes are posted: the controller acknowledges a burst once all its DRAM bursts sit in its write
//! queue, as the DDR controller of the Zynq UltraScale+ PS does; a full write queue back-pressures
//! the port.

use std::collections::VecDeque;

use dram::{Completion, Controller, Request as DramRequest};

use golden::model::config::ConfigIssue;

use super::{Channel, MemWait, Request, Served, SUB};

/// Bits of a DRAM request id that number the DRAM bursts of one AXI burst.
const BLOCK_BITS: u32 = 16;

/// One AXI burst in the channel.
#[derive(Clone, Debug, Default)]
struct Burst {
    addr: u64,
    beats: u32,
    beat_bytes: u32,
    write: bool,
    /// Arrival at the controller, in DRAM clocks.
    arrive: u64,
    /// DRAM bursts it spans.
    blocks: u32,
    /// DRAM bursts handed to the controller so far.
    fed: u32,
    /// When each DRAM burst finished (DRAM clock).
    finished: Vec<Option<u64>>,
    /// The next beat not yet reported.
    next_beat: u32,
}

/// How addresses spread over channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Interleave {
    channels: u64,
    /// Bytes of one channel before the next takes over.
    bytes: u64,
}

impl Interleave {
    /// The channel of `addr` and the address inside it.
    fn route(self, addr: u64) -> (usize, u64) {
        if self.channels == 1 {
            return (0, addr);
        }
        let block = addr / self.bytes;
        let ch = (block % self.channels) as usize;
        let local = block / self.channels * self.bytes + addr % self.bytes;
        (ch, local)
    }
}

/// The DRAM channels behind the ports.
pub struct DramChannel {
    ctrls: Vec<Controller>,
    interleave: Interleave,
    /// The DRAM clock of the latest event handled: nothing fed later may arrive before it.
    now_ck: u64,
    name: String,
    /// Femtoseconds per sub-cycle of the accelerator clock, × SUB (= fs per PL cycle).
    pl_fs: u64,
    /// Femtoseconds per DRAM clock.
    ck_fs: u64,
    /// The earliest event of any channel (DRAM clock), kept current by `offer` and `advance`, the
    /// only calls that change a controller: the engine asks for it every cycle.
    next: Option<u64>,
    /// Clocks from a burst leaving the PS port to reaching the controller's queue.
    request_latency: u64,
    /// Clocks from data leaving the DRAM to reaching the PS port.
    return_latency: u64,
    /// AXI bursts the channel can hold before it refuses one (the controller port's queue).
    capacity: usize,
    bursts: Vec<Burst>,
    /// Bursts with DRAM bursts not yet in the controller, in arrival order.
    feeding: VecDeque<u32>,
    /// Bursts accepted and not fully reported.
    live: usize,
    done: Vec<Completion>,
}

impl DramChannel {
    /// One channel around `ctrl`, seen from an accelerator clocked at `pl_mhz`.
    pub fn new(
        ctrl: Controller,
        name: impl Into<String>,
        pl_mhz: f64,
        request_latency_ns: f64,
        return_latency_ns: f64,
        capacity: usize,
    ) -> Self {
        let bytes = ctrl.burst_bytes() as u64;
        Self::interleaved(
            vec![ctrl],
            bytes,
            name,
            pl_mhz,
            request_latency_ns,
            return_latency_ns,
            capacity,
        )
        .expect("one channel needs no interleave rule")
    }

    /// Channels `ctrls` (alike: one preset) taking turns every `interleave_bytes`.
    ///
    /// # Errors
    /// If `ctrls` is empty or not a power of two, the controllers differ in clock or burst size, or
    /// `interleave_bytes` is not a power-of-two multiple of the DRAM burst.
    pub fn interleaved(
        ctrls: Vec<Controller>,
        interleave_bytes: u64,
        name: impl Into<String>,
        pl_mhz: f64,
        request_latency_ns: f64,
        return_latency_ns: f64,
        capacity: usize,
    ) -> Result<Self, ConfigIssue> {
        let Some(first) = ctrls.first() else {
            return Err(ConfigIssue::new("memory.channels", "at least one channel"));
        };
        if !ctrls.len().is_power_of_two() {
            return Err(ConfigIssue::new(
                "memory.channels",
                format!(
                    "{} channels: a power of two, so channel bits slice the address",
                    ctrls.len()
                ),
            ));
        }
        let bb = first.burst_bytes() as u64;
        if !interleave_bytes.is_power_of_two() || interleave_bytes < bb {
            return Err(ConfigIssue::new(
                "memory.interleave_bytes",
                format!("{interleave_bytes} B: a power of two of at least one DRAM burst ({bb} B)"),
            ));
        }
        let tck = first.timing().clock;
        if ctrls
            .iter()
            .any(|c| c.timing().clock != tck || c.burst_bytes() as u64 != bb)
        {
            return Err(ConfigIssue::new(
                "memory.channels",
                "every channel must share one clock and burst size",
            ));
        }
        let ck_fs = first.timing().clock.tck_ps() * 1e3;
        let ck = |ns: f64| (ns * 1e6 / ck_fs).ceil().max(0.0) as u64;
        let mut ch = DramChannel {
            interleave: Interleave {
                channels: ctrls.len() as u64,
                bytes: interleave_bytes,
            },
            now_ck: 0,
            name: name.into(),
            pl_fs: (1e9 / pl_mhz).round() as u64,
            ck_fs: ck_fs.round() as u64,
            next: None,
            request_latency: ck(request_latency_ns),
            return_latency: ck(return_latency_ns),
            capacity: capacity.max(1),
            ctrls,
            bursts: Vec::new(),
            feeding: VecDeque::new(),
            live: 0,
            done: Vec::new(),
        };
        ch.refresh_next();
        Ok(ch)
    }

    /// Bytes of one DRAM burst.
    fn burst_bytes(&self) -> u64 {
        self.ctrls[0].burst_bytes() as u64
    }

    /// The DRAM clock at or after sub-cycle `s`.
    fn to_ck(&self, s: u64) -> u64 {
        match s.checked_mul(self.pl_fs) {
            Some(n) => n.div_ceil(SUB * self.ck_fs),
            None => {
                (s as u128 * self.pl_fs as u128).div_ceil(SUB as u128 * self.ck_fs as u128) as u64
            }
        }
    }

    /// The sub-cycle at or after DRAM clock `c`.
    fn to_sub(&self, c: u64) -> u64 {
        sub_of(c, self.ck_fs, self.pl_fs)
    }

    /// Hands the controllers every DRAM burst they have room for, oldest AXI burst first and in
    /// address order within it: the controller port is one in-order queue.
    fn feed(&mut self, served: &mut Vec<Served>) {
        let bb = self.burst_bytes();
        while let Some(&id) = self.feeding.front() {
            let b = &mut self.bursts[id as usize];
            while b.fed < b.blocks {
                let block = b.addr / bb + b.fed as u64;
                let (ch, local) = self.interleave.route(block * bb);
                let ctrl = &mut self.ctrls[ch];
                if !ctrl.can_accept(b.write) {
                    break;
                }
                let arrive = b.arrive.max(self.now_ck).max(ctrl.now());
                ctrl.enqueue(DramRequest {
                    id: (id as u64) << BLOCK_BITS | b.fed as u64,
                    addr: local,
                    write: b.write,
                    arrive,
                });
                b.fed += 1;
                if b.write && b.fed == b.blocks {
                    // Posted: acknowledged once the controller holds all of it.
                    let at = sub_of(arrive + self.return_latency, self.ck_fs, self.pl_fs);
                    served.push(Served {
                        id,
                        beat: b.beats - 1,
                        at,
                        wait: MemWait::Busy,
                    });
                    self.live -= 1;
                }
            }
            if b.fed < b.blocks {
                return;
            }
            self.feeding.pop_front();
        }
    }

    /// Reports the beats whose DRAM bursts have all finished.
    fn report(&mut self, served: &mut Vec<Served>) {
        let bb = self.burst_bytes();
        for c in std::mem::take(&mut self.done) {
            if c.write {
                continue;
            }
            let id = (c.id >> BLOCK_BITS) as u32;
            let block = (c.id & ((1 << BLOCK_BITS) - 1)) as usize;
            let first_block = {
                let b = &mut self.bursts[id as usize];
                b.finished[block] = Some(c.at);
                b.addr / bb
            };
            loop {
                let b = &self.bursts[id as usize];
                if b.next_beat == b.beats {
                    break;
                }
                let start = b.addr + b.next_beat as u64 * b.beat_bytes as u64;
                let end = start + b.beat_bytes as u64 - 1;
                let blocks =
                    (start / bb - first_block) as usize..=(end / bb - first_block) as usize;
                let Some(at) = blocks
                    .map(|k| b.finished[k])
                    .try_fold(0u64, |m, f| f.map(|f| m.max(f)))
                else {
                    break;
                };
                let beat = b.next_beat;
                let at = self.to_sub(at + self.return_latency);
                served.push(Served {
                    id,
                    beat,
                    at,
                    wait: MemWait::Latency,
                });
                let b = &mut self.bursts[id as usize];
                b.next_beat += 1;
                if b.next_beat == b.beats {
                    self.live -= 1;
                }
            }
        }
    }
}

impl DramChannel {
    /// The earliest event of any channel, in DRAM clocks.
    fn next_ck(&self) -> Option<u64> {
        self.next
    }

    fn refresh_next(&mut self) {
        self.next = self.ctrls.iter().filter_map(Controller::next_event).min();
    }
}

/// The sub-cycle at or after DRAM clock `c`, for DRAM clocks of `ck_fs` and PL cycles of `pl_fs`.
/// In 64 bits while it fits (a frame's clocks do, by far): 128-bit division is slow.
fn sub_of(c: u64, ck_fs: u64, pl_fs: u64) -> u64 {
    match c.checked_mul(ck_fs * SUB) {
        Some(n) => n.div_ceil(pl_fs),
        None => (c as u128 * ck_fs as u128 * SUB as u128).div_ceil(pl_fs as u128) as u64,
    }
}

impl Channel for DramChannel {
    fn offer(&mut self, req: Request, served: &mut Vec<Served>) -> bool {
        if self.live >= self.capacity {
            return false;
        }
        let bb = self.burst_bytes();
        let bytes = req.beats as u64 * req.beat_bytes as u64;
        let blocks = ((req.addr + bytes.max(1) - 1) / bb - req.addr / bb + 1) as u32;
        let id = req.id as usize;
        if self.bursts.len() <= id {
            self.bursts.resize_with(id + 1, Burst::default);
        }
        let arrive = self.to_ck(req.at) + self.request_latency;
        let b = &mut self.bursts[id];
        *b = Burst {
            addr: req.addr,
            beats: req.beats,
            beat_bytes: req.beat_bytes,
            write: req.write,
            arrive,
            blocks,
            fed: 0,
            finished: std::mem::take(&mut b.finished),
            next_beat: 0,
        };
        b.finished.clear();
        b.finished.resize(blocks as usize, None);
        self.live += 1;
        self.feeding.push_back(req.id);
        self.feed(served);
        self.refresh_next();
        true
    }

    fn advance(&mut self, until: u64, served: &mut Vec<Served>) {
        // Channels run in lock step event by event, so what one frees can be fed to another at the
        // right time.
        while let Some(e) = self.next_ck() {
            if self.to_sub(e) >= until {
                break;
            }
            self.now_ck = e;
            for c in &mut self.ctrls {
                if c.next_event().is_some_and(|t| t <= e) {
                    c.advance(e + 1, &mut self.done);
                }
            }
            self.report(served);
            self.feed(served);
            self.refresh_next();
        }
    }

    fn next_event(&self) -> Option<u64> {
        self.next_ck().map(|e| self.to_sub(e))
    }

    fn waiting(&self, id: u32) -> MemWait {
        let Some(b) = self.bursts.get(id as usize) else {
            return MemWait::Busy;
        };
        // Not all in the controllers yet: their queues are full.
        if b.fed < b.blocks {
            return MemWait::Busy;
        }
        // The oldest DRAM burst not back yet decides: queued (and why) or on its way.
        let Some(k) = b.finished.iter().position(Option::is_none) else {
            return MemWait::Latency;
        };
        let bb = self.burst_bytes();
        let (ch, _) = self.interleave.route((b.addr / bb + k as u64) * bb);
        match self.ctrls[ch].waiting((id as u64) << BLOCK_BITS | k as u64, b.write) {
            Some(w) => w.into(),
            None => MemWait::Latency,
        }
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn controllers(&self) -> &[Controller] {
        &self.ctrls
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Cause;
    use crate::memory::ports::PsPorts;
    use crate::memory::{BeatState, Memory, PortId};

    fn ports(channels: usize, capacity: usize) -> PsPorts {
        let cfg = ::dram::DramConfig::preset("ddr4-2133").expect("preset");
        let ctrls = (0..channels)
            .map(|_| Controller::new(&cfg).expect("controller"))
            .collect();
        let ch =
            DramChannel::interleaved(ctrls, 256, "ddr4", 300.0, 0.0, 0.0, capacity).expect("valid");
        PsPorts::new(&["a", "b"], 256, 2, Box::new(ch))
    }

    fn pending(m: &PsPorts, t: crate::memory::Ticket) -> Option<Cause> {
        match m.beat(t, 0) {
            BeatState::Pending(c) => Some(c),
            BeatState::Known(_) => None,
        }
    }

    /// Runs the memory system until `t`'s first beat is known.
    fn settle(m: &mut PsPorts, t: crate::memory::Ticket) -> crate::Cycle {
        let mut now = 0;
        while pending(m, t).is_some() {
            now = m.wake_at().expect("work pending").max(now + 1);
            m.advance(now);
        }
        now
    }

    #[test]
    fn a_waiting_master_is_told_which_dram_event_holds_it() {
        let a = PortId(0);
        let mut m = ports(1, 1);
        // A closed bank: ACT first.
        let t = m.read(0, a, 0, 2, 32);
        assert_eq!(pending(&m, t), Some(Cause::RowMiss(a)));
        // The controller's port holds one burst: the next waits in the interconnect.
        let held = m.read(0, PortId(1), 1 << 30, 2, 32);
        assert_eq!(pending(&m, held), Some(Cause::Interconnect(PortId(1))));
        let now = settle(&mut m, t);
        m.release(t);
        // Now offered, to another row of bank 0 (row bits are the top bits of ro-ba-co-bg): PRE first.
        m.advance(now + 1);
        assert_eq!(pending(&m, held), Some(Cause::RowConflict(PortId(1))));
        let now = settle(&mut m, held);
        m.release(held);
        // Just before the first refresh is due (tREFI = 7.8 us = 2340 cycles at 300 MHz), a read
        // is held by it.
        let mut now = now.max(2338);
        m.advance(now);
        let r = m.read(now, a, 64, 2, 32);
        let mut seen = Vec::new();
        while let Some(c) = pending(&m, r) {
            if seen.last() != Some(&c) {
                seen.push(c);
            }
            now += 1;
            m.advance(now);
        }
        assert!(seen.contains(&Cause::Refresh(a)), "{seen:?}");
    }

    #[test]
    fn interleaving_sends_consecutive_blocks_to_consecutive_channels() {
        let il = Interleave {
            channels: 4,
            bytes: 256,
        };
        assert_eq!(il.route(0), (0, 0));
        assert_eq!(il.route(256), (1, 0));
        assert_eq!(il.route(3 * 256 + 17), (3, 17));
        assert_eq!(il.route(4 * 256 + 5), (0, 256 + 5));
        let one = Interleave {
            channels: 1,
            bytes: 256,
        };
        assert_eq!(one.route(12345), (0, 12345));
    }

    #[test]
    fn channels_must_be_alike_and_interleave_on_whole_bursts() {
        let cfg = ::dram::DramConfig::preset("ddr4-2133").expect("preset");
        let hbm = ::dram::DramConfig::preset("hbm2").expect("preset");
        let c = |cfg: &::dram::DramConfig| Controller::new(cfg).expect("controller");
        let err = |ctrls, il| {
            DramChannel::interleaved(ctrls, il, "x", 300.0, 0.0, 0.0, 4)
                .err()
                .map(|e| e.key)
        };
        assert_eq!(err(vec![], 256), Some("memory.channels".into()));
        assert_eq!(
            err(vec![c(&cfg), c(&cfg), c(&cfg)], 256),
            Some("memory.channels".into())
        );
        assert_eq!(
            err(vec![c(&cfg), c(&cfg)], 32),
            Some("memory.interleave_bytes".into())
        );
        assert_eq!(
            err(vec![c(&cfg), c(&hbm)], 256),
            Some("memory.channels".into())
        );
        assert_eq!(err(vec![c(&cfg), c(&cfg)], 256), None);
    }
}
