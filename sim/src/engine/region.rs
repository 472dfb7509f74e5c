//! A dataflow region: the processes of one unit invocation and the streams between them.

use super::fifo::{Fifo, FifoId, Rx, Tx};
use super::process::{Cause, Process, StallKind, Step};

/// Cycles split by what the region's core was doing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attribution {
    /// Cycles in which the core issued.
    pub busy: u64,
    /// Stall cycles by root cause.
    pub stalls: Vec<(Cause, u64)>,
}

impl Attribution {
    /// Adds `n` cycles of `step` (a `Done` core counts as draining).
    #[inline]
    pub fn add(&mut self, cause: Option<Cause>, n: u64) {
        match cause {
            None => self.busy += n,
            Some(c) => match self.stalls.iter_mut().find(|(k, _)| *k == c) {
                Some((_, v)) => *v += n,
                None => self.stalls.push((c, n)),
            },
        }
    }

    /// Busy plus every stall.
    pub fn total(&self) -> u64 {
        self.busy + self.stalls.iter().map(|(_, n)| n).sum::<u64>()
    }
}

/// Per-process counters (every cycle the region is active, not only foreground ones).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessStats {
    /// The process name.
    pub name: String,
    /// Cycles it worked.
    pub busy: u64,
    /// Its own stall cycles by kind (its direct cause, not the root one), indexed as `StallKind::ALL`.
    pub stalls: [u64; StallKind::ALL.len()],
    /// Cycles after it finished while the region still ran.
    pub done: u64,
}

/// Builds a region.
pub struct RegionBuilder {
    unit: &'static str,
    fifos: Vec<Fifo>,
    producer: Vec<Option<usize>>,
    consumer: Vec<Option<usize>>,
    procs: Vec<Box<dyn Process>>,
    core: Option<usize>,
}

impl RegionBuilder {
    /// A region of unit `unit` (its golden name).
    pub fn new(unit: &'static str) -> Self {
        RegionBuilder {
            unit,
            fifos: Vec::new(),
            producer: Vec::new(),
            consumer: Vec::new(),
            procs: Vec::new(),
            core: None,
        }
    }

    /// A stream of `depth` entries of `width_bits`.
    pub fn fifo(&mut self, name: &str, depth: u32, width_bits: u32) -> (Tx, Rx) {
        let id = FifoId(self.fifos.len() as u16);
        self.fifos.push(Fifo::new(name, depth, width_bits));
        self.producer.push(None);
        self.consumer.push(None);
        (Tx(id), Rx(id))
    }

    /// Adds a process that reads `inputs` and writes `outputs`.
    pub fn process(&mut self, p: impl Process + 'static, inputs: &[Rx], outputs: &[Tx]) -> usize {
        let i = self.procs.len();
        for r in inputs {
            self.consumer[r.0 .0 as usize] = Some(i);
        }
        for t in outputs {
            self.producer[t.0 .0 as usize] = Some(i);
        }
        self.procs.push(Box::new(p));
        i
    }

    /// Adds the process whose state stands for the region's in the report (the compute loop).
    pub fn core(&mut self, p: impl Process + 'static, inputs: &[Rx], outputs: &[Tx]) -> usize {
        let i = self.process(p, inputs, outputs);
        self.core = Some(i);
        i
    }

    /// The region; the first process is the core unless one was named.
    pub fn build(self) -> Region {
        let n = self.procs.len();
        Region {
            unit: self.unit,
            stats: self
                .procs
                .iter()
                .map(|p| ProcessStats {
                    name: p.name().to_string(),
                    ..Default::default()
                })
                .collect(),
            fifos: self.fifos,
            producer: self.producer,
            consumer: self.consumer,
            procs: self.procs,
            core: self.core.unwrap_or(0),
            last: vec![Step::Stall(Cause::Fill); n],
            prev: vec![Step::Stall(Cause::Fill); n],
            live: n,
            core_started: false,
        }
    }
}

/// One unit invocation, ready to run.
pub struct Region {
    pub(crate) unit: &'static str,
    pub(crate) fifos: Vec<Fifo>,
    producer: Vec<Option<usize>>,
    consumer: Vec<Option<usize>>,
    pub(crate) procs: Vec<Box<dyn Process>>,
    pub(crate) core: usize,
    pub(crate) last: Vec<Step>,
    /// The steps of the cycle before: what a FIFO holds now was decided then.
    pub(crate) prev: Vec<Step>,
    pub(crate) live: usize,
    pub(crate) core_started: bool,
    pub(crate) stats: Vec<ProcessStats>,
}

impl Region {
    /// The unit's golden name.
    pub fn unit(&self) -> &'static str {
        self.unit
    }

    /// Why the region is not making progress this cycle, following empty inputs upstream and full
    /// outputs downstream to the process that is really waiting (`None`: the core is busy). A stream
    /// is empty now because of what its producer did last cycle, so upstream steps are read one cycle
    /// back.
    pub(crate) fn root_cause(&self) -> Option<Cause> {
        let mut p = self.core;
        let mut hops = 0;
        let first = match self.last[p] {
            Step::Busy => return None,
            Step::Done => return Some(Cause::Drain),
            Step::Stall(c) => c,
        };
        if !self.core_started {
            return Some(Cause::Fill);
        }
        let mut cause = first;
        loop {
            let next = match cause {
                Cause::FifoEmpty(f) => self.producer[f.0 as usize],
                Cause::FifoFull(f) => self.consumer[f.0 as usize],
                _ => None,
            };
            let Some(q) = next else { return Some(cause) };
            hops += 1;
            if q == p || hops > self.procs.len() {
                return Some(cause);
            }
            match self.prev[q] {
                Step::Stall(c) => {
                    p = q;
                    cause = c;
                }
                _ => return Some(cause),
            }
        }
    }

    /// A stream's name.
    pub fn fifo_name(&self, id: super::fifo::FifoId) -> &str {
        self.fifos[id.0 as usize].name()
    }
}
