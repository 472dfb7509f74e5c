//! A DRAM controller behind the PS ports: each AXI burst is split into DRAM bursts (64 B on a DDR4
//! x64 channel), fed to the controller's queues as they have room, and its beats are reported as the
//! DRAM bursts that hold them finish.
//!
//! Two clocks meet here: the accelerator's (sub-cycles of the PL clock, [`SUB`] per cycle) and the
//! DRAM's (tCK). Times cross as integer femtoseconds, so no rounding accumulates over a frame.
//!
//! Writes are posted: the controller acknowledges a burst once all its DRAM bursts sit in its write
//! queue, as the DDR controller of the Zynq UltraScale+ PS does; a full write queue back-pressures
//! the port.

use std::collections::VecDeque;

use dram::{Completion, Controller, Request as DramRequest};

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

/// The DRAM channel.
pub struct DramChannel {
    ctrl: Controller,
    name: String,
    /// Femtoseconds per sub-cycle of the accelerator clock, × SUB (= fs per PL cycle).
    pl_fs: u128,
    /// Femtoseconds per DRAM clock.
    ck_fs: u128,
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
    /// A channel around `ctrl`, seen from an accelerator clocked at `pl_mhz`.
    pub fn new(
        ctrl: Controller,
        name: impl Into<String>,
        pl_mhz: f64,
        request_latency_ns: f64,
        return_latency_ns: f64,
        capacity: usize,
    ) -> Self {
        let ck_fs = ctrl.timing().clock.tck_ps() * 1e3;
        let ck = |ns: f64| (ns * 1e6 / ck_fs).ceil().max(0.0) as u64;
        DramChannel {
            name: name.into(),
            pl_fs: (1e9 / pl_mhz).round() as u128,
            ck_fs: ck_fs.round() as u128,
            request_latency: ck(request_latency_ns),
            return_latency: ck(return_latency_ns),
            capacity: capacity.max(1),
            ctrl,
            bursts: Vec::new(),
            feeding: VecDeque::new(),
            live: 0,
            done: Vec::new(),
        }
    }

    /// The DRAM clock at or after sub-cycle `s`.
    fn to_ck(&self, s: u64) -> u64 {
        (s as u128 * self.pl_fs).div_ceil(SUB as u128 * self.ck_fs) as u64
    }

    /// The sub-cycle at or after DRAM clock `c`.
    fn to_sub(&self, c: u64) -> u64 {
        sub_of(c, self.ck_fs, self.pl_fs)
    }

    /// Hands the controller every DRAM burst it has room for, oldest AXI burst first.
    fn feed(&mut self, served: &mut Vec<Served>) {
        let bb = self.ctrl.burst_bytes() as u64;
        while let Some(&id) = self.feeding.front() {
            let b = &mut self.bursts[id as usize];
            while b.fed < b.blocks && self.ctrl.can_accept(b.write) {
                let block = b.addr / bb + b.fed as u64;
                let arrive = b.arrive.max(self.ctrl.now());
                self.ctrl.enqueue(DramRequest {
                    id: (id as u64) << BLOCK_BITS | b.fed as u64,
                    addr: block * bb,
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
        let bb = self.ctrl.burst_bytes() as u64;
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

/// The sub-cycle at or after DRAM clock `c`, for DRAM clocks of `ck_fs` and PL cycles of `pl_fs`.
fn sub_of(c: u64, ck_fs: u128, pl_fs: u128) -> u64 {
    (c as u128 * ck_fs * SUB as u128).div_ceil(pl_fs) as u64
}

impl Channel for DramChannel {
    fn offer(&mut self, req: Request, served: &mut Vec<Served>) -> bool {
        if self.live >= self.capacity {
            return false;
        }
        let bb = self.ctrl.burst_bytes() as u64;
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
        true
    }

    fn advance(&mut self, until: u64, served: &mut Vec<Served>) {
        while let Some(e) = self.ctrl.next_event() {
            if self.to_sub(e) >= until {
                break;
            }
            self.ctrl.advance(e + 1, &mut self.done);
            self.report(served);
            self.feed(served);
        }
    }

    fn next_event(&self) -> Option<u64> {
        self.ctrl.next_event().map(|e| self.to_sub(e))
    }

    fn waiting(&self, id: u32) -> MemWait {
        // Not yet all in the controller: the port or the queues are full. In the controller: its
        // turn comes after other requests, row switches and refresh.
        match self.bursts.get(id as usize) {
            Some(b) if b.fed == b.blocks => MemWait::Latency,
            _ => MemWait::Busy,
        }
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn controller(&self) -> Option<&Controller> {
        Some(&self.ctrl)
    }
}
