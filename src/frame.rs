//! The options every frame-running command shares, and the weights and frame spec they produce.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use golden::model::forward::FrameSpec;
use golden::model::weights::{self, Loaded, Source, Weights};

use crate::config::Config;

/// `--config`, `--task`, `--seed`, `--weights`.
#[derive(Args, Debug, Clone)]
pub struct FrameArgs {
    /// Design point (TOML); the embedded Edge-MoE ZCU102 default when absent.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Task whose gate routes the MoE layers (0 = segmentation, 1 = depth).
    #[arg(long, default_value_t = 0)]
    pub task: usize,
    /// Seed for random weights, and for the expert matrices the public weights lack.
    #[arg(long, default_value_t = weights::DEFAULT_SEED)]
    pub seed: u64,
    /// Edge-MoE's float32 `.bin` folder or a `.safetensors` file; seeded random weights when absent.
    #[arg(long)]
    pub weights: Option<PathBuf>,
}

/// A loaded frame: config, float and quantised weights, and what the loader made up.
pub struct LoadedFrame {
    /// The design point.
    pub config: Config,
    /// Float weights.
    pub loaded: Loaded,
    /// Raw fixed-point weights.
    pub fixed: Weights<i64>,
}

impl FrameArgs {
    /// Loads the config and weights; errors name the file.
    pub fn load(&self) -> anyhow::Result<LoadedFrame> {
        let config = Config::load(self.config.as_deref())?;
        let source = match &self.weights {
            Some(p) if !p.exists() => {
                anyhow::bail!("{}: no such file or folder (--weights)", p.display())
            }
            Some(p) => Source::from_path(p),
            None => Source::Random,
        };
        if self.task >= config.raw.model.tasks {
            anyhow::bail!(
                "--task {}: the model has {} tasks (0..={})",
                self.task,
                config.raw.model.tasks,
                config.raw.model.tasks - 1
            );
        }
        let loaded =
            weights::load(&config.raw.model, &source, self.seed).context("loading weights")?;
        let fixed = loaded.weights.quantize(&config.numerics);
        Ok(LoadedFrame {
            config,
            loaded,
            fixed,
        })
    }
}

impl LoadedFrame {
    /// The frame spec for `task`.
    pub fn spec(&self, task: usize) -> FrameSpec<'_> {
        FrameSpec {
            model: &self.config.raw.model,
            numerics: &self.config.numerics,
            attn_lanes: self.config.raw.arch.attn_lanes,
            beat: self.config.raw.arch.beat,
            task,
        }
    }

    /// The simulator's design point for `task`.
    pub fn sim_spec(&self, task: usize) -> sim::SimSpec<'_> {
        let c = &self.config.raw;
        sim::SimSpec {
            model: &c.model,
            numerics: &self.config.numerics,
            arch: &c.arch,
            axi: &c.axi,
            memory: &c.memory,
            task,
        }
    }
}
