//! End-to-end tests: the real `clvr` binary on bundled data and small fixtures, checked the
//! way a user meets it (exit codes, messages, output files).

mod support;

mod atomic_output;
mod bad_input;
mod cdnow_summary;
mod churn;
mod evaluate;
mod fit_simulate;
mod input_formats;
mod main_job;
mod report;
mod report_uplift;
mod uplift;
mod uplift_coverage;
mod uplift_inputs;
mod usage;
