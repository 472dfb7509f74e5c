//! The space file: which config fields vary, over which values, and how points are drawn from their
//! cross product. Everything is checked here, before any point runs: a bad file fails in milliseconds
//! with its line and column, not an hour into a cluster job.
//!
//! ```toml
//! [sweep]
//! base = "edge-moe-zcu102.toml"   # optional, relative to this file; the embedded default otherwise
//! sample = "grid"                 # "grid" | "random" | "lhs" (Latin hypercube); random/lhs take n, seed
//! task = 0                        # whose gate routes the MoE layers
//! timing = "segments"             # or "frame": see `point::Timing`
//! include_base = true             # add the base config as a last point if the axes miss it
//!
//! [[axis]]
//! field = "arch.attn_lanes"
//! values = [2, 4, 8]
//!
//! [[axis]]                        # fields that move together: one value is one array
//! fields = ["arch.linear_tile_in", "arch.linear_tile_out"]
//! values = [[16, 16], [16, 32], [32, 32]]
//! ```

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use golden::rng::SplitMix64;
use serde::Deserialize;
use toml::Spanned;

use super::point::Timing;
use crate::config::{self, located, Config, ConfigError, ConfigErrors};

/// The most combinations a space may hold for a random or lhs sample to be drawn from it.
const MAX_SPACE: u128 = 1 << 40;
/// The most points a grid may have: each point is validated and kept in memory before any runs.
const MAX_GRID: u128 = 1_000_000;

/// How points are drawn from the axes' cross product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sample {
    /// Every combination, the last axis varying fastest.
    Grid,
    /// `n` distinct combinations drawn uniformly.
    Random,
    /// `n` draws in which each axis's values appear equally often (Latin hypercube over discrete
    /// axes), duplicates dropped: covers every value of every axis with few points.
    Lhs,
}

impl Sample {
    /// The name used in the space file.
    pub fn name(self) -> &'static str {
        match self {
            Sample::Grid => "grid",
            Sample::Random => "random",
            Sample::Lhs => "lhs",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpace {
    #[serde(default)]
    sweep: RawSweep,
    #[serde(default)]
    axis: Vec<Spanned<RawAxis>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawSweep {
    base: Option<Spanned<String>>,
    sample: Spanned<Sample>,
    n: Option<Spanned<usize>>,
    seed: u64,
    task: usize,
    weights: Option<Spanned<String>>,
    timing: Timing,
    include_base: bool,
}

impl Default for RawSweep {
    fn default() -> Self {
        RawSweep {
            base: None,
            sample: Spanned::new(0..0, Sample::Grid),
            n: None,
            seed: golden::model::weights::DEFAULT_SEED,
            task: 0,
            weights: None,
            timing: Timing::default(),
            include_base: true,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    field: Option<Spanned<String>>,
    fields: Option<Spanned<Vec<Spanned<String>>>>,
    values: Spanned<Vec<Spanned<toml::Value>>>,
}

/// One axis: one field, or several that move together.
#[derive(Clone, Debug)]
pub struct Axis {
    /// Dotted config fields, e.g. `arch.attn_lanes`.
    pub fields: Vec<String>,
    /// Each value: one entry per field.
    pub values: Vec<Vec<toml::Value>>,
    /// Where each value is written, for errors.
    spans: Vec<Range<usize>>,
}

impl Axis {
    /// The axis's name: its field, or its fields joined by `+`.
    pub fn name(&self) -> String {
        self.fields.join("+")
    }
}

/// A validated space file.
#[derive(Clone, Debug)]
pub struct Space {
    /// The file as given.
    pub file: String,
    /// Its text.
    pub text: String,
    /// The config every point starts from.
    pub base: Config,
    /// The axes in file order.
    pub axes: Vec<Axis>,
    /// How points are drawn.
    pub sample: Sample,
    /// The sample's size (random and lhs).
    pub n: Option<usize>,
    /// The sample's seed, and the random weights'.
    pub seed: u64,
    /// Whose gate routes the MoE layers.
    pub task: usize,
    /// Edge-MoE's weights folder or a safetensors file (relative paths from the space file's folder);
    /// seeded random weights when absent.
    pub weights: Option<PathBuf>,
    /// How each point's cycles are counted.
    pub timing: Timing,
    /// Add the base config as a last point when the axes or the sample miss it, so every sweep has
    /// its baseline.
    pub include_base: bool,
}

/// One design point of the space.
#[derive(Clone, Debug)]
pub struct Point {
    /// Its index: grid order, or draw order for a sample.
    pub id: usize,
    /// The values by field.
    pub values: BTreeMap<String, toml::Value>,
    /// The validated config.
    pub config: Config,
}

impl Space {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Space, ConfigErrors> {
        let (text, file) = config::read(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Space::parse(&text, &file, dir)
    }

    /// Parses and checks `text` (named `file` in errors; relative paths from `dir`).
    pub fn parse(text: &str, file: &str, dir: &Path) -> Result<Space, ConfigErrors> {
        let at = |span: Range<usize>, key: &str, reason: String| {
            located(text, file, Some(span), key, reason)
        };
        let raw: RawSpace = config::deserialize(text, file)?;
        let s = raw.sweep;
        let base = match &s.base {
            None => Config::load(None)?,
            Some(b) => Config::load(Some(&dir.join(b.get_ref()))).map_err(|mut e| {
                let at_base = at(b.span(), "sweep.base", "the base config is invalid".into());
                e.0.insert(0, at_base);
                e
            })?,
        };
        let sample = *s.sample.get_ref();
        let n = match (&s.n, sample) {
            (Some(n), Sample::Grid) => {
                return Err(ConfigErrors(vec![at(
                    n.span(),
                    "sweep.n",
                    "n sizes a random or lhs sample; a grid takes every point".into(),
                )]))
            }
            (None, Sample::Random | Sample::Lhs) => {
                return Err(ConfigErrors(vec![at(
                    s.sample.span(),
                    "sweep.sample",
                    format!("a {} sample needs n, the number of points", sample.name()),
                )]))
            }
            (Some(n), _) if *n.get_ref() == 0 => {
                return Err(ConfigErrors(vec![at(
                    n.span(),
                    "sweep.n",
                    "must be at least 1".into(),
                )]))
            }
            (n, _) => n.as_ref().map(|n| *n.get_ref()),
        };
        if s.task >= base.raw.model.tasks {
            return Err(ConfigErrors(vec![located(
                text,
                file,
                None,
                "sweep.task",
                format!(
                    "the model has {} tasks (0..={})",
                    base.raw.model.tasks,
                    base.raw.model.tasks - 1
                ),
            )]));
        }
        if raw.axis.is_empty() {
            return Err(ConfigErrors(vec![located(
                text,
                file,
                None,
                "axis",
                "no [[axis]]: a sweep needs at least one field to vary".into(),
            )]));
        }
        let weights = match &s.weights {
            Some(w) if !dir.join(w.get_ref()).exists() => {
                return Err(ConfigErrors(vec![at(
                    w.span(),
                    "sweep.weights",
                    format!(
                    "{}: no such file or folder (Edge-MoE's .bin folder or a .safetensors file)",
                    dir.join(w.get_ref()).display()
                ),
                )]))
            }
            w => w.as_ref().map(|w| dir.join(w.get_ref())),
        };
        let base_table = base_table(&base);
        let mut errors = Vec::new();
        let mut axes = Vec::new();
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for (i, a) in raw.axis.iter().enumerate() {
            match axis(text, file, i, a, &base_table, &mut seen) {
                Ok(a) => axes.push(a),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Ok(Space {
            file: file.to_string(),
            text: text.to_string(),
            base,
            axes,
            sample,
            n,
            seed: s.seed,
            task: s.task,
            weights,
            timing: s.timing,
            include_base: s.include_base,
        })
    }

    /// Points in the cross product.
    pub fn size(&self) -> u128 {
        self.axes.iter().map(|a| a.values.len() as u128).product()
    }

    /// The points, each validated; an error names the first offending value in the space file.
    pub fn points(&self) -> Result<Vec<Point>, ConfigErrors> {
        let size = self.size();
        if size > MAX_SPACE {
            return Err(ConfigErrors(vec![located(
                &self.text,
                &self.file,
                None,
                "axis",
                format!("the axes span {size} points, more than {MAX_SPACE}: split the sweep"),
            )]));
        }
        if self.sample == Sample::Grid && size > MAX_GRID {
            return Err(ConfigErrors(vec![located(
                &self.text,
                &self.file,
                None,
                "sweep.sample",
                format!(
                    "a grid of {size} points is more than {MAX_GRID}: draw sample = \"random\" or \"lhs\" with n"
                ),
            )]));
        }
        let choices = match (self.sample, self.n) {
            (Sample::Grid, _) => (0..size as u64).map(|k| self.decode(k)).collect(),
            (Sample::Random, Some(n)) => self.random(n)?,
            (Sample::Lhs, Some(n)) => self.lhs(n),
            (_, None) => Vec::new(),
        };
        let base = base_table(&self.base);
        let mut points = Vec::with_capacity(choices.len());
        let mut errors: Vec<ConfigError> = Vec::new();
        let mut reported = HashSet::new();
        for (id, choice) in choices.into_iter().enumerate() {
            match self.point(id, choice, &base) {
                Ok(p) => points.push(p),
                Err(e) => {
                    if reported.insert((e.line, e.column, e.reason.clone())) {
                        errors.push(e);
                    }
                    if errors.len() >= 10 {
                        break;
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        if self.include_base && !points.iter().any(|p| p.config.raw == self.base.raw) {
            let id = points.len();
            let values = self
                .axes
                .iter()
                .flat_map(|a| &a.fields)
                .filter_map(|f| get(&base, f).map(|v| (f.clone(), v.clone())))
                .collect();
            let config = Config::parse(&base.to_string(), &format!("{} point {id}", self.file))?;
            points.push(Point { id, values, config });
        }
        Ok(points)
    }

    /// The `k`-th combination in grid order (last axis fastest).
    fn decode(&self, mut k: u64) -> Vec<usize> {
        let mut choice = vec![0; self.axes.len()];
        for (c, a) in choice.iter_mut().zip(&self.axes).rev() {
            let len = a.values.len() as u64;
            *c = (k % len) as usize;
            k /= len;
        }
        choice
    }

    fn random(&self, n: usize) -> Result<Vec<Vec<usize>>, ConfigErrors> {
        let size = self.size() as u64;
        if n as u64 > size {
            return Err(ConfigErrors(vec![located(
                &self.text,
                &self.file,
                None,
                "sweep.n",
                format!("n = {n} exceeds the {size} points of the space: use sample = \"grid\""),
            )]));
        }
        // Floyd's algorithm: n distinct draws without materialising the space.
        let mut rng = SplitMix64::for_stream(self.seed, "sweep.random");
        let mut taken = HashSet::with_capacity(n);
        let mut order = Vec::with_capacity(n);
        for j in size - n as u64..size {
            let t = rng.below(j + 1);
            let k = if taken.insert(t) { t } else { j };
            taken.insert(k);
            order.push(k);
        }
        Ok(order.into_iter().map(|k| self.decode(k)).collect())
    }

    fn lhs(&self, n: usize) -> Vec<Vec<usize>> {
        let mut rng = SplitMix64::for_stream(self.seed, "sweep.lhs");
        // Stratum s of n takes value ⌊s·len/n⌋, so each value gets ⌊n/len⌋ or ⌈n/len⌉ strata; a
        // Fisher–Yates shuffle per axis pairs the strata at random.
        let columns: Vec<Vec<usize>> = self
            .axes
            .iter()
            .map(|a| {
                let len = a.values.len();
                let mut col: Vec<usize> = (0..n).map(|s| s * len / n).collect();
                for i in (1..n).rev() {
                    let j = rng.below(i as u64 + 1) as usize;
                    col.swap(i, j);
                }
                col
            })
            .collect();
        let mut seen = HashSet::with_capacity(n);
        (0..n)
            .map(|i| columns.iter().map(|c| c[i]).collect::<Vec<_>>())
            .filter(|c| seen.insert(c.clone()))
            .collect()
    }

    fn point(
        &self,
        id: usize,
        choice: Vec<usize>,
        base: &toml::Table,
    ) -> Result<Point, ConfigError> {
        let mut table = base.clone();
        let mut values = BTreeMap::new();
        for (a, &c) in self.axes.iter().zip(&choice) {
            for (f, v) in a.fields.iter().zip(&a.values[c]) {
                // Fields were checked to be settable when the axes were read.
                let _ = set(&mut table, f, v.clone());
                values.insert(f.clone(), v.clone());
            }
        }
        let name = format!("{} point {id}", self.file);
        match Config::parse(&table.to_string(), &name) {
            Ok(config) => Ok(Point { id, values, config }),
            Err(e) => {
                let first = e.0.into_iter().next().unwrap_or(ConfigError {
                    file: name,
                    line: None,
                    column: None,
                    key: String::new(),
                    reason: "invalid".into(),
                });
                // Point at the axis that sets the offending field, else at the point's first value.
                let axis = self
                    .axes
                    .iter()
                    .position(|a| a.fields.contains(&first.key))
                    .unwrap_or(0);
                let span = self.axes[axis].spans[choice[axis]].clone();
                let shown: Vec<String> = values.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                Err(located(
                    &self.text,
                    &self.file,
                    Some(span),
                    &first.key,
                    format!("{} (point {id}: {})", first.reason, shown.join(", ")),
                ))
            }
        }
    }
}

/// Reads one `[[axis]]`, checking each value alone against the base config.
fn axis(
    text: &str,
    file: &str,
    index: usize,
    a: &Spanned<RawAxis>,
    base: &toml::Table,
    seen: &mut BTreeMap<String, Range<usize>>,
) -> Result<Axis, Vec<ConfigError>> {
    let key = format!("axis[{index}]");
    let at = |span: Range<usize>, reason: String| located(text, file, Some(span), &key, reason);
    let raw = a.get_ref();
    let fields: Vec<Spanned<String>> = match (&raw.field, &raw.fields) {
        (Some(f), None) => vec![f.clone()],
        (None, Some(fs)) if !fs.get_ref().is_empty() => fs.get_ref().clone(),
        (None, Some(fs)) => return Err(vec![at(fs.span(), "fields is empty".into())]),
        (None, None) => {
            return Err(vec![at(
                a.span(),
                "an axis needs `field` (or `fields` for values that move together)".into(),
            )])
        }
        (Some(f), Some(_)) => {
            return Err(vec![at(
                f.span(),
                "give `field` or `fields`, not both".into(),
            )])
        }
    };
    let mut errors = Vec::new();
    for f in &fields {
        if let Some(prev) = seen.get(f.get_ref()) {
            let (l, _) = config::line_col(text, prev.start);
            errors.push(at(
                f.span(),
                format!("{} is already swept by the axis at line {l}", f.get_ref()),
            ));
        }
        seen.insert(f.get_ref().clone(), f.span());
    }
    let values = raw.values.get_ref();
    if values.is_empty() {
        errors.push(at(
            raw.values.span(),
            "values is empty: an axis needs at least one value".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Axis {
        fields: fields.iter().map(|f| f.get_ref().clone()).collect(),
        values: Vec::new(),
        spans: Vec::new(),
    };
    for (vi, v) in values.iter().enumerate() {
        let per_field: Vec<toml::Value> = if fields.len() == 1 {
            vec![v.get_ref().clone()]
        } else {
            match v.get_ref() {
                toml::Value::Array(items) if items.len() == fields.len() => items.clone(),
                _ => {
                    errors.push(at(
                        v.span(),
                        format!(
                            "value {vi}: the axis moves {} fields together, so each value is an array of {}",
                            fields.len(),
                            fields.len()
                        ),
                    ));
                    continue;
                }
            }
        };
        if out.values.contains(&per_field) {
            errors.push(at(v.span(), format!("value {vi} repeats an earlier value")));
            continue;
        }
        let mut table = base.clone();
        let mut settable = true;
        for (f, x) in fields.iter().zip(&per_field) {
            if let Err(reason) = set(&mut table, f.get_ref(), x.clone()) {
                errors.push(at(f.span(), reason));
                settable = false;
            }
        }
        if settable {
            if let Err(e) = Config::parse(&table.to_string(), file) {
                for e in e.0 {
                    // An unknown field is the field's fault; anything else is the value's.
                    let field = fields.iter().find(|f| {
                        e.reason.contains("unknown field") && is_prefix_of(&e.key, f.get_ref())
                            || e.reason.contains("unknown field") && e.key.is_empty()
                    });
                    match field {
                        Some(f) => errors.push(at(
                            f.span(),
                            format!("{}: no such config field ({})", f.get_ref(), e.reason),
                        )),
                        None => errors
                            .push(at(v.span(), format!("value {vi}: {}: {}", e.key, e.reason))),
                    }
                }
            }
        }
        out.values.push(per_field);
        out.spans.push(v.span());
    }
    // The same message for every value of an unknown field says nothing new.
    errors.dedup_by(|a, b| a.line == b.line && a.column == b.column && a.reason == b.reason);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// True when dotted path `a` is `b` or one of its ancestors (`arch` of `arch.fifo.stream`).
fn is_prefix_of(a: &str, b: &str) -> bool {
    b == a || b.starts_with(&format!("{a}."))
}

/// The base config as a TOML table, every field written out.
fn base_table(c: &Config) -> toml::Table {
    toml::Table::try_from(&c.raw).unwrap_or_default()
}

/// The value at dotted `path`, if the table has one.
fn get<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let (first, rest) = path.split_once('.').unwrap_or((path, ""));
    let v = table.get(first)?;
    if rest.is_empty() {
        Some(v)
    } else {
        get(v.as_table()?, rest)
    }
}

/// Sets dotted `path` in `table`, making tables on the way; the leaf's type is left to the config's
/// own validation.
fn set(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "`{path}` is not a dotted field path like arch.attn_lanes"
        ));
    }
    let (leaf, tables) = parts.split_last().ok_or("empty field path")?;
    let mut t = table;
    for (i, p) in tables.iter().enumerate() {
        let entry = t
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = match entry {
            toml::Value::Table(next) => next,
            _ => {
                return Err(format!(
                    "{} is a value, not a section: no field {path}",
                    parts[..=i].join(".")
                ))
            }
        };
    }
    if let Some(toml::Value::Table(_)) = t.get(*leaf) {
        return Err(format!(
            "{path} is a section: sweep one of its fields (e.g. {path}.<field>)"
        ));
    }
    t.insert(leaf.to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Space, ConfigErrors> {
        Space::parse(text, "space.toml", Path::new("."))
    }

    fn first_error(text: &str) -> ConfigError {
        let e = parse(text)
            .and_then(|s| s.points().map(|_| s))
            .expect_err("the space is invalid");
        e.0[0].clone()
    }

    #[test]
    fn a_grid_is_the_cross_product_last_axis_fastest() {
        let s = parse(
            "[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [2, 4]\n\
             [[axis]]\nfields = [\"arch.linear_tile_in\", \"arch.linear_tile_out\"]\nvalues = [[16, 16], [32, 16], [32, 32]]\n",
        )
        .unwrap();
        let p = s.points().unwrap();
        assert_eq!(p.len(), 6);
        let row = |i: usize| {
            let a = &p[i].config.raw.arch;
            (a.attn_lanes, a.linear_tile_in, a.linear_tile_out)
        };
        assert_eq!(row(0), (2, 16, 16));
        assert_eq!(row(1), (2, 32, 16));
        assert_eq!(row(3), (4, 16, 16));
        assert_eq!(row(5), (4, 32, 32));
        assert_eq!(
            p[5].values["arch.linear_tile_out"],
            toml::Value::Integer(32)
        );
        // Fields no axis names keep the base's values.
        assert_eq!(p[5].config.raw.arch.clock_mhz, s.base.raw.arch.clock_mhz);
    }

    #[test]
    fn an_unknown_field_is_located_at_the_field() {
        let e = first_error("[[axis]]\nfield = \"arch.attn_lanez\"\nvalues = [2, 4]\n");
        assert_eq!((e.line, e.column), (Some(2), Some(9)), "{e}");
        assert!(e.reason.contains("no such config field"), "{e}");
        let e = first_error("[[axis]]\nfield = \"arch.attn_lanes.x\"\nvalues = [2]\n");
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.reason.contains("is a value, not a section"), "{e}");
    }

    #[test]
    fn an_empty_axis_is_located_at_its_values() {
        let e = first_error("[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = []\n");
        assert_eq!((e.line, e.column), (Some(3), Some(10)), "{e}");
        assert!(e.reason.contains("values is empty"), "{e}");
    }

    #[test]
    fn a_rejected_value_is_located_at_the_value() {
        let e = first_error("[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [4, 0, 8]\n");
        assert_eq!((e.line, e.column), (Some(3), Some(14)), "{e}");
        assert_eq!(e.key, "axis[0]");
        assert!(e.reason.contains("value 1: arch.attn_lanes"), "{e}");
        let e = first_error("[[axis]]\nfield = \"numerics.fm\"\nvalues = [\"ap_fixed<32,10>\", \"ap_fixed<99,10>\"]\n");
        assert_eq!((e.line, e.column), (Some(3), Some(30)), "{e}");
        let e = first_error("[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [\"four\"]\n");
        assert_eq!((e.line, e.column), (Some(3), Some(11)), "{e}");
    }

    #[test]
    fn a_combination_the_validator_rejects_is_located_at_an_axis_value() {
        // A 48-wide tile divides every default dimension, and 400 expert units are fine with the
        // default tile of 16: only the pair is wrong.
        let e = first_error(
            "[[axis]]\nfield = \"arch.linear_tile_in\"\nvalues = [16, 48]\n\
             [[axis]]\nfield = \"model.expert_hidden\"\nvalues = [384, 400]\n",
        );
        assert_eq!((e.line, e.column), (Some(3), Some(15)), "{e}");
        assert!(
            e.reason.contains("does not divide model.expert_hidden"),
            "{e}"
        );
        assert!(e.reason.contains("point 3"), "{e}");
    }

    #[test]
    fn the_sweep_table_is_checked() {
        let e = first_error(
            "[sweep]\nsampel = \"grid\"\n[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [2]\n",
        );
        assert_eq!(e.line, Some(2), "{e}");
        let e = first_error(
            "[sweep]\nsample = \"sobol\"\n[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [2]\n",
        );
        assert_eq!((e.line, e.column), (Some(2), Some(10)), "{e}");
        let e = first_error(
            "[sweep]\nsample = \"random\"\n[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [2]\n",
        );
        assert!(e.reason.contains("needs n"), "{e}");
        let e = first_error("[sweep]\nsample = \"random\"\nn = 3\n[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [2, 4]\n");
        assert!(e.reason.contains("exceeds the 2 points"), "{e}");
        let e = first_error("[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [2]\n[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [4]\n");
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.reason.contains("already swept"), "{e}");
        let e = first_error("[[axis]]\nfields = [\"arch.linear_tile_in\", \"arch.linear_tile_out\"]\nvalues = [[16, 16], 32]\n");
        assert_eq!((e.line, e.column), (Some(3), Some(21)), "{e}");
        let e = first_error("[sweep]\n");
        assert!(e.reason.contains("no [[axis]]"), "{e}");
        let e = first_error("[sweep]\nweights = \"no/such/folder\"\n[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [2]\n");
        assert_eq!((e.line, e.column), (Some(2), Some(11)), "{e}");
        assert!(e.reason.contains("no such file or folder"), "{e}");
    }

    const BIG: &str = "[sweep]\nsample = \"SAMPLE\"\nn = 40\nseed = 3\ninclude_base = false\n\
        [[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [1, 2, 4, 8]\n\
        [[axis]]\nfield = \"arch.weight_load\"\nvalues = [\"serial\", \"overlapped\"]\n\
        [[axis]]\nfield = \"arch.clock_mhz\"\nvalues = [150.0, 200.0, 250.0, 300.0, 350.0]\n\
        [[axis]]\nfield = \"arch.fifo.linear_in\"\nvalues = [8, 16, 32, 48, 64]\n";

    fn sampled(kind: &str) -> Vec<BTreeMap<String, toml::Value>> {
        let s = parse(&BIG.replace("SAMPLE", kind)).unwrap();
        s.points().unwrap().into_iter().map(|p| p.values).collect()
    }

    #[test]
    fn a_grid_too_large_to_hold_asks_for_a_sample() {
        let axis = |f: &str| {
            format!(
                "[[axis]]\nfield = \"{f}\"\nvalues = [{}]\n",
                (1..=100)
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let text = [
            axis("arch.fifo.stream"),
            axis("arch.fifo.index_stream"),
            axis("arch.depth.add"),
            axis("arch.depth.simple"),
        ]
        .concat();
        let e = parse(&text).unwrap().points().unwrap_err();
        assert!(
            e.0[0].reason.contains("a grid of 100000000 points"),
            "{}",
            e
        );
    }

    #[test]
    fn the_base_is_added_when_the_axes_miss_it() {
        let axis = "[[axis]]\nfield = \"arch.attn_lanes\"\nvalues = [2, 8]\n";
        let p = parse(axis).unwrap().points().unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[2].id, 2);
        assert_eq!(p[2].config.raw, crate::config::RawConfig::default());
        assert_eq!(p[2].values["arch.attn_lanes"], toml::Value::Integer(4));
        let p = parse(&format!("[sweep]\ninclude_base = false\n{axis}"))
            .unwrap()
            .points()
            .unwrap();
        assert_eq!(p.len(), 2);
        // A grid that holds the base does not get it twice.
        let p = parse(&axis.replace("[2, 8]", "[2, 4]"))
            .unwrap()
            .points()
            .unwrap();
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn a_random_sample_is_distinct_and_seeded() {
        let a = sampled("random");
        assert_eq!(a.len(), 40);
        let distinct: HashSet<String> = a.iter().map(|v| format!("{v:?}")).collect();
        assert_eq!(distinct.len(), 40);
        assert_eq!(a, sampled("random"));
        let other = parse(
            &BIG.replace("SAMPLE", "random")
                .replace("seed = 3", "seed = 4"),
        )
        .unwrap()
        .points()
        .unwrap();
        assert_ne!(a, other.into_iter().map(|p| p.values).collect::<Vec<_>>());
    }

    #[test]
    fn a_latin_hypercube_gives_every_value_its_share() {
        let a = sampled("lhs");
        assert_eq!(a, sampled("lhs"));
        // 40 draws over 4 lanes: 10 each, unless duplicates were dropped (then fewer, never more).
        for lanes in [1, 2, 4, 8] {
            let k = a
                .iter()
                .filter(|v| v["arch.attn_lanes"] == toml::Value::Integer(lanes))
                .count();
            assert!((8..=10).contains(&k), "lanes {lanes}: {k} points");
        }
        assert!(a.len() >= 36, "{} points", a.len());
    }
}
