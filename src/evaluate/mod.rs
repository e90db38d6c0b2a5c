//! Evaluation: how good are the scores? Binary-classifier metrics for churn models
//! ([`classification`]); holdout evaluation of the purchase models follows.

pub mod classification;
