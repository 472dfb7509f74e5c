//! The sweep's folder: `sweep.json` (what was asked), `results.jsonl` (a line per finished point, or
//! `results.shard-I-of-N.jsonl` per shard) and the report.
//!
//! A point's line is appended with one `write` as soon as it finishes, so a sweep killed at any moment
//! loses at most the line being written; reading tolerates that torn last line (and cuts it off before
//! appending), so the rerun resumes where the first stopped.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;

use super::result::{Manifest, PointResult};
use crate::output::write_atomic;

/// The manifest's file name.
pub const MANIFEST: &str = "sweep.json";
/// The unsharded (and merged) results.
pub const RESULTS: &str = "results.jsonl";

/// Shard `index` of `count`: the points whose id ≡ index (mod count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 0-based.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?}: expected I/N, e.g. 0/8 (shard I of N, I from 0)"))?;
        let num = |t: &str, what: &str| {
            t.trim()
                .parse::<usize>()
                .map_err(|e| format!("{s:?}: {what} {t:?}: {e}"))
        };
        let (index, count) = (num(i, "I")?, num(n, "N")?);
        if count == 0 || index >= count {
            return Err(format!("{s:?}: need 0 <= I < N"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// True when this shard owns point `id`.
    pub fn owns(&self, id: usize) -> bool {
        id % self.count == self.index
    }
}

/// Where a run's results go.
pub fn results_path(dir: &Path, shard: Option<Shard>) -> PathBuf {
    match shard {
        None => dir.join(RESULTS),
        Some(s) => dir.join(format!("results.shard-{}-of-{}.jsonl", s.index, s.count)),
    }
}

/// Writes the manifest, or checks that the folder already holds the same sweep (a resume, or another
/// shard of it).
pub fn claim(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let path = dir.join(MANIFEST);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let old: Manifest = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a sweep manifest", path.display()))?;
            if old.space != manifest.space || old.points != manifest.points {
                anyhow::bail!(
                    "{}: this folder holds another sweep (from {}, {} points); give another --out or remove the folder",
                    path.display(),
                    old.space_file,
                    old.points
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_atomic(&path, serde_json::to_string_pretty(manifest)?.as_bytes())
        }
        Err(e) => Err(e).with_context(|| format!("{}: cannot read", path.display())),
    }
}

/// Reads the manifest of a sweep folder.
pub fn manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not a sweep manifest", path.display()))
}

/// The points in a results file, and the length of its whole lines (a torn last line, from a run that
/// was killed mid-write, is left out). A missing file holds nothing.
pub fn read(path: &Path) -> anyhow::Result<(Vec<PointResult>, u64)> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", path.display())),
    };
    let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let text = std::str::from_utf8(&bytes[..whole])
        .with_context(|| format!("{}: not UTF-8", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let r: PointResult = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a sweep result line", path.display(), i + 1))?;
        out.push(r);
    }
    Ok((out, whole as u64))
}

/// Appends result lines, one `write` each, from many threads.
pub struct Appender {
    file: Mutex<File>,
    path: PathBuf,
}

impl Appender {
    /// Opens `path` for appending after its first `keep` bytes (dropping a torn last line).
    pub fn open(path: &Path, keep: u64) -> anyhow::Result<Appender> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("{}: cannot open", path.display()))?;
        file.set_len(keep)
            .with_context(|| format!("{}: cannot truncate", path.display()))?;
        Ok(Appender {
            file: Mutex::new(file),
            path: path.to_path_buf(),
        })
    }

    /// Appends one point.
    pub fn append(&self, r: &PointResult) -> anyhow::Result<()> {
        let mut line = serde_json::to_string(r)?;
        line.push('\n');
        let mut f = self
            .file
            .lock()
            .map_err(|_| anyhow::anyhow!("{}: a writer panicked", self.path.display()))?;
        f.write_all(line.as_bytes())
            .with_context(|| format!("{}: cannot write", self.path.display()))
    }
}

/// Rewrites `path` with `results` sorted by id, so a finished sweep's file is the same whatever the
/// order points finished in.
pub fn write_sorted(path: &Path, results: &mut [PointResult]) -> anyhow::Result<()> {
    results.sort_by_key(|r| r.id);
    let mut text = String::new();
    for r in results.iter() {
        text.push_str(&serde_json::to_string(r)?);
        text.push('\n');
    }
    write_atomic(path, text.as_bytes())
}

/// Joins the shard files of `dir` into `results.jsonl`; every point of the manifest must be there
/// once (a point in two shards must agree with itself).
pub fn merge(dir: &Path) -> anyhow::Result<Vec<PointResult>> {
    let manifest = manifest(dir)?;
    let mut shards: Vec<(PathBuf, Shard)> = Vec::new();
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot list", dir.display()))?
    {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(mid) = name
            .strip_prefix("results.shard-")
            .and_then(|n| n.strip_suffix(".jsonl"))
        {
            let shard: Shard = mid
                .replacen("-of-", "/", 1)
                .parse()
                .map_err(|e| anyhow::anyhow!("{}: not a shard file name: {e}", path.display()))?;
            shards.push((path, shard));
        }
    }
    if shards.is_empty() {
        anyhow::bail!(
            "{}: no results.shard-I-of-N.jsonl files to merge",
            dir.display()
        );
    }
    shards.sort_by_key(|(_, s)| (s.count, s.index));
    let count = shards[0].1.count;
    if let Some((p, s)) = shards.iter().find(|(_, s)| s.count != count) {
        anyhow::bail!(
            "{}: shard of {} beside shards of {count}: mixed shardings in one folder",
            p.display(),
            s.count
        );
    }
    let mut by_id: BTreeMap<usize, PointResult> = BTreeMap::new();
    for (path, shard) in &shards {
        let (results, _) = read(path)?;
        for r in results {
            if r.id >= manifest.points || !shard.owns(r.id) {
                anyhow::bail!(
                    "{}: point {} does not belong to shard {}/{} of a {}-point sweep",
                    path.display(),
                    r.id,
                    shard.index,
                    shard.count,
                    manifest.points
                );
            }
            if let Some(old) = by_id.get(&r.id) {
                if *old != r {
                    anyhow::bail!(
                        "{}: point {} appears twice with different results",
                        path.display(),
                        r.id
                    );
                }
            }
            by_id.insert(r.id, r);
        }
    }
    let missing: Vec<usize> = (0..manifest.points)
        .filter(|id| !by_id.contains_key(id))
        .collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(10).map(|m| m.to_string()).collect();
        let absent: Vec<usize> = (0..count)
            .filter(|i| !shards.iter().any(|(_, s)| s.index == *i))
            .collect();
        anyhow::bail!(
            "{}: {} of {} points missing (ids {}{}){}: run the shards that hold them (a rerun resumes)",
            dir.display(),
            missing.len(),
            manifest.points,
            shown.join(", "),
            if missing.len() > 10 { ", …" } else { "" },
            if absent.is_empty() {
                String::new()
            } else {
                format!("; no file at all from shards {absent:?} of {count}")
            }
        );
    }
    let mut results: Vec<PointResult> = by_id.into_values().collect();
    write_sorted(&dir.join(RESULTS), &mut results)?;
    Ok(results)
}
