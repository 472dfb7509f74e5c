//! Time units: datasheets give t-values in picoseconds, the controller counts DRAM clocks (nCK).
//!
//! The clock is held as a frequency in kHz rather than a tCK in whole picoseconds: DDR4-2133 runs
//! at 1066.5 MHz, whose tCK (937.65 ps) no whole number of picoseconds represents, and a rounded
//! tCK would put every derived nCK value and the peak bandwidth slightly off. With the frequency
//! exact, `ceil(t · f)` is exact integer arithmetic.

use serde::{Deserialize, Serialize};

/// A duration in picoseconds, the unit of JEDEC t-values (tRCD = 13750 ps).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Picos(pub u64);

impl Picos {
    /// `ns` nanoseconds.
    pub const fn from_ns(ns: u64) -> Self {
        Picos(ns * 1000)
    }
}

/// A count of DRAM clock cycles (nCK), the unit of every value the controller compares.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct DramCycles(pub u64);

/// The DRAM clock CK. Data moves on both edges, so the data rate in MT/s is twice the frequency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Clock {
    /// Frequency in kHz (1_066_500 for DDR4-2133).
    pub khz: u32,
}

impl Clock {
    /// A clock of `khz` kHz.
    pub const fn from_khz(khz: u32) -> Self {
        Clock { khz }
    }

    /// The clock whose period is `tck` (rounded to the nearest kHz), for callers that hold tCK.
    /// Returns `None` for a zero period or one too long to give at least 1 kHz.
    pub fn from_tck(tck: Picos) -> Option<Self> {
        if tck.0 == 0 {
            return None;
        }
        let khz = (1_000_000_000 + tck.0 / 2) / tck.0;
        u32::try_from(khz)
            .ok()
            .filter(|&k| k > 0)
            .map(Clock::from_khz)
    }

    /// Frequency in Hz.
    pub const fn hz(self) -> u64 {
        self.khz as u64 * 1000
    }

    /// tCK in picoseconds; a float because 1066.5 MHz gives 937.65 ps.
    pub fn tck_ps(self) -> f64 {
        1e9 / self.khz as f64
    }

    /// The fewest whole cycles that last at least `t`: how a minimum such as tRCD becomes nCK.
    /// (JESD79-4 gives a guard-banded rounding rule for tCK(avg) near a bin edge; with an exact
    /// clock plain ceiling gives the same nCK for every preset here.)
    pub const fn to_cycles(self, t: Picos) -> DramCycles {
        let scaled = t.0 * self.khz as u64;
        DramCycles(scaled.div_ceil(1_000_000_000))
    }

    /// The most whole cycles that fit in `t`: how a maximum such as tREFI becomes nCK, so that
    /// refreshing every that-many cycles is never later than the datasheet asks.
    pub const fn to_cycles_floor(self, t: Picos) -> DramCycles {
        DramCycles(t.0 * self.khz as u64 / 1_000_000_000)
    }

    /// The duration of `c` cycles, rounded to the nearest picosecond.
    pub const fn to_picos(self, c: DramCycles) -> Picos {
        let khz = self.khz as u64;
        Picos((c.0 * 1_000_000_000 + khz / 2) / khz)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DDR4_2133: Clock = Clock::from_khz(1_066_500);

    #[test]
    fn a_minimum_rounds_up_to_whole_cycles() {
        // tRFC 350 ns at 1066.5 MHz is 373.3 cycles: 373 would be too short.
        assert_eq!(DDR4_2133.to_cycles(Picos::from_ns(350)), DramCycles(374));
        // 15 ns is 15.9975 cycles.
        assert_eq!(DDR4_2133.to_cycles(Picos::from_ns(15)), DramCycles(16));
    }

    #[test]
    fn an_exact_multiple_does_not_round_up() {
        let c = Clock::from_khz(1_600_000);
        assert_eq!(c.to_cycles(Picos(13_750)), DramCycles(22));
        assert_eq!(c.to_cycles(Picos(0)), DramCycles(0));
    }

    #[test]
    fn a_maximum_rounds_down() {
        // tREFI 7.8 us is 8318.7 cycles: refreshing every 8319 would be late.
        assert_eq!(
            DDR4_2133.to_cycles_floor(Picos::from_ns(7800)),
            DramCycles(8318)
        );
    }

    #[test]
    fn tck_round_trips_through_the_frequency() {
        let c = Clock::from_tck(Picos(1000)).unwrap();
        assert_eq!(c.khz, 1_000_000);
        assert_eq!(c.to_picos(DramCycles(3)), Picos(3000));
        assert!((DDR4_2133.tck_ps() - 937.646).abs() < 1e-3);
        assert_eq!(Clock::from_tck(Picos(0)), None);
        assert_eq!(Clock::from_tck(Picos(u64::MAX)), None);
    }
}
