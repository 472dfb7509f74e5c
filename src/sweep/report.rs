//! The sweep's report: Pareto fronts of frame latency against each resource (and against the error when
//! the numeric formats vary), drawn as charts, and `report.html`, one self-contained page for a hardware
//! architect (inline CSS, SVG and JS, so it can be mailed or archived with a run and opened offline).
//!
//! ```text
//!   DIR/sweep.json ──┐                       ┌─> DIR/pareto-latency-{dsp,bram,lut,error,energy}.{png,svg}
//!                    ├─> write(dir, …) ──────┤
//!   DIR/results.jsonl┘                       └─> DIR/report.html
//! ```
//!
//! The page lists the fronts, not every point: the fronts are what an architect chooses from, and a
//! 1,000-point table would bury them (the charts still show every point).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::front::{best_point, pareto};
use super::result::{Manifest, PointResult, Status};
use crate::plots::{self, FrontScatter};

/// What [`write`] produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// Every file written, charts (PNG then SVG) first, `report.html` last.
    pub files: Vec<PathBuf>,
    /// The feasible point with the lowest latency (lowest id on a tie), for the command to print.
    pub best: Option<usize>,
}

/// One chart: frame latency (y) against a cost (x), both minimised.
struct Objective {
    /// File stem: `pareto-latency-<stem>`.
    stem: &'static str,
    /// Short name in titles (`DSP`).
    name: &'static str,
    /// Its tag in the table's "on fronts" column, short so the table fits a laptop screen.
    tag: &'static str,
    /// x axis description with its unit.
    x_label: &'static str,
    /// The key of this resource in `utilization` and `over`, for the board-limit line.
    resource: Option<&'static str>,
    log: bool,
    x: fn(&PointResult) -> Option<f64>,
}

const OBJECTIVES: [Objective; 5] = [
    Objective {
        stem: "dsp",
        name: "DSP",
        tag: "DSP",
        x_label: "DSP slices",
        resource: Some("dsp"),
        log: false,
        x: |p| Some(p.resources.dsp as f64),
    },
    Objective {
        stem: "bram",
        name: "BRAM36",
        tag: "BRAM",
        x_label: "BRAM36 blocks",
        resource: Some("bram36"),
        log: false,
        x: |p| Some(p.resources.bram36),
    },
    Objective {
        stem: "lut",
        name: "LUT",
        tag: "LUT",
        x_label: "LUTs",
        resource: Some("lut"),
        log: false,
        x: |p| Some(p.resources.lut as f64),
    },
    Objective {
        stem: "error",
        name: "error",
        tag: "err",
        x_label: "MSE at the last block output",
        resource: None,
        log: true,
        // A zero error (a format that matches f64 exactly at the tap) cannot sit on a log axis: such a
        // point is left off this chart and its front rather than drawn at a made-up position.
        x: |p| p.accuracy.as_ref().map(|a| a.mse).filter(|m| *m > 0.0),
    },
    Objective {
        stem: "energy",
        name: "energy",
        tag: "mJ",
        x_label: "energy per frame (mJ), FPGA and DRAM",
        resource: None,
        log: false,
        x: |p| p.energy.as_ref().map(|e| e.energy_mj),
    },
];

const Y_LABEL: &str = "frame latency (ms)";

/// Writes the charts and `report.html` into `dir` (created if needed) from the sweep's manifest and
/// results (in any order: everything here sorts by id).
pub fn write(dir: &Path, manifest: &Manifest, results: &[PointResult]) -> anyhow::Result<Written> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let mut points: Vec<&PointResult> = results.iter().collect();
    points.sort_by_key(|p| p.id);

    let space_name = Path::new(&manifest.space_file).file_name().map_or_else(
        || manifest.space_file.clone(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut files = Vec::new();
    let mut charts = Vec::new();
    for obj in &OBJECTIVES {
        let stem = format!("pareto-latency-{}", obj.stem);
        let front = front_of(obj, &points);
        let drawn = if obj.log && !accuracy_varies(&points) {
            Drawn::Skipped(
                "every point has the same accuracy (the numeric formats are not swept), so there is \
                 no error trade-off to show"
                    .into(),
            )
        } else {
            draw(dir, &stem, obj, &points, &front, manifest, &space_name)?
        };
        match &drawn {
            Drawn::Chart { paths, .. } => files.extend(paths.iter().cloned()),
            Drawn::Skipped(_) => remove_stale(dir, &stem)?,
        }
        charts.push(Chart { obj, front, drawn });
    }

    let best = best_point(&points);
    let default = manifest
        .default_point
        .filter(|id| points.iter().any(|p| p.id == *id));
    let html = Page {
        manifest,
        space_name: &space_name,
        points: &points,
        charts: &charts,
        best,
        default,
    }
    .render();
    let html_path = dir.join("report.html");
    crate::output::write_atomic(&html_path, html.as_bytes())?;
    files.push(html_path);
    Ok(Written { files, best })
}

/// A chart as written, or why it was not.
enum Drawn {
    Chart {
        paths: Vec<PathBuf>,
        /// The SVG's markup, inlined into the page.
        svg: String,
    },
    Skipped(String),
}

struct Chart<'a> {
    obj: &'a Objective,
    /// Ids on the front, in increasing x.
    front: Vec<usize>,
    drawn: Drawn,
}

fn front_of(obj: &Objective, points: &[&PointResult]) -> Vec<usize> {
    let coords: Vec<(usize, f64, f64)> = points
        .iter()
        .filter(|p| p.status == Status::Ok)
        .filter_map(|p| Some((p.id, (obj.x)(p)?, p.latency_ms)))
        .collect();
    pareto(&coords)
}

/// The error chart is only worth drawing when the formats were swept: with one format every point has
/// the same error and the "front" is a single column of points.
fn accuracy_varies(points: &[&PointResult]) -> bool {
    let mses: BTreeSet<u64> = points
        .iter()
        .filter(|p| p.status != Status::Failed)
        .filter_map(|p| p.accuracy.as_ref())
        .map(|a| a.mse.to_bits())
        .collect();
    mses.len() > 1
}

fn draw(
    dir: &Path,
    stem: &str,
    obj: &Objective,
    points: &[&PointResult],
    front: &[usize],
    manifest: &Manifest,
    space_name: &str,
) -> anyhow::Result<Drawn> {
    let coords = |status: Status| -> Vec<(f64, f64)> {
        points
            .iter()
            .filter(|p| p.status == status && p.latency_ms.is_finite())
            .filter_map(|p| Some(((obj.x)(p)?, p.latency_ms)))
            .collect()
    };
    let by_id: BTreeMap<usize, &PointResult> = points.iter().map(|p| (p.id, *p)).collect();
    let chart = FrontScatter {
        title: format!(
            "{space_name} on {}: latency vs {}",
            manifest.board, obj.name
        ),
        x_label: obj.x_label.into(),
        y_label: Y_LABEL.into(),
        x_log: obj.log,
        feasible: coords(Status::Ok),
        infeasible: coords(Status::Infeasible),
        front: front
            .iter()
            .filter_map(|id| {
                let p = by_id.get(id)?;
                Some(((obj.x)(p)?, p.latency_ms))
            })
            .collect(),
        x_limit: obj
            .resource
            .and_then(|r| board_capacity(points, r))
            .map(|cap| (cap, format!("{}: {}", manifest.board, group_digits(cap)))),
    };
    if chart.feasible.is_empty() && chart.infeasible.is_empty() {
        return Ok(Drawn::Skipped("no simulated point has this figure".into()));
    }
    let paths = plots::front_scatter(dir, stem, &chart)?;
    let svg_path = &paths[1];
    let svg = std::fs::read_to_string(svg_path)
        .with_context(|| format!("{}: cannot read back", svg_path.display()))?;
    Ok(Drawn::Chart { paths, svg })
}

/// A chart this run does not draw is removed, so the directory never pairs a fresh report with a chart
/// from an earlier sweep.
fn remove_stale(dir: &Path, stem: &str) -> anyhow::Result<()> {
    for ext in ["png", "svg"] {
        let path = dir.join(format!("{stem}.{ext}"));
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("{}: cannot remove", path.display()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The board's amount of `resource`, as the results imply it (an overuse names it; otherwise
/// figure / utilisation). None when points disagree, as when the space sweeps the board itself: one
/// line would then be wrong for some points.
fn board_capacity(points: &[&PointResult], resource: &str) -> Option<f64> {
    let mut caps = points.iter().filter_map(|p| {
        if let Some(o) = p.over.iter().find(|o| o.resource == resource) {
            return Some(o.available);
        }
        let used = match resource {
            "lut" => p.resources.lut as f64,
            "ff" => p.resources.ff as f64,
            "dsp" => p.resources.dsp as f64,
            "bram36" => p.resources.bram36,
            _ => return None,
        };
        let util = *p.utilization.get(resource)?;
        (util > 0.0 && used > 0.0).then(|| (used / util).round())
    });
    let first = caps.next()?;
    // Utilisation is rounded by whoever wrote it; half a unit of slack absorbs that.
    caps.all(|c| (c - first).abs() <= 0.5).then_some(first)
}

/// Everything the page shows, gathered once.
struct Page<'a> {
    manifest: &'a Manifest,
    space_name: &'a str,
    points: &'a [&'a PointResult],
    charts: &'a [Chart<'a>],
    best: Option<usize>,
    default: Option<usize>,
}

/// Inline so the page stays one file; print-friendly (no fixed heights) and readable at 1,400 px.
const CSS: &str = r#"
body { font: 14px/1.45 "DejaVu Sans", system-ui, sans-serif; color: #222; margin: 0 auto; max-width: 1500px; padding: 16px 16px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 8px 0; }
.meta dt { color: #666; } .meta dd { margin: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid #e4e4e4; padding: 4px; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; color: #666; padding: 2px 4px; }
.skipped { color: #666; font-style: italic; padding: 12px; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
th, td { padding: 3px 5px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th { background: #f4f4f4; position: sticky; top: 0; }
td.l, th.l { text-align: left; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th::after { content: " \2195"; color: #bbb; }
table.sortable th[data-dir="asc"]::after { content: " \25B2"; color: #333; }
table.sortable th[data-dir="desc"]::after { content: " \25BC"; color: #333; }
tr:target, section:target { background: #fff6d5; }
.util { color: #777; font-size: 12px; }
.bar { background: #0072b2; height: 10px; display: inline-block; vertical-align: middle; }
.barcell { width: 320px; text-align: left; }
.tag { display: inline-block; font-size: 11px; padding: 0 5px; border-radius: 3px; background: #fde3cf; color: #8a3200; margin-right: 3px; }
.tag.def { background: #dbe9f6; color: #0b4a7a; }
.ok { color: #1a7f37; } .infeasible { color: #a15c00; } .failed { color: #b00020; }
section.point { border-top: 1px solid #ddd; padding-top: 4px; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; font-size: 12px; }
a { color: #0b5fa5; }
"#;

/// Sorts a table by the clicked column: numerically by `data-v` where a cell has one, as text otherwise;
/// a second click reverses. Rows keep their relative order on ties (Array.sort is stable).
const JS: &str = r#"
document.querySelectorAll('table.sortable').forEach(function (t) {
  var heads = t.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, i) {
    th.addEventListener('click', function () {
      var asc = th.dataset.dir !== 'asc';
      Array.prototype.forEach.call(heads, function (h) { delete h.dataset.dir; });
      th.dataset.dir = asc ? 'asc' : 'desc';
      var key = function (r) {
        var c = r.cells[i];
        return c.dataset.v !== undefined ? parseFloat(c.dataset.v) : c.textContent.trim();
      };
      var body = t.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var c = (typeof x === 'number' && typeof y === 'number') ? (x === y ? 0 : x - y)
          : String(x).localeCompare(String(y));
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"#;

impl Page<'_> {
    fn render(&self) -> String {
        let mut h = String::with_capacity(64 * 1024);
        let title = format!("Sweep {}: {}", self.space_name, self.manifest.board);
        // `write!` into a String cannot fail.
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
            esc(&title)
        );
        self.header(&mut h);
        self.charts_section(&mut h);
        let rows = self.table_points();
        self.front_table(&mut h, &rows);
        self.infeasible_summary(&mut h);
        self.point_sections(&mut h, &rows);
        let _ = write!(h, "<script>{JS}</script>\n</body>\n</html>\n");
        h
    }

    fn by_id(&self, id: usize) -> Option<&PointResult> {
        self.points
            .binary_search_by_key(&id, |p| p.id)
            .ok()
            .map(|i| self.points[i])
    }

    fn count(&self, status: Status) -> usize {
        self.points.iter().filter(|p| p.status == status).count()
    }

    fn header(&self, h: &mut String) {
        let m = self.manifest;
        let _ = write!(
            h,
            "<h1>Design-space sweep <code>{}</code> on {}</h1>\n<dl class=\"meta\">\n",
            esc(self.space_name),
            esc(&m.board)
        );
        let mut row = |k: &str, v: String| {
            let _ = writeln!(h, "<dt>{k}</dt><dd>{v}</dd>");
        };
        row("space file", format!("<code>{}</code>", esc(&m.space_file)));
        let seed = m.seed.map_or_else(String::new, |s| format!(", seed {s}"));
        row("sampling", format!("{}{seed}", esc(&m.sample)));
        let mut points = format!("{} in the space", m.points);
        if self.points.len() != m.points {
            let _ = write!(
                points,
                ", <strong>{} with results</strong> (an unfinished or partly merged sweep)",
                self.points.len()
            );
        }
        row("points", points);
        row(
            "outcome",
            format!(
                "<span class=\"ok\">{} feasible</span> · <span class=\"infeasible\">{} infeasible</span> \
                 · <span class=\"failed\">{} failed</span>",
                self.count(Status::Ok),
                self.count(Status::Infeasible),
                self.count(Status::Failed)
            ),
        );
        row("board", esc(&m.board));
        let axes: Vec<String> = m
            .axes
            .iter()
            .map(|(field, values)| {
                let vs: Vec<String> = values.iter().map(show_value).collect();
                format!("<code>{}</code> ∈ {{{}}}", esc(field), esc(&vs.join(", ")))
            })
            .collect();
        row("axes", axes.join("<br>"));
        let best = self.by_id_opt(self.best);
        let default = self.by_id_opt(self.default);
        match best {
            Some(b) => {
                let mut s = format!(
                    "<a href=\"#p{id}\">#{id}</a>: <strong>{:.3} ms</strong> ({} cycles at {} MHz)",
                    b.latency_ms,
                    group_digits(b.latency_cycles as f64),
                    trim_float(b.clock_mhz),
                    id = b.id
                );
                if let Some(d) = default.filter(|d| d.id != b.id && d.latency_ms > 0.0) {
                    let _ = write!(
                        s,
                        ", {:.2}× faster than the default",
                        d.latency_ms / b.latency_ms
                    );
                }
                if let Some(e) = &b.energy {
                    let _ = write!(
                        s,
                        "; {:.1} mJ a frame at {:.2} W, {:.2} GOPS/W",
                        e.energy_mj, e.power_w, e.gops_per_w
                    );
                    if let Some(de) = default
                        .filter(|d| d.id != b.id)
                        .and_then(|d| d.energy.as_ref())
                    {
                        let _ = write!(s, " (the default: {:.1} mJ)", de.energy_mj);
                    }
                }
                row("best feasible", s);
            }
            None => row("best feasible", "none: no point fits the board".into()),
        }
        match default {
            Some(d) => row(
                "default point",
                format!(
                    "<a href=\"#p{id}\">#{id}</a> (the base config): {:.3} ms, <span class=\"{}\">{}</span>",
                    d.latency_ms,
                    status_class(d.status),
                    status_class(d.status),
                    id = d.id
                ),
            ),
            None => row(
                "default point",
                "not in the sweep (or its base config could not be read)".into(),
            ),
        }
        h.push_str("</dl>\n");
        let _ = writeln!(
            h,
            "<details><summary>space file</summary><pre>{}</pre></details>",
            esc(&m.space)
        );
    }

    fn by_id_opt(&self, id: Option<usize>) -> Option<&PointResult> {
        id.and_then(|id| self.by_id(id))
    }

    fn charts_section(&self, h: &mut String) {
        h.push_str(
            "<h2>Pareto fronts</h2>\n<p>Both axes are minimised: a point on the front has no other \
             feasible point that is at least as fast and at least as cheap. Hollow grey points do not fit \
             the board; the dashed line is the board's amount of that resource (an infeasible point left \
             of it is over some other resource). Failed points are not drawn.</p>\n<div class=\"charts\">\n",
        );
        for c in self.charts {
            h.push_str("<figure>\n");
            match &c.drawn {
                Drawn::Chart { paths, svg } => {
                    h.push_str(&inline_svg(svg));
                    let names: Vec<String> = paths
                        .iter()
                        .filter_map(|p| p.file_name())
                        .map(|n| {
                            let n = esc(&n.to_string_lossy());
                            format!("<a href=\"{n}\">{n}</a>")
                        })
                        .collect();
                    let _ = writeln!(
                        h,
                        "<figcaption>latency vs {}: {} on the front · {}</figcaption>",
                        c.obj.name,
                        c.front.len(),
                        names.join(" · ")
                    );
                }
                Drawn::Skipped(why) => {
                    let _ = writeln!(
                        h,
                        "<div class=\"skipped\">No latency vs {} chart: {}.</div>",
                        c.obj.name,
                        esc(why)
                    );
                }
            }
            h.push_str("</figure>\n");
        }
        h.push_str("</div>\n");
    }

    /// The union of the fronts, plus the best and default points (each on no front possibly), by id,
    /// with the fronts each is on.
    fn table_points(&self) -> Vec<(&PointResult, Vec<&Objective>)> {
        let mut on: BTreeMap<usize, Vec<&Objective>> = BTreeMap::new();
        for c in self.charts {
            if matches!(c.drawn, Drawn::Chart { .. }) {
                for id in &c.front {
                    on.entry(*id).or_default().push(c.obj);
                }
            }
        }
        for id in self.best.iter().chain(&self.default) {
            on.entry(*id).or_default();
        }
        on.into_iter()
            .filter_map(|(id, fronts)| Some((self.by_id(id)?, fronts)))
            .collect()
    }

    fn has_accuracy(&self) -> bool {
        self.points.iter().any(|p| p.accuracy.is_some())
    }

    fn front_table(&self, h: &mut String, rows: &[(&PointResult, Vec<&Objective>)]) {
        h.push_str("<h2>Front points</h2>\n");
        if rows.is_empty() {
            h.push_str("<p>No feasible point, so no front.</p>\n");
            return;
        }
        h.push_str(
            "<p>Every point on at least one front (and the best and default points). Click a column \
             to sort; click an id for the point's cycle breakdown and config.</p>\n\
             <div class=\"scroll\"><table class=\"sortable\" id=\"fronts\">\n<thead><tr><th class=\"l\">id</th>",
        );
        for (field, _) in &self.manifest.axes {
            // Fields that move together (`a.x+a.y`) share a column: `x+y`.
            let short: Vec<&str> = field
                .split('+')
                .map(|f| f.rsplit('.').next().unwrap_or(f))
                .collect();
            let short = short.join("+");
            let _ = write!(
                h,
                "<th class=\"l\" title=\"{}\">{}</th>",
                esc(field),
                esc(&short)
            );
        }
        h.push_str(
            "<th>latency ms</th><th>cycles</th><th>LUT</th><th>FF</th><th>DSP</th><th>BRAM36</th>\
             <th>mJ</th><th>GOPS/W</th>",
        );
        let accuracy = self.has_accuracy();
        if accuracy {
            h.push_str("<th>MSE</th>");
        }
        h.push_str(
            "<th class=\"l\">on fronts</th><th class=\"l\">status</th></tr></thead>\n<tbody>\n",
        );
        for (p, fronts) in rows {
            let class = if fronts.is_empty() {
                ""
            } else {
                " class=\"front\""
            };
            let _ = write!(
                h,
                "<tr id=\"row-{id}\"{class}><td class=\"l\" data-v=\"{id}\"><a href=\"#p{id}\">#{id}</a></td>",
                id = p.id
            );
            for (field, _) in &self.manifest.axes {
                let values: Option<Vec<&toml::Value>> =
                    field.split('+').map(|f| p.values.get(f)).collect();
                match values.as_deref() {
                    Some([first, ..]) => {
                        // Sorting goes by the first field of a tied axis.
                        let num = match first {
                            toml::Value::Integer(i) => format!(" data-v=\"{i}\""),
                            toml::Value::Float(f) => format!(" data-v=\"{f}\""),
                            _ => String::new(),
                        };
                        let shown: Vec<String> =
                            values.iter().flatten().map(|v| show_value(v)).collect();
                        let _ = write!(h, "<td class=\"l\"{num}>{}</td>", esc(&shown.join(" × ")));
                    }
                    _ => h.push_str("<td class=\"l\">–</td>"),
                }
            }
            let _ = write!(
                h,
                "<td data-v=\"{}\">{:.3}</td><td data-v=\"{}\">{}</td>",
                p.latency_ms,
                p.latency_ms,
                p.latency_cycles,
                group_digits(p.latency_cycles as f64)
            );
            let r = &p.resources;
            for (key, v) in [
                ("lut", r.lut as f64),
                ("ff", r.ff as f64),
                ("dsp", r.dsp as f64),
                ("bram36", r.bram36),
            ] {
                // A whole percent here (the point's section gives a decimal) keeps the table on one
                // screen.
                let util = p.utilization.get(key).map_or_else(String::new, |u| {
                    format!(" <span class=\"util\">{:.0}%</span>", u * 100.0)
                });
                let _ = write!(h, "<td data-v=\"{v}\">{}{util}</td>", group_digits(v));
            }
            match &p.energy {
                Some(e) => {
                    let _ = write!(
                        h,
                        "<td data-v=\"{}\">{:.1}</td><td data-v=\"{}\">{:.2}</td>",
                        e.energy_mj, e.energy_mj, e.gops_per_w, e.gops_per_w
                    );
                }
                None => h.push_str("<td data-v=\"Infinity\">–</td><td data-v=\"0\">–</td>"),
            }
            if accuracy {
                match &p.accuracy {
                    Some(a) => {
                        let _ = write!(h, "<td data-v=\"{}\">{:.3e}</td>", a.mse, a.mse);
                    }
                    None => h.push_str("<td data-v=\"Infinity\">–</td>"),
                }
            }
            let mut tags: Vec<String> = fronts
                .iter()
                .map(|f| {
                    format!(
                        "<span class=\"tag\" title=\"latency vs {}\">{}</span>",
                        f.name, f.tag
                    )
                })
                .collect();
            if Some(p.id) == self.best {
                tags.push("<span class=\"tag def\">best</span>".into());
            }
            if Some(p.id) == self.default {
                tags.push("<span class=\"tag def\">default</span>".into());
            }
            let _ = writeln!(
                h,
                "<td class=\"l\">{}</td><td class=\"l {c}\">{c}</td></tr>",
                tags.join(""),
                c = status_class(p.status)
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
    }

    fn infeasible_summary(&self, h: &mut String) {
        h.push_str("<h2>What the board rules out</h2>\n");
        let infeasible: Vec<&PointResult> = self
            .points
            .iter()
            .copied()
            .filter(|p| p.status == Status::Infeasible)
            .collect();
        if infeasible.is_empty() {
            h.push_str("<p>Every simulated point fits the board.</p>\n");
        } else {
            // By resource: how many points need too much of it, by how much, and how many would fit
            // but for it (those are the ones a bigger part would bring in).
            struct Over {
                points: usize,
                only: usize,
                least: f64,
                most: f64,
            }
            let mut by: BTreeMap<&str, Over> = BTreeMap::new();
            for p in &infeasible {
                for o in &p.over {
                    let pct = if o.available > 0.0 {
                        (o.needed / o.available - 1.0) * 100.0
                    } else {
                        f64::INFINITY
                    };
                    let e = by.entry(o.resource.as_str()).or_insert(Over {
                        points: 0,
                        only: 0,
                        least: f64::INFINITY,
                        most: f64::NEG_INFINITY,
                    });
                    e.points += 1;
                    e.only += usize::from(p.over.len() == 1);
                    e.least = e.least.min(pct);
                    e.most = e.most.max(pct);
                }
            }
            let _ = writeln!(
                h,
                "<p>{} points need more than the {} has (a point may be over several resources).</p>\n\
                 <table>\n<thead><tr><th class=\"l\">resource</th><th>points over</th>\
                 <th>over by</th><th>over only this</th></tr></thead>\n<tbody>",
                infeasible.len(),
                esc(&self.manifest.board)
            );
            let mut rows: Vec<(&&str, &Over)> = by.iter().collect();
            rows.sort_by(|a, b| b.1.points.cmp(&a.1.points).then(a.0.cmp(b.0)));
            for (resource, o) in rows {
                let range = if (o.most - o.least).abs() < 0.05 {
                    format!("{:.1}%", o.most)
                } else {
                    format!("{:.1}% to {:.1}%", o.least, o.most)
                };
                let _ = writeln!(
                    h,
                    "<tr><td class=\"l\">{}</td><td>{}</td><td>{range}</td><td>{}</td></tr>",
                    esc(&resource.to_uppercase()),
                    o.points,
                    o.only
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }

        let mut failed: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for p in self.points.iter().filter(|p| p.status == Status::Failed) {
            let reason = p.reason.as_deref().unwrap_or("(no reason given)");
            failed.entry(reason).or_default().push(p.id);
        }
        if !failed.is_empty() {
            h.push_str(
                "<h3>Failed points</h3>\n<table>\n<thead><tr><th class=\"l\">reason</th><th>points</th>\
                 <th class=\"l\">ids</th></tr></thead>\n<tbody>\n",
            );
            let mut rows: Vec<(&str, Vec<usize>)> = failed.into_iter().collect();
            rows.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
            for (reason, ids) in rows {
                let mut shown: Vec<String> = ids.iter().take(8).map(|i| format!("#{i}")).collect();
                if ids.len() > 8 {
                    shown.push("…".into());
                }
                let _ = writeln!(
                    h,
                    "<tr><td class=\"l\" style=\"white-space:normal\">{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
                    esc(reason),
                    ids.len(),
                    shown.join(" ")
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
    }

    fn point_sections(&self, h: &mut String, rows: &[(&PointResult, Vec<&Objective>)]) {
        if rows.is_empty() {
            return;
        }
        h.push_str("<h2>Points</h2>\n");
        for (p, fronts) in rows {
            let _ = write!(
                h,
                "<section class=\"point\" id=\"p{id}\">\n<h3>#{id}: {:.3} ms, <span class=\"{c}\">{c}</span>",
                p.latency_ms,
                id = p.id,
                c = status_class(p.status)
            );
            if !fronts.is_empty() {
                let names: Vec<&str> = fronts.iter().map(|f| f.name).collect();
                let plural = if fronts.len() > 1 { "s" } else { "" };
                let _ = write!(h, " · on the {} front{plural}", names.join(", "));
            }
            let _ = writeln!(h, " <a href=\"#row-{}\">↑ table</a></h3>", p.id);
            let values: Vec<String> = p
                .values
                .iter()
                .map(|(k, v)| format!("<code>{} = {}</code>", esc(k), esc(&show_value(v))))
                .collect();
            let _ = writeln!(h, "<p>{}</p>", values.join(" · "));
            let r = &p.resources;
            let mut figures: Vec<String> = [
                ("LUT", "lut", r.lut as f64),
                ("FF", "ff", r.ff as f64),
                ("DSP", "dsp", r.dsp as f64),
                ("BRAM36", "bram36", r.bram36),
            ]
            .iter()
            .map(|(name, key, v)| {
                let util = p
                    .utilization
                    .get(*key)
                    .map_or_else(String::new, |u| format!(" ({:.1}%)", u * 100.0));
                format!("{name} {}{util}", group_digits(*v))
            })
            .collect();
            figures.push(format!(
                "{} cycles at {} MHz",
                group_digits(p.latency_cycles as f64),
                trim_float(p.clock_mhz)
            ));
            if let Some(e) = &p.energy {
                let dram = e.dram_mj.map_or_else(
                    || "DRAM not counted".to_string(),
                    |d| format!("DRAM {d:.1} mJ"),
                );
                figures.push(format!(
                    "{:.1} mJ a frame ({dram}), {:.2} W, {:.2} GOPS/W",
                    e.energy_mj, e.power_w, e.gops_per_w
                ));
            }
            if let Some(a) = &p.accuracy {
                figures.push(format!("MSE {:.3e} at {}", a.mse, esc(&a.tap)));
            }
            let _ = writeln!(h, "<p>{}</p>", figures.join(" · "));
            if !p.over.is_empty() {
                let over: Vec<String> = p
                    .over
                    .iter()
                    .map(|o| {
                        format!(
                            "{} {} of {}",
                            esc(&o.resource.to_uppercase()),
                            group_digits(o.needed),
                            group_digits(o.available)
                        )
                    })
                    .collect();
                let _ = writeln!(h, "<p class=\"infeasible\">Over: {}</p>", over.join(", "));
            }
            unit_breakdown(h, p);
            let _ = writeln!(
                h,
                "<details><summary>config to reproduce (<code>edgemoe simulate --config</code>)</summary>\
                 <pre>{}</pre></details>\n</section>",
                esc(&p.config)
            );
        }
    }
}

/// Each unit's cycles and share of the frame as a bar, largest first: what to widen next.
fn unit_breakdown(h: &mut String, p: &PointResult) {
    if p.unit_cycles.is_empty() {
        return;
    }
    let total: u64 = p.unit_cycles.values().sum();
    let mut units: Vec<(&String, &u64)> = p.unit_cycles.iter().collect();
    units.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    h.push_str(
        "<table>\n<thead><tr><th class=\"l\">unit</th><th>cycles</th><th>share</th>\
         <th class=\"l barcell\"></th></tr></thead>\n<tbody>\n",
    );
    for (unit, cycles) in units {
        let share = if total > 0 {
            *cycles as f64 / total as f64
        } else {
            0.0
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{:.1}%</td>\
             <td class=\"barcell\"><span class=\"bar\" style=\"width:{:.1}%\"></span></td></tr>",
            esc(unit),
            group_digits(*cycles as f64),
            share * 100.0,
            share * 100.0
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

/// plotters writes a standalone SVG document; inside HTML the XML prolog is noise and the namespace is
/// implied (and would be the page's only URL).
fn inline_svg(svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..].replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Infeasible => "infeasible",
        Status::Failed => "failed",
    }
}

/// Axis values as an architect writes them: strings bare, not TOML-quoted.
fn show_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `274080` → `274 080`, `1.5` → `1.5`: resource counts are read at a glance.
fn group_digits(v: f64) -> String {
    if v.fract() != 0.0 || !v.is_finite() {
        return trim_float(v);
    }
    let digits = format!("{}", v.abs() as u64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202F}');
        }
        out.push(c);
    }
    if v < 0.0 {
        out.insert(0, '-');
    }
    out
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::tests::TempDir;
    use crate::sweep::result::{Accuracy, Overuse, PointEnergy, Resources};
    use golden::rng::SplitMix64;

    /// The capacities of the ZCU102 the synthetic points are priced against.
    const BOARD: [(&str, f64); 4] = [
        ("lut", 274_080.0),
        ("ff", 548_160.0),
        ("dsp", 2_520.0),
        ("bram36", 912.0),
    ];

    const FMS: [&str; 3] = ["ap_fixed<32,10>", "ap_fixed<24,8>", "ap_fixed<20,6>"];

    /// A grid over lanes × tile × fm × weight_load with a toy cost model: more lanes and bigger tiles
    /// are faster and dearer, narrower formats cheaper and less accurate. The point at lanes 4, tile
    /// 16, the default fm and serial loading is the embedded default config's. Every `fail_every`-th
    /// point failed.
    fn synthetic(
        lanes: &[i64],
        tiles: &[i64],
        fms: usize,
        fail_every: usize,
    ) -> (Manifest, Vec<PointResult>) {
        let mut rng = SplitMix64::new(0x9E37_79B9_7F4A_7C15);
        let loads = ["serial", "overlapped"];
        let mut results = Vec::new();
        for &l in lanes {
            for &t in tiles {
                for fm in &FMS[..fms] {
                    for load in loads {
                        let id = results.len();
                        let width: f64 = fm[9..11].parse().unwrap();
                        let jitter = rng.below(1000) as f64 / 1000.0;
                        let linear = (9.0e6 * 256.0 / (t * t) as f64) as u64;
                        let attn = (4.0e6 * 4.0 / l as f64) as u64;
                        let load_c = if load == "serial" { 900_000 } else { 150_000 };
                        let norm = 400_000 + rng.below(20_000);
                        let mut unit_cycles = BTreeMap::new();
                        unit_cycles.insert("linear".to_string(), linear);
                        unit_cycles.insert("qk_scores".to_string(), attn / 2);
                        unit_cycles.insert("attn_av".to_string(), attn / 2);
                        unit_cycles.insert("load_linear_weights".to_string(), load_c);
                        unit_cycles.insert("layernorm".to_string(), norm);
                        let cycles: u64 = unit_cycles.values().sum();
                        let scale = width / 32.0;
                        let dsp = ((t * t) as f64 * 4.0 * scale + l as f64 * 60.0 + 80.0) as u64;
                        let bram =
                            (t as f64 * 18.0 * scale + l as f64 * 20.0 + 90.0 + jitter * 40.0)
                                .round();
                        let lut = (60_000.0
                            + (t * t) as f64 * 300.0 * scale
                            + l as f64 * 9_000.0
                            + jitter * 10_000.0) as u64;
                        let ff = lut * 2;
                        let resources = Resources {
                            lut,
                            ff,
                            dsp,
                            bram36: bram,
                        };
                        let used = [lut as f64, ff as f64, dsp as f64, bram];
                        let utilization: BTreeMap<String, f64> = BOARD
                            .iter()
                            .zip(used)
                            .map(|((k, cap), u)| (k.to_string(), u / cap))
                            .collect();
                        let over: Vec<Overuse> = BOARD
                            .iter()
                            .zip(used)
                            .filter(|((_, cap), u)| u > cap)
                            .map(|((k, cap), u)| Overuse {
                                resource: k.to_string(),
                                needed: u,
                                available: *cap,
                            })
                            .collect();
                        let failed = fail_every > 0 && id % fail_every == fail_every - 1;
                        let status = if failed {
                            Status::Failed
                        } else if over.is_empty() {
                            Status::Ok
                        } else {
                            Status::Infeasible
                        };
                        // The formats alone set the error: the frame and its weights are the same at every point.
                        let mse = 2f64.powf(-2.0 * (width - 10.0));
                        let mut values = BTreeMap::new();
                        values.insert("arch.attn_lanes".to_string(), toml::Value::Integer(l));
                        values.insert("arch.linear_tile_in".to_string(), toml::Value::Integer(t));
                        values.insert(
                            "numerics.fm".to_string(),
                            toml::Value::String(fm.to_string()),
                        );
                        values.insert(
                            "arch.weight_load".to_string(),
                            toml::Value::String(load.into()),
                        );
                        results.push(PointResult {
                            id,
                            values,
                            status,
                            reason: failed.then(|| "sim: queue <expert> never drained".to_string()),
                            latency_cycles: cycles,
                            latency_ms: cycles as f64 / 299.97e3,
                            clock_mhz: 299.97,
                            unit_cycles,
                            resources,
                            utilization,
                            over,
                            accuracy: Some(Accuracy {
                                tap: "l11.x".into(),
                                mse,
                                mae: mse.sqrt(),
                                max_abs_err: mse.sqrt() * 8.0,
                            }),
                            // Static power over the frame plus a dynamic part that grows with
                            // the DSPs: faster points cost more watts but fewer joules.
                            energy: Some({
                                let ms = cycles as f64 / 299.97e3;
                                let w = 3.0 + dsp as f64 / 800.0;
                                PointEnergy {
                                    energy_mj: w * ms,
                                    power_w: w,
                                    gops_per_w: 1560.0 / ms / w,
                                    frames_per_j: 1e3 / (w * ms),
                                    fpga_mj: 0.9 * w * ms,
                                    dram_mj: Some(0.1 * w * ms),
                                }
                            }),
                            config: format!(
                                "# point {id}: attn <lanes> = {l} & more\n[arch]\nattn_lanes = {l}\n\
                                 linear_tile_in = {t}\nweight_load = \"{load}\"\n\n[numerics]\nfm = \"{fm}\"\n"
                            ),
                        });
                    }
                }
            }
        }
        let int_axis = |vs: &[i64]| vs.iter().map(|v| toml::Value::Integer(*v)).collect();
        let manifest = Manifest {
            space_file: "spaces/lanes-tiles.toml".into(),
            space: "[sweep]\nsample = \"grid\"\n\n[[axis]]\nfield = \"arch.attn_lanes\"\n".into(),
            points: results.len(),
            axes: vec![
                ("arch.attn_lanes".into(), int_axis(lanes)),
                ("arch.linear_tile_in".into(), int_axis(tiles)),
                (
                    "numerics.fm".into(),
                    FMS[..fms]
                        .iter()
                        .map(|f| toml::Value::String(f.to_string()))
                        .collect(),
                ),
                (
                    "arch.weight_load".into(),
                    loads
                        .iter()
                        .map(|f| toml::Value::String(f.to_string()))
                        .collect(),
                ),
            ],
            sample: "grid".into(),
            seed: None,
            board: "zcu102".into(),
            default_point: results
                .iter()
                .find(|p| {
                    p.values["arch.attn_lanes"].as_integer() == Some(4)
                        && p.values["arch.linear_tile_in"].as_integer() == Some(16)
                        && p.values["numerics.fm"].as_str() == Some("ap_fixed<32,10>")
                        && p.values["arch.weight_load"].as_str() == Some("serial")
                })
                .map(|p| p.id),
        };
        (manifest, results)
    }

    fn write_synthetic(dir: &Path) -> (Manifest, Vec<PointResult>, Written, String) {
        let (manifest, results) = synthetic(&[2, 4, 8], &[8, 16, 32], 3, 13);
        let written = write(dir, &manifest, &results).unwrap();
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        (manifest, results, written, html)
    }

    #[test]
    fn write_produces_every_chart_and_the_page() {
        let tmp = TempDir::new("files");
        let (_, results, written, _) = write_synthetic(&tmp.0);
        assert_eq!(results.len(), 54);
        let mut expected = Vec::new();
        for stem in ["dsp", "bram", "lut", "error", "energy"] {
            for ext in ["png", "svg"] {
                expected.push(tmp.0.join(format!("pareto-latency-{stem}.{ext}")));
            }
        }
        expected.push(tmp.0.join("report.html"));
        assert_eq!(written.files, expected);
        for f in &written.files {
            assert!(std::fs::metadata(f).unwrap().len() > 0, "{}", f.display());
        }
        assert!(std::fs::read(&expected[0])
            .unwrap()
            .starts_with(b"\x89PNG\r\n\x1a\n"));
        // No temporaries left beside them.
        let names: Vec<String> = std::fs::read_dir(&tmp.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), expected.len(), "{names:?}");
    }

    #[test]
    fn best_point_is_the_fastest_feasible_one() {
        let tmp = TempDir::new("best");
        let (_, results, written, html) = write_synthetic(&tmp.0);
        let fastest = results
            .iter()
            .filter(|p| p.status == Status::Ok)
            .map(|p| p.latency_ms)
            .min_by(f64::total_cmp)
            .unwrap();
        let best = results.iter().find(|p| Some(p.id) == written.best).unwrap();
        assert_eq!(best.status, Status::Ok);
        assert!(best.latency_ms <= fastest * (1.0 + crate::sweep::front::LATENCY_TIE));
        assert!(html.contains(&format!("<strong>{:.3} ms</strong>", best.latency_ms)));
    }

    #[test]
    fn the_least_energy_point_fits_and_none_that_fits_spends_less() {
        let (_, mut results) = synthetic(&[2, 4, 8], &[8, 16, 32], 3, 13);
        let points: Vec<&PointResult> = results.iter().collect();
        let id = crate::sweep::front::least_energy(&points).unwrap();
        let mj = |p: &PointResult| p.energy.as_ref().unwrap().energy_mj;
        let least = results.iter().find(|p| p.id == id).unwrap();
        assert_eq!(least.status, Status::Ok);
        for p in results.iter().filter(|p| p.status == Status::Ok) {
            assert!(mj(p) >= mj(least), "{} spends less", p.id);
        }
        // An infeasible point spending less does not count; a point without energy neither.
        let mut cheaper = least.clone();
        cheaper.id = 999;
        cheaper.status = Status::Infeasible;
        cheaper.energy.as_mut().unwrap().energy_mj = 0.5 * mj(least);
        results.push(cheaper);
        for p in &mut results {
            if p.id != id && p.id != 999 {
                p.energy = None;
            }
        }
        let points: Vec<&PointResult> = results.iter().collect();
        assert_eq!(crate::sweep::front::least_energy(&points), Some(id));
    }

    #[test]
    fn a_tie_on_latency_goes_to_the_more_accurate_point() {
        let (_, results) = synthetic(&[2, 4, 8], &[8, 16, 32], 3, 13);
        let mut points: Vec<&PointResult> = results.iter().collect();
        let id = best_point(&points).unwrap();
        let fastest = results.iter().find(|p| p.id == id).unwrap().clone();
        let mse = fastest.accuracy.as_ref().unwrap().mse;
        let variant = |id: usize, slower: f64, mse_factor: f64| {
            let mut p = fastest.clone();
            p.id = id;
            p.latency_ms *= slower;
            p.accuracy.as_mut().unwrap().mse = mse * mse_factor;
            p
        };
        // 1% slower is not a tie, however accurate; 0.1% slower and ten times as accurate is.
        let far = variant(1000, 1.01, 0.01);
        let near = variant(1001, 1.001, 0.1);
        points.push(&far);
        assert_eq!(best_point(&points), Some(fastest.id));
        points.push(&near);
        assert_eq!(best_point(&points), Some(1001));
    }

    #[test]
    fn page_is_self_contained() {
        let tmp = TempDir::new("offline");
        let (_, _, _, html) = write_synthetic(&tmp.0);
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(!html.contains("<?xml"));
        assert_eq!(html.matches("<svg").count(), 5);
        assert!(html.contains("<script>") && html.contains("<style>"));
    }

    #[test]
    fn configs_and_reasons_are_escaped() {
        let tmp = TempDir::new("escape");
        let (_, _, _, html) = write_synthetic(&tmp.0);
        assert!(html.contains("attn &lt;lanes&gt; = "), "config not escaped");
        assert!(!html.contains("<lanes>"));
        assert!(html.contains(" &amp; more"));
        assert!(html.contains("queue &lt;expert&gt; never drained"));
        assert!(html.contains("fm = &quot;ap_fixed&lt;32,10&gt;&quot;"));
    }

    #[test]
    fn table_has_a_row_per_front_point() {
        let tmp = TempDir::new("rows");
        let (_, results, _, html) = write_synthetic(&tmp.0);
        let mut union = BTreeSet::new();
        for obj in &OBJECTIVES {
            let coords: Vec<(usize, f64, f64)> = results
                .iter()
                .filter(|p| p.status == Status::Ok)
                .filter_map(|p| Some((p.id, (obj.x)(p)?, p.latency_ms)))
                .collect();
            union.extend(pareto(&coords));
        }
        assert!(union.len() >= 4, "{union:?}");
        let front_rows = html.matches(" class=\"front\"><td").count();
        assert_eq!(front_rows, union.len());
        for id in &union {
            assert!(
                html.contains(&format!("<tr id=\"row-{id}\" class=\"front\">")),
                "no row for #{id}"
            );
            assert!(
                html.contains(&format!("<section class=\"point\" id=\"p{id}\">")),
                "no section for #{id}"
            );
        }
    }

    #[test]
    fn the_default_point_is_named() {
        let tmp = TempDir::new("default");
        let (manifest, _, _, html) = write_synthetic(&tmp.0);
        let id = manifest
            .default_point
            .expect("the synthetic sweep holds its base");
        assert!(
            html.contains(&format!("<a href=\"#p{id}\">#{id}</a> (the base config)")),
            "default #{id} not named"
        );
    }

    #[test]
    fn infeasible_points_are_summarised_by_resource() {
        let tmp = TempDir::new("over");
        let (_, results, _, html) = write_synthetic(&tmp.0);
        let over_dsp = results
            .iter()
            .filter(|p| {
                p.status == Status::Infeasible && p.over.iter().any(|o| o.resource == "dsp")
            })
            .count();
        assert!(over_dsp > 0);
        assert!(
            html.contains(&format!("<tr><td class=\"l\">DSP</td><td>{over_dsp}</td>")),
            "{over_dsp}"
        );
    }

    #[test]
    fn one_format_means_no_error_chart_and_no_stale_one() {
        let tmp = TempDir::new("one-format");
        write_synthetic(&tmp.0);
        assert!(tmp.0.join("pareto-latency-error.svg").exists());
        let (manifest, results) = synthetic(&[2, 4], &[16], 1, 0);
        let written = write(&tmp.0, &manifest, &results).unwrap();
        assert!(!written
            .files
            .iter()
            .any(|f| f.ends_with("pareto-latency-error.svg")));
        assert!(!tmp.0.join("pareto-latency-error.svg").exists());
        let html = std::fs::read_to_string(tmp.0.join("report.html")).unwrap();
        assert!(html.contains("No latency vs error chart"));
    }

    #[test]
    fn a_sweep_where_everything_failed_still_reports() {
        let tmp = TempDir::new("allfailed");
        let (manifest, mut results) = synthetic(&[2], &[16], 1, 0);
        for p in &mut results {
            p.status = Status::Failed;
            p.reason = Some("no route".into());
        }
        let written = write(&tmp.0, &manifest, &results).unwrap();
        assert_eq!(written.files, [tmp.0.join("report.html")]);
        assert_eq!(written.best, None);
        let html = std::fs::read_to_string(&written.files[0]).unwrap();
        assert!(html.contains("none: no point fits the board"));
        assert!(
            html.contains("<td class=\"l\" style=\"white-space:normal\">no route</td><td>2</td>")
        );
    }
}
