//! `clvr evaluate`: holdout evaluation of purchase, spend and churn models.
//!
//! Two modes:
//! - `--calibration-end DATE`: fit each `--purchase-model` (and Gamma-Gamma when the log has
//!   amounts) on the calibration period and score the holdout after it;
//! - `--model NAME[@V]|FILE`: an existing model file; its training end is the calibration
//!   end, and the data after it (up to the observation end) is the holdout.
//!
//! The tables go to stdout (or the JSON report with `--json`); `--output FILE.json` writes
//! the full report atomically.

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use clap::Args;
use clvr::artifact::{ModelFile, Registry};
use clvr::churn::{ChurnModel, ChurnSource, Classifier};
use clvr::data::{
    DataError, LoadReport, date_of_day, day_of_date, load_transactions, read_customer_table,
    write_atomic,
};
use clvr::evaluate::classification::ClassificationReport;
use clvr::evaluate::holdout::{
    ChurnHoldout, HoldoutData, HoldoutReport, ModelEvaluation, Timeline, evaluate_model,
    expected_spend, recommend,
};
use clvr::features::{
    MergePeriod, SummaryOptions, SummaryStats, TimeUnit, build_summary_with_repeats,
};
use clvr::models::gamma_gamma::{GammaGamma, SpendData};
use clvr::models::{FitOptions, FitResult, ModelKind, RfmPatterns};
use clvr::score::parse_duration;
use clvr::train::{DynPurchaseModel, fit_purchase_model, purchase_model_of, spend_model_of};
use serde::Serialize;

use super::args::{ChurnArgs, OutputArgs, TransactionArgs, parse_date};
use super::churn::ChurnLogArgs;
use super::summarize::{describe_load, describe_summary};
use super::{Failure, print_stdout, thousands};

/// Arguments of `clvr evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Evaluate an existing model file instead of fitting: NAME (latest version in the
    /// registry), NAME@3, or a path. Its training end is the calibration end; the
    /// transactions after it, up to --observation-end, are the holdout.
    #[arg(long, value_name = "NAME[@V]|FILE")]
    pub model: Option<String>,

    /// Model registry directory (with --model).
    #[arg(long, value_name = "DIR", default_value = "models")]
    pub registry: PathBuf,

    /// Purchase models to fit on the calibration period and compare, comma-separated:
    /// bgnbd, paretonbd, mbgnbd.
    #[arg(
        long,
        value_name = "MODEL,...",
        value_delimiter = ',',
        value_parser = ModelKind::parse,
        default_value = "bgnbd",
        conflicts_with = "model"
    )]
    pub purchase_model: Vec<ModelKind>,

    /// Last day (inclusive, YYYY-MM-DD) of the calibration period: the models are fitted on
    /// the transactions up to it and scored on those after it. Required without --model.
    #[arg(long, value_name = "DATE", value_parser = parse_date, conflicts_with = "model")]
    pub calibration_end: Option<NaiveDate>,

    /// Last day of the holdout (inclusive, YYYY-MM-DD). Rows after it are invalid rows (see
    /// --on-bad-rows). Default: the last transaction date.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub observation_end: Option<NaiveDate>,

    /// Unit of recency, T and durations: day, week or month (30.4375 days). Default: week;
    /// with --model: the model's.
    #[arg(long, value_name = "UNIT", value_parser = TimeUnit::parse_flag, conflicts_with = "model")]
    pub time_unit: Option<TimeUnit>,

    /// Purchases by one customer in the same period count as one transaction: day, week or
    /// month. Default: day; with --model: the model's.
    #[arg(long, value_name = "PERIOD", value_parser = MergePeriod::parse_flag, conflicts_with = "model")]
    pub merge_period: Option<MergePeriod>,

    /// L2 penalty λ of the fits (see `clvr fit --help`).
    #[arg(
        long,
        value_name = "LAMBDA",
        default_value_t = 0.0,
        conflicts_with = "model"
    )]
    pub l2_penalty: f64,

    /// Length of one tracking period (the weekly tracking plot): week, 7days, 14days, month
    /// (30 days) … rounded to whole days.
    #[arg(long, value_name = "DURATION", default_value = "week")]
    pub tracking_period: String,

    #[command(flatten)]
    pub input: TransactionArgs,

    /// Also evaluate a churn classifier on the holdout: trained on snapshots at cutoffs
    /// whose label windows end by the calibration end (default: --cutoff-count cutoffs
    /// --cutoff-step apart, the last one --churn-horizon before the calibration end), then
    /// scored at the calibration end and labelled from the holdout. With --model: the model
    /// file's churn classifier.
    #[arg(long)]
    pub churn: bool,

    #[command(flatten)]
    pub churn_log: ChurnLogArgs,

    #[command(flatten)]
    pub churn_classifier: ChurnArgs,

    /// Also write the full JSON report to this file, atomically.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub output_opts: OutputArgs,
}

/// The JSON report: the run's facts, then the evaluation ([`HoldoutReport`], flattened).
#[derive(Serialize)]
struct EvaluateReport<'a> {
    command: &'static str,
    status: &'static str,
    clvr_version: &'static str,
    /// The model file evaluated (model-file mode).
    model_file: Option<String>,
    input: &'a LoadReport,
    summary: &'a SummaryStats,
    #[serde(flatten)]
    evaluation: &'a HoldoutReport,
    output: Option<&'a PathBuf>,
    stage_seconds: std::collections::BTreeMap<&'static str, f64>,
    elapsed_seconds: f64,
}

fn usage(m: String) -> anyhow::Error {
    DataError::Invalid(m).into()
}

/// What the purchase and spend models come from.
enum Source {
    /// Fit these on the calibration period.
    Fit(Vec<ModelKind>),
    /// This model file.
    File(Box<ModelFile>),
}

/// Runs `clvr evaluate`.
pub fn run(mut args: EvaluateArgs) -> Result<(), Failure> {
    let start = Instant::now();
    let quiet = args.output_opts.quiet;
    let mut stages = std::collections::BTreeMap::new();
    let tracking_days = parse_duration(&args.tracking_period, TimeUnit::Day)
        .map_err(usage)?
        .round()
        .max(1.0) as i32;
    if !(args.l2_penalty.is_finite() && args.l2_penalty >= 0.0) {
        return Err(usage(format!("--l2-penalty {}: must be >= 0", args.l2_penalty)).into());
    }
    if !args.churn && (args.churn_log.events.is_some() || args.churn_log.customers.is_some()) {
        return Err(usage(
            "--events and --customers feed the churn classifier: add --churn".into(),
        )
        .into());
    }

    // Where the models come from, and so the calibration end, unit and merge period.
    let (source, calibration_end, unit, merge) = match &args.model {
        Some(spec) => {
            let file = Registry::new(&args.registry).load(spec)?;
            let unit = TimeUnit::parse_flag(&file.settings.time_unit).map_err(usage)?;
            let merge = MergePeriod::parse_flag(&file.settings.merge_period).map_err(usage)?;
            let end = file
                .settings
                .calibration_end
                .unwrap_or(file.settings.observation_end);
            // Columns default to the ones the model was trained with.
            let cols = &file.settings.columns;
            for (slot, key) in [
                (&mut args.input.customer_col, "customer"),
                (&mut args.input.date_col, "date"),
                (&mut args.input.amount_col, "amount"),
            ] {
                if slot.is_none() {
                    *slot = cols.get(key).cloned();
                }
            }
            (Source::File(Box::new(file)), end, unit, merge)
        }
        None => {
            let end = args.calibration_end.ok_or_else(|| {
                usage(
                    "evaluate needs a holdout: pass --calibration-end DATE (fit the models on \
                     the data up to it) or --model NAME (a model file; its training end is \
                     the calibration end)"
                        .into(),
                )
            })?;
            let mut kinds: Vec<ModelKind> = Vec::new();
            for k in &args.purchase_model {
                if !matches!(
                    k,
                    ModelKind::Bgnbd | ModelKind::Paretonbd | ModelKind::Mbgnbd
                ) {
                    return Err(usage(format!(
                        "--purchase-model {}: evaluate compares bgnbd, paretonbd and mbgnbd",
                        k.name()
                    ))
                    .into());
                }
                if !kinds.contains(k) {
                    kinds.push(*k);
                }
            }
            (
                Source::Fit(kinds),
                end,
                args.time_unit.unwrap_or_default(),
                args.merge_period.unwrap_or_default(),
            )
        }
    };

    let path = args.input.transactions_path()?.clone();
    let load_opts = args.input.load_options(args.observation_end)?;
    let (tx, load) = load_transactions(&path, &load_opts)?;
    if !quiet {
        eprint!("{}", describe_load(&load));
    }
    let (first, last) = tx
        .day_range()
        .ok_or_else(|| usage("no transactions left to evaluate on".into()))?;
    let trained_to = match &source {
        Source::File(f) => format!("{} was trained to {calibration_end}", f.id()),
        Source::Fit(_) => format!("the calibration end is {calibration_end}"),
    };
    if last <= day_of_date(calibration_end) {
        return Err(usage(format!(
            "no holdout: {trained_to} and the last transaction is on {}: there is no data \
             after the calibration end to evaluate against\n  fix: {}",
            date_of_day(last),
            match &source {
                Source::File(_) => "pass a log that runs past the model's training end",
                Source::Fit(_) => "pass an earlier --calibration-end",
            }
        ))
        .into());
    }
    if first > day_of_date(calibration_end) {
        return Err(usage(format!(
            "the transactions start on {} but {trained_to}: no customer was acquired by then\n  \
             fix: pass a later --calibration-end",
            date_of_day(first)
        ))
        .into());
    }
    let summary_opts = SummaryOptions {
        time_unit: unit,
        merge_period: merge,
        calibration_end: Some(calibration_end),
        observation_end: args.observation_end,
    };
    let (summary, repeats) = build_summary_with_repeats(&tx, &summary_opts)?;
    stages.insert("load_and_summary", start.elapsed().as_secs_f64());
    if !quiet {
        eprint!("{}", describe_summary(&summary.stats));
    }
    let st = &summary.stats;
    let hold = st.holdout.as_ref().expect("built with a calibration end");
    let observation_end = st.observation_end;

    // Churn first: it needs the log, which is dropped afterwards.
    let churn = if args.churn {
        let clock = Instant::now();
        let c = evaluate_churn(
            &args,
            &source,
            &tx,
            &load_opts,
            calibration_end,
            observation_end,
            quiet,
        )?;
        stages.insert("churn", clock.elapsed().as_secs_f64());
        Some(c)
    } else {
        None
    };
    drop(tx);

    let (x, t_x, t) = summary.rfm()?;
    let (x_holdout, spend_holdout) = summary.holdout()?;
    let first_days = summary.first_purchase_days()?;
    let monetary = if st.has_monetary {
        Some(summary.monetary()?)
    } else {
        None
    };
    let data = HoldoutData {
        x: &x,
        t_x: &t_x,
        t: &t,
        x_holdout: &x_holdout,
        duration: hold.duration,
    };
    let timeline = Timeline {
        first_days: &first_days,
        repeats_first_day: repeats.first_day,
        repeats: &repeats.counts,
        calibration_end: day_of_date(calibration_end),
        observation_end: day_of_date(observation_end),
        unit_days: unit.days(),
        period_days: tracking_days,
    };
    let mut notes = Vec::new();
    if st.excluded_first_purchase_after_calibration > 0 {
        notes.push(format!(
            "{} customers whose first purchase is after the calibration end are not evaluated \
             (and their transactions are not in the tracking counts)",
            st.excluded_first_purchase_after_calibration
        ));
    }

    // The models: fitted here, or read from the file.
    let fit_opts = FitOptions {
        l2_penalty: args.l2_penalty,
        ..FitOptions::default()
    };
    let mut models: Vec<(String, String, DynPurchaseModel, FitResult)> = Vec::new();
    let mut spend_fit: Option<FitResult> = None;
    let mut gg: Option<GammaGamma> = None;
    let (mode, model_file) = match &source {
        Source::Fit(kinds) => {
            let rfm = RfmPatterns::from_customers(&x, &t_x, &t, None)
                .map_err(|e| usage(e.to_string()))?;
            for kind in kinds {
                let clock = Instant::now();
                let (m, fit) = fit_purchase_model(*kind, &rfm, &fit_opts)?;
                stages.insert(fit_stage(*kind), clock.elapsed().as_secs_f64());
                if !fit.converged {
                    notes.push(format!(
                        "the {} fit did not converge ({}); it is reported but not recommended",
                        kind.name(),
                        fit.message
                    ));
                }
                models.push((
                    kind.name().to_string(),
                    "fitted on the calibration period".to_string(),
                    m,
                    fit,
                ));
            }
            if let Some(m) = &monetary {
                let clock = Instant::now();
                match SpendData::from_customers(&x, m) {
                    Ok((spend_data, _)) => match GammaGamma::fit(&spend_data, &fit_opts) {
                        Ok((model, fit)) => {
                            if !fit.converged {
                                notes.push(format!(
                                    "the Gamma-Gamma fit did not converge ({}): the value \
                                     predictions are doubtful",
                                    fit.message
                                ));
                            }
                            gg = Some(model);
                            spend_fit = Some(fit);
                        }
                        Err(e) => notes.push(format!("no spend model, so no value table: {e}")),
                    },
                    Err(e) => notes.push(format!("no spend model, so no value table: {e}")),
                }
                stages.insert("spend_fit", clock.elapsed().as_secs_f64());
            }
            ("fit", None)
        }
        Source::File(file) => {
            let m = purchase_model_of(file).map_err(usage)?;
            models.push((
                file.purchase_model.kind.clone(),
                format!("model file {}", file.id()),
                m,
                file.purchase_model.fit.clone(),
            ));
            if monetary.is_some() {
                gg = spend_model_of(file);
                spend_fit = file.spend_model.as_ref().map(|s| s.fit.clone());
                if gg.is_none() {
                    notes.push(format!(
                        "{} has no spend model (it was trained without amounts): no value table",
                        file.id()
                    ));
                }
            }
            ("model_file", Some(file.id()))
        }
    };
    if monetary.is_none() {
        notes.push("the log has no amount column: purchases only, no value table".into());
    }
    let spend = match (&gg, &monetary) {
        (Some(gg), Some(m)) => match expected_spend(gg, &x, m) {
            Ok(s) => Some(s),
            Err(e) => {
                notes.push(format!("no value table: {e}"));
                None
            }
        },
        _ => None,
    };
    let clock_eval = Instant::now();
    let mut evaluations: Vec<ModelEvaluation> = Vec::with_capacity(models.len());
    for (name, from, m, fit) in models {
        let value = match (&spend, &spend_holdout) {
            (Some(s), Some(a)) => Some((s.as_slice(), a.as_slice())),
            _ => None,
        };
        evaluations.push(
            evaluate_model(&name, &from, m.as_ref(), fit, &data, &timeline, value)
                .map_err(|e| anyhow::anyhow!("evaluating {name}: {e}"))?,
        );
    }
    stages.insert("evaluate", clock_eval.elapsed().as_secs_f64());
    let report = HoldoutReport {
        mode: mode.into(),
        time_unit: unit.name().into(),
        merge_period: merge.name().into(),
        calibration_end,
        observation_end,
        holdout_duration: hold.duration,
        tracking_period_days: tracking_days as u32,
        customers: st.customers,
        calibration_repeat_transactions: st.repeat_transactions as f64,
        holdout_repeat_transactions: hold.repeat_transactions as f64,
        holdout_spend: spend_holdout.as_ref().map(|s| s.iter().sum()),
        spend_model: spend_fit,
        recommendation: recommend(&evaluations),
        models: evaluations,
        churn,
        notes,
    };
    let full = EvaluateReport {
        command: "evaluate",
        status: "ok",
        clvr_version: clvr::VERSION,
        model_file,
        input: &load,
        summary: st,
        evaluation: &report,
        output: args.output.as_ref(),
        stage_seconds: stages,
        elapsed_seconds: start.elapsed().as_secs_f64(),
    };
    let json = serde_json::to_string_pretty(&full).map_err(anyhow::Error::from)?;
    if let Some(out) = &args.output {
        write_atomic(out, |f| {
            use std::io::Write;
            f.write_all(json.as_bytes())
                .and_then(|_| f.write_all(b"\n"))
                .map_err(|source| DataError::Io {
                    path: out.clone(),
                    action: "write",
                    source,
                })
        })?;
    }
    if args.output_opts.json {
        print_stdout(&json)?;
    } else {
        print_stdout(&describe_report(&report))?;
    }
    if !quiet {
        let mut s = String::new();
        if let Some(out) = &args.output {
            s += &format!("report     written to {}\n", out.display());
        }
        s += &format!("elapsed    {:.2}s\n", start.elapsed().as_secs_f64());
        eprint!("{s}");
    }
    Ok(())
}

fn fit_stage(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::Bgnbd => "fit_bgnbd",
        ModelKind::Paretonbd => "fit_paretonbd",
        ModelKind::Mbgnbd => "fit_mbgnbd",
        _ => "fit_other",
    }
}

/// Trains (or takes from the model file) a churn classifier whose labels never reach past
/// the calibration end, scores it at the calibration end, and measures it on the holdout.
fn evaluate_churn(
    args: &EvaluateArgs,
    source: &Source,
    tx: &clvr::data::Transactions,
    load_opts: &clvr::data::LoadOptions,
    calibration_end: NaiveDate,
    observation_end: NaiveDate,
    quiet: bool,
) -> Result<ChurnHoldout, anyhow::Error> {
    let cal = day_of_date(calibration_end);
    let table = match &args.churn_log.customers {
        Some(p) => Some(read_customer_table(p, None)?),
        None => None,
    };
    let (model, from): (ChurnModel, String) = match source {
        Source::File(file) => {
            let v = file.churn_model.as_ref().ok_or_else(|| {
                usage(format!(
                    "--churn: {} has no churn classifier (train it with `clvr train --churn`)",
                    file.id()
                ))
            })?;
            let model: ChurnModel = serde_json::from_value(v.clone()).map_err(|e| {
                usage(format!(
                    "{}: the churn model in this file cannot be read by this clvr ({e})",
                    file.id()
                ))
            })?;
            (model, format!("model file {}", file.id()))
        }
        Source::Fit(_) => {
            let spec = args.churn_log.spec()?;
            let (log, report) = args.churn_log.build_log(tx, &spec, load_opts, quiet)?;
            if !quiet {
                eprint!("{}", super::churn::describe_events(&report));
            }
            let cutoffs = if args.churn_log.cutoffs.is_empty() {
                let step = match &args.churn_log.cutoff_step {
                    Some(s) => parse_duration(s, TimeUnit::Day)
                        .map_err(usage)?
                        .round()
                        .max(1.0) as i32,
                    None => spec.horizon,
                };
                let last = cal - spec.horizon;
                (0..args.churn_log.cutoff_count.max(1) as i32)
                    .rev()
                    .map(|k| last - k * step)
                    .filter(|d| *d >= log.day_range.0)
                    .map(date_of_day)
                    .collect::<Vec<_>>()
            } else {
                args.churn_log.cutoffs.clone()
            };
            if cutoffs.is_empty() {
                return Err(usage(format!(
                    "--churn: no training cutoff fits before the calibration end {calibration_end} \
                     with a {}-day horizon\n  fix: a shorter --churn-horizon or a later \
                     --calibration-end",
                    spec.horizon
                )));
            }
            check_cutoffs(&cutoffs, spec.horizon, cal, calibration_end)?;
            let set = clvr::churn::training_set(&log, &cutoffs, &spec, table.as_ref())?;
            let model = clvr::churn::fit_training_set(
                &set,
                &spec,
                log.has_events(),
                args.churn_classifier.classifier,
                &args.churn_classifier.options()?,
            )?;
            if !quiet {
                eprint!("{}", super::churn::describe_churn_model(&model));
            }
            return score_churn(
                model,
                "trained here on the calibration period".into(),
                &log,
                table.as_ref(),
                cal,
                observation_end,
            );
        }
    };
    let ChurnSource::Log { spec, .. } = &model.source else {
        return Err(usage(
            "--churn: the model file's churn classifier was trained on a customer table, not \
             on the log, so it cannot be scored at the calibration end"
                .into(),
        ));
    };
    check_cutoffs(&model.training.cutoffs, spec.horizon, cal, calibration_end).map_err(|e| {
        usage(format!(
            "{e}\n  the model file's churn classifier saw labels from the holdout: it cannot be \
             evaluated on it"
        ))
    })?;
    let (log, _) = super::churn::customer_log(
        tx,
        args.churn_log.events.as_ref(),
        &spec.families,
        load_opts,
        quiet,
    )?;
    score_churn(model, from, &log, table.as_ref(), cal, observation_end)
}

/// Every training label window must end by the calibration end.
fn check_cutoffs(
    cutoffs: &[NaiveDate],
    horizon: i32,
    cal: i32,
    calibration_end: NaiveDate,
) -> Result<(), anyhow::Error> {
    if let Some(c) = cutoffs.iter().find(|c| day_of_date(**c) + horizon > cal) {
        return Err(usage(format!(
            "--churn: the training cutoff {c} has its {horizon}-day label window end on {}, \
             after the calibration end {calibration_end}: its labels would come from the \
             holdout\n  fix: cutoffs on or before {}",
            date_of_day(day_of_date(*c) + horizon),
            date_of_day(cal - horizon)
        )));
    }
    Ok(())
}

fn score_churn(
    model: ChurnModel,
    source: String,
    log: &clvr::features::churn::CustomerLog,
    table: Option<&clvr::data::CustomerTable>,
    cal: i32,
    observation_end: NaiveDate,
) -> Result<ChurnHoldout, anyhow::Error> {
    let ChurnSource::Log { spec, .. } = &model.source else {
        unreachable!("checked by the caller")
    };
    let window_end = cal + spec.horizon;
    if window_end > day_of_date(observation_end) {
        return Err(usage(format!(
            "--churn: the {}-day label window after the calibration end runs to {}, past the \
             observation end {observation_end}: the holdout labels would be censored\n  fix: a \
             shorter --churn-horizon or a longer holdout",
            spec.horizon,
            date_of_day(window_end)
        )));
    }
    let scores = clvr::churn::score_log(&model, log, cal, table)?;
    let rows = log.population(cal, spec.label);
    let labels = log.labels(&rows, cal, spec)?;
    let metrics = ClassificationReport::compute(&labels, &scores.probability)
        .map_err(|e| usage(format!("--churn: holdout metrics: {e}")))?;
    Ok(ChurnHoldout {
        source,
        classifier: match model.classifier {
            Classifier::Logistic(_) => "logistic".into(),
            Classifier::Forest(_) => "forest".into(),
        },
        horizon_days: spec.horizon,
        label: serde_json::to_value(spec.label)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        training_cutoffs: model.training.cutoffs.clone(),
        train_rows: model.training.train_rows,
        train_positive: model.training.train_positive,
        cutoff: date_of_day(cal),
        label_window_end: date_of_day(window_end),
        metrics,
        validation_metrics: model.training.validation_metrics.clone(),
    })
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("—".into(), |v| format!("{v:.digits$}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// The readable report: one column per model.
fn describe_report(r: &HoldoutReport) -> String {
    let unit = &r.time_unit;
    let names: Vec<&str> = r.models.iter().map(|m| m.model.as_str()).collect();
    let w = 16;
    let header = |label: &str| -> String {
        let mut s = format!("  {label:<32}");
        for n in &names {
            s += &format!(" {n:>w$}");
        }
        s + "\n"
    };
    let row = |label: &str, f: &dyn Fn(&ModelEvaluation) -> String| -> String {
        let mut s = format!("  {label:<32}");
        for m in &r.models {
            s += &format!(" {:>w$}", f(m));
        }
        s + "\n"
    };
    let mut s = format!(
        "holdout    {} .. {} ({:.2} {unit}s) after a calibration period ending {}\n",
        r.calibration_end.succ_opt().unwrap_or(r.calibration_end),
        r.observation_end,
        r.holdout_duration,
        r.calibration_end
    );
    s += &format!(
        "customers  {} acquired by the calibration end: {} repeat transactions in the \
         calibration period, {} in the holdout\n",
        thousands(r.customers as u64),
        thousands(r.calibration_repeat_transactions as u64),
        thousands(r.holdout_repeat_transactions as u64)
    );
    if let Some(first) = r.models.first() {
        s += &format!("\npurchase models ({})\n", first.source);
    }
    s += &header("");
    s += &row("log-likelihood", &|m| {
        format!("{:.2}", m.fit.log_likelihood)
    });
    s += &row("AIC", &|m| format!("{:.2}", m.fit.aic));
    s += &row("converged", &|m| {
        if m.fit.converged { "yes" } else { "NO" }.into()
    });
    s += &row(
        &format!(
            "holdout transactions ({})",
            thousands(r.holdout_repeat_transactions as u64)
        ),
        &|m| format!("{:.1}", m.purchases.predicted_total),
    );
    s += &row("  error", &|m| {
        format!(
            "{:+.1} ({})",
            m.purchases.total_error,
            m.purchases
                .total_error_relative
                .map_or("—".into(), |v| format!("{:+.1}%", 100.0 * v))
        )
    });
    s += &row("MAE per customer", &|m| format!("{:.4}", m.purchases.mae));
    s += &row("RMSE per customer", &|m| format!("{:.4}", m.purchases.rmse));
    s += &row("Spearman (transactions)", &|m| opt(m.purchases.spearman, 4));

    if let Some(first) = r.models.first() {
        s += &format!(
            "\nmean holdout transactions by calibration repeat transactions (FHL 2005, Fig. 4)\n  {:<6} {:>9} {:>9}",
            "x", "customers", "actual"
        );
        for n in &names {
            s += &format!(" {n:>w$}");
        }
        s += "\n";
        for (b, bin) in first.purchases.by_frequency.iter().enumerate() {
            s += &format!(
                "  {:<6} {:>9} {:>9}",
                bin.label,
                thousands(bin.customers as u64),
                opt(bin.actual_mean, 3)
            );
            for m in &r.models {
                s += &format!(
                    " {:>w$}",
                    opt(m.purchases.by_frequency[b].predicted_mean, 3)
                );
            }
            s += "\n";
        }

        // Tracking: a few rows (every quarter of the range, the calibration end, the end).
        let n = first.tracking.len();
        let cal_idx = first.tracking.iter().rposition(|p| !p.holdout);
        let mut picks: Vec<usize> = (1..=4).map(|q| (q * n / 4).max(1) - 1).collect();
        picks.extend(cal_idx);
        picks.sort_unstable();
        picks.dedup();
        s += &format!(
            "\ncumulative repeat transactions ({}-day periods; FHL 2005, Fig. 3)\n  {:<6} {:<10} {:>9}",
            r.tracking_period_days, "period", "end", "actual"
        );
        for n in &names {
            s += &format!(" {n:>w$}");
        }
        s += "\n";
        for i in picks {
            let p = &first.tracking[i];
            s += &format!(
                "  {:<6} {:<10} {:>9.0}",
                p.period,
                p.end.to_string(),
                p.actual_cumulative
            );
            for m in &r.models {
                s += &format!(" {:>w$.1}", m.tracking[i].expected_cumulative);
            }
            if Some(i) == cal_idx {
                s += "  (calibration end)";
            }
            s += "\n";
        }
    }

    if r.models.iter().any(|m| m.value.is_some()) {
        s += &format!(
            "\nvalue over the holdout: E[transactions] x Gamma-Gamma E[spend], undiscounted, \
             margin 1 (actual {})\n",
            r.holdout_spend.map_or("—".into(), |v| format!("{v:.2}"))
        );
        s += &header("");
        let v = |m: &ModelEvaluation,
                 f: &dyn Fn(&clvr::evaluate::holdout::ValueHoldout) -> String| {
            m.value.as_ref().map_or("—".into(), f)
        };
        s += &row("predicted total", &|m| {
            v(m, &|x| format!("{:.2}", x.predicted_total))
        });
        s += &row("Spearman (value)", &|m| v(m, &|x| opt(x.spearman, 4)));
        for (i, label) in ["top 10% capture", "top 20% capture"].iter().enumerate() {
            let perfect = r
                .models
                .iter()
                .find_map(|m| m.value.as_ref().and_then(|x| x.capture[i].perfect_share));
            s += &row(&format!("{label} (perfect {})", pct(perfect)), &|m| {
                v(m, &|x| pct(x.capture[i].share))
            });
        }
        s += "  share of actual spend (customers) by decile of predicted value\n";
        for d in 0..10 {
            s += &row(&format!("  decile {}", d + 1), &|m| {
                v(m, &|x| {
                    let row = &x.deciles[d];
                    format!("{} ({})", pct(row.actual_share), row.customers)
                })
            });
        }
    }

    if let Some(c) = &r.churn {
        let m = &c.metrics;
        s += &format!(
            "\nchurn      {} ({}), {}-day horizon: scored at {}, labels to {}\n  {} customers, \
             {} churned ({:.1}%): ROC AUC {:.4}, PR AUC {:.4}, log loss {:.4}, Brier {:.4}, \
             lift@10% {}\n",
            c.classifier,
            c.source,
            c.horizon_days,
            c.cutoff,
            c.label_window_end,
            thousands(m.n as u64),
            thousands(m.n_positive as u64),
            100.0 * m.base_rate,
            m.roc_auc,
            m.average_precision,
            m.log_loss,
            m.brier,
            m.top
                .first()
                .map_or("—".into(), |t| format!("{:.2}", t.lift))
        );
    }
    if let Some(rec) = &r.recommendation {
        s += &format!("\nrecommend  {}\n  {}\n", rec.by_holdout, rec.reason);
    }
    for n in &r.notes {
        s += &format!("note       {n}\n");
    }
    s.trim_end().to_string()
}
