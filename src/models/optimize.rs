//! Maximum-likelihood driver shared by every model.
//!
//! Parameters are all positive, so the optimiser works on θ = ln(parameter) with L-BFGS
//! (argmin, Moré–Thuente line search), minimising the mean negative log-likelihood plus an
//! optional L2 penalty `λ Σ pᵢ²` on the natural-scale parameters (the penaliser of the
//! `lifetimes` package, so results can be compared). Starting points are tried in order
//! until one converges.
//!
//! Uncertainty comes from the observed information: the Hessian of the log-likelihood in θ
//! (central differences of the analytic gradient), inverted to a covariance of θ̂ and carried
//! to the natural scale by the delta method (`Cov(p) = D Cov(θ) D`, `D = diag(p)`). The 95%
//! interval is `exp(θ̂ ± 1.96 se(θ̂))`, which respects positivity; the reported standard
//! error is the delta-method one, `p̂ · se(θ̂)`.
//!
//! Everything here is deterministic: the same data and settings give the same bits.

// Small dense matrices (k ≤ 4): index loops read like the formulas they implement.
#![allow(clippy::needless_range_loop)]

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason, TerminationStatus};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;
use serde::{Deserialize, Serialize};

/// A log-likelihood over positive parameters, with its gradient.
pub trait Likelihood: Sync {
    /// Parameter names in order, as the paper writes them (`r`, `alpha`, `a`, `b`, …).
    fn param_names(&self) -> &'static [&'static str];

    /// Number of independent observations (customers; cohort members for sBG), for BIC.
    fn n_obs(&self) -> f64;

    /// The total log-likelihood at natural-scale `params`, and its gradient with respect to
    /// them written into `grad`. Must return a non-finite value (not panic) where the
    /// likelihood cannot be evaluated.
    fn value_and_gradient(&self, params: &[f64], grad: &mut [f64]) -> f64;

    /// Starting points on the natural scale, tried in order.
    fn starts(&self) -> Vec<Vec<f64>>;
}

/// Settings of a fit. Defaults: 1,000 iterations, no penalty.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FitOptions {
    /// Most L-BFGS iterations per start (default 1,000).
    pub max_iters: u64,
    /// L2 penalty λ on the natural-scale parameters, added to the *mean* negative
    /// log-likelihood (default 0: plain maximum likelihood).
    pub l2_penalty: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            max_iters: 1000,
            l2_penalty: 0.0,
        }
    }
}

/// One parameter's estimate and uncertainty.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Estimate {
    /// Parameter name.
    pub name: String,
    /// Maximum-likelihood estimate.
    pub value: f64,
    /// Delta-method standard error; `None` when the information matrix is singular.
    pub std_error: Option<f64>,
    /// Lower end of the 95% interval `exp(θ̂ − 1.96 se(θ̂))`.
    pub ci_low: Option<f64>,
    /// Upper end of the 95% interval.
    pub ci_high: Option<f64>,
}

/// The result of a maximum-likelihood fit, every number on the data's own time scale.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FitResult {
    /// Estimates in `param_names` order.
    pub estimates: Vec<Estimate>,
    /// Covariance of the natural-scale estimates (delta method); `None` if singular.
    pub covariance: Option<Vec<Vec<f64>>>,
    /// Log-likelihood at the estimates (without the penalty).
    pub log_likelihood: f64,
    /// Akaike information criterion, `2k − 2 LL`.
    pub aic: f64,
    /// Bayesian information criterion, `k ln n − 2 LL`.
    pub bic: f64,
    /// Observations used.
    pub n_obs: f64,
    /// L-BFGS iterations of the start that won.
    pub iterations: u64,
    /// Likelihood evaluations over the whole fit (every start, line searches, Hessian).
    #[serde(default)]
    pub evaluations: u64,
    /// Largest absolute gradient component of the mean log-likelihood in θ at the optimum.
    pub gradient_norm: f64,
    /// Whether the optimum passed the convergence checks.
    pub converged: bool,
    /// Why it did or did not converge.
    pub message: String,
    /// The penalty used.
    pub l2_penalty: f64,
}

impl FitResult {
    /// The estimates as a plain vector.
    pub fn params(&self) -> Vec<f64> {
        self.estimates.iter().map(|e| e.value).collect()
    }
}

/// Largest mean-gradient component (per customer, in θ) accepted as converged.
const GRADIENT_TOLERANCE: f64 = 1e-4;

/// Largest parameter value the optimiser may try, on the scale it works on (models that
/// rescale time fit with mean T = 1, so rate parameters such as α and β are in units of
/// the mean observation length: far below this in any identified fit). A likelihood that keeps rising as a
/// parameter grows without bound (Pareto/NBD with s and β → ∞ together, i.e. dropout
/// without heterogeneity, on a short observation period) would otherwise be followed for
/// ever, each step costlier than the last; the fit stops at the bound instead and reports
/// the parameter as not identified.
pub const PARAM_MAX: f64 = 1e5;

/// The optimisation problem in θ = ln p: mean negative log-likelihood plus penalty.
struct LogScaleObjective<'a, L: Likelihood> {
    lik: &'a L,
    evaluations: std::sync::atomic::AtomicU64,
    n: f64,
    penalty: f64,
    /// Natural-scale parameter = this parameter × `scale` (for the penalty only).
    scale: Vec<f64>,
}

impl<L: Likelihood> LogScaleObjective<'_, L> {
    fn eval(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        self.evaluations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
        if p.iter()
            .any(|v| !v.is_finite() || *v <= 0.0 || *v > PARAM_MAX)
        {
            grad.iter_mut().for_each(|g| *g = 0.0);
            return f64::INFINITY;
        }
        let ll = self.lik.value_and_gradient(&p, grad);
        let mut cost = -ll / self.n;
        for i in 0..p.len() {
            let q = p[i] * self.scale[i];
            grad[i] = -grad[i] * p[i] / self.n + 2.0 * self.penalty * q * q;
            cost += self.penalty * q * q;
        }
        if !cost.is_finite() || grad.iter().any(|g| !g.is_finite()) {
            grad.iter_mut().for_each(|g| *g = 0.0);
            return f64::INFINITY;
        }
        cost
    }
}

impl<L: Likelihood> CostFunction for LogScaleObjective<'_, L> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, theta: &Self::Param) -> Result<f64, argmin::core::Error> {
        let mut g = vec![0.0; theta.len()];
        Ok(self.eval(&theta.to_vec(), &mut g))
    }
}

impl<L: Likelihood> Gradient for LogScaleObjective<'_, L> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, theta: &Self::Param) -> Result<Self::Gradient, argmin::core::Error> {
        let mut g = vec![0.0; theta.len()];
        self.eval(&theta.to_vec(), &mut g);
        Ok(Array1::from(g))
    }
}

struct Optimum {
    theta: Vec<f64>,
    cost: f64,
    iterations: u64,
    reason: String,
}

fn run_lbfgs<L: Likelihood>(
    obj: &LogScaleObjective<L>,
    start: &[f64],
    opts: &FitOptions,
) -> Option<Optimum> {
    let theta0: Vec<f64> = start.iter().map(|p| p.ln()).collect();
    let mut g = vec![0.0; theta0.len()];
    if !obj.eval(&theta0, &mut g).is_finite() {
        return None;
    }
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(1e-10)
        .ok()?
        .with_tolerance_cost(1e-12)
        .ok()?;
    let res = Executor::new(obj_ref(obj), solver)
        .configure(|s| s.param(Array1::from(theta0)).max_iters(opts.max_iters))
        .run()
        .ok()?;
    let state = res.state();
    let theta = state.get_best_param()?.to_vec();
    let reason = match state.get_termination_status() {
        TerminationStatus::Terminated(TerminationReason::MaxItersReached) => {
            format!("stopped at the iteration limit ({})", opts.max_iters)
        }
        TerminationStatus::Terminated(r) => r.text().to_string(),
        TerminationStatus::NotTerminated => "not terminated".to_string(),
    };
    Some(Optimum {
        cost: state.get_best_cost(),
        iterations: state.get_iter(),
        theta,
        reason,
    })
}

/// argmin takes the problem by value; a reference wrapper keeps one objective for all starts.
fn obj_ref<'a, 'b, L: Likelihood>(obj: &'b LogScaleObjective<'a, L>) -> ObjRef<'a, 'b, L> {
    ObjRef(obj)
}

struct ObjRef<'a, 'b, L: Likelihood>(&'b LogScaleObjective<'a, L>);

impl<L: Likelihood> CostFunction for ObjRef<'_, '_, L> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, theta: &Self::Param) -> Result<f64, argmin::core::Error> {
        self.0.cost(theta)
    }
}

impl<L: Likelihood> Gradient for ObjRef<'_, '_, L> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, theta: &Self::Param) -> Result<Self::Gradient, argmin::core::Error> {
        self.0.gradient(theta)
    }
}

/// Work done by the optimiser: L-BFGS iterations of the winning start, and likelihood
/// evaluations over every start tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SolverCount {
    /// Iterations of the start that won.
    pub iterations: u64,
    /// Likelihood evaluations, all starts and line searches included.
    pub evaluations: u64,
}

/// Maximises the likelihood and returns the optimum's parameters, iterations and the
/// solver's stopping reason; `None` when no start could be evaluated. Starts are tried in
/// order until one reaches a point whose mean gradient passes the convergence tolerance;
/// if none does, the best optimum found is returned (and `summarize_fit` flags it).
/// `penalty_scale[i]` converts parameter `i` to the scale the penalty applies to (all 1
/// unless the data were rescaled).
pub fn maximize<L: Likelihood>(
    lik: &L,
    opts: &FitOptions,
    penalty_scale: &[f64],
) -> Option<(Vec<f64>, SolverCount, String)> {
    let obj = LogScaleObjective {
        lik,
        evaluations: 0.into(),
        n: lik.n_obs().max(1.0),
        penalty: opts.l2_penalty,
        scale: penalty_scale.to_vec(),
    };
    let mut best: Option<Optimum> = None;
    for start in lik.starts() {
        let Some(o) = run_lbfgs(&obj, &start, opts) else {
            continue;
        };
        if !o.cost.is_finite() {
            continue;
        }
        let mut g = vec![0.0; o.theta.len()];
        obj.eval(&o.theta, &mut g);
        let converged = g.iter().all(|v| v.abs() <= GRADIENT_TOLERANCE);
        if best.as_ref().is_none_or(|b| o.cost < b.cost) {
            best = Some(o);
        }
        if converged {
            break;
        }
    }
    let evaluations = obj.evaluations.into_inner();
    best.map(|o| {
        (
            o.theta.iter().map(|t| t.exp()).collect(),
            SolverCount {
                iterations: o.iterations,
                evaluations,
            },
            o.reason,
        )
    })
}

/// Log-likelihood, information matrix, standard errors, intervals and convergence checks at
/// `params` (natural scale) — the second half of every fit, done on the data's own scale.
pub fn summarize_fit<L: Likelihood>(
    lik: &L,
    params: &[f64],
    count: SolverCount,
    solver_reason: &str,
    opts: &FitOptions,
) -> FitResult {
    let k = params.len();
    let n = lik.n_obs().max(1.0);
    let obj = LogScaleObjective {
        lik,
        evaluations: 0.into(),
        n,
        penalty: opts.l2_penalty,
        scale: vec![1.0; k],
    };
    let theta: Vec<f64> = params.iter().map(|p| p.ln()).collect();
    let mut grad = vec![0.0; k];
    let mut raw = vec![0.0; k];
    let ll = lik.value_and_gradient(params, &mut raw);
    let cost = obj.eval(&theta, &mut grad);
    let gradient_norm = grad.iter().fold(0.0f64, |m, g| m.max(g.abs()));

    // Hessian of the (penalised) total objective in θ by central differences of the
    // analytic gradient; the observed information is that Hessian times n.
    let h = 1e-5;
    let mut info = vec![vec![0.0; k]; k];
    let mut ok = cost.is_finite();
    for j in 0..k {
        let (mut tp, mut tm) = (theta.clone(), theta.clone());
        tp[j] += h;
        tm[j] -= h;
        let (mut gp, mut gm) = (vec![0.0; k], vec![0.0; k]);
        ok &= obj.eval(&tp, &mut gp).is_finite() && obj.eval(&tm, &mut gm).is_finite();
        for i in 0..k {
            info[i][j] = n * (gp[i] - gm[i]) / (2.0 * h);
        }
    }
    for i in 0..k {
        for j in 0..i {
            let s = 0.5 * (info[i][j] + info[j][i]);
            info[i][j] = s;
            info[j][i] = s;
        }
    }
    let cov_theta = if ok { invert_spd(&info) } else { None };

    let mut estimates = Vec::with_capacity(k);
    for (i, name) in lik.param_names().iter().enumerate() {
        let se_theta = cov_theta.as_ref().map(|c| c[i][i].sqrt());
        estimates.push(Estimate {
            name: (*name).to_string(),
            value: params[i],
            std_error: se_theta.map(|s| params[i] * s),
            ci_low: se_theta.map(|s| (theta[i] - 1.959_963_984_540_054 * s).exp()),
            ci_high: se_theta.map(|s| (theta[i] + 1.959_963_984_540_054 * s).exp()),
        });
    }
    let covariance = cov_theta.map(|c| {
        (0..k)
            .map(|i| (0..k).map(|j| params[i] * params[j] * c[i][j]).collect())
            .collect()
    });

    let mut problems = Vec::new();
    for (name, p) in lik.param_names().iter().zip(params) {
        if *p >= 0.1 * PARAM_MAX {
            problems.push(format!(
                "{name} = {p:.4e} ran towards the bound {PARAM_MAX:.0e}: these data do not \
                 identify it (the likelihood keeps rising as it grows; e.g. Pareto/NBD s and \
                 beta growing together mean dropout without heterogeneity: try BG/NBD, or a \
                 longer observation period)"
            ));
        }
    }
    if !ll.is_finite() {
        problems.push("the log-likelihood is not finite at the optimum".to_string());
    }
    if gradient_norm > GRADIENT_TOLERANCE {
        problems.push(format!(
            "gradient {gradient_norm:.2e} is above {GRADIENT_TOLERANCE:.0e} ({solver_reason})"
        ));
    }
    if covariance.is_none() {
        problems.push(
            "the information matrix is not positive definite: some parameters are not \
             identified by these data"
                .to_string(),
        );
    }
    let converged = problems.is_empty();
    let message = if converged {
        format!("gradient {gradient_norm:.1e}; solver: {solver_reason}")
    } else {
        problems.join("; ")
    };
    FitResult {
        estimates,
        covariance,
        log_likelihood: ll,
        aic: 2.0 * k as f64 - 2.0 * ll,
        bic: k as f64 * n.ln() - 2.0 * ll,
        n_obs: n,
        iterations: count.iterations,
        evaluations: count.evaluations + obj.evaluations.into_inner(),
        gradient_norm,
        converged,
        message,
        l2_penalty: opts.l2_penalty,
    }
}

/// Estimates (each divided by its `scale`) outside [1e-6, 1e6] mean the likelihood has no
/// interior maximum for these data: the optimiser ran towards a limit (e.g. no heterogeneity).
const BOUNDARY: std::ops::RangeInclusive<f64> = 1e-6..=1e6;

/// Marks `fit` as not converged, saying why, when an estimate divided by its `scale` (the
/// unit it is naturally measured in; 1 for shapes) is at the edge of the parameter space.
pub fn flag_boundary(fit: &mut FitResult, scale: &[f64]) {
    let off: Vec<String> = fit
        .estimates
        .iter()
        .zip(scale)
        .filter(|(e, s)| !BOUNDARY.contains(&(e.value / **s)))
        .map(|(e, _)| format!("{} = {:.3e}", e.name, e.value))
        .collect();
    if off.is_empty() {
        return;
    }
    let note = format!(
        "estimates at the edge of the parameter space ({}): the likelihood has no interior \
         maximum for these data (e.g. no heterogeneity), so they are not meaningful",
        off.join(", ")
    );
    fit.message = if fit.converged {
        note
    } else {
        format!("{}; {note}", fit.message)
    };
    fit.converged = false;
}

/// Inverse of a symmetric positive-definite matrix by Cholesky; `None` if it is not SPD
/// (or is numerically singular).
pub fn invert_spd(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = m.len();
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (0..j).map(|p| l[i][p] * l[j][p]).sum();
            if i == j {
                let d = m[i][i] - s;
                if !d.is_finite() || d <= 1e-12 * m[i][i].abs().max(1e-300) {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - s) / l[j][j];
            }
        }
    }
    // Solve L Lᵀ X = I column by column.
    let mut inv = vec![vec![0.0; k]; k];
    for c in 0..k {
        let mut y = vec![0.0; k];
        for i in 0..k {
            let s: f64 = (0..i).map(|p| l[i][p] * y[p]).sum();
            y[i] = ((i == c) as u8 as f64 - s) / l[i][i];
        }
        let mut x = vec![0.0; k];
        for i in (0..k).rev() {
            let s: f64 = (i + 1..k).map(|p| l[p][i] * x[p]).sum();
            x[i] = (y[i] - s) / l[i][i];
        }
        for r in 0..k {
            inv[r][c] = x[r];
        }
    }
    inv.iter().flatten().all(|v| v.is_finite()).then_some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gamma(shape k, rate λ) sample summarised by n, Σx, Σln x: a likelihood whose MLE and
    /// information are known in closed form, to test the driver against.
    struct GammaLik {
        n: f64,
        sum_x: f64,
        sum_ln_x: f64,
    }

    impl Likelihood for GammaLik {
        fn param_names(&self) -> &'static [&'static str] {
            &["shape", "rate"]
        }
        fn n_obs(&self) -> f64 {
            self.n
        }
        fn value_and_gradient(&self, p: &[f64], g: &mut [f64]) -> f64 {
            let (k, l) = (p[0], p[1]);
            // ln Γ via a high-order Stirling series is enough for k in [0.5, 50] here.
            let lg = |x: f64| {
                let mut z = x;
                let mut acc = 0.0;
                while z < 10.0 {
                    acc -= z.ln();
                    z += 1.0;
                }
                acc + (z - 0.5) * z.ln() - z
                    + 0.5 * (2.0 * std::f64::consts::PI).ln()
                    + 1.0 / (12.0 * z)
                    - 1.0 / (360.0 * z.powi(3))
            };
            let dg = |x: f64| {
                let mut z = x;
                let mut acc = 0.0;
                while z < 10.0 {
                    acc -= 1.0 / z;
                    z += 1.0;
                }
                acc + z.ln() - 0.5 / z - 1.0 / (12.0 * z * z) + 1.0 / (120.0 * z.powi(4))
            };
            g[0] = self.n * (l.ln() - dg(k)) + self.sum_ln_x;
            g[1] = self.n * k / l - self.sum_x;
            self.n * (k * l.ln() - lg(k)) + (k - 1.0) * self.sum_ln_x - l * self.sum_x
        }
        fn starts(&self) -> Vec<Vec<f64>> {
            vec![vec![1.0, 1.0]]
        }
    }

    #[test]
    fn recovers_the_closed_form_gamma_mle_and_information() {
        // Data: x = 1, 2, 3, 4 repeated 250 times.
        let n = 1000.0;
        let sum_x = 250.0 * 10.0;
        let sum_ln_x = 250.0 * (24.0f64).ln();
        let lik = GammaLik { n, sum_x, sum_ln_x };
        let opts = FitOptions::default();
        let (p, it, why) = maximize(&lik, &opts, &[1.0, 1.0]).unwrap();
        let fit = summarize_fit(&lik, &p, it, &why, &opts);
        assert!(fit.converged, "{}", fit.message);
        // At the MLE, rate = shape / mean(x) exactly.
        let (k, l) = (p[0], p[1]);
        assert!((l - k / 2.5).abs() < 1e-6 * l, "{k} {l}");
        // Observed information of (ln k, ln l): n [[k² ψ'(k), -k], [-k, k]]; the delta-method
        // SE of the rate is then l · sqrt(k ψ'(k) / (k (k ψ'(k) - 1))).
        let tg = {
            let mut z = k;
            let mut acc = 0.0;
            while z < 10.0 {
                acc += 1.0 / (z * z);
                z += 1.0;
            }
            acc + 1.0 / z + 1.0 / (2.0 * z * z) + 1.0 / (6.0 * z.powi(3)) - 1.0 / (30.0 * z.powi(5))
        };
        let det = n * n * (k * k * tg * k - k * k);
        let var_ln_l = n * k * k * tg / det;
        let se_l = l * var_ln_l.sqrt();
        let got = fit.estimates[1].std_error.unwrap();
        assert!((got - se_l).abs() < 1e-4 * se_l, "se {got} vs {se_l}");
        assert!(fit.estimates[1].ci_low.unwrap() < l && l < fit.estimates[1].ci_high.unwrap());
        assert!((fit.aic - (4.0 - 2.0 * fit.log_likelihood)).abs() < 1e-9);
    }

    #[test]
    fn spd_inverse_and_singular_detection() {
        let m = vec![vec![4.0, 2.0], vec![2.0, 3.0]];
        let inv = invert_spd(&m).unwrap();
        assert!((inv[0][0] - 0.375).abs() < 1e-15 && (inv[0][1] + 0.25).abs() < 1e-15);
        assert!(invert_spd(&[vec![1.0, 1.0], vec![1.0, 1.0]]).is_none());
        assert!(invert_spd(&[vec![-1.0]]).is_none());
    }
}
