//! Synthetic read traffic: AXI read masters with nothing behind them but an address pattern, so a
//! memory system can be judged on its own (achieved bandwidth, burst latency) before any unit model
//! runs on it.
//!
//! ```text
//!   port 0 ─┐  issue ≤ 1 burst/cycle while < outstanding in flight
//!   port 1 ─┼─► dyn Memory (PsPorts ─► SimpleChannel | DramChannel)
//!   port K ─┘  take ≤ 1 beat/cycle, in order; release a burst after its last beat
//! ```
//! Only the [`Memory`] trait is used, so any channel model behind the PS ports can be measured the same
//! way, and the numbers are what a master of the accelerator would see.

use std::collections::VecDeque;

use golden::rng::SplitMix64;

use super::{BeatState, Memory, PortId, Ticket};
use crate::Cycle;

/// AXI never lets a burst cross a 4 KiB boundary.
const AXI_BOUNDARY: u64 = 4096;

/// AXI4 INCR bursts have at most this many beats.
const AXI_MAX_BEATS: u32 = 256;

/// AXI IDs here are `u8`, so no more masters than that can be told apart.
const MAX_PORTS: usize = 256;

/// Address order of one port's bursts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// Each port streams through its own region: the best case for open rows.
    Sequential,
    /// Burst-aligned uniform addresses in `[0, span)`: no locality from one burst to the next, so
    /// rows are reopened as often as the address mapping allows.
    Random,
    /// Each port starts one burst after the previous port and steps `stride` bytes per burst,
    /// wrapping within `span`: aims the traffic at chosen banks or rows of the address mapping.
    Strided {
        /// Bytes from one burst's address to the next one's; a whole number of bursts, so every
        /// burst stays aligned.
        stride: u64,
    },
}

/// What to read and how the masters may read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrafficSpec {
    /// Address order.
    pub pattern: Pattern,
    /// Total bytes to read over all ports; rounded up to whole bursts (a master cannot read less).
    pub bytes: u64,
    /// Masters, `PortId(0..ports)`; the memory system must have at least as many ports.
    pub ports: usize,
    /// Beats per AXI burst.
    pub burst_beats: u32,
    /// Bytes per beat (32 for a 256-bit master).
    pub beat_bytes: u32,
    /// Read bursts in flight per port (the AXI outstanding limit).
    pub outstanding: u32,
    /// Address range random and strided addresses fall in (bytes); rounded down to whole bursts.
    /// Sequential traffic ignores it.
    pub span: u64,
    /// Random addresses come from this seed, one stream per port.
    pub seed: u64,
}

/// Why a spec cannot run, or why a run could not finish.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrafficError {
    /// A field of the spec is out of range.
    #[error("{field} = {value}: {reason}")]
    Invalid {
        /// The field, as spelled in [`TrafficSpec`] (`stride` for [`Pattern::Strided`]).
        field: &'static str,
        /// Its value.
        value: u64,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// Bursts are in flight but the memory system promises no further event: a broken model, not a
    /// slow one, so the run stops instead of spinning.
    #[error(
        "the memory system stopped answering at cycle {cycle} with {in_flight} bursts in flight"
    )]
    Stuck {
        /// When.
        cycle: Cycle,
        /// Bursts issued and not fully taken.
        in_flight: u64,
    },
}

impl TrafficError {
    /// The spec field at fault, so a CLI can point at its flag.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            TrafficError::Invalid { field, .. } => Some(field),
            TrafficError::Stuck { .. } => None,
        }
    }
}

fn invalid(field: &'static str, value: u64, reason: &'static str) -> TrafficError {
    TrafficError::Invalid {
        field,
        value,
        reason,
    }
}

/// The numbers every port derives from a valid spec.
#[derive(Clone, Copy, Debug)]
struct Plan {
    burst_bytes: u64,
    bursts: u64,
    /// Sequential: bytes between two ports' regions (the largest share, rounded up to 4 KiB).
    region: u64,
    /// Random and strided: whole bursts that fit in `span`.
    span_bursts: u64,
}

impl Plan {
    /// Bursts of port `p`: the first `bursts % ports` ports take one more.
    fn share(&self, p: usize, ports: usize) -> u64 {
        let ports = ports as u64;
        self.bursts / ports + u64::from((p as u64) < self.bursts % ports)
    }
}

impl TrafficSpec {
    /// Bytes per burst.
    pub fn burst_bytes(&self) -> u64 {
        self.burst_beats as u64 * self.beat_bytes as u64
    }

    /// Checks the spec without a memory system, so a CLI can refuse bad flags before building one.
    pub fn validate(&self) -> Result<(), TrafficError> {
        self.plan().map(|_| ())
    }

    fn plan(&self) -> Result<Plan, TrafficError> {
        if self.bytes == 0 {
            return Err(invalid("bytes", 0, "must be at least 1"));
        }
        if self.ports == 0 || self.ports > MAX_PORTS {
            return Err(invalid("ports", self.ports as u64, "must be 1..=256"));
        }
        if self.outstanding == 0 {
            return Err(invalid("outstanding", 0, "must be at least 1"));
        }
        if self.burst_beats == 0 || self.burst_beats > AXI_MAX_BEATS {
            return Err(invalid(
                "burst_beats",
                self.burst_beats as u64,
                "an AXI4 burst has 1 to 256 beats",
            ));
        }
        if self.beat_bytes == 0 {
            return Err(invalid("beat_bytes", 0, "must be at least 1"));
        }
        let burst_bytes = self.burst_bytes();
        // A power-of-two burst at an aligned address never straddles a 4 KiB boundary.
        if !burst_bytes.is_power_of_two() || burst_bytes > AXI_BOUNDARY {
            return Err(invalid(
                "burst_beats",
                self.burst_beats as u64,
                "burst_beats × beat_bytes must be a power of two of at most 4096 bytes",
            ));
        }
        let bursts = self.bytes.div_ceil(burst_bytes);
        if bursts.checked_mul(burst_bytes).is_none() {
            return Err(invalid(
                "bytes",
                self.bytes,
                "too large to round up to whole bursts",
            ));
        }
        let mut plan = Plan {
            burst_bytes,
            bursts,
            region: 0,
            span_bursts: 0,
        };
        match self.pattern {
            Pattern::Sequential => {
                let largest = plan.share(0, self.ports) * burst_bytes;
                plan.region = largest.next_multiple_of(AXI_BOUNDARY);
                if plan.region.checked_mul(self.ports as u64).is_none() {
                    return Err(invalid(
                        "bytes",
                        self.bytes,
                        "the ports' regions do not fit in a 64-bit address space",
                    ));
                }
            }
            Pattern::Random | Pattern::Strided { .. } => {
                if self.span < burst_bytes {
                    return Err(invalid(
                        "span",
                        self.span,
                        "must hold at least one burst (burst_beats × beat_bytes)",
                    ));
                }
                plan.span_bursts = self.span / burst_bytes;
            }
        }
        if let Pattern::Strided { stride } = self.pattern {
            if stride == 0 || stride % burst_bytes != 0 {
                return Err(invalid(
                    "stride",
                    stride,
                    "must be a positive multiple of the burst size (burst_beats × beat_bytes)",
                ));
            }
        }
        Ok(plan)
    }
}

/// One port's burst addresses, in issue order.
#[derive(Clone, Debug)]
enum Addresses {
    Sequential {
        next: u64,
        burst_bytes: u64,
    },
    Random {
        rng: SplitMix64,
        span_bursts: u64,
        burst_bytes: u64,
    },
    /// Positions are counted in bursts, so wrapping keeps alignment.
    Strided {
        at: u64,
        step: u64,
        span_bursts: u64,
        burst_bytes: u64,
    },
}

impl Addresses {
    fn new(spec: &TrafficSpec, plan: &Plan, p: usize) -> Self {
        let burst_bytes = plan.burst_bytes;
        match spec.pattern {
            Pattern::Sequential => Addresses::Sequential {
                next: p as u64 * plan.region,
                burst_bytes,
            },
            Pattern::Random => Addresses::Random {
                // Named per port, so adding a port does not change the others' addresses.
                rng: SplitMix64::for_stream(spec.seed, &format!("traffic.port{p}")),
                span_bursts: plan.span_bursts,
                burst_bytes,
            },
            Pattern::Strided { stride } => Addresses::Strided {
                at: p as u64 % plan.span_bursts,
                step: (stride / burst_bytes) % plan.span_bursts,
                span_bursts: plan.span_bursts,
                burst_bytes,
            },
        }
    }

    fn next(&mut self) -> u64 {
        match self {
            Addresses::Sequential { next, burst_bytes } => {
                let a = *next;
                *next += *burst_bytes;
                a
            }
            Addresses::Random {
                rng,
                span_bursts,
                burst_bytes,
            } => rng.below(*span_bursts) * *burst_bytes,
            Addresses::Strided {
                at,
                step,
                span_bursts,
                burst_bytes,
            } => {
                let a = *at * *burst_bytes;
                // Both are below `span_bursts`, so the sum is below 2^65: u128 cannot overflow.
                *at = ((*at as u128 + *step as u128) % *span_bursts as u128) as u64;
                a
            }
        }
    }
}

/// A burst issued and not fully taken.
#[derive(Clone, Copy, Debug)]
struct InFlight {
    ticket: Ticket,
    issued: Cycle,
    /// Its slot in [`TrafficResult::latency`].
    index: usize,
}

/// One AXI read master.
#[derive(Debug)]
struct Master {
    addrs: Addresses,
    /// Bursts still to issue.
    to_issue: u64,
    /// Oldest first: beats must be taken in issue order, as on one AXI ID.
    in_flight: VecDeque<InFlight>,
    /// The next beat to take from the front burst.
    next_beat: u32,
    taken: u64,
}

/// What a run measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrafficResult {
    /// Cycle (accelerator clock, from 0) at which the last beat was taken: the run's duration.
    pub cycles: u64,
    /// Bytes taken: [`TrafficSpec::bytes`] rounded up to whole bursts.
    pub bytes: u64,
    /// Bursts issued.
    pub bursts: u64,
    /// Per burst, in issue order over all ports: cycles from its issue to its first beat landing
    /// (queueing in the port and the controller included, the master's own backlog excluded).
    pub latency: Vec<u64>,
    /// Bytes taken per port, to see whether arbitration starved one.
    pub port_bytes: Vec<u64>,
}

impl TrafficResult {
    /// Bytes per accelerator cycle: the figure to hold against a channel's or port's width.
    pub fn bytes_per_cycle(&self) -> f64 {
        self.bytes as f64 / self.cycles.max(1) as f64
    }

    /// Achieved GB/s (10^9 bytes) at an accelerator clock of `clock_hz`, comparable to a DRAM's peak.
    pub fn gbps(&self, clock_hz: f64) -> f64 {
        self.bytes_per_cycle() * clock_hz / 1e9
    }

    /// Burst latency at percentile `p` in `[0, 100]` (nearest rank, so it is a latency some burst
    /// saw); `None` without bursts or for `p` out of range.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        let n = self.latency.len();
        if n == 0 || !(0.0..=100.0).contains(&p) {
            return None;
        }
        let rank = ((p / 100.0 * n as f64).ceil() as usize).clamp(1, n);
        let mut v = self.latency.clone();
        Some(*v.select_nth_unstable(rank - 1).1)
    }

    /// Mean burst latency in cycles.
    pub fn mean_latency(&self) -> f64 {
        self.latency.iter().sum::<u64>() as f64 / self.latency.len().max(1) as f64
    }
}

/// Reads `spec.bytes` through `mem` with `spec.ports` AXI read masters and measures it.
///
/// Each cycle the memory system is advanced first, then every port takes at most one landed beat
/// (releasing a burst with its last) and then issues at most one burst if it has fewer than
/// `outstanding` in flight. Taking before issuing lets a port with one outstanding burst start the
/// next in the cycle the previous one completes, as the AXI outstanding counter allows. Cycles in
/// which no port can do anything are skipped, up to the memory system's next event or the next
/// known landing, so a long run costs what the memory model costs.
///
/// Fails on an invalid spec (see [`TrafficSpec::validate`]), on more ports than `mem` has, and if
/// `mem` leaves bursts unanswered with no event pending.
pub fn run(mem: &mut dyn Memory, spec: &TrafficSpec) -> Result<TrafficResult, TrafficError> {
    drive(mem, spec, true)
}

/// [`run`], optionally stepping every cycle, so a test can show that skipping idle cycles changes
/// nothing.
fn drive(
    mem: &mut dyn Memory,
    spec: &TrafficSpec,
    skip_idle: bool,
) -> Result<TrafficResult, TrafficError> {
    let plan = spec.plan()?;
    if spec.ports > mem.port_stats().len() {
        return Err(invalid(
            "ports",
            spec.ports as u64,
            "more ports than the memory system has",
        ));
    }
    let beats = spec.burst_beats;
    let outstanding = spec.outstanding as usize;
    let mut masters: Vec<Master> = (0..spec.ports)
        .map(|p| Master {
            addrs: Addresses::new(spec, &plan, p),
            to_issue: plan.share(p, spec.ports),
            in_flight: VecDeque::with_capacity(outstanding.min(1024)),
            next_beat: 0,
            taken: 0,
        })
        .collect();
    let mut latency = Vec::with_capacity(plan.bursts.min(1 << 24) as usize);
    let mut bursts_left = plan.bursts;
    let mut now: Cycle = 0;
    let mut last_take: Cycle = 0;
    while bursts_left > 0 {
        mem.advance(now);
        let mut moved = false;
        let mut landing: Option<Cycle> = None;
        for (p, m) in masters.iter_mut().enumerate() {
            if let Some(&front) = m.in_flight.front() {
                match mem.beat(front.ticket, m.next_beat) {
                    BeatState::Known(l) if l.at <= now => {
                        if m.next_beat == 0 {
                            latency[front.index] = l.at.saturating_sub(front.issued);
                        }
                        m.next_beat += 1;
                        if m.next_beat == beats {
                            mem.release(front.ticket);
                            m.in_flight.pop_front();
                            m.next_beat = 0;
                            m.taken += 1;
                            bursts_left -= 1;
                        }
                        moved = true;
                        last_take = now;
                    }
                    BeatState::Known(l) => {
                        landing = Some(landing.map_or(l.at, |w| w.min(l.at)));
                    }
                    BeatState::Pending(_) => {}
                }
            }
            if m.to_issue > 0 && m.in_flight.len() < outstanding {
                let addr = m.addrs.next();
                // `p < ports ≤ 256` was checked, so it fits an AXI ID.
                let ticket = mem.read(now, PortId(p as u8), addr, beats, spec.beat_bytes);
                m.in_flight.push_back(InFlight {
                    ticket,
                    issued: now,
                    index: latency.len(),
                });
                latency.push(0);
                m.to_issue -= 1;
                moved = true;
            }
        }
        if bursts_left == 0 {
            break;
        }
        now = if moved || !skip_idle {
            now + 1
        } else {
            let next = match (mem.wake_at(), landing) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            match next {
                Some(t) => t.max(now + 1),
                None => {
                    return Err(TrafficError::Stuck {
                        cycle: now,
                        in_flight: masters.iter().map(|m| m.in_flight.len() as u64).sum(),
                    })
                }
            }
        };
    }
    Ok(TrafficResult {
        cycles: last_take,
        bytes: plan.bursts * plan.burst_bytes,
        bursts: plan.bursts,
        latency,
        port_bytes: masters.iter().map(|m| m.taken * plan.burst_bytes).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::dram::DramChannel;
    use crate::memory::ports::PsPorts;
    use crate::memory::simple::SimpleChannel;

    const NAMES: [&str; 8] = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"];

    fn simple(ports: usize, ps_port_bits: u32, bytes_per_cycle: f64, latency: u32) -> PsPorts {
        PsPorts::new(
            &NAMES[..ports],
            ps_port_bits,
            ports,
            Box::new(SimpleChannel::new(bytes_per_cycle, latency)),
        )
    }

    /// The one place that builds a DDR4 channel, so a change of `DramChannel::new` touches only it.
    fn ddr4_2133(ports: usize, ps_port_bits: u32) -> PsPorts {
        let cfg = ::dram::DramConfig::preset("ddr4-2133").unwrap();
        let ctrl = ::dram::Controller::new(&cfg).unwrap();
        let channel = DramChannel::new(ctrl, "ddr4-2133", 299.970032, 40.0, 40.0, 32);
        PsPorts::new(&NAMES[..ports], ps_port_bits, ports, Box::new(channel))
    }

    /// 256-bit masters, 16-beat bursts, 16 outstanding: the HLS defaults of the accelerator.
    fn spec(pattern: Pattern, bytes: u64, ports: usize) -> TrafficSpec {
        TrafficSpec {
            pattern,
            bytes,
            ports,
            burst_beats: 16,
            beat_bytes: 32,
            outstanding: 16,
            span: 1 << 30,
            seed: 1,
        }
    }

    const MIB: u64 = 1 << 20;

    #[test]
    fn one_burst_on_an_idle_channel_lands_after_latency_and_one_beat_time() {
        let (bw, lat) = (16.0, 40u32);
        let mut mem = simple(1, 256, bw, lat);
        let s = spec(Pattern::Sequential, 512, 1);
        let r = run(&mut mem, &s).unwrap();
        // The first beat crosses the channel in beat_bytes / bandwidth, then waits the latency; the
        // 256-bit PS port (one beat per cycle) is faster than the channel, so it adds nothing.
        let beat_time = (s.beat_bytes as f64 / bw).ceil() as u64;
        let burst_time = (s.burst_bytes() as f64 / bw).ceil() as u64;
        assert_eq!(r.latency, vec![lat as u64 + beat_time]);
        assert_eq!(r.cycles, lat as u64 + burst_time);
        assert_eq!(
            (r.bytes, r.bursts, r.port_bytes.clone()),
            (512, 1, vec![512])
        );
    }

    #[test]
    fn sequential_reads_saturate_a_channel_narrower_than_the_ports() {
        let bw = 16.0;
        let mut mem = simple(5, 256, bw, 40);
        let r = run(&mut mem, &spec(Pattern::Sequential, 4 * MIB, 5)).unwrap();
        let got = r.bytes_per_cycle();
        assert!((got / bw - 1.0).abs() < 0.02, "{got} B/cycle, want ≈ {bw}");
        // 8192 bursts over 5 ports: 1639, 1639, 1638, 1638, 1638.
        let (more, fewer) = (1639 * 512, 1638 * 512);
        assert_eq!(r.port_bytes, vec![more, more, fewer, fewer, fewer]);
    }

    #[test]
    fn a_256_bit_master_on_a_128_bit_ps_port_gets_16_bytes_per_cycle() {
        let mut mem = simple(1, 128, 64.0, 20);
        let r = run(&mut mem, &spec(Pattern::Sequential, MIB, 1)).unwrap();
        let got = r.bytes_per_cycle();
        assert!((got / 16.0 - 1.0).abs() < 0.02, "{got} B/cycle, want ≈ 16");
    }

    #[test]
    fn one_outstanding_burst_pays_the_latency_on_every_burst() {
        let lat = 50u64;
        let mut mem = simple(1, 256, 32.0, lat as u32);
        let s = TrafficSpec {
            outstanding: 1,
            ..spec(Pattern::Sequential, 64 * 512, 1)
        };
        let r = run(&mut mem, &s).unwrap();
        // Issue, wait the latency, take 16 beats at one per cycle, issue the next.
        let period = lat + s.burst_beats as u64;
        let want = r.bursts * period;
        assert!(
            r.cycles.abs_diff(want) <= r.bursts,
            "{} cycles, want ≈ {want}",
            r.cycles
        );
        let per_cycle = s.burst_bytes() as f64 / period as f64;
        assert!((r.bytes_per_cycle() / per_cycle - 1.0).abs() < 0.02);
        // Nothing queues: every burst sees the bare latency plus one beat.
        assert_eq!(r.percentile(0.0), Some(lat + 1));
        assert_eq!(r.percentile(100.0), Some(lat + 1));
    }

    fn addresses(s: &TrafficSpec, port: usize, n: usize) -> Vec<u64> {
        let plan = s.plan().unwrap();
        let mut a = Addresses::new(s, &plan, port);
        (0..n).map(|_| a.next()).collect()
    }

    #[test]
    fn random_and_strided_bursts_are_aligned_and_within_span() {
        let span = 64 * 1024 + 100; // not a whole number of bursts: the tail is never used
        for pattern in [Pattern::Random, Pattern::Strided { stride: 3 * 512 }] {
            let s = TrafficSpec {
                span,
                ..spec(pattern, MIB, 4)
            };
            for port in 0..4 {
                for a in addresses(&s, port, 2000) {
                    assert_eq!(a % 512, 0, "{pattern:?} port {port}: {a:#x}");
                    assert!(a + 512 <= span, "{pattern:?} port {port}: {a:#x}");
                    assert_eq!(a / AXI_BOUNDARY, (a + 511) / AXI_BOUNDARY);
                }
            }
        }
    }

    #[test]
    fn strided_bursts_start_one_burst_apart_and_wrap_within_span() {
        let s = TrafficSpec {
            span: 8 * 512,
            ..spec(Pattern::Strided { stride: 3 * 512 }, MIB, 2)
        };
        let slots = |port| -> Vec<u64> { addresses(&s, port, 5).iter().map(|a| a / 512).collect() };
        assert_eq!(slots(0), vec![0, 3, 6, 1, 4]);
        assert_eq!(slots(1), vec![1, 4, 7, 2, 5]);
    }

    #[test]
    fn sequential_ports_read_their_own_4k_aligned_regions() {
        // 11 bursts over 3 ports: 4, 4, 3; regions of 4 bursts rounded up to 4 KiB.
        let s = spec(Pattern::Sequential, 10 * 512 + 1, 3);
        assert_eq!(addresses(&s, 0, 2), vec![0, 512]);
        assert_eq!(addresses(&s, 2, 2), vec![8192, 8192 + 512]);
        let r = run(&mut simple(3, 256, 32.0, 10), &s).unwrap();
        assert_eq!((r.bursts, r.bytes), (11, 11 * 512));
        assert_eq!(r.port_bytes, vec![4 * 512, 4 * 512, 3 * 512]);
    }

    #[test]
    fn random_addresses_repeat_per_seed_and_differ_between_seeds_and_ports() {
        let s = spec(Pattern::Random, MIB, 2);
        let other = TrafficSpec {
            seed: 2,
            ..s.clone()
        };
        assert_eq!(addresses(&s, 0, 100), addresses(&s, 0, 100));
        assert_ne!(addresses(&s, 0, 100), addresses(&other, 0, 100));
        assert_ne!(addresses(&s, 0, 100), addresses(&s, 1, 100));
        // And whole runs repeat.
        let a = run(&mut simple(2, 128, 16.0, 30), &s).unwrap();
        let b = run(&mut simple(2, 128, 16.0, 30), &s).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn invalid_specs_name_their_field() {
        let ok = spec(Pattern::Random, MIB, 2);
        let cases: Vec<(TrafficSpec, &str)> = vec![
            (
                TrafficSpec {
                    bytes: 0,
                    ..ok.clone()
                },
                "bytes",
            ),
            (
                TrafficSpec {
                    bytes: u64::MAX,
                    ..ok.clone()
                },
                "bytes",
            ),
            (
                TrafficSpec {
                    ports: 0,
                    ..ok.clone()
                },
                "ports",
            ),
            (
                TrafficSpec {
                    ports: 257,
                    ..ok.clone()
                },
                "ports",
            ),
            (
                TrafficSpec {
                    outstanding: 0,
                    ..ok.clone()
                },
                "outstanding",
            ),
            (
                TrafficSpec {
                    burst_beats: 0,
                    ..ok.clone()
                },
                "burst_beats",
            ),
            (
                TrafficSpec {
                    burst_beats: 257,
                    ..ok.clone()
                },
                "burst_beats",
            ),
            (
                TrafficSpec {
                    burst_beats: 3,
                    ..ok.clone()
                },
                "burst_beats",
            ),
            (
                TrafficSpec {
                    burst_beats: 256,
                    ..ok.clone()
                },
                "burst_beats",
            ),
            (
                TrafficSpec {
                    beat_bytes: 0,
                    ..ok.clone()
                },
                "beat_bytes",
            ),
            (
                TrafficSpec {
                    span: 511,
                    ..ok.clone()
                },
                "span",
            ),
            (
                TrafficSpec {
                    pattern: Pattern::Strided { stride: 0 },
                    ..ok.clone()
                },
                "stride",
            ),
            (
                TrafficSpec {
                    pattern: Pattern::Strided { stride: 100 },
                    ..ok.clone()
                },
                "stride",
            ),
        ];
        for (s, field) in cases {
            let e = s.validate().unwrap_err();
            assert_eq!(e.field(), Some(field), "{s:?}: {e}");
            assert!(e.to_string().starts_with(field), "{e}");
            assert_eq!(run(&mut simple(2, 128, 16.0, 30), &s).unwrap_err(), e);
        }
        // Sequential traffic has no use for span.
        let seq = TrafficSpec {
            pattern: Pattern::Sequential,
            span: 0,
            ..ok.clone()
        };
        assert!(seq.validate().is_ok());
        // More masters than the memory system has ports.
        let e = run(&mut simple(1, 128, 16.0, 30), &ok).unwrap_err();
        assert_eq!(e.field(), Some("ports"));
    }

    #[test]
    fn skipping_idle_cycles_changes_nothing() {
        for s in [
            spec(Pattern::Random, MIB, 3),
            TrafficSpec {
                outstanding: 2,
                ..spec(Pattern::Strided { stride: 8192 }, MIB, 2)
            },
        ] {
            let skipped = drive(&mut ddr4_2133(3, 128), &s, true).unwrap();
            let stepped = drive(&mut ddr4_2133(3, 128), &s, false).unwrap();
            assert_eq!(skipped, stepped, "{s:?}");
        }
    }

    /// Takes every request and never serves one.
    struct Void;

    impl crate::memory::Channel for Void {
        fn offer(&mut self, _: crate::memory::Request, _: &mut Vec<crate::memory::Served>) -> bool {
            true
        }
        fn advance(&mut self, _: u64, _: &mut Vec<crate::memory::Served>) {}
        fn next_event(&self) -> Option<u64> {
            None
        }
        fn waiting(&self, _: u32) -> crate::memory::MemWait {
            crate::memory::MemWait::Busy
        }
        fn name(&self) -> String {
            "void".into()
        }
    }

    #[test]
    fn a_memory_that_never_answers_stops_the_run_instead_of_hanging_it() {
        let mut mem = PsPorts::new(&NAMES[..2], 128, 2, Box::new(Void));
        let s = TrafficSpec {
            outstanding: 3,
            ..spec(Pattern::Sequential, MIB, 2)
        };
        // Three bursts issued per port in cycles 0..=2; in cycle 3 nothing can move.
        assert_eq!(
            run(&mut mem, &s),
            Err(TrafficError::Stuck {
                cycle: 3,
                in_flight: 6
            })
        );
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let r = TrafficResult {
            cycles: 10,
            bytes: 100,
            bursts: 4,
            latency: vec![40, 10, 30, 20],
            port_bytes: vec![100],
        };
        assert_eq!(r.percentile(0.0), Some(10));
        assert_eq!(r.percentile(50.0), Some(20));
        assert_eq!(r.percentile(51.0), Some(30));
        assert_eq!(r.percentile(100.0), Some(40));
        assert_eq!(r.percentile(101.0), None);
        assert_eq!(r.percentile(f64::NAN), None);
        assert_eq!(r.mean_latency(), 25.0);
        assert_eq!(r.gbps(1e9), 10.0);
    }

    #[test]
    fn sequential_reads_on_ddr4_2133_reach_most_of_its_peak() {
        let clock_hz = 299.970032e6;
        let peak = 17.064;
        let mut mem = ddr4_2133(5, 128);
        let r = run(&mut mem, &spec(Pattern::Sequential, 8 * MIB, 5)).unwrap();
        let gbps = r.bytes as f64 / (r.cycles as f64 / clock_hz) / 1e9;
        println!(
            "ddr4-2133 sequential 8 MiB, 5 × 128-bit ports: {} cycles, {gbps:.3} GB/s = {:.1}% of {peak} GB/s; latency p50 {:?} p99 {:?} max {:?} cycles",
            r.cycles,
            100.0 * gbps / peak,
            r.percentile(50.0),
            r.percentile(99.0),
            r.percentile(100.0),
        );
        assert!(
            (0.80 * peak..=0.97 * peak).contains(&gbps),
            "{gbps} GB/s of {peak}"
        );
        assert!((r.gbps(clock_hz) - gbps).abs() < 1e-9);
    }
}
