//! Traffic generators and a closed-loop driver shared by the integration tests.

use dram::{Completion, Controller, DramConfig, Request};

/// A 64-bit LCG (Knuth's MMIX constants): reproducible traffic without a rand crate.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 16
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn config(name: &str) -> DramConfig {
    let mut c = DramConfig::preset(name).expect("preset");
    c.record_commands = true;
    c
}

pub fn controller(cfg: &DramConfig) -> Controller {
    Controller::new(cfg).expect("valid config")
}

/// Feeds `reqs` (address, write) in order, each as soon as its queue has room, and runs until
/// everything completed. Returns the completions in time order.
pub fn drive(c: &mut Controller, reqs: impl IntoIterator<Item = (u64, bool)>) -> Vec<Completion> {
    let mut it = reqs.into_iter().peekable();
    let mut done = Vec::new();
    let mut id = 0;
    loop {
        while let Some(&(addr, write)) = it.peek() {
            if !c.can_accept(write) {
                break;
            }
            c.enqueue(Request {
                id,
                addr,
                write,
                arrive: c.now(),
            });
            id += 1;
            it.next();
        }
        if it.peek().is_none() && c.is_idle() {
            return done;
        }
        let t = c
            .next_event()
            .expect("a controller always has a next event");
        c.advance(t + 1, &mut done);
    }
}

/// `n` sequential bursts from 0.
pub fn sequential(n: u64, burst: u64, write: bool) -> impl Iterator<Item = (u64, bool)> {
    (0..n).map(move |i| (i * burst, write))
}

/// `n` burst-aligned random addresses below `span`, a fraction `writes` of them writes.
pub fn random(
    n: u64,
    burst: u64,
    span: u64,
    writes: f64,
    seed: u64,
) -> impl Iterator<Item = (u64, bool)> {
    let mut r = Lcg(seed);
    (0..n).map(move |_| {
        let a = r.below(span / burst) * burst;
        let w = (r.below(1000) as f64) < writes * 1000.0;
        (a, w)
    })
}

/// Bytes per second at `clock_hz` for `bytes` moved in `cycles`.
pub fn rate(bytes: u64, cycles: u64, clock_hz: u64) -> f64 {
    bytes as f64 * clock_hz as f64 / cycles as f64
}
