//! Evaluation: how good are the scores? Binary-classifier metrics for churn models
//! ([`classification`]); holdout evaluation of the purchase and spend models ([`holdout`]).

pub mod classification;
pub mod holdout;
