//! `clvr predict`: a model file + transactions → one scored row per customer.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use clvr::artifact::Registry;
use clvr::data::{date_of_day, day_of_date, load_transactions, read_customer_table, write_table};
use clvr::features::{MergePeriod, SummaryOptions, TimeUnit, build_summary};
use clvr::score::predict;
use serde::Serialize;

use super::args::{OutputArgs, TransactionArgs};
use super::summarize::describe_load;
use super::{Failure, print_stdout, thousands};

/// Arguments of `clvr predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The model: NAME (latest version in the registry), NAME@3 (a version), or a path to a
    /// model file.
    #[arg(long, value_name = "NAME[@V]|FILE")]
    pub model: String,

    /// Model registry directory.
    #[arg(long, value_name = "DIR", default_value = "models")]
    pub registry: PathBuf,

    #[command(flatten)]
    pub input: TransactionArgs,

    /// Score as of this date (YYYY-MM-DD): customers' T runs to it, and transactions after it
    /// are left out (counted). Default: the last transaction date.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<chrono::NaiveDate>,

    /// Where to write the scores: CSV, or Parquet by extension. Written atomically.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,

    /// CLV horizon, e.g. 12months, 52weeks, 365days, or model time units. Default: the
    /// model's.
    #[arg(long, value_name = "DURATION")]
    pub horizon: Option<String>,

    /// CLV step: month (4.345 weeks for weekly models, 30.4375 days for daily), week, day or
    /// model time units. Default: the model's.
    #[arg(long, value_name = "DURATION")]
    pub step: Option<String>,

    /// Discount rate per step. Default: the model's.
    #[arg(long, value_name = "RATE")]
    pub discount_rate: Option<f64>,

    /// Profit margin applied to revenue (1 = revenue CLV). Default: the model's.
    #[arg(long, value_name = "MARGIN")]
    pub margin: Option<f64>,

    /// Also print the N customers with the highest CLV.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Acquisition cost: a number (the same for every customer) or the name of a column of
    /// the --customers table (per customer; blank = unknown). Adds the columns
    /// acquisition_cost and clv_to_cac (CLV / cost; empty where the cost is unknown).
    #[arg(long, value_name = "COST|COLUMN")]
    pub acquisition_cost: Option<String>,

    /// Events log for a model with a churn classifier trained on events (complaints, email
    /// engagement, logins): the same kind of file as at training.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,

    /// Customers table (CSV or Parquet, one row per customer, id column customer_id,
    /// customer, cust_id, customerid or id) holding per-customer columns such as the
    /// acquisition cost.
    #[arg(long, value_name = "FILE")]
    pub customers: Option<PathBuf>,

    /// Segment rules: a TOML file of [[segment]] rules on R, F (and M) scores, first match
    /// wins (see docs/segments.md); default: the standard 5 × 5 R × F map.
    #[arg(long, value_name = "FILE")]
    pub segment_rules: Option<PathBuf>,

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
struct PredictReport<'a> {
    command: &'static str,
    model: String,
    as_of: chrono::NaiveDate,
    rows_after_as_of: usize,
    input: &'a clvr::data::LoadReport,
    scores: &'a clvr::score::ScoreStats,
    output: &'a PathBuf,
    elapsed_seconds: f64,
    /// Wall seconds per stage: load, summary, churn (when the model has one), score,
    /// segments, write.
    stage_seconds: std::collections::BTreeMap<&'static str, f64>,
}

/// Runs `clvr predict`.
pub fn run(mut args: PredictArgs) -> Result<(), Failure> {
    let start = Instant::now();
    let usage = |m: String| anyhow::Error::from(clvr::data::DataError::Invalid(m));
    let file = Registry::new(&args.registry).load(&args.model)?;
    let unit = TimeUnit::parse_flag(&file.settings.time_unit).map_err(usage)?;
    let merge = MergePeriod::parse_flag(&file.settings.merge_period).map_err(usage)?;

    // Columns default to the ones the model was trained with.
    args.input.default_columns_from(&file.settings.columns);
    let clv = clvr::artifact::ScoringDefaults {
        horizon: args.horizon.clone().unwrap_or(file.scoring.horizon.clone()),
        step: args.step.clone().unwrap_or(file.scoring.step.clone()),
        discount_rate: args.discount_rate.unwrap_or(file.scoring.discount_rate),
        margin: args.margin.unwrap_or(file.scoring.margin),
        ..file.scoring.clone()
    }
    .clv_settings(unit)
    .map_err(usage)?;
    if !(clv.discount_rate >= 0.0
        && clv.margin > 0.0
        && clv.discount_rate.is_finite()
        && clv.margin.is_finite())
    {
        return Err(usage("--discount-rate must be >= 0 and --margin > 0".into()).into());
    }
    // A number is a constant cost; anything else names a column of --customers.
    let constant_cost = match args.acquisition_cost.as_deref().map(str::trim) {
        Some(c) => match c.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Some(Some(v)),
            Ok(_) => {
                return Err(usage(format!(
                    "--acquisition-cost {c}: a cost must be a positive number"
                ))
                .into());
            }
            Err(_) => None,
        },
        None => Some(None),
    };
    if args.acquisition_cost.is_some() && file.spend_model.is_none() {
        return Err(usage(format!(
            "--acquisition-cost needs CLV, but {} has no spend model (it was trained without \
             amounts)",
            file.id()
        ))
        .into());
    }
    let thresholds = args.lifecycle.apply(file.scoring.lifecycle)?;
    let (rules, rules_source) = match &args.segment_rules {
        Some(p) => (
            clvr::score::segments::SegmentRules::from_file(p).map_err(|e| usage(e.to_string()))?,
            p.display().to_string(),
        ),
        None => (
            clvr::score::segments::SegmentRules::default(),
            "default rules".to_string(),
        ),
    };
    let customer_table = match &args.customers {
        Some(p) => Some(read_customer_table(p, None)?),
        None => None,
    };
    if let (None, Some(col)) = (&customer_table, &args.acquisition_cost)
        && constant_cost.is_none()
    {
        return Err(usage(format!(
            "--acquisition-cost {col}: not a number, so it names a column of the customers \
             table; pass --customers FILE"
        ))
        .into());
    }

    let mut stages: Vec<(&'static str, f64)> = Vec::new();
    let mut lap = Instant::now();
    let mut mark = |name: &'static str| {
        stages.push((name, lap.elapsed().as_secs_f64()));
        lap = Instant::now();
    };
    let path = args.input.transactions_path()?.clone();
    let load_opts = args.input.load_options(None)?;
    let (tx, load) = load_transactions(&path, &load_opts)?;
    mark("load");
    let last = tx
        .day_range()
        .map(|r| r.1)
        .ok_or_else(|| usage("no transactions to score".into()))?;
    let as_of = args.as_of.unwrap_or_else(|| date_of_day(last));
    let (tx, rows_after_as_of) = tx.up_to(day_of_date(as_of))?;
    let summary = build_summary(
        &tx,
        &SummaryOptions {
            time_unit: unit,
            merge_period: merge,
            calibration_end: None,
            observation_end: Some(as_of),
        },
    )?;
    mark("summary");
    let churn = match &file.churn_model {
        None => None,
        Some(v) => {
            let model: clvr::churn::ChurnModel =
                serde_json::from_value(v.clone()).map_err(|e| {
                    usage(format!(
                        "{}: the churn model in this file cannot be read by this clvr ({e}); \
                     upgrade clvr or retrain",
                        file.id()
                    ))
                })?;
            let clvr::churn::ChurnSource::Log { spec, .. } = &model.source else {
                return Err(usage("the churn model was trained on a customer table".into()).into());
            };
            let (log, _) = super::churn::customer_log(
                &tx,
                args.events.as_ref(),
                &spec.families,
                &load_opts,
                true,
            )?;
            let scores =
                clvr::churn::score_log(&model, &log, day_of_date(as_of), customer_table.as_ref())?;
            let scored = Some((scores, spec.horizon));
            mark("churn");
            scored
        }
    };
    drop(tx);
    let costs: Option<Vec<Option<f64>>> = match (constant_cost, &args.acquisition_cost) {
        (Some(Some(c)), _) => Some(vec![Some(c); summary.stats.customers]),
        (None, Some(col)) => {
            let table = customer_table.as_ref().expect("checked above");
            let values = table.numeric(col)?;
            Some(
                summary
                    .customer_ids()?
                    .iter()
                    .map(|id| table.row_of(id).and_then(|r| values[r]))
                    .collect(),
            )
        }
        _ => None,
    };
    let mut scores = predict(&file, &summary, &clv, as_of, costs.as_deref())?;
    if let Some((c, horizon)) = &churn {
        scores.attach_churn(c, *horizon)?;
    }
    mark("score");
    scores.attach_segments(&summary, as_of, &rules, &rules_source, &thresholds)?;
    mark("segments");
    drop(summary);
    write_table(&mut scores.df, &args.output)?;
    mark("write");

    let st = &scores.stats;
    if !args.output_opts.quiet {
        let mut s = describe_load(&load);
        if rows_after_as_of > 0 {
            s += &format!(
                "as of      {as_of}: {} rows after it left out\n",
                thousands(rows_after_as_of as u64)
            );
        }
        s += &format!(
            "model      {} ({}, unit {}, trained to {})\n",
            file.id(),
            file.purchase_model.kind,
            file.settings.time_unit,
            file.settings
                .calibration_end
                .unwrap_or(file.settings.observation_end)
        );
        s += &format!(
            "scored     {} customers as of {as_of} ({} new since training; at least {} training customers not in these data)\n",
            thousands(st.customers as u64),
            thousands(st.new_since_training as u64),
            thousands(st.training_customers_not_scored as u64)
        );
        s += &format!(
            "horizon    {:.4} {}s in {} steps, discount {} per step, margin {}\n",
            clv.horizon,
            unit.name(),
            clv.steps(),
            clv.discount_rate,
            clv.margin
        );
        match (st.total_clv, st.mean_clv, st.top20_clv_share) {
            (Some(t), Some(m), Some(top)) => {
                s += &format!(
                    "CLV        total {t:.2}, mean {m:.2}; top 20% of customers hold {:.1}%; {} customers use the population mean spend\n",
                    100.0 * top,
                    thousands(st.population_mean_spend_customers as u64)
                );
            }
            _ => {
                s += "CLV        not computed: the model has no spend model (trained without amounts)\n"
            }
        }
        if let Some(c) = &st.churn {
            s += &format!(
                "churn      {} customers scored; mean P(churn in {} days) {:.3}\n",
                thousands(c.scored as u64),
                c.horizon_days,
                c.mean_probability
            );
        }
        if let Some(seg) = &st.segments {
            let t = &seg.thresholds;
            s += &format!(
                "lifecycle  new: first purchase within {} days; churned: P(alive) < {}; at risk: P(alive) < {}{}\n",
                t.new_days,
                t.churned_p_alive,
                t.at_risk_p_alive,
                match (t.at_risk_churn, &st.churn) {
                    (Some(c), Some(_)) => format!(" or P(churn) >= {c}"),
                    _ => String::new(),
                }
            );
            let groups = |g: &[clvr::score::segments::GroupSummary]| -> String {
                g.iter()
                    .filter(|g| g.customers > 0)
                    .map(|g| {
                        format!(
                            "{} {} ({:.1}%{})",
                            g.name,
                            thousands(g.customers as u64),
                            100.0 * g.customer_share,
                            g.value_share
                                .map(|v| format!(", CLV {:.1}%", 100.0 * v))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            s += &format!("stages     {}\n", groups(&seg.stages));
            s += &format!(
                "segments   {} ({})\n",
                groups(&seg.segments),
                seg.rules_source
            );
            if let Some(h) = &seg.historical_value {
                s += &format!(
                    "history    top 20% of customers hold {:.1}% of past spend (Gini {:.3})\n",
                    100.0 * h.top_20_share,
                    h.gini
                );
            }
        }
        if let Some(missing) = st.acquisition_cost_missing
            && missing > 0
        {
            s += &format!(
                "CAC        {} customers have no acquisition cost in {} (clv_to_cac left empty)\n",
                thousands(missing as u64),
                args.customers
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
        }
        if let Some(n) = args.top {
            let top = scores.top_by_clv(n)?;
            if !top.is_empty() {
                s += &format!(
                    "top {n} by CLV\n  {:<12} {:>5} {:>8} {:>10} {:>10} {:>10}{}\n",
                    "customer",
                    "x",
                    "P(alive)",
                    "E[purch.]",
                    "E[spend]",
                    "CLV",
                    if st.churn.is_some() { "  P(churn)" } else { "" }
                );
                for t in &top {
                    s += &format!(
                        "  {:<12} {:>5} {:>8.3} {:>10.2} {:>10.2} {:>10.2}{}\n",
                        t.customer_id,
                        t.frequency,
                        t.p_alive,
                        t.expected_purchases,
                        t.expected_avg_spend,
                        t.clv,
                        t.churn_probability
                            .map(|p| format!(" {p:>9.3}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        s += &format!(
            "output     {} ({} rows) in {:.2}s ({})\n",
            args.output.display(),
            thousands(st.customers as u64),
            start.elapsed().as_secs_f64(),
            stages
                .iter()
                .map(|(k, v)| format!("{k} {v:.2}s"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        eprint!("{s}");
    }
    if args.output_opts.json {
        let report = PredictReport {
            command: "predict",
            model: file.id(),
            as_of,
            rows_after_as_of,
            input: &load,
            scores: st,
            output: &args.output,
            elapsed_seconds: start.elapsed().as_secs_f64(),
            stage_seconds: stages.iter().copied().collect(),
        };
        print_stdout(&serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?)?;
    }
    Ok(())
}
