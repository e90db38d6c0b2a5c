//! The data door: every raw table enters clvr here.
//!
//! [`load_transactions`] reads a transaction log (CSV-like text or Parquet), maps its
//! columns, parses dates and amounts, validates every row under a [`BadRowPolicy`], and
//! returns clean [`Transactions`] with a [`LoadReport`] that accounts for every row read.
//! [`write_table`] writes any output atomically.

mod customers;
mod dates;
mod events;
mod mapping;
mod numeric;
mod source;
mod transactions;
mod validate;
mod write;

use std::path::PathBuf;

pub use customers::{CustomerColumn, CustomerTable, read_customer_table, read_feature_table};
pub use dates::{DateFormat, date_of_day, day_of_date, days_from_civil, detect_format};
pub use events::Events;
pub use mapping::{ColumnMapping, ResolvedColumns, Role, resolve_columns};
pub use numeric::{NumericColumns, NumericRole, read_numeric_columns};
pub use source::{FileFormat, RawTable, ReadOptions, Separator, read_table};
pub use transactions::Transactions;
pub use validate::{
    BadRowExample, BadRowPolicy, BadRowsError, LoadOptions, LoadReport, NegativeAmounts, Problem,
    load_events, load_transactions, validate_transactions,
};
pub use write::{ColumnValues, write_atomic, write_columns, write_table};

/// Everything that can go wrong between a file on disk and clean transactions.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened, read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done (`open`, `read`, `write`, `rename`).
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a readable CSV or Parquet table.
    #[error(
        "cannot parse {} as a table: {source}\n  fix: check the format (--format csv|parquet), \
         the separator (--separator) and whether the file has a header (--no-header)",
        path.display()
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// The reader's error.
        source: polars::prelude::PolarsError,
    },
    /// A column named on the command line is not in the file.
    #[error(
        "{}: no column '{spec}' for the {role} ({flag}); columns present: {}\n  fix: pass {flag} \
         with one of those names{}",
        path.display(),
        available.join(", "),
        if *has_header { " or a 1-based position" } else { " — the file has no header, so use a 1-based position" }
    )]
    UnknownColumn {
        /// The file.
        path: PathBuf,
        /// Which role.
        role: &'static str,
        /// The flag that sets it.
        flag: &'static str,
        /// What the user asked for.
        spec: String,
        /// The columns the file has.
        available: Vec<String>,
        /// Whether the file has a header.
        has_header: bool,
    },
    /// No column was named for a required role and none of the default names matched.
    #[error(
        "{}: cannot tell which column holds the {role}; tried the names {tried}; columns present: {}\n  \
         fix: pass {flag} NAME{}",
        path.display(),
        available.join(", "),
        if *has_header { "" } else { " (the file has no header: use 1-based positions, e.g. --customer-col 1 --date-col 2)" }
    )]
    NoDefaultColumn {
        /// The file.
        path: PathBuf,
        /// Which role.
        role: &'static str,
        /// The flag that sets it.
        flag: &'static str,
        /// The default names tried.
        tried: String,
        /// The columns the file has.
        available: Vec<String>,
        /// Whether the file has a header.
        has_header: bool,
    },
    /// A 1-based position is outside the table.
    #[error(
        "{}: {flag} {position} is out of range for the {role}: the file has {n_columns} column(s)\n  \
         fix: positions count from 1",
        path.display()
    )]
    ColumnPosition {
        /// The file.
        path: PathBuf,
        /// Which role.
        role: &'static str,
        /// The flag that sets it.
        flag: &'static str,
        /// The position asked for.
        position: usize,
        /// How many columns the file has.
        n_columns: usize,
    },
    /// Two roles were mapped to the same column.
    #[error(
        "{}: column '{column}' is mapped to two roles\n  fix: give --customer-col, --date-col and \
         --amount-col different columns",
        path.display()
    )]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
    },
    /// The date format could not be detected.
    #[error(
        "{}: cannot recognise the dates in column '{column}' (first values: {examples})\n  fix: pass \
         --date-format YYYY-MM-DD, YYYYMMDD, timestamp, epoch, or a pattern such as %d/%m/%Y",
        path.display()
    )]
    DateFormat {
        /// The file.
        path: PathBuf,
        /// The date column.
        column: String,
        /// The first few values, quoted.
        examples: String,
    },
    /// Rows failed validation under `--on-bad-rows fail`.
    #[error("{0}")]
    BadRows(Box<BadRowsError>),
    /// A setting contradicts the data or another setting.
    #[error("{0}")]
    Invalid(String),
    /// A table could not be serialised.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The writer's error.
        source: polars::prelude::PolarsError,
    },
    /// An internal polars operation failed (a bug, not bad input).
    #[error("internal table operation failed: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
}

impl DataError {
    /// Whether the user can fix this by changing the input or the flags (exit code 2),
    /// as opposed to a runtime failure (exit code 1).
    pub fn is_input_error(&self) -> bool {
        match self {
            DataError::Io { action, .. } => matches!(*action, "open" | "read"),
            DataError::Write { .. } | DataError::Polars(_) => false,
            _ => true,
        }
    }
}
