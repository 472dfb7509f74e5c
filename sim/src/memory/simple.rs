//! The first-order DRAM: one queue, a fixed latency and a fixed bandwidth shared by every master.
//!
//! A burst waits until the channel is free, occupies it for `bytes / bandwidth`, and each beat arrives
//! `latency` after it crossed. No banks, rows or refresh: those come with the DDR4 model.

use super::{Channel, MemWait, Request, Served, SUB};

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
    fn offer(&mut self, req: Request, served: &mut Vec<Served>) -> bool {
        let start = req.at.max(self.free_at);
        let queued = start > req.at;
        let mut moved = 0u64;
        for k in 0..req.beats {
            moved += req.beat_bytes as u64;
            // A write answers once, when its last beat is in.
            if !req.write || k + 1 == req.beats {
                served.push(Served {
                    id: req.id,
                    beat: k,
                    at: start + self.cost(moved) + self.latency,
                    wait: if queued || k > 0 {
                        MemWait::Busy
                    } else {
                        MemWait::Latency
                    },
                });
            }
        }
        self.free_at = start + self.cost(moved);
        true
    }

    fn advance(&mut self, _until: u64, _served: &mut Vec<Served>) {}

    fn next_event(&self) -> Option<u64> {
        None
    }

    fn waiting(&self, _id: u32) -> MemWait {
        MemWait::Busy
    }

    fn name(&self) -> String {
        "simple".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(at: u64, beats: u32) -> Request {
        Request {
            id: 7,
            addr: 0,
            beats,
            beat_bytes: 32,
            write: false,
            at,
        }
    }

    fn times(s: &[Served]) -> Vec<(u64, MemWait)> {
        s.iter().map(|s| (s.at, s.wait)).collect()
    }

    #[test]
    fn an_idle_channel_returns_the_first_beat_after_latency_and_one_beat_time() {
        let mut c = SimpleChannel::new(32.0, 64);
        let mut s = Vec::new();
        assert!(c.offer(read(0, 2), &mut s));
        assert_eq!(
            times(&s),
            vec![(65 * SUB, MemWait::Latency), (66 * SUB, MemWait::Busy)]
        );
    }

    #[test]
    fn a_second_burst_queues_behind_the_first() {
        let mut c = SimpleChannel::new(16.0, 10);
        let mut s = Vec::new();
        c.offer(read(0, 4), &mut s);
        s.clear();
        c.offer(read(SUB, 1), &mut s);
        // The first burst holds the channel for 8 cycles; this beat crosses in 2 more, then 10 of latency.
        assert_eq!(times(&s), vec![(20 * SUB, MemWait::Busy)]);
    }

    #[test]
    fn a_write_answers_once_with_its_last_beat() {
        let mut c = SimpleChannel::new(32.0, 4);
        let mut s = Vec::new();
        c.offer(
            Request {
                write: true,
                ..read(0, 3)
            },
            &mut s,
        );
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].beat, s[0].at), (2, 7 * SUB));
    }
}
