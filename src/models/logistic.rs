//! L2-regularised logistic regression for the churn classifier.
//!
//! Fitted on *standardised* features (see `features::encode`), so every coefficient is a
//! standardised coefficient: the change in log-odds per one training standard deviation of
//! the feature, and `exp(coef)` is the odds ratio per 1 SD.
//!
//! # Objective (exactly)
//!
//! With labels `y_i ∈ {0, 1}`, linear predictor `z_i = b + x_iᵀβ`, sample weights `w_i`
//! (all 1 unless class weighting is on) and `ℓ(y, z) = log(1 + e^z) − y z`:
//!
//! ```text
//!     minimise   Σ_i w_i ℓ(y_i, z_i)  +  (1 / (2C)) ‖β‖²         (intercept b NOT penalised)
//! ```
//!
//! This is scikit-learn's `LogisticRegression(C, l2)` objective `C Σ w_i ℓ_i + ½‖β‖²`
//! divided by `C` (same minimiser). linfa-logistic 0.8.1 minimises (read from its source,
//! `logistic_loss` / `logistic_grad` in `linfa-logistic-0.8.1/src/lib.rs`)
//! `−Σ_i log σ(ỹ_i z_i) + (α/2) ‖β‖²` with `ỹ ∈ {−1, +1}` — the loss is **summed, not
//! averaged**, and the intercept is **not penalised** (`convert_params` splits it off and only
//! `params·params` enters the penalty). Since `−log σ(ỹ z) = ℓ(y, z)`, the mapping is
//! **`alpha = 1 / C`** (and `C = +∞` ⇒ `alpha = 0`, unpenalised).
//!
//! # Solvers
//!
//! * **Unweighted** (`ClassWeight::None`): linfa-logistic 0.8.1 (argmin L-BFGS, memory 10,
//!   More–Thuente line search). Its `gradient_tolerance` is compared with the L2 norm of the
//!   gradient of the *summed* objective, so we pass `tol × n` (our `tol` is per sample).
//!   The design matrix is handed over in column-major layout (copied once if needed): linfa
//!   computes `Xᵀr` as one strided dot product per column, which is ~an order of magnitude
//!   slower on a row-major matrix.
//! * **Class-weighted** (`ClassWeight::Balanced`): linfa-logistic 0.8.1 has **no sample or
//!   class weights**: its `fit` reads only `dataset.records()` and `dataset.targets()`
//!   (`DatasetBase::weights` is ignored) and `LogisticRegressionProblem` holds just
//!   `x`, `target`, `alpha`. A weighted loss cannot be expressed through that objective
//!   (row replication would need integer weights). So the weighted case — and only it — is
//!   solved by a damped Newton method here ([`SolverKind::NewtonCholesky`]: exact Hessian,
//!   Cholesky solve, Armijo backtracking), on the same objective with `w_i = n / (2 n_{y_i})`
//!   as scikit-learn's `class_weight="balanced"`. Tests check that Newton with unit weights
//!   reproduces the linfa solution, and both against scikit-learn.
//!
//! linfa-logistic returns only the fitted parameters (argmin's iteration state is dropped
//! inside its `fit`), so for the linfa solver `iterations` is `None`; the gradient norm at
//! the returned solution is recomputed here and `converged` is judged from it.
//!
//! # Guards
//!
//! Non-finite inputs are rejected naming the feature and row. Non-finite fitted parameters
//! are an error ([`LogisticError::NonFinite`]). Perfectly separated training data with no
//! penalty (`C = ∞`) has no maximum-likelihood estimate and is an error
//! ([`LogisticError::Separation`]); with a finite `C` the penalised optimum exists and is
//! returned (flagged `convergence.separated`).

use std::fmt;

use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, CowArray, Ix2, ShapeBuilder, s};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Rows per parallel work unit when evaluating the objective ourselves.
const CHUNK_ROWS: usize = 16_384;

/// Class weighting, as scikit-learn's `class_weight`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// Every row weight 1.
    #[default]
    None,
    /// `w_c = n / (2 n_c)` for class `c` (scikit-learn's `"balanced"`).
    Balanced,
}

/// Which optimiser fits the (convex) problem; both reach the same optimum to `tol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// linfa-logistic's L-BFGS for unweighted problems below [`Solver::NEWTON_CELLS`] cells
    /// (rows × features), Newton otherwise.
    #[default]
    Auto,
    /// linfa-logistic (L-BFGS); not available with class weights (linfa ignores weights).
    Lbfgs,
    /// Newton's method with a Cholesky solve (exact Hessian, line search).
    Newton,
}

impl Solver {
    /// Problem size (rows × features) from which `Auto` uses Newton. linfa-logistic copies
    /// the whole design matrix into a matrix-product buffer at every cost and gradient
    /// evaluation, so its L-BFGS costs a full copy per iteration and needs dozens of
    /// iterations on real, correlated feature tables; Newton needs about 5 passes that each
    /// form X'WX. At 1M rows × 37 churn features: L-BFGS about 30 s, Newton about 5 s.
    pub const NEWTON_CELLS: usize = 4_000_000;
}

/// Fit options for [`LogisticModel::fit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticOptions {
    /// Inverse L2 strength, as scikit-learn's `C` (> 0; `f64::INFINITY` = no penalty).
    /// linfa's `alpha = 1 / C`.
    pub c: f64,
    /// Fit an (unpenalised) intercept; if false the intercept is fixed at 0.
    pub fit_intercept: bool,
    /// Row weighting by class; [`ClassWeight::Balanced`] selects the Newton solver.
    pub class_weight: ClassWeight,
    /// Maximum solver iterations (L-BFGS or Newton).
    pub max_iterations: u64,
    /// Stop when `‖∇objective‖₂ / Σw ≤ tol` (Σw = n unweighted), i.e. the gradient of the
    /// per-sample-averaged objective. scikit-learn's `tol` for lbfgs is the max-abs of that
    /// same averaged gradient (≤ the L2 norm), so ours is at least as strict.
    pub tol: f64,
    /// Start the optimiser from `β = 0, b = logit(base rate)` (the exact intercept-only
    /// optimum) instead of all zeros. Only affects speed.
    pub start_from_base_rate: bool,
    /// Unweighted fits on more than `2 × warm_start_rows` rows are started from a linfa fit
    /// on an evenly strided subsample of about this many rows (same per-row penalty). Only
    /// affects speed; 0 turns it off.
    pub warm_start_rows: usize,
    /// The optimiser (absent in files written before it existed: `auto`).
    #[serde(default)]
    pub solver: Solver,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        LogisticOptions {
            c: 1.0,
            fit_intercept: true,
            class_weight: ClassWeight::None,
            max_iterations: 1000,
            tol: 1e-6,
            start_from_base_rate: true,
            warm_start_rows: 50_000,
            solver: Solver::Auto,
        }
    }
}

impl LogisticOptions {
    /// linfa-logistic's `alpha` for this `C`.
    pub fn alpha(&self) -> f64 {
        if self.c.is_infinite() {
            0.0
        } else {
            1.0 / self.c
        }
    }
}

/// Which solver produced the fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SolverKind {
    /// linfa-logistic 0.8.1 (argmin L-BFGS + More–Thuente).
    LinfaLbfgs,
    /// Damped Newton with Cholesky solves (class-weighted fits, and large problems under
    /// [`Solver::Auto`]).
    NewtonCholesky,
}

impl fmt::Display for SolverKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SolverKind::LinfaLbfgs => "linfa-logistic L-BFGS",
            SolverKind::NewtonCholesky => "Newton-Cholesky",
        })
    }
}

/// How the solver finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Convergence {
    /// The solver used.
    pub solver: SolverKind,
    /// Solver iterations; `None` for linfa-logistic, which does not expose them.
    pub iterations: Option<u64>,
    /// Objective value `Σ w ℓ + ‖β‖²/(2C)` at the solution.
    pub objective: f64,
    /// `‖∇objective‖₂` at the solution (recomputed here).
    pub gradient_norm: f64,
    /// `gradient_norm / Σw`, the quantity compared with `options.tol`.
    pub scaled_gradient_norm: f64,
    /// Whether `scaled_gradient_norm ≤ options.tol`.
    pub converged: bool,
    /// The fitted linear predictor separates the training classes perfectly.
    pub separated: bool,
}

/// One row of [`LogisticModel::coefficient_table`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoefficientRow {
    /// Feature name.
    pub feature: String,
    /// Standardised coefficient (log-odds per 1 training SD).
    pub coefficient: f64,
    /// `exp(coefficient)`: odds ratio per 1 SD.
    pub odds_ratio_per_sd: f64,
}

/// Errors from [`LogisticModel::fit`].
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LogisticError {
    /// The feature matrix and the label vector have different numbers of rows.
    #[error("{x_rows} feature rows but {y_len} labels")]
    LengthMismatch {
        /// Rows of the feature matrix.
        x_rows: usize,
        /// Number of labels.
        y_len: usize,
    },
    /// The number of feature names differs from the number of matrix columns.
    #[error("{n_names} feature names for {n_cols} feature columns")]
    NamesMismatch {
        /// Number of feature names given.
        n_names: usize,
        /// Columns of the feature matrix.
        n_cols: usize,
    },
    /// The feature matrix has no rows.
    #[error("no training rows")]
    Empty,
    /// All labels are the same class.
    #[error("only one class in the labels ({n} rows, all {label}); cannot fit a classifier")]
    SingleClass {
        /// Number of rows.
        n: usize,
        /// The single label present.
        label: bool,
    },
    /// The feature matrix contains a NaN or infinite value.
    #[error("feature `{feature}`, row {row}: non-finite value {value}")]
    NonFiniteInput {
        /// Name of the feature (column).
        feature: String,
        /// Row index of the first non-finite value in that column.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// An option is out of range (`C` not > 0, `tol` not finite and > 0, or
    /// `max_iterations` 0).
    #[error("invalid option: {0}")]
    InvalidOptions(String),
    /// linfa-logistic returned an error (its message).
    #[error("linfa-logistic failed: {0}")]
    Solver(String),
    /// A fitted coefficient, the intercept, the objective or its gradient is non-finite.
    #[error(
        "fit produced non-finite {what} (singular or separable data with too little L2 \
         penalty; lower C)"
    )]
    NonFinite {
        /// Which quantity was non-finite, with its value.
        what: String,
    },
    /// The training classes are perfectly separated and `C = ∞`, so no finite
    /// maximum-likelihood estimate exists.
    #[error(
        "training data are perfectly separable and C = ∞ (no penalty): the maximum-likelihood \
         coefficients are infinite; use a finite C"
    )]
    Separation,
}

/// A fitted churn logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// Feature names, in column order.
    pub feature_names: Vec<String>,
    /// Standardised coefficients, one per feature.
    pub coefficients: Vec<f64>,
    /// Intercept: the log-odds when every feature is 0 (0 if `fit_intercept` is off).
    pub intercept: f64,
    /// Options the model was fitted with.
    pub options: LogisticOptions,
    /// Solver diagnostics at the solution.
    pub convergence: Convergence,
    /// Number of training rows.
    pub n_train: usize,
    /// Number of positive (churned) training rows.
    pub n_positive: usize,
}

impl LogisticModel {
    /// Fit on `x` (rows × standardised features) and labels `y` (`true` = churned).
    pub fn fit(
        x: &Array2<f64>,
        y: &[bool],
        feature_names: &[String],
        options: &LogisticOptions,
    ) -> Result<LogisticModel, LogisticError> {
        let (n, p) = x.dim();
        if n != y.len() {
            return Err(LogisticError::LengthMismatch {
                x_rows: n,
                y_len: y.len(),
            });
        }
        if feature_names.len() != p {
            return Err(LogisticError::NamesMismatch {
                n_names: feature_names.len(),
                n_cols: p,
            });
        }
        if n == 0 {
            return Err(LogisticError::Empty);
        }
        if options.c.is_nan() || options.c <= 0.0 {
            return Err(LogisticError::InvalidOptions(format!(
                "C must be > 0 (got {})",
                options.c
            )));
        }
        if !(options.tol > 0.0 && options.tol.is_finite()) {
            return Err(LogisticError::InvalidOptions(format!(
                "tol must be finite and > 0 (got {})",
                options.tol
            )));
        }
        if options.max_iterations == 0 {
            return Err(LogisticError::InvalidOptions(
                "max_iterations must be ≥ 1".into(),
            ));
        }
        let n_pos = y.iter().filter(|&&v| v).count();
        if n_pos == 0 || n_pos == n {
            return Err(LogisticError::SingleClass {
                n,
                label: n_pos > 0,
            });
        }
        // Column-major copy (or view) for linfa and for our own passes.
        let xf: CowArray<'_, f64, Ix2> = if x.t().is_standard_layout() {
            x.view().into()
        } else {
            to_col_major(&x.view()).into()
        };
        check_finite(&xf.view(), feature_names)?;

        let alpha = options.alpha();
        let weights: Option<Vec<f64>> = match options.class_weight {
            ClassWeight::None => None,
            ClassWeight::Balanced => {
                let w_pos = n as f64 / (2.0 * n_pos as f64);
                let w_neg = n as f64 / (2.0 * (n - n_pos) as f64);
                Some(y.iter().map(|&v| if v { w_pos } else { w_neg }).collect())
            }
        };
        let sum_w = weights.as_ref().map_or(n as f64, |w| w.iter().sum());
        // Weighted class totals; log of their ratio is the intercept-only optimum.
        let (sum_pos, sum_neg) = match &weights {
            None => (n_pos as f64, (n - n_pos) as f64),
            Some(w) => y.iter().zip(w).fold(
                (0.0, 0.0),
                |(a, b), (&v, &wi)| {
                    if v { (a + wi, b) } else { (a, b + wi) }
                },
            ),
        };
        let base_rate_logit = (sum_pos / sum_neg).ln();
        let init_b = if options.fit_intercept && options.start_from_base_rate {
            base_rate_logit
        } else {
            0.0
        };

        let newton = match options.solver {
            Solver::Newton => true,
            Solver::Lbfgs => {
                if weights.is_some() {
                    return Err(LogisticError::InvalidOptions(
                        "the L-BFGS solver (linfa-logistic) ignores class weights: use the \
                         newton or auto solver with class weights"
                            .into(),
                    ));
                }
                false
            }
            Solver::Auto => weights.is_some() || n * p >= Solver::NEWTON_CELLS,
        };
        let (beta, b, solver, iterations) = match &weights {
            None if !newton => {
                let (beta, b) = fit_linfa_warm(&xf.view(), y, options, alpha, init_b)?;
                (beta, b, SolverKind::LinfaLbfgs, None)
            }
            w => {
                let (beta, b, it) = fit_newton(
                    &xf.view(),
                    y,
                    w.as_deref(),
                    alpha,
                    options.fit_intercept,
                    options.max_iterations,
                    options.tol * sum_w,
                    init_b,
                );
                (beta, b, SolverKind::NewtonCholesky, Some(it))
            }
        };

        if let Some(j) = beta.iter().position(|v| !v.is_finite()) {
            return Err(LogisticError::NonFinite {
                what: format!("coefficient for `{}` ({})", feature_names[j], beta[j]),
            });
        }
        if !b.is_finite() {
            return Err(LogisticError::NonFinite {
                what: format!("intercept ({b})"),
            });
        }
        let ev = evaluate(
            &xf.view(),
            y,
            weights.as_deref(),
            beta.view(),
            b,
            alpha,
            options.fit_intercept,
            false,
        );
        let gradient_norm = ev.grad.dot(&ev.grad).sqrt();
        let scaled = gradient_norm / sum_w;
        let separated = ev.separated;
        if separated && alpha == 0.0 {
            return Err(LogisticError::Separation);
        }
        if !ev.f.is_finite() || !gradient_norm.is_finite() {
            return Err(LogisticError::NonFinite {
                what: format!("objective ({}) or gradient ({gradient_norm})", ev.f),
            });
        }
        Ok(LogisticModel {
            feature_names: feature_names.to_vec(),
            coefficients: beta.to_vec(),
            intercept: b,
            options: options.clone(),
            convergence: Convergence {
                solver,
                iterations,
                objective: ev.f,
                gradient_norm,
                scaled_gradient_norm: scaled,
                converged: scaled <= options.tol,
                separated,
            },
            n_train: n,
            n_positive: n_pos,
        })
    }

    /// Linear predictor (log-odds) per row.
    ///
    /// # Panics
    /// If `x` does not have one column per feature.
    pub fn decision_function(&self, x: &Array2<f64>) -> Vec<f64> {
        assert_eq!(
            x.ncols(),
            self.coefficients.len(),
            "LogisticModel: matrix has {} columns, model has {} features",
            x.ncols(),
            self.coefficients.len()
        );
        let beta = ArrayView1::from(&self.coefficients);
        (x.dot(&beta) + self.intercept).to_vec()
    }

    /// Churn probability per row.
    ///
    /// # Panics
    /// If `x` does not have one column per feature.
    pub fn predict_proba(&self, x: &Array2<f64>) -> Vec<f64> {
        let mut z = self.decision_function(x);
        z.iter_mut().for_each(|v| *v = sigmoid(*v));
        z
    }

    /// Name, standardised coefficient and odds ratio per 1 SD, in feature order.
    pub fn coefficient_table(&self) -> Vec<CoefficientRow> {
        self.feature_names
            .iter()
            .zip(&self.coefficients)
            .map(|(f, &c)| CoefficientRow {
                feature: f.clone(),
                coefficient: c,
                odds_ratio_per_sd: c.exp(),
            })
            .collect()
    }

    /// `coef_j × x_j` per feature for one standardised row, in feature order. The log-odds
    /// is `intercept + Σ contributions`; a training-average customer has all contributions 0.
    ///
    /// # Panics
    /// If `row` does not have one value per feature.
    pub fn contributions(&self, row: &[f64]) -> Vec<(String, f64)> {
        assert_eq!(row.len(), self.coefficients.len(), "row length");
        self.feature_names
            .iter()
            .zip(&self.coefficients)
            .zip(row)
            .map(|((f, &c), &v)| (f.clone(), c * v))
            .collect()
    }

    /// The (at most) `k` largest positive contributions, largest first: reason codes for why
    /// a customer's churn risk is above average.
    pub fn reason_codes(&self, row: &[f64], k: usize) -> Vec<(String, f64)> {
        let mut c: Vec<(String, f64)> = self
            .contributions(row)
            .into_iter()
            .filter(|(_, v)| *v > 0.0)
            .collect();
        c.sort_by(|a, b| b.1.total_cmp(&a.1));
        c.truncate(k);
        c
    }
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `log(1 + e^z)`, stable.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

fn check_finite(x: &ArrayView2<'_, f64>, names: &[String]) -> Result<(), LogisticError> {
    for (j, col) in x.axis_iter(Axis(1)).enumerate() {
        if let Some((row, &value)) = col.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(LogisticError::NonFiniteInput {
                feature: names[j].clone(),
                row,
                value,
            });
        }
    }
    Ok(())
}

/// Column-major copy of `x`.
fn to_col_major(x: &ArrayView2<'_, f64>) -> Array2<f64> {
    let mut a = Array2::zeros(x.raw_dim().f());
    a.assign(x);
    a
}

/// [`fit_linfa`] on all rows, started (if `options.warm_start_rows` asks for it) from a
/// linfa fit on every `stride`-th row with the same per-row penalty (`α · m / n`).
fn fit_linfa_warm(
    x: &ArrayView2<'_, f64>,
    y: &[bool],
    options: &LogisticOptions,
    alpha: f64,
    init_b: f64,
) -> Result<(Array1<f64>, f64), LogisticError> {
    let n = y.len();
    let mut start = (Array1::zeros(x.ncols()), init_b);
    let stride = n.checked_div(options.warm_start_rows).unwrap_or(0);
    if stride >= 2 {
        let rows: Vec<usize> = (0..n).step_by(stride).collect();
        let ys: Vec<bool> = rows.iter().map(|&i| y[i]).collect();
        let n_pos = ys.iter().filter(|&&v| v).count();
        if n_pos > 0 && n_pos < ys.len() {
            let xs = to_col_major(&x.select(Axis(0), &rows).view());
            let sub_alpha = alpha * rows.len() as f64 / n as f64;
            let sub_opts = LogisticOptions {
                tol: options.tol.max(1e-5),
                ..options.clone()
            };
            start = fit_linfa(
                &xs.view(),
                &ys,
                &sub_opts,
                sub_alpha,
                start.0.view(),
                init_b,
            )?;
        }
    }
    fit_linfa(x, y, options, alpha, start.0.view(), start.1)
}

/// Unweighted fit with linfa-logistic from `(init_beta, init_b)` (P(y = true) orientation);
/// returns `(β, b)` for P(y = true).
fn fit_linfa(
    x: &ArrayView2<'_, f64>,
    y: &[bool],
    options: &LogisticOptions,
    alpha: f64,
    init_beta: ArrayView1<'_, f64>,
    init_b: f64,
) -> Result<(Array1<f64>, f64), LogisticError> {
    let n = y.len();
    let p = x.ncols();
    let n_pos = y.iter().filter(|&&v| v).count();
    // linfa labels the *more frequent* class +1 (ties: the first label seen) and models
    // P(that class); see `label_classes` in linfa-logistic. The start point must be given
    // in that orientation, and the result flipped back.
    let linfa_pos_is_true = n_pos > n - n_pos || (2 * n_pos == n && y[0]);
    let sign = if linfa_pos_is_true { 1.0 } else { -1.0 };
    let mut init = Array1::zeros(p + usize::from(options.fit_intercept));
    init.slice_mut(s![..p]).assign(&(&init_beta * sign));
    if options.fit_intercept {
        init[p] = init_b * sign;
    }
    let params = LogisticRegression::default()
        .alpha(alpha)
        .with_intercept(options.fit_intercept)
        .max_iterations(options.max_iterations)
        .gradient_tolerance(options.tol * n as f64)
        .initial_params(init);
    let data = DatasetBase::new(x.view(), Array1::from(y.to_vec()));
    let fitted = params
        .fit(&data)
        .map_err(|e| LogisticError::Solver(e.to_string()))?;
    debug_assert_eq!(fitted.labels().pos.class, linfa_pos_is_true);
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    Ok((fitted.params() * sign, fitted.intercept() * sign))
}

/// Objective value, gradient (intercept last) and optionally Hessian at `(β, b)`.
struct Eval {
    f: f64,
    grad: Array1<f64>,
    hess: Option<Array2<f64>>,
    separated: bool,
}

#[allow(clippy::too_many_arguments)]
fn evaluate(
    x: &ArrayView2<'_, f64>,
    y: &[bool],
    w: Option<&[f64]>,
    beta: ArrayView1<'_, f64>,
    b: f64,
    alpha: f64,
    fit_intercept: bool,
    want_hess: bool,
) -> Eval {
    let (n, p) = x.dim();
    let q = p + usize::from(fit_intercept);
    let n_chunks = n.div_ceil(CHUNK_ROWS);
    let part = |c: usize| -> Eval {
        let (r0, r1) = (c * CHUNK_ROWS, ((c + 1) * CHUNK_ROWS).min(n));
        let xc = x.slice(s![r0..r1, ..]);
        let z = xc.dot(&beta) + b;
        let m = r1 - r0;
        let mut f = 0.0;
        let mut r = Array1::zeros(m);
        let mut sw = Array1::zeros(if want_hess { m } else { 0 });
        let mut separated = true;
        for k in 0..m {
            let i = r0 + k;
            let yi = if y[i] { 1.0 } else { 0.0 };
            let wi = w.map_or(1.0, |w| w[i]);
            let zi = z[k];
            separated &= if y[i] { zi > 0.0 } else { zi < 0.0 };
            f += wi * (softplus(zi) - yi * zi);
            let pi = sigmoid(zi);
            r[k] = wi * (pi - yi);
            if want_hess {
                sw[k] = wi * pi * (1.0 - pi);
            }
        }
        let mut grad = Array1::zeros(q);
        grad.slice_mut(s![..p]).assign(&xc.t().dot(&r));
        if fit_intercept {
            grad[p] = r.sum();
        }
        let hess = want_hess.then(|| {
            let mut h = Array2::zeros((q, q));
            let root = sw.mapv(f64::sqrt);
            let xs = &xc * &root.insert_axis(Axis(1));
            h.slice_mut(s![..p, ..p]).assign(&xs.t().dot(&xs));
            if fit_intercept {
                let xt_s = xc.t().dot(&sw);
                h.slice_mut(s![..p, p]).assign(&xt_s);
                h.slice_mut(s![p, ..p]).assign(&xt_s);
                h[[p, p]] = sw.sum();
            }
            h
        });
        Eval {
            f,
            grad,
            hess,
            separated,
        }
    };
    let mut total = (0..n_chunks)
        .into_par_iter()
        .map(part)
        .reduce_with(|mut a, b| {
            a.f += b.f;
            a.grad += &b.grad;
            if let (Some(ha), Some(hb)) = (a.hess.as_mut(), b.hess.as_ref()) {
                *ha += hb;
            }
            a.separated &= b.separated;
            a
        })
        .expect("n ≥ 1");
    total.f += 0.5 * alpha * beta.dot(&beta);
    let mut g = total.grad.slice_mut(s![..p]);
    g.scaled_add(alpha, &beta);
    if let Some(h) = total.hess.as_mut() {
        for j in 0..p {
            h[[j, j]] += alpha;
        }
    }
    total
}

/// Solve `A x = rhs` for symmetric positive-definite `A` by Cholesky; `None` if `A` is not
/// numerically positive definite.
fn cholesky_solve(a: &Array2<f64>, rhs: &Array1<f64>) -> Option<Array1<f64>> {
    let q = a.nrows();
    let mut l = Array2::<f64>::zeros((q, q));
    for i in 0..q {
        for j in 0..=i {
            let mut sum = a[[i, j]];
            for k in 0..j {
                sum -= l[[i, k]] * l[[j, k]];
            }
            if i == j {
                if sum <= 0.0 || !sum.is_finite() {
                    return None;
                }
                l[[i, i]] = sum.sqrt();
            } else {
                l[[i, j]] = sum / l[[j, j]];
            }
        }
    }
    let mut v = rhs.clone();
    for i in 0..q {
        for k in 0..i {
            v[i] -= l[[i, k]] * v[k];
        }
        v[i] /= l[[i, i]];
    }
    for i in (0..q).rev() {
        for k in i + 1..q {
            v[i] -= l[[k, i]] * v[k];
        }
        v[i] /= l[[i, i]];
    }
    Some(v)
}

/// Solve `(H + λI) d = rhs`, raising λ from 0 until the Cholesky factorisation succeeds
/// (only needed for a singular Hessian, i.e. collinear features with C = ∞).
fn regularised_solve(h: &Array2<f64>, rhs: &Array1<f64>) -> Array1<f64> {
    let q = h.nrows();
    let scale = (0..q)
        .map(|i| h[[i, i]].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    let mut lambda = 0.0;
    loop {
        let mut hl = h.clone();
        for i in 0..q {
            hl[[i, i]] += lambda;
        }
        if let Some(d) = cholesky_solve(&hl, rhs) {
            return d;
        }
        lambda = if lambda == 0.0 {
            scale * 1e-12
        } else {
            lambda * 100.0
        };
        if lambda > scale * 1e6 {
            // Steepest descent as a last resort (cannot happen for a finite Hessian).
            return rhs / scale;
        }
    }
}

/// Damped Newton on the weighted objective; returns `(β, b, iterations)`.
#[allow(clippy::too_many_arguments)]
fn fit_newton(
    x: &ArrayView2<'_, f64>,
    y: &[bool],
    w: Option<&[f64]>,
    alpha: f64,
    fit_intercept: bool,
    max_iterations: u64,
    grad_tol: f64,
    init_b: f64,
) -> (Array1<f64>, f64, u64) {
    let p = x.ncols();
    let q = p + usize::from(fit_intercept);
    let mut theta = Array1::<f64>::zeros(q);
    if fit_intercept {
        theta[p] = init_b;
    }
    let split = |t: &Array1<f64>| -> (Array1<f64>, f64) {
        let b = if fit_intercept { t[p] } else { 0.0 };
        (t.slice(s![..p]).to_owned(), b)
    };
    let mut iterations = 0;
    while iterations < max_iterations {
        let (beta, b) = split(&theta);
        let ev = evaluate(x, y, w, beta.view(), b, alpha, fit_intercept, true);
        if ev.grad.dot(&ev.grad).sqrt() <= grad_tol {
            break;
        }
        iterations += 1;
        let hess = ev.hess.expect("requested");
        let d = regularised_solve(&hess, &(-&ev.grad));
        let slope = ev.grad.dot(&d);
        // Newton decrement below the resolution of the objective: a floating-point
        // optimum, no further progress possible.
        if -slope <= 4.0 * f64::EPSILON * ev.f.abs().max(1.0) {
            break;
        }
        let mut t = 1.0;
        let mut accepted = false;
        while t > 1e-12 {
            let cand = &theta + &(&d * t);
            let (cb, cb0) = split(&cand);
            let f_new = evaluate(x, y, w, cb.view(), cb0, alpha, fit_intercept, false).f;
            if f_new <= ev.f + 1e-4 * t * slope {
                theta = cand;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            // No decrease possible at machine precision: we are at the optimum.
            break;
        }
    }
    let (beta, b) = split(&theta);
    (beta, b, iterations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::encode::{self, RawColumn};
    use proptest::prelude::*;
    use std::time::Instant;

    /// SplitMix64 + Box–Muller: deterministic test data without an RNG dependency.
    struct Rng(u64);
    impl Rng {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn uniform(&mut self) -> f64 {
            ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }
        fn normal(&mut self) -> f64 {
            let (u1, u2) = (self.uniform(), self.uniform());
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        }
    }

    /// `n × p` standard-normal features (column-major) and labels from the logistic model.
    fn simulate(n: usize, beta: &[f64], b: f64, seed: u64) -> (Array2<f64>, Vec<bool>) {
        let p = beta.len();
        let mut rng = Rng(seed);
        let mut x = Array2::<f64>::zeros((n, p).f());
        for j in 0..p {
            for i in 0..n {
                x[[i, j]] = rng.normal();
            }
        }
        let z = x.dot(&ArrayView1::from(beta)) + b;
        let y = z.iter().map(|&zi| rng.uniform() < sigmoid(zi)).collect();
        (x, y)
    }

    /// The two solvers reach the same optimum (a convex problem): unweighted Newton against
    /// linfa-logistic's L-BFGS on simulated data, and `auto` picks by size.
    #[test]
    fn newton_and_lbfgs_agree() {
        let (x, y) = simulate(20_000, &[0.8, -0.5, 0.3, 0.0, 1.2], -0.7, 11);
        let nm = names(5);
        let fit = |solver| {
            LogisticModel::fit(
                &x,
                &y,
                &nm,
                &LogisticOptions {
                    solver,
                    tol: 1e-9,
                    ..LogisticOptions::default()
                },
            )
            .unwrap()
        };
        let (a, b) = (fit(Solver::Lbfgs), fit(Solver::Newton));
        assert_eq!(a.convergence.solver, SolverKind::LinfaLbfgs);
        assert_eq!(b.convergence.solver, SolverKind::NewtonCholesky);
        for (u, v) in a.coefficients.iter().zip(&b.coefficients) {
            assert!(
                (u - v).abs() < 1e-5,
                "{:?} vs {:?}",
                a.coefficients,
                b.coefficients
            );
        }
        assert!((a.intercept - b.intercept).abs() < 1e-5);
        // 20k × 5 = 100k cells: auto uses L-BFGS; class weights need Newton.
        assert_eq!(fit(Solver::Auto).convergence.solver, SolverKind::LinfaLbfgs);
        let weighted = LogisticOptions {
            class_weight: ClassWeight::Balanced,
            solver: Solver::Lbfgs,
            ..LogisticOptions::default()
        };
        assert!(matches!(
            LogisticModel::fit(&x, &y, &nm, &weighted),
            Err(LogisticError::InvalidOptions(_))
        ));
    }

    fn names(p: usize) -> Vec<String> {
        (0..p).map(|j| format!("x{j}")).collect()
    }

    fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(u, v)| (u - v).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn linfa_and_newton_solve_the_same_objective() {
        // Strong penalty so that a wrong alpha mapping or a penalised intercept would show.
        let (x, y) = simulate(3000, &[1.0, -0.5, 0.25, 0.0, 2.0], -0.7, 11);
        for fit_intercept in [true, false] {
            for c in [0.002, 1.0] {
                let opts = LogisticOptions {
                    c,
                    fit_intercept,
                    tol: 1e-8,
                    ..LogisticOptions::default()
                };
                let m = LogisticModel::fit(&x, &y, &names(5), &opts).unwrap();
                assert_eq!(m.convergence.solver, SolverKind::LinfaLbfgs);
                let (beta, b, it) = fit_newton(
                    &x.view(),
                    &y,
                    None,
                    opts.alpha(),
                    fit_intercept,
                    100,
                    1e-12 * 3000.0,
                    0.0,
                );
                let d = max_abs_diff(&m.coefficients, beta.as_slice().unwrap());
                assert!(d < 1e-7, "C={c} intercept={fit_intercept}: diff {d}");
                assert!((m.intercept - b).abs() < 1e-7);
                assert!(it < 20);
                assert!(m.convergence.converged, "{:?}", m.convergence);
            }
        }
    }

    #[test]
    fn probabilities_are_for_true_whichever_class_is_larger() {
        // Majority true, then majority false: both must give P(true) with the right signs.
        for b in [1.5, -1.5] {
            let (x, y) = simulate(4000, &[1.0, -1.0], b, 5);
            let m = LogisticModel::fit(&x, &y, &names(2), &LogisticOptions::default()).unwrap();
            assert!(m.coefficients[0] > 0.5 && m.coefficients[1] < -0.5);
            assert!((m.intercept - b).abs() < 0.3, "{} vs {b}", m.intercept);
            let prob = m.predict_proba(&x);
            let mean_p = prob.iter().sum::<f64>() / 4000.0;
            let rate = y.iter().filter(|&&v| v).count() as f64 / 4000.0;
            assert!((mean_p - rate).abs() < 1e-3, "{mean_p} vs {rate}");
        }
    }

    #[test]
    fn parameter_recovery_200k() {
        let truth = [0.8, -0.5, 0.3, 0.0, -1.2, 0.05];
        let b_true = -1.0;
        let n = 200_000;
        let (x, y) = simulate(n, &truth, b_true, 2024);
        let opts = LogisticOptions {
            c: 1e6, // α = 1e-6: negligible against the 200k-row likelihood
            tol: 1e-9,
            ..LogisticOptions::default()
        };
        let m = LogisticModel::fit(&x, &y, &names(truth.len()), &opts).unwrap();
        assert!(m.convergence.converged);
        // Standard errors from the inverse observed information at the fit.
        let beta = Array1::from(m.coefficients.clone());
        let ev = evaluate(
            &x.view(),
            &y,
            None,
            beta.view(),
            m.intercept,
            0.0,
            true,
            true,
        );
        let h = ev.hess.unwrap();
        let q = truth.len() + 1;
        let mut worst: f64 = 0.0;
        for j in 0..q {
            let mut e = Array1::zeros(q);
            e[j] = 1.0;
            let col = cholesky_solve(&h, &e).unwrap();
            let se = col[j].sqrt();
            let (est, tru) = if j < truth.len() {
                (m.coefficients[j], truth[j])
            } else {
                (m.intercept, b_true)
            };
            let z = (est - tru) / se;
            worst = worst.max(z.abs());
            println!("  param {j}: true {tru:+.3} est {est:+.5} se {se:.5} z {z:+.2}");
            assert!(
                z.abs() < 4.0,
                "param {j}: est {est} true {tru} se {se} z {z}"
            );
            // Sanity: SEs of order 1/sqrt(n · p(1-p)).
            assert!(se > 1e-3 && se < 2e-2, "se {se}");
        }
        println!("parameter recovery n={n}: max |z| = {worst:.3}");
    }

    #[test]
    fn separable_and_singular_data_never_give_nan() {
        let n = 200;
        let mut x = Array2::<f64>::zeros((n, 2).f());
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let v = i as f64 / n as f64 - 0.5 + 1e-3;
            x[[i, 0]] = v;
            x[[i, 1]] = v; // exact duplicate column: singular design
            y.push(v > 0.0);
        }
        let unpenalised = LogisticOptions {
            c: f64::INFINITY,
            ..LogisticOptions::default()
        };
        let e = LogisticModel::fit(&x, &y, &names(2), &unpenalised).unwrap_err();
        assert_eq!(e, LogisticError::Separation);
        assert!(e.to_string().contains("separable"));
        let balanced = LogisticOptions {
            class_weight: ClassWeight::Balanced,
            ..unpenalised.clone()
        };
        assert_eq!(
            LogisticModel::fit(&x, &y, &names(2), &balanced).unwrap_err(),
            LogisticError::Separation
        );
        // With a penalty the optimum exists: finite, flagged as separated.
        for cw in [ClassWeight::None, ClassWeight::Balanced] {
            let opts = LogisticOptions {
                class_weight: cw,
                ..LogisticOptions::default()
            };
            let m = LogisticModel::fit(&x, &y, &names(2), &opts).unwrap();
            assert!(m.coefficients.iter().all(|c| c.is_finite()));
            assert!(m.convergence.separated);
            // Duplicate columns share the weight equally under L2.
            assert!((m.coefficients[0] - m.coefficients[1]).abs() < 1e-6);
        }
        // Singular but not separable, unpenalised: finite.
        let (mut xs, ys) = simulate(500, &[1.0, 0.0], 0.0, 3);
        let c0 = xs.column(0).to_owned();
        xs.column_mut(1).assign(&c0);
        let m = LogisticModel::fit(&xs, &ys, &names(2), &unpenalised).unwrap();
        assert!(m.coefficients.iter().all(|c| c.is_finite()));
        let m = LogisticModel::fit(&xs, &ys, &names(2), &balanced).unwrap();
        assert!(m.coefficients.iter().all(|c| c.is_finite()));
        // Bad inputs are named.
        let mut bad = xs.clone();
        bad[[7, 1]] = f64::NAN;
        let e = LogisticModel::fit(&bad, &ys, &names(2), &LogisticOptions::default());
        assert!(
            matches!(e, Err(LogisticError::NonFiniteInput { ref feature, row: 7, .. }) if feature == "x1")
        );
        let e = LogisticModel::fit(
            &xs,
            &vec![true; 500],
            &names(2),
            &LogisticOptions::default(),
        );
        assert!(matches!(e, Err(LogisticError::SingleClass { .. })));
    }

    #[test]
    fn model_roundtrip_table_and_reason_codes() {
        let (x, y) = simulate(2000, &[1.0, -1.0, 0.5], -0.3, 9);
        let m = LogisticModel::fit(&x, &y, &names(3), &LogisticOptions::default()).unwrap();
        let json = serde_json::to_string(&m).unwrap();
        let back: LogisticModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        let table = m.coefficient_table();
        assert_eq!(table[1].feature, "x1");
        assert!((table[1].odds_ratio_per_sd - m.coefficients[1].exp()).abs() < 1e-15);
        let row = [1.0, -2.0, -1.0];
        let contrib = m.contributions(&row);
        let logit = m.intercept + contrib.iter().map(|c| c.1).sum::<f64>();
        let xr = Array2::from_shape_vec((1, 3), row.to_vec()).unwrap();
        assert!((logit - m.decision_function(&xr)[0]).abs() < 1e-12);
        let reasons = m.reason_codes(&row, 3);
        // x0 (+1 × ~1) and x1 (−2 × ~−1) push up; x2 (−1 × ~0.5) pushes down.
        assert_eq!(
            reasons.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
            vec!["x1", "x0"]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn prop_fit_is_finite_and_probabilities_valid(
            seed in 0u64..1000,
            b in -3.0f64..3.0,
            coef in prop::collection::vec(-4.0f64..4.0, 1..5),
            log_c in -3.0f64..3.0,
            balanced in any::<bool>(),
        ) {
            let (x, y) = simulate(300, &coef, b, seed);
            let n_pos = y.iter().filter(|&&v| v).count();
            prop_assume!(n_pos > 0 && n_pos < y.len());
            let opts = LogisticOptions {
                c: 10f64.powf(log_c),
                class_weight: if balanced { ClassWeight::Balanced } else { ClassWeight::None },
                ..LogisticOptions::default()
            };
            let m = LogisticModel::fit(&x, &y, &names(coef.len()), &opts).unwrap();
            prop_assert!(m.coefficients.iter().all(|c| c.is_finite()));
            prop_assert!(m.convergence.converged, "{:?}", m.convergence);
            for p in m.predict_proba(&x) {
                prop_assert!((0.0..=1.0).contains(&p));
            }
        }
    }

    // ---------------------------------------------------------------------------------
    // Reference parity with scikit-learn on datasets/churn/wa_churn.csv.
    // Script: tests/data/sklearn_churn_reference.py (scikit-learn 1.9.1, pandas 3.1.1,
    // numpy 2.4.6, scipy 1.17.1, Python 3.11.7), LogisticRegression(C=1.0, penalty="l2",
    // solver="lbfgs", max_iter=10000, tol=1e-10); balanced = same + class_weight="balanced".
    // Split: 0-based data row i is test iff i % 5 == 4 (5635 train / 1408 test).

    const SK_UNWEIGHTED_TEST_AUC: f64 = 0.8374762418451739;
    const SK_UNWEIGHTED_INTERCEPT: f64 = -1.7563991244033987;
    const SK_BALANCED_TEST_AUC: f64 = 0.837378640776699;
    const SK_BALANCED_INTERCEPT: f64 = -0.7254366113440642;
    // Same problems solved by scikit-learn's newton-cholesky with tol=1e-14 (the
    // lbfgs answers above stop ~5e-6 from the optimum: scipy's ftol criterion).
    const SKN_UNWEIGHTED_INTERCEPT: f64 = -1.75639937312133;
    const SKN_UNWEIGHTED_COEF: [f64; 41] = [
        0.010442270588468448,  // female
        0.07236322387374172,   // senior_citizen
        0.018141339791164685,  // partner
        -0.06975805570230643,  // dependents
        -1.3026724811531216,   // tenure
        -0.04873355789959922,  // phone_service
        -0.08872348466214491,  // multiple_lines=No
        0.04873355789959861,   // multiple_lines=No phone service
        0.06086180482433552,   // multiple_lines=Yes
        -0.209519319613201,    // internet_service=DSL
        0.2452352224324169,    // internet_service=Fiber optic
        -0.0533072920937837,   // internet_service=No
        0.11124428264076654,   // online_security=No
        -0.0533072920937837,   // online_security=No internet service
        -0.07429996999523442,  // online_security=Yes
        0.05538477765930608,   // online_backup=No
        -0.0533072920937837,   // online_backup=No internet service
        -0.011963381570250212, // online_backup=Yes
        0.020305297632550685,  // device_protection=No
        -0.0533072920937837,   // device_protection=No internet service
        0.024749138973333498,  // device_protection=Yes
        0.1008965842877841,    // tech_support=No
        -0.0533072920937837,   // tech_support=No internet service
        -0.06276273477358807,  // tech_support=Yes
        -0.03692201760303679,  // streaming_tv=No
        -0.0533072920937837,   // streaming_tv=No internet service
        0.0820155105269464,    // streaming_tv=Yes
        -0.03509317206322392,  // streaming_movies=No
        -0.0533072920937837,   // streaming_movies=No internet service
        0.07997077619564287,   // streaming_movies=Yes
        0.32705100538445836,   // contract=Month-to-month
        -0.007714688733261995, // contract=One year
        -0.37292715186527636,  // contract=Two year
        0.1481625122180749,    // paperless_billing
        -0.028155832948487888, // payment_method=Bank transfer (automatic)
        -0.08454433832359183,  // payment_method=Credit card (automatic)
        0.13130253140949763,   // payment_method=Electronic check
        -0.037697179596691006, // payment_method=Mailed check
        -0.14037716509074938,  // monthly_charges
        0.5567933955006932,    // total_charges
        -0.2070516376508247,   // total_charges_missing
    ];
    const SKN_BALANCED_INTERCEPT: f64 = -0.7254363278378982;
    const SKN_BALANCED_COEF: [f64; 41] = [
        4.7756490656127166e-05, // female
        0.06974334464322564,    // senior_citizen
        0.020890485463629874,   // partner
        -0.07795727469316815,   // dependents
        -1.2295189874222188,    // tenure
        -0.03253721481220387,   // phone_service
        -0.08440768960405212,   // multiple_lines=No
        0.032537214812194085,   // multiple_lines=No phone service
        0.06611849633715779,    // multiple_lines=Yes
        -0.22733003650739192,   // internet_service=DSL
        0.27258068867927826,    // internet_service=Fiber optic
        -0.06570244090741047,   // internet_service=No
        0.11182979980210414,    // online_security=No
        -0.06570244090741047,   // online_security=No internet service
        -0.06375984992086534,   // online_security=Yes
        0.04966343955919941,    // online_backup=No
        -0.06570244090741047,   // online_backup=No internet service
        0.004759337218869157,   // online_backup=Yes
        0.025430688709389138,   // device_protection=No
        -0.06570244090741047,   // device_protection=No internet service
        0.030082628595876924,   // device_protection=Yes
        0.09612567137375679,    // tech_support=No
        -0.06570244090741047,   // tech_support=No internet service
        -0.0463673004908371,    // tech_support=Yes
        -0.04303672909383287,   // streaming_tv=No
        -0.06570244090741047,   // streaming_tv=No internet service
        0.09860128664264282,    // streaming_tv=Yes
        -0.046122009533040464,  // streaming_movies=No
        -0.06570244090741047,   // streaming_movies=No internet service
        0.10144106595374623,    // streaming_movies=Yes
        0.3431093798078522,     // contract=Month-to-month
        -0.006701389856201216,  // contract=One year
        -0.39256310262732885,   // contract=Two year
        0.13471831897977382,    // paperless_billing
        -0.02954441210521951,   // payment_method=Bank transfer (automatic)
        -0.08645140640609016,   // payment_method=Credit card (automatic)
        0.1363218246733797,     // payment_method=Electronic check
        -0.04012747495528894,   // payment_method=Mailed check
        -0.286176689767242,     // monthly_charges
        0.536357062021733,      // total_charges
        -0.22478706113406816,   // total_charges_missing
    ];
    const SK_UNWEIGHTED_COEF: [(&str, f64); 41] = [
        ("female", 0.010442272386658399),
        ("senior_citizen", 0.07236321736009028),
        ("partner", 0.01814130188934592),
        ("dependents", -0.06975803909627463),
        ("tenure", -1.302671526997869),
        ("phone_service", -0.0487330900998986),
        ("multiple_lines=No", -0.0887235513244363),
        ("multiple_lines=No phone service", 0.048733090099898554),
        ("multiple_lines=Yes", 0.0608621503466827),
        ("internet_service=DSL", -0.20952013099870548),
        ("internet_service=Fiber optic", 0.24523634747018133),
        ("internet_service=No", -0.053307710699391435),
        ("online_security=No", 0.11124428607108183),
        ("online_security=No internet service", -0.053307710699391435),
        ("online_security=Yes", -0.07429959605457521),
        ("online_backup=No", 0.05538476889636109),
        ("online_backup=No internet service", -0.053307710699391435),
        ("online_backup=Yes", -0.011963010246034932),
        ("device_protection=No", 0.020305265881864255),
        (
            "device_protection=No internet service",
            -0.053307710699391435,
        ),
        ("device_protection=Yes", 0.02474953270776437),
        ("tech_support=No", 0.10089655973937771),
        ("tech_support=No internet service", -0.053307710699391435),
        ("tech_support=Yes", -0.06276233098490407),
        ("streaming_tv=No", -0.03692227005819502),
        ("streaming_tv=No internet service", -0.053307710699391435),
        ("streaming_tv=Yes", 0.08201611687201536),
        ("streaming_movies=No", -0.03509342669109219),
        (
            "streaming_movies=No internet service",
            -0.053307710699391435,
        ),
        ("streaming_movies=Yes", 0.07997138318667626),
        ("contract=Month-to-month", 0.32705112284744586),
        ("contract=One year", -0.007714643764180335),
        ("contract=Two year", -0.3729273312451394),
        ("paperless_billing", 0.14816242431506685),
        (
            "payment_method=Bank transfer (automatic)",
            -0.028155844514622382,
        ),
        (
            "payment_method=Credit card (automatic)",
            -0.08454432525448985,
        ),
        ("payment_method=Electronic check", 0.1313025333376794),
        ("payment_method=Mailed check", -0.03769718317926712),
        ("monthly_charges", -0.14038200205358875),
        ("total_charges", 0.5567926898938922),
        ("total_charges_missing", -0.20704817699775976),
    ];
    const SK_BALANCED_COEF: [(&str, f64); 41] = [
        ("female", 4.7748818348982496e-05),
        ("senior_citizen", 0.06974319414263629),
        ("partner", 0.020890797158408567),
        ("dependents", -0.0779575942660012),
        ("tenure", -1.2295205237925768),
        ("phone_service", -0.03253771287769013),
        ("multiple_lines=No", -0.08440767618666313),
        ("multiple_lines=No phone service", 0.0325377128776931),
        ("multiple_lines=Yes", 0.06611818673317585),
        ("internet_service=DSL", -0.22732926755729202),
        ("internet_service=Fiber optic", 0.2725796497490956),
        ("internet_service=No", -0.06570207719049234),
        ("online_security=No", 0.1118297814123624),
        ("online_security=No internet service", -0.06570207719049234),
        ("online_security=Yes", -0.0637601578749338),
        ("online_backup=No", 0.04966349192664963),
        ("online_backup=No internet service", -0.06570207719049234),
        ("online_backup=Yes", 0.0047589676528002655),
        ("device_protection=No", 0.025430749878114868),
        (
            "device_protection=No internet service",
            -0.06570207719049234,
        ),
        ("device_protection=Yes", 0.030082251470112554),
        ("tech_support=No", 0.09612571046801568),
        ("tech_support=No internet service", -0.06570207719049234),
        ("tech_support=Yes", -0.04636767083372033),
        ("streaming_tv=No", -0.04303649517980443),
        ("streaming_tv=No internet service", -0.06570207719049234),
        ("streaming_tv=Yes", 0.09860074515806891),
        ("streaming_movies=No", -0.04612172784398616),
        ("streaming_movies=No internet service", -0.06570207719049234),
        ("streaming_movies=Yes", 0.10144047796954342),
        ("contract=Month-to-month", 0.34310944958384093),
        ("contract=One year", -0.0067013058715575296),
        ("contract=Two year", -0.39256326369646466),
        ("paperless_billing", 0.13471833972293434),
        (
            "payment_method=Bank transfer (automatic)",
            -0.029544393831767185,
        ),
        (
            "payment_method=Credit card (automatic)",
            -0.08645135906331473,
        ),
        ("payment_method=Electronic check", 0.1363218724782346),
        ("payment_method=Mailed check", -0.0401275932155229),
        ("monthly_charges", -0.28617259889478047),
        ("total_charges", 0.5363587902070578),
        ("total_charges_missing", -0.22478834234032857),
    ];

    /// Minimal RFC-4180 reader: comma separated, optional double quotes with `""` escapes.
    fn read_csv(text: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let mut row = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut field)),
                (false, '\r') => {}
                (false, '\n') => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => field.push(c),
            }
        }
        if !field.is_empty() || !row.is_empty() {
            row.push(field);
            rows.push(row);
        }
        rows
    }

    /// Columns typed as numeric iff every non-blank cell parses as f64; blank = missing.
    fn churn_table() -> (Vec<(String, RawColumn)>, Vec<bool>) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/churn/wa_churn.csv");
        let text = std::fs::read_to_string(path).expect("read wa_churn.csv");
        let rows = read_csv(&text);
        let header = &rows[0];
        let data = &rows[1..];
        assert_eq!(data.len(), 7043);
        assert!(data.iter().all(|r| r.len() == header.len()));
        let mut columns = Vec::new();
        let mut label = Vec::new();
        for (j, name) in header.iter().enumerate() {
            let cells: Vec<&str> = data.iter().map(|r| r[j].trim()).collect();
            if name == "churn" {
                label = cells
                    .iter()
                    .map(|c| match *c {
                        "Yes" => true,
                        "No" => false,
                        other => panic!("churn label {other:?}"),
                    })
                    .collect();
                continue;
            }
            let numeric = cells
                .iter()
                .all(|c| c.is_empty() || c.parse::<f64>().is_ok());
            let col = if numeric {
                RawColumn::Numeric(cells.iter().map(|c| c.parse().ok()).collect())
            } else {
                RawColumn::Text(
                    cells
                        .iter()
                        .map(|c| (!c.is_empty()).then(|| c.to_string()))
                        .collect(),
                )
            };
            columns.push((name.clone(), col));
        }
        (columns, label)
    }

    struct Parity {
        auc: f64,
        sk_auc: f64,
        coef_diff: f64,
        b_diff: f64,
        coef_diff_exact: f64,
        b_diff_exact: f64,
        model: LogisticModel,
    }

    fn churn_parity(class_weight: ClassWeight) -> Parity {
        let (columns, y) = churn_table();
        let train: Vec<usize> = (0..y.len()).filter(|i| i % 5 != 4).collect();
        let test: Vec<usize> = (0..y.len()).filter(|i| i % 5 == 4).collect();
        let (spec, _notes) = encode::fit(&columns, &train).unwrap();
        let (x, _) = encode::transform(&spec, &columns).unwrap();
        let (sk_coef, sk_b, sk_auc, skn_coef, skn_b) = match class_weight {
            ClassWeight::None => (
                &SK_UNWEIGHTED_COEF,
                SK_UNWEIGHTED_INTERCEPT,
                SK_UNWEIGHTED_TEST_AUC,
                &SKN_UNWEIGHTED_COEF,
                SKN_UNWEIGHTED_INTERCEPT,
            ),
            ClassWeight::Balanced => (
                &SK_BALANCED_COEF,
                SK_BALANCED_INTERCEPT,
                SK_BALANCED_TEST_AUC,
                &SKN_BALANCED_COEF,
                SKN_BALANCED_INTERCEPT,
            ),
        };
        let names = spec.feature_names();
        assert_eq!(
            names,
            sk_coef.iter().map(|c| c.0.to_string()).collect::<Vec<_>>(),
            "encoder must produce the reference script's features"
        );
        let xt = x.select(Axis(0), &train);
        let yt: Vec<bool> = train.iter().map(|&i| y[i]).collect();
        let opts = LogisticOptions {
            c: 1.0,
            class_weight,
            tol: 1e-10,
            max_iterations: 10_000,
            ..LogisticOptions::default()
        };
        let m = LogisticModel::fit(&xt, &yt, &names, &opts).unwrap();
        let xs = x.select(Axis(0), &test);
        let ys: Vec<bool> = test.iter().map(|&i| y[i]).collect();
        let auc =
            crate::evaluate::classification::roc_auc(&ys, &m.predict_proba(&xs), None).unwrap();
        let sk: Vec<f64> = sk_coef.iter().map(|c| c.1).collect();
        let coef_diff = max_abs_diff(&m.coefficients, &sk);
        let b_diff = (m.intercept - sk_b).abs();
        let coef_diff_exact = max_abs_diff(&m.coefficients, skn_coef);
        let b_diff_exact = (m.intercept - skn_b).abs();
        println!(
            "churn parity ({class_weight:?}): rust test AUC {auc:.12} sklearn {sk_auc:.12} \
             diff {:.3e}; vs sklearn lbfgs: max |coef diff| {coef_diff:.3e}, |intercept diff| \
             {b_diff:.3e}; vs sklearn newton-cholesky tol 1e-14: max |coef diff| \
             {coef_diff_exact:.3e}, |intercept diff| {b_diff_exact:.3e}; {:?}",
            (auc - sk_auc).abs(),
            m.convergence
        );
        Parity {
            auc,
            sk_auc,
            coef_diff,
            b_diff,
            coef_diff_exact,
            b_diff_exact,
            model: m,
        }
    }

    #[test]
    fn churn_parity_with_sklearn_unweighted() {
        let r = churn_parity(ClassWeight::None);
        assert_eq!(r.model.convergence.solver, SolverKind::LinfaLbfgs);
        assert!(
            (r.auc - r.sk_auc).abs() < 1e-6,
            "AUC {} vs {}",
            r.auc,
            r.sk_auc
        );
        assert!(
            r.coef_diff < 2e-5 && r.b_diff < 2e-5,
            "{} {}",
            r.coef_diff,
            r.b_diff
        );
        assert!(r.coef_diff_exact < 1e-6 && r.b_diff_exact < 1e-6);
        // Reason codes: at most 3, positive, largest first.
        let row = vec![1.0; r.model.coefficients.len()];
        let reasons = r.model.reason_codes(&row, 3);
        assert!(reasons.len() <= 3 && reasons.iter().all(|c| c.1 > 0.0));
        assert!(reasons.windows(2).all(|w| w[0].1 >= w[1].1));
    }

    #[test]
    fn churn_parity_with_sklearn_balanced() {
        let r = churn_parity(ClassWeight::Balanced);
        assert_eq!(r.model.convergence.solver, SolverKind::NewtonCholesky);
        assert!(r.model.convergence.converged);
        assert!(
            (r.auc - r.sk_auc).abs() < 1e-6,
            "AUC {} vs {}",
            r.auc,
            r.sk_auc
        );
        assert!(
            r.coef_diff < 2e-5 && r.b_diff < 2e-5,
            "{} {}",
            r.coef_diff,
            r.b_diff
        );
        assert!(r.coef_diff_exact < 1e-8 && r.b_diff_exact < 1e-8);
    }

    /// CPU time of the calling thread (Linux `/proc/thread-self/schedstat`, ns); 0 elsewhere.
    fn thread_cpu_seconds() -> f64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |ns| ns * 1e-9)
    }

    /// `cargo test --release --lib bench_fit_1m_x_30 -- --ignored --nocapture`
    #[test]
    #[ignore = "benchmark: 1M x 30, run explicitly in release mode"]
    fn bench_fit_1m_x_30() {
        let n = 1_000_000;
        let p = 30;
        let truth: Vec<f64> = (0..p)
            .map(|j| -1.0 + 2.0 * j as f64 / (p - 1) as f64)
            .collect();
        let t0 = Instant::now();
        let (mut x, y) = simulate(n, &truth, -1.0, 77);
        // Standardise exactly (population std), as the encoder would.
        for mut col in x.axis_iter_mut(Axis(1)) {
            let m = col.mean().unwrap();
            let s = (col.mapv(|v| (v - m).powi(2)).sum() / n as f64).sqrt();
            col.mapv_inplace(|v| (v - m) / s);
        }
        println!("simulate 1M x 30: {:.2} s", t0.elapsed().as_secs_f64());
        let nm = names(p);
        let run = |label: &str, x: &Array2<f64>, opts: &LogisticOptions| {
            let cpu0 = thread_cpu_seconds();
            let t = Instant::now();
            let m = LogisticModel::fit(x, &y, &nm, opts).unwrap();
            let dt = t.elapsed().as_secs_f64();
            let cpu = thread_cpu_seconds() - cpu0;
            println!(
                "{label:<44} {:<24} wall {dt:7.3} s  cpu(this thread) {cpu:7.3} s  \
                 grad/n {:.2e} converged {} iters {:?}",
                m.convergence.solver.to_string(),
                m.convergence.scaled_gradient_norm,
                m.convergence.converged,
                m.convergence.iterations
            );
            (dt, m)
        };
        if std::env::var("BENCH_ITERS").is_ok() {
            for k in [1u64, 2, 4, 8, 16, 32, 64] {
                run(
                    &format!("max_iterations {k}"),
                    &x,
                    &LogisticOptions {
                        max_iterations: k,
                        ..LogisticOptions::default()
                    },
                );
            }
        }
        let base = LogisticOptions::default();
        let plain = LogisticOptions {
            start_from_base_rate: false,
            warm_start_rows: 0,
            ..base.clone()
        };
        run("zero start, col-major", &x, &plain);
        let xc = x.as_standard_layout().to_owned();
        run("zero start, row-major input (incl. copy)", &xc, &plain);
        drop(xc);
        run(
            "base-rate start",
            &x,
            &LogisticOptions {
                warm_start_rows: 0,
                ..base.clone()
            },
        );
        let mut dt_default = f64::INFINITY;
        for rep in 0..3 {
            let (dt, m) = run(&format!("default (+50k warm start) #{rep}"), &x, &base);
            dt_default = dt_default.min(dt);
            if rep == 0 {
                let err = max_abs_diff(&m.coefficients, &truth);
                println!("  max |coef - truth| = {err:.4}");
            }
        }
        for rows in [20_000, 100_000] {
            run(
                &format!("{rows} warm start"),
                &x,
                &LogisticOptions {
                    warm_start_rows: rows,
                    ..base.clone()
                },
            );
        }
        for tol in [1e-4, 1e-8] {
            run(
                &format!("default, tol {tol:e}"),
                &x,
                &LogisticOptions {
                    tol,
                    ..base.clone()
                },
            );
            run(
                &format!("zero start, tol {tol:e}"),
                &x,
                &LogisticOptions {
                    tol,
                    ..plain.clone()
                },
            );
        }
        run(
            "Newton (class_weight=balanced, 2 threads)",
            &x,
            &LogisticOptions {
                class_weight: ClassWeight::Balanced,
                ..base.clone()
            },
        );
        println!("best default wall time: {dt_default:.3} s");
        assert!(dt_default.is_finite());
    }
}

#[cfg(test)]
mod bench_components {
    use super::*;
    use std::time::Instant;

    /// Time the array operations linfa-logistic 0.8.1 performs per cost / gradient call.
    #[test]
    #[ignore = "benchmark"]
    fn bench_linfa_components() {
        let (n, p) = (1_000_000, 30);
        let mut xf = Array2::<f64>::zeros((n, p).f());
        for ((i, j), v) in xf.indexed_iter_mut() {
            *v = ((i * 31 + j * 17) % 1000) as f64 / 500.0 - 1.0;
        }
        let xc = xf.as_standard_layout().to_owned();
        let w = Array1::from_elem(p, 0.01);
        let r = Array1::from_elem(n, 0.5);
        for (label, x) in [("col-major", &xf), ("row-major", &xc)] {
            let t = Instant::now();
            for _ in 0..5 {
                let z = x.dot(&w.view().into_shape_with_order((p, 1)).unwrap());
                std::hint::black_box(z);
            }
            let a = t.elapsed().as_secs_f64() / 5.0;
            let t = Instant::now();
            for _ in 0..5 {
                std::hint::black_box(x.t().dot(&r));
            }
            let b = t.elapsed().as_secs_f64() / 5.0;
            let t = Instant::now();
            for _ in 0..5 {
                std::hint::black_box(x.dot(&w));
            }
            let c = t.elapsed().as_secs_f64() / 5.0;
            println!(
                "{label}: X·w as (n×p)(p×1) gemm {a:.4} s; Xᵀr {b:.4} s; X·w mat-vec {c:.4} s"
            );
        }
        let z = Array1::from_shape_fn(n, |i| (i % 100) as f64 / 10.0 - 5.0);
        let t = Instant::now();
        for _ in 0..5 {
            std::hint::black_box(z.mapv(softplus));
        }
        println!("softplus over n: {:.4} s", t.elapsed().as_secs_f64() / 5.0);
    }
}
