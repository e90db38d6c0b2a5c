//! Clean, validated transactions: one row per purchase record.

use polars::prelude::*;

use super::DataError;

/// Validated transactions with the columns `customer_id` (string), `date` (date) and, when
/// the log has values, `amount` (f64, finite).
#[derive(Debug, Clone)]
pub struct Transactions {
    df: DataFrame,
}

impl Transactions {
    /// Name of the customer id column.
    pub const CUSTOMER: &'static str = "customer_id";
    /// Name of the date column (polars `Date`: days since 1970-01-01).
    pub const DATE: &'static str = "date";
    /// Name of the amount column.
    pub const AMOUNT: &'static str = "amount";

    /// Builds transactions from plain columns. `days` are days since 1970-01-01. Errors if the
    /// lengths differ or an amount is not finite.
    pub fn from_columns<S: AsRef<str>>(
        customers: &[S],
        days: Vec<i32>,
        amounts: Option<Vec<f64>>,
    ) -> Result<Self, DataError> {
        let n = customers.len();
        if days.len() != n || amounts.as_ref().is_some_and(|a| a.len() != n) {
            return Err(DataError::Invalid(format!(
                "transaction columns differ in length: {n} customers, {} dates{}",
                days.len(),
                amounts
                    .as_ref()
                    .map(|a| format!(", {} amounts", a.len()))
                    .unwrap_or_default()
            )));
        }
        if let Some(bad) = amounts
            .as_ref()
            .and_then(|a| a.iter().position(|v| !v.is_finite()))
        {
            return Err(DataError::Invalid(format!(
                "amount of transaction {} is not finite",
                bad + 1
            )));
        }
        let ids = StringChunked::from_iter_values(
            Self::CUSTOMER.into(),
            customers.iter().map(|s| s.as_ref()),
        );
        let dates = Int32Chunked::from_vec(Self::DATE.into(), days).into_date();
        let mut columns = vec![ids.into_column(), dates.into_column()];
        if let Some(a) = amounts {
            columns.push(Float64Chunked::from_vec(Self::AMOUNT.into(), a).into_column());
        }
        Ok(Self {
            df: DataFrame::new(n, columns)?,
        })
    }

    /// Wraps a frame already validated by the data door.
    pub(crate) fn from_validated_frame(df: DataFrame) -> Self {
        Self { df }
    }

    /// The frame (`customer_id`, `date`, optional `amount`).
    pub fn frame(&self) -> &DataFrame {
        &self.df
    }

    /// Whether the log carries transaction values.
    pub fn has_amount(&self) -> bool {
        self.df.column(Self::AMOUNT).is_ok()
    }

    /// Number of transaction rows.
    pub fn len(&self) -> usize {
        self.df.height()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.df.height() == 0
    }

    /// The transactions on or before `day`, and how many were after it.
    pub fn up_to(self, day: i32) -> Result<(Self, usize), DataError> {
        let keep = self.df.column(Self::DATE)?.date()?.physical().lt_eq(day);
        let dropped = self.df.height() - keep.sum().unwrap_or(0) as usize;
        if dropped == 0 {
            return Ok((self, 0));
        }
        Ok((
            Self {
                df: self.df.filter(&keep)?,
            },
            dropped,
        ))
    }

    /// First and last day (days since 1970-01-01), or `None` when empty.
    pub fn day_range(&self) -> Option<(i32, i32)> {
        let days = self.df.column(Self::DATE).ok()?.date().ok()?.physical();
        Some((days.min()?, days.max()?))
    }
}
