//! A/B retention-uplift analysis (`clvr uplift`).
//!
//! [`analysis`]: per-customer outcomes in, the experiment report out (pure, no I/O).
//!
//! [`stats`] holds the statistics (pure math over numbers and slices, no tables, no I/O):
//! Wilson and Newcombe intervals for retention rates and their difference, the pooled
//! two-proportion z-test, Welch's t for means (e.g. spend or CLV per customer), delta-method
//! relative lift, Holm and Benjamini–Hochberg adjustment for many metrics or segments, the
//! sample-ratio-mismatch check, CUPED variance reduction, sample size / minimum detectable
//! effect for two proportions, and incremental value.
//!
//! Everything in [`stats`] is re-exported here, so `clvr::uplift::wilson` and
//! `clvr::uplift::stats::wilson` are the same function.
//!
//! ```
//! use clvr::uplift::{newcombe_diff, two_proportion_p_value};
//!
//! // 37 of 120 treated customers retained against 25 of 118 controls.
//! let diff = newcombe_diff(37, 120, 25, 118, 0.95).unwrap();
//! assert!(diff.lo < diff.estimate && diff.estimate < diff.hi);
//! let p = two_proportion_p_value(37, 120, 25, 118).unwrap();
//! assert!(p > 0.05); // not significant at 5%, and the 95% interval straddles 0
//! assert!(diff.lo < 0.0);
//! ```

pub mod analysis;
pub mod stats;

pub use stats::*;
