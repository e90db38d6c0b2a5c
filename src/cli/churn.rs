//! `clvr churn train`: train and evaluate a churn classifier on a customer table with a
//! label column, or on snapshots of a transaction (and events) log at cutoffs.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};
use clvr::churn::{ChurnModel, Classifier, train_from_table};
use clvr::data::{LoadOptions, read_customer_table, read_feature_table, write_atomic};
use clvr::evaluate::classification::ClassificationReport;
use clvr::features::TimeUnit;
use clvr::features::churn::{ChurnFeatureSpec, CustomerLog, EventReport, LabelKind};
use clvr::score::parse_duration;
use serde::Serialize;

use super::args::{ChurnArgs, OutputArgs, TransactionArgs, parse_date};
use super::summarize::describe_load;
use super::{Failure, print_stdout, thousands};

/// Arguments of `clvr churn`.
#[derive(Debug, Args)]
pub struct ChurnCommand {
    #[command(subcommand)]
    command: ChurnSub,
}

#[derive(Debug, Subcommand)]
enum ChurnSub {
    /// Train a churn classifier and report its metrics (ROC AUC, PR AUC, log loss, Brier,
    /// calibration, lift, confusion matrix) on training and validation rows.
    Train(ChurnTrainArgs),
}

/// Arguments of `clvr churn train`.
#[derive(Debug, Args)]
pub struct ChurnTrainArgs {
    /// A customer-level table (CSV or Parquet) with a label column: bring your own features.
    #[arg(long, value_name = "FILE", conflicts_with = "transactions")]
    pub table: Option<PathBuf>,

    /// --table: the label column (two values, e.g. Yes/No; yes/true/1/churned is the churn
    /// value when present).
    #[arg(long, value_name = "COL", requires = "table")]
    pub label: Option<String>,

    /// --table: row i (0-based) is validation when i % N == N − 1 (5: a fixed 80/20 split;
    /// 0: no validation).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub validation_every: usize,

    #[command(flatten)]
    pub input: TransactionArgs,

    #[command(flatten)]
    pub churn: ChurnLogArgs,

    #[command(flatten)]
    pub classifier: ChurnArgs,

    /// Write the trained churn model (plain JSON) to this file, atomically.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub output_opts: OutputArgs,
}

/// Where behavioural churn features come from and what churn means.
#[derive(Debug, Args)]
pub struct ChurnLogArgs {
    /// Events log (customer_id, timestamp, event_type, optional value): complaints,
    /// tickets, email sends/opens/clicks, logins.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,

    /// Customers table (customer_id plus static columns: numeric passed through,
    /// text one-hot encoded).
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,

    /// Churn horizon: churned = no purchase (or a cancellation) within this after the
    /// cutoff, e.g. 90days, 3months.
    #[arg(long, value_name = "DURATION", default_value = "90days")]
    pub churn_horizon: String,

    /// Snapshot cutoffs, comma-separated dates; the last is the out-of-time validation
    /// set. Default: a rolling series of --cutoff-count cutoffs --cutoff-step apart, the
    /// last one horizon before the data end.
    #[arg(long, value_name = "DATE,...", value_delimiter = ',', value_parser = parse_date)]
    pub cutoffs: Vec<chrono::NaiveDate>,

    /// Without --cutoffs: how many rolling cutoffs.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub cutoff_count: usize,

    /// Without --cutoffs: the step between rolling cutoffs (default: the churn horizon).
    #[arg(long, value_name = "DURATION")]
    pub cutoff_step: Option<String>,

    /// Trailing feature windows in days.
    #[arg(
        long,
        value_name = "DAYS,...",
        value_delimiter = ',',
        default_value = "30,90,180,365"
    )]
    pub windows: Vec<i32>,

    /// Event types counted as complaints.
    #[arg(
        long,
        value_name = "TYPE,...",
        value_delimiter = ',',
        default_value = "complaint,support_ticket,refund_request"
    )]
    pub complaint_types: Vec<String>,

    /// Event types counted as marketing sends (the denominator of open and click rates).
    #[arg(
        long,
        value_name = "TYPE,...",
        value_delimiter = ',',
        default_value = "email_sent,email_send"
    )]
    pub send_types: Vec<String>,

    /// Event types counted as opens.
    #[arg(
        long,
        value_name = "TYPE,...",
        value_delimiter = ',',
        default_value = "email_open"
    )]
    pub open_types: Vec<String>,

    /// Event types counted as clicks.
    #[arg(
        long,
        value_name = "TYPE,...",
        value_delimiter = ',',
        default_value = "email_click"
    )]
    pub click_types: Vec<String>,

    /// Event types counted as activity.
    #[arg(
        long,
        value_name = "TYPE,...",
        value_delimiter = ',',
        default_value = "login,visit"
    )]
    pub activity_types: Vec<String>,

    /// Event types that end a contract (for --churn-label contractual).
    #[arg(
        long,
        value_name = "TYPE,...",
        value_delimiter = ',',
        default_value = "cancellation,cancel"
    )]
    pub cancel_types: Vec<String>,

    /// noncontractual (churned = no purchase in the horizon) or contractual (churned = a
    /// cancellation event in the horizon).
    #[arg(long, value_name = "KIND", default_value = "noncontractual", value_parser = parse_label_kind)]
    pub churn_label: LabelKind,

    /// Add purchase-model features: P(alive) and expected purchases over the churn horizon
    /// from this model (bgnbd, mbgnbd or paretonbd), fitted at each cutoff on data up to it
    /// (no leakage); scoring uses the fit at the last cutoff, stored in the model file.
    #[arg(long, value_name = "MODEL")]
    pub purchase_features: Option<String>,
}

fn parse_label_kind(s: &str) -> Result<LabelKind, String> {
    match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
        "noncontractual" => Ok(LabelKind::NonContractual),
        "contractual" => Ok(LabelKind::Contractual),
        _ => Err(format!(
            "unknown label '{s}': use noncontractual or contractual"
        )),
    }
}

/// Transactions plus an optional events log (read under the transactions' bad-row policy) as
/// a per-customer log. Shared by `churn train`, `train --churn` and `predict`.
pub fn customer_log(
    tx: &clvr::data::Transactions,
    events: Option<&PathBuf>,
    families: &clvr::features::churn::EventFamilies,
    bad_rows: &LoadOptions,
    quiet: bool,
) -> Result<(CustomerLog, EventReport), anyhow::Error> {
    let events = load_events_file(events, bad_rows, quiet)?;
    Ok(CustomerLog::build(tx, events.as_ref(), families)?)
}

/// Loads the events log alone (for timing the stages separately).
fn load_events_file(
    events: Option<&PathBuf>,
    bad_rows: &LoadOptions,
    quiet: bool,
) -> Result<Option<clvr::data::Events>, anyhow::Error> {
    let Some(p) = events else {
        return Ok(None);
    };
    let opts = LoadOptions {
        bad_rows: bad_rows.bad_rows.clone(),
        ..LoadOptions::default()
    };
    let (ev, load) = clvr::data::load_events(p, &opts, None)?;
    if !quiet {
        eprint!("{}", describe_load(&load).replace("input ", "events"));
    }
    Ok(Some(ev))
}

impl ChurnLogArgs {
    /// The feature spec (horizon in days).
    pub fn spec(&self) -> Result<ChurnFeatureSpec, anyhow::Error> {
        let days = parse_duration(&self.churn_horizon, TimeUnit::Day)
            .map_err(clvr::data::DataError::Invalid)?;
        if self.windows.is_empty() || self.windows.iter().any(|w| *w <= 0) {
            return Err(clvr::data::DataError::Invalid(
                "--windows: give positive numbers of days, e.g. 30,90,180,365".into(),
            )
            .into());
        }
        let mut windows = self.windows.clone();
        windows.sort_unstable();
        windows.dedup();
        Ok(ChurnFeatureSpec {
            horizon: days.round().max(1.0) as i32,
            label: self.churn_label,
            windows,
            purchase_model: self
                .purchase_features
                .as_deref()
                .map(|m| {
                    clvr::models::ModelKind::parse(m)
                        .map(|k| k.name().to_string())
                        .map_err(|e| {
                            clvr::data::DataError::Invalid(format!("--purchase-features: {e}"))
                        })
                })
                .transpose()?,
            families: clvr::features::churn::EventFamilies {
                complaints: self.complaint_types.clone(),
                sends: self.send_types.clone(),
                opens: self.open_types.clone(),
                clicks: self.click_types.clone(),
                activity: self.activity_types.clone(),
                cancellation: self.cancel_types.clone(),
            },
            ..ChurnFeatureSpec::default()
        })
    }

    /// Loads transactions (already loaded by the caller) plus events into a customer log.
    pub fn build_log(
        &self,
        tx: &clvr::data::Transactions,
        spec: &ChurnFeatureSpec,
        bad_rows: &LoadOptions,
        quiet: bool,
    ) -> Result<(CustomerLog, EventReport), anyhow::Error> {
        customer_log(tx, self.events.as_ref(), &spec.families, bad_rows, quiet)
    }

    /// The cutoffs to use: given, or three one horizon apart ending one horizon before
    /// the data end.
    pub fn cutoffs(
        &self,
        log: &CustomerLog,
        spec: &ChurnFeatureSpec,
    ) -> Result<Vec<chrono::NaiveDate>, anyhow::Error> {
        if !self.cutoffs.is_empty() {
            return Ok(self.cutoffs.clone());
        }
        let step = match &self.cutoff_step {
            Some(s) => parse_duration(s, TimeUnit::Day)
                .map_err(clvr::data::DataError::Invalid)?
                .round()
                .max(1.0) as i32,
            None => spec.horizon,
        };
        let last = log.day_range.1 - spec.horizon;
        Ok((0..self.cutoff_count.max(1) as i32)
            .rev()
            .map(|k| clvr::data::date_of_day(last - k * step))
            .filter(|d| clvr::data::day_of_date(*d) >= log.day_range.0)
            .collect())
    }
}

#[derive(Serialize)]
struct ChurnReport<'a> {
    command: &'static str,
    input: String,
    events: Option<&'a EventReport>,
    model: &'a ChurnModel,
    output: Option<&'a PathBuf>,
    stage_seconds: std::collections::BTreeMap<&'static str, f64>,
    elapsed_seconds: f64,
}

impl ChurnCommand {
    /// Whether a JSON report was asked for.
    pub fn json(&self) -> bool {
        match &self.command {
            ChurnSub::Train(a) => a.output_opts.json,
        }
    }
}

/// Runs `clvr churn …`.
pub fn run(cmd: ChurnCommand) -> Result<(), Failure> {
    match cmd.command {
        ChurnSub::Train(a) => train(a),
    }
}

fn train(args: ChurnTrainArgs) -> Result<(), Failure> {
    let start = Instant::now();
    let quiet = args.output_opts.quiet;
    let opts = args.classifier.options()?;
    let usage = |m: String| anyhow::Error::from(clvr::data::DataError::Invalid(m));
    let mut stages: Vec<(&'static str, f64)> = Vec::new();
    let (model, input, events) = match (&args.table, &args.label) {
        (Some(t), Some(label)) => {
            let table = read_feature_table(t)?;
            let model = train_from_table(
                &table,
                label,
                args.validation_every,
                args.classifier.classifier,
                &opts,
            )?;
            (model, t.display().to_string(), None)
        }
        (Some(_), None) => {
            return Err(usage("--table needs --label COL (the churn label column)".into()).into());
        }
        (None, _) => {
            let path = args.input.transactions_path()?.clone();
            let load_opts = args.input.load_options(None)?;
            let (tx, load) = clvr::data::load_transactions(&path, &load_opts)?;
            if !quiet {
                eprint!("{}", describe_load(&load));
            }
            let spec = args.churn.spec()?;
            let events = load_events_file(args.churn.events.as_ref(), &load_opts, quiet)?;
            let table = match &args.churn.customers {
                Some(p) => Some(read_customer_table(p, None)?),
                None => None,
            };
            let t_load = start.elapsed().as_secs_f64();
            let (log, report) = CustomerLog::build(&tx, events.as_ref(), &spec.families)?;
            drop(events);
            let cutoffs = args.churn.cutoffs(&log, &spec)?;
            let t_log = start.elapsed().as_secs_f64();
            let set = clvr::churn::training_set(&log, &cutoffs, &spec, table.as_ref())?;
            let t_features = start.elapsed().as_secs_f64() - t_log;
            let model = clvr::churn::fit_training_set(
                &set,
                &spec,
                log.has_events(),
                args.classifier.classifier,
                &opts,
            )?;
            stages = vec![
                ("load", t_load),
                ("log", t_log - t_load),
                ("features", t_features),
                (
                    "fit_and_metrics",
                    start.elapsed().as_secs_f64() - t_log - t_features,
                ),
            ];
            (model, path.display().to_string(), Some(report))
        }
    };
    if let Some(out) = &args.output {
        let json = serde_json::to_string_pretty(&model).map_err(anyhow::Error::from)? + "\n";
        write_atomic(out, |f| {
            use std::io::Write;
            f.write_all(json.as_bytes())
                .map_err(|source| clvr::data::DataError::Io {
                    path: out.clone(),
                    action: "write",
                    source,
                })
        })?;
    }
    if !quiet {
        let mut s = String::new();
        if let Some(r) = &events {
            s += &describe_events(r);
        }
        s += &describe_churn_model(&model);
        if let Some(out) = &args.output {
            s += &format!("model      written to {}\n", out.display());
        }
        s += &format!("elapsed    {:.2}s", start.elapsed().as_secs_f64());
        if !stages.is_empty() {
            s += &format!(
                " ({})",
                stages
                    .iter()
                    .map(|(k, v)| format!("{k} {v:.2}s"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        s += "\n";
        eprint!("{s}");
    }
    if args.output_opts.json {
        let report = ChurnReport {
            command: "churn train",
            input,
            events: events.as_ref(),
            model: &model,
            output: args.output.as_ref(),
            stage_seconds: stages.iter().copied().collect(),
            elapsed_seconds: start.elapsed().as_secs_f64(),
        };
        print_stdout(&serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?)?;
    }
    Ok(())
}

/// Events that did not become features.
pub fn describe_events(r: &EventReport) -> String {
    let mut s = format!(
        "events     {} read, {} used; {} events of {} customers without transactions ignored\n",
        thousands(r.events as u64),
        thousands(r.used as u64),
        thousands(r.unknown_customer_events as u64),
        thousands(r.unknown_customers as u64)
    );
    if !r.unmapped_types.is_empty() {
        s += &format!(
            "           event types in no feature family (ignored): {}\n",
            r.unmapped_types
                .iter()
                .map(|(t, n)| format!("{t} ({n})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s
}

fn metrics_line(name: &str, m: &ClassificationReport) -> String {
    let top = |k: usize| m.top.get(k).map_or(0.0, |t| t.lift);
    format!(
        "  {name:<11} {:>9} {:>7.3} {:>7.4} {:>7.4} {:>8.4} {:>7.4} {:>8.2} {:>8.2}\n",
        thousands(m.n as u64),
        m.base_rate,
        m.roc_auc,
        m.average_precision,
        m.log_loss,
        m.brier,
        top(0),
        top(1)
    )
}

/// The metrics table and, for logistic regression, the coefficients.
pub fn describe_churn_model(m: &ChurnModel) -> String {
    let t = &m.training;
    let mut s = format!(
        "churn      {} on {} features; {} training rows ({} churners){}\n",
        match &m.classifier {
            Classifier::Logistic(_) => "logistic regression",
            Classifier::Forest(_) => "random forest",
        },
        m.encoder.n_features(),
        thousands(t.train_rows as u64),
        thousands(t.train_positive as u64),
        if t.cutoffs.is_empty() {
            String::new()
        } else {
            format!(
                "; cutoffs {}{}",
                t.cutoffs
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                t.validation_cutoff
                    .map(|v| format!(" (validation: {v}, out of time)"))
                    .unwrap_or_default()
            )
        }
    );
    s += &format!(
        "  {:<11} {:>9} {:>7} {:>7} {:>7} {:>8} {:>7} {:>8} {:>8}\n",
        "rows", "n", "churn", "ROC AUC", "PR AUC", "log loss", "Brier", "lift@10%", "lift@20%"
    );
    s += &metrics_line("training", &t.train_metrics);
    if let Some(v) = &t.validation_metrics {
        s += &metrics_line("validation", v);
        let c = &v.confusion;
        s += &format!(
            "  validation at p >= {}: TP {} FP {} TN {} FN {}; capture@20% {:.1}%\n",
            c.threshold,
            c.tp,
            c.fp,
            c.tn,
            c.fn_,
            100.0 * v.top.get(1).map_or(0.0, |t| t.capture)
        );
    }
    // One line for the dropped features (many, without an events log), one per other note.
    let (dropped, other): (Vec<&String>, Vec<&String>) =
        t.notes.iter().partition(|n| n.starts_with("dropped `"));
    if !dropped.is_empty() {
        let names: Vec<&str> = dropped.iter().filter_map(|n| n.split('`').nth(1)).collect();
        s += &format!(
            "  note: dropped {} constant or all-missing features: {}\n",
            names.len(),
            names.join(", ")
        );
    }
    for n in other {
        s += &format!("  note: {n}\n");
    }
    if let Classifier::Logistic(l) = &m.classifier {
        let mut rows = l.coefficient_table();
        rows.sort_by(|a, b| b.coefficient.abs().total_cmp(&a.coefficient.abs()));
        s += &format!(
            "  {:<40} {:>11} {:>10}   (standardised; top {} of {} by |coef|)\n",
            "feature",
            "coef",
            "odds/SD",
            rows.len().min(15),
            rows.len()
        );
        for r in rows.iter().take(15) {
            s += &format!(
                "  {:<40} {:>11.4} {:>10.3}\n",
                r.feature, r.coefficient, r.odds_ratio_per_sd
            );
        }
    }
    s
}
