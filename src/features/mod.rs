//! From clean transactions to one row per customer.
//!
//! [`build_summary`] makes the modelling table every purchase model consumes, with the
//! Fader–Hardie conventions (see [`summary`] for the exact definitions).

pub mod churn;
pub mod encode;
mod group;
pub mod summary;
mod time;

#[cfg(test)]
mod proptests;

pub use summary::{
    CustomerSummary, HoldoutStats, RepeatsByDay, RfmAt, SummaryOptions, SummaryStats,
    build_summary, build_summary_with_repeats, rfm_as_of,
};
pub use time::{MergePeriod, TimeUnit};

/// Errors building per-customer features.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    /// The settings contradict each other or the data (an input error).
    #[error("{0}")]
    Invalid(String),
    /// An internal polars operation failed (a bug, not bad input).
    #[error("internal table operation failed: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
}

impl FeatureError {
    /// Whether the user can fix this by changing the input or the flags (exit code 2).
    pub fn is_input_error(&self) -> bool {
        matches!(self, FeatureError::Invalid(_))
    }
}
