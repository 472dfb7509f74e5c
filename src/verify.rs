//! `edgemoe verify`: the fixed-point frame against its f64 twin, tap by tap.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use golden::model::forward::{forward_fixed, FixedFrame};
use golden::model::reference::forward_f64;
use golden::model::taps::Taps;
use golden::units::layernorm::LnEvents;
use serde::Serialize;

use crate::exit;
use crate::frame::FrameArgs;
use crate::output::write_atomic;

/// Options of `verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    frame: FrameArgs,
    /// Write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write every fixed-point tap as DIR/<tap>.txt: one token per line, raw integers.
    #[arg(long, value_name = "DIR")]
    dump_taps: Option<PathBuf>,
    /// Largest MSE allowed at each block output `l<L>.x` (Edge-MoE's test bench passes at 0.1).
    #[arg(long, default_value_t = 0.1)]
    max_mse: f64,
}

/// Error of one tap, fixed against f64.
#[derive(Debug, Serialize)]
pub struct TapError {
    /// Tap name.
    pub name: String,
    /// max |fixed − f64|.
    pub max_abs_err: f64,
    /// mean (fixed − f64)².
    pub mse: f64,
    /// mean |fixed − f64|.
    pub mae: f64,
    /// max |f64|: the scale the error is relative to.
    pub max_abs_ref: f64,
    /// True when this tap is held to the threshold.
    pub checked: bool,
}

/// One MoE layer's routing.
#[derive(Debug, Serialize)]
pub struct RoutingReport {
    /// Block index.
    pub layer: usize,
    /// Experts with a non-empty queue.
    pub active_experts: usize,
    /// Queue length per expert.
    pub queue_lens: Vec<usize>,
}

/// The whole report (the `--json` document).
#[derive(Debug, Serialize)]
pub struct VerifyReport {
    /// Where the config came from.
    pub config: String,
    /// fm_t as configured.
    pub fm: String,
    /// The task.
    pub task: usize,
    /// The seed.
    pub seed: u64,
    /// The weights source.
    pub weights: String,
    /// What the loader generated instead of read.
    pub notices: Vec<String>,
    /// Per tap, in execution order.
    pub taps: Vec<TapError>,
    /// LayerNorm events (variance ≤ 0, rstd wrapped).
    pub layernorm_events: LnEvents,
    /// Per MoE layer.
    pub routing: Vec<RoutingReport>,
    /// The threshold on `l<L>.x` MSE.
    pub max_mse: f64,
    /// All checked taps within the threshold.
    pub pass: bool,
}

/// Runs `verify`; returns the exit code.
pub fn run(args: &VerifyArgs) -> anyhow::Result<i32> {
    let frame = args.frame.load()?;
    for n in &frame.loaded.notices {
        eprintln!("notice: {n}");
    }
    let spec = frame.spec(args.frame.task);
    let fixed = forward_fixed(&spec, &frame.fixed)?;
    let float = forward_f64(
        &frame.config.raw.model,
        &frame.loaded.weights.to_f64(),
        args.frame.task,
    );
    let report = compare(args, &frame, &fixed, &float);
    print!("{}", render(&report));
    if let Some(dir) = &args.dump_taps {
        dump_taps(dir, &fixed.taps)?;
        eprintln!(
            "wrote {} taps to {}",
            fixed.taps.entries.len(),
            dir.display()
        );
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report)?;
        write_atomic(path, text.as_bytes())?;
    }
    Ok(if report.pass {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}

fn compare(
    args: &VerifyArgs,
    frame: &crate::frame::LoadedFrame,
    fixed: &FixedFrame,
    float: &Taps<f64>,
) -> VerifyReport {
    let fm = frame.config.numerics.fm;
    let taps: Vec<TapError> = fixed
        .taps
        .entries
        .iter()
        .filter_map(|t| {
            let r = float.get(&t.name)?;
            let (max_abs_err, mse, mae, max_abs_ref) =
                error_stats(fm, t.values.iter().copied(), r.values.iter().copied());
            let checked = t.name.ends_with(".x");
            Some(TapError {
                name: t.name.clone(),
                max_abs_err,
                mse,
                mae,
                max_abs_ref,
                checked,
            })
        })
        .collect();
    let pass = taps
        .iter()
        .filter(|t| t.checked)
        .all(|t| t.mse <= args.max_mse);
    VerifyReport {
        config: frame.config.source.clone(),
        fm: fm.to_string(),
        task: args.frame.task,
        seed: args.frame.seed,
        weights: args
            .frame
            .weights
            .as_ref()
            .map_or("random".into(), |p| p.display().to_string()),
        notices: frame.loaded.notices.clone(),
        taps,
        layernorm_events: fixed.ln_events,
        routing: fixed
            .routing
            .iter()
            .map(|(layer, q)| RoutingReport {
                layer: *layer,
                active_experts: q.metaqueue.len(),
                queue_lens: q.queues.iter().map(Vec::len).collect(),
            })
            .collect(),
        max_mse: args.max_mse,
        pass,
    }
}

/// max |fixed − f64|, MSE, MAE and max |f64| of one tap (raw fm_t values against f64 ones).
pub fn error_stats(
    fm: golden::fixed::Format,
    fixed: impl Iterator<Item = i64>,
    float: impl Iterator<Item = f64>,
) -> (f64, f64, f64, f64) {
    let (mut n, mut max_abs_err, mut sq, mut abs, mut max_abs_ref) =
        (0usize, 0f64, 0f64, 0f64, 0f64);
    for (q, f) in fixed.zip(float) {
        let e = fm.to_f64(q) - f;
        n += 1;
        max_abs_err = max_abs_err.max(e.abs());
        sq += e * e;
        abs += e.abs();
        max_abs_ref = max_abs_ref.max(f.abs());
    }
    let n = n.max(1) as f64;
    (max_abs_err, sq / n, abs / n, max_abs_ref)
}

fn render(r: &VerifyReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "verify: fixed point ({}) vs f64, task {}, weights {}",
        r.fm, r.task, r.weights
    );
    let _ = writeln!(
        s,
        "{:<16} {:>12} {:>12} {:>12} {:>10}",
        "tap", "max|err|", "MSE", "MAE", "max|f64|"
    );
    for t in &r.taps {
        let mark = if t.checked {
            if t.mse <= r.max_mse {
                ""
            } else {
                "  <-- over threshold"
            }
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "{:<16} {:>12.4e} {:>12.4e} {:>12.4e} {:>10.3}{mark}",
            t.name, t.max_abs_err, t.mse, t.mae, t.max_abs_ref
        );
    }
    let e = &r.layernorm_events;
    let _ = writeln!(
        s,
        "layernorm events: {} token(s) with variance <= 0 (rstd := 0, output = beta), {} with rstd wrapped",
        e.var_nonpositive, e.rstd_wrapped
    );
    for q in &r.routing {
        let _ = writeln!(
            s,
            "routing l{}: {} active experts, queue lengths {:?} (sum {})",
            q.layer,
            q.active_experts,
            q.queue_lens,
            q.queue_lens.iter().sum::<usize>()
        );
    }
    let last = r.taps.iter().rev().find(|t| t.checked);
    let verdict = if r.pass { "PASS" } else { "FAIL" };
    match last {
        Some(t) => {
            let _ = writeln!(
                s,
                "{verdict}: every block output l<L>.x has MSE <= {} (final {}: MSE {:.4e}, MAE {:.4e})",
                r.max_mse, t.name, t.mse, t.mae
            );
        }
        None => {
            let _ = writeln!(s, "{verdict}: no block outputs to check");
        }
    }
    s
}

fn dump_taps(dir: &Path, taps: &Taps<i64>) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    for t in &taps.entries {
        let mut text = String::with_capacity(t.values.len() * 11);
        for row in t.values.rows() {
            let mut first = true;
            for v in row {
                if !first {
                    text.push(' ');
                }
                first = false;
                let _ = write!(text, "{v}");
            }
            text.push('\n');
        }
        write_atomic(&dir.join(format!("{}.txt", t.name)), text.as_bytes())?;
    }
    Ok(())
}
