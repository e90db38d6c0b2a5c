//! Model tests at the level a data scientist checks them: published estimates on the
//! published datasets, and parameter recovery / interval coverage on simulated data.

mod churn_truth;
mod clv_parity;
mod published;
mod recovery;
mod robustness;
mod support;
