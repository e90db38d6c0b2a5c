//! `predict`: one row per customer with P(alive), expected purchases, P(no purchase),
//! expected spend and CLV, from a model file and an as-of customer summary.

use chrono::NaiveDate;
use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;

use super::segments::top_share;
use super::segments::{
    Concentration, GroupSummary, LifecycleStage, LifecycleThresholds, SegmentError, SegmentRules,
    lifecycle_stages, rfm_scores, stage_summary,
};
use super::{ClvSettings, score_patterns};
use crate::artifact::ModelFile;
use crate::data::day_of_date;
use crate::features::{CustomerSummary, FeatureError};
use crate::models::gamma_gamma::GammaGamma;
use crate::train::{purchase_model_of, spend_model_of};

/// Run-level facts of a scoring run.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreStats {
    /// Customers scored.
    pub customers: usize,
    /// Customers whose first purchase is after the model's training period.
    pub new_since_training: usize,
    /// Customers the model was trained on that are not in the scoring data, at least (the
    /// model file holds counts, not customer lists: training customers minus scored
    /// customers who were already customers then).
    pub training_customers_not_scored: usize,
    /// Sum of CLV (when there is a spend model).
    pub total_clv: Option<f64>,
    /// Mean CLV.
    pub mean_clv: Option<f64>,
    /// Share of total CLV held by the top 20% of customers.
    pub top20_clv_share: Option<f64>,
    /// Customers whose spend is the population mean (no repeat purchase yet).
    pub population_mean_spend_customers: usize,
    /// With an acquisition cost per customer: customers without one (their `clv_to_cac`
    /// is empty).
    pub acquisition_cost_missing: Option<usize>,
    /// Settings used.
    pub clv: ClvSettings,
    /// With a churn model: its horizon in days and the mean churn probability.
    pub churn: Option<ChurnStats>,
    /// RFM segments, lifecycle stages and value concentration, once attached.
    pub segments: Option<SegmentStats>,
}

/// Run-level facts of segmentation: the settings used and the breakdowns.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentStats {
    /// Where the segment rules came from (a file, or "default rules").
    pub rules_source: String,
    /// The lifecycle thresholds used.
    pub thresholds: LifecycleThresholds,
    /// Customers and CLV per segment, in rule order.
    pub segments: Vec<GroupSummary>,
    /// Customers and CLV per lifecycle stage.
    pub stages: Vec<GroupSummary>,
    /// Concentration of historical value (total spend in the period).
    pub historical_value: Option<Concentration>,
    /// Concentration of predicted CLV.
    pub predicted_clv: Option<Concentration>,
}

/// Run-level facts of churn scoring.
#[derive(Debug, Clone, Serialize)]
pub struct ChurnStats {
    /// The horizon the probabilities refer to, in days.
    pub horizon_days: i32,
    /// Customers with a churn probability.
    pub scored: usize,
    /// Mean churn probability.
    pub mean_probability: f64,
}

/// The scores table and its stats.
#[derive(Debug, Clone)]
pub struct Scores {
    /// One row per customer.
    pub df: DataFrame,
    /// Run-level facts.
    pub stats: ScoreStats,
}

/// One line of a "most valuable customers" table.
#[derive(Debug, Clone, Serialize)]
pub struct TopCustomer {
    /// Customer id.
    pub customer_id: String,
    /// Repeat transactions.
    pub frequency: i64,
    /// P(alive).
    pub p_alive: f64,
    /// Expected purchases over the horizon.
    pub expected_purchases: f64,
    /// Expected average spend.
    pub expected_avg_spend: f64,
    /// CLV.
    pub clv: f64,
    /// P(churn), with a churn model.
    pub churn_probability: Option<f64>,
}

impl Scores {
    /// The `n` customers with the highest CLV (ties by id); empty without a spend model.
    pub fn top_by_clv(&self, n: usize) -> Result<Vec<TopCustomer>, FeatureError> {
        let Ok(clv) = self.df.column("clv") else {
            return Ok(Vec::new());
        };
        let clv: Vec<f64> = clv.f64()?.into_no_null_iter().collect();
        let ids = self.df.column("customer_id")?.str()?;
        let by_value = |&a: &usize, &b: &usize| {
            clv[b]
                .total_cmp(&clv[a])
                .then_with(|| ids.get(a).cmp(&ids.get(b)))
        };
        let mut order: Vec<usize> = (0..clv.len()).collect();
        // The n best first (linear time), then only those sorted.
        let n = n.min(order.len());
        if n > 0 && n < order.len() {
            order.select_nth_unstable_by(n - 1, by_value);
        }
        order.truncate(n);
        order.sort_by(by_value);
        let f = |c: &str| -> Result<Vec<f64>, FeatureError> {
            Ok(self.df.column(c)?.f64()?.into_no_null_iter().collect())
        };
        let (pa, ep, sp) = (
            f("p_alive")?,
            f("expected_purchases")?,
            f("expected_avg_spend")?,
        );
        let freq = self.df.column("frequency")?.i64()?;
        let churn: Option<Vec<Option<f64>>> = match self.df.column("churn_probability") {
            Ok(c) => Some(c.f64()?.iter().collect()),
            Err(_) => None,
        };
        Ok(order
            .into_iter()
            .take(n)
            .map(|i| TopCustomer {
                customer_id: ids.get(i).unwrap_or_default().to_string(),
                frequency: freq.get(i).unwrap_or(0),
                p_alive: pa[i],
                expected_purchases: ep[i],
                expected_avg_spend: sp[i],
                clv: clv[i],
                churn_probability: churn.as_ref().and_then(|c| c[i]),
            })
            .collect())
    }
}

/// A string column from a few distinct `names` and each row's index into them: the names
/// are stored once and every row refers to one (no per-row copy of the text, ~10× faster
/// than building the strings at 10M rows).
fn coded_strings(name: &str, names: &[&str], codes: Vec<u32>) -> Result<Column, FeatureError> {
    let dictionary = StringChunked::from_iter_values(name.into(), names.iter().copied());
    let codes = IdxCa::from_vec("".into(), codes);
    Ok(dictionary.take(&codes)?.into_column())
}

/// Expected average spend per customer, as `predict` computes it: the spend model's
/// conditional expectation for customers with repeat purchases (`x > 0`) and a positive
/// `monetary_value` `m`, the population mean spend for everyone else. Also says, per
/// customer, whether the value is individual.
pub fn expected_spend(
    file: &ModelFile,
    gg: &GammaGamma,
    x: &[f64],
    m: &[f64],
) -> Result<(Vec<f64>, Vec<bool>), FeatureError> {
    let pop = gg.population_mean_spend().ok_or_else(|| {
        FeatureError::Invalid(format!(
            "{}: the spend model has q <= 1 (infinite mean spend), so customers without \
             repeat purchases have no expected spend; retrain with more repeat buyers",
            file.id()
        ))
    })?;
    let individual: Vec<bool> = x.iter().zip(m).map(|(&x, &m)| x > 0.0 && m > 0.0).collect();
    let spend: Vec<f64> = (0..x.len())
        .into_par_iter()
        .map(|i| {
            if individual[i] {
                gg.conditional_expected_average_spend(x[i], m[i])
                    .map_err(|e| FeatureError::Invalid(format!("customer row {}: {e}", i + 1)))
            } else {
                Ok(pop)
            }
        })
        .collect::<Result<_, _>>()?;
    Ok((spend, individual))
}

/// CLV per customer from plain RFM columns (frequency `x`, recency `t_x`, `T`, and
/// `monetary_value` `m`, in the model's time unit), exactly as `predict` computes the `clv`
/// column: discounted expected purchases over the horizon (once per distinct pattern) ×
/// expected spend × margin. An error when the model file has no spend model.
pub fn clv_of_rfm(
    file: &ModelFile,
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    m: &[f64],
    clv: &ClvSettings,
) -> Result<Vec<f64>, FeatureError> {
    let gg = spend_model_of(file).ok_or_else(|| {
        FeatureError::Invalid(format!(
            "{} has no spend model (it was trained without amounts): no CLV",
            file.id()
        ))
    })?;
    let model = purchase_model_of(file).map_err(FeatureError::Invalid)?;
    let scores = score_patterns(model.as_ref(), x, t_x, t, clv);
    let (spend, _) = expected_spend(file, &gg, x, m)?;
    Ok(scores
        .iter()
        .zip(&spend)
        .map(|(s, sp)| s.discounted_purchases * sp * clv.margin)
        .collect())
}

/// Scores every customer of `summary` (built as of `as_of` in the model's time unit).
/// `acquisition_cost`, when given (one value per summary row, `None` where unknown), adds
/// the columns `acquisition_cost` and `clv_to_cac` (empty where the cost is unknown).
pub fn predict(
    file: &ModelFile,
    summary: &CustomerSummary,
    clv: &ClvSettings,
    as_of: NaiveDate,
    acquisition_cost: Option<&[Option<f64>]>,
) -> Result<Scores, FeatureError> {
    let model = purchase_model_of(file).map_err(FeatureError::Invalid)?;
    let (x, t_x, t) = summary.rfm()?;
    let n = x.len();
    let scores = score_patterns(model.as_ref(), &x, &t_x, &t, clv);
    drop((t_x, t));
    let trained_until = day_of_date(
        file.settings
            .calibration_end
            .unwrap_or(file.settings.observation_end),
    );
    let first = summary.first_purchase_days()?;
    let new_flags: Vec<bool> = first.iter().map(|d| *d > trained_until).collect();
    let new_since_training = new_flags.iter().filter(|b| **b).count();
    let old_customers = n - new_since_training;

    let f64col = |name: &str, v: Vec<f64>| Float64Chunked::from_vec(name.into(), v).into_column();
    let mut cols: Vec<Column> = vec![
        summary.df.column("customer_id")?.clone(),
        summary.df.column("frequency")?.clone(),
        summary.df.column("recency")?.clone(),
        summary.df.column("T")?.clone(),
    ];
    if let Ok(m) = summary.df.column("monetary_value") {
        cols.push(m.clone());
    }
    // Past value: total spend in the period (returns netted), for value-concentration
    // comparisons with predicted CLV.
    if let Ok(h) = summary.df.column("total_spend") {
        cols.push(h.clone().with_name("historical_value".into()));
    }
    cols.push(f64col("p_alive", scores.column(|s| s.p_alive)));
    cols.push(f64col(
        "expected_purchases",
        scores.column(|s| s.expected_purchases),
    ));
    cols.push(f64col("p_no_purchase", scores.column(|s| s.p_no_purchase)));

    // Models with a closed-form DERT give it for every pattern, others for none.
    let has_dert = scores.iter().next().is_some_and(|s| s.dert.is_some());
    if has_dert {
        cols.push(
            Float64Chunked::from_iter_options("dert".into(), scores.iter().map(|s| s.dert))
                .into_column(),
        );
    }
    let mut total_clv = None;
    let mut mean_clv = None;
    let mut top20 = None;
    let mut pop_mean_customers = 0;
    let mut acquisition_missing = None;
    if let (Some(gg), true) = (spend_model_of(file), summary.stats.has_monetary) {
        let m = summary.monetary()?;
        let (spend, individual) = expected_spend(file, &gg, &x, &m)?;
        // Code 0: the customer's own spend (repeat purchases with a positive mean); 1: the
        // population mean.
        let source: Vec<u32> = individual.par_iter().map(|&ind| u32::from(!ind)).collect();
        drop(individual);
        pop_mean_customers = source.iter().filter(|&&s| s == 1).count();
        let values: Vec<f64> = (0..n)
            .into_par_iter()
            .map(|i| scores[i].discounted_purchases * spend[i] * clv.margin)
            .collect();
        let total: f64 = values.iter().sum();
        total_clv = Some(total);
        mean_clv = Some(if n > 0 { total / n as f64 } else { 0.0 });
        // Undefined for a zero total: reported as 0.
        top20 = Some(top_share(&values, 0.2).unwrap_or(0.0));
        cols.push(f64col("expected_avg_spend", spend.clone()));
        cols.push(coded_strings(
            "spend_source",
            &["individual", "population_mean"],
            source,
        )?);
        if let Some(cac) = acquisition_cost {
            if cac.len() != n {
                return Err(FeatureError::Invalid(format!(
                    "{} acquisition costs for {n} customers",
                    cac.len()
                )));
            }
            if let Some(i) = cac
                .iter()
                .position(|c| c.is_some_and(|c| !(c.is_finite() && c > 0.0)))
            {
                return Err(FeatureError::Invalid(format!(
                    "customer row {}: acquisition cost {} is not a positive number",
                    i + 1,
                    cac[i].unwrap_or(f64::NAN)
                )));
            }
            acquisition_missing = Some(cac.iter().filter(|c| c.is_none()).count());
            cols.push(
                Float64Chunked::from_iter_options("acquisition_cost".into(), cac.iter().copied())
                    .into_column(),
            );
            cols.push(
                Float64Chunked::from_iter_options(
                    "clv_to_cac".into(),
                    values.iter().zip(cac).map(|(v, c)| c.map(|c| v / c)),
                )
                .into_column(),
            );
        }
        if has_dert {
            let dert: Vec<Option<f64>> = scores.iter().map(|s| s.dert).collect();
            cols.push(
                Float64Chunked::from_iter_options(
                    "residual_value".into(),
                    dert.iter()
                        .zip(&spend)
                        .map(|(d, sp)| d.map(|d| d * sp * clv.margin)),
                )
                .into_column(),
            );
        }
        cols.push(f64col("clv", values));
    }
    cols.push(
        BooleanChunked::from_iter_values("new_since_training".into(), new_flags.into_iter())
            .into_column(),
    );
    cols.push(coded_strings("model", &[file.id().as_str()], vec![0; n])?);
    cols.push(
        Int32Chunked::from_vec("as_of".into(), vec![day_of_date(as_of); n])
            .into_date()
            .into_column(),
    );
    let df = DataFrame::new(n, cols)?;
    Ok(Scores {
        df,
        stats: ScoreStats {
            customers: n,
            new_since_training,
            training_customers_not_scored: file
                .training_data
                .customers
                .saturating_sub(old_customers),
            total_clv,
            mean_clv,
            top20_clv_share: top20,
            population_mean_spend_customers: pop_mean_customers,
            acquisition_cost_missing: acquisition_missing,
            clv: *clv,
            churn: None,
            segments: None,
        },
    })
}

impl Scores {
    /// Adds RFM scores (`r_score`, `f_score`, `m_score`), the named `segment` and the
    /// `lifecycle_stage` of every customer, and the run-level breakdowns. Call after
    /// [`Scores::attach_churn`] so churn probabilities enter the lifecycle stage.
    /// `summary` is the one the scores were computed from; `as_of` the scoring date.
    pub fn attach_segments(
        &mut self,
        summary: &CustomerSummary,
        as_of: NaiveDate,
        rules: &SegmentRules,
        rules_source: &str,
        thresholds: &LifecycleThresholds,
    ) -> Result<(), FeatureError> {
        let bad = |e: SegmentError| FeatureError::Invalid(e.to_string());
        let day = day_of_date(as_of);
        let since =
            |days: Vec<i32>| -> Vec<f64> { days.into_iter().map(|d| f64::from(day - d)).collect() };
        let since_last = since(summary.last_purchase_days()?);
        let since_first = since(summary.first_purchase_days()?);
        // Recency and T are borrowed, not copied.
        let (x, _, _) = summary.rfm()?;
        let monetary = if summary.stats.has_monetary {
            Some(summary.monetary()?)
        } else {
            None
        };
        let scores = rfm_scores(&since_last, &x, monetary.as_deref()).map_err(bad)?;
        drop((x, monetary, since_last));
        let segments = rules.assign(&scores);
        let df = &self.df;
        let f64s = |c: &str| -> Result<std::borrow::Cow<'_, [f64]>, FeatureError> {
            let c = df.column(c)?.f64()?;
            Ok(match c.cont_slice() {
                Ok(s) => std::borrow::Cow::Borrowed(s),
                Err(_) => std::borrow::Cow::Owned(c.into_no_null_iter().collect()),
            })
        };
        let p_alive = f64s("p_alive")?;
        let churn: Option<Vec<Option<f64>>> = match self.df.column("churn_probability") {
            Ok(c) => Some(c.f64()?.iter().collect()),
            Err(_) => None,
        };
        let stages =
            lifecycle_stages(&p_alive, &since_first, churn.as_deref(), thresholds).map_err(bad)?;
        let clv = match self.df.column("clv") {
            Ok(_) => Some(f64s("clv")?.into_owned()),
            Err(_) => None,
        };
        drop(p_alive);
        // Int32: polars is built without the 8-bit integer types.
        let u8col = |name: &str, v: &[u8]| {
            Int32Chunked::from_vec(name.into(), v.iter().map(|&s| i32::from(s)).collect())
                .into_column()
        };
        self.df.with_column(u8col("r_score", &scores.r.scores))?;
        self.df.with_column(u8col("f_score", &scores.f.scores))?;
        if let Some(m) = &scores.m {
            self.df.with_column(u8col("m_score", &m.scores))?;
        }
        let names: Vec<&str> = segments.names.iter().map(String::as_str).collect();
        self.df.with_column(coded_strings(
            "segment",
            &names,
            segments.of_customer.clone(),
        )?)?;
        let stage_names = LifecycleStage::ALL.map(LifecycleStage::name);
        let stage_codes: Vec<u32> = stages
            .par_iter()
            .map(|s| LifecycleStage::ALL.iter().position(|a| a == s).unwrap_or(0) as u32)
            .collect();
        self.df
            .with_column(coded_strings("lifecycle_stage", &stage_names, stage_codes)?)?;
        let concentration = |v: &[f64]| -> Option<Concentration> {
            // Undefined (e.g. a zero total) is reported as absent, not as NaN.
            Concentration::of(v).ok()
        };
        let historical = summary.total_spend()?;
        self.stats.segments = Some(SegmentStats {
            rules_source: rules_source.to_string(),
            thresholds: *thresholds,
            segments: segments.summary(clv.as_deref()).map_err(bad)?,
            stages: stage_summary(&stages, clv.as_deref()).map_err(bad)?,
            historical_value: historical.as_deref().and_then(concentration),
            predicted_clv: clv.as_deref().and_then(concentration),
        });
        Ok(())
    }

    /// Adds `churn_probability` and `churn_reason_1..3` (empty for customers the churn
    /// model did not score, e.g. cancelled contracts) by customer id.
    pub fn attach_churn(
        &mut self,
        churn: &crate::churn::ChurnScores,
        horizon_days: i32,
    ) -> Result<(), FeatureError> {
        let index: std::collections::HashMap<&str, usize> = churn
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let ids = self.df.column("customer_id")?.str()?.clone();
        let rows: Vec<Option<usize>> = ids
            .iter()
            .map(|id| id.and_then(|id| index.get(id).copied()))
            .collect();
        let prob = Float64Chunked::from_iter_options(
            "churn_probability".into(),
            rows.iter().map(|r| r.map(|r| churn.probability[r])),
        );
        self.df.with_column(prob.into_column())?;
        for k in 0..3 {
            let col = StringChunked::from_iter_options(
                format!("churn_reason_{}", k + 1).as_str().into(),
                rows.iter()
                    .map(|r| r.and_then(|r| churn.reasons[r].get(k).map(String::as_str))),
            );
            self.df.with_column(col.into_column())?;
        }
        let scored: Vec<f64> = rows
            .iter()
            .flatten()
            .map(|&r| churn.probability[r])
            .collect();
        self.stats.churn = Some(ChurnStats {
            horizon_days,
            scored: scored.len(),
            mean_probability: if scored.is_empty() {
                0.0
            } else {
                scored.iter().sum::<f64>() / scored.len() as f64
            },
        });
        Ok(())
    }
}
