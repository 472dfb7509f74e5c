//! Counters a channel keeps: traffic, row-buffer outcomes, commands, bus and refresh time, and
//! latency distributions. Enough to explain where bandwidth went.

use serde::{Deserialize, Serialize};

/// Latencies in whole DRAM clocks, one bin per clock up to [`Histogram::MAX`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    bins: Vec<u64>,
    /// Samples above `MAX` clocks (counted, and clamped into `max`).
    overflow: u64,
    count: u64,
    sum: u64,
    max: u64,
}

impl Histogram {
    /// Largest latency kept in its own bin; 64 Ki clocks is 60 µs of DDR4-2133.
    pub const MAX: u64 = 1 << 16;

    /// Adds one sample.
    pub fn record(&mut self, latency: u64) {
        self.count += 1;
        self.sum += latency;
        self.max = self.max.max(latency);
        if latency > Self::MAX {
            self.overflow += 1;
            return;
        }
        let i = latency as usize;
        if i >= self.bins.len() {
            self.bins.resize(i + 1, 0);
        }
        self.bins[i] += 1;
    }

    /// Samples recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Mean latency (0 when empty).
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// Largest sample.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Smallest sample (0 when empty).
    pub fn min(&self) -> u64 {
        self.bins
            .iter()
            .position(|&n| n > 0)
            .map_or(if self.overflow > 0 { self.max } else { 0 }, |i| i as u64)
    }

    /// The smallest latency with at least fraction `q` (0..=1) of samples at or below it; samples
    /// beyond `MAX` report as the largest sample.
    pub fn percentile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let want = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &n) in self.bins.iter().enumerate() {
            seen += n;
            if seen >= want {
                return i as u64;
            }
        }
        self.max
    }

    /// Adds `other`'s samples, as if they had been recorded here: channels of one memory system
    /// report one distribution.
    pub fn merge(&mut self, other: &Histogram) {
        if self.bins.len() < other.bins.len() {
            self.bins.resize(other.bins.len(), 0);
        }
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            *a += b;
        }
        self.overflow += other.overflow;
        self.count += other.count;
        self.sum += other.sum;
        self.max = self.max.max(other.max);
    }

    /// Number of samples equal to `latency` (0 beyond `MAX`).
    pub fn at(&self, latency: u64) -> u64 {
        self.bins.get(latency as usize).copied().unwrap_or(0)
    }
}

/// What a channel has done so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DramStats {
    /// Read bursts completed or in flight (counted when their RD issues).
    pub reads: u64,
    /// Write bursts issued.
    pub writes: u64,
    /// Requests whose first command was RD/WR: the row was already open.
    pub row_hits: u64,
    /// Requests whose first command was ACT: the bank was precharged.
    pub row_misses: u64,
    /// Requests whose first command was PRE: another row was open.
    pub row_conflicts: u64,
    /// ACT commands.
    pub acts: u64,
    /// PRE commands (explicit, one bank).
    pub pres: u64,
    /// PREA commands (before refresh).
    pub precharge_alls: u64,
    /// RDA/WRA commands.
    pub auto_precharges: u64,
    /// REF commands.
    pub refreshes: u64,
    /// Clocks the data bus carried data (BL/2 per burst).
    pub data_bus_cycles: u64,
    /// Clocks a rank was locked by refresh (tRFC per REF).
    pub refresh_cycles: u64,
    /// Switches from serving reads to draining writes.
    pub write_drains: u64,
    /// Arrival to last data beat, per read.
    pub read_latency: Histogram,
    /// Arrival to last data beat on the bus, per write.
    pub write_latency: Histogram,
}

impl DramStats {
    /// Adds another channel's counters: the totals of a multi-channel memory.
    pub fn merge(&mut self, o: &DramStats) {
        self.reads += o.reads;
        self.writes += o.writes;
        self.row_hits += o.row_hits;
        self.row_misses += o.row_misses;
        self.row_conflicts += o.row_conflicts;
        self.acts += o.acts;
        self.pres += o.pres;
        self.precharge_alls += o.precharge_alls;
        self.auto_precharges += o.auto_precharges;
        self.refreshes += o.refreshes;
        self.data_bus_cycles += o.data_bus_cycles;
        self.refresh_cycles += o.refresh_cycles;
        self.write_drains += o.write_drains;
        self.read_latency.merge(&o.read_latency);
        self.write_latency.merge(&o.write_latency);
    }

    /// Fraction of requests that found their row open.
    pub fn row_hit_rate(&self) -> f64 {
        let n = self.row_hits + self.row_misses + self.row_conflicts;
        if n == 0 {
            0.0
        } else {
            self.row_hits as f64 / n as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_whole_clock_bins() {
        let mut h = Histogram::default();
        for l in [10, 20, 20, 30, 100] {
            h.record(l);
        }
        assert_eq!(h.count(), 5);
        assert_eq!(h.min(), 10);
        assert_eq!(h.percentile(0.5), 20);
        assert_eq!(h.percentile(0.8), 30);
        assert_eq!(h.percentile(1.0), 100);
        assert_eq!(h.max(), 100);
        assert!((h.mean() - 36.0).abs() < 1e-9);
        h.record(Histogram::MAX + 5);
        assert_eq!(h.percentile(1.0), Histogram::MAX + 5);
        assert_eq!(Histogram::default().percentile(0.5), 0);
    }

    #[test]
    fn merged_histograms_equal_one_that_saw_every_sample() {
        let (mut a, mut b, mut all) = (
            Histogram::default(),
            Histogram::default(),
            Histogram::default(),
        );
        for (i, l) in [3u64, 70, 9, 9, 400, Histogram::MAX + 1]
            .into_iter()
            .enumerate()
        {
            if i % 2 == 0 { &mut a } else { &mut b }.record(l);
            all.record(l);
        }
        a.merge(&b);
        assert_eq!(a, all);
    }
}
