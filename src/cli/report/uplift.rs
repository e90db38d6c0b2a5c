//! The experiment section of `clvr report --uplift FILE.json`: reads the JSON that
//! `clvr uplift --output FILE.json` (or `--json`) writes and turns it into a sample-ratio
//! alert, one verdict per variant, tables, the forest plot and the input counts.
//!
//! The file is read into the tolerant views below rather than into
//! `clvr::uplift::analysis::Analysis`: serde_json writes a non-finite float as `null`, which
//! an `f64` field refuses, and a file from a newer clvr may carry fields (or shapes) this build
//! does not know. So every number is an `Option<f64>` (`null` is shown as "—"), unknown fields
//! are ignored, optional parts in a shape this build cannot read are skipped with a note, and
//! only what identifies an uplift report is required (`srm`, `arms`, `comparisons`,
//! `confidence`).

use std::path::Path;

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};

use clvr::report::Plot;
use clvr::report::html::{Block, Section};

use super::{Failure, Plots, thousands};

/// An interval as written (`estimate`, `lo`, `hi`), each possibly `null`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
struct Interval {
    estimate: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
}

impl Interval {
    /// All three values, when all are finite.
    fn finite(&self) -> Option<(f64, f64, f64)> {
        match (self.estimate, self.lo, self.hi) {
            (Some(e), Some(l), Some(h)) if e.is_finite() && l.is_finite() && h.is_finite() => {
                Some((e, l, h))
            }
            _ => None,
        }
    }
}

/// A Welch comparison as written (the fields the report shows).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
struct Welch {
    diff: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    p_value: Option<f64>,
}

impl Welch {
    fn interval(&self) -> Interval {
        Interval {
            estimate: self.diff,
            lo: self.lo,
            hi: self.hi,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Srm {
    variants: Vec<String>,
    observed: Vec<u64>,
    #[serde(default, deserialize_with = "lenient")]
    expected_shares: Option<Vec<Option<f64>>>,
    #[serde(default, deserialize_with = "lenient")]
    expected: Option<Vec<Option<f64>>>,
    chi_square: Option<f64>,
    df: Option<u64>,
    p_value: Option<f64>,
    mismatch: bool,
    threshold: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct Arm {
    variant: String,
    #[serde(default)]
    control: bool,
    n: u64,
    retained: u64,
    #[serde(default, deserialize_with = "lenient")]
    retention: Option<Interval>,
    purchases_per_customer: Option<f64>,
    revenue_per_customer: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct CupedUplift {
    #[serde(default, deserialize_with = "lenient")]
    retention_uplift: Option<Welch>,
    variance_reduction: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct Comparison {
    variant: String,
    #[serde(default, deserialize_with = "lenient")]
    retention_uplift: Option<Interval>,
    #[serde(default, deserialize_with = "lenient")]
    relative_uplift: Option<Interval>,
    p_value: Option<f64>,
    p_value_holm: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    purchases: Option<Welch>,
    #[serde(default, deserialize_with = "lenient")]
    revenue: Option<Welch>,
    #[serde(default, deserialize_with = "lenient")]
    cuped: Option<CupedUplift>,
    #[serde(default, deserialize_with = "lenient")]
    incremental_value: Option<Interval>,
}

#[derive(Debug, Deserialize)]
struct CupedSummary {
    covariate: Option<String>,
    theta: Option<f64>,
    variance_reduction: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct Segment {
    segment: String,
    variant: String,
    n_treatment: u64,
    n_control: u64,
    retention_treatment: Option<f64>,
    retention_control: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    uplift: Option<Interval>,
    p_value: Option<f64>,
    p_value_bh: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
struct Input {
    assignments: Option<String>,
    transactions: Option<String>,
    assigned: Option<u64>,
    analysed: Option<u64>,
    excluded_incomplete_window: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    excluded_by_variant: Option<Vec<(String, u64)>>,
    without_transactions: Option<u64>,
    window_days: Option<i64>,
    pre_window_days: Option<i64>,
    data_end: Option<String>,
}

/// The parts of an uplift report the HTML section shows.
#[derive(Debug, Deserialize)]
struct UpliftFile {
    srm: Srm,
    arms: Vec<Arm>,
    comparisons: Vec<Comparison>,
    confidence: f64,
    #[serde(default, deserialize_with = "lenient")]
    cuped: Option<CupedSummary>,
    #[serde(default, deserialize_with = "lenient")]
    segments: Option<Vec<Segment>>,
    #[serde(default, deserialize_with = "lenient")]
    segments_skipped: Option<Vec<String>>,
    value_per_retained: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    value_source: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    input: Option<Input>,
}

/// `null`, or a value in a shape this build cannot read, is `None`: optional parts never
/// make the whole file unreadable (the caller notes what was skipped).
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// One experiment read from its JSON file.
pub(super) struct Experiment {
    /// The file, for titles and messages.
    path: std::path::PathBuf,
    file: UpliftFile,
    /// Optional top-level parts present in the file but not readable by this build.
    skipped: Vec<&'static str>,
}

impl Experiment {
    /// Whether the sample-ratio check failed.
    pub(super) fn srm_mismatch(&self) -> bool {
        self.file.srm.mismatch
    }

    /// The file it was read from.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

const FIX: &str = "fix: pass the file written by `clvr uplift --output FILE.json` (or the \
                   stdout of `clvr uplift --json`)";

fn bad(path: &Path, m: String) -> Failure {
    anyhow::Error::from(clvr::data::DataError::Invalid(format!(
        "--uplift {}: {m}\n  {FIX}",
        path.display()
    )))
    .into()
}

/// Reads and checks an uplift report. Errors (exit 2) name the file, what is wrong (with
/// the line and column for JSON errors) and what was expected.
pub(super) fn read(path: &Path) -> Result<Experiment, Failure> {
    let text =
        std::fs::read_to_string(path).map_err(|e| bad(path, format!("cannot read ({e})")))?;
    let raw: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(path, format!("not JSON ({e})")))?;
    let Some(obj) = raw.as_object() else {
        return Err(bad(
            path,
            "not an uplift report: the JSON is not an object".into(),
        ));
    };
    let command = obj.get("command").and_then(|c| c.as_str());
    if let Some(cmd) = command.filter(|c| *c != "uplift") {
        return Err(bad(
            path,
            format!(
                "not an uplift report: this is the report of `clvr {cmd}` (\"command\": \
                 \"{cmd}\"); expected \"command\": \"uplift\" with srm, arms and comparisons"
            ),
        ));
    }
    let missing: Vec<&str> = ["srm", "arms", "comparisons", "confidence"]
        .into_iter()
        .filter(|k| obj.get(*k).is_none_or(|v| v.is_null()))
        .collect();
    if !missing.is_empty() {
        return Err(bad(
            path,
            format!(
                "not an uplift report: no {} (an uplift report has srm, arms, comparisons and \
                 confidence at the top level)",
                missing.join(", ")
            ),
        ));
    }
    // Read from the text (not the Value) so errors carry the line and column.
    let file: UpliftFile = serde_json::from_str(&text).map_err(|e| {
        bad(
            path,
            format!("not an uplift report this clvr can read ({e})"),
        )
    })?;
    check(&file).map_err(|m| bad(path, m))?;
    let skipped = [
        ("cuped", file.cuped.is_none()),
        ("segments", file.segments.is_none()),
        ("input", file.input.is_none()),
    ]
    .into_iter()
    .filter(|(k, none)| *none && obj.get(*k).is_some_and(|v| !v.is_null()))
    .map(|(k, _)| k)
    .collect();
    Ok(Experiment {
        path: path.to_path_buf(),
        file,
        skipped,
    })
}

/// Consistency the section relies on.
fn check(f: &UpliftFile) -> Result<(), String> {
    if !(f.confidence > 0.0 && f.confidence < 1.0) {
        return Err(format!("confidence {} is not in (0, 1)", f.confidence));
    }
    if f.arms.len() < 2 {
        return Err(format!(
            "{} arm(s) in \"arms\"; an experiment has a control and at least one other",
            f.arms.len()
        ));
    }
    if f.srm.variants.len() != f.srm.observed.len() {
        return Err(format!(
            "srm: {} variants but {} observed counts",
            f.srm.variants.len(),
            f.srm.observed.len()
        ));
    }
    for c in &f.comparisons {
        if !f.arms.iter().any(|a| a.variant == c.variant) {
            return Err(format!(
                "comparison of variant '{}', which is not in \"arms\"",
                c.variant
            ));
        }
    }
    Ok(())
}

/// A number or "—".
fn num(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.filter(|x| x.is_finite()).map_or_else(|| "—".into(), f)
}

fn pval(p: Option<f64>) -> String {
    num(p, |p| {
        if p < 1e-15 {
            "<1e-15".to_string()
        } else if p < 1e-4 {
            format!("{p:.1e}")
        } else {
            format!("{p:.4}")
        }
    })
}

fn pct1(v: Option<f64>) -> String {
    num(v, |x| format!("{:.1}%", 100.0 * x))
}

/// `+10.70 pp (+9.45 to +11.95)`, from fractions; `digits` decimals.
fn pp_ci(i: Option<&Interval>, digits: usize) -> String {
    match i.and_then(Interval::finite) {
        Some((e, l, h)) => format!(
            "{:+.digits$} pp ({:+.digits$} to {:+.digits$})",
            100.0 * e,
            100.0 * l,
            100.0 * h
        ),
        None => "—".into(),
    }
}

/// `34.49% (33.56 to 35.43)`.
fn rate_ci(i: Option<&Interval>) -> String {
    match i.and_then(Interval::finite) {
        Some((e, l, h)) => format!("{:.2}% ({:.2} to {:.2})", 100.0 * e, 100.0 * l, 100.0 * h),
        None => "—".into(),
    }
}

/// `+45.0% (+38.9 to +51.1)` for a relative change.
fn rel_ci(i: Option<&Interval>) -> String {
    match i.and_then(Interval::finite) {
        Some((e, l, h)) => format!(
            "{:+.1}% ({:+.1} to {:+.1})",
            100.0 * e,
            100.0 * l,
            100.0 * h
        ),
        None => "—".into(),
    }
}

/// `+0.464 (+0.419 to +0.510)` with `digits` decimals.
fn diff_ci(i: Option<&Interval>, digits: usize) -> String {
    match i.and_then(Interval::finite) {
        Some((e, l, h)) => format!("{e:+.digits$} ({l:+.digits$} to {h:+.digits$})"),
        None => "—".into(),
    }
}

fn counts(v: &[u64]) -> String {
    v.iter()
        .map(|&o| thousands(o as usize))
        .collect::<Vec<_>>()
        .join(" / ")
}

fn shares(v: &[Option<f64>]) -> String {
    v.iter().map(|s| pct1(*s)).collect::<Vec<_>>().join(" / ")
}

/// The one-line sample-ratio finding: observed counts and shares against the plan, the
/// chi-square test and its threshold.
fn srm_line(s: &Srm) -> String {
    let total: u64 = s.observed.iter().sum();
    let observed: Vec<Option<f64>> = s
        .observed
        .iter()
        .map(|&o| (total > 0).then(|| o as f64 / total as f64))
        .collect();
    let mut line = format!(
        "{} = {} customers ({}) observed",
        s.variants.join(" / "),
        counts(&s.observed),
        shares(&observed)
    );
    if let Some(planned) = &s.expected_shares {
        line += &format!(" against a planned {}", shares(planned));
    }
    if let Some(expected) = &s.expected {
        let e: Vec<String> = expected
            .iter()
            .map(|x| num(*x, |x| thousands(x.round() as usize)))
            .collect();
        line += &format!(" (expected {})", e.join(" / "));
    }
    line += &format!(
        ": chi-square {}, df {}, p {}",
        num(s.chi_square, |x| format!("{x:.2}")),
        s.df.map_or("—".into(), |d| d.to_string()),
        pval(s.p_value)
    );
    if let Some(t) = s.threshold {
        line += &format!(" (mismatch when p < {t})");
    }
    line
}

/// The plain-language verdict of one treatment arm, e.g. "treatment: +3.1 pp retention
/// (95% CI +1.2 to +5.0), significant after Holm correction (p 0.0012, Holm 0.0024)".
/// Significant means below 1 − confidence, the level of the intervals.
fn verdict(c: &Comparison, confidence: f64, arms_compared: usize, srm_mismatch: bool) -> String {
    let level = format!("{:.0}%", 100.0 * confidence);
    let alpha = 1.0 - confidence;
    let mut v = match c.retention_uplift.as_ref().and_then(Interval::finite) {
        Some((e, l, h)) => format!(
            "{}: {:+.1} pp retention ({level} CI {:+.1} to {:+.1})",
            c.variant,
            100.0 * e,
            100.0 * l,
            100.0 * h
        ),
        None => format!(
            "{}: the retention uplift is not in the file (null or absent)",
            c.variant
        ),
    };
    let fin = |p: Option<f64>| p.filter(|p| p.is_finite());
    match (fin(c.p_value), fin(c.p_value_holm)) {
        (Some(p), Some(ph)) if ph < alpha => {
            v += &format!(
                ", significant after Holm correction (p {}, Holm {})",
                pval(Some(p)),
                pval(Some(ph))
            )
        }
        (Some(p), Some(ph)) if p < alpha => {
            v += &format!(
                ", significant on its own (p {}) but not after Holm correction across {} arms \
             (Holm {})",
                pval(Some(p)),
                arms_compared,
                pval(Some(ph))
            )
        }
        (Some(p), Some(ph)) => {
            v += &format!(
                ", not significant (p {}, Holm {})",
                pval(Some(p)),
                pval(Some(ph))
            )
        }
        (Some(p), None) => {
            v += &format!(
                ", p {} (no Holm-adjusted p-value in the file: significance not judged)",
                pval(Some(p))
            )
        }
        (None, _) => v += ", no p-value in the file: significance not judged",
    }
    if let Some(w) = c
        .cuped
        .as_ref()
        .and_then(|cu| cu.retention_uplift.as_ref())
        .and_then(|w| w.interval().finite())
    {
        v += &format!(
            "; CUPED-adjusted {:+.1} pp ({:+.1} to {:+.1})",
            100.0 * w.0,
            100.0 * w.1,
            100.0 * w.2
        );
    }
    if srm_mismatch {
        v += ". But the sample ratio is off: do not trust this until the assignment is fixed";
    }
    v.push('.');
    v
}

/// The same forest plot as `clvr uplift --plot`: each treatment arm overall, then each
/// segment, in percentage points with the report's intervals. Rows with a missing value are
/// left out and returned by label.
fn forest(f: &UpliftFile) -> (Option<Plot>, Vec<String>) {
    let mut overall = Vec::new();
    let mut segments = Vec::new();
    let mut left_out = Vec::new();
    for c in &f.comparisons {
        match c.retention_uplift.as_ref().and_then(Interval::finite) {
            Some(i) => overall.push((c.variant.as_str(), i)),
            None => left_out.push(format!("{} (all)", c.variant)),
        }
    }
    for g in f.segments.iter().flatten() {
        match g.uplift.as_ref().and_then(Interval::finite) {
            Some(i) => segments.push((g.variant.as_str(), g.segment.as_str(), i)),
            None => left_out.push(format!("{}: {}", g.variant, g.segment)),
        }
    }
    if overall.is_empty() && segments.is_empty() {
        return (None, left_out);
    }
    (
        Some(clvr::report::uplift_forest(
            f.confidence,
            &overall,
            &segments,
        )),
        left_out,
    )
}

/// The section of one experiment; `stem` names its forest plot in `--plots-dir`.
pub(super) fn section(exp: &Experiment, stem: &str, plots: &mut Plots) -> Result<Section, Failure> {
    let f = &exp.file;
    let name = exp.path.file_name().map_or_else(
        || exp.path.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    let mut s = Section::new(format!("Uplift: {name}"));
    let level = format!("{:.0}%", 100.0 * f.confidence);

    // 1. The alert, before anything else.
    if f.srm.mismatch {
        s.push(Block::Alert {
            title: "SAMPLE RATIO MISMATCH: do not trust the uplift until the assignment is fixed"
                .into(),
            lines: vec![
                srm_line(&f.srm),
                "The arms did not receive customers in the planned proportions, so the \
                 assignment (or its logging) is broken and the arms may differ in more than \
                 the treatment. Every number below is suspect: do not trust the uplift until \
                 the assignment is fixed."
                    .into(),
            ],
        });
    }
    // 2. One verdict per treatment arm.
    let arms_compared = f.comparisons.len();
    for c in &f.comparisons {
        s.push(Block::Text(verdict(
            c,
            f.confidence,
            arms_compared,
            f.srm.mismatch,
        )));
    }
    if f.comparisons.is_empty() {
        s.push(Block::Text(
            "The file holds no comparison against the control.".into(),
        ));
    }

    // 3. The tables per variant.
    let any_cuped = f.comparisons.iter().any(|c| c.cuped.is_some());
    let mut header: Vec<String> = vec![
        "variant".into(),
        "n".into(),
        "retained".into(),
        format!("retention ({level} CI)"),
        format!("uplift ({level} CI)"),
        format!("relative uplift ({level} CI)"),
        "p".into(),
        "p (Holm)".into(),
    ];
    if any_cuped {
        header.push(format!("CUPED uplift ({level} CI)"));
        header.push("CUPED variance reduction".into());
    }
    let cmp_of = |arm: &Arm| f.comparisons.iter().find(|c| c.variant == arm.variant);
    let rows = f
        .arms
        .iter()
        .map(|a| {
            let mut r = vec![
                if a.control && !a.variant.eq_ignore_ascii_case("control") {
                    format!("{} (control)", a.variant)
                } else {
                    a.variant.clone()
                },
                thousands(a.n as usize),
                thousands(a.retained as usize),
                rate_ci(a.retention.as_ref()),
            ];
            match cmp_of(a) {
                Some(c) => {
                    r.push(pp_ci(c.retention_uplift.as_ref(), 2));
                    r.push(rel_ci(c.relative_uplift.as_ref()));
                    r.push(pval(c.p_value));
                    r.push(pval(c.p_value_holm));
                    if any_cuped {
                        let cu = c.cuped.as_ref();
                        r.push(pp_ci(
                            cu.and_then(|cu| cu.retention_uplift.as_ref())
                                .map(Welch::interval)
                                .as_ref(),
                            2,
                        ));
                        r.push(pct1(cu.and_then(|cu| cu.variance_reduction)));
                    }
                }
                None => r.extend(std::iter::repeat_n(String::new(), header.len() - r.len())),
            }
            r
        })
        .collect();
    s.push(Block::Table {
        caption: "Retention by variant (uplift: Newcombe interval; p: pooled z-test, \
                  Holm-adjusted across treatment arms)"
            .into(),
        header,
        rows,
    });
    let value_rows = f
        .arms
        .iter()
        .map(|a| {
            let mut r = vec![
                a.variant.clone(),
                num(a.purchases_per_customer, |x| format!("{x:.3}")),
                num(a.revenue_per_customer, |x| format!("{x:.2}")),
            ];
            match cmp_of(a) {
                Some(c) => {
                    let p = c.purchases.unwrap_or_default();
                    let v = c.revenue.unwrap_or_default();
                    r.push(diff_ci(c.purchases.map(|w| w.interval()).as_ref(), 3));
                    r.push(pval(p.p_value));
                    r.push(diff_ci(c.revenue.map(|w| w.interval()).as_ref(), 2));
                    r.push(pval(v.p_value));
                    r.push(diff_ci(c.incremental_value.as_ref(), 2));
                }
                None => {
                    r.push("(control)".into());
                    r.extend(std::iter::repeat_n(String::new(), 4));
                }
            }
            r
        })
        .collect();
    s.push(Block::Table {
        caption: format!(
            "Purchases, revenue and value by variant (differences: Welch; incremental value = \
             uplift × treated customers × {} per retained customer{})",
            num(f.value_per_retained, |x| format!("{x:.2}")),
            f.value_source
                .as_ref()
                .map(|s| format!(", {s}"))
                .unwrap_or_default()
        ),
        header: [
            "variant".to_string(),
            "purchases / customer".into(),
            "revenue / customer".into(),
            format!("Δ purchases / customer ({level} CI)"),
            "p".into(),
            format!("Δ revenue / customer ({level} CI)"),
            "p".into(),
            format!("incremental value ({level} CI)"),
        ]
        .to_vec(),
        rows: value_rows,
    });

    // 4. The forest plot.
    let (plot, left_out) = forest(f);
    if let Some(plot) = plot {
        plots.add(&mut s, stem, plot)?;
    }
    if !left_out.is_empty() {
        s.push(Block::Text(format!(
            "Not in the forest plot (no finite interval in the file): {}.",
            left_out.join(", ")
        )));
    }

    // 5. Segments.
    if let Some(segs) = f.segments.as_ref().filter(|g| !g.is_empty()) {
        s.push(Block::Table {
            caption: "Uplift by segment (p-values Benjamini–Hochberg-adjusted across the \
                      segments of each arm)"
                .into(),
            header: [
                "segment".to_string(),
                "variant".into(),
                "n treatment".into(),
                "n control".into(),
                "retention treatment".into(),
                "retention control".into(),
                format!("uplift ({level} CI)"),
                "p".into(),
                "p (BH)".into(),
            ]
            .to_vec(),
            rows: segs
                .iter()
                .map(|g| {
                    vec![
                        g.segment.clone(),
                        g.variant.clone(),
                        thousands(g.n_treatment as usize),
                        thousands(g.n_control as usize),
                        num(g.retention_treatment, |x| format!("{:.2}%", 100.0 * x)),
                        num(g.retention_control, |x| format!("{:.2}%", 100.0 * x)),
                        pp_ci(g.uplift.as_ref(), 2),
                        pval(g.p_value),
                        pval(g.p_value_bh),
                    ]
                })
                .collect(),
        });
    }
    if let Some(sk) = f.segments_skipped.as_ref().filter(|v| !v.is_empty()) {
        s.push(Block::Text(format!(
            "Segments left out (fewer than 2 customers in an arm): {}.",
            sk.join(", ")
        )));
    }

    // 6. Input counts and the rest of the design.
    let mut facts = Vec::new();
    let input = f.input.as_ref();
    let count = |v: Option<u64>| v.map(|n| thousands(n as usize));
    if let Some(i) = input {
        if let Some(n) = count(i.assigned) {
            facts.push((
                "assigned".to_string(),
                match &i.assignments {
                    Some(p) => format!("{n} ({p})"),
                    None => n,
                },
            ));
        }
        if let Some(n) = count(i.analysed) {
            let mut v = n;
            if let Some(w) = i.window_days {
                v += &format!(" with a complete {w}-day outcome window");
            }
            if let Some(d) = &i.data_end {
                v += &format!(" by {d}");
            }
            facts.push(("analysed".into(), v));
        }
        if let Some(n) = count(i.excluded_incomplete_window) {
            let by = i
                .excluded_by_variant
                .as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| {
                    format!(
                        " ({})",
                        v.iter()
                            .map(|(k, n)| format!("{k} {}", thousands(*n as usize)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .unwrap_or_default();
            facts.push(("excluded: window incomplete".into(), format!("{n}{by}")));
        }
        if let Some(n) = count(i.without_transactions) {
            facts.push(("without transactions (counted as not retained)".into(), n));
        }
        if let Some(t) = &i.transactions {
            facts.push(("transactions".into(), t.clone()));
        }
    }
    facts.push((
        "sample ratio".into(),
        format!(
            "{}: {}",
            if f.srm.mismatch { "MISMATCH" } else { "ok" },
            srm_line(&f.srm)
        ),
    ));
    if let Some(cu) = &f.cuped {
        let mut v = cu.covariate.clone().unwrap_or_else(|| "(unnamed)".into());
        if let Some(d) = input.and_then(|i| i.pre_window_days) {
            v += &format!(" over {d} days before assignment");
        }
        v += &format!(
            ": theta {}, variance reduction {} (all arms)",
            num(cu.theta, |x| format!("{x:.4}")),
            pct1(cu.variance_reduction)
        );
        facts.push(("CUPED covariate".into(), v));
    }
    facts.push(("confidence level".into(), level.clone()));
    s.push(Block::Facts(facts));
    if input.is_none() {
        s.push(Block::Text(
            "The input counts (assigned, analysed, excluded) are not in the file.".into(),
        ));
    }
    if !exp.skipped.is_empty() {
        s.push(Block::Text(format!(
            "Left out, in a form this clvr {} cannot read: {}.",
            clvr::VERSION,
            exp.skipped.join(", ")
        )));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(json: &str) -> Comparison {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn verdicts_follow_the_holm_adjusted_p_value() {
        let c = cmp(
            r#"{"variant":"treatment","retention_uplift":{"estimate":0.031,
            "lo":0.012,"hi":0.05},"p_value":0.0012,"p_value_holm":0.0024}"#,
        );
        assert_eq!(
            verdict(&c, 0.95, 1, false),
            "treatment: +3.1 pp retention (95% CI +1.2 to +5.0), significant after Holm \
             correction (p 0.0012, Holm 0.0024)."
        );
        let c = cmp(
            r#"{"variant":"b","retention_uplift":{"estimate":-0.02,"lo":-0.039,
            "hi":-0.001},"p_value":0.03,"p_value_holm":0.06}"#,
        );
        assert_eq!(
            verdict(&c, 0.95, 2, false),
            "b: -2.0 pp retention (95% CI -3.9 to -0.1), significant on its own (p 0.0300) \
             but not after Holm correction across 2 arms (Holm 0.0600)."
        );
        let c = cmp(
            r#"{"variant":"b","retention_uplift":{"estimate":0.01,"lo":-0.01,
            "hi":0.03},"p_value":0.3,"p_value_holm":0.3,"unknown":[1,2]}"#,
        );
        let v = verdict(&c, 0.9, 1, true);
        assert!(v.starts_with("b: +1.0 pp retention (90% CI -1.0 to +3.0), not significant"));
        assert!(
            v.ends_with("do not trust this until the assignment is fixed."),
            "{v}"
        );
    }

    /// Why the views exist: the library's own types refuse the `null` serde_json writes for
    /// a non-finite float; the view reads it as missing.
    #[test]
    fn null_is_refused_by_the_library_type_and_read_as_missing_here() {
        let json = r#"{"estimate": null, "lo": 0.01, "hi": 0.05}"#;
        assert!(serde_json::from_str::<clvr::uplift::Interval>(json).is_err());
        let i: Interval = serde_json::from_str(json).unwrap();
        assert_eq!((i.estimate, i.lo), (None, Some(0.01)));
        assert!(i.finite().is_none());
    }

    #[test]
    fn nulls_are_shown_as_missing_not_as_numbers() {
        let c = cmp(
            r#"{"variant":"t","retention_uplift":{"estimate":null,"lo":0.0,
            "hi":0.1},"p_value":null,"p_value_holm":null,"cuped":"per covariate"}"#,
        );
        assert!(c.cuped.is_none());
        assert_eq!(pp_ci(c.retention_uplift.as_ref(), 2), "—");
        assert_eq!(pval(c.p_value), "—");
        let v = verdict(&c, 0.95, 1, false);
        assert!(
            v.contains("not in the file") && v.contains("not judged"),
            "{v}"
        );
        assert!(!v.contains("NaN") && !v.contains("inf"), "{v}");
    }
}
