//! Traces of a simulated frame: the in-memory record ([`Trace`]), the recorder that fills it from the
//! engine, and two writers, [`vcd`] for waveform viewers (GTKWave, Surfer) and [`chrome`] for
//! timeline viewers (Perfetto, chrome://tracing).
//!
//! Everything is kept in clock cycles so the simulator never has to know about wall time; each
//! exporter converts cycles to its own time unit at the end.

pub mod chrome;
pub(crate) mod record;
#[cfg(test)]
mod tests;
pub mod vcd;

pub use record::TraceWindow;

use thiserror::Error;

/// State code that both exporters treat as "nothing interesting happening".
///
/// Fixing it to 0 means a track that never records a state reads as idle, and
/// the Chrome exporter can leave idle time blank instead of drawing a slice for it.
pub const IDLE: u8 = 0;

/// A recorded run, in cycles of one clock.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    /// Frequency of the clock every cycle number refers to.
    pub clock_mhz: f64,
    /// First cycle after the run; states and open-ended runs last until here.
    pub end_cycle: u64,
    /// Decoding table for state codes; code 0 is the idle state (see [`IDLE`]).
    pub state_names: Vec<String>,
    /// In display order.
    pub tracks: Vec<Track>,
}

/// One process (e.g. "l3.qk_scores/read_kv") or one invocation lane (e.g. "schedule").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track {
    /// Hierarchical name; both '/' and '.' separate levels in the VCD scope tree.
    pub name: String,
    /// Non-overlapping, sorted by start; a span may end exactly where the next begins.
    pub spans: Vec<Span>,
    /// Run-length encoded: the state holds from this cycle until the next entry
    /// (or `end_cycle`). Before the first entry the track is [`IDLE`].
    /// Several entries at the same cycle are allowed; the last one wins.
    pub states: Vec<(u64, u8)>,
    /// Quantities sampled on this track (FIFO occupancy).
    pub counters: Vec<Counter>,
}

/// A labelled interval `[start, end)` of cycles, e.g. one unit invocation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Span {
    /// First cycle.
    pub start: u64,
    /// One past the last cycle.
    pub end: u64,
    /// What ran (an op label such as `l3.qk_scores`).
    pub label: String,
    /// Free-form details; only the Chrome exporter can show them.
    pub args: Vec<(String, String)>,
}

/// A sampled quantity such as FIFO occupancy, stored as changes only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counter {
    /// Its signal name.
    pub name: String,
    /// Declared width in the VCD; values must fit in it.
    pub width_bits: u32,
    /// `(cycle, new value)`, sorted by cycle; the value is 0 before the first entry.
    /// Several entries at the same cycle are allowed; the last one wins.
    pub changes: Vec<(u64, u64)>,
}

/// Why a trace cannot be exported.
///
/// Checked up front so an exporter never leaves a half-written file behind
/// because of bad input discovered halfway through.
#[derive(Debug, Error, PartialEq)]
#[allow(missing_docs)] // the messages say what each field is
pub enum TraceError {
    #[error("clock_mhz must be finite and in (0, 1e6] so that a cycle is at least 1 ps, got {0}")]
    BadClock(f64),
    #[error("end_cycle {0} at this clock overflows a 64-bit picosecond time stamp")]
    TooLong(u64),
    #[error("track {track:?}: span {index} ends before it starts ({start}..{end})")]
    SpanReversed {
        track: String,
        index: usize,
        start: u64,
        end: u64,
    },
    #[error("track {track:?}: span {index} starts at {start}, before the previous span ends at {prev_end}")]
    SpanOverlap {
        track: String,
        index: usize,
        start: u64,
        prev_end: u64,
    },
    #[error("track {track:?}: state change {index} at cycle {cycle} is out of order")]
    StateUnsorted {
        track: String,
        index: usize,
        cycle: u64,
    },
    #[error("track {track:?}: state code {code} has no entry in state_names ({len} names)")]
    UnknownState { track: String, code: u8, len: usize },
    #[error("track {track:?}, counter {counter:?}: width must be 1..=64 bits, got {width}")]
    BadWidth {
        track: String,
        counter: String,
        width: u32,
    },
    #[error(
        "track {track:?}, counter {counter:?}: change {index} at cycle {cycle} is out of order"
    )]
    CounterUnsorted {
        track: String,
        counter: String,
        index: usize,
        cycle: u64,
    },
    #[error("track {track:?}, counter {counter:?}: value {value} does not fit in {width} bits")]
    CounterOverflow {
        track: String,
        counter: String,
        value: u64,
        width: u32,
    },
    #[error("track {track:?}: event at cycle {cycle} is after end_cycle {end_cycle}")]
    PastEnd {
        track: String,
        cycle: u64,
        end_cycle: u64,
    },
}

impl From<TraceError> for std::io::Error {
    fn from(e: TraceError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
    }
}

impl Trace {
    /// Checks the ordering and range invariants the exporters rely on.
    pub fn validate(&self) -> Result<(), TraceError> {
        if !(self.clock_mhz.is_finite() && self.clock_mhz > 0.0 && self.clock_mhz <= 1e6) {
            return Err(TraceError::BadClock(self.clock_mhz));
        }
        let end_cycle = self.end_cycle;
        // Exporters stamp times in ps (VCD) and ns (Chrome) as u64.
        if end_cycle as f64 * self.period_ps() >= 1.8e19 {
            return Err(TraceError::TooLong(end_cycle));
        }
        for t in &self.tracks {
            let past_end = |cycle: u64| TraceError::PastEnd {
                track: t.name.clone(),
                cycle,
                end_cycle,
            };
            let mut prev_end = 0;
            for (index, s) in t.spans.iter().enumerate() {
                if s.end < s.start {
                    return Err(TraceError::SpanReversed {
                        track: t.name.clone(),
                        index,
                        start: s.start,
                        end: s.end,
                    });
                }
                if s.start < prev_end {
                    return Err(TraceError::SpanOverlap {
                        track: t.name.clone(),
                        index,
                        start: s.start,
                        prev_end,
                    });
                }
                if s.end > end_cycle {
                    return Err(past_end(s.end));
                }
                prev_end = s.end;
            }
            let mut prev = 0;
            for (index, &(cycle, code)) in t.states.iter().enumerate() {
                if cycle < prev {
                    return Err(TraceError::StateUnsorted {
                        track: t.name.clone(),
                        index,
                        cycle,
                    });
                }
                if usize::from(code) >= self.state_names.len() {
                    return Err(TraceError::UnknownState {
                        track: t.name.clone(),
                        code,
                        len: self.state_names.len(),
                    });
                }
                if cycle > end_cycle {
                    return Err(past_end(cycle));
                }
                prev = cycle;
            }
            for c in &t.counters {
                if c.width_bits == 0 || c.width_bits > 64 {
                    return Err(TraceError::BadWidth {
                        track: t.name.clone(),
                        counter: c.name.clone(),
                        width: c.width_bits,
                    });
                }
                let mut prev = 0;
                for (index, &(cycle, value)) in c.changes.iter().enumerate() {
                    if cycle < prev {
                        return Err(TraceError::CounterUnsorted {
                            track: t.name.clone(),
                            counter: c.name.clone(),
                            index,
                            cycle,
                        });
                    }
                    if c.width_bits < 64 && value >> c.width_bits != 0 {
                        return Err(TraceError::CounterOverflow {
                            track: t.name.clone(),
                            counter: c.name.clone(),
                            value,
                            width: c.width_bits,
                        });
                    }
                    if cycle > end_cycle {
                        return Err(past_end(cycle));
                    }
                    prev = cycle;
                }
            }
        }
        Ok(())
    }

    /// Length of one cycle in picoseconds.
    pub fn period_ps(&self) -> f64 {
        1e6 / self.clock_mhz
    }
}

/// Collapses a run-length list into maximal runs of one value.
///
/// Simulators may record the same value twice or several values in one cycle;
/// both exporters want one entry per real change, so this is the single place
/// that decides what "a change" means: the last entry at a cycle wins, and an
/// entry equal to the current value is dropped. `initial` is the value in force
/// before the first entry.
pub(crate) struct Changes<'a, V> {
    list: &'a [(u64, V)],
    pos: usize,
    current: V,
}

impl<'a, V: Copy + PartialEq> Changes<'a, V> {
    pub(crate) fn new(list: &'a [(u64, V)], initial: V) -> Self {
        Changes {
            list,
            pos: 0,
            current: initial,
        }
    }

    /// Cycle of the next entry, which may turn out to be a no-op.
    pub(crate) fn peek_cycle(&self) -> Option<u64> {
        self.list.get(self.pos).map(|&(c, _)| c)
    }

    /// Consumes all entries at `cycle` and returns the new value if it differs.
    pub(crate) fn take_at(&mut self, cycle: u64) -> Option<V> {
        let mut last = None;
        while let Some(&(c, v)) = self.list.get(self.pos) {
            if c != cycle {
                break;
            }
            last = Some(v);
            self.pos += 1;
        }
        match last {
            Some(v) if v != self.current => {
                self.current = v;
                Some(v)
            }
            _ => None,
        }
    }

    pub(crate) fn current(&self) -> V {
        self.current
    }
}

impl<V: Copy + PartialEq> Iterator for Changes<'_, V> {
    type Item = (u64, V);

    /// Yields only real changes, skipping no-op entries.
    fn next(&mut self) -> Option<(u64, V)> {
        while let Some(c) = self.peek_cycle() {
            if let Some(v) = self.take_at(c) {
                return Some((c, v));
            }
        }
        None
    }
}

/// Where spans begin and end, flattened to `start0, end0, start1, end1, ...`.
///
/// Because spans are sorted and non-overlapping this sequence never decreases,
/// so a single cursor into it answers "which span covers cycle t" while
/// sweeping forward, without building any per-cycle table.
pub(crate) struct SpanCursor<'a> {
    spans: &'a [Span],
    /// Index into the flattened boundary sequence of the next unconsumed boundary.
    k: usize,
}

impl<'a> SpanCursor<'a> {
    pub(crate) fn new(spans: &'a [Span]) -> Self {
        SpanCursor { spans, k: 0 }
    }

    fn boundary(&self, k: usize) -> Option<u64> {
        let s = self.spans.get(k / 2)?;
        Some(if k % 2 == 0 { s.start } else { s.end })
    }

    pub(crate) fn peek_cycle(&self) -> Option<u64> {
        self.boundary(self.k)
    }

    /// Consumes every boundary at or before `cycle` and returns the index of the
    /// span covering `cycle`, if any. Zero-length spans are stepped over.
    pub(crate) fn advance_to(&mut self, cycle: u64) -> Option<usize> {
        while self.boundary(self.k).is_some_and(|b| b <= cycle) {
            self.k += 1;
        }
        // After the sweep the next boundary is > cycle; if it is an end, we are
        // inside that span.
        (self.k % 2 == 1).then_some(self.k / 2)
    }
}
