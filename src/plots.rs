//! Report charts: stacked per-layer cycle breakdowns and small scaling sweeps,
//! each written as a PNG (quick look, CI artefact) and an SVG (slides and
//! papers, where it scales without blurring).
//!
//! # Why it is built this way
//!
//! * **Fonts.** plotters' default text path goes through font-kit and
//!   fontconfig, which fails outright on hosts without system fonts (CI
//!   containers). plotters is built with only its pure-Rust `ab_glyph`
//!   rasteriser instead, and DejaVu Sans is compiled into the binary
//!   (`assets/DejaVuSans.ttf`, licence in `assets/DejaVuSans-LICENSE.txt`), so
//!   a chart looks the same on every machine and never depends on the host.
//! * **SVG text.** plotters' SVG backend emits `<text font-family="sans-serif">`
//!   and lets the viewer pick the face. The embedded font still matters for
//!   SVG output: plotters sizes label areas with it, and so does our legend.
//! * **PNG encoding.** Charts are rasterised into an in-memory RGB buffer and
//!   encoded with the `png` crate. plotters' own `bitmap_encoder` feature would
//!   pull in `image` 0.24 with JPEG and BMP codecs that are never used, which
//!   roughly doubles this module's release build time on a 2-core runner.
//! * **Atomic output.** Both files are rendered in memory before anything is
//!   written, then each goes to a temporary file in the destination directory
//!   and is renamed into place. A viewer or freshness check never sees a
//!   half-written chart, and a failed render leaves the previous pair intact.

use std::fs;
use std::io::{self, Write};
use std::iter;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// DejaVu Sans Book 2.37, taken from the `dejavu` 2.37.0 crate on crates.io.
/// Chosen for its broad glyph coverage (×, µ, Greek) at under 1 MB, and a
/// licence that only asks that the notice travel with the font.
static FONT_TTF: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// plotters looks fonts up by family string, and its built-in defaults (tick
/// labels, axis descriptions) ask for "sans-serif". Registering the embedded
/// face under that name makes every piece of text use it, including any we
/// forget to style explicitly.
const FAMILY: &str = "sans-serif";

/// Font sizes in plotters' units, shared so both chart kinds look alike.
/// plotters treats a size as a line height: the SVG gets `font-size` of
/// size / 1.24, so these render at roughly 21, 16, 14.5 and 13 px.
const TITLE_PX: u32 = 26;
const CAPTION_PX: u32 = 20;
const AXIS_DESC_PX: u32 = 18;
const LABEL_PX: u32 = 16;
/// Canvas side limit: past this a chart is unreadable anyway, and the RGB
/// buffer (3 bytes per pixel) would grow without bound with the input.
const MAX_SIDE_PX: u32 = 16_384;
/// Vertical distance between legend entries.
const LEGEND_ROW_PX: u32 = 24;

/// One bar of a stacked bar chart: a layer (e.g. `"patch_embed"`, `"l0"`) and
/// how its cycles split by category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// Shown under the bar.
    pub label: String,
    /// `(category, cycles)`. The order only feeds the chart-wide category
    /// order (see [`stacked_bars`]), so every bar stacks the same way. A
    /// category repeated within one bar is summed, so callers can emit one
    /// entry per event without pre-aggregating.
    pub parts: Vec<(String, u64)>,
}

/// One panel of a [`lines`] chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Panel caption, e.g. `"attention cycles"`.
    pub name: String,
    /// Unit of the y axis, e.g. `"cycles"`.
    pub y_label: String,
    /// `(x, y)` points, joined in the order given so callers can plot
    /// non-monotonic sweeps deliberately.
    pub points: Vec<(f64, f64)>,
}

/// Why a chart could not be produced. Every variant names a path so that a
/// report run producing dozens of charts says which one failed.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The input has nothing to draw. Refused rather than drawn blank, so an
    /// upstream bug (say, a simulation that produced no layers) surfaces as
    /// an error instead of an empty picture in a report.
    #[error("{}: nothing to plot: {reason}", path.display())]
    Empty {
        /// The output stem (`<dir>/<stem>`, no extension).
        path: PathBuf,
        /// What was missing.
        reason: String,
    },
    /// The input cannot be drawn faithfully (non-finite value, bad stem).
    #[error("{}: invalid input: {reason}", path.display())]
    InvalidInput {
        /// The output stem (`<dir>/<stem>`, no extension).
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The embedded font was rejected by the rasteriser; indicates a corrupt
    /// asset at build time, not a problem with the host.
    #[error("{}: the embedded font could not be loaded", path.display())]
    Font {
        /// The output stem (`<dir>/<stem>`, no extension).
        path: PathBuf,
    },
    /// plotters or the PNG encoder failed.
    #[error("{}: rendering failed", path.display())]
    Render {
        /// The file being rendered.
        path: PathBuf,
        /// The underlying plotters or PNG error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The output directory or file could not be written.
    #[error("{}: could not write", path.display())]
    Io {
        /// The directory or file being written.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

/// Writes `<dir>/<stem>.png` and `<dir>/<stem>.svg` (creating `dir` if
/// needed) and returns their paths, PNG first.
///
/// Categories are ordered by first appearance (first bar's parts in order,
/// then any new ones from later bars). That order fixes both the stacking
/// (first category at the bottom of every bar) and the colour, so a category
/// looks the same in every bar, and charts built from the same category list
/// look alike. The legend lists categories top to bottom as they appear in
/// the stacks, and each bar's total is printed above it.
///
/// `y_label` should name the raw unit (e.g. `"cycles"`). When the tallest bar
/// reaches 10 000 the axis switches to thousands (or millions) and says so in
/// the label, which keeps tick labels short enough to read.
///
/// # Errors
///
/// [`PlotError::Empty`] if `bars` is empty; bars with no parts, or only zero
/// parts, are drawn as gaps. [`PlotError::InvalidInput`] for a stem that is
/// not a plain file name or for so many bars (hundreds) that the canvas would
/// exceed 16 384 px. See [`PlotError`] for the rest.
pub fn stacked_bars(
    dir: &Path,
    stem: &str,
    title: &str,
    y_label: &str,
    bars: &[Bar],
) -> Result<Vec<PathBuf>, PlotError> {
    let stem_path = check_stem(dir, stem)?;
    ensure_font(&stem_path)?;
    if bars.is_empty() {
        return Err(PlotError::Empty {
            path: stem_path,
            reason: "no bars".into(),
        });
    }
    let chart = StackedBars::new(title, y_label, bars);
    write_chart(dir, stem, &chart)
}

/// Writes `<dir>/<stem>.png` and `<dir>/<stem>.svg` (creating `dir` if
/// needed) and returns their paths, PNG first.
///
/// Each series gets its own panel, stacked vertically over a shared x range,
/// because the series typically have unrelated units (cycles vs bytes/cycle)
/// and a secondary axis makes it easy to read a value against the wrong
/// scale. When there are at most 16 distinct x values (a sweep such as
/// P = 1, 2, 4, 8, 16) the x ticks sit exactly on them. The y axis starts at
/// zero unless data goes negative, so slopes are not exaggerated, and switches
/// to thousands or millions for large values like [`stacked_bars`].
///
/// # Errors
///
/// [`PlotError::Empty`] if `series` is empty or any series has no points;
/// [`PlotError::InvalidInput`] on a non-finite coordinate, a stem that is not
/// a plain file name, or more than about 50 series. See [`PlotError`] for the
/// rest.
pub fn lines(
    dir: &Path,
    stem: &str,
    title: &str,
    x_label: &str,
    series: &[Series],
) -> Result<Vec<PathBuf>, PlotError> {
    let stem_path = check_stem(dir, stem)?;
    ensure_font(&stem_path)?;
    if series.is_empty() {
        return Err(PlotError::Empty {
            path: stem_path,
            reason: "no series".into(),
        });
    }
    for s in series {
        if s.points.is_empty() {
            return Err(PlotError::Empty {
                path: stem_path,
                reason: format!("series `{}` has no points", s.name),
            });
        }
        if let Some(&(x, y)) = s
            .points
            .iter()
            .find(|(x, y)| !x.is_finite() || !y.is_finite())
        {
            return Err(PlotError::InvalidInput {
                path: stem_path,
                reason: format!("series `{}` has a non-finite point ({x}, {y})", s.name),
            });
        }
    }
    let chart = Lines::new(title, x_label, series);
    write_chart(dir, stem, &chart)
}

/// A [`front_scatter`] chart: design points on two objectives that are both
/// minimised, with their Pareto front picked out.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontScatter {
    /// Chart title, e.g. `"latency vs DSP: space.toml on zcu102"`.
    pub title: String,
    /// x axis description with its unit, e.g. `"DSP slices"`.
    pub x_label: String,
    /// y axis description with its unit, e.g. `"frame latency (ms)"`.
    pub y_label: String,
    /// A log x axis, for figures that span decades (an error's MSE).
    pub x_log: bool,
    /// Points that fit the board.
    pub feasible: Vec<(f64, f64)>,
    /// Points that do not fit: drawn hollow and grey rather than dropped, so
    /// the chart shows what the board rules out.
    pub infeasible: Vec<(f64, f64)>,
    /// The front, in any order (it is drawn in x order as a staircase).
    pub front: Vec<(f64, f64)>,
    /// The board's capacity on the x axis and its legend text (`"zcu102:
    /// 2520"`), drawn as a dashed line: an infeasible point left of it is
    /// over some other resource.
    pub x_limit: Option<(f64, String)>,
}

/// Writes `<dir>/<stem>.png` and `<dir>/<stem>.svg` (creating `dir` if
/// needed) and returns their paths, PNG first.
///
/// Axes span the data rather than starting at zero: a front is read by
/// comparing nearby points, and a zero baseline would squeeze them into a
/// corner. Large x values switch to thousands like [`stacked_bars`]. The
/// front is drawn as a staircase (the edge of the region it dominates), so a
/// point below or left of a step would be a better design.
///
/// # Errors
///
/// [`PlotError::Empty`] when there are no points at all;
/// [`PlotError::InvalidInput`] on a non-finite coordinate, a non-positive x
/// on a log axis, or a stem that is not a plain file name. See [`PlotError`]
/// for the rest.
pub fn front_scatter(
    dir: &Path,
    stem: &str,
    chart: &FrontScatter,
) -> Result<Vec<PathBuf>, PlotError> {
    let stem_path = check_stem(dir, stem)?;
    ensure_font(&stem_path)?;
    let all = || {
        chart
            .feasible
            .iter()
            .chain(&chart.infeasible)
            .chain(&chart.front)
    };
    if all().next().is_none() {
        return Err(PlotError::Empty {
            path: stem_path,
            reason: "no points".into(),
        });
    }
    let limit = chart.x_limit.as_ref().map(|(x, _)| (*x, 0.0));
    if let Some(&(x, y)) = all()
        .chain(limit.as_ref())
        .find(|(x, y)| !x.is_finite() || !y.is_finite() || (chart.x_log && *x <= 0.0))
    {
        return Err(PlotError::InvalidInput {
            path: stem_path,
            reason: format!("point ({x}, {y}) cannot be drawn on this chart"),
        });
    }
    write_chart(dir, stem, &Scatter::new(chart))
}

/// Rejects stems that would escape `dir` or produce hidden/odd file names;
/// the stem usually comes from a config or CLI argument.
fn check_stem(dir: &Path, stem: &str) -> Result<PathBuf, PlotError> {
    let path = dir.join(stem);
    let bad = stem.is_empty() || stem.starts_with('.') || stem.contains(['/', '\\']);
    if bad {
        return Err(PlotError::InvalidInput {
            path,
            reason: format!("`{stem}` is not a plain file stem"),
        });
    }
    Ok(path)
}

/// Registers the embedded font once per process. plotters keeps fonts in a
/// global table, so repeated registration would only waste time re-parsing.
fn ensure_font(stem_path: &Path) -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    // `register_font` reports failure as `InvalidFont`, which implements
    // neither `Debug` nor `Error`, so only success is kept.
    let ok = *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, FONT_TTF).is_ok());
    if ok {
        Ok(())
    } else {
        Err(PlotError::Font {
            path: stem_path.to_path_buf(),
        })
    }
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A chart described once and drawn on both backends; plotters' backends are
/// distinct types, so drawing code must be generic over them.
trait Chart {
    /// Canvas size in pixels (also the SVG's nominal size).
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Renders both formats before touching the disk, so a rendering failure
/// never leaves a new PNG beside a stale SVG. (A write failure between the
/// two renames still can; that needs a full disk or a permissions change
/// mid-call, and the error names the file that was not replaced.)
fn write_chart(dir: &Path, stem: &str, chart: &impl Chart) -> Result<Vec<PathBuf>, PlotError> {
    let (w, h) = chart.size();
    if w > MAX_SIDE_PX || h > MAX_SIDE_PX {
        return Err(PlotError::InvalidInput {
            path: dir.join(stem),
            reason: format!("a {w}x{h} px chart would be unreadable; split the data"),
        });
    }
    let png_path = dir.join(format!("{stem}.png"));
    let svg_path = dir.join(format!("{stem}.svg"));
    let png = render_png(chart).map_err(|source| PlotError::Render {
        path: png_path.clone(),
        source,
    })?;
    let svg = render_svg(chart).map_err(|source| PlotError::Render {
        path: svg_path.clone(),
        source,
    })?;
    fs::create_dir_all(dir).map_err(|source| PlotError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write_atomic(&png_path, &png)?;
    write_atomic(&svg_path, svg.as_bytes())?;
    Ok(vec![png_path, svg_path])
}

fn render_png(chart: &impl Chart) -> Result<Vec<u8>, BoxError> {
    let (w, h) = chart.size();
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        chart.draw(&root)?;
        root.present()?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(out)
}

fn render_svg(chart: &impl Chart) -> Result<String, BoxError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, chart.size()).into_drawing_area();
        chart.draw(&root)?;
        root.present()?;
    }
    Ok(svg)
}

/// Replaces `path` without a window in which it is missing or partial. The
/// temporary name is unique per process and call because reports may render
/// charts from several threads into one directory.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_then_rename(&tmp, path, bytes);
    if result.is_err() {
        // Best effort: the temp file may not exist, and the original error
        // is the one worth reporting.
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write_then_rename(tmp: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)?;
    file.write_all(bytes)?;
    // Without this a crash soon after the rename can leave an empty file
    // under the final name on some filesystems.
    file.sync_all()?;
    drop(file);
    fs::rename(tmp, path)
}

/// Colour-blind-safe (Okabe–Ito) hues first, since most charts have few
/// categories; grey stands in for the set's black, which would swamp a bar.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xF0, 0xE4, 0x42),
    RGBColor(0x99, 0x99, 0x99),
];

/// Beyond the palette, golden-ratio hue steps keep neighbouring categories
/// distinguishable however many there are.
fn colour(index: usize) -> RGBAColor {
    match PALETTE.get(index) {
        Some(c) => c.to_rgba(),
        None => {
            let hue = ((index - PALETTE.len()) as f64 * 0.618_033_988_75).fract();
            HSLColor(hue, 0.6, 0.45).to_rgba()
        }
    }
}

/// Picks a divisor so tick labels stay at most four digits before the
/// decimal point; long labels get clipped by the fixed-width label area.
fn axis_scale(max_abs: f64) -> (f64, &'static str) {
    if max_abs >= 1e7 {
        (1e6, " (millions)")
    } else if max_abs >= 1e4 {
        (1e3, " (thousands)")
    } else {
        (1.0, "")
    }
}

/// plotters' default float formatting can print `0.30000000000000004` or
/// `2.0`; reports want `0.3` and `2`.
fn tick(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v == v.round() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() < 0.01 {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Evenly spaced ticks on 1-2-5 steps, for sweeps with too many x values to
/// label each one.
fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let raw = (hi - lo) / 8.0;
    if !(raw.is_finite() && raw > 0.0) {
        // Extreme inputs: fall back to the ends rather than risk a huge list.
        return vec![lo, hi];
    }
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A linear `f64` axis whose ticks are exactly the given values (bar centres,
/// sweep points). plotters' `with_key_points` does the same, but wrapping an
/// `f64` axis with it drops the formatter impl `configure_mesh` needs
/// (plotters 0.3.7), so the axis is defined here instead.
struct FixedTicks {
    axis: RangedCoordf64,
    ticks: Vec<f64>,
}

impl FixedTicks {
    fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        FixedTicks {
            axis: range.into(),
            ticks,
        }
    }
}

impl Ranged for FixedTicks {
    // Never used for output: every chart sets its own label formatter.
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.axis.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Only bold grid lines and labels: no light lines between them.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.axis.range()
    }
}

/// Text width in pixels with the embedded font; falls back to a generous
/// per-character estimate so a measuring failure costs layout, not the chart.
fn text_width(text: &str, px: u32) -> u32 {
    (FAMILY, px)
        .into_font()
        .box_size(text)
        .map_or(text.chars().count() as u32 * px * 3 / 4, |(w, _)| w)
}

/// [`stacked_bars`] input, validated and scaled into axis units.
struct StackedBars<'a> {
    title: &'a str,
    y_desc: String,
    labels: Vec<&'a str>,
    /// Categories in first-appearance order; the index is the colour.
    categories: Vec<&'a str>,
    /// `stacks[bar][category]`, in axis units.
    stacks: Vec<Vec<f64>>,
    y_top: f64,
    legend_width: u32,
}

impl<'a> StackedBars<'a> {
    fn new(title: &'a str, y_label: &str, bars: &'a [Bar]) -> Self {
        let mut categories: Vec<&str> = Vec::new();
        for (name, _) in bars.iter().flat_map(|b| &b.parts) {
            if !categories.contains(&name.as_str()) {
                categories.push(name);
            }
        }
        let mut stacks: Vec<Vec<f64>> = bars
            .iter()
            .map(|bar| {
                let mut row = vec![0.0; categories.len()];
                for (name, cycles) in &bar.parts {
                    // Present by construction of `categories`.
                    if let Some(i) = categories.iter().position(|c| c == name) {
                        row[i] += *cycles as f64;
                    }
                }
                row
            })
            .collect();
        let max_total = stacks
            .iter()
            .map(|row| row.iter().sum::<f64>())
            .fold(0.0, f64::max);
        let (div, suffix) = axis_scale(max_total);
        stacks.iter_mut().flatten().for_each(|v| *v /= div);
        let scaled_max = max_total / div;
        let legend_width = categories
            .iter()
            .map(|c| text_width(c, LABEL_PX))
            .max()
            .unwrap_or(0)
            + 56;
        StackedBars {
            title,
            y_desc: format!("{y_label}{suffix}"),
            labels: bars.iter().map(|b| b.label.as_str()).collect(),
            categories,
            stacks,
            // Headroom for the total printed above the tallest bar.
            y_top: if scaled_max > 0.0 {
                scaled_max * 1.1
            } else {
                1.0
            },
            legend_width,
        }
    }
}

impl Chart for StackedBars<'_> {
    fn size(&self) -> (u32, u32) {
        // Room for a label like "patch_embed" under every bar, so none are
        // skipped or overlap however many layers there are.
        let widest = self
            .labels
            .iter()
            .map(|l| text_width(l, LABEL_PX))
            .max()
            .unwrap_or(0);
        let slot = (widest + 16).max(48);
        let plot = (self.labels.len() as u32 * slot + 120).max(520);
        // Grow downwards rather than clip the legend when there are many
        // categories.
        let legend = 110 + LEGEND_ROW_PX * self.categories.len() as u32;
        (plot + self.legend_width, legend.max(600))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        // The margin keeps the title's ascenders off the canvas edge.
        let body = root
            .margin(10, 0, 0, 0)
            .titled(self.title, (FAMILY, TITLE_PX))?;
        let (w, _) = body.dim_in_pixel();
        let (plot, legend) = body.split_horizontally(w.saturating_sub(self.legend_width));

        let n = self.labels.len();
        // Key points at bar centres give exactly one x label per bar.
        let centres: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(90)
            .build_cartesian_2d(FixedTicks::new(0.0..n as f64, centres), 0.0..self.y_top)?;
        let x_label = |x: &f64| {
            let i = x.floor() as usize;
            self.labels
                .get(i)
                .map_or_else(String::new, ToString::to_string)
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_label_formatter(&x_label)
            .y_label_formatter(&|y| tick(*y))
            .max_light_lines(1)
            .y_desc(self.y_desc.as_str())
            .label_style((FAMILY, LABEL_PX))
            .axis_desc_style((FAMILY, AXIS_DESC_PX))
            .draw()?;

        for c in 0..self.categories.len() {
            let fill = colour(c).filled();
            let segments = self.stacks.iter().enumerate().filter_map(|(b, row)| {
                let base: f64 = row[..c].iter().sum();
                let top = base + row[c];
                (row[c] > 0.0).then(|| {
                    let x = b as f64;
                    Rectangle::new([(x + 0.15, base), (x + 0.85, top)], fill)
                })
            });
            chart.draw_series(segments)?;
        }

        let total_style = TextStyle::from((FAMILY, LABEL_PX - 2).into_font())
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        let totals = self.stacks.iter().enumerate().map(|(b, row)| {
            let total: f64 = row.iter().sum();
            Text::new(
                tick((total * 10.0).round() / 10.0),
                (b as f64 + 0.5, total),
                total_style.clone(),
            )
        });
        chart.draw_series(totals)?;

        // Drawn by hand beside the plot: plotters' built-in legend sits
        // inside the plot area, where it would hide the tallest bars.
        let label_style =
            TextStyle::from((FAMILY, LABEL_PX).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for (row, c) in (0..self.categories.len()).rev().enumerate() {
            let y = 24 + (row as u32 * LEGEND_ROW_PX) as i32;
            legend.draw(&Rectangle::new([(8, y), (24, y + 16)], colour(c).filled()))?;
            legend.draw(&Text::new(
                self.categories[c],
                (32, y + 8),
                label_style.clone(),
            ))?;
        }
        Ok(())
    }
}

/// [`lines`] input, validated and scaled into axis units.
struct Lines<'a> {
    title: &'a str,
    x_label: &'a str,
    x_range: (f64, f64),
    x_ticks: Vec<f64>,
    panels: Vec<Panel<'a>>,
}

struct Panel<'a> {
    name: &'a str,
    y_desc: String,
    points: Vec<(f64, f64)>,
    y_range: (f64, f64),
}

impl<'a> Lines<'a> {
    /// Expects non-empty, finite series (checked by [`lines`]).
    fn new(title: &'a str, x_label: &'a str, series: &'a [Series]) -> Self {
        let xs = || series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
        let (x_min, x_max) = min_max(xs());
        let mut distinct: Vec<f64> = xs().collect();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let x_range = pad(x_min, x_max);
        let x_ticks = if distinct.len() <= 16 {
            distinct
        } else {
            nice_ticks(x_range.0, x_range.1)
        };
        let panels = series
            .iter()
            .map(|s| {
                let (lo, hi) = min_max(s.points.iter().map(|p| p.1));
                let (div, suffix) = axis_scale(lo.abs().max(hi.abs()));
                // Zero baseline unless the data goes negative.
                let (lo, hi) = (lo.min(0.0) / div, hi.max(0.0) / div);
                let headroom = if hi > lo { (hi - lo) * 0.08 } else { 1.0 };
                Panel {
                    name: &s.name,
                    y_desc: format!("{}{suffix}", s.y_label),
                    points: s.points.iter().map(|&(x, y)| (x, y / div)).collect(),
                    y_range: (lo, hi + headroom),
                }
            })
            .collect();
        Lines {
            title,
            x_label,
            x_range,
            x_ticks,
            panels,
        }
    }
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// Keeps end points (and their markers) off the frame; also gives a
/// single-x sweep a non-zero range.
fn pad(lo: f64, hi: f64) -> (f64, f64) {
    let margin = if hi > lo {
        (hi - lo) * 0.04
    } else {
        lo.abs().max(1.0) * 0.5
    };
    (lo - margin, hi + margin)
}

impl Chart for Lines<'_> {
    fn size(&self) -> (u32, u32) {
        (900, 60 + 320 * self.panels.len() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root
            .margin(10, 0, 0, 0)
            .titled(self.title, (FAMILY, TITLE_PX))?;
        let areas = body.split_evenly((self.panels.len(), 1));
        for (i, (area, panel)) in areas.iter().zip(&self.panels).enumerate() {
            let (x0, x1) = self.x_range;
            let (y0, y1) = panel.y_range;
            let mut chart = ChartBuilder::on(area)
                .caption(panel.name, (FAMILY, CAPTION_PX))
                .margin(12)
                .x_label_area_size(50)
                .y_label_area_size(90)
                .build_cartesian_2d(FixedTicks::new(x0..x1, self.x_ticks.clone()), y0..y1)?;
            chart
                .configure_mesh()
                .x_desc(self.x_label)
                .y_desc(panel.y_desc.as_str())
                .x_label_formatter(&|x| tick(*x))
                .y_label_formatter(&|y| tick(*y))
                .max_light_lines(1)
                .label_style((FAMILY, LABEL_PX))
                .axis_desc_style((FAMILY, AXIS_DESC_PX))
                .draw()?;
            let colour = colour(i);
            chart.draw_series(iter::once(PathElement::new(
                panel.points.clone(),
                colour.stroke_width(2),
            )))?;
            chart.draw_series(
                panel
                    .points
                    .iter()
                    .map(|&p| Circle::new(p, 4, colour.filled())),
            )?;
        }
        Ok(())
    }
}

/// Feasible points: the palette's blue, translucent so that dense clusters
/// show their density.
const FEASIBLE: RGBColor = PALETTE[0];
/// The front: vermillion, the palette's strongest contrast to the blue.
const FRONT: RGBColor = PALETTE[3];
const INFEASIBLE: RGBColor = RGBColor(0x9A, 0x9A, 0x9A);
const LIMIT: RGBColor = RGBColor(0x44, 0x44, 0x44);
/// Past this multiple of the board's capacity (or of the largest feasible
/// x, if larger) infeasible points are folded onto the right edge: a space
/// that reaches 7x the board's DSPs would otherwise squeeze every design
/// that fits into the left seventh of the chart.
const FOLD_BEYOND: f64 = 1.5;
/// Where the axis ends when points are folded, relative to the same bound.
const FOLD_AT: f64 = 1.25;
/// A latency range this wide (max/min) gets a log y axis, so the fast end,
/// where the front lies, is not flattened by a few slow points.
const LOG_Y_RATIO: f64 = 10.0;

/// (x, y), in the caller's units or, once mapped, the axes'.
type Point = (f64, f64);

/// [`front_scatter`] input, mapped into axis units (scaled, or log10).
struct Scatter<'a> {
    title: &'a str,
    x_desc: String,
    y_desc: String,
    x_log: bool,
    y_log: bool,
    x_range: (f64, f64),
    y_range: (f64, f64),
    x_ticks: Vec<f64>,
    y_ticks: Vec<f64>,
    feasible: Vec<(f64, f64)>,
    infeasible: Vec<(f64, f64)>,
    /// Infeasible points beyond the axis, drawn on its right edge.
    folded: Vec<(f64, f64)>,
    /// Sorted by x, then y.
    front: Vec<(f64, f64)>,
    limit: Option<(f64, &'a str)>,
    /// Legend entries (marker, text), and the row each goes in.
    legend: Vec<(Marker, String, u32, i32)>,
    legend_rows: u32,
}

#[derive(Clone, Copy)]
enum Marker {
    Feasible,
    Infeasible,
    Front,
    Limit,
    Folded,
}

/// Canvas size: two of these side by side fit a 1,400 px page with little
/// scaling, so their text stays readable inline in a report.
const SCATTER_SIZE: (u32, u32) = (780, 560);

impl<'a> Scatter<'a> {
    /// Expects finite points, positive x on a log axis (checked by
    /// [`front_scatter`]).
    fn new(c: &'a FrontScatter) -> Self {
        let limit_x = c.x_limit.as_ref().map(|(x, _)| *x);
        let (_, kept_hi) = min_max(xs(&c.feasible).chain(xs(&c.front)).chain(limit_x));
        let (_, all_hi) = min_max(xs(&c.infeasible));
        let fold_at = (!c.x_log && limit_x.is_some() && all_hi > kept_hi * FOLD_BEYOND)
            .then_some(kept_hi * FOLD_AT);
        let (infeasible, folded): (Vec<_>, Vec<Point>) = c
            .infeasible
            .iter()
            .partition(|p| fold_at.is_none_or(|at| p.0 <= at));
        let folded_max = min_max(folded.iter().map(|p| p.0)).1;

        let ys = || {
            c.feasible
                .iter()
                .chain(&c.infeasible)
                .chain(&c.front)
                .map(|p| p.1)
        };
        let (y_lo, y_hi) = min_max(ys());
        let y_log = y_lo > 0.0 && y_hi / y_lo >= LOG_Y_RATIO;

        let x_shown = || {
            xs(&c.feasible)
                .chain(xs(&infeasible))
                .chain(xs(&c.front))
                .chain(limit_x)
                .chain(fold_at.filter(|_| !folded.is_empty()))
        };
        let (div, suffix) = if c.x_log {
            (1.0, "")
        } else {
            let (lo, hi) = min_max(x_shown());
            axis_scale(lo.abs().max(hi.abs()))
        };
        let map_x = |x: f64| if c.x_log { x.log10() } else { x / div };
        let map_y = |y: f64| if y_log { y.log10() } else { y };
        let map = |pts: &[(f64, f64)]| -> Vec<(f64, f64)> {
            pts.iter().map(|&(x, y)| (map_x(x), map_y(y))).collect()
        };
        let x_range = pad_ends(min_max(x_shown().map(map_x)));
        let y_range = pad_ends((map_y(y_lo), map_y(y_hi)));
        let mut front = map(&c.front);
        front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let folded = folded
            .iter()
            .map(|&(_, y)| (map_x(fold_at.unwrap_or(0.0)), map_y(y)))
            .collect::<Vec<_>>();

        let mut entries = vec![
            (Marker::Feasible, format!("feasible ({})", c.feasible.len())),
            (
                Marker::Infeasible,
                format!("infeasible ({})", c.infeasible.len()),
            ),
            (Marker::Front, format!("Pareto front ({})", c.front.len())),
        ];
        if c.x_limit.is_some() {
            entries.push((Marker::Limit, "board limit".into()));
        }
        if !folded.is_empty() {
            entries.push((
                Marker::Folded,
                format!(
                    "{} infeasible beyond the axis, up to {}",
                    folded.len(),
                    grouped(folded_max)
                ),
            ));
        }
        let (legend, legend_rows) = lay_out_legend(entries, SCATTER_SIZE.0 - 40);

        // `latency (ms)` becomes `latency (ms, log)`, not `latency (ms) (log)`.
        let log_desc = |d: &str, log: bool| match (log, d.strip_suffix(')')) {
            (false, _) => d.to_string(),
            (true, Some(open)) => format!("{open}, log)"),
            (true, None) => format!("{d} (log)"),
        };
        Scatter {
            title: &c.title,
            x_desc: log_desc(&format!("{}{suffix}", c.x_label), c.x_log),
            y_desc: log_desc(&c.y_label, y_log),
            x_log: c.x_log,
            y_log,
            x_range,
            y_range,
            x_ticks: if c.x_log {
                log_ticks(x_range.0, x_range.1)
            } else {
                nice_ticks(x_range.0, x_range.1)
            },
            y_ticks: if y_log {
                log_ticks(y_range.0, y_range.1)
            } else {
                nice_ticks(y_range.0, y_range.1)
            },
            feasible: map(&c.feasible),
            infeasible: map(&infeasible),
            folded,
            front,
            limit: c
                .x_limit
                .as_ref()
                .map(|(x, label)| (map_x(*x), label.as_str())),
            legend,
            legend_rows,
        }
    }

    /// The staircase through the front: from each point right to the next
    /// point's x, then down to it; the region above and right of it is what
    /// the front dominates.
    fn steps(&self) -> Vec<(f64, f64)> {
        let mut path = Vec::with_capacity(self.front.len() * 2);
        for (i, &(x, y)) in self.front.iter().enumerate() {
            if i > 0 {
                path.push((x, self.front[i - 1].1));
            }
            path.push((x, y));
        }
        path
    }
}

fn xs(pts: &[(f64, f64)]) -> impl Iterator<Item = f64> + '_ {
    pts.iter().map(|p| p.0)
}

/// Places legend entries left to right, wrapping to a new row at `width`:
/// returns each entry with its row and x offset, and the number of rows.
fn lay_out_legend(
    entries: Vec<(Marker, String)>,
    width: u32,
) -> (Vec<(Marker, String, u32, i32)>, u32) {
    let (mut row, mut x) = (0u32, 0i32);
    let mut placed = Vec::with_capacity(entries.len());
    for (marker, text) in entries {
        let w = 22 + text_width(&text, LABEL_PX) as i32;
        if x > 0 && x + w > width as i32 {
            row += 1;
            x = 0;
        }
        placed.push((marker, text, row, x));
        x += w + 26;
    }
    (placed, row + 1)
}

/// `1441370` as `1 441 370`: a count the reader compares with an axis
/// that may be in thousands.
fn grouped(v: f64) -> String {
    let s = tick(v);
    if v.abs() < 10_000.0 || v != v.round() {
        return s;
    }
    let (sign, digits) = s.split_at(usize::from(v < 0.0));
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Like [`pad`], but a little wider, so the front's larger markers at the
/// extremes stay inside the frame.
fn pad_ends((lo, hi): (f64, f64)) -> (f64, f64) {
    let (lo, hi) = pad(lo, hi);
    let extra = (hi - lo) * 0.02;
    (lo - extra, hi + extra)
}

/// Ticks for a log10 axis given in exponents: 1-2-5 per decade over up to
/// three decades, whole decades (thinned to about eight) beyond; a range
/// inside one decade that holds none of those gets its ends.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let decades = hi - lo;
    if !(decades.is_finite() && decades > 0.0) {
        return vec![lo, hi];
    }
    let mantissas: &[f64] = if decades <= 1.0 {
        &[1.0, 2.0, 3.0, 5.0]
    } else if decades <= 3.0 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let every = (decades / 8.0).ceil().max(1.0) as i64;
    let ticks: Vec<f64> = (lo.floor() as i64..=hi.ceil() as i64)
        .filter(|k| k.rem_euclid(every) == 0)
        .flat_map(|k| mantissas.iter().map(move |m| m.log10() + k as f64))
        .filter(|v| (lo..=hi).contains(v))
        .collect();
    if ticks.len() < 2 {
        vec![lo, hi]
    } else {
        ticks
    }
}

/// A log-axis label for the exponent `v`: plain digits near 1, otherwise
/// `2e-6` (two significant digits at most, which is all a tick needs).
fn log_tick(v: f64) -> String {
    let x = 10f64.powf(v);
    if (0.01..10_000.0).contains(&x) {
        return tick((x * 1000.0).round() / 1000.0);
    }
    let mut k = x.log10().floor();
    let mut m = (x / 10f64.powf(k) * 10.0).round() / 10.0;
    if m >= 10.0 {
        m /= 10.0;
        k += 1.0;
    }
    format!("{}e{k}", tick(m))
}

/// A right-pointing triangle, in pixels about its point: the marker of a
/// point folded onto the axis edge, pointing to where it lies.
const ARROW: [(i32, i32); 3] = [(-3, -5), (6, 0), (-3, 5)];

impl Chart for Scatter<'_> {
    fn size(&self) -> (u32, u32) {
        SCATTER_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root
            .margin(10, 0, 0, 0)
            .titled(self.title, (FAMILY, TITLE_PX))?;
        // The legend is a row above the plot: beside it, it would cost a
        // fifth of the width, and inside it, it would hide points.
        let (legend, plot) = body.split_vertically(LEGEND_ROW_PX * self.legend_rows + 8);
        self.draw_legend(&legend)?;

        let (x0, x1) = self.x_range;
        let (y0, y1) = self.y_range;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(50)
            .y_label_area_size(76)
            .build_cartesian_2d(
                FixedTicks::new(x0..x1, self.x_ticks.clone()),
                FixedTicks::new(y0..y1, self.y_ticks.clone()),
            )?;
        let x_label = |x: &f64| if self.x_log { log_tick(*x) } else { tick(*x) };
        let y_label = |y: &f64| if self.y_log { log_tick(*y) } else { tick(*y) };
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .label_style((FAMILY, LABEL_PX))
            .axis_desc_style((FAMILY, AXIS_DESC_PX))
            .draw()?;

        if let Some((x, label)) = self.limit {
            chart.draw_series(iter::once(DashedPathElement::new(
                [(x, y0), (x, y1)],
                6,
                4,
                LIMIT.stroke_width(2),
            )))?;
            // The label goes on whichever side of the line has room.
            let (anchor, dx) = if x > (x0 + x1) / 2.0 {
                (HPos::Right, -6)
            } else {
                (HPos::Left, 6)
            };
            let style = TextStyle::from((FAMILY, LABEL_PX).into_font())
                .color(&LIMIT)
                .pos(Pos::new(anchor, VPos::Top));
            chart.draw_series(iter::once(
                EmptyElement::at((x, y1)) + Text::new(label.to_string(), (dx, 6), style),
            ))?;
        }

        let hollow = INFEASIBLE.stroke_width(1);
        chart.draw_series(self.infeasible.iter().map(|&p| Circle::new(p, 3, hollow)))?;
        chart.draw_series(
            self.folded
                .iter()
                .map(|&p| EmptyElement::at(p) + Polygon::new(ARROW.to_vec(), INFEASIBLE.filled())),
        )?;
        let dot = FEASIBLE.mix(0.6).filled();
        chart.draw_series(self.feasible.iter().map(|&p| Circle::new(p, 3, dot)))?;
        chart.draw_series(iter::once(PathElement::new(
            self.steps(),
            FRONT.stroke_width(2),
        )))?;
        chart.draw_series(
            self.front
                .iter()
                .map(|&p| Circle::new(p, 5, FRONT.filled())),
        )?;
        chart.draw_series(
            self.front
                .iter()
                .map(|&p| Circle::new(p, 5, BLACK.stroke_width(1))),
        )?;
        Ok(())
    }
}

impl Scatter<'_> {
    fn draw_legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let label_style =
            TextStyle::from((FAMILY, LABEL_PX).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        // Centred under the title, like the title itself.
        let (w, _) = area.dim_in_pixel();
        let widest_row = (0..self.legend_rows)
            .map(|row| {
                self.legend
                    .iter()
                    .filter(|e| e.2 == row)
                    .map(|(_, text, _, x)| x + 22 + text_width(text, LABEL_PX) as i32)
                    .max()
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        let left = ((w as i32 - widest_row) / 2).max(8);
        for (marker, text, row, x) in &self.legend {
            let x = left + x;
            let y = (LEGEND_ROW_PX / 2 + row * LEGEND_ROW_PX) as i32;
            let c = (x + 8, y);
            match marker {
                Marker::Feasible => area.draw(&Circle::new(c, 4, FEASIBLE.mix(0.6).filled()))?,
                Marker::Infeasible => area.draw(&Circle::new(c, 4, INFEASIBLE.stroke_width(1)))?,
                Marker::Front => {
                    area.draw(&PathElement::new(
                        [(x, y), (x + 16, y)],
                        FRONT.stroke_width(2),
                    ))?;
                    area.draw(&Circle::new(c, 5, FRONT.filled()))?;
                    area.draw(&Circle::new(c, 5, BLACK.stroke_width(1)))?;
                }
                Marker::Limit => area.draw(&DashedPathElement::new(
                    [(x, y), (x + 16, y)],
                    5,
                    3,
                    LIMIT.stroke_width(2),
                ))?,
                Marker::Folded => {
                    let pts = ARROW.iter().map(|(dx, dy)| (c.0 + dx, c.1 + dy));
                    area.draw(&Polygon::new(pts.collect::<Vec<_>>(), INFEASIBLE.filled()))?
                }
            }
            area.draw(&Text::new(text.as_str(), (x + 22, y), label_style.clone()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::process::Command;

    /// A fresh directory per test, removed afterwards; avoids a `tempfile`
    /// dependency for the handful of tests here and in the sweep report's.
    pub(crate) struct TempDir(pub(crate) PathBuf);

    impl TempDir {
        pub(crate) fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "edgemoe-test-{name}-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            ));
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

    fn vit_bars() -> Vec<Bar> {
        let mut bars = vec![Bar {
            label: "patch_embed".into(),
            parts: vec![("matmul".into(), 150_000), ("dma".into(), 40_000)],
        }];
        for l in 0..12u64 {
            bars.push(Bar {
                label: format!("l{l}"),
                parts: vec![
                    ("matmul".into(), 300_000 + l * 1_000),
                    ("softmax".into(), 60_000),
                    ("layernorm".into(), 20_000),
                    ("dma".into(), 45_000),
                    // Odd layers are MoE layers with an extra category.
                    ("expert_gate".into(), (l % 2) * 15_000),
                ],
            });
        }
        bars
    }

    fn scaling_series() -> Vec<Series> {
        let ps = [1.0, 2.0, 4.0, 8.0, 16.0];
        vec![
            Series {
                name: "attention cycles".into(),
                y_label: "cycles".into(),
                points: ps.iter().map(|&p| (p, 2_400_000.0 / p + 9_000.0)).collect(),
            },
            Series {
                name: "memory traffic".into(),
                y_label: "bytes/cycle".into(),
                points: ps.iter().map(|&p| (p, 1.5 * p)).collect(),
            },
        ]
    }

    /// The contents of every `<text>` element, trimmed; plotters surrounds
    /// them with newlines, which a plain `contains` would trip over.
    fn svg_texts(svg: &str) -> Vec<&str> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                let body = &t[t.find('>')? + 1..];
                Some(body[..body.find("</text>")?].trim())
            })
            .collect()
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn stacked_bars_writes_png_and_svg() {
        let tmp = TempDir::new("bars");
        let title = "ViT-S cycle breakdown";
        let paths = stacked_bars(&tmp.0, "breakdown", title, "cycles", &vit_bars()).unwrap();
        assert_eq!(
            paths,
            [tmp.0.join("breakdown.png"), tmp.0.join("breakdown.svg")]
        );
        let png = fs::read(&paths[0]).unwrap();
        assert!(png.starts_with(PNG_MAGIC));
        let svg = fs::read_to_string(&paths[1]).unwrap();
        let texts = svg_texts(&svg);
        for text in [title, "cycles (thousands)", "matmul", "softmax"] {
            assert!(texts.contains(&text), "svg lacks {text}: {texts:?}");
        }
        for text in [
            "layernorm",
            "dma",
            "expert_gate",
            "patch_embed",
            "l0",
            "l11",
        ] {
            assert!(texts.contains(&text), "svg lacks {text}: {texts:?}");
        }
        // Atomic writes must not leave temporaries behind.
        assert_eq!(files_in(&tmp.0), ["breakdown.png", "breakdown.svg"]);
    }

    fn front_chart() -> FrontScatter {
        let feasible: Vec<(f64, f64)> = (1..=20)
            .map(|i| (i as f64 * 100.0, 600.0 / i as f64 + (i % 3) as f64))
            .collect();
        FrontScatter {
            title: "space.toml on zcu102: latency vs DSP".into(),
            x_label: "DSP slices".into(),
            y_label: "frame latency (ms)".into(),
            x_log: false,
            front: feasible
                .iter()
                .copied()
                .filter(|p| p.0 as u32 % 300 == 0)
                .collect(),
            feasible,
            infeasible: vec![(2_600.0, 20.0), (3_000.0, 18.0), (40_000.0, 9.0)],
            x_limit: Some((2_520.0, "zcu102: 2520".into())),
        }
    }

    #[test]
    fn front_scatter_writes_png_and_svg() {
        let tmp = TempDir::new("front");
        let chart = front_chart();
        let paths = front_scatter(&tmp.0, "front", &chart).unwrap();
        assert_eq!(paths, [tmp.0.join("front.png"), tmp.0.join("front.svg")]);
        assert!(fs::read(&paths[0]).unwrap().starts_with(PNG_MAGIC));
        let svg = fs::read_to_string(&paths[1]).unwrap();
        let texts = svg_texts(&svg);
        for text in [
            chart.title.as_str(),
            "DSP slices",
            "frame latency (ms, log)",
            "feasible (20)",
            "infeasible (3)",
            "Pareto front (6)",
            "board limit",
            "zcu102: 2520",
            "1 infeasible beyond the axis, up to 40 000",
        ] {
            assert!(texts.contains(&text), "svg lacks {text}: {texts:?}");
        }
        assert_eq!(files_in(&tmp.0), ["front.png", "front.svg"]);
    }

    #[test]
    fn far_infeasible_points_fold_onto_the_edge() {
        let chart = front_chart();
        let s = Scatter::new(&chart);
        assert_eq!(s.infeasible.len(), 2);
        assert_eq!(s.folded.len(), 1);
        // The axis ends a little past the board's limit, not at 40 000.
        assert!(s.x_range.1 < 3_500.0, "{:?}", s.x_range);
        assert!(s.folded[0].0 <= s.x_range.1);
        // Without a board limit nothing is folded: there is no "too far" to measure against.
        let unbounded = FrontScatter {
            x_limit: None,
            ..front_chart()
        };
        let s = Scatter::new(&unbounded);
        assert!(s.folded.is_empty());
        assert_eq!(s.x_desc, "DSP slices (thousands)");
    }

    #[test]
    fn front_is_drawn_as_a_staircase_in_x_order() {
        let chart = FrontScatter {
            front: vec![(3.0, 1.0), (1.0, 3.0), (2.0, 2.0)],
            feasible: vec![(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)],
            infeasible: vec![],
            x_limit: None,
            ..front_chart()
        };
        let s = Scatter::new(&chart);
        assert!(!s.y_log);
        assert_eq!(
            s.steps(),
            [(1.0, 3.0), (2.0, 3.0), (2.0, 2.0), (3.0, 2.0), (3.0, 1.0)]
        );
    }

    #[test]
    fn log_axis_ticks_read_as_powers_of_ten() {
        assert_eq!(log_tick(-6.0), "1e-6");
        assert_eq!(log_tick(2e-6f64.log10()), "2e-6");
        assert_eq!(log_tick(2.0), "100");
        assert_eq!(log_tick(0.5f64.log10()), "0.5");
        assert_eq!(
            log_ticks(1.0, 2.0)
                .iter()
                .map(|t| log_tick(*t))
                .collect::<Vec<_>>(),
            ["10", "20", "30", "50", "100"]
        );
        // Eight decades: every whole decade at most, never a crowd.
        let wide = log_ticks(-13.2, -5.8);
        assert!(
            wide.len() <= 8 && wide.iter().all(|t| t.fract() == 0.0),
            "{wide:?}"
        );
        assert_eq!(grouped(1_441_370.0), "1 441 370");
        assert_eq!(grouped(2520.0), "2520");
    }

    #[test]
    fn front_scatter_refuses_what_it_cannot_draw() {
        let tmp = TempDir::new("front-invalid");
        let empty = FrontScatter {
            feasible: vec![],
            infeasible: vec![],
            front: vec![],
            ..front_chart()
        };
        let err = front_scatter(&tmp.0, "e", &empty).unwrap_err();
        assert!(matches!(err, PlotError::Empty { .. }), "{err:?}");
        let zero_on_log = FrontScatter {
            x_log: true,
            x_limit: None,
            feasible: vec![(0.0, 1.0)],
            ..front_chart()
        };
        let err = front_scatter(&tmp.0, "z", &zero_on_log).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput { .. }), "{err:?}");
        assert!(files_in(&tmp.0).is_empty());
    }

    #[test]
    fn categories_keep_one_colour_and_sum_repeats() {
        let bars = [
            Bar {
                label: "a".into(),
                parts: vec![("x".into(), 1), ("y".into(), 2), ("x".into(), 3)],
            },
            Bar {
                label: "b".into(),
                parts: vec![("z".into(), 5), ("x".into(), 7)],
            },
        ];
        let chart = StackedBars::new("t", "cycles", &bars);
        assert_eq!(chart.categories, ["x", "y", "z"]);
        assert_eq!(chart.stacks, [vec![4.0, 2.0, 0.0], vec![7.0, 0.0, 5.0]]);
        assert_eq!(chart.y_desc, "cycles");
    }

    #[test]
    fn svg_colours_follow_category_not_position() {
        // "b" comes first in the second bar but must keep its colour.
        let bars = [
            Bar {
                label: "one".into(),
                parts: vec![("a".into(), 10), ("b".into(), 10)],
            },
            Bar {
                label: "two".into(),
                parts: vec![("b".into(), 10), ("a".into(), 10)],
            },
        ];
        let tmp = TempDir::new("colours");
        let paths = stacked_bars(&tmp.0, "c", "t", "cycles", &bars).unwrap();
        let svg = fs::read_to_string(&paths[1]).unwrap();
        // Two bar segments plus one legend swatch per category.
        for c in 0..2 {
            let RGBAColor(r, g, b, _) = colour(c);
            let fill = format!("fill=\"#{r:02X}{g:02X}{b:02X}\"");
            assert_eq!(svg.matches(&fill).count(), 3, "{fill}");
        }
    }

    #[test]
    fn lines_writes_png_and_svg() {
        let tmp = TempDir::new("lines");
        let title = "Attention scaling with P";
        let paths = lines(&tmp.0, "scaling", title, "P (lanes)", &scaling_series()).unwrap();
        assert!(fs::read(&paths[0]).unwrap().starts_with(PNG_MAGIC));
        let svg = fs::read_to_string(&paths[1]).unwrap();
        let texts = svg_texts(&svg);
        for text in [
            title,
            "P (lanes)",
            "attention cycles",
            "memory traffic",
            "bytes/cycle",
            "cycles (thousands)",
        ] {
            assert!(texts.contains(&text), "svg lacks {text}: {texts:?}");
        }
        // Sweep values are the x ticks.
        for p in ["1", "2", "4", "8", "16"] {
            assert!(texts.contains(&p), "no x tick {p}: {texts:?}");
        }
    }

    #[test]
    fn rewriting_replaces_existing_files() {
        let tmp = TempDir::new("rewrite");
        let bars = vit_bars();
        stacked_bars(&tmp.0, "b", "first", "cycles", &bars).unwrap();
        stacked_bars(&tmp.0, "b", "second", "cycles", &bars).unwrap();
        let svg = fs::read_to_string(tmp.0.join("b.svg")).unwrap();
        assert!(svg.contains("second") && !svg.contains("first"));
        assert_eq!(files_in(&tmp.0), ["b.png", "b.svg"]);
    }

    #[test]
    fn creates_missing_output_directory() {
        let tmp = TempDir::new("mkdir");
        let dir = tmp.0.join("nested/plots");
        let paths = lines(&dir, "s", "t", "x", &scaling_series()).unwrap();
        assert!(paths.iter().all(|p| p.is_file()));
    }

    #[test]
    fn empty_input_is_an_error_and_writes_nothing() {
        let tmp = TempDir::new("empty");
        let err = stacked_bars(&tmp.0, "e", "t", "cycles", &[]).unwrap_err();
        assert!(matches!(err, PlotError::Empty { .. }), "{err:?}");
        assert!(err.to_string().contains("/e: nothing to plot"), "{err}");

        let err = lines(&tmp.0, "e", "t", "x", &[]).unwrap_err();
        assert!(matches!(err, PlotError::Empty { .. }), "{err:?}");

        let mut series = scaling_series();
        series[1].points.clear();
        let err = lines(&tmp.0, "e", "t", "x", &series).unwrap_err();
        assert!(err.to_string().contains("memory traffic"), "{err}");
        assert!(files_in(&tmp.0).is_empty());
    }

    #[test]
    fn degenerate_but_valid_input_still_renders() {
        let tmp = TempDir::new("degenerate");
        let bars = [
            Bar {
                label: "idle".into(),
                parts: vec![],
            },
            Bar {
                label: "zero".into(),
                parts: vec![("matmul".into(), 0)],
            },
        ];
        stacked_bars(&tmp.0, "zero", "t", "cycles", &bars).unwrap();
        let one_point = [Series {
            name: "s".into(),
            y_label: "cycles".into(),
            points: vec![(4.0, 0.0)],
        }];
        lines(&tmp.0, "one", "t", "P", &one_point).unwrap();
        assert_eq!(
            files_in(&tmp.0),
            ["one.png", "one.svg", "zero.png", "zero.svg"]
        );
    }

    #[test]
    fn rejects_non_finite_points_and_bad_stems() {
        let tmp = TempDir::new("invalid");
        let mut series = scaling_series();
        series[0].points[2].1 = f64::NAN;
        let err = lines(&tmp.0, "n", "t", "x", &series).unwrap_err();
        assert!(matches!(err, PlotError::InvalidInput { .. }), "{err:?}");
        for stem in ["", "../up", "a/b", ".hidden"] {
            let err = stacked_bars(&tmp.0, stem, "t", "y", &vit_bars()).unwrap_err();
            assert!(
                matches!(err, PlotError::InvalidInput { .. }),
                "{stem}: {err:?}"
            );
        }
    }

    #[test]
    fn refuses_unreadably_large_charts() {
        let tmp = TempDir::new("huge");
        let bars: Vec<Bar> = (0..1000)
            .map(|i| Bar {
                label: format!("b{i}"),
                parts: vec![("x".into(), 1)],
            })
            .collect();
        let err = stacked_bars(&tmp.0, "h", "t", "cycles", &bars).unwrap_err();
        assert!(err.to_string().contains("split the data"), "{err}");
        assert!(files_in(&tmp.0).is_empty());
    }

    #[test]
    fn write_failure_names_the_file() {
        let tmp = TempDir::new("blocked");
        // A directory where the output file should go makes the rename fail.
        fs::create_dir(tmp.0.join("x.png")).unwrap();
        let err = stacked_bars(&tmp.0, "x", "t", "cycles", &vit_bars()).unwrap_err();
        assert!(matches!(err, PlotError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("x.png"), "{err}");
        assert_eq!(files_in(&tmp.0), ["x.png"], "temp file left behind");
    }

    #[test]
    fn embedded_font_measures_text() {
        ensure_font(Path::new("t")).unwrap();
        let (w, h) = (FAMILY, 20).into_font().box_size("patch_embed").unwrap();
        assert!(w > 50 && h > 5, "{w}x{h}");
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick(0.1 + 0.2), "0.3");
        assert_eq!(tick(2.0), "2");
        assert_eq!(tick(-0.0), "0");
        assert_eq!(tick(1250.5), "1250.5");
        assert_eq!(nice_ticks(0.0, 100.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
    }

    /// Runs the rendering tests in a child process whose fontconfig and
    /// font-search variables point at nothing, proving text never reaches
    /// for host fonts. A child is used because mutating the environment of
    /// this multi-threaded test process would race with other tests.
    #[test]
    fn renders_without_any_host_fonts() {
        if std::env::var_os("EDGEMOE_PLOTS_NO_FONTS_CHILD").is_some() {
            return;
        }
        let exe = std::env::current_exe().unwrap();
        let out = Command::new(exe)
            .args([
                "plots::tests::stacked_bars_writes_png_and_svg",
                "plots::tests::lines_writes_png_and_svg",
                "plots::tests::front_scatter_writes_png_and_svg",
                "--exact",
                "--test-threads=1",
            ])
            .env("EDGEMOE_PLOTS_NO_FONTS_CHILD", "1")
            .env("FONTCONFIG_FILE", "/nonexistent/fonts.conf")
            .env("FONTCONFIG_PATH", "/nonexistent")
            .env("XDG_DATA_HOME", "/nonexistent")
            .env("XDG_DATA_DIRS", "/nonexistent")
            .env("XDG_CONFIG_HOME", "/nonexistent")
            .env("HOME", "/nonexistent")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("3 passed"), "{stdout}");
    }
}
