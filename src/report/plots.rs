//! The plot kinds: their data ([`Plot`]), validation into a drawable form ([`prepare`]) and
//! drawing on any plotters backend ([`draw`]).
//!
//! Every chart has the same frame: a title at the top, a cartesian chart whose axes are
//! `f64` with tick positions and labels chosen here (so PNG and SVG agree and labels are
//! tidy), and below it an optional legend strip and an optional note line. The legend is
//! never drawn over the data.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ReportError;

/// How a line series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineStyle {
    /// A solid line through the points.
    #[default]
    Solid,
    /// A dashed line through the points.
    Dashed,
    /// A marker at each point, no line (for example a calibration curve's bins).
    Markers,
}

/// One named line series of a [`Plot::Lines`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The name shown in the legend (an empty name gets no legend entry).
    pub name: String,
    /// The points `(x, y)`, drawn in the given order.
    pub points: Vec<(f64, f64)>,
    /// How the series is drawn.
    pub style: LineStyle,
}

impl Series {
    /// A solid series.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
            style: LineStyle::Solid,
        }
    }

    /// The same series drawn with `style`.
    pub fn with_style(mut self, style: LineStyle) -> Self {
        self.style = style;
        self
    }
}

/// The forest plot of an A/B experiment's retention uplift (`clvr uplift --plot` and the
/// report's experiment section draw the same one): each treatment arm overall, then each
/// (arm, segment), as `(estimate, lo, hi)` differences in retention (fractions; drawn in
/// percentage points) against a reference line at 0.
pub fn uplift_forest(
    confidence: f64,
    overall: &[(&str, (f64, f64, f64))],
    segments: &[(&str, &str, (f64, f64, f64))],
) -> Plot {
    let pp = |(e, l, h): (f64, f64, f64)| (100.0 * e, 100.0 * l, 100.0 * h);
    let mut rows: Vec<(String, f64, f64, f64)> = Vec::new();
    for (variant, i) in overall {
        let (e, l, h) = pp(*i);
        rows.push((format!("{variant} (all)"), e, l, h));
    }
    for (variant, segment, i) in segments {
        let (e, l, h) = pp(*i);
        rows.push((format!("{variant}: {segment}"), e, l, h));
    }
    Plot::Forest {
        title: format!(
            "Retention uplift vs control, with {:.0}% CIs",
            100.0 * confidence
        ),
        x_label: "uplift in retention (percentage points)".into(),
        rows,
        reference: 0.0,
    }
}

/// A plot, as plain data. [`render`](super::render) turns it into an image.
///
/// Series colours follow one palette of eight colours in series order (blue, orange, red,
/// teal, green, yellow, purple, brown; they repeat after eight series). A legend strip below
/// the chart lists the series when there is more than one.
#[derive(Debug, Clone, PartialEq)]
pub enum Plot {
    /// Grouped bars: one group per category along x, one bar per series in each group (for
    /// example mean holdout purchases by calibration frequency 0..7+, actual vs predicted;
    /// segment sizes; segment value).
    ///
    /// The y axis always includes 0 and bars start at 0 (negative values go down). A
    /// non-finite value draws no bar and writes `n/a` at its place on the axis, so a missing
    /// value never reads as zero. Errors: no categories or no series
    /// ([`ReportError::Empty`]); a series whose length differs from the number of categories
    /// ([`ReportError::LengthMismatch`]). Category labels longer than 24 characters are
    /// shortened with `…`; when there are too many to fit, only every k-th is written.
    Bars {
        /// The chart title.
        title: String,
        /// The x-axis label (units in the label, e.g. "purchases in calibration (count)").
        x_label: String,
        /// The y-axis label.
        y_label: String,
        /// The category names, left to right.
        categories: Vec<String>,
        /// `(name, one value per category)`, one bar per series in each group.
        series: Vec<(String, Vec<f64>)>,
    },
    /// Line series (tracking curves, Lorenz curve, ROC with its diagonal, calibration
    /// curve, gains/lift), with optional labelled vertical markers and an optional `y = x`
    /// reference line.
    ///
    /// A point with a non-finite coordinate is not drawn and splits its line: the line stops
    /// before it and starts again after it, so a gap shows where data are missing rather
    /// than a straight line across it. A point left on its own by that rule (or a series of
    /// one point) is drawn as a marker. The axes span the finite points and the vertical
    /// markers, padded by 3 %. Errors: no series, or no finite point in any series
    /// ([`ReportError::Empty`]); a non-finite vertical marker position
    /// ([`ReportError::Invalid`]).
    Lines {
        /// The chart title.
        title: String,
        /// The x-axis label.
        x_label: String,
        /// The y-axis label.
        y_label: String,
        /// The series, drawn in order (later ones on top).
        series: Vec<Series>,
        /// Vertical markers `(x, label)`, e.g. `(39.0, "end of calibration")`: a grey dashed
        /// line with its label at the top of the chart.
        vlines: Vec<(f64, String)>,
        /// Draws the `y = x` line (grey, dashed); both axes then span the union of the x and
        /// y ranges, so the line crosses the whole chart. It is listed in the legend as
        /// "y = x" when a legend is shown.
        diagonal: bool,
    },
    /// A heatmap over a grid, for example P(alive) or expected purchases by frequency (x) and
    /// recency (y), with a colour bar (viridis: dark is low, yellow is high).
    ///
    /// `x` and `y` are cell centres and must be finite and strictly increasing; each cell
    /// extends halfway to its neighbours (a single centre gets a cell of width 1). `z[iy][ix]`
    /// is the value at `(x[ix], y[iy])`; y increases upwards. A non-finite `z` is drawn as a
    /// light grey cell and a note under the chart says so. Errors: empty `x` or `y`, or no
    /// finite `z` ([`ReportError::Empty`]); `z.len() != y.len()` or a row with
    /// `len() != x.len()` ([`ReportError::LengthMismatch`]); non-finite or non-increasing
    /// coordinates ([`ReportError::Invalid`]).
    Heatmap {
        /// The chart title.
        title: String,
        /// The x-axis label.
        x_label: String,
        /// The y-axis label.
        y_label: String,
        /// Cell centres along x.
        x: Vec<f64>,
        /// Cell centres along y.
        y: Vec<f64>,
        /// Values, `z[iy][ix]`.
        z: Vec<Vec<f64>>,
        /// The colour bar's label (what z is, with units).
        z_label: String,
    },
    /// A histogram of values (for example the CLV distribution) with `bins` equal-width bins
    /// from the smallest value to the largest (or to the `clip_quantile` quantile).
    ///
    /// Non-finite values are dropped and counted. With `clip_quantile = Some(q)` (`0 < q <=
    /// 1`) the bins end at the q-quantile (linear interpolation between order statistics) and
    /// the values above it are counted in the last bin, which is drawn in a darker shade, so
    /// a long tail neither squashes the plot nor disappears. A note under the chart always
    /// gives n and, when they apply, the number dropped and the number folded into the last
    /// bin with the cut-off. With `log_counts` the count axis is logarithmic (empty bins draw
    /// nothing). Errors: `bins == 0` or `bins > 10_000`, `q` outside (0, 1]
    /// ([`ReportError::Invalid`]); no finite value ([`ReportError::Empty`]).
    Histogram {
        /// The chart title.
        title: String,
        /// The x-axis label (the y axis is "count").
        x_label: String,
        /// The values.
        values: Vec<f64>,
        /// The number of bins (1..=10,000).
        bins: usize,
        /// End the bins at this quantile of the finite values and fold the rest into the
        /// last bin.
        clip_quantile: Option<f64>,
        /// A logarithmic count axis.
        log_counts: bool,
    },
    /// A forest plot: one row per label (top to bottom in the given order) with a point
    /// estimate and its interval, a dashed vertical reference line (0 for an absolute uplift,
    /// 1 for a ratio), and the numbers written at the right of each row.
    ///
    /// Errors: no rows ([`ReportError::Empty`]); a non-finite estimate, bound or reference,
    /// or a row with `lo > hi` ([`ReportError::Invalid`]). The estimate need not lie inside
    /// its interval. Labels longer than 32 characters are shortened with `…`. Every row gets
    /// its label: beyond about 25 rows, ask [`render_sized`](super::render_sized) for a taller
    /// image.
    Forest {
        /// The chart title.
        title: String,
        /// The x-axis label (the effect and its units).
        x_label: String,
        /// `(label, estimate, lo, hi)`, one per row.
        rows: Vec<(String, f64, f64, f64)>,
        /// Where the vertical reference line is drawn.
        reference: f64,
    },
}

impl Plot {
    /// The plot kind, as used in error messages: `bars`, `lines`, `heatmap`, `histogram` or
    /// `forest`.
    pub fn kind(&self) -> &'static str {
        match self {
            Plot::Bars { .. } => "bars",
            Plot::Lines { .. } => "lines",
            Plot::Heatmap { .. } => "heatmap",
            Plot::Histogram { .. } => "histogram",
            Plot::Forest { .. } => "forest",
        }
    }

    /// The chart title.
    pub fn title(&self) -> &str {
        match self {
            Plot::Bars { title, .. }
            | Plot::Lines { title, .. }
            | Plot::Heatmap { title, .. }
            | Plot::Histogram { title, .. }
            | Plot::Forest { title, .. } => title,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Look

/// Series colours: the first eight of Tableau 10. The first two, blue and orange, stay
/// distinct with the common red-green colour-vision deficiencies.
pub(super) const PALETTE: [RGBColor; 8] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x9c, 0x75, 0x5f),
];
const TEXT: RGBColor = RGBColor(0x20, 0x20, 0x20);
const MUTED: RGBColor = RGBColor(0x60, 0x60, 0x60);
const AXIS: RGBColor = RGBColor(0x40, 0x40, 0x40);
const GRID: RGBColor = RGBColor(0xe4, 0xe4, 0xe4);
const REFERENCE: RGBColor = RGBColor(0x80, 0x80, 0x80);
pub(super) const MISSING: RGBColor = RGBColor(0xd4, 0xd4, 0xd4);
/// The histogram's last bin when it also counts the clipped tail.
const OVERFLOW: RGBColor = RGBColor(0x2b, 0x4a, 0x6b);

/// Viridis at nine evenly spaced stops; [`viridis`] interpolates linearly between them.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (0x44, 0x01, 0x54),
    (0x47, 0x2d, 0x7b),
    (0x3b, 0x52, 0x8b),
    (0x2c, 0x72, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x28, 0xae, 0x80),
    (0x5e, 0xc9, 0x62),
    (0xad, 0xdc, 0x30),
    (0xfd, 0xe7, 0x25),
];

fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The viridis colour at `t` in [0, 1] (clamped).
pub(super) fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Sizes in pixels at the drawing's scale (1.0 at 900 x 560).
struct Look {
    scale: f64,
}

impl Look {
    fn new(width: u32, height: u32) -> Self {
        let scale = (width as f64 / 900.0).min(height as f64 / 560.0);
        Look {
            scale: scale.clamp(0.4, 8.0),
        }
    }
    fn px(&self, v: f64) -> i32 {
        (v * self.scale).round() as i32
    }
    /// Text at `size` scaled, but never below 10 (about 8 px per em) on small images.
    fn font(&self, size: f64, color: RGBColor) -> TextStyle<'static> {
        ("sans-serif", (size * self.scale).max(10.0))
            .into_font()
            .color(&color)
    }
    fn title(&self) -> TextStyle<'static> {
        self.font(25.0, TEXT)
    }
    fn axis(&self) -> TextStyle<'static> {
        self.font(18.0, TEXT)
    }
    fn tick(&self) -> TextStyle<'static> {
        self.font(16.0, AXIS)
    }
    fn legend(&self) -> TextStyle<'static> {
        self.font(16.0, TEXT)
    }
    fn note(&self) -> TextStyle<'static> {
        self.font(15.0, MUTED)
    }
    fn small(&self) -> TextStyle<'static> {
        self.font(14.5, MUTED)
    }
    fn stroke(&self, width: f64) -> u32 {
        ((width * self.scale).round() as u32).max(1)
    }
}

// ---------------------------------------------------------------------------------------------
// Prepared form: validated, with ranges, ticks and labels computed.

/// One axis: its range, tick positions and tick labels.
pub(crate) struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    labels: Vec<String>,
    desc: String,
    grid: bool,
}

impl Axis {
    /// A numeric axis over `[lo, hi]` (already padded) with about `max_ticks` nice ticks.
    fn numeric(lo: f64, hi: f64, max_ticks: usize, desc: &str) -> Self {
        let (ticks, step) = nice_ticks(lo, hi, max_ticks);
        let labels = tick_labels(&ticks, step);
        Axis {
            lo,
            hi,
            ticks,
            labels,
            desc: desc.to_string(),
            grid: true,
        }
    }

    /// The label of the tick nearest `v` (plotters asks only at the ticks given).
    fn label_at(&self, v: &f64) -> String {
        let mut best: Option<(usize, f64)> = None;
        for (i, t) in self.ticks.iter().enumerate() {
            let d = (t - v).abs();
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((i, d));
            }
        }
        best.and_then(|(i, _)| self.labels.get(i).cloned())
            .unwrap_or_default()
    }
}

enum Swatch {
    Bar(RGBColor),
    Line(RGBColor, LineStyle),
    Reference,
}

struct LegendEntry {
    name: String,
    swatch: Swatch,
}

/// A validated plot, ready to draw.
pub(crate) struct Prepared {
    title: String,
    legend: Vec<LegendEntry>,
    note: Option<String>,
    body: Body,
}

/// A line series ready to draw: its colour, style and runs of finite points.
struct LineRuns {
    colour: RGBColor,
    style: LineStyle,
    runs: Vec<Vec<(f64, f64)>>,
}

enum Body {
    Bars {
        x: Axis,
        y: Axis,
        series: Vec<(RGBColor, Vec<f64>)>,
    },
    Lines {
        x: Axis,
        y: Axis,
        series: Vec<LineRuns>,
        vlines: Vec<(f64, String)>,
        diagonal: bool,
    },
    Heatmap {
        x: Axis,
        y: Axis,
        x_edges: Vec<f64>,
        y_edges: Vec<f64>,
        z: Vec<Vec<f64>>,
        z_axis: Axis,
    },
    Histogram {
        x: Axis,
        y: Axis,
        edges: Vec<f64>,
        /// Bar tops in axis units (log10 of the count on a log axis); `None` draws nothing.
        tops: Vec<Option<f64>>,
        base: f64,
        overflow_last: bool,
    },
    Forest {
        x: Axis,
        y: Axis,
        /// `(row position, estimate, lo, hi)`.
        rows: Vec<(f64, f64, f64, f64)>,
        annotations: Vec<String>,
        reference: f64,
    },
}

/// Validates `plot` and computes everything drawing needs (ranges, ticks, labels, bins).
pub(crate) fn prepare(plot: &Plot) -> Result<Prepared, ReportError> {
    let kind = plot.kind();
    let invalid = |what: String| ReportError::Invalid { plot: kind, what };
    let empty = |what: &str| ReportError::Empty {
        plot: kind,
        what: what.to_string(),
    };
    match plot {
        Plot::Bars {
            title,
            x_label,
            y_label,
            categories,
            series,
        } => {
            if categories.is_empty() {
                return Err(empty("no categories"));
            }
            if series.is_empty() {
                return Err(empty("no series"));
            }
            for (name, values) in series {
                if values.len() != categories.len() {
                    return Err(ReportError::LengthMismatch {
                        plot: kind,
                        what: format!("series \"{name}\""),
                        expected: categories.len(),
                        found: values.len(),
                    });
                }
            }
            let finite = series
                .iter()
                .flat_map(|(_, v)| v.iter().copied())
                .filter(|v| v.is_finite());
            let (lo, hi) = finite.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
            let (lo, hi) = if hi > lo {
                let span = hi - lo;
                let lo = if lo < 0.0 { lo - 0.05 * span } else { 0.0 };
                let hi = if hi > 0.0 { hi + 0.05 * span } else { 0.0 };
                if !(span.is_finite() && lo.is_finite() && hi.is_finite()) {
                    return Err(invalid("values too large to plot".into()));
                }
                (lo, hi)
            } else {
                (0.0, 1.0)
            };
            let n = categories.len();
            let x_ticks: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let x = Axis {
                lo: -0.5,
                hi: n as f64 - 0.5,
                labels: categories.iter().map(|c| shorten(c, 24)).collect(),
                ticks: x_ticks,
                desc: x_label.clone(),
                grid: false,
            };
            let y = Axis::numeric(lo, hi, 7, y_label);
            let legend = if series.len() > 1 {
                series
                    .iter()
                    .enumerate()
                    .map(|(i, (name, _))| LegendEntry {
                        name: name.clone(),
                        swatch: Swatch::Bar(palette(i)),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Ok(Prepared {
                title: title.clone(),
                legend,
                note: None,
                body: Body::Bars {
                    x,
                    y,
                    series: series
                        .iter()
                        .enumerate()
                        .map(|(i, (_, v))| (palette(i), v.clone()))
                        .collect(),
                },
            })
        }
        Plot::Lines {
            title,
            x_label,
            y_label,
            series,
            vlines,
            diagonal,
        } => {
            if series.is_empty() {
                return Err(empty("no series"));
            }
            for (x, label) in vlines {
                if !x.is_finite() {
                    return Err(invalid(format!(
                        "vertical marker \"{label}\" is at a non-finite x ({x})"
                    )));
                }
            }
            let mut runs_by_series = Vec::with_capacity(series.len());
            let mut xr = Extent::default();
            let mut yr = Extent::default();
            for (i, s) in series.iter().enumerate() {
                let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
                let mut current: Vec<(f64, f64)> = Vec::new();
                for &(px, py) in &s.points {
                    if px.is_finite() && py.is_finite() {
                        xr.add(px);
                        yr.add(py);
                        current.push((px, py));
                    } else if !current.is_empty() {
                        runs.push(std::mem::take(&mut current));
                    }
                }
                if !current.is_empty() {
                    runs.push(current);
                }
                runs_by_series.push(LineRuns {
                    colour: palette(i),
                    style: s.style,
                    runs,
                });
            }
            if xr.is_empty() {
                return Err(empty("no finite point in any series"));
            }
            if *diagonal {
                // Both axes span both ranges, so y = x crosses the whole chart and points
                // above and below it can be told apart.
                let (lo, hi) = (xr.lo.min(yr.lo), xr.hi.max(yr.hi));
                for e in [&mut xr, &mut yr] {
                    e.add(lo);
                    e.add(hi);
                }
            }
            for (x, _) in vlines {
                xr.add(*x);
            }
            let (xlo, xhi) = xr.padded(0.03).map_err(invalid)?;
            let (ylo, yhi) = yr.padded(0.03).map_err(invalid)?;
            let mut legend: Vec<LegendEntry> = series
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.name.is_empty())
                .map(|(i, s)| LegendEntry {
                    name: s.name.clone(),
                    swatch: Swatch::Line(palette(i), s.style),
                })
                .collect();
            if *diagonal {
                legend.push(LegendEntry {
                    name: "y = x".into(),
                    swatch: Swatch::Reference,
                });
            }
            if series.len() < 2 && legend.len() < 2 {
                legend.clear();
            }
            Ok(Prepared {
                title: title.clone(),
                legend,
                note: None,
                body: Body::Lines {
                    x: Axis::numeric(xlo, xhi, 9, x_label),
                    y: Axis::numeric(ylo, yhi, 7, y_label),
                    series: runs_by_series,
                    vlines: vlines.clone(),
                    diagonal: *diagonal,
                },
            })
        }
        Plot::Heatmap {
            title,
            x_label,
            y_label,
            x,
            y,
            z,
            z_label,
        } => {
            if x.is_empty() {
                return Err(empty("no x coordinates"));
            }
            if y.is_empty() {
                return Err(empty("no y coordinates"));
            }
            if z.len() != y.len() {
                return Err(ReportError::LengthMismatch {
                    plot: kind,
                    what: "z (rows, one per y)".into(),
                    expected: y.len(),
                    found: z.len(),
                });
            }
            for (iy, row) in z.iter().enumerate() {
                if row.len() != x.len() {
                    return Err(ReportError::LengthMismatch {
                        plot: kind,
                        what: format!("z row {iy} (one value per x)"),
                        expected: x.len(),
                        found: row.len(),
                    });
                }
            }
            let x_edges = cell_edges(x).map_err(|e| invalid(format!("x {e}")))?;
            let y_edges = cell_edges(y).map_err(|e| invalid(format!("y {e}")))?;
            let mut zr = Extent::default();
            let mut missing = 0usize;
            for v in z.iter().flatten() {
                if v.is_finite() {
                    zr.add(*v);
                } else {
                    missing += 1;
                }
            }
            if zr.is_empty() {
                return Err(empty("no finite z value"));
            }
            let (zlo, zhi) = if zr.hi > zr.lo {
                if !(zr.hi - zr.lo).is_finite() {
                    return Err(invalid("z values too large to plot".into()));
                }
                (zr.lo, zr.hi)
            } else {
                zr.padded(0.0).map_err(invalid)?
            };
            let x_axis = Axis::numeric(x_edges[0], x_edges[x_edges.len() - 1], 9, x_label);
            let y_axis = Axis::numeric(y_edges[0], y_edges[y_edges.len() - 1], 7, y_label);
            let mut x_axis = x_axis;
            let mut y_axis = y_axis;
            x_axis.grid = false;
            y_axis.grid = false;
            let note = (missing > 0).then(|| {
                format!(
                    "grey cells: no value ({} of {} cells)",
                    thousands(missing),
                    thousands(x.len() * y.len())
                )
            });
            Ok(Prepared {
                title: title.clone(),
                legend: Vec::new(),
                note,
                body: Body::Heatmap {
                    x: x_axis,
                    y: y_axis,
                    x_edges,
                    y_edges,
                    z: z.clone(),
                    z_axis: Axis::numeric(zlo, zhi, 7, z_label),
                },
            })
        }
        Plot::Histogram {
            title,
            x_label,
            values,
            bins,
            clip_quantile,
            log_counts,
        } => {
            let bins = *bins;
            if bins == 0 || bins > 10_000 {
                return Err(invalid(format!("bins must be 1..=10000, got {bins}")));
            }
            if let Some(q) = clip_quantile {
                if !(*q > 0.0 && *q <= 1.0) {
                    return Err(invalid(format!("clip_quantile must be in (0, 1], got {q}")));
                }
            }
            let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            let dropped = values.len() - finite.len();
            if finite.is_empty() {
                return Err(empty(if values.is_empty() {
                    "no values"
                } else {
                    "no finite value"
                }));
            }
            finite.sort_unstable_by(f64::total_cmp);
            let min = finite[0];
            let max = finite[finite.len() - 1];
            let cut = match clip_quantile {
                Some(q) if *q < 1.0 => quantile_sorted(&finite, *q),
                _ => max,
            };
            let (lo, hi) = if cut > min {
                if !(cut - min).is_finite() {
                    return Err(invalid("values too large to plot".into()));
                }
                (min, cut)
            } else {
                // All values equal (or the cut-off at the minimum): one unit-wide range.
                let mut e = Extent::default();
                e.add(min);
                e.padded(0.0).map_err(invalid)?
            };
            let width = (hi - lo) / bins as f64;
            let mut counts = vec![0usize; bins];
            let mut folded = 0usize;
            for &v in &finite {
                if v > hi {
                    folded += 1;
                }
                let i = ((v - lo) / width).floor();
                let i = if i.is_finite() && i > 0.0 {
                    (i as usize).min(bins - 1)
                } else {
                    0
                };
                counts[i] += 1;
            }
            let edges: Vec<f64> = (0..=bins)
                .map(|i| if i == bins { hi } else { lo + width * i as f64 })
                .collect();
            let max_count = counts.iter().copied().max().unwrap_or(0).max(1);
            let (y, tops, base) = if *log_counts {
                let top = (max_count as f64).log10();
                let ylo = -0.3;
                let yhi = top + 0.05 * (top - ylo).max(1.0);
                let mut ticks: Vec<f64> = (0..=top.floor() as i32).map(f64::from).collect();
                if ticks.len() < 3 {
                    // Fewer than three decades: add 2x and 5x so the axis has a scale.
                    let decades = ticks.clone();
                    for d in decades {
                        for m in [2.0f64, 5.0] {
                            let t = d + m.log10();
                            if t <= yhi {
                                ticks.push(t);
                            }
                        }
                    }
                    ticks.sort_by(f64::total_cmp);
                }
                let labels = ticks
                    .iter()
                    .map(|t| thousands(10f64.powf(*t).round() as usize))
                    .collect();
                let tops = counts
                    .iter()
                    .map(|&c| (c > 0).then(|| (c as f64).log10()))
                    .collect();
                let axis = Axis {
                    lo: ylo,
                    hi: yhi,
                    ticks,
                    labels,
                    desc: "count (log scale)".into(),
                    grid: true,
                };
                (axis, tops, ylo)
            } else {
                let yhi = max_count as f64 * 1.05;
                let tops = counts
                    .iter()
                    .map(|&c| (c > 0).then_some(c as f64))
                    .collect();
                (Axis::numeric(0.0, yhi, 7, "count"), tops, 0.0)
            };
            let pad = 0.01 * (hi - lo);
            let mut x = Axis::numeric(lo - pad, hi + pad, 9, x_label);
            x.grid = false;
            let mut note = format!("n = {}", thousands(finite.len()));
            if dropped > 0 {
                note.push_str(&format!(
                    "; {} non-finite value{} dropped",
                    thousands(dropped),
                    plural(dropped)
                ));
            }
            if folded > 0 {
                let q = short_number(clip_quantile.unwrap_or(1.0));
                let cut_note = if cut > min {
                    format!("the {q} quantile")
                } else {
                    format!("the {q} quantile is the minimum, {}", short_number(cut))
                };
                note.push_str(&format!(
                    "; the dark last bin also counts {} value{} above {} ({cut_note})",
                    thousands(folded),
                    plural(folded),
                    short_number(hi),
                ));
            }
            Ok(Prepared {
                title: title.clone(),
                legend: Vec::new(),
                note: Some(note),
                body: Body::Histogram {
                    x,
                    y,
                    edges,
                    tops,
                    base,
                    overflow_last: folded > 0,
                },
            })
        }
        Plot::Forest {
            title,
            x_label,
            rows,
            reference,
        } => {
            if rows.is_empty() {
                return Err(empty("no rows"));
            }
            if !reference.is_finite() {
                return Err(invalid(format!("the reference line is at {reference}")));
            }
            let mut xr = Extent::default();
            xr.add(*reference);
            for (label, est, lo, hi) in rows {
                if !(est.is_finite() && lo.is_finite() && hi.is_finite()) {
                    return Err(invalid(format!(
                        "row \"{label}\" has a non-finite estimate or bound ({est}, {lo}, {hi})"
                    )));
                }
                if lo > hi {
                    return Err(invalid(format!(
                        "row \"{label}\" has lo > hi ({lo} > {hi})"
                    )));
                }
                xr.add(*est);
                xr.add(*lo);
                xr.add(*hi);
            }
            let (xlo, xhi) = xr.padded(0.05).map_err(invalid)?;
            let x = Axis::numeric(xlo, xhi, 8, x_label);
            let n = rows.len();
            let positions: Vec<f64> = (0..n).map(|i| (n - 1 - i) as f64).collect();
            let y = Axis {
                lo: -0.6,
                hi: n as f64 - 0.4,
                ticks: positions.iter().rev().copied().collect(),
                labels: rows.iter().rev().map(|r| shorten(&r.0, 32)).collect(),
                desc: String::new(),
                grid: true,
            };
            // One more decimal than the axis ticks, the same for every row; very large or
            // small magnitudes in scientific notation.
            let decimals = match x.ticks.as_slice() {
                [a, b, ..] => (step_decimals(b - a) + 1).min(6),
                _ => 3,
            };
            let fixed = (1e-3..1e7).contains(&xr.lo.abs().max(xr.hi.abs()));
            let number = |v: f64| {
                if fixed {
                    format!("{v:.decimals$}")
                } else {
                    short_number(v)
                }
            };
            let annotations = rows
                .iter()
                .map(|(_, est, lo, hi)| {
                    format!("{} [{}, {}]", number(*est), number(*lo), number(*hi))
                })
                .collect();
            Ok(Prepared {
                title: title.clone(),
                legend: Vec::new(),
                note: None,
                body: Body::Forest {
                    x,
                    y,
                    rows: rows
                        .iter()
                        .zip(&positions)
                        .map(|((_, est, lo, hi), p)| (*p, *est, *lo, *hi))
                        .collect(),
                    annotations,
                    reference: *reference,
                },
            })
        }
    }
}

/// The range of the values added so far.
#[derive(Debug, Clone, Copy)]
struct Extent {
    lo: f64,
    hi: f64,
}

impl Default for Extent {
    fn default() -> Self {
        Extent {
            lo: f64::INFINITY,
            hi: f64::NEG_INFINITY,
        }
    }
}

impl Extent {
    fn add(&mut self, v: f64) {
        self.lo = self.lo.min(v);
        self.hi = self.hi.max(v);
    }
    fn is_empty(&self) -> bool {
        self.lo > self.hi
    }
    /// The range padded by `frac` of its span on each side; a single value `v` becomes
    /// `v ± 10 % of |v|` (`± 1` at 0), so all-equal data still get an axis.
    fn padded(&self, frac: f64) -> Result<(f64, f64), String> {
        if self.is_empty() {
            return Ok((0.0, 1.0));
        }
        let span = self.hi - self.lo;
        let (lo, hi) = if span > 0.0 {
            let pad = frac * span;
            (self.lo - pad, self.hi + pad)
        } else {
            let d = if self.lo == 0.0 {
                1.0
            } else {
                0.1 * self.lo.abs()
            };
            (self.lo - d, self.hi + d)
        };
        if span.is_finite() && lo.is_finite() && hi.is_finite() {
            Ok((lo, hi))
        } else {
            Err("values too large to plot".into())
        }
    }
}

/// Cell edges for strictly increasing, finite centres: halfway between neighbours, the outer
/// cells as wide as their inner neighbours (width 1 for a single centre).
fn cell_edges(c: &[f64]) -> Result<Vec<f64>, String> {
    if let Some(v) = c.iter().find(|v| !v.is_finite()) {
        return Err(format!("coordinates must be finite, found {v}"));
    }
    if let Some(w) = c.windows(2).find(|w| w[1] <= w[0]) {
        return Err(format!(
            "coordinates must be strictly increasing, found {} then {}",
            w[0], w[1]
        ));
    }
    if c.len() == 1 {
        return Ok(vec![c[0] - 0.5, c[0] + 0.5]);
    }
    let n = c.len();
    let mut edges = Vec::with_capacity(n + 1);
    edges.push(c[0] - (c[1] - c[0]) / 2.0);
    for w in c.windows(2) {
        edges.push(w[0] + (w[1] - w[0]) / 2.0);
    }
    edges.push(c[n - 1] + (c[n - 1] - c[n - 2]) / 2.0);
    if edges.iter().any(|e| !e.is_finite()) {
        return Err("coordinates too large to plot".into());
    }
    Ok(edges)
}

/// The q-quantile of sorted values, interpolating linearly between order statistics.
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let i = pos.floor() as usize;
    let f = pos - i as f64;
    match sorted.get(i + 1) {
        Some(next) if f > 0.0 => sorted[i] + f * (next - sorted[i]),
        _ => sorted[i],
    }
}

/// At most `max_n + 1` ticks inside `[lo, hi]` at multiples of 1, 2, 2.5 or 5 x 10^k, and
/// the step.
fn nice_ticks(lo: f64, hi: f64, max_n: usize) -> (Vec<f64>, f64) {
    let span = hi - lo;
    let raw = span / max_n.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return (vec![lo, hi], span.abs());
    }
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag);
    let k0 = (lo / step - 1e-9).ceil();
    let k1 = (hi / step + 1e-9).floor();
    if !(k0.is_finite() && k1.is_finite()) || k1 - k0 > 1000.0 || k1 < k0 {
        return (vec![lo, hi], span);
    }
    let ticks = (0..=(k1 - k0) as i64)
        .map(|i| {
            let t = (k0 + i as f64) * step;
            if t == 0.0 { 0.0 } else { t }
        })
        .collect();
    (ticks, step)
}

/// Tick labels with as many decimals as the step needs, and k/M/B for large magnitudes.
fn tick_labels(ticks: &[f64], step: f64) -> Vec<String> {
    let max_abs = ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()));
    if max_abs > 0.0 && max_abs < 1e-3 {
        return ticks
            .iter()
            .map(|t| {
                if *t == 0.0 {
                    "0".into()
                } else {
                    format!("{t:.1e}")
                }
            })
            .collect();
    }
    let (div, suffix) = if max_abs >= 1e9 {
        (1e9, "B")
    } else if max_abs >= 1e6 {
        (1e6, "M")
    } else if max_abs >= 1e4 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let decimals = step_decimals(step / div);
    ticks
        .iter()
        .map(|t| {
            let v = t / div;
            if v == 0.0 {
                return "0".into();
            }
            format!("{v:.decimals$}{suffix}")
        })
        .collect()
}

/// The decimals that show every multiple of `step` exactly (at most 6).
fn step_decimals(step: f64) -> usize {
    let mut decimals = 0usize;
    while decimals < 6 {
        let scaled = step * 10f64.powi(decimals as i32);
        if !scaled.is_finite() || (scaled.round() - scaled).abs() <= 1e-6 * scaled.abs().max(1.0) {
            break;
        }
        decimals += 1;
    }
    decimals
}

/// A number in at most about four significant digits, for notes and annotations.
fn short_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e7).contains(&a) {
        return format!("{v:.2e}");
    }
    let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// An integer with thousands separators: 12,345.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `s` cut to at most `max` characters, ending in `…` when cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing

/// A linear `f64` axis whose grid lines and labels sit exactly at the given ticks (plotters'
/// own key-point combinator does not combine with custom label formatters for `f64`).
struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        let t = (v - self.lo) / span;
        let len = (limit.1 - limit.0) as f64;
        if !t.is_finite() || span <= 0.0 {
            return limit.0 + (len / 2.0) as i32;
        }
        // Rounded the way plotters rounds its own numeric axes; `as` saturates far outside.
        let offset = if len >= 0.0 {
            (len * t + 1e-3).floor()
        } else {
            (len * t - 1e-3).ceil()
        };
        limit.0.saturating_add(offset as i32)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

type Coord = Cartesian2d<Ticked, Ticked>;

/// Maps a plotters drawing error to [`ReportError::Draw`].
pub(crate) fn draw_error<E: std::error::Error + Send + Sync>(
    e: DrawingAreaErrorKind<E>,
) -> ReportError {
    ReportError::Draw(e.to_string())
}

fn text_size<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
) -> Result<(i32, i32), ReportError> {
    if text.is_empty() {
        return Ok((0, 0));
    }
    let (w, h) = area.estimate_text_size(text, style).map_err(draw_error)?;
    Ok((w as i32, h as i32))
}

/// Draws a prepared plot on `root` (the whole image).
pub(crate) fn draw<DB: DrawingBackend>(
    p: &Prepared,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ReportError> {
    let (width, height) = root.dim_in_pixel();
    let look = Look::new(width, height);
    root.fill(&WHITE).map_err(draw_error)?;

    // Title.
    let mut top = look.px(10.0);
    if !p.title.is_empty() {
        // A title too wide for the image is set smaller, down to 60 %.
        let mut style = look.title();
        let (tw, _) = text_size(root, &p.title, &style)?;
        let room = width as i32 - look.px(20.0);
        if tw > room {
            let shrink = (room as f64 / tw as f64).max(0.6);
            style = look.font(25.0 * shrink, TEXT);
        }
        let style = style.pos(Pos::new(HPos::Center, VPos::Top));
        let (_, th) = text_size(root, &p.title, &style)?;
        root.draw_text(&p.title, &style, (width as i32 / 2, top + look.px(4.0)))
            .map_err(draw_error)?;
        top += th + look.px(14.0);
    }

    // The forest plot's column header sits between the title and the chart.
    if matches!(p.body, Body::Forest { .. }) {
        top += text_size(root, "estimate [interval]", &look.small())?.1 + look.px(4.0);
    }

    // Legend rows and note, measured first to reserve their strips at the bottom.
    let legend_rows = layout_legend(root, &p.legend, &look, width as i32 - look.px(40.0))?;
    let row_h = look.px(24.0);
    let legend_h = if legend_rows.is_empty() {
        0
    } else {
        legend_rows.len() as i32 * row_h + look.px(6.0)
    };
    let note_h = if p.note.is_some() { look.px(24.0) } else { 0 };
    let bottom = height as i32 - look.px(6.0) - legend_h - note_h;
    let chart_area = root
        .clone()
        .shrink((0, top), (width, (bottom - top).max(1) as u32));

    // The colour bar or annotation column takes room at the right of the chart.
    let right = match &p.body {
        Body::Heatmap { z_axis, .. } => colour_bar_width(root, z_axis, &look)?,
        Body::Forest { annotations, .. } => {
            let mut w = text_size(root, "estimate [interval]", &look.small())?.0;
            for a in annotations {
                w = w.max(text_size(root, a, &look.tick())?.0);
            }
            w + look.px(28.0)
        }
        _ => look.px(24.0),
    };

    match &p.body {
        Body::Bars { x, y, series } => {
            let chart = build_chart(&chart_area, x, y, &look, right, true)?;
            draw_bars(&chart, series, &look)?;
        }
        Body::Lines {
            x,
            y,
            series,
            vlines,
            diagonal,
        } => {
            let chart = build_chart(&chart_area, x, y, &look, right, false)?;
            draw_lines(root, &chart, x, y, series, vlines, *diagonal, &look)?;
        }
        Body::Heatmap {
            x,
            y,
            x_edges,
            y_edges,
            z,
            z_axis,
        } => {
            let chart = build_chart(&chart_area, x, y, &look, right, false)?;
            draw_heatmap(&chart, x_edges, y_edges, z, z_axis)?;
            let (px, py) = chart.plotting_area().get_pixel_range();
            draw_colour_bar(root, z_axis, px.end, py, &look)?;
        }
        Body::Histogram {
            x,
            y,
            edges,
            tops,
            base,
            overflow_last,
        } => {
            let chart = build_chart(&chart_area, x, y, &look, right, false)?;
            let last = tops.len().saturating_sub(1);
            let bars = tops.iter().enumerate().filter_map(|(i, top)| {
                let top = (*top)?;
                let colour = if *overflow_last && i == last {
                    OVERFLOW
                } else {
                    PALETTE[0]
                };
                Some(Rectangle::new(
                    [(edges[i], top), (edges[i + 1], *base)],
                    colour.filled(),
                ))
            });
            for bar in bars {
                chart.plotting_area().draw(&bar).map_err(draw_error)?;
            }
            // Thin white separators between adjacent bars keep bins apart at few bins; they
            // stop at the taller neighbour so the grid lines stay whole.
            if edges.len() <= 80 {
                let sep = ShapeStyle::from(&WHITE).stroke_width(1);
                for i in 1..tops.len() {
                    let top = match (tops[i - 1], tops[i]) {
                        (Some(a), Some(b)) => a.min(b),
                        _ => continue,
                    };
                    chart
                        .plotting_area()
                        .draw(&PathElement::new(
                            vec![(edges[i], *base), (edges[i], top)],
                            sep,
                        ))
                        .map_err(draw_error)?;
                }
            }
        }
        Body::Forest {
            x,
            y,
            rows,
            annotations,
            reference,
        } => {
            let chart = build_chart(&chart_area, x, y, &look, right, false)?;
            draw_forest(root, &chart, y, rows, annotations, *reference, &look)?;
        }
    }

    if !legend_rows.is_empty() {
        draw_legend(root, &legend_rows, bottom + look.px(4.0), row_h, &look)?;
    }
    if let Some(note) = &p.note {
        let style = look.note().pos(Pos::new(HPos::Center, VPos::Center));
        root.draw_text(
            note,
            &style,
            (width as i32 / 2, bottom + legend_h + note_h / 2),
        )
        .map_err(draw_error)?;
    }
    Ok(())
}

/// Builds the cartesian chart in `area` and draws its axes, ticks, labels and grid.
fn build_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Axis,
    y: &Axis,
    look: &Look,
    right_margin: i32,
    thin_x_labels: bool,
) -> Result<ChartContext<'a, DB, Coord>, ReportError> {
    let tick = look.tick();
    let axis = look.axis();
    let (area_w, _) = area.dim_in_pixel();

    let mut y_tick_w = 0;
    for l in &y.labels {
        y_tick_w = y_tick_w.max(text_size(area, l, &tick)?.0);
    }
    let (_, tick_h) = text_size(area, "0", &tick)?;
    let (_, axis_h) = text_size(area, "Xy", &axis)?;
    let y_area = y_tick_w
        + look.px(14.0)
        + if y.desc.is_empty() {
            0
        } else {
            axis_h + look.px(12.0)
        };
    let x_area = tick_h
        + look.px(14.0)
        + if x.desc.is_empty() {
            0
        } else {
            axis_h + look.px(12.0)
        };

    // Category labels that would collide are thinned to every k-th.
    let mut x_ticks = x.ticks.clone();
    if thin_x_labels && !x_ticks.is_empty() {
        let mut widest = 0;
        for l in &x.labels {
            widest = widest.max(text_size(area, l, &tick)?.0);
        }
        let plot_w = (area_w as i32 - y_area - right_margin - look.px(10.0)).max(1);
        let per_label = plot_w as f64 / x_ticks.len() as f64;
        let needed = widest as f64 + look.px(12.0) as f64;
        let every = (needed / per_label).ceil().max(1.0) as usize;
        if every > 1 {
            x_ticks = x_ticks.into_iter().step_by(every).collect();
        }
    }

    let mut chart = ChartBuilder::on(area)
        .margin_top(look.px(6.0))
        .margin_left(look.px(10.0))
        .margin_right(right_margin)
        .margin_bottom(look.px(2.0))
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(
            Ticked {
                lo: x.lo,
                hi: x.hi,
                ticks: x_ticks,
            },
            Ticked {
                lo: y.lo,
                hi: y.hi,
                ticks: y.ticks.clone(),
            },
        )
        .map_err(draw_error)?;

    let x_fmt = |v: &f64| x.label_at(v);
    let y_fmt = |v: &f64| y.label_at(v);
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(tick.clone())
        .axis_desc_style(axis.clone())
        .axis_style(ShapeStyle::from(&AXIS).stroke_width(1))
        .bold_line_style(ShapeStyle::from(&GRID).stroke_width(1))
        .light_line_style(TRANSPARENT)
        .set_all_tick_mark_size(look.px(5.0));
    if !x.desc.is_empty() {
        mesh.x_desc(x.desc.as_str());
    }
    if !y.desc.is_empty() {
        mesh.y_desc(y.desc.as_str());
    }
    if !x.grid {
        mesh.disable_x_mesh();
    }
    if !y.grid {
        mesh.disable_y_mesh();
    }
    mesh.draw().map_err(draw_error)?;
    Ok(chart)
}

fn draw_bars<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Coord>,
    series: &[(RGBColor, Vec<f64>)],
    look: &Look,
) -> Result<(), ReportError> {
    let k = series.len() as f64;
    let group = if series.len() == 1 { 0.7 } else { 0.8 };
    let bar = group / k;
    let gap = if series.len() == 1 { 0.0 } else { 0.06 * bar };
    let area = chart.plotting_area();
    for (j, (colour, values)) in series.iter().enumerate() {
        for (i, v) in values.iter().enumerate() {
            let x0 = i as f64 - group / 2.0 + j as f64 * bar + gap;
            let x1 = x0 + bar - 2.0 * gap;
            if v.is_finite() {
                let (top, bottom) = if *v >= 0.0 { (*v, 0.0) } else { (0.0, *v) };
                area.draw(&Rectangle::new([(x0, top), (x1, bottom)], colour.filled()))
                    .map_err(draw_error)?;
            } else {
                let style = look.small().pos(Pos::new(HPos::Center, VPos::Bottom));
                area.draw(&Text::new("n/a", ((x0 + x1) / 2.0, 0.0), style))
                    .map_err(draw_error)?;
            }
        }
    }
    // The zero line, over the bars' bases.
    let x_range = area.get_x_range();
    area.draw(&PathElement::new(
        vec![(x_range.start, 0.0), (x_range.end, 0.0)],
        ShapeStyle::from(&AXIS).stroke_width(1),
    ))
    .map_err(draw_error)?;
    Ok(())
}

fn series_style(colour: RGBColor, look: &Look) -> ShapeStyle {
    ShapeStyle::from(&colour).stroke_width(look.stroke(2.0))
}

#[allow(clippy::too_many_arguments)]
fn draw_lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Coord>,
    x: &Axis,
    y: &Axis,
    series: &[LineRuns],
    vlines: &[(f64, String)],
    diagonal: bool,
    look: &Look,
) -> Result<(), ReportError> {
    let area = chart.plotting_area();
    let reference = ShapeStyle::from(&REFERENCE).stroke_width(look.stroke(1.5));
    let dash = look.px(7.0).max(2) as u32;
    let gap = look.px(5.0).max(2) as u32;
    if diagonal {
        let t0 = x.lo.max(y.lo);
        let t1 = x.hi.min(y.hi);
        if t1 > t0 {
            area.draw(&DashedPathElement::new(
                vec![(t0, t0), (t1, t1)],
                dash,
                gap,
                reference,
            ))
            .map_err(draw_error)?;
        }
    }
    for (vx, _) in vlines {
        area.draw(&DashedPathElement::new(
            vec![(*vx, y.lo), (*vx, y.hi)],
            dash,
            gap,
            reference,
        ))
        .map_err(draw_error)?;
    }
    let marker_r = look.px(4.5).max(2);
    for LineRuns {
        colour,
        style,
        runs,
    } in series
    {
        let line = series_style(*colour, look);
        for run in runs {
            match style {
                LineStyle::Markers => {
                    for p in run {
                        area.draw(&Circle::new(*p, marker_r, colour.filled()))
                            .map_err(draw_error)?;
                    }
                }
                _ if run.len() == 1 => {
                    area.draw(&Circle::new(run[0], marker_r, colour.filled()))
                        .map_err(draw_error)?;
                }
                LineStyle::Solid => {
                    area.draw(&PathElement::new(run.clone(), line))
                        .map_err(draw_error)?;
                }
                LineStyle::Dashed => {
                    area.draw(&DashedPathElement::new(
                        run.iter().copied(),
                        look.px(9.0).max(2) as u32,
                        gap,
                        line,
                    ))
                    .map_err(draw_error)?;
                }
            }
        }
    }

    // Marker labels at the top of the chart, stacked when there are several, on the side of
    // the line with more room.
    let (px, py) = area.get_pixel_range();
    let style = look.small();
    let line_h = text_size(root, "Xy", &style)?.1 + look.px(4.0);
    for (i, (vx, label)) in vlines.iter().enumerate() {
        if label.is_empty() {
            continue;
        }
        let (lx, _) = chart.backend_coord(&(*vx, y.hi));
        let (tw, th) = text_size(root, label, &style)?;
        let ty = py.start + look.px(6.0) + i as i32 * line_h;
        let tx = if lx + look.px(6.0) + tw <= px.end - look.px(4.0) {
            lx + look.px(6.0)
        } else {
            lx - look.px(6.0) - tw
        };
        let pad = look.px(3.0);
        root.draw(&Rectangle::new(
            [(tx - pad, ty - pad), (tx + tw + pad, ty + th + pad)],
            WHITE.mix(0.85).filled(),
        ))
        .map_err(draw_error)?;
        root.draw_text(label, &style.pos(Pos::new(HPos::Left, VPos::Top)), (tx, ty))
            .map_err(draw_error)?;
    }
    Ok(())
}

fn draw_heatmap<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Coord>,
    x_edges: &[f64],
    y_edges: &[f64],
    z: &[Vec<f64>],
    z_axis: &Axis,
) -> Result<(), ReportError> {
    let span = z_axis.hi - z_axis.lo;
    let area = chart.plotting_area();
    for (iy, row) in z.iter().enumerate() {
        for (ix, v) in row.iter().enumerate() {
            let colour = if v.is_finite() {
                viridis((v - z_axis.lo) / span)
            } else {
                MISSING
            };
            area.draw(&Rectangle::new(
                [
                    (x_edges[ix], y_edges[iy + 1]),
                    (x_edges[ix + 1], y_edges[iy]),
                ],
                colour.filled(),
            ))
            .map_err(draw_error)?;
        }
    }
    Ok(())
}

/// The width the colour bar needs right of the heatmap: gap, bar, ticks, labels, title.
fn colour_bar_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    z_axis: &Axis,
    look: &Look,
) -> Result<i32, ReportError> {
    let mut w = 0;
    for l in &z_axis.labels {
        w = w.max(text_size(root, l, &look.tick())?.0);
    }
    let title_h = if z_axis.desc.is_empty() {
        0
    } else {
        text_size(root, "Xy", &look.axis())?.1 + look.px(12.0)
    };
    Ok(look.px(20.0) + look.px(18.0) + look.px(10.0) + w + look.px(10.0) + title_h)
}

fn draw_colour_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    z_axis: &Axis,
    plot_right: i32,
    py: std::ops::Range<i32>,
    look: &Look,
) -> Result<(), ReportError> {
    let x0 = plot_right + look.px(20.0);
    let x1 = x0 + look.px(18.0);
    let (top, bottom) = (py.start, py.end);
    let h = (bottom - top).max(1);
    let steps = h.min(256);
    for s in 0..steps {
        let y1 = bottom - (s * h) / steps;
        let y0 = bottom - ((s + 1) * h) / steps;
        let t = (s as f64 + 0.5) / steps as f64;
        root.draw(&Rectangle::new([(x0, y0), (x1, y1)], viridis(t).filled()))
            .map_err(draw_error)?;
    }
    root.draw(&Rectangle::new(
        [(x0, top), (x1, bottom)],
        ShapeStyle::from(&AXIS).stroke_width(1),
    ))
    .map_err(draw_error)?;
    let span = z_axis.hi - z_axis.lo;
    let style = look.tick().pos(Pos::new(HPos::Left, VPos::Center));
    let mut label_w = 0;
    for (t, label) in z_axis.ticks.iter().zip(&z_axis.labels) {
        let y = bottom - (((t - z_axis.lo) / span) * h as f64).round() as i32;
        root.draw(&PathElement::new(
            vec![(x1, y), (x1 + look.px(5.0), y)],
            ShapeStyle::from(&AXIS).stroke_width(1),
        ))
        .map_err(draw_error)?;
        root.draw_text(label, &style, (x1 + look.px(8.0), y))
            .map_err(draw_error)?;
        label_w = label_w.max(text_size(root, label, &look.tick())?.0);
    }
    if !z_axis.desc.is_empty() {
        let style = look
            .axis()
            .pos(Pos::new(HPos::Center, VPos::Top))
            .transform(FontTransform::Rotate270);
        let x = x1 + look.px(10.0) + label_w + look.px(10.0);
        root.draw_text(&z_axis.desc, &style, (x, (top + bottom) / 2))
            .map_err(draw_error)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn draw_forest<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Coord>,
    y: &Axis,
    rows: &[(f64, f64, f64, f64)],
    annotations: &[String],
    reference: f64,
    look: &Look,
) -> Result<(), ReportError> {
    let area = chart.plotting_area();
    let dash = look.px(7.0).max(2) as u32;
    area.draw(&DashedPathElement::new(
        vec![(reference, y.lo), (reference, y.hi)],
        dash,
        look.px(5.0).max(2) as u32,
        ShapeStyle::from(&REFERENCE).stroke_width(look.stroke(1.5)),
    ))
    .map_err(draw_error)?;
    let colour = PALETTE[0];
    let line = series_style(colour, look);
    let cap = look.px(6.0);
    let (px, _) = area.get_pixel_range();
    let style = look.tick().pos(Pos::new(HPos::Left, VPos::Center));
    for ((pos, est, lo, hi), text) in rows.iter().zip(annotations) {
        let (xl, yc) = chart.backend_coord(&(*lo, *pos));
        let (xh, _) = chart.backend_coord(&(*hi, *pos));
        let (xe, _) = chart.backend_coord(&(*est, *pos));
        root.draw(&PathElement::new(vec![(xl, yc), (xh, yc)], line))
            .map_err(draw_error)?;
        for xc in [xl, xh] {
            root.draw(&PathElement::new(
                vec![(xc, yc - cap), (xc, yc + cap)],
                line,
            ))
            .map_err(draw_error)?;
        }
        let r = look.px(5.5);
        root.draw(&Rectangle::new(
            [(xe - r, yc - r), (xe + r, yc + r)],
            colour.filled(),
        ))
        .map_err(draw_error)?;
        root.draw_text(text, &style, (px.end + look.px(14.0), yc))
            .map_err(draw_error)?;
    }
    let (_, py) = area.get_pixel_range();
    root.draw_text(
        "estimate [interval]",
        &look.small().pos(Pos::new(HPos::Left, VPos::Bottom)),
        (px.end + look.px(14.0), py.start - look.px(2.0)),
    )
    .map_err(draw_error)?;
    Ok(())
}

/// Legend entries grouped into rows that fit `max_width`, each with its width.
struct LegendRow<'a> {
    entries: Vec<(&'a LegendEntry, i32)>,
    width: i32,
}

const SWATCH: f64 = 30.0;

fn layout_legend<'a, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &'a [LegendEntry],
    look: &Look,
    max_width: i32,
) -> Result<Vec<LegendRow<'a>>, ReportError> {
    let spacing = look.px(24.0);
    let mut rows: Vec<LegendRow> = Vec::new();
    for e in entries {
        let w = look.px(SWATCH) + look.px(6.0) + text_size(root, &e.name, &look.legend())?.0;
        match rows.last_mut() {
            Some(row) if row.width + spacing + w <= max_width => {
                row.width += spacing + w;
                row.entries.push((e, w));
            }
            _ => rows.push(LegendRow {
                entries: vec![(e, w)],
                width: w,
            }),
        }
    }
    Ok(rows)
}

fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[LegendRow],
    top: i32,
    row_h: i32,
    look: &Look,
) -> Result<(), ReportError> {
    let (width, _) = root.dim_in_pixel();
    let spacing = look.px(24.0);
    let sw = look.px(SWATCH);
    let style = look.legend().pos(Pos::new(HPos::Left, VPos::Center));
    for (r, row) in rows.iter().enumerate() {
        let yc = top + r as i32 * row_h + row_h / 2;
        let mut x = (width as i32 - row.width) / 2;
        for (entry, w) in &row.entries {
            match entry.swatch {
                Swatch::Bar(c) => {
                    let hh = look.px(7.0);
                    root.draw(&Rectangle::new(
                        [
                            (x + look.px(4.0), yc - hh),
                            (x + sw - look.px(4.0), yc + hh),
                        ],
                        c.filled(),
                    ))
                    .map_err(draw_error)?;
                }
                Swatch::Line(c, LineStyle::Solid) => {
                    root.draw(&PathElement::new(
                        vec![(x, yc), (x + sw, yc)],
                        series_style(c, look),
                    ))
                    .map_err(draw_error)?;
                }
                Swatch::Line(c, LineStyle::Dashed) => {
                    root.draw(&DashedPathElement::new(
                        vec![(x, yc), (x + sw, yc)],
                        look.px(9.0).max(2) as u32,
                        look.px(5.0).max(2) as u32,
                        series_style(c, look),
                    ))
                    .map_err(draw_error)?;
                }
                Swatch::Line(c, LineStyle::Markers) => {
                    root.draw(&Circle::new(
                        (x + sw / 2, yc),
                        look.px(4.0).max(2),
                        c.filled(),
                    ))
                    .map_err(draw_error)?;
                }
                Swatch::Reference => {
                    root.draw(&DashedPathElement::new(
                        vec![(x, yc), (x + sw, yc)],
                        look.px(7.0).max(2) as u32,
                        look.px(5.0).max(2) as u32,
                        ShapeStyle::from(&REFERENCE).stroke_width(look.stroke(1.5)),
                    ))
                    .map_err(draw_error)?;
                }
            }
            root.draw_text(&entry.name, &style, (x + sw + look.px(6.0), yc))
                .map_err(draw_error)?;
            x += w + spacing;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_nice_and_inside() {
        let (t, step) = nice_ticks(-0.03, 1.03, 7);
        assert_eq!(step, 0.2);
        assert_eq!(t, vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        assert_eq!(
            tick_labels(&t, step),
            ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        let (t, step) = nice_ticks(0.0, 105_000.0, 7);
        assert_eq!(step, 20_000.0);
        assert_eq!(
            tick_labels(&t, step),
            ["0", "20k", "40k", "60k", "80k", "100k"]
        );
        let (t, step) = nice_ticks(0.0, 2.6, 7);
        assert_eq!(step, 0.5);
        assert_eq!(tick_labels(&t, step)[1], "0.5");
        let (t, step) = nice_ticks(0.0, 11.0, 5);
        assert_eq!(step, 2.5);
        assert_eq!(tick_labels(&t, step), ["0", "2.5", "5.0", "7.5", "10.0"]);
        // Degenerate ranges do not loop or panic.
        assert_eq!(nice_ticks(1.0, 1.0, 5).0, vec![1.0, 1.0]);
        assert_eq!(nice_ticks(0.0, f64::INFINITY, 5).0.len(), 2);
        assert!(nice_ticks(1e300, 1e300 + 1e285, 5).0.len() <= 6);
    }

    #[test]
    fn helpers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(short_number(0.0481), "0.0481");
        assert_eq!(short_number(-0.003), "-0.003");
        assert_eq!(short_number(1234.56), "1235");
        assert_eq!(short_number(2.5e9), "2.50e9");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 1.0), 4.0);
        assert_eq!(
            cell_edges(&[0.0, 1.0, 3.0]).unwrap(),
            vec![-0.5, 0.5, 2.0, 4.0]
        );
        assert_eq!(cell_edges(&[2.0]).unwrap(), vec![1.5, 2.5]);
        assert!(cell_edges(&[0.0, 0.0]).is_err());
        assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(viridis(1.0), RGBColor(0xfd, 0xe7, 0x25));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }

    #[test]
    fn non_finite_points_split_lines() {
        let plot = Plot::Lines {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series::new(
                "a",
                vec![
                    (0.0, 0.0),
                    (1.0, 1.0),
                    (2.0, f64::NAN),
                    (3.0, 3.0),
                    (f64::INFINITY, 0.0),
                ],
            )],
            vlines: vec![],
            diagonal: false,
        };
        let p = prepare(&plot).unwrap();
        let Body::Lines { series, x, y, .. } = p.body else {
            panic!("lines")
        };
        assert_eq!(
            series[0].runs,
            vec![vec![(0.0, 0.0), (1.0, 1.0)], vec![(3.0, 3.0)]]
        );
        // Ranges come from the finite points only, padded by 3 %.
        assert!((x.lo + 0.09).abs() < 1e-12 && (x.hi - 3.09).abs() < 1e-12);
        assert!((y.lo + 0.09).abs() < 1e-12 && (y.hi - 3.09).abs() < 1e-12);
    }

    #[test]
    fn histogram_bins_count_every_finite_value() {
        let plot = Plot::Histogram {
            title: "t".into(),
            x_label: "x".into(),
            values: vec![0.0, 1.0, 2.0, 3.0, 4.0, 100.0, f64::NAN],
            bins: 4,
            clip_quantile: Some(0.8),
            log_counts: false,
        };
        let p = prepare(&plot).unwrap();
        let Body::Histogram {
            edges,
            tops,
            overflow_last,
            ..
        } = p.body
        else {
            panic!("histogram")
        };
        // The 0.8 quantile of the six finite values is 4.0: bins of width 1 over [0, 4],
        // the last one also holding 100.
        assert_eq!(edges, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(tops, vec![Some(1.0), Some(1.0), Some(1.0), Some(3.0)]);
        assert!(overflow_last);
        assert_eq!(
            p.note.unwrap(),
            "n = 6; 1 non-finite value dropped; the dark last bin also counts 1 value above 4 \
             (the 0.8 quantile)"
        );
    }
}
