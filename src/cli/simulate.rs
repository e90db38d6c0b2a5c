//! `clvr simulate`: a seeded transaction log (and a truth file) from a chosen model, and
//! optionally an events log whose rates shift each customer's dropout hazard by known
//! amounts (the ground truth for churn classifiers).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use clvr::data::{ColumnValues, day_of_date, write_columns};
use clvr::features::TimeUnit;
use clvr::models::bgnbd::BgNbd;
use clvr::models::mbgnbd::MbgNbd;
use clvr::models::paretonbd::ParetoNbd;
use clvr::models::simulate::{EventSpec, SimModel, SimSpec, SpendParams, simulate};
use clvr::models::{ModelKind, bgnbd, paretonbd};
use serde::Serialize;

use super::args::OutputArgs;
use super::{Failure, thousands};

/// Arguments of `clvr simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Purchase model: bgnbd, mbgnbd or paretonbd.
    #[arg(long, value_name = "MODEL", default_value = "bgnbd", value_parser = ModelKind::parse)]
    pub model: ModelKind,

    /// Model parameters in --time-unit units, as name=value pairs: r,alpha,a,b for
    /// bgnbd/mbgnbd; r,alpha,s,beta for paretonbd. Default: the published CDNOW estimates
    /// (weeks) of the chosen model.
    #[arg(long, value_name = "NAME=V,...")]
    pub params: Option<String>,

    /// Gamma-Gamma spend parameters p=…,q=…,gamma=… (value per transaction ~ Gamma(p, ν),
    /// ν ~ Gamma(q, γ)). Default: the CDNOW estimates p=6.25,q=3.74,gamma=15.44.
    #[arg(long, value_name = "p=V,q=V,gamma=V", conflicts_with = "no_spend")]
    pub spend: Option<String>,

    /// Simulate purchase times only (no amount column).
    #[arg(long)]
    pub no_spend: bool,

    /// Number of customers.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub customers: usize,

    /// Random seed: the same seed and settings give the same file, bit for bit.
    #[arg(long, value_name = "SEED", default_value_t = 42)]
    pub seed: u64,

    /// Unit of the parameters and of the lengths below: day, week or month.
    #[arg(long, value_name = "UNIT", default_value = "week", value_parser = TimeUnit::parse_flag)]
    pub time_unit: TimeUnit,

    /// First day of the acquisition window (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", default_value = "1997-01-01")]
    pub start: NaiveDate,

    /// Length of the acquisition window, in time units: first purchases are uniform in it.
    #[arg(long, value_name = "UNITS", default_value_t = 12.0)]
    pub cohort_length: f64,

    /// Length of observation from the start, in time units (the last day observed is
    /// start + this).
    #[arg(long, value_name = "UNITS", default_value_t = 78.0)]
    pub observation_length: f64,

    /// Transaction log to write (customer_id, date, amount): CSV, or Parquet by extension.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,

    /// Truth file to write: per customer the latent rates, death time, and exact
    /// continuous-time x, t_x, T (with --events also complaint_rate, open_prob and mu0, the
    /// dropout rate before the events' effects; mu is the rate after them).
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,

    /// Events log to write (customer_id, date, event_type), CSV or Parquet by extension;
    /// needs --model paretonbd. Each customer has a complaint rate c ~ Gamma and an email
    /// open probability o ~ Beta, and a dropout rate mu = mu0 * exp(b_complaint * z(c) +
    /// b_open * z(o)), z standardised under the population distribution. Events from the
    /// first purchase: `complaint` (Poisson at rate c while alive), `email_sent` (weekly to
    /// everyone until the end: marketing does not know who has left), `email_open`
    /// (probability o while alive, open_after_death after), `email_click` (given an open),
    /// `login` (with --logins-per-purchase).
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,

    /// With --events: b_complaint, the change in log dropout hazard per standard deviation
    /// of the complaint rate (0: no effect).
    #[arg(
        long,
        value_name = "B",
        default_value_t = 0.5,
        allow_negative_numbers = true,
        requires = "events"
    )]
    pub complaint_effect: f64,

    /// With --events: b_open, the change in log dropout hazard per standard deviation of
    /// the open probability (negative: engaged customers stay longer).
    #[arg(long, value_name = "B", default_value_t = -0.7, allow_negative_numbers = true, requires = "events")]
    pub open_effect: f64,

    /// With --events: logins per purchase (a Poisson login process at this multiple of the
    /// customer's purchase rate while alive); 0 writes no logins.
    #[arg(long, value_name = "K", default_value_t = 0.0, requires = "events")]
    pub logins_per_purchase: f64,

    /// With --events: also write a `cancellation` event at each death within the observation
    /// period (the contractual view: `clvr churn train --churn-label contractual`).
    #[arg(long, requires = "events")]
    pub cancellations: bool,

    /// With --events: the event distributions as name=value pairs, any of
    /// complaint_shape, complaint_mean (complaints per --time-unit), open_a, open_b (Beta of
    /// the open probability), open_after_death, click_given_open, send_interval (time
    /// units between email sends). Default: complaint_shape=2,complaint_mean=0.03 per
    /// week,open_a=2,open_b=4, open_after_death=0.02,click_given_open=0.2,send_interval=1.
    #[arg(long, value_name = "NAME=V,...", requires = "events")]
    pub event_params: Option<String>,

    /// Experiment mode (--model paretonbd): write an assignments table (customer_id,
    /// variant, assigned_at, segment) of a randomised retention experiment. Every customer
    /// is assigned on one day (--assign-at; or on their own day with --assign-span) to
    /// control/treatment (or control/treatment_1/… with more shares in --split); treated
    /// customers still alive at the end of the assignment day have their dropout rate μ
    /// multiplied by --treatment-effect and their purchase rate λ by --purchase-effect from
    /// then on (the next day, where `clvr uplift`'s outcome window starts; the assignment day
    /// itself, the last of the pre-period, is untreated). segment: `repeat` with 2+
    /// purchases up to the assignment day, else `one_time`. The --json report holds the true
    /// retention uplift and the true effect on purchases per customer over
    /// --experiment-window, averaged over the customers whose window ends by the data end
    /// (those `clvr uplift` analyses).
    #[arg(long, value_name = "FILE")]
    pub experiment: Option<PathBuf>,

    /// With --experiment: the assignment day, in time units from --start (rounded to a
    /// day). Default: halfway between the end of the cohort window and the observation end.
    #[arg(long, value_name = "UNITS", requires = "experiment")]
    pub assign_at: Option<f64>,

    /// With --experiment: staggered assignment. Each customer's assignment day is uniform
    /// over the days from --assign-at to --assign-at + this (time units, rounded to whole
    /// days), and treatment starts at the end of their own day. Customers whose window would
    /// end after the data end (the report's data_end, the last fully observed day) are left
    /// out of the truth, as `clvr uplift --data-end` leaves them out; the report counts them.
    /// 0: everyone on one day.
    #[arg(
        long,
        value_name = "UNITS",
        default_value_t = 0.0,
        requires = "experiment"
    )]
    pub assign_span: f64,

    /// With --experiment: multiplier of the treated customers' dropout rate from the day
    /// after assignment on (0.7 = a 30% lower hazard; 1 = no effect).
    #[arg(
        long,
        value_name = "FACTOR",
        default_value_t = 1.0,
        requires = "experiment"
    )]
    pub treatment_effect: f64,

    /// With --experiment: multiplier of the treated customers' purchase rate λ from the day
    /// after assignment on, while they are alive (1.2 = 20% more purchases; 1 = no effect).
    /// Combines with --treatment-effect.
    #[arg(
        long,
        value_name = "FACTOR",
        default_value_t = 1.0,
        requires = "experiment"
    )]
    pub purchase_effect: f64,

    /// With --experiment: assignment shares, control first (50,50; 52,48 injects a sample
    /// ratio mismatch against a planned 50/50; 34,33,33 gives two treatment arms).
    #[arg(
        long,
        value_name = "SHARES",
        default_value = "50,50",
        requires = "experiment"
    )]
    pub split: String,

    /// With --experiment: the outcome window of the true uplift in the report (the same as
    /// `clvr uplift --window`).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "90d",
        requires = "experiment"
    )]
    pub experiment_window: String,

    #[command(flatten)]
    pub output_opts: OutputArgs,
}

fn parse_pairs(s: &str, names: &[&str]) -> Result<Vec<f64>, String> {
    let mut values = vec![None; names.len()];
    for pair in s.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| format!("'{pair}' is not name=value"))?;
        let i = names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(k.trim()))
            .ok_or_else(|| format!("unknown parameter '{k}': expected {}", names.join(", ")))?;
        let v: f64 = v
            .trim()
            .parse()
            .map_err(|_| format!("{k}: '{v}' is not a number"))?;
        if !(v.is_finite() && v > 0.0) {
            return Err(format!("{k} must be positive and finite, got {v}"));
        }
        values[i] = Some(v);
    }
    values
        .iter()
        .zip(names)
        .map(|(v, n)| {
            v.ok_or_else(|| format!("missing parameter {n}: give all of {}", names.join(", ")))
        })
        .collect()
}

/// Applies `name=value` overrides to the event distributions.
fn parse_event_params(s: &str, spec: &mut EventSpec) -> Result<(), String> {
    const NAMES: [&str; 7] = [
        "complaint_shape",
        "complaint_mean",
        "open_a",
        "open_b",
        "open_after_death",
        "click_given_open",
        "send_interval",
    ];
    for pair in s.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| format!("'{pair}' is not name=value"))?;
        let k = k.trim().to_ascii_lowercase();
        let v: f64 = v
            .trim()
            .parse()
            .map_err(|_| format!("{k}: '{v}' is not a number"))?;
        let slot = match k.as_str() {
            "complaint_shape" => &mut spec.complaint_shape,
            "complaint_mean" => &mut spec.complaint_mean,
            "open_a" => &mut spec.open_a,
            "open_b" => &mut spec.open_b,
            "open_after_death" => &mut spec.open_after_death,
            "click_given_open" => &mut spec.click_given_open,
            "send_interval" => &mut spec.send_interval,
            _ => {
                return Err(format!(
                    "unknown event parameter '{k}': expected {}",
                    NAMES.join(", ")
                ));
            }
        };
        *slot = v;
    }
    Ok(())
}

#[derive(Serialize)]
struct EventsReport<'a> {
    output: &'a PathBuf,
    rows: usize,
    /// Events per type.
    counts: BTreeMap<&'static str, usize>,
    /// The event process, in --time-unit units.
    spec: EventSpec,
}

#[derive(Serialize)]
struct SimReport<'a> {
    command: &'static str,
    model: &'static str,
    params: Vec<f64>,
    spend: Option<SpendParams>,
    customers: usize,
    transactions: usize,
    seed: u64,
    output: &'a PathBuf,
    truth: Option<&'a PathBuf>,
    events: Option<EventsReport<'a>>,
    experiment: Option<ExperimentReport<'a>>,
}

#[derive(Serialize)]
struct ExperimentReport<'a> {
    output: &'a PathBuf,
    /// The first assignment day.
    assigned_at: NaiveDate,
    /// The last assignment day (`assigned_at` unless --assign-span).
    assigned_until: NaiveDate,
    /// Days in the assignment span (0: one day).
    assign_span_days: i32,
    variants: Vec<String>,
    split: Vec<f64>,
    customers_per_variant: Vec<usize>,
    treatment_effect_on_dropout: f64,
    treatment_effect_on_purchases: f64,
    window_days: i32,
    /// The last fully observed day (pass it to `clvr uplift --data-end`).
    data_end: NaiveDate,
    alive_at_assignment: usize,
    /// Customers whose window ends by `data_end`: those the truth averages over.
    complete_window: usize,
    /// The same per variant.
    complete_window_per_variant: Vec<usize>,
    /// Customers whose window ends after `data_end`: left out of the truth.
    excluded_incomplete_window: usize,
    /// Which customers the truth is over, in words.
    truth_over: String,
    /// Mean P(>= 1 purchase in the window) without treatment, over the complete windows.
    true_retention_control: f64,
    /// The same with treatment.
    true_retention_treatment: f64,
    /// Mean of P(treated) - P(control): the true absolute retention uplift.
    true_uplift: f64,
    /// Mean expected purchases in the window without treatment, over the complete windows.
    true_purchases_control: f64,
    /// The same with treatment.
    true_purchases_treatment: f64,
    /// Their difference: the true effect on purchases per customer in the window.
    true_purchase_uplift: f64,
}

/// Runs `clvr simulate`.
pub fn run(args: SimulateArgs) -> Result<(), Failure> {
    let usage = |m: String| anyhow::Error::from(clvr::data::DataError::Invalid(m));
    let (model, params) = match args.model {
        ModelKind::Bgnbd | ModelKind::Mbgnbd => {
            let default = if args.model == ModelKind::Bgnbd {
                "r=0.2426,alpha=4.414,a=0.7929,b=2.426"
            } else {
                "r=0.5248,alpha=6.183,a=0.8914,b=1.614"
            };
            let p = parse_pairs(
                args.params.as_deref().unwrap_or(default),
                &bgnbd::PARAM_NAMES,
            )
            .map_err(usage)?;
            let m = if args.model == ModelKind::Bgnbd {
                SimModel::BgNbd(BgNbd::from_slice(&p))
            } else {
                SimModel::MbgNbd(MbgNbd::from_slice(&p))
            };
            (m, p)
        }
        ModelKind::Paretonbd => {
            let p = parse_pairs(
                args.params
                    .as_deref()
                    .unwrap_or("r=0.5533,alpha=10.58,s=0.6062,beta=11.67"),
                &paretonbd::PARAM_NAMES,
            )
            .map_err(usage)?;
            (SimModel::ParetoNbd(ParetoNbd::from_slice(&p)), p)
        }
        other => {
            return Err(usage(format!(
                "simulate writes transaction logs from continuous-time models (bgnbd, mbgnbd, \
                 paretonbd); {} is not one",
                other.name()
            ))
            .into());
        }
    };
    let spend = if args.no_spend {
        None
    } else {
        let p = parse_pairs(
            args.spend.as_deref().unwrap_or("p=6.25,q=3.74,gamma=15.44"),
            &["p", "q", "gamma"],
        )
        .map_err(usage)?;
        Some(SpendParams {
            p: p[0],
            q: p[1],
            gamma: p[2],
        })
    };
    let unit_days = args.time_unit.days();
    let events = match &args.events {
        None => None,
        Some(_) => {
            if !matches!(model, SimModel::ParetoNbd(_)) {
                return Err(usage(format!(
                    "--events shifts an exponential dropout hazard: it needs --model paretonbd \
                     (got {})",
                    args.model.name()
                ))
                .into());
            }
            let defaults = EventSpec::default();
            let mut e = EventSpec {
                // The defaults are per week; emails go out weekly in any time unit.
                complaint_mean: defaults.complaint_mean * unit_days / 7.0,
                send_interval: 7.0 / unit_days,
                complaint_effect: args.complaint_effect,
                open_effect: args.open_effect,
                logins_per_purchase: args.logins_per_purchase,
                cancellations: args.cancellations,
                ..defaults
            };
            if let Some(p) = &args.event_params {
                parse_event_params(p, &mut e).map_err(usage)?;
            }
            Some(e)
        }
    };
    let spec = SimSpec {
        model,
        spend,
        customers: args.customers,
        cohort_length: args.cohort_length,
        observation_end: args.observation_length,
        seed: args.seed,
        events,
    };
    let mut sim = simulate(&spec).map_err(|e| usage(e.to_string()))?;
    let experiment = match &args.experiment {
        None => None,
        Some(path) => {
            let shares: Vec<f64> = args
                .split
                .split(',')
                .map(|p| p.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| usage(format!("--split {}: write shares as 50,50", args.split)))?;
            let window_days = clvr::score::parse_duration(&args.experiment_window, TimeUnit::Day)
                .map_err(|e| usage(format!("--experiment-window: {e}")))?
                .round() as i32;
            let assign = args.assign_at.unwrap_or(
                args.cohort_length + (args.observation_length - args.cohort_length) / 2.0,
            );
            let assign_days = (assign * unit_days).round();
            if !(args.assign_span.is_finite() && args.assign_span >= 0.0) {
                return Err(usage(format!(
                    "--assign-span {}: give a non-negative number of time units",
                    args.assign_span
                ))
                .into());
            }
            let span_days = (args.assign_span * unit_days).round();
            let exp = clvr::models::simulate::ExperimentSpec {
                assign_at: assign_days / unit_days,
                assign_span: span_days / unit_days,
                assign_step: 1.0 / unit_days,
                split: shares,
                dropout_factor: args.treatment_effect,
                purchase_factor: args.purchase_effect,
                window: f64::from(window_days) / unit_days,
                window_offset: 1.0 / unit_days,
            };
            let truth = clvr::models::simulate::apply_experiment(&mut sim, &spec, &exp)
                .map_err(|e| usage(e.to_string()))?;
            // The last fully observed day: day k covers [k, k + 1) / unit_days.
            let data_end = (args.observation_length * unit_days + 1e-9).floor() as i32 - 1;
            let Some(summary) = truth.truth() else {
                return Err(usage(format!(
                    "no customer's {window_days}-day outcome window ends by the data end {} \
                     (the last assignment day is {}): there is no truth to report\n  fix: an \
                     earlier --assign-at, a shorter --assign-span or --experiment-window, or a \
                     longer --observation-length",
                    clvr::data::date_of_day(day_of_date(args.start) + data_end),
                    clvr::data::date_of_day(
                        day_of_date(args.start) + (assign_days + span_days) as i32
                    )
                ))
                .into());
            };
            Some((
                path,
                exp,
                truth,
                summary,
                (assign_days as i32, span_days as i32),
                window_days,
                data_end,
            ))
        }
    };

    let start = day_of_date(args.start);
    let width = args.customers.max(1).to_string().len();
    let id = |c: usize| format!("C{c:0width$}");
    let day_of = |t: f64| start + (t * unit_days).floor() as i32;
    let mut tx_cols = vec![
        (
            "customer_id",
            ColumnValues::Str(sim.tx_customer.iter().map(|&c| id(c as usize)).collect()),
        ),
        (
            "date",
            ColumnValues::Date(sim.tx_time.iter().map(|&t| day_of(t)).collect()),
        ),
    ];
    if spend.is_some() {
        tx_cols.push(("amount", ColumnValues::F64(sim.tx_amount.clone())));
    }
    let n_tx = write_columns(&args.output, tx_cols)?;

    if let Some(truth) = &args.truth {
        let n = args.customers;
        let mut cols = vec![
            ("customer_id", ColumnValues::Str((0..n).map(id).collect())),
            (
                "first_purchase_date",
                ColumnValues::Date(sim.first_purchase.iter().map(|&t| day_of(t)).collect()),
            ),
            ("lambda", ColumnValues::F64(sim.lambda.clone())),
            (
                if matches!(model, SimModel::ParetoNbd(_)) {
                    "mu"
                } else {
                    "p"
                },
                ColumnValues::F64(sim.dropout.clone()),
            ),
            (
                "alive_at_end",
                ColumnValues::I64(
                    sim.death
                        .iter()
                        .map(|d| i64::from(d.is_infinite()))
                        .collect(),
                ),
            ),
            (
                "death_time",
                ColumnValues::OptF64(
                    sim.death
                        .iter()
                        .map(|d| d.is_finite().then_some(*d))
                        .collect(),
                ),
            ),
            ("x", ColumnValues::F64(sim.x.clone())),
            ("t_x", ColumnValues::F64(sim.t_x.clone())),
            ("T", ColumnValues::F64(sim.t.clone())),
        ];
        if spend.is_some() {
            cols.push(("nu", ColumnValues::F64(sim.nu.clone())));
        }
        if events.is_some() {
            cols.push((
                "complaint_rate",
                ColumnValues::F64(sim.complaint_rate.clone()),
            ));
            cols.push(("open_prob", ColumnValues::F64(sim.open_prob.clone())));
            cols.push(("mu0", ColumnValues::F64(sim.base_dropout.clone())));
        }
        write_columns(truth, cols)?;
    }

    let events_report = match (&args.events, events) {
        (Some(path), Some(spec)) => {
            // Sends fall on k weeks exactly; the epsilon keeps k * (7 / unit) * unit from
            // flooring to the day before.
            let ev_day = |t: f64| start + (t * unit_days + 1e-9).floor() as i32;
            let n = write_columns(
                path,
                vec![
                    (
                        "customer_id",
                        ColumnValues::Str(
                            sim.ev_customer.iter().map(|&c| id(c as usize)).collect(),
                        ),
                    ),
                    (
                        "date",
                        ColumnValues::Date(sim.ev_time.iter().map(|&t| ev_day(t)).collect()),
                    ),
                    (
                        "event_type",
                        ColumnValues::Str(
                            sim.ev_kind.iter().map(|k| k.name().to_string()).collect(),
                        ),
                    ),
                ],
            )?;
            let mut counts = BTreeMap::new();
            for k in &sim.ev_kind {
                *counts.entry(k.name()).or_insert(0) += 1;
            }
            Some(EventsReport {
                output: path,
                rows: n,
                spec,
                counts,
            })
        }
        _ => None,
    };

    let experiment_report = match &experiment {
        None => None,
        Some((path, exp, truth, summary, (assign_days, span_days), window_days, data_end)) => {
            let k = exp.split.len();
            let variants: Vec<String> = (0..k)
                .map(|i| match (i, k) {
                    (0, _) => "control".to_string(),
                    (_, 2) => "treatment".to_string(),
                    _ => format!("treatment_{i}"),
                })
                .collect();
            let first_day = start + assign_days;
            // Each customer's own assignment day (a whole number of days from the start).
            let assigned_day: Vec<i32> = truth
                .assigned_at
                .iter()
                .map(|&a| start + (a * unit_days).round() as i32)
                .collect();
            let n = args.customers;
            let mut before = vec![0usize; n];
            for (&c, &t) in sim.tx_customer.iter().zip(&sim.tx_time) {
                if day_of(t) <= assigned_day[c as usize] {
                    before[c as usize] += 1;
                }
            }
            write_columns(
                path,
                vec![
                    ("customer_id", ColumnValues::Str((0..n).map(id).collect())),
                    (
                        "variant",
                        ColumnValues::Str(truth.arm.iter().map(|&a| variants[a].clone()).collect()),
                    ),
                    ("assigned_at", ColumnValues::Date(assigned_day.clone())),
                    (
                        "segment",
                        ColumnValues::Str(
                            before
                                .iter()
                                .map(|&b| if b >= 2 { "repeat" } else { "one_time" }.to_string())
                                .collect(),
                        ),
                    ),
                ],
            )?;
            let per_variant = |complete_only: bool| -> Vec<usize> {
                (0..k)
                    .map(|i| {
                        (0..n)
                            .filter(|&c| {
                                truth.arm[c] == i && (!complete_only || truth.window_complete[c])
                            })
                            .count()
                    })
                    .collect()
            };
            let excluded = n - summary.customers;
            let data_end_date = clvr::data::date_of_day(start + data_end);
            Some(ExperimentReport {
                output: path,
                assigned_at: clvr::data::date_of_day(first_day),
                assigned_until: clvr::data::date_of_day(first_day + span_days),
                assign_span_days: *span_days,
                customers_per_variant: per_variant(false),
                variants,
                split: exp.split.clone(),
                treatment_effect_on_dropout: exp.dropout_factor,
                treatment_effect_on_purchases: exp.purchase_factor,
                window_days: *window_days,
                data_end: data_end_date,
                alive_at_assignment: truth.alive_at_assignment.iter().filter(|a| **a).count(),
                complete_window: summary.customers,
                complete_window_per_variant: per_variant(true),
                excluded_incomplete_window: excluded,
                truth_over: if excluded == 0 {
                    format!(
                        "all {n} customers (every {window_days}-day window ends by the data end \
                         {data_end_date})"
                    )
                } else {
                    format!(
                        "the {} customers whose {window_days}-day window ends by the data end \
                         {data_end_date}; {excluded} assigned too late for a complete window are \
                         left out, as clvr uplift leaves them out",
                        summary.customers
                    )
                },
                true_retention_control: summary.retention_control,
                true_retention_treatment: summary.retention_treated,
                true_uplift: summary.uplift,
                true_purchases_control: summary.purchases_control,
                true_purchases_treatment: summary.purchases_treated,
                true_purchase_uplift: summary.purchase_uplift,
            })
        }
    };

    let report = SimReport {
        command: "simulate",
        model: args.model.name(),
        params,
        spend,
        customers: args.customers,
        transactions: n_tx,
        seed: args.seed,
        output: &args.output,
        truth: args.truth.as_ref(),
        events: events_report,
        experiment: experiment_report,
    };
    if !args.output_opts.quiet {
        eprintln!(
            "simulated  {} customers, {} transactions ({} {:?}, seed {}) -> {}{}",
            thousands(args.customers as u64),
            thousands(n_tx as u64),
            report.model,
            report.params,
            args.seed,
            args.output.display(),
            args.truth
                .as_ref()
                .map(|t| format!(", truth -> {}", t.display()))
                .unwrap_or_default()
        );
        if let Some(e) = &report.events {
            let mut counts: Vec<(&str, usize)> = e.counts.iter().map(|(k, n)| (*k, *n)).collect();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            eprintln!(
                "events     {} ({}; b_complaint {}, b_open {}) -> {}",
                thousands(e.rows as u64),
                counts
                    .iter()
                    .map(|(k, n)| format!("{} {k}", thousands(*n as u64)))
                    .collect::<Vec<_>>()
                    .join(", "),
                e.spec.complaint_effect,
                e.spec.open_effect,
                e.output.display()
            );
        }
    }
    if let (Some(e), false) = (&report.experiment, args.output_opts.quiet) {
        let when = if e.assign_span_days == 0 {
            format!("on {}", e.assigned_at)
        } else {
            format!("from {} to {}", e.assigned_at, e.assigned_until)
        };
        eprintln!(
            "experiment {} assigned {when} ({} = {}), dropout x {} and purchase rate x {} for \
             treated customers; true {}-day retention {:.4} control vs {:.4} treated (uplift \
             {:+.4}), purchases per customer {:.4} vs {:.4} ({:+.4}) -> {}",
            thousands(args.customers as u64),
            e.variants.join("/"),
            e.customers_per_variant
                .iter()
                .map(|n| thousands(*n as u64))
                .collect::<Vec<_>>()
                .join("/"),
            e.treatment_effect_on_dropout,
            e.treatment_effect_on_purchases,
            e.window_days,
            e.true_retention_control,
            e.true_retention_treatment,
            e.true_uplift,
            e.true_purchases_control,
            e.true_purchases_treatment,
            e.true_purchase_uplift,
            e.output.display()
        );
        if e.excluded_incomplete_window > 0 {
            eprintln!(
                "           truth over {} customers with a complete window by {}; {} left out \
                 (window incomplete)",
                thousands(e.complete_window as u64),
                e.data_end,
                thousands(e.excluded_incomplete_window as u64)
            );
        }
    }
    if args.output_opts.json {
        super::print_stdout(&serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?)?;
    }
    Ok(())
}
