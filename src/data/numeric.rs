//! Reading numeric model inputs (customer summaries, pattern tables, cohort survivors) from
//! CSV or Parquet, with the same row-and-column error messages as transaction logs.

use std::path::Path;

use polars::prelude::*;

use super::DataError;
use super::source::{RawTable, ReadOptions, read_table};

/// A column role in a numeric table: the names it is known by, and whether it is required.
#[derive(Debug, Clone, Copy)]
pub struct NumericRole {
    /// What it is, in words (`frequency (x)`).
    pub what: &'static str,
    /// Header names tried in order, case-insensitively.
    pub names: &'static [&'static str],
    /// Whether the table must have it.
    pub required: bool,
}

/// Numeric columns read from a table, in the order of the roles asked for (`None` for an
/// optional role the table lacks), with the header names found.
#[derive(Debug, Clone)]
pub struct NumericColumns {
    /// The values per role.
    pub columns: Vec<Option<Vec<f64>>>,
    /// The header each role was found under.
    pub names: Vec<Option<String>>,
    /// Rows read.
    pub rows: usize,
}

fn find(raw: &RawTable, role: &NumericRole) -> Option<String> {
    let names: Vec<String> = raw
        .df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    // Exact (case-sensitive) first, so `T` is not confused with `t`; then case-insensitive.
    for cand in role.names {
        if let Some(n) = names.iter().find(|n| n.as_str() == *cand) {
            return Some(n.clone());
        }
    }
    for cand in role.names {
        if let Some(n) = names.iter().find(|n| n.eq_ignore_ascii_case(cand)) {
            return Some(n.clone());
        }
    }
    None
}

/// Reads the columns for `roles` from a CSV or Parquet table as finite f64 values. A
/// missing required column, or any empty / non-numeric / non-finite cell, is an input error
/// naming the file, row, column and value.
pub fn read_numeric_columns(
    path: &Path,
    roles: &[NumericRole],
) -> Result<NumericColumns, DataError> {
    let raw = read_table(path, &ReadOptions::default())?;
    let available: Vec<String> = raw
        .df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut columns = Vec::with_capacity(roles.len());
    let mut names = Vec::with_capacity(roles.len());
    for role in roles {
        let Some(name) = find(&raw, role) else {
            if role.required {
                return Err(DataError::Invalid(format!(
                    "{}: no column for {} (tried {}); columns present: {}\n  fix: rename the \
                     column, or write the summary with `clvr summarize`",
                    path.display(),
                    role.what,
                    role.names.join(", "),
                    available.join(", ")
                )));
            }
            columns.push(None);
            names.push(None);
            continue;
        };
        let col = raw.df.column(&name)?;
        let bad = |i: usize, v: String| {
            DataError::Invalid(format!(
                "{}: row {}{}, column '{name}': '{v}' is not a finite number\n  fix: correct \
                 the cell; {} must be numeric",
                path.display(),
                i + 1,
                raw.line_of_row(i + 1)
                    .map(|l| format!(" (line {l})"))
                    .unwrap_or_default(),
                role.what
            ))
        };
        let mut values = Vec::with_capacity(col.len());
        if col.dtype().is_primitive_numeric() {
            let f = col.cast(&DataType::Float64)?;
            for (i, v) in f.f64()?.iter().enumerate() {
                match v {
                    Some(x) if x.is_finite() => values.push(x),
                    other => {
                        return Err(bad(i, other.map_or("(empty)".into(), |x| x.to_string())));
                    }
                }
            }
        } else {
            let text = match col.dtype() {
                DataType::String => col.str()?.clone(),
                _ => col.cast(&DataType::String)?.str()?.clone(),
            };
            for (i, v) in text.iter().enumerate() {
                match v.map(str::trim).and_then(|s| s.parse::<f64>().ok()) {
                    Some(x) if x.is_finite() => values.push(x),
                    _ => return Err(bad(i, v.unwrap_or("(empty)").to_string())),
                }
            }
        }
        columns.push(Some(values));
        names.push(Some(name));
    }
    Ok(NumericColumns {
        columns,
        names,
        rows: raw.df.height(),
    })
}
