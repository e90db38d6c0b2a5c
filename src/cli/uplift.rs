//! `clvr uplift`: A/B test retention uplift from an assignments table and a transaction
//! log; `clvr uplift plan`: sample size or minimum detectable effect.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use clvr::data::{
    CustomerColumn, CustomerTable, DataError, date_of_day, day_of_date, detect_format,
    load_transactions, read_customer_table, write_atomic,
};
use clvr::features::TimeUnit;
use clvr::score::parse_duration;
use clvr::uplift::analysis::{Analysis, Options, Unit, analyze};
use clvr::uplift::stats;
use serde::Serialize;

use super::args::{OutputArgs, TransactionArgs, parse_date};
use super::{Failure, print_stdout, thousands};

/// `clvr uplift [plan]`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct UpliftCommand {
    #[command(subcommand)]
    sub: Option<UpliftSub>,
    #[command(flatten)]
    args: UpliftArgs,
}

#[derive(Debug, Subcommand)]
enum UpliftSub {
    /// Plan an experiment: customers per arm for a minimum detectable effect (--mde), or
    /// the minimum detectable effect of a sample size (--n-per-arm).
    Plan(PlanArgs),
}

/// Arguments of `clvr uplift`.
#[derive(Debug, Args)]
pub struct UpliftArgs {
    /// Assignments table (CSV or Parquet): customer_id, variant, assigned_at (a date), one
    /// row per customer; any number of variants, one of them the --control.
    #[arg(long, value_name = "FILE")]
    pub assignments: Option<PathBuf>,

    /// The control variant's name.
    #[arg(long, value_name = "NAME")]
    pub control: Option<String>,

    /// Variant column of the assignments table.
    #[arg(long, value_name = "COL", default_value = "variant")]
    pub variant_col: String,

    /// Assignment date column of the assignments table.
    #[arg(long, value_name = "COL", default_value = "assigned_at")]
    pub assigned_col: String,

    #[command(flatten)]
    pub input: TransactionArgs,

    /// Outcome window after assignment: (assigned_at, assigned_at + window], e.g. 90d,
    /// 12weeks, 3months. Customers whose window ends after the data end are excluded and
    /// counted.
    #[arg(long, value_name = "DURATION", default_value = "90d")]
    pub window: String,

    /// Last day observed (YYYY-MM-DD). Default: the last transaction date.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub data_end: Option<NaiveDate>,

    /// Planned split for the sample-ratio-mismatch check: shares in the order of the
    /// report (the control first, then the other variants sorted by name), e.g. 50,50, or
    /// named: control=50,treatment=50. Default: equal shares.
    #[arg(long, value_name = "SHARES")]
    pub expected_split: Option<String>,

    /// A column of the assignments table to break the uplift down by (per-segment uplift,
    /// Benjamini–Hochberg across segments).
    #[arg(long, value_name = "COLUMN")]
    pub segment_by: Option<String>,

    /// CUPED covariate: pre_purchases (purchases in --pre-window up to assignment) or
    /// pre_spend (their revenue).
    #[arg(long, value_name = "KIND", value_parser = ["pre_purchases", "pre_spend"])]
    pub covariate: Option<String>,

    /// Pre-assignment period of the covariate: (assigned_at − pre-window, assigned_at].
    #[arg(long, value_name = "DURATION", default_value = "180d")]
    pub pre_window: String,

    /// Confidence level of the intervals.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    pub confidence: f64,

    /// Value of one retained customer for the incremental value. Default: the mean window
    /// revenue of retained control customers.
    #[arg(long, value_name = "VALUE")]
    pub value_per_retained: Option<f64>,

    /// Also write the JSON report to this file (atomically).
    #[arg(long, value_name = "FILE.json")]
    pub output: Option<PathBuf>,

    /// Write a forest plot of the retention uplift (each variant overall, and per segment
    /// with --segment-by) with its CIs to STEM.png and STEM.svg.
    #[arg(long, value_name = "STEM")]
    pub plot: Option<PathBuf>,

    #[command(flatten)]
    pub output_opts: OutputArgs,
}

/// Arguments of `clvr uplift plan`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("goal").required(true).args(["mde", "n_per_arm"])))]
pub struct PlanArgs {
    /// Retention rate of the control, in (0, 1).
    #[arg(long, value_name = "R")]
    pub baseline_rate: f64,

    /// Minimum detectable effect: the absolute change in the rate (0.02 = two points).
    #[arg(long, value_name = "D", allow_negative_numbers = true)]
    pub mde: Option<f64>,

    /// Customers per arm: report the minimum detectable (absolute) increase.
    #[arg(long, value_name = "N")]
    pub n_per_arm: Option<u64>,

    /// Power.
    #[arg(long, value_name = "P", default_value_t = 0.8)]
    pub power: f64,

    /// Significance level (two-sided).
    #[arg(long, value_name = "A", default_value_t = 0.05)]
    pub alpha: f64,

    #[command(flatten)]
    pub output_opts: OutputArgs,
}

impl UpliftCommand {
    /// Whether a JSON report was asked for.
    pub fn json(&self) -> bool {
        match &self.sub {
            Some(UpliftSub::Plan(a)) => a.output_opts.json,
            None => self.args.output_opts.json,
        }
    }
}

fn usage(m: String) -> anyhow::Error {
    DataError::Invalid(m).into()
}

fn stat_err(e: stats::UpliftError) -> anyhow::Error {
    usage(e.to_string())
}

/// Runs `clvr uplift …`.
pub fn run(cmd: UpliftCommand) -> Result<(), Failure> {
    match cmd.sub {
        Some(UpliftSub::Plan(a)) => plan(a),
        None => analyse(cmd.args),
    }
}

#[derive(Serialize)]
struct PlanReport {
    command: &'static str,
    baseline_rate: f64,
    mde: f64,
    n_per_arm: u64,
    alpha: f64,
    power: f64,
}

fn plan(a: PlanArgs) -> Result<(), Failure> {
    let (mde, n) = match (a.mde, a.n_per_arm) {
        (Some(d), _) => (
            d,
            stats::sample_size_two_proportions(a.baseline_rate, d, a.alpha, a.power)
                .map_err(stat_err)?,
        ),
        (None, Some(n)) => (
            stats::mde_two_proportions(a.baseline_rate, n, a.alpha, a.power).map_err(stat_err)?,
            n,
        ),
        (None, None) => unreachable!("clap requires one"),
    };
    if !a.output_opts.quiet {
        eprintln!(
            "plan       baseline {:.4}, effect {:+.4} (absolute; {:+.1}% relative), alpha {}, power {}\n\
             sample     {} customers per arm ({} for two arms)",
            a.baseline_rate,
            mde,
            100.0 * mde / a.baseline_rate,
            a.alpha,
            a.power,
            thousands(n),
            thousands(2 * n)
        );
    }
    if a.output_opts.json {
        let r = PlanReport {
            command: "uplift plan",
            baseline_rate: a.baseline_rate,
            mde,
            n_per_arm: n,
            alpha: a.alpha,
            power: a.power,
        };
        print_stdout(&serde_json::to_string_pretty(&r).map_err(anyhow::Error::from)?)?;
    }
    Ok(())
}

/// Where row `i` (0-based) of a table is, for messages.
fn locate(path: &Path, i: usize) -> String {
    let parquet = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"));
    if parquet {
        format!("row {}", i + 1)
    } else {
        format!("row {} (line {})", i + 1, i + 2)
    }
}

/// A column's cells as text (numbers written without a trailing `.0`).
fn text_column(
    table: &CustomerTable,
    name: &str,
) -> Result<(String, Vec<Option<String>>), DataError> {
    let Some((found, col)) = table
        .columns
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
    else {
        return Err(DataError::Invalid(format!(
            "{}: no column '{name}'; columns present: {}, {}\n  fix: name the column {name} or \
             pass its name (--variant-col, --assigned-col, --segment-by)",
            table.path.display(),
            table.id_column,
            table
                .columns
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let cells = match col {
        CustomerColumn::Text(v) => v.clone(),
        CustomerColumn::Numeric(v) => v
            .iter()
            .map(|x| {
                x.map(|x| {
                    if x.fract() == 0.0 && x.abs() < 1e15 {
                        format!("{}", x as i64)
                    } else {
                        x.to_string()
                    }
                })
            })
            .collect(),
    };
    Ok((found.clone(), cells))
}

/// Parsed assignments.
struct Assignments {
    ids: Vec<String>,
    variant: Vec<usize>,
    day: Vec<i32>,
    segment: Option<Vec<String>>,
    /// Control first, then the others sorted.
    variants: Vec<String>,
}

fn read_assignments(
    a: &UpliftArgs,
    path: &Path,
    control: &str,
) -> Result<Assignments, anyhow::Error> {
    let table = read_customer_table(path, None)?;
    if table.ids.is_empty() {
        return Err(usage(format!(
            "{}: the assignments table has no rows",
            path.display()
        )));
    }
    let (vcol, vcells) = text_column(&table, &a.variant_col)?;
    let (dcol, dcells) = text_column(&table, &a.assigned_col)?;
    let mut names: Vec<String> = Vec::new();
    for (i, v) in vcells.iter().enumerate() {
        match v {
            None => {
                return Err(usage(format!(
                    "{}: {}, column '{vcol}': the variant is empty\n  fix: give every \
                     customer a variant",
                    path.display(),
                    locate(path, i)
                )));
            }
            Some(v) if !names.contains(v) => names.push(v.clone()),
            _ => {}
        }
    }
    if !names.iter().any(|n| n == control) {
        names.sort();
        return Err(usage(format!(
            "{}: no customer is in the control variant '{control}'; variants present: {}\n  \
             fix: pass --control with one of those",
            path.display(),
            names.join(", ")
        )));
    }
    names.retain(|n| n != control);
    names.sort();
    if names.is_empty() {
        return Err(usage(format!(
            "{}: every customer is in the control '{control}': there is nothing to compare",
            path.display()
        )));
    }
    names.insert(0, control.to_string());
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let variant: Vec<usize> = vcells
        .iter()
        .map(|v| index[v.as_deref().expect("checked")])
        .collect();
    let sample: Vec<&str> = dcells
        .iter()
        .flatten()
        .take(1000)
        .map(String::as_str)
        .collect();
    let format = detect_format(sample.iter().copied()).ok_or_else(|| {
        usage(format!(
            "{}: cannot recognise the dates in column '{dcol}' (first values: {})\n  fix: \
             write them as YYYY-MM-DD",
            path.display(),
            sample
                .iter()
                .take(3)
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let mut day = Vec::with_capacity(dcells.len());
    for (i, d) in dcells.iter().enumerate() {
        let parsed = d.as_deref().and_then(|s| format.parse_day(s));
        match parsed {
            Some(x) => day.push(x),
            None => {
                return Err(usage(format!(
                    "{}: {}, column '{dcol}': {} is not a date ({})\n  fix: give every \
                     customer an assignment date",
                    path.display(),
                    locate(path, i),
                    d.as_deref()
                        .map(|s| format!("'{s}'"))
                        .unwrap_or_else(|| "an empty cell".into()),
                    format.describe()
                )));
            }
        }
    }
    let segment = match &a.segment_by {
        Some(col) => {
            let (_, cells) = text_column(&table, col)?;
            Some(
                cells
                    .into_iter()
                    .map(|c| c.unwrap_or_else(|| "(blank)".into()))
                    .collect(),
            )
        }
        None => None,
    };
    Ok(Assignments {
        ids: table.ids.clone(),
        variant,
        day,
        segment,
        variants: names,
    })
}

fn parse_split(s: &str, variants: &[String]) -> Result<Vec<f64>, String> {
    let parts: Vec<&str> = s
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut shares = vec![f64::NAN; variants.len()];
    if parts.iter().all(|p| p.contains('=')) {
        for p in &parts {
            let (k, v) = p.split_once('=').expect("checked");
            let i = variants.iter().position(|n| n == k.trim()).ok_or_else(|| {
                format!(
                    "--expected-split: no variant '{}'; variants: {}",
                    k.trim(),
                    variants.join(", ")
                )
            })?;
            shares[i] = v
                .trim()
                .parse()
                .map_err(|_| format!("--expected-split: '{v}' is not a number"))?;
        }
    } else {
        if parts.len() != variants.len() {
            return Err(format!(
                "--expected-split {s}: {} shares for {} variants ({}, in this order)",
                parts.len(),
                variants.len(),
                variants.join(", ")
            ));
        }
        for (i, p) in parts.iter().enumerate() {
            shares[i] = p
                .parse()
                .map_err(|_| format!("--expected-split: '{p}' is not a number"))?;
        }
    }
    if shares.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(format!(
            "--expected-split {s}: give a positive share for every variant ({})",
            variants.join(", ")
        ));
    }
    Ok(shares)
}

#[derive(Serialize)]
struct InputReport {
    assignments: PathBuf,
    transactions: PathBuf,
    assigned: usize,
    analysed: usize,
    excluded_incomplete_window: usize,
    excluded_by_variant: Vec<(String, usize)>,
    without_transactions: usize,
    window_days: i32,
    pre_window_days: Option<i32>,
    data_end: NaiveDate,
    transaction_rows: usize,
}

#[derive(Serialize)]
struct UpliftReport<'a> {
    command: &'static str,
    #[serde(flatten)]
    analysis: &'a Analysis,
    input: InputReport,
    elapsed_seconds: f64,
}

fn days_of(flag: &str, s: &str) -> Result<i32, anyhow::Error> {
    let d = parse_duration(s, TimeUnit::Day).map_err(|e| usage(format!("{flag}: {e}")))?;
    Ok(d.round().max(1.0) as i32)
}

fn analyse(a: UpliftArgs) -> Result<(), Failure> {
    let start = Instant::now();
    let Some(path) = a.assignments.clone() else {
        return Err(usage(
            "no experiment: pass --assignments FILE (customer_id, variant, assigned_at) or use \
             `clvr uplift plan`"
                .into(),
        )
        .into());
    };
    let Some(control) = a.control.clone() else {
        return Err(usage("pass --control NAME: the control variant".into()).into());
    };
    if !(a.confidence > 0.0 && a.confidence < 1.0) {
        return Err(usage(format!("--confidence {} must be in (0, 1)", a.confidence)).into());
    }
    let window = days_of("--window", &a.window)?;
    let pre = days_of("--pre-window", &a.pre_window)?;
    let asg = read_assignments(&a, &path, &control)?;
    let k = asg.variants.len();
    let shares = match &a.expected_split {
        Some(s) => parse_split(s, &asg.variants).map_err(usage)?,
        None => vec![1.0; k],
    };

    let tx_path = a.input.transactions_path()?.clone();
    let (tx, _load) = load_transactions(&tx_path, &a.input.load_options(a.data_end)?)?;
    let frame = tx.frame();
    let ids = frame
        .column(clvr::data::Transactions::CUSTOMER)
        .map_err(DataError::from)?
        .str()
        .map_err(DataError::from)?
        .clone();
    let days = frame
        .column(clvr::data::Transactions::DATE)
        .map_err(DataError::from)?
        .date()
        .map_err(DataError::from)?
        .physical()
        .clone();
    let amounts: Option<Vec<f64>> = match frame.column(clvr::data::Transactions::AMOUNT) {
        Ok(c) => Some(
            c.f64()
                .map_err(DataError::from)?
                .into_no_null_iter()
                .collect(),
        ),
        Err(_) => None,
    };
    let data_end = match a.data_end {
        Some(d) => day_of_date(d),
        None => tx
            .day_range()
            .map(|r| r.1)
            .ok_or_else(|| usage(format!("{}: no transactions", tx_path.display())))?,
    };
    let row_of: HashMap<&str, usize> = asg
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    // Per assigned customer: purchases and revenue in the window, and in the pre-period.
    let n = asg.ids.len();
    let mut purchases = vec![0.0; n];
    let mut revenue = vec![0.0; n];
    let mut pre_purchases = vec![0.0; n];
    let mut pre_spend = vec![0.0; n];
    let mut has_tx = vec![false; n];
    for (i, (id, d)) in ids.iter().zip(days.iter()).enumerate() {
        let (Some(id), Some(d)) = (id, d) else {
            continue;
        };
        let Some(&r) = row_of.get(id) else { continue };
        has_tx[r] = true;
        let a0 = asg.day[r];
        let amt = amounts.as_ref().map_or(0.0, |v| v[i]);
        if d > a0 && d <= a0 + window {
            purchases[r] += 1.0;
            revenue[r] += amt;
        } else if d <= a0 && d > a0 - pre {
            pre_purchases[r] += 1.0;
            pre_spend[r] += amt;
        }
    }
    let mut units = Vec::with_capacity(n);
    let mut excluded = vec![0usize; k];
    for r in 0..n {
        if asg.day[r] + window > data_end {
            excluded[asg.variant[r]] += 1;
            continue;
        }
        units.push(Unit {
            variant: asg.variant[r],
            retained: purchases[r] >= 1.0,
            purchases: purchases[r],
            revenue: revenue[r],
            covariate: match a.covariate.as_deref() {
                Some("pre_purchases") => Some(pre_purchases[r]),
                Some(_) => Some(pre_spend[r]),
                None => None,
            },
            segment: asg.segment.as_ref().map(|s| s[r].clone()),
        });
    }
    let excluded_total: usize = excluded.iter().sum();
    if units.is_empty() {
        return Err(usage(format!(
            "no customer has a complete {window}-day outcome window by the data end {} (all \
             {} excluded)\n  fix: use a shorter --window or later data",
            date_of_day(data_end),
            thousands(n as u64)
        ))
        .into());
    }
    let opts = Options {
        variants: asg.variants.clone(),
        control: 0,
        expected_shares: shares,
        confidence: a.confidence,
        srm_threshold: 0.001,
        value_per_retained: a.value_per_retained,
        covariate_name: a.covariate.clone(),
    };
    let analysis = analyze(&units, &opts).map_err(stat_err)?;
    if let Some(stem) = &a.plot {
        let pp = |i: &clvr::uplift::Interval| (100.0 * i.estimate, 100.0 * i.lo, 100.0 * i.hi);
        let mut rows: Vec<(String, f64, f64, f64)> = Vec::new();
        for c in &analysis.comparisons {
            let (e, lo, hi) = pp(&c.retention_uplift);
            rows.push((format!("{} (all)", c.variant), e, lo, hi));
        }
        for g in &analysis.segments {
            let (e, lo, hi) = pp(&g.uplift);
            rows.push((format!("{}: {}", g.variant, g.segment), e, lo, hi));
        }
        let plot = clvr::report::Plot::Forest {
            title: format!(
                "Retention uplift vs control, with {:.0}% CIs",
                100.0 * a.confidence
            ),
            x_label: "uplift in retention (percentage points)".into(),
            rows,
            reference: 0.0,
        };
        clvr::report::write_plot(
            &plot,
            stem,
            &[
                clvr::report::ImageFormat::Png,
                clvr::report::ImageFormat::Svg,
            ],
        )
        .map_err(anyhow::Error::from)?;
    }
    let input = InputReport {
        assignments: path.clone(),
        transactions: tx_path.clone(),
        assigned: n,
        analysed: units.len(),
        excluded_incomplete_window: excluded_total,
        excluded_by_variant: asg.variants.iter().cloned().zip(excluded).collect(),
        without_transactions: has_tx.iter().filter(|h| !**h).count(),
        window_days: window,
        pre_window_days: a.covariate.as_ref().map(|_| pre),
        data_end: date_of_day(data_end),
        transaction_rows: tx.len(),
    };
    let report = UpliftReport {
        command: "uplift",
        analysis: &analysis,
        input,
        elapsed_seconds: start.elapsed().as_secs_f64(),
    };
    let json = serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?;
    if let Some(out) = &a.output {
        write_atomic(out, |w| {
            use std::io::Write;
            w.write_all(json.as_bytes())
                .and_then(|_| w.write_all(b"\n"))
                .map_err(|e| DataError::Io {
                    path: out.clone(),
                    action: "write",
                    source: e,
                })
        })?;
    }
    if !a.output_opts.quiet {
        eprint!("{}", render_text(&report));
    }
    if a.output_opts.json {
        print_stdout(&json)?;
    }
    Ok(())
}

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

fn pp(i: &stats::Interval) -> String {
    format!(
        "{:+.2} pp [{:+.2}, {:+.2}]",
        100.0 * i.estimate,
        100.0 * i.lo,
        100.0 * i.hi
    )
}

fn pval(p: f64) -> String {
    if p < 1e-15 {
        "<1e-15".to_string()
    } else if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

fn render_text(r: &UpliftReport) -> String {
    let an = r.analysis;
    let srm = &an.srm;
    let split = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{:.1}", 100.0 * x))
            .collect::<Vec<_>>()
            .join("/")
    };
    let total: u64 = srm.observed.iter().sum();
    let observed_shares: Vec<f64> = srm
        .observed
        .iter()
        .map(|&o| o as f64 / total as f64)
        .collect();
    let mut s = String::new();
    let srm_line = format!(
        "{} = {} customers, {} observed vs {} planned (chi-square {:.2}, df {}, p {})",
        srm.variants.join(" / "),
        srm.observed
            .iter()
            .map(|&o| thousands(o))
            .collect::<Vec<_>>()
            .join(" / "),
        split(&observed_shares),
        split(&srm.expected_shares),
        srm.test.chi_square,
        srm.test.df,
        pval(srm.test.p_value)
    );
    if srm.test.mismatch {
        s += &format!(
            "WARNING: SAMPLE RATIO MISMATCH (p < {}): {srm_line}\n  the assignment or the \
             logging is broken: the results below are not trustworthy\n",
            srm.threshold
        );
    }
    let i = &r.input;
    s += &format!(
        "experiment {} assigned ({}); {} analysed with a complete {}-day window by {}; {} \
         excluded (window incomplete); {} without transactions (not retained)\n",
        thousands(i.assigned as u64),
        i.assignments.display(),
        thousands(i.analysed as u64),
        i.window_days,
        i.data_end,
        thousands(i.excluded_incomplete_window as u64),
        thousands(i.without_transactions as u64)
    );
    if !srm.test.mismatch {
        s += &format!("srm        ok: {srm_line}\n");
    }
    let conf = format!("{:.0}%", 100.0 * an.confidence);
    s += &format!(
        "{:<12} {:>8} {:>9}  {:<34} {:>10} {:>9} {:>9}{}\n",
        "variant",
        "n",
        "retention",
        format!("uplift [{conf} CI]"),
        "relative",
        "p",
        "p(Holm)",
        if an.cuped.is_some() {
            format!("  CUPED uplift [{conf} CI]")
        } else {
            String::new()
        }
    );
    for arm in &an.arms {
        let cmp = an.comparisons.iter().find(|c| c.variant == arm.variant);
        let (up, rel, p, ph, cu) = match cmp {
            None => (
                "(control)".to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ),
            Some(c) => (
                pp(&c.retention_uplift),
                c.relative_uplift
                    .map(|r| format!("{:+.1}%", 100.0 * r.estimate))
                    .unwrap_or_else(|| "-".into()),
                pval(c.p_value),
                pval(c.p_value_holm),
                c.cuped
                    .as_ref()
                    .map(|cu| {
                        let w = &cu.retention_uplift;
                        format!(
                            "  {}",
                            pp(&stats::Interval {
                                estimate: w.diff,
                                lo: w.lo,
                                hi: w.hi
                            })
                        )
                    })
                    .unwrap_or_default(),
            ),
        };
        s += &format!(
            "{:<12} {:>8} {:>9}  {:<34} {:>10} {:>9} {:>9}{}\n",
            arm.variant,
            thousands(arm.n),
            pct(arm.retention.estimate),
            up,
            rel,
            p,
            ph,
            cu
        );
    }
    for c in &an.comparisons {
        s += &format!(
            "{:<12} purchases/customer {:+.3} [{:+.3}, {:+.3}] (p {}); revenue/customer {:+.2} [{:+.2}, {:+.2}] (p {})\n",
            c.variant,
            c.purchases.diff,
            c.purchases.lo,
            c.purchases.hi,
            pval(c.purchases.p_value),
            c.revenue.diff,
            c.revenue.lo,
            c.revenue.hi,
            pval(c.revenue.p_value)
        );
        if let Some(v) = &c.incremental_value {
            s += &format!(
                "{:<12} incremental value {:.2} [{:.2}, {:.2}] = uplift x {} treated x {:.2} per retained customer\n",
                "",
                v.estimate,
                v.lo,
                v.hi,
                thousands(
                    an.arms
                        .iter()
                        .find(|a| a.variant == c.variant)
                        .map_or(0, |a| a.n)
                ),
                an.value_per_retained.unwrap_or(f64::NAN)
            );
        }
    }
    if let Some(cu) = &an.cuped {
        s += &format!(
            "cuped      covariate {} over {} days before assignment: theta {:.4}, variance \
             reduction {:.1}%\n",
            cu.covariate.as_deref().unwrap_or("?"),
            r.input.pre_window_days.unwrap_or(0),
            cu.theta,
            100.0 * cu.variance_reduction
        );
    }
    if !an.segments.is_empty() {
        s += "segments   (Benjamini-Hochberg across segments)\n";
        for g in &an.segments {
            s += &format!(
                "  {:<20} {:<12} n {:>7} / {:>7}  {}  p {}  p(BH) {}\n",
                g.segment,
                g.variant,
                thousands(g.n_treatment),
                thousands(g.n_control),
                pp(&g.uplift),
                pval(g.p_value),
                pval(g.p_value_bh)
            );
        }
    }
    if !an.segments_skipped.is_empty() {
        s += &format!(
            "segments   skipped (fewer than 2 customers in an arm): {}\n",
            an.segments_skipped.join(", ")
        );
    }
    s
}
