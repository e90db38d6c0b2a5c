//! `clvr uplift`: A/B test retention uplift from an assignments table and a transaction
//! log; `clvr uplift plan`: sample size or minimum detectable effect.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use clvr::artifact::{ModelFile, Registry};
use clvr::data::{
    CustomerColumn, CustomerTable, DataError, Transactions, date_of_day, day_of_date,
    detect_format, load_transactions, read_customer_table, write_atomic,
};
use clvr::features::{MergePeriod, TimeUnit, rfm_as_of};
use clvr::score::{ClvSettings, clv_of_rfm, parse_duration, score_patterns};
use clvr::uplift::analysis::{Analysis, Options, Unit, analyze};
use clvr::uplift::stats;
use serde::{Deserialize, Serialize};

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

    /// Break the uplift down by a column (per-segment uplift, Benjamini–Hochberg across
    /// segments): a column of the assignments table, else of the --scores table (e.g.
    /// segment, lifecycle_stage; write scores:COLUMN to take it from the scores when both
    /// have it), or churn_decile: deciles of the scores' churn_probability among the assigned
    /// customers (01 = lowest risk, 10 = highest).
    #[arg(long, value_name = "COLUMN")]
    pub segment_by: Option<String>,

    /// Scores of the customers: a `clvr predict` output (CSV or Parquet, one row per
    /// customer, joined on the customer id), for --segment-by. Score as of the assignment
    /// date (`clvr predict --as-of`), so segments are pre-treatment: when its as_of column is
    /// after the earliest assignment, the report warns. Assigned customers missing from it
    /// get the segment "(not scored)" and are counted.
    #[arg(long, value_name = "FILE")]
    pub scores: Option<PathBuf>,

    /// CUPED covariate: pre_purchases (purchases in --pre-window up to assignment),
    /// pre_spend (their revenue), or with --model p_alive (P(alive) at assignment) or
    /// predicted_purchases (the model's expected purchases over the outcome window, scored at
    /// assignment). Repeat the flag for several: each gets its variance reduction and
    /// adjusted uplift; the first is the headline. Model covariates are scored from each
    /// customer's own transactions up to and including their assigned_at (as `clvr predict
    /// --as-of` would); customers with no purchase by then have no model state and get 0
    /// (counted in the report).
    #[arg(
        long,
        value_name = "KIND",
        value_parser = ["pre_purchases", "pre_spend", "p_alive", "predicted_purchases"]
    )]
    pub covariate: Vec<String>,

    /// Pre-assignment period of the covariate: (assigned_at − pre-window, assigned_at].
    #[arg(long, value_name = "DURATION", default_value = "180d")]
    pub pre_window: String,

    /// Confidence level of the intervals.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    pub confidence: f64,

    /// Value of one retained customer for the incremental value. Default: with --model (and
    /// a spend model), the mean predicted CLV of retained control customers; else their mean
    /// window revenue.
    #[arg(long, value_name = "VALUE")]
    pub value_per_retained: Option<f64>,

    /// A trained model file (purchase + spend model, from `clvr train`): NAME (latest
    /// version in the registry), NAME@3, or a path. Enables the covariates p_alive and
    /// predicted_purchases and a second outcome: predicted CLV after the window (the model's
    /// CLV over its default horizon, scored at assigned_at + window from the customer's
    /// transactions up to then; 0 for customers with no purchase by then), its mean per arm
    /// and the Welch difference per treatment arm. Train it on data up to the assignment
    /// (e.g. `clvr train --as-of`), so nothing after the treatment enters the covariates.
    #[arg(long, value_name = "NAME[@V]|FILE")]
    pub model: Option<String>,

    /// Model registry directory (for --model NAME).
    #[arg(long, value_name = "DIR", default_value = "models")]
    pub registry: PathBuf,

    /// Events log (customer_id, timestamp, event_type, optional value; the same file as for
    /// `clvr churn --events`, read under the transactions' --on-bad-rows policy) for
    /// contractual retention: retained = at least one purchase in the window AND no
    /// --cancel-event in (assigned_at, assigned_at + window]. Cancellations per arm are
    /// reported.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,

    /// Event type column of --events. Default: the first of event_type, type, event,
    /// event_name, action (customer and date columns are found as for `clvr churn`:
    /// customer_id, … and timestamp, date, …).
    #[arg(long, value_name = "COL")]
    pub event_type_col: Option<String>,

    /// Event type(s) that end a contract, with --events (comma-separated or repeated).
    #[arg(
        long,
        value_name = "TYPE",
        default_value = "cancel",
        value_delimiter = ','
    )]
    pub cancel_event: Vec<String>,

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

/// Whether `--segment-by col` reads the scores table: `churn_decile`, `scores:COLUMN`, or a
/// column the assignments table does not have.
fn segment_from_scores(assignments: &CustomerTable, col: &str) -> bool {
    col == "churn_decile"
        || col.starts_with("scores:")
        || !assignments
            .columns
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(col))
}

/// The scores column `--segment-by` names (without a `scores:` prefix).
fn scores_column(col: &str) -> &str {
    col.strip_prefix("scores:").unwrap_or(col)
}

/// What `--scores` contributed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoresInput {
    /// The scores file.
    pub path: PathBuf,
    /// Its rows (customers).
    pub rows: usize,
    /// Assigned customers not in it (segment "(not scored)").
    pub assigned_not_scored: usize,
    /// The latest date of its `as_of` column, when it has one.
    pub as_of: Option<NaiveDate>,
    /// The segment column used (`churn_decile` for the derived deciles), if any.
    pub segment_column: Option<String>,
    /// With churn_decile: assigned customers in the scores without a churn probability
    /// (segment "(not scored)" too).
    pub without_churn_probability: Option<usize>,
}

/// What `--events` contributed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventsInput {
    /// The events log.
    pub path: PathBuf,
    /// Its valid rows.
    pub rows: usize,
    /// Rows rejected under the bad-row policy.
    pub rejected_rows: usize,
    /// The event types that end a contract.
    pub cancel_types: Vec<String>,
    /// Events of those types in the whole log.
    pub cancel_events: usize,
    /// Analysed customers with a cancellation in their window (not retained).
    pub cancelled_in_window: usize,
    /// Of those, customers who also purchased in the window (retained without --events).
    pub cancelled_after_purchasing: usize,
}

/// Per assigned customer: whether a cancellation event falls in their outcome window.
fn cancellations(
    a: &UpliftArgs,
    path: &Path,
    asg: &Assignments,
    window: i32,
    bad_rows: &clvr::data::BadRowPolicy,
    warnings: &mut Vec<String>,
) -> Result<(Vec<bool>, EventsInput), anyhow::Error> {
    let types: Vec<String> = a
        .cancel_event
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    if types.is_empty() {
        return Err(usage(
            "--cancel-event: name the event type that ends a contract, e.g. cancel".into(),
        ));
    }
    let opts = clvr::data::LoadOptions {
        bad_rows: bad_rows.clone(),
        ..clvr::data::LoadOptions::default()
    };
    let (ev, load) = clvr::data::load_events(path, &opts, a.event_type_col.as_deref())?;
    let is_cancel: Vec<bool> = ev.type_names.iter().map(|t| types.contains(t)).collect();
    let cancel_events = ev.kind.iter().filter(|&&k| is_cancel[k as usize]).count();
    if cancel_events == 0 {
        warnings.push(format!(
            "{} has no event of type {} (types present: {}): nobody is counted as cancelled; \
             check --cancel-event",
            path.display(),
            types.join(", "),
            ev.type_counts()
                .iter()
                .take(10)
                .map(|(t, n)| format!("{t} ({})", thousands(*n as u64)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let row_of: HashMap<&str, usize> = asg
        .ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let assigned_row: Vec<Option<usize>> = ev
        .customer_names
        .iter()
        .map(|n| row_of.get(n.as_str()).copied())
        .collect();
    let mut cancelled = vec![false; asg.ids.len()];
    for i in 0..ev.len() {
        if !is_cancel[ev.kind[i] as usize] {
            continue;
        }
        let Some(r) = assigned_row[ev.customer[i] as usize] else {
            continue;
        };
        let d = ev.day[i];
        if d > asg.day[r] && d <= asg.day[r] + window {
            cancelled[r] = true;
        }
    }
    let info = EventsInput {
        path: path.to_path_buf(),
        rows: ev.len(),
        rejected_rows: load.rows_rejected,
        cancel_types: types,
        cancel_events,
        cancelled_in_window: 0,
        cancelled_after_purchasing: 0,
    };
    Ok((cancelled, info))
}

/// Label of an unscored customer's segment.
const NOT_SCORED: &str = "(not scored)";

/// Reads the scores table, checks its as_of against the assignments (warning when later),
/// and fills the assignments' segments from it when --segment-by names it.
fn attach_scores(
    a: &UpliftArgs,
    path: &Path,
    asg: &mut Assignments,
    warnings: &mut Vec<String>,
) -> Result<ScoresInput, anyhow::Error> {
    let table = read_customer_table(path, None)?;
    let rows: Vec<Option<usize>> = asg.ids.iter().map(|id| table.row_of(id)).collect();
    let assigned_not_scored = rows.iter().filter(|r| r.is_none()).count();
    if assigned_not_scored == rows.len() {
        return Err(usage(format!(
            "{}: none of the {} assigned customers is in the scores (ids such as '{}' vs \
             '{}')\n  fix: pass the scores of these customers (`clvr predict` on the same \
             transactions)",
            path.display(),
            thousands(rows.len() as u64),
            asg.ids[0],
            table.ids.first().map_or("", String::as_str)
        )));
    }
    // The scores' as-of date: the latest in its as_of column.
    let mut as_of = None;
    if let Some((name, col)) = table
        .columns
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("as_of"))
    {
        let (_, cells) = text_column(&table, name)?;
        let sample: Vec<&str> = cells
            .iter()
            .flatten()
            .take(1000)
            .map(String::as_str)
            .collect();
        let bad = |i: usize, v: &str| {
            usage(format!(
                "{}: {}, column '{name}': '{v}' is not a date\n  fix: write the scoring date as \
                 YYYY-MM-DD (as `clvr predict` does) or drop the column",
                path.display(),
                locate(path, i)
            ))
        };
        if matches!(col, CustomerColumn::Numeric(_)) {
            return Err(bad(0, sample.first().copied().unwrap_or("")));
        }
        let format = detect_format(sample.iter().copied())
            .ok_or_else(|| bad(0, sample.first().copied().unwrap_or("")))?;
        for (i, c) in cells.iter().enumerate() {
            if let Some(v) = c {
                let d = format.parse_day(v).ok_or_else(|| bad(i, v))?;
                as_of = Some(as_of.map_or(d, |m: i32| m.max(d)));
            }
        }
    }
    if let (Some(d), Some(first)) = (as_of, asg.day.iter().min())
        && d > *first
    {
        warnings.push(format!(
            "the scores {} are as of {}, after the earliest assignment {}: segments from them \
             can reflect the treatment itself; score with `clvr predict --as-of {}`",
            path.display(),
            date_of_day(d),
            date_of_day(*first),
            date_of_day(*first)
        ));
    }
    let mut segment_column = None;
    let mut without_churn_probability = None;
    if let Some(col) = &a.segment_by
        && asg.segment.is_none()
    {
        if col == "churn_decile" {
            if !table.columns.iter().any(|(n, _)| n == "churn_probability") {
                return Err(usage(format!(
                    "{}: --segment-by churn_decile needs a churn_probability column, and the \
                     scores have none (columns: {})\n  fix: score with a model that has a churn \
                     classifier (`clvr churn train … --model NAME`, then `clvr predict`)",
                    path.display(),
                    table
                        .columns
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            let p = table.numeric("churn_probability")?;
            let probs: Vec<Option<f64>> = rows.iter().map(|r| r.and_then(|r| p[r])).collect();
            without_churn_probability = Some(
                rows.iter()
                    .zip(&probs)
                    .filter(|(r, p)| r.is_some() && p.is_none())
                    .count(),
            );
            segment_column = Some("churn_decile".into());
            asg.segment = Some(
                churn_deciles(&probs)
                    .into_iter()
                    .map(|d| d.map_or_else(|| NOT_SCORED.to_string(), |d| format!("{d:02}")))
                    .collect(),
            );
        } else {
            let name = scores_column(col);
            let (found, cells) = text_column(&table, name).map_err(|_| {
                usage(format!(
                    "--segment-by {col}: no column '{name}' in the assignments ({}) or the \
                     scores ({}); scores columns: {}\n  fix: name one of those, or \
                     churn_decile",
                    asg.path.display(),
                    path.display(),
                    table
                        .columns
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            asg.segment = Some(
                rows.iter()
                    .map(|r| match r {
                        None => NOT_SCORED.to_string(),
                        Some(r) => cells[*r].clone().unwrap_or_else(|| "(blank)".into()),
                    })
                    .collect(),
            );
            segment_column = Some(found);
        }
    }
    Ok(ScoresInput {
        path: path.to_path_buf(),
        rows: table.ids.len(),
        assigned_not_scored,
        as_of: as_of.map(date_of_day),
        segment_column,
        without_churn_probability,
    })
}

/// Deciles of churn risk: 1 for the lowest tenth of probabilities, 10 for the highest,
/// `None` without a probability. Ties share the decile of their first rank.
fn churn_deciles(p: &[Option<f64>]) -> Vec<Option<u8>> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
    order.sort_by(|&a, &b| p[a].unwrap_or(0.0).total_cmp(&p[b].unwrap_or(0.0)));
    let n = order.len();
    let mut out = vec![None; p.len()];
    let mut first = 0;
    for (k, &i) in order.iter().enumerate() {
        if k > 0 && p[i] != p[order[k - 1]] {
            first = k;
        }
        out[i] = Some((first * 10 / n) as u8 + 1);
    }
    out
}

/// Parsed assignments.
struct Assignments {
    path: PathBuf,
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
    // --segment-by: a column of the assignments table unless it names the scores.
    let segment = match &a.segment_by {
        Some(col) if !segment_from_scores(&table, col) => {
            let (_, cells) = text_column(&table, col)?;
            Some(
                cells
                    .into_iter()
                    .map(|c| c.unwrap_or_else(|| "(blank)".into()))
                    .collect(),
            )
        }
        Some(col) if a.scores.is_none() => {
            return Err(usage(format!(
                "--segment-by {col}: {}\n  fix: pass --scores FILE (a `clvr predict` output) or \
                 name a column of the assignments table ({})",
                if col == "churn_decile" {
                    "churn deciles come from the churn_probability of a scores table".to_string()
                } else if col.starts_with("scores:") {
                    format!("{col} reads a column of the scores table")
                } else {
                    format!("no column '{}' in {}", scores_column(col), path.display())
                },
                table
                    .columns
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        _ => None,
    };
    Ok(Assignments {
        path: path.to_path_buf(),
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
    /// With --model: the model and what scoring found.
    model: Option<ModelInput>,
    /// With --scores: the scores table and the join.
    scores: Option<ScoresInput>,
    /// What "retained" means here.
    retention_definition: String,
    /// With --events: the events log and the cancellations found.
    events: Option<EventsInput>,
    /// Things to look at before trusting the results.
    warnings: Vec<String>,
}

/// What `--model` contributed: the model, its settings and the customers it could not score.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelInput {
    /// The model file's id (NAME@VERSION).
    pub model: String,
    /// Its time unit.
    pub time_unit: String,
    /// The last day of its training data (the calibration end, else the observation end).
    pub trained_to: NaiveDate,
    /// The outcome window in the model's time unit (the horizon of predicted_purchases).
    pub window_units: f64,
    /// Analysed customers with no purchase up to and including their assigned_at: no model
    /// state, so their p_alive and predicted_purchases covariates are 0.
    pub no_purchase_before_assignment: usize,
    /// The CLV settings of the predicted-CLV outcome (the model's defaults); `None` when
    /// there is no CLV (see `clv_unavailable`).
    pub clv: Option<ClvSettings>,
    /// Analysed customers with no purchase up to their window end: predicted CLV 0.
    pub no_purchase_by_window_end: usize,
    /// Why there is no predicted-CLV outcome, when there is none.
    pub clv_unavailable: Option<String>,
    /// Wall seconds of the per-customer summaries and scoring.
    pub seconds: f64,
}

/// Model-based values of the analysed customers, in their order.
struct ModelScores {
    p_alive: Vec<f64>,
    predicted_purchases: Vec<f64>,
    clv: Option<Vec<f64>>,
    info: ModelInput,
}

/// Scores the analysed customers (`rows` of the assignments) with the model: P(alive) and
/// expected purchases over the window at assignment, CLV at the window end.
fn score_with_model(
    file: &ModelFile,
    tx: &Transactions,
    asg: &Assignments,
    rows: &[usize],
    window: i32,
) -> Result<ModelScores, anyhow::Error> {
    let start = Instant::now();
    let unit = TimeUnit::parse_flag(&file.settings.time_unit).map_err(usage)?;
    let merge = MergePeriod::parse_flag(&file.settings.merge_period).map_err(usage)?;
    let model = clvr::train::purchase_model_of(file).map_err(usage)?;
    let ids: Vec<&str> = rows.iter().map(|&r| asg.ids[r].as_str()).collect();
    let at: Vec<i32> = rows.iter().map(|&r| asg.day[r]).collect();
    let end: Vec<i32> = at.iter().map(|d| d + window).collect();
    let rfm = rfm_as_of(tx, unit, merge, &ids, &[&at, &end])?;
    let window_units = f64::from(window) / unit.days();
    // At assignment: P(alive) and expected purchases over the window (one step, undiscounted).
    let known: Vec<usize> = (0..ids.len()).filter(|&i| rfm[0][i].is_some()).collect();
    let pick = |v: &[Option<clvr::features::RfmAt>],
                f: fn(&clvr::features::RfmAt) -> f64,
                who: &[usize]|
     -> Vec<f64> {
        who.iter()
            .map(|&i| f(v[i].as_ref().expect("known")))
            .collect()
    };
    let (x, tx_, t) = (
        pick(&rfm[0], |r| r.frequency, &known),
        pick(&rfm[0], |r| r.recency, &known),
        pick(&rfm[0], |r| r.t, &known),
    );
    let horizon = ClvSettings {
        horizon: window_units,
        step: window_units,
        discount_rate: 0.0,
        margin: 1.0,
    };
    let scores = score_patterns(model.as_ref(), &x, &tx_, &t, &horizon);
    let mut p_alive = vec![0.0; ids.len()];
    let mut predicted_purchases = vec![0.0; ids.len()];
    for (&i, sc) in known.iter().zip(scores.iter()) {
        p_alive[i] = sc.p_alive;
        predicted_purchases[i] = sc.expected_purchases;
    }
    // At the window end: CLV with the model's defaults.
    let has_amounts = tx.frame().column(Transactions::AMOUNT).is_ok();
    let by_end: Vec<usize> = (0..ids.len()).filter(|&i| rfm[1][i].is_some()).collect();
    let (clv, clv_settings, clv_unavailable) = if file.spend_model.is_none() {
        (
            None,
            None,
            Some(format!(
                "{} has no spend model (trained without amounts)",
                file.id()
            )),
        )
    } else if !has_amounts {
        (
            None,
            None,
            Some("the transactions have no amount column".to_string()),
        )
    } else {
        let settings = file.scoring.clv_settings(unit).map_err(usage)?;
        let values = clv_of_rfm(
            file,
            &pick(&rfm[1], |r| r.frequency, &by_end),
            &pick(&rfm[1], |r| r.recency, &by_end),
            &pick(&rfm[1], |r| r.t, &by_end),
            &pick(&rfm[1], |r| r.monetary, &by_end),
            &settings,
        )?;
        let mut clv = vec![0.0; ids.len()];
        for (&i, v) in by_end.iter().zip(values) {
            if !v.is_finite() {
                return Err(usage(format!(
                    "customer '{}': the predicted CLV is not finite ({v})",
                    ids[i]
                )));
            }
            clv[i] = v;
        }
        (Some(clv), Some(settings), None)
    };
    if let Some((i, _)) = p_alive
        .iter()
        .zip(&predicted_purchases)
        .enumerate()
        .find(|(_, (p, e))| !(p.is_finite() && e.is_finite()))
    {
        return Err(usage(format!(
            "customer '{}': the model gives a non-finite P(alive) or expected purchases at \
             assignment",
            ids[i]
        )));
    }
    Ok(ModelScores {
        p_alive,
        predicted_purchases,
        clv,
        info: ModelInput {
            model: file.id(),
            time_unit: file.settings.time_unit.clone(),
            trained_to: file
                .settings
                .calibration_end
                .unwrap_or(file.settings.observation_end),
            window_units,
            no_purchase_before_assignment: ids.len() - known.len(),
            clv: clv_settings,
            no_purchase_by_window_end: ids.len() - by_end.len(),
            clv_unavailable,
            seconds: start.elapsed().as_secs_f64(),
        },
    })
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

fn analyse(mut a: UpliftArgs) -> Result<(), Failure> {
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
    for (i, c) in a.covariate.iter().enumerate() {
        if a.covariate[..i].contains(c) {
            return Err(usage(format!("--covariate {c} is given twice")).into());
        }
        if matches!(c.as_str(), "p_alive" | "predicted_purchases") && a.model.is_none() {
            return Err(usage(format!(
                "--covariate {c} comes from a purchase model: pass --model NAME|FILE (train one \
                 on the pre-assignment data with `clvr train --as-of DATE`)"
            ))
            .into());
        }
    }
    let model = match &a.model {
        Some(spec) => Some(Registry::new(&a.registry).load(spec)?),
        None => None,
    };
    // Columns default to the ones the model was trained with.
    if let Some(file) = &model {
        a.input.default_columns_from(&file.settings.columns);
    }
    let mut asg = read_assignments(&a, &path, &control)?;
    let mut warnings = Vec::new();
    let scores_input = match &a.scores {
        Some(p) => Some(attach_scores(&a, p, &mut asg, &mut warnings)?),
        None => None,
    };
    let k = asg.variants.len();
    let shares = match &a.expected_split {
        Some(s) => parse_split(s, &asg.variants).map_err(usage)?,
        None => vec![1.0; k],
    };

    let tx_path = a.input.transactions_path()?.clone();
    let load_opts = a.input.load_options(a.data_end)?;
    let (tx, _load) = load_transactions(&tx_path, &load_opts)?;
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
    let events = match &a.events {
        Some(p) => Some(cancellations(
            &a,
            p,
            &asg,
            window,
            &load_opts.bad_rows,
            &mut warnings,
        )?),
        None => None,
    };
    let mut excluded = vec![0usize; k];
    let mut rows = Vec::with_capacity(n);
    for r in 0..n {
        if asg.day[r] + window > data_end {
            excluded[asg.variant[r]] += 1;
        } else {
            rows.push(r);
        }
    }
    let scored = match &model {
        Some(file) if !rows.is_empty() => Some(score_with_model(file, &tx, &asg, &rows, window)?),
        _ => None,
    };
    if let (Some(file), Some(first)) = (&model, asg.day.iter().min()) {
        let trained_to = day_of_date(
            file.settings
                .calibration_end
                .unwrap_or(file.settings.observation_end),
        );
        if trained_to > *first {
            warnings.push(format!(
                "the model {} was trained on data up to {}, after the earliest assignment {}: \
                 its parameters saw post-treatment behaviour (train with --as-of {} for \
                 strictly pre-treatment covariates)",
                file.id(),
                date_of_day(trained_to),
                date_of_day(*first),
                date_of_day(*first)
            ));
        }
    }
    let mut units = Vec::with_capacity(rows.len());
    for (i, &r) in rows.iter().enumerate() {
        let covariates = a
            .covariate
            .iter()
            .map(|c| match (c.as_str(), &scored) {
                ("pre_purchases", _) => pre_purchases[r],
                ("pre_spend", _) => pre_spend[r],
                ("p_alive", Some(m)) => m.p_alive[i],
                ("predicted_purchases", Some(m)) => m.predicted_purchases[i],
                _ => unreachable!("checked with the flags"),
            })
            .collect();
        let cancelled = events.as_ref().map(|(c, _)| c[r]);
        units.push(Unit {
            variant: asg.variant[r],
            retained: purchases[r] >= 1.0 && cancelled != Some(true),
            cancelled,
            purchases: purchases[r],
            revenue: revenue[r],
            covariates,
            clv: scored.as_ref().and_then(|m| m.clv.as_ref()).map(|c| c[i]),
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
        has_revenue: amounts.is_some(),
        covariate_names: a.covariate.clone(),
    };
    let analysis = analyze(&units, &opts).map_err(stat_err)?;
    if let Some(stem) = &a.plot {
        let iv = |i: &clvr::uplift::Interval| (i.estimate, i.lo, i.hi);
        let overall: Vec<(&str, (f64, f64, f64))> = analysis
            .comparisons
            .iter()
            .map(|c| (c.variant.as_str(), iv(&c.retention_uplift)))
            .collect();
        let segments: Vec<(&str, &str, (f64, f64, f64))> = analysis
            .segments
            .iter()
            .map(|g| (g.variant.as_str(), g.segment.as_str(), iv(&g.uplift)))
            .collect();
        let plot = clvr::report::uplift_forest(a.confidence, &overall, &segments);
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
        pre_window_days: a
            .covariate
            .iter()
            .any(|c| c.starts_with("pre_"))
            .then_some(pre),
        data_end: date_of_day(data_end),
        transaction_rows: tx.len(),
        model: scored.map(|m| m.info),
        scores: scores_input,
        retention_definition: if a.events.is_some() {
            "at least one purchase in the window and no cancellation event in it".into()
        } else {
            "at least one purchase in the window".into()
        },
        events: events.map(|(c, mut info)| {
            info.cancelled_in_window = rows.iter().filter(|&&r| c[r]).count();
            info.cancelled_after_purchasing = rows
                .iter()
                .filter(|&&r| c[r] && purchases[r] >= 1.0)
                .count();
            info
        }),
        warnings,
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
        let welch = |w: &Option<stats::WelchResult>, digits: usize, none: &str| match w {
            Some(w) => format!(
                "{:+.d$} [{:+.d$}, {:+.d$}] (p {})",
                w.diff,
                w.lo,
                w.hi,
                pval(w.p_value),
                d = digits
            ),
            None => none.to_string(),
        };
        s += &format!(
            "{:<12} purchases/customer {}; revenue/customer {}\n",
            c.variant,
            welch(&c.purchases, 3, "not compared (no purchases in the window)"),
            welch(
                &c.revenue,
                2,
                if an.has_revenue {
                    "not compared (no variation)"
                } else {
                    "not compared (the log has no amounts)"
                }
            ),
        );
        if let Some(v) = &c.incremental_value {
            s += &format!(
                "{:<12} incremental value {:.2} [{:.2}, {:.2}] = uplift x {} treated x {:.2} per retained customer ({})\n",
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
                an.value_per_retained.unwrap_or(f64::NAN),
                an.value_source
            );
        }
    }
    for cu in &an.cuped_by_covariate {
        let source = match cu.covariate.as_str() {
            "pre_purchases" | "pre_spend" => format!(
                "over {} days before assignment",
                r.input.pre_window_days.unwrap_or(0)
            ),
            _ => format!(
                "from {} at assignment",
                r.input.model.as_ref().map_or("?", |m| m.model.as_str())
            ),
        };
        s += &format!(
            "cuped      covariate {} {source}: theta {:.4}, variance reduction {:.1}%{}\n",
            cu.covariate,
            cu.theta,
            100.0 * cu.variance_reduction,
            cu.comparisons
                .iter()
                .map(|c| {
                    let w = &c.cuped.retention_uplift;
                    format!(
                        "; {} {}",
                        c.variant,
                        pp(&stats::Interval {
                            estimate: w.diff,
                            lo: w.lo,
                            hi: w.hi
                        })
                    )
                })
                .collect::<String>()
        );
    }
    if let Some(m) = &r.input.model {
        s += &format!(
            "model      {} (unit {}, trained to {}): {} analysed customers without a purchase \
             by assignment (model covariates 0){}; scored in {:.2}s\n",
            m.model,
            m.time_unit,
            m.trained_to,
            thousands(m.no_purchase_before_assignment as u64),
            match (&m.clv, &m.clv_unavailable) {
                (Some(c), _) => format!(
                    "; CLV at the window end over {:.4} {}s ({} steps, discount {}, margin {}), \
                     {} without a purchase by then (CLV 0)",
                    c.horizon,
                    m.time_unit,
                    c.steps(),
                    c.discount_rate,
                    c.margin,
                    thousands(m.no_purchase_by_window_end as u64)
                ),
                (None, Some(why)) => format!("; no predicted CLV: {why}"),
                (None, None) => String::new(),
            },
            m.seconds
        );
    }
    if an
        .arms
        .iter()
        .any(|a| a.predicted_clv_per_customer.is_some())
    {
        s += &format!(
            "clv        predicted CLV per customer after the window: {}\n",
            an.arms
                .iter()
                .map(|a| format!(
                    "{} {:.2}",
                    a.variant,
                    a.predicted_clv_per_customer.unwrap_or(f64::NAN)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for c in &an.comparisons {
            if let Some(w) = &c.predicted_clv {
                s += &format!(
                    "{:<12} predicted CLV/customer {:+.2} [{:+.2}, {:+.2}] (p {}): what the \
                     retained behaviour is worth\n",
                    c.variant,
                    w.diff,
                    w.lo,
                    w.hi,
                    pval(w.p_value)
                );
            }
        }
    }
    if let Some(ev) = &r.input.events {
        s += &format!(
            "cancel     retention = a purchase in the window and no {} event in it ({}: {} \
             events of that type); cancelled in the window: {} ({} of them had purchased)\n",
            ev.cancel_types.join("/"),
            ev.path.display(),
            thousands(ev.cancel_events as u64),
            an.arms
                .iter()
                .map(|a| format!(
                    "{} {} ({:.1}%)",
                    a.variant,
                    thousands(a.cancelled.unwrap_or(0)),
                    100.0 * a.cancelled.unwrap_or(0) as f64 / a.n as f64
                ))
                .collect::<Vec<_>>()
                .join(", "),
            thousands(ev.cancelled_after_purchasing as u64)
        );
    }
    if let Some(sc) = &r.input.scores {
        s += &format!(
            "scores     {}: {} rows{}; {} assigned customers not in it (segment '{NOT_SCORED}'){}{}\n",
            sc.path.display(),
            thousands(sc.rows as u64),
            sc.as_of.map(|d| format!(" as of {d}")).unwrap_or_default(),
            thousands(sc.assigned_not_scored as u64),
            sc.segment_column
                .as_ref()
                .map(|c| format!("; segments from {c}"))
                .unwrap_or_default(),
            sc.without_churn_probability
                .filter(|n| *n > 0)
                .map(|n| format!(
                    "; {} without a churn probability ('{NOT_SCORED}')",
                    thousands(n as u64)
                ))
                .unwrap_or_default()
        );
    }
    for w in &r.input.warnings {
        s += &format!("WARNING: {w}\n");
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
