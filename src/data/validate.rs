//! Row-by-row validation of a raw transaction table.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

use super::DataError;
use super::dates::{DateFormat, date_of_day, day_of_date, detect_format};
use super::events::Events;
use super::mapping::{ColumnMapping, ResolvedColumns, Role, resolve_columns, resolve_one};
use super::source::{RawTable, ReadOptions, read_table};
use super::transactions::Transactions;
use super::write::write_table;

/// What to do with rows that fail validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadRowPolicy {
    /// Stop with exit code 2, listing the problems (the default).
    Fail,
    /// Drop bad rows, count them in the report.
    Skip,
    /// Drop bad rows and write them, with a `reason` column, to this file.
    Quarantine(PathBuf),
}

impl BadRowPolicy {
    fn name(&self) -> &'static str {
        match self {
            Self::Fail => "fail",
            Self::Skip => "skip",
            Self::Quarantine(_) => "quarantine",
        }
    }
}

/// How negative amounts (returns, refunds) are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NegativeAmounts {
    /// A negative amount is a bad row (the default).
    #[default]
    Reject,
    /// Keep the row: it is netted against purchases in the same period, and a period with
    /// only returns is not a transaction.
    Net,
}

/// The marker of a blank line in the per-row problem bits (not a problem).
const BLANK: u16 = 1 << 15;

/// One way a row can be bad. A row can have several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// The customer id is empty.
    MissingCustomer,
    /// The date is empty.
    MissingDate,
    /// The date does not parse in the chosen format.
    UnparseableDate,
    /// The date is after `--observation-end`.
    AfterObservationEnd,
    /// The amount is empty.
    MissingAmount,
    /// The amount is not a number.
    NonNumericAmount,
    /// The amount is NaN or infinite.
    NonFiniteAmount,
    /// The amount is negative and `--negative-amounts reject` is in force.
    NegativeAmount,
    /// The event type is empty (events logs).
    MissingEventType,
}

impl Problem {
    const ALL: [Problem; 9] = [
        Problem::MissingCustomer,
        Problem::MissingDate,
        Problem::UnparseableDate,
        Problem::AfterObservationEnd,
        Problem::MissingAmount,
        Problem::NonNumericAmount,
        Problem::NonFiniteAmount,
        Problem::NegativeAmount,
        Problem::MissingEventType,
    ];

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The snake_case code used in reports and the quarantine `reason` column.
    pub fn code(self) -> &'static str {
        match self {
            Problem::MissingCustomer => "missing_customer",
            Problem::MissingDate => "missing_date",
            Problem::UnparseableDate => "unparseable_date",
            Problem::AfterObservationEnd => "after_observation_end",
            Problem::MissingAmount => "missing_amount",
            Problem::NonNumericAmount => "non_numeric_amount",
            Problem::NonFiniteAmount => "non_finite_amount",
            Problem::NegativeAmount => "negative_amount",
            Problem::MissingEventType => "missing_event_type",
        }
    }
}

/// One offending cell, quoted back to the user.
#[derive(Debug, Clone, Serialize)]
pub struct BadRowExample {
    /// 1-based data row (the header is not a row).
    pub row: usize,
    /// 1-based line in a text file, `None` for Parquet.
    pub line: Option<usize>,
    /// The column holding the bad value.
    pub column: String,
    /// The value as read (`(empty)` when missing).
    pub value: String,
    /// What is wrong.
    pub problem: Problem,
    /// The same in words.
    pub message: String,
}

/// The report of a `--on-bad-rows fail` run that met bad rows.
#[derive(Debug, Clone, Serialize)]
pub struct BadRowsError {
    /// The file.
    pub path: PathBuf,
    /// Data rows read.
    pub rows_read: usize,
    /// Rows with at least one problem.
    pub rows_rejected: usize,
    /// Count per problem.
    pub counts: BTreeMap<Problem, usize>,
    /// The first ten offending cells in file order.
    pub examples: Vec<BadRowExample>,
}

impl fmt::Display for BadRowsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} of {} rows are invalid",
            self.path.display(),
            self.rows_rejected,
            self.rows_read
        )?;
        for (p, c) in &self.counts {
            writeln!(f, "  {:<24}{c}", p.code())?;
        }
        writeln!(f, "first offending rows:")?;
        for e in &self.examples {
            let line = e.line.map(|l| format!(" (line {l})")).unwrap_or_default();
            writeln!(
                f,
                "  row {}{line}, column '{}', value '{}': {}",
                e.row, e.column, e.value, e.message
            )?;
        }
        write!(
            f,
            "  fix: correct or remove these rows, or rerun with --on-bad-rows skip (drop them) or \
             --on-bad-rows quarantine --quarantine FILE (drop them and keep them in FILE)"
        )
    }
}

/// Everything that controls how a transaction log is read and validated.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Format, separator, header.
    pub read: ReadOptions,
    /// Column choices.
    pub columns: ColumnMapping,
    /// How dates are written.
    pub date_format: DateFormat,
    /// Returns policy.
    pub negative_amounts: NegativeAmounts,
    /// Bad-row policy.
    pub bad_rows: BadRowPolicy,
    /// Rows dated after this day are bad rows; `None`: no limit.
    pub observation_end: Option<NaiveDate>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            read: ReadOptions::default(),
            columns: ColumnMapping::default(),
            date_format: DateFormat::Auto,
            negative_amounts: NegativeAmounts::Reject,
            bad_rows: BadRowPolicy::Fail,
            observation_end: None,
        }
    }
}

/// What happened to every row of one input file.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// The file read.
    pub file: PathBuf,
    /// Format, separator and header, in words.
    pub source: String,
    /// The columns used.
    pub columns: ResolvedColumns,
    /// The date format used (after detection).
    pub date_format: String,
    /// Data rows read (blank lines not included).
    pub rows_read: usize,
    /// Blank lines (every field empty), ignored.
    pub blank_rows: usize,
    /// Rows kept.
    pub rows_accepted: usize,
    /// Rows dropped (skip or quarantine).
    pub rows_rejected: usize,
    /// Rejected rows per problem (a row with two problems counts under both).
    pub rejected_by_reason: BTreeMap<&'static str, usize>,
    /// `fail`, `skip` or `quarantine`.
    pub bad_row_policy: &'static str,
    /// Where rejected rows were written.
    pub quarantine_file: Option<PathBuf>,
    /// Returns policy.
    pub negative_amounts: NegativeAmounts,
    /// Accepted rows with a negative amount (only under `net`).
    pub negative_rows_netted: usize,
    /// First accepted date.
    pub first_date: Option<NaiveDate>,
    /// Last accepted date.
    pub last_date: Option<NaiveDate>,
}

/// Reads and validates a transaction log.
pub fn load_transactions(
    path: &Path,
    opts: &LoadOptions,
) -> Result<(Transactions, LoadReport), DataError> {
    let raw = read_table(path, &opts.read)?;
    validate_transactions(&raw, opts)
}

/// Casts any column to strings (text files are strings already).
fn as_strings(col: &Column) -> Result<StringChunked, DataError> {
    Ok(match col.dtype() {
        DataType::String => col.str()?.clone(),
        _ => col.cast(&DataType::String)?.str()?.clone(),
    })
}

/// The value of a cell for error messages.
fn cell(col: &Column, i: usize) -> String {
    match col.get(i) {
        Ok(AnyValue::Null) => "(empty)".into(),
        Ok(AnyValue::String(s)) => s.to_string(),
        Ok(v) => v.to_string(),
        Err(_) => "?".into(),
    }
}

struct DateColumn {
    days: Vec<i32>,
    format: DateFormat,
}

fn parse_dates(
    raw: &RawTable,
    column: &str,
    format: &DateFormat,
    problems: &mut [u16],
) -> Result<DateColumn, DataError> {
    let col = raw.df.column(column)?;
    let n = col.len();
    let from_days = |days: &Int32Chunked, problems: &mut [u16]| -> Vec<i32> {
        days.iter()
            .zip(problems.iter_mut())
            .map(|(d, p)| {
                d.unwrap_or_else(|| {
                    *p |= Problem::MissingDate.bit();
                    0
                })
            })
            .collect()
    };
    match col.dtype() {
        DataType::Date => {
            let days = from_days(col.date()?.physical(), problems);
            return Ok(DateColumn {
                days,
                format: DateFormat::Ymd,
            });
        }
        DataType::Datetime(_, _) => {
            let as_date = col.cast(&DataType::Date)?;
            let days = from_days(as_date.date()?.physical(), problems);
            return Ok(DateColumn {
                days,
                format: DateFormat::Timestamp,
            });
        }
        _ => {}
    }
    let text = as_strings(col)?;
    let format = match format {
        DateFormat::Auto => {
            let sample: Vec<&str> = text.iter().flatten().take(1000).collect();
            detect_format(sample.iter().copied()).ok_or_else(|| DataError::DateFormat {
                path: raw.path.clone(),
                column: column.to_string(),
                examples: sample
                    .iter()
                    .take(3)
                    .map(|s| format!("'{s}'"))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?
        }
        f => f.clone(),
    };
    let mut days = Vec::with_capacity(n);
    for (v, p) in text.iter().zip(problems.iter_mut()) {
        let d = match v.map(str::trim) {
            None | Some("") => {
                *p |= Problem::MissingDate.bit();
                0
            }
            Some(s) => format.parse_day(s).unwrap_or_else(|| {
                *p |= Problem::UnparseableDate.bit();
                0
            }),
        };
        days.push(d);
    }
    Ok(DateColumn { days, format })
}

fn parse_amounts(col: &Column, problems: &mut [u16]) -> Result<Vec<f64>, DataError> {
    let check = |v: f64, p: &mut u16| {
        if !v.is_finite() {
            *p |= Problem::NonFiniteAmount.bit();
            0.0
        } else {
            v
        }
    };
    if col.dtype().is_primitive_numeric() {
        let f = col.cast(&DataType::Float64)?;
        return Ok(f
            .f64()?
            .iter()
            .zip(problems.iter_mut())
            .map(|(v, p)| match v {
                None => {
                    *p |= Problem::MissingAmount.bit();
                    0.0
                }
                Some(v) => check(v, p),
            })
            .collect());
    }
    let text = as_strings(col)?;
    Ok(text
        .iter()
        .zip(problems.iter_mut())
        .map(|(v, p)| match v.map(str::trim) {
            None | Some("") => {
                *p |= Problem::MissingAmount.bit();
                0.0
            }
            Some(s) => match s.parse::<f64>() {
                Ok(v) => check(v, p),
                Err(_) => {
                    *p |= Problem::NonNumericAmount.bit();
                    0.0
                }
            },
        })
        .collect())
}

/// Marks empty customer ids; returns whether some id has surrounding whitespace to trim.
fn check_customers(customers: &StringChunked, problems: &mut [u16]) -> bool {
    let mut needs_trim = false;
    for (v, p) in customers.iter().zip(problems.iter_mut()) {
        match v.map(|s| (s, s.trim())) {
            None => *p |= Problem::MissingCustomer.bit(),
            Some((_, "")) => *p |= Problem::MissingCustomer.bit(),
            Some((s, t)) => needs_trim |= t.len() != s.len(),
        }
    }
    needs_trim
}

/// Marks rows dated after the observation end (rows whose date is already bad excepted).
fn check_observation_end(days: &[i32], end_day: Option<i32>, problems: &mut [u16]) {
    let Some(end) = end_day else { return };
    let date_bad = Problem::MissingDate.bit() | Problem::UnparseableDate.bit();
    for (d, p) in days.iter().zip(problems.iter_mut()) {
        if *p & date_bad == 0 && *d > end {
            *p |= Problem::AfterObservationEnd.bit();
        }
    }
}

/// How the bad rows of one table were handled.
struct Settled {
    date_format: String,
    blank_rows: usize,
    rows_rejected: usize,
    counts: BTreeMap<Problem, usize>,
}

/// Marks blank lines, accounts for every bad row, and applies the policy: `fail` returns
/// the error with counts and the first ten examples, `quarantine` writes the rejected rows.
fn settle_bad_rows(
    raw: &RawTable,
    cols: &ResolvedColumns,
    format: &DateFormat,
    end_day: Option<i32>,
    policy: &BadRowPolicy,
    problems: &mut [u16],
) -> Result<Settled, DataError> {
    // Rows with every field empty are blank lines: ignored, but counted.
    let blank_rows = mark_blank_rows(raw, problems);
    let mut counts: BTreeMap<Problem, usize> = BTreeMap::new();
    let mut examples = Vec::new();
    let mut rows_rejected = 0;
    for (i, &p) in problems.iter().enumerate() {
        if p == 0 || p == BLANK {
            continue;
        }
        rows_rejected += 1;
        for prob in Problem::ALL {
            if p & prob.bit() == 0 {
                continue;
            }
            *counts.entry(prob).or_default() += 1;
            if examples.len() < 10 {
                examples.push(example(raw, cols, format, end_day, i, prob)?);
            }
        }
    }
    if rows_rejected > 0 && *policy == BadRowPolicy::Fail {
        return Err(DataError::BadRows(Box::new(BadRowsError {
            path: raw.path.clone(),
            rows_read: raw.df.height() - blank_rows,
            rows_rejected,
            counts,
            examples,
        })));
    }
    if let BadRowPolicy::Quarantine(qpath) = policy
        && rows_rejected > 0
    {
        write_quarantine(raw, problems, qpath)?;
    }
    Ok(Settled {
        date_format: format.describe(),
        blank_rows,
        rows_rejected,
        counts,
    })
}

/// The run report of one validated table.
fn load_report(
    raw: &RawTable,
    cols: ResolvedColumns,
    opts: &LoadOptions,
    settled: &Settled,
    rows_accepted: usize,
    negative_rows_netted: usize,
    range: Option<(i32, i32)>,
) -> LoadReport {
    LoadReport {
        file: raw.path.clone(),
        source: raw.describe(),
        columns: cols,
        date_format: settled.date_format.clone(),
        rows_read: raw.df.height() - settled.blank_rows,
        blank_rows: settled.blank_rows,
        rows_accepted,
        rows_rejected: settled.rows_rejected,
        rejected_by_reason: settled.counts.iter().map(|(p, c)| (p.code(), *c)).collect(),
        bad_row_policy: opts.bad_rows.name(),
        quarantine_file: match &opts.bad_rows {
            BadRowPolicy::Quarantine(p) if settled.rows_rejected > 0 => Some(p.clone()),
            _ => None,
        },
        negative_amounts: opts.negative_amounts,
        negative_rows_netted,
        first_date: range.map(|r| date_of_day(r.0)),
        last_date: range.map(|r| date_of_day(r.1)),
    }
}

/// Validates a raw table as a transaction log: every row is checked, bad rows are handled
/// by the policy, and the report accounts for every row.
pub fn validate_transactions(
    raw: &RawTable,
    opts: &LoadOptions,
) -> Result<(Transactions, LoadReport), DataError> {
    let cols = resolve_columns(raw, &opts.columns)?;
    let n = raw.df.height();
    let mut problems = vec![0u16; n];

    // Customer ids: present and non-blank; surrounding whitespace is trimmed.
    let customers = as_strings(raw.df.column(&cols.customer)?)?;
    let needs_trim = check_customers(&customers, &mut problems);

    let dates = parse_dates(raw, &cols.date, &opts.date_format, &mut problems)?;
    let end_day = opts.observation_end.map(day_of_date);
    check_observation_end(&dates.days, end_day, &mut problems);

    let mut negative_rows_netted = 0;
    let amounts = match &cols.amount {
        None => None,
        Some(name) => {
            let a = parse_amounts(raw.df.column(name)?, &mut problems)?;
            for (v, p) in a.iter().zip(problems.iter_mut()) {
                if *v < 0.0 {
                    match opts.negative_amounts {
                        NegativeAmounts::Reject => *p |= Problem::NegativeAmount.bit(),
                        NegativeAmounts::Net if *p == 0 => negative_rows_netted += 1,
                        NegativeAmounts::Net => {}
                    }
                }
            }
            Some(a)
        }
    };

    let settled = settle_bad_rows(
        raw,
        &cols,
        &dates.format,
        end_day,
        &opts.bad_rows,
        &mut problems,
    )?;
    let keep: Option<BooleanChunked> = (settled.rows_rejected + settled.blank_rows > 0)
        .then(|| BooleanChunked::from_iter_values("keep".into(), problems.iter().map(|p| *p == 0)));

    let customer_col = if needs_trim {
        StringChunked::from_iter_options(
            Transactions::CUSTOMER.into(),
            customers.iter().map(|v| v.map(str::trim)),
        )
    } else {
        customers.with_name(Transactions::CUSTOMER.into())
    };
    let date_col = Int32Chunked::from_vec(Transactions::DATE.into(), dates.days);
    let amount_col = amounts.map(|a| Float64Chunked::from_vec(Transactions::AMOUNT.into(), a));
    let (customer_col, date_col, amount_col) = match &keep {
        None => (customer_col, date_col, amount_col),
        Some(k) => (
            customer_col.filter(k)?,
            date_col.filter(k)?,
            amount_col.map(|a| a.filter(k)).transpose()?,
        ),
    };
    let accepted = customer_col.len();
    let mut columns = vec![
        customer_col.into_column(),
        date_col.into_date().into_column(),
    ];
    if let Some(a) = amount_col {
        columns.push(a.into_column());
    }
    let tx = Transactions::from_validated_frame(DataFrame::new(accepted, columns)?);
    let report = load_report(
        raw,
        cols,
        opts,
        &settled,
        accepted,
        negative_rows_netted,
        tx.day_range(),
    );
    Ok((tx, report))
}

/// Reads and validates an events log (customer, timestamp, event type, optional numeric
/// value). Rows are checked and handled like a transaction log's; a blank value is allowed
/// (not every event has one), a non-numeric one is a bad row. `event_type_col` names the
/// event type column (default: event_type, type, event, event_name or action); the value
/// column is `opts.columns.amount` (default: value, amount, …; none is fine).
pub fn load_events(
    path: &Path,
    opts: &LoadOptions,
    event_type_col: Option<&str>,
) -> Result<(Events, LoadReport), DataError> {
    let raw = read_table(path, &opts.read)?;
    let mut cols = resolve_columns(&raw, &opts.columns)?;
    let event_col = resolve_one(&raw, Role::EventType, event_type_col, true)?.unwrap_or_default();
    if [&cols.customer, &cols.date].contains(&&event_col)
        || cols.amount.as_ref() == Some(&event_col)
    {
        return Err(DataError::DuplicateColumn {
            path: raw.path.clone(),
            column: event_col,
        });
    }
    cols.event_type = Some(event_col.clone());
    let n = raw.df.height();
    let mut problems = vec![0u16; n];
    let customers = as_strings(raw.df.column(&cols.customer)?)?;
    check_customers(&customers, &mut problems);
    let types = as_strings(raw.df.column(&event_col)?)?;
    for (v, p) in types.iter().zip(problems.iter_mut()) {
        if v.is_none_or(|s| s.trim().is_empty()) {
            *p |= Problem::MissingEventType.bit();
        }
    }
    let dates = parse_dates(&raw, &cols.date, &opts.date_format, &mut problems)?;
    let end_day = opts.observation_end.map(day_of_date);
    check_observation_end(&dates.days, end_day, &mut problems);
    let values: Option<Vec<Option<f64>>> = match &cols.amount {
        None => None,
        Some(name) => {
            let col = raw.df.column(name)?;
            let mut scratch = vec![0u16; n];
            let v = parse_amounts(col, &mut scratch)?;
            Some(
                v.into_iter()
                    .zip(scratch)
                    .zip(problems.iter_mut())
                    .map(|((v, q), p)| {
                        if q & Problem::MissingAmount.bit() != 0 {
                            None
                        } else {
                            *p |= q;
                            Some(v)
                        }
                    })
                    .collect(),
            )
        }
    };
    let settled = settle_bad_rows(
        &raw,
        &cols,
        &dates.format,
        end_day,
        &opts.bad_rows,
        &mut problems,
    )?;
    let mut ids = Vec::with_capacity(n);
    let mut days = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut vals = Vec::with_capacity(n);
    for (i, ((c, t), &p)) in customers
        .iter()
        .zip(types.iter())
        .zip(&problems)
        .enumerate()
    {
        if p != 0 {
            continue;
        }
        ids.push(c.unwrap_or_default().trim());
        kinds.push(t.unwrap_or_default().trim());
        days.push(dates.days[i]);
        vals.push(values.as_ref().and_then(|v| v[i]));
    }
    let events = Events::from_columns(&ids, days, &kinds, vals)?;
    let report = load_report(
        &raw,
        cols,
        opts,
        &settled,
        events.len(),
        0,
        events.day_range(),
    );
    Ok((events, report))
}

fn example(
    raw: &RawTable,
    cols: &ResolvedColumns,
    format: &DateFormat,
    end_day: Option<i32>,
    i: usize,
    prob: Problem,
) -> Result<BadRowExample, DataError> {
    let column = match prob {
        Problem::MissingCustomer => cols.customer.clone(),
        Problem::MissingDate | Problem::UnparseableDate | Problem::AfterObservationEnd => {
            cols.date.clone()
        }
        Problem::MissingEventType => cols.event_type.clone().unwrap_or_default(),
        _ => cols.amount.clone().unwrap_or_default(),
    };
    let value = cell(raw.df.column(&column)?, i);
    let message = match prob {
        Problem::MissingCustomer => "customer id is empty".to_string(),
        Problem::MissingDate => "date is empty".to_string(),
        Problem::UnparseableDate => format!(
            "not a date in format {} (set it with --date-format)",
            format.describe()
        ),
        Problem::AfterObservationEnd => format!(
            "after the observation end {} (--observation-end)",
            end_day
                .map(date_of_day)
                .map(|d| d.to_string())
                .unwrap_or_default()
        ),
        Problem::MissingAmount => "amount is empty".to_string(),
        Problem::NonNumericAmount => "amount is not a number".to_string(),
        Problem::NonFiniteAmount => "amount is NaN or infinite".to_string(),
        Problem::NegativeAmount => {
            "amount is negative (a return? --negative-amounts net nets returns against purchases)"
                .to_string()
        }
        Problem::MissingEventType => "event type is empty".to_string(),
    };
    let row = i + 1;
    Ok(BadRowExample {
        row,
        line: raw.line_of_row(row),
        column,
        value,
        problem: prob,
        message,
    })
}

fn write_quarantine(raw: &RawTable, problems: &[u16], path: &Path) -> Result<(), DataError> {
    let is_rejected = |p: u16| p != 0 && p != BLANK;
    let rejected = BooleanChunked::from_iter_values(
        "rejected".into(),
        problems.iter().map(|p| is_rejected(*p)),
    );
    let mut bad = raw.df.filter(&rejected)?;
    let rows: Vec<u64> = problems
        .iter()
        .enumerate()
        .filter(|(_, p)| is_rejected(**p))
        .map(|(i, _)| i as u64 + 1)
        .collect();
    let reasons = StringChunked::from_iter_values(
        "reason".into(),
        problems.iter().filter(|p| is_rejected(**p)).map(|&p| {
            Problem::ALL
                .iter()
                .filter(|prob| p & prob.bit() != 0)
                .map(|prob| prob.code())
                .collect::<Vec<_>>()
                .join(";")
        }),
    );
    bad.insert_column(0, UInt64Chunked::from_vec("row".into(), rows).into_column())?;
    bad.with_column(reasons.into_column())?;
    write_table(&mut bad, path)
}

/// Marks rows whose every field is empty as [`BLANK`] and returns how many there are.
fn mark_blank_rows(raw: &RawTable, problems: &mut [u16]) -> usize {
    if raw.df.columns().iter().any(|c| c.null_count() == 0) {
        return 0;
    }
    let mut blank = vec![true; raw.df.height()];
    for c in raw.df.columns() {
        for (b, null) in blank.iter_mut().zip(c.is_null().iter()) {
            *b &= null.unwrap_or(false);
        }
    }
    let mut count = 0;
    for (p, b) in problems.iter_mut().zip(blank) {
        if b {
            *p = BLANK;
            count += 1;
        }
    }
    count
}
