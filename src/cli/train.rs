//! `clvr train`: transactions → purchase model + spend model → a versioned model file.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use clvr::artifact::{Registry, ScoringDefaults};
use clvr::data::load_transactions;
use clvr::features::build_summary;
use clvr::models::{FitOptions, ModelKind};
use clvr::score::parse_duration;
use clvr::train::{TrainOptions, train};
use serde::Serialize;

use super::args::{OutputArgs, SummaryArgs, TransactionArgs, parse_date};
use super::fit::describe_fit;
use super::summarize::{describe_load, describe_summary};
use super::{Failure, print_stdout};

/// Arguments of `clvr train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Model name: the file goes to REGISTRY/NAME/vNNNN.json with the next free version.
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// Purchase model: bgnbd, mbgnbd or paretonbd.
    #[arg(long, value_name = "MODEL", default_value = "bgnbd", value_parser = ModelKind::parse)]
    pub purchase_model: ModelKind,

    /// Train as of this date (YYYY-MM-DD): the end of the observation period; transactions
    /// after it are invalid rows. Same as --observation-end. Default: the last transaction.
    #[arg(long, value_name = "DATE", value_parser = parse_date, conflicts_with = "observation_end")]
    pub as_of: Option<chrono::NaiveDate>,

    #[command(flatten)]
    pub input: TransactionArgs,

    #[command(flatten)]
    pub summary: SummaryArgs,

    /// Model registry directory.
    #[arg(long, value_name = "DIR", default_value = "models")]
    pub registry: PathBuf,

    /// Default CLV horizon stored in the model: e.g. 12months, 52weeks, 365days.
    #[arg(long, value_name = "DURATION", default_value = "12months")]
    pub horizon: String,

    /// Default CLV step stored in the model: month (4.345 weeks for weekly models,
    /// 30.4375 days for daily ones), week, day, or a number of model time units.
    #[arg(long, value_name = "DURATION", default_value = "month")]
    pub step: String,

    /// Default discount rate per step stored in the model.
    #[arg(long, value_name = "RATE", default_value_t = 0.01)]
    pub discount_rate: f64,

    /// Default margin stored in the model (1 = revenue CLV).
    #[arg(long, value_name = "MARGIN", default_value_t = 1.0)]
    pub margin: f64,

    /// L2 penalty λ on the natural-scale parameters (see `clvr fit --help`).
    #[arg(long, value_name = "LAMBDA", default_value_t = 0.0)]
    pub l2_penalty: f64,

    /// Also train a churn classifier on snapshots of the log (and --events, --customers) at
    /// --cutoffs, stored in the model file's churn slot so `predict` adds churn_probability
    /// and reason codes.
    #[arg(long)]
    pub churn: bool,

    #[command(flatten)]
    pub churn_log: super::churn::ChurnLogArgs,

    #[command(flatten)]
    pub churn_classifier: super::args::ChurnArgs,

    #[command(flatten)]
    pub lifecycle: super::args::LifecycleArgs,

    /// Read settings from a TOML file: keys are this command's long flag names
    /// (`discount-rate = 0.02`, `quiet = true`), top level or in a [train] / [predict]
    /// section; flags typed on the command line win.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub output_opts: OutputArgs,
}

#[derive(Serialize)]
struct TrainReport<'a> {
    command: &'static str,
    model: String,
    path: &'a PathBuf,
    file: &'a clvr::artifact::ModelFile,
    spend: &'a Option<clvr::train::SpendReport>,
    stage_seconds: std::collections::BTreeMap<&'static str, f64>,
    elapsed_seconds: f64,
}

/// Runs `clvr train`.
pub fn run(mut args: TrainArgs) -> Result<(), Failure> {
    let start = Instant::now();
    let usage = |m: String| anyhow::Error::from(clvr::data::DataError::Invalid(m));
    if args.as_of.is_some() {
        args.summary.observation_end = args.as_of;
    }
    let valid = args.discount_rate.is_finite()
        && args.discount_rate >= 0.0
        && args.margin.is_finite()
        && args.margin > 0.0;
    if !valid {
        return Err(usage("--discount-rate must be >= 0 and --margin > 0".into()).into());
    }
    // Check the durations now, against the unit they will be read in.
    parse_duration(&args.horizon, args.summary.time_unit).map_err(usage)?;
    parse_duration(&args.step, args.summary.time_unit).map_err(usage)?;

    let path = args.input.transactions_path()?.clone();
    let load_opts = args.input.load_options(args.summary.observation_end)?;
    let (tx, load) = load_transactions(&path, &load_opts)?;
    let t_load = start.elapsed().as_secs_f64();
    let summary_opts = args.summary.summary_options();
    let summary = build_summary(&tx, &summary_opts)?;
    let churn = if args.churn {
        let quiet = args.output_opts.quiet;
        let t0 = Instant::now();
        let spec = args.churn_log.spec()?;
        let (log, report) = args.churn_log.build_log(&tx, &spec, &load_opts, quiet)?;
        let table = match &args.churn_log.customers {
            Some(p) => Some(clvr::data::read_customer_table(p, None)?),
            None => None,
        };
        let cutoffs = args.churn_log.cutoffs(&log, &spec)?;
        let model = clvr::churn::train_from_log(
            &log,
            &cutoffs,
            &spec,
            table.as_ref(),
            args.churn_classifier.classifier,
            &args.churn_classifier.options()?,
        )?;
        Some((model, report, t0.elapsed().as_secs_f64()))
    } else {
        if args.churn_log.events.is_some() || args.churn_log.customers.is_some() {
            return Err(usage(
                "--events and --customers feed the churn classifier: add --churn".into(),
            )
            .into());
        }
        None
    };
    drop(tx);
    let t_summary = start.elapsed().as_secs_f64() - t_load;
    let quiet = args.output_opts.quiet;
    if !quiet {
        eprint!(
            "{}{}",
            describe_load(&load),
            describe_summary(&summary.stats)
        );
    }
    let opts = TrainOptions {
        name: args.name.clone(),
        purchase_model: args.purchase_model,
        fit: FitOptions {
            l2_penalty: args.l2_penalty,
            ..FitOptions::default()
        },
        summary: summary_opts,
        scoring: ScoringDefaults {
            horizon: args.horizon.clone(),
            step: args.step.clone(),
            discount_rate: args.discount_rate,
            margin: args.margin,
            lifecycle: args.lifecycle.apply(Default::default())?,
        },
        inputs: std::iter::once(path.clone())
            .chain(
                [&args.churn_log.events, &args.churn_log.customers]
                    .into_iter()
                    .flatten()
                    .filter(|_| args.churn)
                    .cloned(),
            )
            .collect(),
    };
    let mut trained = train(&summary, &load, &opts)?;
    trained.stage_seconds.insert("load", t_load);
    trained.stage_seconds.insert("summary", t_summary);
    let mut file = trained.file;
    if !file.purchase_model.fit.converged {
        return Err(anyhow::anyhow!(
            "the {} fit did not converge ({}); no model file written",
            file.purchase_model.kind,
            file.purchase_model.fit.message
        )
        .into());
    }
    if let Some(s) = &file.spend_model
        && !s.fit.converged
    {
        return Err(anyhow::anyhow!(
            "the spend model did not converge ({}); no model file written",
            s.fit.message
        )
        .into());
    }
    if let Some((model, _, seconds)) = &churn {
        file.churn_model = Some(serde_json::to_value(model).map_err(anyhow::Error::from)?);
        trained.stage_seconds.insert("churn", *seconds);
    }
    let registry = Registry::new(&args.registry);
    let written = registry.save(&mut file)?;

    if !quiet {
        let mut s = format!("purchase   {}\n", file.purchase_model.kind);
        s += &describe_fit(&file.purchase_model.fit);
        if let (Some(sm), Some(sp)) = (&file.spend_model, &trained.spend) {
            s += "spend      gamma-gamma on repeat customers\n";
            s += &describe_fit(&sm.fit);
            s += &format!(
                "  used {} repeat customers ({} left out: no repeat purchase or zero spend); \
                 population mean spend {}\n",
                sp.customers_used,
                sp.customers_left_out,
                sp.population_mean_spend
                    .map_or("undefined (q <= 1)".into(), |v| format!("{v:.2}"))
            );
            if let Some(r) = sp.frequency_spend_correlation {
                s += &format!("  frequency–spend correlation among repeaters {r:.3}");
                if sp.correlation_warning {
                    s +=
                        "  WARNING: |ρ| > 0.3, the Gamma-Gamma independence assumption is doubtful";
                }
                s += "\n";
            }
        } else {
            s += "spend      none (no amount column): the model scores purchases and P(alive), not CLV\n";
        }
        if let Some((model, report, _)) = &churn {
            s += &super::churn::describe_events(report);
            s += &super::churn::describe_churn_model(model);
        }
        s += &format!(
            "model      {} written to {} in {:.2}s\n",
            file.id(),
            written.display(),
            start.elapsed().as_secs_f64()
        );
        eprint!("{s}");
    }
    if args.output_opts.json {
        let report = TrainReport {
            command: "train",
            model: file.id(),
            path: &written,
            file: &file,
            spend: &trained.spend,
            stage_seconds: trained.stage_seconds.clone(),
            elapsed_seconds: start.elapsed().as_secs_f64(),
        };
        print_stdout(&serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?)?;
    }
    Ok(())
}
