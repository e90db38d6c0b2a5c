//! Command-line parsing and dispatch. Each subcommand lives in its own file and only wires
//! library calls together; exit codes: 0 ok, 1 runtime failure, 2 usage or input error.

mod args;
mod churn;
mod config;
mod evaluate;
mod fit;
mod models;
mod predict;
mod progress;
mod report;
mod simulate;
mod summarize;
mod train;
mod uplift;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// clvr: predictive customer-lifetime value and churn modelling.
#[derive(Debug, Parser)]
#[command(name = "clvr", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Turn a transaction log into the customer summary table (one row per customer:
    /// frequency, recency, T, monetary value; holdout columns with --calibration-end).
    Summarize(summarize::SummarizeArgs),
    /// Fit a purchase or retention model by maximum likelihood and print the fit table
    /// (estimates, standard errors, 95% CIs, log-likelihood, AIC, BIC, convergence).
    Fit(fit::FitArgs),
    /// Simulate a transaction log (and a truth file) from a purchase model with known
    /// parameters, seeded and reproducible.
    Simulate(simulate::SimulateArgs),
    /// Train a purchase model and a spend model on a transaction log and write a versioned
    /// model file to the registry.
    Train(train::TrainArgs),
    /// Score every customer with a model file: P(alive), expected purchases, P(no purchase),
    /// expected spend and CLV over a horizon.
    Predict(predict::PredictArgs),
    /// List, show and compare the model files in the registry.
    Models(models::ModelsArgs),
    /// Churn classifiers: train on a labelled customer table or on snapshots of a
    /// transaction and events log, with ROC/PR AUC, log loss, calibration and lift.
    Churn(churn::ChurnCommand),
    /// Holdout evaluation: fit purchase models (and Gamma-Gamma) on a calibration period, or
    /// take a model file, and compare their predictions with the holdout after it (totals,
    /// conditional expectations, tracking, MAE/RMSE, value ranking; churn with --churn).
    Evaluate(evaluate::EvaluateArgs),
    /// Write one self-contained HTML report for a model, a scoring run, a holdout evaluation
    /// and A/B experiments (any of them): fit tables, plots, segments, lifecycle stages, churn
    /// metrics, top customers, uplift per experiment (--uplift).
    Report(report::ReportArgs),
    /// A/B test retention uplift: retention, purchases and revenue per variant, uplift over
    /// the control with confidence intervals and p-values, sample-ratio check, CUPED,
    /// per-segment uplift and incremental value; `uplift plan` sizes an experiment.
    Uplift(uplift::UpliftCommand),
}

/// An error with the exit code it maps to.
pub struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error = e.into();
        let code = exit_code_of(&error);
        Failure { code, error }
    }
}

/// 2 for errors the user fixes by changing the input or flags, 1 for everything else.
fn exit_code_of(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        if let Some(e) = cause.downcast_ref::<clvr::data::DataError>() {
            return if e.is_input_error() { 2 } else { 1 };
        }
        if let Some(e) = cause.downcast_ref::<clvr::features::FeatureError>() {
            return if e.is_input_error() { 2 } else { 1 };
        }
        if let Some(e) = cause.downcast_ref::<clvr::artifact::ArtifactError>() {
            return if e.is_input_error() { 2 } else { 1 };
        }
        if let Some(e) = cause.downcast_ref::<clvr::churn::ChurnError>() {
            return if e.is_input_error() { 2 } else { 1 };
        }
        if let Some(e) = cause.downcast_ref::<clvr::train::TrainError>() {
            return if e.is_input_error() { 2 } else { 1 };
        }
        // The data cannot support the model (no repeat buyers, invalid rows, ...).
        if cause.downcast_ref::<clvr::models::FitError>().is_some()
            || cause
                .downcast_ref::<clvr::models::bgbb::BgBbError>()
                .is_some()
            || cause
                .downcast_ref::<clvr::models::sbg::SbgError>()
                .is_some()
        {
            return 2;
        }
    }
    1
}

/// Parses the command line, runs the command, and returns its exit code.
pub fn run() -> ExitCode {
    let cli = match parse_with_config() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let json = match &cli.command {
        Command::Summarize(a) => a.output_opts.json,
        Command::Fit(a) => a.output_opts.json,
        Command::Simulate(a) => a.output_opts.json,
        Command::Train(a) => a.output_opts.json,
        Command::Predict(a) => a.output_opts.json,
        Command::Models(a) => a.json,
        Command::Churn(a) => a.json(),
        Command::Evaluate(a) => a.output_opts.json,
        Command::Report(a) => a.output_opts.json,
        Command::Uplift(a) => a.json(),
    };
    let result = match cli.command {
        Command::Summarize(a) => summarize::run(a),
        Command::Fit(a) => fit::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Train(a) => train::run(a),
        Command::Predict(a) => predict::run(a),
        Command::Models(a) => models::run(a),
        Command::Churn(a) => churn::run(a),
        Command::Evaluate(a) => evaluate::run(a),
        Command::Report(a) => report::run(a),
        Command::Uplift(a) => uplift::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.error);
            for cause in f.error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            if json {
                let detail =
                    f.error
                        .downcast_ref::<clvr::data::DataError>()
                        .and_then(|e| match e {
                            clvr::data::DataError::BadRows(b) => serde_json::to_value(b).ok(),
                            _ => None,
                        });
                let report = serde_json::json!({
                    "status": "error",
                    "exit_code": f.code,
                    "error": f.error.to_string(),
                    "bad_rows": detail,
                });
                let _ = print_stdout(&format!("{report:#}"));
            }
            ExitCode::from(f.code)
        }
    }
}

/// Parses the command line, with the settings of a `--config FILE` inserted before the
/// typed flags (which win: every configurable command overrides a repeated flag with its last
/// value). Usage errors exit here, with clap's message.
fn parse_with_config() -> Result<Cli, ExitCode> {
    let mut root = Cli::command();
    for name in config::CONFIGURABLE {
        root = root.mut_subcommand(name, |c| c.args_override_self(true));
    }
    let (argv, from_file) = match config::expand(&root, std::env::args_os().collect()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(ExitCode::from(2));
        }
    };
    let matches = root.try_get_matches_from(argv).map_err(|e| {
        if e.use_stderr() && !from_file.is_empty() {
            let _ = e.print();
            eprintln!("note: the config file set: {}", from_file.join(" "));
            return ExitCode::from(2);
        }
        e.exit()
    })?;
    Ok(Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit()))
}

/// Prints a report on stdout. A closed pipe (`clvr … --json | head`) is not an error: the
/// reader has what it wanted, so the rest is dropped quietly instead of panicking.
pub fn print_stdout(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow::Error::from(e).into()),
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: impl Into<u128>) -> String {
    let s = n.into().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0u32), "0");
        assert_eq!(thousands(999u32), "999");
        assert_eq!(thousands(1000u32), "1,000");
        assert_eq!(thousands(2_850_000u32), "2,850,000");
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
