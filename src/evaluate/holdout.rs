//! Holdout evaluation of purchase and spend models: the models are fitted on a calibration
//! period and scored on the period after it, which they never saw.
//!
//! Pure math over slices (one value per customer, in any fixed order) and day numbers; no
//! files, no frames. What is computed, per purchase model:
//!
//! - **holdout totals**: Σ E[Y(h) | x, t_x, T] over customers (h = the holdout length) against
//!   the repeat transactions they actually made in the holdout;
//! - **conditional expectations by calibration frequency** x = 0, 1, …, 6, 7+ (Fader, Hardie
//!   & Lee 2005, Figure 4): customers, mean predicted and mean actual holdout transactions;
//! - **per-customer errors**: MAE and RMSE of predicted against actual holdout transactions;
//! - **calibration fit**: customers with x = 0, 1, …, 7+ repeat transactions in the
//!   calibration period, actual against Σ_i P(X(T_i) = x) (FHL 2005, Figure 2);
//! - **tracking** (FHL 2005, Figure 3): per period (a week by default) over calibration and
//!   holdout, actual repeat transactions from the log against the model's unconditional
//!   expectation Σ_i E[X(t − t0_i)] summed over customers from each one's first purchase,
//!   incremental and cumulative. It is computed once per distinct first-purchase day, not
//!   per customer.
//!
//! and, with a spend model, the **value** of each customer over the holdout: expected
//! purchases × Gamma-Gamma expected spend, *undiscounted* and with margin 1, against the
//! actual holdout spend: Spearman rank correlation, the share of actual spend captured by the
//! predicted top 10% and 20%, and a decile table.
//!
//! Several models fitted on the same calibration data are compared by [`recommend`].

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::date_of_day;
use crate::evaluate::classification::ClassificationReport;
use crate::models::gamma_gamma::GammaGamma;
use crate::models::{FitResult, PurchaseModel};
use crate::score::{ClvSettings, score_patterns};

/// Inputs that cannot be evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HoldoutError {
    /// Inconsistent or empty inputs, or a model that cannot give the predictions.
    #[error("{0}")]
    Invalid(String),
}

/// The last frequency bin holds every customer with at least this many calibration repeat
/// transactions ("7+", as in the papers).
pub const FREQUENCY_CAP: u32 = 7;

/// How the value columns are defined (stored in every report that has them).
pub const VALUE_DEFINITION: &str = "predicted value = E[holdout purchases | x, t_x, T] x \
    Gamma-Gamma E[spend | x, m] (the population mean spend for customers without repeat \
    purchases), over the holdout length, with no discounting and margin 1; actual value = \
    the customer's total spend in the holdout";

/// The calibration summary and the holdout outcome, one entry per customer.
#[derive(Debug, Clone, Copy)]
pub struct HoldoutData<'a> {
    /// Calibration repeat transactions x.
    pub x: &'a [f64],
    /// Calibration recency t_x (model time units).
    pub t_x: &'a [f64],
    /// Calibration age T (model time units).
    pub t: &'a [f64],
    /// Repeat transactions in the holdout.
    pub x_holdout: &'a [f64],
    /// Holdout length h in model time units (the same for every customer).
    pub duration: f64,
}

impl HoldoutData<'_> {
    /// Customers.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether there are no customers.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    fn check(&self) -> Result<(), HoldoutError> {
        let n = self.x.len();
        if self.t_x.len() != n || self.t.len() != n || self.x_holdout.len() != n {
            return Err(HoldoutError::Invalid(format!(
                "holdout data: {n} frequencies, {} recencies, {} ages, {} holdout counts",
                self.t_x.len(),
                self.t.len(),
                self.x_holdout.len()
            )));
        }
        if n == 0 {
            return Err(HoldoutError::Invalid("no customers to evaluate".into()));
        }
        if !(self.duration.is_finite() && self.duration > 0.0) {
            return Err(HoldoutError::Invalid(format!(
                "holdout length {} must be positive",
                self.duration
            )));
        }
        Ok(())
    }
}

/// The calendar of a tracking plot and the log's repeat transactions on it. Days are day
/// numbers (days since 1970-01-01), inclusive.
#[derive(Debug, Clone, Copy)]
pub struct Timeline<'a> {
    /// Each customer's first purchase day (one per customer, any order).
    pub first_days: &'a [i32],
    /// Day of `repeats[0]`.
    pub repeats_first_day: i32,
    /// Repeat transactions per day, from `repeats_first_day` on (days past the end count 0).
    pub repeats: &'a [u64],
    /// Last day of the calibration period.
    pub calibration_end: i32,
    /// Last day of the holdout.
    pub observation_end: i32,
    /// Days in one model time unit (7 for weeks).
    pub unit_days: f64,
    /// Days in one tracking period (7: weekly tracking).
    pub period_days: i32,
}

/// Customers per distinct first-purchase day, sorted by day.
fn cohorts(first_days: &[i32]) -> Vec<(i32, f64)> {
    let mut days = first_days.to_vec();
    days.par_sort_unstable();
    let mut out: Vec<(i32, f64)> = Vec::new();
    for d in days {
        match out.last_mut() {
            Some((day, n)) if *day == d => *n += 1.0,
            _ => out.push((d, 1.0)),
        }
    }
    out
}

/// One row of the conditional-expectations table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrequencyBin {
    /// Calibration repeat transactions x; the last bin ([`FREQUENCY_CAP`]) holds x ≥ 7.
    pub frequency: u32,
    /// `"0"`, `"1"`, …, `"7+"`.
    pub label: String,
    /// Customers in the bin.
    pub customers: usize,
    /// Mean predicted holdout transactions (`null` for an empty bin).
    pub predicted_mean: Option<f64>,
    /// Mean actual holdout transactions (`null` for an empty bin).
    pub actual_mean: Option<f64>,
    /// Σ predicted holdout transactions in the bin.
    pub predicted_total: f64,
    /// Σ actual holdout transactions in the bin.
    pub actual_total: f64,
}

fn frequency_label(f: u32) -> String {
    if f >= FREQUENCY_CAP {
        format!("{FREQUENCY_CAP}+")
    } else {
        f.to_string()
    }
}

fn bin_of(x: f64) -> usize {
    (x.max(0.0).round() as u32).min(FREQUENCY_CAP) as usize
}

/// Mean predicted and actual holdout transactions by calibration frequency (0, 1, …, 7+).
/// Every bin is listed, empty ones with `null` means.
pub fn by_frequency(x: &[f64], predicted: &[f64], actual: &[f64]) -> Vec<FrequencyBin> {
    let k = FREQUENCY_CAP as usize + 1;
    let mut n = vec![0usize; k];
    let mut p = vec![0.0; k];
    let mut a = vec![0.0; k];
    for i in 0..x.len() {
        let b = bin_of(x[i]);
        n[b] += 1;
        p[b] += predicted[i];
        a[b] += actual[i];
    }
    (0..k)
        .map(|b| {
            let mean = |s: f64| (n[b] > 0).then(|| s / n[b] as f64);
            FrequencyBin {
                frequency: b as u32,
                label: frequency_label(b as u32),
                customers: n[b],
                predicted_mean: mean(p[b]),
                actual_mean: mean(a[b]),
                predicted_total: p[b],
                actual_total: a[b],
            }
        })
        .collect()
}

/// Holdout purchases: predicted against actual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PurchaseHoldout {
    /// Customers evaluated (those with a first purchase by the calibration end).
    pub customers: usize,
    /// Holdout length in model time units.
    pub duration: f64,
    /// Σ E[Y(h) | x, t_x, T]: predicted repeat transactions in the holdout.
    pub predicted_total: f64,
    /// Actual repeat transactions in the holdout by these customers.
    pub actual_total: f64,
    /// `predicted_total − actual_total`.
    pub total_error: f64,
    /// `total_error / actual_total` (`null` when nobody bought in the holdout).
    pub total_error_relative: Option<f64>,
    /// Mean absolute error per customer.
    pub mae: f64,
    /// Root mean squared error per customer.
    pub rmse: f64,
    /// Spearman rank correlation of predicted and actual holdout transactions (`null` when
    /// either is constant).
    pub spearman: Option<f64>,
    /// Conditional expectations by calibration frequency.
    pub by_frequency: Vec<FrequencyBin>,
}

/// E[Y(h) | x, t_x, T] per customer, computed once per distinct pattern.
pub fn conditional_expected_purchases(
    model: &(dyn PurchaseModel + Sync),
    data: &HoldoutData,
) -> Result<Vec<f64>, HoldoutError> {
    data.check()?;
    let settings = ClvSettings {
        horizon: data.duration,
        step: data.duration,
        discount_rate: 0.0,
        margin: 1.0,
    };
    let scores = score_patterns(model, data.x, data.t_x, data.t, &settings);
    let out: Vec<f64> = scores.iter().map(|s| s.expected_purchases).collect();
    if let Some(i) = out.iter().position(|v| !v.is_finite()) {
        return Err(HoldoutError::Invalid(format!(
            "the model's expected holdout purchases are not finite for customer row {} \
             (x = {}, t_x = {}, T = {})",
            i + 1,
            data.x[i],
            data.t_x[i],
            data.t[i]
        )));
    }
    Ok(out)
}

/// Totals, per-customer errors and the by-frequency table of predicted against actual
/// holdout transactions.
pub fn purchase_holdout(
    data: &HoldoutData,
    predicted: &[f64],
) -> Result<PurchaseHoldout, HoldoutError> {
    data.check()?;
    let actual = data.x_holdout;
    if predicted.len() != actual.len() {
        return Err(HoldoutError::Invalid(format!(
            "{} predictions for {} customers",
            predicted.len(),
            actual.len()
        )));
    }
    let n = actual.len() as f64;
    let predicted_total: f64 = predicted.iter().sum();
    let actual_total: f64 = actual.iter().sum();
    let (mut abs, mut sq) = (0.0, 0.0);
    for (p, a) in predicted.iter().zip(actual) {
        abs += (p - a).abs();
        sq += (p - a) * (p - a);
    }
    Ok(PurchaseHoldout {
        customers: actual.len(),
        duration: data.duration,
        predicted_total,
        actual_total,
        total_error: predicted_total - actual_total,
        total_error_relative: (actual_total > 0.0)
            .then(|| (predicted_total - actual_total) / actual_total),
        mae: abs / n,
        rmse: (sq / n).sqrt(),
        spearman: spearman(predicted, actual),
        by_frequency: by_frequency(data.x, predicted, actual),
    })
}

/// One row of the calibration-period fit: customers with `frequency` repeat transactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Calibration repeat transactions; the last bin holds x ≥ 7.
    pub frequency: u32,
    /// `"0"`, …, `"7+"`.
    pub label: String,
    /// Customers observed with that many.
    pub actual: usize,
    /// Σ_i P(X(T_i) = x) (for 7+: customers minus the expected count of the other bins).
    pub expected: f64,
}

/// Actual against expected customers by calibration frequency: the model's fit to the data
/// it was estimated on. `first_days` gives each customer's T (its cohort), computed once per
/// distinct first-purchase day.
pub fn calibration_fit(
    model: &(dyn PurchaseModel + Sync),
    x: &[f64],
    timeline: &Timeline,
) -> Vec<CalibrationBin> {
    let k = FREQUENCY_CAP as usize;
    let mut actual = vec![0usize; k + 1];
    for &v in x {
        actual[bin_of(v)] += 1;
    }
    let groups = cohorts(timeline.first_days);
    let per_group: Vec<Vec<f64>> = groups
        .par_iter()
        .map(|&(day, n)| {
            let t = f64::from(timeline.calibration_end - day) / timeline.unit_days;
            (0..k)
                .map(|j| n * model.p_purchases_new(j as u32, t))
                .collect()
        })
        .collect();
    let mut expected = vec![0.0; k + 1];
    for g in &per_group {
        for (e, v) in expected.iter_mut().zip(g) {
            *e += v;
        }
    }
    let customers = timeline.first_days.len() as f64;
    expected[k] = (customers - expected[..k].iter().sum::<f64>()).max(0.0);
    (0..=k)
        .map(|j| CalibrationBin {
            frequency: j as u32,
            label: frequency_label(j as u32),
            actual: actual[j],
            expected: expected[j],
        })
        .collect()
}

/// One period of the tracking plot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackingPeriod {
    /// 1, 2, …
    pub period: u32,
    /// First day of the period.
    pub start: NaiveDate,
    /// Last day of the period (inclusive).
    pub end: NaiveDate,
    /// Days in the period (the first and the last may be short).
    pub days: u32,
    /// Model time units from the start of the first period to the end of this one (the
    /// x axis of the plot: weeks 1, 2, … for weekly tracking of a weekly model).
    pub time: f64,
    /// Whether the period lies after the calibration end.
    pub holdout: bool,
    /// Repeat transactions in the log during the period.
    pub actual: f64,
    /// Repeat transactions in the log up to the end of the period.
    pub actual_cumulative: f64,
    /// Expected repeat transactions during the period.
    pub expected: f64,
    /// Σ_i E[X(end − t0_i)] over customers acquired by the end of the period.
    pub expected_cumulative: f64,
}

/// Tracking periods: whole periods of `period_days` aligned so one ends exactly on the
/// calibration end (the holdout starts a period); the first may start late (at the first
/// purchase) and the last may stop early (at the observation end). Returns (start, end) days.
fn periods(start: i32, calibration_end: i32, observation_end: i32, len: i32) -> Vec<(i32, i32)> {
    let ceil_div = |a: i32| (a.max(0) + len - 1) / len;
    let n_cal = ceil_div(calibration_end - start + 1);
    let n_hold = ceil_div(observation_end - calibration_end);
    let mut out = Vec::with_capacity((n_cal + n_hold) as usize);
    for j in (0..n_cal).rev() {
        let end = calibration_end - j * len;
        out.push(((end - len + 1).max(start), end));
    }
    for i in 1..=n_hold {
        let s = calibration_end + (i - 1) * len + 1;
        out.push((s, (s + len - 1).min(observation_end)));
    }
    out
}

/// Weekly (or `period_days`) tracking of actual against expected repeat transactions over
/// calibration and holdout. The expectation is unconditional: Σ over customers of
/// E[X(t − t0_i)] from each first purchase (in model time units), evaluated once per
/// distinct first-purchase day and period end.
pub fn tracking(
    model: &(dyn PurchaseModel + Sync),
    timeline: &Timeline,
) -> Result<Vec<TrackingPeriod>, HoldoutError> {
    let tl = timeline;
    if tl.period_days < 1 {
        return Err(HoldoutError::Invalid(format!(
            "tracking period of {} days",
            tl.period_days
        )));
    }
    let groups = cohorts(tl.first_days);
    let Some(&(start, _)) = groups.first() else {
        return Err(HoldoutError::Invalid("no customers to track".into()));
    };
    let grid = periods(
        start,
        tl.calibration_end,
        tl.observation_end,
        tl.period_days,
    );
    let actual_in = |from: i32, to: i32| -> f64 {
        let lo = (from - tl.repeats_first_day).max(0) as usize;
        let hi = ((to - tl.repeats_first_day + 1).max(0) as usize).min(tl.repeats.len());
        if lo >= hi {
            return 0.0;
        }
        tl.repeats[lo..hi].iter().sum::<u64>() as f64
    };
    let cumulative: Vec<f64> = grid
        .par_iter()
        .map(|&(_, end)| {
            groups
                .iter()
                .take_while(|(day, _)| *day < end)
                .map(|&(day, n)| {
                    n * model.expected_purchases_new(f64::from(end - day) / tl.unit_days)
                })
                .sum()
        })
        .collect();
    if let Some(v) = cumulative.iter().find(|v| !v.is_finite()) {
        return Err(HoldoutError::Invalid(format!(
            "the model's expected cumulative repeat transactions are not finite ({v})"
        )));
    }
    let mut out = Vec::with_capacity(grid.len());
    let (mut act_cum, mut prev) = (0.0, 0.0);
    for (j, (&(s, e), &cum)) in grid.iter().zip(&cumulative).enumerate() {
        let actual = actual_in(s, e);
        act_cum += actual;
        out.push(TrackingPeriod {
            period: j as u32 + 1,
            start: date_of_day(s),
            end: date_of_day(e),
            days: (e - s + 1) as u32,
            time: f64::from(e - start + 1) / tl.unit_days,
            holdout: s > tl.calibration_end,
            actual,
            actual_cumulative: act_cum,
            expected: cum - prev,
            expected_cumulative: cum,
        });
        prev = cum;
    }
    Ok(out)
}

/// Gamma-Gamma expected average spend per customer: E[spend | x, m] for customers with a
/// repeat purchase and a positive mean spend, the population mean p γ / (q − 1) for the
/// others (the same rule as `predict`).
pub fn expected_spend(gg: &GammaGamma, x: &[f64], m: &[f64]) -> Result<Vec<f64>, HoldoutError> {
    if x.len() != m.len() {
        return Err(HoldoutError::Invalid(format!(
            "{} frequencies, {} spends",
            x.len(),
            m.len()
        )));
    }
    let pop = gg.population_mean_spend().ok_or_else(|| {
        HoldoutError::Invalid(
            "the spend model has q <= 1 (infinite mean spend): customers without repeat \
             purchases have no expected spend"
                .into(),
        )
    })?;
    (0..x.len())
        .into_par_iter()
        .map(|i| {
            if x[i] > 0.0 && m[i] > 0.0 {
                gg.conditional_expected_average_spend(x[i], m[i])
                    .map_err(|e| HoldoutError::Invalid(format!("customer row {}: {e}", i + 1)))
            } else {
                Ok(pop)
            }
        })
        .collect()
}

/// Indices of `v` in ascending order (`f64::total_cmp`, ties by index, so the order is
/// deterministic). Sorts integer keys: an order-preserving map of the bits, then the index.
fn ascending_order(v: &[f64]) -> Vec<u32> {
    let mut keys: Vec<(u64, u32)> = v
        .par_iter()
        .enumerate()
        .map(|(i, x)| {
            let b = x.to_bits();
            // Negative numbers: flip every bit; others: flip the sign bit.
            let k = if b >> 63 == 1 { !b } else { b ^ (1 << 63) };
            (k, i as u32)
        })
        .collect();
    keys.par_sort_unstable();
    keys.into_iter().map(|(_, i)| i).collect()
}

/// Average ranks from an ascending order of `v` (see [`average_ranks`]).
fn ranks_from_order(v: &[f64], order: &[u32]) -> Vec<f64> {
    let mut ranks = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && v[order[j] as usize] == v[order[i] as usize] {
            j += 1;
        }
        // Positions i..j (0-based) hold ranks i+1..=j: their mean is (i + 1 + j) / 2.
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k as usize] = r;
        }
        i = j;
    }
    ranks
}

/// Ranks 1..n of `v` in ascending order, ties given the mean of the ranks they span
/// ("average" or fractional ranking). NaN sorts last.
pub fn average_ranks(v: &[f64]) -> Vec<f64> {
    ranks_from_order(v, &ascending_order(v))
}

/// Pearson correlation; `None` when fewer than two values or either side is constant.
fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len();
    if n < 2 || b.len() != n {
        return None;
    }
    let ma = a.iter().sum::<f64>() / n as f64;
    let mb = b.iter().sum::<f64>() / n as f64;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    (saa > 0.0 && sbb > 0.0).then(|| (sab / (saa * sbb).sqrt()).clamp(-1.0, 1.0))
}

/// Spearman rank correlation: the Pearson correlation of the average ranks (ties share
/// their mean rank). `None` when fewer than two values, the lengths differ, or either side
/// is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() {
        return None;
    }
    let (ra, rb) = rayon::join(|| average_ranks(a), || average_ranks(b));
    pearson(&ra, &rb)
}

/// Groups of equal predicted value, highest first: (predicted value, customers, Σ actual),
/// from an ascending order of `predicted`.
fn groups_from_order(predicted: &[f64], actual: &[f64], order: &[u32]) -> Vec<(f64, usize, f64)> {
    let mut out: Vec<(f64, usize, f64)> = Vec::new();
    for &i in order.iter().rev() {
        let (p, a) = (predicted[i as usize], actual[i as usize]);
        match out.last_mut() {
            Some((v, n, s)) if *v == p => {
                *n += 1;
                *s += a;
            }
            _ => out.push((p, 1, a)),
        }
    }
    out
}

fn groups_by_predicted(predicted: &[f64], actual: &[f64]) -> Vec<(f64, usize, f64)> {
    groups_from_order(predicted, actual, &ascending_order(predicted))
}

/// Share of the total actual value held by the customers with the highest predicted value:
/// the top `fraction × n` customers (a real number, so the customer at the boundary counts
/// in part), and customers tied at the boundary count in proportion (the expected share
/// under a random order among ties). `None` when the total actual value is not positive or
/// there are no customers.
pub fn capture(predicted: &[f64], actual: &[f64], fraction: f64) -> Option<f64> {
    capture_of(&groups_by_predicted(predicted, actual), actual, fraction)
}

fn capture_of(groups: &[(f64, usize, f64)], actual: &[f64], fraction: f64) -> Option<f64> {
    let total: f64 = actual.iter().sum();
    if actual.is_empty() || total <= 0.0 {
        return None;
    }
    let mut room = fraction.clamp(0.0, 1.0) * actual.len() as f64;
    let mut got = 0.0;
    for &(_, n, s) in groups {
        if room <= 0.0 {
            break;
        }
        let take = room.min(n as f64);
        got += s * take / n as f64;
        room -= take;
    }
    Some(got / total)
}

/// One decile of predicted value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecileRow {
    /// 1 = the highest predicted values, 10 = the lowest.
    pub decile: u32,
    /// Customers in the decile (unequal when predicted values tie: tied customers share a
    /// decile).
    pub customers: usize,
    /// Mean predicted value (`null` when empty).
    pub predicted_mean: Option<f64>,
    /// Mean actual value (`null` when empty).
    pub actual_mean: Option<f64>,
    /// Share of the total actual value (`null` when the total is not positive).
    pub actual_share: Option<f64>,
    /// Share of the total predicted value (`null` when the total is not positive).
    pub predicted_share: Option<f64>,
}

/// Deciles of predicted value, highest first. A customer's decile is ⌈10 r / n⌉ with r its
/// average rank from the top (ties share the mean rank, so tied customers fall in one decile).
pub fn deciles(predicted: &[f64], actual: &[f64]) -> Vec<DecileRow> {
    deciles_of(&groups_by_predicted(predicted, actual), actual.len())
}

fn deciles_of(groups: &[(f64, usize, f64)], n: usize) -> Vec<DecileRow> {
    let mut count = [0usize; 10];
    let mut pred = [0.0; 10];
    let mut act = [0.0; 10];
    let mut above = 0usize;
    for &(p, k, s) in groups {
        // Ranks above+1 ..= above+k: mean (2 above + k + 1) / 2.
        let r = (2 * above + k + 1) as f64 / 2.0;
        let d = ((10.0 * r / n as f64).ceil() as usize).clamp(1, 10) - 1;
        count[d] += k;
        pred[d] += p * k as f64;
        act[d] += s;
        above += k;
    }
    let total_pred: f64 = pred.iter().sum();
    let total_act: f64 = act.iter().sum();
    (0..10)
        .map(|d| {
            let mean = |s: f64| (count[d] > 0).then(|| s / count[d] as f64);
            DecileRow {
                decile: d as u32 + 1,
                customers: count[d],
                predicted_mean: mean(pred[d]),
                actual_mean: mean(act[d]),
                actual_share: (total_act > 0.0).then(|| act[d] / total_act),
                predicted_share: (total_pred > 0.0).then(|| pred[d] / total_pred),
            }
        })
        .collect()
}

/// The share of actual value captured by the predicted top customers, and what a perfect
/// ranking (by actual value itself) would capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    /// Fraction of customers (0.1 = top 10%).
    pub fraction: f64,
    /// Share of actual holdout value they hold (see [`capture`]).
    pub share: Option<f64>,
    /// The share the top customers by actual value hold: the ceiling.
    pub perfect_share: Option<f64>,
}

/// Predicted against actual customer value over the holdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueHoldout {
    /// What "predicted value" and "actual value" mean ([`VALUE_DEFINITION`]): no discounting.
    pub definition: String,
    /// Customers.
    pub customers: usize,
    /// Σ predicted value.
    pub predicted_total: f64,
    /// Σ actual holdout spend.
    pub actual_total: f64,
    /// Spearman rank correlation of predicted and actual value (average ranks for ties).
    pub spearman: Option<f64>,
    /// Captured share of actual value by the predicted top 10% and top 20%.
    pub capture: Vec<Capture>,
    /// Deciles of predicted value.
    pub deciles: Vec<DecileRow>,
}

/// Fractions of customers the capture table reports.
pub const CAPTURE_FRACTIONS: [f64; 2] = [0.1, 0.2];

/// Compares predicted and actual value per customer.
pub fn value_holdout(predicted: &[f64], actual: &[f64]) -> Result<ValueHoldout, HoldoutError> {
    if predicted.len() != actual.len() || predicted.is_empty() {
        return Err(HoldoutError::Invalid(format!(
            "{} predicted values for {} customers",
            predicted.len(),
            actual.len()
        )));
    }
    if let Some(i) = predicted.iter().chain(actual).position(|v| !v.is_finite()) {
        return Err(HoldoutError::Invalid(format!(
            "value {} is not finite",
            i % predicted.len() + 1
        )));
    }
    // One sort of each side serves the ranks, the groups and the perfect ranking.
    let (by_predicted, by_actual) =
        rayon::join(|| ascending_order(predicted), || ascending_order(actual));
    let groups = groups_from_order(predicted, actual, &by_predicted);
    let perfect = groups_from_order(actual, actual, &by_actual);
    let rho = pearson(
        &ranks_from_order(predicted, &by_predicted),
        &ranks_from_order(actual, &by_actual),
    );
    Ok(ValueHoldout {
        definition: VALUE_DEFINITION.into(),
        customers: predicted.len(),
        predicted_total: predicted.iter().sum(),
        actual_total: actual.iter().sum(),
        spearman: rho,
        capture: CAPTURE_FRACTIONS
            .iter()
            .map(|&f| Capture {
                fraction: f,
                share: capture_of(&groups, actual, f),
                perfect_share: capture_of(&perfect, actual, f),
            })
            .collect(),
        deciles: deciles_of(&groups, predicted.len()),
    })
}

/// Everything the holdout says about one purchase model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEvaluation {
    /// `bgnbd`, `paretonbd`, `mbgnbd`.
    pub model: String,
    /// Where the model came from: `fitted on the calibration period`, or a model file id.
    pub source: String,
    /// The purchase model's calibration fit (parameters, log-likelihood, AIC, BIC,
    /// convergence).
    pub fit: FitResult,
    /// Holdout purchases.
    pub purchases: PurchaseHoldout,
    /// Calibration-period frequency distribution, actual against expected.
    pub calibration_fit: Vec<CalibrationBin>,
    /// Tracking over calibration and holdout.
    pub tracking: Vec<TrackingPeriod>,
    /// Holdout value, when there is a spend model.
    pub value: Option<ValueHoldout>,
}

/// Evaluates one purchase model (and, with `spend` = the expected spend per customer and the
/// actual holdout spend, its value predictions).
pub fn evaluate_model(
    name: &str,
    source: &str,
    model: &(dyn PurchaseModel + Sync),
    fit: FitResult,
    data: &HoldoutData,
    timeline: &Timeline,
    spend: Option<(&[f64], &[f64])>,
) -> Result<ModelEvaluation, HoldoutError> {
    let predicted = conditional_expected_purchases(model, data)?;
    let purchases = purchase_holdout(data, &predicted)?;
    let value = match spend {
        Some((expected, actual)) => {
            if expected.len() != predicted.len() {
                return Err(HoldoutError::Invalid(format!(
                    "{} expected spends for {} customers",
                    expected.len(),
                    predicted.len()
                )));
            }
            let v: Vec<f64> = predicted.iter().zip(expected).map(|(p, s)| p * s).collect();
            Some(value_holdout(&v, actual)?)
        }
        None => None,
    };
    let cf = calibration_fit(model, data.x, timeline);
    let tr = tracking(model, timeline)?;
    Ok(ModelEvaluation {
        model: name.into(),
        source: source.into(),
        fit,
        purchases,
        calibration_fit: cf,
        tracking: tr,
        value,
    })
}

/// Relative margin within which two per-customer RMSEs count as a tie (0.5%).
pub const RMSE_TIE: f64 = 0.005;

/// AIC differences below this are not a meaningful preference (Burnham & Anderson's rule
/// of thumb).
pub const AIC_TIE: f64 = 2.0;

/// Which model to use, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The model with the best holdout error (the recommendation).
    pub by_holdout: String,
    /// The model with the lowest AIC on the calibration data.
    pub by_aic: String,
    /// Whether the two agree.
    pub agree: bool,
    /// The rule, in words.
    pub rule: String,
    /// The reason for this data, in words.
    pub reason: String,
    /// Models left out (the fit did not converge).
    pub excluded: Vec<String>,
}

/// The rule [`recommend`] applies.
pub const RECOMMENDATION_RULE: &str = "holdout: the lowest per-customer RMSE of holdout \
    transactions; models within 0.5% of the best RMSE are tied, and the tie goes to the \
    smallest absolute error in total holdout transactions, then to the order given. AIC: the \
    lowest AIC of the calibration fit (all models have 4 parameters and the same data, so this \
    is the highest log-likelihood); a difference under 2 is no real preference. Models whose \
    fit did not converge are left out.";

/// Recommends a model by holdout error (per-customer RMSE, ties within [`RMSE_TIE`] broken by
/// the absolute total error) and states the AIC choice beside it. `None` when no model
/// converged.
pub fn recommend(models: &[ModelEvaluation]) -> Option<Recommendation> {
    let ok: Vec<&ModelEvaluation> = models.iter().filter(|m| m.fit.converged).collect();
    let excluded: Vec<String> = models
        .iter()
        .filter(|m| !m.fit.converged)
        .map(|m| m.model.clone())
        .collect();
    let best_rmse = ok
        .iter()
        .map(|m| m.purchases.rmse)
        .min_by(|a, b| a.total_cmp(b))?;
    let tied: Vec<&&ModelEvaluation> = ok
        .iter()
        .filter(|m| m.purchases.rmse <= best_rmse * (1.0 + RMSE_TIE))
        .collect();
    let holdout = tied
        .iter()
        .min_by(|a, b| {
            a.purchases
                .total_error
                .abs()
                .total_cmp(&b.purchases.total_error.abs())
        })
        .copied()
        .copied()?;
    let aic = ok
        .iter()
        .min_by(|a, b| a.fit.aic.total_cmp(&b.fit.aic))
        .copied()?;
    let others = |f: &dyn Fn(&ModelEvaluation) -> String, skip: &str| -> String {
        ok.iter()
            .filter(|m| m.model != skip)
            .map(|m| f(m))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut reason = if ok.len() == 1 {
        format!(
            "{} is the only model evaluated: per-customer RMSE {:.4}, total {:.1} predicted \
             against {:.0} actual",
            holdout.model,
            holdout.purchases.rmse,
            holdout.purchases.predicted_total,
            holdout.purchases.actual_total
        )
    } else if tied.len() > 1 {
        format!(
            "{} RMSEs are within {:.1}% of the best ({}), so the smallest total error decides: \
             {} predicts {:.1} against {:.0} actual (error {:+.1}; {})",
            tied.len(),
            100.0 * RMSE_TIE,
            tied.iter()
                .map(|m| format!("{} {:.4}", m.model, m.purchases.rmse))
                .collect::<Vec<_>>()
                .join(", "),
            holdout.model,
            holdout.purchases.predicted_total,
            holdout.purchases.actual_total,
            holdout.purchases.total_error,
            tied.iter()
                .filter(|m| m.model != holdout.model)
                .map(|m| format!("{} {:+.1}", m.model, m.purchases.total_error))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        format!(
            "{} has the lowest per-customer holdout RMSE, {:.4} ({}); its total is {:.1} \
             predicted against {:.0} actual (error {:+.1})",
            holdout.model,
            holdout.purchases.rmse,
            others(
                &|m| format!("{} {:.4}", m.model, m.purchases.rmse),
                &holdout.model
            ),
            holdout.purchases.predicted_total,
            holdout.purchases.actual_total,
            holdout.purchases.total_error
        )
    };
    if ok.len() > 1 {
        let second = ok
            .iter()
            .filter(|m| m.model != aic.model)
            .map(|m| m.fit.aic)
            .min_by(|a, b| a.total_cmp(b));
        let gap = second.map_or(0.0, |s| s - aic.fit.aic);
        reason += &format!(
            ". By AIC {} fits the calibration data best ({:.1}; {}){}.",
            aic.model,
            aic.fit.aic,
            others(&|m| format!("{} {:.1}", m.model, m.fit.aic), &aic.model),
            if gap < AIC_TIE {
                format!(", by less than {AIC_TIE} units: no real preference")
            } else {
                String::new()
            }
        );
        reason += if aic.model == holdout.model {
            " Both criteria agree."
        } else {
            " The criteria disagree; the holdout error decides, because it measures what the \
             model is used for: predicting purchases it has not seen."
        };
    } else {
        reason += ".";
    }
    if !excluded.is_empty() {
        reason += &format!(
            " Not considered (fit did not converge): {}.",
            excluded.join(", ")
        );
    }
    Some(Recommendation {
        by_holdout: holdout.model.clone(),
        by_aic: aic.model.clone(),
        agree: aic.model == holdout.model,
        rule: RECOMMENDATION_RULE.into(),
        reason,
        excluded,
    })
}

/// The churn classifier on the holdout: trained on snapshots whose label windows end by the
/// calibration end, scored at the calibration end, labelled from the holdout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnHoldout {
    /// Where the classifier came from: trained here, or a model file id.
    pub source: String,
    /// `logistic` or `forest`.
    pub classifier: String,
    /// Churn horizon in days: churned = no purchase (or a cancellation, for contractual
    /// labels) in the horizon after the cutoff.
    pub horizon_days: i32,
    /// `non_contractual` or `contractual`.
    pub label: String,
    /// Training cutoffs (every label window ends on or before the calibration end).
    pub training_cutoffs: Vec<NaiveDate>,
    /// Training rows and churners among them.
    pub train_rows: usize,
    /// Churners among the training rows.
    pub train_positive: usize,
    /// The scoring cutoff: the calibration end.
    pub cutoff: NaiveDate,
    /// Last day of the label window (cutoff + horizon, inside the holdout).
    pub label_window_end: NaiveDate,
    /// Metrics on the holdout (customers at risk at the cutoff).
    pub metrics: ClassificationReport,
    /// The training run's own out-of-time validation metrics, when it had two cutoffs or more.
    pub validation_metrics: Option<ClassificationReport>,
}

/// The whole holdout evaluation: what `clvr evaluate --json` reports beside the input and
/// summary facts. Every table a plot needs is here (tracking, conditional expectations,
/// calibration fit, deciles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutReport {
    /// `fit` (the models were fitted here on the calibration period) or `model_file` (an
    /// existing model file; its training end is the calibration end).
    pub mode: String,
    /// Model time unit (`week`, `day`, `month`).
    pub time_unit: String,
    /// Merge period of transactions (`day`, `week`, `month`).
    pub merge_period: String,
    /// Last day of the calibration period.
    pub calibration_end: NaiveDate,
    /// Last day of the holdout.
    pub observation_end: NaiveDate,
    /// Holdout length in model time units.
    pub holdout_duration: f64,
    /// Days per tracking period.
    pub tracking_period_days: u32,
    /// Customers evaluated: first purchase on or before the calibration end.
    pub customers: usize,
    /// Their repeat transactions in the calibration period.
    pub calibration_repeat_transactions: f64,
    /// Their repeat transactions in the holdout.
    pub holdout_repeat_transactions: f64,
    /// Their total spend in the holdout (with amounts).
    pub holdout_spend: Option<f64>,
    /// The Gamma-Gamma fit used for the value predictions (shared by every purchase model).
    pub spend_model: Option<FitResult>,
    /// One entry per purchase model, in the order asked.
    pub models: Vec<ModelEvaluation>,
    /// The model to use and why (`null` when no fit converged).
    pub recommendation: Option<Recommendation>,
    /// The churn classifier on the holdout, with `--churn`.
    pub churn: Option<ChurnHoldout>,
    /// Caveats for this run (customers left out, a model that did not converge, …).
    pub notes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::bgnbd::BgNbd;

    #[test]
    fn average_ranks_share_ties() {
        assert_eq!(
            average_ranks(&[10.0, 20.0, 10.0, 30.0, 20.0, 20.0]),
            vec![1.5, 4.0, 1.5, 6.0, 4.0, 4.0]
        );
        assert_eq!(average_ranks(&[]), Vec::<f64>::new());
        // Negative numbers sort below positive ones (the key is order-preserving).
        assert_eq!(
            average_ranks(&[-1.0, 2.0, -3.0, 0.0, -1.0]),
            vec![2.5, 5.0, 1.0, 4.0, 2.5]
        );
    }

    /// By hand: a = [1, 2, 2, 4, 5] has ranks [1, 2.5, 2.5, 4, 5]; b = [3, 1, 4, 1, 5] has
    /// ranks [3, 1.5, 4, 1.5, 5]. Both rank vectors have mean 3; deviations
    /// a: [−2, −0.5, −0.5, 1, 2], b: [0, −1.5, 1, −1.5, 2]. Σ da·db = 0 + 0.75 − 0.5 − 1.5 + 4
    /// = 2.75; Σ da² = 4 + 0.25 + 0.25 + 1 + 4 = 9.5; Σ db² = 0 + 2.25 + 1 + 2.25 + 4 = 9.5.
    /// ρ = 2.75 / 9.5 = 0.289473…
    #[test]
    fn spearman_by_hand_with_ties() {
        let a = [1.0, 2.0, 2.0, 4.0, 5.0];
        let b = [3.0, 1.0, 4.0, 1.0, 5.0];
        let rho = spearman(&a, &b).unwrap();
        assert!((rho - 2.75 / 9.5).abs() < 1e-15, "{rho}");
        // Without ties it is 1 − 6 Σd² / (n (n² − 1)): a perfect reversal is −1.
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[9.0, 5.0, 1.0]), Some(-1.0));
        // Monotone but not linear: 1.
        assert_eq!(
            spearman(&[1.0, 2.0, 3.0, 4.0], &[1.0, 8.0, 27.0, 64.0]),
            Some(1.0)
        );
        // Undefined for a constant side.
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(spearman(&[1.0], &[1.0]), None);
    }

    /// Ten customers, predicted 10, 9, …, 1; actual spend 0 except customer 1 (predicted 10,
    /// spend 50), customer 3 (predicted 8, spend 30) and customer 10 (predicted 1, spend 20):
    /// total 100. Top 10% = 1 customer = 50%; top 20% = 2 customers = 50%; perfect top 10%
    /// and 20%: 50% and 80%.
    #[test]
    fn capture_and_deciles_by_hand() {
        let predicted: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        let mut actual = vec![0.0; 10];
        actual[0] = 50.0;
        actual[2] = 30.0;
        actual[9] = 20.0;
        assert_eq!(capture(&predicted, &actual, 0.1), Some(0.5));
        assert_eq!(capture(&predicted, &actual, 0.2), Some(0.5));
        assert_eq!(capture(&predicted, &actual, 0.3), Some(0.8));
        assert_eq!(capture(&predicted, &actual, 1.0), Some(1.0));
        let v = value_holdout(&predicted, &actual).unwrap();
        assert_eq!(v.capture[0].perfect_share, Some(0.5));
        assert_eq!(v.capture[1].perfect_share, Some(0.8));
        assert_eq!(v.predicted_total, 55.0);
        assert_eq!(v.actual_total, 100.0);
        // One customer per decile, highest prediction first.
        let d = &v.deciles;
        assert_eq!(d.len(), 10);
        assert!(d.iter().all(|r| r.customers == 1));
        assert_eq!(d[0].predicted_mean, Some(10.0));
        assert_eq!(d[0].actual_mean, Some(50.0));
        assert_eq!(d[0].actual_share, Some(0.5));
        assert_eq!(d[2].actual_share, Some(0.3));
        assert_eq!(d[9].actual_share, Some(0.2));
        assert_eq!(d[9].predicted_share, Some(1.0 / 55.0));
        // No spend at all: captures and shares are undefined, not zero.
        assert_eq!(capture(&predicted, &[0.0; 10], 0.1), None);
    }

    /// Ties at the boundary count in proportion: four customers, the top two tied at 5 with
    /// spends 10 and 30, then 1 (spend 60) and 0 (spend 0). The top 25% is one customer out
    /// of a tie of two: half of their 40, i.e. 20 of 100. Tied customers share a decile.
    #[test]
    fn ties_at_the_boundary_count_in_proportion() {
        let predicted = [5.0, 5.0, 1.0, 0.0];
        let actual = [10.0, 30.0, 60.0, 0.0];
        assert_eq!(capture(&predicted, &actual, 0.25), Some(0.2));
        assert_eq!(capture(&predicted, &actual, 0.5), Some(0.4));
        // 10% of 4 customers = 0.4 of a customer: 0.4 / 2 of the tie's 40.
        assert!((capture(&predicted, &actual, 0.1).unwrap() - 0.08).abs() < 1e-15);
        let d = deciles(&predicted, &actual);
        // Ranks from the top: 1.5, 1.5, 3, 4 → deciles ⌈10·1.5/4⌉ = 4, 4, ⌈7.5⌉ = 8, 10.
        let sizes: Vec<usize> = d.iter().map(|r| r.customers).collect();
        assert_eq!(sizes, vec![0, 0, 0, 2, 0, 0, 0, 1, 0, 1]);
        assert_eq!(d[3].actual_mean, Some(20.0));
        assert_eq!(d[0].actual_mean, None);
        assert_eq!(d.iter().map(|r| r.customers).sum::<usize>(), 4);
    }

    #[test]
    fn frequency_bins_cap_at_seven_and_sum_to_the_totals() {
        let x = [0.0, 0.0, 1.0, 7.0, 12.0, 3.0];
        let p = [0.1, 0.3, 0.5, 4.0, 6.0, 1.0];
        let a = [0.0, 1.0, 0.0, 3.0, 9.0, 2.0];
        let bins = by_frequency(&x, &p, &a);
        assert_eq!(bins.len(), 8);
        assert_eq!(bins[7].label, "7+");
        assert_eq!(bins[7].customers, 2);
        assert_eq!(bins[7].predicted_mean, Some(5.0));
        assert_eq!(bins[7].actual_mean, Some(6.0));
        assert_eq!(bins[0].predicted_mean, Some(0.2));
        assert_eq!(bins[2].customers, 0);
        assert_eq!(bins[2].predicted_mean, None);
        let tp: f64 = bins.iter().map(|b| b.predicted_total).sum();
        let ta: f64 = bins.iter().map(|b| b.actual_total).sum();
        assert!((tp - p.iter().sum::<f64>()).abs() < 1e-12);
        assert_eq!(ta, a.iter().sum::<f64>());
    }

    #[test]
    fn periods_align_on_the_calibration_end() {
        // 0..=272 is 39 whole weeks; the holdout 273..=545 another 39.
        let p = periods(0, 272, 545, 7);
        assert_eq!(p.len(), 78);
        assert_eq!(p[0], (0, 6));
        assert_eq!(p[38], (266, 272));
        assert_eq!(p[39], (273, 279));
        assert_eq!(p[77], (539, 545));
        // Short first and last periods.
        let p = periods(3, 20, 25, 7);
        assert_eq!(p, vec![(3, 6), (7, 13), (14, 20), (21, 25)]);
    }

    /// The tracking expectation, summed per first-purchase day, equals the per-customer sum;
    /// at the calibration end it is Σ E[X(T_i)].
    #[test]
    fn tracking_sums_per_cohort_what_a_per_customer_loop_sums() {
        let m = BgNbd {
            r: 0.2426,
            alpha: 4.414,
            a: 0.7929,
            b: 2.426,
        };
        let first_days = [0, 0, 3, 10, 10, 10, 20];
        let mut repeats = vec![0u64; 60];
        repeats[5] = 2;
        repeats[30] = 1;
        repeats[59] = 4;
        let tl = Timeline {
            first_days: &first_days,
            repeats_first_day: 0,
            repeats: &repeats,
            calibration_end: 27,
            observation_end: 59,
            unit_days: 7.0,
            period_days: 7,
        };
        let rows = tracking(&m, &tl).unwrap();
        assert_eq!(rows.len(), 9);
        assert_eq!(rows.last().unwrap().actual_cumulative, 7.0);
        assert_eq!(rows.iter().map(|r| r.actual).sum::<f64>(), 7.0);
        for r in &rows {
            let end = crate::data::day_of_date(r.end);
            let want: f64 = first_days
                .iter()
                .filter(|&&f| f < end)
                .map(|&f| m.expected_purchases_new(f64::from(end - f) / 7.0))
                .sum();
            assert!((r.expected_cumulative - want).abs() < 1e-12);
        }
        let at_cal = rows.iter().find(|r| r.end == date_of_day(27)).unwrap();
        assert!(!at_cal.holdout);
        let t: Vec<f64> = first_days
            .iter()
            .map(|&f| f64::from(27 - f) / 7.0)
            .collect();
        let want: f64 = t.iter().map(|&t| m.expected_purchases_new(t)).sum();
        assert!((at_cal.expected_cumulative - want).abs() < 1e-12);
        let incremental: f64 = rows.iter().map(|r| r.expected).sum();
        assert!((incremental - rows.last().unwrap().expected_cumulative).abs() < 1e-12);
        // The calibration fit's expected counts sum to the customers.
        let x = [0.0, 1.0, 0.0, 2.0, 0.0, 9.0, 0.0];
        let fit = calibration_fit(&m, &x, &tl);
        let total: f64 = fit.iter().map(|b| b.expected).sum();
        assert!((total - 7.0).abs() < 1e-9);
        assert_eq!(fit.iter().map(|b| b.actual).sum::<usize>(), 7);
        assert_eq!(fit[7].actual, 1);
    }

    fn evaluation(name: &str, rmse: f64, total_error: f64, aic: f64) -> ModelEvaluation {
        let fit = FitResult {
            estimates: Vec::new(),
            covariance: None,
            log_likelihood: -aic / 2.0 + 4.0,
            aic,
            bic: aic,
            n_obs: 10.0,
            iterations: 1,
            evaluations: 1,
            gradient_norm: 0.0,
            converged: true,
            message: String::new(),
            l2_penalty: 0.0,
        };
        ModelEvaluation {
            model: name.into(),
            source: String::new(),
            fit,
            purchases: PurchaseHoldout {
                customers: 10,
                duration: 1.0,
                predicted_total: 100.0 + total_error,
                actual_total: 100.0,
                total_error,
                total_error_relative: Some(total_error / 100.0),
                mae: rmse,
                rmse,
                spearman: None,
                by_frequency: Vec::new(),
            },
            calibration_fit: Vec::new(),
            tracking: Vec::new(),
            value: None,
        }
    }

    #[test]
    fn recommendation_by_rmse_then_total_error() {
        // Clear RMSE winner; AIC prefers another.
        let r = recommend(&[
            evaluation("bgnbd", 1.30, -5.0, 100.0),
            evaluation("paretonbd", 1.20, -20.0, 110.0),
        ])
        .unwrap();
        assert_eq!(
            (r.by_holdout.as_str(), r.by_aic.as_str()),
            ("paretonbd", "bgnbd")
        );
        assert!(!r.agree);
        assert!(r.reason.contains("disagree"), "{}", r.reason);
        // RMSEs within 0.5%: the smaller absolute total error wins.
        let r = recommend(&[
            evaluation("bgnbd", 1.200, -30.0, 100.0),
            evaluation("mbgnbd", 1.203, 10.0, 100.5),
        ])
        .unwrap();
        assert_eq!(r.by_holdout, "mbgnbd");
        assert!(r.reason.contains("no real preference"), "{}", r.reason);
        // Non-converged models are left out.
        let mut bad = evaluation("paretonbd", 0.5, 0.0, 10.0);
        bad.fit.converged = false;
        let r = recommend(&[evaluation("bgnbd", 1.0, 1.0, 100.0), bad]).unwrap();
        assert_eq!(r.by_holdout, "bgnbd");
        assert_eq!(r.excluded, vec!["paretonbd".to_string()]);
        assert!(recommend(&[]).is_none());
    }
}
