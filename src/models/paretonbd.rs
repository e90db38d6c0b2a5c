//! Pareto/NBD.
//!
//! Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987), "Counting your customers: who
//! are they and what will they do next?", *Management Science* 33(1), 1–24; expressions as
//! derived in Fader, P. S. & Hardie, B. G. S. (2005), "A note on deriving the Pareto/NBD
//! model and related expressions" (FH 2005 below). While alive a customer buys at rate
//! λ ~ Gamma(r, α); their lifetime is exponential with rate μ ~ Gamma(s, β); α and β are in
//! time units.
//!
//! Every expression that involves the time of death reduces to one integral,
//! `I(A, B, p, q, t) = ∫_t^∞ (A + u)^−p (B + u)^−q du`, which has the closed form
//! `(M + t)^−(p+q−1) ₂F₁(p+q−1, q′; p+q; |A−B|/(M+t)) / (p+q−1)` with `M = max(A, B)` and
//! `q′ = q` if A ≥ B, else `p` (FH 2005, eqs. 18–19). It is evaluated in log space.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::optimize::{FitOptions, FitResult, Likelihood};
use super::patterns::RfmPatterns;
use super::special::{digamma, ln_gamma, ln_hyp2f1, log_diff_exp, log_sum_exp};
use super::{FitError, LikelihoodFactory, PurchaseModel, fit_rescaled, par_sum};

/// Pareto/NBD parameters; `alpha` and `beta` are in the data's time unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParetoNbd {
    /// Shape of the purchase-rate distribution.
    pub r: f64,
    /// Rate (in time units) of the purchase-rate distribution.
    pub alpha: f64,
    /// Shape of the dropout-rate distribution.
    pub s: f64,
    /// Rate (in time units) of the dropout-rate distribution.
    pub beta: f64,
}

/// Parameter names in [`ParetoNbd::to_vec`] order.
pub const PARAM_NAMES: [&str; 4] = ["r", "alpha", "s", "beta"];
/// Power of the time unit each parameter carries.
pub const TIME_POWER: [i32; 4] = [0, 1, 0, 1];

/// ln ∫_t^∞ (A + u)^−p (B + u)^−q du for A, B > 0, p, q > 0, p + q > 1 (FH 2005, eqs. 18–19).
fn ln_tail_integral(big_a: f64, big_b: f64, p: f64, q: f64, t: f64) -> f64 {
    let k = p + q - 1.0;
    let (m, b2) = if big_a >= big_b {
        (big_a, q)
    } else {
        (big_b, p)
    };
    let z = (big_a - big_b).abs() / (m + t);
    ln_hyp2f1(k, b2, k + 1.0, z) - k * (m + t).ln() - k.ln()
}

/// ln ₂F₁(a, b; a + 1; z) and its partial derivatives (∂/∂a with c = a + 1 tied to a,
/// ∂/∂b, ∂/∂z), from one pass of the Gauss series `Σ a/(a+n) (b)_n zⁿ / n!`, whose terms
/// differentiate in closed form: ∂t_n/∂a = t_n (1/a − 1/(a+n)), ∂t_n/∂b = t_n Σ_{k<n} 1/(b+k),
/// ∂t_n/∂z = n t_n / z. Used where the series converges fast (z ≤ 0.9 and no huge terms);
/// elsewhere the robust `ln_hyp2f1` and central differences in (a, b, z).
fn ln_f_with_grad(a: f64, b: f64, z: f64) -> (f64, f64, f64, f64) {
    if z <= 0.9 && b * z / (1.0 - z) < 200.0 {
        let (mut t, mut sum, mut sa, mut sb, mut sz, mut h) = (1.0, 1.0, 0.0, 0.0, 0.0, 0.0);
        let mut n = 1.0;
        loop {
            let t_over_z = t * (a + n - 1.0) * (b + n - 1.0) / ((a + n) * n);
            h += 1.0 / (b + n - 1.0);
            t = t_over_z * z;
            sum += t;
            sa += t * (1.0 / a - 1.0 / (a + n));
            sb += t * h;
            sz += n * t_over_z;
            if t <= 1e-17 * sum || n > 5000.0 {
                break;
            }
            n += 1.0;
        }
        return (sum.ln(), sa / sum, sb / sum, sz / sum);
    }
    let f = |a: f64, b: f64, z: f64| ln_hyp2f1(a, b, a + 1.0, z);
    let (ha, hb, hz) = (1e-6 * a, 1e-6 * b, 1e-7 * z.min(1.0 - z));
    (
        f(a, b, z),
        (f(a + ha, b, z) - f(a - ha, b, z)) / (2.0 * ha),
        (f(a, b + hb, z) - f(a, b - hb, z)) / (2.0 * hb),
        (f(a, b, z + hz) - f(a, b, z - hz)) / (2.0 * hz),
    )
}

/// ln I(α, β, r + x, s + 1, t) (the death-time integral of the likelihood) and its gradient
/// with respect to (r, α, s, β), by the chain rule through [`ln_f_with_grad`].
fn ln_tail_with_grad(r: f64, alpha: f64, s: f64, beta: f64, x: f64, t: f64) -> (f64, [f64; 4]) {
    let k = r + x + s;
    if alpha >= beta {
        let z = (alpha - beta) / (alpha + t);
        let (lf, fa, fb, fz) = ln_f_with_grad(k, s + 1.0, z);
        let l = (alpha + t).ln();
        let dz_da = (beta + t) / ((alpha + t) * (alpha + t));
        let dz_db = -1.0 / (alpha + t);
        (
            lf - k * l - k.ln(),
            [
                fa - l - 1.0 / k,
                fz * dz_da - k / (alpha + t),
                fa + fb - l - 1.0 / k,
                fz * dz_db,
            ],
        )
    } else {
        let z = (beta - alpha) / (beta + t);
        let (lf, fa, fb, fz) = ln_f_with_grad(k, r + x, z);
        let l = (beta + t).ln();
        let dz_db = (alpha + t) / ((beta + t) * (beta + t));
        let dz_da = -1.0 / (beta + t);
        (
            lf - k * l - k.ln(),
            [
                fa + fb - l - 1.0 / k,
                fz * dz_da,
                fa - l - 1.0 / k,
                fz * dz_db - k / (beta + t),
            ],
        )
    }
}

impl ParetoNbd {
    /// From `[r, alpha, s, beta]`.
    pub fn from_slice(p: &[f64]) -> Self {
        ParetoNbd {
            r: p[0],
            alpha: p[1],
            s: p[2],
            beta: p[3],
        }
    }

    /// `[r, alpha, s, beta]`.
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.s, self.beta]
    }

    /// Maximum-likelihood fit (FH 2005, eq. 22) on log-parameters with L-BFGS.
    pub fn fit(data: &RfmPatterns, opts: &FitOptions) -> Result<(Self, FitResult), FitError> {
        let fit = fit_rescaled("Pareto/NBD", data, &TIME_POWER, ParetoFactory, opts)?;
        Ok((Self::from_slice(&fit.params()), fit))
    }

    /// ln of the two parts of one customer's likelihood besides the common factor
    /// Γ(r+x) α^r β^s / Γ(r): alive at T, `(α+T)^−(r+x) (β+T)^−s`, and died in (t_x, T],
    /// `s ∫_{t_x}^T (α+u)^−(r+x) (β+u)^−(s+1) du` (FH 2005, eq. 11).
    fn ln_parts(&self, x: f64, t_x: f64, t: f64) -> (f64, f64) {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let alive = -(r + x) * (alpha + t).ln() - s * (beta + t).ln();
        let died = s.ln()
            + log_diff_exp(
                ln_tail_integral(alpha, beta, r + x, s + 1.0, t_x),
                ln_tail_integral(alpha, beta, r + x, s + 1.0, t),
            );
        (alive, died)
    }

    /// Log-likelihood of one customer (FH 2005, eq. 22), in log space.
    pub fn log_likelihood_one(&self, x: f64, t_x: f64, t: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let (alive, died) = self.ln_parts(x, t_x, t);
        ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln() + log_sum_exp(alive, died)
    }

    /// ln NB(n; r, α, t): probability of n purchases in (0, t] for a customer alive throughout.
    fn ln_nb(&self, n: f64, t: f64) -> f64 {
        let ParetoNbd { r, alpha, .. } = *self;
        ln_gamma(r + n) - ln_gamma(r) - ln_gamma(n + 1.0)
            + r * (alpha / (alpha + t)).ln()
            + if n > 0.0 {
                n * (t / (alpha + t)).ln()
            } else {
                0.0
            }
    }
}

impl PurchaseModel for ParetoNbd {
    /// E[X(t)] = r β / (α (s − 1)) [1 − (β/(β+t))^(s−1)] (FH 2005, eq. 17); the s = 1 limit
    /// is (r β / α) ln(1 + t/β).
    fn expected_purchases_new(&self, t: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        expected_alive_rate_window(r / alpha, beta, s, t)
    }

    /// P(X(t) = n) = (β/(β+t))^s NB(n; t) + ∫_0^t s β^s (β+u)^−(s+1) NB(n; u) du: alive
    /// through t, or died at u with n purchases before (FH 2005, eq. 21, in integral form),
    /// the integral by tanh-sinh quadrature.
    fn p_purchases_new(&self, n: u32, t: f64) -> f64 {
        let ParetoNbd { s, beta, .. } = *self;
        let nf = f64::from(n);
        let alive = (s * (beta / (beta + t)).ln() + self.ln_nb(nf, t)).exp();
        // u = t·p, p ∈ (0, 1): E over a Beta(1, 1) of t × integrand.
        let died = super::quadrature::beta_expectation(1.0, 1.0, |p| {
            let u = t * p;
            t * (s.ln() + s * beta.ln() - (s + 1.0) * (beta + u).ln() + self.ln_nb(nf, u)).exp()
        });
        (alive + died).clamp(0.0, 1.0)
    }

    /// P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) (α+T)^(r+x) (β+T)^s A₀) (FH 2005, eq. 23),
    /// as the ratio of the likelihood's "alive" part to its total.
    fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        let (alive, died) = self.ln_parts(x, t_x, t);
        (alive - log_sum_exp(alive, died)).exp().clamp(0.0, 1.0)
    }

    /// E[Y(h) | alive, x, T] = (r+x)(β+T) / ((α+T)(s−1)) [1 − ((β+T)/(β+T+h))^(s−1)], the
    /// factor of P(alive) in FH 2005, eq. 27 (s = 1 limit by continuity).
    fn expected_purchases_if_alive(&self, h: f64, x: f64, t: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        expected_alive_rate_window((r + x) / (alpha + t), beta + t, s, h)
    }

    /// (r+x)/(α+T) · (β+T) · G(1−s, δ(β+T)): the factor of P(alive) in [`ParetoNbd::dert`]
    /// (Fader, Hardie & Lee 2005), `None` when it is not finite (δ ≤ 0 with s ≤ 1).
    fn dert_if_alive(&self, delta: f64, x: f64, t: f64) -> Option<f64> {
        let ParetoNbd { r, alpha, s, beta } = *self;
        if delta.is_nan() || delta <= 0.0 {
            return None;
        }
        let b = beta + t;
        let ln_g = super::special::ln_upper_gamma_scaled(1.0 - s, delta * b);
        let v = ((r + x).ln() - (alpha + t).ln() + b.ln() + ln_g).exp();
        v.is_finite().then_some(v)
    }

    /// P(no purchase in (T, T+h] | alive, x, T): alive and silent through h, or died at u < h
    /// silent until then; with posteriors λ ~ Gamma(r+x, α+T), μ ~ Gamma(s, β+T):
    /// `A^p B^s [(A+h)^−p (B+h)^−s + s (I(A,B,p,s+1,0) − I(A,B,p,s+1,h))]`,
    /// A = α+T, B = β+T, p = r+x.
    fn p_no_purchase_if_alive(&self, h: f64, x: f64, t: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        if h <= 0.0 {
            return 1.0;
        }
        let (a, b, p) = (alpha + t, beta + t, r + x);
        let norm = p * a.ln() + s * b.ln();
        let stay = norm - p * (a + h).ln() - s * (b + h).ln();
        let died_silent = norm
            + s.ln()
            + log_diff_exp(
                ln_tail_integral(a, b, p, s + 1.0, 0.0),
                ln_tail_integral(a, b, p, s + 1.0, h),
            );
        log_sum_exp(stay, died_silent).exp().min(1.0)
    }
}

/// E[purchases in a window h] for a customer alive at its start with mean purchase rate
/// `rate` = E[λ] and dropout μ ~ Gamma(s, b): `rate · b/(s−1) · [1 − (b/(b+h))^(s−1)]`.
fn expected_alive_rate_window(rate: f64, b: f64, s: f64, h: f64) -> f64 {
    if h <= 0.0 {
        return 0.0;
    }
    let e = (s - 1.0) * (b / (b + h)).ln();
    // b/(s−1) (1 − e^{(s−1) ln(b/(b+h))}) → b ln(1 + h/b) as s → 1; expm1 keeps it exact.
    let window = if (s - 1.0).abs() < 1e-12 {
        b * (h / b).ln_1p()
    } else {
        b * -e.exp_m1() / (s - 1.0)
    };
    rate * window
}

/// The Pareto/NBD log-likelihood over compressed patterns, with its gradient. The
/// death-time integral and its derivatives are evaluated once per distinct (x, t_x) and
/// (x, T) pair, not once per pattern. The derivatives of ₂F₁ in its parameters come from
/// differentiating its series term by term (see `ln_f_with_grad`).
pub struct ParetoNbdLikelihood<'a> {
    data: &'a RfmPatterns,
    /// Distinct (x index, t_x index) pairs and each pattern's index into them.
    tx_pairs: Vec<(u32, u32)>,
    tx_pair_of: Vec<u32>,
    /// Distinct (x index, T index) pairs and each pattern's index into them.
    t_pairs: Vec<(u32, u32)>,
    t_pair_of: Vec<u32>,
}

struct ParetoFactory;

impl LikelihoodFactory for ParetoFactory {
    type Lik<'a> = ParetoNbdLikelihood<'a>;
    fn build<'a>(&self, data: &'a RfmPatterns) -> ParetoNbdLikelihood<'a> {
        ParetoNbdLikelihood::new(data)
    }
}

fn pair_index(a: &[u32], b: &[u32]) -> (Vec<(u32, u32)>, Vec<u32>) {
    let mut pairs: Vec<(u32, u32)> = a.iter().copied().zip(b.iter().copied()).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let of = a
        .iter()
        .zip(b)
        .map(|(x, y)| pairs.partition_point(|p| *p < (*x, *y)) as u32)
        .collect();
    (pairs, of)
}

impl<'a> ParetoNbdLikelihood<'a> {
    /// Prepares the pair indices for `data`.
    pub fn new(data: &'a RfmPatterns) -> Self {
        let (tx_pairs, tx_pair_of) = pair_index(&data.x_idx, &data.tx_idx);
        let (t_pairs, t_pair_of) = pair_index(&data.x_idx, &data.t_idx);
        ParetoNbdLikelihood {
            data,
            tx_pairs,
            tx_pair_of,
            t_pairs,
            t_pair_of,
        }
    }

    /// The log-likelihood and its analytic gradient in (r, α, s, β).
    fn value_and_grad(&self, p: &[f64], grad: &mut [f64]) -> f64 {
        let (r, alpha, s, beta) = (p[0], p[1], p[2], p[3]);
        let d = self.data;
        let tail = |pairs: &[(u32, u32)], times: &[f64]| -> Vec<(f64, [f64; 4])> {
            pairs
                .par_iter()
                .map(|&(xi, ti)| {
                    ln_tail_with_grad(r, alpha, s, beta, d.xs[xi as usize], times[ti as usize])
                })
                .collect()
        };
        let tail_tx = tail(&self.tx_pairs, &d.txs);
        let tail_t = tail(&self.t_pairs, &d.ts);
        let (lg_r, psi_r, ln_alpha, ln_beta) = (ln_gamma(r), digamma(r), alpha.ln(), beta.ln());
        // Per distinct x: value and d/dr of lnΓ(r+x) − lnΓ(r) + r ln α + s ln β.
        let base_x: Vec<(f64, f64)> =
            d.xs.iter()
                .map(|x| {
                    (
                        ln_gamma(r + x) - lg_r + r * ln_alpha + s * ln_beta,
                        digamma(r + x) - psi_r + ln_alpha,
                    )
                })
                .collect();
        let ln_at: Vec<f64> = d.ts.iter().map(|t| (alpha + t).ln()).collect();
        let ln_bt: Vec<f64> = d.ts.iter().map(|t| (beta + t).ln()).collect();
        let ln_s = s.ln();
        let sums = par_sum(d.len(), 5, |i, acc| {
            let x = d.x[i];
            let w = d.count[i];
            let ti = d.t_idx[i] as usize;
            let (base, dbase_r) = base_x[d.x_idx[i] as usize];
            let alive = -(r + x) * ln_at[ti] - s * ln_bt[ti];
            let d_alive = [
                -ln_at[ti],
                -(r + x) / (alpha + d.t[i]),
                -ln_bt[ti],
                -s / (beta + d.t[i]),
            ];
            let (l1, g1) = &tail_tx[self.tx_pair_of[i] as usize];
            let (l2, g2) = &tail_t[self.t_pair_of[i] as usize];
            let died = ln_s + log_diff_exp(*l1, *l2);
            let total = log_sum_exp(alive, died);
            // Weights of the two parts: e^{part − total}.
            let w_alive = (alive - total).exp();
            let w_died = if died == f64::NEG_INFINITY {
                0.0
            } else {
                (died - total).exp()
            };
            acc[0] += w * (base + total);
            let dbase = [dbase_r, r / alpha, ln_beta, s / beta];
            let ratio = if w_died > 0.0 { (l2 - l1).exp() } else { 0.0 };
            let one_minus = -(l2 - l1).exp_m1();
            for k in 0..4 {
                let d_died = if w_died > 0.0 {
                    (g1[k] - ratio * g2[k]) / one_minus + if k == 2 { 1.0 / s } else { 0.0 }
                } else {
                    0.0
                };
                acc[k + 1] += w * (dbase[k] + w_alive * d_alive[k] + w_died * d_died);
            }
        });
        grad.copy_from_slice(&sums[1..5]);
        sums[0]
    }
}

impl Likelihood for ParetoNbdLikelihood<'_> {
    fn param_names(&self) -> &'static [&'static str] {
        &PARAM_NAMES
    }

    fn n_obs(&self) -> f64 {
        self.data.n_customers()
    }

    fn value_and_gradient(&self, p: &[f64], grad: &mut [f64]) -> f64 {
        self.value_and_grad(p, grad)
    }

    fn starts(&self) -> Vec<Vec<f64>> {
        // Times are rescaled so mean T = 1.
        let n = self.data.n_customers();
        let rate = (self
            .data
            .x
            .iter()
            .zip(&self.data.count)
            .map(|(x, c)| x * c)
            .sum::<f64>()
            / n)
            .max(1e-3);
        vec![
            vec![1.0, 1.0, 1.0, 1.0],
            vec![0.5, 0.5 / rate, 0.5, 1.0],
            vec![0.2, 0.2 / rate, 1.0, 0.3],
        ]
    }
}

impl ParetoNbd {
    /// DERT(δ | x, t_x, T): discounted expected residual transactions of a customer with
    /// history (x, t_x, T), with continuous discount rate `delta` = δ per time unit of the
    /// data (e.g. ln(1.15)/52 per week for 15% a year): the present value at T of the
    /// customer's transactions after T, each discounted by e^(−δ·(time after T)). Unit:
    /// transactions (multiply by the expected margin per transaction for a residual CLV).
    ///
    /// Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base
    /// Analysis", *Journal of Marketing Research* 42(4), 415–430 (the same expression is
    /// implemented in the BTYD R package's `pnbd.DERT`):
    ///
    /// DERT = α^r β^s δ^(s−1) Γ(r+x+1) U(s, s; δ(β+T))
    ///        / [Γ(r) (α+T)^(r+x+1) L(r, α, s, β | x, t_x, T)],
    ///
    /// with U Tricomi's confluent hypergeometric function and L the individual likelihood
    /// ([`ParetoNbd::log_likelihood_one`]). Evaluated in the equivalent form
    ///
    /// DERT = P(alive | x, t_x, T) · (r+x)/(α+T) · (β+T) · G(1−s, δ(β+T)),
    /// G(a, z) = eᶻ z⁻ᵃ Γ(a, z) = ∫_0^∞ e^(−zu) (1+u)^(a−1) du = z^(s−1) U(s, s; z),
    ///
    /// which is the definition ∫_0^∞ e^(−δt) E[λ · 1{alive at T+t} | x, t_x, T] dt taken
    /// directly: given alive at T the posteriors are λ ~ Gamma(r+x, α+T) and μ ~ Gamma(s, β+T),
    /// independent, so DERT = P(alive) · `E[λ]` · `E[1/(δ+μ)]`, and E[1/(δ+μ)] = ∫_0^∞ e^(−δt)
    /// ((β+T)/(β+T+t))^s dt = (β+T) G(1−s, δ(β+T)). All factors are taken in log space
    /// (through [`super::special::ln_upper_gamma_scaled`] and the likelihood's two parts), so
    /// large x or small δ cannot overflow, and nothing cancels.
    ///
    /// Values of δ: for δ > 0 the result is finite and positive (it decreases with δ, grows
    /// like δ^(s−1) as δ → 0 when s < 1 and like ln(1/δ) when s = 1). δ = 0 gives the
    /// undiscounted limit, the expected number of all future transactions: P(alive) (r+x)
    /// (β+T) / ((α+T)(s−1)) for s > 1, and +inf for s ≤ 1 (lifetimes too heavy-tailed for a
    /// finite total). δ < 0 gives +inf, the value of the defining integral (the weights
    /// e^(−δt) outgrow every posterior survival curve); δ = +inf gives 0. `NaN` only if an
    /// input is `NaN`; no panic. Callers who take δ from users should require δ > 0.
    ///
    /// The other inputs must satisfy the model's usual preconditions (valid parameters,
    /// 0 ≤ t_x ≤ T, x ≥ 0, t_x = 0 when x = 0), as for [`PurchaseModel::p_alive`].
    pub fn dert(&self, delta: f64, x: f64, t_x: f64, t: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        if delta.is_nan() {
            return f64::NAN;
        }
        if delta < 0.0 {
            return f64::INFINITY;
        }
        let b = beta + t;
        // ln E[1/(δ+μ)] − ln(β+T); +inf at δ = 0 when s ≤ 1, −inf at δ = +inf.
        let ln_g = super::special::ln_upper_gamma_scaled(1.0 - s, delta * b);
        if ln_g == f64::INFINITY {
            return f64::INFINITY;
        }
        let (alive, died) = self.ln_parts(x, t_x, t);
        let ln_p_alive = alive - log_sum_exp(alive, died);
        (ln_p_alive + (r + x).ln() - (alpha + t).ln() + b.ln() + ln_g).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cdnow() -> ParetoNbd {
        // Fader & Hardie (2005) CDNOW estimates.
        ParetoNbd {
            r: 0.5533,
            alpha: 10.58,
            s: 0.6062,
            beta: 11.67,
        }
    }

    #[test]
    fn tail_integral_matches_direct_quadrature() {
        // ∫_t^∞ (A+u)^-p (B+u)^-q du, both orderings of A and B, against tanh-sinh on
        // u = t + v/(1−v).
        for (a, b, p, q, t) in [
            (10.58, 11.67, 2.5533, 1.6062, 30.0),
            (11.67, 10.58, 0.5533, 1.6062, 0.0),
            (4.0, 4.0, 3.0, 1.5, 2.0),
        ] {
            let closed = ln_tail_integral(a, b, p, q, t).exp();
            let numeric = super::super::quadrature::beta_expectation(1.0, 1.0, |v: f64| {
                if v >= 1.0 {
                    return 0.0; // u = ∞
                }
                let u = t + v / (1.0 - v);
                (a + u).powf(-p) * (b + u).powf(-q) / ((1.0 - v) * (1.0 - v))
            });
            assert!(
                ((closed - numeric) / numeric).abs() < 1e-8,
                "{closed} vs {numeric}"
            );
        }
    }

    #[test]
    fn gradient_matches_finite_differences_of_the_likelihood() {
        let x = [0.0, 1.0, 2.0, 26.0, 0.0, 300.0, 4.0];
        let tx = [0.0, 2.0, 30.43, 30.86, 0.0, 35.0, 20.0];
        let t = [38.86, 20.0, 38.86, 31.0, 5.0, 36.0, 20.0];
        let data = RfmPatterns::from_customers(&x, &tx, &t, None).unwrap();
        let lik = ParetoNbdLikelihood::new(&data);
        // α > β and α < β take different branches.
        for p in [[0.5533, 10.58, 0.6062, 11.67], [0.8, 15.0, 1.3, 3.0]] {
            let mut g = [0.0; 4];
            let ll = lik.value_and_gradient(&p, &mut g);
            let m = ParetoNbd::from_slice(&p);
            let direct: f64 = (0..x.len())
                .map(|i| m.log_likelihood_one(x[i], tx[i], t[i]))
                .sum();
            assert!((ll - direct).abs() < 1e-9 * ll.abs(), "{ll} vs {direct}");
            for k in 0..4 {
                let h = 1e-5 * p[k];
                let (mut pp, mut pm) = (p, p);
                pp[k] += h;
                pm[k] -= h;
                let mut dummy = [0.0; 4];
                let fd = (lik.value_and_gradient(&pp, &mut dummy)
                    - lik.value_and_gradient(&pm, &mut dummy))
                    / (2.0 * h);
                assert!(
                    (g[k] - fd).abs() < 1e-6 * fd.abs().max(1.0),
                    "param {k}: {} vs {fd}",
                    g[k]
                );
            }
        }
    }

    #[test]
    fn published_conditional_expectation_for_cdnow() {
        // FH 2005 note: E[Y(52) | x = 26, t_x = 30.86, T = 31] = 25.46.
        let e = cdnow().conditional_expected_purchases(52.0, 26.0, 30.86, 31.0);
        assert!((e - 25.46).abs() < 5e-3, "{e}");
    }

    #[test]
    fn count_distribution_is_proper_and_matches_the_mean() {
        let m = cdnow();
        let total: f64 = (0..300).map(|n| m.p_purchases_new(n, 39.0)).sum();
        assert!((total - 1.0).abs() < 1e-7, "{total}");
        let mean: f64 = (0..300)
            .map(|n| f64::from(n) * m.p_purchases_new(n, 39.0))
            .sum();
        assert!(
            (mean - m.expected_purchases_new(39.0)).abs() < 1e-6,
            "{mean}"
        );
    }

    #[test]
    fn p_no_purchase_for_a_new_customer_is_p_of_zero_purchases() {
        let m = cdnow();
        let a = m.p_no_purchase(20.0, 0.0, 0.0, 1e-9);
        let b = m.p_purchases_new(0, 20.0);
        assert!((a - b).abs() < 1e-7, "{a} vs {b}");
    }
}

#[cfg(test)]
mod dert_tests {
    use super::*;
    use crate::models::quadrature::beta_expectation;

    /// CDNOW Pareto/NBD estimates (weeks).
    const CDNOW: ParetoNbd = ParetoNbd {
        r: 0.5533,
        alpha: 10.5764,
        s: 0.6061,
        beta: 11.6691,
    };

    /// ln(1.15)/52: 15% a year, compounded continuously, per week (the f64 written out, so
    /// that the references below are for exactly this input).
    const D15: f64 = 0.002687729661060743;

    // Rows ([r, α, s, β], [x, t_x, T], δ, DERT). mpmath 1.3.0, mp.dps = 40, computed three ways
    // that agree to ≥ 27 significant digits (and the first also at mp.dps = 60):
    //  A: the Fader–Hardie–Lee closed form
    //     α^r β^s δ^(s−1) Γ(r+x+1) hyperu(s, s, δ(β+T)) / (Γ(r) (α+T)^(r+x+1) L), with L from
    //     the FH (2005) likelihood using hyp2f1 (the value listed);
    //  B: the definition ∫_0^∞ e^(−δt) E[λ 1{alive at T+t} | data] dt without special
    //     functions: Γ(r+x+1)α^r/(Γ(r)(α+T)^(r+x+1)) · quad(e^(−δt) (β/(β+T+t))^s, [0, ∞]) / L,
    //     L = Λ(T) (β/(β+T))^s + quad(Λ(u) s β^s (β+u)^(−s−1), [t_x, T]),
    //     Λ(c) = Γ(r+x)α^r/(Γ(r)(α+c)^(r+x)) (the λ integrals, in closed form);
    //  C: as B with the t-integral replaced by quad over μ of the Gamma(s, β) density times
    //     e^(−μT)/(δ+μ), i.e. P(alive) · E[λ | alive] · E[1/(δ+μ) | alive].
    // A in mpmath, every input mpf(f64 value):
    //   F(t) = hyp2f1(r+s+x, s+1, r+s+x+1, (al-be)/(al+t)) / (al+t)**(r+s+x)   if al >= be,
    //          hyp2f1(r+s+x, r+x, r+s+x+1, (be-al)/(be+t)) / (be+t)**(r+s+x)   otherwise;
    //   L = exp(loggamma(r+x) - loggamma(r)) * al**r * be**s
    //       * ((al+T)**-(r+x) * (be+T)**-s + s/(r+s+x) * (F(tx) - F(T)));
    //   DERT = al**r * be**s * d**(s-1) * exp(loggamma(r+x+1) - loggamma(r))
    //          * hyperu(s, s, d*(be+T)) / ((al+T)**(r+x+1) * L).
    // Rows: CDNOW customers at 15% a year; one of them at δ = 1e-4 and 0.05; x = 10⁴ with
    // t_x = 38 (P(alive) ≈ e^−166) and 38.85 (P(alive) ≈ 0.9996); s = 1 exactly; α > β with
    // s = 2.5; s = 20 with β + T ≈ 10⁴; s = 0.05.
    const DERT_REFERENCE: [([f64; 4], [f64; 3], f64, f64); 14] = [
        (
            [0.5533, 10.5764, 0.6061, 11.6691],
            [0.0, 0.0, 38.86],
            0.002687729661060743,
            0.47847420721675643,
        ),
        (
            [0.5533, 10.5764, 0.6061, 11.6691],
            [2.0, 30.43, 38.86],
            0.002687729661060743,
            6.501656310824101,
        ),
        (
            [0.5533, 10.5764, 0.6061, 11.6691],
            [26.0, 35.71, 38.86],
            0.002687729661060743,
            70.17795191262135,
        ),
        (
            [0.5533, 10.5764, 0.6061, 11.6691],
            [1.0, 5.0, 38.86],
            0.002687729661060743,
            1.1613699554409393,
        ),
        (
            [0.5533, 10.5764, 0.6061, 11.6691],
            [2.0, 30.43, 38.86],
            0.0001,
            35.45844635416536,
        ),
        (
            [0.5533, 10.5764, 0.6061, 11.6691],
            [2.0, 30.43, 38.86],
            0.05,
            0.7558406688311258,
        ),
        (
            [0.5533, 10.5764, 0.6061, 11.6691],
            [10000.0, 38.0, 38.86],
            0.002687729661060743,
            2.9523639442235533e-68,
        ),
        (
            [0.5533, 10.5764, 0.6061, 11.6691],
            [10000.0, 38.85, 38.86],
            0.002687729661060743,
            29287.735820749454,
        ),
        (
            [0.5533, 10.5764, 1.0, 11.6691],
            [2.0, 30.43, 38.86],
            0.002687729661060743,
            3.6833840693685005,
        ),
        (
            [0.5533, 10.5764, 1.0, 11.6691],
            [0.0, 0.0, 38.86],
            0.0001,
            0.39636088928628105,
        ),
        (
            [0.8, 15.0, 2.5, 3.0],
            [4.0, 20.0, 38.86],
            0.002687729661060743,
            0.13703876974078835,
        ),
        (
            [0.8, 15.0, 2.5, 3.0],
            [4.0, 20.0, 38.86],
            0.0001,
            0.1563227834671125,
        ),
        (
            [0.8, 1.5, 20.0, 9000.0],
            [7.0, 30.0, 52.0],
            0.01,
            7.268659441820393,
        ),
        (
            [0.3, 2.0, 0.05, 0.5],
            [3.0, 10.0, 60.0],
            0.0001,
            84.04676095431014,
        ),
    ];

    #[test]
    fn dert_matches_mpmath_closed_form_and_definition() {
        assert!((D15 - 1.15f64.ln() / 52.0).abs() <= 1e-18);
        let mut worst = 0.0f64;
        for &([r, alpha, s, beta], [x, t_x, t], delta, want) in &DERT_REFERENCE {
            let m = ParetoNbd { r, alpha, s, beta };
            let got = m.dert(delta, x, t_x, t);
            let rel = ((got - want) / want).abs();
            // The two likelihood parts are each ≈ (r+x) ln(α+T) in magnitude, and P(alive) is
            // their difference: its relative error is a few ulps of that, ~1e-11 at x = 10⁴.
            let tol = 2e-13 * ((r + x) * (alpha + t).ln()).max(5.0);
            assert!(
                rel <= tol,
                "{m:?} x={x} t_x={t_x} T={t} δ={delta}: {got} vs {want} (rel {rel:e})"
            );
            worst = worst.max(rel / tol);
        }
        eprintln!("dert: worst error {worst:.3} of the tolerance");
    }

    /// Test models: CDNOW, s = 1 exactly, α > β with s = 2.5, s = 20 and s = 0.05.
    fn models() -> [ParetoNbd; 5] {
        [
            CDNOW,
            ParetoNbd { s: 1.0, ..CDNOW },
            ParetoNbd {
                r: 0.8,
                alpha: 15.0,
                s: 2.5,
                beta: 3.0,
            },
            ParetoNbd {
                s: 20.0,
                beta: 9000.0,
                ..CDNOW
            },
            ParetoNbd { s: 0.05, ..CDNOW },
        ]
    }

    const HISTORIES: [(f64, f64, f64); 5] = [
        (0.0, 0.0, 38.86),
        (2.0, 30.43, 38.86),
        (26.0, 35.71, 38.86),
        (10000.0, 38.85, 38.86),
        (10000.0, 38.86, 38.86),
    ];

    #[test]
    fn dert_is_the_discounted_integral_of_conditional_expected_purchases() {
        // Integrating by parts, DERT = ∫_0^∞ e^(−δh) dE[Y(h)] = δ ∫_0^∞ e^(−δh) E[Y(h) | data] dh
        // = E[E[Y(H) | data]] for H ~ Exponential(δ), i.e. H = −ln(1 − p)/δ, p ~ Uniform(0, 1):
        // a check through the independent closed form of E[Y(h)] (FH 2005, eq. 27) and
        // tanh-sinh quadrature.
        let mut worst = 0.0f64;
        for m in models() {
            for &(x, t_x, t) in &HISTORIES[..3] {
                for delta in [1e-3, D15, 0.05] {
                    let numeric = beta_expectation(1.0, 1.0, |p: f64| {
                        if p >= 1.0 {
                            return 0.0; // weight ~e^−140 at the last node
                        }
                        let h = -(-p).ln_1p() / delta;
                        m.conditional_expected_purchases(h, x, t_x, t)
                    });
                    let closed = m.dert(delta, x, t_x, t);
                    let rel = ((closed - numeric) / closed).abs();
                    assert!(
                        rel < 1e-8,
                        "{m:?} x={x} δ={delta}: {closed} vs quadrature {numeric} (rel {rel:e})"
                    );
                    worst = worst.max(rel);
                }
            }
        }
        eprintln!("dert vs quadrature of E[Y(h)]: worst relative difference {worst:e}");
    }

    #[test]
    fn dert_limits_and_monotonicity_in_delta() {
        let deltas = [
            1e-12, 1e-9, 1e-6, 1e-4, 1e-3, D15, 0.01, 0.05, 1.0, 1e3, 1e6,
        ];
        for m in models() {
            for &(x, t_x, t) in &HISTORIES {
                // E[λ · 1{alive at T}]: the expected purchase rate just after T.
                let rate = m.p_alive(x, t_x, t) * (m.r + x) / (m.alpha + t);
                let b = m.beta + t;
                let mut prev = f64::INFINITY;
                for &delta in &deltas {
                    let v = m.dert(delta, x, t_x, t);
                    assert!(v.is_finite() && v > 0.0, "{m:?} x={x} δ={delta}: {v}");
                    assert!(v < prev, "{m:?} x={x}: DERT not decreasing at δ={delta}");
                    // E[1/(δ+μ)] < 1/δ: never more than the current rate kept forever.
                    assert!(v * delta <= rate * (1.0 + 1e-12), "{m:?} x={x} δ={delta}");
                    prev = v;
                }
                // δ → ∞: δ·DERT → P(alive) E[λ | alive], the δ-free rate at T; the relative
                // correction is about s/(δ(β+T)) (E[δ/(δ+μ)] ≈ 1 − E[μ]/δ).
                let d = 1e6;
                let ratio = d * m.dert(d, x, t_x, t) / rate;
                assert!(
                    (ratio - 1.0).abs() <= 2.0 * m.s / (d * b) + 1e-12,
                    "{m:?} x={x}: δ·DERT/rate = {ratio}"
                );
                assert_eq!(m.dert(f64::INFINITY, x, t_x, t), 0.0);
                // δ = 0: all future transactions, undiscounted; finite only for s > 1.
                let v0 = m.dert(0.0, x, t_x, t);
                if m.s > 1.0 {
                    let total = rate * b / (m.s - 1.0);
                    assert!(((v0 - total) / total).abs() < 1e-12, "{v0} vs {total}");
                    // = lim E[Y(h)] as h → ∞ (FH 2005, eq. 27)
                    let far = m.conditional_expected_purchases(1e30, x, t_x, t);
                    assert!(((v0 - far) / far).abs() < 1e-12, "{v0} vs {far}");
                    // and DERT is continuous at δ = 0
                    let v = m.dert(1e-12, x, t_x, t);
                    assert!(v < v0 && (v0 - v) / v0 < 1e-9, "{v} vs {v0}");
                } else {
                    assert_eq!(v0, f64::INFINITY);
                }
                // Outside δ ≥ 0: +inf (the defining integral diverges); NaN only from NaN.
                assert_eq!(m.dert(-D15, x, t_x, t), f64::INFINITY);
                assert_eq!(m.dert(f64::NEG_INFINITY, x, t_x, t), f64::INFINITY);
                assert!(m.dert(f64::NAN, x, t_x, t).is_nan());
            }
        }
    }

    #[test]
    fn dert_does_not_depend_on_the_time_unit() {
        // Weeks to days: α, β, t_x, T times 7 and δ divided by 7 leave every probability, and
        // so DERT (a number of transactions), unchanged.
        for m in models() {
            let days = ParetoNbd {
                alpha: m.alpha * 7.0,
                beta: m.beta * 7.0,
                ..m
            };
            for &(x, t_x, t) in &HISTORIES[..3] {
                for delta in [1e-4, D15, 0.05] {
                    let w = m.dert(delta, x, t_x, t);
                    let d = days.dert(delta / 7.0, x, t_x * 7.0, t * 7.0);
                    assert!(
                        ((w - d) / w).abs() < 1e-12,
                        "{m:?} x={x} δ={delta}: {w} vs {d}"
                    );
                }
            }
        }
    }

    #[test]
    fn dert_at_s_one_for_large_x_and_tiny_delta() {
        // s = 1 (where U(1, 1; z) = eᶻ E₁(z)) is no special case: DERT is continuous in s.
        for &(x, t_x, t) in &HISTORIES {
            for delta in [1e-10, 1e-4, D15, 0.05] {
                let at = ParetoNbd { s: 1.0, ..CDNOW }.dert(delta, x, t_x, t);
                for eps in [1e-9, -1e-9] {
                    let near = ParetoNbd {
                        s: 1.0 + eps,
                        ..CDNOW
                    }
                    .dert(delta, x, t_x, t);
                    assert!(
                        ((near - at) / at).abs() < 1e-7,
                        "x={x} δ={delta}: {near} vs {at}"
                    );
                }
            }
        }
        // δ → 0 for s ≤ 1: DERT → ∞ like δ^(s−1) (s < 1) or ln(1/δ) (s = 1), but stays finite
        // down to the smallest δ: (β+T) G(1−s, δ(β+T)) → (β+T)^s Γ(1−s) δ^(s−1) for s < 1,
        // and → −ln(δ(β+T)) − γ for s = 1 (DLMF 8.7.1, 6.6.2).
        for s in [0.05, 0.6061, 1.0] {
            let m = ParetoNbd { s, ..CDNOW };
            for &(x, t_x, t) in &HISTORIES {
                let rate = m.p_alive(x, t_x, t) * (m.r + x) / (m.alpha + t);
                let b = m.beta + t;
                for delta in [1e-300, 1e-100, 1e-12] {
                    let v = m.dert(delta, x, t_x, t);
                    assert!(v.is_finite() && v > 0.0, "s={s} x={x} δ={delta}: {v}");
                    let lead = if s < 1.0 {
                        rate * b.powf(s) * ln_gamma(1.0 - s).exp() * delta.powf(s - 1.0)
                    } else {
                        rate * b * (-(delta * b).ln() - 0.5772156649015329)
                    };
                    // The next terms are relatively O((δb)^(1−s) + δb) for s < 1 and
                    // O(δb) for s = 1.
                    let z = delta * b;
                    let next = if s < 1.0 { z.powf(1.0 - s) + z } else { z };
                    let tol = 2.0 * next + 1e-11;
                    let rel = ((v - lead) / lead).abs();
                    assert!(rel < tol, "s={s} x={x} δ={delta}: {v} vs {lead}");
                }
            }
        }
        // x = 10⁴ bought at T: P(alive) ≈ 1, DERT ≈ E[λ] E[1/(δ+μ)] ≈ 204 purchases a week
        // kept for about a discounted lifetime.
        let v = CDNOW.dert(D15, 10000.0, 38.86, 38.86);
        let pa = CDNOW.p_alive(10000.0, 38.86, 38.86);
        assert!(pa > 0.99 && v.is_finite(), "{pa} {v}");
        let want = 29287.735820749454 / CDNOW.p_alive(10000.0, 38.85, 38.86) * pa;
        assert!(((v - want) / want).abs() < 1e-10, "{v} vs {want}");
    }

    /// Six weeks of data from a Pareto/NBD with strong dropout: the likelihood keeps rising
    /// as s and β grow together (dropout without heterogeneity), and the fit used to follow
    /// that ridge for ever, each likelihood evaluation costlier than the last (a `clvr
    /// train` ran for minutes). It must now stop within a bounded number of evaluations at
    /// a finite optimum no better than the ridge's, on the same r and α as the truth.
    ///
    /// Ignored: it terminates now, but takes 199 s in release (2 cores): the Gauss series
    /// of the likelihood is long along the optimiser's path (with the bound at 1e4 instead
    /// of 1e5 it still took 208 s, so the cost is not only at the bound). The cure is a
    /// cheaper form of 2F1(a, b; a + 1; z) for large parameters (an incomplete beta
    /// function), with its parameter derivatives; not yet written.
    /// `cargo test --release --lib a_likelihood_rising -- --ignored`.
    #[test]
    #[ignore = "terminates, but takes ~200 s: the likelihood's series is long near the bound"]
    fn a_likelihood_rising_for_ever_stops_at_the_parameter_bound() {
        use crate::models::simulate::{SimModel, SimSpec, simulate};
        let truth = ParetoNbd::from_slice(&[2.0, 10.0, 4.0, 20.0]);
        let sim = simulate(&SimSpec {
            model: SimModel::ParetoNbd(truth),
            spend: None,
            customers: 20_000,
            cohort_length: 4.0,
            observation_end: 6.0,
            seed: 2,
            events: None,
        })
        .unwrap();
        let data = RfmPatterns::from_customers(&sim.x, &sim.t_x, &sim.t, None).unwrap();
        let (m, fit) = ParetoNbd::fit(&data, &FitOptions::default()).unwrap();
        assert!(fit.evaluations < 2_000, "{} evaluations", fit.evaluations);
        assert!(
            m.s <= crate::models::optimize::PARAM_MAX
                && m.beta <= crate::models::optimize::PARAM_MAX
        );
        assert!(fit.log_likelihood.is_finite());
        // The purchase side is identified: r and α near the truth.
        assert!(
            (m.r / truth.r - 1.0).abs() < 0.2 && (m.alpha / truth.alpha - 1.0).abs() < 0.2,
            "{m:?}"
        );
        // The dropout ratio s/β (the mean dropout rate) is identified even where s and β are not.
        assert!(
            (m.s / m.beta / (truth.s / truth.beta) - 1.0).abs() < 0.5,
            "{m:?}"
        );
    }
}
