//! MBG/NBD: the modified BG/NBD model.
//!
//! Batislam, E. P., Denizel, M. & Filiztekin, A. (2007), "Empirical validation and
//! comparison of models for customer base analysis", *International Journal of Research in
//! Marketing* 24(3), 201–209. As BG/NBD, but a customer may drop out right after *any*
//! purchase, including the first, so a customer with no repeat purchase is not certainly
//! alive. The mathematics is shared with BG/NBD (see `bgnbd::BgKernel` with shift 1).

use serde::{Deserialize, Serialize};

#[cfg(test)]
use super::bgnbd::BgFamilyLikelihood;
use super::bgnbd::{BgFamily, BgKernel, BgNbd, TIME_POWER};
use super::optimize::{FitOptions, FitResult};
use super::patterns::RfmPatterns;
use super::{FitError, PurchaseModel, fit_rescaled};

/// MBG/NBD parameters, named as in BG/NBD. `alpha` is in the data's time unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MbgNbd {
    /// Shape of the purchase-rate distribution.
    pub r: f64,
    /// Rate (in time units) of the purchase-rate distribution.
    pub alpha: f64,
    /// First shape of the dropout-probability distribution.
    pub a: f64,
    /// Second shape of the dropout-probability distribution.
    pub b: f64,
}

impl MbgNbd {
    /// From `[r, alpha, a, b]`.
    pub fn from_slice(p: &[f64]) -> Self {
        MbgNbd {
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

    /// Maximum-likelihood fit (Batislam et al. 2007, eq. 4) on log-parameters with L-BFGS.
    pub fn fit(data: &RfmPatterns, opts: &FitOptions) -> Result<(Self, FitResult), FitError> {
        let fit = fit_rescaled("MBG/NBD", data, &TIME_POWER, BgFamily { shift: 1.0 }, opts)?;
        Ok((Self::from_slice(&fit.params()), fit))
    }

    /// Log-likelihood of one customer (Batislam et al. 2007, eq. 4):
    /// `Γ(r+x) α^r / Γ(r) · B(a, b+x+1)/B(a,b) · [(α+T)^−(r+x) + a/(b+x) (α+t_x)^−(r+x)]`.
    pub fn log_likelihood_one(&self, x: f64, t_x: f64, t: f64) -> f64 {
        self.kernel().log_likelihood_one(x, t_x, t)
    }

    fn kernel(&self) -> BgKernel {
        BgKernel {
            m: BgNbd::from_slice(&self.to_vec()),
            k: 1.0,
        }
    }
}

impl PurchaseModel for MbgNbd {
    /// E[X(t)] = b/(a−1) [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))] (Batislam et al. 2007,
    /// eq. 7).
    fn expected_purchases_new(&self, t: f64) -> f64 {
        self.kernel().expected_purchases_new(t)
    }

    /// P(X(t) = n) = B(a, b+n+1)/B(a,b) NB(n; r, α, t) + B(a+1, b+n)/B(a,b) P(NB ≥ n)
    /// (Batislam et al. 2007, eq. 6, written with the negative-binomial tail).
    fn p_purchases_new(&self, n: u32, t: f64) -> f64 {
        self.kernel().p_purchases_new(n, t)
    }

    /// P(alive | x, t_x, T) = 1 / (1 + a/(b+x) ((α+T)/(α+t_x))^(r+x)) (Batislam et al. 2007,
    /// eq. 5).
    fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        self.kernel().p_alive(x, t_x, t)
    }

    /// E[Y(h) | alive, x, T] = (a+b+x)/(a−1)
    /// [1 − ((α+T)/(α+T+h))^(r+x) ₂F₁(r+x, b+x+1; a+b+x; h/(α+T+h))], the factor of P(alive)
    /// in Batislam et al. 2007, eq. 8.
    fn expected_purchases_if_alive(&self, h: f64, x: f64, t: f64) -> f64 {
        self.kernel().expected_purchases_if_alive(h, x, t)
    }

    /// P(no purchase in (T, T + h] | alive, x, T) = ((α+T)/(α+T+h))^(r+x).
    fn p_no_purchase_if_alive(&self, h: f64, x: f64, t: f64) -> f64 {
        self.kernel().p_no_purchase_if_alive(h, x, t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Likelihood;

    #[test]
    fn gradient_matches_finite_differences() {
        let x = [0.0, 1.0, 2.0, 5.0, 0.0, 30.0];
        let tx = [0.0, 2.0, 30.43, 10.0, 0.0, 35.0];
        let t = [38.86, 20.0, 38.86, 12.5, 5.0, 36.0];
        let data = RfmPatterns::from_customers(&x, &tx, &t, None).unwrap();
        let lik = BgFamilyLikelihood {
            data: &data,
            shift: 1.0,
        };
        let p = [0.5, 6.0, 0.9, 1.6];
        let mut g = [0.0; 4];
        let ll = lik.value_and_gradient(&p, &mut g);
        let m = MbgNbd::from_slice(&p);
        let direct: f64 = (0..6)
            .map(|i| m.log_likelihood_one(x[i], tx[i], t[i]))
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
    fn count_distribution_is_proper_and_matches_the_mean() {
        let m = MbgNbd {
            r: 0.5248,
            alpha: 6.183,
            a: 0.8914,
            b: 1.614,
        };
        let total: f64 = (0..400).map(|n| m.p_purchases_new(n, 39.0)).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        let mean: f64 = (0..3000)
            .map(|n| f64::from(n) * m.p_purchases_new(n, 39.0))
            .sum();
        assert!(
            (mean - m.expected_purchases_new(39.0)).abs() < 1e-6,
            "{mean}"
        );
        // A customer with no repeat purchase may already be gone.
        assert!(m.p_alive(0.0, 0.0, 30.0) < 1.0);
    }
}
