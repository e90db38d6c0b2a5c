//! `clvr fit`: maximum-likelihood fit of one model, printed as a fit table.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use clvr::data::{NumericRole, load_transactions, read_numeric_columns};
use clvr::features::build_summary;
use clvr::models::bgbb::{BgBb, BgBbData};
use clvr::models::bgnbd::BgNbd;
use clvr::models::mbgnbd::MbgNbd;
use clvr::models::paretonbd::ParetoNbd;
use clvr::models::sbg::Sbg;
use clvr::models::{FitOptions, FitResult, ModelKind, RfmPatterns};
use serde::Serialize;

use super::args::{OutputArgs, SummaryArgs, TransactionArgs};
use super::summarize::{describe_load, describe_summary};
use super::{Failure, thousands};

/// Arguments of `clvr fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Model: bgnbd, mbgnbd, paretonbd (customer summaries: frequency, recency, T), bgbb
    /// (discrete opportunities: frequency, recency, periods, weights) or sbg (cohort
    /// survivors per period).
    #[arg(long, value_name = "MODEL", value_parser = ModelKind::parse)]
    pub model: ModelKind,

    /// A summary table (CSV or Parquet): the output of `clvr summarize`, or any table with
    /// columns frequency/x, recency/t_x, T and optionally weights/count (one row per customer
    /// or per pattern). For bgbb: frequency, recency, periods and weights. For sbg: a
    /// survivors column. Times are in whatever unit the table uses.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["transactions", "survivors"])]
    pub summary: Option<PathBuf>,

    /// sbg only: survivors of one cohort per period, starting with the cohort size, e.g.
    /// 1000,631,468,382,326,289,262,241.
    #[arg(
        long,
        value_name = "N,N,...",
        value_delimiter = ',',
        conflicts_with = "transactions"
    )]
    pub survivors: Option<Vec<f64>>,

    #[command(flatten)]
    pub input: TransactionArgs,

    #[command(flatten)]
    pub summary_opts: SummaryArgs,

    /// L2 penalty λ added to the mean negative log-likelihood as λ Σ parameter² (the
    /// `lifetimes` penalizer). Default 0: plain maximum likelihood.
    #[arg(long, value_name = "LAMBDA", default_value_t = 0.0)]
    pub l2_penalty: f64,

    /// sbg only: discount rate per period for the cohort's value table: the discounted
    /// expected lifetime (DEL) of a new customer and the discounted expected residual
    /// lifetime (DERL) of a customer after 1, 2, … renewals (Fader & Hardie 2010).
    #[arg(long, value_name = "RATE", default_value_t = 0.1)]
    pub discount_rate: f64,

    /// Most L-BFGS iterations per starting point.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_iters: u64,

    #[command(flatten)]
    pub output_opts: OutputArgs,
}

/// The sBG value table: discounted expected (residual) lifetimes in periods; times the
/// margin per period they are the customer's (residual) value.
#[derive(Serialize)]
struct SbgLifetime {
    discount_rate: f64,
    /// DEL: a customer just acquired, first payment undiscounted.
    del: f64,
    /// DERL by renewals made so far (0, 1, 2, …), at the end of the period just paid for,
    /// before the next renewal decision.
    derl: Vec<SbgResidual>,
}

#[derive(Serialize)]
struct SbgResidual {
    renewals: u32,
    retention_rate: f64,
    derl: f64,
}

#[derive(Serialize)]
struct FitReport {
    command: &'static str,
    clvr_version: &'static str,
    model: &'static str,
    input: String,
    customers: f64,
    patterns: usize,
    time_unit: String,
    fit: FitResult,
    /// sbg: what the fitted cohort is worth, in discounted periods.
    #[serde(skip_serializing_if = "Option::is_none")]
    lifetime: Option<SbgLifetime>,
    /// Seconds reading the input and compressing it to patterns.
    input_seconds: f64,
    /// Seconds maximising the likelihood and computing the information matrix.
    fit_seconds: f64,
    elapsed_seconds: f64,
}

const X: NumericRole = NumericRole {
    what: "frequency (x, repeat transactions)",
    names: &["frequency", "x"],
    required: true,
};
const TX: NumericRole = NumericRole {
    what: "recency (t_x)",
    names: &["recency", "t_x"],
    required: true,
};
const T: NumericRole = NumericRole {
    what: "age (T)",
    names: &["T", "age"],
    required: true,
};
const W: NumericRole = NumericRole {
    what: "customer count per row (weights)",
    names: &["weights", "weight", "count", "customers", "n_customers"],
    required: false,
};
const PERIODS: NumericRole = NumericRole {
    what: "opportunities (periods, n)",
    names: &["periods", "n", "opportunities"],
    required: true,
};
const SURVIVORS: NumericRole = NumericRole {
    what: "survivors per period",
    names: &["survivors", "alive", "active"],
    required: true,
};

/// Runs `clvr fit`.
pub fn run(args: FitArgs) -> Result<(), Failure> {
    let start = Instant::now();
    let opts = FitOptions {
        max_iters: args.max_iters,
        l2_penalty: args.l2_penalty,
    };
    let quiet = args.output_opts.quiet;
    let mut input_seconds = 0.0;
    let mut lifetime = None;
    let (input, customers, patterns, time_unit, fit) = match args.model {
        ModelKind::Bgnbd | ModelKind::Mbgnbd | ModelKind::Paretonbd => {
            let (data, input, unit) = continuous_input(&args, quiet)?;
            input_seconds = start.elapsed().as_secs_f64();
            let fit = match args.model {
                ModelKind::Bgnbd => BgNbd::fit(&data, &opts)?.1,
                ModelKind::Mbgnbd => MbgNbd::fit(&data, &opts)?.1,
                _ => ParetoNbd::fit(&data, &opts)?.1,
            };
            (input, data.n_customers(), data.len(), unit, fit)
        }
        ModelKind::Bgbb => {
            let path = summary_path(&args)?;
            let cols = read_numeric_columns(path, &[X, TX, PERIODS, W])?;
            let c = |i: usize| cols.columns[i].clone().unwrap_or_default();
            let w = cols.columns[3]
                .clone()
                .unwrap_or_else(|| vec![1.0; cols.rows]);
            let data = BgBbData::new(c(0), c(1), c(2), w)?;
            let customers = data.count.iter().sum();
            let fit = BgBb::fit(&data, &opts)?.1;
            (
                path.display().to_string(),
                customers,
                data.x.len(),
                "opportunity".into(),
                fit,
            )
        }
        ModelKind::Sbg => {
            let (survivors, input) = match (&args.survivors, &args.summary) {
                (Some(s), _) => (s.clone(), "--survivors".to_string()),
                (None, Some(p)) => {
                    let cols = read_numeric_columns(p, &[SURVIVORS])?;
                    (
                        cols.columns[0].clone().unwrap_or_default(),
                        p.display().to_string(),
                    )
                }
                (None, None) => {
                    return Err(clvr::data::DataError::Invalid(
                        "sbg needs cohort survivors: pass --survivors N,N,... or --summary FILE \
                         with a survivors column"
                            .into(),
                    )
                    .into());
                }
            };
            let customers = survivors.first().copied().unwrap_or(0.0);
            let periods = survivors.len();
            let d = args.discount_rate;
            if !(d.is_finite() && d > 0.0) {
                return Err(clvr::data::DataError::Invalid(format!(
                    "--discount-rate {d}: the discount rate per period must be > 0"
                ))
                .into());
            }
            let (model, fit) = Sbg::fit(&survivors, &opts)?;
            let derl = (0..periods.max(2) as u32)
                .map(
                    |renewals| -> Result<SbgResidual, clvr::models::sbg::SbgError> {
                        Ok(SbgResidual {
                            renewals,
                            retention_rate: model.retention_rate(renewals + 1)?,
                            derl: model.derl(d, renewals + 1)?,
                        })
                    },
                )
                .collect::<Result<Vec<_>, _>>()?;
            lifetime = Some(SbgLifetime {
                discount_rate: d,
                del: model.del(d)?,
                derl,
            });
            (input, customers, periods, "period".into(), fit)
        }
    };
    let report = FitReport {
        lifetime,
        command: "fit",
        clvr_version: clvr::VERSION,
        model: args.model.name(),
        input,
        customers,
        patterns,
        time_unit,
        fit,
        input_seconds,
        fit_seconds: start.elapsed().as_secs_f64() - input_seconds,
        elapsed_seconds: start.elapsed().as_secs_f64(),
    };
    if !quiet {
        eprint!("{}", describe_fit_report(&report));
    }
    if args.output_opts.json {
        super::print_stdout(&serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?)?;
    }
    if !report.fit.converged {
        // The fit table was still printed: a non-converged fit is a result, reported loudly,
        // and the exit code says so to batch jobs.
        return Err(anyhow::anyhow!("the fit did not converge: {}", report.fit.message).into());
    }
    Ok(())
}

fn summary_path(args: &FitArgs) -> Result<&PathBuf, anyhow::Error> {
    args.summary.as_ref().ok_or_else(|| {
        clvr::data::DataError::Invalid(format!(
            "{} needs a pattern table: pass --summary FILE",
            args.model.name()
        ))
        .into()
    })
}

/// The customer summary for a continuous-time model, from a summary file or straight from
/// transactions (the calibration period when `--calibration-end` is given).
fn continuous_input(
    args: &FitArgs,
    quiet: bool,
) -> Result<(RfmPatterns, String, String), anyhow::Error> {
    if let Some(path) = &args.summary {
        let cols = read_numeric_columns(path, &[X, TX, T, W])?;
        let c = |i: usize| cols.columns[i].clone().unwrap_or_default();
        let data = RfmPatterns::from_customers(&c(0), &c(1), &c(2), cols.columns[3].as_deref())
            .map_err(|e| clvr::data::DataError::Invalid(format!("{}: {e}", path.display())))?;
        return Ok((
            data,
            path.display().to_string(),
            "as in the summary file".into(),
        ));
    }
    let path = args.input.transactions_path()?;
    let load_opts = args.input.load_options(args.summary_opts.observation_end)?;
    let (tx, load) = load_transactions(path, &load_opts)?;
    let summary = build_summary(&tx, &args.summary_opts.summary_options())?;
    if !quiet {
        eprint!(
            "{}{}",
            describe_load(&load),
            describe_summary(&summary.stats)
        );
    }
    let (x, t_x, t) = summary.rfm()?;
    let data = RfmPatterns::from_customers(&x, &t_x, &t, None)
        .map_err(|e| clvr::data::DataError::Invalid(e.to_string()))?;
    Ok((
        data,
        path.display().to_string(),
        args.summary_opts.time_unit.name().to_string(),
    ))
}

fn describe_fit_report(r: &FitReport) -> String {
    let mut s = format!(
        "model      {} on {} ({} customers, {} patterns; time unit: {})\n",
        r.model,
        r.input,
        thousands(r.customers.round() as u64),
        thousands(r.patterns as u64),
        r.time_unit
    );
    s += &describe_fit(&r.fit);
    if let Some(l) = &r.lifetime {
        s += &format!(
            "lifetime   discounted at {} per period: a new customer's DEL {:.4} periods\n  \
             {:>8} {:>14} {:>10}\n",
            l.discount_rate, l.del, "renewals", "next retention", "DERL"
        );
        for row in &l.derl {
            s += &format!(
                "  {:>8} {:>14.4} {:>10.4}\n",
                row.renewals, row.retention_rate, row.derl
            );
        }
    }
    s += &format!(
        "elapsed    {:.3}s (input {:.3}s, fit {:.3}s)\n",
        r.elapsed_seconds, r.input_seconds, r.fit_seconds
    );
    s
}

/// The fit table: estimates with standard errors and 95% intervals, then LL, AIC, BIC and
/// convergence. Shared by every command that fits.
pub fn describe_fit(fit: &FitResult) -> String {
    let mut s = format!(
        "  {:<10} {:>12} {:>12}   {:<27}\n",
        "parameter", "estimate", "std. error", "95% CI"
    );
    let fmt = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.6}"));
    for e in &fit.estimates {
        s += &format!(
            "  {:<10} {:>12.6} {:>12}   [{}, {}]\n",
            e.name,
            e.value,
            fmt(e.std_error),
            fmt(e.ci_low),
            fmt(e.ci_high)
        );
    }
    s += &format!(
        "  log-likelihood {:.2}   AIC {:.2}   BIC {:.2}\n",
        fit.log_likelihood, fit.aic, fit.bic
    );
    s += &format!(
        "  converged  {} ({}), {} iterations, {} likelihood evaluations{}\n",
        if fit.converged { "yes" } else { "NO" },
        fit.message,
        fit.iterations,
        fit.evaluations,
        if fit.l2_penalty > 0.0 {
            format!(", L2 penalty {}", fit.l2_penalty)
        } else {
            String::new()
        }
    );
    s
}
