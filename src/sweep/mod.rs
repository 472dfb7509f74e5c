//! `edgemoe sweep`: many design points at once, in parallel, resumable and shardable, with a report of
//! the Pareto fronts. `space` reads the axes, `golden` runs each distinct numerics once, `point`
//! evaluates one design point, `store` keeps the results folder, `report` draws it.

pub mod front;
pub mod golden;
pub mod point;
pub mod report;
pub mod result;
pub mod space;
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use rayon::prelude::*;

use self::result::{Manifest, PointResult, Status};
use self::space::{Point, Space};
use self::store::Shard;
use crate::exit;

/// Options of `sweep`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    action: Option<SweepAction>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum SweepAction {
    /// Join the shard files of a sweep folder into results.jsonl and write its report.
    Merge {
        /// The sweep's --out folder.
        dir: PathBuf,
    },
    /// Write the charts, report.html and best.toml again from a sweep folder's results.jsonl.
    Report {
        /// The sweep's --out folder.
        dir: PathBuf,
    },
}

/// `sweep --space F --out DIR`.
#[derive(Args, Debug)]
struct RunArgs {
    /// The space file (TOML): the axes and how to sample them (see the README).
    #[arg(long, required = true)]
    space: Option<PathBuf>,
    /// The results folder: sweep.json, results.jsonl, the charts and report.html. Rerunning into the
    /// same folder resumes.
    #[arg(long, required = true)]
    out: Option<PathBuf>,
    /// Points simulated at once; the machine's cores when absent.
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only shard I of N (points whose id is I mod N) into results.shard-I-of-N.jsonl; join the
    /// shards with `sweep merge DIR`.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Stop after this many new points (the rest resumes on the next run): for trying a space out.
    #[arg(long, hide = true)]
    limit: Option<usize>,
}

/// Runs the command.
pub fn run(args: &SweepArgs) -> anyhow::Result<i32> {
    match &args.action {
        Some(SweepAction::Merge { dir }) => {
            let results = store::merge(dir)?;
            println!(
                "merged {} points into {}",
                results.len(),
                dir.join(store::RESULTS).display()
            );
            finish(dir, &store::manifest(dir)?, &results)?;
            Ok(exit::OK)
        }
        Some(SweepAction::Report { dir }) => {
            let manifest = store::manifest(dir)?;
            let (results, _) = store::read(&dir.join(store::RESULTS))?;
            if results.is_empty() {
                anyhow::bail!(
                    "{}: no results (a sharded sweep needs `edgemoe sweep merge` first)",
                    dir.join(store::RESULTS).display()
                );
            }
            finish(dir, &manifest, &results)?;
            Ok(exit::OK)
        }
        None => {
            let (Some(space), Some(out)) = (&args.run.space, &args.run.out) else {
                anyhow::bail!("sweep needs --space F and --out DIR");
            };
            sweep(space, out, &args.run)
        }
    }
}

fn sweep(space_path: &Path, out: &Path, args: &RunArgs) -> anyhow::Result<i32> {
    let t0 = Instant::now();
    let space = Space::load(space_path)?;
    let points = space.points()?;
    let manifest = Manifest {
        space_file: space.file.clone(),
        space: space.text.clone(),
        points: points.len(),
        axes: space
            .axes
            .iter()
            .map(|a| (a.name(), a.values.iter().map(|v| join(v)).collect()))
            .collect(),
        sample: space.sample.name().to_string(),
        seed: space.n.map(|_| space.seed),
        board: space.base.raw.board.name.clone(),
        default_point: points
            .iter()
            .find(|p| p.config.raw == space.base.raw)
            .map(|p| p.id),
    };
    store::claim(out, &manifest)?;
    let path = store::results_path(out, args.shard);
    let (done, keep) = store::read(&path)?;
    let done_ids: std::collections::HashSet<usize> = done.iter().map(|r| r.id).collect();
    let mut todo: Vec<&Point> = points
        .iter()
        .filter(|p| args.shard.is_none_or(|s| s.owns(p.id)) && !done_ids.contains(&p.id))
        .collect();
    if let Some(limit) = args.limit {
        todo.truncate(limit);
    }
    let jobs = crate::batch::jobs(args.jobs);
    eprintln!(
        "sweep: {} points ({} sample of {} combinations, {} timing), {} here{}, {} already done, {} to run on {jobs} threads",
        points.len(),
        space.sample.name(),
        space.size(),
        space.timing.name(),
        points
            .iter()
            .filter(|p| args.shard.is_none_or(|s| s.owns(p.id)))
            .count(),
        args.shard
            .map(|s| format!(" (shard {}/{})", s.index, s.count))
            .unwrap_or_default(),
        done.len(),
        todo.len()
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .context("starting the worker threads")?;
    let appender = store::Appender::open(&path, keep)?;
    let finished = pool.install(|| -> anyhow::Result<Vec<PointResult>> {
        let refs = golden::references(&todo, space.task, space.seed, space.weights.as_deref())?;
        let bar = indicatif::ProgressBar::new(todo.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "sweep [{bar:40}] {pos}/{len} points {elapsed} (eta {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        let count = AtomicUsize::new(0);
        let cache = sim::SegmentCache::new();
        let out = todo
            .par_iter()
            .map(|p| {
                let key = golden::GoldenKey::of(&p.config);
                let r = point::evaluate(p, &refs[&key], space.task, space.timing, &cache);
                appender.append(&r)?;
                bar.set_position(count.fetch_add(1, Ordering::Relaxed) as u64 + 1);
                Ok(r)
            })
            .collect::<anyhow::Result<Vec<_>>>();
        bar.finish_and_clear();
        out
    })?;
    let ran = finished.len();
    let mut all = done;
    all.extend(finished);
    store::write_sorted(&path, &mut all)?;
    let secs = t0.elapsed().as_secs_f64();
    eprintln!(
        "sweep: {ran} points in {secs:.1} s ({:.1} ms a point on {jobs} thread{})",
        if ran > 0 {
            secs * 1e3 / ran as f64
        } else {
            0.0
        },
        if jobs == 1 { "" } else { "s" }
    );
    let owned = points
        .iter()
        .filter(|p| args.shard.is_none_or(|s| s.owns(p.id)))
        .count();
    if all.len() < owned {
        println!(
            "{} of {owned} points done in {}: rerun the same command to go on",
            all.len(),
            path.display()
        );
    } else if args.shard.is_some() {
        println!(
            "shard done: {} points in {}; when every shard is done: edgemoe sweep merge {}",
            all.len(),
            path.display(),
            out.display()
        );
    } else {
        finish(out, &manifest, &all)?;
    }
    Ok(exit::OK)
}

/// The report of a complete sweep, `best.toml` (the best point that fits, `report::best_point`, ready
/// for `simulate`, `codegen` or `cosim`), and a summary on stdout.
fn finish(dir: &Path, manifest: &Manifest, all: &[PointResult]) -> anyhow::Result<()> {
    let written = report::write(dir, manifest, all)?;
    let best = written.best.and_then(|id| all.iter().find(|r| r.id == id));
    summarise(dir, all, best);
    if let Some(best) = best {
        let path = dir.join("best.toml");
        let text = format!(
            "# Point {} of {}: the best design point that fits {} ({:.3} ms).\n{}",
            best.id, manifest.space_file, manifest.board, best.latency_ms, best.config
        );
        crate::output::write_atomic(&path, text.as_bytes())?;
        println!("its config: {}", path.display());
    }
    if let Some(html) = written.files.last() {
        println!("report: {}", html.display());
    }
    Ok(())
}

/// A tied axis's value as one TOML value (an array when fields move together).
fn join(v: &[toml::Value]) -> toml::Value {
    match v {
        [one] => one.clone(),
        many => toml::Value::Array(many.to_vec()),
    }
}

/// Prints what a finished sweep found: the outcome counts and the best point that fits.
fn summarise(dir: &Path, all: &[PointResult], best: Option<&PointResult>) {
    let count = |s: Status| all.iter().filter(|r| r.status == s).count();
    println!(
        "{} points: {} fit the board, {} do not, {} failed; results in {}",
        all.len(),
        count(Status::Ok),
        count(Status::Infeasible),
        count(Status::Failed),
        dir.join(store::RESULTS).display()
    );
    if let Some(best) = best {
        let values: Vec<String> = best
            .values
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        println!(
            "best that fits (the fastest; within 0.2% of it, the most accurate): point {} at {:.3} ms ({} cycles): {}",
            best.id,
            best.latency_ms,
            best.latency_cycles,
            values.join(", ")
        );
        if let Some(e) = &best.energy {
            println!(
                "  its energy: {:.1} mJ a frame at {:.2} W average, {:.2} GOPS/W",
                e.energy_mj, e.power_w, e.gops_per_w
            );
        }
        println!("  what limits it: {}", limits(all, best));
        let points: Vec<&PointResult> = all.iter().collect();
        match front::least_energy(&points).and_then(|id| all.iter().find(|r| r.id == id)) {
            Some(f) if f.id != best.id => {
                if let Some(e) = &f.energy {
                    println!(
                        "least energy that fits: point {} at {:.1} mJ a frame ({:.3} ms, {:.2} W)",
                        f.id, e.energy_mj, f.latency_ms, e.power_w
                    );
                }
            }
            Some(_) => println!("least energy that fits: the same point"),
            None => {}
        }
    }
}

/// Why the best point is not faster: the faster points the board cannot hold (by the resource they
/// overuse), its fullest resource, and where its cycles go.
fn limits(all: &[PointResult], best: &PointResult) -> String {
    let mut parts = Vec::new();
    let faster: Vec<&PointResult> = all
        .iter()
        .filter(|r| r.status == Status::Infeasible && r.latency_ms < best.latency_ms)
        .collect();
    if !faster.is_empty() {
        let mut by: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for r in &faster {
            for o in &r.over {
                *by.entry(o.resource.as_str()).or_default() += 1;
            }
        }
        let over: Vec<String> = by.iter().map(|(k, n)| format!("{k} {n}")).collect();
        parts.push(format!(
            "{} faster points do not fit (over: {})",
            faster.len(),
            over.join(", ")
        ));
    }
    if let Some((k, u)) = best
        .utilization
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
    {
        parts.push(format!("its fullest resource is {k} at {:.1}%", u * 100.0));
    }
    let mut units: Vec<(&String, &u64)> = best.unit_cycles.iter().collect();
    units.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let total = best.latency_cycles.max(1) as f64;
    let top: Vec<String> = units
        .iter()
        .take(3)
        .map(|(u, c)| format!("{u} {:.0}%", **c as f64 * 100.0 / total))
        .collect();
    parts.push(format!("its cycles go to {}", top.join(", ")));
    parts.join("; ")
}
