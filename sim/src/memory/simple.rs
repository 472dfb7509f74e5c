//! The first-order DRAM: one queue, a fixed latency and a fixed bandwidth shared by every master.
//!
//! A burst waits until the channel is free, occupies it for `bytes / bandwidth`, and each beat arrives
//! `latency` after it crossed. No banks, rows or refresh: those come with the DDR4 model.

use super::{Channel, SUB};

/// The channel.
#[derive(Clone, Debug)]
pub struct SimpleChannel {
    latency: u64,
    /// Sub-cycles per byte × 2^16, so 56.9 B/cycle is held without drift.
    sub_per_byte_q16: u64,
    free_at: u64,
}

impl SimpleChannel {
    /// A channel of `bytes_per_cycle` (> 0) and `latency_cycles`.
    pub fn new(bytes_per_cycle: f64, latency_cycles: u32) -> Self {
        let q = ((SUB as f64) * 65536.0 / bytes_per_cycle).ceil().max(1.0) as u64;
        SimpleChannel {
            latency: latency_cycles as u64 * SUB,
            sub_per_byte_q16: q,
            free_at: 0,
        }
    }

    fn cost(&self, bytes: u64) -> u64 {
        (bytes * self.sub_per_byte_q16).div_ceil(65536)
    }
}

impl Channel for SimpleChannel {
    fn serve(
        &mut self,
        at: u64,
        _addr: u64,
        beats: u32,
        beat_bytes: u32,
        _write: bool,
        times: &mut Vec<u64>,
    ) -> bool {
        let start = at.max(self.free_at);
        let mut moved = 0u64;
        for _ in 0..beats {
            moved += beat_bytes as u64;
            times.push(start + self.cost(moved) + self.latency);
        }
        self.free_at = start + self.cost(moved);
        start > at
    }

    fn name(&self) -> String {
        "simple".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_channel_returns_the_first_beat_after_latency_and_one_beat_time() {
        let mut c = SimpleChannel::new(32.0, 64);
        let mut t = Vec::new();
        assert!(!c.serve(0, 0, 2, 32, false, &mut t));
        assert_eq!(t, vec![65 * SUB, 66 * SUB]);
    }

    #[test]
    fn a_second_burst_queues_behind_the_first() {
        let mut c = SimpleChannel::new(16.0, 10);
        let mut t = Vec::new();
        c.serve(0, 0, 4, 32, false, &mut t);
        t.clear();
        assert!(c.serve(SUB, 0, 1, 32, false, &mut t));
        // The first burst holds the channel for 8 cycles; this beat crosses in 2 more, then 10 of latency.
        assert_eq!(t, vec![20 * SUB]);
    }
}
