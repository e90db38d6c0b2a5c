//! Churn classifiers end to end: feature table → encoder (learned on training rows only) →
//! logistic regression or random forest → metrics; and the [`ChurnModel`] that fills a model
//! file's churn slot, so `predict` recomputes the same features and scores them.
//!
//! Two sources of training rows:
//! - a customer log (transactions, optional events and customers table) at one or more
//!   cutoffs ([`train_from_log`]): features use only data on or before each cutoff, labels
//!   the window after it; with several cutoffs the last one is the out-of-time validation
//!   set, never a random split across the same period;
//! - a customer-level table with a label column ([`train_from_table`]): a fixed split, row i
//!   (0-based) is validation when `i % every == every − 1`.

use chrono::NaiveDate;
use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::data::{CustomerColumn, CustomerTable, date_of_day, day_of_date};
use crate::evaluate::classification::{ClassificationReport, MetricError};
use crate::features::churn::{ChurnFeatureSpec, CustomerLog};
use crate::features::encode::{self, EncoderSpec, RawColumn};
use crate::models::forest::{ForestModel, ForestOptions};
use crate::models::logistic::{LogisticModel, LogisticOptions};
use crate::models::optimize::FitOptions;
use crate::models::patterns::RfmPatterns;
use crate::models::{ModelKind, PurchaseModel};
use crate::train::{DynPurchaseModel, fit_purchase_model, purchase_model_from};

/// Why churn training or scoring failed.
#[derive(Debug, thiserror::Error)]
pub enum ChurnError {
    /// Settings or data that cannot give a model (an input error).
    #[error("{0}")]
    Invalid(String),
    /// Feature building failed.
    #[error(transparent)]
    Feature(#[from] crate::features::FeatureError),
    /// Encoding failed.
    #[error("encoding the features: {0}")]
    Encode(#[from] encode::EncodeError),
    /// The logistic fit failed.
    #[error("logistic regression: {0}")]
    Logistic(#[from] crate::models::logistic::LogisticError),
    /// The forest fit failed.
    #[error("random forest: {0}")]
    Forest(#[from] crate::models::forest::ForestError),
    /// A metric is undefined on these labels.
    #[error("metrics: {0}")]
    Metric(#[from] MetricError),
}

impl ChurnError {
    /// Whether the user fixes this by changing the input or flags (exit code 2).
    pub fn is_input_error(&self) -> bool {
        !matches!(self, ChurnError::Feature(e) if !e.is_input_error())
    }
}

/// Which classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassifierKind {
    /// L2 logistic regression (linfa-logistic).
    Logistic,
    /// Random forest (smartcore).
    Forest,
}

impl ClassifierKind {
    /// Parses `logistic` or `forest` (`rf`, `random_forest`).
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "logistic" | "logit" => Ok(ClassifierKind::Logistic),
            "forest" | "rf" | "random_forest" => Ok(ClassifierKind::Forest),
            _ => Err(format!("unknown classifier '{s}': use logistic or forest")),
        }
    }
}

/// A fitted classifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Classifier {
    /// Logistic regression on standardised features.
    Logistic(LogisticModel),
    /// Random forest on the same features.
    Forest(ForestModel),
}

impl Classifier {
    /// P(churn) per row of a standardised design matrix.
    pub fn predict(&self, x: &Array2<f64>) -> Result<Vec<f64>, ChurnError> {
        Ok(match self {
            Classifier::Logistic(m) => m.predict_proba(x),
            Classifier::Forest(m) => m.predict_proba(x)?,
        })
    }
}

/// Where the training rows came from, and so how to rebuild them at scoring time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
// One value per model file: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum ChurnSource {
    /// Behavioural features from a customer log.
    Log {
        /// Windows, families, horizon and label definition.
        spec: ChurnFeatureSpec,
        /// Customers-table columns used as static features.
        static_columns: Vec<String>,
        /// Whether an events log fed the training features (scoring then needs one too).
        uses_events: bool,
        /// Parameters of the purchase model behind the purchase-model features (kind in
        /// `spec.purchase_model`), fitted at the last cutoff; scoring uses them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        purchase_params: Option<Vec<f64>>,
    },
    /// A customer-level table.
    Table {
        /// The label column.
        label: String,
        /// The label value meaning "churned".
        positive: String,
    },
}

/// How the model was trained and how well it did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChurnTraining {
    /// Training cutoffs (log source).
    pub cutoffs: Vec<NaiveDate>,
    /// The out-of-time validation cutoff, when there were several.
    pub validation_cutoff: Option<NaiveDate>,
    /// Training rows and churners among them.
    pub train_rows: usize,
    /// Churners in training.
    pub train_positive: usize,
    /// Validation rows.
    pub validation_rows: usize,
    /// Notes from the encoder (dropped constant or all-missing features, imputation).
    pub notes: Vec<String>,
    /// Metrics on the training rows.
    pub train_metrics: ClassificationReport,
    /// Metrics on the validation rows (out of time for a log, the fixed split for a table).
    pub validation_metrics: Option<ClassificationReport>,
}

/// The churn slot of a model file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChurnModel {
    /// Feature source and specification.
    pub source: ChurnSource,
    /// The encoder (imputation, one-hot levels, standardisation) learned on training rows.
    pub encoder: EncoderSpec,
    /// The classifier.
    pub classifier: Classifier,
    /// Training facts and metrics.
    pub training: ChurnTraining,
}

/// Classifier settings.
#[derive(Debug, Clone, Default)]
pub struct ChurnOptions {
    /// Logistic options (`c`, intercept, class weight).
    pub logistic: LogisticOptions,
    /// Forest options.
    pub forest: ForestOptions,
}

fn select_rows(x: &Array2<f64>, rows: &[usize]) -> Array2<f64> {
    x.select(Axis(0), rows)
}

/// What [`fit_and_evaluate`] returns: encoder, classifier, encoder notes, training and
/// validation metrics.
type Fitted = (
    EncoderSpec,
    Classifier,
    Vec<String>,
    ClassificationReport,
    Option<ClassificationReport>,
);

/// Fits encoder and classifier on `train`, evaluates on `validation`.
fn fit_and_evaluate(
    columns: &[(String, RawColumn)],
    labels: &[bool],
    train: &[usize],
    validation: &[usize],
    kind: ClassifierKind,
    opts: &ChurnOptions,
) -> Result<Fitted, ChurnError> {
    let (spec, notes) = encode::fit(columns, train)?;
    let (x, _report) = encode::transform(&spec, columns)?;
    let xt = select_rows(&x, train);
    let yt: Vec<bool> = train.iter().map(|&i| labels[i]).collect();
    let names = spec.feature_names();
    let classifier = match kind {
        ClassifierKind::Logistic => {
            Classifier::Logistic(LogisticModel::fit(&xt, &yt, &names, &opts.logistic)?)
        }
        ClassifierKind::Forest => Classifier::Forest(ForestModel::fit(&xt, &yt, &opts.forest)?),
    };
    let pt = classifier.predict(&xt)?;
    let train_metrics = ClassificationReport::compute(&yt, &pt)?;
    let validation_metrics = if validation.is_empty() {
        None
    } else {
        let xv = select_rows(&x, validation);
        let yv: Vec<bool> = validation.iter().map(|&i| labels[i]).collect();
        let pv = classifier.predict(&xv)?;
        Some(ClassificationReport::compute(&yv, &pv)?)
    };
    Ok((spec, classifier, notes, train_metrics, validation_metrics))
}

/// The static columns of the customers table for `ids` (`None` where a customer is not in
/// the table).
fn static_columns(
    table: &CustomerTable,
    names: &[String],
    ids: &[&str],
) -> Vec<(String, RawColumn)> {
    let rows: Vec<Option<usize>> = ids.iter().map(|id| table.row_of(id)).collect();
    names
        .iter()
        .filter_map(|name| {
            let (_, col) = table.columns.iter().find(|(n, _)| n == name)?;
            let out = match col {
                CustomerColumn::Numeric(v) => {
                    RawColumn::Numeric(rows.iter().map(|r| r.and_then(|r| v[r])).collect())
                }
                CustomerColumn::Text(v) => {
                    RawColumn::Text(rows.iter().map(|r| r.and_then(|r| v[r].clone())).collect())
                }
            };
            Some((name.clone(), out))
        })
        .collect()
}

/// Days per time unit of the purchase models behind the purchase-model features (weeks; the
/// features themselves do not depend on the unit).
const PURCHASE_UNIT_DAYS: f64 = 7.0;

/// The purchase-model kind named in a feature spec.
fn purchase_kind(spec: &ChurnFeatureSpec) -> Result<Option<ModelKind>, ChurnError> {
    let Some(name) = &spec.purchase_model else {
        return Ok(None);
    };
    let kind = ModelKind::parse(name).map_err(ChurnError::Invalid)?;
    if !matches!(
        kind,
        ModelKind::Bgnbd | ModelKind::Mbgnbd | ModelKind::Paretonbd
    ) {
        return Err(ChurnError::Invalid(format!(
            "purchase-model features need bgnbd, mbgnbd or paretonbd, not {}",
            kind.name()
        )));
    }
    Ok(Some(kind))
}

/// Fits a purchase model of `kind` on every customer with a purchase on or before `cutoff`,
/// from data on or before it only (no leakage from the label window).
pub fn fit_purchase_at(
    log: &CustomerLog,
    cutoff: i32,
    kind: ModelKind,
) -> Result<(DynPurchaseModel, Vec<f64>), ChurnError> {
    let rows = log.population(cutoff, crate::features::churn::LabelKind::NonContractual);
    let rfm: Vec<(f64, f64, f64)> = log
        .rfm_at(&rows, cutoff, PURCHASE_UNIT_DAYS)
        .into_iter()
        .flatten()
        .collect();
    let x: Vec<f64> = rfm.iter().map(|r| r.0).collect();
    let t_x: Vec<f64> = rfm.iter().map(|r| r.1).collect();
    let t: Vec<f64> = rfm.iter().map(|r| r.2).collect();
    let fail = |e: String| {
        ChurnError::Invalid(format!(
            "purchase-model features: fitting {} on data up to {}: {e}",
            kind.name(),
            date_of_day(cutoff)
        ))
    };
    let data = RfmPatterns::from_customers(&x, &t_x, &t, None).map_err(|e| fail(e.to_string()))?;
    let (model, fit) =
        fit_purchase_model(kind, &data, &FitOptions::default()).map_err(|e| fail(e.to_string()))?;
    if !fit.converged {
        return Err(fail(format!(
            "the fit did not converge ({})\n  fix: use more data before the cutoff, or drop \
             --purchase-features",
            fit.message
        )));
    }
    Ok((model, fit.params()))
}

/// Purchase-model features of `rows` at `cutoff`: P(alive) and the expected number of
/// purchases over the churn horizon.
fn purchase_columns(
    log: &CustomerLog,
    rows: &[u32],
    cutoff: i32,
    spec: &ChurnFeatureSpec,
    model: &(dyn PurchaseModel + Sync + Send),
) -> Vec<(String, RawColumn)> {
    use rayon::prelude::*;
    let horizon = f64::from(spec.horizon) / PURCHASE_UNIT_DAYS;
    let rfm = log.rfm_at(rows, cutoff, PURCHASE_UNIT_DAYS);
    let (p_alive, expected): (Vec<Option<f64>>, Vec<Option<f64>>) = rfm
        .par_iter()
        .map(|r| match r {
            Some((x, tx, t)) => (
                Some(model.p_alive(*x, *tx, *t)),
                Some(model.conditional_expected_purchases(horizon, *x, *tx, *t)),
            ),
            None => (None, None),
        })
        .unzip();
    vec![
        ("p_alive".into(), RawColumn::Numeric(p_alive)),
        (
            "expected_purchases_horizon".into(),
            RawColumn::Numeric(expected),
        ),
    ]
}

/// The feature table of `rows` at `cutoff`: behavioural features, purchase-model features
/// (when `purchase` is given) and static columns.
pub fn log_features(
    log: &CustomerLog,
    rows: &[u32],
    cutoff: i32,
    spec: &ChurnFeatureSpec,
    table: Option<&CustomerTable>,
    static_names: &[String],
    purchase: Option<&(dyn PurchaseModel + Sync + Send)>,
) -> Vec<(String, RawColumn)> {
    let mut cols = log.features(rows, cutoff, spec);
    if let Some(m) = purchase {
        cols.extend(purchase_columns(log, rows, cutoff, spec, m));
    }
    if let Some(t) = table {
        let ids: Vec<&str> = rows.iter().map(|&r| log.ids[r as usize].as_str()).collect();
        cols.extend(static_columns(t, static_names, &ids));
    }
    cols
}

fn append(into: &mut Vec<(String, RawColumn)>, more: Vec<(String, RawColumn)>) {
    if into.is_empty() {
        *into = more;
        return;
    }
    for ((_, a), (_, b)) in into.iter_mut().zip(more) {
        match (a, b) {
            (RawColumn::Numeric(a), RawColumn::Numeric(b)) => a.extend(b),
            (RawColumn::Text(a), RawColumn::Text(b)) => a.extend(b),
            _ => unreachable!("the same feature builder gives the same column kinds"),
        }
    }
}

/// Stacked snapshots of a customer log: the feature table, labels, and which rows train and
/// which validate.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    /// Feature columns (one row per customer per cutoff).
    pub columns: Vec<(String, RawColumn)>,
    /// Churned or not, per row.
    pub labels: Vec<bool>,
    /// Training rows.
    pub train: Vec<usize>,
    /// Validation rows (the last cutoff, when there are several).
    pub validation: Vec<usize>,
    /// The cutoffs, sorted.
    pub cutoffs: Vec<NaiveDate>,
    /// The validation cutoff.
    pub validation_cutoff: Option<NaiveDate>,
    /// Customers-table columns included.
    pub static_columns: Vec<String>,
    /// Parameters of the purchase model fitted at the last cutoff (purchase-model features).
    pub purchase_params: Option<Vec<f64>>,
}

/// Builds the training set: at each cutoff (sorted), the customers at risk, their features
/// from data on or before it, and their labels after it.
pub fn training_set(
    log: &CustomerLog,
    cutoffs: &[NaiveDate],
    spec: &ChurnFeatureSpec,
    table: Option<&CustomerTable>,
) -> Result<TrainingSet, ChurnError> {
    let mut cutoffs = cutoffs.to_vec();
    cutoffs.sort();
    cutoffs.dedup();
    if cutoffs.is_empty() {
        return Err(ChurnError::Invalid("no cutoff: pass --cutoffs".into()));
    }
    let first_day = log.day_range.0;
    if let Some(c) = cutoffs.iter().find(|c| day_of_date(**c) < first_day) {
        return Err(ChurnError::Invalid(format!(
            "cutoff {c} is before the first day of data {}: there is nothing to learn from\n  \
             fix: choose cutoffs inside the data",
            date_of_day(first_day)
        )));
    }
    let static_names: Vec<String> = table
        .map(|t| t.columns.iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    let mut set = TrainingSet {
        columns: Vec::new(),
        labels: Vec::new(),
        train: Vec::new(),
        validation: Vec::new(),
        validation_cutoff: (cutoffs.len() >= 2).then(|| *cutoffs.last().unwrap()),
        cutoffs,
        static_columns: static_names,
        purchase_params: None,
    };
    let kind = purchase_kind(spec)?;
    for c in set.cutoffs.clone() {
        let day = day_of_date(c);
        let purchase = match kind {
            Some(k) => {
                let (model, params) = fit_purchase_at(log, day, k)?;
                set.purchase_params = Some(params);
                Some(model)
            }
            None => None,
        };
        let rows = log.population(day, spec.label);
        let y = log.labels(&rows, day, spec)?;
        let start = set.labels.len();
        set.labels.extend(y);
        let idx = start..set.labels.len();
        if Some(c) == set.validation_cutoff {
            set.validation.extend(idx);
        } else {
            set.train.extend(idx);
        }
        append(
            &mut set.columns,
            log_features(
                log,
                &rows,
                day,
                spec,
                table,
                &set.static_columns,
                purchase.as_deref(),
            ),
        );
    }
    Ok(set)
}

/// Fits the encoder and classifier on a training set and evaluates them.
pub fn fit_training_set(
    set: &TrainingSet,
    spec: &ChurnFeatureSpec,
    uses_events: bool,
    kind: ClassifierKind,
    opts: &ChurnOptions,
) -> Result<ChurnModel, ChurnError> {
    check_two_classes(&set.labels, &set.train, "training")?;
    let (encoder, classifier, notes, train_metrics, validation_metrics) = fit_and_evaluate(
        &set.columns,
        &set.labels,
        &set.train,
        &set.validation,
        kind,
        opts,
    )?;
    Ok(ChurnModel {
        source: ChurnSource::Log {
            spec: spec.clone(),
            static_columns: set.static_columns.clone(),
            uses_events,
            purchase_params: set.purchase_params.clone(),
        },
        encoder,
        classifier,
        training: ChurnTraining {
            cutoffs: set.cutoffs.clone(),
            validation_cutoff: set.validation_cutoff,
            train_rows: set.train.len(),
            train_positive: set.train.iter().filter(|&&i| set.labels[i]).count(),
            validation_rows: set.validation.len(),
            notes,
            train_metrics,
            validation_metrics,
        },
    })
}

/// Trains on snapshots of a customer log at `cutoffs` (sorted; the last is the validation
/// set when there are two or more). `table`: a customers table whose other columns become
/// static features.
pub fn train_from_log(
    log: &CustomerLog,
    cutoffs: &[NaiveDate],
    spec: &ChurnFeatureSpec,
    table: Option<&CustomerTable>,
    kind: ClassifierKind,
    opts: &ChurnOptions,
) -> Result<ChurnModel, ChurnError> {
    let set = training_set(log, cutoffs, spec, table)?;
    fit_training_set(&set, spec, log.has_events(), kind, opts)
}

fn check_two_classes(labels: &[bool], rows: &[usize], what: &str) -> Result<(), ChurnError> {
    let pos = rows.iter().filter(|&&i| labels[i]).count();
    if pos == 0 || pos == rows.len() {
        return Err(ChurnError::Invalid(format!(
            "all {} {what} rows are {}: a classifier needs both churners and stayers\n  fix: \
             use more cutoffs, a longer horizon or more data",
            rows.len(),
            if pos == 0 { "non-churners" } else { "churners" }
        )));
    }
    Ok(())
}

/// Reads a two-valued label column: `Yes`/`No`, `true`/`false`, `1`/`0`, `churned`/… The
/// positive value is `yes`, `true`, `1`, `churned` or `churn` when present (case-insensitive),
/// else the lexicographically larger value. Any other count of distinct values is an error
/// naming the column and the values.
pub fn read_label(table: &CustomerTable, column: &str) -> Result<(Vec<bool>, String), ChurnError> {
    let (_, col) = table
        .columns
        .iter()
        .find(|(n, _)| n == column)
        .ok_or_else(|| {
            ChurnError::Invalid(format!(
                "{}: no label column '{column}'; columns: {}",
                table.path.display(),
                table
                    .columns
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    let text: Vec<Option<String>> = match col {
        CustomerColumn::Text(v) => v.clone(),
        CustomerColumn::Numeric(v) => v.iter().map(|x| x.map(|x| x.to_string())).collect(),
    };
    if let Some(i) = text.iter().position(Option::is_none) {
        return Err(ChurnError::Invalid(format!(
            "{}: row {}, label column '{column}' is empty\n  fix: every row needs a label",
            table.path.display(),
            i + 1
        )));
    }
    let mut values: Vec<&str> = text.iter().flatten().map(String::as_str).collect();
    values.sort_unstable();
    values.dedup();
    if values.len() != 2 {
        return Err(ChurnError::Invalid(format!(
            "{}: the label column '{column}' has {} distinct value(s) ({}); a churn label \
             needs exactly two",
            table.path.display(),
            values.len(),
            values
                .iter()
                .take(6)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let positive = values
        .iter()
        .find(|v| {
            ["yes", "true", "1", "churned", "churn", "y"].contains(&v.to_ascii_lowercase().as_str())
        })
        .copied()
        .unwrap_or(values[1])
        .to_string();
    Ok((
        text.iter()
            .map(|v| v.as_deref() == Some(positive.as_str()))
            .collect(),
        positive,
    ))
}

/// Trains on a customer-level table with a label column; row i (0-based) is validation when
/// `i % every == every − 1` (`every` = 5: an 80/20 split; 0: no validation).
pub fn train_from_table(
    table: &CustomerTable,
    label: &str,
    every: usize,
    kind: ClassifierKind,
    opts: &ChurnOptions,
) -> Result<ChurnModel, ChurnError> {
    let (labels, positive) = read_label(table, label)?;
    let columns: Vec<(String, RawColumn)> = table
        .columns
        .iter()
        .filter(|(n, _)| n != label)
        .cloned()
        .collect();
    let n = labels.len();
    let (validation, train): (Vec<usize>, Vec<usize>) =
        (0..n).partition(|i| every > 0 && i % every == every - 1);
    check_two_classes(&labels, &train, "training")?;
    let (encoder, classifier, notes, train_metrics, validation_metrics) =
        fit_and_evaluate(&columns, &labels, &train, &validation, kind, opts)?;
    Ok(ChurnModel {
        source: ChurnSource::Table {
            label: label.to_string(),
            positive,
        },
        encoder,
        classifier,
        training: ChurnTraining {
            cutoffs: Vec::new(),
            validation_cutoff: None,
            train_rows: train.len(),
            train_positive: train.iter().filter(|&&i| labels[i]).count(),
            validation_rows: validation.len(),
            notes,
            train_metrics,
            validation_metrics,
        },
    })
}

/// Churn scores for the customers of a log at `cutoff`.
#[derive(Debug, Clone)]
pub struct ChurnScores {
    /// Customer ids scored (the population at the cutoff).
    pub ids: Vec<String>,
    /// P(churn in the model's horizon).
    pub probability: Vec<f64>,
    /// Up to three reason codes per customer (logistic: the largest positive
    /// coefficient × standardised value; empty for a forest).
    pub reasons: Vec<Vec<String>>,
}

/// A feature name in words a marketer can read: `purchases_90d` → "purchases in the last
/// 90 days", `contract=Month-to-month` → "contract is Month-to-month".
pub fn describe_feature(name: &str) -> String {
    if let Some((col, level)) = name.split_once('=') {
        return format!("{} is {level}", col.replace('_', " "));
    }
    if let Some(base) = name.strip_suffix("_missing") {
        return format!("{} unknown", describe_feature(base));
    }
    let windowed = |stem: &str, what: &str| -> Option<String> {
        let rest = name.strip_prefix(stem)?.strip_suffix('d')?;
        rest.parse::<u32>()
            .ok()
            .map(|w| format!("{what} in the last {w} days"))
    };
    for (stem, what) in [
        ("purchases_", "purchases"),
        ("spend_", "spend"),
        ("complaints_", "complaints"),
        ("open_rate_", "email open rate"),
        ("click_rate_", "email click rate"),
        ("activity_", "logins and visits"),
    ] {
        if let Some(s) = windowed(stem, what) {
            return s;
        }
    }
    match name {
        "days_since_last_purchase" => "days since the last purchase".into(),
        "tenure_days" => "days as a customer".into(),
        "purchases_total" => "purchases so far".into(),
        "purchase_trend" => "purchase trend (recent vs before)".into(),
        "purchase_slope_monthly" => "monthly purchase slope".into(),
        "gap_mean_days" => "typical days between purchases".into(),
        "gap_sd_days" => "irregularity of purchase gaps".into(),
        "overdue_ratio" => "overdue (days since last purchase / typical gap)".into(),
        "complaint_trend" => "complaints rising".into(),
        "days_since_last_complaint" => "days since the last complaint".into(),
        "open_rate_trend" => "email open rate trend".into(),
        "p_alive" => "probability still active (purchase model)".into(),
        "expected_purchases_horizon" => {
            "expected purchases in the churn horizon (purchase model)".into()
        }
        "activity_trend" => "activity trend".into(),
        other => other.replace('_', " "),
    }
}

/// Scores every customer at risk at `cutoff` with a log-sourced churn model.
pub fn score_log(
    model: &ChurnModel,
    log: &CustomerLog,
    cutoff: i32,
    table: Option<&CustomerTable>,
) -> Result<ChurnScores, ChurnError> {
    let ChurnSource::Log {
        spec,
        static_columns,
        uses_events,
        purchase_params,
    } = &model.source
    else {
        return Err(ChurnError::Invalid(
            "this churn model was trained on a customer table, not on transactions".into(),
        ));
    };
    if *uses_events && !log.has_events() {
        return Err(ChurnError::Invalid(
            "the churn model was trained with an events log: pass --events FILE (without it \
             every complaint and engagement feature would read as zero)"
                .into(),
        ));
    }
    if !static_columns.is_empty() && table.is_none() {
        return Err(ChurnError::Invalid(format!(
            "the churn model uses customers-table columns ({}): pass --customers FILE",
            static_columns.join(", ")
        )));
    }
    let purchase = match (purchase_kind(spec)?, purchase_params) {
        (Some(k), Some(p)) => Some(purchase_model_from(k, p).map_err(|e| {
            ChurnError::Invalid(format!("the churn model's purchase-model features: {e}"))
        })?),
        (None, None) => None,
        _ => {
            return Err(ChurnError::Invalid(
                "the churn model names a purchase model for its features but has no \
                 parameters for it (modified file?)"
                    .into(),
            ));
        }
    };
    let rows = log.population(cutoff, spec.label);
    let cols = log_features(
        log,
        &rows,
        cutoff,
        spec,
        table,
        static_columns,
        purchase.as_deref(),
    );
    let (x, _) = encode::transform(&model.encoder, &cols)?;
    let probability = model.classifier.predict(&x)?;
    let reasons = match &model.classifier {
        Classifier::Logistic(m) => x
            .rows()
            .into_iter()
            .map(|r| {
                let row: Vec<f64> = r.to_vec();
                m.reason_codes(&row, 3)
                    .into_iter()
                    .map(|(f, _)| describe_feature(&f))
                    .collect()
            })
            .collect(),
        Classifier::Forest(_) => vec![Vec::new(); rows.len()],
    };
    Ok(ChurnScores {
        ids: rows.iter().map(|&r| log.ids[r as usize].clone()).collect(),
        probability,
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{LoadOptions, load_transactions};

    fn cdnow() -> crate::data::Transactions {
        let path = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/datasets/cdnow/CDNOW_master.txt"
        ));
        load_transactions(path, &LoadOptions::default()).unwrap().0
    }

    /// No training/serving skew: scoring the validation cutoff through the `predict` path
    /// reproduces, bit for bit, the validation metrics computed at training time — with and
    /// without purchase-model features.
    #[test]
    fn scoring_recomputes_the_training_features_exactly() {
        for purchase_model in [None, Some("bgnbd".to_string())] {
            skew_free(ChurnFeatureSpec {
                purchase_model,
                ..ChurnFeatureSpec::default()
            });
        }
    }

    fn skew_free(spec: ChurnFeatureSpec) {
        let tx = cdnow();
        let (log, _) = CustomerLog::build(&tx, None, &spec.families).unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let cutoffs = [d("1997-09-30"), d("1997-12-31")];
        let model = train_from_log(
            &log,
            &cutoffs,
            &spec,
            None,
            ClassifierKind::Logistic,
            &ChurnOptions::default(),
        )
        .unwrap();
        // Through JSON, as predict reads it from the model file.
        let model: ChurnModel =
            serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
        let day = day_of_date(cutoffs[1]);
        let scores = score_log(&model, &log, day, None).unwrap();
        let rows = log.population(day, spec.label);
        let y = log.labels(&rows, day, &spec).unwrap();
        let at_score = ClassificationReport::compute(&y, &scores.probability).unwrap();
        let at_train = model.training.validation_metrics.unwrap();
        assert_eq!(at_score.n, at_train.n);
        assert_eq!(at_score.roc_auc.to_bits(), at_train.roc_auc.to_bits());
        assert_eq!(at_score.log_loss.to_bits(), at_train.log_loss.to_bits());
        assert!(scores.reasons.iter().all(|r| r.len() <= 3));
        let names = model.encoder.feature_names();
        assert_eq!(
            names.iter().any(|n| n == "p_alive"),
            spec.purchase_model.is_some(),
            "{names:?}"
        );
    }

    /// The purchase model behind the features sees no data after its cutoff: fitted on the
    /// whole log or on the log cut at the cutoff, it is the same model, bit for bit; and it
    /// differs from a fit at a later cutoff.
    #[test]
    fn purchase_features_use_no_data_after_the_cutoff() {
        let tx = cdnow();
        let families = ChurnFeatureSpec::default().families;
        let cutoff = day_of_date(NaiveDate::from_ymd_opt(1997, 9, 30).unwrap());
        let (full, _) = CustomerLog::build(&tx, None, &families).unwrap();
        let (tx_cut, dropped) = tx.up_to(cutoff).unwrap();
        assert!(dropped > 0);
        let (cut, _) = CustomerLog::build(&tx_cut, None, &families).unwrap();
        let (_, p_full) = fit_purchase_at(&full, cutoff, ModelKind::Bgnbd).unwrap();
        let (_, p_cut) = fit_purchase_at(&cut, cutoff, ModelKind::Bgnbd).unwrap();
        assert_eq!(p_full, p_cut);
        let (_, p_later) = fit_purchase_at(&full, cutoff + 90, ModelKind::Bgnbd).unwrap();
        assert_ne!(p_full, p_later);
    }

    #[test]
    fn features_read_as_words() {
        assert_eq!(
            describe_feature("purchases_90d"),
            "purchases in the last 90 days"
        );
        assert_eq!(
            describe_feature("contract=Month-to-month"),
            "contract is Month-to-month"
        );
        assert_eq!(
            describe_feature("open_rate_30d_missing"),
            "email open rate in the last 30 days unknown"
        );
    }
}
