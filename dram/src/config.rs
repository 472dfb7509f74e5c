//! Controller configuration: the channel (timing, organisation, mapping) and the scheduler's
//! knobs, checked once into typed errors before a [`crate::Controller`] is built.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::mapping::{AddressMap, Mapping, MappingError};
use crate::standard::{self, OrgError, Organization, Preset, Timing, TimingError};

/// When a row is closed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PagePolicy {
    /// Rows stay open until another row of the bank is needed or refresh comes: streams hit.
    #[default]
    Open,
    /// Every access auto-precharges (RDA/WRA): no conflicts, no hits; each access pays tRCD.
    Closed,
}

/// Everything a controller needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DramConfig {
    /// Timing in clocks.
    pub timing: Timing,
    /// Channel shape.
    pub org: Organization,
    /// Address mapping, most significant field first (see [`crate::mapping`]).
    pub mapping: Mapping,
    /// Page policy.
    pub policy: PagePolicy,
    /// Read queue entries.
    pub read_queue: usize,
    /// Write queue entries.
    pub write_queue: usize,
    /// Writes waiting at which the controller stops reading and drains writes.
    pub write_high: usize,
    /// Writes waiting at which a drain stops if reads wait (a drain also runs while no read
    /// waits).
    pub write_low: usize,
    /// Younger row hits a bank may serve ahead of its oldest request before that request's row
    /// gets opened (bounds FR-FCFS starvation; 0 makes each bank first-come first-served).
    pub row_hit_cap: u32,
    /// Keep every issued command for [`crate::Controller::commands`] (costs memory).
    pub record_commands: bool,
    /// Clocks a rank must sit idle (nothing queued for it, no command in flight) before the
    /// controller powers it down (PDE); 0 never powers down. Must stay below tREFI − tRFC, the
    /// longest idle stretch refresh leaves: a larger threshold could never be reached.
    #[serde(default)]
    pub power_down_idle: u64,
}

/// Why a configuration is unusable.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// No preset has this name.
    #[error(
        "no DRAM preset named {0:?} (known: ddr4-2133, ddr4-2133-x8, ddr4-2400, ddr4-2400-x16, \
         ddr4-3200, ddr4-3200-x16, hbm2, hbm2-900)"
    )]
    UnknownPreset(String),
    /// The timing is inconsistent.
    #[error(transparent)]
    Timing(#[from] TimingError),
    /// The organisation is unusable.
    #[error(transparent)]
    Organization(#[from] OrgError),
    /// The mapping does not fit the organisation.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// A queue setting is out of range.
    #[error("{field} = {value}: {reason}")]
    Queue {
        /// The field.
        field: &'static str,
        /// Its value.
        value: usize,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The power-down threshold can never be reached.
    #[error(
        "power_down_idle = {value}: must be below tREFI − tRFC = {max} clocks (every refresh \
         restarts the idle count), or 0 for no power-down"
    )]
    PowerDownIdle {
        /// Its value.
        value: u64,
        /// tREFI − tRFC.
        max: u64,
    },
}

/// Largest queue; per-bank lists are scanned, so very deep queues would slow the scheduler.
pub const MAX_QUEUE: usize = 1024;

impl DramConfig {
    /// Defaults around a preset: open page, 32-entry queues, drain writes from 24 down to 8,
    /// row-hit cap 16, no command recording.
    pub fn from_preset(p: &Preset) -> Result<Self, ConfigError> {
        Ok(DramConfig {
            timing: p.timing,
            org: p.org,
            mapping: p.mapping.parse()?,
            policy: PagePolicy::Open,
            read_queue: 32,
            write_queue: 32,
            write_high: 24,
            write_low: 8,
            row_hit_cap: 16,
            record_commands: false,
            power_down_idle: 0,
        })
    }

    /// [`DramConfig::from_preset`] by preset name.
    pub fn preset(name: &str) -> Result<Self, ConfigError> {
        let p = standard::preset(name).ok_or_else(|| ConfigError::UnknownPreset(name.into()))?;
        Self::from_preset(p)
    }

    /// Peak bandwidth of the channel in bytes/s.
    pub fn peak_bytes_per_s(&self) -> u64 {
        standard::peak_bytes_per_s(self.timing.clock, self.org.bus_bits)
    }

    /// Checks everything and resolves the mapping.
    pub fn validate(&self) -> Result<AddressMap, ConfigError> {
        self.timing.validate()?;
        self.org.validate(self.timing.bl)?;
        let map = AddressMap::new(&self.mapping, &self.org, self.timing.bl)?;
        let queue = |field, value: usize, ok: bool, reason| {
            if ok {
                Ok(())
            } else {
                Err(ConfigError::Queue {
                    field,
                    value,
                    reason,
                })
            }
        };
        let (r, w) = (self.read_queue, self.write_queue);
        queue(
            "read_queue",
            r,
            (1..=MAX_QUEUE).contains(&r),
            "must be 1..=1024",
        )?;
        queue(
            "write_queue",
            w,
            (1..=MAX_QUEUE).contains(&w),
            "must be 1..=1024",
        )?;
        queue(
            "write_high",
            self.write_high,
            (1..=w).contains(&self.write_high),
            "must be 1..=write_queue",
        )?;
        queue(
            "write_low",
            self.write_low,
            self.write_low < self.write_high,
            "must be below write_high",
        )?;
        let max = (self.timing.refi - self.timing.rfc) as u64;
        if self.power_down_idle >= max {
            return Err(ConfigError::PowerDownIdle {
                value: self.power_down_idle,
                max,
            });
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_makes_a_valid_config() {
        for p in standard::PRESETS {
            let c = DramConfig::from_preset(p).unwrap();
            c.validate().unwrap();
        }
    }

    #[test]
    fn the_unknown_preset_error_lists_every_preset() {
        let msg = ConfigError::UnknownPreset("ddr5".into()).to_string();
        for p in standard::PRESETS {
            assert!(
                msg.contains(&format!(" {},", p.name)) || msg.contains(&format!(" {})", p.name)),
                "{msg} lacks {}",
                p.name
            );
        }
    }

    #[test]
    fn bad_settings_are_typed_errors() {
        assert_eq!(
            DramConfig::preset("ddr5"),
            Err(ConfigError::UnknownPreset("ddr5".into()))
        );
        let mut c = DramConfig::preset("ddr4-2133").unwrap();
        c.write_low = c.write_high;
        assert!(matches!(
            c.validate(),
            Err(ConfigError::Queue {
                field: "write_low",
                ..
            })
        ));
        let mut c = DramConfig::preset("ddr4-2133").unwrap();
        c.read_queue = 0;
        assert!(matches!(
            c.validate(),
            Err(ConfigError::Queue {
                field: "read_queue",
                ..
            })
        ));
        let mut c = DramConfig::preset("ddr4-2133").unwrap();
        c.power_down_idle = (c.timing.refi - c.timing.rfc) as u64;
        assert_eq!(
            c.validate().unwrap_err(),
            ConfigError::PowerDownIdle {
                value: 8318 - 374,
                max: 8318 - 374
            }
        );
        c.power_down_idle -= 1;
        assert!(c.validate().is_ok());
        let mut c = DramConfig::preset("hbm2").unwrap();
        c.mapping = "ro-ba-co".parse().unwrap();
        assert!(matches!(c.validate(), Err(ConfigError::Mapping(_))));
        let mut c = DramConfig::preset("hbm2").unwrap();
        c.timing.rp = 0;
        assert!(matches!(c.validate(), Err(ConfigError::Timing(_))));
        let mut c = DramConfig::preset("hbm2").unwrap();
        c.org.rows = 1000;
        assert!(matches!(c.validate(), Err(ConfigError::Organization(_))));
    }
}
