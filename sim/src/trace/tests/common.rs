use crate::trace::{Counter, Span, Trace, Track};

pub(super) fn span(start: u64, end: u64, label: &str) -> Span {
    Span {
        start,
        end,
        label: label.into(),
        args: vec![],
    }
}

/// Small enough to check by eye, but exercising the edge cases: back-to-back
/// spans, a same-cycle override, a no-op change, a state run crossing a span
/// boundary and a name with a space.
pub(super) fn tiny() -> Trace {
    Trace {
        clock_mhz: 250.0,
        end_cycle: 10,
        state_names: vec!["idle".into(), "busy".into(), "stall: fifo empty".into()],
        tracks: vec![
            Track {
                name: "l3/qk_scores.compute".into(),
                spans: vec![
                    span(1, 4, "qk_scores"),
                    span(4, 6, "softmax"),
                    span(8, 9, "qk_scores"),
                ],
                states: vec![(0, 0), (2, 1), (3, 2), (3, 1), (5, 1), (6, 2), (7, 0)],
                counters: vec![Counter {
                    name: "fifo occ".into(),
                    width_bits: 4,
                    changes: vec![(0, 2), (2, 3), (6, 0)],
                }],
            },
            Track {
                name: "schedule".into(),
                spans: vec![Span {
                    start: 0,
                    end: 10,
                    label: "frame \"0\"".into(),
                    args: vec![("layer".into(), "3".into())],
                }],
                ..Track::default()
            },
        ],
    }
}

/// Deterministic pseudo-random numbers so failures reproduce.
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

pub(super) fn random_trace(seed: u64, clock_mhz: f64) -> Trace {
    let mut r = Lcg(seed);
    let end_cycle = 5_000;
    let tracks = (0..40)
        .map(|i| {
            let mut cycle = 0;
            let mut states = vec![];
            while cycle < end_cycle {
                states.push((cycle, r.next(4) as u8));
                cycle += r.next(40); // 0 gives same-cycle overrides
            }
            let mut spans = vec![];
            let mut cycle = r.next(20);
            while cycle < end_cycle {
                let end = (cycle + r.next(200)).min(end_cycle);
                spans.push(span(cycle, end, ["a", "b", "c"][r.next(3) as usize]));
                cycle = end + r.next(3) * r.next(30); // often back-to-back
            }
            let mut changes = vec![];
            let mut cycle = 0;
            while cycle < end_cycle {
                changes.push((cycle, r.next(16)));
                cycle += r.next(15);
            }
            Track {
                name: format!("l{}/unit{}.{}", i % 3, i % 7, i),
                spans,
                states,
                counters: vec![Counter {
                    name: "occ".into(),
                    width_bits: 4,
                    changes,
                }],
            }
        })
        .collect();
    Trace {
        clock_mhz,
        end_cycle,
        state_names: ["idle", "busy", "stall a", "stall b"]
            .map(String::from)
            .to_vec(),
        tracks,
    }
}
