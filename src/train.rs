//! Training: customer summary → purchase model → spend model → a sealed [`ModelFile`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::artifact::{
    ArtifactError, FORMAT, FORMAT_VERSION, FileFingerprint, FittedModel, ModelFile,
    ScoringDefaults, TrainingData, TrainingSettings, fingerprint, now_rfc3339,
};
use crate::data::LoadReport;
use crate::features::{CustomerSummary, FeatureError, SummaryOptions};
use crate::models::bgnbd::BgNbd;
use crate::models::gamma_gamma::{GammaGamma, SpendData, frequency_spend_correlation};
use crate::models::mbgnbd::MbgNbd;
use crate::models::paretonbd::ParetoNbd;
use crate::models::{FitError, FitOptions, FitResult, ModelKind, PurchaseModel, RfmPatterns};

/// Errors while training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The model cannot be fitted to these data.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// Building the customer table failed.
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// Reading inputs for the fingerprint failed.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// A setting that cannot work.
    #[error("{0}")]
    Invalid(String),
}

impl TrainError {
    /// Whether the user fixes this by changing input or flags (exit 2).
    pub fn is_input_error(&self) -> bool {
        match self {
            TrainError::Fit(_) | TrainError::Invalid(_) => true,
            TrainError::Features(e) => e.is_input_error(),
            TrainError::Artifact(e) => e.is_input_error(),
        }
    }
}

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Model name in the registry.
    pub name: String,
    /// Purchase model family (bgnbd, mbgnbd or paretonbd).
    pub purchase_model: ModelKind,
    /// Estimation settings.
    pub fit: FitOptions,
    /// How the summary was built (recorded in the file).
    pub summary: SummaryOptions,
    /// Scoring defaults stored in the file.
    pub scoring: ScoringDefaults,
    /// Input files to fingerprint.
    pub inputs: Vec<PathBuf>,
}

/// Facts about the spend model users should see (also stored as notes).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpendReport {
    /// Repeat customers with a positive mean spend, used in the fit.
    pub customers_used: usize,
    /// Customers left out (no repeat purchase, or a zero mean spend).
    pub customers_left_out: usize,
    /// Pearson correlation of frequency and mean spend among repeaters.
    pub frequency_spend_correlation: Option<f64>,
    /// Whether |ρ| exceeds 0.3, where the independence assumption is doubtful.
    pub correlation_warning: bool,
    /// p γ / (q − 1), the spend assumed for customers without repeat purchases.
    pub population_mean_spend: Option<f64>,
}

/// The outcome of a training run.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The model file, sealed, version 0 until the registry assigns one.
    pub file: ModelFile,
    /// Spend-model facts, when there were amounts.
    pub spend: Option<SpendReport>,
    /// Seconds per stage: purchase fit, spend fit, fingerprints.
    pub stage_seconds: BTreeMap<&'static str, f64>,
}

/// A boxed continuous-time purchase model.
pub type DynPurchaseModel = Box<dyn PurchaseModel + Sync + Send>;

/// Fits a continuous-time purchase model of `kind`; returns it boxed with its fit.
pub fn fit_purchase_model(
    kind: ModelKind,
    data: &RfmPatterns,
    opts: &FitOptions,
) -> Result<(DynPurchaseModel, FitResult), TrainError> {
    Ok(match kind {
        ModelKind::Bgnbd => {
            let (m, f) = BgNbd::fit(data, opts)?;
            (Box::new(m), f)
        }
        ModelKind::Mbgnbd => {
            let (m, f) = MbgNbd::fit(data, opts)?;
            (Box::new(m), f)
        }
        ModelKind::Paretonbd => {
            let (m, f) = ParetoNbd::fit(data, opts)?;
            (Box::new(m), f)
        }
        other => {
            return Err(TrainError::Invalid(format!(
                "{} is not a transaction-level purchase model: train uses bgnbd, mbgnbd or \
                 paretonbd (fit {} with `clvr fit`)",
                other.name(),
                other.name()
            )));
        }
    })
}

/// Rebuilds the purchase model stored in a model file.
pub fn purchase_model_of(file: &ModelFile) -> Result<DynPurchaseModel, String> {
    let p = file.purchase_model.fit.params();
    purchase_model_from(file.purchase_kind()?, &p).map_err(|e| format!("{}: {e}", file.id()))
}

/// Rebuilds a continuous-time purchase model from its kind and parameters.
pub fn purchase_model_from(kind: ModelKind, p: &[f64]) -> Result<DynPurchaseModel, String> {
    if p.len() != 4 || p.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(format!("invalid {} parameters {p:?}", kind.name()));
    }
    Ok(match kind {
        ModelKind::Bgnbd => Box::new(BgNbd::from_slice(p)),
        ModelKind::Mbgnbd => Box::new(MbgNbd::from_slice(p)),
        ModelKind::Paretonbd => Box::new(ParetoNbd::from_slice(p)),
        other => return Err(format!("cannot score with {}", other.name())),
    })
}

/// Rebuilds the spend model stored in a model file, if any.
pub fn spend_model_of(file: &ModelFile) -> Option<GammaGamma> {
    file.spend_model
        .as_ref()
        .map(|s| GammaGamma::from_slice(&s.fit.params()))
}

fn fitted(kind: &str, fit: FitResult, notes: BTreeMap<String, f64>) -> FittedModel {
    FittedModel {
        kind: kind.to_string(),
        params: fit
            .estimates
            .iter()
            .map(|e| (e.name.clone(), e.value))
            .collect(),
        fit,
        notes,
    }
}

/// Trains the purchase model and, when the data have amounts, the Gamma-Gamma spend model,
/// and builds the model file.
pub fn train(
    summary: &CustomerSummary,
    load: &LoadReport,
    opts: &TrainOptions,
) -> Result<Trained, TrainError> {
    let (x, t_x, t) = summary.rfm()?;
    let data = RfmPatterns::from_customers(&x, &t_x, &t, None)
        .map_err(|e| TrainError::Invalid(e.to_string()))?;
    let mut stage_seconds = BTreeMap::new();
    let clock = std::time::Instant::now();
    let (_, purchase_fit) = fit_purchase_model(opts.purchase_model, &data, &opts.fit)?;
    stage_seconds.insert("purchase_fit", clock.elapsed().as_secs_f64());
    let clock = std::time::Instant::now();

    let mut spend_model = None;
    let mut spend = None;
    if summary.stats.has_monetary {
        let m = summary.monetary()?;
        let (spend_data, selection) =
            SpendData::from_customers(&x, &m).map_err(|e| TrainError::Invalid(e.to_string()))?;
        let (gg, fit) = GammaGamma::fit(&spend_data, &opts.fit)?;
        let rho = frequency_spend_correlation(&x, &m);
        let report = SpendReport {
            customers_used: selection.n_used,
            customers_left_out: selection.n_no_repeat + selection.n_zero_spend,
            frequency_spend_correlation: rho,
            correlation_warning: rho.is_some_and(|r| r.abs() > 0.3),
            population_mean_spend: gg.population_mean_spend(),
        };
        let mut notes = BTreeMap::new();
        if let Some(r) = rho {
            notes.insert("frequency_spend_correlation".into(), r);
        }
        if let Some(pm) = report.population_mean_spend {
            notes.insert("population_mean_spend".into(), pm);
        }
        spend_model = Some(fitted("gamma_gamma", fit, notes));
        spend = Some(report);
    }

    stage_seconds.insert("spend_fit", clock.elapsed().as_secs_f64());
    let clock = std::time::Instant::now();
    let files: Vec<FileFingerprint> = opts
        .inputs
        .iter()
        .map(|p| fingerprint(p))
        .collect::<Result<_, _>>()?;
    let mut columns = BTreeMap::new();
    columns.insert("customer".to_string(), load.columns.customer.clone());
    columns.insert("date".to_string(), load.columns.date.clone());
    if let Some(a) = &load.columns.amount {
        columns.insert("amount".to_string(), a.clone());
    }
    let st = &summary.stats;
    let mut file = ModelFile {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        name: opts.name.clone(),
        version: 0,
        created_at: now_rfc3339(),
        clvr_version: crate::VERSION.to_string(),
        training_data: TrainingData {
            files,
            rows_read: load.rows_read,
            rows_accepted: load.rows_accepted,
            rows_rejected: load.rows_rejected,
            customers: st.customers,
            repeat_customers: st.repeat_customers,
            first_date: load.first_date,
            last_date: load.last_date,
        },
        settings: TrainingSettings {
            time_unit: st.time_unit.name().to_string(),
            merge_period: st.merge_period.name().to_string(),
            calibration_end: st.calibration_end,
            observation_end: st.observation_end,
            columns,
            date_format: load.date_format.clone(),
            negative_amounts: format!("{:?}", load.negative_amounts).to_lowercase(),
        },
        purchase_model: fitted(opts.purchase_model.name(), purchase_fit, BTreeMap::new()),
        spend_model,
        churn_model: None,
        scoring: opts.scoring.clone(),
        checksum: String::new(),
    };
    file.seal();
    stage_seconds.insert("fingerprint", clock.elapsed().as_secs_f64());
    Ok(Trained {
        file,
        spend,
        stage_seconds,
    })
}
