//! What golden says of a design point before its cycles are counted: how the gates route the MoE
//! layers (the timing-only simulation replays it) and how far the fixed-point frame is from its f64
//! twin (the accuracy axis). Both depend only on the model, the formats and the attention geometry,
//! so a sweep computes them once per distinct combination, however many points share it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use golden::model::config::ModelConfig;
use golden::model::forward::{forward_fixed, FrameSpec};
use golden::model::reference::forward_f64;
use golden::model::taps::Taps;
use golden::model::weights::{self, Loaded, Source};
use rayon::prelude::*;

use super::result::Accuracy;
use super::space::Point;
use crate::config::Config;

/// The fields golden's frame reads: points that agree on them share routing and accuracy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoldenKey(String);

impl GoldenKey {
    /// The key of a design point.
    pub fn of(c: &Config) -> GoldenKey {
        let model = toml::to_string(&c.raw.model).unwrap_or_default();
        let numerics = toml::to_string(&c.raw.numerics).unwrap_or_default();
        GoldenKey(format!(
            "{model}\n{numerics}\nlanes={} beat={}",
            c.raw.arch.attn_lanes, c.raw.arch.beat
        ))
    }
}

/// Routing and accuracy of one golden key.
#[derive(Clone, Debug)]
pub struct Reference {
    /// Expert queues per MoE layer, in metaqueue order.
    pub routing: sim::Routing,
    /// Fixed against f64 at the last block output.
    pub accuracy: Accuracy,
}

/// Golden's frame for every distinct key among `points`, in parallel; a key whose frame cannot run
/// (a format the kernels reject) maps to its reason, and its points fail with it.
pub fn references(
    points: &[&Point],
    task: usize,
    seed: u64,
    weights: Option<&Path>,
) -> anyhow::Result<BTreeMap<GoldenKey, Result<Reference, String>>> {
    let mut firsts: BTreeMap<GoldenKey, &Config> = BTreeMap::new();
    for p in points {
        firsts.entry(GoldenKey::of(&p.config)).or_insert(&p.config);
    }
    let source = match weights {
        Some(p) if !p.exists() => {
            anyhow::bail!("{}: no such file or folder ([sweep] weights)", p.display())
        }
        Some(p) => Source::from_path(p),
        None => Source::Random,
    };
    // Float weights and their f64 frame depend on the model only.
    let mut models: BTreeMap<String, &ModelConfig> = BTreeMap::new();
    for c in firsts.values() {
        models.insert(model_key(c), &c.raw.model);
    }
    let floats: BTreeMap<String, Float> = models
        .into_par_iter()
        .map(|(key, model)| {
            let loaded = weights::load(model, &source, seed).context("loading weights")?;
            let taps = forward_f64(model, &loaded.weights.to_f64(), task);
            anyhow::Ok((key, Float { loaded, taps }))
        })
        .collect::<anyhow::Result<_>>()?;
    let out = firsts
        .into_par_iter()
        .map(|(key, c)| {
            let f = &floats[&model_key(c)];
            (key, reference(c, &f.loaded, &f.taps, task))
        })
        .collect();
    Ok(out)
}

/// A model's float weights and its f64 frame.
struct Float {
    loaded: Loaded,
    taps: Taps<f64>,
}

fn model_key(c: &Config) -> String {
    toml::to_string(&c.raw.model).unwrap_or_default()
}

fn reference(
    c: &Config,
    loaded: &Loaded,
    float: &Taps<f64>,
    task: usize,
) -> Result<Reference, String> {
    let spec = FrameSpec {
        model: &c.raw.model,
        numerics: &c.numerics,
        attn_lanes: c.raw.arch.attn_lanes,
        beat: c.raw.arch.beat,
        task,
    };
    let fixed = loaded.weights.quantize(&c.numerics);
    let frame = forward_fixed(&spec, &fixed).map_err(|e| e.to_string())?;
    let routing = frame
        .routing
        .iter()
        .map(|(_, q)| {
            q.metaqueue
                .iter()
                .map(|&e| (e, q.queues[e].iter().map(|x| x.token).collect()))
                .collect()
        })
        .collect();
    let tap = format!("l{}.x", c.raw.model.depth.saturating_sub(1));
    let (fx, fl) = match (frame.taps.get(&tap), float.get(&tap)) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err(format!("golden recorded no tap {tap}")),
    };
    let (max_abs_err, mse, mae, _) = crate::verify::error_stats(
        c.numerics.fm,
        fx.values.iter().copied(),
        fl.values.iter().copied(),
    );
    Ok(Reference {
        routing,
        accuracy: Accuracy {
            tap,
            mse,
            mae,
            max_abs_err,
        },
    })
}
