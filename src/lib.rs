//! # clvr — predictive customer-lifetime value and churn, fast
//!
//! clvr turns raw transaction logs into one row per customer and fits the "buy till you die"
//! family of purchase models on them. The library is layered the way data flows:
//!
//! - [`data`]: the one door raw tables come through (CSV or Parquet, column mapping, date
//!   parsing, row validation with a bad-row policy, atomic writers);
//! - [`features`]: per-customer tables, starting with the recency/frequency/monetary summary;
//! - [`models`]: the purchase, retention and spend models (pure math), their MLE driver and
//!   simulator;
//! - [`artifact`]: versioned model files and the registry;
//! - [`score`]: predictive CLV and the per-customer scores `predict` writes;
//! - [`evaluate`]: metrics of scores against outcomes (ROC/PR AUC, log loss, calibration, lift).
//! - [`uplift`]: A/B test retention uplift (intervals, tests, SRM, CUPED, sample sizes).
//!
//! ```
//! use clvr::data::Transactions;
//! use clvr::features::{build_summary, SummaryOptions, TimeUnit};
//!
//! // Customer "a" buys on days 0, 7 and 14 (1970-01-01 is day 0); "b" once.
//! let tx = Transactions::from_columns(&["a", "a", "a", "b"], vec![0, 7, 14, 3],
//!                                     Some(vec![10.0, 20.0, 30.0, 5.0])).unwrap();
//! let opts = SummaryOptions { time_unit: TimeUnit::Week, ..Default::default() };
//! let summary = build_summary(&tx, &opts).unwrap();
//! assert_eq!(summary.stats.customers, 2);
//! assert_eq!(summary.stats.repeat_transactions, 2); // the first purchase is not a repeat
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod artifact;
pub mod churn;
pub mod data;
pub(crate) mod dense;
pub mod evaluate;
pub mod features;
pub mod models;
pub mod report;
pub mod score;
pub mod train;
pub mod uplift;

/// The version of this build, as written into reports and model files.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
