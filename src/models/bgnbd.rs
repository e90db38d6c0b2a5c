//! BG/NBD: beta-geometric / negative binomial distribution model.
//!
//! Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting your customers' the easy
//! way: an alternative to the Pareto/NBD model", *Marketing Science* 24(2), 275–284; and the
//! companion note Fader, Hardie & Lee (2019 rev.), "Computing P(alive) using the BG/NBD
//! model". While alive, a customer buys at rate λ ~ Gamma(r, α) (shape r, rate α, so α is
//! in time units); after each repeat purchase they drop out with probability
//! p ~ Beta(a, b).

use serde::{Deserialize, Serialize};

use super::optimize::{FitOptions, FitResult, Likelihood};
use super::patterns::RfmPatterns;
use super::special::{digamma, ln_beta, ln_gamma, ln_hyp2f1, log_sum_exp};
use super::{FitError, LikelihoodFactory, PurchaseModel, fit_rescaled, par_sum};

/// BG/NBD parameters. `alpha` is in the time unit of the data it was fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    /// Shape of the purchase-rate distribution.
    pub r: f64,
    /// Rate (inverse scale, in time units) of the purchase-rate distribution.
    pub alpha: f64,
    /// First shape of the dropout-probability distribution.
    pub a: f64,
    /// Second shape of the dropout-probability distribution.
    pub b: f64,
}

/// Parameter names in [`BgNbd::to_vec`] order.
pub const PARAM_NAMES: [&str; 4] = ["r", "alpha", "a", "b"];
/// Power of the time unit each parameter carries (α is a rate: 1/time, so scaled with time).
pub const TIME_POWER: [i32; 4] = [0, 1, 0, 0];

impl BgNbd {
    /// From `[r, alpha, a, b]`.
    pub fn from_slice(p: &[f64]) -> Self {
        BgNbd {
            r: p[0],
            alpha: p[1],
            a: p[2],
            b: p[3],
        }
    }

    /// `[r, alpha, a, b]`.
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.a, self.b]
    }

    /// Maximum-likelihood fit (FHL 2005, eq. 6) on log-parameters with L-BFGS.
    pub fn fit(data: &RfmPatterns, opts: &FitOptions) -> Result<(Self, FitResult), FitError> {
        let fit = fit_rescaled("BG/NBD", data, &TIME_POWER, BgFamily { shift: 0.0 }, opts)?;
        Ok((Self::from_slice(&fit.params()), fit))
    }

    /// Log-likelihood of one customer (FHL 2005, eq. 6), computed with log-sum-exp.
    pub fn log_likelihood_one(&self, x: f64, t_x: f64, t: f64) -> f64 {
        self.kernel().log_likelihood_one(x, t_x, t)
    }

    fn kernel(&self) -> BgKernel {
        BgKernel { m: *self, k: 0.0 }
    }
}

impl PurchaseModel for BgNbd {
    /// E[X(t)] for a customer acquired at time 0 (FHL 2005, eq. 9).
    fn expected_purchases_new(&self, t: f64) -> f64 {
        self.kernel().expected_purchases_new(t)
    }

    /// P(X(t) = n) (FHL 2005, eq. 8).
    fn p_purchases_new(&self, n: u32, t: f64) -> f64 {
        self.kernel().p_purchases_new(n, t)
    }

    /// P(alive | x, t_x, T) (FHL 2005 note on P(alive), eq. 2):
    /// `1 / (1 + δ_{x>0} a/(b+x−1) ((α+T)/(α+t_x))^(r+x))`.
    fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        self.kernel().p_alive(x, t_x, t)
    }

    /// E[Y(h) | alive, x, T]: the factor of P(alive) in FHL 2005, eq. 10,
    /// `(a+b+x−1)/(a−1) [1 − ((α+T)/(α+T+h))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; h/(α+T+h))]`.
    fn expected_purchases_if_alive(&self, h: f64, x: f64, t: f64) -> f64 {
        self.kernel().expected_purchases_if_alive(h, x, t)
    }

    /// P(no purchase in (T, T + h] | alive, x, T) = ((α+T)/(α+T+h))^(r+x): without a
    /// purchase there is no dropout opportunity.
    fn p_no_purchase_if_alive(&self, h: f64, x: f64, t: f64) -> f64 {
        self.kernel().p_no_purchase_if_alive(h, x, t)
    }
}

/// The mathematics shared by BG/NBD (`k = 0`) and MBG/NBD (`k = 1`). With `k = 1` a customer
/// may also drop out right after the first purchase (Batislam et al. 2007), which shifts
/// every Beta(a, b + x) of BG/NBD to Beta(a, b + x + 1) and lets the "dropped after the
/// last purchase" term apply to x = 0 too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BgKernel {
    pub(crate) m: BgNbd,
    pub(crate) k: f64,
}

impl BgKernel {
    /// Log-likelihood of one customer: FHL 2005 eq. 6 (k = 0); Batislam et al. 2007 eq. 4
    /// (k = 1).
    pub(crate) fn log_likelihood_one(&self, x: f64, t_x: f64, t: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = self.m;
        let k = self.k;
        let base =
            ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + ln_beta(a, b + x + k) - ln_beta(a, b);
        let a3 = -(r + x) * (alpha + t).ln();
        if x + k > 0.0 {
            let a4 = a.ln() - (b + x + k - 1.0).ln() - (r + x) * (alpha + t_x).ln();
            base + log_sum_exp(a3, a4)
        } else {
            base + a3
        }
    }

    /// ln of the odds `(a/(b+x+k−1)) ((α+T)/(α+t_x))^(r+x)` of having dropped out versus
    /// being alive; `-inf` when dropping out was impossible (BG/NBD with x = 0).
    fn ln_dead_odds(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if x + self.k == 0.0 {
            return f64::NEG_INFINITY;
        }
        let BgNbd { r, alpha, a, b } = self.m;
        a.ln() - (b + x + self.k - 1.0).ln() + (r + x) * ((alpha + t).ln() - (alpha + t_x).ln())
    }

    /// E[p⁻¹ (1 − (A / (A + p h))^s)] over p ~ Beta(a, bb): expected purchases in a window of
    /// length `h` for an alive customer whose rate posterior is Gamma(s, A). Closed form with
    /// ₂F₁ (FHL 2005, eq. 10) when `a + bb − 1 > 0` and `a ≠ 1`; otherwise by quadrature of
    /// the same expectation.
    fn expected_alive(&self, h: f64, s: f64, big_a: f64, bb: f64) -> f64 {
        if h <= 0.0 {
            return 0.0;
        }
        let a = self.m.a;
        let c = a + bb - 1.0;
        if c > 1e-9 && (a - 1.0).abs() > 1e-7 {
            let z = h / (big_a + h);
            let ln_term = s * (big_a / (big_a + h)).ln() + ln_hyp2f1(s, bb, c, z);
            // (c / (a − 1)) (1 − e^ln_term): both factors change sign at a = 1.
            let v = c / (a - 1.0) * -ln_term.exp_m1();
            if v.is_finite() && v >= 0.0 {
                return v;
            }
        }
        super::quadrature::beta_expectation(a, bb, |p| {
            // (1 − (A/(A + p h))^s) / p, with its limit s h / A at p = 0.
            if p * h < 1e-300 {
                s * h / big_a
            } else {
                -(-s * (p * h / big_a).ln_1p()).exp_m1() / p
            }
        })
    }

    /// E[X(t)]: FHL 2005 eq. 9 (k = 0); Batislam et al. 2007 eq. 7 (k = 1), written as
    /// `E[(1−p)^k] ×` the alive-customer expectation under Beta(a, b + k).
    pub(crate) fn expected_purchases_new(&self, t: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = self.m;
        let survive = (ln_beta(a, b + self.k) - ln_beta(a, b)).exp();
        survive * self.expected_alive(t, r, alpha, b + self.k)
    }

    /// P(X(t) = n): FHL 2005 eq. 8 (k = 0); for k = 1,
    /// `B(a, b+n+1)/B(a,b) NB(n) + B(a+1, b+n)/B(a,b) P(N(t) ≥ n)`. The upper tail of the
    /// negative binomial is summed directly when the lower sum is close to 1.
    pub(crate) fn p_purchases_new(&self, n: u32, t: f64) -> f64 {
        let BgNbd { r, alpha, a, b } = self.m;
        let k = self.k;
        let nf = f64::from(n);
        let ln_p0 = r * (alpha / (alpha + t)).ln();
        let ln_z = (t / (alpha + t)).ln();
        // ln NB(j) = lnΓ(r + j) − lnΓ(r) − ln j! + r ln(α/(α+t)) + j ln(t/(α+t))
        let ln_nb = |j: f64| ln_gamma(r + j) - ln_gamma(r) - ln_gamma(j + 1.0) + ln_p0 + j * ln_z;
        let first = (ln_beta(a, b + nf + k) - ln_beta(a, b) + ln_nb(nf)).exp();
        if nf + k == 0.0 {
            return first.clamp(0.0, 1.0);
        }
        // Tail Σ_{j >= n} NB(j) = 1 − Σ_{j < n} NB(j).
        let lower: f64 = (0..n).map(|j| ln_nb(f64::from(j)).exp()).sum();
        let tail = if lower < 0.9 {
            1.0 - lower
        } else {
            let mut sum = 0.0;
            let mut j = nf;
            loop {
                let term = ln_nb(j).exp();
                sum += term;
                j += 1.0;
                if term < 1e-17 * sum || j > nf + 1e7 {
                    break;
                }
            }
            sum
        };
        let second = (ln_beta(a + 1.0, b + nf + k - 1.0) - ln_beta(a, b)).exp() * tail;
        (first + second).clamp(0.0, 1.0)
    }

    pub(crate) fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        let d = self.ln_dead_odds(x, t_x, t);
        if d == f64::NEG_INFINITY {
            1.0
        } else {
            // 1/(1+e^d) = e^{-softplus(d)}
            (-(d.max(0.0) + (-d.abs()).exp().ln_1p())).exp()
        }
    }

    /// Expected purchases of an alive customer, whose posterior is λ ~ Gamma(r + x, α + T)
    /// and p ~ Beta(a, b + x + k).
    pub(crate) fn expected_purchases_if_alive(&self, h: f64, x: f64, t: f64) -> f64 {
        let m = self.m;
        self.expected_alive(h, m.r + x, m.alpha + t, m.b + x + self.k)
    }

    /// An alive customer's rate posterior is Gamma(r + x, α + T), and without a purchase
    /// there is no dropout opportunity.
    pub(crate) fn p_no_purchase_if_alive(&self, h: f64, x: f64, t: f64) -> f64 {
        if h <= 0.0 {
            return 1.0;
        }
        ((self.m.r + x) * ((self.m.alpha + t) / (self.m.alpha + t + h)).ln()).exp()
    }
}

/// Builds [`BgFamilyLikelihood`]s with a given shift.
pub(crate) struct BgFamily {
    pub(crate) shift: f64,
}

impl LikelihoodFactory for BgFamily {
    type Lik<'a> = BgFamilyLikelihood<'a>;
    fn build<'a>(&self, data: &'a RfmPatterns) -> BgFamilyLikelihood<'a> {
        BgFamilyLikelihood {
            data,
            shift: self.shift,
        }
    }
}

/// The BG/NBD (`shift` 0) or MBG/NBD (`shift` 1) log-likelihood over compressed patterns,
/// with its analytic gradient.
pub struct BgFamilyLikelihood<'a> {
    /// The data.
    pub data: &'a RfmPatterns,
    /// 0 for BG/NBD, 1 for MBG/NBD.
    pub shift: f64,
}

impl Likelihood for BgFamilyLikelihood<'_> {
    fn param_names(&self) -> &'static [&'static str] {
        &PARAM_NAMES
    }

    fn n_obs(&self) -> f64 {
        self.data.n_customers()
    }

    fn value_and_gradient(&self, p: &[f64], grad: &mut [f64]) -> f64 {
        let (r, alpha, a, b) = (p[0], p[1], p[2], p[3]);
        let (d, k) = (self.data, self.shift);
        // Per distinct x: Γ and ψ terms. Per distinct T and t_x: ln(α + ·) and 1/(α + ·).
        let (psi_r, psi_ab, lg_r, lg_b, lg_ab) = (
            digamma(r),
            digamma(a + b),
            ln_gamma(r),
            ln_gamma(b),
            ln_gamma(a + b),
        );
        let psi_b = digamma(b);
        struct XTerm {
            base: f64,
            d_r: f64,
            d_a: f64,
            d_b: f64,
            ln_b1: f64,
        }
        let xt: Vec<XTerm> =
            d.xs.iter()
                .map(|&x| {
                    let psi_abx = digamma(a + b + x + k);
                    XTerm {
                        base: ln_gamma(r + x) - lg_r + r * alpha.ln() + lg_ab + ln_gamma(b + x + k)
                            - lg_b
                            - ln_gamma(a + b + x + k),
                        d_r: digamma(r + x) - psi_r + alpha.ln(),
                        d_a: psi_ab - psi_abx,
                        d_b: digamma(b + x + k) - psi_b + psi_ab - psi_abx,
                        ln_b1: if x + k > 0.0 {
                            (b + x + k - 1.0).ln()
                        } else {
                            0.0
                        },
                    }
                })
                .collect();
        let ln_t: Vec<f64> = d.ts.iter().map(|t| (alpha + t).ln()).collect();
        let ln_tx: Vec<f64> = d.txs.iter().map(|t| (alpha + t).ln()).collect();
        let ln_a = a.ln();
        let sums = par_sum(d.len(), 5, |i, acc| {
            let x = d.x[i];
            let w = d.count[i];
            let xi = &xt[d.x_idx[i] as usize];
            let (lt, ltx) = (ln_t[d.t_idx[i] as usize], ln_tx[d.tx_idx[i] as usize]);
            let rx = r + x;
            let a3 = -rx * lt;
            let (lse, w4) = if x + k > 0.0 {
                let a4 = ln_a - xi.ln_b1 - rx * ltx;
                let m = a3.max(a4);
                let e = (-(a3 - a4).abs()).exp();
                let lse = m + e.ln_1p();
                // weight of the a4 term: e^{a4 - lse}
                let w4 = if a4 >= a3 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                };
                (lse, w4)
            } else {
                (a3, 0.0)
            };
            let w3 = 1.0 - w4;
            let inv_t = 1.0 / (alpha + d.t[i]);
            let inv_tx = 1.0 / (alpha + d.t_x[i]);
            acc[0] += w * (xi.base + lse);
            acc[1] += w * (xi.d_r - w3 * lt - w4 * ltx);
            acc[2] += w * (r / alpha - rx * (w3 * inv_t + w4 * inv_tx));
            acc[3] += w * (xi.d_a + w4 / a);
            acc[4] += w
                * (xi.d_b
                    - if x + k > 0.0 {
                        w4 / (b + x + k - 1.0)
                    } else {
                        0.0
                    });
        });
        grad.copy_from_slice(&sums[1..5]);
        sums[0]
    }

    fn starts(&self) -> Vec<Vec<f64>> {
        // Data rescaled so mean T = 1: the purchase rate r/α is about mean x / mean T.
        let rate = (self
            .data
            .x
            .iter()
            .zip(&self.data.count)
            .map(|(x, c)| x * c)
            .sum::<f64>()
            / self.data.n_customers())
        .max(1e-3);
        vec![
            vec![1.0, 1.0, 1.0, 1.0],
            vec![0.5, 0.5 / rate, 0.8, 2.5],
            vec![0.1, 0.1 / rate, 0.5, 0.5],
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published CDNOW estimates (FHL 2005, Table/text; Fader & Hardie BG/NBD note).
    fn cdnow() -> BgNbd {
        BgNbd {
            r: 0.2426,
            alpha: 4.414,
            a: 0.7929,
            b: 2.426,
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let x = [0.0, 1.0, 2.0, 5.0, 0.0, 30.0];
        let tx = [0.0, 2.0, 30.43, 10.0, 0.0, 35.0];
        let t = [38.86, 20.0, 38.86, 12.5, 5.0, 36.0];
        let data = RfmPatterns::from_customers(&x, &tx, &t, None).unwrap();
        let lik = BgFamilyLikelihood {
            data: &data,
            shift: 0.0,
        };
        let p = [0.3, 4.0, 0.9, 2.2];
        let mut g = [0.0; 4];
        let ll = lik.value_and_gradient(&p, &mut g);
        let direct: f64 = (0..6)
            .map(|i| BgNbd::from_slice(&p).log_likelihood_one(x[i], tx[i], t[i]))
            .sum();
        assert!((ll - direct).abs() < 1e-10 * ll.abs(), "{ll} vs {direct}");
        for k in 0..4 {
            let h = 1e-6 * p[k];
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

    #[test]
    fn published_predictions_for_cdnow() {
        let m = cdnow();
        // FHL 2005: E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226, P(alive) = 0.7266 (note).
        let ey = m.conditional_expected_purchases(39.0, 2.0, 30.43, 38.86);
        assert!((ey - 1.2259).abs() < 5e-4, "{ey}");
        let pa = m.p_alive(2.0, 30.43, 38.86);
        assert!((pa - 0.7266).abs() < 5e-5, "{pa}");
        for (t, want) in [(1.0, 0.05319), (3.0, 0.1506), (32.0, 1.0437), (78.0, 1.858)] {
            let got = m.expected_purchases_new(t);
            assert!(
                ((got - want) / want).abs() < 5e-4,
                "E[X({t})] = {got}, want {want}"
            );
        }
        // P(X(t) = 0) = (α/(α+t))^r (FHL 2005, eq. 8 with x = 0).
        let p0 = m.p_purchases_new(0, 39.0);
        assert!(
            (p0 - (4.414f64 / 43.414).powf(0.2426)).abs() < 1e-14,
            "{p0}"
        );
    }

    #[test]
    fn probabilities_of_counts_sum_to_one() {
        let m = cdnow();
        let total: f64 = (0..400).map(|n| m.p_purchases_new(n, 39.0)).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        // And their mean is E[X(t)].
        let mean: f64 = (0..2000)
            .map(|n| f64::from(n) * m.p_purchases_new(n, 39.0))
            .sum();
        assert!(
            (mean - m.expected_purchases_new(39.0)).abs() < 1e-6,
            "{mean}"
        );
    }

    #[test]
    fn p_no_purchase_agrees_with_the_count_distribution_for_a_new_customer() {
        // A customer with x = 0 at T -> 0 is a new customer: P(no purchase in h) = P(X(h) = 0).
        let m = cdnow();
        let a = m.p_no_purchase(20.0, 0.0, 0.0, 1e-12);
        let b = m.p_purchases_new(0, 20.0);
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
}
