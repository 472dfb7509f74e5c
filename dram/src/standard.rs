//! DRAM standards as data: the timing table of a speed bin, the organisation of a channel, and the
//! presets (DDR4-2133/2400/3200 x64 channels of x8 or x16 chips, one HBM2 pseudo-channel).
//!
//! A preset is written the way the datasheet writes it: each timing is `max(n nCK, t ps)`
//! ([`Spec`]). One function, [`SpeedBin::timing`], turns that into whole clocks for the chosen
//! clock, rounding minimums up ([`Clock::to_cycles`]) and tREFI down. So `preset → derived →
//! (caller overrides) → validate` happens in that order, and a preset can be re-derived at another
//! clock without retyping nCK values.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::power::{PowerSpec, Pump, DDR4_IO};
use crate::time::{Clock, Picos};

/// One JEDEC timing as tables state it: the larger of `min_ck` clocks and `ps` picoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Floor in clocks (the "4 nCK" of "max(4 nCK, 7.5 ns)").
    pub min_ck: u32,
    /// Floor in picoseconds.
    pub ps: u64,
}

impl Spec {
    /// A value given only in clocks, such as CL or tCCD_S.
    pub const fn ck(n: u32) -> Self {
        Spec { min_ck: n, ps: 0 }
    }
    /// A value given only in time.
    pub const fn ps(ps: u64) -> Self {
        Spec { min_ck: 0, ps }
    }
    /// `max(n nCK, ps)`.
    pub const fn max(n: u32, ps: u64) -> Self {
        Spec { min_ck: n, ps }
    }
    /// Whole clocks at `clock`.
    pub const fn cycles(self, clock: Clock) -> u32 {
        let c = clock.to_cycles(Picos(self.ps)).0 as u32;
        if c > self.min_ck {
            c
        } else {
            self.min_ck
        }
    }
}

/// A speed bin's timing table before rounding to a clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpeedBin {
    /// The clock the bin runs at.
    pub clock: Clock,
    /// Burst length in beats.
    pub bl: u32,
    /// Read latency (CL, or RL with AL = 0).
    pub cl: Spec,
    /// Write latency (CWL, or WL).
    pub cwl: Spec,
    /// ACT to RD.
    pub rcd: Spec,
    /// ACT to WR (HBM2 has a shorter tRCDWR; DDR4 uses tRCD).
    pub rcd_wr: Spec,
    /// PRE to ACT, same bank.
    pub rp: Spec,
    /// ACT to PRE, same bank.
    pub ras: Spec,
    /// ACT to ACT, same bank.
    pub rc: Spec,
    /// Column to column, different bank group.
    pub ccd_s: Spec,
    /// Column to column, same bank group.
    pub ccd_l: Spec,
    /// ACT to ACT, different bank group.
    pub rrd_s: Spec,
    /// ACT to ACT, same bank group.
    pub rrd_l: Spec,
    /// Window holding at most four ACTs.
    pub faw: Spec,
    /// End of write data to RD, different bank group.
    pub wtr_s: Spec,
    /// End of write data to RD, same bank group.
    pub wtr_l: Spec,
    /// RD to PRE.
    pub rtp: Spec,
    /// End of write data to PRE (write recovery).
    pub wr: Spec,
    /// REF to the next command (all-bank refresh cycle time, by device density).
    pub rfc: Spec,
    /// Average refresh interval; a maximum, so it rounds down.
    pub refi: Picos,
    /// Extra idle clocks on the data bus when it passes from one rank to another.
    pub rtrs: u32,
    /// Power-down exit (PDX) to the next valid command.
    pub xp: Spec,
    /// Least time CKE stays low (power-down entry to exit, tPD = tCKE) or high.
    pub cke: Spec,
}

impl SpeedBin {
    /// The table in whole clocks: the one place where derived values are filled in.
    ///
    /// tRTW (RD to WR, same rank) is `CL + BL/2 + 2 − CWL`: the read burst must leave the bus and
    /// the write preamble (1 nCK) plus one turnaround clock must fit before write data starts
    /// (JESD79-4 READ-to-WRITE timing with a 1 tCK write preamble; Ramulator uses the same sum).
    ///
    /// tRC is at least tRAS + tRP in clocks: each rounds up on its own, so at 900 MHz 28 + 14 ns
    /// become 26 + 13 clocks while 42 ns alone would round to 38.
    pub const fn timing(&self) -> Timing {
        let c = self.clock;
        let cl = self.cl.cycles(c);
        let cwl = self.cwl.cycles(c);
        let burst = self.bl / 2;
        let ras = self.ras.cycles(c);
        let rp = self.rp.cycles(c);
        let rc = self.rc.cycles(c);
        Timing {
            clock: c,
            bl: self.bl,
            cl,
            cwl,
            rcd: self.rcd.cycles(c),
            rcd_wr: self.rcd_wr.cycles(c),
            rp,
            ras,
            rc: if rc > ras + rp { rc } else { ras + rp },
            ccd_s: self.ccd_s.cycles(c),
            ccd_l: self.ccd_l.cycles(c),
            rrd_s: self.rrd_s.cycles(c),
            rrd_l: self.rrd_l.cycles(c),
            faw: self.faw.cycles(c),
            wtr_s: self.wtr_s.cycles(c),
            wtr_l: self.wtr_l.cycles(c),
            rtp: self.rtp.cycles(c),
            wr: self.wr.cycles(c),
            rtw: (cl + burst + 2).saturating_sub(cwl),
            rtrs: self.rtrs,
            rfc: self.rfc.cycles(c),
            refi: c.to_cycles_floor(self.refi).0 as u32,
            xp: self.xp.cycles(c),
            cke: self.cke.cycles(c),
        }
    }
}

/// Timing of one channel, every value in DRAM clocks (nCK) except the clock itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timing {
    /// The DRAM clock CK.
    pub clock: Clock,
    /// Burst length in beats; data moves on both clock edges, so a burst holds the bus `bl / 2`
    /// clocks.
    pub bl: u32,
    /// Read latency: RD to first data beat.
    pub cl: u32,
    /// Write latency: WR to first data beat.
    pub cwl: u32,
    /// ACT to RD, same bank.
    pub rcd: u32,
    /// ACT to WR, same bank.
    pub rcd_wr: u32,
    /// PRE to ACT, same bank.
    pub rp: u32,
    /// ACT to PRE, same bank.
    pub ras: u32,
    /// ACT to ACT, same bank.
    pub rc: u32,
    /// RD to RD or WR to WR, different bank group.
    pub ccd_s: u32,
    /// RD to RD or WR to WR, same bank group.
    pub ccd_l: u32,
    /// ACT to ACT, different bank group.
    pub rrd_s: u32,
    /// ACT to ACT, same bank group.
    pub rrd_l: u32,
    /// Rolling window in which a rank takes at most four ACTs.
    pub faw: u32,
    /// End of write data to RD, different bank group.
    pub wtr_s: u32,
    /// End of write data to RD, same bank group.
    pub wtr_l: u32,
    /// RD to PRE, same bank.
    pub rtp: u32,
    /// End of write data to PRE, same bank (write recovery).
    pub wr: u32,
    /// RD to WR, same rank (bus turnaround).
    pub rtw: u32,
    /// Idle clocks between data bursts of different ranks.
    pub rtrs: u32,
    /// REF to any command of the same rank.
    pub rfc: u32,
    /// Average interval between REFs.
    pub refi: u32,
    /// Power-down exit (PDX) to the next command of the rank.
    pub xp: u32,
    /// Least clocks between power-down entry and exit (tPD = tCKE), and from an exit to the next
    /// entry.
    pub cke: u32,
}

/// Why a [`Timing`] is unusable.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("timing {field}: {reason}")]
pub struct TimingError {
    /// The offending field, named as in [`Timing`].
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: TimingIssue,
}

/// What is wrong with a timing field.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TimingIssue {
    /// Zero where the standard requires at least one clock.
    #[error("must be at least 1")]
    Zero,
    /// The burst length must be an even power of two: a burst holds the bus `bl / 2` whole
    /// clocks and fills a power-of-two block of the address space.
    #[error("burst length {0} is not an even power of two")]
    OddBurst(u32),
    /// Beyond any real device: more than [`Timing::MAX_CLOCKS`] clocks.
    #[error("{0} clocks: at most 1048576 (2^20)")]
    TooLarge(u32),
    /// Smaller than a bound that other fields imply.
    #[error("{value} is below {min} = {rule}")]
    Below {
        /// The field's value.
        value: u32,
        /// The smallest allowed value.
        min: u32,
        /// The rule giving the bound, such as "tRAS + tRP".
        rule: &'static str,
    },
}

impl Timing {
    /// The largest value any field but tREFI may take; bounds every sum the checks form, far from
    /// overflow.
    pub const MAX_CLOCKS: u32 = 1 << 20;

    /// Clocks a burst holds the data bus.
    pub const fn burst_cycles(&self) -> u32 {
        self.bl / 2
    }

    /// tCK in picoseconds.
    pub fn tck_ps(&self) -> f64 {
        self.clock.tck_ps()
    }

    /// The field named `name` (as in this struct) among the values counted in clocks.
    pub fn field_mut(&mut self, name: &str) -> Option<&mut u32> {
        Some(match name {
            "bl" => &mut self.bl,
            "cl" => &mut self.cl,
            "cwl" => &mut self.cwl,
            "rcd" => &mut self.rcd,
            "rcd_wr" => &mut self.rcd_wr,
            "rp" => &mut self.rp,
            "ras" => &mut self.ras,
            "rc" => &mut self.rc,
            "ccd_s" => &mut self.ccd_s,
            "ccd_l" => &mut self.ccd_l,
            "rrd_s" => &mut self.rrd_s,
            "rrd_l" => &mut self.rrd_l,
            "faw" => &mut self.faw,
            "wtr_s" => &mut self.wtr_s,
            "wtr_l" => &mut self.wtr_l,
            "rtp" => &mut self.rtp,
            "wr" => &mut self.wr,
            "rtw" => &mut self.rtw,
            "rtrs" => &mut self.rtrs,
            "rfc" => &mut self.rfc,
            "refi" => &mut self.refi,
            "xp" => &mut self.xp,
            "cke" => &mut self.cke,
            _ => return None,
        })
    }

    /// Checks that every value is usable and the values agree with each other.
    pub fn validate(&self) -> Result<(), TimingError> {
        let err = |field, reason| Err(TimingError { field, reason });
        if self.clock.khz == 0 {
            return err("clock", TimingIssue::Zero);
        }
        let nonzero = [
            ("bl", self.bl),
            ("cl", self.cl),
            ("cwl", self.cwl),
            ("rcd", self.rcd),
            ("rcd_wr", self.rcd_wr),
            ("rp", self.rp),
            ("ras", self.ras),
            ("rc", self.rc),
            ("ccd_s", self.ccd_s),
            ("ccd_l", self.ccd_l),
            ("rrd_s", self.rrd_s),
            ("rrd_l", self.rrd_l),
            ("faw", self.faw),
            ("wtr_s", self.wtr_s),
            ("wtr_l", self.wtr_l),
            ("rtp", self.rtp),
            ("wr", self.wr),
            ("rtw", self.rtw),
            ("rfc", self.rfc),
            ("refi", self.refi),
            ("xp", self.xp),
            ("cke", self.cke),
        ];
        for (field, v) in nonzero {
            if v == 0 {
                return err(field, TimingIssue::Zero);
            }
        }
        // tREFI alone may be huge: a test disables refresh that way; no sum involves it.
        for (field, v) in nonzero.into_iter().filter(|&(f, _)| f != "refi") {
            if v > Self::MAX_CLOCKS {
                return err(field, TimingIssue::TooLarge(v));
            }
        }
        if self.bl % 2 != 0 || !self.bl.is_power_of_two() {
            return err("bl", TimingIssue::OddBurst(self.bl));
        }
        let below = |field, value: u32, min: u32, rule| {
            if value < min {
                err(field, TimingIssue::Below { value, min, rule })
            } else {
                Ok(())
            }
        };
        below("rc", self.rc, self.ras + self.rp, "tRAS + tRP")?;
        below(
            "ccd_s",
            self.ccd_s,
            self.bl / 2,
            "BL/2 (bursts would overlap)",
        )?;
        below("ccd_l", self.ccd_l, self.ccd_s, "tCCD_S")?;
        below("rrd_l", self.rrd_l, self.rrd_s, "tRRD_S")?;
        below("wtr_l", self.wtr_l, self.wtr_s, "tWTR_S")?;
        below(
            "rtw",
            self.rtw,
            (self.cl + self.bl / 2).saturating_sub(self.cwl),
            "CL + BL/2 − CWL (write data would collide with read data)",
        )?;
        below("refi", self.refi, self.rfc + 1, "tRFC + 1")?;
        Ok(())
    }
}

/// How many commands the channel can take per clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommandBus {
    /// One command per clock (DDR4: one CA bus).
    Shared,
    /// One row command (ACT, PRE, PREA, REF) and one column command (RD, WR) per clock: HBM2 has
    /// separate row and column command buses (JESD235).
    RowColumn,
}

/// The shape of one channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Ranks sharing the data bus.
    pub ranks: u32,
    /// Bank groups per rank.
    pub bank_groups: u32,
    /// Banks per bank group.
    pub banks_per_group: u32,
    /// Rows per bank.
    pub rows: u32,
    /// Columns per row, in data-bus words (a row holds `columns · bus_bits / 8` bytes).
    pub columns: u32,
    /// Width of the channel's data bus in bits.
    pub bus_bits: u32,
    /// Command-bus structure.
    pub command_bus: CommandBus,
}

/// Why an [`Organization`] is unusable.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum OrgError {
    /// Address fields are bit slices, so every count must be a power of two.
    #[error("organization {field} = {value} is not a power of two")]
    NotPowerOfTwo {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u32,
    },
    /// A row must hold at least one burst.
    #[error("organization columns = {columns} is below the burst length {bl}")]
    RowShorterThanBurst {
        /// Columns per row.
        columns: u32,
        /// Burst length.
        bl: u32,
    },
    /// The data bus must be whole bytes.
    #[error("organization bus_bits = {0} is below 8")]
    NarrowBus(u32),
    /// Bank and rank indices are kept in 8 bits.
    #[error("organization {field} = {value} is above {max}")]
    TooMany {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u32,
        /// The largest supported.
        max: u32,
    },
}

impl Organization {
    /// Banks in one rank.
    pub const fn banks_per_rank(&self) -> u32 {
        self.bank_groups * self.banks_per_group
    }

    /// Banks in the channel.
    pub const fn banks(&self) -> u32 {
        self.ranks * self.banks_per_rank()
    }

    /// Bytes one burst of `bl` beats moves.
    pub const fn burst_bytes(&self, bl: u32) -> u32 {
        bl * self.bus_bits / 8
    }

    /// Bytes the channel holds.
    pub const fn capacity_bytes(&self) -> u64 {
        self.banks() as u64 * self.rows as u64 * self.columns as u64 * (self.bus_bits as u64 / 8)
    }

    /// Checks the counts, given the burst length the timing uses.
    pub fn validate(&self, bl: u32) -> Result<(), OrgError> {
        let fields = [
            ("ranks", self.ranks),
            ("bank_groups", self.bank_groups),
            ("banks_per_group", self.banks_per_group),
            ("rows", self.rows),
            ("columns", self.columns),
            ("bus_bits", self.bus_bits),
        ];
        for (field, value) in fields {
            if !value.is_power_of_two() {
                return Err(OrgError::NotPowerOfTwo { field, value });
            }
        }
        if self.bus_bits < 8 {
            return Err(OrgError::NarrowBus(self.bus_bits));
        }
        if self.columns < bl {
            return Err(OrgError::RowShorterThanBurst {
                columns: self.columns,
                bl,
            });
        }
        for (field, value, max) in [
            ("ranks", self.ranks, 256),
            ("bank_groups", self.bank_groups, 256),
            ("banks_per_group", self.banks_per_group, 256),
            ("banks (all ranks)", self.banks(), 1024),
        ] {
            if value > max {
                return Err(OrgError::TooMany { field, value, max });
            }
        }
        Ok(())
    }
}

/// Peak data bandwidth of a channel: two transfers per clock (both edges) of `bus_bits / 8` bytes,
/// so `2 · f_CK · bus_bits / 8` bytes/s. Refresh, turnarounds and row switches only take away
/// from it.
pub const fn peak_bytes_per_s(clock: Clock, bus_bits: u32) -> u64 {
    2 * clock.hz() * bus_bits as u64 / 8
}

/// A named channel configuration with its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// Lookup name, such as `ddr4-2133`.
    pub name: &'static str,
    /// The channel shape.
    pub org: Organization,
    /// The timing in clocks.
    pub timing: Timing,
    /// Address mapping that gives full sequential bandwidth (see [`crate::mapping`]).
    pub mapping: &'static str,
    /// Where the numbers come from.
    pub source: &'static str,
    /// One device's IDD table for energy ([`crate::power`]); `None` where no table is cited.
    pub power: Option<&'static PowerSpec>,
}

impl Preset {
    /// Peak bandwidth of the channel in bytes/s.
    pub const fn peak_bytes_per_s(&self) -> u64 {
        peak_bytes_per_s(self.timing.clock, self.org.bus_bits)
    }
}

// ---------------------------------------------------------------------------------------------
// DDR4 (JESD79-4). Values common to all bins used here, for 8 Gb devices:
//   tWR 15 ns; tRTP max(4 nCK, 7.5 ns); tWTR_S max(2 nCK, 2.5 ns); tWTR_L max(4 nCK, 7.5 ns);
//   tCCD_S 4 nCK; tRFC1 350 ns (Table "Refresh parameters by device density", 8 Gb);
//   tREFI 7.8 us (0..85 °C).
// Page-size dependent values (Table "Timing parameters by speed bin"):
//   x8 (1 KB page)  tRRD_S 3.7/3.3/2.5 ns, tRRD_L 5.3/4.9/4.9 ns, tFAW 21 ns (2133/2400/3200),
//                   floors 4, 4 and 20 nCK;
//   x16 (2 KB page) tRRD_S 5.3 ns, tRRD_L 6.4 ns, tFAW 30 ns, floors 4, 4 and 28 nCK.
// tRFC for 8 Gb: JESD79-4 and DRAMsim3 (374 nCK at 0.94 ns) use 350 ns; Ramulator 2's DDR4 table
// has 360 ns. We follow the standard: 350 ns.
// Write latency: the first CWL set (1 nCK write preamble): 11 / 12 / 16.
// Power-down (JESD79-4 timing parameters by speed bin, power-down section, the same at 2133,
// 2400 and 3200): tXP max(4 nCK, 6 ns) (PDX to any valid command), tCKE max(3 nCK, 5 ns)
// (tPD = tCKE: least time in power-down). As transcribed by DRAMsim3's DDR4_8Gb_x8_2400.ini
// ("tCKE greater(3nCK, 5ns)", "tXP greater(4nCK, 6ns)"; the JESD79-4 PDF was not re-read here).
// In clocks 7/6 at 2133, 8/6 at 2400, 10/8 at 3200, as DRAMsim3's DDR4_8Gb_x16_2133.ini
// (tXP 7, tCKE 6), DDR4_8Gb_x8_2400.ini (8, 6) and DRAMPower's MICRON_8Gb_DDR4-3200_*_G
// memspecs (XP 10, CKE 8) give them.
// ---------------------------------------------------------------------------------------------

/// What differs between the DDR4 bins used here.
#[derive(Clone, Copy)]
struct Ddr4Bin {
    khz: u32,
    /// CL and CWL in clocks, tRCD = tRP, tRAS in ps (the speed-bin table; tRC = tRAS + tRP).
    cl: u32,
    cwl: u32,
    rcd_rp_ps: u64,
    ras_ps: u64,
    /// tCCD_L in ps (floor 5 nCK).
    ccd_l_ps: u64,
    /// Page-size dependent: tRRD_S, tRRD_L in ps (floor 4 nCK) and tFAW.
    rrd_s_ps: u64,
    rrd_l_ps: u64,
    faw: Spec,
}

/// tFAW for 1 KB pages (x4/x8) and 2 KB pages (x16), at the rates used here.
const FAW_1KB: Spec = Spec::max(20, 21_000);
const FAW_2KB: Spec = Spec::max(28, 30_000);

const fn ddr4(b: Ddr4Bin) -> SpeedBin {
    SpeedBin {
        clock: Clock::from_khz(b.khz),
        bl: 8,
        cl: Spec::ck(b.cl),
        cwl: Spec::ck(b.cwl),
        rcd: Spec::ps(b.rcd_rp_ps),
        rcd_wr: Spec::ps(b.rcd_rp_ps),
        rp: Spec::ps(b.rcd_rp_ps),
        ras: Spec::ps(b.ras_ps),
        rc: Spec::ps(b.ras_ps + b.rcd_rp_ps),
        ccd_s: Spec::ck(4),
        ccd_l: Spec::max(5, b.ccd_l_ps),
        rrd_s: Spec::max(4, b.rrd_s_ps),
        rrd_l: Spec::max(4, b.rrd_l_ps),
        faw: b.faw,
        wtr_s: Spec::max(2, 2_500),
        wtr_l: Spec::max(4, 7_500),
        rtp: Spec::max(4, 7_500),
        wr: Spec::ps(15_000),
        rfc: Spec::ps(350_000),
        refi: Picos(7_800_000),
        rtrs: 1,
        xp: Spec::max(4, 6_000),
        cke: Spec::max(3, 5_000),
    }
}

/// DDR4-2133P (15-15-15), at 1066.5 MHz: the speed-bin values, with the x16 (2 KB page) ACT
/// spacing.
const DDR4_2133P: Ddr4Bin = Ddr4Bin {
    khz: 1_066_500,
    cl: 15,
    cwl: 11,
    rcd_rp_ps: 14_060,
    ras_ps: 33_000,
    ccd_l_ps: 5_355,
    rrd_s_ps: 5_300,
    rrd_l_ps: 6_400,
    faw: FAW_2KB,
};

/// DDR4-2400R (16-16-16), at 1200 MHz: the speed-bin values, with the x8 (1 KB page) ACT
/// spacing.
const DDR4_2400R: Ddr4Bin = Ddr4Bin {
    khz: 1_200_000,
    cl: 16,
    cwl: 12,
    rcd_rp_ps: 13_320,
    ras_ps: 32_000,
    ccd_l_ps: 5_000,
    rrd_s_ps: 3_300,
    rrd_l_ps: 4_900,
    faw: FAW_1KB,
};

/// DDR4-3200AA (22-22-22), at 1600 MHz: the speed-bin values, with the x8 (1 KB page) ACT
/// spacing.
const DDR4_3200AA: Ddr4Bin = Ddr4Bin {
    khz: 1_600_000,
    cl: 22,
    cwl: 16,
    rcd_rp_ps: 13_750,
    ras_ps: 32_000,
    ccd_l_ps: 5_000,
    rrd_s_ps: 2_500,
    rrd_l_ps: 4_900,
    faw: FAW_1KB,
};

/// `b` with the x16 (2 KB page) ACT spacing of JESD79-4's speed-bin tables, the same at
/// 2133/2400/3200: tRRD_S max(4 nCK, 5.3 ns), tRRD_L max(4 nCK, 6.4 ns), tFAW max(28 nCK, 30 ns).
const fn page_2kb(b: Ddr4Bin) -> Ddr4Bin {
    Ddr4Bin {
        rrd_s_ps: 5_300,
        rrd_l_ps: 6_400,
        faw: FAW_2KB,
        ..b
    }
}

/// DDR4-2133P (15-15-15) from x16 devices, at 1066.5 MHz.
pub const DDR4_2133_BIN: SpeedBin = ddr4(DDR4_2133P);

/// DDR4-2133P (15-15-15) from x8 devices (1 KB page), at 1066.5 MHz: tRRD_S max(4 nCK, 3.7 ns),
/// tRRD_L max(4 nCK, 5.3 ns), tFAW max(20 nCK, 21 ns) (JESD79-4, timing parameters by speed bin,
/// DDR4-2133, x8 rows).
pub const DDR4_2133_X8_BIN: SpeedBin = ddr4(Ddr4Bin {
    rrd_s_ps: 3_700,
    rrd_l_ps: 5_300,
    faw: FAW_1KB,
    ..DDR4_2133P
});

/// DDR4-2400R (16-16-16) from x8 devices, at 1200 MHz.
pub const DDR4_2400_BIN: SpeedBin = ddr4(DDR4_2400R);

/// DDR4-2400R (16-16-16) from x16 devices (2 KB page), at 1200 MHz.
pub const DDR4_2400_X16_BIN: SpeedBin = ddr4(page_2kb(DDR4_2400R));

/// DDR4-3200AA (22-22-22) from x8 devices, at 1600 MHz.
pub const DDR4_3200_BIN: SpeedBin = ddr4(DDR4_3200AA);

/// DDR4-3200AA (22-22-22) from x16 devices (2 KB page), at 1600 MHz.
pub const DDR4_3200_X16_BIN: SpeedBin = ddr4(page_2kb(DDR4_3200AA));

// ---------------------------------------------------------------------------------------------
// DDR4 device currents (per device, VDD = 1.2 V, VPP = 2.5 V), for [`crate::power`]. IDD5B is
// the burst-refresh current (REF every tRFC).
// ---------------------------------------------------------------------------------------------

/// DDR4-2133, x16 8 Gb device (the ZCU102 SODIMM's chip width).
///
/// Values as DRAMsim3 ships them in `configs/DDR4_8Gb_x16_2133.ini` (its `[power]` section):
/// that file names no part number or datasheet, so these are UNVERIFIED against a datasheet IDD
/// table; they are the only x16 DDR4-2133 8 Gb set found with a traceable origin. It gives IPP0
/// (4 mA) but no IPP3N/IPP5B, so the VPP terms are left out. I/O: [`DDR4_IO`] on every DDR4 preset.
/// Power-down: IDD2P 25, IDD3P 39 mA from the same file.
pub const DDR4_2133_X16_POWER: PowerSpec = PowerSpec {
    device_bits: 16,
    vdd_mv: 1200,
    idd0_ma: 75,
    idd2n_ma: 33,
    idd3n_ma: 44,
    idd2p_ma: 25,
    idd3p_ma: 39,
    idd4r_ma: 225,
    idd4w_ma: 225,
    idd5b_ma: 280,
    pump: None,
    io: Some(DDR4_IO),
    source: "DRAMsim3 configs/DDR4_8Gb_x16_2133.ini [power] (no datasheet named: UNVERIFIED); \
             no VPP currents; I/O from DRAMPower's per-pin figures; IDD2P/IDD3P from the same file",
};

/// DDR4-2133, x8 8 Gb device.
///
/// Values as DRAMsim3 ships them in `configs/DDR4_8Gb_x8_2133.ini` (its `[power]` section: IDD0
/// 45, IDD2N 33, IDD3N 40, IDD4R 125, IDD4W 115, IDD5AB 250 mA, VDD 1.2 V): that file names no
/// part number or datasheet, so these are UNVERIFIED against a datasheet IDD table; no other x8
/// DDR4-2133 8 Gb set was found (DRAMPower's and DRAMSys's memspecs and gem5's DDR4 interfaces
/// have none). It gives IPP0 (3 mA) but no IPP3N/IPP5B, so the VPP terms are left out. I/O:
/// [`DDR4_IO`].
/// Power-down: IDD2P 25, IDD3P 35 mA from the same file.
pub const DDR4_2133_X8_POWER: PowerSpec = PowerSpec {
    device_bits: 8,
    vdd_mv: 1200,
    idd0_ma: 45,
    idd2n_ma: 33,
    idd3n_ma: 40,
    idd2p_ma: 25,
    idd3p_ma: 35,
    idd4r_ma: 125,
    idd4w_ma: 115,
    idd5b_ma: 250,
    pump: None,
    io: Some(DDR4_IO),
    source: "DRAMsim3 configs/DDR4_8Gb_x8_2133.ini [power] (no datasheet named: UNVERIFIED); \
             no VPP currents; I/O from DRAMPower's per-pin figures; IDD2P/IDD3P from the same file",
};

/// DDR4-2400, x8 8 Gb device: Micron MT40A1G8PM-083E (speed grade -083E = DDR4-2400R
/// 16-16-16), IDD table of the Micron 8Gb DDR4 SDRAM datasheet (IDD0, IDD2N, IDD3N, IDD4R,
/// IDD4W, IDD5B; x8). The values are those DRAMsim3's `configs/DDR4_8Gb_x8_2400.ini` gives for
/// that part (its header names it); not re-checked against the datasheet PDF here. No IPP
/// values come with them, so the VPP terms are left out.
/// Power-down: IDD2P 25, IDD3P 37 mA from the same DRAMsim3 file (gem5's DDR4_2400_8x8 has
/// the same IDD2P1/IDD3P1).
pub const DDR4_2400_X8_POWER: PowerSpec = PowerSpec {
    device_bits: 8,
    vdd_mv: 1200,
    idd0_ma: 48,
    idd2n_ma: 34,
    idd3n_ma: 43,
    idd2p_ma: 25,
    idd3p_ma: 37,
    idd4r_ma: 135,
    idd4w_ma: 123,
    idd5b_ma: 250,
    pump: None,
    io: Some(DDR4_IO),
    source: "Micron 8Gb DDR4 SDRAM datasheet, MT40A1G8PM-083E (DDR4-2400), IDD table, x8 (via \
             DRAMsim3 DDR4_8Gb_x8_2400.ini); no VPP currents; I/O from DRAMPower's per-pin figures; \
             IDD2P/IDD3P from the same file",
};

/// DDR4-2400, x16 8 Gb device: Micron MT40A512M16 (8Gb DDR4 SDRAM datasheet, x16 IDD column),
/// as gem5 transcribes it in its `DDR4_2400_4x16` interface (file
/// `src/python/gem5/components/memory/dram_interfaces/ddr4.py`: "timings based on a DDR4-2400
/// 8 Gbit datasheet (Micron MT40A512M16)", "Current values from datasheet"): IDD0 80, IDD2N 34,
/// IDD3N 47, IDD4R 243, IDD4W 228, IDD5 280 mA.
/// DRAMsim3's `configs/DDR4_8Gb_x16_2400.ini` carries the same six values. Neither names the die
/// revision or speed grade, and they were not re-checked against the datasheet PDF here. Only
/// IPP0 (4 mA) is given for the x16 part (gem5's IPP3N is inherited from its x4 class, no
/// IPP5B), so the VPP terms are left out. I/O: [`DDR4_IO`].
/// Power-down: IDD2P1 25 (inherited from gem5's DDR4_2400_16x4), IDD3P1 41 mA; DRAMsim3's
/// `DDR4_8Gb_x16_2400.ini` has IDD2P 25, IDD3P 41 too.
pub const DDR4_2400_X16_POWER: PowerSpec = PowerSpec {
    device_bits: 16,
    vdd_mv: 1200,
    idd0_ma: 80,
    idd2n_ma: 34,
    idd3n_ma: 47,
    idd2p_ma: 25,
    idd3p_ma: 41,
    idd4r_ma: 243,
    idd4w_ma: 228,
    idd5b_ma: 280,
    pump: None,
    io: Some(DDR4_IO),
    source: "Micron 8Gb DDR4 SDRAM datasheet, MT40A512M16 (DDR4-2400), IDD table, x16 (via gem5 \
             DDR4_2400_4x16; same in DRAMsim3 DDR4_8Gb_x16_2400.ini); no VPP currents; I/O from \
             DRAMPower's per-pin figures; IDD2P 25/IDD3P 41 from gem5 and DRAMsim3 alike",
};

/// DDR4-3200, x8 8 Gb device: Micron 8Gb DDR4 SDRAM datasheet (`8gb_ddr4_sdram.pdf`), die
/// revision G, speed grade -062E (DDR4-3200AA), IDD and IPP tables, x8 column; transcribed in
/// DRAMPower's memspec `MICRON_8Gb_DDR4-3200_8bit_G` (idd0, idd2n, idd3n, idd4r, idd4w, idd5;
/// idd02 = IPP0, idd3n2 = IPP3N, idd52 = IPP5B, vdd2 = VPP). IPP2N is not listed there and is
/// ASSUMED equal to IPP3N. Note this die's IDD5B (66 mA) is far below the older dies' 250 mA.
/// Power-down: the memspec's idd2p0/idd2p1 25 and idd3p0/idd3p1 43 mA.
pub const DDR4_3200_X8_POWER: PowerSpec = PowerSpec {
    device_bits: 8,
    vdd_mv: 1200,
    idd0_ma: 57,
    idd2n_ma: 37,
    idd3n_ma: 56,
    idd2p_ma: 25,
    idd3p_ma: 43,
    idd4r_ma: 168,
    idd4w_ma: 155,
    idd5b_ma: 66,
    pump: Some(Pump {
        vpp_mv: 2500,
        ipp0_ma: 3,
        ipp3n_ma: 3,
        ipp5b_ma: 5,
    }),
    io: Some(DDR4_IO),
    source: "Micron 8Gb DDR4 SDRAM datasheet (die G), -062E DDR4-3200AA, IDD/IPP tables, x8; \
             IPP2N assumed = IPP3N; I/O from DRAMPower's per-pin figures; IDD2P/IDD3P from the \
             same memspec",
};

/// DDR4-3200, x16 8 Gb device: Micron 8Gb DDR4 SDRAM datasheet (`8gb_ddr4_sdram.pdf`), die
/// revision G, speed grade -062E (DDR4-3200AA), IDD and IPP tables, x16 column; transcribed in
/// DRAMPower's memspec `MICRON_8Gb_DDR4-3200_16bit_G` (idd0 95, idd2n 37, idd3n 61, idd4r 302,
/// idd4w 283, idd5 72 mA; idd02 = IPP0 4, idd3n2 = IPP3N 3, idd52 = IPP5B 5 mA; vdd2 = VPP
/// 2.5 V). IPP2N is not listed there and is ASSUMED equal to IPP3N. (DRAMsim3's
/// `DDR4_8Gb_x16_3200.ini`, which names no part, has IDD3N 56, IDD4W 278, IDD5AB 280 instead.)
/// Power-down: the memspec's idd2p0/idd2p1 25 and idd3p0/idd3p1 47 mA.
pub const DDR4_3200_X16_POWER: PowerSpec = PowerSpec {
    device_bits: 16,
    vdd_mv: 1200,
    idd0_ma: 95,
    idd2n_ma: 37,
    idd3n_ma: 61,
    idd2p_ma: 25,
    idd3p_ma: 47,
    idd4r_ma: 302,
    idd4w_ma: 283,
    idd5b_ma: 72,
    pump: Some(Pump {
        vpp_mv: 2500,
        ipp0_ma: 4,
        ipp3n_ma: 3,
        ipp5b_ma: 5,
    }),
    io: Some(DDR4_IO),
    source: "Micron 8Gb DDR4 SDRAM datasheet (die G), -062E DDR4-3200AA, IDD/IPP tables, x16 (via \
             DRAMPower MICRON_8Gb_DDR4-3200_16bit_G); IPP2N assumed = IPP3N; I/O from DRAMPower's \
             per-pin figures; IDD2P/IDD3P from the same memspec",
};

/// HBM2, one 128-bit legacy-mode channel of an 8 Gb-per-channel stack, VDD 1.2 V, at 1000 MHz:
/// the `[power]` section of DRAMsim3's `configs/HBM2_8Gb_x128.ini` (IDD0 65, IDD2N 40, IDD3N 55,
/// IDD4R 390, IDD4W 500, IDD5AB 250 mA). HBM2 vendors publish no IDD tables; these are the
/// simulator's defaults and name no part: an ESTIMATE, to be trusted to perhaps ±50%. A
/// pseudo-channel preset (64 bit) draws half of each term (see [`crate::power`]). Used unchanged at
/// 900 MHz: currents measured at 1000 MHz lean high by up to the clock ratio on the background
/// terms. No VPP and no I/O figures: the HBM PHY on the host die is the FPGA's, and the stack's
/// own TSV/interposer drivers are not separated in any source found (Xilinx's public "about
/// 7 pJ/bit" for HBM2 on Alveo covers the whole path, a cross-check for the total, not a term).
/// Power-down: IDD2P 28, IDD3P 40 mA from the same file (same ESTIMATE caveat).
pub const HBM2_POWER: PowerSpec = PowerSpec {
    device_bits: 128,
    vdd_mv: 1200,
    idd0_ma: 65,
    idd2n_ma: 40,
    idd3n_ma: 55,
    idd2p_ma: 28,
    idd3p_ma: 40,
    idd4r_ma: 390,
    idd4w_ma: 500,
    idd5b_ma: 250,
    pump: None,
    io: None,
    source: "DRAMsim3 configs/HBM2_8Gb_x128.ini [power] (simulator defaults, no part named: \
             ESTIMATE), 128-bit channel halved per pseudo-channel; no VPP, no I/O; IDD2P/IDD3P from \
             the same file",
};

/// A 64-bit rank of x16 8 Gb devices (four chips): 2 bank groups × 4 banks, 64 Ki rows,
/// 1 Ki columns (2 KB page per chip, 8 KB per rank).
const DDR4_X16_8GB_X64: Organization = Organization {
    ranks: 1,
    bank_groups: 2,
    banks_per_group: 4,
    rows: 65_536,
    columns: 1024,
    bus_bits: 64,
    command_bus: CommandBus::Shared,
};

/// A 64-bit rank of x8 8 Gb devices (eight chips): 4 bank groups × 4 banks, 64 Ki rows,
/// 1 Ki columns (1 KB page per chip, 8 KB per rank).
const DDR4_X8_8GB_X64: Organization = Organization {
    bank_groups: 4,
    ..DDR4_X16_8GB_X64
};

/// Bank groups alternate at every burst, then columns, then banks, then rows: a sequential stream
/// issues RD to alternating bank groups, so tCCD_S (= BL/2) rather than tCCD_L spaces them and the
/// data bus stays full; the stream stays in one row of each bank for a whole page.
const SEQUENTIAL_MAPPING: &str = "ro-ba-co-bg";

/// DDR4-2133 x64 channel: the ZCU102 PS DDR4 (64-bit SODIMM of four x16 8 Gb chips).
pub const DDR4_2133: Preset = Preset {
    name: "ddr4-2133",
    org: DDR4_X16_8GB_X64,
    timing: DDR4_2133_BIN.timing(),
    mapping: SEQUENTIAL_MAPPING,
    source: "JESD79-4 speed bin DDR4-2133P (15-15-15), timing parameters by speed bin (x16, \
             2 KB page), refresh parameters by density (8 Gb: tRFC1 350 ns); clock 1066.5 MHz = \
             2133 MT/s, peak 17.064 GB/s",
    power: Some(&DDR4_2133_X16_POWER),
};

/// DDR4-2133 x64 channel of x8 8 Gb chips (eight of them, 1 KB page).
pub const DDR4_2133_X8: Preset = Preset {
    name: "ddr4-2133-x8",
    org: DDR4_X8_8GB_X64,
    timing: DDR4_2133_X8_BIN.timing(),
    mapping: SEQUENTIAL_MAPPING,
    source: "JESD79-4 speed bin DDR4-2133P (15-15-15), x8 (1 KB page), 8 Gb: tRFC1 350 ns",
    power: Some(&DDR4_2133_X8_POWER),
};

/// DDR4-2400 x64 channel of x8 8 Gb chips.
pub const DDR4_2400: Preset = Preset {
    name: "ddr4-2400",
    org: DDR4_X8_8GB_X64,
    timing: DDR4_2400_BIN.timing(),
    mapping: SEQUENTIAL_MAPPING,
    source: "JESD79-4 speed bin DDR4-2400R (16-16-16), x8 (1 KB page), 8 Gb: tRFC1 350 ns",
    power: Some(&DDR4_2400_X8_POWER),
};

/// DDR4-2400 x64 channel of x16 8 Gb chips (four of them, 2 KB page). The timing is the same
/// JEDEC 2400R bin as [`DDR4_2400`] (gem5's MT40A512M16 interface, the power table's source, runs
/// 17-17-17 instead); only tRRD_S, tRRD_L and tFAW follow the larger page.
pub const DDR4_2400_X16: Preset = Preset {
    name: "ddr4-2400-x16",
    org: DDR4_X16_8GB_X64,
    timing: DDR4_2400_X16_BIN.timing(),
    mapping: SEQUENTIAL_MAPPING,
    source: "JESD79-4 speed bin DDR4-2400R (16-16-16), x16 (2 KB page), 8 Gb: tRFC1 350 ns",
    power: Some(&DDR4_2400_X16_POWER),
};

/// DDR4-3200 x64 channel of x8 8 Gb chips.
pub const DDR4_3200: Preset = Preset {
    name: "ddr4-3200",
    org: DDR4_X8_8GB_X64,
    timing: DDR4_3200_BIN.timing(),
    mapping: SEQUENTIAL_MAPPING,
    source: "JESD79-4 speed bin DDR4-3200AA (22-22-22), x8 (1 KB page), 8 Gb: tRFC1 350 ns",
    power: Some(&DDR4_3200_X8_POWER),
};

/// DDR4-3200 x64 channel of x16 8 Gb chips (four of them, 2 KB page).
pub const DDR4_3200_X16: Preset = Preset {
    name: "ddr4-3200-x16",
    org: DDR4_X16_8GB_X64,
    timing: DDR4_3200_X16_BIN.timing(),
    mapping: SEQUENTIAL_MAPPING,
    source: "JESD79-4 speed bin DDR4-3200AA (22-22-22), x16 (2 KB page), 8 Gb: tRFC1 350 ns",
    power: Some(&DDR4_3200_X16_POWER),
};

// ---------------------------------------------------------------------------------------------
// HBM2 (JESD235), one pseudo-channel in pseudo-channel mode: 64-bit bus, BL4 (a burst holds the
// bus 2 clocks and moves 32 B), 4 bank groups × 4 banks. JESD235 is not public; the array timings
// are those DRAMSys ships in its HBM2 memspec (read from a production HBM2 part at 1000 MHz, so
// one clock = 1 ns): tRCDRD 12, tRCDWR 6, tRP 14, tRAS 28, tRC 42, tRRD_S 4, tRRD_L 6, tFAW 16,
// tWTR_S 4, tWTR_L 9, tRTP 5, tWR 14, RL 17, WL 7, tCCD_S 2 nCK, tCCD_L 3 nCK. DRAMsim3's HBM2
// config is more conservative (tRCD 14, tRAS 34, tFAW 30, CL 14) and Ramulator 2's HBM2 table
// reuses 500 MHz HBM1 values with nBL 4 (twice the real burst time, which halves bandwidth).
// tRFC: 260 ns, the all-bank value for a 4 Gb channel (DRAMsim3 and Ramulator 2 agree; DRAMSys
// has 220 ns). tREFI 3.9 us. Geometry is the U280/U50 stack: 4 Gb per channel, so a
// pseudo-channel holds 2 Gb = 256 MB = 16 banks × 16 Ki rows × 1 KB pages.
// Power-down: tXP 8 ns and tCKE 8 ns, as DRAMsim3's configs/HBM2_8Gb_x128.ini gives them (tXP 8,
// tCKE 8 nCK at tCK 1 ns); the only source found (DRAMSys' HBM2 memspec and Ramulator 2 were not
// checked for them): UNVERIFIED against JESD235.
// ---------------------------------------------------------------------------------------------

const fn hbm2_bin(clock: Clock) -> SpeedBin {
    SpeedBin {
        clock,
        bl: 4,
        cl: Spec::ps(17_000),
        cwl: Spec::ps(7_000),
        rcd: Spec::ps(12_000),
        rcd_wr: Spec::ps(6_000),
        rp: Spec::ps(14_000),
        ras: Spec::ps(28_000),
        rc: Spec::ps(42_000),
        ccd_s: Spec::ck(2),
        ccd_l: Spec::ck(3),
        rrd_s: Spec::ps(4_000),
        rrd_l: Spec::ps(6_000),
        faw: Spec::ps(16_000),
        wtr_s: Spec::ps(4_000),
        wtr_l: Spec::ps(9_000),
        rtp: Spec::ps(5_000),
        wr: Spec::ps(14_000),
        rfc: Spec::ps(260_000),
        refi: Picos(3_900_000),
        rtrs: 0,
        xp: Spec::ps(8_000),
        cke: Spec::ps(8_000),
    }
}

/// One HBM2 pseudo-channel at 2.0 Gb/s per pin (1000 MHz), JESD235A's top rate.
pub const HBM2_2000_BIN: SpeedBin = hbm2_bin(Clock::from_khz(1_000_000));

/// One HBM2 pseudo-channel at 1.8 Gb/s per pin (900 MHz), the rate of the U280 HBM controller.
pub const HBM2_1800_BIN: SpeedBin = hbm2_bin(Clock::from_khz(900_000));

const HBM2_PC_4GB_CHANNEL: Organization = Organization {
    ranks: 1,
    bank_groups: 4,
    banks_per_group: 4,
    rows: 16_384,
    columns: 128,
    bus_bits: 64,
    command_bus: CommandBus::RowColumn,
};

/// One HBM2 pseudo-channel at 1000 MHz: 16 GB/s peak; a stack's 16 pseudo-channels give 256 GB/s,
/// two stacks (32) 512 GB/s.
pub const HBM2: Preset = Preset {
    name: "hbm2",
    org: HBM2_PC_4GB_CHANNEL,
    timing: HBM2_2000_BIN.timing(),
    mapping: SEQUENTIAL_MAPPING,
    source: "JESD235A pseudo-channel mode (64-bit, BL4, 4 BG x 4 banks), 2.0 Gb/s/pin; array \
             timings from the DRAMSys HBM2 memspec, tRFC 260 ns for a 4 Gb channel",
    power: Some(&HBM2_POWER),
};

/// One HBM2 pseudo-channel at 900 MHz as on the Alveo U280: 14.4 GB/s peak; 32 pseudo-channels
/// give 460.8 GB/s.
pub const HBM2_900: Preset = Preset {
    name: "hbm2-900",
    org: HBM2_PC_4GB_CHANNEL,
    timing: HBM2_1800_BIN.timing(),
    mapping: SEQUENTIAL_MAPPING,
    source: "as hbm2, re-derived at 900 MHz (1.8 Gb/s/pin, the U280 HBM clock)",
    power: Some(&HBM2_POWER),
};

/// Every preset, in lookup order.
pub const PRESETS: [&Preset; 8] = [
    &DDR4_2133,
    &DDR4_2133_X8,
    &DDR4_2400,
    &DDR4_2400_X16,
    &DDR4_3200,
    &DDR4_3200_X16,
    &HBM2,
    &HBM2_900,
];

/// The preset called `name` (`ddr4-2133`, `ddr4-2133-x8`, `ddr4-2400`, `ddr4-2400-x16`,
/// `ddr4-3200`, `ddr4-3200-x16`, `hbm2`, `hbm2-900`; ASCII case ignored).
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS
        .iter()
        .copied()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_validates() {
        for p in PRESETS {
            p.timing
                .validate()
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            p.org
                .validate(p.timing.bl)
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
        }
    }

    #[test]
    fn ddr4_2133_matches_the_speed_bin_in_clocks() {
        let t = DDR4_2133.timing;
        let got = [
            t.cl, t.cwl, t.rcd, t.rp, t.ras, t.rc, t.ccd_s, t.ccd_l, t.rrd_s, t.rrd_l, t.faw,
            t.wtr_s, t.wtr_l, t.rtp, t.wr, t.rfc, t.refi, t.rtw,
        ];
        // 15-15-15, tRAS 36, tRC 51, x16 tRRD 6/7 and tFAW 32, tRFC 374, tREFI 8318.
        let want = [
            15, 11, 15, 15, 36, 51, 4, 6, 6, 7, 32, 3, 8, 8, 16, 374, 8318, 10,
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn ddr4_2400_and_3200_match_their_speed_bins_in_clocks() {
        let t = DDR4_2400.timing;
        assert_eq!(
            [t.cl, t.cwl, t.rcd, t.rp, t.ras, t.rc, t.ccd_l, t.rrd_s, t.rrd_l, t.faw],
            [16, 12, 16, 16, 39, 55, 6, 4, 6, 26]
        );
        assert_eq!(
            [t.wtr_s, t.wtr_l, t.rtp, t.wr, t.rfc, t.refi],
            [3, 9, 9, 18, 420, 9360]
        );
        let t = DDR4_3200.timing;
        assert_eq!(
            [t.cl, t.cwl, t.rcd, t.rp, t.ras, t.rc, t.ccd_l, t.rrd_s, t.rrd_l, t.faw],
            [22, 16, 22, 22, 52, 74, 8, 4, 8, 34]
        );
        assert_eq!(
            [t.wtr_s, t.wtr_l, t.rtp, t.wr, t.rfc, t.refi],
            [4, 12, 12, 24, 560, 12480]
        );
    }

    #[test]
    fn the_other_page_size_changes_only_trrd_and_tfaw() {
        // JESD79-4: x8 (1 KB page) tRRD_S/tRRD_L/tFAW 3.7/5.3/21 ns at 2133; x16 (2 KB page)
        // 5.3/6.4/30 ns at every rate used here. 2133: 4/6/23 clocks for x8; 2400: 7/8/36 for x16;
        // 3200: 9/11/48 for x16 (DRAMPower's MICRON_8Gb_DDR4-3200_16bit_G has the same).
        let t = DDR4_2133_X8.timing;
        assert_eq!([t.rrd_s, t.rrd_l, t.faw], [4, 6, 23]);
        let t = DDR4_2400_X16.timing;
        assert_eq!([t.rrd_s, t.rrd_l, t.faw], [7, 8, 36]);
        let t = DDR4_3200_X16.timing;
        assert_eq!([t.rrd_s, t.rrd_l, t.faw], [9, 11, 48]);
    }

    #[test]
    fn x8_and_x16_siblings_differ_only_in_page_size_timing_and_organization() {
        let pairs = [
            (&DDR4_2133_X8, &DDR4_2133),
            (&DDR4_2400, &DDR4_2400_X16),
            (&DDR4_3200, &DDR4_3200_X16),
        ];
        for (x8, x16) in pairs {
            let mut t = x16.timing;
            assert!(
                t.rrd_s > x8.timing.rrd_s && t.rrd_l > x8.timing.rrd_l && t.faw > x8.timing.faw,
                "{}: the 2 KB page spaces ACTs further",
                x16.name
            );
            t.rrd_s = x8.timing.rrd_s;
            t.rrd_l = x8.timing.rrd_l;
            t.faw = x8.timing.faw;
            assert_eq!(t, x8.timing, "{} vs {}", x8.name, x16.name);
            assert_eq!(x8.org, DDR4_X8_8GB_X64, "{}", x8.name);
            assert_eq!(x16.org, DDR4_X16_8GB_X64, "{}", x16.name);
            // 8 Gb = 1 GiB per chip: eight x8 chips or four x16 chips on the 64-bit bus.
            assert_eq!(x8.org.capacity_bytes(), 8 << 30);
            assert_eq!(x16.org.capacity_bytes(), 4 << 30);
            assert_eq!(x8.peak_bytes_per_s(), x16.peak_bytes_per_s());
            assert_eq!(x8.mapping, x16.mapping);
            let (p8, p16) = (x8.power.unwrap(), x16.power.unwrap());
            assert_eq!((p8.device_bits, p16.device_bits), (8, 16));
            assert_eq!((p8.io, p16.io), (Some(DDR4_IO), Some(DDR4_IO)));
        }
    }

    #[test]
    fn power_down_timings_derive_per_bin() {
        // tXP max(4 nCK, 6 ns), tCKE max(3 nCK, 5 ns); HBM2 8 ns each.
        let got = |p: &Preset| (p.timing.xp, p.timing.cke);
        assert_eq!(got(&DDR4_2133), (7, 6));
        assert_eq!(got(&DDR4_2133_X8), (7, 6));
        assert_eq!(got(&DDR4_2400), (8, 6));
        assert_eq!(got(&DDR4_2400_X16), (8, 6));
        assert_eq!(got(&DDR4_3200), (10, 8));
        assert_eq!(got(&DDR4_3200_X16), (10, 8));
        assert_eq!(got(&HBM2), (8, 8));
        assert_eq!(got(&HBM2_900), (8, 8)); // 7.2 clocks round up
    }

    #[test]
    fn hbm2_derives_at_both_clocks() {
        let t = HBM2.timing;
        assert_eq!(
            [t.bl, t.cl, t.cwl, t.rcd, t.rcd_wr, t.rp, t.ras, t.rc, t.ccd_s, t.ccd_l],
            [4, 17, 7, 12, 6, 14, 28, 42, 2, 3]
        );
        assert_eq!([t.rfc, t.refi, t.rtw], [260, 3900, 14]);
        let t = HBM2_900.timing;
        // 12 ns at 900 MHz is 10.8 clocks → 11; 260 ns → 234; 3.9 us → 3510.
        assert_eq!([t.cl, t.rcd, t.rp, t.rfc, t.refi], [16, 11, 13, 234, 3510]);
    }

    #[test]
    fn peaks_are_two_transfers_per_clock_times_bus_bytes() {
        assert_eq!(DDR4_2133.peak_bytes_per_s(), 17_064_000_000);
        assert_eq!(DDR4_2400.peak_bytes_per_s(), 19_200_000_000);
        assert_eq!(DDR4_3200.peak_bytes_per_s(), 25_600_000_000);
        assert_eq!(DDR4_2133_X8.peak_bytes_per_s(), 17_064_000_000);
        assert_eq!(DDR4_2400_X16.peak_bytes_per_s(), 19_200_000_000);
        assert_eq!(DDR4_3200_X16.peak_bytes_per_s(), 25_600_000_000);
        assert_eq!(HBM2.peak_bytes_per_s(), 16_000_000_000);
        assert_eq!(HBM2_900.peak_bytes_per_s(), 14_400_000_000);
        assert_eq!(32 * HBM2_900.peak_bytes_per_s(), 460_800_000_000);
    }

    #[test]
    fn presets_are_found_by_name_only() {
        for name in [
            "ddr4-2133",
            "ddr4-2133-x8",
            "ddr4-2400",
            "ddr4-2400-X16",
            "ddr4-3200",
            "ddr4-3200-x16",
            "hbm2",
            "HBM2-900",
        ] {
            assert!(preset(name).is_some(), "{name}");
        }
        for p in PRESETS {
            assert_eq!(preset(p.name).map(|q| q.name), Some(p.name));
        }
        assert!(preset("ddr4-2133-x16").is_none());
        assert!(preset("ddr4").is_none());
        assert!(preset("").is_none());
    }

    #[test]
    fn validation_names_the_field_and_the_rule() {
        let mut t = DDR4_2133.timing;
        t.rc = t.ras + t.rp - 1;
        let e = t.validate().unwrap_err();
        assert_eq!(e.field, "rc");
        assert_eq!(
            e.reason,
            TimingIssue::Below {
                value: 50,
                min: 51,
                rule: "tRAS + tRP"
            }
        );
        assert!(e.to_string().contains("tRAS + tRP"), "{e}");

        let mut t = DDR4_2133.timing;
        t.rcd = 0;
        assert_eq!(t.validate().unwrap_err().field, "rcd");
        let mut t = DDR4_2133.timing;
        t.bl = 7;
        assert_eq!(t.validate().unwrap_err().reason, TimingIssue::OddBurst(7));
        let mut t = DDR4_2133.timing;
        t.ccd_s = 3;
        assert_eq!(t.validate().unwrap_err().field, "ccd_s");
        let mut t = DDR4_2133.timing;
        t.rtw = 7; // 15 + 4 - 11 = 8 is the least that keeps the bursts apart
        let e = t.validate().unwrap_err();
        assert_eq!(e.field, "rtw");
        assert_eq!(
            e.reason,
            TimingIssue::Below {
                value: 7,
                min: 8,
                rule: "CL + BL/2 − CWL (write data would collide with read data)"
            }
        );
        let mut t = DDR4_2133.timing;
        t.refi = t.rfc;
        assert_eq!(t.validate().unwrap_err().field, "refi");
        let mut t = DDR4_2133.timing;
        t.clock.khz = 0;
        assert_eq!(t.validate().unwrap_err().field, "clock");
    }

    #[test]
    fn organization_rejects_non_powers_of_two_and_short_rows() {
        let mut o = DDR4_2133.org;
        o.rows = 3000;
        assert_eq!(
            o.validate(8),
            Err(OrgError::NotPowerOfTwo {
                field: "rows",
                value: 3000
            })
        );
        let mut o = DDR4_2133.org;
        o.columns = 4;
        assert_eq!(
            o.validate(8),
            Err(OrgError::RowShorterThanBurst { columns: 4, bl: 8 })
        );
        assert_eq!(DDR4_2133.org.capacity_bytes(), 4 << 30);
        assert_eq!(HBM2.org.capacity_bytes(), 256 << 20);
    }
}
